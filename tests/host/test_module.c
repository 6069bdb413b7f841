/**
 * @file test_module.c
 * @brief Host tests of the module loader (kernel/module/module.c): every
 *        relocation kind of both architectures, on objects assembled from
 *        tests/host/modules/reloc_*.s and linked into a buffer at the
 *        kernel's module address, each patched field decoded and compared
 *        with what the ELF psABI says it must hold; veneers (forced and out
 *        of range); overflow; hello.ko for either arch; and a corpus of
 *        malformed objects, each refused with its message and no leak.
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

static uint64_t ext_fn = EXT_FN, ext_small = EXT_SMALL;

static const void *resolve(const char *name)
{
    if (!strcmp(name, "ext_fn"))
        return (const void *)(uintptr_t)ext_fn;
    if (!strcmp(name, "ext_data"))
        return (const void *)(uintptr_t)EXT_DATA;
    if (!strcmp(name, "ext_small"))
        return (const void *)(uintptr_t)ext_small;
    if (!strcmp(name, "kprintf"))
        return (const void *)(uintptr_t)0xffffffff80100000ULL;
    return NULL;
}

/* Both architectures' relocations (arch/<arch>/module_reloc.c), by ELF machine. */
extern const struct module_arch x64_module_arch, a64_module_arch;
static const struct module_arch *arch_of(uint16_t machine)
{
    return machine == EM_X86_64 ? &x64_module_arch : machine == EM_AARCH64 ? &a64_module_arch : NULL;
}

struct linked {
    struct module m;
    uint8_t *img;
    int rc;
    char log[200];
};

static void link(struct linked *l, const uint8_t *elf, size_t size, uint16_t machine, int force_veneers)
{
    struct module_opts o = {arch_of(machine), resolve, "t", force_veneers};
    size_t n = module_image_size(elf, size, &o, l->log, sizeof l->log);
    l->img = NULL;
    l->rc = -ENOEXEC;
    if (!n)
        return;
    l->img = malloc(n);
    l->rc = module_link(elf, size, &o, l->img, RUN_BASE, &l->m, l->log, sizeof l->log);
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
    test_hello("hello_x86_64.o", EM_X86_64);
    test_hello("hello_aarch64.o", EM_AARCH64);
    test_misaligned();
    test_malformed();
    test_names("named_x86_64.o", EM_X86_64);
    test_names("named_aarch64.o", EM_AARCH64);
    test_hello_shapes("hello_x86_64.o", EM_X86_64);
    test_hello_shapes("hello_aarch64.o", EM_AARCH64);
    test_walk("named_x86_64.o", EM_X86_64, 1);
    test_walk("named_aarch64.o", EM_AARCH64, 1);
    test_walk("hello_x86_64.o", EM_X86_64, 0);
    test_walk("hello_aarch64.o", EM_AARCH64, 0);
    test_walk("reloc_x86_64.o", EM_X86_64, 0);
    test_walk("reloc_aarch64.o", EM_AARCH64, 0);
    test_out_of_memory("named_x86_64.o", EM_X86_64, 1, 0);
    test_out_of_memory("named_aarch64.o", EM_AARCH64, 1, 4); /* through module_load()'s aligned copy */
    test_out_of_memory("hello_x86_64.o", EM_X86_64, 0, 0);
    test_out_of_memory("reloc_aarch64.o", EM_AARCH64, 0, 0);
    CHECK(host_heap_empty());
    return CHECK_DONE("test_module");
}
