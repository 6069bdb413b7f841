/**
 * @file pmm_tests.c
 * @brief In-kernel tests of the page allocator's lazily set-up RAM.
 *
 * pmm_init hands only about 1 MiB to the buddy; the rest is pending until
 * the free lists run dry or the pmm-fill thread adds it after the prompt
 * (kernel/pmm.h). These tests check that the background work finishes,
 * that pending RAM was counted as managed all along, and that a frame's
 * metadata is there once it is handed out; and the per-CPU frame caches
 * (a frame freed and taken again on one CPU, a double free of a cached
 * frame, two CPUs double-freeing one frame at once, frames moving between
 * CPUs' caches). Running out and recovering
 * (which adds pending RAM on demand, and drains every CPU's cache) is
 * mm_tests.c's exhaustion test.
 */
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/timer.h>
#include <kernel/buddy.h>
#include <kernel/errno.h>
#include <kernel/kprintf.h>
#include <kernel/ktest.h>
#include <kernel/log.h>
#include <kernel/pmm.h>
#include <kernel/sched.h>
#include <kernel/smp.h>

/* At 4 GiB under TCG the thread needs well under a second; give it 20. */
#define FILL_WAIT_MS 20000
#define FILL_POLL_MS 10

KTEST(pmm_pending_ram_is_added_in_the_background)
{
    struct pmm_stats before, st;
    pmm_stats(&before);
    st = before;
    /* Sleep, so that the PRIO_MIN thread gets the CPU. */
    for (unsigned ms = 0; st.pending_pages && ms < FILL_WAIT_MS; ms += FILL_POLL_MS) {
        thread_sleep_ms(FILL_POLL_MS);
        pmm_stats(&st);
    }
    KT_ASSERT(st.pending_pages == 0);
    /* Pending RAM was counted as managed all along. (Free pages may differ:
     * the pmm-fill thread's own stack comes and goes while we sleep; the
     * block counts of pending RAM are checked by test_buddy and by the
     * exhaustion test.) */
    KT_ASSERT(st.managed_pages == before.managed_pages);
}

/* Alone: another CPU could take a freed frame before we look at it. */
KTEST_ALONE(pmm_handed_out_frames_have_metadata)
{
    uint64_t pa[4];
    for (unsigned i = 0; i < 4; i++) {
        pa[i] = pmm_alloc(i == 3 ? BUDDY_MAX_ORDER : 0);
        KT_ASSERT(pa[i] != 0);
        struct page *p = pmm_page(pa[i]);
        KT_ASSERT(p != NULL && p->state == PAGE_USED);
    }
    for (unsigned i = 0; i < 4; i++)
        KT_ASSERT(pmm_free(pa[i], i == 3 ? BUDDY_MAX_ORDER : 0) == 0);
    KT_ASSERT(pmm_page(pa[0])->state != PAGE_USED);
}

/* ---- per-CPU frame caches ---- */

/* A single frame freed goes to this CPU's cache (still free in the
 * counts), comes back first, and freeing it twice is refused there as in
 * the buddy allocator; pmm_drain_cpu() hands the cache back without
 * changing the counts. The other CPUs are held meanwhile, so the counts
 * are this test's alone. */
