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
#include "dt.h"
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/platform.h>
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

/* The layout entry.S reads, 8-byte fields in this order: rv_secondary_entry
 * the first four; a hart the SBI sent to the wrong address or with the wrong
 * argument (late_entry) looks for its hartid and sets misdirected. */
struct rv_smp_boot {
    uint64_t satp, stack_top, arg, hart, hartid, misdirected;
};
_Static_assert(sizeof(struct rv_smp_boot) == 48, "entry.S: RV_SMP_BOOT_SIZE and the offsets");
/* Named for entry.S, which reads them with the MMU off. */
struct rv_smp_boot rv_boot_blocks[RV_MAX_HARTS];
unsigned rv_boot_blocks_used;

/* The riscv.hsm_misdirect command-line word: hart_start is given what
 * OpenSBI before v1.3 may use by mistake, so a test takes both ways on
 * every boot: odd starts the image's start as the address, even ones the
 * DTB as the argument. */
static int hsm_misdirect;

int hal_cmdline_option(const char *word, size_t len)
{
    if (len == 19 && memcmp(word, "riscv.hsm_misdirect", 19) == 0) {
        hsm_misdirect = 1;
        return 1;
    }
    return 0;
}

void rv_secondary_entry(void);
void _start(void);
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

void rv_smp_read_cpus(const struct fdt *fdt, uint64_t boot_hartid)
{
    (void)boot_hartid;
    unsigned sbi = (sbi_has(SBI_EXT_HSM) ? RV_SBI_HSM : 0) | (sbi_has(SBI_EXT_RFENCE) ? RV_SBI_RFENCE : 0);
    if (!(sbi & RV_SBI_HSM))
        pr_warn("smp: the SBI has no HSM extension: running on the boot hart only");
    else if (!(sbi & RV_SBI_RFENCE))
        pr_warn("smp: the SBI has no RFENCE extension: running on the boot hart only");
    dt_ncpus = rv_dt_harts(fdt, sbi, strcmp(rv_mmu_mode(), "Sv39") == 0, dt_cpus, RV_MAX_HARTS);
    if (dt_ncpus == -ENOENT)
        pr_warn("smp: the DTB has no /cpus node");
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
    if (rv_boot_blocks_used == RV_MAX_HARTS || harts_used == RV_MAX_HARTS)
        return -ENOSPC;
    struct rv_hart *h = &harts[harts_used];
    h->hartid = cpu->hwid;
    __atomic_store_n(&harts_used, harts_used + 1, __ATOMIC_RELEASE);
    struct rv_smp_boot *b = &rv_boot_blocks[rv_boot_blocks_used];
    *b = (struct rv_smp_boot){rv_mmu_satp(), (uintptr_t)stack_top, (uintptr_t)arg, (uintptr_t)h,
                              cpu->hwid, 0};
    /* The block before the count that makes it visible to late_entry. */
    __atomic_store_n(&rv_boot_blocks_used, rv_boot_blocks_used + 1, __ATOMIC_RELEASE);
    __asm__ volatile("fence rw, rw" ::: "memory");
    uint64_t entry = hal_virt_to_phys((const void *)(uintptr_t)rv_secondary_entry);
    uint64_t opaque = hal_virt_to_phys(b);
    if (hsm_misdirect && rv_boot_blocks_used % 2)
        entry = hal_virt_to_phys((const void *)(uintptr_t)_start);
    else if (hsm_misdirect)
        opaque = platform_boot_info()->dtb_phys;
    struct sbi_ret r = sbi_call(SBI_EXT_HSM, HSM_HART_START, cpu->hwid, entry, opaque, 0);
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
    rv_timer_user_access();
    for (unsigned i = 0; i < RV_MAX_HARTS; i++)
        if (rv_boot_blocks[i].hart == (uintptr_t)hart && rv_boot_blocks[i].misdirected)
            pr_warn("smp: hart %lu came in at the wrong address or with the wrong argument "
                    "(the SBI's hart_start race, fixed in OpenSBI v1.3); it found its start "
                    "block and goes on", (unsigned long)hart->hartid);
    smp_secondary_main(arg);
}

/* S-mode has no interrupt that masked interrupts let through. */
int hal_cpu_nmi(uint32_t hwid)
{
    (void)hwid;
    return -ENOTSUP;
}
