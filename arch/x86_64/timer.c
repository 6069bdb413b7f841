/**
 * @file timer.c
 * @brief x86_64 time: the TSC for hal_time_ns(), the local APIC timer for
 *        the one deadline hal_timer_arm() keeps (see hal/timer.h).
 *
 * The TSC's rate is not architecturally known, so it is measured once at
 * boot against a clock whose rate is: the HPET when ACPI describes one
 * (period in femtoseconds in its capabilities register), else PIT channel
 * 2 (1.193182 MHz). The local APIC timer's rate is not known either; it is
 * counted over the same window, so calibrating both costs one window.
 *
 * Conversions are a multiply and a shift on a 128-bit product with the
 * multiplier as large as fits in 64 bits: no division on the hot path, no
 * overflow of the product ever, and the result only overflows after 584
 * years of uptime.
 *
 * The deadline: TSC-deadline mode (SDM vol. 3A, 11.5.4.1) where CPUID says
 * so: the deadline is a TSC value, exact and without range limits. Else
 * one-shot mode: a 32-bit count of the timer's ticks from now, clamped to
 * what the register holds; a clamped deadline fires early and the ktimer
 * layer, which re-arms on every interrupt, programs the rest.
 */
#include <arch/acpi.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/io.h>
#include <hal/cpu.h>
#include <kernel/irq.h>
#include <hal/mmu.h>
#include <hal/platform.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/log.h>

#define NS_PER_S 1000000000ULL
#define FS_PER_S 1000000000000000ULL
#define HPET_CAP 0x000        /* bits 63:32: counter period in fs */
#define HPET_CONFIG 0x010     /* bit 0: counter runs */
#define HPET_COUNTER 0x0f0
#define HPET_MAX_PERIOD 100000000u /* 100 ns (HPET spec 1.0a, 2.3.4) */
#define HPET_WINDOW_NS 1000000u    /* 1 ms */
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

static uint64_t tsc_hz, tsc0, lapic_hz;
static struct scale tsc_to_ns, ns_to_tsc, ns_to_lapic;
static enum timer_mode mode;
static uint32_t lapic_div_code;
static const char *calibrated_by;
static uint64_t window_us;
uint32_t x64_timer_max_count = 0xffffffffu;

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
 * bits: the multiplier then has 63-64 significant bits. */
static struct scale make_scale(uint64_t num, uint64_t den)
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

uint64_t x64_lapic_timer_hz(void) { return lapic_hz; }

uint64_t hal_time_ns(void) { return apply(tsc_to_ns, rdtsc_ordered() - tsc0); }

/* ---- calibration ---- */

/* A reference clock: a free-running up-counter (masked to its width)
 * ticking at num / den Hz. */
struct refclock {
    const char *name;
    uint32_t (*read)(void);
    uint32_t mask;
    uint64_t num, den;
};

/* The reference and the local APIC timer (counting down) at one TSC time. */
struct sample {
    uint64_t tsc;
    uint32_t ref, lapic;
};

/*
 * The tightest of a few tries, each bracketed by TSC reads. A stall inside
 * a try (an SMI; under QEMU TCG the first tries take 10+ us where a warm
 * one takes 0.4 us, and a busy host adds more) shows as a wide bracket and
 * that try is dropped; without this the rate was off by up to 0.6%, with it
 * by a few ppm.
 */
static void take(const struct refclock *ref, struct sample *s)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 8; i++) {
        uint64_t t0 = rdtsc_ordered();
        uint32_t h = ref->read();
        uint32_t l = x64_lapic_regs ? lapic_read(LAPIC_TIMER_CUR) : 0;
        uint64_t t1 = rdtsc_ordered();
        if (t1 - t0 < best) {
            best = t1 - t0;
            *s = (struct sample){t0 + best / 2, h, l};
        }
    }
}

static volatile uint32_t *hpet_counter;

static uint32_t hpet_read(void) { return *hpet_counter; }

/* Channel 2 latched: the count goes down, so negate it. */
static uint32_t pit_read(void)
{
    outb(0x43, 0x80);
    uint8_t lo = inb(0x42), hi = inb(0x42);
    return (uint32_t)-(lo | hi << 8);
}

/* Count TSC (and local APIC timer) ticks while @p ref advances @p ticks. */
static int measure(const struct refclock *ref, uint32_t ticks, struct sample *a, struct sample *b)
{
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
    uint32_t period = (uint32_t)(*(volatile uint64_t *)(hpet + HPET_CAP) >> 32);
    if (period == 0 || period > HPET_MAX_PERIOD) {
        pr_warn("timer: HPET period %u fs is out of range; using the PIT", period);
        return -EINVAL;
    }
    *(volatile uint64_t *)(hpet + HPET_CONFIG) |= 1;
    hpet_counter = (volatile uint32_t *)(hpet + HPET_COUNTER);
    const struct refclock ref = {"HPET", hpet_read, 0xffffffffu, FS_PER_S, period};
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
    const struct refclock ref = {"PIT", pit_read, 0xffff, PIT_HZ, 1};
    return measure(&ref, PIT_WINDOW_TICKS, a, b);
}

/* Divide configuration register encodings for /1, /2, ... /128 (SDM 11.5.4). */
static const uint8_t div_codes[8] = {0xb, 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa};

