/**
 * @file kernel/irq.h
 * @brief The portable interrupt layer: one number space shared by every
 *        interrupt controller, handlers per number, MSI allocation.
 *
 * Interrupt numbers belong to the controller (the "domain") that serves
 * them. Each controller driver claims a span of the kernel-wide number space
 * with irq_chip_register() and numbers its own interrupts there the way its
 * hardware does, so the numbers a bus or a user sees are the hardware's:
 *
 * | controller          | numbers                                   |
 * |---------------------|-------------------------------------------|
 * | GIC SGI/PPI/SPI     | INTID 0-1019 (QEMU virt's UART: SPI 1 = 33) |
 * | GICv2m frame        | the GIC SPIs its MSI_TYPER names            |
 * | GICv3 ITS LPIs      | INTID 8192 and up                           |
 * | IOAPIC pins         | GSI (COM1: ISA IRQ 4 = GSI 4 unless the MADT overrides it) |
 * | LAPIC MSI vectors   | vector - 32, in the span the LAPIC claims    |
 * | LAPIC local sources | vector - 32, 192-223                        |
 *
 * The table of handlers grows with the spans that exist (a two-level table
 * allocated in chunks), up to IRQ_NR_MAX.
 *
 * Flow of one interrupt: the arch's entry calls the root controller
 * (hal_irq_set_root_handler(), through irq_root_dispatch()), which acknowledges it and calls irq_handle()
 * for its number, then signals end-of-interrupt; the arch calls irq_exit()
 * last, where a thread switch asked for by a handler happens. Handlers run
 * with interrupts masked, on the interrupted thread's stack, and must not
 * sleep; drivers never EOI.
 *
 * Message-signalled interrupts: an MSI controller (x86 local APIC, GICv2m,
 * GICv3 ITS) registers a struct msi_chip; a device driver asks
 * irq_alloc_msi() for N interrupts and gets, for each, its number and the
 * (address, data) message the device must write to raise it. Which MSI
 * controller serves a PCI requester comes from the DT's msi-map /
 * msi-parent (msi_chip_for_rid()), or is the only one there is (x86).
 */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include <hal/irq.h>
#include <stdint.h>

/** @brief Interrupt numbers are below this (room for GICv3 LPIs from 8192). */
#define IRQ_NR_MAX 65536u

/** @brief An interrupt handler: @p irq is the number it was registered for. */
typedef void (*irq_handler_fn)(unsigned irq, void *arg);

/** Trigger modes for irq_configure(). */
enum irq_trigger {
    IRQ_TRIGGER_DEFAULT = 0, /**< what the platform description says */
    IRQ_TRIGGER_EDGE,        /**< edge (or a message: MSIs are edges) */
    IRQ_TRIGGER_LEVEL,       /**< level */
};

/** @brief The write a device makes to raise one MSI: @p data to @p address. */
struct msi_msg {
    uint64_t address; /**< physical address (x86: 0xfee..., GICv2m: MSI_SETSPI_NS, ITS: GITS_TRANSLATER) */
    uint32_t data;    /**< payload (x86: vector and mode; GICv2m: SPI number; ITS: event ID) */
};

/**
 * @brief An interrupt controller's operations on its own numbers.
 *
 * mask, unmask and configure are called with the interrupt table's lock
 * held and interrupts masked: they must not sleep or call back into
 * irq_*(). raise is called without that lock, from any context. @p irq is
 * the kernel-wide number (which, by the convention above, is the
 * controller's own numbering).
 */
