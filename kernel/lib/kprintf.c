/**
 * @file kprintf.c
 * @brief kprintf and klog on top of the pure formatter (format.c) and the console.
 */
#include <kernel/console.h>
#include <hal/cpu.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/printf.h>

static void console_sink(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            console_putc('\r');
        console_putc(s[i]);
    }
}

int kvprintf(const char *fmt, va_list ap)
{
    return kvformat(console_sink, 0, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}

void klog(enum log_level level, const char *fmt, ...)
{
    static const char *const tags[] = {"error: ", "warning: ", "", ""};
    uint64_t us = uptime_us();
    kprintf("[%5lu.%06lu] %s", (unsigned long)(us / 1000000), (unsigned long)(us % 1000000),
            tags[level & 3]);
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
}
