/**
 * @file kernel/kprintf.h
 * @brief printf to the console.
 */
#ifndef KERNEL_KPRINTF_H
#define KERNEL_KPRINTF_H

#include <stdarg.h>

/** @brief Format to every console. Returns characters written. ISR-safe. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** @brief kprintf() with the arguments in @p ap. Returns characters written. ISR-safe. */
int kvprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
