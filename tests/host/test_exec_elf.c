/**
 * @file test_exec_elf.c
 * @brief The user-mode ELF loader's checks (kernel/user/exec_elf.c) on
 *        executables built here: static and static-PIE ones parsed to the
 *        last field, each refusal with its message, and every truncation
 *        and single-byte corruption of the headers refused or accepted
 *        whole, never read past the file (ASan would say).
 *
 * The loader maps exactly what exec_elf_parse() returns, so a wrong range
 * or right here is a wrong mapping in every process. The in-kernel ktest
 * (user_bad_executables_refused) damages a real program and checks only
 * that it is refused; this test pins which check refuses it and says what,
 * at the edges: a segment ending at the last usable byte and one byte
 * past, the entry at its segment's last byte and one past, 64 program
 * headers and 65, offsets that overflow.
 */
#include <hal/mmu.h>
#include <kernel/buddy.h>
#include <kernel/errno.h>
#include <stdlib.h>

#include "../../kernel/user/exec.h"
#include "../../kernel/user/exec_elf.h"
#include "check.h"

/* strlcpy, which the code under test calls: tests/host/host_strlcpy.c */

/* Any machine number will do: the parser is given the one to accept. */
#define MACHINE EM_AARCH64
#define TOP ((uintptr_t)1 << 48) /* aarch64's user top */
#define PIE_BIAS 0xaaaaaaa00000ull /* two thirds of TOP, 2 MiB aligned */

/*
 * The image: ELF header, then the program headers (PT_PHDR, the two
 * PT_LOADs, PT_GNU_STACK, PT_NULL up to the count asked for), all inside
 * the text segment, which is the file's first 6 KiB; the data segment is
 * 256 bytes from 0x2010, with 12 KiB of memory (bss after them).
 * ET_EXEC at BASE, ET_DYN (static-PIE) at 0.
 */
#define BASE 0x400000ull
#define TEXT_SIZE 0x1800ull
#define DATA_OFF 0x2010ull
#define DATA_VADDR 0x3010ull /* + base; the same page offset as DATA_OFF */
#define DATA_FILESZ 0x100ull
#define DATA_MEMSZ 0x3000ull
#define ENTRY 0x1000ull
#define IMG_LEN ((size_t)(DATA_OFF + DATA_FILESZ))
#define PH_OFF 64u

/* Indices in the program header table (default order). */
enum { I_PHDR, I_TEXT, I_DATA, I_STACK };

static _Alignas(8) uint8_t img[IMG_LEN];

static Elf64_Ehdr *ehdr(void) { return (Elf64_Ehdr *)img; }
static Elf64_Phdr *phdr(unsigned i) { return (Elf64_Phdr *)(img + PH_OFF) + i; }

/* Build the image into img[]; @p data_first swaps the two PT_LOADs in the
 * table, so the parser has to sort them. */
static void build(int pie, unsigned phnum, int data_first)
{
    uint64_t base = pie ? 0 : BASE;
    memset(img, 0, sizeof img);
    for (size_t i = 0; i < sizeof img; i++) /* code and data: any bytes but zeros */
        img[i] = (uint8_t)(i * 7 + 1);
    Elf64_Ehdr *eh = ehdr();
    memset(eh, 0, sizeof *eh);
    memcpy(eh->e_ident, "\177ELF", 4);
    eh->e_ident[4] = ELFCLASS64;
    eh->e_ident[5] = ELFDATA2LSB;
    eh->e_ident[6] = 1; /* EV_CURRENT */
    eh->e_type = pie ? ET_DYN : ET_EXEC;
    eh->e_machine = MACHINE;
    eh->e_version = 1;
    eh->e_entry = base + ENTRY;
    eh->e_phoff = PH_OFF;
    eh->e_ehsize = sizeof(Elf64_Ehdr);
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = (uint16_t)phnum;
    memset(phdr(0), 0, phnum * sizeof(Elf64_Phdr));
    *phdr(I_PHDR) = (Elf64_Phdr){PT_PHDR, PF_R, PH_OFF, base + PH_OFF, base + PH_OFF,
                                 phnum * sizeof(Elf64_Phdr), phnum * sizeof(Elf64_Phdr), 8};
    Elf64_Phdr text = {PT_LOAD, PF_R | PF_X, 0, base, base, TEXT_SIZE, TEXT_SIZE, 0x1000};
    Elf64_Phdr data = {PT_LOAD, PF_R | PF_W, DATA_OFF, base + DATA_VADDR, base + DATA_VADDR,
                       DATA_FILESZ, DATA_MEMSZ, 0x1000};
    *phdr(I_TEXT) = data_first ? data : text;
    *phdr(I_DATA) = data_first ? text : data;
    *phdr(I_STACK) = (Elf64_Phdr){PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16};
}

static Elf64_Phdr *text(void) { return phdr(I_TEXT); }
static Elf64_Phdr *data(void) { return phdr(I_DATA); }

/* build(), then PT_GNU_STACK made a PT_INTERP of @p n bytes at file
 * offset @p off, NUL-terminated there if that is inside the image. */
