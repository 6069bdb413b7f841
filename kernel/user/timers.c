/**
 * @file timers.c
 * @brief A process's timers: the interval timers (setitimer()'s
 *        ITIMER_REAL, alarm(), ITIMER_VIRTUAL, ITIMER_PROF), its POSIX
 *        timers (timer_create() and the rest), and clock_getres(); pause()
 *        on the arches that have it.
 *
 * Each timer is a kernel timer (kernel/ktimer.h) whose callback, in the
 * timer interrupt, sends the signal and re-arms a periodic one. The timers
 * hang off the process (struct proc_timers, made on first use); fork()'s
 * child starts with none, execve() keeps the interval timer and deletes
 * the POSIX ones, and the process's end deletes them all, as Linux does.
 *
 * A POSIX timer whose last signal still waits to be delivered does not
 * send another: it counts an overrun into that signal's si_overrun, and
 * delivery tells the timer what timer_getoverrun() answers. A period is
 * never re-armed closer than TIMER_MIN_PERIOD_NS to the present: ticks
 * missed meanwhile are overruns, and a 1 ns period cannot fill a CPU with
 * timer interrupts.
 *
 * An absolute time on the wall clock is turned into a monotonic deadline
 * when it is set: a later change of the wall clock does not move it.
 *
 * Timers on a CPU-time clock (ITIMER_VIRTUAL, ITIMER_PROF: the process's;
 * timer_create() on CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID or
 * another's clock from clock_getcpuclockid()) keep their deadline on that
 * clock, and their kernel timer polls it: a clock advances at most one ns
 * per ns on each CPU, so the earliest it can reach the deadline is the
 * time left divided by the CPUs that may run it, and the poll comes then.
 * The scheduler, tickless, has no tick to check them from, and a thread
 * spinning alone on its CPU is switched never; polling costs nothing
 * while no such timer is armed, and a spinning process gets its signal
 * within TIMER_MIN_PERIOD_NS of the deadline. A clock that gained less
 * than half the last wait (its threads mostly sleep) doubles the wait, up
 * to CPU_POLL_MAX_NS, the lateness bound once they run again. The kernel
 * does not tell a thread's time in user mode from its time in the kernel
 * (rusage.c), so ITIMER_VIRTUAL and ITIMER_PROF count the same time.
 */
#include "signal.h"
#include "sys.h"
#include <hal/timer.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/ktimer.h>
#include <kernel/proc.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/user.h>
#include <kernel/wait.h>

#define PTIMERS_MAX 64                   /* POSIX timers per process; then EAGAIN */
#define TIMER_MIN_PERIOD_NS 50000ull     /* the closest a period re-arms */
#define TIME_MAX_S 100000000ull          /* longer times are cut to about 3 years */
#define CPU_POLL_MAX_NS 10000000ull      /* the longest wait of a CPU-time timer's poll */

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2
#define SIGEV_THREAD_ID 4
#define TIMER_ABSTIME 1

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define CLOCK_TAI 11

struct ptimer {
    struct ktimer kt;
    struct proc_timers *owner;
    int id;            /* timer_create()'s id; -1: an interval timer */
    int clock;         /* CLOCK_*: an absolute time is on it */
    int cpu;           /* on a CPU-time clock: cpu_pid's (a process's, or with cpu_thread a thread's) */
    int cpu_pid;       /* 0: the owner's */
    int cpu_thread;
    int notify;        /* SIGEV_* */
    int signo;         /* 0: none */
    int tid;           /* SIGEV_THREAD_ID's thread */
    uint64_t value;    /* sigev_value, carried in si_value */
    uint64_t expires;  /* the deadline on hal_time_ns() or the CPU-time clock; 0: disarmed */
    uint64_t polled;   /* a CPU-time timer: its clock at the last poll */
    uint64_t wait;     /* and the wait after it */
    uint64_t interval; /* 0: once */
    int queued;        /* its signal was sent and not yet delivered */
    int overrun_last;  /* timer_getoverrun(): the last delivered signal's */
};

/* lock: what the interrupt side shares (a timer's times, the table's slots).
 * ops: held by a call while it uses a POSIX timer, so that another thread's
 * timer_delete() cannot free it meanwhile (disarming waits for a callback,
 * which the spinlock could not be held across). */
struct proc_timers {
    struct spinlock lock;
    struct mutex ops;
    struct proc *p;
    struct ptimer it[3]; /* ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF */
    struct ptimer *t[PTIMERS_MAX];
};

