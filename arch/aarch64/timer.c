/**
 * @file timer.c
 * @brief The Arm generic timer: hal_time_ns() from CNTVCT_EL0, the one-shot
 *        deadline on the EL1 virtual timer (CNTV_CVAL_EL0 / CNTV_CTL_EL0).
 *
 * The virtual counter equals the physical one (entry.S zeroes CNTVOFF_EL2
 * when it owns EL2), and the virtual timer is the one EL1 may always use,
 * also under a hypervisor. Its interrupt is a level-triggered PPI: high
 * while enabled, unmasked and CNTVCT >= CVAL. The handler therefore must
 * move CVAL into the future or disable the timer before the EOI, which
 * ktimer_interrupt() always does (it re-arms or disarms).
 *
 * Conversions are exact both ways (see ticks_to_ns() and ns_to_ticks()), so
 * the interrupt for deadline D arrives at the first tick whose hal_time_ns()
 * is >= D: never early, and so never a second interrupt for the same deadline.
 */
#include <arch/private.h>
#include <hal/cpu.h>
#include <kernel/irq.h>
#include <hal/timer.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/fdt_bus.h>
#include <kernel/ktimer.h>
#include <kernel/log.h>
#include <kernel/tickconv.h>


#define CNTV_CTL_ENABLE (1u << 0) /* IMASK (bit 1) clear: the interrupt is signalled */
#define TIMER_VIRT_INDEX 2        /* DT order: secure, non-secure, virtual, hypervisor */
#define TIMER_VIRT_DEFAULT 27     /* PPI 11, what the Server Base System Architecture asks */

static uint64_t counter0;   /* CNTVCT_EL0 at boot: hal_time_ns() 0 */
static uint64_t freq;       /* CNTFRQ_EL0, Hz; 0: no usable counter */
static uint64_t ns_per_tick; /* nonzero when freq divides 1e9: ticks * ns_per_tick */
static unsigned timer_irq = TIMER_VIRT_DEFAULT;
static int timer_irq_described;

static void set_freq(uint64_t hz)
{
    freq = hz;
    ns_per_tick = tickconv_ns_per_tick(hz);
}

/** Called by a64_main first thing, with the counter value of the first instruction. */
void a64_timer_setup(uint64_t boot_counter)
{
    counter0 = boot_counter;
    set_freq(hal_counter_freq() & 0xffffffff); /* CNTFRQ_EL0[63:32] are RES0 */
}

/* kernel/tickconv.h does the arithmetic; 62.5 MHz (QEMU) is 16 ns a tick. */
static uint64_t ticks_to_ns(uint64_t t) { return tickconv_to_ns(t, freq, ns_per_tick); }
static uint64_t ns_to_ticks(uint64_t ns) { return tickconv_from_ns(ns, freq); }

uint64_t hal_time_ns(void)
{
    if (!freq)
        return 0;
    return ticks_to_ns(hal_counter() - counter0);
}

/* EL0 reads CNTVCT_EL0 (a64_user_cpu_init() sets CNTKCTL_EL1.EL0VCTEN). */
void hal_vdso_clock(struct hal_vdso_clock *c)
{
    *c = (struct hal_vdso_clock){.usable = freq != 0, .counter0 = counter0, .freq = freq,
                                 .ns_per_tick = ns_per_tick};
}

void hal_timer_arm(uint64_t deadline_ns)
{
    if (!freq)
        return;
    uint64_t cval;
    if (__builtin_add_overflow(ns_to_ticks(deadline_ns), counter0, &cval))
        cval = UINT64_MAX;
    /* A CVAL already passed raises the interrupt at once. The isb makes the
     * new condition take effect before anything after us (the EOI). */
    __asm__ volatile("msr cntv_cval_el0, %0\n\tmsr cntv_ctl_el0, %1\n\tisb"
                     : : "r"(cval), "r"((uint64_t)CNTV_CTL_ENABLE) : "memory");
}

void hal_timer_disarm(void)
{
    __asm__ volatile("msr cntv_ctl_el0, xzr\n\tisb" ::: "memory");
}

const char *hal_timer_name(void) { return "generic timer (virtual)"; }

static void timer_interrupt(unsigned irq, void *arg)
{
    (void)irq;
    (void)arg;
    ktimer_interrupt();
}

int hal_timer_init(void)
{
    hal_timer_disarm();
    if (!freq) {
        pr_err("timer: CNTFRQ_EL0 is 0 and the DT gives no clock-frequency");
        return -ENODEV;
    }
    if (!timer_irq_described)
        pr_info("timer: no arm,armv8-timer interrupts in the DT or GTDT; assuming INTID %u",
                timer_irq);
    /* Trigger first: irq_register() unmasks. A GIC that keeps PPI triggers
     * fixed says -EINVAL; the timer's are level then anyway. */
    irq_configure(timer_irq, IRQ_TRIGGER_LEVEL);
    int err = irq_register(timer_irq, timer_interrupt, NULL, "timer");
    if (err)
        return err;
    /* Registering succeeds before any controller exists (it is applied
     * when one registers); a timer whose interrupt no controller delivers
     * must not be reported as working, or every sleep would last forever. */
    if (!irq_routed(timer_irq)) {
        irq_unregister(timer_irq);
        pr_err("timer: no interrupt controller delivers INTID %u", timer_irq);
        return -ENODEV;
    }
    pr_info("timer: %s, %lu Hz, INTID %u", hal_timer_name(), (unsigned long)freq, timer_irq);
    return 0;
}

int hal_timer_cpu_init(void)
{
    hal_timer_disarm();
    if (!freq || !irq_routed(timer_irq))
        return -ENODEV;
    irq_configure(timer_irq, IRQ_TRIGGER_LEVEL); /* this CPU's banked ICFGR */
    return irq_unmask_this_cpu(timer_irq);
}

/* The DT node only tells us the interrupt (and a frequency firmware forgot
 * to put in CNTFRQ_EL0); the registers are the CPU's own. Described from
 * ACPI's GTDT (acpi.c), the device carries the interrupt itself. */
static int armv8_timer_probe(struct device *dev)
{
    const struct fdt *fdt = dev->bus_data;
    unsigned irq, trigger;
    if (!fdt) {
        if (!dev->has_irq)
            return -ENODEV;
        timer_irq = dev->irq;
        timer_irq_described = 1;
        return 0;
    }
    int err = fdt_bus_irq(fdt, dev->fdt_node, TIMER_VIRT_INDEX, &irq, &trigger);
    if (err == 0) {
        timer_irq = irq;
        timer_irq_described = 1;
    } else {
        pr_warn("timer: %s: no virtual timer interrupt (%s); assuming INTID %u", dev->name,
                errno_name(err), timer_irq);
    }
    uint32_t hz;
    if (!freq && fdt_prop_u32(fdt, dev->fdt_node, "clock-frequency", &hz) == 0)
        set_freq(hz);
    return 0;
}

static const char *const armv8_timer_compat[] = {"arm,armv8-timer", "arm,armv7-timer", NULL};
DRIVER(armv8_timer_driver, .name = "armv8-timer", .compatible = armv8_timer_compat,
       .probe = armv8_timer_probe);
