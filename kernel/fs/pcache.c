/**
 * @file pcache.c
 * @brief The page cache (kernel/pcache.h): radix trees of file pages,
 *        read-ahead, write-back by a flusher thread, eviction for memory.
 *
 * A tree node has 64 slots. An inner slot points to the node below; a leaf
 * slot is a page's frame address with its state in the low 12 bits, which a
 * page-aligned address leaves free:
 *
 *     63                      12 11 10   9   8   7        0
 *    +--------------------------+-----+---+---+----------+
 *    |   physical frame         |  0  | W | R | dirty[8] |
 *    +--------------------------+-----+---+---+----------+
 *
 * dirty[u] is unit u of the page (a block of the owner's size), R the
 * page was used since the reclaimer last looked (the clock's second
 * chance), W a shared mapping may write it behind the cache's back. A cache's tree holds one reference to each frame (file_page.h);
 * whoever else holds one (a reader copying out, a mapping) keeps the frame
 * from being evicted: reclaim takes only pages whose count is the cache's 1.
 */
#include <hal/mmu.h>
#include <hal/timer.h>
#include <kernel/block.h>
#include <kernel/errno.h>
#include <kernel/file_page.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/pcache.h>
#include <kernel/pmm.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#define SHIFT 6
#define SLOTS (1u << SHIFT)
#define S_DIRTY 0xffu
#define S_REF 0x100u
#define S_MAPW 0x200u /* mapped writable (MAP_SHARED): dirty at every write-back while mapped */
#define S_FLAGS 0xfffu

struct node {
    uintptr_t slot[SLOTS];
    unsigned count; /* slots in use */
};

/* Every cache, for the flusher and the reclaimer. The list's lock is a
 * spinlock held only to step along the list: whoever works on a cache (a
 * write-back, an eviction) pins it (pc->pins, so pcache_destroy() waits
 * and the entry stays linked to go on from) and lets go of the list.
 * A mutex here was a trap: the reclaimer could only try it (an allocation
 * may happen with any lock held), and once the flusher, at a lower
 * priority, had been handed the mutex and was not running, every try
 * failed: a reader drained free memory and got ENOMEM with all of RAM in
 * clean pages (riscv64.ext2_pressure, once in CI). A spinlock masks
 * interrupts, so its holder is never preempted and a reclaimer always
 * gets through. */
static struct list_node caches = LIST_INIT(caches);
static struct spinlock caches_lock = SPINLOCK_INIT("pcache list");
static int reclaim_set;
static struct pcache_stats stats;
static int flusher_started;
static uint64_t mapped_pages; /* pages mapped writable (S_MAPW), every cache */

#define STAT_ADD(field, n) __atomic_add_fetch(&stats.field, (n), __ATOMIC_RELAXED)

static void flusher_start(void);
static void flusher_kick(void);

/* ---- the tree (pc->lock held) ---- */

/* Leaf slot @p index (NULL if absent and not @p create); *@p leaf (if
 * not NULL) gets the node holding it. */
static uintptr_t *leaf_slot(struct pcache *pc, uint64_t index, int create, struct node **leaf)
{
    /* Height h holds indices below 64^h; 0 is an empty tree. */
#define FITS(pc, index) ((pc)->height && ((pc)->height * SHIFT >= 64 || !((index) >> ((pc)->height * SHIFT))))
    if (!FITS(pc, index)) {
        if (!create)
            return NULL;
        /* Grow: the old root becomes slot 0 of a new one, until it fits. */
        while (!FITS(pc, index)) {
            if (pc->root) {
                struct node *n = kzalloc(sizeof *n);
                if (!n)
                    return NULL;
                n->slot[0] = (uintptr_t)pc->root;
                n->count = 1;
                pc->root = n;
            }
            pc->height++;
        }
    }
    if (!pc->root) {
        if (!create || !(pc->root = kzalloc(sizeof(struct node))))
            return NULL;
    }
    struct node *n = pc->root;
    for (unsigned level = pc->height - 1; level > 0; level--) {
        uintptr_t *s = &n->slot[(index >> (level * SHIFT)) & (SLOTS - 1)];
        if (!*s) {
            struct node *c = create ? kzalloc(sizeof *c) : NULL;
            if (!c)
                return NULL;
            *s = (uintptr_t)c;
            n->count++;
        }
        n = (struct node *)*s;
    }
    if (leaf)
        *leaf = n;
    return &n->slot[index & (SLOTS - 1)];
}

static uintptr_t *slot_of(struct pcache *pc, uint64_t index, int create)
{
    return leaf_slot(pc, index, create, NULL);
}

static int slot_present(struct pcache *pc, uint64_t index)
{
    uintptr_t *s = slot_of(pc, index, 0);
    return s && *s;
}

