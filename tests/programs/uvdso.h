/*
 * uvdso.h: the vDSO as a program without a C library finds it: the image
 * at AT_SYSINFO_EHDR, its dynamic symbols and their versions read from its
 * own tables (DT_SYMTAB, DT_STRTAB, DT_HASH, DT_VERSYM, DT_VERDEF). For
 * uvdso.c (which checks all of it) and ubench.c (which times a call).
 */
#ifndef UVDSO_H
#define UVDSO_H

#include "usys.h"

#define UAT_NULL 0
#define UAT_SYSINFO_EHDR 33
#define UPT_LOAD 1
#define UPT_DYNAMIC 2
#define UDT_NULL 0
#define UDT_HASH 4
#define UDT_STRTAB 5
#define UDT_SYMTAB 6
#define UDT_VERSYM 0x6ffffff0
#define UDT_VERDEF 0x6ffffffc

struct uelf_ehdr {
    unsigned char ident[16];
    unsigned short type, machine;
    unsigned version;
    unsigned long entry, phoff, shoff;
    unsigned flags;
    unsigned short ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct uelf_phdr {
    unsigned type, flags;
    unsigned long offset, vaddr, paddr, filesz, memsz, align;
};
struct uelf_dyn {
    long tag;
    unsigned long val;
};
struct uelf_sym {
    unsigned name;
    unsigned char info, other;
    unsigned short shndx;
    unsigned long value, size;
};
struct uelf_verdef {
    unsigned short version, flags, ndx, cnt;
    unsigned hash, aux, next;
};
struct uelf_verdaux {
    unsigned name, next;
};

/* What uvdso_open() found. */
struct uvdso {
    unsigned long base, bias;
    const struct uelf_sym *symtab;
    const char *strtab;
    const unsigned short *versym;
    const struct uelf_verdef *verdefs;
    unsigned nsyms;
};

/* The auxiliary vector's @p key, found past the environment, or 0. */
static inline unsigned long uauxv(char **envp, unsigned long key)
{
    while (*envp)
        envp++;
    for (unsigned long *a = (unsigned long *)(envp + 1); a[0] != UAT_NULL; a += 2)
        if (a[0] == key)
            return a[1];
    return 0;
}

/* The vDSO's tables into *@p v; 0, or what is missing. */
static inline const char *uvdso_open(struct uvdso *v, char **envp)
{
    *v = (struct uvdso){0};
    unsigned long base = v->base = uauxv(envp, UAT_SYSINFO_EHDR);
    if (!base || (base & 4095))
        return "AT_SYSINFO_EHDR: a page";
    const struct uelf_ehdr *eh = (const struct uelf_ehdr *)base;
    if (!(eh->ident[0] == 0x7f && eh->ident[1] == 'E' && eh->ident[2] == 'L' && eh->ident[3] == 'F'))
        return "AT_SYSINFO_EHDR points at an ELF header";
    if (eh->type != 3 /* ET_DYN */)
        return "the vDSO is a shared object";
    const struct uelf_phdr *ph = (const struct uelf_phdr *)(base + eh->phoff);
    const struct uelf_dyn *dyn = 0;
    int load = 0;
    for (unsigned i = 0; i < eh->phnum; i++) {
        if (ph[i].type == UPT_LOAD && !load++)
            v->bias = base + ph[i].offset - ph[i].vaddr;
        if (ph[i].type == UPT_DYNAMIC)
            dyn = (const struct uelf_dyn *)(base + ph[i].offset);
    }
    if (!load || !dyn)
        return "it has a loadable segment and a dynamic section";
    const unsigned *hash = 0;
    for (; dyn->tag != UDT_NULL; dyn++) {
        unsigned long a = v->bias + dyn->val;
        if (dyn->tag == UDT_SYMTAB)
            v->symtab = (const struct uelf_sym *)a;
        else if (dyn->tag == UDT_STRTAB)
            v->strtab = (const char *)a;
        else if (dyn->tag == UDT_HASH)
            hash = (const unsigned *)a;
        else if (dyn->tag == UDT_VERSYM)
            v->versym = (const unsigned short *)a;
        else if (dyn->tag == UDT_VERDEF)
            v->verdefs = (const struct uelf_verdef *)a;
    }
    if (!v->symtab || !v->strtab || !hash || !v->versym || !v->verdefs)
        return "DT_SYMTAB, DT_STRTAB, DT_HASH, DT_VERSYM, DT_VERDEF";
    v->nsyms = hash[1]; /* nchain: one per symbol */
    return 0;
}

/* The version named by versym index @p ndx. */
static inline const char *uvdso_version(const struct uvdso *v, unsigned ndx)
{
    const struct uelf_verdef *d = v->verdefs;
    for (;;) {
        if ((d->ndx & 0x7fff) == (ndx & 0x7fff))
            return v->strtab + ((const struct uelf_verdaux *)((const char *)d + d->aux))->name;
        if (!d->next)
            return 0;
        d = (const struct uelf_verdef *)((const char *)d + d->next);
    }
}

/* The address of @p name defined at @p version, or 0. */
static inline void *uvdso_sym(const struct uvdso *v, const char *name, const char *version)
{
    for (unsigned i = 1; i < v->nsyms; i++) {
        const struct uelf_sym *s = &v->symtab[i];
        if (!s->shndx || (s->info >> 4) != 1 /* STB_GLOBAL */ || !ustreq(v->strtab + s->name, name))
            continue;
        const char *ver = uvdso_version(v, v->versym[i]);
        if (ver && ustreq(ver, version))
            return (void *)(v->bias + s->value);
    }
    return 0;
}

#endif
