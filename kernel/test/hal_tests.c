/**
 * @file hal_tests.c
 * @brief In-kernel tests of HAL contracts that the rest of the tests only
 *        use indirectly: the page-table entry encoders (hal/pte.h) and the
 *        CPU id (hal/cpu.h).
 *
 * The walker trusts hal_pte_* to round-trip: whatever hal_pte_leaf() encodes,
 * hal_pte_prot() and hal_pte_addr() must decode, at every level, or a split
 * of a 2 MiB block silently changes rights. These tests state that contract
 * for each arch directly, so a new arch's encoders are checked before its
 * first map.
 */
#include <hal/cpu.h>
#include <hal/irq.h>
#include <hal/pte.h>
#include <hal/smp.h>
#include <kernel/ktest.h>
#include <kernel/sched.h>
#include <kernel/smp.h>

/* An address with bits set in every level's span and near the top of what
 * both arches encode (48-bit physical on aarch64 without LPA, 52 on x86_64). */
#define PA_1G 0x0000a5c0000000ULL  /* 1 GiB aligned */
#define PA_2M 0x0000a5c5a00000ULL  /* 2 MiB aligned */
#define PA_4K 0x0000a5c5a5a5a000ULL

KTEST(pte_leaf_round_trips)
{
    static const unsigned prots[] = {0, MMU_WRITE, MMU_EXEC, MMU_WRITE | MMU_EXEC, MMU_DEVICE,
                                     MMU_DEVICE | MMU_WRITE};
    static const uint64_t pa_at[4] = {0, PA_1G, PA_2M, PA_4K};
    for (int level = 1; level <= 3; level++) {
        for (unsigned i = 0; i < sizeof prots / sizeof prots[0]; i++) {
            uint64_t e = hal_pte_leaf(pa_at[level], prots[i], level);
            KT_ASSERT(hal_pte_valid(e));
            KT_ASSERT(!hal_pte_is_table(e, level));
            KT_ASSERT(hal_pte_addr(e) == pa_at[level]);
            KT_ASSERT(hal_pte_prot(e) == prots[i]);
        }
    }
}

KTEST(pte_table_entries)
{
    for (int level = 0; level <= 2; level++) {
        uint64_t e = hal_pte_table(PA_4K);
        KT_ASSERT(hal_pte_valid(e));
        KT_ASSERT(hal_pte_is_table(e, level));
        KT_ASSERT(hal_pte_addr(e) == PA_4K);
    }
    KT_ASSERT(!hal_pte_valid(0)); /* a zeroed table is all invalid entries */
}

/* The boot CPU's id is one the firmware lists for a CPU (DT /cpus reg,
 * MADT local APIC id): a raw MPIDR_EL1 (bit 31 is RES1) or the wrong CPUID
 * byte would not be. It is not always 0: OpenSBI boots riscv64 on whichever
 * hart wins its lottery. The id may not depend on the interrupt mask either.
 * Run on the boot CPU (index 0): tests may run on any CPU. */
KTEST(cpu_id_of_boot_cpu)
{
    KT_ASSERT(thread_set_affinity(thread_current()->id, 1) == 0);
    KT_ASSERT(thread_cpu() == 0);
    irqflags_t f = hal_irq_save();
    uint32_t masked = hal_cpu_id();
    hal_irq_restore(f);
    hal_cpu_relax();
    KT_ASSERT(masked == smp_cpu(0)->hwid);
    struct hal_cpu_desc cpus[SMP_MAX_CPUS];
    int n = hal_smp_enumerate(cpus, SMP_MAX_CPUS), listed = 0;
    for (int i = 0; i < n && i < SMP_MAX_CPUS; i++)
        listed |= cpus[i].hwid == masked;
    KT_ASSERT(n < 0 || listed); /* no firmware table (no DTB): nothing to compare with */
    f = hal_irq_save();
    KT_ASSERT(hal_cpu_id() == masked);
    hal_irq_restore(f);
}
