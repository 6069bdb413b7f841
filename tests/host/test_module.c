/**
 * @file test_module.c
 * @brief Host tests of the module loader (kernel/module/module.c): every
 *        relocation kind of every architecture (x86_64, aarch64, riscv64),
 *        on objects assembled from tests/host/modules/reloc_*.s and linked
 *        into a buffer at the kernel's module address, each patched field
 *        decoded and compared with what the ELF psABI says it must hold;
 *        veneers (forced and out of range); overflow and reach; hello.ko for
 *        each arch; and a corpus of malformed objects, each refused with its
 *        message and no leak.
 *
 * Names and reasons (issue 23): module_load() of tests/host/modules/named.c
 * (nothing undefined, no module_init, so it loads at a host address) with
 * the name taken apart every way a damaged object can (NOBITS section, a
 * relocation aimed at it, control bytes, too long, empty, unterminated, a
 * second load), a symbol whose size wraps; then every single-field
 * corruption of each object and a failure of each allocation in turn, where
 * any refusal must say why and leave nothing allocated.
 */
#include <kernel/elf.h>
#include <kernel/errno.h>
#include <kernel/module.h>
#include <kernel/module_arch.h>
#include <stdlib.h>

#include "check.h"
#include "fail_inject.h"
#include "read_file.h"
#include <arch/host_pages.h>

#define RUN_BASE 0xffffffff84000000ULL
#define EXT_FN 0xffffffff80123450ULL
#define EXT_DATA 0xffffffff80200040ULL
#define EXT_SMALL 0x12345678ULL
/* riscv64's: an absolute whose low 12 bits are negative as a lo12 (hi20
 * rounds up), and targets within reach of jal (+-1 MiB), a branch (+-4 KiB),
 * c.j (+-2 KiB) and c.beqz (+-256 bytes) from their sites near the start of
 * the module: the kernel is 64 MiB away, beyond all four. */
#define EXT_ABS 0xffffffff80200a48ULL
#define EXT_JAL (RUN_BASE - 0xff000)
#define EXT_BR (RUN_BASE - 0xf00)
#define EXT_CJ (RUN_BASE - 0x700)
#define EXT_CB (RUN_BASE - 0xc0)

/* Each riscv64 external stands for one kind of relocation, so a test can
 * move it out of that kind's reach alone. */
static uint64_t ext_fn = EXT_FN, ext_data = EXT_DATA, ext_small = EXT_SMALL, ext_abs = EXT_ABS, ext_pc = EXT_FN,
                ext_jal = EXT_JAL, ext_br = EXT_BR, ext_cj = EXT_CJ, ext_cb = EXT_CB;
static const uint64_t kprintf_at = 0xffffffff80100000ULL;

static const void *resolve(const char *name)
{
    static const struct {
        const char *name;
        const uint64_t *at;
    } exports[] = {
        {"ext_fn", &ext_fn},   {"ext_data", &ext_data}, {"ext_small", &ext_small}, {"ext_abs", &ext_abs},
        {"ext_pc", &ext_pc},   {"ext_jal", &ext_jal},   {"ext_br", &ext_br},       {"ext_cj", &ext_cj},
        {"ext_cb", &ext_cb},   {"kprintf", &kprintf_at},
    };
    for (unsigned i = 0; i < sizeof exports / sizeof exports[0]; i++)
        if (!strcmp(name, exports[i].name))
            return (const void *)(uintptr_t)*exports[i].at;
    return NULL;
}

/* Every architecture's relocations (arch/<arch>/module_reloc.c), by ELF machine. */
extern const struct module_arch x64_module_arch, a64_module_arch, rv64_module_arch;
static const struct module_arch *arch_of(uint16_t machine)
{
    switch (machine) {
    case EM_X86_64:
        return &x64_module_arch;
    case EM_AARCH64:
        return &a64_module_arch;
    case EM_RISCV:
        return &rv64_module_arch;
    }
    return NULL;
}

struct linked {
    struct module m;
    uint8_t *img;
    int rc;
    char log[200];
};

/* Link at run address @p base (ptr() and the checks assume RUN_BASE: a link
 * elsewhere is for its result). */
static void link_at(struct linked *l, const uint8_t *elf, size_t size, uint16_t machine, int force_veneers,
                    uint64_t base)
{
    struct module_opts o = {arch_of(machine), resolve, "t", force_veneers};
    size_t n = module_image_size(elf, size, &o, l->log, sizeof l->log);
    l->img = NULL;
    l->rc = -ENOEXEC;
    if (!n)
        return;
    l->img = malloc(n);
    l->rc = module_link(elf, size, &o, l->img, base, &l->m, l->log, sizeof l->log);
}

static void link(struct linked *l, const uint8_t *elf, size_t size, uint16_t machine, int force_veneers)
{
    link_at(l, elf, size, machine, force_veneers, RUN_BASE);
}

static void unlink_(struct linked *l)
{
    if (l->rc == 0)
        module_release(&l->m);
    free(l->img);
}

static uint64_t at(struct linked *l, const char *sym) /* run address of a global */
{
    void *a = module_symbol(&l->m, sym);
    if (!a)
        fprintf(stderr, "no symbol %s\n", sym);
    return (uint64_t)(uintptr_t)a;
}

static uint8_t *ptr(struct linked *l, uint64_t run) { return l->img + (run - RUN_BASE); }
static uint32_t u32_at(struct linked *l, uint64_t run) { uint32_t v; memcpy(&v, ptr(l, run), 4); return v; }
static uint64_t u64_at(struct linked *l, uint64_t run) { uint64_t v; memcpy(&v, ptr(l, run), 8); return v; }
static int64_t sext(uint64_t v, unsigned bits) { return (int64_t)(v << (64 - bits)) >> (64 - bits); }

static void test_x86_64(void)
{
    size_t size;
    uint8_t *o = read_file_in(MODULE_OBJ_DIR, "reloc_x86_64.o", &size);
    struct linked l;
    link(&l, o, size, EM_X86_64, 0);
    CHECK_EQ_INT(l.rc, 0);
    if (l.rc) {
        fprintf(stderr, "x86_64: %s\n", l.log);
        free(o);
        return;
    }
    uint64_t call = at(&l, "s_call"), s32s = at(&l, "s_32s"), pc32 = at(&l, "s_pc32"), s32 = at(&l, "s_32");
    CHECK_EQ_HEX(call + 5 + (uint64_t)sext(u32_at(&l, call + 1), 32), EXT_FN);         /* PLT32 */
    CHECK_EQ_HEX((uint64_t)sext(u32_at(&l, s32s + 3), 32), EXT_DATA);                  /* 32S */
    CHECK_EQ_HEX(pc32 + 7 + (uint64_t)sext(u32_at(&l, pc32 + 3), 32), at(&l, "local")); /* PC32 */
    CHECK_EQ_HEX(u32_at(&l, s32 + 1), EXT_SMALL);                                      /* 32 */
    CHECK_EQ_HEX(u64_at(&l, at(&l, "ro64")), at(&l, "f"));                              /* 64 */
    CHECK_EQ_HEX(u64_at(&l, at(&l, "d64")), EXT_FN);
    uint64_t dpc32 = at(&l, "dpc32"), dpc64 = at(&l, "dpc64");
    CHECK_EQ_HEX(dpc32 + (uint64_t)sext(u32_at(&l, dpc32), 32), EXT_FN);              /* PC32 in data */
    CHECK_EQ_HEX(dpc64 + u64_at(&l, dpc64), EXT_FN);                                  /* PC64 */
    /* the layout: text, then rodata, then data and bss, each on its own pages */
    CHECK(at(&l, "f") == RUN_BASE);
    CHECK(at(&l, "ro64") == RUN_BASE + l.m.text_size);
    CHECK(at(&l, "local") >= RUN_BASE + l.m.text_size + l.m.ro_size);
    CHECK(at(&l, "zeroes") > at(&l, "local") && u64_at(&l, at(&l, "zeroes")) == 0);
    unlink_(&l);
    /* values that do not fit are refused, not truncated */
    ext_small = 0x100000000ULL;
    link(&l, o, size, EM_X86_64, 0);
    CHECK_EQ_INT(l.rc, -ERANGE);
    CHECK(strstr(l.log, "R_X86_64_32 value 100000000 does not fit") != NULL);
    unlink_(&l);
    ext_small = EXT_SMALL;
    ext_fn = 0x100000000000ULL; /* user space: far out of +-2 GiB (rel32 wraps, so 0x1000 would reach) */
    link(&l, o, size, EM_X86_64, 0);
    CHECK_EQ_INT(l.rc, -ERANGE);
    CHECK(strstr(l.log, "PC-relative relocation out of range") != NULL);
    unlink_(&l);
    ext_fn = EXT_FN;
    /* an aarch64 kernel refuses it */
    link(&l, o, size, EM_AARCH64, 0);
    CHECK_EQ_INT(l.rc, -ENOEXEC);
    CHECK(strstr(l.log, "built for machine 62, this kernel is 183") != NULL);
    unlink_(&l);
    free(o);
}

