/**
 * @file exec.c
 * @brief execve() in the order it happens: the call's arguments copied in
 *        (sys_execve()), the program found (sys_find_image(); a #! script's
 *        interpreter in its place), loaded into a new address space while
 *        the old program is still whole (exec_load(): static, static-PIE and
 *        dynamically linked executables of this machine, ARCH_ELF_MACHINE,
 *        their segments, their interpreter's, and the initial stack the
 *        System V psABIs describe), and only then put in the old one's place
 *        (proc_exec(), exec_commit()), by the first thread when another
 *        made the call (proc_exec_takeover()).
 *
 * Every field of the file is distrusted: exec_elf.c checks offsets and
 * sizes against the file's length without overflow, segments against user
 * space and against each other (page granularity), rights against W^X, the
 * entry point against the executable segments, the interpreter's path
 * against the file. What it accepts, this file maps, with the interpreter
 * (PT_INTERP) checked the same way; ET_DYN files at random bases, the
 * stack's top and the mmap base lower by random offsets, unless
 * /proc/sys/kernel/randomize_va_space is 0. What the process's
 * threads are, and how they end, is proc.c's: execve asks it to end the
 * others (proc_end_other_threads()).
 */
#include "exec.h"
#include "exec_elf.h"
#include "futex.h"
#include "signal.h"
#include <hal/cpu.h>
#include <hal/uregs.h>
#include <hal/user.h>
#include <kernel/elf.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/printf.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/user.h>
#include <kernel/vdso.h>
#include <kernel/vfs.h>
#include <kernel/vmalloc.h>

/* ---- the call: its arguments copied in ---- */

/* execve's strings as they are copied in: their bytes one after another
 * in @c buf, where each starts in @c at; both grown as they fill, so a
 * call takes memory for what it passes, not for what it might. */
struct exec_strs {
    char *buf;
    size_t used, room;
    uintptr_t *at; /* offsets in buf, then (exec_strs_vectors()) pointers */
    size_t n, cap;
};

static void *big_alloc(size_t n) { return n <= 65536 ? kmalloc(n) : vmalloc(n); }
static void big_free(void *p, size_t n) { n <= 65536 ? kfree(p) : vfree(p); }

/* ---- the program's bytes: read where they are needed ---- */

/* Bytes of a file's start read at once (sys_find_image()): a #! line
 * (SCRIPT_LINE_MAX) and, in most executables, the ELF header, the program
 * headers and the interpreter's path, in one read. */
#define EXEC_HEAD 1024

/* Bytes of @p img at its data: all of them without a file. */
static size_t img_have(const struct exec_image *img) { return img->file ? img->have : img->len; }

/* Copy @p img's @p n bytes at @p off (inside it: the caller checked) to
 * @p buf, from its first bytes in memory or else from its file; 0 or an
 * errno (a failed or short read: -EIO, as Linux's). */
static int img_read(const struct exec_image *img, uint64_t off, void *buf, size_t n)
{
    size_t have = img_have(img);
    if (off <= have && n <= have - off) {
        memcpy(buf, (const uint8_t *)img->data + off, n);
        return 0;
    }
    if (!img->file)
        return -EIO;
    uint64_t pos = off;
    long r = vfs_read(img->file, &(struct iobuf){(uintptr_t)buf, 0}, n, &pos);
    return r == (long)n ? 0 : r < 0 ? (int)r : -EIO;
}

static int img_src_read(const struct exec_elf_src *src, uint64_t off, void *buf, size_t n)
{
    return img_read(src->ctx, off, buf, n);
}

/* exec_elf_parse() of @p img, read as needed. */
static int img_parse(const struct exec_image *img, struct exec_elf *x, char *err, size_t errlen)
{
    const struct exec_elf_src src = {img->len, img_src_read, img};
    return exec_elf_parse_from(&src, ARCH_ELF_MACHINE, hal_user_top(), x, err, errlen);
}

/* @p *p of @p *cap bytes (@p used of them kept) made at least @p want. */
static int grow(void **p, size_t *cap, size_t used, size_t want)
{
    size_t n = *cap ? *cap : 4096;
    while (n < want)
        n *= 2;
    void *q = big_alloc(n);
    if (!q)
        return -ENOMEM;
    if (used)
        memcpy(q, *p, used);
    big_free(*p, *cap);
    *p = q;
    *cap = n;
    return 0;
}

