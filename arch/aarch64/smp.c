/**
 * @file smp.c
 * @brief aarch64 half of hal/smp.h: the CPUs under the device tree's /cpus,
 *        started with PSCI CPU_ON, and TPIDR_EL1 as the per-CPU pointer.
 *
 * a64_dt_cpus() (dt.c) lists the CPUs; only enable-method
 * "psci" can be started here: a CPU without one, or with "spin-table", is
 * listed with the reason and left off. CPU_ON (PSCI,
 * Arm DEN0022) enters the new CPU at the physical address of
 * a64_secondary_entry (entry.S) with x0 = our context: a struct
 * a64_smp_boot, one per start, never reused, so a CPU that arrives late
 * never reads another's.
 */
#include <arch/private.h>
#include <irqchip/gic.h>
#include "dt.h"
#include <hal/cache.h>
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/smp.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/log.h>
#include <kernel/smp.h>
#include <kernel/string.h>

#define PSCI_CPU_ON_64 0xc4000003u

/* PSCI return codes (DEN0022, table "Return error codes"). */
#define PSCI_NOT_SUPPORTED (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_DENIED (-3)
#define PSCI_ALREADY_ON (-4)
#define PSCI_ON_PENDING (-5)
#define PSCI_INTERNAL_FAILURE (-6)
#define PSCI_NOT_PRESENT (-7)
#define PSCI_DISABLED (-8)
#define PSCI_INVALID_ADDRESS (-9)

#define DT_CPUS_MAX 64

static struct hal_cpu_desc dt_cpus[DT_CPUS_MAX];
static int dt_ncpus = -ENOENT; /* until a64_smp_read_cpus() finds /cpus */

/* The layout entry.S reads with ldp, 8-byte fields in this order. */
struct a64_smp_boot {
    uint64_t mair, tcr, ttbr0, ttbr1;
    uint64_t stack_top, arg;
};
_Static_assert(sizeof(struct a64_smp_boot) == 48, "entry.S reads this layout");

static struct a64_smp_boot boot_blocks[DT_CPUS_MAX] __attribute__((aligned(64)));
static unsigned boot_blocks_used;

void a64_secondary_entry(void);
__attribute__((noreturn)) void a64_secondary_main(void *arg);

static uint64_t hwid_to_mpidr(uint32_t hwid)
{
    return (uint64_t)(hwid & 0xffffffu) | (uint64_t)(hwid >> 24) << 32;
}

void a64_smp_read_cpus(const struct fdt *fdt)
{
    dt_ncpus = a64_dt_cpus(fdt, dt_cpus, DT_CPUS_MAX);
    if (dt_ncpus == -ENOENT)
        pr_warn("smp: the DTB has no /cpus node");
}

void a64_smp_set_cpus(const struct hal_cpu_desc *cpus, int n)
{
    for (int i = 0; i < n && i < DT_CPUS_MAX; i++)
        dt_cpus[i] = cpus[i];
    dt_ncpus = n;
}

int hal_smp_enumerate(struct hal_cpu_desc *out, unsigned max)
{
    if (dt_ncpus < 0)
        return dt_ncpus;
    for (int i = 0; i < dt_ncpus && i < DT_CPUS_MAX && (unsigned)i < max; i++)
        out[i] = dt_cpus[i];
    return dt_ncpus;
}

static int psci_errno(int64_t r)
{
    switch (r) {
    case PSCI_ALREADY_ON:
    case PSCI_ON_PENDING:
        return -EBUSY;
    case PSCI_INVALID_PARAMETERS:
    case PSCI_INVALID_ADDRESS:
        return -EINVAL;
    case PSCI_NOT_SUPPORTED:
        return -ENOSYS;
    default:
        return -EIO;
    }
}

int hal_smp_start(const struct hal_cpu_desc *cpu, void *stack_top, void *arg)
{
    if (!cpu->method || strcmp(cpu->method, "psci") != 0)
        return -ENOSYS;
    if (boot_blocks_used == DT_CPUS_MAX)
        return -ENOSPC;
    struct a64_smp_boot *b = &boot_blocks[boot_blocks_used++];
    uint64_t regs[4];
    a64_mmu_secondary_regs(regs);
    *b = (struct a64_smp_boot){regs[0], regs[1], regs[2], regs[3], (uintptr_t)stack_top,
                               (uintptr_t)arg};
    /* The new CPU reads the block with its MMU and caches off. */
    hal_dcache_clean(b, sizeof *b);
    uint64_t entry = hal_virt_to_phys((const void *)(uintptr_t)a64_secondary_entry);
    int64_t r = a64_psci(PSCI_CPU_ON_64, hwid_to_mpidr(cpu->hwid), entry, hal_virt_to_phys(b));
    if (r != 0) {
        pr_warn("smp: PSCI CPU_ON for cpu %#x returned %ld", cpu->hwid, (long)r);
        return psci_errno(r);
    }
    return 0;
}

void hal_cpu_local_set(void *p)
{
    __asm__ volatile("msr tpidr_el1, %0" : : "r"(p) : "memory");
}


/* From entry.S: MMU on, vectors installed, on the new stack. */
void a64_secondary_main(void *arg)
{
    hal_cpu_local_set(arg);
    a64_pmu_init(); /* its own cycle counter, for hal_cycles() */
    a64_user_cpu_init();
    smp_secondary_main(arg);
}

/* The GICv3's Group 0 SGI, taken as FIQ (unmasked where IRQs are masked):
 * -ENOTSUP on GICv2 or a GICv3 with two security states, where the
 * watchdog reports a stuck CPU without its registers. */
int hal_cpu_nmi(uint32_t hwid)
{
    return gic_send_nmi(hwid);
}