static void check_a64(struct linked *l, int expect_veneers)
{
    uint64_t bl = at(l, "s_bl"), b = at(l, "s_b");
    uint64_t bl_to = bl + (uint64_t)(sext(u32_at(l, bl) & 0x3ffffff, 26) * 4);
    uint64_t b_to = b + (uint64_t)(sext(u32_at(l, b) & 0x3ffffff, 26) * 4);
    if (expect_veneers) {
        /* both branches go to one veneer: ldr x16, #8; br x16; .quad ext_fn */
        CHECK_EQ_INT(l->m.nveneers, 1);
        CHECK_EQ_HEX(bl_to, b_to);
        CHECK(bl_to >= RUN_BASE && bl_to < RUN_BASE + l->m.text_size);
        CHECK_EQ_HEX(u32_at(l, bl_to), 0x58000050u);
        CHECK_EQ_HEX(u32_at(l, bl_to + 4), 0xd61f0200u);
        CHECK_EQ_HEX(u64_at(l, bl_to + 8), ext_fn);
    } else {
        CHECK_EQ_INT(l->m.nveneers, 0);
        CHECK_EQ_HEX(bl_to, ext_fn);
        CHECK_EQ_HEX(b_to, ext_fn);
    }
    uint64_t local = at(l, "local"), other = at(l, "other");
    uint64_t bll = at(l, "s_bl_local");
    CHECK_EQ_HEX(bll + (uint64_t)(sext(u32_at(l, bll) & 0x3ffffff, 26) * 4), other); /* never a veneer */
    uint32_t adrp = u32_at(l, at(l, "s_adrp"));
    uint64_t imm = (adrp >> 29 & 3) | (uint64_t)(adrp >> 5 & 0x7ffff) << 2;
    CHECK_EQ_HEX((at(l, "s_adrp") & ~0xfffULL) + (uint64_t)(sext(imm, 21) << 12), local & ~0xfffULL);
    CHECK_EQ_HEX(u32_at(l, at(l, "s_add")) >> 10 & 0xfff, local & 0xfff);
    static const struct { const char *site; unsigned shift, plus; } ld[] = {
        {"s_ldst8", 0, 0}, {"s_ldst16", 1, 2}, {"s_ldst32", 2, 4}, {"s_ldst64", 3, 8}, {"s_ldst128", 4, 16}};
    for (unsigned i = 0; i < 5; i++)
        CHECK_EQ_HEX((u32_at(l, at(l, ld[i].site)) >> 10 & 0xfff) << ld[i].shift, (local + ld[i].plus) & 0xfff);
    static const char *g[4] = {"s_g0", "s_g1", "s_g2", "s_g3"};
    for (unsigned i = 0; i < 4; i++)
        CHECK_EQ_HEX(u32_at(l, at(l, g[i])) >> 5 & 0xffff, (EXT_DATA >> (16 * i)) & 0xffff);
    uint32_t adr = u32_at(l, at(l, "s_adr"));
    uint64_t aimm = (adr >> 29 & 3) | (uint64_t)(adr >> 5 & 0x7ffff) << 2;
    CHECK_EQ_HEX(at(l, "s_adr") + (uint64_t)sext(aimm, 21), other);
    CHECK_EQ_HEX(at(l, "s_cbz") + (uint64_t)(sext(u32_at(l, at(l, "s_cbz")) >> 5 & 0x7ffff, 19) * 4), other);
    CHECK_EQ_HEX(at(l, "s_tbz") + (uint64_t)(sext(u32_at(l, at(l, "s_tbz")) >> 5 & 0x3fff, 14) * 4), other);
    CHECK_EQ_HEX(u64_at(l, at(l, "ro64")), at(l, "f"));
    CHECK_EQ_HEX(u64_at(l, at(l, "d64")), ext_fn);
    uint64_t p32 = at(l, "dprel32"), p64 = at(l, "dprel64");
    CHECK_EQ_HEX(p32 + (uint64_t)sext(u32_at(l, p32), 32), ext_fn);
    CHECK_EQ_HEX(u32_at(l, at(l, "dabs32")), EXT_SMALL);
    CHECK_EQ_HEX(p64 + u64_at(l, p64), ext_fn);
}

static void test_aarch64(void)
{
    size_t size;
    uint8_t *o = read_file_in(MODULE_OBJ_DIR, "reloc_aarch64.o", &size);
    struct linked l;
    link(&l, o, size, EM_AARCH64, 0); /* the kernel is 64 MiB away: direct branches */
    CHECK_EQ_INT(l.rc, 0);
    if (l.rc == 0)
        check_a64(&l, 0);
    else
        fprintf(stderr, "aarch64: %s\n", l.log);
    unlink_(&l);
    link(&l, o, size, EM_AARCH64, 1); /* veneers forced */
    CHECK_EQ_INT(l.rc, 0);
    if (l.rc == 0)
        check_a64(&l, 1);
    unlink_(&l);
    ext_fn = 0xffffffff00000000ULL; /* 2 GiB away: beyond bl's +-128 MiB */
    link(&l, o, size, EM_AARCH64, 0);
    CHECK_EQ_INT(l.rc, -ERANGE); /* PREL32 in .data cannot reach either */
    CHECK(strstr(l.log, "PREL32 out of range") != NULL);
    unlink_(&l);
    ext_fn = EXT_FN - (200ULL << 20); /* 264 MiB away: a veneer, and PREL32 still fits */
    link(&l, o, size, EM_AARCH64, 0);
    CHECK_EQ_INT(l.rc, 0);
    if (l.rc == 0)
        check_a64(&l, 1);
    unlink_(&l);
    ext_fn = EXT_FN;
    free(o);
}

/* The real modules, for both arches, link; hello's pointer table holds its functions. */
static void test_hello(const char *file, uint16_t machine)
{
    size_t size;
    uint8_t *o = read_file_in(MODULE_OBJ_DIR, file, &size);
    struct linked l;
    link(&l, o, size, machine, 0);
    CHECK_EQ_INT(l.rc, 0);
    if (l.rc == 0) {
        uint64_t ops = at(&l, "hello_ops");
        CHECK(u64_at(&l, ops) >= RUN_BASE && u64_at(&l, ops) < RUN_BASE + l.m.text_size);
        CHECK(u64_at(&l, ops + 8) >= RUN_BASE && u64_at(&l, ops + 8) < RUN_BASE + l.m.text_size);
        CHECK_EQ_INT(*(int *)ptr(&l, at(&l, "hello_loads")), 100);
        CHECK(strcmp((const char *)ptr(&l, at(&l, "module_name")), "hello") == 0);
    } else {
        fprintf(stderr, "%s: %s\n", file, l.log);
    }
    unlink_(&l);
    free(o);
}

/* The linker reads ELF structures in place: an object that is not 8-byte
 * aligned is refused with a message (module_load() copies such objects). */
static void test_misaligned(void)
{
    size_t size;
    uint8_t *o = read_file_in(MODULE_OBJ_DIR, "hello_x86_64.o", &size);
    uint8_t *buf = malloc(size + 8);
    memcpy(buf + 4, o, size);
    struct module_opts opts = {&x64_module_arch, resolve, "t", 0};
    char log[160] = "";
    CHECK_EQ_INT((long)module_image_size(buf + 4, size, &opts, log, sizeof log), 0);
    CHECK(strstr(log, "8-byte aligned") != NULL);
    free(buf);
    free(o);
}

/* ---- Malformed objects ---- */