/* Append the strings of the user array @p uarr (argv, envp) and a NULL
 * entry: E2BIG for a string past EXEC_ARG_STRLEN, or when strings and
 * pointers pass @p limit bytes. Its count, or an error. */
static long copy_strings(const uint64_t *uarr, struct exec_strs *s, size_t limit)
{
    long n = 0;
    for (; uarr; n++) {
        uint64_t ptr;
        if (copy_from_user(&ptr, user_at((uintptr_t)uarr, (uint64_t)n * sizeof ptr), sizeof ptr))
            return -EFAULT;
        if (!ptr)
            break;
        if (s->used + (s->n + 1) * sizeof(uintptr_t) > limit)
            return -E2BIG;
        if (s->n + 2 > s->cap / sizeof(uintptr_t) &&
            grow((void **)&s->at, &s->cap, s->n * sizeof(uintptr_t), (s->n + 2) * sizeof(uintptr_t)))
            return -ENOMEM;
        for (;;) {
            size_t room = s->room - s->used;
            /* No buffer yet is no room: NULL plus an offset is undefined. */
            long l = room ? strncpy_from_user(s->buf + s->used, (const char *)(uintptr_t)ptr,
                                              room < EXEC_ARG_STRLEN ? room : EXEC_ARG_STRLEN)
                          : -ENAMETOOLONG;
            if (l >= 0) {
                s->at[s->n++] = s->used;
                s->used += (size_t)l + 1;
                break;
            }
            if (l != -ENAMETOOLONG)
                return l;
            if (room >= EXEC_ARG_STRLEN || s->room >= limit) /* one too long, or all */
                return -E2BIG;
            if (grow((void **)&s->buf, &s->room, s->used, s->room * 2 > 4096 ? s->room * 2 : 4096))
                return -ENOMEM;
        }
    }
    if (s->n + 1 > s->cap / sizeof(uintptr_t) &&
        grow((void **)&s->at, &s->cap, s->n * sizeof(uintptr_t), (s->n + 1) * sizeof(uintptr_t)))
        return -ENOMEM;
    s->at[s->n++] = (uintptr_t)-1; /* the array's end */
    return n;
}

/* The offsets made pointers into buf: argv then envp, each NULL-ended. */
static char **exec_strs_vectors(struct exec_strs *s)
{
    for (size_t i = 0; i < s->n; i++)
        s->at[i] = s->at[i] == (uintptr_t)-1 ? 0 : (uintptr_t)s->buf + s->at[i];
    return (char **)s->at;
}

/* What execve's strings and their pointers may take: Linux's, a quarter
 * of the stack limit, within EXEC_ARGS_MIN and EXEC_ARGS_CAP. */
static size_t args_limit(const struct proc *p)
{
    uint64_t l = p->rlim[3].cur / 4; /* RLIMIT_STACK */
    return l < EXEC_ARGS_MIN ? EXEC_ARGS_MIN : l > EXEC_ARGS_CAP ? EXEC_ARGS_CAP : (size_t)l;
}


/* The longest #! line taken, "#!" included (Linux's buffer less its NUL). */
#define SCRIPT_LINE_MAX 255
/* Interpreters that are scripts themselves, at most, as on Linux: ELOOP past it. */
#define SCRIPT_DEPTH_MAX 5

static int blank(char c) { return c == ' ' || c == '\t'; }

/*
 * If @p img is a #! script, the interpreter's name [*n0, *n1) and the
 * optional argument [*a0, *a1) (the line's first word, and the rest with its
 * blanks trimmed) in its bytes. Returns 1 for a script, 0 for not one,
 * -ENOEXEC for a line naming no interpreter or one whose name runs past
 * SCRIPT_LINE_MAX (a longer argument is cut there, as Linux cuts it).
 */
static int script_line(const struct exec_image *img, size_t *n0, size_t *n1, size_t *a0, size_t *a1)
{
    const char *d = img->data;
    size_t len = img_have(img); /* all, or EXEC_HEAD: past SCRIPT_LINE_MAX */
    if (len < 2 || d[0] != '#' || d[1] != '!')
        return 0;
    size_t end = 2;
    while (end < len && end < SCRIPT_LINE_MAX && d[end] != '\n' && d[end] != 0)
        end++;
    int cut = end == SCRIPT_LINE_MAX && end < len && d[end] != '\n' && d[end] != 0;
    size_t i = 2;
    while (i < end && blank(d[i]))
        i++;
    *n0 = i;
    while (i < end && !blank(d[i]))
        i++;
    *n1 = i;
    while (i < end && blank(d[i]))
        i++;
    *a0 = i, *a1 = end;
    while (*a1 > *a0 && blank(d[*a1 - 1]))
        (*a1)--;
    if (*n1 == *n0 || (cut && *n1 == end)) /* none, or the name itself cut */
        return -ENOEXEC;
    return 1;
}

