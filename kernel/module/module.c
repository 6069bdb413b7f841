/**
 * @file module.c
 * @brief The module loader (kernel/module.h): validate an ET_REL object,
 *        lay its sections out by permission, resolve its symbols against
 *        the kernel's exports, apply its relocations, map and start it.
 *
 * Everything read from the file is checked before it is used: the header,
 * every section's bounds, string and symbol indexes, relocation offsets
 * (inside their section, with room for the patched bytes) and values
 * (that fit their field). What each relocation type does is the
 * architecture's (kernel/module_arch.h, arch/<arch>/module_reloc.c): the
 * host tests link every architecture's and check each kind for either
 * machine (module_link() into a buffer at a chosen run address).
 *
 * Layout of a module's region: [text | veneers] [rodata] [data | bss], each
 * group page-aligned so it can get its own permissions.
 *
 * A module's name is what `modunload` and `lsmod` know it by, so it is
 * checked before anything is allocated for the module: its `module_name`
 * string is read from the section's bytes in the file (never from the
 * relocated image, and a relocation that would write into it is refused,
 * so the name the kernel keeps and the one the module sees are the same
 * bytes), and it must be 1 to MODULE_NAME_MAX - 1 bytes of printable ASCII
 * without spaces (a shell word) and not the name of a loaded module.
 *
 * Every refusal writes its reason to the caller's log, out-of-memory ones
 * included: the shell prints it as the command's one line.
 */
#include <hal/mmu.h>
#include <kernel/elf.h>
#include <kernel/errno.h>
#include <kernel/jit.h>
#include <kernel/kmalloc.h>
#include <kernel/module.h>
#include <kernel/module_arch.h>
#include <kernel/printf.h>
#include <kernel/string.h>

#define PAGE 4096u
#define MAX_IMAGE (16u << 20) /* a module larger than this is refused */
#define VENEER_MAX 32u        /* bytes of one veneer, at most */
#define SYM_NAME_MAX 48

struct gsym { /* a global symbol a module defines, for module_symbol() */
    char name[SYM_NAME_MAX];
    uintptr_t addr;
};

struct module_linker {
    const uint8_t *elf;
    size_t size;
    const Elf64_Ehdr *eh;
    const Elf64_Shdr *sh;
    unsigned shnum;
    const char *shstr;
    size_t shstr_size;
    const Elf64_Sym *sym;
    uint32_t nsym;
    const char *str;
    size_t str_size;
    unsigned symtab;
    uint64_t *off; /* per section: offset in the image, or UINT64_MAX (not loaded) */
    size_t text_end, veneer_start, ro_start, ro_end, rw_start, rw_end, total;
    unsigned max_veneers, nveneers;
    uint8_t *img;
    uintptr_t base;
    uint64_t *val; /* per symbol: its resolved address */
    const struct module_opts *o;
    char *log;
    size_t logsz;
    /* module_name's bytes in the image: section, offset, length with the NUL
     * (name_sec 0: no module_name symbol) */
    unsigned name_sec;
    uint64_t name_off, name_len;
    /* The RELA section relocate() is applying (module_link_find_reloc()). */
    unsigned cur_rela;
};

/* Every refusal goes through here: the reason into the caller's log. */
int module_link_fail(struct module_linker *c, int err, const char *fmt, ...)
{
    if (c->log && c->logsz) {
        va_list ap;
        va_start(ap, fmt);
        kvsnprintf(c->log, c->logsz, fmt, ap);
        va_end(ap);
    }
    return err;
}
#define fail module_link_fail

int module_link_force_veneers(const struct module_linker *c) { return c->o->force_veneers; }

/* A NUL-terminated string at @p idx of a string table, or NULL. */
static const char *str_at(const char *tab, size_t tabsz, uint64_t idx)
{
    if (idx >= tabsz)
        return NULL;
    for (size_t i = idx; i < tabsz; i++)
        if (!tab[i])
            return tab + idx;
    return NULL;
}

static const char *sec_name(const struct module_linker *c, unsigned i)
{
    const char *n = str_at(c->shstr, c->shstr_size, c->sh[i].sh_name);
    return n ? n : "?";
}