/* Clear leaf @p index (present) and free the nodes it leaves empty. */
static void slot_clear(struct pcache *pc, uint64_t index)
{
    struct node *path[11];
    struct node *n = pc->root;
    unsigned level = pc->height - 1;
    for (unsigned d = 0;; d++, level--) {
        path[d] = n;
        uintptr_t *s = &n->slot[(index >> (level * SHIFT)) & (SLOTS - 1)];
        if (!level) {
            *s = 0;
            /* Up the path: each node left empty goes, with its parent's slot. */
            for (;;) {
                if (--path[d]->count)
                    return;
                kfree(path[d]);
                if (!d) {
                    pc->root = NULL;
                    pc->height = 0;
                    return;
                }
                d--;
                level++;
                path[d]->slot[(index >> (level * SHIFT)) & (SLOTS - 1)] = 0;
            }
        }
        n = (struct node *)*s;
    }
}

/* Call @p fn on every leaf slot from @p from on, in index order; it
 * returns nonzero to stop. Slots may be cleared by @p fn only through
 * the returned index (the walk collects, the caller clears). */
typedef int (*visit_fn)(struct pcache *pc, uint64_t index, uintptr_t *slot, void *arg);

static int visit(struct pcache *pc, struct node *n, unsigned level, uint64_t base, uint64_t from,
                 visit_fn fn, void *arg)
{
    uint64_t span = (uint64_t)1 << (level * SHIFT);
    for (unsigned i = 0; i < SLOTS; i++) {
        uint64_t first = base + i * span;
        if (!n->slot[i] || (span && first + span - 1 < from))
            continue;
        int r = level ? visit(pc, (struct node *)n->slot[i], level - 1, first, from, fn, arg)
                      : fn(pc, first, &n->slot[i], arg);
        if (r)
            return r;
    }
    return 0;
}

static int walk(struct pcache *pc, uint64_t from, visit_fn fn, void *arg)
{
    return pc->root ? visit(pc, pc->root, pc->height - 1, 0, from, fn, arg) : 0;
}

/* ---- pages ---- */

static void set_dirty(struct pcache *pc, uintptr_t *s, unsigned mask)
{
    pc->gen++;
    if (!(*s & S_DIRTY) && mask) {
        if (!pc->dirty++)
            pc->dirtied_ns = hal_time_ns();
        STAT_ADD(dirty, 1);
        flusher_kick();
    }
    *s |= mask;
}

static unsigned take_dirty(struct pcache *pc, uintptr_t *s)
{
    unsigned mask = *s & S_DIRTY;
    if (mask) {
        *s &= ~(uintptr_t)S_DIRTY;
        pc->dirty--;
        STAT_ADD(dirty, -1);
    }
    return mask;
}

/* Forget leaf @p index: its dirty state and the tree's reference. */
static void drop(struct pcache *pc, uint64_t index, uintptr_t *s)
{
    uint64_t pa = *s & ~(uintptr_t)S_FLAGS;
    take_dirty(pc, s);
    if (*s & S_MAPW) {
        pc->mapped--;
        __atomic_sub_fetch(&mapped_pages, 1, __ATOMIC_RELAXED);
    }
    slot_clear(pc, index);
    pc->pages--;
    STAT_ADD(pages, -1);
    file_page_put(pa);
}

/* The frame of present slot @p s, used now (the clock's mark) and held
 * for the caller (file_page_put()). */
static uint64_t hold(uintptr_t *s)
{
    *s |= S_REF;
    uint64_t pa = *s & ~(uintptr_t)S_FLAGS;
    file_page_get(pa);
    return pa;
}

static int insert(struct pcache *pc, uint64_t index, uint64_t pa)
{
    struct node *leaf;
    uintptr_t *s = leaf_slot(pc, index, 1, &leaf);
    if (!s)
        return -ENOMEM;
    *s = (uintptr_t)pa | S_REF;
    leaf->count++;
    pc->pages++;
    STAT_ADD(pages, 1);
    return 0;
}

void pcache_init(struct pcache *pc, const struct pcache_ops *ops, void *priv, unsigned unit_shift)
{
    memset(pc, 0, sizeof *pc);
    pc->ops = ops;
    pc->priv = priv;
    pc->unit_shift = unit_shift;
    mutex_init(&pc->lock, "pcache");
    irqflags_t f = spin_lock_irqsave(&caches_lock);
    list_add_tail(&caches, &pc->node);
    int first = !reclaim_set;
    reclaim_set = 1;
    spin_unlock_irqrestore(&caches_lock, f);
    if (first)
        pmm_set_reclaim(pcache_reclaim);
    if (ops->write)
        flusher_start();
}

static size_t reclaim_some(size_t want);

/* Free memory kept above 1/32 of RAM by evicting clean pages before a
 * fill: the owner's read may need memory (a metadata page, a tree node)
 * while this cache's lock is held, when the reclaimer cannot take from
 * this cache, which may be where all the memory is (a file read through). */
static void keep_free(void)
{
    uint64_t free, managed;
    pmm_counts(&free, &managed);
    if (free < managed / 32)
        reclaim_some(2 * PCACHE_RA_MAX);
}

/* Up to @p n frames for pages the owner's read fills whole (not zeroed),
 * with their kernel addresses: how many were had. */
static unsigned take_frames(uint64_t frames[], void *kva[], unsigned n)
{
    unsigned got = 0;
    for (; got < n && (frames[got] = file_page_new_raw()) != 0; got++)
        kva[got] = hal_phys_to_virt(frames[got]);
    return got;
}

/* Said once a boot, with what might explain it: a page could not be had
 * even after eviction (every clean page busy, or the rest dirty or mapped). */