/* Append @p n bytes at @p p and a NUL to @p s's strings; its offset, or -ENOMEM. */
static long strs_add(struct exec_strs *s, const char *p, size_t n)
{
    if (s->room - s->used < n + 1 &&
        grow((void **)&s->buf, &s->room, s->used, s->used + n + 1))
        return -ENOMEM;
    memcpy(s->buf + s->used, p, n);
    s->buf[s->used + n] = 0;
    long at = (long)s->used;
    s->used += n + 1;
    return at;
}

/*
 * A #! script's arguments: argv[0] (of *@p argc) replaced by the interpreter
 * @p interp, its optional argument @p arg (@p alen 0: none) and the script's
 * path @p path, then argv[1] on, as Linux passes them; -E2BIG past @p limit.
 */
static int strs_script(struct exec_strs *s, long *argc, const char *interp, size_t ilen, const char *arg,
                       size_t alen, const char *path, size_t limit)
{
    long add = alen ? 3 : 2, drop = *argc ? 1 : 0;
    long o[3];
    o[0] = strs_add(s, interp, ilen);
    o[1] = alen ? strs_add(s, arg, alen) : 0;
    o[add - 1] = strs_add(s, path, strlen(path));
    if (o[0] < 0 || o[1] < 0 || o[add - 1] < 0)
        return -ENOMEM;
    size_t n = s->n + (size_t)(add - drop);
    if (n > s->cap / sizeof(uintptr_t) && grow((void **)&s->at, &s->cap, s->n * sizeof(uintptr_t), n * sizeof(uintptr_t)))
        return -ENOMEM;
    memmove(s->at + add, s->at + drop, (s->n - (size_t)drop) * sizeof(uintptr_t));
    for (long i = 0; i < add; i++)
        s->at[i] = (uintptr_t)o[i];
    s->n = n;
    *argc += add - drop;
    return s->used + (s->n - 2) * sizeof(uintptr_t) > limit ? -E2BIG : 0;
}

/* execve(path, argv, envp). The path and strings are copied in first (E2BIG
 * past Linux's limits, args_limit() and EXEC_ARG_STRLEN): the loader writes
 * them into the new space, which is not the one their pointers are in. A #!
 * script runs its interpreter, which may be a script itself (a few times:
 * SCRIPT_DEPTH_MAX); AT_EXECFN and the process's name are still the
 * script's, /proc/<pid>/exe the interpreter's file, as on Linux (busybox
 * runs its applets by exec'ing /proc/self/exe). */
long sys_execve(const uint64_t a[6])
{
    char *path = kmalloc(256), *run = kmalloc(256);
    if (!path || !run) {
        kfree(path);
        kfree(run);
        return -ENOMEM;
    }
    struct exec_strs s = {0};
    size_t limit = args_limit(proc_current());
    long e = strncpy_from_user(path, (const char *)(uintptr_t)a[0], 256), argc = 0;
    if (e >= 0)
        limit -= (size_t)e + 1; /* the path is on the stack too, as Linux counts it */
    if (e >= 0)
        e = argc = copy_strings((const uint64_t *)(uintptr_t)a[1], &s, limit);
    if (e >= 0)
        e = copy_strings((const uint64_t *)(uintptr_t)a[2], &s, limit);
    if (e >= 0 && s.used + (s.n - 2) * sizeof(uintptr_t) > limit)
        e = -E2BIG;
    struct exec_image img = {0};
    if (e >= 0)
        memcpy(run, path, 256);
    for (int depth = 0; e >= 0; depth++) {
        if (depth > SCRIPT_DEPTH_MAX) {
            e = -ELOOP;
            break;
        }
        e = sys_find_image(run, &img);
        size_t n0 = 0, n1 = 0, a0 = 0, a1 = 0;
        int script = e >= 0 ? script_line(&img, &n0, &n1, &a0, &a1) : 0;
        if (script == 0)
            break;
        if (script > 0) {
            const char *d = img.data;
            script = strs_script(&s, &argc, d + n0, n1 - n0, d + a0, a1 - a0, run, limit);
            memcpy(run, d + n0, n1 - n0); /* under SCRIPT_LINE_MAX: fits */
            run[n1 - n0] = 0;
        }
        exec_image_put(&img);
        e = script < 0 ? script : 0;
    }
    if (e >= 0) {
        char **v = exec_strs_vectors(&s);
        e = proc_exec(user_frame(), path, run, &img, v, v + argc + 1);
    }
    exec_image_put(&img);
    big_free(s.buf, s.room);
    big_free(s.at, s.cap);
    kfree(path);
    kfree(run);
    if (e == PROC_EXEC_HANDED)
        proc_exit_thread(); /* the first thread runs the new program */
    return e;
}

