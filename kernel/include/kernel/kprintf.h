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
/**
 * @brief From now on print without the console lock: for a panic, once
 *        every other CPU is stopped (one of them may have stopped holding it).
 * @note Any context; there is no way back.
 */
void kprintf_panic_mode(void);

/**
 * @brief Send kprintf's bytes to @p putc from now on (a console driver,
 *        once it registered: kernel/console.h); until then they go to the
 *        early console (hal_console_putc()). The terminal-reset sequence
 *        still goes out before the first byte, whichever takes it.
 * @note Any context.
 */
void kprintf_set_output(void (*putc)(char c));

#endif
