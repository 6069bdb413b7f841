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
 *
 * In front of the slabs, each CPU has a magazine per class (struct
 * kmalloc_mag in its struct cpu): a stack of free objects that kmalloc()
 * pops and kfree() pushes with interrupts masked and no lock. The slabs
 * count a magazine's objects as allocated (their bitmap bits stay set); a
 * magazine is refilled or flushed by half its size under heap_lock. kfree()
 * finds the class in the page's flags and checks the offset against the
 * slab's address in the page's owner field, so it reads no slab header.
 * What it does read is the object: a freed object's second word holds a
 * cookie (its address xor a key), and a kfree() of an object with its
 * cookie is checked under the lock against every magazine and the slab's
 * bitmap: a double free if the object is in either, else the caller's data
 * just happened to equal the cookie, and the free goes ahead.
 */
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/percpu.h>
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
    unsigned mag;              /* magazine capacity on each CPU (<= KMALLOC_MAG) */
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
    {.size = 1u << (sh), .shift = (sh), .mag = (sh) <= 9 ? KMALLOC_MAG : KMALLOC_MAG / 2,        \
     .order = CLASS_ORDER(1u << (sh)),                                                           \
     .first = CLASS_FIRST(1u << (sh)),                                                           \
     .per_slab = CLASS_OBJECTS(1u << (sh)) > MAX_OBJECTS ? MAX_OBJECTS : CLASS_OBJECTS(1u << (sh))}

static struct kmem_cache caches[KMALLOC_CLASSES] = {CLASS(4), CLASS(5), CLASS(6), CLASS(7),
                                                    CLASS(8), CLASS(9), CLASS(10), CLASS(11)};
_Static_assert(KMALLOC_CLASSES == 8 && KMALLOC_MAX_SMALL == 1u << 11, "update the class table");
static uint64_t large_blocks, large_bytes, heap_errors;
/* One lock for the whole heap behind the magazines: caches, slabs and
 * counters (heap_errors is atomic: bad frees are reported outside it too).
 * Taken around whole operations, never across a call back into the heap. */
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

/* Off the kmalloc()/kfree() fast paths, so they save fewer registers. */
#define SLOW_PATH __attribute__((noinline, cold))

static unsigned fill_state(const struct slab *s)
{
    return s->inuse == 0 ? EMPTY : s->inuse == s->total ? FULL : PARTIAL;
}

static void slab_list_add(struct slab **head, struct slab *s)
{
    s->prev = NULL;
    s->next = *head;
    if (*head)
        (*head)->prev = s;
    *head = s;
}

static void slab_list_del(struct slab **head, struct slab *s)
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

#define COOKIE_KEY ((uintptr_t)0x6d61677a66726565ull) /* any value user data is unlikely to hold */
/* Every free object's second word, in a slab or a magazine (its first is
 * the slab's free-list link; 16-byte objects have exactly two). */
#define COOKIE_WORD(p) (((uintptr_t *)(void *)(p))[1])
static inline uintptr_t cookie_of(const void *p) { return (uintptr_t)p ^ COOKIE_KEY; }

static unsigned class_index(const struct kmem_cache *c) { return (unsigned)(c - caches); }

#define NOT_AN_OBJECT ((size_t)-1)

/* Objects fill a slab to its end (sizes and slabs are powers of two, none
 * capped by MAX_OBJECTS), so an address in a slab's pages starts an object
 * iff it is past the header and aligned to the size: no upper bound to check. */
#define FILLS_SLAB(sh) (CLASS_FIRST(1u << (sh)) + CLASS_OBJECTS(1u << (sh)) * (1u << (sh)) == \
                        PAGE_SIZE << CLASS_ORDER(1u << (sh)) && CLASS_OBJECTS(1u << (sh)) <= MAX_OBJECTS)