/* ---- the program: a file, or a built-in one ---- */

/* The file at @p path as a program's image: open for execution (execute
 * rights on a regular file, else EACCES), no writer from here on (ETXTBSY
 * both ways, as Linux): the headers checked and the pages read later are of
 * one file, its length fixed. Only its first EXEC_HEAD bytes are read now;
 * the loader reads what else it needs and maps the rest. Opened by path,
 * so its mappings are named by it in /proc/PID/maps. */
static int open_image(const char *path, struct exec_image *img)
{
    int e = vfs_open(NULL, path, O_RDONLY | O_FOR_EXEC, 0, &img->file);
    if (!e && (e = vfs_deny_write(img->file)) == 0) {
        img->len = (size_t)img->file->inode->size;
        size_t n = img->len < EXEC_HEAD ? img->len : EXEC_HEAD;
        img->data = img->tofree = kmalloc(EXEC_HEAD);
        e = img->tofree ? img_read(img, 0, img->tofree, n) : -ENOMEM;
        img->have = n;
    }
    if (e)
        exec_image_put(img);
    return e;
}

int sys_find_image(const char *path, struct exec_image *img)
{
    *img = (struct exec_image){0};
    int e = open_image(path, img);
    if (e != -ENOENT && e != -ENOTDIR)
        return e;
    /* A built-in program by name, or as /bin/<name> where no file is
     * (the ktests run with no initrd). */
    const char *name = path;
    for (const char *c = path; *c; c++)
        if (*c == '/')
            name = c + 1;
    if (name != path && strncmp(path, "/bin/", 5) != 0)
        return e;
    const struct uprog *u = uprog_find(name);
    if (!u)
        return e;
    img->data = u->image;
    img->len = (size_t)(u->end - u->image);
    return 0;
}

void exec_image_put(struct exec_image *img)
{
    kfree(img->tofree);
    if (img->file)
        file_put(img->file);
    *img = (struct exec_image){0};
}

/* ---- the process: the new program in the old one's place ---- */

/* An execve() a thread other than the first made, loaded and waiting for
 * the first thread (proc_exec_takeover()). */
struct exec_next {
    struct uspace *us;
    struct exec_info ei;
};

/* The point of no return: @p us (loaded) becomes the process's program,
 * run by the current thread from @p frame. Every other thread is gone. */
static void exec_commit(struct proc *p, struct uspace *us, const struct exec_info *ei,
                        struct uregs *frame)
{
    struct uspace *old = p->us;
    struct thread *t = thread_current();
    if (!p->vm_shared) /* a robust list there is the parent's */
        futex_exit_robust(old, uthread_current()); /* while the old program's memory is loaded */
    sched_set_user(&us->as, t->user_kstack_top); /* the old space is loaded nowhere now */
    proc_set_us(p, us);
    proc_vfork_release(p); /* a vfork() parent goes on */
    uspace_leave(old);     /* if the parent shares it, it runs on in it */
    p->brk_start = p->brk = ei->brk;
    p->sigtramp = ei->sigtramp;
    signal_exec(p);
    ptimer_exec(p);
    fdtable_exec(p->fs.fds);
    strlcpy(t->name, p->name, sizeof t->name);
    struct uthread *u = uthread_current();
    u->clear_tid = 0;   /* a tid address in the old program means nothing now */
    u->restart_ret = 0; /* the call that brought it here is not restarted */
    uregs_init(frame, ei->entry, ei->sp);
    irqflags_t f = hal_irq_save(); /* no switch storing the old registers over the new state */
    hal_ustate_init(t->ustate);
    sched_set_ustate(t->ustate);
    hal_irq_restore(f);
}

/* A set-user-ID file runs as its owner, a set-group-ID one (with group
 * execute) as its group; the saved ids take the effective ones at every
 * execve, as on Linux. */
