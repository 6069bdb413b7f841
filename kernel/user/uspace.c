/**
 * @file uspace.c
 * @brief User address spaces (uspace.h): regions whose pages come on first
 *        touch (demand-zero), shared copy-on-write after fork, and go back
 *        when they are unmapped or the space dies.
 *
 * A region says what the program may do ([start, end), MMU_* rights); its
 * pages are mapped when first touched, by the program (a page fault:
 * uspace_fault()) or by the kernel on its behalf (the copy routines
 * prefault, the loader writes). fork maps every page the parent made its
 * own into the child as well (a file's own frames it leaves to the child's
 * faults), read-only in both where the region is writable, and
 * counts the frame's mappings; the first write in either copies the frame
 * if it is still shared, or just makes it writable if not. A frame's count
 * is kept in its struct page's owner word, which an allocated frame leaves
 * to its owner (kernel/buddy.h). A private file mapping's region holds
 * its file: a first touch that reads maps the file's own frame of the page
 * where the file system keeps one (file_ops.page, a file page of
 * kernel/file_page.h, counted in the same word), read-only, so every
 * process running a program shares its pages and a write copies them like
 * any copy-on-write page (a first touch that writes copies the file's frame
 * at once); otherwise the page is read into a frame of the process's own.
 * Such a read also maps the neighbours the file has in memory already
 * (fault_around()).
 *
 * A truncate takes the pages past a file's new end out of every space that
 * maps it (uspace_cut()), so they fault again: SIGBUS, as Linux. It finds
 * them through the regions listed on the file's inode and works under the
 * inode's mappings lock alone, not the spaces' own (a truncate holds the
 * inode's data lock, which a read() into a mapping holds while it faults
 * here). So whatever changes a file region's page-table entries, or reads
 * one and acts on it (an unmap, a copy for fork, a protect), holds that
 * lock too. A fault asks the file system for the page without it (that may
 * sleep on the disk), then takes it and maps the page only if no cut came
 * meanwhile (the inode's count of them), else starts over: the frame it
 * holds may be one the file no longer has.
 */
#include "uspace.h"
#include "exec.h" /* EXEC_MMAP_TOP */
#include "sysv_shm.h"
#include <hal/cache.h>
#include <hal/user.h>
#include <kernel/errno.h>
#include <kernel/file_page.h>
#include <kernel/kmalloc.h>
#include <kernel/pmm.h>
#include <kernel/printf.h>
#include <kernel/proc.h>
#include <kernel/string.h>
#include <kernel/vfs.h>

static void region_augment(struct avl_node *n);

struct uspace *uspace_create(void)
{
    struct uspace *us = kzalloc(sizeof *us);
    if (!us)
        return NULL;
    uint64_t root = pt_alloc_table();
    if (!root) {
        kfree(us);
        return NULL;
    }
    us->as.root = root;
    us->as.va_lo = PAGE_SIZE;
    us->as.va_hi = hal_user_top() - 1;
    us->mmap_top = EXEC_MMAP_TOP(hal_user_top());
    us->as.local = 1; /* one thread a process, for now (pagetable.h) */
    us->regions.augment = region_augment;
    spin_init(&us->as.lock, "user page tables");
    mutex_init(&us->lock, "user space");
    if (hal_uspace_init(root) != 0) {
        pt_destroy(&us->as);
        kfree(us);
        return NULL;
    }
    return us;
}

void uspace_lock(struct uspace *us) { mutex_lock(&us->lock); }

void uspace_unlock(struct uspace *us) { mutex_unlock(&us->lock); }

/* Mappings of user frame @p pa (1 when only one space maps it). */
static uintptr_t *maps_of(uint64_t pa)
{
    return (uintptr_t *)&pmm_page(pa)->owner;
}

static uint64_t frames_in_use; /* every space's, a shared frame once */

/* The inode mappings lock of a file region (nothing for anonymous memory). */
static void rlock(const struct uregion *r)
{
    if (r->file)
        mutex_lock(&r->file->inode->maps_lock);
}

static void runlock(const struct uregion *r)
{
    if (r->file)
        mutex_unlock(&r->file->inode->maps_lock);
}

static void pages_add(struct uspace *us, long n) { __atomic_add_fetch(&us->pages, n, __ATOMIC_RELAXED); }

uint64_t user_frames_in_use(void) { return __atomic_load_n(&frames_in_use, __ATOMIC_RELAXED); }

/* A frame for a user page, mapped once (its contents unset); 0 if out of memory. */
static uint64_t frame_alloc(void)
{
    uint64_t pa = pmm_alloc(0);
    if (pa) {
        pmm_page(pa)->flags = 0; /* not a file page */
        __atomic_store_n(maps_of(pa), 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&frames_in_use, 1, __ATOMIC_RELAXED);
    }
    return pa;
}

/* A frame with the bytes of frame @p pa, mapped once; 0 if out of memory. */
static uint64_t frame_dup(uint64_t pa)
{
    uint64_t f = frame_alloc();
    if (f)
        memcpy(hal_phys_to_virt(f), hal_phys_to_virt(pa), PAGE_SIZE);
    return f;
}

/* A zeroed frame, mapped once; 0 if out of memory. */
static uint64_t frame_new(void)
{
    uint64_t pa = frame_alloc();
    if (pa)
        memset(hal_phys_to_virt(pa), 0, PAGE_SIZE);
    return pa;
}

/* One mapping of @p pa fewer: the last one frees it. */
static void frame_put(uint64_t pa)
{
    if (file_page_is(pa)) {
        file_page_put(pa); /* the file's frame: not one of the programs' */
        return;
    }
    if (__atomic_sub_fetch(maps_of(pa), 1, __ATOMIC_ACQ_REL) == 0) {
        pmm_page(pa)->owner = NULL;
        pmm_free(pa, 0);
        __atomic_sub_fetch(&frames_in_use, 1, __ATOMIC_RELAXED);
    }
}

/* The page-table rights of a page of a region with rights @p rprot: none
 * for the program under UPROT_NONE; without MMU_WRITE if @p cow. */
static unsigned pte_prot(unsigned rprot, int cow)
{
    if (rprot & UPROT_NONE)
        return MMU_LOCAL; /* for the kernel only, and gone when another space loads */
    return (cow ? rprot & ~MMU_WRITE : rprot) | MMU_USER;
}

static int in_user(uintptr_t va, size_t len)
{
    return len && !((va | len) & (PAGE_SIZE - 1)) && va >= PAGE_SIZE && va + len > va &&
           va + len <= hal_user_top();
}

/* The next run of pages mapped in @p as from *@p p on, below @p end: at
 * most 64 (the callers' arrays), never past a last-level table's end; its
 * frames in @p pa (with the entries' low bits), *@p p at its start. The
 * run's length, or 0 when none is left. */
static size_t next_run(struct vm_aspace *as, uintptr_t *p, uintptr_t end, uint64_t pa[64])
{
    while ((*p = vm_next_mapped(as, *p, end)) < end) {
        size_t left = (end - *p) / PAGE_SIZE;
        size_t k = vm_mapped_run(as, *p, left < 64 ? left : 64, 0, pa);
        if (k)
            return k;
        *p += PAGE_SIZE; /* (a large page: none in user space) */
    }
    return 0;
}

/* Unmap [va, va + len) and free the frames that were mapped there: each
 * page unmapped (and flushed) before its frame goes back, so no CPU can
 * reach a frame that has a new owner. A run of mapped pages at a time
 * (next_run()): vm_unmap() looks for tables it emptied after each call, and
 * called page by page that made tearing a process down cost more than the
 * fork that made it. */
