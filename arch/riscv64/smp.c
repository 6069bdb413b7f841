/**
 * @file smp.c
 * @brief riscv64 half of hal/smp.h: the harts under the device tree's
 *        /cpus, started with the SBI's Hart State Management extension, tp
 *        as the per-CPU pointer and gp as the hart's own block.
 *
 * HSM hart_start (SBI spec v1.0, chapter "Hart State Management") enters
 * the hart in S-mode with the MMU off at the physical address of
 * rv_secondary_entry (entry.S), a0 = its hart id and a1 = our opaque value:
 * the physical address of a struct rv_smp_boot, one per start, never reused.
 */
#include <arch/private.h>
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/smp.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/log.h>
#include <kernel/smp.h>
#include <kernel/string.h>

#define HSM_HART_START 0

static struct hal_cpu_desc dt_cpus[RV_MAX_HARTS];
static int dt_ncpus = -ENOENT; /* until rv_smp_read_cpus() finds /cpus */

/* Slot 0 is the boot hart's; each start takes the next. */
static struct rv_hart harts[RV_MAX_HARTS];
static unsigned harts_used;

/* The layout entry.S reads, 8-byte fields in this order. */
struct rv_smp_boot {
    uint64_t satp, stack_top, arg, hart;
};
_Static_assert(sizeof(struct rv_smp_boot) == 32, "entry.S reads this layout");
static struct rv_smp_boot boot_blocks[RV_MAX_HARTS];
static unsigned boot_blocks_used;

void rv_secondary_entry(void);
__attribute__((noreturn)) void rv_secondary_main(void *arg, struct rv_hart *hart);

void rv_hart_set(struct rv_hart *h, uint64_t hartid)
{
    if (!h)
        h = &harts[harts_used++]; /* the boot hart, before anything else runs */
    h->hartid = hartid;
    __asm__ volatile("mv gp, %0" : : "r"(h) : "memory");
}

struct rv_hart *rv_hart_of(uint64_t hartid)
{
    unsigned n = __atomic_load_n(&harts_used, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n; i++)
        if (harts[i].hartid == hartid)
            return &harts[i];
    return NULL;
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

/* Whether a hart whose DT says @p mmu can run the kernel's mode. */
static int mmu_fits(const char *mmu)
{
    if (!mmu)
        return 0;
    int sv39 = strcmp(rv_mmu_mode(), "Sv39") == 0;
    return strcmp(mmu, "riscv,sv48") == 0 || strcmp(mmu, "riscv,sv57") == 0 ||
           (sv39 && strcmp(mmu, "riscv,sv39") == 0);
}

void rv_smp_read_cpus(const struct fdt *fdt, uint64_t boot_hartid)
{
    (void)boot_hartid;
    int cpus = fdt_path(fdt, "/cpus");
    if (cpus < 0) {
        pr_warn("smp: the DTB has no /cpus node");
        return;
    }
    int hsm = sbi_has(SBI_EXT_HSM);
    if (!hsm)
        pr_warn("smp: the SBI has no HSM extension: running on the boot hart only");
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
        if (n < RV_MAX_HARTS) {
            struct hal_cpu_desc *d = &dt_cpus[n];
            const char *mmu = fdt_prop_string(fdt, node, "mmu-type");
            d->hwid = hartid;
            d->method = NULL;
            d->why = NULL;
            if (!fdt_node_is_available(fdt, node))
                d->why = "its status is not \"okay\"";
            else if (!mmu_fits(mmu))
                d->why = strcmp(rv_mmu_mode(), "Sv39") == 0 ? "its mmu-type is not Sv39 or wider"
                                                              : "its mmu-type is not Sv48 or wider";
            else if (!hsm)
                d->why = "the SBI has no HSM extension";
            else
                d->method = "sbi-hsm";
        }
        n++;
    }
    dt_ncpus = n;
}

int hal_smp_enumerate(struct hal_cpu_desc *out, unsigned max)
{
    if (dt_ncpus < 0)
        return dt_ncpus;
    for (int i = 0; i < dt_ncpus && i < RV_MAX_HARTS && (unsigned)i < max; i++)
        out[i] = dt_cpus[i];
    return dt_ncpus;
}

int hal_smp_start(const struct hal_cpu_desc *cpu, void *stack_top, void *arg)
{
    if (!cpu->method || strcmp(cpu->method, "sbi-hsm") != 0)
        return -ENOSYS;
    if (boot_blocks_used == RV_MAX_HARTS || harts_used == RV_MAX_HARTS)
        return -ENOSPC;
    struct rv_hart *h = &harts[harts_used];
    h->hartid = cpu->hwid;
    __atomic_store_n(&harts_used, harts_used + 1, __ATOMIC_RELEASE);
    struct rv_smp_boot *b = &boot_blocks[boot_blocks_used++];
    *b = (struct rv_smp_boot){rv_mmu_satp(), (uintptr_t)stack_top, (uintptr_t)arg, (uintptr_t)h};
    __asm__ volatile("fence rw, rw" ::: "memory");
    uint64_t entry = hal_virt_to_phys((const void *)(uintptr_t)rv_secondary_entry);
    struct sbi_ret r = sbi_call(SBI_EXT_HSM, HSM_HART_START, cpu->hwid, entry,
                                hal_virt_to_phys(b), 0);
    if (r.error) {
        pr_warn("smp: SBI HSM hart_start for hart %u returned %ld", cpu->hwid, r.error);
        return sbi_errno(r.error);
    }
    return 0;
}

void hal_cpu_local_set(void *p)
{
    __asm__ volatile("mv tp, %0" : : "r"(p) : "memory");
}

/* From entry.S: MMU on, stvec set, on the new stack. */
void rv_secondary_main(void *arg, struct rv_hart *hart)
{
    rv_hart_set(hart, hart->hartid);
    hal_cpu_local_set(arg);
    smp_secondary_main(arg);
}

/* S-mode has no interrupt that masked interrupts let through. */
int hal_cpu_nmi(uint32_t hwid)
{
    (void)hwid;
    return -ENOTSUP;
}
