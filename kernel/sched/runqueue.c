/**
 * @file runqueue.c
 * @brief Per-priority FIFOs with a bitmap of the non-empty ones.
 */
#include <kernel/runqueue.h>

void rq_init(struct runqueue *rq)
{
    for (int w = 0; w < RQ_WORDS; w++)
        rq->bitmap[w] = 0;
    rq->nr = 0;
    for (int p = 0; p < SCHED_PRIOS; p++)
        list_init(&rq->queue[p]);
}

static void queued(struct runqueue *rq, struct sched_entity *se)
{
    rq->bitmap[se->prio / 64] |= 1ull << (se->prio % 64);
    rq->nr++;
    se->queued = 1;
}

void rq_push(struct runqueue *rq, struct sched_entity *se)
{
    list_add_tail(&rq->queue[se->prio], &se->node);
    queued(rq, se);
}

void rq_push_head(struct runqueue *rq, struct sched_entity *se)
{
    list_add_head(&rq->queue[se->prio], &se->node);
    queued(rq, se);
}

void rq_remove(struct runqueue *rq, struct sched_entity *se)
{
    if (!se->queued)
        return;
    list_del(&se->node);
    if (list_empty(&rq->queue[se->prio]))
        rq->bitmap[se->prio / 64] &= ~(1ull << (se->prio % 64));
    rq->nr--;
    se->queued = 0;
}

/* The highest set bit of the words below @p words, -1 if none. */
static int top_below(const struct runqueue *rq, int words)
{
    for (int w = words - 1; w >= 0; w--)
        if (rq->bitmap[w])
            return w * 64 + 63 - __builtin_clzll(rq->bitmap[w]);
    return -1;
}

int rq_top_prio(const struct runqueue *rq) { return top_below(rq, RQ_WORDS); }

struct sched_entity *rq_pop(struct runqueue *rq)
{
    int p = rq_top_prio(rq);
    if (p < 0)
        return NULL;
    struct sched_entity *se = container_of(rq->queue[p].next, struct sched_entity, node);
    rq_remove(rq, se);
    return se;
}

struct sched_entity *rq_find(struct runqueue *rq, int (*match)(const struct sched_entity *se, void *arg),
                             void *arg)
{
    for (int p = SCHED_PRIOS - 1; p >= 0; p--) {
        if (!(rq->bitmap[p / 64] & (1ull << (p % 64))))
            continue;
        list_for_each(n, &rq->queue[p]) {
            struct sched_entity *se = container_of(n, struct sched_entity, node);
            if (match(se, arg))
                return se;
        }
    }
    return NULL;
}
