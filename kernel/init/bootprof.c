/**
 * @file bootprof.c
 * @brief Boot stage stamps (kernel/bootprof.h).
 */
#include <kernel/bootprof.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>

static struct boot_stage_rec stages[BOOT_STAGES_MAX];
static unsigned nstages, dropped;

void boot_stage(const char *name)
{
    if (nstages == BOOT_STAGES_MAX) {
        dropped++;
        return;
    }
    stages[nstages++] = (struct boot_stage_rec){name, uptime_us()};
}

const struct boot_stage_rec *boot_stages(unsigned *n)
{
    *n = nstages;
    return stages;
}

void boot_profile_print(void)
{
    if (nstages == 0) {
        kprintf("no boot stages recorded\n");
        return;
    }
    uint64_t total = stages[nstages - 1].end_us, prev = 0;
    kprintf("%-24s %10s %10s %6s\n", "stage", "start us", "length us", "share");
    for (unsigned i = 0; i < nstages; i++) {
        uint64_t len = stages[i].end_us - prev;
        unsigned permille = total ? (unsigned)(len * 1000 / total) : 0;
        kprintf("%-24s %10lu %10lu %3u.%u%%\n", stages[i].name, (unsigned long)prev,
                (unsigned long)len, permille / 10, permille % 10);
        prev = stages[i].end_us;
    }
    kprintf("%-24s %10s %10lu\n", "total", "", (unsigned long)total);
    if (dropped)
        kprintf("(%u later stages not kept)\n", dropped);
}
