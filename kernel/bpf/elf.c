/**
 * @file elf.c
 * @brief eBPF programs from ELF objects built by `clang -target bpf -O2 -c`.
 *
 * What such an object holds, and what this loader does with it:
 *  - the program, in an executable section named after its use
 *    (SEC("sched_switch"), or .text): the first executable section other
 *    than .text, unless the caller names one;
 *  - functions it calls that clang did not inline, in .text: appended after
 *    the program, and each `call` relocated against them (R_BPF_64_32,
 *    whose target is the symbol's offset / 8 + imm + 1) becomes a
 *    program-local call;
 *  - maps, as `struct { u32 type, key_size, value_size, max_entries,
 *    flags; }` objects in the section "maps": each is created, and each
 *    `lddw` relocated against it (R_BPF_64_64) becomes BPF_LD_MAP of the
 *    new map's id. The program holds the maps; they go when it does.
 * Everything is bounds-checked: offsets, sizes, indexes, names. A damaged
 * object gets a message and -ENOEXEC, and nothing stays allocated. Every
 * refusal, out of memory included, leaves its reason in the log.
 */
#include <kernel/bpf.h>
#include <kernel/elf.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/printf.h>
#include <kernel/string.h>

#include "bpf_internal.h"

#define ELF_MAX_MAPS BPF_MAX_PROG_MAPS

struct obj {
    const uint8_t *base;
    size_t size;
    const Elf64_Ehdr *eh;
    const Elf64_Shdr *sh; /* section headers, e_shnum of them */
    const char *shstr;    /* section names */
    size_t shstr_size;
    const Elf64_Sym *syms;
    size_t nsyms;
    const char *str; /* symbol names */
    size_t str_size;
    char *log;
    size_t logsz;
};

static int fail(struct obj *o, const char *what)
{
    ksnprintf(o->log, o->logsz, "bad BPF object: %s", what);
    return -ENOEXEC;
}

/* Bytes [off, off + len) lie inside the file. */
static int in_file(const struct obj *o, uint64_t off, uint64_t len)
{
    return off <= o->size && len <= o->size - off;
}

static const char *sec_name(const struct obj *o, unsigned i)
{
    uint32_t n = o->sh[i].sh_name;
    if (!o->shstr || n >= o->shstr_size || !memchr_nul(o->shstr + n, o->shstr_size - n))
        return "";
    return o->shstr + n;
}

static const char *sym_name(const struct obj *o, const Elf64_Sym *s)
{
    if (!o->str || s->st_name >= o->str_size || !memchr_nul(o->str + s->st_name, o->str_size - s->st_name))
        return "?";
    return o->str + s->st_name;
}

static int parse(struct obj *o)
{
    if (o->size < sizeof(Elf64_Ehdr))
        return fail(o, "shorter than an ELF header");
    const Elf64_Ehdr *eh = o->eh = (const Elf64_Ehdr *)o->base;
    if (memcmp(eh->e_ident, "\177ELF", 4) != 0)
        return fail(o, "not ELF (bad magic)");
    if (eh->e_ident[4] != ELFCLASS64 || eh->e_ident[5] != ELFDATA2LSB)
        return fail(o, "not 64-bit little-endian ELF");
    if (eh->e_type != ET_REL || eh->e_machine != EM_BPF)
        return fail(o, "not a relocatable BPF object (e_type 1, e_machine 247)");
    if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shnum == 0 ||
        !in_file(o, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) || (eh->e_shoff & 7))
        return fail(o, "section header table out of bounds");
    o->sh = (const Elf64_Shdr *)(o->base + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++)
        if (o->sh[i].sh_type != SHT_NOBITS && !in_file(o, o->sh[i].sh_offset, o->sh[i].sh_size))
            return fail(o, "a section runs past the end of the file");
    if (eh->e_shstrndx >= eh->e_shnum || o->sh[eh->e_shstrndx].sh_type != SHT_STRTAB)
        return fail(o, "no section name table");
    o->shstr = (const char *)o->base + o->sh[eh->e_shstrndx].sh_offset;
    o->shstr_size = o->sh[eh->e_shstrndx].sh_size;
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        const Elf64_Shdr *s = &o->sh[i];
        if (s->sh_type != SHT_SYMTAB)
            continue;
        if (s->sh_entsize != sizeof(Elf64_Sym) || (s->sh_offset & 7) || s->sh_link >= eh->e_shnum ||
            o->sh[s->sh_link].sh_type != SHT_STRTAB)
            return fail(o, "bad symbol table");
        o->syms = (const Elf64_Sym *)(o->base + s->sh_offset);
        o->nsyms = s->sh_size / sizeof(Elf64_Sym);
        o->str = (const char *)o->base + o->sh[s->sh_link].sh_offset;
        o->str_size = o->sh[s->sh_link].sh_size;
    }
    return 0;
}

