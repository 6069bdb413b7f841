/**
 * @file test_asid.c
 * @brief Each CPU's ASID choices (kernel/mm/asid.c) against a model TLB:
 *        no load ever finds another space's entries, or a changed space's
 *        stale ones, under the ASID it is given; and a space reloaded
 *        unchanged before enough others came keeps its entries.
 */
#include "check.h"
#include <kernel/asid.h>
#include <stdlib.h>

static void test_sizes(void)
{
    struct asid_cpu c;
    unsigned hw[] = {0, 1, 2, 3, 17, 18, 256, 65536}, want[] = {0, 0, 1, 2, 16, 16, 16, 16};
    for (unsigned i = 0; i < sizeof hw / sizeof hw[0]; i++) {
        asid_cpu_init(&c, hw[i]);
        CHECK_EQ_INT(c.nslots, want[i]);
    }
    /* None: ASID 0 and a flush, every time, the same space or not. */
    asid_cpu_init(&c, 1);
    for (int i = 0; i < 4; i++) {
        int flush = 0;
        CHECK_EQ_INT(asid_pick(&c, 7, 0, &flush), 0);
        CHECK_EQ_INT(flush, 1);
    }
    CHECK_EQ_INT(c.flushes, 4);
    CHECK_EQ_INT(c.hits, 0);
}

static void test_lru(void)
{
    struct asid_cpu c;
    asid_cpu_init(&c, 4); /* three ASIDs */
    int flush;
    unsigned a1 = asid_pick(&c, 1, 0, &flush);
    CHECK(flush);
    unsigned a2 = asid_pick(&c, 2, 0, &flush);
    CHECK(flush);
    unsigned a3 = asid_pick(&c, 3, 0, &flush);
    CHECK(flush);
    CHECK(a1 != a2 && a2 != a3 && a1 != a3);
    CHECK(a1 >= 1 && a1 <= 3 && a2 >= 1 && a2 <= 3 && a3 >= 1 && a3 <= 3);
    CHECK_EQ_INT(asid_pick(&c, 1, 0, &flush), a1); /* 1 is now the newest */
    CHECK(!flush);
    CHECK_EQ_INT(asid_pick(&c, 4, 0, &flush), a2); /* 2 the oldest: its ASID goes */
    CHECK(flush);
    CHECK_EQ_INT(asid_pick(&c, 3, 0, &flush), a3);
    CHECK(!flush);
    CHECK_EQ_INT(asid_pick(&c, 3, 1, &flush), a3); /* changed since: flushed, same ASID */
    CHECK(flush);
    CHECK_EQ_INT(asid_pick(&c, 3, 1, &flush), a3);
    CHECK(!flush);
    CHECK_EQ_INT(c.hits, 3);
    CHECK_EQ_INT(c.flushes, 5);
}

/* The model: what the TLB may hold under each ASID, the space and the
 * count of its changes when its entries were walked. A change to the space
 * loaded now is flushed where it is made (the walker's own flush), so its
 * entries stay true; one to any other space leaves its entries stale. */
#define SPACES 40
#define MAXASID 17

static void test_random(unsigned hw, unsigned spaces, unsigned seed)
{
    struct asid_cpu c;
    asid_cpu_init(&c, hw);
    struct { uint64_t id, gen; int valid; } tlb[MAXASID] = {{0}};
    uint64_t gen[SPACES] = {0};
    uint64_t last_load[SPACES] = {0}, changed_at[SPACES] = {0};
    int loaded = -1, bad = 0, missed = 0;
    srand(seed);
    for (uint64_t step = 1; step < 20000 && bad < 5; step++) {
        int s = rand() % (int)spaces;
        if (rand() % 4 == 0) { /* a change to s */
            gen[s]++;
            changed_at[s] = step;
            if (s == loaded)
                for (unsigned a = 0; a < MAXASID; a++)
                    if (tlb[a].valid && tlb[a].id == (uint64_t)s + 1)
                        tlb[a].gen = gen[s];
            continue;
        }
        if (s == loaded)
            continue; /* the scheduler loads only a different space */
        int flush = 0;
        unsigned a = asid_pick(&c, (uint64_t)s + 1, gen[s], &flush);
        if (a >= MAXASID || (c.nslots && (a < 1 || a > c.nslots)) || (!c.nslots && a != 0)) {
            bad++;
            continue;
        }
        if (flush)
            tlb[a].valid = 0;
        if (tlb[a].valid && (tlb[a].id != (uint64_t)s + 1 || tlb[a].gen != gen[s])) {
            fprintf(stderr, "step %lu: space %d under ASID %u finds space %lu's entries (gen %lu, now %lu)\n",
                    (unsigned long)step, s, a, (unsigned long)tlb[a].id - 1, (unsigned long)tlb[a].gen,
                    (unsigned long)gen[s]);
            bad++;
        }
        /* Kept when it could be: loaded before, unchanged since, and fewer
         * than nslots other spaces loaded in between (least recently used
         * goes out, so nothing pushed it out). */
        unsigned others = 0;
        for (unsigned o = 0; o < spaces; o++)
            others += (int)o != s && last_load[o] > last_load[s];
        if (c.nslots && last_load[s] && changed_at[s] < last_load[s] && others < c.nslots && flush)
            missed++;
        last_load[s] = step;
        tlb[a].valid = 1;
        tlb[a].id = (uint64_t)s + 1;
        tlb[a].gen = gen[s];
        loaded = s;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(missed, 0);
}

int main(void)
{
    test_sizes();
    test_lru();
    unsigned hws[] = {1, 2, 3, 5, 17, 256};
    unsigned nspaces[] = {2, 3, 8, 16, 17, 40};
    for (unsigned h = 0; h < sizeof hws / sizeof hws[0]; h++)
        for (unsigned n = 0; n < sizeof nspaces / sizeof nspaces[0]; n++)
            for (unsigned seed = 1; seed <= 3; seed++)
                test_random(hws[h], nspaces[n], seed * 7919 + h * 31 + n);
    return CHECK_DONE("test_asid");
}
