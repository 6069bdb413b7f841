/**
 * @file kmalloc.c
 * @brief Slab caches for small objects, buddy pages for large ones (see
 *        kernel/kmalloc.h for the contract).
 *
 * A slab is 2^order pages from the page backend. Its first SLAB_HEADER bytes
 * hold struct slab; objects follow from offset max(SLAB_HEADER, size), so
 * every object is aligned to its (power-of-two) size. Every page of a slab
 * has PG_SLAB set and points at the slab, which is how kfree() finds it.
 * A cache keeps its slabs on three lists by fill state (partial, full,
 * empty) and keeps at most one empty slab; the rest go back to the pages.
 */
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#define SLAB_MAGIC 0x51ab51abu
#define SLAB_HEADER 128
#define MAX_OBJECTS 256

struct kmem_cache;

struct slab {
    struct kmem_cache *cache;
    struct slab *next, *prev;  /* on the cache list for its fill state */
    void *free;                /* free objects, linked through their first word */
    uint32_t magic;
    uint16_t inuse, total;
    uint64_t used[MAX_OBJECTS / 64]; /* allocation bitmap */
};
_Static_assert(sizeof(struct slab) <= SLAB_HEADER, "slab header too large");

enum { EMPTY, PARTIAL, FULL };

struct kmem_cache {
    size_t size;               /* object size, a power of two */
    unsigned shift;            /* log2(size): offsets become indices by a shift, not a divide */
    unsigned order;            /* slab size: 2^order pages */
    unsigned per_slab;
    size_t first;              /* offset of object 0 in a slab */
    struct slab *list[3];      /* by fill state */
    unsigned slabs;
    uint64_t inuse;
};

/* Slab order per class: at least 7 objects a slab. */
#define CLASS_ORDER(size) ((size) <= 512 ? 0 : (size) == 1024 ? 1 : 2)
#define CLASS_FIRST(size) ((size) > SLAB_HEADER ? (size) : SLAB_HEADER)
#define CLASS_OBJECTS(size) (((PAGE_SIZE << CLASS_ORDER(size)) - CLASS_FIRST(size)) / (size))
#define CLASS(sh)                                                                                \
    {.size = 1u << (sh), .shift = (sh), .order = CLASS_ORDER(1u << (sh)),                        \
     .first = CLASS_FIRST(1u << (sh)),                                                           \
     .per_slab = CLASS_OBJECTS(1u << (sh)) > MAX_OBJECTS ? MAX_OBJECTS : CLASS_OBJECTS(1u << (sh))}

static struct kmem_cache caches[KMALLOC_CLASSES] = {CLASS(4), CLASS(5), CLASS(6), CLASS(7),
                                                    CLASS(8), CLASS(9), CLASS(10), CLASS(11)};
_Static_assert(KMALLOC_CLASSES == 8 && KMALLOC_MAX_SMALL == 1u << 11, "update the class table");
static uint64_t large_blocks, large_bytes, heap_errors;
/* One lock for the whole heap: caches, slabs and counters. Taken around
 * whole operations, never across a call back into the heap. */
static struct spinlock heap_lock = SPINLOCK_INIT("heap");

#ifdef KMALLOC_DEBUG
/* The last 16 bytes of a debug object say who allocated it and how much;
 * every byte between the caller's end and this is a red zone. */
struct debug_tail {
    uintptr_t caller;
    uint32_t size;
    uint32_t magic;
};
#define DEBUG_MAGIC 0xa110c8edu
#define DEBUG_FREED 0xf4eef4eeu /* kept after kfree, so a double free still names the allocator */
#define RED_ZONE 0xfd
#define DEBUG_OVERHEAD 32 /* at least 16 bytes of red zone + the tail */
#else
#define DEBUG_OVERHEAD 0
#endif

static unsigned fill_state(const struct slab *s)
{
    return s->inuse == 0 ? EMPTY : s->inuse == s->total ? FULL : PARTIAL;
}

static void list_add(struct slab **head, struct slab *s)
{
    s->prev = NULL;
    s->next = *head;
    if (*head)
        (*head)->prev = s;
    *head = s;
}

static void list_del(struct slab **head, struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        *head = s->next;
    if (s->next)
        s->next->prev = s->prev;
}

