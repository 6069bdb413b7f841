/**
 * @file clock.h
 * @brief Wall-clock time: what a real-time clock said at boot, carried on
 *        by the monotonic clock (hal_time_ns()), and the calendar both ways.
 *
 * An RTC driver (drivers/rtc/: PL031 on aarch64's virt, Goldfish on
 * riscv64's, the MC146818 CMOS clock of every PC) reads its device once
 * when it is probed and calls clock_set_realtime(). Without one, there is
 * no wall clock: clock_realtime() says -ENODEV and callers fall back (the
 * VFS's times are then the monotonic clock's, ext2's the disk's last time
 * plus the time since the mount). Times are UTC, as QEMU's RTCs give them.
 */
#ifndef KERNEL_CLOCK_H
#define KERNEL_CLOCK_H

#include <kernel/calendar.h> /* dates, which the RTC drivers and `date` use with it */
#include <stddef.h>
#include <stdint.h>

/** @brief Nanoseconds in a second. */
#define NSEC_PER_SEC 1000000000ull

/**
 * @brief The wall clock is @p epoch_ns (since 1970-01-01 00:00 UTC) now,
 *        as @p source (a driver's name, for `date` and the log) read it.
 *        A time before 2000 or after 2199 is refused (a clock never set,
 *        or garbage) with a warning.
 * @return 0, or -EINVAL for a time refused
 */
int clock_set_realtime(uint64_t epoch_ns, const char *source);

/** @brief 0 and the wall-clock time in ns since the epoch in *@p ns, or -ENODEV (no RTC). */
int clock_realtime(uint64_t *ns);

/** @brief The wall clock in ns since the epoch, or without an RTC the time since boot (hal_time_ns()). */
uint64_t clock_wall_ns(void);

/** @brief What clock_wall_ns() adds to hal_time_ns(): 0 without an RTC (for the vDSO's data page). */
int64_t clock_wall_offset(void);

/** @brief The RTC the wall clock came from, or NULL. */
const char *clock_source(void);

/** @brief @p s seconds since 1970 as "YYYY-MM-DD hh:mm:ss UTC" in @p buf (for `date` and the log). */
void clock_utc_text(uint64_t s, char *buf, size_t size);

#endif