static void interp(uint64_t off, uint64_t n)
{
    build(0, 4, 0);
    *phdr(I_STACK) = (Elf64_Phdr){PT_INTERP, PF_R, off, 0, 0, n, n, 1};
    if (off < IMG_LEN && n <= IMG_LEN - off && n)
        img[off + n - 1] = 0;
}

/* Parse @p len bytes of img[] from a heap copy ending exactly where the
 * file does, so a read past the end is an ASan report; the copy starts
 * @p misalign bytes past an aligned address. */
static int parse_at(size_t len, uintptr_t top, struct exec_elf *x, char *err, size_t errlen,
                    size_t misalign)
{
    uint8_t *copy = malloc(len + misalign + (len + misalign == 0));
    memcpy(copy + misalign, img, len);
    int e = exec_elf_parse(copy + misalign, len, MACHINE, top, x, err, errlen);
    free(copy);
    return e;
}

static int parse(size_t len, struct exec_elf *x, char *err, size_t errlen)
{
    return parse_at(len, TOP, x, err, errlen, 0);
}

/*
 * What the loader relies on in whatever is accepted: segments sorted,
 * page-aligned, apart, between page 1 and the segments' top, each with its
 * file bytes inside the file and inside its pages, never writable and
 * executable; the entry in an executable segment; the program headers'
 * address, if any, inside a segment. Returns the number of broken rules.
 */
static int broken_rules(const struct exec_elf *x, size_t len, uintptr_t top)
{
    int bad = 0;
    bad += x->nseg == 0 || x->nseg > EXEC_ELF_MAX_PHNUM;
    bad += x->interp_len && (x->interp_len < 2 || x->interp_len > EXEC_ELF_INTERP_MAX ||
                             x->interp_off > len || x->interp_len > len - x->interp_off);
    if (bad)
        return bad;
    int entry_ok = 0, phdr_ok = x->phdr == 0;
    for (unsigned i = 0; i < x->nseg; i++) {
        const struct exec_elf_seg *s = &x->seg[i];
        const Elf64_Phdr *p = s->ph;
        bad += p < x->ph || p >= x->ph + x->eh.e_phnum || p->p_type != PT_LOAD;
        bad += s->start % PAGE_SIZE != 0 || s->end % PAGE_SIZE != 0 || s->start >= s->end;
        bad += s->start < PAGE_SIZE || s->end > EXEC_SEGMENTS_TOP(top);
        bad += i > 0 && s->start < x->seg[i - 1].end;
        bad += (s->prot & ~(MMU_WRITE | MMU_EXEC)) != 0 || s->prot == (MMU_WRITE | MMU_EXEC);
        bad += p->p_filesz > p->p_memsz || p->p_offset > len || p->p_filesz > len - p->p_offset;
        uint64_t lo = p->p_vaddr + x->bias;
        bad += lo < s->start || lo + p->p_memsz > s->end || lo + p->p_memsz < lo;
        entry_ok |= (s->prot & MMU_EXEC) && x->entry >= lo && x->entry < lo + p->p_memsz;
        phdr_ok |= x->phdr >= lo && x->phdr + x->eh.e_phnum * sizeof(Elf64_Phdr) <= lo + p->p_filesz;
    }
    return bad + !entry_ok + !phdr_ok;
}

static void test_static(void)
{
    for (int data_first = 0; data_first < 2; data_first++) {
        build(0, 4, data_first);
        struct exec_elf x;
        char err[128] = "";
        CHECK_EQ_INT(parse(IMG_LEN, &x, err, sizeof err), 0);
        CHECK_EQ_STR(err, "");
        CHECK_EQ_INT(x.nseg, 2);
        CHECK_EQ_HEX(x.bias, 0);
        CHECK(memcmp(&x.eh, img, sizeof x.eh) == 0);
        CHECK(memcmp(x.ph, img + PH_OFF, 4 * sizeof(Elf64_Phdr)) == 0);
        CHECK_EQ_HEX(x.seg[0].start, BASE);
        CHECK_EQ_HEX(x.seg[0].end, BASE + 0x2000); /* 6 KiB: two pages */
        CHECK_EQ_HEX(x.seg[0].prot, MMU_EXEC);
        CHECK(x.seg[0].ph == &x.ph[data_first ? I_DATA : I_TEXT]);
        CHECK_EQ_HEX(x.seg[1].start, BASE + 0x3000);
        CHECK_EQ_HEX(x.seg[1].end, BASE + 0x7000); /* 0x3010 + 12 KiB, rounded up */
        CHECK_EQ_HEX(x.seg[1].prot, MMU_WRITE);
        CHECK(x.seg[1].ph == &x.ph[data_first ? I_TEXT : I_DATA]);
        CHECK_EQ_HEX(x.entry, BASE + ENTRY);
        CHECK_EQ_HEX(x.phdr, BASE + PH_OFF);
        CHECK_EQ_INT(broken_rules(&x, IMG_LEN, TOP), 0);
    }
}

