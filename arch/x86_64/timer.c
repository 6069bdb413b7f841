/**
 * @file timer.c
 * @brief x86_64 time: the TSC for hal_time_ns(), and the one deadline
 *        hal_timer_arm() keeps (see hal/timer.h) on the timer device the
 *        local APIC driver offers.
 *
 * The TSC's rate is not architecturally known, so it is measured once at
 * boot against a clock whose rate is: the HPET when ACPI describes one
 * (period in femtoseconds in its capabilities register), else PIT channel
 * 2 (1.193182 MHz). The local APIC timer's rate is not known either; its
 * driver measures it against the calibrated TSC (apic/lapic_timer.c).
 *
 * Against the HPET the boot waits only a 100 us window, for a first
 * estimate, and hal_timer_init() refines it over everything since (several
 * ms of boot, at least 1 ms), without waiting again; so does the PIT's 2 ms
 * window, if boot took less than 41 ms (3/4 of the PIT's wrap). A window's
 * error shrinks as it grows, so a short one alone is too rough under TCG
 * to keep; the refinement spans the longest window there is and waits
 * for none of it, so the final rate is as good as a long window's and boot
 * does not pay for one. Until the refinement (the boot's first few log
 * stamps) time runs a little off, far inside refine()'s 1% sanity check;
 * docs/performance.md, "Boot time", has the errors measured. Time stays
 * continuous across the refinement: hal_time_ns() is re-based at that
 * moment (ns_base, tsc_base), never steps back.
 *
 * Conversions are a multiply and a shift on a 128-bit product with the
 * multiplier as large as fits in 64 bits: no division on the hot path, no
 * overflow of the product ever, and the result only overflows after 584
 * years of uptime.
 *
 * The deadline: TSC-deadline mode (SDM vol. 3A, 11.5.4.1) where CPUID says
 * so: the deadline is a TSC value written to an MSR, exact and without range
 * limits; the device only switches its LVT to that mode. Else the device's
 * one-shot mode. The device registers itself (x64_timer_set_device()), so
 * this file names no interrupt controller and shares no register pointer.
 */
#include <arch/cpu.h>
#include <arch/io.h>
#include <hal/cpu.h>
#include <hal/mmio.h>
#include <hal/mmu.h>
#include <hal/platform.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/ktimer.h>
#include <kernel/log.h>
#include <kernel/printf.h>

#include <acpi/acpi.h>
#include "apic/lapic.h"

#define NS_PER_S 1000000000ULL
#define FS_PER_S 1000000000000000ULL
#define HPET_CAP 0x000        /* bits 63:32: counter period in fs */
#define HPET_CONFIG 0x010     /* bit 0: counter runs */
#define HPET_COUNTER 0x0f0
#define HPET_MAX_PERIOD 100000000u /* 100 ns (HPET spec 1.0a, 2.3.4) */
#define HPET_WINDOW_NS 100000u     /* first estimate at boot */
#define REFINE_MIN_NS 1000000u     /* the refined rate spans at least this */
#define PIT_HZ 1193182u
#define PIT_WINDOW_TICKS 2386u     /* 2 ms: a PIT tick is 838 ns */
/* TSC cycles of waiting before a reference clock counts as dead: a few
 * seconds at any plausible TSC rate, however slow each read is (an MMIO
 * read of the HPET is a VM exit under KVM; a missing PIT reads 0xff). */
#define DEAD_CLOCK_TSC (1ull << 33)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

enum timer_mode { TIMER_NONE, TIMER_TSC_DEADLINE, TIMER_ONESHOT };

/* (x * mult) >> shift, shift <= 64: x scaled by a ratio fixed at boot. */
struct scale {
    uint64_t mult;
    unsigned shift;
};

/* hal_time_ns() = ns_base + (TSC - tsc_base) scaled; the base moves once,
 * when the rate is refined (interrupts masked, one CPU: readers never see
 * it half-written; SMP will need a sequence count). */
static uint64_t tsc_hz, tsc_base, ns_base;
static struct scale tsc_to_ns, ns_to_tsc;
static enum timer_mode mode;
static const struct x64_timer_device *device;
static const char *calibrated_by;
static char timer_name[32]; /* "lapic one-shot" */
static uint64_t window_us, refined_us;

/* (hi:lo) / d with the x86 DIVQ; the caller guarantees hi < d (the
 * quotient fits in 64 bits, else #DE). Boot-time only. */