KTEST(pmm_frames_cached_per_cpu)
{
    kt_pin_cpu(); /* this CPU's cache throughout */
    kt_hold_other_cpus();
    uint64_t mark = kt_log_mark();
    struct pmm_stats st0, st1, st2;
    uint64_t pa = pmm_alloc(0);
    pmm_stats(&st0);
    int freed = pa ? pmm_free(pa, 0) : -1;
    pmm_stats(&st1);
    int cached = pa && pmm_page(pa)->state == PAGE_CACHED;
    int twice = pa ? pmm_free(pa, 0) : 0; /* logged as a bad free */
    uint64_t again = pmm_alloc(0);
    int used = again ? pmm_page(again)->state == PAGE_USED : 0;
    int wrong_order = again ? pmm_free(again, 1) : 0;
    if (again)
        pmm_free(again, 0);
    pmm_drain_cpu();
    pmm_stats(&st2);
    /* Read while the others are held: once released, another CPU may take
     * the frame from the buddy allocator and free it into its own cache. */
    int drained = pa && pmm_page(pa)->state != PAGE_CACHED;
    kt_release_other_cpus();
    KT_ASSERT(pa != 0 && freed == 0);
    KT_ASSERT(cached && twice == -EALREADY);
    KT_ASSERT(again == pa && used); /* the cache is a stack: the last frame in comes out first */
    KT_ASSERT(wrong_order == -EINVAL);
    KT_ASSERT(drained);
    KT_ASSERT(st1.free_pages == st0.free_pages + 1);
    KT_ASSERT(st2.free_pages == st1.free_pages);
    /* the double free and the wrong order were each reported once */
    KT_ASSERT(klog_reports_since(mark, "(EALREADY)") == 1 && klog_reports_since(mark, "(EINVAL)") == 1);
}

#define PCP_FRAMES 96 /* more than PMM_PCP_MAX: refills and flushes both happen */

struct pcp_worker {
    uint64_t pa[PCP_FRAMES];
    unsigned cpu, bad;
    volatile unsigned *gate;
    struct pcp_worker *next; /* frees this one's frames */
};

static uint64_t tag_of(const struct pcp_worker *w, unsigned i)
{
    return (uint64_t)(w->cpu + 1) << 32 | i;
}

static int pcp_fill_then_free_next(void *arg)
{
    struct pcp_worker *w = arg;
    for (unsigned i = 0; i < PCP_FRAMES; i++) {
        w->pa[i] = pmm_alloc(0);
        if (!w->pa[i]) {
            w->bad++;
            continue;
        }
        uint64_t *v = hal_phys_to_virt(w->pa[i]);
        v[0] = v[511] = tag_of(w, i);
    }
    __atomic_fetch_add(w->gate, 1, __ATOMIC_ACQ_REL);
    unsigned all = w->gate[1];
    while (__atomic_load_n(w->gate, __ATOMIC_ACQUIRE) < all)
        thread_yield();
    /* Every frame the next worker holds is still its own (a frame handed
     * out twice would carry another tag), then it is freed here. */
    struct pcp_worker *o = w->next;
    for (unsigned i = 0; i < PCP_FRAMES; i++) {
        if (!o->pa[i])
            continue;
        const uint64_t *v = hal_phys_to_virt(o->pa[i]);
        if (v[0] != tag_of(o, i) || v[511] != tag_of(o, i) || pmm_free(o->pa[i], 0) != 0)
            w->bad++;
    }
    return 0;
}

/* One thread pinned to each CPU takes frames through its cache, then frees
 * those of the next CPU's thread: frames move between caches, none is
 * handed out twice, and once every cache is drained the free count is
 * what it was. */
KTEST(pmm_frames_move_between_cpu_caches)
{
    static struct pcp_worker w[SMP_MAX_CPUS];
    static volatile unsigned gate[2];
    int ids[SMP_MAX_CPUS];
    unsigned n = 0;
    for (unsigned c = 0; c < smp_cpu_slots(); c++)
        if (smp_cpu(c)->state == CPU_ONLINE)
            w[n++] = (struct pcp_worker){.cpu = c, .gate = gate};
    for (unsigned i = 0; i < n; i++)
        w[i].next = &w[(i + 1) % n];
    gate[0] = 0;
    gate[1] = n;
    for (unsigned i = 0; i < n; i++)
        ids[i] = thread_create_on("pcp", pcp_fill_then_free_next, &w[i], PRIO_DEFAULT, 0,
                                  1u << w[i].cpu);
    unsigned bad = 0;
    for (unsigned i = 0; i < n; i++) {
        if (ids[i] <= 0 || thread_join(ids[i], NULL) != 0)
            bad++;
        bad += w[i].bad;
    }
    KT_ASSERT(bad == 0);
}