_Static_assert(FILLS_SLAB(4) && FILLS_SLAB(5) && FILLS_SLAB(6) && FILLS_SLAB(7) && FILLS_SLAB(8) &&
               FILLS_SLAB(9) && FILLS_SLAB(10) && FILLS_SLAB(11), "object_start() needs full slabs");

/* Does @p p, an address in the pages of the slab at @p s (every caller
 * found @p s as the owner of @p p's page), start an object of cache @p c?
 * Reads only @p c: @p s may be a slab whose header is not trusted (or not
 * read) here. Inline in kfree(). */
static inline int object_start(const struct kmem_cache *c, const struct slab *s, const void *p)
{
    uintptr_t off = (uintptr_t)p - (uintptr_t)s;
    return off >= c->first && !(off & (c->size - 1));
}

/* The index in its slab of the object that starts at @p p, or NOT_AN_OBJECT
 * (object_start()'s terms). */
static size_t object_index(const struct kmem_cache *c, const struct slab *s, const void *p)
{
    if (!object_start(c, s, p))
        return NOT_AN_OBJECT;
    return ((uintptr_t)p - (uintptr_t)s - c->first) >> c->shift;
}

/* A live large block's head page, and @p p its start. */
static int large_head(const struct page *pg, const void *p)
{
    return (pg->flags & PG_LARGE) && pg->state == PAGE_USED && !((uintptr_t)p & (PAGE_SIZE - 1));
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
     * QEMU's slow self-modifying-code path.) */
    memset(s, 0, PAGE_SIZE << c->order);
    s->cache = c;
    s->magic = SLAB_MAGIC;
    s->total = (uint16_t)c->per_slab;
    uint8_t *obj = (uint8_t *)s + c->first;
    for (unsigned i = 0; i < c->per_slab; i++, obj += c->size) {
        *(void **)obj = i + 1 < c->per_slab ? obj + c->size : NULL;
        COOKIE_WORD(obj) = cookie_of(obj);
    }
    s->free = (uint8_t *)s + c->first;
    tag_pages(s, c->order, (uint16_t)(PG_SLAB | class_index(c) << PG_CLASS_SHIFT), s);
    slab_list_add(&c->list[EMPTY], s);
    c->slabs++;
    return s;
}

static void slab_destroy(struct slab *s)
{
    struct kmem_cache *c = s->cache;
    slab_list_del(&c->list[EMPTY], s);
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
SLOW_PATH static void heap_error(const char *what, const void *p, uintptr_t caller, uintptr_t alloc_caller)
{
    uintptr_t off, aoff;
    const char *fn = sym(caller, &off);
    __atomic_fetch_add(&heap_errors, 1, __ATOMIC_RELAXED);
    if (!caller) {
        pr_err("kfree(%p): %s", p, what);
    } else if (alloc_caller) {
        const char *afn = sym(alloc_caller, &aoff);
        pr_err("kfree(%p): %s (called from %s+0x%lx; allocated by %s+0x%lx)", p, what, fn,
               (unsigned long)off, afn, (unsigned long)aoff);
    } else {
        pr_err("kfree(%p): %s (called from %s+0x%lx)", p, what, fn, (unsigned long)off);
    }
}

/* ---- slabs (heap_lock held) ---- */

/* Move @p s to the list of its fill state if an allocation or a free
 * changed it from @p before. */
static void refile(struct kmem_cache *c, struct slab *s, unsigned before)
{
    if (fill_state(s) != before) {
        slab_list_del(&c->list[before], s);
        slab_list_add(&c->list[fill_state(s)], s);
    }
}

/* Take a free object out of the slabs; NULL if no page is left for a new slab. */
static uint8_t *slab_get(struct kmem_cache *c)
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
    refile(c, s, before);
    return obj;
}

static int slab_bit(const struct slab *s, size_t idx) { return (s->used[idx / 64] >> (idx % 64)) & 1; }

/* Give an object back to its slab: it is the start of an object of @p s and
 * allocated as far as the slab knows (callers checked). */