static uint64_t div128(unsigned __int128 n, uint64_t d)
{
    uint64_t q, r;
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"((uint64_t)n), "d"((uint64_t)(n >> 64)), "rm"(d));
    return q;
}

/* a * b / c, for a * b / c < 2^64. */
static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c)
{
    return div128((unsigned __int128)a * b, c);
}

/* The largest shift (at most 64) that keeps num * 2^shift / den in 64
 * bits: the multiplier then has 63-64 significant bits. Not inlined:
 * boot calls it four times, and TCG translates each inlined copy. */
__attribute__((noinline)) static struct scale make_scale(uint64_t num, uint64_t den)
{
    unsigned s = 64;
    while (s > 0 && (uint64_t)(((unsigned __int128)num << s) >> 64) >= den)
        s--;
    return (struct scale){div128((unsigned __int128)num << s, den), s};
}

/* Saturates instead of wrapping when the result needs more than 64 bits. */
static inline uint64_t apply(struct scale sc, uint64_t x)
{
    unsigned __int128 p = ((unsigned __int128)x * sc.mult) >> sc.shift;
    return p >> 64 ? UINT64_MAX : (uint64_t)p;
}

uint64_t hal_counter_freq(void) { return tsc_hz; }

uint64_t hal_time_ns(void) { return ns_base + apply(tsc_to_ns, rdtsc_ordered() - tsc_base); }

/* The vDSO computes hal_time_ns() itself from a user-mode RDTSC (CR4.TSD
 * stays clear). The TSC must tick at one rate whatever the CPU's power
 * state: invariant (CPUID 8000_0007h EDX bit 8), or a hypervisor's, whose
 * guest TSC is a function of its host clock (CPUID 1 ECX bit 31; QEMU's
 * TCG sets it and has no invariant bit). */
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID_APM_EDX_INVARIANT_TSC (1u << 8)

void hal_vdso_clock(struct hal_vdso_clock *c)
{
    uint32_t r[4];
    cpuid(1, r);
    int steady = (r[2] & CPUID1_ECX_HYPERVISOR) != 0;
    cpuid(0x80000000u, r);
    if (!steady && r[0] >= 0x80000007u) {
        cpuid(0x80000007u, r);
        steady = (r[3] & CPUID_APM_EDX_INVARIANT_TSC) != 0;
    }
    *c = (struct hal_vdso_clock){.usable = tsc_hz != 0 && steady, .counter0 = tsc_base, .ns0 = ns_base,
                                 .mult = tsc_to_ns.mult, .shift = tsc_to_ns.shift};
}

/* ---- calibration ---- */

/* A reference clock: a free-running up-counter (masked to its width)
 * ticking at num / den Hz. */
struct refclock {
    const char *name;
    uint32_t (*read)(void);
    uint32_t mask;
    uint64_t num, den;
    uint64_t wrap_ns; /* how long until the masked count wraps */
};

/* The reference at one TSC time. */
struct sample {
    uint64_t tsc;
    uint32_t ref;
};

/*
 * The tightest of a few tries, each bracketed by TSC reads. A stall inside
 * a try (an SMI; under QEMU TCG the first tries, still being translated,
 * take far longer than a warm one, and a busy host adds more) shows as a
 * wide bracket and that try is dropped; a single try would put such a
 * stall into the rate.
 */
__attribute__((noinline)) static void take(const struct refclock *ref, struct sample *s)
{
    uint64_t best = UINT64_MAX;
    /* Not unrolled, and take() not inlined into its three callers: every
     * copy is more blocks for TCG to translate at boot, and the loop costs
     * nothing measurable. */
#pragma clang loop unroll(disable)
    for (int i = 0; i < 8; i++) {
        uint64_t t0 = rdtsc_ordered();
        uint32_t h = ref->read();
        uint64_t t1 = rdtsc_ordered();
        if (t1 - t0 < best) {
            best = t1 - t0;
            *s = (struct sample){t0 + best / 2, h};
        }
    }
}

static volatile uint32_t *hpet_counter;
static struct refclock cal_ref;  /* the reference that calibrated, for refine() */
static struct sample cal_first;  /* where its window began */

static uint32_t hpet_read(void) { return mmio_read32(hpet_counter); }

/* Channel 2 latched: the count goes down, so negate it. */
static uint32_t pit_read(void)
{
    outb(0x43, 0x80);
    uint8_t lo = inb(0x42), hi = inb(0x42);
    return (uint32_t)-(lo | hi << 8);
}