static int find_section(const struct obj *o, const char *name)
{
    for (unsigned i = 1; i < o->eh->e_shnum; i++)
        if (strcmp(sec_name(o, i), name) == 0)
            return (int)i;
    return -1;
}

/* The REL section that applies to section @p target, or -1. */
static int rel_for(const struct obj *o, unsigned target)
{
    for (unsigned i = 1; i < o->eh->e_shnum; i++)
        if ((o->sh[i].sh_type == SHT_REL || o->sh[i].sh_type == SHT_RELA) && o->sh[i].sh_info == target)
            return (int)i;
    return -1;
}

struct loaded_maps {
    struct bpf_map *map[ELF_MAX_MAPS];
    uint64_t off[ELF_MAX_MAPS]; /* the definition's offset in "maps" */
    unsigned n;
};

/* Create the map whose definition is at @p off of the "maps" section (once). */
static int map_for(struct obj *o, struct loaded_maps *lm, int maps_sec, const Elf64_Sym *s, struct bpf_map **out)
{
    uint64_t off = s->st_value;
    for (unsigned i = 0; i < lm->n; i++)
        if (lm->off[i] == off) {
            *out = lm->map[i];
            return 0;
        }
    const Elf64_Shdr *ms = &o->sh[maps_sec];
    if (ms->sh_type == SHT_NOBITS || off > ms->sh_size || ms->sh_size - off < 16)
        return fail(o, "a map definition lies outside the maps section");
    if (lm->n == ELF_MAX_MAPS)
        return fail(o, "too many maps");
    uint32_t def[4];
    memcpy(def, o->base + ms->sh_offset + off, sizeof def);
    struct bpf_map *m;
    int rc = bpf_map_create(def[0], def[1], def[2], def[3], sym_name(o, s), &m);
    if (rc) {
        ksnprintf(o->log, o->logsz, "map %s: type %u key %u value %u entries %u refused (%s)", sym_name(o, s),
                  def[0], def[1], def[2], def[3], rc == -ENOMEM ? "out of memory" : errno_name(rc));
        return rc;
    }
    lm->map[lm->n] = m;
    lm->off[lm->n++] = off;
    *out = m;
    return 0;
}

/* Apply section @p sec's relocations to its instructions, copied at slot
 * @p at of @p insns; .text starts at slot @p text_at (0 if not appended). */
