/**
 * @file pcache_tests.c
 * @brief ktests of the page cache's read-ahead in the background, over an
 *        owner in memory whose background reads end only when the test
 *        says (by a timer, in interrupt context, as a disk's would): the
 *        next window is read while the reader is elsewhere and taken when
 *        reached; a write while it is in flight drops it (the disk may have
 *        been read before the write went back); truncating and destroying
 *        the cache wait for it and give every frame back. Write-back in the
 *        background: its pages stay while in flight, waits wait, an error
 *        is reported once, truncation waits. And the flusher:
 *        woken by a page made dirty, asleep with no timer once none is.
 */
#include <hal/mmu.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/file_page.h>
#include <kernel/kmalloc.h>
#include <kernel/ktest.h>
#include <kernel/ktimer.h>
#include <kernel/kprintf.h>
#include <kernel/pcache.h>
#include <kernel/sched.h>
#include <kernel/string.h>

#define T_PAGES 64u

/* The "disk": T_PAGES pages; background reads held until fire(). */
struct fake {
    uint8_t *store;
    unsigned sync_reads; /* pages read by .read */
    struct {
        uint64_t index;
        unsigned n;
        void *pages[PCACHE_RA_MAX];
        struct pcache_io *io;
        uint8_t stale; /* nonzero: the read returns this byte, not the store */
    } held;
    int holding;
    struct ktimer timer;
    struct { /* a write-back in the background, held until fire_write() */
        uint64_t index;
        unsigned n;
        void *pages[PCACHE_RA_MAX];
        struct pcache_io *io;
        int err;     /* what it ends with */
        int refuse;  /* nonzero: write_async fails with this, nothing started */
        int holding;
        unsigned started;
    } w;
    struct ktimer wtimer;
};

static uint8_t byte_at(uint64_t index, size_t off) { return (uint8_t)(index * 7 + off % 251 + 1); }

static int f_read(struct pcache *pc, uint64_t index, unsigned n, void *const pages[], void *scratch)
{
    (void)scratch;
    struct fake *f = pc->priv;
    for (unsigned i = 0; i < n; i++)
        memcpy(pages[i], f->store + (index + i) * PAGE_SIZE, PAGE_SIZE);
    f->sync_reads += n;
    return 0;
}

static int f_read_async(struct pcache *pc, uint64_t index, unsigned n, void *const pages[], struct pcache_io *io)
{
    struct fake *f = pc->priv;
    if (f->holding)
        return -EBUSY; /* one at a time here (the cache never asks for two) */
    f->held.index = index;
    f->held.n = n;
    for (unsigned i = 0; i < n; i++)
        f->held.pages[i] = pages[i];
    f->held.io = io;
    f->holding = 1;
    pcache_io_start(io);
    return 0;
}

static int f_write(struct pcache *pc, uint64_t index, unsigned n, void *const pages[], const uint8_t masks[],
                   void *scratch)
{
    (void)scratch, (void)masks;
    struct fake *f = pc->priv;
    for (unsigned i = 0; i < n; i++)
        memcpy(f->store + (index + i) * PAGE_SIZE, pages[i], PAGE_SIZE);
    return 0;
}

static int f_write_async(struct pcache *pc, uint64_t index, unsigned n, void *const pages[], const uint8_t masks[],
                         struct pcache_io *io)
{
    (void)masks;
    struct fake *f = pc->priv;
    if (f->w.refuse)
        return f->w.refuse;
    if (f->w.holding)
        return -EBUSY; /* one at a time here: the cache writes that one itself */
    f->w.index = index;
    f->w.n = n;
    for (unsigned i = 0; i < n; i++)
        f->w.pages[i] = pages[i];
    f->w.io = io;
    f->w.holding = 1;
    f->w.started++;
    pcache_io_start(io);
    return 0;
}

static const struct pcache_ops f_ops = {.read = f_read, .read_async = f_read_async, .write = f_write,
                                        .write_async = f_write_async};

/* End the held write: the store gets the frames' bytes now (they must
 * still be the cache's), unless it fails. */
