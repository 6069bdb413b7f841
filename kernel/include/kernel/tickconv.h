/**
 * @file kernel/tickconv.h
 * @brief Exact conversions between a counter's ticks and nanoseconds, for
 *        the arches whose clock is a fixed-frequency counter (aarch64's
 *        generic timer, riscv64's time CSR).
 *
 * Exact both ways: a deadline converted to ticks and back is never early,
 * so the interrupt for deadline D comes at the first tick whose time is
 * >= D and never twice. No 128-bit product: with t = s * hz + r, t * 1e9 /
 * hz is s * 1e9 + r * 1e9 / hz, and r * 1e9 < 2^32 * 2^30 fits for any
 * hz < 2^32. All static inline (hal_time_ns() is on hot paths); any context.
 */
#ifndef KERNEL_TICKCONV_H
#define KERNEL_TICKCONV_H

#include <stdint.h>

#define TICKCONV_NSEC 1000000000ull /**< nanoseconds a second */

/** @brief Nanoseconds a tick when @p hz divides 1e9 (a multiply then suffices), else 0. */
static inline uint64_t tickconv_ns_per_tick(uint64_t hz)
{
    return hz && TICKCONV_NSEC % hz == 0 ? TICKCONV_NSEC / hz : 0;
}

/**
 * @brief floor(@p t * 1e9 / @p hz); wraps after 2^64 ns (584 years).
 * @param t ticks
 * @param ns_per_tick tickconv_ns_per_tick(@p hz)
 * @param hz the counter's frequency, nonzero
 */
static inline uint64_t tickconv_to_ns(uint64_t t, uint64_t hz, uint64_t ns_per_tick)
{
    if (ns_per_tick)
        return t * ns_per_tick;
    uint64_t s = t / hz, r = t % hz;
    return s * TICKCONV_NSEC + r * TICKCONV_NSEC / hz;
}

/**
 * @brief ceil(@p ns * @p hz / 1e9), the same split; saturates at UINT64_MAX instead of wrapping.
 * @param ns nanoseconds
 * @param hz the counter's frequency
 */
static inline uint64_t tickconv_from_ns(uint64_t ns, uint64_t hz)
{
    uint64_t s = ns / TICKCONV_NSEC, r = ns % TICKCONV_NSEC, t;
    if (__builtin_mul_overflow(s, hz, &t) ||
        __builtin_add_overflow(t, (r * hz + TICKCONV_NSEC - 1) / TICKCONV_NSEC, &t))
        return UINT64_MAX;
    return t;
}

#endif