static int relocate(struct obj *o, unsigned sec, struct bpf_insn *insns, uint32_t at, uint32_t total,
                    int text_sec, uint32_t text_at, int maps_sec, struct loaded_maps *lm)
{
    int r = rel_for(o, sec);
    if (r < 0)
        return 0;
    const Elf64_Shdr *rs = &o->sh[r];
    if (rs->sh_type == SHT_RELA)
        return fail(o, "RELA relocations in a BPF object");
    if (rs->sh_entsize != sizeof(Elf64_Rel) || (rs->sh_offset & 7))
        return fail(o, "bad relocation section");
    const Elf64_Rel *rel = (const Elf64_Rel *)(o->base + rs->sh_offset);
    size_t n = rs->sh_size / sizeof *rel;
    uint64_t sec_size = o->sh[sec].sh_size;
    for (size_t i = 0; i < n; i++) {
        uint32_t type = ELF64_R_TYPE(rel[i].r_info), symi = ELF64_R_SYM(rel[i].r_info);
        uint64_t off = rel[i].r_offset;
        if ((off & 7) || off >= sec_size || symi == 0 || symi >= o->nsyms)
            return fail(o, "relocation offset or symbol out of range");
        const Elf64_Sym *s = &o->syms[symi];
        uint32_t idx = at + (uint32_t)(off / 8);
        struct bpf_insn *in = &insns[idx];
        if (type == R_BPF_64_64) {
            if (in->code != (BPF_LD | BPF_DW | BPF_IMM) || idx + 1 >= total)
                return fail(o, "R_BPF_64_64 on an instruction that is not lddw");
            if (maps_sec < 0 || s->st_shndx != (unsigned)maps_sec) {
                ksnprintf(o->log, o->logsz, "bad BPF object: lddw of %s, which is not in the maps section",
                          sym_name(o, s));
                return -ENOEXEC;
            }
            struct bpf_map *m;
            int rc = map_for(o, lm, maps_sec, s, &m);
            if (rc)
                return rc;
            in->src = BPF_PSEUDO_MAP_ID;
            in->imm = (int32_t)m->id;
            in[1].imm = 0;
        } else if (type == R_BPF_64_32) {
            if (in->code != (BPF_JMP | BPF_CALL) || in->src != BPF_PSEUDO_CALL)
                return fail(o, "R_BPF_64_32 on an instruction that is not a local call");
            /* the callee's section: this one, or .text appended at text_at */
            int64_t base;
            uint64_t callee_size;
            if (s->st_shndx == sec) {
                base = at;
                callee_size = sec_size;
            } else if (text_sec >= 0 && s->st_shndx == (unsigned)text_sec && text_at) {
                base = text_at;
                callee_size = o->sh[text_sec].sh_size;
            } else {
                return fail(o, "a call into a section other than .text");
            }
            int64_t target = (int64_t)(s->st_value / 8) + in->imm + 1;
            if (target < 0 || (uint64_t)target >= callee_size / 8)
                return fail(o, "a call outside its section");
            in->imm = (int32_t)(base + target - ((int64_t)idx + 1));
        } else {
            ksnprintf(o->log, o->logsz, "bad BPF object: unknown relocation type %u in %s", type, sec_name(o, sec));
            return -ENOEXEC;
        }
    }
    return 0;
}

/* The program's section: @p section, or the first executable one with
 * instructions other than .text, or .text; a negative errno (said in the
 * log) if there is none. */
static int pick_prog(struct obj *o, const char *section)
{
    int text = find_section(o, ".text"), prog = -1;
    if (section) {
        prog = find_section(o, section);
        if (prog < 0 || !(o->sh[prog].sh_flags & SHF_EXECINSTR)) {
            ksnprintf(o->log, o->logsz, "no program section '%s' in the object", section);
            return -ENOENT;
        }
        return prog;
    }
    for (unsigned i = 1; i < o->eh->e_shnum && prog < 0; i++)
        if ((o->sh[i].sh_flags & SHF_EXECINSTR) && o->sh[i].sh_size && (int)i != text)
            prog = (int)i;
    if (prog < 0 && text > 0 && o->sh[text].sh_size)
        prog = text;
    if (prog < 0)
        return fail(o, "no program section (an executable section with instructions)");
    return prog;
}