static void warn_no_memory(void)
{
    static int warned;
    if (__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
        return;
    struct pmm_stats ps;
    pmm_stats(&ps);
    pr_warn("pcache: out of memory for a page: %lu of %lu frames free, %lu cached (%lu dirty)",
            (unsigned long)ps.free_pages, (unsigned long)ps.managed_pages,
            (unsigned long)__atomic_load_n(&stats.pages, __ATOMIC_RELAXED),
            (unsigned long)__atomic_load_n(&stats.dirty, __ATOMIC_RELAXED));
}

/* Read @p n (>= 1) absent pages from @p index and insert them; *@p pa (if
 * not NULL) gets the first with a reference. Called with the lock held,
 * it lets go of it while it takes the frames and the owner's scratch
 * buffer: the frame allocator may then evict clean pages of this very
 * cache (a file larger than memory, read through), which it could not
 * while the lock was held. Pages that appeared meanwhile end the run
 * there (or, the first, make it a hit). */
static int fill(struct pcache *pc, uint64_t index, unsigned n, uint64_t *pa)
{
    uint64_t frames[PCACHE_RA_MAX];
    void *kva[PCACHE_RA_MAX];
    mutex_unlock(&pc->lock);
    keep_free();
    void *scratch = pc->ops->scratch ? kmalloc(pc->ops->scratch) : NULL;
    /* Read-ahead stops short where memory does; the page asked for must
     * be had. */
    unsigned got = take_frames(frames, kva, n);
    if (!got)
        warn_no_memory();
    mutex_lock(&pc->lock);
    uintptr_t *s;
    unsigned run = 0;
    while (run < got && !((s = slot_of(pc, index + run, 0)) && *s))
        run++;
    int err = 0;
    if (got && !run) { /* filled by another while we were out */
        s = slot_of(pc, index, 0);
        if (pa)
            *pa = hold(s);
        else
            *s |= S_REF;
    } else {
        err = got ? pc->ops->read(pc, index, run, kva, scratch) : -ENOMEM;
        STAT_ADD(reads, 1);
        STAT_ADD(read_pages, run);
    }
    for (unsigned i = 0; i < got; i++) {
        if (i < run && !err && insert(pc, index + i, frames[i]) == 0) {
            if (i == 0 && pa) {
                file_page_get(frames[0]);
                *pa = frames[0];
            }
            continue;
        }
        if (i == 0 && run && !err)
            err = -ENOMEM;
        file_page_put(frames[i]);
    }
    kfree(scratch);
    return err;
}

/* ---- read-ahead in the background ----
 *
 * A sequential reader has the next window read while it copies out the
 * pages it has: the frames are the window's own until the reads end (not
 * in the tree, so nothing else sees pages in flight: no reader, the
 * reclaimer, a write-back), and go into the tree when the reader reaches
 * the window (or anything else asks for a page of it, or truncates).
 * Pages that appeared meanwhile stay; if the data changed meanwhile (a
 * write dirtied any page: pc->gen), the disk may have been read before the
 * change was written back, so the whole window is dropped. */
struct pcache_ra {
    uint64_t index, gen;
    unsigned n;
    struct pcache_io io;
    uint64_t frames[PCACHE_RA_MAX];
    void *kva[PCACHE_RA_MAX];
};

void pcache_io_start(struct pcache_io *io) { __atomic_add_fetch(&io->pending, 1, __ATOMIC_RELAXED); }

void pcache_io_end(struct pcache_io *io, int err)
{
    int none = 0;
    if (err)
        __atomic_compare_exchange_n(&io->err, &none, err, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    if (__atomic_sub_fetch(&io->pending, 1, __ATOMIC_ACQ_REL) == 0)
        sem_up(&io->done);
}

/* Wait for the window's reads; insert its pages (@p keep, and nothing
 * changed or failed), else let them go. Lock held. */
static void ra_finish(struct pcache *pc, int keep)
{
    struct pcache_ra *ra = pc->ra;
    pc->ra = NULL;
    sem_down(&ra->io.done);
    kfree(ra->io.owner);
    keep = keep && !ra->io.err && ra->gen == pc->gen;
    for (unsigned i = 0; i < ra->n; i++) {
        if (!keep || slot_present(pc, ra->index + i) || insert(pc, ra->index + i, ra->frames[i]))
            file_page_put(ra->frames[i]);
    }
    kfree(ra);
}

/* Start reading pages [pc->ra_end, + ra_win) in the background, short of
 * page @p limit - 1 (which may be partly past the end), where memory is
 * plentiful. Lock held. */
static void ra_start(struct pcache *pc, uint64_t limit)
{
    uint64_t index = pc->ra_end;
    unsigned n = 0;
    while (n < pc->ra_win && index + n + 1 < limit && !slot_present(pc, index + n))
        n++;
    uint64_t free, managed;
    pmm_counts(&free, &managed);
    if (!n || free < managed / 16)
        return;
    struct pcache_ra *ra = kmalloc(sizeof *ra);
    if (!ra)
        return;
    unsigned got = take_frames(ra->frames, ra->kva, n);
    ra->index = index;
    ra->gen = pc->gen;
    ra->n = got;
    ra->io = (struct pcache_io){.pending = 1}; /* the cache's hold, let go once all went out */
    sem_init(&ra->io.done, 0, "pcache ra");
    int err = got ? pc->ops->read_async(pc, index, got, ra->kva, &ra->io) : -ENOMEM;
    if (err) {
        for (unsigned i = 0; i < got; i++)
            file_page_put(ra->frames[i]);
        kfree(ra->io.owner);
        kfree(ra);
        return;
    }
    pcache_io_end(&ra->io, 0); /* the hold: now the reads' count alone */
    pc->ra = ra;
    pc->ra_end = index + got;
    STAT_ADD(reads, 1);
    STAT_ADD(read_pages, got);
}

/* ---- write-back in the background ----
 *
 * pcache_writeback_start() hands each run of dirty pages to the owner's
 * write_async and goes on; the pages are clean from then on, as after any
 * write-back, but their frames are being read by the device. So until
 * someone waits for the writes (wb_finish(), lock held), the cache is
 * not the reclaimer's, and anything that would free a frame, free a
 * block on the disk (the owner truncates the cache first) or write a page
 * again waits for them first. The writes end in interrupt context, where
 * the lock cannot be had: their end only counts down (pcache_io_end()). */
#define WB_RUNS 8 /* runs in flight per cache at most: 4 MiB */

struct pcache_wb {
    struct pcache_wb *next;
    struct pcache_io io;
};

/* One write-back's end accounted for (pc->err gets its error). Lock held. */
static void wb_free(struct pcache *pc, struct pcache_wb *wb)
{
    kfree(wb->io.owner);
    if (wb->io.err && !pc->err)
        pc->err = wb->io.err;
    kfree(wb);
    pc->wb_runs--;
}

/* Wait for every write started in the background. Lock held. */
static void wb_finish(struct pcache *pc)
{
    while (pc->wb) {
        struct pcache_wb *wb = pc->wb;
        pc->wb = wb->next;
        sem_down(&wb->io.done);
        wb_free(pc, wb);
    }
}

/* Those that have ended, without waiting (the reclaimer may not sleep
 * here): whether none is left. Lock held. */
static int wb_reap(struct pcache *pc)
{
    for (struct pcache_wb **p = &pc->wb; *p;) {
        struct pcache_wb *wb = *p;
        if (sem_trydown(&wb->io.done)) {
            *p = wb->next;
            wb_free(pc, wb);
        } else {
            p = &wb->next;
        }
    }
    return !pc->wb;
}

/* Have the owner start writing one run: 0, or an error with nothing in
 * flight. Lock held. */
static int wb_start(struct pcache *pc, uint64_t index, unsigned n, void *const kva[], const uint8_t masks[])
{
    if (pc->wb_runs >= WB_RUNS)
        wb_finish(pc);
    struct pcache_wb *wb = kmalloc(sizeof *wb);
    if (!wb)
        return -ENOMEM;
    wb->io = (struct pcache_io){.pending = 1}; /* the cache's hold, as ra_start()'s */
    sem_init(&wb->io.done, 0, "pcache wb");
    int err = pc->ops->write_async(pc, index, n, kva, masks, &wb->io);
    if (err) {
        kfree(wb->io.owner);
        kfree(wb);
        return err;
    }
    pcache_io_end(&wb->io, 0);
    wb->next = pc->wb;
    pc->wb = wb;
    pc->wb_runs++;
    return 0;
}

int pcache_get(struct pcache *pc, uint64_t index, uint64_t limit, uint64_t *pa)
{
    int n = pcache_get_run(pc, index, 1, limit, pa);
    return n < 0 ? n : 0;
}

int pcache_get_run(struct pcache *pc, uint64_t index, unsigned max, uint64_t limit, uint64_t pa[])
{
    mutex_lock(&pc->lock);
    int seq = index == pc->ra_next && index;
    if (pc->ra && index >= pc->ra->index && index < pc->ra->index + pc->ra->n) {
        ra_finish(pc, 1);
        if (seq && (pc->ra_win *= 2) > PCACHE_RA_MAX) /* the window grows as a miss's would */
            pc->ra_win = PCACHE_RA_MAX;
    }
    uintptr_t *s = slot_of(pc, index, 0);
    int err = 0;
    if (s && *s) {
        *pa = hold(s);
        STAT_ADD(hits, 1);
    } else {
        /* Sequential: the window doubles up to PCACHE_RA_MAX; anything
         * else reads the one page. */
        pc->ra_win = seq ? (pc->ra_win ? pc->ra_win * 2 : 4) : index ? 1 : 4;
        if (pc->ra_win > PCACHE_RA_MAX)
            pc->ra_win = PCACHE_RA_MAX;
        unsigned n = 1;
        while (n < pc->ra_win && index + n < limit && !slot_present(pc, index + n))
            n++;
        err = fill(pc, index, n, pa);
        pc->ra_end = index + n;
    }
    unsigned got = 1;
    /* The pages that follow, while they are there: hits (and counted as
     * such, the window's bookkeeping as if each had been asked for). */
    for (; !err && got < max && index + got < limit && (s = slot_of(pc, index + got, 0)) && *s; got++) {
        pa[got] = hold(s);
        STAT_ADD(hits, 1);
    }
    pc->ra_next = index + got;
    /* A sequential reader within a window of what has been read: the next
     * window, in the background. */
    if (!err && (seq || index == 0) && pc->ops->read_async && !pc->ra && pc->ra_win > 1 &&
        pc->ra_next + pc->ra_win >= pc->ra_end)
        ra_start(pc, limit);
    mutex_unlock(&pc->lock);
    return err ? err : (int)got;
}

unsigned pcache_get_cached(struct pcache *pc, uint64_t index, unsigned n, uint64_t limit, uint64_t pa[])
{
    for (unsigned i = 0; i < n; i++)
        pa[i] = 0;
    /* Never waits: the lock is held across the owner's reads, and the
     * caller (a page fault mapping neighbours) holds locks of its own. A
     * page being read in the background is not in the tree yet: a miss. */
    if (!mutex_trylock(&pc->lock))
        return 0;
    unsigned got = 0;
    uintptr_t *s = NULL;
    for (unsigned i = 0; i < n && index + i < limit; i++) {
        uint64_t k = index + i;
        s = s && (k & (SLOTS - 1)) ? s + 1 : slot_of(pc, k, 0); /* the next slot of a leaf, or a walk */
        if (s && *s)
            pa[i] = hold(s), got++;
    }
    mutex_unlock(&pc->lock);
    return got;
}

int pcache_get_write(struct pcache *pc, uint64_t index, int fill_it, uint64_t *pa)
{
    mutex_lock(&pc->lock);
    uintptr_t *s = slot_of(pc, index, 0);
    int err = 0;
    if (s && *s) {
        *pa = hold(s);
    } else if (fill_it == 1) {
        err = fill(pc, index, 1, pa);
    } else {
        /* A zeroed page, taken without the lock (as fill() does). */
        mutex_unlock(&pc->lock);
        keep_free();
        uint64_t f = fill_it == PCACHE_RAW ? file_page_new_raw() : file_page_new();
        mutex_lock(&pc->lock);
        if ((s = slot_of(pc, index, 0)) && *s) { /* made by another meanwhile */
            *pa = hold(s);
            if (f)
                file_page_put(f);
        } else {
            err = !f ? -ENOMEM : insert(pc, index, f);
            if (!err) {
                file_page_get(f);
                *pa = f;
            } else if (f) {
                file_page_put(f);
            }
        }
    }
    mutex_unlock(&pc->lock);
    return err;
}

static unsigned unit_mask(struct pcache *pc, size_t from, size_t to)
{
    unsigned first = (unsigned)(from >> pc->unit_shift), last = (unsigned)((to - 1) >> pc->unit_shift);
    return ((2u << last) - 1) & ~((1u << first) - 1);
}

void pcache_dirty(struct pcache *pc, uint64_t index, size_t from, size_t to)
{
    if (from >= to)
        return;
    mutex_lock(&pc->lock);
    uintptr_t *s = slot_of(pc, index, 0);
    if (s && *s) {
        set_dirty(pc, s, unit_mask(pc, from, to));
        file_page_written(*s & ~(uintptr_t)S_FLAGS); /* (a program running it syncs it again) */
    }
    mutex_unlock(&pc->lock);
}

void pcache_mapped_write(struct pcache *pc, uint64_t index)
{
    mutex_lock(&pc->lock);
    uintptr_t *s = slot_of(pc, index, 0);
    if (s && *s) {
        if (!(*s & S_MAPW)) {
            pc->mapped++;
            __atomic_add_fetch(&mapped_pages, 1, __ATOMIC_RELAXED);
        }
        *s |= S_MAPW;
        set_dirty(pc, s, unit_mask(pc, 0, PAGE_SIZE));
    }
    mutex_unlock(&pc->lock);
}

void pcache_discard(struct pcache *pc, uint64_t index)
{
    mutex_lock(&pc->lock);
    wb_finish(pc);
    uintptr_t *s = slot_of(pc, index, 0);
    if (s && *s && !(*s & S_DIRTY))
        drop(pc, index, s);
    mutex_unlock(&pc->lock);
}

int pcache_rw(struct pcache *pc, uint64_t off, void *buf, size_t n, int write)
{
    int err = 0;
    mutex_lock(&pc->lock);
    while (n) {
        uint64_t index = off / PAGE_SIZE;
        size_t at = (size_t)(off % PAGE_SIZE), c = PAGE_SIZE - at < n ? PAGE_SIZE - at : n;
        uintptr_t *s = slot_of(pc, index, 0);
        if (!s || !*s) {
            if ((err = fill(pc, index, 1, NULL)) != 0)
                break;
            s = slot_of(pc, index, 0);
        } else {
            STAT_ADD(hits, 1);
        }
        *s |= S_REF;
        uint8_t *page = hal_phys_to_virt(*s & ~(uintptr_t)S_FLAGS);
        if (write) {
            memcpy(page + at, buf, c);
            set_dirty(pc, s, unit_mask(pc, at, at + c));
        } else {
            memcpy(buf, page + at, c);
        }
        buf = (uint8_t *)buf + c;
        off += c;
        n -= c;
    }
    mutex_unlock(&pc->lock);
    return err;
}

void pcache_forget(struct pcache *pc, uint64_t off, uint64_t n)
{
    uint64_t unit = 1ull << pc->unit_shift;
    uint64_t from = (off + unit - 1) & ~(unit - 1), to = (off + n) & ~(unit - 1);
    mutex_lock(&pc->lock);
    for (uint64_t at = from; at < to;) {
        uint64_t index = at / PAGE_SIZE;
        size_t a = (size_t)(at % PAGE_SIZE);
        size_t b = to - at < PAGE_SIZE - a ? a + (size_t)(to - at) : PAGE_SIZE;
        uintptr_t *s = slot_of(pc, index, 0);
        if (s && *s && (*s & S_DIRTY)) {
            *s &= ~(uintptr_t)unit_mask(pc, a, b);
            if (!(*s & S_DIRTY)) {
                pc->dirty--;
                STAT_ADD(dirty, -1);
            }
        }
        at += b - a;
    }
    mutex_unlock(&pc->lock);
}

/* ---- truncation and write-back ---- */

const void *pcache_map(struct pcache *pc, uint64_t off, size_t n, uint64_t *pa)
{
    if (!n || off % PAGE_SIZE + n > PAGE_SIZE)
        return NULL;
    mutex_lock(&pc->lock);
    uintptr_t *s = slot_of(pc, off / PAGE_SIZE, 0);
    if (!s || !*s) {
        s = fill(pc, off / PAGE_SIZE, 1, NULL) ? NULL : slot_of(pc, off / PAGE_SIZE, 0);
    } else {
        STAT_ADD(hits, 1);
    }
    const uint8_t *p = NULL;
    if (s && *s) {
        *pa = hold(s);
        p = (const uint8_t *)hal_phys_to_virt(*pa) + off % PAGE_SIZE;
    }
    mutex_unlock(&pc->lock);
    return p;
}

struct batch {
    uint64_t first;
    unsigned n;
    uint64_t index[PCACHE_RA_MAX];
};

static int collect(struct pcache *pc, uint64_t index, uintptr_t *s, void *arg)
{
    (void)pc, (void)s;
    struct batch *b = arg;
    b->index[b->n++] = index;
    return b->n == PCACHE_RA_MAX;
}

void pcache_truncate(struct pcache *pc, uint64_t index)
{
    struct batch b;
    mutex_lock(&pc->lock);
    wb_finish(pc);
    pc->gen++;
    if (pc->ra)
        ra_finish(pc, 0);
    do {
        b.n = 0;
        walk(pc, index, collect, &b);
        for (unsigned i = 0; i < b.n; i++)
            drop(pc, b.index[i], slot_of(pc, b.index[i], 0));
    } while (b.n == PCACHE_RA_MAX);
    mutex_unlock(&pc->lock);
}

/* The next run of consecutive dirty pages from b->first on. */
static int collect_dirty(struct pcache *pc, uint64_t index, uintptr_t *s, void *arg)
{
    (void)pc;
    struct batch *b = arg;
    if (*s & S_MAPW) {
        /* Mapped writable: dirty whether or not a call said so. When no
         * mapping holds it any more (only the cache's reference), this is
         * its last write-back as such. */
        set_dirty(pc, s, unit_mask(pc, 0, PAGE_SIZE));
        if ((uintptr_t)__atomic_load_n(&pmm_page(*s & ~(uintptr_t)S_FLAGS)->owner, __ATOMIC_ACQUIRE) == 1) {
            *s &= ~(uintptr_t)S_MAPW;
            pc->mapped--;
            __atomic_sub_fetch(&mapped_pages, 1, __ATOMIC_RELAXED);
        }
    }
    if (!(*s & S_DIRTY))
        return b->n != 0; /* a clean page ends a run */
    if (b->n && index != b->index[b->n - 1] + 1)
        return 1;
    b->index[b->n++] = index;
    return b->n == PCACHE_RA_MAX;
}

/* The caller holds the lock and gives the scratch buffer (or NULL); with
 * @p async, runs go out in the background where the owner can. */
static int writeback_locked(struct pcache *pc, void *scratch, int async)
{
    struct batch b = {.first = 0};
    int err = 0;
    wb_finish(pc);
    while (pc->dirty || pc->mapped) {
        b.n = 0;
        walk(pc, b.first, collect_dirty, &b);
        if (!b.n)
            break;
        void *kva[PCACHE_RA_MAX];
        uint8_t masks[PCACHE_RA_MAX];
        for (unsigned i = 0; i < b.n; i++) {
            uintptr_t *s = slot_of(pc, b.index[i], 0);
            kva[i] = hal_phys_to_virt(*s & ~(uintptr_t)S_FLAGS);
            masks[i] = (uint8_t)take_dirty(pc, s);
        }
        int e = async && pc->ops->write_async ? wb_start(pc, b.index[0], b.n, kva, masks) : -EAGAIN;
        if (e)
            e = pc->ops->write(pc, b.index[0], b.n, kva, masks, scratch);
        STAT_ADD(written, b.n);
        if (e && !err)
            err = e;
        b.first = b.index[b.n - 1] + 1;
    }
    if (err && !pc->err)
        pc->err = err;
    return err;
}

int pcache_writeback(struct pcache *pc)
{
    if (!pc->ops->write)
        return 0;
    void *scratch = pc->ops->scratch && (pc->dirty || pc->mapped) ? kmalloc(pc->ops->scratch) : NULL;
    mutex_lock(&pc->lock);
    writeback_locked(pc, scratch, 0);
    int err = pc->err;
    pc->err = 0;
    mutex_unlock(&pc->lock);
    kfree(scratch);
    return err;
}

void pcache_writeback_start(struct pcache *pc)
{
    if (!pc->ops->write || !(__atomic_load_n(&pc->dirty, __ATOMIC_RELAXED) ||
                             __atomic_load_n(&pc->mapped, __ATOMIC_RELAXED)))
        return;
    /* The scratch buffer only for an owner that writes every run in place:
     * a run one with write_async cannot start goes a few pages at a time. */
    void *scratch = pc->ops->scratch && !pc->ops->write_async ? kmalloc(pc->ops->scratch) : NULL;
    mutex_lock(&pc->lock);
    writeback_locked(pc, scratch, 1);
    mutex_unlock(&pc->lock);
    kfree(scratch);
}

int pcache_writeback_wait(struct pcache *pc)
{
    mutex_lock(&pc->lock);
    wb_finish(pc);
    int err = pc->err;
    pc->err = 0;
    mutex_unlock(&pc->lock);
    return err;
}

int pcache_destroy(struct pcache *pc)
{
    int err = pcache_writeback(pc);
    pcache_truncate(pc, 0);
    irqflags_t f = spin_lock_irqsave(&caches_lock);
    while (pc->pins) { /* a flush pass or the reclaimer is on it */
        spin_unlock_irqrestore(&caches_lock, f);
        thread_sleep_ms(1);
        f = spin_lock_irqsave(&caches_lock);
    }
    list_del(&pc->node);
    spin_unlock_irqrestore(&caches_lock, f);
    return err;
}

/* ---- memory: the dirty limit, the flusher, eviction ---- */

static uint64_t managed_pages(void)
{
    static uint64_t managed;
    if (!managed) {
        struct pmm_stats st;
        pmm_stats(&st);
        managed = st.managed_pages;
    }
    return managed;
}

#define PASS_BATCH 64 /* caches a flush pass starts before it waits for them */

/* Wait for the write-backs a pass started on @p pcs, letting go of each
 * once its writes are done (till then it stays pinned: linked, and a
 * pcache_destroy() of it waits, perhaps with its owner's locks held, so
 * not for the others too). The last is where the walk goes on from: it is
 * let go of with the list's lock held, which is held on return (*@p f its
 * flags). The list's lock is not held on entry. */
static void pass_wait(struct pcache *pcs[], unsigned n, irqflags_t *f)
{
    for (unsigned i = 0; i < n; i++) {
        mutex_lock(&pcs[i]->lock);
        wb_finish(pcs[i]); /* an error stays in pc->err for the next fsync */
        mutex_unlock(&pcs[i]->lock);
        *f = spin_lock_irqsave(&caches_lock);
        pcs[i]->pins--;
        if (i + 1 < n)
            spin_unlock_irqrestore(&caches_lock, *f);
    }
}

/* One pass over every cache: each whose oldest dirty page is @p age_ns
 * old, or any while more than @p limit pages are dirty, is written back:
 * up to PASS_BATCH caches' writes started, then waited for, so that many
 * small files go to the disk together rather than one request at a time. */
static void flush_pass(uint64_t age_ns, uint64_t limit)
{
    uint64_t now = hal_time_ns();
    struct pcache *started[PASS_BATCH];
    unsigned ns = 0;
    struct blk_plug plug; /* the batch's writes go out merged when it waits */
    blk_plug_start(&plug);
    irqflags_t f = spin_lock_irqsave(&caches_lock);
    list_for_each(n, &caches) {
        struct pcache *pc = container_of(n, struct pcache, node);
        if (!pc->ops->write || !(__atomic_load_n(&pc->dirty, __ATOMIC_RELAXED) ||
                                 __atomic_load_n(&pc->mapped, __ATOMIC_RELAXED)))
            continue;
        if (now - __atomic_load_n(&pc->dirtied_ns, __ATOMIC_RELAXED) >= age_ns ||
            __atomic_load_n(&stats.dirty, __ATOMIC_RELAXED) > limit) {
            pc->pins++;
            spin_unlock_irqrestore(&caches_lock, f);
            pcache_writeback_start(pc);
            started[ns++] = pc;
            if (ns < PASS_BATCH) {
                f = spin_lock_irqsave(&caches_lock);
            } else { /* this one stays pinned until then: the walk goes on from it */
                pass_wait(started, ns, &f);
                ns = 0;
            }
        }
    }
    spin_unlock_irqrestore(&caches_lock, f);
    if (ns) {
        pass_wait(started, ns, &f);
        spin_unlock_irqrestore(&caches_lock, f);
    }
    blk_plug_finish(&plug);
}

void pcache_balance(struct pcache *pc)
{
    uint64_t limit = managed_pages() / 4;
    if (__atomic_load_n(&stats.dirty, __ATOMIC_RELAXED) <= limit)
        return;
    /* Its own pages first; if others' still keep it over, theirs too,
     * down to the flusher's mark (dirty pages cannot be evicted). */
    pcache_writeback(pc);
    if (__atomic_load_n(&stats.dirty, __ATOMIC_RELAXED) > limit)
        flush_pass(UINT64_MAX, limit / 2);
}

/*
 * The flusher sleeps without a timer while no page is dirty or mapped
 * writable: a kernel with nothing to write wakes for nothing (no timer
 * interrupt a second on an idle machine). set_dirty() wakes it. The two
 * sides order their store before their load (Dekker): the flusher says it
 * is idle, then looks for work; set_dirty() counts its page, then looks
 * whether the flusher is idle; so one of them sees the other.
 */
static int flusher_idle;
static struct semaphore flusher_wake;

static int flusher_has_work(void)
{
    return __atomic_load_n(&stats.dirty, __ATOMIC_RELAXED) ||
           __atomic_load_n(&mapped_pages, __ATOMIC_RELAXED);
}

static void flusher_kick(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&flusher_idle, __ATOMIC_RELAXED) &&
        __atomic_exchange_n(&flusher_idle, 0, __ATOMIC_ACQ_REL))
        sem_up(&flusher_wake);
}

