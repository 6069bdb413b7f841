/**
 * @file exec_tests.c
 * @brief ktests of the ELF loader's mapping (exec.c): a program loaded
 *        from a file gets its whole file pages on first touch, holding the
 *        file's bytes; one loaded from memory gets every page at once; in
 *        both the partial pages and .bss hold what the program expects.
 *
 * Beside exec.c because they look inside an address space (uspace.h),
 * which is private to kernel/user.
 */
#include "exec.h"
#include "exec_elf.h"
#include <hal/mmu.h>
#include <hal/uregs.h> /* ARCH_ELF_MACHINE */
#include <hal/user.h>
#include <kernel/errno.h>
#include <kernel/file_page.h>
#include <kernel/kmalloc.h>
#include <kernel/ktest.h>
#include <kernel/kprintf.h>
#include <kernel/printf.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/vfs.h>

static int mapped(struct uspace *us, uintptr_t va)
{
    uint64_t pa;
    return vm_translate(&us->as, va, &pa, NULL) == 0;
}

/* The page at @p va, touched (read) and copied out to @p buf; 0 or an errno. */
static int page_of(struct uspace *us, uintptr_t va, uint8_t *buf)
{
    int e = uspace_fault(us, va, 0);
    uint64_t pa;
    if (e < 0 || vm_translate(&us->as, va, &pa, NULL) != 0)
        return e < 0 ? e : -EFAULT;
    memcpy(buf, hal_phys_to_virt(pa & ~(uint64_t)(PAGE_SIZE - 1)), PAGE_SIZE);
    return 0;
}

/*
 * Load @p data (a built-in program's image) into a fresh space, from @p
 * file if given; then check each segment page by page: with a file, the
 * pages its file bytes fill whole (and its last one, in a segment without
 * .bss) are not there until touched; every page holds the segment's file
 * bytes where it has them, zeroes after them (.bss) or, on a last page
 * mapped from the file, the file's bytes (zeroes past its end), and before
 * the segment's start on its first page the file's bytes (from a file) or
 * zeroes (copied). Returns the failures.
 */
static int load_and_check(const uint8_t *data, size_t len, struct file *file, unsigned *lazy)
{
    static struct exec_elf x; /* ~5 KiB; ktests run one at a time */
    uint8_t *buf = kmalloc(PAGE_SIZE);
    struct uspace *us = uspace_create();
    int bad = 0;
    *lazy = 0;
    if (!buf || !us || exec_elf_parse(data, len, ARCH_ELF_MACHINE, hal_user_top(), &x, NULL, 0) != 0) {
        kfree(buf);
        if (us)
            uspace_destroy(us);
        return 1;
    }
    char *argv[] = {"exec-test", NULL}, *envp[] = {NULL};
    struct exec_info ei;
    /* with a file, every byte the loader reads comes from it, none from data */
    const struct exec_image img = {.data = file ? NULL : data, .len = len, .file = file};
    if (exec_load(us, &img, "exec-test", NULL, argv, envp, &ei, NULL, 0) != 0)
        bad++;
    for (unsigned i = 0; !bad && i < x.nseg; i++) {
        const struct exec_elf_seg *s = &x.seg[i];
        const Elf64_Phdr *p = s->ph;
        uintptr_t lo = p->p_vaddr + x.bias, fend = lo + p->p_filesz;
        int nobss = p->p_memsz == p->p_filesz;
        uint64_t foff = p->p_offset & ~(uint64_t)(PAGE_SIZE - 1); /* the file offset of s->start */
        for (uintptr_t va = s->start; va < s->end; va += PAGE_SIZE) {
            /* the file's pages come on first touch, as do .bss's zeroed
             * ones; those holding copied bytes are there already (all
             * looked at before any is touched: a touch maps neighbours) */
            int whole = file && (va + PAGE_SIZE <= fend || nobss);
            int copied = !whole && va < fend && va + PAGE_SIZE > lo;
            if (copied != mapped(us, va)) {
                kprintf("exec_tests: page %#lx %s before its first touch\n", (unsigned long)va,
                        copied ? "missing" : "present");
                bad++;
            }
            *lazy += whole;
        }
        for (uintptr_t va = s->start; va < s->end; va += PAGE_SIZE) {
            int whole = file && (va + PAGE_SIZE <= fend || nobss);
            if (page_of(us, va, buf) != 0) {
                bad++;
                continue;
            }
            for (uintptr_t a = va; a < va + PAGE_SIZE; a++) {
                uint64_t at = foff + (a - s->start); /* the file's byte there, if from the file */
                uint8_t want = a >= fend ? (whole && at < len ? data[at] : 0)
                               : a >= lo ? data[p->p_offset + (a - lo)]
                               : file    ? data[at]
                                         : 0;
                if (buf[a - va] != want) {
                    kprintf("exec_tests: byte %#lx is %#x, not %#x\n", (unsigned long)a, buf[a - va], want);
                    bad++;
                    break;
                }
            }
        }
    }
    kfree(buf);
    uspace_destroy(us);
    return bad;
}

