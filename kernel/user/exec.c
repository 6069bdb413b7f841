/**
 * @file exec.c
 * @brief The ELF loader for user programs (exec.h): static and static-PIE
 *        executables of this machine (ARCH_ELF_MACHINE), checked before
 *        anything is mapped, then loaded segment by segment, and the
 *        initial stack the System V psABIs describe.
 *
 * Every field of the file is distrusted: offsets and sizes are checked
 * against the file's length without overflow, segments against user space
 * and against each other (page granularity), rights against W^X, the entry
 * point against the executable segments. A program with an interpreter
 * (PT_INTERP: a dynamically linked one) is refused: there is no dynamic
 * loader to run.
 */
#include "exec.h"
#include <hal/cpu.h>
#include <hal/uregs.h>
#include <hal/user.h>
#include <kernel/elf.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/printf.h>
#include <kernel/proc.h>
#include <kernel/string.h>

#define MAX_PHNUM 64

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
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_EXECFN 31

static int refuse(char *err, size_t errlen, const char *why)
{
    if (err && errlen)
        strlcpy(err, why, errlen);
    return -ENOEXEC;
}

static uintptr_t page_down(uintptr_t v) { return v & ~(uintptr_t)(PAGE_SIZE - 1); }

/* A 64-bit mix of the counter, for AT_RANDOM (there is no entropy pool
 * yet: these bytes seed glibc's stack protector and pointer guard, so they
 * differ between runs, but are not secret). */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

struct seg {
    uintptr_t start, end; /* pages, biased */
    unsigned prot;
    const Elf64_Phdr *ph;
};

/* Check the headers; fill @p eh, @p ph (copies: the file may be only
 * 4-byte aligned, as a cpio archive's data is), @p segs (sorted by
 * address) and the bias. */
static int check(const uint8_t *f, size_t len, Elf64_Ehdr *eh, Elf64_Phdr *ph, struct seg *segs,
                 unsigned *nseg, uintptr_t *bias, char *err, size_t errlen)
{
    if (len < sizeof(Elf64_Ehdr))
        return refuse(err, errlen, "shorter than an ELF header");
    memcpy(eh, f, sizeof *eh);
    if (memcmp(eh->e_ident, "\177ELF", 4) != 0)
        return refuse(err, errlen, "not an ELF file (bad magic)");
    if (eh->e_ident[4] != ELFCLASS64 || eh->e_ident[5] != ELFDATA2LSB)
        return refuse(err, errlen, "not a 64-bit little-endian ELF file");
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
        return refuse(err, errlen, "not an executable (e_type is neither EXEC nor DYN)");
    if (eh->e_machine != ARCH_ELF_MACHINE)
        return refuse(err, errlen, "built for another machine (e_machine)");
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > MAX_PHNUM)
        return refuse(err, errlen, "bad program header table (entry size or count)");
    if (eh->e_phoff > len || (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff)
        return refuse(err, errlen, "program header table runs past the end of the file");
    memcpy(ph, f + eh->e_phoff, (size_t)eh->e_phnum * sizeof(Elf64_Phdr));
    uintptr_t top = hal_user_top();
    /* static-PIE: at two thirds of user space, as Linux places it, on a 2 MiB boundary */
    *bias = eh->e_type == ET_DYN ? (top / 3 * 2) & ~(uintptr_t)0x1fffff : 0;
    unsigned n = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *p = &ph[i];
        if (p->p_type == PT_INTERP)
            return refuse(err, errlen, "dynamically linked (PT_INTERP): only static executables run");
        if (p->p_type != PT_LOAD || p->p_memsz == 0)
            continue;
        if (p->p_filesz > p->p_memsz)
            return refuse(err, errlen, "a segment's file size exceeds its memory size");
        if (p->p_offset > len || p->p_filesz > len - p->p_offset)
            return refuse(err, errlen, "a segment runs past the end of the file");
        if ((p->p_vaddr - p->p_offset) % PAGE_SIZE)
            return refuse(err, errlen, "a segment's address and file offset disagree modulo the page size");
        if ((p->p_flags & (PF_W | PF_X)) == (PF_W | PF_X))
            return refuse(err, errlen, "a segment is writable and executable (W^X)");
        uint64_t lo = p->p_vaddr + *bias, hi = lo + p->p_memsz;
        if (lo < p->p_vaddr || hi < lo || page_down(lo) < PAGE_SIZE || hi > EXEC_SEGMENTS_TOP(top))
            return refuse(err, errlen, "a segment lies outside user space");
        if (n == MAX_PHNUM)
            return refuse(err, errlen, "too many segments");
        struct seg s = {page_down(lo), page_down(hi + PAGE_SIZE - 1),
                        (p->p_flags & PF_W ? MMU_WRITE : 0) | (p->p_flags & PF_X ? MMU_EXEC : 0), p};
        unsigned j = n++;
        while (j > 0 && segs[j - 1].start > s.start) {
            segs[j] = segs[j - 1];
            j--;
        }
        segs[j] = s;
    }
    if (n == 0)
        return refuse(err, errlen, "no loadable segment");
    for (unsigned i = 1; i < n; i++)
        if (segs[i].start < segs[i - 1].end)
            return refuse(err, errlen, "segments overlap");
    uintptr_t entry = eh->e_entry + *bias;
    int ok = 0;
    for (unsigned i = 0; i < n; i++)
        ok |= (segs[i].prot & MMU_EXEC) && entry >= segs[i].ph->p_vaddr + *bias &&
              entry < segs[i].ph->p_vaddr + *bias + segs[i].ph->p_memsz;
    if (!ok)
        return refuse(err, errlen, "the entry point is outside every executable segment");
    *nseg = n;
    return 0;
}

