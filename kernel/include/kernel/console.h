/**
 * @file kernel/console.h
 * @brief The system console: a driver-provided character device.
 *
 * Until a driver registers one (the UART named by /chosen/stdout-path, or
 * COM1 on a PC), output goes to the arch's early console (hal/console.h).
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdint.h>

struct device;

/** @brief A console: a character sink and, optionally, a source. */
struct console {
    const char *name;                          /**< driver name, e.g. "pl011" */
    struct device *dev;                        /**< the device behind it */
    void (*putc)(struct device *dev, char c);  /**< wait for room, send one byte */
    int (*getc)(struct device *dev);           /**< one byte or -1 if none waiting */
    int rx_irq;                                /**< receive interrupt the driver registered
                                                    (it then feeds console_rx_push()), or -1: polled */
    /** With rx_irq: stop (1) the receive interrupt while the queue is full,
     *  or restart it (0) and queue what waited meanwhile. Called with
     *  interrupts masked. */
    void (*rx_pause)(struct device *dev, int pause);
};

/**
 * @brief Make a copy of @p con the console; output from now on goes there.
 * @return 0, or -ENOSPC after too many registrations
 */
int console_register(const struct console *con);

/** @brief The registered console, or NULL while the early console is in use. */
const struct console *console_current(void);


/** @brief Read one byte if one is waiting. @retval -1 nothing received. */
int console_getc(void);

/**
 * @brief Read one byte, sleeping until one arrives.
 *
 * With a receive interrupt the thread sleeps on a wait queue the interrupt
 * handler wakes; without one (no interrupt controller, no IRQ described)
 * it polls the device every 10 ms, and says so once.
 */
int console_getc_wait(void);

/**
 * @brief console_getc_wait() for at most @p ms milliseconds (0: no limit):
 *        the byte, or -1 if none came in time.
 * @note Thread context.
 */
int console_getc_timeout(uint64_t ms);

/**
 * @brief For console drivers: register @p fn for @p dev's interrupt.
 * @return the interrupt number, or -1 (no interrupt described, or it could
 *         not be registered: logged) meaning input stays polled
 */
int console_rx_irq(struct device *dev, void (*fn)(unsigned irq, void *dev), const char *name);

/**
 * @brief From the UART's receive interrupt, before taking a byte out of the
 *        device: 1 if the queue has room for it. 0 means it is full, and the
 *        console has paused the device's receive interrupt (->rx_pause):
 *        leave the bytes in the UART, whose FIFO (and QEMU's backend) then
 *        holds the rest until a reader makes room and the console resumes it.
 */
int console_rx_room(void);

/**
 * @brief Queue @p c for readers and wake them: from the UART's receive
 *        interrupt, or with interrupts masked from code that keeps bytes
 *        its UART setup would flush (a driver's probe, the early console).
 */
void console_rx_push(char c);

/**
 * @brief Run a UART's receive handler @p fn for @p dev from thread context
 *        (a probe keeping bytes its setup would flush, a start taking what
 *        waited) with interrupts masked, as in the handler: the device's own
 *        interrupt, arriving on this CPU while the handler holds the queue's
 *        lock, would spin on that lock for ever.
 */
void console_rx_drain(void (*fn)(unsigned irq, void *dev), struct device *dev);

/**
 * @brief The shell says a command starts (@p busy 1) or ended (0); either
 *        clears the Ctrl-C flag.
 *
 * While a command runs, a Ctrl-C received by console_rx_push() sets the flag
 * console_cancelled() reads, and drops the bytes typed before it, instead
 * of being queued for the line editor (at the prompt, Ctrl-C drops the line
 * being typed, through the line editor).
 */
void console_foreground(int busy);

/**
 * @brief Whether Ctrl-C was pressed since the running command started.
 *
 * Commands that can take longer than about a second poll this between
 * steps, finish what is in flight, free what they hold and return -EINTR;
 * the shell then prints `^C`. Needs an interrupt-driven console (both
 * UART drivers are): a polled one sees no key until the command returns.
 */
int console_cancelled(void);

/**
 * @brief Switch the console UART's receive interrupt off at the device
 *        behind the console's back, as a lost interrupt leaves it (`fault
 *        console-rx`): input then comes only by the shell's idle look,
 *        until a full queue's pause and resume switch it on again.
 * @retval 0 done
 * @retval -ENODEV the console's input is polled: no interrupt to lose
 */
int console_rx_lose_interrupt(void);

/** @brief Bytes received, bytes dropped because nobody read them, and
 *  bytes the shell's idle look found waiting with no interrupt raised. */
void console_rx_stats(uint64_t *received, uint64_t *dropped, uint64_t *found_idle);

/**
 * @brief Have @p hook look at every received byte first (from the receive
 *        interrupt, the queue's lock held): 1 means it took the byte (the
 *        terminal's signal keys for a program in the foreground), and the
 *        queued input is dropped with it; 2 that a program owns the
 *        terminal, so the byte is data even if it is Ctrl-C; 3 that it was
 *        the switch key: the input goes from the terminal to the kernel or
 *        back (console_set_user()); 0 that the kernel's own rules apply.
 *        NULL: none.
 */
void console_set_input_hook(int (*hook)(char c));

/**
 * @brief Give the console's input to a program's terminal (@p on 1) or back
 *        to the kernel (0). While a program has it, console_getc() and its
 *        kin return nothing (the kernel shell waits) and console_getc_user()
 *        is the way in; Ctrl-C is then the terminal's (console_set_input_hook()).
 */
void console_set_user(int on);
/** @brief Nonzero while a program's terminal has the console's input. */
int console_user_owned(void);
/** @brief console_getc() for the terminal: a byte while it owns the input, else -1. */
int console_getc_user(void);

/** @brief Where readers of the console wait for a byte (console_rx_push() wakes it). */
struct waitqueue *console_rx_waitqueue(void);

/** @brief Nonzero if no receive interrupt feeds the queue: a reader must poll console_getc(). */
int console_rx_polled(void);

#endif
