/**
 * @file kernel/runqueue.h
 * @brief The ready queue: one FIFO per priority plus a bitmap of the
 *        non-empty ones, so picking the next thread is O(1).
 *
 * Pure data structure, no locking and no globals: the scheduler keeps one
 * per CPU under that CPU's lock. Host-tested (tests/host/test_runqueue.c).
 */
#ifndef KERNEL_RUNQUEUE_H
#define KERNEL_RUNQUEUE_H

#include <kernel/list.h>
#include <stdint.h>

/** Priorities 0 (idle only) .. 191 (most urgent): kernel threads use
 *  1..31 and a few above every user thread, user real-time threads the
 *  band between (kernel/sched.h). */
#define SCHED_PRIOS 192
#define RQ_WORDS (SCHED_PRIOS / 64) /**< 64-bit words of the bitmap */

/** @brief What a runqueue links: embedded in struct thread. */
struct sched_entity {
    struct list_node node; /**< link in queue[prio] */
    int prio;              /**< 0 .. SCHED_PRIOS - 1 */
    int queued;            /**< on a runqueue now */
};

/** @brief Ready entities, one FIFO per priority. */
struct runqueue {
    uint64_t bitmap[RQ_WORDS]; /**< bit p % 64 of word p / 64: queue[p] not empty */
    unsigned nr;     /**< entities queued */
    struct list_node queue[SCHED_PRIOS]; /**< one FIFO per priority */
};

/** @brief Make @p rq empty. */
void rq_init(struct runqueue *rq);
/** @brief Append @p se behind its equals (round-robin inside a priority). */
void rq_push(struct runqueue *rq, struct sched_entity *se);
/** @brief Queue @p se first among its priority (a preempted FIFO thread keeps its turn). */
void rq_push_head(struct runqueue *rq, struct sched_entity *se);
/** @brief Remove and return the first of the highest priority, NULL if empty. */
struct sched_entity *rq_pop(struct runqueue *rq);
/** @brief Take @p se out wherever it is. */
void rq_remove(struct runqueue *rq, struct sched_entity *se);
/**
 * @brief The first entity, most urgent priority first and in queue order
 *        within one, for which @p match(se, @p arg) is nonzero; NULL if none.
 *        Left queued.
 */
struct sched_entity *rq_find(struct runqueue *rq, int (*match)(const struct sched_entity *se, void *arg),
                             void *arg);
/** @brief Highest queued priority, -1 if empty. */
int rq_top_prio(const struct runqueue *rq);

#endif