static int flusher_main(void *arg)
{
    (void)arg;
    for (;;) {
        while (!flusher_has_work()) {
            __atomic_store_n(&flusher_idle, 1, __ATOMIC_RELAXED);
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            /* Work after all, and nobody took the flag: no wake-up is coming. */
            if (flusher_has_work() && __atomic_exchange_n(&flusher_idle, 0, __ATOMIC_ACQ_REL))
                break;
            sem_down(&flusher_wake); /* a kick's unit (a stale one only loops once more) */
        }
        thread_sleep_ms(1000);
        flush_pass(PCACHE_FLUSH_AGE_MS * 1000000ull, managed_pages() / 8);
    }
    return 0;
}

static void flusher_start(void)
{
    if (__atomic_exchange_n(&flusher_started, 1, __ATOMIC_ACQ_REL))
        return;
    sem_init(&flusher_wake, 0, "pcache flusher");
    int id = thread_create("pcache-flush", flusher_main, NULL, PRIO_DEFAULT - 1, THREAD_DETACHED);
    if (id < 0)
        pr_warn("pcache: no flusher thread (%d): dirty pages go back on sync and unmount only", id);
}

struct reclaim_arg { size_t want, freed; uint64_t index[PCACHE_RA_MAX]; unsigned n; };

/* The clock: a used page loses its mark, an unused clean one that only
 * the cache holds is taken. */