struct irq_chip {
    const char *name; /**< shown by `irqs` */
    /** Stop delivery of @p irq. */
    void (*mask)(const struct irq_chip *chip, unsigned irq);
    /** Resume delivery of @p irq. */
    void (*unmask)(const struct irq_chip *chip, unsigned irq);
    /** Optional: set the trigger mode; 0, -EINVAL if this interrupt cannot have it. */
    int (*configure)(const struct irq_chip *chip, unsigned irq, enum irq_trigger trigger);
    /** Optional: make @p irq pending on this CPU (SGI, self-IPI); 0 or -EINVAL. */
    int (*raise)(const struct irq_chip *chip, unsigned irq);
    /** Optional (the root controller): make @p irq pending on the CPU whose
     *  hal_cpu_id() is @p hwid; 0, -EINVAL (not an IPI number, unknown CPU). */
    int (*send_ipi)(const struct irq_chip *chip, unsigned irq, uint32_t hwid);
    /** Optional (the root controller): bring up the calling CPU's own part
     *  (CPU interface, redistributor, local APIC) on a CPU started after
     *  probe, with @p ipi enabled there; 0 or a negative errno. */
    int (*cpu_init)(const struct irq_chip *chip, unsigned ipi);
    /**
     * Optional: deliver @p irq to the CPU in slot @p cpu (smp_cpu()) from
     * now on; the CPU is online. Until called, a controller delivers to the
     * boot CPU (slot 0). An MSI controller whose message names the CPU
     * (x86: the destination APIC id is in the address) fills @p msg with
     * the new message and returns 1, and the kernel hands it to the
     * device's writer (irq_set_msi_writer()); otherwise 0, or -EINVAL for
     * an interrupt this controller cannot move (per-CPU, not allocated).
     * Called with the interrupt table's lock held and interrupts masked.
     */
    int (*set_affinity)(const struct irq_chip *chip, unsigned irq, unsigned cpu,
                        struct msi_msg *msg);
    /** Numbers of the span below this are per-CPU: every CPU has its own
     *  (GIC SGIs and PPIs: 32; local APIC sources: the span's end). */
    unsigned percpu_end;
    void *priv; /**< the driver's */
};

/**
 * @brief Make @p chip the controller of interrupts [@p first, @p first + @p count).
 *
 * Interrupts in that range registered (or configured) before the controller
 * existed get their trigger mode and their unmask now, so drivers probed
 * before their controller still get their interrupts.
 * @retval 0 registered
 * @retval -EINVAL no chip, no mask/unmask, empty span or one past IRQ_NR_MAX
 * @retval -EBUSY the span overlaps another controller's
 * @retval -ENOMEM no memory for the span's table
 * @note Thread or boot context; allocates.
 */
int irq_chip_register(const struct irq_chip *chip, unsigned first, unsigned count);

/** @brief The controller serving @p irq, NULL if none. @note Any context. */
const struct irq_chip *irq_chip_of(unsigned irq);

/**
 * @brief Run @p fn(@p irq, @p arg) whenever interrupt @p irq fires, and unmask it.
 * @param irq the number (the controller's numbering, see above)
 * @param fn the handler
 * @param arg passed to @p fn
 * @param name shown by `irqs` (kept by pointer: pass a string that lives)
 * @retval 0 registered
 * @retval -EINVAL @p irq >= IRQ_NR_MAX or @p fn NULL (warned, naming the caller)
 * @retval -EBUSY @p irq already has a handler
 * @retval -ENOMEM no memory for the number's table entry
 * @note Thread or boot context; may allocate. The controller need not exist yet.
 */
int irq_register(unsigned irq, irq_handler_fn fn, void *arg, const char *name);

/**
 * @brief Mask @p irq and drop its handler.
 * @retval 0
 * @retval -EINVAL out of range
 * @retval -ENOENT no handler
 * @note Any context. A handler running on another CPU may still finish.
 */
int irq_unregister(unsigned irq);

/**
 * @brief Stop delivery of @p irq.
 * @retval 0
 * @retval -EINVAL out of range
 * @retval -ENODEV no controller serves it
 * @note Any context.
 */
int irq_mask(unsigned irq);
/**
 * @brief Resume delivery of @p irq.
 * @retval 0
 * @retval -EINVAL out of range
 * @retval -ENODEV no controller serves it
 * @note Any context.
 */
int irq_unmask(unsigned irq);

/** @brief 1 if @p irq has a handler registered. @note Any context. */
int irq_has_handler(unsigned irq);

/** @brief 1 if @p irq has a handler, a controller, and is not masked. @note Any context. */
int irq_routed(unsigned irq);

