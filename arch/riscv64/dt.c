/**
 * @file dt.c
 * @brief riscv64's reading of /cpus (dt.h): the clock, the ISA, the harts
 *        and how each can start (the walk over them is boot/devicetree.c's
 *        dt_for_each_cpu()). No instruction of the arch here: the host
 *        tests link this file.
 */
#include <boot/devicetree.h>
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

/* What rv_dt_harts() knows that dt_for_each_cpu() does not. */
struct harts_arg {
    unsigned sbi;
    int sv39;
};

static void describe(const struct fdt *fdt, int node, uint64_t reg, struct hal_cpu_desc *d, void *arg)
{
    const struct harts_arg *a = arg;
    if (reg >> 32)
        d->why = "its hart id does not fit in 32 bits";
    else if (!mmu_fits(fdt_prop_string(fdt, node, "mmu-type"), a->sv39))
        d->why = a->sv39 ? "its mmu-type is not Sv39 or wider" : "its mmu-type is not Sv48 or wider";
    else if (!(a->sbi & RV_SBI_HSM))
        d->why = "the SBI has no HSM extension";
    else if (!(a->sbi & RV_SBI_RFENCE))
        d->why = "the SBI has no RFENCE extension (code written on one hart could not be made runnable on it)";
    else
        d->method = "sbi-hsm";
}

int rv_dt_harts(const struct fdt *fdt, unsigned sbi, int sv39, struct hal_cpu_desc *out,
                unsigned max)
{
    struct harts_arg a = {sbi, sv39};
    return dt_for_each_cpu(fdt, out, max, describe, &a);
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