/* Tag (or untag) every page of a slab or large block. */
static void tag_pages(void *mem, unsigned order, uint16_t flags, void *owner)
{
    for (size_t i = 0; i < ((size_t)1 << order); i++) {
        struct page *pg = kmem_page_of((uint8_t *)mem + i * PAGE_SIZE);
        pg->flags = flags;
        pg->owner = owner;
    }
}

static struct slab *slab_new(struct kmem_cache *c)
{
    struct slab *s = kmem_pages_alloc(c->order);
    if (!s)
        return NULL;
    /* All of it, not just the header: a slab lives long, so this is cheap,
     * and it makes stale contents impossible to see. (Under QEMU TCG it
     * also flushes translations of bootloader code that ran from these
     * pages; until some write overlaps them, every store to the page takes
     * QEMU's slow self-modifying-code path, about 100x slower.) */
    memset(s, 0, PAGE_SIZE << c->order);
    s->cache = c;
    s->magic = SLAB_MAGIC;
    s->total = (uint16_t)c->per_slab;
    uint8_t *obj = (uint8_t *)s + c->first;
    for (unsigned i = 0; i < c->per_slab; i++, obj += c->size)
        *(void **)obj = i + 1 < c->per_slab ? obj + c->size : NULL;
    s->free = (uint8_t *)s + c->first;
    tag_pages(s, c->order, PG_SLAB, s);
    list_add(&c->list[EMPTY], s);
    c->slabs++;
    return s;
}

static void slab_destroy(struct slab *s)
{
    struct kmem_cache *c = s->cache;
    list_del(&c->list[EMPTY], s);
    s->magic = 0;
    tag_pages(s, c->order, 0, NULL);
    kmem_pages_free(s, c->order);
    c->slabs--;
}

static const char *sym(uintptr_t addr, uintptr_t *off)
{
    const char *name = addr ? ksym_lookup(addr, off) : NULL;
    if (!name)
        *off = addr;
    return name ? name : "?";
}

/* A heap error: say what, where, who freed it and (debug) who allocated it. */
static void heap_error(const char *what, const void *p, uintptr_t caller, uintptr_t alloc_caller)
{
    uintptr_t off, aoff;
    const char *fn = sym(caller, &off);
    heap_errors++;
    if (alloc_caller) {
        const char *afn = sym(alloc_caller, &aoff);
        pr_err("kfree(%p): %s (called from %s+0x%lx; allocated by %s+0x%lx)", p, what, fn,
               (unsigned long)off, afn, (unsigned long)aoff);
    } else {
        pr_err("kfree(%p): %s (called from %s+0x%lx)", p, what, fn, (unsigned long)off);
    }
}

static void *alloc_small(struct kmem_cache *c, size_t n, uintptr_t caller)
{
    struct slab *s = c->list[PARTIAL] ? c->list[PARTIAL] : c->list[EMPTY];
    if (!s && !(s = slab_new(c)))
        return NULL;
    unsigned before = fill_state(s);
    uint8_t *obj = s->free;
    s->free = *(void **)obj;
    unsigned idx = (unsigned)((size_t)(obj - ((uint8_t *)s + c->first)) >> c->shift);
    s->used[idx / 64] |= 1ULL << (idx % 64);
    s->inuse++;
    c->inuse++;
    if (fill_state(s) != before) {
        list_del(&c->list[before], s);
        list_add(&c->list[fill_state(s)], s);
    }
#ifdef KMALLOC_DEBUG
    struct debug_tail *t = (struct debug_tail *)(obj + c->size - sizeof *t);
    memset(obj + n, RED_ZONE, c->size - sizeof *t - n);
    t->caller = caller;
    t->size = (uint32_t)n;
    t->magic = DEBUG_MAGIC;
#else
    (void)n;
    (void)caller;
#endif
    return obj;
}

