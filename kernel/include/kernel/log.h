/**
 * @file kernel/log.h
 * @brief Timestamped kernel log lines.
 *
 * klog() makes the line "[    0.001234] message", keeps it in the kernel
 * log (read back with `dmesg`) and prints it on the console if its level is
 * urgent enough: errors and warnings by default, info lines too with
 * `verbose` on the command line (debug lines only ever go to the log).
 * Parsers and drivers report bad input through it; host unit tests link
 * their own klog() to capture what would have been printed.
 */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include <stddef.h>
#include <stdint.h>

struct logbuf_cursor;

/** @brief Longest line klog() keeps, with its timestamp; longer ones end in "...". */
#define KLOG_LINE_MAX 256

/** @brief How important a log line is. */
enum log_level {
    LOG_ERR,   /**< something failed; the kernel carries on without it */
    LOG_WARN,  /**< bad or suspicious input that was handled */
    LOG_INFO,  /**< normal progress */
    LOG_DEBUG, /**< detail for developers */
};

/**
 * @brief Log one timestamped line: kept for `dmesg`, and printed on the
 *        console (a newline added) if @p level is urgent enough.
 *
 * Any context, interrupt handlers and NMIs included; no allocation. Uses
 * KLOG_LINE_MAX bytes of stack. A line logged while the log is being
 * written or read elsewhere (an NMI in the middle of another klog()) is
 * printed if urgent enough but not kept; klog_skipped() counts those.
 */
void klog(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * @brief Print lines of @p level and more urgent on the console from now on.
 *
 * Lines of the levels this adds that the log already holds are printed
 * first, oldest first, so `verbose` on the command line (parsed once the
 * kernel is running C, after the early drivers logged) shows a whole boot.
 * Not from an interrupt handler (it may print many lines).
 */
void klog_console_level(enum log_level level);

/** @brief The least urgent level the console prints (klog_console_level() sets it). */
enum log_level klog_console_level_now(void);

/**
 * @brief Colour errors (red) and warnings (yellow) on the console (@p on = 1,
 *        the default) or not: `no_color` on the command line turns it off,
 *        as the NO_COLOR convention does for programs. The log keeps plain text.
 */
void klog_color(int on);

/** @brief Whether the console gets colours (klog_color()): the shell's error lines follow it. */
int klog_colored(void);

/** @brief The log's size in bytes: what it can hold, records and their headers. */
size_t klog_size(void);

/** @brief Lines not kept in the log because it was busy (see klog()). */
unsigned long klog_skipped(void);

/**
 * @brief A cursor at the oldest line the log still holds (for klog_read());
 *        @p next (if not NULL) gets the number the next line logged will have.
 */
struct logbuf_cursor klog_oldest(uint64_t *next);

/**
 * @brief Read the line at @p c into @p out (at most @p max - 1 bytes and a NUL)
 *        and move @p c past it: logbuf_read() under the log's lock.
 * @return the line's length, or -1 once @p c has caught up; @p *lost says how
 *         many lines were overwritten before @p c got to them
 */
long klog_read(struct logbuf_cursor *c, unsigned *level, char *out, size_t max, uint64_t *lost);

/**
 * @brief Hold log lines back (@p on = 1) or print what was held and go on
 *        printing as they come (@p on = 0).
 *
 * The shell holds them while a line is being typed, so a message from
 * elsewhere (a disk found after the prompt) does not land in the middle
 * of the line and its prompt; they are printed when the line ends, before
 * the command's own output. Up to 4 KiB of lines are kept; past that they
 * are counted and the count printed.
 */
void klog_hold(int on);

/** @brief 1 if klog_hold() holds lines that it would print when released; any context. */
int klog_held(void);

/**
 * @brief Keep errors and warnings off the console (@p on = 1) or show them
 *        again (0); they are logged either way.
 *
 * `ktest` runs its tests so: the reports negative tests provoke on purpose
 * read like failures to a newcomer. The tests assert on them instead
 * (klog_reports_since()), and `ktest -v` shows them.
 */
void klog_quiet(int on);

/** @brief Errors and warnings logged since boot (console or not). */
unsigned long klog_reports(void);

/**
 * @brief Errors and warnings among the log lines numbered @p mark and
 *        later (klog_oldest()'s @p next gives a mark) that contain @p what.
 *        Not from an interrupt handler.
 */
unsigned long klog_reports_since(uint64_t mark, const char *what);

#define pr_err(...) klog(LOG_ERR, __VA_ARGS__)   /**< @brief klog() at LOG_ERR */
#define pr_warn(...) klog(LOG_WARN, __VA_ARGS__) /**< @brief klog() at LOG_WARN */
#define pr_info(...) klog(LOG_INFO, __VA_ARGS__) /**< @brief klog() at LOG_INFO */

#endif
