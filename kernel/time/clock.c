/**
 * @file clock.c
 * @brief The wall clock (kernel/clock.h) and the `date` command.
 *
 * One offset from the monotonic clock, set once by the RTC driver that
 * probes (a second one only logs that it was ignored). The calendar is
 * kernel/lib/calendar.c.
 */
#include <hal/timer.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/printf.h>

#define EPOCH_MIN 946684800ull  /* 2000-01-01 00:00:00 UTC */
#define EPOCH_MAX 7258118400ull /* 2200-01-01 00:00:00 UTC */

static int64_t offset_ns;   /* wall clock minus hal_time_ns() */
static const char *source;  /* set last: readers test it first */

void clock_utc_text(uint64_t s, char *buf, size_t size)
{
    int64_t y;
    unsigned mo, d;
    clock_civil_from_days((int64_t)(s / 86400), &y, &mo, &d);
    ksnprintf(buf, size, "%04ld-%02u-%02u %02lu:%02lu:%02lu UTC", (long)y, mo, d, (unsigned long)(s % 86400 / 3600),
              (unsigned long)(s % 3600 / 60), (unsigned long)(s % 60));
}

int clock_set_realtime(uint64_t epoch_ns, const char *name)
{
    uint64_t s = epoch_ns / NSEC_PER_SEC;
    if (s < EPOCH_MIN || s >= EPOCH_MAX) {
        pr_warn("clock: %s says %lu s since 1970, not a time between 2000 and 2199; no wall clock from it",
                name, (unsigned long)s);
        return -EINVAL;
    }
    if (__atomic_load_n(&source, __ATOMIC_ACQUIRE)) {
        pr_info("clock: %s ignored, the wall clock is %s's", name, source);
        return 0;
    }
    offset_ns = (int64_t)(epoch_ns - hal_time_ns());
    __atomic_store_n(&source, name, __ATOMIC_RELEASE);
    char when[32];
    clock_utc_text(s, when, sizeof when);
    pr_info("clock: %s: %s", name, when);
    return 0;
}

int clock_realtime(uint64_t *ns)
{
    if (!__atomic_load_n(&source, __ATOMIC_ACQUIRE))
        return -ENODEV;
    *ns = (uint64_t)((int64_t)hal_time_ns() + offset_ns);
    return 0;
}

uint64_t clock_wall_ns(void)
{
    uint64_t ns;
    return clock_realtime(&ns) == 0 ? ns : hal_time_ns();
}

int64_t clock_wall_offset(void) { return __atomic_load_n(&source, __ATOMIC_ACQUIRE) ? offset_ns : 0; }

const char *clock_source(void) { return __atomic_load_n(&source, __ATOMIC_ACQUIRE); }
