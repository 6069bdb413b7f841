/**
 * @file smp_plan.c
 * @brief Which of the CPUs the firmware lists get started (see smp_plan()
 *        in kernel/smp.h): pure, so the host test feeds it bad tables.
 */
#include <hal/smp.h>
#include <kernel/log.h>
#include <kernel/smp.h>

unsigned smp_plan(const struct hal_cpu_desc *desc, unsigned listed, unsigned total,
                  uint32_t boot_hwid, unsigned room, unsigned *pick, unsigned *left_off)
{
    unsigned n = 0, over = total > listed ? total - listed : 0;
    for (unsigned i = 0; i < listed; i++) {
        const struct hal_cpu_desc *d = &desc[i];
        if (d->hwid == boot_hwid)
            continue;
        int dup = 0;
        for (unsigned j = 0; j < i; j++)
            dup |= desc[j].hwid == d->hwid;
        if (dup) {
            pr_warn("smp: cpu %#x listed twice; the second entry is ignored", d->hwid);
            continue;
        }
        if (!d->method) {
            pr_warn("smp: cpu %#x cannot be started: %s", d->hwid, d->why ? d->why : "no method");
            continue;
        }
        if (n == room) {
            over++;
            continue;
        }
        pick[n++] = i;
    }
    *left_off = over;
    return n;
}
