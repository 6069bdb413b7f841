/**
 * @file rusage.c
 * @brief times() and getrusage(): the CPU time a process and its reaped
 *        children used, as the shell's `time` reads it.
 *
 * The scheduler counts each thread's time on a CPU as one figure; it does
 * not tell the time a thread spent in the kernel from its own, so all of
 * it is reported as user time and the system times are 0. A child's time
 * joins its parent's children's total when the parent reaps it (its own
 * reaped children's with it), as on Linux. getrusage's other fields
 * (resident set, faults, switches) are 0: nothing counts them yet.
 */
#include "sys.h"
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/proc.h>
#include <kernel/user.h>

#define USER_HZ 100 /* times()'s clock ticks, sysconf(_SC_CLK_TCK) */
#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1

static long ticks(uint64_t ns) { return (long)(ns / (1000000000u / USER_HZ)); }

/* times(buf): the four times in ticks; the answer is ticks since boot. */
static long sys_times(const uint64_t a[6])
{
    uint64_t self, children;
    proc_cpu_times(&self, &children);
    long tms[4] = {ticks(self), 0, ticks(children), 0};
    if (a[0] && copy_to_user((void *)(uintptr_t)a[0], tms, sizeof tms))
        return -EFAULT;
    return ticks(hal_time_ns());
}

/* struct rusage of the 64-bit ABIs: two timevals, then 14 longs. */
struct rusage_u {
    int64_t utime_sec, utime_usec, stime_sec, stime_usec;
    int64_t rest[14];
};

static long sys_getrusage(const uint64_t a[6])
{
    int who = (int)a[0];
    uint64_t ns, self, children;
    if (who == RUSAGE_THREAD) {
        if (proc_cpu_ns(0, 1, &ns))
            return -EINVAL;
    } else if (who == RUSAGE_SELF || who == RUSAGE_CHILDREN) {
        proc_cpu_times(&self, &children);
        ns = who == RUSAGE_SELF ? self : children;
    } else {
        return -EINVAL;
    }
    struct rusage_u ru = {(int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u / 1000), 0, 0, {0}};
    return copy_to_user((void *)(uintptr_t)a[1], &ru, sizeof ru) ? -EFAULT : 0;
}

const struct sysent sys_rusage_table[] = {SYSENT(times), SYSENT(getrusage)};

const unsigned sys_rusage_count = sizeof sys_rusage_table / sizeof sys_rusage_table[0];
