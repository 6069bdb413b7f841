/**
 * @file hal/irq.h
 * @brief What each architecture provides for interrupts: the CPU's own
 *        interrupt mask, the atomic idle wait, and the hook through which
 *        its exception entry reaches the root interrupt controller.
 *
 * The portable handler table, interrupt controllers (domains) and MSI are
 * the kernel's, in kernel/irq.h. The arch knows no controller by name: the
 * root controller's driver (GIC, local APIC) registers itself with
 * hal_irq_set_root_handler(), and the arch's interrupt entry calls it
 * through irq_root_dispatch(), then irq_exit(). The slot is the kernel's
 * (kernel/irq/irq.c), the same on every arch: the contract between the
 * entry and the controller is declared here, the arch defines nothing.
 *
 * The mask functions are inline (every spinlock uses them): declared here,
 * defined by the arch's <arch/irqflags.h>, which this header includes.
 */

/**
 * @defgroup hal_irq HAL: irq
 * @brief What an architecture provides for hal/irq.h. Required: the inlines (<arch/irqflags.h>); its interrupt entry calls irq_root_dispatch().
 * @{
 */
#ifndef HAL_IRQ_H
#define HAL_IRQ_H

#include <stdint.h>

/** @brief Saved interrupt state from hal_irq_save(), opaque to callers. */
typedef uint64_t irqflags_t;

/**
 * @brief Mask interrupts on this CPU and return the previous state.
 * @note Any context; this CPU only. Nests: each save pairs with one restore.
 */
static inline irqflags_t hal_irq_save(void);

/**
 * @brief Put this CPU's interrupt mask back as hal_irq_save() found it.
 * @note Any context; this CPU only. May unmask, so a pending interrupt may
 *       run before it returns.
 */
static inline void hal_irq_restore(irqflags_t flags);

/** @brief Unmask interrupts on this CPU. @note Not from an interrupt handler. */
static inline void hal_irq_enable(void);

/** @brief Mask interrupts on this CPU. @note Any context; this CPU only. */
static inline void hal_irq_disable(void);

/** @brief Nonzero if interrupts are unmasked on this CPU. @note Any context. */
static inline int hal_irq_enabled(void);

/**
 * @brief Wait for an interrupt, atomically with respect to the check that
 *        came before it.
 *
 * Called with interrupts masked, after the caller found nothing to do. It
 * must unmask interrupts and wait in one step, so that an interrupt that
 * arrives between the check and the wait still ends the wait (aarch64: WFI
 * wakes on a pending interrupt even while PSTATE.I masks it, then the mask
 * opens briefly to take it; x86_64: `sti; hlt`, where STI's one-instruction
 * shadow keeps the interrupt out until HLT is waiting). Any interrupt taken
 * runs its handler before this returns; it returns with interrupts masked
 * again.
 * @note The idle thread, or a thread holding its CPU on purpose (the
 *       ktests' kt_hold_other_cpus()); never from a handler; this CPU only.
 */
static inline void hal_idle_wait(void);

/**
 * @brief What the arch's interrupt entry calls for every interrupt: the
 *        root controller acknowledges, calls irq_handle() for each pending
 *        interrupt, and signals end-of-interrupt.
 * @param cause what the entry knows about the interrupt before asking a
 *        controller: the IDT vector on x86_64 (32-255), 0 on aarch64 (the
 *        GIC's acknowledge register says which).
 * @note Runs with interrupts masked, on the interrupted thread's stack; the
 *       arch calls irq_exit() after it returns.
 */
typedef void (*hal_irq_root_fn)(unsigned long cause);

/**
 * @brief Make @p fn the root interrupt controller's entry point.
 *
 * Called once by the controller that receives the CPU's interrupt line (GIC,
 * local APIC) when it probes. Until one is set, an interrupt is counted as
 * spurious (irq_spurious()) and ignored.
 * @retval 0 set
 * @retval -EINVAL @p fn is NULL
 * @retval -EBUSY another root handler is already set (one root per system)
 * @note Boot context, before interrupts are unmasked. Defined by
 *       kernel/irq/irq.c, not the arch.
 */
int hal_irq_set_root_handler(hal_irq_root_fn fn);

#include <arch/irqflags.h> /* the inline definitions */

/** @} */

#endif