static int in_file(const struct module_linker *c, uint64_t off, uint64_t len)
{
    return off <= c->size && len <= c->size - off;
}

static size_t align_up(size_t v, uint64_t a)
{
    return (size_t)((v + a - 1) & ~(a - 1));
}

/* Header, sections, symbol table, layout. */
static int parse(struct module_linker *c)
{
    if ((uintptr_t)c->elf % 8) /* module_load() copies such objects; see there */
        return fail(c, -EINVAL, "the object is not 8-byte aligned in memory");
    if (c->size < sizeof(Elf64_Ehdr))
        return fail(c, -ENOEXEC, "not an ELF object (%zu bytes)", c->size);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)c->elf;
    c->eh = eh;
    if (memcmp(eh->e_ident, "\177ELF", 4) != 0)
        return fail(c, -ENOEXEC, "not an ELF object (bad magic)");
    if (eh->e_ident[4] != ELFCLASS64 || eh->e_ident[5] != ELFDATA2LSB)
        return fail(c, -ENOEXEC, "not a 64-bit little-endian ELF object");
    if (eh->e_type != ET_REL)
        return fail(c, -ENOEXEC, "not a relocatable object (ELF type %u)", eh->e_type);
    const struct module_arch *arch = c->o->arch;
    if (!arch)
        return fail(c, -ENOEXEC, "this kernel's architecture loads no modules");
    if (arch->veneer_bytes > VENEER_MAX || (arch->veneer_bytes && (!arch->needs_veneer || !arch->write_veneer)))
        return fail(c, -EINVAL, "the architecture's veneers are misdescribed");
    if (eh->e_machine != arch->machine)
        return fail(c, -ENOEXEC, "built for machine %u, this kernel is %u", eh->e_machine, arch->machine);
    if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shnum == 0 ||
        !in_file(c, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) || eh->e_shoff % 8)
        return fail(c, -ENOEXEC, "section header table out of the file");
    c->sh = (const Elf64_Shdr *)(c->elf + eh->e_shoff);
    c->shnum = eh->e_shnum;
    if (eh->e_shstrndx >= c->shnum || c->sh[eh->e_shstrndx].sh_type != SHT_STRTAB)
        return fail(c, -ENOEXEC, "bad section name table index %u", eh->e_shstrndx);
    for (unsigned i = 0; i < c->shnum; i++) {
        const Elf64_Shdr *s = &c->sh[i];
        if (s->sh_type != SHT_NOBITS && !in_file(c, s->sh_offset, s->sh_size))
            return fail(c, -ENOEXEC, "section %u out of the file", i);
        if (s->sh_addralign > PAGE || (s->sh_addralign & (s->sh_addralign - 1)))
            return fail(c, -ENOEXEC, "section %u: bad alignment %llu", i, (unsigned long long)s->sh_addralign);
    }
    const Elf64_Shdr *ss = &c->sh[eh->e_shstrndx];
    c->shstr = (const char *)c->elf + ss->sh_offset;
    c->shstr_size = ss->sh_size;
    c->symtab = 0;
    for (unsigned i = 0; i < c->shnum; i++) {
        if (c->sh[i].sh_type != SHT_SYMTAB)
            continue;
        if (c->symtab)
            return fail(c, -ENOEXEC, "more than one symbol table");
        c->symtab = i;
    }
    if (!c->symtab)
        return fail(c, -ENOEXEC, "no symbol table");
    const Elf64_Shdr *st = &c->sh[c->symtab];
    if (st->sh_entsize != sizeof(Elf64_Sym) || st->sh_size % sizeof(Elf64_Sym) || st->sh_offset % 8 ||
        st->sh_link >= c->shnum || c->sh[st->sh_link].sh_type != SHT_STRTAB)
        return fail(c, -ENOEXEC, "malformed symbol table");
    c->sym = (const Elf64_Sym *)(c->elf + st->sh_offset);
    c->nsym = (uint32_t)(st->sh_size / sizeof(Elf64_Sym));
    c->str = (const char *)c->elf + c->sh[st->sh_link].sh_offset;
    c->str_size = c->sh[st->sh_link].sh_size;

    /* relocation sections, and the veneers they may need */
    c->max_veneers = 0;
    for (unsigned i = 0; i < c->shnum; i++) {
        const Elf64_Shdr *s = &c->sh[i];
        if (s->sh_type == SHT_REL)
            return fail(c, -ENOEXEC, "section %s: REL relocations (only RELA is supported)", sec_name(c, i));
        if (s->sh_type != SHT_RELA)
            continue;
        if (s->sh_entsize != sizeof(Elf64_Rela) || s->sh_size % sizeof(Elf64_Rela) || s->sh_offset % 8 ||
            s->sh_link != c->symtab || s->sh_info >= c->shnum)
            return fail(c, -ENOEXEC, "malformed relocation section %s", sec_name(c, i));
        const Elf64_Rela *r = (const Elf64_Rela *)(c->elf + s->sh_offset);
        for (size_t k = 0; k < s->sh_size / sizeof *r; k++)
            if (arch->veneer_bytes && arch->needs_veneer(ELF64_R_TYPE(r[k].r_info)))
                c->max_veneers++;
    }

    /* layout: text (+ veneers), rodata, data and bss */
    c->off = kmalloc(c->shnum * sizeof *c->off);
    if (!c->off)
        return fail(c, -ENOMEM, "out of memory for the layout of %u sections", c->shnum);
    size_t pos = 0;
    for (int group = 0; group < 3; group++) {
        for (unsigned i = 0; i < c->shnum; i++) {
            const Elf64_Shdr *s = &c->sh[i];
            if (group == 0)
                c->off[i] = UINT64_MAX;
            if (!(s->sh_flags & SHF_ALLOC) || (s->sh_type != SHT_PROGBITS && s->sh_type != SHT_NOBITS))
                continue;
            int g = (s->sh_flags & SHF_EXECINSTR) ? 0 : (s->sh_flags & SHF_WRITE) || s->sh_type == SHT_NOBITS ? 2 : 1;
            if (g != group)
                continue;
            if (s->sh_size > MAX_IMAGE)
                return fail(c, -ENOEXEC, "section %s is too large", sec_name(c, i));
            pos = align_up(pos, s->sh_addralign ? s->sh_addralign : 1);
            c->off[i] = pos;
            pos += s->sh_size;
            if (pos > MAX_IMAGE)
                return fail(c, -ENOEXEC, "module larger than %u bytes", MAX_IMAGE);
        }
        if (group == 0) {
            c->veneer_start = align_up(pos, 8);
            pos = c->veneer_start + (size_t)c->max_veneers * arch->veneer_bytes;
            c->text_end = pos = align_up(pos, PAGE);
            c->ro_start = pos;
        } else if (group == 1) {
            c->ro_end = pos = align_up(pos, PAGE);
            c->rw_start = pos;
        } else {
            c->rw_end = pos = align_up(pos, PAGE);
        }
        if (pos > MAX_IMAGE)
            return fail(c, -ENOEXEC, "module larger than %u bytes", MAX_IMAGE);
    }
    c->total = pos ? pos : PAGE;
    return 0;
}

