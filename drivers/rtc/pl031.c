/**
 * @file pl031.c
 * @brief Arm PrimeCell real-time clock (PL031, Arm DDI 0224): the wall
 *        clock's start on QEMU's aarch64 `virt`.
 *
 * RTCDR (offset 0) counts seconds; QEMU starts it at the host's time (UTC,
 * or `-rtc base=`). Read once at probe: the monotonic clock carries it on.
 */
#include <kernel/clock.h>
#include <kernel/driver.h>
#include <kernel/errno.h>

#define RTC_DR 0x00 /* data register: the count, in seconds */

static int pl031_probe(struct device *dev)
{
    if (dev->space != DEV_MMIO || dev->size < 0x20)
        return -EINVAL;
    int err = device_map(dev);
    if (err)
        return err;
    clock_set_realtime((uint64_t)dev_read32(dev, RTC_DR) * NSEC_PER_SEC, "pl031");
    return 0; /* bound either way: a clock that reads nonsense was still found */
}

static const char *const pl031_compat[] = {"arm,pl031", NULL};
DRIVER(pl031_driver, .name = "pl031", .compatible = pl031_compat, .probe = pl031_probe);