static Elf64_Shdr *shdr(uint8_t *o, unsigned i)
{
    Elf64_Ehdr *eh = (Elf64_Ehdr *)o;
    return (Elf64_Shdr *)(o + eh->e_shoff) + i;
}

static unsigned find_section(uint8_t *o, const char *name)
{
    Elf64_Ehdr *eh = (Elf64_Ehdr *)o;
    const char *strs = (const char *)o + shdr(o, eh->e_shstrndx)->sh_offset;
    for (unsigned i = 0; i < eh->e_shnum; i++)
        if (!strcmp(strs + shdr(o, i)->sh_name, name))
            return i;
    fprintf(stderr, "no section %s\n", name);
    exit(1);
}

static void test_malformed(void)
{
    size_t size;
    uint8_t *good = read_file_in(MODULE_OBJ_DIR, "reloc_x86_64.o", &size);
    uint8_t *o = malloc(size);
    struct linked l;
#define BAD(why, edit)                                                                    \
    do {                                                                                  \
        memcpy(o, good, size);                                                            \
        size_t n_ = size;                                                                 \
        edit;                                                                             \
        link(&l, o, n_, EM_X86_64, 0);                                                    \
        if (l.rc == 0 || !strstr(l.log, why))                                             \
            fprintf(stderr, "line %d: rc %d '%s', wanted '%s'\n", __LINE__, l.rc, l.log, why); \
        CHECK(l.rc < 0);                                                                  \
        CHECK(strstr(l.log, why) != NULL);                                                \
        unlink_(&l);                                                                      \
    } while (0)
    Elf64_Ehdr *eh = (Elf64_Ehdr *)o;
    BAD("not an ELF object", n_ = 20);
    BAD("bad magic", o[1] = 'X');
    BAD("64-bit little-endian", o[4] = 1);
    BAD("64-bit little-endian", o[5] = 2);
    BAD("not a relocatable object (ELF type 2)", eh->e_type = 2);
    BAD("section header table out of the file", eh->e_shoff = size - 8);
    BAD("section header table out of the file", eh->e_shoff = ~0ULL - 16);
    BAD("section header table out of the file", n_ = eh->e_shoff + 10);
    BAD("bad section name table index", eh->e_shstrndx = 999);
    BAD("out of the file", shdr(o, find_section(o, ".text"))->sh_offset = size);
    BAD("out of the file", shdr(o, find_section(o, ".data"))->sh_size = ~0ULL);
    BAD("bad alignment", shdr(o, find_section(o, ".text"))->sh_addralign = 3);
    BAD("malformed symbol table", shdr(o, find_section(o, ".symtab"))->sh_entsize = 16);
    BAD("malformed symbol table", shdr(o, find_section(o, ".symtab"))->sh_link = 999);
    BAD("no symbol table", shdr(o, find_section(o, ".symtab"))->sh_type = SHT_PROGBITS);
    BAD("malformed relocation section", shdr(o, find_section(o, ".rela.text"))->sh_info = 999);
    BAD("REL relocations", shdr(o, find_section(o, ".rela.text"))->sh_type = SHT_REL);
    /* the first relocation of .text: unknown type, bad symbol, bad offset */
    Elf64_Rela *r;
#define FIRST_RELA (r = (Elf64_Rela *)(o + shdr(o, find_section(o, ".rela.text"))->sh_offset))
    BAD("unknown relocation type 37 in .rela.text", (FIRST_RELA, r->r_info = (r->r_info & ~0xffffffffULL) | 37));
    BAD("names symbol 4096", (FIRST_RELA, r->r_info = (4096ULL << 32) | (uint32_t)r->r_info));
    BAD("relocation past the end of .text", (FIRST_RELA, r->r_offset = 0x100000));
    BAD("relocation past the end of its section",
        (FIRST_RELA, r->r_offset = shdr(o, find_section(o, ".text"))->sh_size - 2));
    /* symbols: a name outside the string table, an undefined one nobody exports */
    Elf64_Shdr *st = shdr(o, find_section(o, ".symtab"));
    Elf64_Sym *syms = (Elf64_Sym *)(o + st->sh_offset);
    unsigned nsyms = (unsigned)(st->sh_size / sizeof *syms);
    BAD("name out of the string table", syms[nsyms - 1].st_name = 0x7fffffff);
    const char *strs = (const char *)o + shdr(o, st->sh_link)->sh_offset;
    unsigned ext = 0;
    for (unsigned i = 1; i < nsyms; i++)
        if (!strcmp(strs + ((Elf64_Sym *)(good + st->sh_offset))[i].st_name, "ext_fn"))
            ext = i;
    CHECK(ext != 0);
    BAD("undefined symbol 'xxt_fn'", o[shdr(o, st->sh_link)->sh_offset + syms[ext].st_name] = 'x');
    BAD("symbol 'ext_fn' in section 300", syms[ext].st_shndx = 300);
    BAD("common symbol 'ext_fn'", syms[ext].st_shndx = SHN_COMMON);
    BAD("outside its section", (syms[ext].st_shndx = (uint16_t)find_section(o, ".data"), syms[ext].st_value = 1 << 20));
    free(o);
    free(good);
}


/* ---- Names, and a reason for every refusal (issue 23) ---- */

static Elf64_Sym *sym_named(uint8_t *o, const char *name)
{
    Elf64_Shdr *st = shdr(o, find_section(o, ".symtab"));
    Elf64_Sym *syms = (Elf64_Sym *)(o + st->sh_offset);
    const char *strs = (const char *)o + shdr(o, st->sh_link)->sh_offset;
    for (unsigned i = 1; i < st->sh_size / sizeof *syms; i++)
        if (!strcmp(strs + syms[i].st_name, name))
            return &syms[i];
    fprintf(stderr, "no symbol %s\n", name);
    exit(1);
}

/* The bytes of the object that symbol @p name stands for, in the file. */
static uint8_t *sym_bytes(uint8_t *o, const char *name)
{
    Elf64_Sym *s = sym_named(o, name);
    return o + shdr(o, s->st_shndx)->sh_offset + s->st_value;
}

static size_t loaded_count(void)
{
    size_t n = 0;
    for (struct module *m = module_next(NULL); m; m = module_next(m))
        n++;
    return n;
}

static int load_as(const uint8_t *o, size_t n, uint16_t machine, const char *file_name, struct module **m,
                   char *log, size_t logsz)
{
    struct module_opts opts = {arch_of(machine), resolve, file_name, 0};
    log[0] = 0;
    return module_load(o, n, &opts, m, log, logsz);
}

/* A refusal: code @p want, a reason holding @p why, and nothing left
 * behind: no module listed, no code memory, the kernel heap empty. */
static void check_refused(int line, int rc, int want, const char *log, const char *why)
{
    int ok = rc == want && log[0] && strstr(log, why);
    if (!ok)
        fprintf(stderr, "line %d: rc %d '%s', wanted %d '%s'\n", line, rc, log, want, why);
    CHECK(ok);
    CHECK_EQ_INT(loaded_count(), 0);
    while (module_next(NULL)) /* so one failure does not cascade */
        module_unload(module_next(NULL)->name);
    CHECK_EQ_INT(inject_regions(), 0);
    CHECK(host_heap_empty());
}

/* Load, check the name, unload by that name: every loaded module can go. */
static void check_loads_as(int line, const uint8_t *o, size_t n, uint16_t machine, const char *file_name,
                           const char *want)
{
    struct module *m = NULL;
    char log[200];
    int rc = load_as(o, n, machine, file_name, &m, log, sizeof log);
    if (rc)
        fprintf(stderr, "line %d: rc %d '%s', wanted it loaded as '%s'\n", line, rc, log, want);
    CHECK_EQ_INT(rc, 0);
    if (rc)
        return;
    CHECK_EQ_STR(m->name, want);
    CHECK(module_find(want) == m);
    CHECK_EQ_INT(module_unload(want), 0);
    CHECK_EQ_INT(loaded_count(), 0);
    CHECK_EQ_INT(inject_regions(), 0);
    CHECK(host_heap_empty());
}