/* The @p len bytes at @p d written to a fresh executable file whose name
 * goes to @p path; the file, open for writing, or NULL. */
static struct file *bytes_as_file(const void *d, size_t len, char *path, size_t n)
{
    static unsigned seq;
    struct file *f;
    if (vfs_init() != 0)
        return NULL;
    ksnprintf(path, n, "/tmp/kt-exec-%u", __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
    if (vfs_open(NULL, path, O_RDWR | O_CREAT | O_TRUNC, 0755, &f) != 0)
        return NULL;
    if (vfs_write(f, &(struct iobuf){(uintptr_t)d, 0}, len, NULL) != (long)len) {
        file_put(f);
        vfs_unlink(NULL, path, 0);
        return NULL;
    }
    return f;
}

/* usyscalls, the biggest built-in (text, read-only data, and a data
 * segment with .bss after it), written to a fresh file whose name goes to
 * @p path; the file, open, or NULL. */
static struct file *usyscalls_as_file(const struct uprog **u, char *path, size_t n)
{
    *u = uprog_find("usyscalls");
    return *u ? bytes_as_file((*u)->image, (size_t)((*u)->end - (*u)->image), path, n) : NULL;
}

KTEST(user_exec_maps_file_pages_on_first_touch)
{
    const struct uprog *u;
    char path[48];
    uint64_t before = kt_free_frames();
    struct file *f = usyscalls_as_file(&u, path, sizeof path);
    KT_ASSERT(f != NULL);
    size_t len = (size_t)(u->end - u->image);
    unsigned lazy;
    KT_ASSERT(load_and_check(u->image, len, f, &lazy) == 0);
    KT_ASSERT(lazy > 0); /* some page was the file's alone, or nothing was tested */
    KT_ASSERT(load_and_check(u->image, len, NULL, &lazy) == 0);
    KT_ASSERT(lazy == 0);
    file_put(f);
    KT_ASSERT(vfs_unlink(NULL, path, 0) == 0);
    /* the spaces' pages, the file's and their tables (what else runs may
     * hold a few, as in user_tests.c) */
    KT_ASSERT(kt_free_frames() + 8 >= before);
}

KTEST(user_program_runs_from_a_file)
{
    /* The same program run from the file: every check of usyscalls passes
     * with its text and data read from the file as it touches them. */
    const struct uprog *u;
    char path[48];
    struct file *f = usyscalls_as_file(&u, path, sizeof path);
    KT_ASSERT(f != NULL);
    size_t len = (size_t)(u->end - u->image);
    char *argv[] = {"usyscalls", NULL}, *envp[] = {NULL};
    int pid;
    int e = proc_spawn_image("usyscalls", &(struct exec_image){.len = len, .file = f}, argv, envp, &pid,
                             NULL, 0);
    file_put(f); /* the process holds its own reference */
    KT_ASSERT(e == 0);
    KT_ASSERT(proc_wait(pid) == 0); /* exit code = failures (its output says which) */
    KT_ASSERT(vfs_unlink(NULL, path, 0) == 0);
}

KTEST(user_running_program_file_is_busy)
{
    /* A program's file, taken for execve(), refuses writers and truncation
     * until the last process mapping it is gone; and a file open for
     * writing cannot be run (ETXTBSY both ways, as Linux). */
    const struct uprog *u;
    char path[48];
    struct file *w = usyscalls_as_file(&u, path, sizeof path), *f;
    KT_ASSERT(w != NULL);
    struct exec_image img;
    KT_ASSERT(sys_find_image(path, &img) == -ETXTBSY); /* w writes it */
    file_put(w);
    KT_ASSERT(sys_find_image(path, &img) == 0);
    KT_ASSERT(img.file != NULL);
    KT_ASSERT(vfs_open(NULL, path, O_WRONLY, 0, &f) == -ETXTBSY);
    KT_ASSERT(vfs_open(NULL, path, O_RDWR | O_TRUNC, 0, &f) == -ETXTBSY);
    KT_ASSERT(vfs_open(NULL, path, O_RDONLY, 0, &f) == 0); /* reading is fine */
    file_put(f);
    char *argv[] = {"usyscalls", NULL}, *envp[] = {NULL};
    int pid;
    KT_ASSERT(proc_spawn_image("usyscalls", &img, argv, envp, &pid, NULL, 0) == 0);
    exec_image_put(&img); /* the process's mappings keep the file busy */
    KT_ASSERT(proc_wait(pid) == 0);
    /* the process is gone, and with it the last mapping (its reaping may
     * lag a moment behind the wait) */
    int e = -ETXTBSY;
    for (int i = 0; i < 100 && e == -ETXTBSY; i++) {
        e = vfs_open(NULL, path, O_WRONLY | O_TRUNC, 0, &f);
        if (e == -ETXTBSY)
            thread_sleep_ms(10);
    }
    KT_ASSERT(e == 0);
    file_put(f);
    KT_ASSERT(vfs_unlink(NULL, path, 0) == 0);
}

KTEST(user_file_pages_are_shared_until_written)
{
    /* Private mappings of a tmpfs file map the file's own frame of a page
     * on a first touch that reads, read-only even where the mapping may
     * write; a write (the program's, or the kernel's on its behalf) gets a
     * copy, and the file and the other mappings keep the file's bytes. */
    const struct uprog *u;
    char path[48];
    uint64_t before = kt_free_frames();
    struct file *f = usyscalls_as_file(&u, path, sizeof path);
    KT_ASSERT(f != NULL);
    KT_ASSERT(f->inode->size >= 2 * PAGE_SIZE);
    uint64_t fpa, pa;
    unsigned prot;
    KT_ASSERT(f->ops->page && f->ops->page(f, 1, &fpa) == 0);
    KT_ASSERT(file_page_is(fpa));
    struct uspace *a = uspace_create(), *b = uspace_create();
    KT_ASSERT(a && b);
    const uintptr_t va = 0x400000;
    KT_ASSERT(uspace_map_file(a, va, 2 * PAGE_SIZE, MMU_WRITE, f, 0) == 0);
    KT_ASSERT(uspace_map_file(b, va, 2 * PAGE_SIZE, 0, f, 0) == 0);
    KT_ASSERT(uspace_fault(a, va + PAGE_SIZE, 0) == 0 && uspace_fault(b, va + PAGE_SIZE, 0) == 0);
    KT_ASSERT(vm_translate(&a->as, va + PAGE_SIZE, &pa, &prot) == 0);
    KT_ASSERT(pa == fpa && !(prot & MMU_WRITE));
    KT_ASSERT(vm_translate(&b->as, va + PAGE_SIZE, &pa, &prot) == 0);
    KT_ASSERT(pa == fpa);
    /* the program writes: a copy of its own, writable, with the same bytes */
    KT_ASSERT(uspace_fault(a, va + PAGE_SIZE, UFAULT_WRITE) == 0);
    KT_ASSERT(vm_translate(&a->as, va + PAGE_SIZE, &pa, &prot) == 0);
    KT_ASSERT(pa != fpa && !file_page_is(pa) && (prot & MMU_WRITE));
    KT_ASSERT(memcmp(hal_phys_to_virt(pa), hal_phys_to_virt(fpa), PAGE_SIZE) == 0);
    /* the kernel writes into b's read-only mapping (as the loader does) */
    KT_ASSERT(uspace_write(b, va + PAGE_SIZE + 5, "X", 1) == 0);
    KT_ASSERT(vm_translate(&b->as, va + PAGE_SIZE, &pa, NULL) == 0);
    KT_ASSERT(pa != fpa && ((char *)hal_phys_to_virt(pa))[5] == 'X');
    KT_ASSERT(memcmp(hal_phys_to_virt(fpa), u->image + PAGE_SIZE, PAGE_SIZE) == 0);
    /* a first touch that writes copies at once */
    KT_ASSERT(uspace_fault(a, va, UFAULT_WRITE) == 0);
    KT_ASSERT(vm_translate(&a->as, va, &pa, NULL) == 0 && !file_page_is(pa));
    KT_ASSERT(memcmp(hal_phys_to_virt(pa), u->image, PAGE_SIZE) == 0);
    file_page_put(fpa);
    uspace_destroy(a);
    uspace_destroy(b);
    file_put(f);
    KT_ASSERT(vfs_unlink(NULL, path, 0) == 0);
    KT_ASSERT(kt_free_frames() + 8 >= before); /* the file's pages went with it */
}

/*
 * usyscalls with its program header table moved to the file's end, one
 * entry more there: a PT_INTERP whose path @p ipath follows the table
 * (@p ipath NULL: a PT_NULL), @p fix applied last; written to a file, run
 * by path as execve() runs it (sys_find_image(), exec_load()). The
 * loader's result, its message in @p err.
 */
static int exec_moved_table(const char *ipath, void (*fix)(uint8_t *f, size_t len, Elf64_Ehdr *eh), char *err,
                            size_t errlen, unsigned *lazy)
{
    const struct uprog *u = uprog_find("usyscalls");
    if (!u)
        return -ENOENT;
    size_t ulen = (size_t)(u->end - u->image), at = (ulen + 7) & ~(size_t)7;
    Elf64_Ehdr eh;
    memcpy(&eh, u->image, sizeof eh);
    size_t tab = ((size_t)eh.e_phnum + 1) * sizeof(Elf64_Phdr), ilen = ipath ? strlen(ipath) + 1 : 0;
    size_t len = at + tab + ilen;
    uint8_t *f = kzalloc(len);
    if (!f)
        return -ENOMEM;
    memcpy(f, u->image, ulen);
    memcpy(f + at, u->image + eh.e_phoff, tab - sizeof(Elf64_Phdr));
    Elf64_Phdr *extra = (Elf64_Phdr *)(f + at) + eh.e_phnum;
    if (ipath) {
        *extra = (Elf64_Phdr){.p_type = PT_INTERP, .p_flags = PF_R, .p_offset = at + tab,
                              .p_filesz = ilen, .p_memsz = ilen, .p_align = 1};
        memcpy(f + at + tab, ipath, ilen);
    }
    eh.e_phoff = at;
    eh.e_phnum++;
    memcpy(f, &eh, sizeof eh);
    if (fix)
        fix(f, len, (Elf64_Ehdr *)f);
    char path[48];
    struct file *w = bytes_as_file(f, len, path, sizeof path);
    int e = w ? 0 : -EIO;
    if (w)
        file_put(w); /* no writer: it can run */
    struct exec_image img;
    struct uspace *us = uspace_create();
    if (!e)
        e = us ? sys_find_image(path, &img) : -ENOMEM;
    if (!e) {
        char *argv[] = {"exec-test", NULL}, *envp[] = {NULL};
        struct exec_info ei;
        err[0] = 0;
        e = exec_load(us, &img, path, NULL, argv, envp, &ei, err, errlen);
        if (!e && lazy) /* the moved table read from the file, the pages as usyscalls's */
            e = load_and_check(f, len, img.file, lazy) ? -EINVAL : 0;
        exec_image_put(&img);
    }
    if (us)
        uspace_destroy(us);
    if (w)
        vfs_unlink(NULL, path, 0);
    kfree(f);
    return e;
}

static void table_one_past_end(uint8_t *f, size_t len, Elf64_Ehdr *eh)
{
    (void)f;
    eh->e_phoff = len - eh->e_phnum * sizeof(Elf64_Phdr) + 1;
}

static void interp_past_end(uint8_t *f, size_t len, Elf64_Ehdr *eh)
{
    Elf64_Phdr *p = (Elf64_Phdr *)(f + eh->e_phoff) + eh->e_phnum - 1;
    p->p_offset = len - 4; /* 8 bytes from there */
}

KTEST(user_exec_reads_the_headers_it_needs)
{
    /* The loader reads a file's first bytes, then what else it needs
     * where it is: a program header table and an interpreter's path past
     * those first bytes are read from the file, and checked against its
     * length before, as in memory. */
    char err[96];
    unsigned lazy = 0;
    KT_ASSERT(exec_moved_table(NULL, NULL, err, sizeof err, &lazy) == 0);
    KT_ASSERT(lazy > 0);
    KT_ASSERT(exec_moved_table(NULL, table_one_past_end, err, sizeof err, NULL) == -ENOEXEC);
    KT_ASSERT(strcmp(err, "program header table runs past the end of the file") == 0);
    /* the path read, past the first bytes: the interpreter is looked for */
    KT_ASSERT(exec_moved_table("/nonexistent/ld-kt.so", NULL, err, sizeof err, NULL) == -ENOENT);
    KT_ASSERT(strcmp(err, "the interpreter (PT_INTERP) cannot be found") == 0);
    KT_ASSERT(exec_moved_table("/nonexistent/ld-kt.so", interp_past_end, err, sizeof err, NULL) == -ENOEXEC);
    KT_ASSERT(strcmp(err, "the interpreter's path runs past the end of the file") == 0);
}

KTEST(user_exec_holds_no_copy_of_the_program)
{
    /* execve reads a file's first bytes, not the file: usyscalls followed
     * by 4 MiB (a hole, read as zeroes) costs the finder a few pages at
     * most, and loads as well. */
    const struct uprog *u;
    char path[48];
    struct file *w = usyscalls_as_file(&u, path, sizeof path);
    KT_ASSERT(w != NULL);
    size_t len = (size_t)(u->end - u->image) + (4u << 20);
    KT_ASSERT(vfs_truncate(w->inode, len) == 0);
    file_put(w);
    uint64_t before = kt_free_frames();
    struct exec_image img;
    KT_ASSERT(sys_find_image(path, &img) == 0);
    uint64_t held = kt_free_frames();
    KT_ASSERT(img.len == len && img.file && img.have < len);
    KT_ASSERT(held + 16 >= before); /* a copy would be over a thousand */
    struct uspace *us = uspace_create();
    KT_ASSERT(us != NULL);
    char *argv[] = {"exec-test", NULL}, *envp[] = {NULL};
    struct exec_info ei;
    KT_ASSERT(exec_load(us, &img, path, NULL, argv, envp, &ei, NULL, 0) == 0);
    uspace_destroy(us);
    exec_image_put(&img);
    KT_ASSERT(vfs_unlink(NULL, path, 0) == 0);
}