/* ---- The name ------------------------------------------------------------- */

static int name_byte_ok(uint8_t b) { return b > 0x20 && b < 0x7f; }

/* @p n bytes of @p in as a C string literal's body, bytes that are not
 * name bytes (and '"', '\') as \xNN, at most 40 of them, "..." if cut:
 * a name being refused may hold anything, and the shell prints the log. */
static const char *escaped(char *out, size_t outsz, const uint8_t *in, size_t n)
{
    size_t o = 0, i = 0;
    for (; i < n && i < 40 && o + 5 < outsz; i++) {
        if (name_byte_ok(in[i]) && in[i] != '"' && in[i] != '\\')
            out[o++] = (char)in[i];
        else
            o += (size_t)ksnprintf(out + o, outsz - o, "\\x%02x", in[i]);
    }
    if (i < n && o + 4 <= outsz) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = 0;
    return out;
}

/* A name is a shell word `modunload` can be given: 1 to MODULE_NAME_MAX - 1
 * bytes of printable ASCII without spaces. @p what says where it came from. */
static int check_name(struct module_linker *c, int err, const char *what, const uint8_t *name, size_t n)
{
    char esc[40 * 4 + 8];
    if (n == 0)
        return fail(c, err, "%s is empty: a module needs a name to be unloaded by", what);
    for (size_t i = 0; i < n; i++)
        if (!name_byte_ok(name[i]))
            return fail(c, err, "%s \"%s\" has byte 0x%02x at %zu (a name is printable ASCII, no spaces)", what,
                        escaped(esc, sizeof esc, name, n), name[i], i);
    if (n >= MODULE_NAME_MAX)
        return fail(c, err, "%s \"%s\" is %zu characters long (at most %d)", what,
                    escaped(esc, sizeof esc, name, n), n, MODULE_NAME_MAX - 1);
    return 0;
}

