/**
 * @file kernel/ktimer.h
 * @brief Kernel timers: call a function once a deadline has passed.
 *
 * One queue per CPU sorted by deadline; each CPU's one-shot HAL deadline
 * is always the earliest timer armed on it. A timer fires on the CPU that
 * armed it last (arming again from another CPU moves it there). Callbacks
 * run from that CPU's timer interrupt with interrupts masked, in deadline
 * order (ties in arming order); they may arm timers (themselves included)
 * and wake threads, and must not sleep. ktimer_cancel() from another CPU
 * waits for a callback of the timer that is running at that moment, so
 * once it returns the callback is neither pending nor running.
 */
#ifndef KERNEL_KTIMER_H
#define KERNEL_KTIMER_H

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

/** @brief Make @p b an empty queue for the CPU with index @p index. */
void ktimer_base_init(struct ktimer_base *b, unsigned index);

/**
 * @brief The calling CPU's timer queue. The kernel implements it in
 *        kernel/sched/smp.c (host tests fake it).
 * @note Any context, interrupts masked or not: the result is only used
 *       under the queue's lock with interrupts masked.
 */
struct ktimer_base *ktimer_base_this(void);

/** @brief The timer queue of CPU slot @p index, NULL past the last one. */
struct ktimer_base *ktimer_base_at(unsigned index);

/** @brief Set the callback of @p t (not armed). */
void ktimer_init(struct ktimer *t, ktimer_fn fn, void *arg);

/**
 * @brief Fire @p t once hal_time_ns() >= @p deadline_ns (re-arming moves it).
 * @return 0, or -EINVAL if @p t has no callback
 */
int ktimer_arm(struct ktimer *t, uint64_t deadline_ns);

/**
 * @brief Disarm @p t; when its callback is running on another CPU, wait
 *        for it to return.
 * @return 1 if it was pending, 0 if not (or already fired)
 * @note Any context; from a callback, cancelling a timer whose callback
 *       runs on another CPU and may cancel this one deadlocks: do not.
 */
int ktimer_cancel(struct ktimer *t);

/** @brief Number of armed timers, on every CPU. */
unsigned ktimer_pending(void);

/** @brief When this CPU's last timer interrupt entered, minus the deadline it was for (ns). */
uint64_t ktimer_last_latency_ns(void);

/**
 * @brief Run every timer of this CPU whose deadline has passed and re-arm
 *        the HAL deadline (hal_timer_arm()) for the earliest one left, or
 *        disarm it.
 *
 * The kernel implements it; the arch's timer interrupt handler calls it each
 * time the HAL deadline fires (hal/timer.h), also when it fired early.
 * @note Interrupt context, interrupts masked; callbacks run from here.
 */
void ktimer_interrupt(void);

#endif