static void slab_put(struct slab *s, uint8_t *p)
{
    struct kmem_cache *c = s->cache;
    size_t idx = object_index(c, s, p);
    unsigned before = fill_state(s);
    s->used[idx / 64] &= ~(1ULL << (idx % 64));
    *(void **)p = s->free;
    s->free = p;
    s->inuse--;
    c->inuse--;
    refile(c, s, before);
    /* Keep one empty slab per cache for the next allocation; return the rest. */
    if (s->inuse == 0 && c->list[EMPTY] && c->list[EMPTY]->next)
        slab_destroy(s);
}

/* ---- per-CPU magazines ---- */

static inline struct kmalloc_mag *mag_this(unsigned cls)
{
    return &cpu_this()->heap.mag[cls];
}

/* The slab of cached object @p p of class @p c, NULL if its header is
 * gone or says the object is not allocated (heap corruption). */
static struct slab *slab_of_cached(const uint8_t *p, const struct kmem_cache *c)
{
    struct page *pg = kmem_page_of(p);
    struct slab *s = pg && (pg->flags & PG_SLAB) ? pg->owner : NULL;
    if (!s || s->magic != SLAB_MAGIC || s->cache != c || !slab_bit(s, object_index(c, s, p)))
        return NULL;
    return s;
}

static void report_corrupt_slab(const void *p)
{
    heap_error("slab header corrupted (found flushing a CPU's magazine, which keeps the object)",
               p, 0, 0);
}

/* Flush magazine @p m of class @p c down to @p keep objects, oldest first,
 * so the recently freed (cache-warm) ones stay (heap_lock held, interrupts
 * masked). An object whose slab header is corrupted stays in the magazine,
 * reported once per flush: it is still a good free object, its slab is not. */
static void mag_flush(struct kmalloc_mag *m, struct kmem_cache *c, unsigned keep)
{
    unsigned n = m->n, w = 0, drop = n > keep ? n - keep : 0, reported = 0;
    for (unsigned r = 0; r < n; r++) {
        uint8_t *p = m->obj[r];
        if (drop) {
            struct slab *s = slab_of_cached(p, c);
            if (s) {
                slab_put(s, p);
                drop--;
                continue;
            }
            if (!reported++)
                report_corrupt_slab(p);
        }
        m->obj[w++] = p;
    }
    __atomic_store_n(&m->n, (uint16_t)w, __ATOMIC_RELAXED);
}

static void page_cache_flush(struct kmalloc_cpu *hc, unsigned order, unsigned keep);

/* Give everything this CPU's magazines and page caches hold back to the
 * slabs and pages (heap_lock held, interrupts masked); 1 if there was any. */
static int drain_this_locked(void)
{
    int any = 0;
    struct kmalloc_cpu *hc = &cpu_this()->heap;
    for (unsigned i = 0; i < KMALLOC_CLASSES; i++) {
        any |= hc->mag[i].n != 0;
        mag_flush(&hc->mag[i], &caches[i], 0);
    }
    for (unsigned o = 0; o < KMALLOC_PAGE_ORDERS; o++) {
        any |= hc->npages[o] != 0;
        page_cache_flush(hc, o, 0);
    }
    return any;
}

/* Refill an empty magazine to half its capacity (interrupts masked). When
 * no page is left, this CPU's other magazines and page caches are drained
 * (their objects may free a slab's pages) and it tries once more. Other
 * CPUs' caches are out of reach here: at most a few hundred KiB per CPU. */
SLOW_PATH static void mag_refill(struct kmalloc_mag *m, struct kmem_cache *c)
{
    spin_lock(&heap_lock);
    for (int attempt = 0; attempt < 2 && m->n == 0; attempt++) {
        if (attempt && !drain_this_locked())
            break;
        uint8_t *p;
        while (m->n < c->mag / 2 && (p = slab_get(c)) != NULL) {
            m->obj[m->n] = p;
            __atomic_store_n(&m->n, (uint16_t)(m->n + 1), __ATOMIC_RELAXED);
        }
    }
    spin_unlock(&heap_lock);
}

