/**
 * @file pmm_tests.c
 * @brief In-kernel tests of the page allocator's lazily set-up RAM.
 *
 * pmm_init hands only about 1 MiB to the buddy; the rest is pending until
 * the free lists run dry or the pmm-fill thread adds it after the prompt
 * (kernel/pmm.h). These tests check that the background work finishes,
 * that pending RAM was counted as managed all along, and that a frame's
 * metadata is there once it is handed out. Running out and recovering (which adds pending
 * RAM on demand) is mm_tests.c's exhaustion test.
 */
#include <kernel/buddy.h>
#include <kernel/ktest.h>
#include <kernel/pmm.h>
#include <kernel/sched.h>

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