/* The user address of the program headers: where the segment holding
 * them in the file maps them, 0 if none does. */
static uintptr_t phdr_address(const Elf64_Ehdr *eh, const struct seg *segs, unsigned n, uintptr_t bias)
{
    for (unsigned i = 0; i < n; i++) {
        const Elf64_Phdr *p = segs[i].ph;
        if (eh->e_phoff >= p->p_offset && eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) <=
                                              p->p_offset + p->p_filesz)
            return p->p_vaddr + bias + (eh->e_phoff - p->p_offset);
    }
    return 0;
}

static int count_strings(char *const v[], unsigned *n, size_t *bytes)
{
    for (unsigned i = 0; v && v[i]; i++) {
        if (++*n > EXEC_ARGS_MAX)
            return -E2BIG;
        *bytes += strlen(v[i]) + 1;
        if (*bytes > EXEC_STRINGS_MAX)
            return -E2BIG;
    }
    return 0;
}

/*
 * The initial stack, from its top down: the strings, 16 random bytes, then
 * (16-byte aligned) argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL.
 * Built in a kernel buffer and written to the stack's last pages.
 */
static int build_stack(struct uspace *us, uintptr_t stack_top, char *const argv[], char *const envp[],
                       const uint64_t *aux, unsigned naux, uintptr_t *sp_out)
{
    unsigned argc = 0, envc = 0;
    size_t strbytes = 0;
    if (count_strings(argv, &argc, &strbytes) || count_strings(envp, &envc, &strbytes))
        return -E2BIG;
    size_t words = 1 + argc + 1 + envc + 1 + 2 * (naux + 2) + 2;
    size_t total = ((strbytes + 16 + 15) & ~(size_t)15) + ((words * 8 + 15) & ~(size_t)15);
    if (total > EXEC_STACK_SIZE / 2)
        return -E2BIG;
    uint8_t *buf = kzalloc(total);
    if (!buf)
        return -ENOMEM;
    uintptr_t base = stack_top - total; /* user address of buf[0]; 16-aligned */
    uint64_t *w = (uint64_t *)buf;
    size_t str = total - strbytes;             /* strings at the very top */
    size_t rnd = (total - strbytes - 16) & ~(size_t)15; /* 16 random bytes below them */
    uint64_t r0 = mix64(hal_counter() ^ (uintptr_t)buf), r1 = mix64(r0 ^ hal_counter());
    memcpy(buf + rnd, &r0, 8);
    memcpy(buf + rnd + 8, &r1, 8);
    unsigned k = 0;
    w[k++] = argc;
    uintptr_t execfn = 0;
    for (int pass = 0; pass < 2; pass++) {
        char *const *v = pass ? envp : argv;
        for (unsigned i = 0; v && v[i]; i++) {
            size_t l = strlen(v[i]) + 1;
            memcpy(buf + str, v[i], l);
            if (!pass && i == 0)
                execfn = base + str;
            w[k++] = base + str;
            str += l;
        }
        w[k++] = 0;
    }
    for (unsigned i = 0; i < naux; i++) {
        w[k++] = aux[2 * i];
        w[k++] = aux[2 * i + 1];
    }
    w[k++] = AT_RANDOM;
    w[k++] = base + rnd;
    w[k++] = AT_EXECFN;
    w[k++] = execfn;
    w[k++] = AT_NULL;
    w[k++] = 0;
    int e = uspace_write(us, base, buf, total);
    kfree(buf);
    *sp_out = base;
    return e;
}

