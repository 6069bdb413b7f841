/*
 * sched_calls.c: the scheduling-policy calls (sched_setscheduler and its
 * family), CPU affinity (sched_getaffinity, sched_setaffinity, getcpu) and
 * the memory-locking calls (mlock and its family).
 *
 * Policies are per thread, as on Linux, and mean what they say to the
 * scheduler (kernel/sched.h): SCHED_OTHER and SCHED_BATCH run at
 * PRIO_DEFAULT, SCHED_IDLE at PRIO_MIN, below it; SCHED_FIFO and SCHED_RR
 * priority p (1..99) at PRIO_RT_BASE + p, above every kernel thread, so a
 * more urgent one always runs first. SCHED_FIFO threads keep the CPU among
 * equals until they block or yield (THREAD_FIFO); SCHED_RR ones take
 * SCHED_SLICE_NS turns. A new thread or process takes its creator's
 * policy, SCHED_OTHER where SCHED_RESET_ON_FORK is set.
 *
 * Memory is never paged out here; the locking calls keep the lock on the
 * regions (what msync(MS_INVALIDATE) and /proc's VmLck see), make locked
 * pages present, and check what Linux checks (flags, ranges that must be
 * mapped, RLIMIT_MEMLOCK for unprivileged callers).
 *
 * Affinity is the scheduler's own mask (thread_set_affinity()), Linux's
 * CPU numbers being the CPU indexes.
 */
#include "sys.h"
#include "uspace.h"
#include <kernel/errno.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/user.h>
#include <kernel/vfs.h>

#define SCHED_OTHER 0
#define SCHED_FIFO 1
#define SCHED_RR 2
#define SCHED_BATCH 3
#define SCHED_IDLE 5
#define SCHED_DEADLINE 6
#define SCHED_RESET_ON_FORK 0x40000000
#define RT_PRIO_MAX 99
#define RLIMIT_MEMLOCK 8
#define RLIMIT_NICE 13
#define RLIMIT_RTPRIO 14

static int policy_valid(int pol)
{
    return pol == SCHED_OTHER || pol == SCHED_FIFO || pol == SCHED_RR || pol == SCHED_BATCH ||
           pol == SCHED_IDLE;
}

static int rt(int pol) { return pol == SCHED_FIFO || pol == SCHED_RR; }

int usched_kprio(const struct uthread *u, unsigned *flags)
{
    *flags = u->policy == SCHED_FIFO ? THREAD_FIFO : 0;
    return rt(u->policy) ? PRIO_RT_BASE + u->rt_prio : u->policy == SCHED_IDLE ? PRIO_MIN : PRIO_DEFAULT;
}

void usched_inherit(struct uthread *u, const struct uthread *parent)
{
    if (parent->reset_on_fork) { /* the flag itself is not inherited */
        u->policy = rt(parent->policy) ? SCHED_OTHER : parent->policy;
        u->rt_prio = rt(parent->policy) ? 0 : parent->rt_prio;
        u->reset_on_fork = 0;
        return;
    }
    u->policy = parent->policy;
    u->rt_prio = parent->rt_prio;
    u->reset_on_fork = 0;
}

/* A request to change a thread's policy; -1 for "keep". */
struct setreq {
    int policy, prio, reset;
    int sched_tid, kprio; /* out: what the scheduler is to be told */
    unsigned kflags;
};