static void release(struct uspace *us, const struct uregion *r, uintptr_t va, size_t len)
{
    uintptr_t end = va + len;
    rlock(r);
    uint64_t pa[64];
    for (uintptr_t p = va, k; (k = next_run(&us->as, &p, end, pa)) != 0; p += k * PAGE_SIZE) {
        vm_unmap(&us->as, p, k * PAGE_SIZE);
        for (size_t i = 0; i < k; i++)
            frame_put(pa[i] & ~(uint64_t)(PAGE_SIZE - 1));
        pages_add(us, -(long)k);
    }
    runlock(r);
}

/* The tree's augmented value of a region: its subtree's span and the
 * largest free range inside it (between two of its regions), from its
 * children's alone, so a change anywhere keeps it true in O(log n) and
 * uspace_find_free() goes straight to a gap that fits. */
static void region_augment(struct avl_node *n)
{
    struct uregion *r = container_of(n, struct uregion, node), *l = NULL, *h = NULL;
    r->lo = r->start, r->hi = r->end, r->gap = 0;
    if (n->left) {
        l = container_of(n->left, struct uregion, node);
        r->lo = l->lo;
        r->gap = l->gap > r->start - l->hi ? l->gap : r->start - l->hi;
    }
    if (n->right) {
        h = container_of(n->right, struct uregion, node);
        r->hi = h->hi;
        uintptr_t g = h->gap > h->lo - r->end ? h->gap : h->lo - r->end;
        if (g > r->gap)
            r->gap = g;
    }
}

static struct uregion *region_at(struct avl_node *n) { return n ? container_of(n, struct uregion, node) : NULL; }

static struct uregion *region_prev(const struct uregion *r) { return region_at(avl_prev(&r->node)); }

static int region_less(const struct avl_node *a, const struct avl_node *b)
{
    return region_at((struct avl_node *)a)->start < region_at((struct avl_node *)b)->start;
}

struct uregion *uspace_region_from(struct uspace *us, uintptr_t va)
{
    struct uregion *best = NULL; /* ends are in the starts' order: regions never overlap */
    for (struct avl_node *n = us->regions.root; n;) {
        struct uregion *r = region_at(n);
        if (r->end > va)
            best = r, n = n->left;
        else
            n = n->right;
    }
    return best;
}

static struct uregion *region_of(struct uspace *us, uintptr_t va)
{
    struct uregion *r = uspace_region_from(us, va);
    return r && r->start <= va ? r : NULL;
}

/* A region [start, end) of @p us like @p from (its rights, file, lock), on
 * its file's list but not yet in the space's tree; NULL if out of memory
 * or the space has all the regions it may. */
static struct uregion *region_new(struct uspace *us, const struct uregion *from, uintptr_t start,
                                  uintptr_t end)
{
    if (us->nregions >= USPACE_MAX_REGIONS)
        return NULL;
    struct uregion *r = kmalloc(sizeof *r);
    if (!r)
        return NULL;
    *r = (struct uregion){.start = start, .end = end, .prot = from->prot, .file = from->file,
                          .off = from->file ? from->off + (start - from->start) : 0,
                          .shared = from->shared, .locked = from->locked, .growsdown = from->growsdown,
                          .dontfork = from->dontfork, .wipeonfork = from->wipeonfork,
                          .us = us, .shm = from->shm};
    list_init(&r->link);
    if (r->shm)
        shm_region_opened(r->shm); /* one more attachment, as Linux counts a split or forked one */
    if (r->file) {
        file_get(r->file);
        rlock(r);
        list_add_tail(&r->file->inode->maps, &r->link);
        runlock(r);
    }
    return r;
}

static void region_free(struct uregion *r)
{
    if (r->shm)
        shm_region_closed(r->shm);
    if (r->file) {
        rlock(r);
        list_del(&r->link);
        runlock(r);
        file_put(r->file);
    }
    kfree(r);
}

/* The space's counts of @p r's bytes, @p sign 1 to add them, -1 to take them. */
static void region_count(struct uspace *us, const struct uregion *r, int sign)
{
    size_t n = r->end - r->start;
    us->mapped += sign > 0 ? n : -n;
    if (r->locked)
        us->locked += sign > 0 ? n : -n;
}

/* @p r into the space's tree. */
static void region_link(struct uspace *us, struct uregion *r)
{
    avl_insert(&us->regions, &r->node, region_less);
    us->nregions++;
    region_count(us, r, 1);
}

/* @p r out of the space's tree (then region_free()). */
static void region_unlink(struct uspace *us, struct uregion *r)
{
    avl_erase(&us->regions, &r->node);
    us->nregions--;
    region_count(us, r, -1);
}

/* @p r now spans [start, end), where nothing else is: a cut-away head
 * moves its file offset on, a grown one back. */
static void region_bounds(struct uspace *us, struct uregion *r, uintptr_t start, uintptr_t end)
{
    region_count(us, r, -1);
    rlock(r);
    if (r->file)
        r->off += start - r->start; /* (modulo 2^64 when it grows down) */
    r->start = start;
    r->end = end;
    runlock(r);
    region_count(us, r, 1);
    avl_update(&us->regions, &r->node);
}

/* @p r becomes [start, at) and a new region [at, end) alike. 0 or -ENOMEM. */
static int region_split(struct uspace *us, struct uregion *r, uintptr_t at)
{
    struct uregion *t = region_new(us, r, at, r->end);
    if (!t)
        return -ENOMEM;
    region_bounds(us, r, r->start, at);
    avl_insert_after(&us->regions, &r->node, &t->node);
    us->nregions++;
    region_count(us, t, 1);
    return 0;
}

/* Two regions, @p a just below @p b, that may be one: anonymous private
 * memory with the same rights and lock (a file's regions stay as mapped). */
static int mergeable(const struct uregion *a, const struct uregion *b)
{
    return a->end == b->start && !a->file && !b->file && a->prot == b->prot && a->locked == b->locked &&
           a->growsdown == b->growsdown && a->dontfork == b->dontfork && a->wipeonfork == b->wipeonfork;
}

/* @p r joined with the regions on either side where they may be one
 * (fewer regions: each map of more memory next to its like adds none, as
 * on Linux); the region that now holds @p r's range. */
static struct uregion *region_merge(struct uspace *us, struct uregion *r)
{
    struct uregion *n = uregion_next(r), *p = region_prev(r);
    if (n && mergeable(r, n)) {
        uintptr_t end = n->end;
        region_unlink(us, n);
        region_free(n);
        region_bounds(us, r, r->start, end);
    }
    if (p && mergeable(p, r)) {
        uintptr_t end = r->end;
        region_unlink(us, r);
        region_free(r);
        region_bounds(us, p, p->start, end);
        r = p;
    }
    return r;
}

/* Regions begin and end at @p va and at @p end: the ones across them cut
 * (all of [va, end) mapped). 0 or -ENOMEM. */
static int region_cut_at(struct uspace *us, uintptr_t va, uintptr_t end)
{
    struct uregion *r = uspace_region_from(us, va);
    if (r && r->start < va) {
        int e = region_split(us, r, va);
        if (e)
            return e;
    }
    r = uspace_region_from(us, end - 1);
    return r && r->start < end && r->end > end ? region_split(us, r, end) : 0;
}