static int reclaim_one(struct pcache *pc, uint64_t index, uintptr_t *s, void *arg)
{
    (void)pc;
    struct reclaim_arg *r = arg;
    if (*s & (S_DIRTY | S_MAPW))
        return 0;
    if (*s & S_REF) {
        *s &= ~(uintptr_t)S_REF;
        return 0;
    }
    struct page *pg = pmm_page(*s & ~(uintptr_t)S_FLAGS);
    if ((uintptr_t)__atomic_load_n(&pg->owner, __ATOMIC_RELAXED) != 1)
        return 0;
    r->index[r->n++] = index;
    return r->n == PCACHE_RA_MAX || r->freed + r->n >= r->want;
}

size_t pcache_reclaim(size_t want) { return reclaim_some(want); }

static size_t reclaim_some(size_t want)
{
    struct reclaim_arg r = {.want = want};
    /* Two rounds: the first may only clear the marks. A cache's own lock
     * is only tried: the allocation this serves may come from a thread
     * that holds it, or one another thread holds while it waits for it. */
    for (int round = 0; round < 2 && r.freed < want; round++) {
        irqflags_t f = spin_lock_irqsave(&caches_lock);
        list_for_each(n, &caches) {
            struct pcache *pc = container_of(n, struct pcache, node);
            pc->pins++;
            spin_unlock_irqrestore(&caches_lock, f);
            /* Writes still in flight (pcache_writeback_start()): not
             * this cache's pages, until they end. */
            if (mutex_trylock(&pc->lock)) {
                if (wb_reap(pc)) {
                    do {
                        r.n = 0;
                        walk(pc, 0, reclaim_one, &r);
                        for (unsigned i = 0; i < r.n; i++)
                            drop(pc, r.index[i], slot_of(pc, r.index[i], 0));
                        r.freed += r.n;
                    } while (r.n == PCACHE_RA_MAX && r.freed < want);
                }
                mutex_unlock(&pc->lock);
            }
            f = spin_lock_irqsave(&caches_lock);
            pc->pins--;
            if (r.freed >= want)
                break;
        }
        spin_unlock_irqrestore(&caches_lock, f);
    }
    STAT_ADD(evicted, r.freed);
    return r.freed;
}

void pcache_stats(struct pcache_stats *st)
{
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    *st = stats;
    st->flusher_idle = __atomic_load_n(&flusher_idle, __ATOMIC_RELAXED);
}