static void fire_write(struct ktimer *t, void *arg)
{
    (void)t;
    struct fake *f = arg;
    if (!f->w.holding)
        return;
    if (!f->w.err)
        for (unsigned i = 0; i < f->w.n; i++)
            memcpy(f->store + (f->w.index + i) * PAGE_SIZE, f->w.pages[i], PAGE_SIZE);
    f->w.holding = 0;
    pcache_io_end(f->w.io, f->w.err);
}

/* End the held read (interrupt context when run by the timer). */
static void fire(struct ktimer *t, void *arg)
{
    (void)t;
    struct fake *f = arg;
    if (!f->holding)
        return;
    for (unsigned i = 0; i < f->held.n; i++) {
        if (f->held.stale)
            memset(f->held.pages[i], f->held.stale, PAGE_SIZE);
        else
            memcpy(f->held.pages[i], f->store + (f->held.index + i) * PAGE_SIZE, PAGE_SIZE);
    }
    f->holding = 0;
    pcache_io_end(f->held.io, 0);
}

static struct fake *fake_new(struct pcache *pc)
{
    struct fake *f = kzalloc(sizeof *f);
    if (f && !(f->store = kmalloc(T_PAGES * PAGE_SIZE))) {
        kfree(f);
        f = NULL;
    }
    if (!f)
        return NULL;
    for (uint64_t p = 0; p < T_PAGES; p++)
        for (size_t o = 0; o < PAGE_SIZE; o++)
            f->store[p * PAGE_SIZE + o] = byte_at(p, o);
    ktimer_init(&f->timer, fire, f);
    ktimer_init(&f->wtimer, fire_write, f);
    pcache_init(pc, &f_ops, f, 9);
    return f;
}

static void fake_free(struct fake *f)
{
    ktimer_cancel(&f->timer);
    ktimer_cancel(&f->wtimer);
    kfree(f->store);
    kfree(f);
}

/* Page @p index read through the cache equals @p want (a byte) or the store. */
static int page_is(struct pcache *pc, struct fake *f, uint64_t index, int want)
{
    uint64_t pa;
    if (pcache_get(pc, index, T_PAGES, &pa))
        return 0;
    const uint8_t *p = hal_phys_to_virt(pa);
    int ok = 1;
    for (size_t o = 0; o < PAGE_SIZE && ok; o++)
        ok = p[o] == (want >= 0 ? (uint8_t)want : f->store[index * PAGE_SIZE + o]);
    file_page_put(pa);
    return ok;
}

/* A test's cache over a fresh fake owner with page 0 read through it, so
 * the next window is out: @p first whether page 0 read right, @p started
 * whether the window went out, @p base the file pages in use before. */
struct rig {
    struct pcache pc;
    struct fake *f;
    uint64_t base;
    int first, started;
};

static int rig_open(struct rig *r)
{
    r->base = file_pages_in_use();
    r->f = fake_new(&r->pc);
    if (!r->f)
        return 0;
    r->first = page_is(&r->pc, r->f, 0, -1);
    r->started = r->f->holding;
    return 1;
}

/* Free the owner (its cache destroyed): how many file pages were not given back. */
static uint64_t rig_free(struct rig *r)
{
    uint64_t left = file_pages_in_use() - r->base;
    fake_free(r->f);
    return left;
}

KTEST(pcache_reads_the_next_window_in_the_background)
{
    /* Page 0 is read (with its window), the next window starts. */
    struct rig r;
    KT_ASSERT(rig_open(&r));
    struct pcache *pc = &r.pc;
    struct fake *f = r.f;
    uint64_t next = f->held.index;
    unsigned sync = f->sync_reads;
    fire(&f->timer, f);
    /* Reading on to that window takes its pages: no read of them now. */
    int ok = 1;
    for (uint64_t i = 1; i < next + 1 && ok; i++)
        ok = page_is(pc, f, i, -1);
    unsigned sync_after = f->sync_reads;
    fire(&f->timer, f); /* the one after, if started */
    int err = pcache_destroy(pc);
    uint64_t left = rig_free(&r);
    KT_ASSERT(r.first);
    KT_ASSERT(r.started);
    KT_ASSERT(next == sync); /* it begins where the first read ended */
    KT_ASSERT(ok);
    KT_ASSERT(sync_after == sync);
    KT_ASSERT(err == 0);
    KT_ASSERT(left == 0);
}

