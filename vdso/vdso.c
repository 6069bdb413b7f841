/*
 * The vDSO's clock calls (kernel/vdso.h): the time from the data page the
 * kernel keeps and the arch's counter, the same arithmetic as
 * hal_time_ns(), so a call here and the system call agree to the
 * nanosecond; the system call itself for what the page cannot answer (CPU
 * clocks, bad arguments, a counter user mode may not read). Freestanding,
 * position-independent, no relocations, no writable data: every process
 * maps the same frames. The exported names come from vdso/<arch>/vdso.ver.
 */
#include <stddef.h>
#include <stdint.h>

#include <kernel/vdso.h>
#include "vdso_arch.h"

#ifndef VDSO_OWN_TICKS_TO_NS
#include <kernel/tickconv.h>

/* A counter of a fixed frequency (arm64's generic timer, RISC-V's time
 * CSR), converted as the kernel's timer does (kernel/tickconv.h). */
static inline uint64_t vdso_ticks_to_ns(const volatile struct vdso_data *d, uint64_t t)
{
    uint64_t npt = d->ns_per_tick;
    if (__builtin_expect(npt != 0, 1)) /* the frequency divides 1e9: a multiply */
        return t * npt;
    uint64_t hz = d->freq;
    __asm__ volatile("" : "+r"(hz)); /* keeps this rare path's constants out of the fast path's loop */
    return tickconv_to_ns(t, hz, 0);
}
#endif

struct vts {
    int64_t sec, nsec;
};
struct vtv {
    int64_t sec, usec;
};

#define NSEC 1000000000ull

/* The data page, one page below the image (vdso/vdso.lds defines the
 * symbol): one PC-relative base, each field at a small offset from it. */
extern const volatile struct vdso_data vdso_vvar __attribute__((visibility("hidden")));

/* Clock @p clk's ns in *@p ns (monotonic time plus the clock's offset);
 * 0 when the page does not answer it (not one of its clocks, or a counter
 * user mode may not read). Always inlined: each caller's constant clock
 * or range check folds into it. */
static inline __attribute__((always_inline)) int clock_ns(unsigned clk, uint64_t *ns)
{
    const volatile struct vdso_data *d = &vdso_vvar;
    uint32_t s;
    uint64_t t;
    do {
        s = d->seq;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        t = 0;
        if (__builtin_expect(s & 1, 0))
            continue; /* the kernel is writing: retry */
        if (!d->clock[clk].on)
            return 0;
        uint64_t c = vdso_counter();
        t = d->ns0 + (uint64_t)d->clock[clk].offset + vdso_ticks_to_ns(d, c - d->counter0);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while (__builtin_expect((s & 1) || d->seq != s, 0));
    *ns = t;
    return 1;
}

/* Seconds and nanoseconds from ns. */
static inline void split(uint64_t ns, int64_t *sec, int64_t *rem)
{
    uint64_t n = NSEC;
#ifdef VDSO_DIVIDE
    __asm__("" : "+r"(n)); /* one divide instruction, not a multiply by the reciprocal's several */
#endif
    *sec = (int64_t)(ns / n);
    *rem = (int64_t)(ns % n);
}

int vdso_clock_gettime(int clk, struct vts *ts);
int vdso_clock_gettime(int clk, struct vts *ts)
{
    uint64_t ns;
    if (__builtin_expect((unsigned)clk >= VDSO_CLOCKS || !clock_ns((unsigned)clk, &ns), 0))
        return (int)vdso_syscall2(VDSO_NR_clock_gettime, clk, (long)ts);
    split(ns, &ts->sec, &ts->nsec);
    return 0;
}

#define CLOCK_REALTIME 0

int vdso_gettimeofday(struct vtv *tv, void *tz);
int vdso_gettimeofday(struct vtv *tv, void *tz)
{
    uint64_t ns;
    /* The obsolete zone: the system call fills it. */
    if (tz || !clock_ns(CLOCK_REALTIME, &ns))
        return (int)vdso_syscall2(VDSO_NR_gettimeofday, (long)tv, (long)tz);
    if (tv) {
        tv->sec = (int64_t)(ns / NSEC);
        tv->usec = (int64_t)(ns % NSEC / 1000);
    }
    return 0;
}

int vdso_clock_getres(int clk, struct vts *res);
int vdso_clock_getres(int clk, struct vts *res)
{
    /* Every clock the page answers counts in ns (as the system call says). */
    if ((unsigned)clk >= VDSO_CLOCKS || !vdso_vvar.clock[clk].on)
        return (int)vdso_syscall2(VDSO_NR_clock_getres, clk, (long)res);
    if (res) {
        res->sec = 0;
        res->nsec = 1;
    }
    return 0;
}

#ifdef VDSO_HAS_TIME
long vdso_time(int64_t *t);
long vdso_time(int64_t *t)
{
    uint64_t ns;
    if (!clock_ns(CLOCK_REALTIME, &ns))
        return vdso_syscall2(VDSO_NR_time, (long)t, 0);
    int64_t s = (int64_t)(ns / NSEC);
    if (t)
        *t = s;
    return s;
}
#endif

#ifdef VDSO_NR_getcpu
/* getcpu: the system call (the kernel keeps no per-CPU number user mode
 * could read; Linux's riscv64 vDSO makes the call too). */
int vdso_getcpu(unsigned *cpu, unsigned *node, void *unused);
int vdso_getcpu(unsigned *cpu, unsigned *node, void *unused)
{
    (void)unused;
    return (int)vdso_syscall2(VDSO_NR_getcpu, (long)cpu, (long)node);
}
#endif

/* The exported names (vdso/<arch>/vdso.ver gives them their version). */
#define VDSO_ALIAS(f, n) extern __typeof(f) n __attribute__((alias(#f)));
VDSO_EXPORTS(vdso_clock_gettime, clock_gettime)
VDSO_EXPORTS(vdso_gettimeofday, gettimeofday)
VDSO_EXPORTS(vdso_clock_getres, clock_getres)
#ifdef VDSO_HAS_TIME
VDSO_EXPORTS(vdso_time, time)
#endif
#ifdef VDSO_NR_getcpu
VDSO_EXPORTS(vdso_getcpu, getcpu)
#endif
