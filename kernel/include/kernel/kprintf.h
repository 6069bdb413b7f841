/**
 * @file kernel/kprintf.h
 * @brief printf to the console.
 */
#ifndef KERNEL_KPRINTF_H
#define KERNEL_KPRINTF_H

#include <stdarg.h>
#include <stddef.h>

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
/** @brief Nonzero once kprintf_panic_mode() was called: nothing else will run. */
int kprintf_panicking(void);

/**
 * @brief Send kprintf's bytes to @p putc from now on (a console driver,
 *        once it registered: kernel/console.h); until then they go to the
 *        early console (hal_console_putc()). The terminal-reset sequence
 *        still goes out before the first byte, whichever takes it.
 * @note Any context.
 */
void kprintf_set_output(void (*putc)(char c));

/** @brief Bytes of the console's output kept for a mirror that starts late. */
#define KPRINTF_RECENT 8192

/**
 * @brief Also send every byte the console gets to @p write (a screen: the
 *        framebuffer console), in runs, each '\n' as "\r\n" as the
 *        console has it; NULL: no longer. @p write first gets the last
 *        @p lines lines the console printed before, and the line under way
 *        (from the last KPRINTF_RECENT bytes), so a screen found after the
 *        prompt shows it too. Called
 *        under the print lock with interrupts masked, so @p write never
 *        sleeps and needs no lock of its own (a panic's lockless printing
 *        aside), and wakes nobody: @p kick, if not NULL, is called after
 *        the lock is let go, by a print that began with interrupts on (so
 *        no lock of the scheduler's is held), when @p write got bytes since
 *        the last kick. Bytes printed with interrupts masked are kicked by
 *        the next such print, or on the way out of the next interrupt
 *        (kprintf_mirror_poll()), whichever comes first.
 * @note Thread context.
 */
void kprintf_set_mirror(void (*write)(const char *s, size_t n), unsigned lines, void (*kick)(void));

/**
 * @brief Kick the mirror if bytes reached it since the last kick: what
 *        irq_exit() calls, so that lines printed with interrupts masked (a
 *        handler's, a lock holder's) are drawn by the next interrupt on
 *        that CPU rather than by the next print.
 * @note Interrupt context on the way out of a handler, interrupts masked:
 *       this CPU holds no spinlock there (each is taken with interrupts
 *       masked), so the kick may wake a thread.
 */
void kprintf_mirror_poll(void);

#endif