KTEST(pcache_background_window_dropped_after_a_write)
{
    struct rig r;
    KT_ASSERT(rig_open(&r));
    struct pcache *pc = &r.pc;
    struct fake *f = r.f;
    uint64_t w = f->held.index; /* a page of the window in flight */
    /* A write to a page of that window while its read is out; the read
     * then brings what the disk held before (0xee here). */
    uint8_t data[100];
    memset(data, 0x42, sizeof data);
    int wr = pcache_rw(pc, (w + 1) * PAGE_SIZE + 10, data, sizeof data, 1);
    f->held.stale = 0xee;
    fire(&f->timer, f);
    f->held.stale = 0;
    /* Neither page may show the stale bytes: the window was dropped. */
    int fresh = page_is(pc, f, w, -1);
    uint8_t back[100];
    int rd = pcache_rw(pc, (w + 1) * PAGE_SIZE + 10, back, sizeof back, 0);
    int same = memcmp(back, data, sizeof data) == 0;
    fire(&f->timer, f);
    int err = pcache_destroy(pc);
    uint64_t left = rig_free(&r);
    KT_ASSERT(r.first && r.started);
    KT_ASSERT(wr == 0 && rd == 0);
    KT_ASSERT(fresh);
    KT_ASSERT(same);
    KT_ASSERT(err == 0);
    KT_ASSERT(left == 0);
}

KTEST(pcache_truncate_and_destroy_wait_for_the_background_read)
{
    struct rig r;
    KT_ASSERT(rig_open(&r));
    struct pcache *pc = &r.pc;
    struct fake *f = r.f;
    /* The read ends 20 ms from now, from the timer's interrupt: truncate
     * must wait for it before it lets the frames go. */
    uint64_t t0 = hal_time_ns();
    ktimer_arm(&f->timer, t0 + 20000000ull);
    pcache_truncate(pc, 0);
    uint64_t waited = hal_time_ns() - t0;
    int ended = !f->holding;
    /* Again, through destroy. */
    int again = page_is(pc, f, 0, -1) && f->holding;
    ktimer_arm(&f->timer, hal_time_ns() + 20000000ull);
    int err = pcache_destroy(pc);
    int ended2 = !f->holding;
    uint64_t left = rig_free(&r);
    KT_ASSERT(r.first && r.started);
    KT_ASSERT(ended && waited >= 20000000ull);
    KT_ASSERT(again && ended2);
    KT_ASSERT(err == 0);
    KT_ASSERT(left == 0);
}

/* Whether the flusher is asleep with no timer within 3 s; *@p others set
 * when some cache holds dirty pages (then it has work and may not sleep). */
static int flusher_asleep(int *others)
{
    struct pcache_stats st;
    uint64_t end = hal_time_ns() + 3000000000ull;
    for (;;) {
        pcache_stats(&st);
        *others = st.dirty != 0;
        if (st.flusher_idle || *others || hal_time_ns() >= end)
            return st.flusher_idle;
        thread_sleep_ms(20);
    }
}

KTEST(pcache_flusher_wakes_for_a_dirty_page_and_sleeps_without_a_timer_after)
{
    struct pcache pc;
    struct fake *f = fake_new(&pc);
    KT_ASSERT(f);
    int others = 0;
    int before = flusher_asleep(&others);
    uint8_t data[100];
    memset(data, 0x42, sizeof data);
    int wr = pcache_rw(&pc, 10, data, sizeof data, 1);
    struct pcache_stats st;
    pcache_stats(&st);
    int woken = !st.flusher_idle; /* set_dirty() took the flag */
    int err = pcache_writeback(&pc);
    /* Its pass, a second after it woke, finds nothing left; then it
     * sleeps until the next dirty page. */
    int after = flusher_asleep(&others);
    int destroyed = pcache_destroy(&pc);
    fake_free(f);
    KT_ASSERT(wr == 0 && err == 0 && destroyed == 0);
    if (others) {
        kprintf("  (another cache has dirty pages, so the flusher has work: its sleep not checked)\n");
        return;
    }
    KT_ASSERT(before);
    KT_ASSERT(woken);
    KT_ASSERT(after);
}

