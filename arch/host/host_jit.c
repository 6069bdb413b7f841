/**
 * @file host_jit.c
 * @brief kernel/jit.h for the host preset: code memory from mmap(), sealed
 *        with mprotect(), so the JIT backends run in unit tests and fuzzers.
 *
 * W^X holds here too: a region is PROT_READ|PROT_WRITE until jit_seal(),
 * then PROT_READ|PROT_EXEC. There is no module area on the host, so
 * generated code must not assume it is near the helpers it calls.
 */
#define _DEFAULT_SOURCE
#include <hal/mmu.h>
#include <kernel/errno.h>
#include <kernel/jit.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HOST_JIT_SYMS 64

struct jit_sym {
    char name[64];
    size_t off, size;
};

struct jit_region {
    void *base;
    size_t size;
    struct jit_sym syms[HOST_JIT_SYMS];
    unsigned nsyms;
    struct jit_region *next;
};

static struct jit_region *regions;

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

struct jit_region *jit_alloc(size_t size, const char *owner)
{
    (void)owner;
    if (size == 0 || size > (64u << 20))
        return NULL;
    size = (size + page_size() - 1) & ~(page_size() - 1);
    struct jit_region *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r->base == MAP_FAILED) {
        free(r);
        return NULL;
    }
    r->size = size;
    r->next = regions;
    regions = r;
    return r;
}

void *jit_base(const struct jit_region *r)
{
    return r->base;
}

size_t jit_size(const struct jit_region *r)
{
    return r->size;
}

int jit_protect(struct jit_region *r, size_t off, size_t len, unsigned prot)
{
    if ((prot & MMU_WRITE) && (prot & MMU_EXEC))
        return -EPERM;
    if (off % page_size() || len % page_size() || len == 0 || off > r->size || len > r->size - off)
        return -EINVAL;
    int p = PROT_READ | (prot & MMU_WRITE ? PROT_WRITE : 0) | (prot & MMU_EXEC ? PROT_EXEC : 0);
    if (mprotect((char *)r->base + off, len, p) != 0)
        return -EINVAL;
    if (prot & MMU_EXEC)
        __builtin___clear_cache((char *)r->base + off, (char *)r->base + off + len);
    return 0;
}

int jit_seal(struct jit_region *r)
{
    return jit_protect(r, 0, r->size, MMU_EXEC);
}

int jit_add_symbol(struct jit_region *r, const char *name, size_t off, size_t size)
{
    if (off > r->size || size > r->size - off)
        return -EINVAL;
    if (r->nsyms == HOST_JIT_SYMS)
        return -ENOMEM;
    struct jit_sym *s = &r->syms[r->nsyms++];
    strncpy(s->name, name, sizeof s->name - 1);
    s->off = off;
    s->size = size;
    return 0;
}

void jit_free(struct jit_region *r)
{
    if (!r)
        return;
    for (struct jit_region **p = &regions; *p; p = &(*p)->next)
        if (*p == r) {
            *p = r->next;
            break;
        }
    munmap(r->base, r->size);
    free(r);
}

const char *jit_sym_lookup(uintptr_t addr, uintptr_t *offset)
{
    for (struct jit_region *r = regions; r; r = r->next)
        for (unsigned i = 0; i < r->nsyms; i++) {
            uintptr_t s = (uintptr_t)r->base + r->syms[i].off;
            if (addr >= s && addr < s + r->syms[i].size) {
                *offset = addr - s;
                return r->syms[i].name;
            }
        }
    return NULL;
}

int jit_contains(uintptr_t addr)
{
    for (struct jit_region *r = regions; r; r = r->next)
        if (addr >= (uintptr_t)r->base && addr < (uintptr_t)r->base + r->size)
            return 1;
    return 0;
}