static void test_static_pie(void)
{
    /* The bias for each arch's user top: aarch64, x86_64, riscv64 Sv48 and Sv39. */
    static const struct {
        uintptr_t top;
        uint64_t bias;
    } tops[] = {{(uintptr_t)1 << 48, PIE_BIAS},
                {0x00007ffffffff000ull, 0x555555400000ull},
                {(uintptr_t)1 << 47, 0x555555400000ull},
                {(uintptr_t)1 << 38, 0x2aaaa00000ull}};
    for (unsigned t = 0; t < sizeof tops / sizeof tops[0]; t++) {
        build(1, 4, t & 1);
        struct exec_elf x;
        char err[128] = "";
        CHECK_EQ_INT(parse_at(IMG_LEN, tops[t].top, &x, err, sizeof err, 0), 0);
        CHECK_EQ_STR(err, "");
        uint64_t b = tops[t].bias;
        CHECK_EQ_HEX(x.bias, b);
        CHECK_EQ_INT(x.nseg, 2);
        CHECK_EQ_HEX(x.seg[0].start, b);
        CHECK_EQ_HEX(x.seg[0].end, b + 0x2000);
        CHECK_EQ_HEX(x.seg[0].prot, MMU_EXEC);
        CHECK_EQ_HEX(x.seg[1].start, b + 0x3000);
        CHECK_EQ_HEX(x.seg[1].end, b + 0x7000);
        CHECK_EQ_HEX(x.seg[1].prot, MMU_WRITE);
        CHECK_EQ_HEX(x.entry, b + ENTRY);
        CHECK_EQ_HEX(x.phdr, b + PH_OFF);
        CHECK_EQ_INT(broken_rules(&x, IMG_LEN, tops[t].top), 0);
    }
}

/* A program with an interpreter: its path's place kept (the first
 * PT_INTERP's); an ET_DYN file moved by exec_elf_move(). */
static void test_interp_and_move(void)
{
    static const char path[] = "/lib/ld-linux-aarch64.so.1";
    interp(0x1700, sizeof path);
    memcpy(img + 0x1700, path, sizeof path);
    struct exec_elf x;
    char err[128] = "";
    CHECK_EQ_INT(parse(IMG_LEN, &x, err, sizeof err), 0);
    CHECK_EQ_STR(err, "");
    CHECK_EQ_HEX(x.interp_off, 0x1700);
    CHECK_EQ_INT(x.interp_len, sizeof path);
    CHECK_EQ_INT(broken_rules(&x, IMG_LEN, TOP), 0);
    *phdr(I_PHDR) = *phdr(I_STACK); /* before it, one whose path has no NUL: the first counts */
    phdr(I_PHDR)->p_offset = 0x1600;
    CHECK_EQ_INT(parse(IMG_LEN, &x, err, sizeof err), -ENOEXEC);
    CHECK_EQ_STR(err, "the interpreter's path does not end its segment with NUL");
    build(0, 4, 0);
    CHECK_EQ_INT(parse(IMG_LEN, &x, err, sizeof err), 0);
    CHECK_EQ_INT(x.interp_len, 0);
    CHECK_EQ_INT(exec_elf_move(&x, 0x10000000, TOP), -ENOMEM); /* ET_EXEC stays */

    build(1, 4, 0);
    CHECK_EQ_INT(parse(IMG_LEN, &x, err, sizeof err), 0);
    CHECK_EQ_INT(exec_elf_move(&x, 0x7f0000001000ull, TOP), 0);
    CHECK_EQ_HEX(x.bias, 0x7f0000001000ull);
    CHECK_EQ_HEX(x.seg[0].start, 0x7f0000001000ull);
    CHECK_EQ_HEX(x.seg[1].start, 0x7f0000004000ull);
    CHECK_EQ_HEX(x.entry, 0x7f0000001000ull + ENTRY);
    CHECK_EQ_HEX(x.phdr, 0x7f0000001000ull + PH_OFF);
    CHECK_EQ_INT(broken_rules(&x, IMG_LEN, TOP), 0);
    CHECK_EQ_INT(exec_elf_move(&x, 0x1000, TOP), 0); /* down works too */
    CHECK_EQ_HEX(x.seg[1].end, 0x1000 + 0x7000);
    CHECK_EQ_INT(broken_rules(&x, IMG_LEN, TOP), 0);
    /* refused, and left as it was: unaligned, page 0, past the top, wrapping */
    static const uintptr_t bad[] = {0x1800, 0, EXEC_SEGMENTS_TOP(TOP) - 0x6000, UINTPTR_MAX & ~(uintptr_t)0xfff};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(exec_elf_move(&x, bad[i], TOP), -ENOMEM);
        CHECK_EQ_HEX(x.seg[0].start, 0x1000);
    }
    CHECK_EQ_INT(exec_elf_move(&x, EXEC_SEGMENTS_TOP(TOP) - 0x7000, TOP), 0); /* just fits */
    CHECK_EQ_INT(broken_rules(&x, IMG_LEN, TOP), 0);
}

