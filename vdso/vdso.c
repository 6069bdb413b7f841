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

struct vts {
    int64_t sec, nsec;
};
struct vtv {
    int64_t sec, usec;
};

#define NSEC 1000000000ull
/* Clocks the page answers: REALTIME 0, MONOTONIC 1, MONOTONIC_RAW 4,
 * REALTIME_COARSE 5, MONOTONIC_COARSE 6, BOOTTIME 7 (the kernel's own
 * choice: the wall clock for 0 and 5, monotonic for the others). */
#define PAGE_CLOCKS (1u << 0 | 1u << 1 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 7)
#define WALL_CLOCKS (1u << 0 | 1u << 5)

extern const char __ehdr_start[] __attribute__((visibility("hidden")));

static const volatile struct vdso_data *data(void)
{
    return (const volatile struct vdso_data *)((uintptr_t)__ehdr_start - VDSO_PAGE);
}

/* Monotonic ns, or the wall clock's with @p wall (monotonic too without
 * an RTC: wall_offset is 0, as the system call answers); 0 and *ok 0 when
 * the counter may not be read here. */
static uint64_t now_ns(int wall, int *ok)
{
    const volatile struct vdso_data *d = data();
    for (;;) {
        uint32_t s = d->seq;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (s & 1)
            continue;
        if (d->mode != VDSO_MODE_COUNTER) {
            *ok = 0;
            return 0;
        }
        uint64_t c = vdso_counter();
        uint64_t ns = d->ns0 + vdso_ticks_to_ns(d, c - d->counter0);
        if (wall)
            ns += (uint64_t)d->wall_offset;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (d->seq == s) {
            *ok = 1;
            return ns;
        }
    }
}

int vdso_clock_gettime(long clk, struct vts *ts);
int vdso_clock_gettime(long clk, struct vts *ts)
{
    int ok = 0;
    uint64_t ns = 0;
    if (clk >= 0 && clk < 32 && (PAGE_CLOCKS >> clk & 1))
        ns = now_ns(WALL_CLOCKS >> clk & 1, &ok);
    if (!ok)
        return (int)vdso_syscall2(VDSO_NR_clock_gettime, clk, (long)ts);
    ts->sec = (int64_t)(ns / NSEC);
    ts->nsec = (int64_t)(ns % NSEC);
    return 0;
}

int vdso_gettimeofday(struct vtv *tv, void *tz);
int vdso_gettimeofday(struct vtv *tv, void *tz)
{
    int ok = 0;
    uint64_t ns = tz ? 0 : now_ns(1, &ok); /* the obsolete zone: the system call fills it */
    if (!ok)
        return (int)vdso_syscall2(VDSO_NR_gettimeofday, (long)tv, (long)tz);
    if (tv) {
        tv->sec = (int64_t)(ns / NSEC);
        tv->usec = (int64_t)(ns % NSEC / 1000);
    }
    return 0;
}

int vdso_clock_getres(long clk, struct vts *res);
int vdso_clock_getres(long clk, struct vts *res)
{
    /* Every clock the page answers counts in ns (as the system call says). */
    if (!(clk >= 0 && clk < 32 && (PAGE_CLOCKS >> clk & 1)) || data()->mode != VDSO_MODE_COUNTER)
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
    int ok = 0;
    uint64_t ns = now_ns(1, &ok);
    if (!ok)
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
