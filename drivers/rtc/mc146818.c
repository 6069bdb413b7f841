/**
 * @file mc146818.c
 * @brief The PC's CMOS real-time clock (Motorola MC146818 and its
 *        successors, at ports 0x70/0x71): the wall clock's start on x86_64.
 *
 * Register 0 of the device is the index port, 1 the data port. The clock
 * keeps seconds, minutes, hours, day, month, year (two digits) and, at
 * index 0x32 (the ACPI FADT's usual CENTURY), the century; status B says
 * whether they are BCD and whether hours are 12-hour (bit 7 of the hour:
 * PM). A read may straddle the once-a-second update, so the registers are
 * read until two passes agree, each after the update-in-progress flag
 * (status A bit 7) is clear. Read once at probe.
 */
#include <kernel/clock.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/log.h>

enum { SEC = 0x00, MIN = 0x02, HOUR = 0x04, DAY = 0x07, MONTH = 0x08, YEAR = 0x09, STATUS_A = 0x0a,
       STATUS_B = 0x0b, CENTURY = 0x32 };
#define A_UIP 0x80    /* update in progress */
#define B_24H 0x02
#define B_BINARY 0x04

static uint8_t cmos(const struct device *dev, uint8_t index)
{
    dev_write8(dev, 0, index);
    return dev_read8(dev, 1);
}

/* The time registers, in a pass that did not straddle an update. */
static void read_pass(const struct device *dev, uint8_t r[7])
{
    for (unsigned spin = 0; spin < 1000000 && (cmos(dev, STATUS_A) & A_UIP); spin++)
        ;
    static const uint8_t idx[7] = {SEC, MIN, HOUR, DAY, MONTH, YEAR, CENTURY};
    for (unsigned i = 0; i < 7; i++)
        r[i] = cmos(dev, idx[i]);
}

static int bcd(uint8_t v, int binary, unsigned *out)
{
    if (binary) {
        *out = v;
        return 0;
    }
    if ((v & 0xf) > 9 || (v >> 4) > 9)
        return -EINVAL;
    *out = (v >> 4) * 10u + (v & 0xf);
    return 0;
}

static int mc146818_probe(struct device *dev)
{
    if (dev->space != DEV_PIO || dev->size < 2)
        return -EINVAL;
    uint8_t a[7], b[7];
    read_pass(dev, a);
    for (unsigned tries = 0; tries < 10; tries++) {
        read_pass(dev, b);
        if (!__builtin_memcmp(a, b, sizeof a))
            break;
        __builtin_memcpy(a, b, sizeof a);
    }
    uint8_t status = cmos(dev, STATUS_B);
    int binary = (status & B_BINARY) != 0, pm = !(status & B_24H) && (a[2] & 0x80);
    unsigned sec, min, hour, day, month, year, century;
    if (bcd(a[6], binary, &century))
        century = 0; /* not every chipset keeps one there: taken from the year below */
    if (bcd(a[0], binary, &sec) || bcd(a[1], binary, &min) || bcd(a[2] & 0x7f, binary, &hour) ||
        bcd(a[3], binary, &day) || bcd(a[4], binary, &month) || bcd(a[5], binary, &year)) {
        pr_warn("mc146818: the clock's registers are not valid BCD; no wall clock from it");
        return 0;
    }
    if (!(status & B_24H))
        hour = hour % 12 + (pm ? 12 : 0); /* 12 AM is 0, 12 PM 12 */
    if (century < 19 || century > 21)
        century = year < 70 ? 20 : 19; /* no century register: a two-digit year */
    if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || month < 1 || month > 12 || year > 99) {
        pr_warn("mc146818: the clock reads %u-%u-%u %u:%u:%u, not a time; no wall clock from it",
                century * 100 + year, month, day, hour, min, sec);
        return 0;
    }
    int64_t days = clock_days_from_civil((int64_t)(century * 100 + year), month, day);
    uint64_t s = (uint64_t)days * 86400 + hour * 3600u + min * 60u + sec;
    clock_set_realtime(s * NSEC_PER_SEC, "mc146818");
    return 0;
}

static const char *const mc146818_compat[] = {"motorola,mc146818", NULL};
DRIVER(mc146818_driver, .name = "mc146818", .compatible = mc146818_compat, .probe = mc146818_probe);