/* Every byte of [va, end) is in a region. */
static int all_mapped(struct uspace *us, uintptr_t va, uintptr_t end)
{
    uintptr_t at = va;
    for (struct uregion *r = uspace_region_from(us, va); r && at < end && r->start <= at; r = uregion_next(r))
        at = r->end;
    return at >= end;
}

static int populate(struct uspace *us, uintptr_t va, uintptr_t end);

static int map_region(struct uspace *us, uintptr_t va, size_t len, unsigned prot, struct file *file,
                      uint64_t off, int shared, struct shm_seg *shm)
{
    if (!in_user(va, len) || (prot & ~(MMU_WRITE | MMU_EXEC | UPROT_NONE)) ||
        (prot & (MMU_WRITE | MMU_EXEC)) == (MMU_WRITE | MMU_EXEC) || (off & (PAGE_SIZE - 1)))
        return -EINVAL;
    struct uregion *next = uspace_region_from(us, va), *r;
    if (next && next->start < va + len)
        return -EEXIST;
    struct uregion *prev = next ? region_prev(next) : region_at(avl_last(&us->regions));
    struct uregion like = {.start = va, .end = va + len, .prot = prot, .file = file, .off = off,
                           .shared = shared, .locked = us->lock_future != 0, .shm = shm};
    if (prev && mergeable(prev, &like)) {
        region_bounds(us, prev, prev->start, va + len);
        r = region_merge(us, prev);
    } else if (next && mergeable(&like, next)) {
        region_bounds(us, next, va, next->end);
        r = next;
    } else if ((r = region_new(us, &like, va, va + len)) != NULL) {
        region_link(us, r);
    } else {
        return -ENOMEM;
    }
    if (us->lock_future == 1) /* mlockall(MCL_FUTURE): present now (what fails to come is left to a fault, as Linux) */
        (void)populate(us, va, va + len);
    return 0; /* else pages come when touched */
}

int uspace_map_anon(struct uspace *us, uintptr_t va, size_t len, unsigned prot)
{
    return map_region(us, va, len, prot, NULL, 0, 0, NULL);
}

int uspace_map_stack(struct uspace *us, uintptr_t va, size_t len)
{
    if (!in_user(va, len) || ((va | len) & (PAGE_SIZE - 1)))
        return -EINVAL;
    if (uspace_overlaps(us, va, len))
        return -EEXIST;
    /* A region of its own, never merged with a neighbour (mergeable()) */
    struct uregion like = {.start = va, .prot = MMU_WRITE, .growsdown = 1, .locked = us->lock_future != 0};
    struct uregion *r = region_new(us, &like, va, va + len);
    if (!r)
        return -ENOMEM;
    region_link(us, r);
    return 0;
}

int uspace_map_file(struct uspace *us, uintptr_t va, size_t len, unsigned prot, struct file *file,
                    uint64_t off)
{
    return file ? map_region(us, va, len, prot, file, off, 0, NULL) : -EINVAL;
}

int uspace_map_shared(struct uspace *us, uintptr_t va, size_t len, unsigned prot, struct file *file,
                      uint64_t off)
{
    return file ? map_region(us, va, len, prot, file, off, 1, NULL) : -EINVAL;
}

int uspace_map_shm(struct uspace *us, uintptr_t va, size_t len, unsigned prot, struct file *file,
                   struct shm_seg *seg)
{
    return file && seg ? map_region(us, va, len, prot, file, 0, 1, seg) : -EINVAL;
}

/* A file region's inode's size now (a truncate may be changing it). */
static uint64_t file_size(const struct uregion *r)
{
    return __atomic_load_n(&r->file->inode->size, __ATOMIC_ACQUIRE);
}

/* A first touch's frame for page @p page of file region @p r: the file's
 * own frame of a page wholly inside the file, to be mapped read-only
 * (*@p shared set), when the file system keeps one and @p access does not
 * write (a copy of it when it does); else a zeroed frame with the file's
 * bytes read in (past the file's end stays zero); 0 with *err. Without the
 * mappings lock: the file system may sleep on the disk. */
static uint64_t frame_first(const struct uregion *r, uintptr_t page, unsigned access, int *shared, int *err)
{
    uint64_t pos = r->off + (page - r->start), size = file_size(r), f = 0;
    *shared = 0;
    if (pos >= size) {
        *err = -EIO; /* wholly past the end: SIGBUS, as Linux */
        return 0;
    }
    if (r->file->ops->page && pos + PAGE_SIZE <= size && r->file->ops->page(r->file, pos / PAGE_SIZE, &f) == 0) {
        if (!(access & UFAULT_WRITE)) {
            *shared = 1;
            return f;
        }
        /* A write: a copy of the file's frame, page-aligned to page-aligned
         * (a tmpfs file's bytes still on the initrd sit at any offset). */
        uint64_t own = frame_dup(f);
        frame_put(f);
        if (!own)
            *err = -ENOMEM;
        return own;
    }
    if (!(f = frame_new())) {
        *err = -ENOMEM;
        return 0;
    }
    /* At an explicit offset: the file's own offset and lock stay out of
     * it (a read() into this very mapping faults here holding that lock). */
    if (vfs_read(r->file, &(struct iobuf){(uintptr_t)hal_phys_to_virt(f), 0}, PAGE_SIZE, &pos) < 0) {
        frame_put(f);
        *err = -EIO;
        return 0;
    }
    return f;
}

static int own_copy(struct uspace *us, const struct uregion *r, uintptr_t page, uint64_t pa);

/* A write to page @p page of @p r, present at @p pa but read-only: a
 * copy-on-write page still shared is copied; the last mapping left just
 * becomes writable. */
static int break_cow(struct uspace *us, const struct uregion *r, uintptr_t page, uint64_t pa)
{
    pa &= ~(uint64_t)(PAGE_SIZE - 1);
    if (__atomic_load_n(maps_of(pa), __ATOMIC_ACQUIRE) == 1)
        return vm_protect(&us->as, page, PAGE_SIZE, pte_prot(r->prot, 0)) ? -ENOMEM : 0;
    return own_copy(us, r, page, pa);
}

/* Frame @p f, about to be mapped to run, made fetchable: a file's own
 * frame once until the kernel writes it again (PG_ICLEAN, as every process
 * running a program maps the same frames), any other each time. Synced,
 * then marked: a mapping that sees the mark never runs bytes not synced. */
static void sync_exec(uint64_t f)
{
    struct page *pg = pmm_page(f);
    int file = file_page_is(f);
    if (file && (__atomic_load_n(&pg->flags, __ATOMIC_ACQUIRE) & PG_ICLEAN))
        return;
    hal_icache_sync(hal_phys_to_virt(f), PAGE_SIZE);
    if (file)
        __atomic_or_fetch(&pg->flags, (uint16_t)PG_ICLEAN, __ATOMIC_RELEASE);
}

/* Map frame @p f at @p page with rights @p prot, counted; 0 or -ENOMEM. */
static int map_frame(struct uspace *us, const struct uregion *r, uintptr_t page, uint64_t f, unsigned prot)
{
    if (vm_map(&us->as, page, f, PAGE_SIZE, prot) != 0) {
        frame_put(f);
        return -ENOMEM;
    }
    pages_add(us, 1);
    if (r->prot & MMU_EXEC)
        sync_exec(f);
    return 0;
}