static int clamp_overrun(uint64_t n) { return n > 0x7fffffff ? 0x7fffffff : (int)n; }

/* @p t's clock now into *@p ns: hal_time_ns(), or its CPU-time clock
 * (-EINVAL: that process or thread is gone). Any context. */
static int clock_now(struct ptimer *t, uint64_t *ns)
{
    if (!t->cpu) {
        *ns = hal_time_ns();
        return 0;
    }
    return proc_cpu_ns_of(t->owner->p, t->cpu_pid, t->cpu_thread, ns);
}

/* Arm a CPU-time timer's poll (pt->lock held): for when its clock, @p now
 * on it, may reach the deadline at the earliest; later while the clock
 * stands still. */
static void cpu_poll(struct ptimer *t, uint64_t now)
{
    uint64_t left = t->expires > now ? t->expires - now : 0;
    uint64_t wait = t->cpu_thread ? left : left / smp_cpus_online();
    /* Its threads ran less than half the last wait: they mostly sleep. */
    uint64_t backoff = now - t->polled < t->wait / 2 ? t->wait * 2 : 0;
    if (backoff > CPU_POLL_MAX_NS)
        backoff = CPU_POLL_MAX_NS;
    if (wait < backoff)
        wait = backoff;
    if (wait < TIMER_MIN_PERIOD_NS)
        wait = TIMER_MIN_PERIOD_NS;
    if (wait > TIME_MAX_S * NSEC_PER_SEC) /* an absolute deadline years away */
        wait = TIME_MAX_S * NSEC_PER_SEC;
    t->polled = now;
    t->wait = wait;
    ktimer_arm(&t->kt, hal_time_ns() + wait);
}

/* The interrupt side: the signal, then the next period. */
static void fire(struct ktimer *kt, void *arg)
{
    (void)kt;
    struct ptimer *t = arg;
    struct proc_timers *pt = t->owner;
    uint64_t now;
    int gone = clock_now(t, &now);
    irqflags_t f = spin_lock_irqsave(&pt->lock);
    if (gone) /* its clock's process or thread ended: it never fires */
        t->expires = 0;
    if (t->expires && t->cpu && t->expires > now)
        cpu_poll(t, now); /* not yet */
    if (!t->expires || t->expires > now) { /* disarmed or moved meanwhile */
        spin_unlock_irqrestore(&pt->lock, f);
        return;
    }
    uint64_t missed = 0;
    if (t->interval) {
        t->expires = period_next(t->expires, t->interval, now, TIMER_MIN_PERIOD_NS, &missed);
        if (t->cpu) {
            t->polled = 0;
            cpu_poll(t, now);
        } else {
            ktimer_arm(&t->kt, t->expires);
        }
    } else {
        t->expires = 0;
    }
    int send = t->signo && t->notify != SIGEV_NONE;
    struct ksiginfo ki = {.code = t->id < 0 ? SI_KERNEL : SI_TIMER, .timerid = t->id,
                          .value = t->value};
    int overrun_only = 0;
    if (send && t->id >= 0) {
        overrun_only = t->queued;
        t->queued = 1;
    }
    spin_unlock_irqrestore(&pt->lock, f);
    if (!send)
        return;
    /* Sent but not pending: it was dropped (ignored then): this one goes. */
    if (overrun_only && signal_timer_overrun(pt->p, t->signo, t->id, clamp_overrun(missed + 1)))
        return;
    ki.overrun = clamp_overrun(missed);
    if (t->notify == SIGEV_THREAD_ID) {
        if (signal_send_tid(pt->p, t->tid, t->signo, &ki) == 0)
            return;
        /* Its thread is gone: nothing is sent, and the next tick tries again. */
        f = spin_lock_irqsave(&pt->lock);
        t->queued = 0;
        spin_unlock_irqrestore(&pt->lock, f);
        return;
    }
    signal_send(pt->p, t->signo, &ki);
}

void ptimer_delivered(struct proc *p, const struct ksiginfo *ki)
{
    struct proc_timers *pt = __atomic_load_n(&p->timers, __ATOMIC_ACQUIRE);
    if (!pt || ki->timerid < 0 || ki->timerid >= PTIMERS_MAX)
        return;
    irqflags_t f = spin_lock_irqsave(&pt->lock);
    struct ptimer *t = pt->t[ki->timerid];
    if (t) {
        t->queued = 0;
        t->overrun_last = ki->overrun;
    }
    spin_unlock_irqrestore(&pt->lock, f);
}