/**
 * @brief Ask the controller for edge or level triggering. Before the
 *        controller exists the request is kept and applied when it registers.
 * @retval 0
 * @retval -EINVAL bad number or mode, or one the controller cannot
 *         do for this interrupt @retval -ENOSYS the controller has no trigger
 *         modes @retval -ENOMEM no memory to keep the request
 * @note Thread or boot context.
 */
int irq_configure(unsigned irq, enum irq_trigger trigger);

/**
 * @brief Make software interrupt @p irq pending on this CPU (GIC SGI 0-15;
 *        a local APIC self-IPI). For tests now, inter-processor wakeups later.
 * @retval 0 raised
 * @retval -EINVAL not a number its controller can raise
 * @retval -ENODEV no controller serves @p irq
 * @note Any context; the handler runs once interrupts are unmasked.
 */
int irq_raise_self(unsigned irq);

/**
 * @brief The @p i-th software interrupt number tests may use: numbers
 *        irq_raise_self() can raise and nothing else registers (offered by
 *        the root controller with irq_set_test_numbers()).
 * @return the number, or -ENODEV if fewer than @p i + 1 were offered
 */
int irq_test_number(unsigned i);

/**
 * @brief Offer [@p first, @p first + @p count) to tests (raisable with
 *        irq_raise_self(), used by nothing else). Root controller, at probe.
 */
void irq_set_test_numbers(unsigned first, unsigned count);

/**
 * @brief The root controller offers @p irq, served by @p chip, as the
 *        interprocessor interrupt (at probe; @p chip must have send_ipi).
 */
void irq_set_ipi(const struct irq_chip *chip, unsigned irq);

/** @brief The IPI number, or -ENODEV if the root controller offers none. */
int irq_ipi_number(void);

/**
 * @brief Make the IPI pending on the CPU whose hal_cpu_id() is @p hwid.
 * @retval 0 sent
 * @retval -ENODEV no IPI offered
 * @retval -EINVAL the controller does not know that CPU
 * @note Any context. Stores before the call are visible to the handler.
 */
int irq_send_ipi(uint32_t hwid);

/**
 * @brief Bring up the calling CPU's part of the root controller, with the
 *        IPI enabled on it (a secondary CPU, interrupts masked, once).
 * @retval 0 ready: unmasking interrupts lets IPIs in
 * @retval -ENODEV no root controller with a per-CPU part, or no IPI
 */
int irq_cpu_init(void);

/**
 * @brief Unmask the per-CPU interrupt @p irq (a GIC PPI, a local APIC
 *        source) on the calling CPU as well: irq_register() and
 *        irq_unmask() reach only the CPU that calls them for those.
 * @retval 0 unmasked here
 * @retval -EINVAL @p irq out of range
 * @retval -ENODEV no handler registered, masked on purpose, or no controller
 * @note A CPU started after the interrupt was registered (its timer),
 *       interrupts masked.
 */
int irq_unmask_this_cpu(unsigned irq);

/**
 * @brief Deliver @p irq to the CPU in slot @p cpu from now on (interrupt
 *        affinity): a GIC SPI (GICD_IROUTER / GICD_ITARGETSR), an ITS LPI
 *        (moved to that CPU's collection), an IOAPIC pin or an x86 MSI
 *        (the destination APIC id; the device gets the new message through
 *        its writer, see irq_set_msi_writer()).
 * @retval 0 routed; a handler running elsewhere may still finish there
 * @retval -EINVAL @p irq out of range, @p cpu not online, or a per-CPU
 *         interrupt (GIC SGI/PPI, local APIC source): each CPU has its own
 * @retval -ENODEV no controller serves @p irq
 * @retval -ENOTSUP its controller cannot route interrupts, or its message
 *         names the CPU and the device cannot take a new one (multi-vector
 *         MSI): the route is unchanged
 * @note Thread context (the ITS waits for its command queue).
 */
int irq_set_affinity(unsigned irq, unsigned cpu);

/**
 * @brief The CPU slot @p irq is delivered to, as irq_set_affinity() left it
 *        (slot 0 until then).
 * @retval >=0 the slot
 * @retval -EINVAL out of range, or a per-CPU interrupt
 * @retval -ENODEV no controller serves it
 */