/* Count TSC ticks while @p ref advances @p ticks. The first take() only
 * warms up: under TCG the first pass through this code is translated, and
 * its reads then land late in their brackets, and a window started cold
 * came out slow on every boot. */
static int measure(const struct refclock *ref, uint32_t ticks, struct sample *a, struct sample *b)
{
    take(ref, a);
    take(ref, a);
    int dead = 0;
    while (((ref->read() - a->ref) & ref->mask) < ticks && !dead)
        dead = hal_counter() - a->tsc > DEAD_CLOCK_TSC;
    take(ref, b);
    uint32_t elapsed = (b->ref - a->ref) & ref->mask;
    if (dead || elapsed == 0) {
        pr_warn("timer: the %s does not count", ref->name);
        return -EIO;
    }
    tsc_hz = mul_div(b->tsc - a->tsc, ref->num, elapsed * ref->den);
    cal_ref = *ref;
    cal_first = *a;
    return 0;
}

static int calibrate_hpet(struct sample *a, struct sample *b)
{
    uint64_t phys;
    if (acpi_hpet_base(&phys) != 0)
        return -ENOENT;
    volatile uint8_t *hpet = hal_ioremap(phys, 0x400);
    if (!hpet)
        return -ENOMEM;
    uint32_t period = (uint32_t)(mmio_read64(hpet + HPET_CAP) >> 32);
    if (period == 0 || period > HPET_MAX_PERIOD) {
        pr_warn("timer: HPET period %u fs is out of range; using the PIT", period);
        return -EINVAL;
    }
    mmio_write64(hpet + HPET_CONFIG, mmio_read64(hpet + HPET_CONFIG) | 1);
    hpet_counter = (volatile uint32_t *)(hpet + HPET_COUNTER);
    const struct refclock ref = {"HPET", hpet_read, 0xffffffffu, FS_PER_S, period,
                                 (1ull << 32) * period / 1000000};
    return measure(&ref, (uint32_t)((uint64_t)HPET_WINDOW_NS * 1000000 / period), a, b);
}

/* Channel 2 in mode 0 from 0xffff (55 ms before it would wrap), its gate
 * (port 0x61 bit 0) on and its speaker output (bit 1) off. */
static int calibrate_pit(struct sample *a, struct sample *b)
{
    outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
    outb(0x43, 0xb0); /* channel 2, lo/hi byte, mode 0 */
    outb(0x42, 0xff);
    outb(0x42, 0xff);
    const struct refclock ref = {"PIT", pit_read, 0xffff, PIT_HZ, 1, 65536 * NS_PER_S / PIT_HZ};
    return measure(&ref, PIT_WINDOW_TICKS, a, b);
}

void x64_time_init(void)
{
    tsc_base = platform_boot_info()->boot_counter;
    struct sample a, b;
    const char *ref = "HPET";
    if (calibrate_hpet(&a, &b) != 0) {
        ref = "PIT";
        if (calibrate_pit(&a, &b) != 0) {
            pr_err("timer: neither the HPET nor the PIT counts; no time, no timer");
            tsc_hz = 0;
        }
    }
    if (tsc_hz == 0)
        return;
    tsc_to_ns = make_scale(NS_PER_S, tsc_hz);
    ns_to_tsc = make_scale(tsc_hz, NS_PER_S);
    calibrated_by = ref;
    window_us = (b.tsc - a.tsc) * 1000000 / tsc_hz;
}

/*
 * The reference's rate over everything since the first window began
 * (waiting only if that is under REFINE_MIN_NS), and time re-based on it.
 * Skipped if the reference may have wrapped since (the PIT does every
 * 55 ms); kept only within 1% of the first estimate: more would mean one of
 * the two clocks misbehaved, not a measurement error.
 */
