/**
 * @file fuzz_exec_elf.c
 * @brief libFuzzer target: the user-mode ELF loader's checks
 *        (kernel/user/exec_elf.c) on any file. Whatever they accept, the
 *        loader can map as is: segments sorted, page-aligned, apart, inside
 *        user space above page 0, their file bytes inside the file, never
 *        writable and executable, the entry in an executable segment.
 *        Whatever they refuse comes with one of their messages. No read
 *        leaves the file (the reader checks each, and ASan watches).
 *
 * Input: a flags byte, then either the file itself (flag 0x08) or patches
 * over a valid executable built here (static, or static-PIE with flag
 * 0x01), so the empty input is already a program the parser accepts and a
 * mutation reaches the segment checks instead of dying at the magic. A
 * patch is a 16-bit little-endian offset, a length byte and that many
 * bytes; with flag 0x10 the file ends where the last patch does (a cut, or
 * more bytes). Flags 0x06: the user top (aarch64's, x86_64's, Sv48's,
 * Sv39's); 0x60: the message buffer's size (128, 16, 1, none); 0x80: a
 * read of bytes past the first 0x100 fails (EIO), as a disk error would.
 */
#include <hal/mmu.h>
#include <kernel/buddy.h>
#include <kernel/errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel/user/exec.h"
#include "../../kernel/user/exec_elf.h"

/* strlcpy, which the code under test calls: tests/host/host_strlcpy.c */

#define MACHINE EM_AARCH64
#define CAP 4096 /* the largest file made from a template; fuzz_target's -max_len */

static const uintptr_t tops[] = {(uintptr_t)1 << 48, 0x00007ffffffff000ull, (uintptr_t)1 << 47,
                                 (uintptr_t)1 << 38};

static const char *const messages[] = {
    "shorter than an ELF header",
    "not an ELF file (bad magic)",
    "not a 64-bit little-endian ELF file",
    "not an executable (e_type is neither EXEC nor DYN)",
    "built for another machine (e_machine)",
    "bad program header table (entry size or count)",
    "program header table runs past the end of the file",
    "the interpreter's path (PT_INTERP) is empty or too long",
    "the interpreter's path runs past the end of the file",
    "the interpreter's path does not end its segment with NUL",
    "a segment's file size exceeds its memory size",
    "a segment runs past the end of the file",
    "a segment's address and file offset disagree modulo the page size",
    "a segment is writable and executable (W^X)",
    "a segment lies outside user space",
    "too many segments",
    "segments overlap",
    "no loadable segment",
    "the entry point is outside every executable segment",
    "the ELF header cannot be read",
    "the program headers cannot be read",
    "the interpreter's path cannot be read",
};

/* exec_elf_parse_from()'s reader: abort() on a read leaving the file;
 * with ctx non-NULL, EIO past the first 0x100 bytes. */
static const uint8_t *file_bytes;

static int read_checked(const struct exec_elf_src *src, uint64_t off, void *buf, size_t n)
{
    if (off > src->len || n > src->len - off)
        abort();
    if (src->ctx && off + n > 0x100)
        return -EIO;
    memcpy(buf, file_bytes + off, n);
    return 0;
}

/*
 * The template, 0x300 bytes: the ELF header; PT_PHDR, text, data and
 * PT_GNU_STACK program headers; text is the first 0x200 bytes (headers
 * included), read and execute; data is the last 0x100, read and write,
 * with 8 KiB of memory. Returns its length.
 */
static size_t build(uint8_t *f, int pie)
{
    uint64_t base = pie ? 0 : 0x400000;
    memset(f, 0, 0x300);
    Elf64_Ehdr eh = {.e_type = pie ? ET_DYN : ET_EXEC, .e_machine = MACHINE, .e_version = 1,
                     .e_entry = base + 0x180, .e_phoff = sizeof eh, .e_ehsize = sizeof eh,
                     .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 4};
    memcpy(eh.e_ident, "\177ELF\2\1\1", 7);
    Elf64_Phdr ph[4] = {
        {PT_PHDR, PF_R, sizeof eh, base + sizeof eh, base + sizeof eh, sizeof ph, sizeof ph, 8},
        {PT_LOAD, PF_R | PF_X, 0, base, base, 0x200, 0x200, 0x1000},
        {PT_LOAD, PF_R | PF_W, 0x200, base + 0x1200, base + 0x1200, 0x100, 0x2000, 0x1000},
        {PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16},
    };
    memcpy(f, &eh, sizeof eh);
    memcpy(f + sizeof eh, ph, sizeof ph);
    return 0x300;
}