static int set_locked(struct proc *p, struct uthread *u, void *arg)
{
    struct setreq *r = arg;
    int pol = r->policy < 0 ? u->policy : r->policy;
    int reset = r->policy < 0 ? u->reset_on_fork : r->reset;
    if (!policy_valid(pol))
        return -EINVAL;
    if (rt(pol) ? r->prio < 1 || r->prio > RT_PRIO_MAX : r->prio != 0)
        return -EINVAL;
    const struct cred *me = &proc_current()->fs.cred, *them = &p->fs.cred;
    if (me->euid != 0) { /* Linux's rules for a task without CAP_SYS_NICE */
        struct proc *cur = proc_current();
        uint64_t rtlim = cur->rlim[RLIMIT_RTPRIO].cur;
        if (rt(pol) && ((pol != u->policy && !rtlim) || (r->prio > u->rt_prio && (uint64_t)r->prio > rtlim)))
            return -EPERM;
        /* Out of SCHED_IDLE only as far as RLIMIT_NICE lets nice 0 go. */
        if (u->policy == SCHED_IDLE && pol != SCHED_IDLE && cur->rlim[RLIMIT_NICE].cur < 20)
            return -EPERM;
        if (me->euid != them->euid && me->euid != them->uid)
            return -EPERM;
        if (u->reset_on_fork && !reset)
            return -EPERM;
    }
    u->policy = pol;
    u->rt_prio = rt(pol) ? r->prio : 0;
    u->reset_on_fork = reset;
    r->sched_tid = u->sched_tid;
    r->kprio = usched_kprio(u, &r->kflags);
    return 0;
}

static long set_sched(long pid, int policy, uintptr_t param)
{
    if (!param || pid < 0)
        return -EINVAL;
    int prio;
    if (copy_from_user(&prio, (const void *)param, sizeof prio))
        return -EFAULT;
    struct setreq r = {policy < 0 ? -1 : policy & ~SCHED_RESET_ON_FORK, prio,
                       policy >= 0 && (policy & SCHED_RESET_ON_FORK), 0, 0, 0};
    int e = proc_with_thread((int)pid, set_locked, &r);
    if (e)
        return e;
    /* Outside the process locks: the scheduler takes its own. A thread
     * that ended meanwhile has nothing left to move. */
    e = thread_set_sched(r.sched_tid, r.kprio, r.kflags == THREAD_FIFO);
    return e == -ESRCH ? 0 : e;
}

static long sys_sched_setscheduler(const uint64_t a[6])
{
    /* Negative policies are EINVAL, not "keep" (that is sched_setparam's). */
    if ((int)a[1] < 0)
        return -EINVAL;
    return set_sched((long)a[0], (int)a[1], (uintptr_t)a[2]);
}

static long sys_sched_setparam(const uint64_t a[6]) { return set_sched((long)a[0], -1, (uintptr_t)a[1]); }

/* The thread's policy word and real-time priority. */
struct getreq {
    int policy, prio;
};

static int get_locked(struct proc *p, struct uthread *u, void *arg)
{
    (void)p;
    struct getreq *g = arg;
    g->policy = u->policy | (u->reset_on_fork ? SCHED_RESET_ON_FORK : 0);
    g->prio = u->rt_prio;
    return 0;
}

static long sys_sched_getscheduler(const uint64_t a[6])
{
    if ((long)a[0] < 0)
        return -EINVAL;
    struct getreq g;
    int e = proc_with_thread((int)a[0], get_locked, &g);
    return e ? e : g.policy;
}

static long sys_sched_getparam(const uint64_t a[6])
{
    if (!a[1] || (long)a[0] < 0)
        return -EINVAL;
    struct getreq g;
    int e = proc_with_thread((int)a[0], get_locked, &g);
    if (e)
        return e;
    return copy_to_user((void *)(uintptr_t)a[1], &g.prio, sizeof g.prio) ? -EFAULT : 0;
}

/* SCHED_DEADLINE (6), which only sched_setattr could set, has priority 0
 * on Linux too. */
static long sys_sched_get_priority_max(const uint64_t a[6])
{
    int pol = (int)a[0];
    return !policy_valid(pol) && pol != SCHED_DEADLINE ? -EINVAL : rt(pol) ? RT_PRIO_MAX : 0;
}

static long sys_sched_get_priority_min(const uint64_t a[6])
{
    int pol = (int)a[0];
    return !policy_valid(pol) && pol != SCHED_DEADLINE ? -EINVAL : rt(pol) ? 1 : 0;
}

/* The slice the scheduler really gives: SCHED_FIFO none (0), every other
 * policy SCHED_SLICE_NS turns among equals. */
