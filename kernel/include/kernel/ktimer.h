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

#include <kernel/ktimer_types.h>
#include <kernel/spinlock.h>
#include <kernel/percpu.h> /* each CPU's slice */
#include <stdint.h>


/** @brief Make @p b an empty queue for the CPU with index @p index. */
void ktimer_base_init(struct ktimer_base *b, unsigned index);


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