static void test_names(const char *file, uint16_t machine)
{
    size_t n;
    uint8_t *good = read_file_in(MODULE_OBJ_DIR, file, &n);
    uint8_t *o = malloc(n);
    struct module *m = NULL, *m2 = NULL;
    char log[200];
    int rc;
#define FRESH() memcpy(o, good, n)
#define REFUSED(want, why) check_refused(__LINE__, load_as(o, n, machine, "file", &m, log, sizeof log), want, log, why)

    /* as built: named, its function named for faults, unloaded by name */
    FRESH();
    rc = load_as(o, n, machine, "file", &m, log, sizeof log);
    CHECK_EQ_INT(rc, 0);
    if (rc == 0) {
        CHECK_EQ_STR(m->name, "named");
        uintptr_t off = 0;
        const char *fn = jit_sym_lookup((uintptr_t)module_symbol(m, "named_twice") + 1, &off);
        CHECK(fn && !strcmp(fn, "named:named_twice") && off == 1);
        /* a second load is refused by name, with nothing of it left */
        rc = load_as(o, n, machine, "file", &m2, log, sizeof log);
        CHECK_EQ_INT(rc, -EEXIST);
        CHECK_EQ_STR(log, "a module named 'named' is already loaded");
        CHECK_EQ_INT(loaded_count(), 1);
        CHECK_EQ_INT(inject_regions(), 1);
        CHECK_EQ_INT(module_unload("named"), 0);
        CHECK_EQ_INT(module_unload("named"), -ENOENT);
    }
    CHECK_EQ_INT(loaded_count(), 0);
    CHECK(host_heap_empty());

    /* names written into module_name in place (48 bytes of room) */
    static const struct {
        const char *name, *why;
    } bad[] = {
        {"T\x03", "module_name \"T\\x03\" has byte 0x03 at 1 (a name is printable ASCII, no spaces)"},
        {"", "module_name is empty"},
        {"a b", "module_name \"a\\x20b\" has byte 0x20 at 1"},
        {"\x1b[2J", "has byte 0x1b at 0"},
        {"del\x7f", "has byte 0x7f at 3"},
        {"caf\xc3\xa9", "module_name \"caf\\xc3\\xa9\" has byte 0xc3 at 3"},
        {"abcdefghijklmnopqrstuvwxyz012345", "module_name \"abcdefghijklmnopqrstuvwxyz012345\" is 32 characters "
                                             "long (at most 31)"},
        {"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJK", "\"abcdefghijklmnopqrstuvwxyz0123456789ABCD...\" is 47"},
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FRESH();
        memset(sym_bytes(o, "module_name"), 0, 48);
        memcpy(sym_bytes(o, "module_name"), bad[i].name, strlen(bad[i].name));
        REFUSED(-ENOEXEC, bad[i].why);
    }
    static const char *const okay[] = {"abcdefghijklmnopqrstuvwxyz01234", "x", "hello-world_2.0:~!", "q\"\\'"};
    for (unsigned i = 0; i < sizeof okay / sizeof okay[0]; i++) {
        FRESH();
        memset(sym_bytes(o, "module_name"), 0, 48);
        memcpy(sym_bytes(o, "module_name"), okay[i], strlen(okay[i]));
        check_loads_as(__LINE__, o, n, machine, "file", okay[i]);
    }
    /* no NUL inside the object: the bytes after it are not the name */
    FRESH();
    memset(sym_bytes(o, "module_name"), 'a', 48);
    REFUSED(-ENOEXEC, "module_name is not a string: no NUL in its 48 bytes");
    /* no NUL inside the section, the object's size unknown */
    FRESH();
    sym_named(o, "module_name")->st_size = 0;
    sym_named(o, "module_name")->st_value = shdr(o, find_section(o, ".rodata"))->sh_size - 3;
    memset(sym_bytes(o, "module_name"), 'a', 3);
    REFUSED(-ENOEXEC, "no NUL in its 3 bytes");
    /* the fuzzers' shapes: .rodata made NOBITS (the name was "") */
    FRESH();
    shdr(o, find_section(o, ".rodata"))->sh_type = SHT_NOBITS;
    REFUSED(-ENOEXEC, "module_name is in section .rodata, which has no bytes in the file (NOBITS)");
    /* a relocation moved onto module_name (the name was "T\x03"): its
     * first byte, and one that only overlaps the name's NUL */
    Elf64_Rela *r;
#define RODATA_RELA (r = (Elf64_Rela *)(o + shdr(o, find_section(o, ".rela.rodata"))->sh_offset))
    FRESH();
    (void)RODATA_RELA;
    r->r_offset = sym_named(o, "module_name")->st_value;
    REFUSED(-ENOEXEC, "relocation 0 in .rela.rodata writes into module_name");
    FRESH();
    (void)RODATA_RELA;
    r->r_offset = sym_named(o, "module_name")->st_value + 5; /* "named" + NUL: the NUL */
    REFUSED(-ENOEXEC, "writes into module_name");
    FRESH(); /* just after the NUL: the name is whole, the module is its own business */
    (void)RODATA_RELA;
    r->r_offset = sym_named(o, "module_name")->st_value + 8;
    check_loads_as(__LINE__, o, n, machine, "file", "named");
    /* module_name where nothing is loaded, or in no section at all */
    FRESH();
    sym_named(o, "module_name")->st_shndx = (uint16_t)find_section(o, ".comment");
    REFUSED(-ENOEXEC, "module_name is in section .comment, which is not loaded");
    FRESH();
    sym_named(o, "module_name")->st_shndx = SHN_ABS;
    REFUSED(-ENOEXEC, "module_name is not in a section of the module");
    FRESH();
    sym_named(o, "module_name")->st_value = shdr(o, find_section(o, ".rodata"))->sh_size;
    REFUSED(-ENOEXEC, "module_name (at 56) is outside .rodata");
    /* no module_name: the file's name, checked the same way */
    FRESH();
    memcpy(sym_bytes(o, "module_name") - sym_named(o, "module_name")->st_value, "", 0);
    {
        Elf64_Shdr *st = shdr(o, find_section(o, ".symtab"));
        char *nm = (char *)o + shdr(o, st->sh_link)->sh_offset + sym_named(o, "module_name")->st_name;
        nm[10] = 'X'; /* module_namX */
    }
    check_loads_as(__LINE__, o, n, machine, "named-file", "named-file");
    check_refused(__LINE__, load_as(o, n, machine, "", &m, log, sizeof log), -EINVAL, log,
                  "the module has no module_name, and its file's name is empty");
    check_refused(__LINE__, load_as(o, n, machine, "a\tb", &m, log, sizeof log), -EINVAL,
                  log, "its file's name \"a\\x09b\" has byte 0x09 at 1");
    check_refused(__LINE__, load_as(o, n, machine, "abcdefghijklmnopqrstuvwxyz0123456789", &m, log, sizeof log),
                  -EINVAL, log, "is 36 characters long (at most 31)");
    /* a function whose size wraps an offset (jit_add_symbol said EINVAL,
     * the shell "modload: m.ko: " and nothing) */
    FRESH();
    sym_named(o, "named_thrice")->st_size = ~0ULL;
    REFUSED(-ENOEXEC, "symbol 'named_thrice' (18446744073709551615 bytes at ");
    FRESH();
    sym_named(o, "named_twice")->st_size = ~0ULL;
    REFUSED(-ENOEXEC, "symbol 'named_twice' (18446744073709551615 bytes at 0) runs past the end of .text");
    FRESH();
    sym_named(o, "named_twice")->st_size = shdr(o, find_section(o, ".text"))->sh_size + 1;
    REFUSED(-ENOEXEC, "symbol 'named_twice'");
#undef RODATA_RELA
#undef REFUSED
#undef FRESH
    free(o);
    free(good);
}

/* The same shapes in the real module, through module_link() (what the
 * fuzzer drives): hello's .rodata NOBITS, hello_sum's size ~0. */