/* Take the module's name into m->name: its module_name string if it defines
 * one, else the caller's (the file's) name. module_name is read from the
 * file, before relocation, so no relocation can change it (relocate()
 * refuses one that writes into it); and it must be a string the file
 * holds, NUL included, in a section that is loaded with bytes: a NOBITS
 * section would give an empty name, and a string running off its object
 * or section whatever follows. */
static int take_name(struct module_linker *c, struct module *m)
{
    c->name_sec = 0;
    const Elf64_Sym *s = NULL;
    for (uint32_t i = 1; i < c->nsym && !s; i++) {
        const char *n = str_at(c->str, c->str_size, c->sym[i].st_name);
        if (n && strcmp(n, "module_name") == 0 && ELF64_ST_BIND(c->sym[i].st_info) != STB_LOCAL &&
            c->sym[i].st_shndx != SHN_UNDEF)
            s = &c->sym[i];
    }
    const uint8_t *name;
    size_t n;
    if (!s) {
        const char *fallback = c->o->name ? c->o->name : "module";
        name = (const uint8_t *)fallback;
        n = strlen(fallback);
        /* the caller's argument, not the object, is what is wrong */
        int rc = check_name(c, -EINVAL, "the module has no module_name, and its file's name", name, n);
        if (rc)
            return rc;
    } else {
        unsigned si = s->st_shndx;
        if (si >= c->shnum || si == SHN_ABS || si == SHN_COMMON)
            return fail(c, -ENOEXEC, "module_name is not in a section of the module (section index %u)", si);
        const Elf64_Shdr *sec = &c->sh[si];
        if (c->off[si] == UINT64_MAX)
            return fail(c, -ENOEXEC, "module_name is in section %s, which is not loaded", sec_name(c, si));
        if (sec->sh_type != SHT_PROGBITS)
            return fail(c, -ENOEXEC, "module_name is in section %s, which has no bytes in the file (NOBITS)",
                        sec_name(c, si));
        if (s->st_value >= sec->sh_size)
            return fail(c, -ENOEXEC, "module_name (at %llu) is outside %s (%llu bytes)",
                        (unsigned long long)s->st_value, sec_name(c, si), (unsigned long long)sec->sh_size);
        uint64_t room = sec->sh_size - s->st_value;
        if (s->st_size && s->st_size < room)
            room = s->st_size;
        name = c->elf + sec->sh_offset + s->st_value;
        n = strnlen((const char *)name, (size_t)room);
        if (n == room)
            return fail(c, -ENOEXEC, "module_name is not a string: no NUL in its %llu bytes", (unsigned long long)room);
        int rc = check_name(c, -ENOEXEC, "module_name", name, n);
        if (rc)
            return rc;
        c->name_sec = si;
        c->name_off = s->st_value;
        c->name_len = n + 1;
    }
    memcpy(m->name, name, n);
    m->name[n] = 0;
    return 0;
}

/* ---- Relocations ---------------------------------------------------------- */

/* A veneer that jumps to @p target: its run address. One per target: the
 * arch writes the same bytes for the same target. */