static void free_small(struct slab *s, uint8_t *p, uintptr_t caller)
{
    if (s->magic != SLAB_MAGIC) {
        heap_error("slab header corrupted", p, caller, 0);
        return;
    }
    struct kmem_cache *c = s->cache;
    uint8_t *start = (uint8_t *)s + c->first;
    size_t idx = (size_t)(p - start) >> c->shift;
    if (p < start || ((size_t)(p - start) & (c->size - 1)) || idx >= s->total) {
        heap_error("not the start of an object", p, caller, 0);
        return;
    }
    uintptr_t alloc_caller = 0;
#ifdef KMALLOC_DEBUG
    struct debug_tail *t = (struct debug_tail *)(p + c->size - sizeof *t);
    alloc_caller = t->magic == DEBUG_MAGIC || t->magic == DEBUG_FREED ? t->caller : 0;
#endif
    if (!(s->used[idx / 64] & (1ULL << (idx % 64)))) {
        heap_error("double free", p, caller, alloc_caller);
        return;
    }
#ifdef KMALLOC_DEBUG
    if (t->magic != DEBUG_MAGIC || t->size > c->size - DEBUG_OVERHEAD) {
        heap_error("write past the end of the object (its tail is overwritten)", p, caller, 0);
        return; /* keep the evidence; do not reuse the object */
    }
    for (size_t i = t->size; i < c->size - sizeof *t; i++)
        if (p[i] != RED_ZONE) {
            heap_error("write past the end of the object (red zone overwritten)", p, caller,
                       alloc_caller);
            return;
        }
    t->magic = DEBUG_FREED;
#endif
    unsigned before = fill_state(s);
    s->used[idx / 64] &= ~(1ULL << (idx % 64));
    *(void **)p = s->free;
    s->free = p;
    s->inuse--;
    c->inuse--;
    if (fill_state(s) != before) {
        list_del(&c->list[before], s);
        list_add(&c->list[fill_state(s)], s);
    }
    /* Keep one empty slab per cache for the next allocation; return the rest. */
    if (s->inuse == 0 && c->list[EMPTY] && c->list[EMPTY]->next)
        slab_destroy(s);
}

/* Beyond the largest buddy block: the backend's huge blocks (vmalloc),
 * outside heap_lock, since mapping and zeroing megabytes must not keep
 * interrupts masked; only the counters are taken under it. */
static void *alloc_huge(size_t size, size_t align)
{
    if (align > PAGE_SIZE) {
        pr_warn("kmalloc_aligned: %zu bytes aligned to %zu: only page alignment above %lu bytes",
                size, align, (unsigned long)(PAGE_SIZE << BUDDY_MAX_ORDER));
        return NULL;
    }
    void *p = kmem_huge_alloc(size);
    if (p) {
        size_t n = kmem_huge_size(p);
        irqflags_t f = spin_lock_irqsave(&heap_lock);
        large_blocks++;
        large_bytes += n;
        spin_unlock_irqrestore(&heap_lock, f);
    }
    return p;
}

static void free_huge(void *p, uintptr_t caller)
{
    size_t n = kmem_huge_size(p);
    int err = kmem_huge_free(p);
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    if (err) {
        heap_error("not a heap pointer", p, caller, 0);
    } else {
        large_blocks--;
        large_bytes -= n;
    }
    spin_unlock_irqrestore(&heap_lock, f);
}

static void *alloc_large(size_t size, size_t align)
{
    unsigned order = buddy_order_for(size > align ? size : align);
    void *p = kmem_pages_alloc(order);
    if (!p)
        return NULL;
    struct page *pg = kmem_page_of(p);
    pg->flags = PG_LARGE;
    large_blocks++;
    large_bytes += PAGE_SIZE << order;
    return p;
}

static void *alloc(size_t size, size_t align, uintptr_t caller)
{
    if (size == 0 || size > KMALLOC_MAX_SIZE) {
        uintptr_t off;
        const char *fn = sym(caller, &off);
        pr_warn("kmalloc: refusing %zu bytes (from %s+0x%lx)", size, fn, (unsigned long)off);
        return NULL;
    }
    size_t need = size + DEBUG_OVERHEAD;
    if (need < align)
        need = align;
    if (need > KMALLOC_MAX_SMALL && buddy_order_for(size > align ? size : align) > BUDDY_MAX_ORDER)
        return alloc_huge(size, align);
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    void *p;
    if (need <= KMALLOC_MAX_SMALL) {
        /* class i holds 2^(i + 4) bytes: the first power of two >= need */
        unsigned i = need <= 16 ? 0 : 64 - (unsigned)__builtin_clzll((unsigned long long)need - 1) - KMALLOC_MIN_SHIFT;
        p = alloc_small(&caches[i], size, caller);
    } else {
        p = alloc_large(size, align);
    }
    spin_unlock_irqrestore(&heap_lock, f);
    return p;
}

void *kmalloc(size_t size)
{
    return alloc(size, 16, (uintptr_t)__builtin_return_address(0));
}

void *kzalloc(size_t size)
{
    void *p = alloc(size, 16, (uintptr_t)__builtin_return_address(0));
    if (p)
        memset(p, 0, size);
    return p;
}