int irq_affinity(unsigned irq);

/**
 * @brief How a device takes a new message for its MSI @p irq: @p write is
 *        called by irq_set_affinity() when the controller's message changes
 *        (with the interrupt table's lock held, interrupts masked; it must
 *        not sleep) and returns 0, or -ENOTSUP to keep the old route. The
 *        PCI layer sets it for MSI and MSI-X vectors it hands out; NULL
 *        removes it.
 * @retval 0
 * @retval -EINVAL out of range
 * @retval -ENOMEM no memory for the number's table entry
 */
int irq_set_msi_writer(unsigned irq, int (*write)(unsigned irq, const struct msi_msg *msg,
                                                  void *arg),
                       void *arg);

/* ---- called from the arch's interrupt entry and the controller drivers ---- */

/**
 * @brief Count @p irq and run its handler. With no handler registered the
 *        interrupt is masked and a warning is logged once: never a storm,
 *        never a hang. A number out of range counts as spurious.
 * @note Interrupt context (root controller), interrupts masked.
 */
void irq_handle(unsigned irq);

/**
 * @brief @p irq, an MSI, was given back (irq_free_msi()): its route returns
 *        to the boot CPU and its device writer is dropped, so the next
 *        owner starts where irq_alloc_msi() says.
 */
void irq_msi_freed(unsigned irq);

/** @brief Count an interrupt the controller reported as spurious (GIC 1023, APIC 0xff). @note Interrupt context. */
void irq_spurious(void);

/**
 * @brief What the arch's interrupt entry calls first: the root handler
 *        hal_irq_set_root_handler() set, with @p cause (hal_irq_root_fn).
 * @retval 0 the root controller took it
 * @retval -ENOENT no controller has probed yet: counted as spurious; the
 *         arch silences the source if it would fire again (a CPU-local
 *         line with no controller to acknowledge it)
 * @note Interrupt context, interrupts masked; the arch calls irq_exit() after.
 */
int irq_root_dispatch(unsigned long cause);

/**
 * @brief Called by the arch last on the way out of every interrupt, after
 *        the EOI, still with interrupts masked: kicks the screen for lines
 *        printed with interrupts masked (kprintf_mirror_poll()), then
 *        switches threads if a handler asked (sched_need_resched()).
 */
void irq_exit(void);

/**
 * @brief What irq_exit() calls: the scheduler's sched_irq_exit(), which it
 *        lends from sched_init() (the scheduler sits above the interrupts:
 *        docs/architecture.md, "Layers inside kernel/"). Until then an
 *        interrupt's exit switches nothing, as none could be asked for.
 * @note Any context.
 */
void irq_set_exit_hook(void (*fn)(void));

/** @brief Nonzero while this CPU runs an interrupt handler. @note Any context. */
int irq_in_handler(void);

/** @brief Counts for `irqs`. */
struct irq_stat {
    unsigned irq;          /**< the number */
    const char *name;      /**< handler name, "(none)" if unhandled */
    const char *chip;      /**< controller name, "-" if none */
    uint64_t count;        /**< times it fired */
    int masked;            /**< masked (by request, or for firing without a handler) */
    int cpu;               /**< the CPU slot it is routed to, -1 per-CPU, -2 unknown (no controller or it cannot route) */
    int last_cpu;          /**< the slot that last ran its handler, -1 never */
};

/**
 * @brief Fill @p out with up to @p max interrupts that have a handler or
 *        have fired, in increasing order; returns how many exist (may exceed @p max).
 */
unsigned irq_stats(struct irq_stat *out, unsigned max);

/**
 * @brief The counts of one interrupt (as irq_stats() would list it).
 * @retval 0 @p out filled
 * @retval -ENOENT it has no handler and never fired (@p out: count 0,
 *         "(none)", its controller's name or "-")
 */
int irq_stat_of(unsigned irq, struct irq_stat *out);

/** @brief Spurious interrupts counted so far. */
uint64_t irq_spurious_count(void);

/* ---- message-signalled interrupts ---- */

/** @brief Most interrupts one irq_alloc_msi() call hands out (MSI-X tables may hold more; ask again). */
#define MSI_MAX_VECTORS 32u