/* Accepted shapes at the edges of what is allowed. */
static void test_accepted_edges(void)
{
    struct exec_elf x;
    char err[128];

    /* 64 program headers (the PT_NULLs are skipped) */
    build(0, EXEC_ELF_MAX_PHNUM, 0);
    CHECK_EQ_INT(parse(IMG_LEN, &x, err, sizeof err), 0);
    CHECK_EQ_INT(x.nseg, 2);
    CHECK_EQ_HEX(x.phdr, BASE + PH_OFF);

    /* the data segment ending exactly at the segments' top */
    build(0, 4, 0);
    uint64_t segtop = EXEC_SEGMENTS_TOP(TOP);
    data()->p_vaddr = segtop - DATA_MEMSZ + (DATA_OFF % PAGE_SIZE);
    data()->p_memsz = DATA_MEMSZ - (DATA_OFF % PAGE_SIZE);
    CHECK_EQ_INT(parse(IMG_LEN, &x, err, sizeof err), 0);
    CHECK_EQ_HEX(x.seg[1].end, segtop);
    CHECK_EQ_HEX(x.seg[1].start, segtop - DATA_MEMSZ);

    /* the text segment at page 1, the lowest allowed */
    build(0, 4, 0);
    text()->p_vaddr = PAGE_SIZE;
    ehdr()->e_entry = PAGE_SIZE;
    CHECK_EQ_INT(parse(IMG_LEN, &x, err, sizeof err), 0);
    CHECK_EQ_HEX(x.seg[0].start, PAGE_SIZE);
    CHECK_EQ_HEX(x.phdr, PAGE_SIZE + PH_OFF);

    /* the data segment on the page right after the text's */
    build(0, 4, 0);
    data()->p_vaddr = BASE + 0x2010;
    CHECK_EQ_INT(parse(IMG_LEN, &x, err, sizeof err), 0);
    CHECK_EQ_HEX(x.seg[1].start, x.seg[0].end);

    /* the entry at the text's last byte */
    build(0, 4, 0);
    ehdr()->e_entry = BASE + TEXT_SIZE - 1;
    CHECK_EQ_INT(parse(IMG_LEN, &x, err, sizeof err), 0);
    CHECK_EQ_HEX(x.entry, BASE + TEXT_SIZE - 1);

    /* a read-only data segment: no rights beyond reading */
    build(0, 4, 0);
    data()->p_flags = PF_R;
    CHECK_EQ_INT(parse(IMG_LEN, &x, err, sizeof err), 0);
    CHECK_EQ_HEX(x.seg[1].prot, 0);

    /* all bss (no file bytes), and a PT_LOAD of no memory, which is skipped */
    build(0, 4, 0);
    data()->p_filesz = 0;
    phdr(I_STACK)->p_type = PT_LOAD;
    phdr(I_STACK)->p_flags = PF_R | PF_W | PF_X; /* would be refused if it were loaded */
    CHECK_EQ_INT(parse(IMG_LEN, &x, err, sizeof err), 0);
    CHECK_EQ_INT(x.nseg, 2);

    /* program headers in no segment: AT_PHDR 0 */
    build(0, 4, 0);
    text()->p_offset = 0x1000;
    text()->p_vaddr = BASE + 0x1000;
    text()->p_filesz = text()->p_memsz = 0x800;
    CHECK_EQ_INT(parse(IMG_LEN, &x, err, sizeof err), 0);
    CHECK_EQ_HEX(x.phdr, 0);

    /* the file at an odd address, as an archive member's data may be */
    build(1, 4, 0);
    CHECK_EQ_INT(parse_at(IMG_LEN, TOP, &x, err, sizeof err, 1), 0);
    CHECK_EQ_HEX(x.entry, PIE_BIAS + ENTRY);

    /* no room for a message: still refused, nothing written */
    build(0, 4, 0);
    ehdr()->e_machine = EM_X86_64;
    CHECK_EQ_INT(parse(IMG_LEN, &x, NULL, 0), -ENOEXEC);
    char small[8] = "xxxxxxx";
    CHECK_EQ_INT(parse(IMG_LEN, &x, small, 0), -ENOEXEC);
    CHECK_EQ_STR(small, "xxxxxxx");
    CHECK_EQ_INT(parse(IMG_LEN, &x, small, sizeof small), -ENOEXEC);
    CHECK_EQ_STR(small, "built f"); /* cut, terminated */
}

#define M_SHORT "shorter than an ELF header"
#define M_MAGIC "not an ELF file (bad magic)"
#define M_CLASS "not a 64-bit little-endian ELF file"
#define M_TYPE "not an executable (e_type is neither EXEC nor DYN)"
#define M_MACHINE "built for another machine (e_machine)"
#define M_PHTAB "bad program header table (entry size or count)"
#define M_PHEOF "program header table runs past the end of the file"
#define M_INTERP_LEN "the interpreter's path (PT_INTERP) is empty or too long"
#define M_INTERP_EOF "the interpreter's path runs past the end of the file"
#define M_INTERP_NUL "the interpreter's path does not end its segment with NUL"
#define M_FILESZ "a segment's file size exceeds its memory size"
#define M_SEGEOF "a segment runs past the end of the file"
#define M_ALIGN "a segment's address and file offset disagree modulo the page size"
#define M_WX "a segment is writable and executable (W^X)"
#define M_OUTSIDE "a segment lies outside user space"
#define M_OVERLAP "segments overlap"
#define M_NOLOAD "no loadable segment"
#define M_ENTRY "the entry point is outside every executable segment"

