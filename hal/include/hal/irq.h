/**
 * @file hal/irq.h
 * @brief Interrupts: the CPU mask, handlers per interrupt, controller drivers.
 *
 * Three layers meet here:
 *  - the CPU's own mask (hal_irq_save/restore/enable/disable, hal_idle_wait),
 *    inline from <arch/irqflags.h>;
 *  - the portable table of handlers (kernel/irq/irq.c): irq_register(),
 *    irq_mask(), irq_unmask(), per-interrupt counts for the shell's `irqs`;
 *  - the interrupt controller driver (GICv2/v3, IOAPIC + LAPIC), which
 *    registers a struct irq_chip for a range of numbers and, from the arch's
 *    exception entry, acknowledges an interrupt, calls irq_handle(), and
 *    signals end-of-interrupt. Drivers never EOI.
 *
 * Interrupt numbers are the controller's: GIC INTIDs on aarch64 (the UART
 * on QEMU virt is SPI 1 = 33), IOAPIC global system interrupts (GSIs) on
 * x86_64 (COM1 is ISA IRQ 4 = GSI 4 unless the MADT overrides it). Buses
 * fill struct device's irq in that numbering.
 *
 * Handlers run with interrupts masked, on the interrupted thread's stack;
 * they must not sleep. A thread switch requested from a handler
 * (sched_need_resched()) happens in irq_exit(), after the EOI.
 */
#ifndef HAL_IRQ_H
#define HAL_IRQ_H

#include <arch/irqflags.h>
#include <stdint.h>

/** @brief Number of interrupt numbers the arch's controllers can use. */
#define IRQ_COUNT ARCH_NR_IRQS

/** @brief An interrupt handler: @p irq is the number it was registered for. */
typedef void (*irq_handler_fn)(unsigned irq, void *arg);

/** Trigger modes for irq_configure(). */
enum irq_trigger {
    IRQ_TRIGGER_DEFAULT = 0, /**< what the platform description says */
    IRQ_TRIGGER_EDGE,
    IRQ_TRIGGER_LEVEL,
};

/** @brief An interrupt controller's per-interrupt operations. */
struct irq_chip {
    const char *name;
    void (*mask)(const struct irq_chip *chip, unsigned irq);
    void (*unmask)(const struct irq_chip *chip, unsigned irq);
    /** Optional: set the trigger mode; 0 or -errno. */
    int (*configure)(const struct irq_chip *chip, unsigned irq, enum irq_trigger trigger);
    void *priv;
};

/**
 * @brief Make @p chip the controller of interrupts [@p first, @p first + @p count).
 *
 * Interrupts already registered in that range are unmasked now, so drivers
 * probed before their controller still get their interrupts.
 * @return 0, -EINVAL (empty or out-of-range span), -EBUSY (overlaps another chip)
 */
int irq_chip_register(const struct irq_chip *chip, unsigned first, unsigned count);

/**
 * @brief Run @p fn(@p irq, @p arg) whenever interrupt @p irq fires, and unmask it.
 * @p name is shown by `irqs` (kept by pointer: pass a string that lives).
 * @return 0, -EINVAL (irq out of range or fn NULL), -EBUSY (already has a handler)
 */
int irq_register(unsigned irq, irq_handler_fn fn, void *arg, const char *name);

/** @brief Mask @p irq and drop its handler; -EINVAL / -ENOENT if none. */
int irq_unregister(unsigned irq);

/** @brief Stop (mask) or resume (unmask) delivery of @p irq; -EINVAL, -ENODEV (no chip). */
int irq_mask(unsigned irq);
int irq_unmask(unsigned irq);

/** @brief 1 if @p irq has a handler, a controller, and is not masked. */
int irq_routed(unsigned irq);

/**
 * @brief Ask the controller for edge or level triggering. Before the
 *        controller exists the request is kept and applied when it registers.
 * @return 0, -EINVAL (bad number or mode, or one the controller cannot do
 *         for this interrupt), -ENOSYS (the controller has no trigger modes)
 */
int irq_configure(unsigned irq, enum irq_trigger trigger);

/**
 * @brief Raise software interrupt @p irq on this CPU (GIC SGI 0-15 on
 *        aarch64; a self-IPI on vector irq + 32 on x86_64). For tests now,
 *        inter-processor wakeups later.
 * @return 0, -EINVAL (not a software-raisable number), -ENODEV (no controller)
 */
int hal_irq_raise_self(unsigned irq);

/** An interrupt number tests may raise with hal_irq_raise_self(): ARCH_IRQ_TEST. */
#define IRQ_TEST ARCH_IRQ_TEST

/* ---- called by the controller drivers from the arch's interrupt entry ---- */

/**
 * @brief Count @p irq and run its handler. With no handler registered the
 *        interrupt is masked and a warning is logged once: never a storm,
 *        never a hang.
 */
void irq_handle(unsigned irq);

/** @brief Count an interrupt the controller reported as spurious (GIC 1023, APIC 0xff). */
void irq_spurious(void);

/**
 * @brief Called last on the way out of every interrupt, after the EOI,
 *        still with interrupts masked: switches threads if a handler asked.
 */
void irq_exit(void);

/** @brief Nonzero while this CPU runs an interrupt handler. */
int irq_in_handler(void);

/** @brief Counts for `irqs`. */
struct irq_stat {
    unsigned irq;
    const char *name;      /**< handler name, "(none)" if unhandled */
    const char *chip;      /**< controller name, "-" if none */
    uint64_t count;
    int masked;
};

/**
 * @brief Fill @p out with up to @p max interrupts that have a handler or
 *        have fired; returns how many exist (may exceed @p max).
 */
unsigned irq_stats(struct irq_stat *out, unsigned max);

/** @brief Spurious interrupts counted so far. */
uint64_t irq_spurious_count(void);

#endif
