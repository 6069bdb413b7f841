/**
 * @file test_runqueue.c
 * @brief The ready queue: strict priority, FIFO (round-robin) within one,
 *        removal from the middle, the bitmap tracking empties, finding the
 *        first match in pick order; plus a random workout against a simple
 *        model.
 */
#include "check.h"
#include <kernel/runqueue.h>
#include <stdlib.h>

static struct sched_entity ents[64];

static int idx(struct sched_entity *se) { return se ? (int)(se - ents) : -1; }

static void test_priority_and_fifo(void)
{
    struct runqueue rq;
    rq_init(&rq);
    CHECK(rq_pop(&rq) == NULL);
    CHECK_EQ_INT(rq_top_prio(&rq), -1);
    int prios[] = {5, 20, 5, 31, 20, 1, 0};
    for (int i = 0; i < 7; i++) {
        ents[i].prio = prios[i];
        rq_push(&rq, &ents[i]);
    }
    CHECK_EQ_INT(rq.nr, 7);
    CHECK_EQ_INT(rq_top_prio(&rq), 31);
    int order[] = {3, 1, 4, 0, 2, 5, 6}; /* by priority, arrival order within one */
    for (int i = 0; i < 7; i++)
        CHECK_EQ_INT(idx(rq_pop(&rq)), order[i]);
    CHECK(rq_pop(&rq) == NULL);
    CHECK_EQ_INT(rq.bitmap[0] | rq.bitmap[1] | rq.bitmap[2], 0);
    CHECK_EQ_INT(rq.nr, 0);
}

static void test_round_robin(void)
{
    struct runqueue rq;
    rq_init(&rq);
    for (int i = 0; i < 3; i++) {
        ents[i].prio = 16;
        rq_push(&rq, &ents[i]);
    }
    /* Pop, "run", push back: the three take turns. */
    int seen[9];
    for (int i = 0; i < 9; i++) {
        struct sched_entity *se = rq_pop(&rq);
        seen[i] = idx(se);
        rq_push(&rq, se);
    }
    for (int i = 0; i < 9; i++)
        CHECK_EQ_INT(seen[i], i % 3);
}

static void test_remove(void)
{
    struct runqueue rq;
    rq_init(&rq);
    for (int i = 0; i < 4; i++) {
        ents[i].prio = i < 2 ? 7 : 9;
        rq_push(&rq, &ents[i]);
    }
    rq_remove(&rq, &ents[2]);
    rq_remove(&rq, &ents[3]);
    CHECK_EQ_INT(rq_top_prio(&rq), 7); /* the bitmap dropped prio 9 */
    rq_remove(&rq, &ents[3]);          /* not queued: no effect */
    CHECK_EQ_INT(rq.nr, 2);
    rq_remove(&rq, &ents[0]);
    CHECK_EQ_INT(idx(rq_pop(&rq)), 1);
    CHECK(rq_pop(&rq) == NULL);
}

/* Random pushes, pops and removals against a model: an array of queued
 * flags and arrival stamps. */
static void test_random(void)
{
    struct runqueue rq;
    rq_init(&rq);
    int queued[64] = {0};
    long stamp[64], clock = 0;
    srand(1234);
    for (int step = 0; step < 200000; step++) {
        int i = rand() % 64, op = rand() % 3;
        if (op == 0 && !queued[i]) {
            ents[i].prio = rand() % SCHED_PRIOS;
            rq_push(&rq, &ents[i]);
            queued[i] = 1;
            stamp[i] = clock++;
        } else if (op == 1) {
            int best = -1;
            for (int k = 0; k < 64; k++)
                if (queued[k] && (best < 0 || ents[k].prio > ents[best].prio ||
                                  (ents[k].prio == ents[best].prio && stamp[k] < stamp[best])))
                    best = k;
            int got = idx(rq_pop(&rq));
            CHECK_EQ_INT(got, best);
            if (got >= 0)
                queued[got] = 0;
        } else if (op == 2 && queued[i]) {
            rq_remove(&rq, &ents[i]);
            queued[i] = 0;
        }
    }
    unsigned n = 0;
    for (int k = 0; k < 64; k++)
        n += (unsigned)queued[k];
    CHECK_EQ_INT(rq.nr, n);
}

static int odd_index(const struct sched_entity *se, void *arg)
{
    (void)arg;
    return (se - ents) % 2 == 1;
}

static int never(const struct sched_entity *se, void *arg)
{
    (void)se;
    return arg != NULL;
}

/* rq_find() looks in pick order (priority, then FIFO) and leaves the queue
 * as it was. */
static void test_find(void)
{
    struct runqueue rq;
    rq_init(&rq);
    CHECK(rq_find(&rq, odd_index, NULL) == NULL);
    int prios[] = {9, 9, 30, 9, 30, 2};
    for (int i = 0; i < 6; i++) {
        ents[i].prio = prios[i];
        rq_push(&rq, &ents[i]);
    }
    CHECK_EQ_INT(idx(rq_find(&rq, odd_index, NULL)), 1); /* 30: 2, 4 even; then 9: 0, 1 */
    CHECK(rq_find(&rq, never, NULL) == NULL);
    CHECK_EQ_INT(rq.nr, 6);
    CHECK_EQ_INT(idx(rq_pop(&rq)), 2);
}

int main(void)
{
    test_find();
    test_priority_and_fifo();
    test_round_robin();
    test_remove();
    test_random();
    return CHECK_DONE("test_runqueue");
}