void x64_time_init(void)
{
    tsc0 = platform_boot_info()->boot_counter;
    if (x64_lapic_regs) {
        lapic_write(LAPIC_TIMER_DIV, div_codes[0]);
        lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | LAPIC_TIMER_ONESHOT |
                                         (X64_IRQ_LAPIC_TIMER + X64_IRQ_VECTOR_BASE));
        lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
    }
    struct sample a, b;
    const char *ref = "HPET";
    if (calibrate_hpet(&a, &b) != 0) {
        ref = "PIT";
        if (calibrate_pit(&a, &b) != 0) {
            pr_err("timer: neither the HPET nor the PIT counts; no time, no timer");
            tsc_hz = 0;
        }
    }
    if (x64_lapic_regs)
        lapic_write(LAPIC_TIMER_INIT, 0); /* stop it */
    if (tsc_hz == 0)
        return;
    tsc_to_ns = make_scale(NS_PER_S, tsc_hz);
    ns_to_tsc = make_scale(tsc_hz, NS_PER_S);
    if (x64_lapic_regs && a.lapic > b.lapic) {
        /* The smallest divider whose 32-bit count still spans a second,
         * for the finest resolution that seldom needs a re-arm. */
        uint64_t hz = mul_div(a.lapic - b.lapic, tsc_hz, b.tsc - a.tsc);
        unsigned d = 0;
        while (d < 7 && (hz >> d) > 0xffffffffu)
            d++;
        lapic_hz = hz >> d;
        lapic_div_code = div_codes[d];
        ns_to_lapic = make_scale(lapic_hz, NS_PER_S);
    }
    calibrated_by = ref;
    window_us = (b.tsc - a.tsc) * 1000000 / tsc_hz;
}

/* ---- the deadline ---- */

static void timer_interrupt(unsigned irq, void *arg)
{
    (void)irq;
    (void)arg;
    ktimer_interrupt();
}

int hal_timer_init(void)
{
    if (!x64_lapic_regs || tsc_hz == 0)
        return -ENODEV;
    uint32_t r[4];
    cpuid(1, r);
    uint32_t vector = X64_IRQ_LAPIC_TIMER + X64_IRQ_VECTOR_BASE;
    if (r[2] & CPUID1_ECX_TSC_DEADLINE) {
        lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | LAPIC_TIMER_TSC_DEADLINE | vector);
        /* In xAPIC mode the LVT store must be ordered before the first
         * WRMSR to IA32_TSC_DEADLINE, or that write may be ignored (SDM
         * vol. 3A, 11.5.4.1). */
        __asm__ volatile("mfence" ::: "memory");
        wrmsr(MSR_TSC_DEADLINE, 0);
        mode = TIMER_TSC_DEADLINE;
    } else {
        if (lapic_hz == 0)
            return -ENODEV;
        lapic_write(LAPIC_TIMER_DIV, lapic_div_code);
        lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | LAPIC_TIMER_ONESHOT | vector);
        lapic_write(LAPIC_TIMER_INIT, 0);
        mode = TIMER_ONESHOT;
    }
    int err = irq_register(X64_IRQ_LAPIC_TIMER, timer_interrupt, 0, "lapic timer");
    if (err) {
        mode = TIMER_NONE;
        return err;
    }
    /* One line for all of it: on a polled UART under TCG each line costs
     * ~0.7 ms of boot. */
    pr_info("timer: %s; TSC %lu kHz, lapic timer %lu kHz (against the %s, %lu us)",
            hal_timer_name(), (unsigned long)(tsc_hz / 1000), (unsigned long)(lapic_hz / 1000),
            calibrated_by, (unsigned long)window_us);
    return 0;
}

void hal_timer_arm(uint64_t deadline_ns)
{
    if (mode == TIMER_TSC_DEADLINE) {
        /* One tick late rather than one early; saturated, never wrapped
         * (0 would disarm, a wrapped value would fire at once). */
        uint64_t d = apply(ns_to_tsc, deadline_ns);
        wrmsr(MSR_TSC_DEADLINE, d < UINT64_MAX - tsc0 - 1 ? tsc0 + d + 1 : UINT64_MAX);
    } else if (mode == TIMER_ONESHOT) {
        uint64_t now = hal_time_ns();
        uint64_t ticks = deadline_ns > now ? apply(ns_to_lapic, deadline_ns - now) : 0;
        /* Rounded up and at least 1 (a count of 0 stops the timer); past
         * the clamp it fires early and ktimer_interrupt() re-arms. */
        uint32_t max = x64_timer_max_count;
        lapic_write(LAPIC_TIMER_INIT, ticks < max ? (uint32_t)ticks + 1 : max);
    }
}

void hal_timer_disarm(void)
{
    if (mode == TIMER_TSC_DEADLINE)
        wrmsr(MSR_TSC_DEADLINE, 0);
    else if (mode == TIMER_ONESHOT)
        lapic_write(LAPIC_TIMER_INIT, 0);
}

const char *hal_timer_name(void)
{
    return mode == TIMER_TSC_DEADLINE ? "lapic tsc-deadline"
         : mode == TIMER_ONESHOT      ? "lapic one-shot"
                                      : "none";
}
