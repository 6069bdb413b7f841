/**
 * @file lapic.h
 * @brief The local APIC driver's interface: how x86 vectors map to interrupt
 *        numbers, the CPU's APIC id, the timer it offers the arch, and the
 *        two CPU-register services it needs from arch/x86_64.
 *
 * The local APIC is the root interrupt controller on x86: every interrupt
 * reaches the CPU through it, so its driver registers the dispatch that the
 * arch's interrupt entry calls (hal_irq_set_root_handler()). Vector v is
 * interrupt number v - 32, and the 224 numbers are shared out by priority
 * class (vector >> 4), lowest first:
 *
 * | numbers  | vectors  | served by                                        |
 * |----------|----------|--------------------------------------------------|
 * | 0-119    | 32-151   | IOAPIC pins: number = GSI (120 GSIs: QEMU has 24, an Intel PCH IOAPIC 120) |
 * | 120-191  | 152-223  | MSIs handed out by the "lapic" msi_chip (72 vectors) |
 * | 192-223  | 224-255  | local sources: timer (208), IPI (216), error (222), self-IPIs; 255 is the spurious vector |
 *
 * A board whose IOAPICs have GSIs from 120 up gets those pins left masked
 * (logged by the IOAPIC driver); growing that span shrinks the MSI one.
 *
 * MSIs: the driver registers the struct msi_chip "lapic" (msi_chip_find(0)
 * on x86, the only one). irq_alloc_msi() hands out numbers of the MSI span
 * with the message address 0xFEE00000 | this CPU's APIC id << 12 (physical
 * destination, no redirection hint) and data = vector (fixed delivery,
 * edge), SDM vol. 3A 11.11. A request for n > 1 gets one contiguous block
 * whose first vector is aligned to n rounded up to a power of two, as
 * multi-message MSI needs (the device sets the low bits of the data).
 * Exhaustion is -ENOSPC with nothing taken; freeing what is not held by
 * that requester is -ENOENT. The APIC cannot mask a vector, so masking an
 * MSI number is done in software: an MSI arriving masked is EOIed, held
 * pending without running its handler, and sent again on unmask.
 *
 * The 8259 pair is remapped to vectors 0x20-0x2f (apic/i8259.h)
 * and masked; its spurious IRQ 7 / 15 arrive on 0x27 / 0x2f, which are also
 * GSIs 7 and 15. The dispatch tells them apart by the local APIC's
 * in-service register: an interrupt the APIC delivered is in it, one from
 * the 8259 (ExtINT) never is.
 */
#ifndef DRIVERS_IRQCHIP_LAPIC_H
#define DRIVERS_IRQCHIP_LAPIC_H

#include <stdint.h>

#define LAPIC_VECTOR_BASE 32      /**< vector of interrupt number 0 */
#define LAPIC_IRQ_MSI_BASE 120    /**< first MSI number (vector 152); IOAPIC GSIs stop below */
#define LAPIC_IRQ_LOCAL_BASE 192  /**< first local number (vector 224); MSIs stop below */
#define LAPIC_IRQ_END 224         /**< one past the last number */
#define LAPIC_IRQ_TIMER 208       /**< the local APIC timer (vector 0xf0) */
#define LAPIC_IRQ_ERROR 222       /**< APIC error (vector 0xfe) */
#define LAPIC_IRQ_IPI 216         /**< interprocessor interrupt (vector 0xf8), irq_set_ipi() */
#define LAPIC_VECTOR_SPURIOUS 0xff /**< the spurious vector: irq_spurious(), no EOI */

/**
 * @brief The boot CPU's local APIC id, read at probe: where MSIs and IOAPIC
 *        entries go until irq_set_affinity() routes them elsewhere.
 * @return the id; 0 before the driver probed
 * @note Any context.
 */
uint32_t lapic_id(void);

/** @name ICR command words for lapic_send_ipi() (SDM vol. 3A, 11.6.1) */
/** @{ */
#define LAPIC_IPI_FIXED 0x4000u         /**< fixed delivery, edge, assert: OR in the vector */
#define LAPIC_IPI_INIT 0xc500u          /**< INIT, level-triggered, assert */
#define LAPIC_IPI_NMI 0x4400u           /**< NMI delivery (vector 2 whatever the vector field), assert */
#define LAPIC_IPI_STARTUP(page) (0x4600u | ((page) & 0xffu)) /**< Startup IPI at page << 12 */
/** @} */