/* fault_locked() in anonymous memory. */
static int fault_anon(struct uspace *us, const struct uregion *r, uintptr_t page, unsigned access)
{
    uint64_t pa;
    unsigned prot;
    if (vm_translate(&us->as, page, &pa, &prot) != 0) { /* first touch: a zeroed page */
        uint64_t f = frame_new();
        return f ? map_frame(us, r, page, f, pte_prot(r->prot, 0)) : -ENOMEM;
    }
    if (!(access & UFAULT_WRITE) || (prot & MMU_WRITE))
        return 1; /* allowed already: a stale TLB entry, gone with the fault */
    return break_cow(us, r, page, pa);
}

/* Pages a read fault in a file mapping maps at most: the aligned window
 * of this many around the faulting page. */
#define FAULT_AROUND 16

/* The pages of the aligned FAULT_AROUND window around @p page (just mapped
 * by a first touch that reads) that are in @p r and wholly inside the file,
 * that the file has in memory now (file_ops.page_cached: no I/O, no
 * waiting) and that @p us does not map, mapped as that first touch maps
 * the file's own frame: read-only, a write copies (or, shared, tells the
 * file system) as for any. A program reading or running a file touches its
 * neighbours next, each one fault fewer. Under the mappings lock with no
 * cut since the fault began, so the size read here is one a truncate has
 * finished with: nothing past the end is mapped, and a cut that comes later
 * takes these pages as any. */
static void fault_around(struct uspace *us, const struct uregion *r, uintptr_t page)
{
    uintptr_t lo = page & ~(uintptr_t)(FAULT_AROUND * PAGE_SIZE - 1), hi = lo + FAULT_AROUND * PAGE_SIZE;
    if (lo < r->start)
        lo = r->start;
    if (hi > r->end)
        hi = r->end;
    uint64_t first = r->off + (lo - r->start), size = file_size(r);
    if (first >= size)
        return;
    if ((hi - lo) / PAGE_SIZE > (size - first) / PAGE_SIZE)
        hi = lo + (uintptr_t)((size - first) / PAGE_SIZE) * PAGE_SIZE; /* whole pages only */
    unsigned n = (unsigned)((hi - lo) / PAGE_SIZE);
    if (n < 2)
        return;
    /* Only from the first page not mapped to the last (the window is in one table). */
    uint64_t want = ~vm_mapped_mask(&us->as, lo, n) & ((1ull << n) - 1);
    if (!want)
        return;
    unsigned a = (unsigned)__builtin_ctzll(want), b = 63 - (unsigned)__builtin_clzll(want);
    lo += (uintptr_t)a * PAGE_SIZE, first += (uint64_t)a * PAGE_SIZE, want >>= a, n = b - a + 1;
    uint64_t pa[FAULT_AROUND], held[FAULT_AROUND];
    if (!r->file->ops->page_cached(r->file, first / PAGE_SIZE, n, pa))
        return;
    for (unsigned i = 0; i < n; i++) {
        if (pa[i] && !(want & (1ull << i))) {
            frame_put(pa[i]); /* mapped already */
            pa[i] = 0;
        }
        held[i] = pa[i];
    }
    long k = vm_map_pages(&us->as, lo, pa, n, pte_prot(r->prot, 1));
    if (k > 0)
        pages_add(us, k);
    for (unsigned i = 0; i < n; i++) {
        if (pa[i])
            frame_put(pa[i]); /* not mapped (short of a table): left to a fault */
        else if (held[i] && (r->prot & MMU_EXEC))
            sync_exec(held[i]);
    }
}

/*
 * fault_locked() in a file mapping. The page-table entry is read and the
 * file system asked (it may sleep on the disk) without the mappings lock;
 * then, under it, the entry is changed only if no truncate cut the file
 * meanwhile (the inode's cut count, odd while one is under way: see
 * uspace_cut()), else it starts over, so a frame the file no longer has is
 * never mapped. A shared mapping's page is the file's own frame, mapped
 * writable only once the file system was told it will be written
 * (mkwrite), so it writes it back; read-only till then, so the first write
 * faults here again. A fork's copy of the mapping maps the same frame.
 */
static int fault_file(struct uspace *us, const struct uregion *r, uintptr_t page, unsigned access)
{
    struct inode *ino = r->file->inode;
    uint64_t pos = r->off + (page - r->start);
    int write = (access & UFAULT_WRITE) != 0;
    for (;;) {
        unsigned cuts = __atomic_load_n(&ino->cuts, __ATOMIC_ACQUIRE);
        if (cuts & 1) { /* a cut under way: wait for its end */
            rlock(r);
            runlock(r);
            continue;
        }
        uint64_t pa, f = 0;
        unsigned prot, map_prot = 0;
        int present = vm_translate(&us->as, page, &pa, &prot) == 0, e = 0;
        if (r->shared && (!present || (write && !(prot & MMU_WRITE)))) {
            if (pos >= file_size(r))
                return -EIO; /* wholly past the end: SIGBUS, as Linux */
            /* The page first (held, so in the cache), then the file system told. */
            if (!present && (e = r->file->ops->page(r->file, pos / PAGE_SIZE, &f)) == -ENOENT &&
                (e = r->file->ops->mkwrite(r->file, pos / PAGE_SIZE)) == 0) /* a hole (tmpfs): filled */
                e = r->file->ops->page(r->file, pos / PAGE_SIZE, &f);
            if (e)
                e = e == -ENOMEM ? -ENOMEM : -EIO;
            if (!e && write && (e = r->file->ops->mkwrite(r->file, pos / PAGE_SIZE)) != 0)
                e = e == -ENOMEM ? -ENOMEM : -EIO;
            map_prot = pte_prot(r->prot, !write);
        } else if (!present) {
            int shared;
            f = frame_first(r, page, access, &shared, &e);
            map_prot = pte_prot(r->prot, shared);
        } else if (!write || (prot & MMU_WRITE)) {
            return 1; /* allowed already: a stale TLB entry, gone with the fault */
        }
        rlock(r);
        if (__atomic_load_n(&ino->cuts, __ATOMIC_RELAXED) != cuts) {
            runlock(r);
            if (f)
                frame_put(f);
            continue; /* the entry read, or the frame, may be stale */
        }
        if (e) {
            runlock(r);
            if (f)
                frame_put(f);
            return e;
        }
        if (!present) {
            e = map_frame(us, r, page, f, map_prot); /* (f is the mapping's now, or put) */
            if (!e && !write && r->file->ops->page_cached)
                fault_around(us, r, page);
        }
        else if (r->shared)
            e = vm_protect(&us->as, page, PAGE_SIZE, pte_prot(r->prot, 0)) ? -ENOMEM : 0;
        else
            e = break_cow(us, r, page, pa);
        runlock(r);
        return e;
    }
}

/* The region holding @p va, or the stack region above it extended down
 * to it if it may grow that far, as Linux's: its size within the faulting
 * process's RLIMIT_STACK, the space's within RLIMIT_AS, and a guard gap
 * left above the next accessible region below. NULL otherwise. */
static struct uregion *region_or_stack(struct uspace *us, uintptr_t va)
{
    struct uregion *r = uspace_region_from(us, va);
    if (!r || r->start <= va)
        return r;
    if (!r->growsdown || va < PAGE_SIZE)
        return NULL;
    uintptr_t start = va & ~(uintptr_t)(PAGE_SIZE - 1);
    struct proc *p = proc_current();
    uint64_t limit = p ? p->rlim[3].cur : 8u << 20;        /* RLIMIT_STACK */
    uint64_t as_limit = p ? p->rlim[9].cur : RLIM_INFINITY; /* RLIMIT_AS */
    struct uregion *below = region_prev(r);
    if (r->end - start > limit || us->mapped + (r->start - start) > as_limit ||
        (below && !below->growsdown && !(below->prot & UPROT_NONE) && start - below->end < USPACE_STACK_GUARD))
        return NULL;
    region_bounds(us, r, start, r->end);
    return r;
}

