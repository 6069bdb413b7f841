/**
 * @file kernel/printf.h
 * @brief Freestanding printf-style formatter with a pluggable output sink.
 *
 * The formatter knows nothing about consoles or buffers: it hands runs of
 * characters to a sink callback.  kprintf uses a console sink; ksnprintf uses
 * a bounded buffer.  Keeping it pure lets the host tests compare it directly
 * against the C library's snprintf.  No floating point (the kernel is built
 * without FP/SIMD registers).
 */
#ifndef KERNEL_PRINTF_H
#define KERNEL_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/** @brief Output callback: receives n (possibly 0 < n) chars at s, not NUL-terminated. */
typedef void (*kfmt_sink)(void *ctx, const char *s, size_t n);

/** @brief Format fmt/ap, passing the output to sink(ctx, ...); returns chars emitted. */
int kvformat(kfmt_sink sink, void *ctx, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/** @brief C99 vsnprintf: writes at most size-1 chars plus NUL (if size > 0);
 *  returns the length the full output would have had. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/** @brief C99 snprintf; see kvsnprintf. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