/* The top of this CPU's magazine of class @p cls, NULL if it is empty
 * (inline in kmalloc()). */
static inline uint8_t *mag_try_pop(unsigned cls)
{
    irqflags_t f = hal_irq_save();
    struct kmalloc_mag *m = mag_this(cls);
    unsigned n = m->n;
    uint8_t *p = NULL;
    if (__builtin_expect(n != 0, 1)) {
        p = m->obj[n - 1];
        __atomic_store_n(&m->n, (uint16_t)(n - 1), __ATOMIC_RELAXED);
    }
    hal_irq_restore(f);
    if (p)
        COOKIE_WORD(p) = 0;
    return p;
}

/* The same, refilling the magazine when it is empty; NULL if no memory. */
static uint8_t *mag_pop(unsigned cls)
{
    for (;;) {
        uint8_t *p = mag_try_pop(cls);
        if (p)
            return p;
        irqflags_t f = hal_irq_save();
        struct kmalloc_mag *m = mag_this(cls);
        if (m->n == 0)
            mag_refill(m, &caches[cls]);
        int empty = m->n == 0;
        hal_irq_restore(f);
        if (empty)
            return NULL;
    }
}

/* A full magazine: flush half of it to the slabs; 1 if @p p (carrying its
 * cookie) was given straight to its slab instead (interrupts masked). */
SLOW_PATH static int mag_push_full(struct kmalloc_mag *m, struct kmem_cache *c, uint8_t *p)
{
    spin_lock(&heap_lock);
    mag_flush(m, c, c->mag / 2);
    int full = m->n == c->mag;
    if (full) { /* all of it from corrupted slabs: straight to the slab */
        struct slab *s = slab_of_cached(p, c);
        if (s)
            slab_put(s, p);
        else
            report_corrupt_slab(p); /* and dropped: nowhere safe to keep it */
    }
    spin_unlock(&heap_lock);
    return full;
}

/* Push @p p onto this CPU's magazine of class @p cls if it has room; 0 if
 * it is full (inline in kfree()). */
static inline int mag_try_push(unsigned cls, uint8_t *p)
{
    irqflags_t f = hal_irq_save();
    struct kmalloc_mag *m = mag_this(cls);
    unsigned n = m->n;
    int room = __builtin_expect(n < caches[cls].mag, 1);
    if (room) {
        COOKIE_WORD(p) = cookie_of(p);
        m->obj[n] = p;
        /* Release: another CPU looking for a double free (object_is_free())
         * sees the pointer before the count that covers it. */
        __atomic_store_n(&m->n, (uint16_t)(n + 1), __ATOMIC_RELEASE);
    }
    hal_irq_restore(f);
    return room;
}

/* The same, making room when the magazine is full. */
static void mag_push(unsigned cls, uint8_t *p)
{
    COOKIE_WORD(p) = cookie_of(p);
    while (!mag_try_push(cls, p)) {
        irqflags_t f = hal_irq_save();
        struct kmalloc_mag *m = mag_this(cls);
        int done = m->n == caches[cls].mag && mag_push_full(m, &caches[cls], p);
        hal_irq_restore(f);
        if (done)
            return;
    }
}

/* Is @p p (the start of an object of slab @p s, carrying its cookie) free:
 * in some CPU's magazine or back in its slab? (heap_lock held.) Another
 * CPU's magazine is read without its owner's cooperation: a pointer there
 * is only ever one that CPU holds as free, which is all this needs. */