/* The caller's timers, made on first use; NULL without memory. */
static struct proc_timers *timers_of(struct proc *p)
{
    struct proc_timers *pt = __atomic_load_n(&p->timers, __ATOMIC_ACQUIRE);
    if (pt)
        return pt;
    pt = kzalloc(sizeof *pt);
    if (!pt)
        return NULL;
    spin_init(&pt->lock, "ptimers");
    mutex_init(&pt->ops, "ptimer ops");
    pt->p = p;
    static const int signo[3] = {SIGALRM, SIGVTALRM, SIGPROF};
    for (int i = 0; i < 3; i++) {
        pt->it[i].owner = pt;
        pt->it[i].id = -1;
        pt->it[i].signo = signo[i];
        pt->it[i].cpu = i != ITIMER_REAL;
        ktimer_init(&pt->it[i].kt, fire, &pt->it[i]);
    }
    struct proc_timers *none = NULL;
    if (!__atomic_compare_exchange_n(&p->timers, &none, pt, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        kfree(pt); /* another thread's came first */
        return none;
    }
    return pt;
}

/* Stop @p t: after this its callback neither runs nor will. */
static void disarm(struct proc_timers *pt, struct ptimer *t)
{
    irqflags_t f = spin_lock_irqsave(&pt->lock);
    t->expires = 0;
    spin_unlock_irqrestore(&pt->lock, f);
    ktimer_cancel(&t->kt); /* waits for a callback running on another CPU */
}

/* Arm @p t at @p deadline on its clock, @p now there (0: leave it
 * disarmed), every @p interval after. */
static void arm(struct proc_timers *pt, struct ptimer *t, uint64_t deadline, uint64_t interval, uint64_t now)
{
    disarm(pt, t);
    irqflags_t f = spin_lock_irqsave(&pt->lock);
    t->interval = interval;
    t->expires = deadline;
    if (deadline && t->cpu) {
        t->polled = 0;
        if (deadline <= now) /* due already: at once */
            ktimer_arm(&t->kt, hal_time_ns());
        else
            cpu_poll(t, now);
    } else if (deadline) {
        ktimer_arm(&t->kt, deadline);
    }
    spin_unlock_irqrestore(&pt->lock, f);
}

/* What is left of @p t: *@p left until it fires (0: disarmed, or its CPU
 * clock is gone; an overdue one answers 1 ns, as it has not fired yet),
 * *@p interval. */
static void remaining(struct proc_timers *pt, struct ptimer *t, uint64_t *left, uint64_t *interval)
{
    uint64_t now;
    int gone = clock_now(t, &now);
    irqflags_t f = spin_lock_irqsave(&pt->lock);
    *left = !t->expires || gone ? 0 : t->expires > now ? t->expires - now : 1;
    *interval = t->interval;
    spin_unlock_irqrestore(&pt->lock, f);
}

/* Delete timer @p id (ops held, or no other thread left). Out of the table
 * first, so that a delivery no longer finds it; disarming then waits for
 * a callback still running. */
static void free_timer(struct proc_timers *pt, int id)
{
    irqflags_t f = spin_lock_irqsave(&pt->lock);
    struct ptimer *t = pt->t[id];
    pt->t[id] = NULL;
    spin_unlock_irqrestore(&pt->lock, f);
    if (!t)
        return;
    disarm(pt, t);
    kfree(t);
}

void ptimer_exec(struct proc *p)
{
    struct proc_timers *pt = __atomic_load_n(&p->timers, __ATOMIC_ACQUIRE);
    if (!pt)
        return;
    mutex_lock(&pt->ops);
    for (int i = 0; i < PTIMERS_MAX; i++)
        free_timer(pt, i);
    mutex_unlock(&pt->ops);
}

void ptimer_exit(struct proc *p)
{
    struct proc_timers *pt = __atomic_exchange_n(&p->timers, NULL, __ATOMIC_ACQ_REL);
    if (!pt)
        return;
    for (int i = 0; i < PTIMERS_MAX; i++) /* the last thread: no call can hold ops */
        free_timer(pt, i);
    for (int i = 0; i < 3; i++)
        disarm(pt, &pt->it[i]);
    kfree(pt);
}

/* ---- the interval timers ---- */

struct timeval_u {
    int64_t sec, usec;
};
struct itimerval_u {
    struct timeval_u interval, value;
};

static long tv_ns(const struct timeval_u *tv, uint64_t *ns)
{
    if (tv->sec < 0 || tv->usec < 0 || tv->usec >= 1000000)
        return -EINVAL;
    *ns = (uint64_t)tv->sec > TIME_MAX_S ? TIME_MAX_S * NSEC_PER_SEC
                                         : (uint64_t)tv->sec * NSEC_PER_SEC + (uint64_t)tv->usec * 1000;
    return 0;
}

static struct timeval_u ns_tv(uint64_t ns)
{
    /* Rounded up: a timer with 1 ns left is not yet done. */
    uint64_t us = (ns + 999) / 1000;
    return (struct timeval_u){(int64_t)(us / 1000000), (int64_t)(us % 1000000)};
}

static long itimer_get(int which, struct itimerval_u *out)
{
    struct proc_timers *pt = timers_of(proc_current());
    if (!pt)
        return -ENOMEM;
    uint64_t left, interval;
    remaining(pt, &pt->it[which], &left, &interval);
    out->value = ns_tv(left);
    out->interval = ns_tv(interval);
    return 0;
}

/* setitimer(@p which, @p in): the old setting to *@p old (may be NULL). */
static long itimer_set(int which, const struct itimerval_u *in, struct itimerval_u *old)
{
    uint64_t value, interval;
    long e = tv_ns(&in->value, &value);
    if (!e)
        e = tv_ns(&in->interval, &interval);
    if (e)
        return e;
    struct proc_timers *pt = timers_of(proc_current());
    if (!pt)
        return -ENOMEM;
    if (old)
        itimer_get(which, old);
    struct ptimer *t = &pt->it[which];
    uint64_t now;
    clock_now(t, &now); /* the caller's own clock is always there */
    arm(pt, t, value ? now + value : 0, value ? interval : 0, now);
    return 0;
}

static long sys_getitimer(const uint64_t a[6])
{
    if ((int32_t)a[0] < ITIMER_REAL || (int32_t)a[0] > ITIMER_PROF)
        return -EINVAL;
    struct itimerval_u v;
    long e = itimer_get((int)a[0], &v);
    return e ? e : copy_to_user((void *)(uintptr_t)a[1], &v, sizeof v);
}

static long sys_setitimer(const uint64_t a[6])
{
    if ((int32_t)a[0] < ITIMER_REAL || (int32_t)a[0] > ITIMER_PROF)
        return -EINVAL;
    struct itimerval_u in, old;
    if (!a[1])
        memset(&in, 0, sizeof in); /* Linux takes NULL as a disarm */
    else if (copy_from_user(&in, (const void *)(uintptr_t)a[1], sizeof in))
        return -EFAULT;
    long e = itimer_set((int)a[0], &in, &old);
    if (!e && a[2] && copy_to_user((void *)(uintptr_t)a[2], &old, sizeof old))
        return -EFAULT;
    return e;
}

#ifdef SYSNR_alarm
/* alarm(s): the interval timer once in @p s seconds (0: off); the seconds
 * the old one had left, rounded to the nearest (at least 1 if it was set). */
static long sys_alarm(const uint64_t a[6])
{
    struct itimerval_u in = {{0, 0}, {(int64_t)(uint32_t)a[0], 0}}, old;
    long e = itimer_set(ITIMER_REAL, &in, &old);
    if (e)
        return e;
    long s = (long)old.value.sec;
    if ((!s && old.value.usec) || old.value.usec >= 500000)
        s++;
    return s;
}
#endif

#ifdef SYSNR_pause
/* pause(): sleep until a signal is delivered (its handler ran: EINTR). */
static long sys_pause(const uint64_t a[6])
{
    (void)a;
    while (signal_sleep_ns(UINT64_MAX / 2, NULL) == 0) {
    }
    return -ERESTARTNOHAND;
}
#endif

/* ---- POSIX timers ---- */

struct timespec_u {
    int64_t sec, nsec;
};
struct itimerspec_u {
    struct timespec_u interval, value;
};
struct sigevent_u {
    uint64_t value;
    int32_t signo, notify;
    int32_t tid;
    int32_t pad[11];
};

static long ts_ns(const struct timespec_u *ts, uint64_t *ns, uint64_t max_s)
{
    if (ts->sec < 0 || ts->nsec < 0 || ts->nsec >= 1000000000)
        return -EINVAL;
    *ns = (uint64_t)ts->sec > max_s ? max_s * NSEC_PER_SEC
                                    : (uint64_t)ts->sec * NSEC_PER_SEC + (uint64_t)ts->nsec;
    return 0;
}

static struct timespec_u ns_ts(uint64_t ns)
{
    return (struct timespec_u){(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC)};
}

static int wall_clock(int clock) { return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_ALARM || clock == CLOCK_TAI; }

static int timer_clock(uint64_t clock)
{
    return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC || clock == CLOCK_BOOTTIME ||
           clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM || clock == CLOCK_TAI;
}

/* Timer @p id of the caller with its table's ops held (timer_put() lets go),
 * or NULL: there is none (its table in *@p ptp). */
static struct ptimer *timer_get(uint64_t id, struct proc_timers **ptp)
{
    struct proc_timers *pt = __atomic_load_n(&proc_current()->timers, __ATOMIC_ACQUIRE);
    *ptp = pt;
    if (!pt || id >= PTIMERS_MAX)
        return NULL;
    mutex_lock(&pt->ops);
    irqflags_t f = spin_lock_irqsave(&pt->lock);
    struct ptimer *t = pt->t[id];
    spin_unlock_irqrestore(&pt->lock, f);
    if (!t)
        mutex_unlock(&pt->ops);
    return t;
}

static void timer_put(struct proc_timers *pt) { mutex_unlock(&pt->ops); }

static long sys_timer_create(const uint64_t a[6])
{
    /* A CPU-time clock: the caller's, or another process's or one of its
     * own threads' (clock_cpu_ns() says whether there is such). */
    int64_t clk = (int32_t)a[0];
    int cpu = clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID || clk < 0;
    int cpu_pid = 0, cpu_thread = 0;
    uint64_t ns;
    if (cpu) {
        if (clock_cpu_ns(clk, &ns))
            return -EINVAL;
        cpu_thread = clk == CLOCK_THREAD_CPUTIME_ID || (clk < 0 && (clk >> 2 & 1));
        cpu_pid = clk < 0 ? (int)~(clk >> 3) : 0;
        if (cpu_thread && !cpu_pid)
            cpu_pid = uthread_current()->tid;
    } else if (!timer_clock(a[0])) {
        return -EINVAL;
    }
    struct sigevent_u ev = {0, SIGALRM, SIGEV_SIGNAL, 0, {0}};
    int user_value = 0;
    if (a[1]) {
        if (copy_from_user(&ev, (const void *)(uintptr_t)a[1], sizeof ev))
            return -EFAULT;
        user_value = 1;
    }
    if (ev.notify == SIGEV_THREAD)
        ev.notify = SIGEV_SIGNAL; /* the C library's thread is its own business: to the kernel a signal */
    if (ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_NONE && ev.notify != SIGEV_THREAD_ID)
        return -EINVAL;
    if (ev.notify != SIGEV_NONE && (ev.signo < 1 || ev.signo > NSIG_MAX))
        return -EINVAL;
    if (ev.notify == SIGEV_THREAD_ID && !proc_has_thread(proc_current(), ev.tid))
        return -EINVAL;
    struct proc_timers *pt = timers_of(proc_current());
    struct ptimer *t = pt ? kzalloc(sizeof *t) : NULL;
    if (!t)
        return -ENOMEM;
    t->owner = pt;
    t->clock = (int)a[0];
    t->cpu = cpu;
    t->cpu_pid = cpu_pid;
    t->cpu_thread = cpu_thread;
    t->notify = ev.notify;
    t->signo = ev.notify == SIGEV_NONE ? 0 : ev.signo;
    t->tid = ev.tid;
    ktimer_init(&t->kt, fire, t);
    irqflags_t f = spin_lock_irqsave(&pt->lock);
    int id = 0;
    while (id < PTIMERS_MAX && pt->t[id])
        id++;
    if (id < PTIMERS_MAX) {
        t->id = id;
        t->value = user_value ? ev.value : (uint64_t)id;
        pt->t[id] = t;
    }
    spin_unlock_irqrestore(&pt->lock, f);
    if (id == PTIMERS_MAX) {
        kfree(t);
        return -EAGAIN;
    }
    int32_t uid = id;
    if (copy_to_user((void *)(uintptr_t)a[2], &uid, sizeof uid)) {
        struct ptimer *now = timer_get((uint64_t)id, &pt);
        if (now == t) /* unless another thread deleted it meanwhile */
            free_timer(pt, id);
        if (now)
            timer_put(pt);
        return -EFAULT;
    }
    return 0;
}

static struct itimerspec_u timer_read(struct proc_timers *pt, struct ptimer *t)
{
    uint64_t left, interval;
    remaining(pt, t, &left, &interval);
    return (struct itimerspec_u){ns_ts(interval), ns_ts(left)};
}

static long sys_timer_gettime(const uint64_t a[6])
{
    struct proc_timers *pt;
    struct ptimer *t = timer_get(a[0], &pt);
    if (!t)
        return -EINVAL;
    struct itimerspec_u v = timer_read(pt, t);
    timer_put(pt);
    return copy_to_user((void *)(uintptr_t)a[1], &v, sizeof v);
}

/* timer_settime(id, flags, new, old). The clock is fixed at creation; an
 * absolute time on a wall clock is a monotonic deadline from here on.
 * Flags other than TIMER_ABSTIME are ignored, as Linux ignores them. */
static long sys_timer_settime(const uint64_t a[6])
{
    struct itimerspec_u in, old;
    if (!a[2])
        return -EINVAL;
    if (copy_from_user(&in, (const void *)(uintptr_t)a[2], sizeof in))
        return -EFAULT;
    uint64_t value, interval;
    long e = ts_ns(&in.value, &value, a[1] & TIMER_ABSTIME ? UINT64_MAX / NSEC_PER_SEC - 1 : TIME_MAX_S);
    if (!e)
        e = ts_ns(&in.interval, &interval, TIME_MAX_S);
    if (e)
        return e;
    struct proc_timers *pt;
    struct ptimer *t = timer_get(a[0], &pt);
    if (!t)
        return -EINVAL;
    uint64_t now = hal_time_ns(), deadline = 0;
    if (t->cpu && clock_now(t, &now)) { /* its clock's process or thread is gone */
        timer_put(pt);
        return -ESRCH;
    }
    old = timer_read(pt, t);
    if (value && t->cpu) {
        /* A CPU-time clock starts at 0 and is never set: a deadline on it as is. */
        deadline = a[1] & TIMER_ABSTIME ? value : now + value;
    } else if (value && (a[1] & TIMER_ABSTIME)) {
        uint64_t on = wall_clock(t->clock) ? clock_wall_ns() : now;
        deadline = value > on ? now + (value - on) : now;
        if (deadline - now > TIME_MAX_S * NSEC_PER_SEC)
            deadline = now + TIME_MAX_S * NSEC_PER_SEC;
    } else if (value) {
        deadline = now + value;
    }
    arm(pt, t, deadline, deadline ? interval : 0, now);
    timer_put(pt);
    /* Set already when the old value cannot be told, as Linux does. */
    return a[3] ? copy_to_user((void *)(uintptr_t)a[3], &old, sizeof old) : 0;
}

static long sys_timer_getoverrun(const uint64_t a[6])
{
    struct proc_timers *pt;
    struct ptimer *t = timer_get(a[0], &pt);
    if (!t)
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&pt->lock);
    int n = t->overrun_last;
    spin_unlock_irqrestore(&pt->lock, f);
    timer_put(pt);
    return n;
}