uint64_t module_link_veneer(struct module_linker *c, uint64_t target)
{
    const struct module_arch *arch = c->o->arch;
    uint8_t want[VENEER_MAX];
    arch->write_veneer(want, target);
    for (unsigned i = 0; i < c->nveneers; i++)
        if (memcmp(c->img + c->veneer_start + i * arch->veneer_bytes, want, arch->veneer_bytes) == 0)
            return c->base + c->veneer_start + i * arch->veneer_bytes;
    if (c->nveneers == c->max_veneers) /* the layout kept one per branch: cannot happen */
        return target;
    memcpy(c->img + c->veneer_start + c->nveneers * arch->veneer_bytes, want, arch->veneer_bytes);
    return c->base + c->veneer_start + c->nveneers++ * arch->veneer_bytes;
}

int module_link_find_reloc(struct module_linker *c, uint64_t P, uint32_t type,
                           struct module_reloc *out)
{
    const Elf64_Shdr *s = &c->sh[c->cur_rela];
    const Elf64_Rela *r = (const Elf64_Rela *)(c->elf + s->sh_offset);
    uint64_t first = c->base + c->off[s->sh_info];
    if (P < first)
        return -ENOENT;
    for (size_t k = 0; k < s->sh_size / sizeof *r; k++) {
        uint32_t si = ELF64_R_SYM(r[k].r_info);
        /* relocate() checked every entry before this one and checks the
         * rest when it reaches them: look at the sound ones only. */
        if (ELF64_R_TYPE(r[k].r_info) != type || r[k].r_offset != P - first || si >= c->nsym)
            continue;
        *out = (struct module_reloc){.type = type, .loc = NULL, .P = P, .S = c->val[si],
                                     .A = r[k].r_addend,
                                     .external = c->sym[si].st_shndx == SHN_UNDEF};
        return 0;
    }
    return -ENOENT;
}