static int object_is_free(const struct slab *s, const uint8_t *p)
{
    const struct kmem_cache *c = s->cache;
    unsigned cls = class_index(c);
    struct kmalloc_cpu *hc;
    for (unsigned i = 0; (hc = kmalloc_cpu_at(i)) != NULL; i++) {
        const struct kmalloc_mag *m = &hc->mag[cls];
        unsigned n = __atomic_load_n(&m->n, __ATOMIC_ACQUIRE);
        for (unsigned k = 0; k < n && k < KMALLOC_MAG; k++)
            if (__atomic_load_n(&m->obj[k], __ATOMIC_RELAXED) == p)
                return 1;
    }
    return !slab_bit(s, object_index(c, s, p));
}

SLOW_PATH static int locked_is_free(const struct slab *s, const uint8_t *p)
{
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    int r = s->magic == SLAB_MAGIC && object_is_free(s, p);
    spin_unlock_irqrestore(&heap_lock, f);
    return r;
}

/* ---- debug build: red zones and allocation sites ---- */

#ifdef KMALLOC_DEBUG
static struct debug_tail *tail_of(const struct kmem_cache *c, uint8_t *p)
{
    return (struct debug_tail *)(p + c->size - sizeof(struct debug_tail));
}

static void debug_fill(const struct kmem_cache *c, uint8_t *obj, size_t n, uintptr_t caller)
{
    struct debug_tail *t = tail_of(c, obj);
    memset(obj + n, RED_ZONE, c->size - sizeof *t - n);
    t->caller = caller;
    t->size = (uint32_t)n;
    t->magic = DEBUG_MAGIC;
}

static uintptr_t debug_alloc_caller(const struct kmem_cache *c, uint8_t *p)
{
    struct debug_tail *t = tail_of(c, p);
    return t->magic == DEBUG_MAGIC || t->magic == DEBUG_FREED ? t->caller : 0;
}

/* 0 if the red zone and tail are intact (the tail is then marked freed). */
static int debug_check_free(const struct kmem_cache *c, uint8_t *p, uintptr_t caller)
{
    struct debug_tail *t = tail_of(c, p);
    if (t->magic != DEBUG_MAGIC || t->size > c->size - DEBUG_OVERHEAD) {
        heap_error("write past the end of the object (its tail is overwritten)", p, caller, 0);
        return -1; /* keep the evidence; do not reuse the object */
    }
    for (size_t i = t->size; i < c->size - sizeof *t; i++)
        if (p[i] != RED_ZONE) {
            heap_error("write past the end of the object (red zone overwritten)", p, caller,
                       t->caller);
            return -1;
        }
    t->magic = DEBUG_FREED;
    return 0;
}
#else
static inline void debug_fill(const struct kmem_cache *c, uint8_t *obj, size_t n, uintptr_t caller)
{
    (void)c, (void)obj, (void)n, (void)caller;
}
static inline uintptr_t debug_alloc_caller(const struct kmem_cache *c, uint8_t *p)
{
    (void)c, (void)p;
    return 0;
}
static inline int debug_check_free(const struct kmem_cache *c, uint8_t *p, uintptr_t caller)
{
    (void)c, (void)p, (void)caller;
    return 0;
}
#endif

/* kfree() of a slab object: checked against the page (no slab header
 * read), then onto this CPU's magazine. */
static void free_small(struct page *pg, uint8_t *p, uintptr_t caller)
{
    unsigned cls = pg->flags >> PG_CLASS_SHIFT;
    const struct kmem_cache *c = &caches[cls];
    const struct slab *s = pg->owner;
    if (object_index(c, s, p) == NOT_AN_OBJECT) {
        heap_error("not the start of an object", p, caller, 0);
        return;
    }
    if (COOKIE_WORD(p) == cookie_of(p) && locked_is_free(s, p)) {
        heap_error("double free", p, caller, debug_alloc_caller(c, p));
        return;
    }
    if (debug_check_free(c, p, caller))
        return;
    mag_push(cls, p);
}

/* Beyond the largest buddy block: the backend's huge blocks (vmalloc),
 * outside heap_lock, since mapping and zeroing megabytes must not keep
 * interrupts masked; only the counters are taken under it. */