/* uspace_fault() with the lock held. */
static int fault_locked(struct uspace *us, uintptr_t va, unsigned access)
{
    struct uregion *r = region_or_stack(us, va);
    if (!r || (r->prot & UPROT_NONE) || ((access & UFAULT_WRITE) && !(r->prot & MMU_WRITE)) ||
        ((access & UFAULT_EXEC) && !(r->prot & MMU_EXEC)))
        return -EFAULT;
    uintptr_t page = va & ~(uintptr_t)(PAGE_SIZE - 1);
    return r->file ? fault_file(us, r, page, access) : fault_anon(us, r, page, access);
}

/* Page @p page of @p r, mapped at @p pa and shared (copy-on-write, or a
 * file's frame), gets a frame of its own with the same bytes, mapped with
 * the region's rights. */
static int own_copy(struct uspace *us, const struct uregion *r, uintptr_t page, uint64_t pa)
{
    uint64_t f = frame_dup(pa);
    if (!f)
        return -ENOMEM;
    vm_unmap(&us->as, page, PAGE_SIZE);
    if (vm_map(&us->as, page, f, PAGE_SIZE, pte_prot(r->prot, 0)) != 0) {
        frame_put(f);
        frame_put(pa);
        pages_add(us, -1);
        return -ENOMEM;
    }
    frame_put(pa);
    return 0;
}

/* Serialised: two threads touching one page first, or breaking one
 * copy-on-write page at once, would each map a frame of their own (and the
 * second unmap the first's without returning it). */
int uspace_fault(struct uspace *us, uintptr_t va, unsigned access)
{
    uspace_lock(us);
    int r = fault_locked(us, va, access);
    uspace_unlock(us);
    return r;
}

/* Page @p pg is mapped for the program with the rights @p access asks (a
 * PROT_NONE page, mapped for the kernel only, is not). */
static int mapped_for(struct uspace *us, uintptr_t pg, unsigned access)
{
    uint64_t pa;
    unsigned prot;
    return vm_translate(&us->as, pg, &pa, &prot) == 0 && (prot & MMU_USER) &&
           (!(access & UFAULT_WRITE) || (prot & MMU_WRITE));
}

int uspace_prefault(struct uspace *us, uintptr_t va, size_t len, unsigned access)
{
    uintptr_t first = va & ~(uintptr_t)(PAGE_SIZE - 1);
    /* A space with one thread changes only by that thread's own calls (this
     * one), and by a truncate's uspace_cut(), which clears entries but
     * frees no table: its tables can be read without the lock, and when
     * every page is there already (a buffer used before), that is all (a
     * page cut meanwhile faults in the copy, which then comes back here). */
    if (__atomic_load_n(&us->as.local, __ATOMIC_ACQUIRE)) {
        unsigned want = MMU_USER | (access & UFAULT_WRITE ? MMU_WRITE : 0);
        size_t pages = (va + len - first + PAGE_SIZE - 1) / PAGE_SIZE, k;
        while (pages && (k = vm_mapped_run(&us->as, first, pages, want, NULL)) != 0)
            first += k * PAGE_SIZE, pages -= k;
        if (!pages)
            return 0;
    }
    int r = 0;
    uspace_lock(us);
    for (uintptr_t pg = first; pg < va + len; pg += PAGE_SIZE) {
        if (mapped_for(us, pg, access))
            continue;
        if (fault_locked(us, pg, access) < 0) {
            r = -EFAULT;
            break;
        }
    }
    uspace_unlock(us);
    return r;
}

/* fault_locked(), then the page's frame in *@p pa (the address of @p va in
 * it) with its region's mappings lock held, *@p rp that region; a truncate
 * that took the page between the two faults it in again. 0, or the
 * fault's error (no lock held). */
static int fault_held(struct uspace *us, uintptr_t va, unsigned access, struct uregion **rp, uint64_t *pa)
{
    for (;;) {
        int e = fault_locked(us, va, access);
        if (e < 0)
            return e;
        struct uregion *r = region_of(us, va);
        rlock(r);
        if (vm_translate(&us->as, va, pa, NULL) == 0) {
            *rp = r;
            return 0;
        }
        runlock(r);
    }
}

int uspace_write(struct uspace *us, uintptr_t va, const void *src, size_t n)
{
    const uint8_t *s = src;
    while (n) {
        uint64_t pa;
        struct uregion *r;
        int e = fault_held(us, va, UFAULT_WRITE, &r, &pa); /* the kernel may write where the program may not */
        if (e == -EFAULT && region_of(us, va))
            e = fault_held(us, va, 0, &r, &pa);
        if (e < 0)
            return -EFAULT;
        uint64_t frame = pa & ~(uint64_t)(PAGE_SIZE - 1);
        if (r->shared && !(r->prot & MMU_WRITE)) { /* the file's own page, which it may not write */
            runlock(r);
            return -EFAULT;
        }
        if (file_page_is(frame) && !r->shared) { /* never into the file: a copy of the process's own */
            uintptr_t page = va & ~(uintptr_t)(PAGE_SIZE - 1);
            if (own_copy(us, r, page, frame) || vm_translate(&us->as, va, &pa, NULL) != 0) {
                runlock(r);
                return -ENOMEM;
            }
        }
        size_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
        if (chunk > n)
            chunk = n;
        memcpy(hal_phys_to_virt(pa), s, chunk);
        if (r->shared)
            file_page_written(pa & ~(uint64_t)(PAGE_SIZE - 1)); /* the file's bytes */
        runlock(r);
        va += chunk, s += chunk, n -= chunk;
    }
    return 0;
}

int uspace_word(struct uspace *us, uintptr_t va, uint32_t **word, uint64_t *frame)
{
    uint64_t pa;
    struct uregion *r;
    if (va & 3)
        return -EFAULT;
    int e = fault_held(us, va, UFAULT_WRITE, &r, &pa);
    if (e < 0)
        return e == -ENOMEM ? e : -EFAULT;
    /* Held, so a truncate taking the page meanwhile frees it not. */
    *frame = pa & ~(uint64_t)(PAGE_SIZE - 1);
    __atomic_add_fetch(maps_of(*frame), 1, __ATOMIC_ACQ_REL);
    runlock(r);
    *word = hal_phys_to_virt(pa);
    return 0;
}

void uspace_word_done(uint64_t frame) { frame_put(frame); }

int uspace_shared_key(struct uspace *us, uintptr_t va, const void **obj, uint64_t *off)
{
    uspace_lock(us);
    struct uregion *r = region_of(us, va);
    int shared = r && r->shared && r->file;
    if (shared) { /* the same for every space mapping the page, and through fork */
        *obj = r->file->inode;
        *off = r->off + (va - r->start);
    }
    uspace_unlock(us);
    return shared;
}