static void test_hello_shapes(const char *file, uint16_t machine)
{
    size_t n;
    uint8_t *good = read_file_in(MODULE_OBJ_DIR, file, &n);
    uint8_t *o = malloc(n);
    struct linked l;
    memcpy(o, good, n);
    shdr(o, find_section(o, ".rodata"))->sh_type = SHT_NOBITS;
    link(&l, o, n, machine, 0);
    CHECK_EQ_INT(l.rc, -ENOEXEC);
    CHECK(strstr(l.log, "module_name is in section .rodata, which has no bytes in the file (NOBITS)") != NULL);
    unlink_(&l);
    memcpy(o, good, n);
    sym_named(o, "hello_sum")->st_size = ~0ULL;
    link(&l, o, n, machine, 0);
    CHECK_EQ_INT(l.rc, -ENOEXEC);
    CHECK(strstr(l.log, "symbol 'hello_sum'") != NULL);
    unlink_(&l);
    /* the name comes back with the layout */
    link(&l, good, n, machine, 0);
    CHECK_EQ_INT(l.rc, 0);
    CHECK_EQ_STR(l.m.name, "hello");
    unlink_(&l);
    CHECK(host_heap_empty());
    free(o);
    free(good);
}

/* One corrupted object: loaded (then unloaded) or refused with a reason and
 * nothing left. @p load: module_load(), else module_link(). */
/* Load (and unload) @p o as module @p name, or only link it: 0 or the
 * refusal's code, its reason in @p log (as big as struct linked's). */
static int load_or_link(const uint8_t *o, size_t n, uint16_t machine, int load, const char *name,
                        char log[static sizeof(((struct linked *)0)->log)])
{
    int rc;
    if (load) {
        struct module *m = NULL;
        rc = load_as(o, n, machine, name, &m, log, sizeof((struct linked *)0)->log);
        if (rc == 0)
            CHECK_EQ_INT(module_unload(m->name), 0);
    } else {
        struct linked l;
        link(&l, o, n, machine, 0);
        rc = l.rc;
        memcpy(log, l.log, sizeof l.log);
        unlink_(&l);
    }
    return rc;
}

static unsigned walk_one(const uint8_t *o, size_t n, uint16_t machine, int load, size_t at, const char *what)
{
    char log[200] = "";
    int rc = load_or_link(o, n, machine, load, "walk", log);
    if (rc && !log[0]) {
        fprintf(stderr, "%s at %zu: refused (%d) without a reason\n", what, at, rc);
        CHECK(log[0]);
    }
    if (loaded_count() || inject_regions() || !host_heap_empty()) {
        fprintf(stderr, "%s at %zu: left something behind (rc %d '%s')\n", what, at, rc, log);
        CHECK(0);
    }
    return rc != 0;
}

/* Every single-field corruption the fuzzer makes, at every offset: a byte
 * set to 0, 0xff or with its top bit flipped, and every aligned 32- and
 * 64-bit field set to all ones (a size or offset that wraps). */
static void test_walk(const char *file, uint16_t machine, int load)
{
    size_t n;
    uint8_t *good = read_file_in(MODULE_OBJ_DIR, file, &n);
    uint8_t *o = malloc(n);
    unsigned refused = 0, runs = 0;
    for (size_t at = 0; at < n; at++) {
        const uint8_t bytes[3] = {0, 0xff, (uint8_t)(good[at] ^ 0x80)};
        for (unsigned k = 0; k < 3; k++) {
            memcpy(o, good, n);
            o[at] = bytes[k];
            refused += walk_one(o, n, machine, load, at, file);
            runs++;
        }
        for (size_t w = 4; w <= 8; w += 4)
            if (at % w == 0 && at + w <= n) {
                memcpy(o, good, n);
                memset(o + at, 0xff, w);
                refused += walk_one(o, n, machine, load, at, file);
                runs++;
            }
    }
    CHECK(refused > runs / 10); /* the walk reached the checks */
    free(o);
    free(good);
}

/* Each allocation (heap, code memory, symbol, protection) failing in turn:
 * a reason every time, nothing left; then one load with none failing. */
static void test_out_of_memory(const char *file, uint16_t machine, int load, size_t misalign)
{
    size_t n;
    uint8_t *good = read_file_in(MODULE_OBJ_DIR, file, &n);
    uint8_t *buf = malloc(n + 8), *o = buf + misalign;
    memcpy(o, good, n);
    long k = 0;
    for (;; k++) {
        char log[200] = "";
        inject_fail_at(k);
        int rc = load_or_link(o, n, machine, load, "oom", log);
        int fired = inject_fired();
        inject_fail_at(-1);
        if (!fired) {
            CHECK_EQ_INT(rc, 0);
            break;
        }
        if (rc == 0 || !log[0] || (rc == -ENOMEM && !strstr(log, "memory"))) {
            fprintf(stderr, "%s: allocation %ld failing: rc %d, '%s'\n", file, k, rc, log);
            CHECK(0);
        }
        CHECK_EQ_INT(loaded_count(), 0);
        CHECK_EQ_INT(inject_regions(), 0);
        CHECK(host_heap_empty());
    }
    CHECK(k >= (load ? 6 : 3)); /* the descriptor, layout, addresses, symbols (+ code, names, protection) */
    free(buf);
    free(good);
}

/* ---- riscv64: every relocation decoded, reach, a LO12 without its HI20 ---- */

/* Immediates as the ISA manual's instruction formats lay them out, read
 * back (the other direction from module_reloc.c's encoders). */
static int64_t rv_u(uint32_t i) { return sext(i & 0xfffff000u, 32); }
static int64_t rv_i(uint32_t i) { return sext(i >> 20, 12); }
static int64_t rv_s(uint32_t i) { return sext((i >> 25) << 5 | (i >> 7 & 0x1f), 12); }
static int64_t rv_b(uint32_t i)
{
    return sext((i >> 31) << 12 | (i >> 7 & 1) << 11 | (i >> 25 & 0x3f) << 5 | (i >> 8 & 0xf) << 1, 13);
}
static int64_t rv_j(uint32_t i)
{
    return sext((i >> 31) << 20 | (i >> 12 & 0xff) << 12 | (i >> 20 & 1) << 11 | (i >> 21 & 0x3ff) << 1, 21);
}
static int64_t rv_cb(uint32_t c) /* c.beqz/c.bnez: offset[8|4:3] in 12:10, [7:6|2:1|5] in 6:2 */
{
    return sext((c >> 12 & 1) << 8 | (c >> 5 & 3) << 6 | (c >> 2 & 1) << 5 | (c >> 10 & 3) << 3 | (c >> 3 & 3) << 1,
                9);
}
static int64_t rv_cj(uint32_t c) /* c.j: offset[11|4|9:8|10|6|7|3:1|5] in 12:2 */
{
    return sext((c >> 12 & 1) << 11 | (c >> 8 & 1) << 10 | (c >> 9 & 3) << 8 | (c >> 6 & 1) << 7 |
                    (c >> 7 & 1) << 6 | (c >> 2 & 1) << 5 | (c >> 11 & 1) << 4 | (c >> 3 & 7) << 1,
                12);
}

/* Bits outside each format's immediate: opcode, registers, funct3. */
enum { RV_KEEP_U = 0xfff, RV_KEEP_I = 0xfffff, RV_KEEP_S = 0x01fff07f, RV_KEEP_CB = 0xe383, RV_KEEP_CJ = 0xe003 };

/* The instruction (@p bytes 2 or 4) at @p site + @p off, whose bits under
 * @p keep must be what the assembler wrote (@p want): the patch touched its
 * immediate only. */
static uint32_t rv_insn(struct linked *l, const char *site, unsigned off, unsigned bytes, uint32_t keep, uint32_t want)
{
    uint32_t i = u32_at(l, at(l, site) + off) & (bytes == 2 ? 0xffffu : ~0u);
    if ((i & keep) != want)
        fprintf(stderr, "riscv64 %s+%u: %08x, bits %08x outside the immediate, wanted %08x\n", site, off, i,
                i & keep, want);
    CHECK_EQ_HEX(i & keep, want);
    return i;
}

static void rv_reaches(const char *site, uint64_t got, uint64_t want)
{
    if (got != want)
        fprintf(stderr, "riscv64 %s: reaches %#llx, wanted %#llx\n", site, (unsigned long long)got,
                (unsigned long long)want);
    CHECK_EQ_HEX(got, want);
}

/* Signs of the lo12s seen: both must occur, so hi20's rounding is tested. */
static unsigned rv_lo_neg, rv_lo_pos;

static int64_t rv_lo(int64_t lo)
{
    *(lo < 0 ? &rv_lo_neg : &rv_lo_pos) += 1;
    return lo;
}