static int load_aligned(const void *elf, size_t size, const char *section, const struct bpf_load_opts *opts,
                        struct bpf_prog **out, char *log, size_t logsz)
{
    struct obj o = {.base = elf, .size = size, .log = log, .logsz = logsz};
    int rc = parse(&o);
    if (rc)
        return rc;
    int text = find_section(&o, ".text"), prog = pick_prog(&o, section);
    if (prog < 0)
        return prog;
    const Elf64_Shdr *ps = &o.sh[prog];
    if (ps->sh_type != SHT_PROGBITS || ps->sh_size % 8 || ps->sh_size == 0 || (ps->sh_offset & 7))
        return fail(&o, "the program section is not whole instructions");
    /* .text goes after the program if the program calls into it */
    uint32_t plen = (uint32_t)(ps->sh_size / 8), tlen = 0;
    int rp = rel_for(&o, (unsigned)prog);
    if (text > 0 && text != prog && rp >= 0 && o.syms && o.sh[rp].sh_type == SHT_REL &&
        o.sh[rp].sh_entsize == sizeof(Elf64_Rel) && !(o.sh[rp].sh_offset & 7)) {
        const Elf64_Rel *rel = (const Elf64_Rel *)(o.base + o.sh[rp].sh_offset);
        for (size_t i = 0; i < o.sh[rp].sh_size / sizeof *rel; i++) {
            uint32_t symi = ELF64_R_SYM(rel[i].r_info);
            if (ELF64_R_TYPE(rel[i].r_info) == R_BPF_64_32 && symi < o.nsyms &&
                o.syms[symi].st_shndx == (unsigned)text)
                tlen = (uint32_t)(o.sh[text].sh_size / 8);
        }
        if (tlen && (o.sh[text].sh_type != SHT_PROGBITS || o.sh[text].sh_size % 8 || (o.sh[text].sh_offset & 7)))
            return fail(&o, ".text is not whole instructions");
    }
    if ((uint64_t)plen + tlen > BPF_MAX_INSNS) {
        ksnprintf(log, logsz, "program has %lu instructions (at most %d)", (unsigned long)plen + tlen,
                  BPF_MAX_INSNS);
        return -E2BIG;
    }
    if (rp >= 0 && !o.syms)
        return fail(&o, "relocations but no symbol table");
    struct bpf_insn *insns = kmalloc(((size_t)plen + tlen) * sizeof *insns);
    if (!insns) {
        ksnprintf(log, logsz, "out of memory for %lu instructions", (unsigned long)plen + tlen);
        return -ENOMEM;
    }
    memcpy(insns, o.base + ps->sh_offset, (size_t)plen * 8);
    if (tlen)
        memcpy(insns + plen, o.base + o.sh[text].sh_offset, (size_t)tlen * 8);
    struct loaded_maps lm = {0};
    int maps = find_section(&o, "maps");
    rc = relocate(&o, (unsigned)prog, insns, 0, plen + tlen, text, tlen ? plen : 0, maps, &lm);
    if (!rc && tlen)
        rc = relocate(&o, (unsigned)text, insns, plen, plen + tlen, text, plen, maps, &lm);
    if (!rc && find_section(&o, ".maps") >= 0 && lm.n == 0 && maps < 0)
        rc = fail(&o, "BTF-defined maps (.maps) are not supported: use SEC(\"maps\") definitions");
    if (!rc) {
        struct bpf_load_opts lo = opts ? *opts : (struct bpf_load_opts){0};
        const char *fn = NULL;
        for (size_t i = 0; !lo.name && i < o.nsyms; i++)
            if (o.syms[i].st_shndx == (unsigned)prog && ELF64_ST_TYPE(o.syms[i].st_info) == STT_FUNC &&
                o.syms[i].st_value == 0)
                fn = sym_name(&o, &o.syms[i]);
        if (!lo.name)
            lo.name = fn ? fn : sec_name(&o, (unsigned)prog);
        rc = bpf_prog_load(insns, plen + tlen, &lo, out, log, logsz);
    }
    for (unsigned i = 0; i < lm.n; i++)
        bpf_map_put(lm.map[i]); /* the program holds what it uses */
    kfree(insns);
    return rc;
}

int bpf_elf_load(const void *elf, size_t size, const char *section, const struct bpf_load_opts *opts,
                 struct bpf_prog **out, char *log, size_t logsz)
{
    char dummy[1];
    if (!log || !logsz) {
        log = dummy;
        logsz = sizeof dummy;
    }
    log[0] = 0;
    /* The ELF structures are read in place as C objects with 8-byte fields
     * (UBSan in the -debug presets checks their alignment): an object at a
     * 4-byte boundary, as cpio lays out the initrd, is read from an aligned
     * copy, dropped once loaded (names and instructions are copied out). */
    if (!((uintptr_t)elf % 8))
        return load_aligned(elf, size, section, opts, out, log, logsz);
    void *copy = kmalloc(size ? size : 1);
    if (!copy) {
        ksnprintf(log, logsz, "out of memory for an aligned copy of the object (%zu bytes)", size);
        return -ENOMEM;
    }
    memcpy(copy, elf, size);
    int rc = load_aligned(copy, size, section, opts, out, log, logsz);
    kfree(copy);
    return rc;
}

int bpf_elf_prog_section(const void *elf, size_t size, char *name, size_t n)
{
    char log[1];
    void *copy = NULL;
    if ((uintptr_t)elf % 8) { /* read in place as C objects: see bpf_elf_load() */
        if (!(copy = kmalloc(size ? size : 1)))
            return -ENOMEM;
        memcpy(copy, elf, size);
        elf = copy;
    }
    struct obj o = {.base = elf, .size = size, .log = log, .logsz = sizeof log};
    int rc = parse(&o);
    if (!rc)
        rc = pick_prog(&o, NULL);
    if (rc >= 0) {
        ksnprintf(name, n, "%s", sec_name(&o, (unsigned)rc));
        rc = 0;
    }
    kfree(copy);
    return rc;
}