static void exec_creds(struct cred *c, const struct inode *ino)
{
    if (ino && (ino->mode & S_ISUID))
        c->euid = ino->uid;
    if (ino && (ino->mode & (S_ISGID | 010)) == (S_ISGID | 010))
        c->egid = ino->gid;
    c->suid = c->fsuid = c->euid;
    c->sgid = c->fsgid = c->egid;
}

int proc_exec(struct uregs *frame, const char *path, const char *exe, const struct exec_image *img,
              char *const argv[], char *const envp[])
{
    struct proc *p = proc_current();
    struct uthread *u = uthread_current();
    /* Loaded before anything is given up: a bad executable is an error
     * for the caller, the process and its threads untouched. */
    struct uspace *us = uspace_create();
    if (!us)
        return -ENOMEM;
    struct exec_info ei;
    char err[96];
    int e = exec_load(us, img, path, &p->fs.cred, argv, envp, &ei, err, sizeof err);
    struct exec_next *x = !e && u != &p->main ? kmalloc(sizeof *x) : NULL;
    if (!e && u != &p->main && !x)
        e = -ENOMEM;
    if (e) {
        uspace_destroy(us);
        return e;
    }
    proc_set_cmdline(p, exe, argv);
    exec_creds(&p->fs.cred, img->file ? img->file->inode : NULL);
    const char *base = path;
    for (const char *c = path; *c; c++)
        if (*c == '/')
            base = c + 1;
    strlcpy(p->name, base, sizeof p->name);
    if (x) {
        /* Another thread than the first: the process keeps the first
         * one's id, so that one finishes the exec (Linux moves the id to
         * the caller instead; the program cannot tell) and this one ends.
         * An exit_group() or fatal signal already under way wins. */
        *x = (struct exec_next){us, ei};
        irqflags_t f = spin_lock_irqsave(&p->sig.wq.lock);
        int lost = p->sig.exiting;
        if (!lost) {
            p->exec_next = x;
            p->sig.exiting = 1;
            wq_wake_all_locked(&p->sig.wq);
        }
        spin_unlock_irqrestore(&p->sig.wq.lock, f);
        if (lost) {
            kfree(x);
            uspace_destroy(us);
        } else {
            proc_signalled();
        }
        return PROC_EXEC_HANDED;
    }
    if (p->nthreads > 1) {
        proc_end_other_threads(p); /* Linux's de_thread() */
        irqflags_t f = spin_lock_irqsave(&p->sig.wq.lock);
        p->sig.exiting = 0;
        spin_unlock_irqrestore(&p->sig.wq.lock, f);
    }
    exec_commit(p, us, &ei, frame);
    return 0;
}

int proc_exec_takeover(struct uregs *frame)
{
    struct proc *p = proc_current();
    if (uthread_current() != &p->main || !__atomic_load_n(&p->exec_next, __ATOMIC_ACQUIRE))
        return 0;
    proc_wait_last_thread(p);
    irqflags_t f = spin_lock_irqsave(&p->sig.wq.lock);
    struct exec_next *x = p->exec_next;
    p->exec_next = NULL;
    p->sig.exiting = 0;
    spin_unlock_irqrestore(&p->sig.wq.lock, f);
    exec_commit(p, x->us, &x->ei, frame);
    kfree(x);
    return 1;
}

void proc_exec_drop(struct proc *p)
{
    if (p->exec_next) {
        uspace_destroy(p->exec_next->us);
        kfree(p->exec_next);
        p->exec_next = NULL;
    }
}

/* ---- loading: the segments and the first stack ---- */

/* Auxiliary vector keys (System V gABI, Linux's additions). */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31
#define AT_SYSINFO_EHDR 33
#define AT_MINSIGSTKSZ 51

static int count_strings(char *const v[], unsigned *n, size_t *bytes)
{
    for (unsigned i = 0; v && v[i]; i++, ++*n) {
        size_t l = strlen(v[i]) + 1;
        if (l > EXEC_ARG_STRLEN || (*bytes += l) > EXEC_ARGS_CAP)
            return -E2BIG;
    }
    return 0;
}

/*
 * The initial stack, from its top down: the strings (argv's, envp's, then
 * AT_EXECFN's @p execfn and AT_PLATFORM's @p platform, if any), 16 random
 * bytes, then (16-byte aligned) argc, argv[], NULL, envp[], NULL, auxv
 * pairs, AT_NULL. The strings are written to the stack's pages as they
 * are, the pointers from a buffer the size of them. The stack is mapped
 * here: its strings and pointers and EXEC_STACK_INITIAL more, growing from
 * there.
 */