static long sys_sched_rr_get_interval(const uint64_t a[6])
{
    if ((long)a[0] < 0)
        return -EINVAL;
    struct getreq g;
    int e = proc_with_thread((int)a[0], get_locked, &g);
    if (e)
        return e;
    uint64_t ns = (g.policy & ~SCHED_RESET_ON_FORK) == SCHED_FIFO ? 0 : SCHED_SLICE_NS;
    int64_t ts[2] = {(int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u)};
    return copy_to_user((void *)(uintptr_t)a[1], ts, sizeof ts) ? -EFAULT : 0;
}

/* ---- CPU affinity ---- */

/* Linux's CPU numbers are the CPU indexes (struct cpu), so a mask of up to
 * 32 CPUs, in one 8-byte word as Linux's unsigned longs hold it. */
#define AFFINITY_BYTES 8

/* The scheduler thread of user thread @p tid, and whether the caller may
 * change it (Linux: the same effective uid as its real or effective, or root). */
struct affreq {
    int sched_tid, may_set;
};

static int aff_locked(struct proc *p, struct uthread *u, void *arg)
{
    struct affreq *r = arg;
    const struct cred *me = &proc_current()->fs.cred, *them = &p->fs.cred;
    r->sched_tid = u->sched_tid;
    r->may_set = me->euid == 0 || me->euid == them->euid || me->euid == them->uid;
    return 0;
}

/* sched_getaffinity(pid, len, mask): the bytes written (8), the CPUs the
 * thread may run on that run threads. len a whole number of 8-byte words
 * holding every CPU, as Linux wants; an unknown or negative pid ESRCH. */
static long sys_sched_getaffinity(const uint64_t a[6])
{
    uint64_t len = a[1];
    if (len < AFFINITY_BYTES || (len & (AFFINITY_BYTES - 1)))
        return -EINVAL;
    struct affreq r;
    int e = (int)a[0] < 0 ? -ESRCH : proc_with_thread((int)a[0], aff_locked, &r);
    struct thread_info ti;
    if (!e)
        e = thread_info_of(r.sched_tid, &ti);
    if (e)
        return e;
    uint64_t mask = ti.affinity & sched_cpu_mask();
    return copy_to_user((void *)(uintptr_t)a[2], &mask, sizeof mask) ? -EFAULT : AFFINITY_BYTES;
}

/* sched_setaffinity(pid, len, mask): as many bytes of the mask as given
 * (bits of CPUs that do not exist ignored); EINVAL if it leaves no CPU
 * that runs threads. */
static long sys_sched_setaffinity(const uint64_t a[6])
{
    uint64_t mask = 0, len = a[1] < AFFINITY_BYTES ? a[1] : AFFINITY_BYTES;
    if (copy_from_user(&mask, (const void *)(uintptr_t)a[2], len))
        return -EFAULT;
    struct affreq r;
    int e = (int)a[0] < 0 ? -ESRCH : proc_with_thread((int)a[0], aff_locked, &r);
    if (e)
        return e;
    if (!r.may_set)
        return -EPERM;
    uint32_t cpus = (uint32_t)(mask & sched_cpu_mask());
    return cpus ? thread_set_affinity(r.sched_tid, cpus) : -EINVAL;
}

/* getcpu(cpu, node, cache): the CPU the caller runs on (it may have moved
 * by the time it looks: as anywhere), node 0; either pointer may be NULL. */
static long sys_getcpu(const uint64_t a[6])
{
    unsigned cpu = this_cpu()->index, node = 0;
    if (a[0] && copy_to_user((void *)(uintptr_t)a[0], &cpu, sizeof cpu))
        return -EFAULT;
    if (a[1] && copy_to_user((void *)(uintptr_t)a[1], &node, sizeof node))
        return -EFAULT;
    return 0;
}

/* ---- memory locking ---- */

#define MLOCK_ONFAULT 1
#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define MCL_ONFAULT 4