/* Expect the first @p len bytes of img[] refused with @p why. */
static void refused_len(const char *name, size_t len, const char *why)
{
    struct exec_elf x;
    char err[128] = "";
    int e = parse(len, &x, err, sizeof err);
    CHECK_EQ_INT(e, -ENOEXEC);
    CHECK_EQ_STR(err, why);
    if (e != -ENOEXEC || strcmp(err, why) != 0)
        fprintf(stderr, "  ... in case \"%s\"\n", name);
}

static void refused(const char *name, const char *why) { refused_len(name, IMG_LEN, why); }

static void test_header_refusals(void)
{
    build(0, 4, 0);
    refused_len("empty", 0, M_SHORT);
    refused_len("one byte short of a header", sizeof(Elf64_Ehdr) - 1, M_SHORT);
    for (int i = 0; i < 4; i++) {
        build(0, 4, 0);
        img[i] ^= 0x20;
        refused("magic", M_MAGIC);
    }
    build(0, 4, 0);
    img[4] = 1; /* ELFCLASS32 */
    refused("32-bit", M_CLASS);
    build(0, 4, 0);
    img[4] = 0;
    refused("no class", M_CLASS);
    build(0, 4, 0);
    img[5] = 2; /* ELFDATA2MSB */
    refused("big-endian", M_CLASS);
    static const uint16_t types[] = {0, ET_REL, 4 /* ET_CORE */, 0xfe00, 0xffff};
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
        build(0, 4, 0);
        ehdr()->e_type = types[i];
        refused("e_type", M_TYPE);
    }
    static const uint16_t machines[] = {0, EM_X86_64, EM_RISCV, EM_BPF, MACHINE + 0x100};
    for (unsigned i = 0; i < sizeof machines / sizeof machines[0]; i++) {
        build(0, 4, 0);
        ehdr()->e_machine = machines[i];
        refused("e_machine", M_MACHINE);
    }
    build(0, 4, 0);
    ehdr()->e_phentsize = sizeof(Elf64_Phdr) - 1;
    refused("phentsize 55", M_PHTAB);
    build(0, 4, 0);
    ehdr()->e_phentsize = sizeof(Elf64_Phdr) + 8;
    refused("phentsize 64", M_PHTAB);
    build(0, 4, 0);
    ehdr()->e_phentsize = 0;
    refused("phentsize 0", M_PHTAB);
    build(0, 4, 0);
    ehdr()->e_phnum = 0;
    refused("phnum 0", M_PHTAB);
    build(0, EXEC_ELF_MAX_PHNUM, 0);
    ehdr()->e_phnum = EXEC_ELF_MAX_PHNUM + 1;
    refused("phnum 65", M_PHTAB);
    build(0, 4, 0);
    ehdr()->e_phnum = 0xffff;
    refused("phnum 65535", M_PHTAB);

    /* The table past the end: by one byte, starting past it, and offsets
     * whose sum with the table's size wraps. */
    build(0, 4, 0);
    ehdr()->e_phoff = IMG_LEN - 4 * sizeof(Elf64_Phdr) + 1;
    refused("table one byte past the end", M_PHEOF);
    build(0, 4, 0);
    refused_len("file cut inside the table", PH_OFF + 4 * sizeof(Elf64_Phdr) - 1, M_PHEOF);
    build(0, 4, 0);
    ehdr()->e_phoff = IMG_LEN + 1;
    refused("table offset past the end", M_PHEOF);
    build(0, 4, 0);
    ehdr()->e_phoff = IMG_LEN;
    refused("table offset at the end", M_PHEOF);
    static const uint64_t huge[] = {UINT64_MAX, UINT64_MAX - 8, UINT64_MAX - 4 * sizeof(Elf64_Phdr) + 1,
                                    (uint64_t)1 << 63};
    for (unsigned i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        build(0, 4, 0);
        ehdr()->e_phoff = huge[i];
        refused("table offset near UINT64_MAX", M_PHEOF);
    }
    /* the table exactly at the end of the file is fine: a count of one more is not */
    build(0, 4, 0);
    memcpy(img + IMG_LEN - 4 * sizeof(Elf64_Phdr), phdr(0), 4 * sizeof(Elf64_Phdr));
    ehdr()->e_phoff = IMG_LEN - 4 * sizeof(Elf64_Phdr);
    struct exec_elf x;
    char err[128];
    CHECK_EQ_INT(parse(IMG_LEN, &x, err, sizeof err), 0);
    CHECK_EQ_HEX(x.phdr, BASE + DATA_VADDR + DATA_FILESZ - 4 * sizeof(Elf64_Phdr));
    ehdr()->e_phnum = 5;
    refused("table of one more past the end", M_PHEOF);
}

