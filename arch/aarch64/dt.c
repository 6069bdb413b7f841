/**
 * @file dt.c
 * @brief aarch64's reading of /cpus (dt.h): MPIDR as a CPU's id, PSCI as
 *        the one way to start it.
 *
 * The walk over /cpus is boot/devicetree.c's dt_for_each_cpu(); this file
 * is what only aarch64 knows of a CPU node. No instruction of the arch
 * here: the host tests link this file.
 */
#include <boot/devicetree.h>
#include <kernel/fdt.h>
#include <kernel/string.h>

#include "dt.h"

/* MPIDR affinity as a DT reg holds it -> hal_cpu_id()'s packing. */
static uint32_t mpidr_to_hwid(uint64_t mpidr)
{
    return (uint32_t)(mpidr & 0xffffffu) | (uint32_t)((mpidr >> 32) & 0xff) << 24;
}

static void describe(const struct fdt *fdt, int node, uint64_t reg, struct hal_cpu_desc *d, void *arg)
{
    (void)arg;
    const char *m = fdt_prop_string(fdt, node, "enable-method");
    d->hwid = mpidr_to_hwid(reg);
    if (m && strcmp(m, "psci") == 0)
        d->method = "psci";
    else if (m && strcmp(m, "spin-table") == 0)
        d->why = "enable-method \"spin-table\" (only psci is supported)";
    else
        d->why = m ? "an unknown enable-method (only psci is supported)" : "no enable-method";
}

int a64_dt_cpus(const struct fdt *fdt, struct hal_cpu_desc *out, unsigned max)
{
    return dt_for_each_cpu(fdt, out, max, describe, NULL);
}