static int build_stack(struct uspace *us, uintptr_t stack_top, char *const argv[], char *const envp[],
                       const uint64_t *aux, unsigned naux, const char *execfn, const char *platform,
                       uintptr_t *sp_out)
{
    unsigned argc = 0, envc = 0;
    size_t strbytes = 0;
    if (count_strings(argv, &argc, &strbytes) || count_strings(envp, &envc, &strbytes) ||
        strbytes + (argc + envc) * sizeof(uint64_t) > EXEC_ARGS_CAP)
        return -E2BIG;
    size_t fnlen = strlen(execfn) + 1, platlen = platform ? strlen(platform) + 1 : 0;
    strbytes += fnlen + platlen;
    size_t words = 1 + argc + 1 + envc + 1 + 2 * (naux + 4);
    size_t wbytes = (words * 8 + 15) & ~(size_t)15;
    size_t total = ((strbytes + 16 + 15) & ~(size_t)15) + wbytes;
    size_t size = ((total + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1)) + EXEC_STACK_INITIAL;
    int e = uspace_map_stack(us, stack_top - size, size);
    if (e)
        return e;
    uint64_t *w = big_alloc(wbytes);
    if (!w)
        return -ENOMEM;
    uintptr_t base = stack_top - total;                           /* user address of argc; 16-aligned */
    uintptr_t str = stack_top - strbytes;                         /* strings at the very top */
    uintptr_t rnd = (stack_top - strbytes - 16) & ~(uintptr_t)15; /* 16 random bytes below them */
    uint8_t r[16];
    random_fill(r, sizeof r);
    e = uspace_write(us, rnd, r, sizeof r);
    unsigned k = 0;
    w[k++] = argc;
    for (int pass = 0; pass < 2; pass++) {
        char *const *v = pass ? envp : argv;
        for (unsigned i = 0; !e && v && v[i]; i++) {
            size_t l = strlen(v[i]) + 1;
            e = uspace_write(us, str, v[i], l);
            w[k++] = str;
            str += l;
        }
        w[k++] = 0;
    }
    for (unsigned i = 0; i < naux; i++) {
        w[k++] = aux[2 * i];
        w[k++] = aux[2 * i + 1];
    }
    w[k++] = AT_RANDOM;
    w[k++] = rnd;
    if (!e)
        e = uspace_write(us, str, execfn, fnlen);
    w[k++] = AT_EXECFN;
    w[k++] = str;
    str += fnlen;
    if (platform) {
        if (!e)
            e = uspace_write(us, str, platform, platlen);
        w[k++] = AT_PLATFORM;
        w[k++] = str;
    }
    w[k++] = AT_NULL;
    w[k++] = 0;
    while (k < wbytes / 8)
        w[k++] = 0;
    if (!e)
        e = uspace_write(us, base, w, wbytes);
    big_free(w, wbytes);
    *sp_out = base;
    return e;
}

/* Write @p img's @p n bytes at @p off to @p us at @p va: from its bytes in
 * memory where it has them, else read a page at a time. */
static int copy_in(struct uspace *us, uintptr_t va, const struct exec_image *img, uint64_t off, size_t n)
{
    size_t have = img_have(img);
    if (off <= have && n <= have - off)
        return uspace_write(us, va, (const uint8_t *)img->data + off, n);
    uint8_t *buf = kmalloc(PAGE_SIZE);
    int e = buf ? 0 : -ENOMEM;
    for (size_t done = 0, k; !e && done < n; done += k) {
        k = n - done < PAGE_SIZE ? n - done : PAGE_SIZE;
        e = img_read(img, off + done, buf, k);
        if (!e)
            e = uspace_write(us, va + done, buf, k);
    }
    kfree(buf);
    return e;
}

/*
 * Map segment @p s of the program @p img. With @p file, the pages its file
 * bytes fill whole are a private mapping of the file (read on first touch,
 * so a program pays for the pages it runs, not for the whole file: busybox
 * is 2 MB, and `true` runs a small part of it), the last one too when the
 * segment has no zeroed bytes (code: /proc/PID/maps names its file, as
 * Linux's); the rest (a last page part file bytes, part zeroes, and the
 * zeroed pages of .bss) is anonymous memory, its file bytes copied now.
 * Bytes before the segment's start on its first page are the file's there,
 * as on Linux, rather than zeroes. Without a file every page is anonymous.
 */
