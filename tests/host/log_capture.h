/**
 * @file log_capture.h
 * @brief The klog() a host test links against: it keeps every message since
 *        log_reset(), so checks can ask whether a warning was printed.
 *        Include from exactly one file of a test executable.
 */
#ifndef TESTS_HOST_LOG_CAPTURE_H
#define TESTS_HOST_LOG_CAPTURE_H

#include <kernel/log.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char log_buf[8192];
static size_t log_len;
static unsigned log_msgs; /* messages since log_reset(), also those log_buf had no room for */

void klog(enum log_level level, const char *fmt, ...)
{
    (void)level;
    log_msgs++;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(log_buf + log_len, sizeof log_buf - log_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        log_len += (size_t)n < sizeof log_buf - log_len ? (size_t)n : sizeof log_buf - log_len - 1;
}

static inline void log_reset(void)
{
    log_len = 0;
    log_buf[0] = 0;
    log_msgs = 0;
}

/** How many messages were logged since log_reset() (each would be a console line). */
static inline unsigned log_messages(void)
{
    return log_msgs;
}

static inline int log_has(const char *s)
{
    return strstr(log_buf, s) != NULL;
}

/** How many times @p s occurs in what was logged since log_reset(). */
static inline int log_count(const char *s)
{
    int n = 0;
    for (const char *p = strstr(log_buf, s); p; p = strstr(p + 1, s))
        n++;
    return n;
}

#endif