SLOW_PATH static void *alloc_huge(size_t size, size_t align)
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

SLOW_PATH static void free_huge(void *p, uintptr_t caller)
{
    size_t n = kmem_huge_size(p);
    int err = kmem_huge_free(p);
    if (err) {
        heap_error("not a heap pointer", p, caller, 0);
        return;
    }
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    large_blocks--;
    large_bytes -= n;
    spin_unlock_irqrestore(&heap_lock, f);
}

/* ---- large blocks: buddy pages, the smallest orders cached per CPU ---- */

/* Hand out a cached block of @p order, NULL if this CPU has none. */
static void *page_cache_pop(unsigned order)
{
    irqflags_t f = hal_irq_save();
    struct kmalloc_cpu *hc = &cpu_this()->heap;
    void *p = NULL;
    if (hc->npages[order]) {
        p = hc->pages[order][hc->npages[order] - 1];
        __atomic_store_n(&hc->npages[order], (uint16_t)(hc->npages[order] - 1), __ATOMIC_RELAXED);
        kmem_page_of(p)->flags = PG_LARGE;
        hc->large_blocks++;
        hc->large_bytes += PAGE_SIZE << order;
    }
    hal_irq_restore(f);
    return p;
}

/* Give cached blocks of @p order back to the page allocator down to @p keep,
 * oldest first (heap_lock held, interrupts masked). */
static void page_cache_flush(struct kmalloc_cpu *hc, unsigned order, unsigned keep)
{
    unsigned n = hc->npages[order], drop = n > keep ? n - keep : 0;
    for (unsigned i = 0; i < drop; i++) {
        kmem_page_of(hc->pages[order][i])->flags = 0;
        kmem_pages_free(hc->pages[order][i], order);
    }
    for (unsigned i = drop; i < n; i++)
        hc->pages[order][i - drop] = hc->pages[order][i];
    __atomic_store_n(&hc->npages[order], (uint16_t)(n - drop), __ATOMIC_RELAXED);
}

/* kfree() of a large block of a cached order (checked by the caller). */
static void page_cache_push(void *p, struct page *pg)
{
    unsigned order = pg->order;
    irqflags_t f = hal_irq_save();
    struct kmalloc_cpu *hc = &cpu_this()->heap;
    if (hc->npages[order] == KMALLOC_PAGE_CACHE) {
        spin_lock(&heap_lock);
        page_cache_flush(hc, order, KMALLOC_PAGE_CACHE / 2);
        spin_unlock(&heap_lock);
    }
    pg->flags = PG_LARGE_CACHED;
    hc->pages[order][hc->npages[order]] = p;
    __atomic_store_n(&hc->npages[order], (uint16_t)(hc->npages[order] + 1), __ATOMIC_RELAXED);
    hc->large_blocks--;
    hc->large_bytes -= PAGE_SIZE << order;
    hal_irq_restore(f);
}

static void *alloc_large(size_t size, size_t align)
{
    unsigned order = buddy_order_for(size > align ? size : align);
    void *p = order < KMALLOC_PAGE_ORDERS ? page_cache_pop(order) : NULL;
    if (p)
        return p;
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    p = kmem_pages_alloc(order);
    if (!p && drain_this_locked()) /* this CPU's caches may free enough */
        p = kmem_pages_alloc(order);
    if (p) {
        kmem_page_of(p)->flags = PG_LARGE;
        large_blocks++;
        large_bytes += PAGE_SIZE << order;
    }
    spin_unlock_irqrestore(&heap_lock, f);
    return p;
}

/* The class of a small request of @p need bytes: class i holds 2^(i + 4)
 * bytes, the first power of two >= need (16 and below: class 0). */
static inline unsigned class_of(size_t need)
{
    return 64 - (unsigned)__builtin_clzll((unsigned long long)(need - 1) | 15) - KMALLOC_MIN_SHIFT;
}