/* Whether @p p may lock memory past RLIMIT_MEMLOCK (root may, as Linux's CAP_IPC_LOCK). */
static int lock_unlimited(const struct proc *p) { return p->fs.cred.euid == 0; }

/* mlock, mlock2, munlock over the whole pages [start, start + len) touch:
 * all of them mapped (ENOMEM); an unprivileged caller may have at most
 * RLIMIT_MEMLOCK locked in all (a zero limit: EPERM). @p lock as
 * uspace_lock_range(). */
static long lock_range(uintptr_t start, uint64_t len, int lock)
{
    uint64_t off = start & (PAGE_SIZE - 1);
    if (len > UINT64_MAX - off - (PAGE_SIZE - 1))
        return -ENOMEM;
    len = (len + off + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    start -= off;
    struct proc *p = proc_current();
    if (lock && !lock_unlimited(p) && !p->rlim[RLIMIT_MEMLOCK].cur)
        return -EPERM;
    if (start + len < start)
        return -EINVAL;
    if (!len)
        return 0;
    struct uspace *us = p->us;
    long e = 0;
    uspace_lock(us);
    /* What is locked already in the range counts once, as Linux. */
    if (lock && !lock_unlimited(p) &&
        us->locked - uspace_locked(us, start, len) + len > p->rlim[RLIMIT_MEMLOCK].cur)
        e = -ENOMEM;
    else
        e = uspace_lock_range(us, start, len, lock);
    uspace_unlock(us);
    return e;
}

static long sys_mlock(const uint64_t a[6]) { return lock_range(a[0], a[1], 1); }

static long sys_mlock2(const uint64_t a[6])
{
    if (a[2] & ~(uint64_t)MLOCK_ONFAULT)
        return -EINVAL;
    return lock_range(a[0], a[1], a[2] & MLOCK_ONFAULT ? 2 : 1);
}

static long sys_munlock(const uint64_t a[6]) { return lock_range(a[0], a[1], 0); }

/* MCL_CURRENT locks every region now (and makes its pages present, but
 * with MCL_ONFAULT); MCL_FUTURE every region mapped from now on, till
 * munlockall() or an mlockall() without it. */
static long sys_mlockall(const uint64_t a[6])
{
    uint64_t fl = a[0];
    if (!fl || (fl & ~(uint64_t)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || fl == MCL_ONFAULT)
        return -EINVAL;
    struct proc *p = proc_current();
    if (!lock_unlimited(p) && !p->rlim[RLIMIT_MEMLOCK].cur)
        return -EPERM;
    struct uspace *us = p->us;
    long e = 0;
    int lock = fl & MCL_ONFAULT ? 2 : 1;
    uspace_lock(us);
    if ((fl & MCL_CURRENT) && !lock_unlimited(p) && us->mapped > p->rlim[RLIMIT_MEMLOCK].cur)
        e = -ENOMEM;
    if (!e) {
        us->lock_future = fl & MCL_FUTURE ? lock : 0;
        if (fl & MCL_CURRENT)
            (void)uspace_lock_all(us, lock); /* pages that could not come are left to faults, as Linux */
    }
    uspace_unlock(us);
    return e;
}

static long sys_munlockall(const uint64_t a[6])
{
    (void)a;
    struct uspace *us = proc_current()->us;
    uspace_lock(us);
    us->lock_future = 0;
    long e = uspace_lock_all(us, 0);
    uspace_unlock(us);
    return e;
}

const struct sysent sys_sched_table[] = {
    SYSENT(sched_setscheduler), SYSENT(sched_setparam), SYSENT(sched_getscheduler),
    SYSENT(sched_getparam), SYSENT(sched_get_priority_max), SYSENT(sched_get_priority_min),
    SYSENT(sched_rr_get_interval), SYSENT(mlock), SYSENT(mlock2), SYSENT(munlock),
    SYSENT(mlockall), SYSENT(munlockall), SYSENT(sched_getaffinity), SYSENT(sched_setaffinity),
    SYSENT(getcpu),
};

const unsigned sys_sched_count = sizeof sys_sched_table / sizeof sys_sched_table[0];
