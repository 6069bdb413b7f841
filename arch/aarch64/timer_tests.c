/**
 * @file timer_tests.c
 * @brief In-kernel tests of the aarch64 generic timer behind hal_time_ns():
 *        the virtual timer is the one in use, and nanoseconds are CNTVCT
 *        ticks scaled by CNTFRQ.
 *
 * The portable time and interrupt tests (monotonic time, cycles advancing,
 * a self-re-arming timer that does not storm) are kernel/test's. kmain
 * enables interrupts before the tests run, so a passed deadline is taken
 * while the test spins; every wait is bounded by hal_time_ns() so a lost
 * interrupt fails the test instead of hanging it.
 */
#include <hal/cpu.h>
#include <hal/irq.h>
#include <hal/platform.h>
#include <hal/timer.h>
#include <kernel/ktest.h>
#include <kernel/ktimer.h>
#include <kernel/string.h>

#define MS 1000000ull

KTEST(time_ns_agrees_with_counter)
{
    KT_ASSERT(strcmp(hal_timer_name(), "generic timer (virtual)") == 0); /* not the physical one */
    /* hal_time_ns() counts from the boot counter value, in counter ticks. */
    uint64_t freq = hal_counter_freq(), c0 = platform_boot_info()->boot_counter;
    KT_ASSERT(freq != 0);
    uint64_t t1 = hal_time_ns(), c = hal_counter(), t2 = hal_time_ns();
    uint64_t ticks = c - c0;
    uint64_t ns = ticks / freq * 1000000000ull + ticks % freq * 1000000000ull / freq;
    KT_ASSERT(t1 <= ns && ns <= t2);
    /* 10 ms by the counter is 10 ms by hal_time_ns(), to a tick or two. */
    uint64_t start = hal_time_ns(), c1 = hal_counter();
    while (hal_counter() - c1 < freq / 100)
        hal_cpu_relax();
    uint64_t dt = hal_time_ns() - start;
    KT_ASSERT(dt >= 10 * MS - 100 && dt < 10 * MS + 250 * MS); /* a loaded host stalls TCG */
}