/**
 * @brief Send an interprocessor interrupt: destination @p dest_apic_id
 *        (physical mode), then @p command into the low half of the ICR.
 * @param dest_apic_id the target's local APIC id (xAPIC: 0-255)
 * @param command delivery mode, vector and level/trigger bits, e.g.
 *        LAPIC_IPI_INIT; no destination shorthand
 * @retval 0 the APIC accepted and sent it (delivery status went idle)
 * @retval -EINVAL id above 255, or shorthand / reserved bits in @p command
 * @retval -ETIMEDOUT the ICR stayed busy
 * @retval -ENODEV the driver has not probed
 * @note Thread or interrupt context; masks interrupts on this CPU meanwhile.
 */
int lapic_send_ipi(uint32_t dest_apic_id, uint32_t command);

/**
 * @brief Whether @p vector is in service at the local APIC (it came through
 *        the APIC and is waiting for an EOI).
 * @return 1 or 0 (0 also before the driver probed or for @p vector > 255)
 * @note Any context; one MMIO read.
 */
int lapic_in_service(unsigned vector);

/**
 * @brief The longest one-shot count the timer is programmed with (default
 *        0xffffffff). A farther deadline fires early and ktimer re-arms it;
 *        tests lower this to exercise that path quickly.
 */
extern uint32_t lapic_timer_max_count;

/**
 * @brief The initial count the one-shot timer was last programmed with (0:
 *        stopped). For the clamp test. @note Any context.
 */
uint32_t lapic_timer_programmed(void);

/** @brief Timer ticks per second after its divider; 0 until calibrated. @note Any context. */
uint64_t lapic_timer_hz(void);

/* ---- the timer, as the driver offers it to arch/x86_64/timer.c ---- */

/**
 * @brief A per-CPU deadline timer device: the local APIC timer, registered
 *        by its driver with x64_timer_set_device() at probe.
 *
 * The arch's hal_timer_*() own the policy (TSC-deadline when the CPU has
 * it: the deadline is a TSC value the arch writes to an MSR; else the
 * device's one-shot count). All ops run with interrupts masked or at boot,
 * never sleep and never allocate.
 */
struct x64_timer_device {
    const char *name; /**< "lapic" */
    unsigned irq;     /**< its interrupt number, for irq_register() */
    /** Put the timer in TSC-deadline mode, interrupt masked until irq_register(). 0 */
    int (*use_tsc_deadline)(void);
    /** Calibrate against the TSC and put the timer in one-shot mode, disarmed. 0 or -ENODEV */
    int (*use_oneshot)(void);
    /** One-shot mode: interrupt once hal_time_ns() >= @p deadline_ns (clamped, see lapic_timer_max_count). */
    void (*arm_oneshot)(uint64_t deadline_ns);
    /** One-shot mode: stop the count. */
    void (*stop)(void);
    /** Timer ticks per second after the divider; 0 until use_oneshot() calibrated it. */
    uint64_t (*hz)(void);
    /** On a CPU started later: this CPU's timer in the mode chosen at boot
     *  (TSC-deadline when @p tsc_deadline, else one-shot with the boot
     *  CPU's divider and calibration), interrupt unmasked, disarmed. 0 */
    int (*cpu_init)(int tsc_deadline);
};

/*
 * ---- provided by arch/x86_64 for this driver ----
 *
 * The local APIC's timer has a TSC-deadline mode that needs CPUID and an
 * MSR: CPU registers, so the arch keeps the deadline policy and the driver
 * offers its timer. (Its mode and base address, also in an MSR, are set by
 * the arch before the driver probes.) Declared here, not in hal/, because
 * only this x86-only driver uses it; drivers include no <arch/...> header.
 */

/**
 * @brief Offer @p dev as the deadline behind hal_timer_*(); the last one set
 *        is used by hal_timer_init().
 * @note Boot context. Implemented in arch/x86_64/timer.c.
 */
void x64_timer_set_device(const struct x64_timer_device *dev);

#endif
