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

/**
 * @brief The registers vectors.S saves for an exception taken at EL1
 *        (offsets pinned in exceptions.c). struct uregs (arch/uregs.h)
 *        begins with the same 34 words.
 */
struct a64_frame {
    uint64_t x[31]; /**< x0..x30 */
    uint64_t sp;    /**< SP before the exception */
    uint64_t elr;   /**< ELR_EL1 */
    uint64_t spsr;  /**< SPSR_EL1 */
};

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
 * @brief Add @p bi's RAM to the boot direct map (mmu.c; from platform.c):
 *        the whole 2 MiB blocks inside usable RAM, and every 2 MiB block
 *        that holds ACPI tables (ACPI-reclaim or NVS memory, often a few
 *        pages), read through the direct map.
 * @retval 0 mapped
 * @retval -ENOSPC more RAM ranges, or partly covered GiBs, than the boot
 *         tables have room for
 */
int a64_map_ram(const struct boot_info *bi);

/**
 * @brief Map the 2 MiB blocks holding [@p pa, @p pa + @p len) into the boot
 *        direct map, as the entry does for the DTB (mmu.c): RAM the
 *        firmware handed over (UEFI's memory map) before any map of RAM
 *        is known.
 * @retval 0 mapped
 * @retval -EINVAL empty, wrapping, or past the direct map's reach
 * @retval -ENOSPC the boot tables have no room
 */
int a64_map_boot_range(uint64_t pa, uint64_t len);

/**
 * @brief A PSCI call through the conduit the DTB names (platform.c).
 * @return what the firmware returned in x0 (PSCI: 0 or a negative code)
 */
int64_t a64_psci(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

struct fdt;
struct hal_cpu_desc;
/** @brief Note the CPUs under the DTB's /cpus for hal_smp_enumerate() (smp.c; from platform.c). */
void a64_smp_read_cpus(const struct fdt *fdt);
/** @brief Note @p n CPUs another description found (acpi.c: the MADT's GICC entries) for hal_smp_enumerate() (smp.c). */
void a64_smp_set_cpus(const struct hal_cpu_desc *cpus, int n);

/**
 * @brief Boot from the ACPI tables alone, with no device tree (acpi.c;
 *        from hal_platform_init()): the memory map from UEFI, the CPUs and
 *        PSCI's conduit, and the GIC, timer, console, ITS or GICv2m and PCI
 *        hosts as devices.
 * @param bi the boot_info; its RSDP copy came from the EFI stub
 * @param smc set to 1 when PSCI is called with SMC, 0 for HVC; left alone
 *        when the FADT does not say
 * @retval 0 described
 * @retval -ENOENT no RSDP, or no memory map to boot with (logged)
 */
int a64_acpi_platform_init(struct boot_info *bi, int *smc);

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

/** @brief An IRQ, from EL1 or EL0: the root handler, then irq_exit() (exceptions.c). */
void a64_irq(void);
/** @brief A FIQ (the watchdog's NMI, a panic's stop): @p f is what it interrupted (exceptions.c). */
void a64_fiq(const struct a64_frame *f);

struct uregs;
/**
 * @brief Every exception taken from EL0 (user.c; from vectors.S, on the
 *        thread's kernel stack with every interrupt masked). Returns with
 *        IRQs masked, after user_return(), for vectors.S to return to EL0
 *        with @p frame.
 * @param kind 0 sync, 1 IRQ, 2 FIQ, 3 SError
 */
void a64_user_exception(struct uregs *frame, unsigned kind);

/**
 * @brief A data abort at EL1 (user.c; from a64_exception): if the faulting
 *        instruction is a user access of the exception table, resolve the
 *        fault (user_page_fault()) or move *@p elr to its continuation.
 * @return 1 if handled (return to *@p elr), 0 for a real kernel fault
 */
int a64_user_access_fault(uint64_t *elr, uint64_t spsr, uint64_t esr, uint64_t far);

/**
 * @brief This CPU's part of user mode (user.c): PAN when it has it, and the
 *        EL0 rights Linux programs expect. Every CPU, once, before it runs
 *        threads.
 */
void a64_user_cpu_init(void);
/* An EL0 exception of class @ec (0 or 0x18) that was an MRS of an ID
 * register: emulated and stepped over (1), or not one (0). cpufeatures.c. */
int a64_emulate_mrs(struct uregs *f, unsigned ec, uint64_t esr);

#endif
