/**
 * @file exec_elf.c
 * @brief The checks of the ELF loader (exec_elf.h): an executable's header
 *        and program headers, read before anything is mapped.
 *
 * These are the loader's only reads of untrusted bytes, so they live apart
 * from the mapping (exec.c) and depend on nothing that needs a running
 * kernel: the machine and the top of user space come in as arguments. The
 * same file is built into the kernel, into a host unit test and into a
 * libFuzzer target.
 */
#include "exec_elf.h"
#include "exec.h" /* EXEC_SEGMENTS_TOP */
#include <hal/mmu.h>
#include <kernel/buddy.h> /* PAGE_SIZE */
#include <kernel/errno.h>
#include <kernel/string.h>

/* A read of the file failed (an I/O error), or (refuse()) its bytes are
 * refused: the error, and why. */
static int fail(char *err, size_t errlen, const char *why, int e)
{
    if (err && errlen)
        strlcpy(err, why, errlen);
    return e;
}

static int refuse(char *err, size_t errlen, const char *why) { return fail(err, errlen, why, -ENOEXEC); }

static uintptr_t page_down(uintptr_t v) { return v & ~(uintptr_t)(PAGE_SIZE - 1); }

/* Check the headers; fill x->eh, x->ph (copies: the file may be only
 * 4-byte aligned, as a cpio archive's data is), x->seg (sorted by
 * address), x->nseg and x->bias. */
static int check(const struct exec_elf_src *src, unsigned machine, uintptr_t top, struct exec_elf *x,
                 char *err, size_t errlen)
{
    Elf64_Ehdr *eh = &x->eh;
    Elf64_Phdr *ph = x->ph;
    struct exec_elf_seg *segs = x->seg;
    uint64_t len = src->len;
    int e;
    if (len < sizeof(Elf64_Ehdr))
        return refuse(err, errlen, "shorter than an ELF header");
    if ((e = src->read(src, 0, eh, sizeof *eh)) != 0)
        return fail(err, errlen, "the ELF header cannot be read", e);
    if (memcmp(eh->e_ident, "\177ELF", 4) != 0)
        return refuse(err, errlen, "not an ELF file (bad magic)");
    if (eh->e_ident[4] != ELFCLASS64 || eh->e_ident[5] != ELFDATA2LSB)
        return refuse(err, errlen, "not a 64-bit little-endian ELF file");
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
        return refuse(err, errlen, "not an executable (e_type is neither EXEC nor DYN)");
    if (eh->e_machine != machine)
        return refuse(err, errlen, "built for another machine (e_machine)");
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > EXEC_ELF_MAX_PHNUM)
        return refuse(err, errlen, "bad program header table (entry size or count)");
    if (eh->e_phoff > len || (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff)
        return refuse(err, errlen, "program header table runs past the end of the file");
    if ((e = src->read(src, eh->e_phoff, ph, (size_t)eh->e_phnum * sizeof(Elf64_Phdr))) != 0)
        return fail(err, errlen, "the program headers cannot be read", e);
    x->interp_off = 0;
    x->interp_len = 0;
    /* static-PIE: at two thirds of user space, as Linux places it, on a 2 MiB boundary */
    uintptr_t bias = eh->e_type == ET_DYN ? (top / 3 * 2) & ~(uintptr_t)0x1fffff : 0;
    x->bias = bias;
    unsigned n = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *p = &ph[i];
        if (p->p_type == PT_INTERP && !x->interp_len) { /* the first one counts, as on Linux */
            if (p->p_filesz < 2 || p->p_filesz > EXEC_ELF_INTERP_MAX)
                return refuse(err, errlen, "the interpreter's path (PT_INTERP) is empty or too long");
            if (p->p_offset > len || p->p_filesz > len - p->p_offset)
                return refuse(err, errlen, "the interpreter's path runs past the end of the file");
            char nul;
            if ((e = src->read(src, p->p_offset + p->p_filesz - 1, &nul, 1)) != 0)
                return fail(err, errlen, "the interpreter's path cannot be read", e);
            if (nul != 0)
                return refuse(err, errlen, "the interpreter's path does not end its segment with NUL");
            x->interp_off = p->p_offset;
            x->interp_len = (size_t)p->p_filesz;
        }
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
        uint64_t lo = p->p_vaddr + bias, hi = lo + p->p_memsz;
        if (lo < p->p_vaddr || hi < lo || page_down(lo) < PAGE_SIZE || hi > EXEC_SEGMENTS_TOP(top))
            return refuse(err, errlen, "a segment lies outside user space");
        if (n == EXEC_ELF_MAX_PHNUM)
            return refuse(err, errlen, "too many segments");
        struct exec_elf_seg s = {page_down(lo), page_down(hi + PAGE_SIZE - 1),
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
    uintptr_t entry = eh->e_entry + bias;
    int ok = 0;
    for (unsigned i = 0; i < n; i++)
        ok |= (segs[i].prot & MMU_EXEC) && entry >= segs[i].ph->p_vaddr + bias &&
              entry < segs[i].ph->p_vaddr + bias + segs[i].ph->p_memsz;
    if (!ok)
        return refuse(err, errlen, "the entry point is outside every executable segment");
    x->nseg = n;
    x->entry = entry;
    return 0;
}

/* The user address of the program headers: where the segment holding
 * them in the file maps them, 0 if none does. */
static uintptr_t phdr_address(const Elf64_Ehdr *eh, const struct exec_elf_seg *segs, unsigned n,
                              uintptr_t bias)
{
    for (unsigned i = 0; i < n; i++) {
        const Elf64_Phdr *p = segs[i].ph;
        if (eh->e_phoff >= p->p_offset && eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) <=
                                              p->p_offset + p->p_filesz)
            return p->p_vaddr + bias + (eh->e_phoff - p->p_offset);
    }
    return 0;
}

int exec_elf_parse_from(const struct exec_elf_src *src, unsigned machine, uintptr_t user_top,
                        struct exec_elf *out, char *err, size_t errlen)
{
    int e = check(src, machine, user_top, out, err, errlen);
    if (e)
        return e;
    out->phdr = phdr_address(&out->eh, out->seg, out->nseg, out->bias);
    return 0;
}

/* The bytes in memory: a read is a copy (the parser checked its range). */
static int read_mem(const struct exec_elf_src *src, uint64_t off, void *buf, size_t n)
{
    memcpy(buf, (const uint8_t *)src->ctx + off, n);
    return 0;
}

int exec_elf_parse(const uint8_t *f, size_t len, unsigned machine, uintptr_t user_top,
                   struct exec_elf *out, char *err, size_t errlen)
{
    const struct exec_elf_src src = {len, read_mem, f};
    return exec_elf_parse_from(&src, machine, user_top, out, err, errlen);
}

int exec_elf_move(struct exec_elf *x, uintptr_t start, uintptr_t user_top)
{
    uintptr_t span = x->seg[x->nseg - 1].end - x->seg[0].start;
    if (x->eh.e_type != ET_DYN || start & (PAGE_SIZE - 1) || start < PAGE_SIZE ||
        start > EXEC_SEGMENTS_TOP(user_top) || span > EXEC_SEGMENTS_TOP(user_top) - start)
        return -ENOMEM;
    uintptr_t d = start - x->seg[0].start; /* modulo 2^64: a move down works too */
    for (unsigned i = 0; i < x->nseg; i++) {
        x->seg[i].start += d;
        x->seg[i].end += d;
    }
    x->bias += d;
    x->entry += d;
    if (x->phdr)
        x->phdr += d;
    return 0;
}
