/**
 * @file arch/private.h
 * @brief aarch64 functions called from another arch file or from assembly
 *        (entry.S, vectors.S): declared once, so every definition has a
 *        prototype in scope (-Wmissing-prototypes) and a caller cannot
 *        disagree with it. Not part of the HAL; nothing outside arch/aarch64
 *        includes this.
 */
#ifndef ARCH_A64_PRIVATE_H
#define ARCH_A64_PRIVATE_H

#include <hal/platform.h>
#include <stdint.h>

struct a64_frame;

/**
 * @brief Build the boot tables and turn the MMU on (mmu.c). From entry.S
 *        with the MMU off, at the load address: position-independent code
 *        only.
 * @param dtb physical address of the device tree (mapped in the direct map)
 * @param kbase physical address the image was loaded at
 */
void a64_mmu_enable(uint64_t dtb, uint64_t kbase);

/** @brief Stop TTBR0 walks once running high (mmu.c; from entry.S). */
void a64_mmu_drop_identity(void);
/** @brief MAIR, TCR, TTBR0 (boot identity map), TTBR1 for a CPU started later (mmu.c; for smp.c). */
void a64_mmu_secondary_regs(uint64_t regs[4]);

/** @brief Start this CPU's PMU cycle counter for hal_cycles() (platform.c); each CPU, once. */
void a64_pmu_init(void);

/**
 * @brief Add the DTB's RAM to the boot direct map (mmu.c; from platform.c).
 * @retval 0 mapped
 * @retval -ENOSPC more RAM ranges, or partly covered GiBs, than the boot
 *         tables have room for
 */
int a64_map_ram(const struct boot_info *bi);

/**
 * @brief A PSCI call through the conduit the DTB names (platform.c).
 * @return what the firmware returned in x0 (PSCI: 0 or a negative code)
 */
int64_t a64_psci(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

struct fdt;
/** @brief Note the CPUs under the DTB's /cpus for hal_smp_enumerate() (smp.c; from platform.c). */
void a64_smp_read_cpus(const struct fdt *fdt);

/** @brief The early UART's virtual address while the MMU is on (mmu.c; for pl011.c). */
uintptr_t a64_early_uart(void);
/** pl011.c: 8-bit line, FIFOs on, before the prompt (the driver then keeps it). */
void a64_early_console_init(void);

/**
 * @brief The C entry (platform.c): from entry.S at EL1, running high, with a
 *        stack and zeroed .bss; never returns.
 * @param dtb physical address of the device tree (x0 at entry), 0 if none
 * @param counter0 CNTVCT_EL0 at the first instruction
 * @param entry_el the exception level the kernel was entered at (1 or 2)
 */
__attribute__((noreturn)) void a64_main(uint64_t dtb, uint64_t counter0, uint64_t entry_el);

/** @brief Start hal_time_ns() at @p boot_counter (timer.c; first thing in a64_main). */
void a64_timer_setup(uint64_t boot_counter);

/**
 * @brief Every exception and interrupt (exceptions.c; from vectors.S).
 * @param f the registers vectors.S saved
 * @param kind which of the 16 vectors was taken
 */
void a64_exception(struct a64_frame *f, unsigned kind);

#endif
