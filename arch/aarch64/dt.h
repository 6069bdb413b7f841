/**
 * @file arch/aarch64/dt.h
 * @brief What aarch64 reads from the device tree about its CPUs: portable
 *        C (dt.c), so the host tests check it against trees no firmware
 *        would pass. Arch-private.
 */
#ifndef ARCH_A64_DT_H
#define ARCH_A64_DT_H

#include <hal/smp.h>

struct fdt;

/**
 * @brief The CPUs under /cpus (boot/devicetree.h's dt_for_each_cpu()),
 *        each with how it starts or why it cannot.
 *
 * An entry's hwid is its reg in hal_cpu_id()'s packing: MPIDR Aff2..Aff0 in
 * bits 23:0 and Aff3 (reg bits 39:32) in 31:24. method is "psci" for
 * enable-method "psci"; otherwise NULL, with why naming the reason
 * (disabled, spin-table, an unknown or missing enable-method).
 * @return the number of CPUs found (may exceed @p max), or -ENOENT without /cpus
 */
int a64_dt_cpus(const struct fdt *fdt, struct hal_cpu_desc *out, unsigned max);

#endif