void *kmalloc_aligned(size_t size, size_t align)
{
    if (align == 0 || (align & (align - 1)) || align > (PAGE_SIZE << BUDDY_MAX_ORDER)) {
        pr_warn("kmalloc_aligned: alignment %zu is not a power of two up to %lu", align,
                (unsigned long)(PAGE_SIZE << BUDDY_MAX_ORDER));
        return NULL;
    }
    return alloc(size, align < 16 ? 16 : align, (uintptr_t)__builtin_return_address(0));
}

static size_t usable_size(const void *p)
{
    struct page *pg = p ? kmem_page_of(p) : NULL;
    if (!pg)
        return p ? kmem_huge_size(p) : 0;
    if (pg->flags & PG_SLAB) {
        /* Only the start of an allocated object has a size. */
        const struct slab *s = pg->owner;
        if (s->magic != SLAB_MAGIC)
            return 0;
        const struct kmem_cache *c = s->cache;
        const uint8_t *start = (const uint8_t *)s + c->first;
        size_t idx = (size_t)((const uint8_t *)p - start) >> c->shift;
        if ((const uint8_t *)p < start || ((size_t)((const uint8_t *)p - start) & (c->size - 1)) ||
            idx >= s->total || !(s->used[idx / 64] & (1ULL << (idx % 64))))
            return 0;
#ifdef KMALLOC_DEBUG
        /* An overwritten tail cannot be trusted for a size. */
        const struct debug_tail *t = (const struct debug_tail *)((const uint8_t *)p + c->size - sizeof *t);
        return t->magic == DEBUG_MAGIC && t->size <= c->size - DEBUG_OVERHEAD ? t->size : 0;
#else
        return c->size;
#endif
    }
    if ((pg->flags & PG_LARGE) && pg->state == PAGE_USED && !((uintptr_t)p & (PAGE_SIZE - 1)))
        return PAGE_SIZE << pg->order;
    return 0;
}

size_t kmalloc_usable_size(const void *p)
{
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    size_t n = usable_size(p);
    spin_unlock_irqrestore(&heap_lock, f);
    return n;
}

void *krealloc(void *p, size_t size)
{
    uintptr_t caller = (uintptr_t)__builtin_return_address(0);
    if (!p)
        return alloc(size, 16, caller);
    if (size == 0) {
        kfree(p);
        return NULL;
    }
    size_t old = kmalloc_usable_size(p);
    if (old == 0) {
        heap_error("krealloc of a pointer kmalloc did not return", p, caller, 0);
        return NULL;
    }
    if (size <= old && !DEBUG_OVERHEAD)
        return p; /* the debug build always moves, to keep its red zone exact */
    void *q = alloc(size, 16, caller);
    if (!q)
        return NULL;
    memcpy(q, p, old < size ? old : size);
    kfree(p);
    return q;
}

static void free_locked(void *p, struct page *pg, uintptr_t caller)
{
    if (pg->flags & PG_SLAB) {
        free_small(pg->owner, p, caller);
    } else if ((pg->flags & PG_LARGE) && pg->state == PAGE_USED && !((uintptr_t)p & (PAGE_SIZE - 1))) {
        unsigned order = pg->order;
        pg->flags = 0;
        large_blocks--;
        large_bytes -= PAGE_SIZE << order;
        kmem_pages_free(p, order);
    } else {
        heap_error(pg->state == PAGE_USED || pg->state == PAGE_TAIL ? "not a heap pointer"
                                                                    : "double free (page is free)",
                   p, caller, 0);
    }
}

void kfree(void *p)
{
    if (!p)
        return;
    uintptr_t caller = (uintptr_t)__builtin_return_address(0);
    struct page *pg = kmem_page_of(p);
    if (!pg) {
        free_huge(p, caller);
        return;
    }
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    free_locked(p, pg, caller);
    spin_unlock_irqrestore(&heap_lock, f);
}

void kmalloc_stats(struct kmalloc_stats *st)
{
    for (unsigned i = 0; i < KMALLOC_CLASSES; i++) {
        const struct kmem_cache *c = &caches[i];
        st->cls[i] = (struct kmalloc_class_stats){c->size, c->slabs, c->inuse,
                                                  (uint64_t)c->slabs * c->per_slab};
    }
    st->large_blocks = large_blocks;
    st->large_bytes = large_bytes;
    st->errors = heap_errors;
}