static void check_rv64(struct linked *l)
{
    uint64_t other = at(l, "other"), local = at(l, "local");
    /* auipc ra + jalr ra, lo(ra): to the kernel, and to another section */
    static const char *const calls[] = {"s_call", "s_call_plt", "s_call_local"};
    for (unsigned k = 0; k < 3; k++) {
        uint32_t hi = rv_insn(l, calls[k], 0, 4, RV_KEEP_U, 0x097), lo = rv_insn(l, calls[k], 4, 4, RV_KEEP_I, 0x080e7);
        rv_reaches(calls[k], at(l, calls[k]) + (uint64_t)(rv_u(hi) + rv_lo(rv_i(lo))), k < 2 ? ext_fn : other);
    }
    /* jal ra / jal zero; bne a0, a1 / bge a2, a3; c.beqz a0 / c.bnez a5; c.j */
    static const struct {
        const char *site;
        unsigned bytes;
        uint32_t keep, want;
        int64_t (*imm)(uint32_t);
        const uint64_t *to; /* NULL: other */
    } jumps[] = {
        {"s_jal", 4, RV_KEEP_U, 0x0ef, rv_j, &ext_jal},
        {"s_jal_local", 4, RV_KEEP_U, 0x06f, rv_j, NULL},
        {"s_br", 4, RV_KEEP_S, 0x00b51063, rv_b, &ext_br},
        {"s_br_local", 4, RV_KEEP_S, 0x00d65063, rv_b, NULL},
        {"s_cb", 2, RV_KEEP_CB, 0xc101, rv_cb, &ext_cb},
        {"s_cb_local", 2, RV_KEEP_CB, 0xe381, rv_cb, NULL},
        {"s_cj", 2, RV_KEEP_CJ, 0xa001, rv_cj, &ext_cj},
        {"s_cj_local", 2, RV_KEEP_CJ, 0xa001, rv_cj, NULL},
    };
    for (unsigned k = 0; k < sizeof jumps / sizeof jumps[0]; k++) {
        uint32_t i = rv_insn(l, jumps[k].site, 0, jumps[k].bytes, jumps[k].keep, jumps[k].want);
        rv_reaches(jumps[k].site, at(l, jumps[k].site) + (uint64_t)jumps[k].imm(i), jumps[k].to ? *jumps[k].to : other);
    }
    /* lui + addi / sd (absolute), then auipc + addi / sd (PC-relative); each
     * to a kernel symbol and to .data: lui a0, addi a0, sd a1 (a0); lui a2,
     * ld a3, sw a3 (a2); auipc a0, addi a0, sd a1 (a0); auipc a4, lw a5, sw a5 (a4) */
    static const struct {
        const char *hi, *lo_i, *lo_s;
        int pcrel;
        uint32_t hi_bits, i_bits, s_bits;
    } pairs[] = {
        {"s_hi", "s_lo_i", "s_lo_s", 0, 0x537, 0x50513, 0x00b53023},
        {"s_hi_local", "s_lo_i_local", "s_lo_s_local", 0, 0x637, 0x63683, 0x00d62023},
        {"s_pchi", "s_pclo_i", "s_pclo_s", 1, 0x517, 0x50513, 0x00b53023},
        {"s_pchi_local", "s_pclo_i_local", "s_pclo_s_local", 1, 0x717, 0x72783, 0x00f72023},
    };
    const uint64_t pair_to[] = {ext_abs, local + 8, ext_data, local + 16};
    for (unsigned k = 0; k < 4; k++) {
        uint64_t base = (pairs[k].pcrel ? at(l, pairs[k].hi) : 0) +
                        (uint64_t)rv_u(rv_insn(l, pairs[k].hi, 0, 4, RV_KEEP_U, pairs[k].hi_bits));
        int64_t lo_i = rv_lo(rv_i(rv_insn(l, pairs[k].lo_i, 0, 4, RV_KEEP_I, pairs[k].i_bits)));
        int64_t lo_s = rv_s(rv_insn(l, pairs[k].lo_s, 0, 4, RV_KEEP_S, pairs[k].s_bits));
        rv_reaches(pairs[k].lo_i, base + (uint64_t)lo_i, pair_to[k]);
        rv_reaches(pairs[k].lo_s, base + (uint64_t)lo_s, pair_to[k]);
    }
    /* lla a0, other: the LO12 names the assembler's .Lpcrel_hi label */
    uint32_t hi = rv_insn(l, "s_lla", 0, 4, RV_KEEP_U, 0x517), lo = rv_insn(l, "s_lla", 4, 4, RV_KEEP_I, 0x50513);
    rv_reaches("s_lla", at(l, "s_lla") + (uint64_t)(rv_u(hi) + rv_lo(rv_i(lo))), other);
    /* data: 64 to .text and the kernel, 32, 32_PCREL to the kernel and .text.other */
    CHECK_EQ_HEX(u64_at(l, at(l, "ro64")), at(l, "f"));
    CHECK_EQ_HEX(u64_at(l, at(l, "d64")), ext_fn);
    CHECK_EQ_HEX(u32_at(l, at(l, "d32")), (uint32_t)ext_small);
    uint64_t p32 = at(l, "dpcrel32"), p32l = at(l, "dpcrel32_local");
    CHECK_EQ_HEX(p32 + (uint64_t)sext(u32_at(l, p32), 32), ext_pc);
    CHECK_EQ_HEX(p32l + (uint64_t)sext(u32_at(l, p32l), 32), other);
    /* the layout, as on the other arches */
    CHECK(at(l, "f") == RUN_BASE);
    CHECK(other > at(l, "f") && other < RUN_BASE + l->m.text_size);
    CHECK(at(l, "ro64") == RUN_BASE + l->m.text_size);
    CHECK(local >= RUN_BASE + l->m.text_size + l->m.ro_size);
    CHECK(at(l, "zeroes") > local && u64_at(l, at(l, "zeroes")) == 0);
}

/* The relocation at @p off of section @p sec's RELA: its type, and its
 * symbol's name in @p sym (-1: none). */
static int rela_at(uint8_t *o, const char *sec, uint64_t off, const char **sym)
{
    Elf64_Shdr *rs = shdr(o, find_section(o, sec)), *st = shdr(o, rs->sh_link);
    const Elf64_Rela *r = (const Elf64_Rela *)(o + rs->sh_offset);
    const char *strs = (const char *)o + shdr(o, st->sh_link)->sh_offset;
    for (size_t k = 0; k < rs->sh_size / sizeof *r; k++)
        if (r[k].r_offset == off) {
            const Elf64_Sym *s = (const Elf64_Sym *)(o + st->sh_offset) + ELF64_R_SYM(r[k].r_info);
            *sym = strs + s->st_name;
            return (int)ELF64_R_TYPE(r[k].r_info);
        }
    return -1;
}

/* The assembler emitted each relocation reloc_riscv64.s means at its label
 * (a newer clang may write another form: then this says which). */