#define RACE_ROUNDS 64

struct free_race {
    volatile uint64_t pa;
    volatile unsigned round, done, stop;
    int result[RACE_ROUNDS][2];
};

struct free_racer {
    struct free_race *race;
    unsigned side;
};

static int race_free(void *arg)
{
    struct free_racer *me = arg;
    struct free_race *r = me->race;
    for (unsigned i = 1; i <= RACE_ROUNDS; i++) {
        /* Spin, so both see the round start within a few instructions of
         * each other; yield now and then, for when they share a CPU. */
        for (unsigned spins = 1; __atomic_load_n(&r->round, __ATOMIC_ACQUIRE) < i; spins++) {
            if (r->stop)
                return 0;
            if (spins % 4096 == 0)
                thread_yield();
            else
                hal_cpu_relax();
        }
        r->result[i - 1][me->side] = pmm_free(r->pa, 0);
        __atomic_fetch_add(&r->done, 1, __ATOMIC_ACQ_REL);
    }
    return 0;
}

/* A caller's double free racing itself: two threads on two CPUs (one CPU:
 * both there) free the same frame at the same moment, 64 times. Exactly one
 * free of each round succeeds; the other is refused as a double free, so
 * the frame is never in two CPUs' caches (it would be handed out twice). */
KTEST(pmm_racing_double_free_caught)
{
    static struct free_race race;
    static struct free_racer racer[2];
    unsigned cpus[2] = {0, 0}, n = 0;
    for (unsigned c = 0; c < smp_cpu_slots() && n < 2; c++)
        if (smp_cpu(c)->state == CPU_ONLINE)
            cpus[n++] = c;
    if (n == 1)
        cpus[1] = cpus[0];
    race = (struct free_race){0};
    uint64_t mark = kt_log_mark();
    int ids[2];
    for (unsigned s = 0; s < 2; s++) {
        racer[s] = (struct free_racer){&race, s};
        ids[s] = thread_create_on("racer", race_free, &racer[s], PRIO_DEFAULT, 0, 1u << cpus[s]);
    }
    unsigned bad = 0, rounds = 0;
    for (unsigned i = 1; i <= RACE_ROUNDS && ids[0] > 0 && ids[1] > 0; i++) {
        if (!(race.pa = pmm_alloc(0)))
            break;
        __atomic_store_n(&race.round, i, __ATOMIC_RELEASE);
        /* Bounded, like every wait in a test (yielding: with one CPU the
         * racers run on this one). */
        uint64_t end = hal_time_ns() + 2000000000ull;
        while (__atomic_load_n(&race.done, __ATOMIC_ACQUIRE) < 2 * i && hal_time_ns() < end)
            thread_yield();
        if (__atomic_load_n(&race.done, __ATOMIC_ACQUIRE) < 2 * i) {
            kprintf("round %u: the racers did not both free within 2 s\n", i);
            break;
        }
        int a = race.result[i - 1][0], b = race.result[i - 1][1];
        if (!((a == 0 && b == -EALREADY) || (a == -EALREADY && b == 0))) {
            kprintf("round %u: the two frees returned %d and %d\n", i, a, b);
            bad++;
        }
        rounds++;
    }
    race.stop = 1;
    for (unsigned s = 0; s < 2; s++)
        KT_ASSERT(ids[s] > 0 && thread_join(ids[s], NULL) == 0);
    KT_ASSERT(rounds == RACE_ROUNDS);
    KT_ASSERT(bad == 0);
    /* each refused free was reported once, naming the caller */
    KT_ASSERT(klog_reports_since(mark, "bad free of") == RACE_ROUNDS);
    KT_ASSERT(klog_reports_since(mark, "from race_free+") == RACE_ROUNDS);
}
