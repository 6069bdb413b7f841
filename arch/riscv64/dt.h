/**
 * @file arch/riscv64/dt.h
 * @brief What riscv64 reads from the device tree about its harts and its
 *        clock: portable C (dt.c), so the host tests check it against trees
 *        no firmware would pass (no timebase-frequency, an SBI without HSM
 *        or RFENCE, harts with every mmu-type). Arch-private.
 */
#ifndef ARCH_RV64_DT_H
#define ARCH_RV64_DT_H

#include <hal/smp.h>
#include <stdint.h>

struct fdt;

/** @brief SBI extensions hart start-up needs (rv_dt_harts()'s @p sbi). */
#define RV_SBI_HSM 1u    /**< Hart State Management: hart_start */
#define RV_SBI_RFENCE 2u /**< remote fence.i and sfence.vma: code written on one hart runs on all */

/**
 * @brief The clock: /cpus timebase-frequency, and whether the harts have
 *        Sstc (the first hart's riscv,isa names it; QEMU gives all the same).
 * @param hz receives the frequency
 * @param sstc receives 1 if the ISA string names Sstc
 * @retval 0 found
 * @retval -ENOENT no /cpus, or no usable timebase-frequency (logged)
 */
int rv_dt_clock(const struct fdt *fdt, uint32_t *hz, int *sstc);

/** @brief Whether ISA string @p isa ("rv64imafdc_zicsr_sstc") names the multi-letter extension @p ext. */
int rv_isa_has(const char *isa, const char *ext);

/**
 * @brief The harts under /cpus, each with how it starts ("sbi-hsm") or why
 *        it cannot: its status, an mmu-type without the kernel's mode
 *        (@p sv39: the kernel runs Sv39, else Sv48), or an SBI without HSM
 *        or RFENCE (@p sbi lacks RV_SBI_HSM / RV_SBI_RFENCE: then only the
 *        boot hart runs).
 * @return harts described (may exceed @p max), or -ENOENT without /cpus
 */
int rv_dt_harts(const struct fdt *fdt, unsigned sbi, int sv39, struct hal_cpu_desc *out,
                unsigned max);

/** @brief The DT mmu-type of hart @p hartid, NULL if none. */
const char *rv_dt_mmu_type(const struct fdt *fdt, uint64_t hartid);

#endif