/* What exec.c relies on in an accepted file; abort() if it does not hold. */
static void check_accepted(const struct exec_elf *x, size_t len, uintptr_t top)
{
    if (x->nseg == 0 || x->nseg > EXEC_ELF_MAX_PHNUM || x->eh.e_phnum > EXEC_ELF_MAX_PHNUM)
        abort();
    int entry_ok = 0, phdr_ok = x->phdr == 0;
    for (unsigned i = 0; i < x->nseg; i++) {
        const struct exec_elf_seg *s = &x->seg[i];
        const Elf64_Phdr *p = s->ph;
        if (p < x->ph || p >= x->ph + x->eh.e_phnum || p->p_type != PT_LOAD || p->p_memsz == 0)
            abort();
        if (s->start % PAGE_SIZE || s->end % PAGE_SIZE || s->start >= s->end)
            abort();
        if (s->start < PAGE_SIZE || s->end > EXEC_SEGMENTS_TOP(top))
            abort();
        if (i > 0 && s->start < x->seg[i - 1].end)
            abort();
        if ((s->prot & ~(MMU_WRITE | MMU_EXEC)) || s->prot == (MMU_WRITE | MMU_EXEC))
            abort();
        if (p->p_filesz > p->p_memsz || p->p_offset > len || p->p_filesz > len - p->p_offset)
            abort();
        uint64_t lo = p->p_vaddr + x->bias, hi = lo + p->p_memsz;
        if (hi < lo || lo < s->start || hi > s->end)
            abort();
        entry_ok |= (s->prot & MMU_EXEC) && x->entry >= lo && x->entry < hi;
        phdr_ok |= x->phdr >= lo && x->phdr + x->eh.e_phnum * sizeof(Elf64_Phdr) <= lo + p->p_filesz;
    }
    if (!entry_ok || !phdr_ok)
        abort();
}

/* libFuzzer's entry point; it has no header to declare it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned flags = size ? data[0] : 0;
    const uint8_t *in = size ? data + 1 : data;
    size_t n = size ? size - 1 : 0;
    uintptr_t top = tops[(flags >> 1) & 3];
    uint8_t *f;
    size_t len;
    if (flags & 0x08) { /* the file itself, in a block of its own size */
        len = n;
        f = malloc(len ? len : 1);
        memcpy(f, in, len);
    } else {
        static uint8_t buf[CAP];
        len = build(buf, flags & 1);
        size_t end = len;
        while (n >= 3) {
            size_t at = (in[0] | (size_t)in[1] << 8) % CAP, k = in[2];
            in += 3;
            n -= 3;
            if (k > n)
                k = n;
            if (k > CAP - at)
                k = CAP - at;
            memcpy(buf + at, in, k);
            in += k;
            n -= k;
            end = at + k;
            if (end > len)
                len = end;
        }
        if (flags & 0x10)
            len = end;
        f = malloc(len ? len : 1); /* ends where the file does, for ASan */
        memcpy(f, buf, len);
    }
    static const size_t errlens[] = {128, 16, 1, 0};
    size_t errlen = errlens[(flags >> 5) & 3];
    char err[128];
    memset(err, 'x', sizeof err);
    /* the struct is ~5 KiB, as in the kernel allocated, here static */
    static struct exec_elf x;
    file_bytes = f;
    const struct exec_elf_src src = {len, read_checked, flags & 0x80 ? "" : NULL};
    int e = exec_elf_parse_from(&src, MACHINE, top, &x, errlen ? err : NULL, errlen);
    if (e == 0) {
        check_accepted(&x, len, top);
    } else {
        if (e != -ENOEXEC && !(e == -EIO && (flags & 0x80)))
            abort();
        if (errlen) {
            if (!memchr(err, 0, errlen) || memchr(err, 'x', 1))
                abort(); /* cut, but terminated and not left empty-handed */
            int known = 0;
            for (unsigned i = 0; i < sizeof messages / sizeof messages[0]; i++)
                known |= strncmp(err, messages[i], errlen - 1) == 0 && strlen(err) == (strlen(messages[i]) < errlen - 1 ? strlen(messages[i]) : errlen - 1);
            if (!known)
                abort();
        } else if (err[0] != 'x') {
            abort(); /* no buffer: nothing written */
        }
    }
    free(f);
    return 0;
}
