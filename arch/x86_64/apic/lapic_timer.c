/**
 * @file lapic_timer.c
 * @brief The local APIC timer as the deadline device behind the arch's
 *        hal_timer_*(): TSC-deadline mode set up here and driven by the arch
 *        (the deadline is a TSC value in an MSR), one-shot mode driven here.
 *
 * The timer counts at the APIC bus rate (QEMU: 1 GHz), which nothing tells
 * software, so it is measured against the TSC. Without a window of its own:
 * at probe the count starts from 0xffffffff at divider 1 (over 4 s before it
 * runs out at 1 GHz) beside a TSC stamp, and when hal_timer_init() asks for
 * one-shot mode, a few milliseconds of boot later, the count and the TSC are
 * read again. By then the arch has calibrated the TSC, so the interval is
 * known in nanoseconds. Each stamp is the tightest of a few reads bracketed
 * by TSC reads, so a stall while reading (an SMI, TCG translating the code)
 * does not skew it.
 *
 * One-shot mode: a 32-bit count of ticks from now, clamped to what the
 * register holds (lapic_timer_max_count); a clamped deadline fires early
 * and the ktimer layer, which re-arms on every interrupt, programs the rest.
 */
#include <hal/cpu.h>
#include <hal/irq.h>
#include <hal/timer.h>
#include <kernel/errno.h>

#include "lapic.h"
#include "lapic_internal.h"

#define NS_PER_S 1000000000ull
#define MIN_WINDOW_NS 500000ull /* below this the boot interval is re-measured */

struct stamp {
    uint64_t tsc;
    uint32_t count;
};

uint32_t lapic_timer_max_count = 0xffffffffu;
static struct stamp start;
static uint64_t lapic_hz;     /* after the divider */
static uint64_t ns_to_ticks;  /* ticks = ns * ns_to_ticks >> 32 */
static uint32_t div_code;

/* Divide configuration register encodings for /1, /2, ... /128 (SDM 11.5.4). */
static const uint8_t div_codes[8] = {0xb, 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa};

__attribute__((noinline)) static struct stamp take(void)
{
    struct stamp s = {0};
    uint64_t best = UINT64_MAX;
    /* Not unrolled (and take() not inlined): each copy of the body is more
     * code for TCG to translate at boot, for no gain. */
#pragma clang loop unroll(disable)
    for (int i = 0; i < 8; i++) {
        uint64_t t0 = hal_counter();
        uint32_t c = lapic_read(LAPIC_TIMER_CUR);
        uint64_t t1 = hal_counter();
        if (t1 - t0 < best) {
            best = t1 - t0;
            s = (struct stamp){t0 + best / 2, c};
        }
    }
    return s;
}

/* Count down from the top at divider 1, interrupt masked. */
static void free_run(void)
{
    lapic_write(LAPIC_TIMER_DIV, div_codes[0]);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | LAPIC_TIMER_ONESHOT |
                                     (LAPIC_IRQ_TIMER + LAPIC_VECTOR_BASE));
    lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
    /* The first take() only warms up: under TCG a first, translated pass
     * puts its reads late in their brackets (the TSC's calibration saw the
     * same bias on every boot from that). */
    take();
    start = take();
}

static uint64_t tsc_to_ns(uint64_t ticks, uint64_t tsc_hz)
{
    return ticks / tsc_hz * NS_PER_S + ticks % tsc_hz * NS_PER_S / tsc_hz;
}

/* Timer ticks per second at divider 1, from the interval since free_run(). */
static int calibrate(void)
{
    if (lapic_hz)
        return 0;
    uint64_t tsc_hz = hal_counter_freq();
    if (tsc_hz == 0)
        return -ENODEV; /* no time base to measure against */
    struct stamp now = take();
    /* Ran out (count 0), or too short to be accurate: measure again. */
    if (now.count == 0 || tsc_to_ns(now.tsc - start.tsc, tsc_hz) < MIN_WINDOW_NS) {
        free_run();
        while (tsc_to_ns(hal_counter() - start.tsc, tsc_hz) < MIN_WINDOW_NS)
            hal_cpu_relax();
        now = take();
    }
    uint64_t ns = tsc_to_ns(now.tsc - start.tsc, tsc_hz);
    if (now.count >= start.count || ns == 0)
        return -ENODEV; /* does not count */
    uint64_t hz = (uint64_t)(start.count - now.count) * NS_PER_S / ns;
    /* The smallest divider whose 32-bit count still spans a second, for
     * the finest resolution that seldom needs a re-arm. */
    unsigned d = 0;
    while (d < 7 && (hz >> d) > 0xffffffffu)
        d++;
    div_code = div_codes[d];
    ns_to_ticks = ((hz >> d) << 32) / NS_PER_S;
    lapic_hz = hz >> d;
    lapic_write(LAPIC_TIMER_INIT, 0);
    return 0;
}

/* This CPU's timer LVT in @p mode, @p masked or not, count stopped. */
static void set_mode(uint32_t mode, uint32_t masked)
{
    lapic_write(LAPIC_TIMER_INIT, 0);
    if (mode == LAPIC_TIMER_ONESHOT)
        lapic_write(LAPIC_TIMER_DIV, div_code);
    lapic_write(LAPIC_LVT_TIMER, masked | mode | (LAPIC_IRQ_TIMER + LAPIC_VECTOR_BASE));
    lapic_write(LAPIC_TIMER_INIT, 0);
}

static int use_tsc_deadline(void)
{
    calibrate(); /* only for the log line: the deadline is in TSC ticks */
    set_mode(LAPIC_TIMER_TSC_DEADLINE, LAPIC_LVT_MASKED);
    return 0;
}

static int use_oneshot(void)
{
    int err = calibrate();
    if (err)
        return err;
    set_mode(LAPIC_TIMER_ONESHOT, LAPIC_LVT_MASKED);
    return 0;
}

static int cpu_init(int tsc_deadline)
{
    set_mode(tsc_deadline ? LAPIC_TIMER_TSC_DEADLINE : LAPIC_TIMER_ONESHOT, 0);
    return 0;
}

static void arm_oneshot(uint64_t deadline_ns)
{
    uint64_t now = hal_time_ns();
    uint64_t ticks = 0;
    if (deadline_ns > now) {
        unsigned __int128 t = (unsigned __int128)(deadline_ns - now) * ns_to_ticks >> 32;
        ticks = t >> 64 ? UINT64_MAX : (uint64_t)t;
    }
    /* Rounded up and at least 1 (a count of 0 stops the timer); past the
     * clamp it fires early and ktimer_interrupt() re-arms. */
    uint32_t max = lapic_timer_max_count;
    lapic_write(LAPIC_TIMER_INIT, ticks < max ? (uint32_t)ticks + 1 : max);
}

static void stop(void) { lapic_write(LAPIC_TIMER_INIT, 0); }

uint64_t lapic_timer_hz(void) { return lapic_hz; }

uint32_t lapic_timer_programmed(void) { return lapic_read(LAPIC_TIMER_INIT); }

static const struct x64_timer_device lapic_timer = {
    .name = "lapic", .irq = LAPIC_IRQ_TIMER, .use_tsc_deadline = use_tsc_deadline,
    .use_oneshot = use_oneshot, .arm_oneshot = arm_oneshot, .stop = stop, .hz = lapic_timer_hz,
    .cpu_init = cpu_init};

void lapic_timer_init(void)
{
    free_run();
    x64_timer_set_device(&lapic_timer);
}
