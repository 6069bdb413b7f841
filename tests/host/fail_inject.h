/**
 * @file tests/host/fail_inject.h
 * @brief For host tests: make the Nth allocation fail, to walk every
 *        out-of-memory path of the code under test.
 *
 * The test links with -Wl,--wrap= for kmalloc, kzalloc, jit_alloc,
 * jit_free, jit_add_symbol and jit_protect (FAIL_INJECT_LINK_FLAGS in
 * tests/host/CMakeLists.txt), so every call the code under test makes to
 * them lands here first; calls inside kmalloc.c and host_jit.c themselves
 * are not wrapped (the linker wraps references between objects only).
 * Include this header in exactly one file of the test.
 *
 *     for (long n = 0;; n++) {
 *         inject_fail_at(n);              // the nth wrapped call fails
 *         int rc = load_something(...);
 *         if (rc == 0 && !inject_fired()) // nothing failed: every path seen
 *             break;
 *         ...
 *     }
 */
#ifndef TESTS_HOST_FAIL_INJECT_H
#define TESTS_HOST_FAIL_INJECT_H

#include <kernel/errno.h>
#include <kernel/jit.h>
#include <stddef.h>

static long inject_countdown = -1; /* calls to let through before one fails; -1: none fails */
static int inject_hit;             /* whether one failed since inject_fail_at() */
static long inject_live_regions;   /* jit_alloc()s not yet jit_free()d */

/** @brief Make the @p n th wrapped call from now fail (0: the next); -1: none. */
static inline void inject_fail_at(long n)
{
    inject_countdown = n;
    inject_hit = 0;
}

/** @brief Whether a call failed since the last inject_fail_at(). */
static inline int inject_fired(void) { return inject_hit; }

/** @brief Code regions allocated and not freed (a leak if nonzero after a refusal). */
static inline long inject_regions(void) { return inject_live_regions; }

static inline int inject_now(void)
{
    if (inject_countdown < 0)
        return 0;
    if (inject_countdown-- > 0)
        return 0;
    inject_hit = 1;
    return 1;
}

void *__real_kmalloc(size_t size);
void *__real_kzalloc(size_t size);
struct jit_region *__real_jit_alloc(size_t size, const char *owner);
void __real_jit_free(struct jit_region *r);
int __real_jit_add_symbol(struct jit_region *r, const char *name, size_t off, size_t size);
int __real_jit_protect(struct jit_region *r, size_t off, size_t len, unsigned prot);
void *__wrap_kmalloc(size_t size);
void *__wrap_kzalloc(size_t size);
struct jit_region *__wrap_jit_alloc(size_t size, const char *owner);
void __wrap_jit_free(struct jit_region *r);
int __wrap_jit_add_symbol(struct jit_region *r, const char *name, size_t off, size_t size);
int __wrap_jit_protect(struct jit_region *r, size_t off, size_t len, unsigned prot);

void *__wrap_kmalloc(size_t size) { return inject_now() ? NULL : __real_kmalloc(size); }
void *__wrap_kzalloc(size_t size) { return inject_now() ? NULL : __real_kzalloc(size); }

struct jit_region *__wrap_jit_alloc(size_t size, const char *owner)
{
    struct jit_region *r = inject_now() ? NULL : __real_jit_alloc(size, owner);
    if (r)
        inject_live_regions++;
    return r;
}

void __wrap_jit_free(struct jit_region *r)
{
    if (r)
        inject_live_regions--;
    __real_jit_free(r);
}

int __wrap_jit_add_symbol(struct jit_region *r, const char *name, size_t off, size_t size)
{
    return inject_now() ? -ENOMEM : __real_jit_add_symbol(r, name, off, size);
}

/* The kernel's can fail where page tables must be split: any code will do. */
int __wrap_jit_protect(struct jit_region *r, size_t off, size_t len, unsigned prot)
{
    return inject_now() ? -ENOMEM : __real_jit_protect(r, off, len, prot);
}

#endif
