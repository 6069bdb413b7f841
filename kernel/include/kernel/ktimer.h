/**
 * @file kernel/ktimer.h
 * @brief Kernel timers: call a function once a deadline has passed.
 *
 * One queue sorted by deadline; the HAL's one-shot deadline is always the
 * earliest armed timer. Callbacks run from the timer interrupt with
 * interrupts masked, in deadline order (ties in arming order); they may arm
 * timers (themselves included) and wake threads, and must not sleep.
 */
#ifndef KERNEL_KTIMER_H
#define KERNEL_KTIMER_H

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
};

/** @brief Set the callback of @p t (not armed). */
void ktimer_init(struct ktimer *t, ktimer_fn fn, void *arg);

/**
 * @brief Fire @p t once hal_time_ns() >= @p deadline_ns (re-arming moves it).
 * @return 0, or -EINVAL if @p t has no callback
 */
int ktimer_arm(struct ktimer *t, uint64_t deadline_ns);

/** @brief Disarm @p t; returns 1 if it was pending, 0 if not (or already fired). */
int ktimer_cancel(struct ktimer *t);

/** @brief Number of armed timers. */
unsigned ktimer_pending(void);

/** @brief When the last timer interrupt entered, minus the deadline it was for (ns). */
uint64_t ktimer_last_latency_ns(void);

/**
 * @brief Run every timer whose deadline has passed and re-arm the HAL
 *        deadline (hal_timer_arm()) for the earliest one left, or disarm it.
 *
 * The kernel implements it; the arch's timer interrupt handler calls it each
 * time the HAL deadline fires (hal/timer.h), also when it fired early.
 * @note Interrupt context, interrupts masked; callbacks run from here.
 */
void ktimer_interrupt(void);

#endif