/* Page @p index of the store holds @p data at @p off. */
static int stored(struct fake *f, uint64_t index, size_t off, const uint8_t *data, size_t n)
{
    return memcmp(f->store + index * PAGE_SIZE + off, data, n) == 0;
}

KTEST(pcache_background_write_back_keeps_its_pages_and_is_waited_for)
{
    struct pcache pc;
    uint64_t base = file_pages_in_use();
    struct fake *f = fake_new(&pc);
    KT_ASSERT(f);
    uint8_t data[100];
    memset(data, 0x42, sizeof data);
    /* Started, not ended: the page is clean, the store not yet written,
     * and however hard the reclaimer tries, the frame the device reads
     * stays the cache's (reading it back needs no read of the disk). */
    int wr = pcache_rw(&pc, 3 * PAGE_SIZE + 10, data, sizeof data, 1);
    pcache_writeback_start(&pc);
    int held = f->w.holding && f->w.index == 3 && f->w.n == 1 && !stored(f, 3, 10, data, sizeof data);
    int clean = pc.dirty == 0;
    pcache_reclaim((size_t)-1);
    unsigned reads = f->sync_reads;
    uint8_t back[100];
    int rd = pcache_rw(&pc, 3 * PAGE_SIZE + 10, back, sizeof back, 0);
    int kept = f->sync_reads == reads && memcmp(back, data, sizeof data) == 0;
    /* The wait waits for the end (20 ms on, from the timer's interrupt). */
    uint64_t t0 = hal_time_ns();
    ktimer_arm(&f->wtimer, t0 + 20000000ull);
    int err = pcache_writeback_wait(&pc);
    int waited = hal_time_ns() - t0 >= 20000000ull && !f->w.holding && stored(f, 3, 10, data, sizeof data);
    /* A failed write: its error once, from the wait. */
    memset(data, 0x43, sizeof data);
    int wr2 = pcache_rw(&pc, 3 * PAGE_SIZE + 10, data, sizeof data, 1);
    f->w.err = -EIO;
    pcache_writeback_start(&pc);
    fire_write(&f->wtimer, f);
    int failed = pcache_writeback_wait(&pc), once = pcache_writeback(&pc);
    f->w.err = 0;
    /* Truncation waits for a write in flight before it lets go of the frame. */
    int wr3 = pcache_rw(&pc, 3 * PAGE_SIZE + 10, data, sizeof data, 1);
    pcache_writeback_start(&pc);
    unsigned started = f->w.started;
    t0 = hal_time_ns();
    ktimer_arm(&f->wtimer, t0 + 20000000ull);
    pcache_truncate(&pc, 0);
    int truncated = hal_time_ns() - t0 >= 20000000ull && !f->w.holding && stored(f, 3, 10, data, sizeof data);
    /* An owner that cannot start a write in the background: written at once. */
    memset(data, 0x44, sizeof data);
    int wr4 = pcache_rw(&pc, 5 * PAGE_SIZE, data, sizeof data, 1);
    f->w.refuse = -ENOMEM;
    pcache_writeback_start(&pc);
    int at_once = !f->w.holding && stored(f, 5, 0, data, sizeof data);
    int err4 = pcache_writeback_wait(&pc);
    int destroyed = pcache_destroy(&pc);
    uint64_t left = file_pages_in_use() - base;
    fake_free(f);
    KT_ASSERT(wr == 0 && rd == 0 && wr2 == 0 && wr3 == 0 && wr4 == 0);
    KT_ASSERT(held && clean);
    KT_ASSERT(kept);
    KT_ASSERT(err == 0 && waited);
    KT_ASSERT(failed == -EIO && once == 0);
    KT_ASSERT(started == 3 && truncated);
    KT_ASSERT(at_once && err4 == 0);
    KT_ASSERT(destroyed == 0);
    KT_ASSERT(left == 0);
}
