/**
 * @file runqueue.c
 * @brief Per-priority FIFOs with a bitmap of the non-empty ones.
 */
#include <kernel/runqueue.h>

void rq_init(struct runqueue *rq)
{
    rq->bitmap = 0;
    rq->nr = 0;
    for (int p = 0; p < SCHED_PRIOS; p++)
        list_init(&rq->queue[p]);
}

void rq_push(struct runqueue *rq, struct sched_entity *se)
{
    list_add_tail(&rq->queue[se->prio], &se->node);
    rq->bitmap |= 1u << se->prio;
    rq->nr++;
    se->queued = 1;
}

void rq_remove(struct runqueue *rq, struct sched_entity *se)
{
    if (!se->queued)
        return;
    list_del(&se->node);
    if (list_empty(&rq->queue[se->prio]))
        rq->bitmap &= ~(1u << se->prio);
    rq->nr--;
    se->queued = 0;
}

int rq_top_prio(const struct runqueue *rq)
{
    return rq->bitmap ? 31 - __builtin_clz(rq->bitmap) : -1;
}

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
    for (uint32_t m = rq->bitmap; m; m &= ~(1u << (31 - __builtin_clz(m)))) {
        int p = 31 - __builtin_clz(m);
        list_for_each(n, &rq->queue[p]) {
            struct sched_entity *se = container_of(n, struct sched_entity, node);
            if (match(se, arg))
                return se;
        }
    }
    return NULL;
}