static void check_rv64_object(uint8_t *o)
{
    enum { CALL = 18, CALL_PLT = 19, JAL = 17, BRANCH = 16, RVC_BRANCH = 44, RVC_JUMP = 45, HI20 = 26,
           LO12_I = 27, LO12_S = 28, PCREL_HI20 = 23, PCREL_LO12_I = 24, PCREL_LO12_S = 25, R64 = 2, R32 = 1,
           R32_PCREL = 57 };
    static const struct {
        const char *site, *sec;
        unsigned off;
        int type, alt; /* alt: another type that does as well */
        const char *sym; /* NULL: a .Lpcrel_hi label */
    } want[] = {
        {"s_call", ".rela.text", 0, CALL, CALL, "ext_fn"},
        {"s_call_plt", ".rela.text", 0, CALL_PLT, CALL_PLT, "ext_fn"},
        {"s_call_local", ".rela.text", 0, CALL, CALL_PLT, "other"}, /* CALL_PLT since clang 17 */
        {"s_jal", ".rela.text", 0, JAL, JAL, "ext_jal"},
        {"s_jal_local", ".rela.text", 0, JAL, JAL, "other"},
        {"s_br", ".rela.text", 0, BRANCH, BRANCH, "ext_br"},
        {"s_br_local", ".rela.text", 0, BRANCH, BRANCH, "other"},
        {"s_cb", ".rela.text", 0, RVC_BRANCH, RVC_BRANCH, "ext_cb"},
        {"s_cb_local", ".rela.text", 0, RVC_BRANCH, RVC_BRANCH, "other"},
        {"s_cj", ".rela.text", 0, RVC_JUMP, RVC_JUMP, "ext_cj"},
        {"s_cj_local", ".rela.text", 0, RVC_JUMP, RVC_JUMP, "other"},
        {"s_hi", ".rela.text", 0, HI20, HI20, "ext_abs"},
        {"s_lo_i", ".rela.text", 0, LO12_I, LO12_I, "ext_abs"},
        {"s_lo_s", ".rela.text", 0, LO12_S, LO12_S, "ext_abs"},
        {"s_hi_local", ".rela.text", 0, HI20, HI20, "local"},
        {"s_lo_i_local", ".rela.text", 0, LO12_I, LO12_I, "local"},
        {"s_lo_s_local", ".rela.text", 0, LO12_S, LO12_S, "local"},
        {"s_pchi", ".rela.text", 0, PCREL_HI20, PCREL_HI20, "ext_data"},
        {"s_pclo_i", ".rela.text", 0, PCREL_LO12_I, PCREL_LO12_I, "s_pchi"},
        {"s_pclo_s", ".rela.text", 0, PCREL_LO12_S, PCREL_LO12_S, "s_pchi"},
        {"s_pchi_local", ".rela.text", 0, PCREL_HI20, PCREL_HI20, "local"},
        {"s_pclo_i_local", ".rela.text", 0, PCREL_LO12_I, PCREL_LO12_I, "s_pchi_local"},
        {"s_pclo_s_local", ".rela.text", 0, PCREL_LO12_S, PCREL_LO12_S, "s_pchi_local"},
        {"s_lla", ".rela.text", 0, PCREL_HI20, PCREL_HI20, "other"},
        {"s_lla", ".rela.text", 4, PCREL_LO12_I, PCREL_LO12_I, NULL},
        {"ro64", ".rela.rodata", 0, R64, R64, "f"},
        {"d64", ".rela.data", 0, R64, R64, "ext_fn"},
        {"d32", ".rela.data", 0, R32, R32, "ext_small"},
        {"dpcrel32", ".rela.data", 0, R32_PCREL, R32_PCREL, "ext_pc"},
        {"dpcrel32_local", ".rela.data", 0, R32_PCREL, R32_PCREL, "other"},
    };
    for (unsigned k = 0; k < sizeof want / sizeof want[0]; k++) {
        const char *sym = "";
        int type = rela_at(o, want[k].sec, sym_named(o, want[k].site)->st_value + want[k].off, &sym);
        int ok = (type == want[k].type || type == want[k].alt) &&
                 (want[k].sym ? !strcmp(sym, want[k].sym) : !strncmp(sym, ".Lpcrel_hi", 10));
        if (!ok)
            fprintf(stderr, "reloc_riscv64.o: %s+%u has relocation type %d against '%s', wanted %d against '%s'\n",
                    want[k].site, want[k].off, type, sym, want[k].type, want[k].sym ? want[k].sym : ".Lpcrel_hi*");
        CHECK(ok);
    }
}

/* Link with one external moved: refused with -ERANGE and @p why. */
static void rv_out_of_reach(int line, const uint8_t *o, size_t size, uint64_t *ext, uint64_t to, const char *why)
{
    uint64_t was = *ext;
    struct linked l;
    *ext = to;
    link(&l, o, size, EM_RISCV, 0);
    if (l.rc != -ERANGE || !strstr(l.log, why))
        fprintf(stderr, "line %d: rc %d '%s', wanted -ERANGE '%s'\n", line, l.rc, l.log, why);
    CHECK_EQ_INT(l.rc, -ERANGE);
    CHECK(strstr(l.log, why) != NULL);
    unlink_(&l);
    *ext = was;
}

/* Link with one external moved to the edge of its reach: linked, every field right. */
static void rv_in_reach(int line, const uint8_t *o, size_t size, uint64_t *ext, uint64_t to)
{
    uint64_t was = *ext;
    struct linked l;
    *ext = to;
    link(&l, o, size, EM_RISCV, 0);
    if (l.rc)
        fprintf(stderr, "line %d: target %#llx: rc %d '%s'\n", line, (unsigned long long)to, l.rc, l.log);
    CHECK_EQ_INT(l.rc, 0);
    if (l.rc == 0)
        check_rv64(&l);
    unlink_(&l);
    *ext = was;
}

