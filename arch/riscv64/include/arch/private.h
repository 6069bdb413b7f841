/**
 * @file arch/private.h
 * @brief riscv64 functions and data shared between arch files and assembly:
 *        declared once, so every definition has a prototype in scope. Not
 *        part of the HAL; nothing outside arch/riscv64 includes this.
 */
#ifndef ARCH_RV64_PRIVATE_H
#define ARCH_RV64_PRIVATE_H

#include <hal/platform.h>
#include <stddef.h>
#include <stdint.h>

/**
 * @brief One hart's arch data, pointed to by gp while the kernel runs
 *        (arch/cpu_inline.h). The first word is read by hal_cpu_id(), the
 *        layout by trap.S (offsets pinned in traps.c).
 */
struct rv_hart {
    uint64_t hartid;    /**< what SBI calls this hart */
    uint64_t scratch;   /**< trap.S: a register saved while it checks the stack */
    /** Software interrupts waiting for this hart, a bit per local number
     *  (traps.c: the IPI and the test numbers share the one supervisor
     *  software interrupt); set by any hart, atomically. */
    uint64_t soft_pending;
    /** The software numbers masked on this hart (this hart only). */
    uint64_t soft_masked;
};

/** @brief The struct rv_hart of @p hartid, NULL if that hart was never started (smp.c). */
struct rv_hart *rv_hart_of(uint64_t hartid);

/** @brief The most harts the arch keeps a struct rv_hart for. */
#define RV_MAX_HARTS 64

/** @brief Point gp at a struct rv_hart for @p hartid (platform.c); once per hart, early. */
void rv_hart_set(struct rv_hart *h, uint64_t hartid);

/** @brief The saved registers of a trap (trap.S); x[0] holds nothing. */
struct rv_frame {
    uint64_t x[32];   /**< x1 (ra) ... x31; x[2] the interrupted sp */
    uint64_t sepc;    /**< where the trap came from */
    uint64_t sstatus; /**< as it was */
    uint64_t scause;  /**< why */
    uint64_t stval;   /**< the faulting address or instruction, if any */
};

/**
 * @brief Build the boot page tables (mmu.c). From entry.S with the MMU off,
 *        at the load address: position-independent code only.
 * @param dtb physical address of the device tree
 * @param kbase physical address the image was loaded at
 * @return the satp value that turns them on
 */
uint64_t rv_mmu_build(uint64_t dtb, uint64_t kbase);

/** @brief entry.S, MMU off, Sv48 refused: the satp for Sv39 over the same tables (mmu.c). */
uint64_t rv_mmu_sv39_satp(void);
/** @brief entry.S, MMU off: the hart refused Sv48 and Sv39; say so through the SBI and power off (mmu.c). */
__attribute__((noreturn)) void rv_no_paging(void);
/**
 * @brief Move to Sv39 if @p mmu_type (the boot hart's DT mmu-type) says it
 *        is the widest the hart has (mmu.c; from rv_main, boot tables on).
 * @return 1 moved, 0 nothing to do, -EIO the hart refused Sv39
 */
int rv_mmu_choose(const char *mmu_type);
/** @brief "Sv48" or "Sv39": the mode the kernel runs in (mmu.c). */
const char *rv_mmu_mode(void);


/** @brief The satp a hart started later switches on (mmu.c; for smp.c). */
uint64_t rv_mmu_satp(void);

/**
 * @brief Add the DTB's RAM to the boot direct map (mmu.c; from platform.c).
 * @retval 0 mapped
 * @retval -ENOSPC more RAM ranges than the boot tables have room for
 */
int rv_map_ram(const struct boot_info *bi);

/** @brief The early UART's virtual address while the MMU is on (mmu.c; for uart.c). */
uintptr_t rv_early_uart(void);
/** @brief uart.c: 8N1 with FIFOs, before the prompt (the driver then keeps it). */
void rv_early_console_init(void);

/**
 * @brief The C entry (platform.c): from entry.S running high, with a stack
 *        and zeroed .bss; never returns.
 * @param dtb physical address of the device tree (a1 at entry)
 * @param counter0 the time CSR at the first instruction
 * @param hartid this hart (a0 at entry)
 */
__attribute__((noreturn)) void rv_main(uint64_t dtb, uint64_t counter0, uint64_t hartid);

/** @brief Start hal_time_ns() at @p boot_counter (timer.c; first thing in rv_main). */
void rv_timer_setup(uint64_t boot_counter);
/** @brief Let user mode read the time CSR on this hart (the vDSO's clocks); each hart, at its start. */
void rv_timer_user_access(void);
/** @brief The DT's timebase-frequency and ISA (timer.c, from platform.c): 0 or -ENOENT. */
struct fdt;
int rv_timer_read_dt(const struct fdt *fdt);