/**
 * @brief An MSI controller. Its driver fills the ops and registers it with
 *        msi_chip_register(); the interrupts it hands out are numbers in a
 *        span it (or its parent, for GICv2m) registered with irq_chip_register().
 */
struct msi_chip {
    const char *name; /**< "lapic", "gicv2m", "its" */
    /**
     * Allocate @p n interrupts for requester @p devid (PCI requester ID, or
     * the ITS DeviceID msi-map translated it to): fill @p irqs[i] and
     * @p msgs[i] for event i = 0..n-1.
     * @retval 0
     * @retval -ENOSPC not enough free interrupts (nothing allocated)
     * @retval -EINVAL @p devid out of the controller's range
     */
    int (*alloc)(struct msi_chip *chip, uint32_t devid, unsigned n, unsigned *irqs,
                 struct msi_msg *msgs);
    /**
     * Free @p n interrupts that alloc gave @p devid (distinct: irq_free_msi()
     * refuses a list with one twice before calling this).
     * @retval 0
     * @retval -ENOENT one of them is not allocated to @p devid
     *         (double free, wrong device): nothing is freed
     */
    int (*free)(struct msi_chip *chip, uint32_t devid, const unsigned *irqs, unsigned n);
    uint32_t phandle;      /**< the DT node's phandle, 0 without a DT */
    void *priv;            /**< the driver's */
    struct msi_chip *next; /**< list of registered chips (msi.c's) */
};

/**
 * @brief Make @p chip available to irq_alloc_msi().
 * @retval 0
 * @retval -EINVAL missing ops
 * @retval -EBUSY already registered
 * @note Boot or thread context.
 */
int msi_chip_register(struct msi_chip *chip);

/**
 * @brief The MSI controller whose DT node has @p phandle; with @p phandle 0,
 *        the first one registered (the platform default). NULL if none.
 */
struct msi_chip *msi_chip_find(uint32_t phandle);

/**
 * @brief Which MSI controller serves PCI requester @p rid behind the host
 *        bridge at DT node @p node, and the DeviceID it knows the requester by.
 *
 * Reads the node's msi-map (rid-base, controller phandle, id-base, length;
 * msi-map-mask applied to @p rid first) or, failing that, msi-parent
 * (DeviceID = @p rid). Without a device tree (@p fdt NULL or @p node < 0)
 * the platform default serves with DeviceID = @p rid.
 * @param fdt the platform's device tree (const struct fdt *), or NULL
 * @param node the host bridge's DT node offset, or -1
 * @param rid the PCI requester ID (bus << 8 | devfn)
 * @param devid receives the DeviceID the controller knows the requester by
 * @return the controller, or NULL (the map does not cover @p rid, or names a
 *         controller that did not register: logged)
 */
struct msi_chip *msi_chip_for_rid(const void *fdt, int node, uint32_t rid, uint32_t *devid);

/**
 * @brief Allocate @p n message-signalled interrupts for @p devid from @p chip.
 *
 * Each irqs[i] is an interrupt number ready for irq_register(); msgs[i] is
 * what to program into the device's MSI capability or MSI-X table entry i.
 * @retval 0 allocated
 * @retval -EINVAL @p chip or the arrays NULL, @p n 0 or > MSI_MAX_VECTORS
 * @retval -ENOSPC the controller has not @p n interrupts left (nothing allocated)
 * @note Thread context; may allocate and sleep-free wait on the controller.
 */
int irq_alloc_msi(struct msi_chip *chip, uint32_t devid, unsigned n, unsigned *irqs,
                  struct msi_msg *msgs);

/**
 * @brief Give back interrupts from irq_alloc_msi().
 * @retval 0 freed
 * @retval -EBUSY one still has a handler (irq_unregister() first): nothing freed
 * @retval -ENOENT one was not allocated to @p devid, or is listed twice (double
 *         free): nothing freed
 * @retval -EINVAL bad arguments
 * @note Thread context.
 */
int irq_free_msi(struct msi_chip *chip, uint32_t devid, const unsigned *irqs, unsigned n);

#endif
