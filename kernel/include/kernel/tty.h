/**
 * @file kernel/tty.h
 * @brief The console terminal (kernel/tty/): its file operations, who owns
 *        it (a session and its foreground group), and the key that moves
 *        the console's input between pid 1 and the kernel shell.
 *
 * The tty layer sits above the file systems (its terminal is a file) and
 * below processes (docs/architecture.md, "Layers inside kernel/").
 */
#ifndef KERNEL_TTY_H
#define KERNEL_TTY_H

#include <kernel/vfs.h>

/** @brief The console terminal's operations (/dev/console, tty, tty0: kernel/tty/tty.c). */
extern const struct file_ops tty_file_ops;
/** @brief Who had the console terminal (tty_attach()). */
struct tty_owner {
    int sid;  /**< its session, 0 none */
    int pgrp; /**< its foreground group */
};
#define TTY_SWITCH_KEY 0x1d /**< Ctrl-]: the console between pid 1's terminal and the kernel shell */
/** @brief The console terminal now belongs to session @p sid, with foreground
 *         group @p pgrp, and has the console's input; *@p prev (if not NULL)
 *         gets who had it. */
void tty_attach(int sid, int pgrp, struct tty_owner *prev);
/** @brief Give the terminal back to @p prev, the input back to the kernel. */
void tty_restore(const struct tty_owner *prev);
/** @brief With @p fn set, TTY_SWITCH_KEY moves the console's input between
 *         the terminal and the kernel shell; @p fn hears which way (from
 *         the receive interrupt: it must not sleep). */
void tty_set_switch(void (*fn)(int to_kernel));

/** @brief Give devfs the terminal's operations (dev_set_console_ops()). Once, at boot. */
void tty_register_devices(void);

#endif