int exec_load(struct uspace *us, const void *image, size_t len, char *const argv[],
              char *const envp[], struct exec_info *out, char *err, size_t errlen)
{
    const uint8_t *f = image;
    struct seg *segs = kmalloc(MAX_PHNUM * sizeof *segs);
    Elf64_Phdr *ph = kmalloc(MAX_PHNUM * sizeof *ph);
    Elf64_Ehdr ehdr, *eh = &ehdr;
    if (!segs || !ph) {
        kfree(segs);
        kfree(ph);
        return -ENOMEM;
    }
    unsigned n;
    uintptr_t bias;
    int e = check(f, len, eh, ph, segs, &n, &bias, err, errlen);
    for (unsigned i = 0; !e && i < n; i++) {
        const Elf64_Phdr *p = segs[i].ph;
        e = uspace_map_anon(us, segs[i].start, segs[i].end - segs[i].start, segs[i].prot);
        if (!e && p->p_filesz)
            e = uspace_write(us, p->p_vaddr + bias, f + p->p_offset, p->p_filesz);
        if (!e && (segs[i].prot & MMU_EXEC)) /* written as data, run as code */
            uspace_sync_icache(us, segs[i].start, segs[i].end - segs[i].start);
    }
    if (e) {
        kfree(segs);
        kfree(ph);
        return e;
    }
    uintptr_t top = hal_user_top();
    uintptr_t stack_top = top - PAGE_SIZE; /* a guard page above it, off the canonical edge */
    e = uspace_map_anon(us, stack_top - EXEC_STACK_SIZE, EXEC_STACK_SIZE, MMU_WRITE);
    uint64_t aux[] = {AT_PHDR, phdr_address(eh, segs, n, bias), AT_PHENT, sizeof(Elf64_Phdr),
                      AT_PHNUM, eh->e_phnum, AT_PAGESZ, PAGE_SIZE, AT_BASE, 0, AT_FLAGS, 0,
                      AT_ENTRY, eh->e_entry + bias, AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0,
                      AT_HWCAP, 0, AT_CLKTCK, 100, AT_SECURE, 0};
    if (!e)
        e = build_stack(us, stack_top, argv, envp, aux, sizeof aux / sizeof aux[0] / 2, &out->sp);
    /* The signal trampoline: read and execute only, between guard pages
     * below the stack. */
    out->sigtramp = EXEC_SEGMENTS_TOP(top) + PAGE_SIZE;
    if (!e)
        e = uspace_map_anon(us, out->sigtramp, PAGE_SIZE, MMU_EXEC);
    if (!e)
        e = uspace_write(us, out->sigtramp, hal_sigtramp, (size_t)(hal_sigtramp_end - hal_sigtramp));
    if (!e)
        uspace_sync_icache(us, out->sigtramp, PAGE_SIZE);
    out->entry = eh->e_entry + bias;
    out->brk = segs[n - 1].end;
    kfree(segs);
    kfree(ph);
    return e;
}