static int map_segment(struct uspace *us, const struct exec_image *img, const struct exec_elf_seg *s,
                       uintptr_t bias)
{
    struct file *file = img->file;
    const Elf64_Phdr *p = s->ph;
    uintptr_t lo = p->p_vaddr + bias, fend = lo + p->p_filesz;
    uintptr_t whole = !file                       ? s->start /* file pages [start, whole) */
                      : p->p_memsz == p->p_filesz ? s->end
                                                  : fend & ~(uintptr_t)(PAGE_SIZE - 1);
    int e = 0;
    if (whole > s->start) /* lo and p_offset agree modulo the page size: exec_elf.c checked */
        e = uspace_map_file(us, s->start, whole - s->start, s->prot, file,
                            p->p_offset & ~(uint64_t)(PAGE_SIZE - 1));
    if (e || whole == s->end)
        return e;
    e = uspace_map_anon(us, whole, s->end - whole, s->prot);
    uintptr_t from = lo > whole ? lo : whole;
    if (!e && fend > from)
        e = copy_in(us, from, img, p->p_offset + (from - lo), fend - from);
    if (!e && (s->prot & MMU_EXEC)) /* written as data, run as code (file pages sync as they come) */
        uspace_sync_icache(us, whole, s->end - whole);
    return e;
}

/* A random page-aligned offset below @p range (a power of two), or 0 with
 * randomisation off. */
static uintptr_t random_offset(uintptr_t range)
{
    uint64_t r;
    if (!proc_randomize_va_space)
        return 0;
    random_fill(&r, sizeof r);
    return (uintptr_t)r & (range - 1) & ~(uintptr_t)(PAGE_SIZE - 1);
}

static int say(char *err, size_t errlen, const char *why, int e)
{
    if (err && errlen)
        strlcpy(err, why, errlen);
    return e;
}

static int map_elf(struct uspace *us, const struct exec_image *img, const struct exec_elf *x)
{
    int e = 0;
    for (unsigned i = 0; !e && i < x->nseg; i++)
        e = map_segment(us, img, &x->seg[i], x->bias);
    return e;
}

/*
 * The interpreter @p path a program names (PT_INTERP): opened as execve
 * opens a program (ETXTBSY for writers while it is mapped), checked into
 * @p ix, and mapped into @p us where mmap() would put it (below
 * us->mmap_top, random unless randomize_va_space is 0). The errors are
 * Linux's: a missing file ENOENT, one too short for an ELF header EIO (a
 * short read), not an ELF file of this machine ELIBBAD. Unlike Linux, an interpreter must be ET_DYN
 * and have no interpreter of its own (ELIBBAD).
 */
static int load_interp(struct uspace *us, const char *path, struct exec_elf *ix, char *err,
                       size_t errlen)
{
    struct exec_image ii = {0};
    int e = open_image(path, &ii);
    if (e)
        return say(err, errlen, e == -ENOENT ? "the interpreter (PT_INTERP) cannot be found"
                                              : "the interpreter (PT_INTERP) cannot be opened", e);
    Elf64_Ehdr eh;
    uintptr_t top = hal_user_top();
    if (ii.len < sizeof eh) {
        e = say(err, errlen, "the interpreter is shorter than an ELF header", -EIO);
    } else {
        memcpy(&eh, ii.data, sizeof eh); /* in its first bytes, read */
        if (memcmp(eh.e_ident, "\177ELF", 4) != 0 || eh.e_ident[4] != ELFCLASS64 ||
            eh.e_ident[5] != ELFDATA2LSB || eh.e_machine != ARCH_ELF_MACHINE)
            e = say(err, errlen, "the interpreter is not an ELF file of this machine", -ELIBBAD);
        else if ((e = img_parse(&ii, ix, err, errlen)) != 0)
            e = e == -ENOEXEC ? -ELIBBAD : e; /* err says why; a read's error stays */
        else if (ix->eh.e_type != ET_DYN || ix->interp_len)
            e = say(err, errlen, "the interpreter is not ET_DYN, or has an interpreter", -ELIBBAD);
    }
    if (!e) {
        uintptr_t span = ix->seg[ix->nseg - 1].end - ix->seg[0].start;
        uintptr_t at = uspace_find_free(us, span, us->mmap_top);
        if (!at || exec_elf_move(ix, at, top) != 0)
            e = say(err, errlen, "no room for the interpreter", -ENOMEM);
    }
    if (!e)
        e = map_elf(us, &ii, ix);
    exec_image_put(&ii); /* its mappings keep the file, and it busy */
    return e;
}

