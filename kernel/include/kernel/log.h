/**
 * @file kernel/log.h
 * @brief Timestamped kernel log lines.
 *
 * klog() prints "[    0.001234] message" to every console. Parsers and
 * drivers report bad input through it; host unit tests link their own
 * klog() to capture what would have been printed.
 */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

/** @brief How important a log line is. */
enum log_level {
    LOG_ERR,   /**< something failed; the kernel carries on without it */
    LOG_WARN,  /**< bad or suspicious input that was handled */
    LOG_INFO,  /**< normal progress */
    LOG_DEBUG, /**< detail for developers */
};

/** @brief Print one timestamped log line (a newline is added). ISR-safe, no allocation. */
void klog(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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

#define pr_err(...) klog(LOG_ERR, __VA_ARGS__)   /**< @brief klog() at LOG_ERR */
#define pr_warn(...) klog(LOG_WARN, __VA_ARGS__) /**< @brief klog() at LOG_WARN */
#define pr_info(...) klog(LOG_INFO, __VA_ARGS__) /**< @brief klog() at LOG_INFO */

#endif
