/**
 * @file lib_tests.c
 * @brief In-kernel tests of kernel/lib, run on the real target (both arches).
 */
#include <hal/cpu.h>
#include <kernel/crc32.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/ktest.h>
#include <kernel/log.h>
#include <kernel/logbuf.h>
#include <kernel/printf.h>
#include <kernel/string.h>

KTEST(printf_formats)
{
    char buf[64];
    KT_ASSERT(ksnprintf(buf, sizeof buf, "%d|%5u|%-3x|%08lx|%s|%c", -42, 7u, 0xau, 0xbeefUL, "hi", 'z') == 27);
    KT_ASSERT(strcmp(buf, "-42|    7|a  |0000beef|hi|z") == 0);
    KT_ASSERT(ksnprintf(buf, 4, "%s", "abcdef") == 6 && strcmp(buf, "abc") == 0);
}

KTEST(string_ops)
{
    char a[16] = "hello";
    memmove(a + 1, a, 5);
    KT_ASSERT(memcmp(a, "hhello", 6) == 0);
    uint64_t v;
    KT_ASSERT(kstrtou64("0x1f", 0, &v) == 0 && v == 31);
    KT_ASSERT(kstrtou64("12a", 0, &v) == -EINVAL);
}

KTEST(crc32_check_value)
{
    KT_ASSERT(crc32(0, "123456789", 9) == 0xCBF43926u);
}

/* What `dmesg` reads: a line just logged is the newest in the log, with its
 * level and timestamp, whether or not the console showed it (LOG_DEBUG
 * never goes there); a line too long is cut to KLOG_LINE_MAX - 1 bytes
 * ending in "...". Markers carry a run number, so a second run in the same
 * boot cannot find the first run's lines. */
KTEST(klog_keeps_lines_for_dmesg)
{
    static unsigned runs;
    unsigned run = ++runs;
    static char filler[400];
    memset(filler, 'x', sizeof filler - 1);
    uint64_t before;
    klog_oldest(&before);
    klog(LOG_DEBUG, "ktest: log marker %u", run);
    klog(LOG_DEBUG, "ktest: long line %u %s", run, filler);
    uint64_t end;
    struct logbuf_cursor c = klog_oldest(&end);
    KT_ASSERT(end >= before + 2);
    char marker[48], prefix[48];
    size_t mlen = (size_t)ksnprintf(marker, sizeof marker, "] ktest: log marker %u", run);
    size_t plen = (size_t)ksnprintf(prefix, sizeof prefix, "] ktest: long line %u xxx", run);
    static char line[KLOG_LINE_MAX];
    unsigned level, found = 0, found_long = 0;
    uint64_t lost;
    long n;
    while (c.seq < end && (n = klog_read(&c, &level, line, sizeof line, &lost)) >= 0) {
        const char *close = strchr(line, ']');
        if (line[0] != '[' || !close)
            continue;
        if ((size_t)n == (size_t)(close - line) + mlen && memcmp(close, marker, mlen) == 0 &&
            level == LOG_DEBUG)
            found++;
        if (strlen(close) >= plen && memcmp(close, prefix, plen) == 0) {
            KT_ASSERT(level == LOG_DEBUG);
            KT_ASSERT(n == KLOG_LINE_MAX - 1);
            KT_ASSERT(memcmp(line + n - 4, "x...", 4) == 0);
            found_long++;
        }
    }
    KT_ASSERT(found == 1);
    KT_ASSERT(found_long == 1);
}

static int bss_probe[64];
static int data_probe = 5;

/* The classic "globals that don't stick": .bss must be zeroed and writable,
 * .data must hold its initializer and be writable. */
KTEST(bss_and_data_stick)
{
    for (int i = 0; i < 64; i++)
        KT_ASSERT(bss_probe[i] == 0);
    for (int i = 0; i < 64; i++)
        bss_probe[i] = i * 3;
    for (int i = 0; i < 64; i++)
        KT_ASSERT(*(volatile int *)&bss_probe[i] == i * 3);
    KT_ASSERT(data_probe == 5);
    data_probe = 6;
    KT_ASSERT(*(volatile int *)&data_probe == 6);
    /* As the image had them, so a second run in this boot checks the same. */
    memset(bss_probe, 0, sizeof bss_probe);
    data_probe = 5;
}

KTEST(counter_advances)
{
    uint64_t a = hal_counter();
    for (volatile int i = 0; i < 100000; i++)
        ;
    KT_ASSERT(hal_counter() > a);
    KT_ASSERT(hal_counter_freq() > 1000000);
}