static void test_segment_refusals(void)
{
    interp(0x1600, 27);
    img[0x1600 + 26] = 'x';
    refused("PT_INTERP without its NUL", M_INTERP_NUL);
    interp(0x1700, 1);
    refused("PT_INTERP of one byte", M_INTERP_LEN);
    interp(0x100, EXEC_ELF_INTERP_MAX + 1);
    refused("PT_INTERP too long", M_INTERP_LEN);
    interp(IMG_LEN - 8, 9);
    refused("PT_INTERP past the end", M_INTERP_EOF);
    interp(UINT64_MAX - 2, 8);
    refused("PT_INTERP offset wrapping", M_INTERP_EOF);

    build(0, 4, 0);
    data()->p_filesz = data()->p_memsz + 1;
    refused("filesz > memsz", M_FILESZ);
    build(0, 4, 0);
    data()->p_filesz = UINT64_MAX;
    refused("filesz UINT64_MAX", M_FILESZ);

    build(0, 4, 0);
    data()->p_filesz++;
    refused("segment one byte past the end", M_SEGEOF);
    build(0, 4, 0);
    refused_len("file cut in the data segment", IMG_LEN - 1, M_SEGEOF);
    build(0, 4, 0);
    data()->p_offset = IMG_LEN + 1;
    data()->p_vaddr = BASE + 0x3000 + ((IMG_LEN + 1) % PAGE_SIZE);
    refused("segment offset past the end", M_SEGEOF);
    build(0, 4, 0);
    data()->p_offset = UINT64_MAX - 0xfff + (DATA_OFF % PAGE_SIZE); /* still congruent to p_vaddr */
    refused("segment offset near UINT64_MAX", M_SEGEOF);
    /* offset + filesz wraps to a small number */
    build(0, 4, 0);
    data()->p_memsz = UINT64_MAX;
    data()->p_filesz = UINT64_MAX - DATA_OFF + 1;
    refused("segment offset + filesz wraps", M_SEGEOF);

    build(0, 4, 0);
    data()->p_vaddr += 0x10;
    refused("vaddr not congruent to offset", M_ALIGN);
    build(0, 4, 0);
    data()->p_offset -= 1;
    refused("offset not congruent to vaddr", M_ALIGN);
    build(0, 4, 0);
    text()->p_vaddr = BASE + PAGE_SIZE / 2;
    refused("text at half a page", M_ALIGN);

    build(0, 4, 0);
    text()->p_flags = PF_R | PF_W | PF_X;
    refused("W+X text", M_WX);
    build(0, 4, 0);
    data()->p_flags = PF_W | PF_X;
    refused("W+X data", M_WX);

    /* outside user space */
    build(0, 4, 0);
    text()->p_vaddr = 0;
    ehdr()->e_entry = ENTRY;
    refused("text on page 0", M_OUTSIDE);
    build(0, 4, 0);
    data()->p_vaddr = 0x10; /* page 0, even though it does not start at 0 */
    data()->p_memsz = 0x100;
    refused("data inside page 0", M_OUTSIDE);
    build(0, 4, 0);
    uint64_t segtop = EXEC_SEGMENTS_TOP(TOP);
    data()->p_vaddr = segtop - DATA_MEMSZ + (DATA_OFF % PAGE_SIZE);
    data()->p_memsz = DATA_MEMSZ - (DATA_OFF % PAGE_SIZE) + 1;
    refused("data one byte above the segments' top", M_OUTSIDE);
    build(0, 4, 0);
    data()->p_vaddr = TOP + (DATA_OFF % PAGE_SIZE);
    refused("data above the user top", M_OUTSIDE);
    build(0, 4, 0);
    data()->p_vaddr = 0xffffffffc0000000ull + (DATA_OFF % PAGE_SIZE);
    refused("data at a kernel address", M_OUTSIDE);
    build(0, 4, 0);
    data()->p_memsz = UINT64_MAX - data()->p_vaddr + 2; /* vaddr + memsz wraps to 1 */
    refused("vaddr + memsz wraps", M_OUTSIDE);
    build(1, 4, 0);
    data()->p_vaddr = UINT64_MAX - PIE_BIAS + 1 + (DATA_OFF % PAGE_SIZE); /* vaddr + bias wraps */
    refused("vaddr + bias wraps (PIE)", M_OUTSIDE);
    build(1, 4, 0);
    data()->p_memsz = UINT64_MAX - PIE_BIAS - DATA_VADDR + 2; /* biased end wraps */
    refused("vaddr + bias + memsz wraps (PIE)", M_OUTSIDE);
    build(1, 4, 0);
    data()->p_vaddr = EXEC_SEGMENTS_TOP(TOP) - PIE_BIAS + (DATA_OFF % PAGE_SIZE);
    refused("PIE data above the top once biased", M_OUTSIDE);

    /* overlaps, at page granularity, in either table order */
    for (int data_first = 0; data_first < 2; data_first++) {
        build(0, 4, data_first);
        Elf64_Phdr *d = data_first ? text() : data();
        d->p_vaddr = BASE + 0x1010; /* the text's second page */
        refused("data on the text's last page", M_OVERLAP);
        build(0, 4, data_first);
        d = data_first ? text() : data();
        d->p_vaddr = BASE + 0x10; /* the same start page */
        refused("data at the text's first page", M_OVERLAP);
    }
    build(0, 4, 0);
    data()->p_vaddr = BASE + 0x10;
    data()->p_memsz = 0x10000; /* starts with the text and covers it */
    refused("data covering the text", M_OVERLAP);
    build(0, 4, 0);
    *phdr(I_STACK) = *text(); /* the same segment twice */
    refused("a segment twice", M_OVERLAP);
    build(0, 4, 0);
    text()->p_memsz = 0x8000; /* text's pages now cover data's */
    refused("data inside the text's memory", M_OVERLAP);

    /* no PT_LOAD at all; only empty ones */
    build(0, 4, 0);
    text()->p_type = data()->p_type = 4; /* PT_NOTE */
    refused("no PT_LOAD", M_NOLOAD);
    build(0, 4, 0);
    text()->p_memsz = data()->p_memsz = 0;
    text()->p_filesz = data()->p_filesz = 0;
    refused("only empty PT_LOADs", M_NOLOAD);

    /* the entry point */
    build(0, 4, 0);
    ehdr()->e_entry = BASE + DATA_VADDR + 8;
    refused("entry in the data segment", M_ENTRY);
    build(0, 4, 0);
    ehdr()->e_entry = BASE + TEXT_SIZE;
    refused("entry one past the text", M_ENTRY);
    build(0, 4, 0);
    ehdr()->e_entry = BASE + TEXT_SIZE + 0x100; /* in the text's last page, past its memory */
    refused("entry past the text's memory, in its page", M_ENTRY);
    build(0, 4, 0);
    ehdr()->e_entry = BASE - 1;
    refused("entry below the text", M_ENTRY);
    build(0, 4, 0);
    ehdr()->e_entry = 0;
    refused("entry 0", M_ENTRY);
    build(0, 4, 0);
    text()->p_flags = PF_R; /* nothing executable at all */
    refused("no executable segment", M_ENTRY);
    build(1, 4, 0);
    ehdr()->e_entry = BASE + ENTRY; /* an ET_EXEC address in a PIE */
    refused("PIE entry not biased", M_ENTRY);
}

