/**
 * @file goldfish_rtc.c
 * @brief The Goldfish real-time clock (Android emulator's, in QEMU's
 *        riscv64 `virt`): the wall clock's start there.
 *
 * TIME_LOW (offset 0) and TIME_HIGH (4) hold nanoseconds since 1970; reading
 * TIME_LOW latches the high half, so it is read first. Read once at probe.
 */
#include <kernel/clock.h>
#include <kernel/driver.h>
#include <kernel/errno.h>

#define TIME_LOW 0x00
#define TIME_HIGH 0x04

static int goldfish_rtc_probe(struct device *dev)
{
    if (dev->space != DEV_MMIO || dev->size < 0x08)
        return -EINVAL;
    int err = device_map(dev);
    if (err)
        return err;
    uint64_t lo = dev_read32(dev, TIME_LOW);
    uint64_t hi = dev_read32(dev, TIME_HIGH);
    clock_set_realtime(hi << 32 | lo, "goldfish-rtc");
    return 0;
}

static const char *const goldfish_rtc_compat[] = {"google,goldfish-rtc", NULL};
DRIVER(goldfish_rtc_driver, .name = "goldfish-rtc", .compatible = goldfish_rtc_compat,
       .probe = goldfish_rtc_probe);
