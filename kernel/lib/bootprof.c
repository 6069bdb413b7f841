/**
 * @file bootprof.c
 * @brief Boot stage stamps (kernel/bootprof.h) and uptime_us(), both on the
 *        counter the arch read at the kernel's first instruction.
 *
 * A stamp is the raw counter value, converted to microseconds only when the
 * stages are read: on x86_64 the TSC's rate is known only once it has been
 * calibrated, part way through boot, and stamps taken before that must not
 * all read 0.
 */
#include <hal/cpu.h>
#include <hal/platform.h>
#include <kernel/bootprof.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>

static const char *names[BOOT_STAGES_MAX];
static uint64_t ticks[BOOT_STAGES_MAX];
static struct boot_stage_rec stages[BOOT_STAGES_MAX];
static unsigned nstages, dropped;

uint64_t counter_ticks_us(uint64_t ticks)
{
    uint64_t freq = hal_counter_freq();
    return freq ? ticks / freq * 1000000 + ticks % freq * 1000000 / freq : 0;
}

/* Counted from the kernel's first instruction (the arch records that counter
 * value before anything else), so log stamps from driver probes made before
 * kmain are on the same clock. */
uint64_t uptime_us(void) { return counter_ticks_us(hal_counter() - platform_boot_info()->boot_counter); }

void boot_stage(const char *name)
{
    if (nstages == BOOT_STAGES_MAX) {
        dropped++;
        return;
    }
    ticks[nstages] = hal_counter();
    names[nstages++] = name;
}

/* Counter ticks since the kernel's first instruction, in microseconds (as uptime_us()). */
static uint64_t ticks_to_us(uint64_t t) { return counter_ticks_us(t - platform_boot_info()->boot_counter); }

const struct boot_stage_rec *boot_stages(unsigned *n)
{
    for (unsigned i = 0; i < nstages; i++)
        stages[i] = (struct boot_stage_rec){names[i], ticks_to_us(ticks[i])};
    *n = nstages;
    return stages;
}

void boot_profile_print(void)
{
    unsigned n;
    const struct boot_stage_rec *s = boot_stages(&n);
    if (n == 0) {
        kprintf("no boot stages recorded\n");
        return;
    }
    uint64_t total = s[n - 1].end_us, prev = 0;
    kprintf("%-24s %10s %10s %6s\n", "stage", "start us", "length us", "share");
    for (unsigned i = 0; i < n; i++) {
        uint64_t len = s[i].end_us - prev;
        unsigned permille = total ? (unsigned)(len * 1000 / total) : 0;
        kprintf("%-24s %10lu %10lu %3u.%u%%\n", s[i].name, (unsigned long)prev,
                (unsigned long)len, permille / 10, permille % 10);
        prev = s[i].end_us;
    }
    kprintf("%-24s %10s %10lu\n", "total", "", (unsigned long)total);
    if (dropped)
        kprintf("(%u later stages not kept)\n", dropped);
}