static long sys_timer_delete(const uint64_t a[6])
{
    struct proc_timers *pt;
    if (!timer_get(a[0], &pt))
        return -EINVAL;
    free_timer(pt, (int)a[0]);
    timer_put(pt);
    return 0;
}

/* clock_getres(): every clock clock_gettime() reads counts in nanoseconds
 * from hal_time_ns() (or the wall clock built on it): 1 ns, as Linux
 * answers for its high-resolution clocks. */
static long sys_clock_getres(const uint64_t a[6])
{
    uint64_t ns;
    if ((int64_t)(int32_t)a[0] < 0 && clock_cpu_ns((int32_t)a[0], &ns))
        return -EINVAL; /* another's CPU clock: it must exist (glibc's clock_getcpuclockid asks) */
    else if ((int32_t)a[0] >= 0 && (a[0] > CLOCK_TAI || a[0] == 10 /* CLOCK_SGI_CYCLE: gone from Linux */))
        return -EINVAL;
    struct timespec_u r = {0, 1};
    return a[1] ? copy_to_user((void *)(uintptr_t)a[1], &r, sizeof r) : 0;
}

const struct sysent sys_timer_table[] = {
    SYSENT(getitimer),      SYSENT(setitimer),    SYSENT(timer_create), SYSENT(timer_gettime),
    SYSENT(timer_settime),  SYSENT(timer_getoverrun), SYSENT(timer_delete), SYSENT(clock_getres),
#ifdef SYSNR_alarm
    SYSENT(alarm),
#endif
#ifdef SYSNR_pause
    SYSENT(pause),
#endif
};
const unsigned sys_timer_count = sizeof sys_timer_table / sizeof sys_timer_table[0];