static void test_riscv64(void)
{
    size_t size;
    uint8_t *o = read_file_in(MODULE_OBJ_DIR, "reloc_riscv64.o", &size);
    struct linked l;
    check_rv64_object(o);
    link(&l, o, size, EM_RISCV, 0);
    CHECK_EQ_INT(l.rc, 0);
    if (l.rc) {
        fprintf(stderr, "riscv64: %s\n", l.log);
        unlink_(&l);
        free(o);
        return;
    }
    check_rv64(&l);
    CHECK_EQ_INT(l.m.nveneers, 0); /* auipc + jalr reaches the kernel: no veneers */
    const uint64_t call = at(&l, "s_call"), call_plt = at(&l, "s_call_plt"), jal = at(&l, "s_jal");
    const uint64_t br = at(&l, "s_br"), cb = at(&l, "s_cb"), cj = at(&l, "s_cj");
    const uint64_t pchi = at(&l, "s_pchi"), dpc = at(&l, "dpcrel32");
    unlink_(&l);
    link(&l, o, size, EM_RISCV, 1); /* forcing veneers changes nothing: riscv64 has none */
    CHECK_EQ_INT(l.rc, 0);
    if (l.rc == 0) {
        check_rv64(&l);
        CHECK_EQ_INT(l.m.nveneers, 0);
    }
    unlink_(&l);
    CHECK(rv_lo_neg > 0 && rv_lo_pos > 0);

    /* Reach: each kind at both edges of its range, and one step past.
     * auipc + lo12 spans [-2^31 - 2^11, 2^31 - 2^11) from the auipc (the
     * call sites are 8 bytes apart and share ext_fn). */
#define IN(ext, to) rv_in_reach(__LINE__, o, size, &ext, to)
#define OUT(ext, to, why) rv_out_of_reach(__LINE__, o, size, &ext, to, why)
    IN(ext_fn, call + 0x7ffff7ffULL);
    OUT(ext_fn, call + 0x7ffff800ULL, "out of reach");
    IN(ext_fn, call_plt - 0x80000800ULL);
    OUT(ext_fn, call_plt - 0x80000801ULL, "out of reach");
    OUT(ext_fn, 0x100000000000ULL, "call target 100000000000 out of reach"); /* user space */
    IN(ext_jal, jal + 0xffffe);
    OUT(ext_jal, jal + 0x100000, "jal out of range");
    IN(ext_jal, jal - 0x100000);
    OUT(ext_jal, jal - 0x100002, "jal out of range");
    OUT(ext_jal, jal + 0x101, "jal out of range"); /* odd */
    IN(ext_br, br + 0xffe);
    OUT(ext_br, br + 0x1000, "branch out of range");
    IN(ext_br, br - 0x1000);
    OUT(ext_br, br - 0x1002, "branch out of range");
    OUT(ext_br, br + 0x11, "branch out of range"); /* odd */
    IN(ext_cb, cb + 0xfe);
    OUT(ext_cb, cb + 0x100, "compressed branch out of range");
    IN(ext_cb, cb - 0x100);
    OUT(ext_cb, cb - 0x102, "compressed branch out of range");
    OUT(ext_cb, cb - 0x11, "compressed branch out of range");
    IN(ext_cj, cj + 0x7fe);
    OUT(ext_cj, cj + 0x800, "compressed jump out of range");
    IN(ext_cj, cj - 0x800);
    OUT(ext_cj, cj - 0x802, "compressed jump out of range");
    OUT(ext_cj, cj + 0x11, "compressed jump out of range");
    /* lui + lo12: a sign-extended 32-bit value, [-2^31 - 2^11, 2^31 - 2^11) */
    IN(ext_abs, 0x7ffff7ffULL);
    OUT(ext_abs, 0x7ffff800ULL, "R_RISCV_HI20 value 7ffff800 does not fit");
    IN(ext_abs, 0xffffffff7ffff800ULL);
    OUT(ext_abs, 0xffffffff7ffff7ffULL, "R_RISCV_HI20 value ffffffff7ffff7ff does not fit");
    OUT(ext_data, 0x100000000000ULL, "R_RISCV_PCREL_HI20 target out of reach");
    /* R_RISCV_32: a 32-bit value, signed or not */
    IN(ext_small, 0xffffffffULL);
    IN(ext_small, 0xffffffff80000000ULL);
    OUT(ext_small, 0x100000000ULL, "R_RISCV_32 value 100000000 does not fit");
    OUT(ext_small, 0xffffffff7fffffffULL, "R_RISCV_32 value ffffffff7fffffff does not fit");
    OUT(ext_pc, 0x100000000000ULL, "R_RISCV_32_PCREL out of range");
    /* Walking ones: each immediate bit alone, of either sign, so a bit an
     * encoder drops, moves or swaps changes the target the check decodes */
    static const struct {
        uint64_t *ext;
        unsigned lo, hi; /* the bits */
    } walk[] = {
        {&ext_jal, 1, 19}, {&ext_br, 1, 11}, {&ext_cb, 1, 7},    {&ext_cj, 1, 10},
        {&ext_fn, 1, 30},  {&ext_data, 0, 30}, {&ext_abs, 0, 30}, {&ext_pc, 0, 30}, {&ext_small, 0, 31},
    };
    const uint64_t walk_from[] = {jal, br, cb, cj, call, pchi, 0, dpc, 0};
    for (unsigned k = 0; k < sizeof walk / sizeof walk[0]; k++)
        for (unsigned b = walk[k].lo; b <= walk[k].hi; b++) {
            IN(*walk[k].ext, walk_from[k] + (1ULL << b));
            IN(*walk[k].ext, walk_from[k] - (1ULL << b));
        }
#undef IN
#undef OUT

    /* A PCREL_LO12 whose PCREL_HI20 is missing (the HI20 made NONE, or the
     * LO12 aimed at a CALL's auipc) is refused; one that comes before its
     * HI20 links, as the psABI and lld allow: the loader finds the HI20 by
     * its address (module_link_find_reloc()), keeping nothing between links,
     * so every shape runs at RUN_BASE right after the good link above. */
    uint8_t *bad = malloc(size);
    Elf64_Shdr *rs = shdr(o, find_section(o, ".rela.text"));
    const uint64_t hi_off = sym_named(o, "s_pchi")->st_value, lo_off = sym_named(o, "s_pclo_i")->st_value;
    unsigned khi = ~0u, klo = ~0u;
    for (unsigned k = 0; k < rs->sh_size / sizeof(Elf64_Rela); k++) {
        const Elf64_Rela *r = (const Elf64_Rela *)(o + rs->sh_offset) + k;
        if (r->r_offset == hi_off && ELF64_R_TYPE(r->r_info) == 23)
            khi = k;
        if (r->r_offset == lo_off && ELF64_R_TYPE(r->r_info) == 24)
            klo = k;
    }
    CHECK(khi != ~0u && klo == khi + 1);
    if (khi != ~0u && klo == khi + 1) {
        Elf64_Rela *r = (Elf64_Rela *)(bad + rs->sh_offset);
        char why[120];
        for (unsigned shape = 0; shape < 3; shape++) {
            snprintf(why, sizeof why, "R_RISCV_PCREL_LO12 at %llx names no PCREL_HI20",
                     (unsigned long long)(RUN_BASE + lo_off));
            memcpy(bad, o, size);
            if (shape == 0) {
                r[khi].r_info &= ~0xffffffffULL; /* R_RISCV_NONE */
            } else if (shape == 1) {
                unsigned f = (unsigned)(sym_named(bad, "f") - (Elf64_Sym *)(bad + shdr(bad, rs->sh_link)->sh_offset));
                r[klo].r_info = (uint64_t)f << 32 | 24; /* f: the auipc of a CALL */
            } else {
                Elf64_Rela t = r[khi]; /* the LO12_I first: still linked */
                r[khi] = r[klo];
                r[klo] = t;
            }
            link(&l, bad, size, EM_RISCV, 0);
            int want = shape == 2 ? 0 : -EINVAL;
            if (l.rc != want || (want && !strstr(l.log, why)))
                fprintf(stderr, "PCREL_LO12 shape %u: rc %d '%s', wanted %d '%s'\n", shape, l.rc,
                        l.log, want, want ? why : "");
            CHECK_EQ_INT(l.rc, want);
            CHECK(!want || strstr(l.log, why) != NULL);
            unlink_(&l);
        }
    }
    free(bad);
    /* another arch's kernel refuses it, and this one another arch's object */
    link(&l, o, size, EM_AARCH64, 0);
    CHECK_EQ_INT(l.rc, -ENOEXEC);
    CHECK(strstr(l.log, "built for machine 243, this kernel is 183") != NULL);
    unlink_(&l);
    free(o);
    o = read_file_in(MODULE_OBJ_DIR, "reloc_x86_64.o", &size);
    link(&l, o, size, EM_RISCV, 0);
    CHECK_EQ_INT(l.rc, -ENOEXEC);
    CHECK(strstr(l.log, "built for machine 62, this kernel is 243") != NULL);
    unlink_(&l);
    free(o);
}

/* An architecture with no relocations for modules (ARCH_MODULE_RELOC unset)
 * refuses every object with a reason; one that gives another machine's
 * relocations refuses the object by its machine. */
static void test_no_arch(void)
{
    size_t size;
    uint8_t *o = read_file_in(MODULE_OBJ_DIR, "hello_x86_64.o", &size);
    char log[200] = "";
    struct module_opts none = {NULL, resolve, "t", 0};
    CHECK(module_image_size(o, size, &none, log, sizeof log) == 0);
    CHECK(strstr(log, "loads no modules") != NULL);
    struct module_opts other = {&a64_module_arch, resolve, "t", 0};
    log[0] = 0;
    CHECK(module_image_size(o, size, &other, log, sizeof log) == 0);
    CHECK(strstr(log, "built for machine 62, this kernel is 183") != NULL);
    free(o);
}

int main(void)
{
    host_pages_init(64 << 20);
    test_no_arch();
    test_x86_64();
    test_aarch64();
    test_riscv64();
    test_hello("hello_x86_64.o", EM_X86_64);
    test_hello("hello_aarch64.o", EM_AARCH64);
    test_hello("hello_riscv64.o", EM_RISCV);
    test_misaligned();
    test_malformed();
    test_names("named_x86_64.o", EM_X86_64);
    test_names("named_aarch64.o", EM_AARCH64);
    test_names("named_riscv64.o", EM_RISCV);
    test_hello_shapes("hello_x86_64.o", EM_X86_64);
    test_hello_shapes("hello_aarch64.o", EM_AARCH64);
    test_hello_shapes("hello_riscv64.o", EM_RISCV);
    test_walk("named_x86_64.o", EM_X86_64, 1);
    test_walk("named_aarch64.o", EM_AARCH64, 1);
    test_walk("named_riscv64.o", EM_RISCV, 1);
    test_walk("hello_x86_64.o", EM_X86_64, 0);
    test_walk("hello_aarch64.o", EM_AARCH64, 0);
    test_walk("hello_riscv64.o", EM_RISCV, 0);
    test_walk("reloc_x86_64.o", EM_X86_64, 0);
    test_walk("reloc_aarch64.o", EM_AARCH64, 0);
    test_walk("reloc_riscv64.o", EM_RISCV, 0);
    test_out_of_memory("named_x86_64.o", EM_X86_64, 1, 0);
    test_out_of_memory("named_aarch64.o", EM_AARCH64, 1, 4); /* through module_load()'s aligned copy */
    test_out_of_memory("named_riscv64.o", EM_RISCV, 1, 4);
    test_out_of_memory("hello_x86_64.o", EM_X86_64, 0, 0);
    test_out_of_memory("hello_riscv64.o", EM_RISCV, 0, 0);
    test_out_of_memory("reloc_aarch64.o", EM_AARCH64, 0, 0);
    test_out_of_memory("reloc_riscv64.o", EM_RISCV, 0, 0);
    CHECK(host_heap_empty());
    return CHECK_DONE("test_module");
}
