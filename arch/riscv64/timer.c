/**
 * @file timer.c
 * @brief hal_time_ns() from the `time` CSR, the one-shot deadline through
 *        Sstc's stimecmp where the hart has it, the SBI TIME extension
 *        otherwise.
 *
 * The time CSR counts at the DT's /cpus "timebase-frequency" (QEMU virt:
 * 10 MHz). The deadline raises the supervisor timer interrupt (scause 5),
 * a local interrupt of the hart (traps.c numbers it RV_INTC_BASE + 5): it
 * stays pending while time >= stimecmp, so the handler must move the
 * deadline or disarm it, which ktimer_interrupt() always does. With the SBI
 * instead, sbi_set_timer() also clears the pending bit.
 *
 * Conversions are exact both ways, so the interrupt for deadline D comes
 * at the first tick whose hal_time_ns() is >= D: never early.
 */
#include <arch/private.h>
#include "dt.h"
#include <hal/cpu.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/irq.h>
#include <kernel/ktimer.h>
#include <kernel/log.h>
#include <kernel/string.h>
#include <kernel/tickconv.h>

#define CSR_STIMECMP "0x14d"

static uint64_t counter0;
static uint64_t freq;        /* Hz; 0: unknown, no time */
static uint64_t ns_per_tick; /* nonzero when freq divides 1e9 */
static int sstc;             /* the ISA string names Sstc */
static int timer_ok;

void rv_timer_setup(uint64_t boot_counter) { counter0 = boot_counter; }

uint64_t hal_counter(void)
{
    uint64_t v;
    __asm__ volatile("rdtime %0" : "=r"(v));
    return v;
}

uint64_t hal_counter_freq(void) { return freq; }

int rv_timer_read_dt(const struct fdt *fdt)
{
    uint32_t hz;
    int err = rv_dt_clock(fdt, &hz, &sstc);
    if (err)
        return err;
    freq = hz;
    ns_per_tick = tickconv_ns_per_tick(hz);
    return 0;
}

/* kernel/tickconv.h does the arithmetic; 10 MHz (QEMU) is 100 ns a tick. */
static uint64_t ticks_to_ns(uint64_t t) { return tickconv_to_ns(t, freq, ns_per_tick); }
static uint64_t ns_to_ticks(uint64_t ns) { return tickconv_from_ns(ns, freq); }

uint64_t hal_time_ns(void)
{
    if (!freq)
        return 0;
    return ticks_to_ns(hal_counter() - counter0);
}

static void set_deadline(uint64_t ticks)
{
    if (sstc)
        __asm__ volatile("csrw " CSR_STIMECMP ", %0" : : "r"(ticks) : "memory");
    else
        sbi_call(SBI_EXT_TIME, 0, ticks, 0, 0, 0);
}

void hal_timer_arm(uint64_t deadline_ns)
{
    if (!timer_ok)
        return;
    uint64_t t;
    if (__builtin_add_overflow(ns_to_ticks(deadline_ns), counter0, &t))
        t = UINT64_MAX;
    set_deadline(t);
}

void hal_timer_disarm(void)
{
    if (timer_ok)
        set_deadline(UINT64_MAX);
}

const char *hal_timer_name(void)
{
    return !timer_ok ? "none" : sstc ? "sstc stimecmp" : "sbi set_timer";
}

static void timer_interrupt(unsigned irq, void *arg)
{
    (void)irq;
    (void)arg;
    ktimer_interrupt();
}

/* User mode may read the time CSR (scounteren.TM), for the vDSO's clocks;
 * per hart. The register is WARL: what stuck says whether it took, and
 * one hart without it keeps every process on the system call. */
static int user_time = 1;

void rv_timer_user_access(void)
{
    uint64_t v;
    __asm__ volatile("csrs scounteren, %1; csrr %0, scounteren" : "=r"(v) : "r"(2ul));
    if (!(v & 2))
        user_time = 0;
}

void hal_vdso_clock(struct hal_vdso_clock *c)
{
    *c = (struct hal_vdso_clock){.usable = freq && user_time, .counter0 = counter0, .freq = freq,
                                 .ns_per_tick = ns_per_tick};
}

int hal_timer_init(void)
{
    if (!freq)
        return -ENODEV;
    if (!sstc && !sbi_has(SBI_EXT_TIME)) {
        pr_err("timer: no Sstc and the SBI has no TIME extension: no deadline timer");
        return -ENODEV;
    }
    timer_ok = 1;
    hal_timer_disarm();
    int err = irq_register(RV_INTC_BASE + RV_IRQ_S_TIMER, timer_interrupt, NULL, "timer");
    if (err) {
        timer_ok = 0;
        return err;
    }
    pr_info("timer: %s, %lu Hz", hal_timer_name(), (unsigned long)freq);
    return 0;
}

int hal_timer_cpu_init(void)
{
    if (!timer_ok)
        return -ENODEV;
    hal_timer_disarm();
    return irq_unmask_this_cpu(RV_INTC_BASE + RV_IRQ_S_TIMER);
}
