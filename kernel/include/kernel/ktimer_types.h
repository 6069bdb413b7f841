/**
 * @file kernel/ktimer_types.h
 * @brief The kernel timer's types alone (kernel/ktimer.h has its calls):
 *        what a CPU's per-CPU data (kernel/percpu.h) embeds, below the
 *        timers' own layer.
 */
#ifndef KERNEL_KTIMER_TYPES_H
#define KERNEL_KTIMER_TYPES_H

#include <kernel/spinlock.h>
#include <stdint.h>

struct ktimer;
/** @brief A timer callback: interrupt context, interrupts masked, must not sleep. */
typedef void (*ktimer_fn)(struct ktimer *t, void *arg);

/** @brief A one-shot kernel timer; embed it and set it up with ktimer_init(). */
struct ktimer {
    struct ktimer *next; /**< next in the deadline-sorted queue */
    uint64_t deadline;   /**< hal_time_ns() value */
    uint64_t seq;        /**< arming order, breaks ties */
    ktimer_fn fn;        /**< called once the deadline passed */
    void *arg;           /**< passed to @p fn */
    int armed;           /**< queued and not yet fired */
    struct ktimer_base *volatile base; /**< the CPU queue it was last armed on; NULL never armed */
};

/** @brief One CPU's timer queue (in its struct cpu; ktimer_base_this()). */
struct ktimer_base {
    struct spinlock lock;         /**< guards the queue and the fields below */
    struct ktimer *head;          /**< armed timers, earliest first */
    uint64_t next_seq;            /**< arming order counter */
    unsigned pending;             /**< timers queued */
    struct ktimer *volatile running; /**< the timer whose callback runs now, or NULL */
    uint64_t last_latency;        /**< the last interrupt's lateness, ns */
    unsigned index;               /**< the CPU's index: lock order between queues */
};

#endif