/* Everything alloc() does not do inline: bad sizes, an empty magazine, and
 * blocks of whole pages. */
SLOW_PATH static void *alloc_slow(size_t size, size_t align, uintptr_t caller)
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
    if (need <= KMALLOC_MAX_SMALL) {
        unsigned i = class_of(need);
        uint8_t *p = mag_pop(i);
        if (p)
            debug_fill(&caches[i], p, size, caller);
        return p;
    }
    if (buddy_order_for(size > align ? size : align) > BUDDY_MAX_ORDER)
        return alloc_huge(size, align);
    return alloc_large(size, align);
}

/* Inlined into kmalloc() and the rest: a small object from a magazine that
 * has one, which is most calls, and nothing else (alloc_slow() for that). */
__attribute__((always_inline)) static inline void *alloc(size_t size, size_t align, uintptr_t caller)
{
    size_t need = size + DEBUG_OVERHEAD;
    if (need < align)
        need = align;
    if (__builtin_expect(size - 1 < KMALLOC_MAX_SMALL && need <= KMALLOC_MAX_SMALL, 1)) {
        unsigned i = class_of(need);
        uint8_t *p = mag_try_pop(i);
        if (__builtin_expect(p != NULL, 1)) {
            debug_fill(&caches[i], p, size, caller);
            return p;
        }
    }
    return alloc_slow(size, align, caller);
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

/* heap_lock held. */
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
        size_t idx = object_index(c, s, p);
        if (idx == NOT_AN_OBJECT || !slab_bit(s, idx) ||
            (COOKIE_WORD(p) == cookie_of(p) && object_is_free(s, p)))
            return 0;
#ifdef KMALLOC_DEBUG
        /* An overwritten tail cannot be trusted for a size. */
        const struct debug_tail *t = (const struct debug_tail *)((const uint8_t *)p + c->size - sizeof *t);
        return t->magic == DEBUG_MAGIC && t->size <= c->size - DEBUG_OVERHEAD ? t->size : 0;
#else
        return c->size;
#endif
    }
    if (large_head(pg, p))
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

/* A page-backed block, or not ours at all (heap_lock held). */
static void free_large_locked(void *p, struct page *pg, uintptr_t caller)
{
    if (large_head(pg, p)) {
        unsigned order = pg->order;
        pg->flags = 0;
        large_blocks--;
        large_bytes -= PAGE_SIZE << order;
        kmem_pages_free(p, order);
    } else {
        heap_error(pg->flags & PG_LARGE_CACHED ? "double free (block is in a CPU's page cache)"
                   : pg->state == PAGE_USED || pg->state == PAGE_TAIL ? "not a heap pointer"
                                                                      : "double free (page is free)",
                   p, caller, 0);
    }
}

/* Everything kfree() does not do inline: NULL, huge and large blocks, and
 * the slab objects that need a closer look (a cookie that may mean a
 * double free, not the start of an object, the debug build's checks). */
SLOW_PATH static void free_slow(void *p, struct page *pg, uintptr_t caller)
{
    if (!p)
        return;
    if (!pg) {
        free_huge(p, caller);
        return;
    }
    if (pg->flags & PG_SLAB) {
        free_small(pg, p, caller);
        return;
    }
    if (large_head(pg, p) && pg->order < KMALLOC_PAGE_ORDERS) {
        page_cache_push(p, pg);
        return;
    }
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    free_large_locked(p, pg, caller);
    spin_unlock_irqrestore(&heap_lock, f);
}

/* The common case inline and nothing else, so it saves few registers: the
 * start of a slab object that carries no cookie goes onto this CPU's
 * magazine when there is room (free_small()'s checks, minus the ones that
 * cannot fail then). The debug build always takes free_slow(). */
