/**
 * @file dt.c
 * @brief riscv64's reading of /cpus (dt.h): the clock, the ISA, the harts
 *        and how each can start. No instruction of the arch here: the host
 *        tests link this file.
 */
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/log.h>
#include <kernel/string.h>

#include "dt.h"

int rv_isa_has(const char *isa, const char *ext)
{
    size_t n = strlen(ext);
    for (const char *p = strchr(isa, '_'); p; p = strchr(p + 1, '_'))
        if (strncmp(p + 1, ext, n) == 0 && (p[1 + n] == '_' || p[1 + n] == '\0'))
            return 1;
    return 0;
}

int rv_dt_clock(const struct fdt *fdt, uint32_t *hz, int *sstc)
{
    int cpus = fdt_path(fdt, "/cpus");
    *sstc = 0;
    if (cpus < 0 || fdt_prop_u32(fdt, cpus, "timebase-frequency", hz) != 0 || *hz == 0) {
        pr_err("timer: the DTB's /cpus has no timebase-frequency: no clock, no timer");
        return -ENOENT;
    }
    for (int n = fdt_first_child(fdt, cpus); n >= 0; n = fdt_next_sibling(fdt, n)) {
        const char *isa = fdt_prop_string(fdt, n, "riscv,isa");
        if (isa) {
            *sstc = rv_isa_has(isa, "sstc");
            break;
        }
    }
    return 0;
}

/* Whether a hart whose DT says @p mmu has the kernel's mode. */
static int mmu_fits(const char *mmu, int sv39)
{
    if (!mmu)
        return 0;
    return strcmp(mmu, "riscv,sv48") == 0 || strcmp(mmu, "riscv,sv57") == 0 ||
           (sv39 && strcmp(mmu, "riscv,sv39") == 0);
}

int rv_dt_harts(const struct fdt *fdt, unsigned sbi, int sv39, struct hal_cpu_desc *out,
                unsigned max)
{
    int cpus = fdt_path(fdt, "/cpus");
    if (cpus < 0)
        return -ENOENT;
    int n = 0;
    for (int node = fdt_first_child(fdt, cpus); node >= 0; node = fdt_next_sibling(fdt, node)) {
        const char *type = fdt_prop_string(fdt, node, "device_type");
        if (!type || strcmp(type, "cpu") != 0)
            continue; /* cpu-map and the like */
        uint32_t hartid;
        size_t nlen;
        const char *name = fdt_node_name(fdt, node, &nlen);
        if (fdt_prop_u32(fdt, node, "reg", &hartid) != 0) {
            pr_warn("dt: /cpus/%.*s: no usable reg; left off", (int)nlen, name ? name : "?");
            continue;
        }
        if ((unsigned)n < max) {
            struct hal_cpu_desc *d = &out[n];
            d->hwid = hartid;
            d->method = NULL;
            d->why = NULL;
            if (!fdt_node_is_available(fdt, node))
                d->why = "its status is not \"okay\"";
            else if (!mmu_fits(fdt_prop_string(fdt, node, "mmu-type"), sv39))
                d->why = sv39 ? "its mmu-type is not Sv39 or wider" : "its mmu-type is not Sv48 or wider";
            else if (!(sbi & RV_SBI_HSM))
                d->why = "the SBI has no HSM extension";
            else if (!(sbi & RV_SBI_RFENCE))
                d->why = "the SBI has no RFENCE extension (code written on one hart could not be made runnable on it)";
            else
                d->method = "sbi-hsm";
        }
        n++;
    }
    return n;
}

const char *rv_dt_mmu_type(const struct fdt *fdt, uint64_t hartid)
{
    int cpus = fdt_path(fdt, "/cpus");
    for (int n = cpus < 0 ? -1 : fdt_first_child(fdt, cpus); n >= 0; n = fdt_next_sibling(fdt, n)) {
        uint32_t reg;
        if (fdt_prop_u32(fdt, n, "reg", &reg) == 0 && reg == hartid)
            return fdt_prop_string(fdt, n, "mmu-type");
    }
    return NULL;
}