int uspace_unmap(struct uspace *us, uintptr_t va, size_t len)
{
    if (!in_user(va, len))
        return -EINVAL;
    uintptr_t end = va + len;
    struct uregion *r = uspace_region_from(us, va);
    if (r && r->start < va && r->end > end) { /* a hole in the middle: two regions */
        int e = region_split(us, r, end);
        if (e)
            return e;
    }
    while (r && r->start < end) {
        struct uregion *next = uregion_next(r);
        uintptr_t lo = r->start > va ? r->start : va, hi = r->end < end ? r->end : end;
        release(us, r, lo, hi - lo);
        if (lo == r->start && hi == r->end) {
            region_unlink(us, r);
            region_free(r);
        } else if (lo == r->start) {
            region_bounds(us, r, hi, r->end);
        } else {
            region_bounds(us, r, r->start, lo);
        }
        r = next;
    }
    return 0;
}

/* [va, va + len), all of region @p r, and its pages moved to a new region
 * like it at [to, to + newlen) (free), the old region then gone or, with
 * @p keep, left without pages. 0 or -ENOMEM. */
static int move_region(struct uspace *us, struct uregion *r, uintptr_t to, size_t newlen, int keep)
{
    struct uregion *t = region_new(us, r, to, to + newlen);
    if (!t)
        return -ENOMEM;
    t->off = r->off; /* region_new() counted it from r's start */
    region_link(us, t);
    int e = 0;
    rlock(r); /* a file's pages: a truncate sees them at one address or the other */
    for (uintptr_t p = vm_next_mapped(&us->as, r->start, r->end); p < r->end;
         p = vm_next_mapped(&us->as, p + PAGE_SIZE, r->end)) {
        uint64_t pa;
        unsigned prot;
        if (vm_translate(&us->as, p, &pa, &prot) != 0)
            continue;
        pa &= ~(uint64_t)(PAGE_SIZE - 1);
        vm_unmap(&us->as, p, PAGE_SIZE);
        if (vm_map(&us->as, to + (p - r->start), pa, PAGE_SIZE, pte_prot(r->prot, !(prot & MMU_WRITE))) != 0) {
            frame_put(pa); /* lost: the page comes again when touched (zero, or the file's) */
            pages_add(us, -1);
            e = -ENOMEM;
        }
    }
    runlock(r);
    if (!keep) {
        region_unlink(us, r);
        region_free(r);
    }
    return e; /* not merged with a neighbour: as on Linux, a moved mapping keeps its own region */
}

int uspace_remap(struct uspace *us, uintptr_t va, size_t old_len, size_t new_len, unsigned flags, uintptr_t *to,
                 uint64_t as_limit)
{
    uintptr_t end = va + old_len;
    if ((flags & UREMAP_FIXED) && !in_user(*to, new_len))
        return -EINVAL;
    if (!(flags & (UREMAP_FIXED | UREMAP_DONTUNMAP)) && old_len >= new_len && old_len) { /* shrink, in place */
        *to = va;
        return old_len > new_len ? uspace_unmap(us, va + new_len, old_len - new_len) : 0;
    }
    struct uregion *r = region_of(us, va);
    if (!r || (old_len && r->end < end))
        return -EFAULT;
    if (!old_len) { /* a second mapping of the same pages: a shared one's only */
        if (!r->shared || r->shm || !(flags & UREMAP_MAYMOVE))
            return -EINVAL;
        uintptr_t at = flags & UREMAP_FIXED ? *to : uspace_find_free(us, new_len, *to);
        int e = at ? 0 : -ENOMEM;
        if (!e && (flags & UREMAP_FIXED))
            e = uspace_unmap(us, at, new_len);
        if (!e)
            e = map_region(us, at, new_len, r->prot, r->file, r->off + (va - r->start), 1, NULL);
        *to = at;
        return e;
    }
    if (!(flags & UREMAP_DONTUNMAP) && new_len > old_len && as_limit != RLIM_INFINITY &&
        us->mapped + (new_len - old_len) > as_limit)
        return -ENOMEM;
    if (flags & UREMAP_FIXED) {
        int e = uspace_unmap(us, *to, new_len);
        if (!e && old_len > new_len)
            e = uspace_unmap(us, va + new_len, old_len - new_len), old_len = new_len, end = va + new_len;
        if (e)
            return e;
        r = region_of(us, va);
    } else {
        struct uregion *n = uregion_next(r);
        if (r->end == end && !(flags & UREMAP_DONTUNMAP) && in_user(va, new_len) &&
            (!n || n->start >= va + new_len)) { /* room after it: grown in place */
            region_bounds(us, r, r->start, va + new_len);
            if (r->locked)
                (void)populate(us, end, va + new_len);
            region_merge(us, r);
            *to = va;
            return 0;
        }
        if (!(flags & UREMAP_MAYMOVE))
            return -ENOMEM;
        uintptr_t at = uspace_find_free(us, new_len, *to);
        if (!at)
            return -ENOMEM;
        *to = at;
    }
    int e = region_cut_at(us, va, end);
    if (e)
        return e;
    return move_region(us, region_of(us, va), *to, new_len, (flags & UREMAP_DONTUNMAP) != 0);
}

int uspace_advise(struct uspace *us, uintptr_t va, size_t len, enum uspace_advice how)
{
    uintptr_t end = va + len, at = va;
    int e = 0;
    struct uregion *r = uspace_region_from(us, va);
    for (; r && r->start < end; r = uregion_next(r)) {
        if (r->start > at)
            e = -ENOMEM; /* a hole: the rest still done, as Linux */
        at = r->end;
        int anon = !r->file && !r->shared;
        if (((how == UADV_FREE || how == UADV_WIPEONFORK) && !anon) || (how == UADV_DISCARD && r->locked))
            return -EINVAL;
        uintptr_t lo = r->start > va ? r->start : va, hi = r->end < end ? r->end : end;
        if (how == UADV_DISCARD || how == UADV_DISCARD_LOCKED || how == UADV_FREE) {
            release(us, r, lo, hi - lo); /* touched again: zeroes, or the file's bytes */
            continue;
        }
        if (how == UADV_CHECK)
            continue;
        unsigned set = how == UADV_DONTFORK || how == UADV_WIPEONFORK;
        if ((how == UADV_DONTFORK || how == UADV_DOFORK ? r->dontfork : r->wipeonfork) == set)
            continue;
        int ce = 0;
        if (lo > r->start && (ce = region_split(us, r, lo)) == 0)
            r = uregion_next(r);
        if (!ce && hi < r->end)
            ce = region_split(us, r, hi);
        if (ce)
            return ce;
        if (how == UADV_DONTFORK || how == UADV_DOFORK)
            r->dontfork = set;
        else
            r->wipeonfork = set;
        r = region_merge(us, r);
        at = r->end;
    }
    return e ? e : at < end ? -ENOMEM : 0;
}

