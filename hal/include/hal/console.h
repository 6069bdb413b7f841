/**
 * @file hal/console.h
 * @brief The arch's early console: a UART at a fixed address, polled.
 *
 * The one fixed address the kernel may use (docs/porting.md, "Layout"): QEMU virt's
 * PL011 on aarch64, COM1 on x86_64, usable from the first line of C and in
 * a panic, before and besides the serial drivers (drivers/serial/), which
 * take over the console once they are bound.
 */

/**
 * @defgroup hal_console HAL: console
 * @brief What an architecture provides for hal/console.h. Required: both functions (the earliest console).
 * @{
 */
#ifndef HAL_CONSOLE_H
#define HAL_CONSOLE_H

/**
 * @brief Write one byte, waiting while the transmitter is full.
 * @param c the byte; no newline translation
 * @note Any context, interrupt handlers and panics included; spins, never
 *       sleeps, takes no lock (callers serialise whole lines).
 */
void hal_console_putc(char c);

/**
 * @brief Read one byte if one is waiting; never waits.
 * @return the byte (0-255), or -1 if nothing was received
 * @note Any context; takes no lock.
 */
int hal_console_getc(void);

/** @} */

#endif