/* The image cut at every length: refused unless whole (the data segment's
 * bytes end the file), never read past the cut. */
static void test_truncations(void)
{
    for (int pie = 0; pie < 2; pie++) {
        build(pie, 4, pie);
        unsigned bad = 0;
        for (size_t len = 0; len <= IMG_LEN; len++) {
            struct exec_elf x;
            char err[128] = "";
            int e = parse(len, &x, err, sizeof err);
            if (len == IMG_LEN)
                bad += e != 0 || broken_rules(&x, len, TOP);
            else
                bad += e != -ENOEXEC || !err[0];
        }
        CHECK_EQ_INT(bad, 0);
    }
}

/* Every byte of the headers changed alone, nine ways (each bit, and all of
 * them): refused with a message or accepted with every rule kept. */
static void test_header_corruptions(void)
{
    static const uint8_t flips[] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff};
    for (int pie = 0; pie < 2; pie++) {
        unsigned bad = 0, accepted = 0, total = 0;
        size_t hdr = PH_OFF + 4 * sizeof(Elf64_Phdr);
        for (size_t at = 0; at < hdr; at++)
            for (unsigned k = 0; k < sizeof flips; k++) {
                build(pie, 4, 0);
                img[at] ^= flips[k];
                struct exec_elf x;
                char err[128] = "";
                int e = parse(IMG_LEN, &x, err, sizeof err);
                total++;
                if (e == 0) {
                    accepted++;
                    if (broken_rules(&x, IMG_LEN, TOP)) {
                        bad++;
                        fprintf(stderr, "byte %zu ^ %#x accepted, breaking a rule\n", at, flips[k]);
                    }
                } else if (e != -ENOEXEC || !err[0]) {
                    bad++;
                    fprintf(stderr, "byte %zu ^ %#x: %d \"%s\"\n", at, flips[k], e, err);
                }
            }
        CHECK_EQ_INT(bad, 0);
        /* Some flips are harmless (e_version, e_flags, p_paddr, p_align, PT_GNU_STACK...),
         * and most are not: both kinds must have happened. */
        CHECK(accepted > 0 && accepted < total);
    }
}

/* A reader over img[]'s first @c len bytes (exec_elf_parse_from()) that
 * counts its reads, notes any leaving the file, and fails the one numbered
 * @c fail (from 1; 0: none) with EIO, as a disk error would. */
struct reader {
    struct exec_elf_src src;
    unsigned reads, outside, fail;
};