size_t uspace_maps_text(struct uspace *us, char *buf, size_t size, uintptr_t brk_start, uintptr_t brk)
{
    enum { LINE = 80 + 256 }; /* the numbers, then a path of up to 255 bytes */
    size_t n = 0;
    uspace_lock(us);
    for (struct uregion *r = region_at(avl_first(&us->regions)); r && n + LINE <= size; r = uregion_next(r)) {
        unsigned none = (r->prot & UPROT_NONE) != 0, dev = r->file ? r->file->inode->dev : 0;
        /* st_dev as Linux encodes a device number: 12 bits of major, 20 of minor */
        unsigned major = (dev >> 8) & 0xfff, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
        size_t start = n;
        n += (size_t)ksnprintf(buf + n, size - n, "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %llu ",
                               (unsigned long)r->start, (unsigned long)r->end, none ? '-' : 'r',
                               !none && (r->prot & MMU_WRITE) ? 'w' : '-', !none && (r->prot & MMU_EXEC) ? 'x' : '-',
                               r->shared ? 's' : 'p', (unsigned long long)(r->file ? r->off : 0), major, minor,
                               (unsigned long long)(r->file ? r->file->inode->ino : 0));
        char name[256];
        long l = -1;
        if (r->file)
            l = vfs_file_link_text(r->file, name, sizeof name);
        else if (r->growsdown)
            l = (long)strlcpy(name, "[stack]", sizeof name);
        else if (r->start < brk && r->end > brk_start)
            l = (long)strlcpy(name, "[heap]", sizeof name);
        if (l > 0) {
            while (n - start < 73) /* the names in a column, as Linux pads them */
                buf[n++] = ' ';
            memcpy(buf + n, name, (size_t)l);
            n += (size_t)l;
        }
        buf[n++] = '\n';
    }
    uspace_unlock(us);
    return n;
}

/* The highest start of @p len free bytes ending at or below @p below
 * between two regions of the subtree at @p n, or 0: a subtree whose
 * largest gap is too small, or which starts too high, is passed by. */
static uintptr_t gap_in(const struct avl_node *n, size_t len, uintptr_t below)
{
    if (!n)
        return 0;
    const struct uregion *r = container_of(n, struct uregion, node);
    if (r->gap < len || r->lo > below || below - r->lo < len)
        return 0;
    const struct uregion *h = n->right ? container_of(n->right, struct uregion, node) : NULL;
    const struct uregion *l = n->left ? container_of(n->left, struct uregion, node) : NULL;
    uintptr_t a = gap_in(n->right, len, below), top;
    if (a)
        return a;
    if (h && (top = h->lo < below ? h->lo : below) >= r->end && top - r->end >= len)
        return top - len;
    if (l && (top = r->start < below ? r->start : below) >= l->hi && top - l->hi >= len)
        return top - len;
    return gap_in(n->left, len, below);
}

uintptr_t uspace_find_free(struct uspace *us, size_t len, uintptr_t below)
{
    /* Highest first: above every region, between two, below every one. */
    const struct avl_node *root = us->regions.root;
    const struct uregion *all = root ? container_of(root, struct uregion, node) : NULL;
    uintptr_t lo = all ? all->hi : PAGE_SIZE, top = hal_user_top() < below ? hal_user_top() : below, a;
    if (top >= lo && top - lo >= len)
        return top - len;
    if (!all)
        return 0;
    if ((a = gap_in(root, len, below)) != 0)
        return a;
    top = all->lo < below ? all->lo : below;
    return top >= PAGE_SIZE && top - PAGE_SIZE >= len ? top - len : 0;
}

int uspace_overlaps(struct uspace *us, uintptr_t va, size_t len)
{
    struct uregion *r = uspace_region_from(us, va);
    return r && r->start < va + len;
}

size_t uspace_mapped(struct uspace *us, uintptr_t va, size_t len)
{
    size_t n = 0;
    for (struct uregion *r = uspace_region_from(us, va); r && r->start < va + len; r = uregion_next(r))
        n += (r->end < va + len ? r->end : va + len) - (r->start > va ? r->start : va);
    return n;
}

size_t uspace_locked(struct uspace *us, uintptr_t va, size_t len)
{
    size_t n = 0;
    for (struct uregion *r = uspace_region_from(us, va); r && r->start < va + len; r = uregion_next(r))
        if (r->locked)
            n += (r->end < va + len ? r->end : va + len) - (r->start > va ? r->start : va);
    return n;
}

void uspace_sync_icache(struct uspace *us, uintptr_t va, size_t len)
{
    uintptr_t end = va + len;
    for (uintptr_t p = va & ~(uintptr_t)(PAGE_SIZE - 1); (p = vm_next_mapped(&us->as, p, end)) < end;
         p += PAGE_SIZE) {
        uint64_t pa;
        if (vm_translate(&us->as, p, &pa, NULL) == 0)
            hal_icache_sync(hal_phys_to_virt(pa & ~(uint64_t)(PAGE_SIZE - 1)), PAGE_SIZE);
    }
}

/* Whether frame @p pa, mapped in region @p r, is its file's own (a page
 * of the file's cache or store), not a copy of the process's own: a
 * private file mapping's page it read and never wrote (a page it wrote, a
 * RELRO page written then made read-only, or a last page read past the
 * file's end, is a frame of its own). */
static int file_frame(const struct uregion *r, uint64_t pa)
{
    return r->file && file_page_is(pa & ~(uint64_t)(PAGE_SIZE - 1));
}

/* The pages @p src has in @p r that are its own, mapped in @p us too,
 * shared copy-on-write: read-only in both if writable. A file's own frame
 * (every page of a shared mapping, a private one's pages not yet written)
 * is left out: the child's first touch maps it from the file again, as its
 * parent's did (and its neighbours with it, fault_around()), so a fork
 * copies, and the child's exit or exec tears down, only what the parent
 * made its own. A run of mapped pages at a time (one walk of the parent's
 * table for up to 64 pages, one change of rights per run of copies).
 * 0 or -ENOMEM. */
static int share_pages(struct uspace *src, struct uspace *us, const struct uregion *r)
{
    if (r->shared)
        return 0; /* the file's frames, all of them */
    unsigned shared = pte_prot(r->prot, 1);
    uint64_t pa[64];
    for (uintptr_t p = r->start, k; (k = next_run(&src->as, &p, r->end, pa)) != 0; p += k * PAGE_SIZE) {
        uint64_t own[64];
        size_t n = 0;
        for (size_t i = 0; i < k; i++) {
            own[i] = file_frame(r, pa[i]) ? 0 : pa[i] & ~(uint64_t)(PAGE_SIZE - 1);
            n += own[i] != 0;
        }
        if (!n)
            continue;
        /* (the run is in one table: vm_mapped_run() stops at its end) */
        long m = vm_map_pages(&us->as, p, own, k, shared);
        for (size_t i = 0; m > 0 && i < k; i++)
            if (!own[i] && !file_frame(r, pa[i])) /* mapped: counted, so the child's teardown puts it */
                __atomic_add_fetch(maps_of(pa[i] & ~(uint64_t)(PAGE_SIZE - 1)), 1, __ATOMIC_ACQ_REL);
        if (m > 0)
            pages_add(us, m);
        if (m != (long)n)
            return -ENOMEM;
        for (size_t i = 0, j; i < k; i = j) {
            for (j = i; j < k && !file_frame(r, pa[j]); j++)
                ;
            if (j > i && (r->prot & MMU_WRITE) &&
                vm_protect(&src->as, p + i * PAGE_SIZE, (j - i) * PAGE_SIZE, shared) != 0)
                return -ENOMEM;
            while (j < k && file_frame(r, pa[j]))
                j++; /* read-only in the parent already */
        }
    }
    return 0;
}

struct uspace *uspace_clone(struct uspace *src)
{
    struct uspace *us = uspace_create();
    if (!us)
        return NULL;
    us->mmap_top = src->mmap_top;
    for (struct uregion *r = region_at(avl_first(&src->regions)); r; r = uregion_next(r)) {
        if (r->dontfork)
            continue;
        struct uregion *c = region_new(us, r, r->start, r->end);
        if (!c) {
            uspace_destroy(us);
            return NULL;
        }
        c->locked = 0; /* a child inherits no locks (POSIX) */
        avl_insert_after(&us->regions, avl_last(&us->regions), &c->node);
        us->nregions++;
        region_count(us, c, 1);
        /* A file's pages under its mappings lock: a truncate takes them
         * from both spaces, before the copy or after it. */
        rlock(r);
        int e = r->wipeonfork ? 0 : share_pages(src, us, r); /* wiped: zero pages when touched */
        runlock(r);
        if (e) {
            uspace_destroy(us);
            return NULL;
        }
    }
    return us;
}

