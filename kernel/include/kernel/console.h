/**
 * @file kernel/console.h
 * @brief The system console: a driver-provided character device.
 *
 * Until a driver registers one (the UART named by /chosen/stdout-path, or
 * COM1 on a PC), output goes to the arch's early console (hal/console.h).
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

struct device;

/** @brief A console: a character sink and, optionally, a source. */
struct console {
    const char *name;                          /**< driver name, e.g. "pl011" */
    struct device *dev;                        /**< the device behind it */
    void (*putc)(struct device *dev, char c);  /**< wait for room, send one byte */
    int (*getc)(struct device *dev);           /**< one byte or -1 if none waiting */
};

/**
 * @brief Make a copy of @p con the console; output from now on goes there.
 * @return 0, or -ENOSPC after too many registrations
 */
int console_register(const struct console *con);

/** @brief The registered console, or NULL while the early console is in use. */
const struct console *console_current(void);

/** @brief Write one byte to the console. */
void console_putc(char c);

/** @brief Read one byte if one is waiting. @retval -1 nothing received. */
int console_getc(void);

#endif