static int reader_read(const struct exec_elf_src *src, uint64_t off, void *buf, size_t n)
{
    struct reader *r = (struct reader *)src;
    r->reads++;
    if (off > src->len || n > src->len - off) {
        r->outside++;
        return -EIO;
    }
    if (r->reads == r->fail)
        return -EIO;
    memcpy(buf, img + off, n);
    return 0;
}

static int parse_read(struct reader *r, size_t len, unsigned fail, struct exec_elf *x, char *err, size_t errlen)
{
    *r = (struct reader){{len, reader_read, NULL}, 0, 0, fail};
    err[0] = 0;
    return exec_elf_parse_from(&r->src, MACHINE, TOP, x, err, errlen);
}

/* Read piece by piece (as the kernel reads a file): the header, the table
 * wherever it is, the byte ending PT_INTERP's path, and nothing else; a
 * table or a path past the file's end refused before any read of it; a
 * failed read's error returned with what it was reading. */
static void test_reads(void)
{
    struct reader r;
    struct exec_elf x;
    char err[128];
    build(0, 4, 0);
    CHECK_EQ_INT(parse_read(&r, IMG_LEN, 0, &x, err, sizeof err), 0);
    CHECK_EQ_INT(r.reads, 2);
    CHECK_EQ_INT(r.outside, 0);
    CHECK_EQ_HEX(x.phdr, BASE + PH_OFF);

    /* the table at the file's end, far from the header */
    memcpy(img + IMG_LEN - 4 * sizeof(Elf64_Phdr), phdr(0), 4 * sizeof(Elf64_Phdr));
    ehdr()->e_phoff = IMG_LEN - 4 * sizeof(Elf64_Phdr);
    CHECK_EQ_INT(parse_read(&r, IMG_LEN, 0, &x, err, sizeof err), 0);
    CHECK_EQ_INT(r.reads, 2);
    CHECK(memcmp(x.ph, img + IMG_LEN - 4 * sizeof(Elf64_Phdr), 4 * sizeof(Elf64_Phdr)) == 0);
    /* ... and past it: refused after reading the header alone */
    static const uint64_t past[] = {IMG_LEN - 4 * sizeof(Elf64_Phdr) + 1, IMG_LEN, IMG_LEN + 0x10000,
                                    UINT64_MAX - 8};
    for (unsigned i = 0; i < sizeof past / sizeof past[0]; i++) {
        ehdr()->e_phoff = past[i];
        CHECK_EQ_INT(parse_read(&r, IMG_LEN, 0, &x, err, sizeof err), -ENOEXEC);
        CHECK_EQ_STR(err, M_PHEOF);
        CHECK_EQ_INT(r.reads, 1);
        CHECK_EQ_INT(r.outside, 0);
    }

    /* an interpreter: its path's last byte read too */
    interp(0x1700, 27);
    CHECK_EQ_INT(parse_read(&r, IMG_LEN, 0, &x, err, sizeof err), 0);
    CHECK_EQ_INT(r.reads, 3);
    CHECK_EQ_HEX(x.interp_off, 0x1700);
    /* its path past the end, or across it: refused unread */
    static const uint64_t ioff[] = {IMG_LEN - 26, IMG_LEN, IMG_LEN + 0x1000, UINT64_MAX - 2};
    for (unsigned i = 0; i < sizeof ioff / sizeof ioff[0]; i++) {
        interp(ioff[i], 27);
        CHECK_EQ_INT(parse_read(&r, IMG_LEN, 0, &x, err, sizeof err), -ENOEXEC);
        CHECK_EQ_STR(err, M_INTERP_EOF);
        CHECK_EQ_INT(r.reads, 2);
        CHECK_EQ_INT(r.outside, 0);
    }

    /* each read failing in turn */
    static const char *const what[] = {"the ELF header cannot be read", "the program headers cannot be read",
                                       "the interpreter's path cannot be read"};
    for (unsigned k = 1; k <= 3; k++) {
        interp(0x1700, 27);
        CHECK_EQ_INT(parse_read(&r, IMG_LEN, k, &x, err, sizeof err), -EIO);
        CHECK_EQ_STR(err, what[k - 1]);
        CHECK_EQ_INT(r.reads, k);
    }

    /* cut anywhere, or any header byte changed: no read leaves the file */
    unsigned outside = 0;
    interp(0x1700, 27);
    for (size_t len = 0; len <= IMG_LEN; len++) {
        parse_read(&r, len, 0, &x, err, sizeof err);
        outside += r.outside;
    }
    for (size_t at = 0; at < PH_OFF + 4 * sizeof(Elf64_Phdr); at++)
        for (unsigned bit = 0; bit < 8; bit++) {
            interp(0x1700, 27);
            img[at] ^= (uint8_t)(1u << bit);
            parse_read(&r, IMG_LEN, 0, &x, err, sizeof err);
            outside += r.outside;
        }
    CHECK_EQ_INT(outside, 0);
}

int main(void)
{
    test_static();
    test_static_pie();
    test_interp_and_move();
    test_accepted_edges();
    test_header_refusals();
    test_segment_refusals();
    test_truncations();
    test_header_corruptions();
    test_reads();
    return CHECK_DONE("test_exec_elf");
}