/* The pages of @p r get rights @p prot (a page still shared stays read-only:
 * its first write copies it). 0 or -ENOMEM. */
static int protect_pages(struct uspace *us, const struct uregion *r, unsigned prot)
{
    for (uintptr_t p = r->start; (p = vm_next_mapped(&us->as, p, r->end)) < r->end; p += PAGE_SIZE) {
        uint64_t pa;
        if (vm_translate(&us->as, p, &pa, NULL) != 0)
            continue;
        int cow = __atomic_load_n(maps_of(pa & ~(uint64_t)(PAGE_SIZE - 1)), __ATOMIC_ACQUIRE) > 1;
        if (vm_protect(&us->as, p, PAGE_SIZE, pte_prot(prot, cow)) != 0)
            return -ENOMEM;
        if ((prot & MMU_EXEC) && !(prot & UPROT_NONE))
            sync_exec(pa & ~(uint64_t)(PAGE_SIZE - 1));
    }
    return 0;
}

int uspace_protect(struct uspace *us, uintptr_t va, size_t len, unsigned prot)
{
    if (!in_user(va, len) || (prot & ~(MMU_WRITE | MMU_EXEC | UPROT_NONE)))
        return -EINVAL;
    if ((prot & (MMU_WRITE | MMU_EXEC)) == (MMU_WRITE | MMU_EXEC))
        return -EACCES;
    uintptr_t end = va + len;
    /* All of it mapped, or nothing changes (Linux: ENOMEM). */
    if (!all_mapped(us, va, end))
        return -ENOMEM;
    /* A shared mapping writes its file: only one open for writing (Linux:
     * EACCES, nothing changed). */
    for (struct uregion *r = uspace_region_from(us, va); r && r->start < end; r = uregion_next(r))
        if (r->shared && (prot & MMU_WRITE) && (r->file->flags & O_ACCMODE) != O_RDWR)
            return -EACCES;
    /* Cut regions at va and end, then change those between, then join
     * what may be one again. */
    int e = region_cut_at(us, va, end);
    for (struct uregion *r = uspace_region_from(us, va); !e && r && r->start < end; r = uregion_next(r)) {
        r->prot = prot;
        rlock(r);
        e = protect_pages(us, r, prot);
        runlock(r);
    }
    for (struct uregion *r = uspace_region_from(us, va); r && r->start < end; r = uregion_next(r))
        r = region_merge(us, r);
    return e;
}

/* The pages of [va, end) made present as a program's accesses would (a
 * write to writable private memory, so no copy-on-write is left), as
 * mlock() does: 0, or -ENOMEM if frames ran out (a page a fault would
 * signal for, or of PROT_NONE, is left out). */
static int populate(struct uspace *us, uintptr_t va, uintptr_t end)
{
    for (struct uregion *r = uspace_region_from(us, va); r && r->start < end; r = uregion_next(r)) {
        if (r->prot & UPROT_NONE)
            continue;
        unsigned access = (r->prot & MMU_WRITE) && !r->shared ? UFAULT_WRITE : 0;
        uintptr_t hi = r->end < end ? r->end : end;
        for (uintptr_t pg = r->start > va ? r->start : va; pg < hi; pg += PAGE_SIZE)
            if (!mapped_for(us, pg, access) && fault_locked(us, pg, access) == -ENOMEM)
                return -ENOMEM;
    }
    return 0;
}

/* The regions of [va, end), all mapped, locked or not; the locked ones populated. */
static int lock_regions(struct uspace *us, uintptr_t va, uintptr_t end, int lock)
{
    int e = region_cut_at(us, va, end);
    if (e)
        return e;
    for (struct uregion *r = uspace_region_from(us, va); r && r->start < end; r = uregion_next(r)) {
        if (r->locked != (lock != 0)) {
            region_count(us, r, -1);
            r->locked = lock != 0;
            region_count(us, r, 1);
        }
    }
    for (struct uregion *r = uspace_region_from(us, va); r && r->start < end; r = uregion_next(r))
        r = region_merge(us, r);
    return lock == 1 ? populate(us, va, end) : 0;
}

int uspace_lock_range(struct uspace *us, uintptr_t va, size_t len, int lock)
{
    if (!len || va + len < va || !all_mapped(us, va, va + len))
        return -ENOMEM;
    return lock_regions(us, va, va + len, lock);
}

int uspace_lock_all(struct uspace *us, int lock)
{
    /* Run by run of regions without a hole: only what is mapped. */
    int e = 0;
    for (struct uregion *r = region_at(avl_first(&us->regions)); r && !e;) {
        uintptr_t lo = r->start, hi = r->end;
        while ((r = uregion_next(r)) && r->start == hi)
            hi = r->end;
        e = lock_regions(us, lo, hi, lock);
        r = uspace_region_from(us, hi);
    }
    return e;
}

/* Every frame mapped in @p r put back, the entries left as they are: the
 * space is loaded nowhere and its tables go whole next (pt_destroy()), so
 * clearing each entry, flushing it and looking for emptied tables, as
 * release() must, is work for nothing. A file region leaves its inode's
 * list under the same taking of the mappings lock: a truncate then never
 * finds these entries to take their frames again. */
static void drop_pages(struct uspace *us, struct uregion *r)
{
    rlock(r);
    uint64_t pa[64];
    for (uintptr_t p = r->start, k; (k = next_run(&us->as, &p, r->end, pa)) != 0; p += k * PAGE_SIZE) {
        for (size_t i = 0; i < k; i++)
            frame_put(pa[i] & ~(uint64_t)(PAGE_SIZE - 1));
        pages_add(us, -(long)k);
    }
    if (r->file)
        list_del(&r->link); /* (region_free()'s list_del() of it again changes nothing) */
    runlock(r);
}

void uspace_destroy(struct uspace *us)
{
    for (struct uregion *r; (r = region_at(us->regions.root)) != NULL;) {
        drop_pages(us, r);
        region_unlink(us, r);
        region_free(r);
    }
    pt_destroy(&us->as);
    kfree(us);
}

void uspace_cut(struct inode *ino, uint64_t size)
{
    uint64_t from = (size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    mutex_lock(&ino->maps_lock);
    __atomic_add_fetch(&ino->cuts, 1, __ATOMIC_RELEASE); /* odd: a fault started now waits */
    list_for_each(n, &ino->maps) {
        struct uregion *r = container_of(n, struct uregion, link);
        if (r->off + (r->end - r->start) <= from)
            continue;
        uintptr_t va = r->off >= from ? r->start : r->start + (uintptr_t)(from - r->off);
        while (va < r->end) {
            uint64_t pa[64];
            size_t k = vm_take(&r->us->as, &va, r->end, pa, 64);
            for (size_t i = 0; i < k; i++)
                frame_put(pa[i]);
            pages_add(r->us, -(long)k);
        }
    }
    __atomic_add_fetch(&ino->cuts, 1, __ATOMIC_RELEASE); /* even again, and new: one that read it before starts over */
    mutex_unlock(&ino->maps_lock);
}