static int relocate(struct module_linker *c)
{
    for (unsigned i = 0; i < c->shnum; i++) {
        const Elf64_Shdr *s = &c->sh[i];
        if (s->sh_type != SHT_RELA || c->off[s->sh_info] == UINT64_MAX)
            continue; /* debug sections and the like are not loaded */
        const Elf64_Shdr *t = &c->sh[s->sh_info];
        if (t->sh_type == SHT_NOBITS)
            return fail(c, -ENOEXEC, "relocations for a NOBITS section");
        const Elf64_Rela *r = (const Elf64_Rela *)(c->elf + s->sh_offset);
        c->cur_rela = i;
        for (size_t k = 0; k < s->sh_size / sizeof *r; k++) {
            uint32_t si = ELF64_R_SYM(r[k].r_info), type = ELF64_R_TYPE(r[k].r_info);
            if (si >= c->nsym)
                return fail(c, -ENOEXEC, "relocation in %s names symbol %u of %u", sec_name(c, i), si, c->nsym);
            if (r[k].r_offset > t->sh_size)
                return fail(c, -ENOEXEC, "relocation past the end of %s", sec_name(c, s->sh_info));
            /* The name was read from the file; a relocation must not make
             * the module's own module_name differ from it (a pointer named
             * module_name, or a damaged offset, would). NONE writes nothing. */
            uint64_t w = c->o->arch->reloc_bytes(type);
            if (c->name_sec && s->sh_info == c->name_sec && r[k].r_offset < c->name_off + c->name_len &&
                c->name_off < r[k].r_offset + w)
                return fail(c, -ENOEXEC,
                            "relocation %zu in %s writes into module_name (it must be a char array holding the "
                            "name)",
                            k, sec_name(c, i));
            if (t->sh_size - r[k].r_offset < w)
                return fail(c, -ENOEXEC, "relocation past the end of its section");
            struct module_reloc rel = {
                .type = type,
                .loc = c->img + c->off[s->sh_info] + r[k].r_offset,
                .P = c->base + c->off[s->sh_info] + r[k].r_offset,
                .S = c->val[si],
                .A = r[k].r_addend,
                .external = c->sym[si].st_shndx == SHN_UNDEF,
            };
            int rc = c->o->arch->apply(c, &rel);
            if (rc == -ENOSYS)
                return fail(c, -ENOEXEC, "unknown relocation type %u in %s", type, sec_name(c, i));
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Resolve every symbol to an address; remember the module's globals. */
static int resolve(struct module_linker *c, struct module *m)
{
    c->val = kzalloc((c->nsym ? c->nsym : 1) * sizeof *c->val);
    if (!c->val)
        return fail(c, -ENOMEM, "out of memory for the addresses of %u symbols", c->nsym);
    uint32_t nglob = 0;
    for (uint32_t i = 1; i < c->nsym; i++) {
        const Elf64_Sym *s = &c->sym[i];
        const char *name = str_at(c->str, c->str_size, s->st_name);
        if (!name)
            return fail(c, -ENOEXEC, "symbol %u: name out of the string table", i);
        if (s->st_shndx == SHN_UNDEF) {
            const void *a = c->o->resolve ? c->o->resolve(name) : NULL;
            if (!a && ELF64_ST_BIND(s->st_info) != STB_WEAK)
                return fail(c, -ENOENT, "undefined symbol '%s' (not exported by the kernel)", name);
            c->val[i] = (uintptr_t)a;
        } else if (s->st_shndx == SHN_ABS) {
            c->val[i] = s->st_value;
        } else if (s->st_shndx == SHN_COMMON) {
            return fail(c, -ENOEXEC, "common symbol '%s' (build with -fno-common)", name);
        } else if (s->st_shndx >= c->shnum) {
            return fail(c, -ENOEXEC, "symbol '%s' in section %u of %u", name, s->st_shndx, c->shnum);
        } else if (c->off[s->st_shndx] == UINT64_MAX) {
            c->val[i] = 0; /* in a section not loaded (debug info): an error only if relocated against */
            continue;
        } else {
            const Elf64_Shdr *sec = &c->sh[s->st_shndx];
            if (s->st_value > sec->sh_size)
                return fail(c, -ENOEXEC, "symbol '%s' outside its section", name);
            /* its size too, so nothing after (naming functions for faults)
             * adds an offset and a size that can wrap */
            if (s->st_size > sec->sh_size - s->st_value)
                return fail(c, -ENOEXEC, "symbol '%s' (%llu bytes at %llu) runs past the end of %s (%llu bytes)",
                            name, (unsigned long long)s->st_size, (unsigned long long)s->st_value,
                            sec_name(c, s->st_shndx), (unsigned long long)sec->sh_size);
            c->val[i] = c->base + c->off[s->st_shndx] + s->st_value;
            if (ELF64_ST_BIND(s->st_info) != STB_LOCAL && name[0])
                nglob++;
        }
    }
    struct gsym *g = kzalloc((nglob ? nglob : 1) * sizeof *g);
    if (!g)
        return fail(c, -ENOMEM, "out of memory for the module's %u global symbols", nglob);
    m->syms = g;
    m->nsyms = 0;
    for (uint32_t i = 1; i < c->nsym; i++) {
        const Elf64_Sym *s = &c->sym[i];
        if (s->st_shndx == SHN_UNDEF || s->st_shndx >= c->shnum || c->off[s->st_shndx] == UINT64_MAX ||
            ELF64_ST_BIND(s->st_info) == STB_LOCAL)
            continue;
        const char *name = str_at(c->str, c->str_size, s->st_name);
        if (!name[0])
            continue;
        size_t n = strlen(name);
        if (n >= SYM_NAME_MAX)
            n = SYM_NAME_MAX - 1;
        memcpy(g[m->nsyms].name, name, n);
        g[m->nsyms++].addr = (uintptr_t)c->val[i];
    }
    return 0;
}

/* A relocation against a symbol of a section that is not loaded is an error. */
static int check_reloc_targets(struct module_linker *c)
{
    for (unsigned i = 0; i < c->shnum; i++) {
        const Elf64_Shdr *s = &c->sh[i];
        if (s->sh_type != SHT_RELA || c->off[s->sh_info] == UINT64_MAX)
            continue;
        const Elf64_Rela *r = (const Elf64_Rela *)(c->elf + s->sh_offset);
        for (size_t k = 0; k < s->sh_size / sizeof *r; k++) {
            uint32_t si = ELF64_R_SYM(r[k].r_info);
            if (si < c->nsym && si > 0 && c->sym[si].st_shndx != SHN_UNDEF && c->sym[si].st_shndx < c->shnum &&
                c->sym[si].st_shndx != SHN_ABS && c->off[c->sym[si].st_shndx] == UINT64_MAX)
                return fail(c, -ENOEXEC, "relocation in %s against a section that is not loaded", sec_name(c, i));
        }
    }
    return 0;
}

static void ctx_free(struct module_linker *c)
{
    kfree(c->off);
    kfree(c->val);
    c->off = NULL;
    c->val = NULL;
}

size_t module_image_size(const void *elf, size_t size, const struct module_opts *opts, char *log, size_t logsz)
{
    struct module_linker c = {.elf = elf, .size = size, .o = opts, .log = log, .logsz = logsz};
    size_t n = parse(&c) == 0 ? c.total : 0;
    ctx_free(&c);
    return n;
}

void module_release(struct module *m)
{
    kfree(m->syms);
    m->syms = NULL;
    m->nsyms = 0;
}

static int link_into(struct module_linker *c, uint8_t *image, uintptr_t run_base, struct module *m)
{
    c->img = image;
    c->base = run_base;
    memset(image, 0, c->total);
    for (unsigned i = 0; i < c->shnum; i++)
        if (c->off[i] != UINT64_MAX && c->sh[i].sh_type == SHT_PROGBITS)
            memcpy(image + c->off[i], c->elf + c->sh[i].sh_offset, c->sh[i].sh_size);
    int rc = resolve(c, m);
    if (!rc)
        rc = check_reloc_targets(c);
    if (!rc)
        rc = relocate(c);
    m->base = run_base;
    m->text_size = c->text_end;
    m->ro_size = c->ro_end - c->ro_start;
    m->rw_size = c->rw_end - c->rw_start;
    m->nveneers = c->nveneers;
    if (rc)
        module_release(m);
    return rc;
}

int module_link(const void *elf, size_t size, const struct module_opts *opts, uint8_t *image, uintptr_t run_base,
                struct module *m, char *log, size_t logsz)
{
    struct module_linker c = {.elf = elf, .size = size, .o = opts, .log = log, .logsz = logsz};
    *m = (struct module){0};
    int rc = parse(&c);
    if (!rc)
        rc = take_name(&c, m);
    if (!rc)
        rc = link_into(&c, image, run_base, m);
    ctx_free(&c);
    return rc;
}

/* ---- Loaded modules -------------------------------------------------------- */

static struct module *modules;

struct module *module_find(const char *name)
{
    for (struct module *m = modules; m; m = m->next)
        if (strcmp(m->name, name) == 0)
            return m;
    return NULL;
}

struct module *module_next(const struct module *prev)
{
    return prev ? prev->next : modules;
}

void *module_symbol(const struct module *m, const char *name)
{
    const struct gsym *g = m->syms;
    for (uint32_t i = 0; i < m->nsyms; i++)
        if (strcmp(g[i].name, name) == 0)
            return (void *)g[i].addr;
    return NULL;
}

/* What a code memory call's error means, for a message. */
static const char *jit_error(int rc)
{
    return rc == -ENOMEM ? "out of memory" : errno_name(rc);
}

/* Name each function "<module>:<func>" in the region, for faults. resolve()
 * checked that each symbol's bytes lie inside its section; so do they here
 * again, without an addition that can wrap, as this is what hands offsets
 * to the code memory's symbol table. */
static int add_symbols(struct module_linker *c, struct module *m)
{
    for (uint32_t i = 1; i < c->nsym; i++) {
        const Elf64_Sym *s = &c->sym[i];
        if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF || s->st_shndx >= c->shnum ||
            c->off[s->st_shndx] == UINT64_MAX || !(c->sh[s->st_shndx].sh_flags & SHF_EXECINSTR))
            continue;
        const Elf64_Shdr *sec = &c->sh[s->st_shndx];
        const char *fn = str_at(c->str, c->str_size, s->st_name);
        if (!fn)
            fn = "?";
        if (s->st_value > sec->sh_size || s->st_size > sec->sh_size - s->st_value)
            return fail(c, -ENOEXEC, "function '%s' runs past the end of %s", fn, sec_name(c, s->st_shndx));
        /* a function of unknown size (assembly) is named for its first byte */
        size_t len = s->st_size ? (size_t)s->st_size : s->st_value < sec->sh_size ? 1 : 0;
        if (!len)
            continue;
        char name[MODULE_NAME_MAX + SYM_NAME_MAX + 2];
        ksnprintf(name, sizeof name, "%s:%s", m->name, fn);
        int rc = jit_add_symbol(m->region, name, (size_t)(c->off[s->st_shndx] + s->st_value), len);
        if (rc)
            return fail(c, rc, "function '%s' (%zu bytes at %llu) cannot be named for backtraces (%s)", fn, len,
                        (unsigned long long)(c->off[s->st_shndx] + s->st_value), jit_error(rc));
    }
    return 0;
}

static int load(const void *elf, size_t size, const struct module_opts *opts, struct module **out, char *log,
                size_t logsz)
{
    struct module_linker c = {.elf = elf, .size = size, .o = opts, .log = log, .logsz = logsz};
    if (log && logsz)
        log[0] = 0;
    struct module *m = kzalloc(sizeof *m);
    if (!m)
        return fail(&c, -ENOMEM, "out of memory for the module's descriptor");
    int rc = parse(&c);
    /* the name first: a module that cannot be named or unloaded gets no memory */
    if (!rc)
        rc = take_name(&c, m);
    if (!rc && module_find(m->name))
        rc = fail(&c, -EEXIST, "a module named '%s' is already loaded", m->name);
    if (!rc) {
        m->region = jit_alloc(c.total, "module");
        if (!m->region)
            rc = fail(&c, -ENOMEM, "no code memory for %zu bytes", c.total);
    }
    if (!rc)
        rc = link_into(&c, jit_base(m->region), (uintptr_t)jit_base(m->region), m);
    if (!rc)
        rc = add_symbols(&c, m);
    if (!rc && c.text_end && (rc = jit_protect(m->region, 0, c.text_end, MMU_EXEC)) != 0)
        fail(&c, rc, "cannot make the module's code read+execute (%s)", jit_error(rc));
    if (!rc && c.ro_end > c.ro_start && (rc = jit_protect(m->region, c.ro_start, c.ro_end - c.ro_start, 0)) != 0)
        fail(&c, rc, "cannot make the module's read-only data read-only (%s)", jit_error(rc));
    if (!rc) {
        m->init = (int (*)(void))module_symbol(m, "module_init");
        m->exit = (void (*)(void))module_symbol(m, "module_exit");
        if (m->init) {
            rc = m->init();
            if (rc)
                fail(&c, rc < 0 ? rc : -EINVAL, "module_init of '%s' failed (%d)", m->name, rc);
        }
    }
    ctx_free(&c);
    if (rc) {
        module_release(m);
        jit_free(m->region);
        kfree(m);
        return rc;
    }
    m->next = modules;
    modules = m;
    *out = m;
    return 0;
}

int module_unload(const char *name)
{
    for (struct module **p = &modules; *p; p = &(*p)->next) {
        struct module *m = *p;
        if (strcmp(m->name, name) != 0)
            continue;
        if (m->exit)
            m->exit();
        *p = m->next;
        module_release(m);
        jit_free(m->region);
        kfree(m);
        return 0;
    }
    return -ENOENT;
}

int module_load(const void *elf, size_t size, const struct module_opts *opts, struct module **out, char *log,
                size_t logsz)
{
    /* The ELF structures are read in place, and their 8-byte fields must be
     * aligned to be read as C objects (UBSan in the -debug presets checks):
     * an object at a 4-byte boundary, as cpio lays out the initrd, is read
     * from an aligned copy, dropped once loaded (the module keeps nothing
     * that points into the file). */
    if (!((uintptr_t)elf % 8))
        return load(elf, size, opts, out, log, logsz);
    void *copy = kmalloc(size ? size : 1);
    if (!copy) {
        if (log && logsz)
            ksnprintf(log, logsz, "out of memory for an aligned copy of the object (%zu bytes)", size);
        return -ENOMEM;
    }
    memcpy(copy, elf, size);
    int rc = load(copy, size, opts, out, log, logsz);
    kfree(copy);
    return rc;
}