static void refine(void)
{
    if (!cal_ref.read || tsc_hz == 0)
        return;
    struct sample c;
    uint64_t min_tsc = tsc_hz / (NS_PER_S / REFINE_MIN_NS);
    do
        take(&cal_ref, &c);
    while (c.tsc - cal_first.tsc < min_tsc);
    uint64_t span_ns = mul_div(c.tsc - cal_first.tsc, NS_PER_S, tsc_hz);
    uint32_t elapsed = (c.ref - cal_first.ref) & cal_ref.mask;
    if (span_ns > cal_ref.wrap_ns / 4 * 3 || elapsed == 0)
        return;
    uint64_t hz = mul_div(c.tsc - cal_first.tsc, cal_ref.num, elapsed * cal_ref.den);
    if (hz > tsc_hz + tsc_hz / 100 || hz < tsc_hz - tsc_hz / 100) {
        pr_warn("timer: TSC %lu kHz over %lu us, %lu kHz before; keeping the first",
                (unsigned long)(hz / 1000), (unsigned long)(span_ns / 1000),
                (unsigned long)(tsc_hz / 1000));
        return;
    }
    irqflags_t f = hal_irq_save();
    uint64_t now = rdtsc_ordered();
    ns_base += apply(tsc_to_ns, now - tsc_base);
    tsc_base = now;
    tsc_hz = hz;
    tsc_to_ns = make_scale(NS_PER_S, tsc_hz);
    ns_to_tsc = make_scale(tsc_hz, NS_PER_S);
    hal_irq_restore(f);
    refined_us = span_ns / 1000;
}

/* ---- the deadline ---- */

void x64_timer_set_device(const struct x64_timer_device *dev) { device = dev; }

static void timer_interrupt(unsigned irq, void *arg)
{
    (void)irq;
    (void)arg;
    ktimer_interrupt();
}

int hal_timer_init(void)
{
    refine(); /* before the device calibrates against the TSC */
    const struct x64_timer_device *dev = device;
    if (!dev || tsc_hz == 0)
        return -ENODEV;
    uint32_t r[4];
    cpuid(1, r);
    if ((r[2] & CPUID1_ECX_TSC_DEADLINE) && dev->use_tsc_deadline() == 0) {
        /* In xAPIC mode the LVT store must be ordered before the first
         * WRMSR to IA32_TSC_DEADLINE, or that write may be ignored (SDM
         * vol. 3A, 11.5.4.1). */
        __asm__ volatile("mfence" ::: "memory");
        wrmsr(MSR_TSC_DEADLINE, 0);
        mode = TIMER_TSC_DEADLINE;
    } else {
        int err = dev->use_oneshot();
        if (err)
            return err;
        mode = TIMER_ONESHOT;
    }
    ksnprintf(timer_name, sizeof timer_name, "%s %s", dev->name,
              mode == TIMER_TSC_DEADLINE ? "tsc-deadline" : "one-shot");
    /* Named "timer" on every arch: portable tests find its count by name. */
    int err = irq_register(dev->irq, timer_interrupt, 0, "timer");
    if (err) {
        mode = TIMER_NONE;
        return err;
    }
    /* One line for all of it: on a polled UART under TCG each line is
     * boot time. */
    char refined[32] = "";
    if (refined_us)
        ksnprintf(refined, sizeof refined, ", refined over %lu us", (unsigned long)refined_us);
    pr_info("timer: %s; TSC %lu kHz (against the %s, %lu us%s), %s timer %lu kHz",
            hal_timer_name(), (unsigned long)(tsc_hz / 1000), calibrated_by,
            (unsigned long)window_us, refined, dev->name, (unsigned long)(dev->hz() / 1000));
    return 0;
}

int hal_timer_cpu_init(void)
{
    if (mode == TIMER_NONE || !device->cpu_init)
        return -ENODEV;
    int err = device->cpu_init(mode == TIMER_TSC_DEADLINE);
    if (err)
        return err;
    if (mode == TIMER_TSC_DEADLINE) {
        __asm__ volatile("mfence" ::: "memory"); /* LVT before the MSR: see hal_timer_init() */
        wrmsr(MSR_TSC_DEADLINE, 0);
    }
    return 0;
}

void hal_timer_arm(uint64_t deadline_ns)
{
    if (mode == TIMER_TSC_DEADLINE) {
        /* One tick late rather than one early; saturated, never wrapped
         * (0 would disarm, a wrapped value would fire at once). */
        uint64_t d = deadline_ns > ns_base ? apply(ns_to_tsc, deadline_ns - ns_base) : 0;
        wrmsr(MSR_TSC_DEADLINE, d < UINT64_MAX - tsc_base - 1 ? tsc_base + d + 1 : UINT64_MAX);
    } else if (mode == TIMER_ONESHOT) {
        device->arm_oneshot(deadline_ns);
    }
}

void hal_timer_disarm(void)
{
    if (mode == TIMER_TSC_DEADLINE)
        wrmsr(MSR_TSC_DEADLINE, 0);
    else if (mode == TIMER_ONESHOT)
        device->stop();
}

const char *hal_timer_name(void) { return mode == TIMER_NONE ? "none" : timer_name; }