/** @brief Note the harts under the DTB's /cpus for hal_smp_enumerate() (smp.c). */
void rv_smp_read_cpus(const struct fdt *fdt, uint64_t boot_hartid);

/** @brief Every trap from S-mode (traps.c; from trap.S). */
void rv_trap(struct rv_frame *f);
/** @brief Interrupt @p cause (scause without its interrupt bit), then irq_exit() (traps.c). */
void rv_interrupt(uint64_t cause);

struct uregs;
/**
 * @brief Every trap from U-mode (user.c; from trap.S, on the thread's
 *        kernel stack below @p f, interrupts masked): the system call, fault
 *        or interrupt, then user_return(). Returns with interrupts masked.
 */
void rv_user_trap(struct uregs *f);
/**
 * @brief A kernel fault in a copy routine (uaccess.S) at a user address
 *        (user.c, from rv_trap): user_page_fault(), else the exception
 *        table's continuation, in @p f.
 * @return 1 handled (return through @p f), 0 not such a fault
 */
int rv_uaccess_fault(struct rv_frame *f);

/** @brief scause values (privileged spec, "Supervisor cause register (scause) values"). */
#define RV_SCAUSE_INTERRUPT (1UL << 63)
#define RV_EXC_INSN_MISALIGNED 0
#define RV_EXC_INSN_ACCESS 1
#define RV_EXC_ILLEGAL 2
#define RV_EXC_BREAKPOINT 3
#define RV_EXC_LOAD_MISALIGNED 4
#define RV_EXC_LOAD_ACCESS 5
#define RV_EXC_STORE_MISALIGNED 6
#define RV_EXC_STORE_ACCESS 7
#define RV_EXC_ECALL_U 8
#define RV_EXC_INSN_PAGE_FAULT 12
#define RV_EXC_LOAD_PAGE_FAULT 13
#define RV_EXC_STORE_PAGE_FAULT 15

/** @brief The hart-local interrupt controller's numbers (traps.c): base of its span. */
#define RV_INTC_BASE 4096u
/** @brief Local interrupt causes (scause without the interrupt bit). */
#define RV_IRQ_S_SOFT 1
#define RV_IRQ_S_TIMER 5
#define RV_IRQ_S_EXT 9

/** @brief Open this hart's PLIC context, if there is a PLIC (a started hart). */
void rv_plic_cpu_init(void);
/** @brief The IMSIC's numbers (irqchip/imsic.c): RV_IMSIC_BASE + interrupt identity. */
#define RV_IMSIC_BASE 2048u
/** @brief Open this hart's IMSIC interrupt file, if there is an IMSIC (a started hart, and the boot hart at probe). */
void rv_imsic_cpu_init(void);
/**
 * @brief Give source @p src of a wired controller (the APLIC) an IMSIC
 *        identity of its own, whose arrival calls @p fn(@p src) directly
 *        (a chained controller: no IMSIC number, no second handler).
 * @return the identity (the EIID to program), -EINVAL, or -ENOSPC
 */
int rv_imsic_chain(unsigned src, void (*fn)(unsigned src));
/** @brief The IMSIC interrupt file (hart index) of hart @p hwid, or -ENODEV (for aplic.c). */
int rv_imsic_hart_index(uint32_t hwid);

/* ---- SBI (sbi.c), SBI spec v1.0 ---- */

/** @brief An SBI call's two results. */
struct sbi_ret {
    long error; /**< 0 or an SBI_ERR_* (negative) */
    long value; /**< the call's value */
};

/** @brief Call function @p fid of extension @p eid. */
struct sbi_ret sbi_call(uint32_t eid, uint32_t fid, uint64_t a0, uint64_t a1, uint64_t a2,
                        uint64_t a3);
/** @brief Whether the SBI implements extension @p eid (Base probe; cached after sbi_init()). */
int sbi_has(uint32_t eid);
/** @brief Probe the extensions used here and log the SBI's version and name (rv_main). */
void sbi_init(void);
/** @brief An SBI error as a kernel errno. */
int sbi_errno(long err);
/** @brief Send a software interrupt to @p hartid (IPI extension). 0 or -errno. */
int sbi_ipi(uint64_t hartid);
/** @brief fence.i on every other hart (RFENCE extension); 0, or -ENOSYS without it. */
int sbi_remote_fence_i(void);

#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494d45
#define SBI_EXT_IPI 0x735049
#define SBI_EXT_RFENCE 0x52464e43
#define SBI_EXT_HSM 0x48534d
#define SBI_EXT_SRST 0x53525354

#endif