void kfree(void *p)
{
    struct page *pg = kmem_page_of(p);
    if (!DEBUG_OVERHEAD && __builtin_expect(pg && (pg->flags & PG_SLAB), 1)) {
        unsigned cls = pg->flags >> PG_CLASS_SHIFT;
        if (object_start(&caches[cls], pg->owner, p) && COOKIE_WORD(p) != cookie_of(p) &&
            mag_try_push(cls, p))
            return;
    }
    free_slow(p, pg, (uintptr_t)__builtin_return_address(0));
}

static void drain_this(void *unused)
{
    (void)unused;
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    drain_this_locked();
    spin_unlock_irqrestore(&heap_lock, f);
}

void kmalloc_drain(void) { cpu_call_each(drain_this, NULL); }

int kmalloc_sites(size_t size, struct kmalloc_site *out, unsigned max)
{
#ifdef KMALLOC_DEBUG
    unsigned cls = 0;
    while (cls < KMALLOC_CLASSES && caches[cls].size != size)
        cls++;
    if (cls == KMALLOC_CLASSES)
        return -EINVAL;
    struct kmem_cache *c = &caches[cls];
    unsigned n = 0;
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    for (unsigned l = PARTIAL; l <= FULL; l++)
        for (struct slab *s = c->list[l]; s; s = s->next)
            for (unsigned i = 0; i < c->per_slab; i++) {
                uint8_t *p = (uint8_t *)s + c->first + ((size_t)i << c->shift);
                if (!(s->used[i / 64] >> (i % 64) & 1) || tail_of(c, p)->magic != DEBUG_MAGIC)
                    continue; /* free, or in a magazine (kfree() marked it freed) */
                uintptr_t who = tail_of(c, p)->caller;
                unsigned k = 0;
                while (k < n && out[k].caller != who)
                    k++;
                if (k == n && n < max)
                    out[n++] = (struct kmalloc_site){who, 0};
                if (k < n)
                    out[k].objects++;
            }
    spin_unlock_irqrestore(&heap_lock, f);
    return (int)n;
#else
    (void)size, (void)out, (void)max;
    return -ENOSYS;
#endif
}

void kmalloc_stats(struct kmalloc_stats *st)
{
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    /* The CPUs' caches change without the lock: read once each. */
    uint64_t cached[KMALLOC_CLASSES] = {0}, held = 0;
    int64_t blocks = (int64_t)large_blocks, bytes = (int64_t)large_bytes;
    struct kmalloc_cpu *hc;
    for (unsigned k = 0; (hc = kmalloc_cpu_at(k)) != NULL; k++) {
        for (unsigned i = 0; i < KMALLOC_CLASSES; i++)
            cached[i] += __atomic_load_n(&hc->mag[i].n, __ATOMIC_RELAXED);
        for (unsigned o = 0; o < KMALLOC_PAGE_ORDERS; o++)
            held += (uint64_t)__atomic_load_n(&hc->npages[o], __ATOMIC_RELAXED) * (PAGE_SIZE << o);
        blocks += __atomic_load_n(&hc->large_blocks, __ATOMIC_RELAXED);
        bytes += __atomic_load_n(&hc->large_bytes, __ATOMIC_RELAXED);
    }
    for (unsigned i = 0; i < KMALLOC_CLASSES; i++) {
        const struct kmem_cache *c = &caches[i];
        uint64_t n = cached[i] > c->inuse ? c->inuse : cached[i]; /* never more than the slabs hold */
        st->cls[i] = (struct kmalloc_class_stats){c->size, c->slabs, c->inuse - n,
                                                  (uint64_t)c->slabs * c->per_slab, n};
    }
    st->large_blocks = blocks > 0 ? (uint64_t)blocks : 0;
    st->large_bytes = bytes > 0 ? (uint64_t)bytes : 0;
    st->large_cached_bytes = held;
    st->errors = __atomic_load_n(&heap_errors, __ATOMIC_RELAXED);
    spin_unlock_irqrestore(&heap_lock, f);
}