int exec_load(struct uspace *us, const struct exec_image *img, const char *path,
              const struct cred *cred, char *const argv[], char *const envp[], struct exec_info *out,
              char *err, size_t errlen)
{
    /* ~5 KiB each: too much for a kernel stack */
    struct exec_elf *x = kmalloc(2 * sizeof *x), *ix = x + 1;
    if (!x)
        return -ENOMEM;
    uintptr_t top = hal_user_top();
    int e = img_parse(img, x, err, errlen);
    /* ET_DYN at two thirds of user space, plus a random offset where it fits */
    if (!e && x->eh.e_type == ET_DYN)
        (void)exec_elf_move(x, x->seg[0].start + random_offset(top / 16), top);
    if (!e)
        e = map_elf(us, img, x);
    /* The stack's top and, below its span, where mmap() starts looking, each
     * lower by a random page-aligned offset, as Linux randomises them with
     * the same switch; the stack's span and the vDSO stay above the
     * program's segments (exec_elf.c kept them below EXEC_SEGMENTS_TOP). */
    uintptr_t stack_top = top - PAGE_SIZE - random_offset(top / 256);
    if (!e && stack_top - EXEC_STACK_GAP - 3 * PAGE_SIZE < x->seg[x->nseg - 1].end)
        stack_top = top - PAGE_SIZE; /* a guard page above it, off the canonical edge */
    us->mmap_top = stack_top + PAGE_SIZE - EXEC_STACK_GAP - 16 * PAGE_SIZE - random_offset(top / 64);
    uintptr_t interp_base = 0, entry = e ? 0 : x->entry;
    if (!e && x->interp_len) {
        /* the path, NUL-terminated in the file (exec_elf.c checked) */
        char *ipath = kmalloc(x->interp_len);
        e = !ipath ? -ENOMEM : img_read(img, x->interp_off, ipath, x->interp_len);
        if (e)
            (void)say(err, errlen, "the interpreter's path cannot be read", e);
        else {
            ipath[x->interp_len - 1] = 0; /* the parser saw a NUL there; a second read need not */
            e = load_interp(us, ipath, ix, err, errlen);
        }
        kfree(ipath);
        interp_base = ix->bias;
        entry = ix->entry;
    }
    if (e) {
        kfree(x);
        return e;
    }
    struct cred c = cred ? *cred : (struct cred){0};
    exec_creds(&c, img->file ? img->file->inode : NULL);
    /* The vDSO (kernel/vdso.h), where handlers without sa_restorer return:
     * below the stack's span, with it. */
    uintptr_t vdso = 0;
    out->sigtramp = 0;
    if (!e)
        e = vdso_map(us, stack_top - EXEC_STACK_GAP - 3 * PAGE_SIZE, &vdso, &out->sigtramp);
    uint64_t aux[] = {AT_SYSINFO_EHDR, vdso, AT_PHDR, x->phdr, AT_PHENT, sizeof(Elf64_Phdr),
                      AT_PHNUM, x->eh.e_phnum, AT_PAGESZ, PAGE_SIZE, AT_BASE, interp_base,
                      AT_FLAGS, 0, AT_ENTRY, x->entry, AT_UID, c.uid, AT_EUID, c.euid,
                      AT_GID, c.gid, AT_EGID, c.egid, AT_HWCAP, hal_elf_hwcap(),
                      AT_CLKTCK, 100, AT_SECURE, c.euid != c.uid || c.egid != c.gid,
#ifdef ARCH_ELF_HWCAP2
                      AT_HWCAP2, hal_elf_hwcap2(),
#endif
#if defined(ARCH_AT_MINSIGSTKSZ)
                      AT_MINSIGSTKSZ, ARCH_AT_MINSIGSTKSZ,
#elif defined(ARCH_MINSIGSTKSZ)
                      AT_MINSIGSTKSZ, ARCH_MINSIGSTKSZ,
#endif
    };
#ifdef ARCH_ELF_PLATFORM
    const char *platform = ARCH_ELF_PLATFORM;
#else
    const char *platform = NULL;
#endif
    if (!e)
        e = build_stack(us, stack_top, argv, envp, aux, sizeof aux / sizeof aux[0] / 2, path, platform,
                        &out->sp);
    out->entry = entry;
    out->brk = x->seg[x->nseg - 1].end;
    kfree(x);
    return e;
}
