/**
 * @file signal.c
 * @brief Signals with Linux's semantics: dispositions (rt_sigaction), the
 *        blocked mask, sending (kill, tgkill, faults, SIGCHLD), delivery
 *        on the way back to user mode (default action, or a handler on a
 *        frame the arch writes: hal_signal_push()), rt_sigreturn, system
 *        calls interrupted and restarted, rt_sigsuspend and sigaltstack.
 *
 * A process's dispositions and the signals sent to it as a whole are its
 * struct sigstate; each thread has its mask, the signals sent to it alone
 * (tgkill, its faults), its alternate stack and its interrupted call
 * (struct uthread). The process's wait queue lock guards both. A signal
 * sent to the process is taken by whichever thread that does not block
 * it returns to user mode first. Standard and real-time signals alike are
 * pending once (no queue of real-time ones yet). A signal the process ignores (SIG_IGN, or
 * SIG_DFL whose default is to ignore) is dropped when sent unless blocked,
 * as Linux does.
 *
 * Job control: a stop signal's default action (SIGSTOP, SIGTSTP, SIGTTIN,
 * SIGTTOU) stops the process where it returns to user mode; its parent
 * hears of it (SIGCHLD with CLD_STOPPED, wait4 with WUNTRACED), and it
 * sleeps there until SIGCONT (or SIGKILL) comes. SIGCONT continues it
 * whatever its disposition, and the parent hears of that too. Sending
 * SIGCONT drops pending stop signals and a stop signal drops a pending
 * SIGCONT. SIGTSTP, SIGTTIN and SIGTTOU to a process whose group is
 * orphaned (no shell left to continue it) are dropped, as POSIX says.
 *
 * Interrupted system calls return -ERESTARTSYS (wait4) or -ERESTARTNOHAND
 * (nanosleep, rt_sigsuspend) to user_syscall(), which remembers the call;
 * delivery then restarts it (no handler ran, or SA_RESTART with
 * -ERESTARTSYS) or lets it return -EINTR.
 */
#include "signal.h"
#include <hal/cpu.h>
#include <hal/timer.h>
#include <hal/uregs.h>
#include <hal/user.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/ktimer.h>
#include <kernel/log.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/user.h>

#define SIG_DFL 0
#define SIG_IGN 1

#define SA_NOCLDSTOP 0x00000001u
#define SA_NOCLDWAIT 0x00000002u
#define SA_SIGINFO 0x00000004u
#define SA_RESTORER 0x04000000u
#define SA_ONSTACK 0x08000000u
#define SA_RESTART 0x10000000u
#define SA_NODEFER 0x40000000u
#define SA_RESETHAND 0x80000000u
#define SA_KNOWN (SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_RESTORER | SA_ONSTACK | \
                  SA_RESTART | SA_NODEFER | SA_RESETHAND)

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1u << 31)
#ifdef ARCH_MINSIGSTKSZ
#define MINSIGSTKSZ ARCH_MINSIGSTKSZ
#else
#define MINSIGSTKSZ 2048 /* x86_64's and riscv64's */
#endif

#define SI_USER 0
#define SI_TKILL (-6)

#define BIT(sig) (1ull << ((sig) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))
#define STOP_SIGNALS (BIT(SIGSTOP) | BIT(SIGTSTP) | BIT(SIGTTIN) | BIT(SIGTTOU))

/* What SIG_DFL does (signal(7)). */
enum dfl { DFL_TERM, DFL_CORE, DFL_IGN, DFL_STOP };

static enum dfl default_action(int sig)
{
    switch (sig) {
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
    case SIGSEGV: case 24 /* SIGXCPU */: case 25 /* SIGXFSZ */: case SIGSYS:
        return DFL_CORE;
    case SIGCHLD: case SIGCONT: case 23 /* SIGURG */: case 28 /* SIGWINCH */:
        return DFL_IGN;
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
        return DFL_STOP;
    default:
        return DFL_TERM;
    }
}

/* Dropped when sent (unless blocked): ignored by its disposition. Lock held. */
static int ignored(const struct sigstate *s, int sig)
{
    uintptr_t h = s->act[sig - 1].handler;
    return sig != SIGKILL && sig != SIGSTOP &&
           (h == SIG_IGN || (h == SIG_DFL && default_action(sig) == DFL_IGN));
}

static int valid_sig(long sig) { return sig >= 1 && sig <= NSIG_MAX; }

void signal_thread_init(struct uthread *u, const struct uthread *from)
{
    u->ss_flags = SS_DISABLE;
    if (from) { /* the mask and alternate stack of the thread that forked or cloned */
        u->blocked = from->blocked;
        u->ss_sp = from->ss_sp;
        u->ss_size = from->ss_size;
        u->ss_flags = from->ss_flags;
    }
}

void signal_proc_init(struct proc *p, const struct proc *parent)
{
    struct sigstate *s = &p->sig;
    wq_init(&s->wq, "signals");
    signal_thread_init(&p->main, NULL);
    if (parent) { /* fork: dispositions inherited, the forking thread's mask, nothing pending */
        irqflags_t f = spin_lock_irqsave((struct spinlock *)&parent->sig.wq.lock);
        memcpy(s->act, parent->sig.act, sizeof s->act);
        signal_thread_init(&p->main, uthread_current());
        spin_unlock_irqrestore((struct spinlock *)&parent->sig.wq.lock, f);
    }
}

void signal_exec(struct proc *p)
{
    struct sigstate *s = &p->sig;
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    for (int i = 0; i < NSIG_MAX; i++)
        if (s->act[i].handler != SIG_IGN) /* handlers are gone with the program */
            s->act[i] = (struct ksigaction){0};
    struct uthread *u = uthread_current();
    u->ss_sp = u->ss_size = 0;
    u->ss_flags = SS_DISABLE;
    spin_unlock_irqrestore(&s->wq.lock, f);
}

/* Every thread of @p p blocks @p sig (an ignored signal then stays pending). Lock held. */
static int blocked_by_all(struct proc *p, int sig)
{
    int any = 0;
    list_for_each(n, &p->threads) {
        struct uthread *u = container_of(n, struct uthread, node);
        if (!(u->blocked & BIT(sig)))
            return 0;
        any = 1;
    }
    return any;
}

#define RT_SIGNALS (~(BIT(SIGRTMIN_K) - 1))

/* Real-time signals pending in process @p p, the first of each number (to
 * it or to one of its threads) and those queued behind: what
 * RLIMIT_SIGPENDING bounds. Lock held. */
static unsigned rt_pending(const struct proc *p)
{
    unsigned n = (unsigned)__builtin_popcountll(p->sig.pending & RT_SIGNALS) + p->sig.queued;
    list_for_each(m, &p->threads)
        n += (unsigned)__builtin_popcountll(container_of(m, struct uthread, node)->pending & RT_SIGNALS);
    return n;
}

/* Whether a real-time @p sig with @p ki is past RLIMIT_SIGPENDING (the
 * queue's size at most). A timer's never is: Linux keeps its entry ready. Lock held. */
static int over_limit(const struct proc *p, int sig, const struct ksiginfo *ki)
{
    unsigned limit = p->rlim[11].cur < SIGQUEUE_MAX_K ? (unsigned)p->rlim[11].cur : SIGQUEUE_MAX_K;
    return sig >= SIGRTMIN_K && ki->code != SI_TIMER && rt_pending(p) >= limit;
}

/* Pending @p sig, its first info at *@p first, bit in *@p pending, made
 * pending again from the queue (the next one of that number sent to
 * @p tid, 0 the process), or else clear. Lock held. */
static void take_next_locked(struct sigstate *s, int tid, int sig, uint64_t *pending, struct ksiginfo *first,
                             struct ksiginfo *ki)
{
    *ki = *first;
    for (unsigned i = 0; i < s->queued; i++) {
        if (s->queue[i].sig != sig || s->queue[i].tid != tid)
            continue;
        *first = s->queue[i].info;
        memmove(&s->queue[i], &s->queue[i + 1], (s->queued - i - 1) * sizeof s->queue[0]);
        s->queued--;
        return;
    }
    *pending &= ~BIT(sig);
}

/* Signal @p sig as delivery takes it for thread @p u: the thread's own
 * first, then the process's. Lock held. */
static void take_locked(struct sigstate *s, struct uthread *u, int sig, struct ksiginfo *ki)
{
    if (u->pending & BIT(sig))
        take_next_locked(s, u->tid, sig, &u->pending, &u->info[sig - 1], ki);
    else
        take_next_locked(s, 0, sig, &s->pending, &s->info[sig - 1], ki);
}

/* @p sig with @p ki made pending in *@p pending (its first info at
 * *@p first), a real-time one behind one of its number already there
 * queued for @p tid (0: the process). Past RLIMIT_SIGPENDING a real-time
 * signal is not queued: EAGAIN for sigqueue() and the like; kill()'s
 * (SI_USER) is only pending, as on Linux, nothing more if its number
 * already is. Lock held. */
static int pend_locked(struct proc *p, int tid, int sig, const struct ksiginfo *ki, uint64_t *pending,
                       struct ksiginfo *first)
{
    struct sigstate *s = &p->sig;
    int over = over_limit(p, sig, ki);
    if (over && ki->code != SI_USER)
        return -EAGAIN;
    if (!(*pending & BIT(sig))) {
        *first = *ki;
    } else if (sig >= SIGRTMIN_K && !over && s->queued < SIGQUEUE_MAX_K) { /* each with its info */
        s->queue[s->queued].sig = sig;
        s->queue[s->queued].tid = tid;
        s->queue[s->queued++].info = *ki;
    }
    *pending |= BIT(sig);
    return 0;
}

void signal_thread_gone(struct proc *p, struct uthread *u)
{
    struct sigstate *s = &p->sig;
    unsigned k = 0;
    for (unsigned i = 0; i < s->queued; i++)
        if (s->queue[i].tid != u->tid)
            s->queue[k++] = s->queue[i];
    s->queued = k;
}

/* Every queued one of @p sig dropped (its disposition now ignores it). Lock held. */
static void drop_queued_locked(struct sigstate *s, int sig)
{
    unsigned k = 0;
    for (unsigned i = 0; i < s->queued; i++)
        if (s->queue[i].sig != sig)
            s->queue[k++] = s->queue[i];
    s->queued = k;
}

void signal_send(struct proc *p, int sig, const struct ksiginfo *ki) { signal_queue(p, sig, ki); }

int signal_queue(struct proc *p, int sig, const struct ksiginfo *ki)
{
    struct sigstate *s = &p->sig;
    int err = 0;
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    if (sig == SIGCONT) {
        s->pending &= ~STOP_SIGNALS;
        if (s->stopped) {
            s->stopped = 0; /* its thread wakes below and tells the parent */
            wq_wake_all_locked(&s->wq);
        }
    } else if (BIT(sig) & STOP_SIGNALS) {
        s->pending &= ~BIT(SIGCONT);
    }
    if (!ignored(s, sig) || blocked_by_all(p, sig)) {
        err = pend_locked(p, 0, sig, ki, &s->pending, &s->info[sig - 1]);
        wq_wake_all_locked(&s->wq);
    }
    spin_unlock_irqrestore(&s->wq.lock, f);
    proc_signalled(); /* out of wait4 */
    return err;
}

int signal_send_tid(struct proc *p, int tid, int sig, const struct ksiginfo *ki)
{
    struct sigstate *s = &p->sig;
    if (sig == SIGCONT || (BIT(sig) & STOP_SIGNALS) || sig == SIGKILL) {
        signal_send(p, sig, ki); /* these act on the whole process */
        return 0;
    }
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    struct uthread *u = NULL;
    list_for_each(n, &p->threads) {
        struct uthread *t = container_of(n, struct uthread, node);
        if (t->tid == tid)
            u = t;
    }
    int err = u ? 0 : -ESRCH;
    if (u && (!ignored(s, sig) || (u->blocked & BIT(sig)))) {
        err = pend_locked(p, u->tid, sig, ki, &u->pending, &u->info[sig - 1]);
        wq_wake_all_locked(&s->wq);
    }
    spin_unlock_irqrestore(&s->wq.lock, f);
    if (u)
        proc_signalled();
    return err;
}

int signal_timer_overrun(struct proc *p, int sig, int timerid, int n)
{
    struct sigstate *s = &p->sig;
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    struct ksiginfo *ki = NULL;
    if ((s->pending & BIT(sig)) && s->info[sig - 1].code == SI_TIMER && s->info[sig - 1].timerid == timerid)
        ki = &s->info[sig - 1];
    for (unsigned i = 0; !ki && i < s->queued; i++)
        if (s->queue[i].sig == sig && s->queue[i].info.code == SI_TIMER && s->queue[i].info.timerid == timerid)
            ki = &s->queue[i].info;
    list_for_each(m, &p->threads) {
        struct uthread *u = container_of(m, struct uthread, node);
        if (!ki && (u->pending & BIT(sig)) && u->info[sig - 1].code == SI_TIMER && u->info[sig - 1].timerid == timerid)
            ki = &u->info[sig - 1];
    }
    if (ki)
        ki->overrun = ki->overrun > 0x7fffffff - n ? 0x7fffffff : ki->overrun + n;
    spin_unlock_irqrestore(&s->wq.lock, f);
    return ki != NULL;
}

int signal_send_thread(struct proc *p, struct uthread *u, int sig, const struct ksiginfo *ki)
{
    struct sigstate *s = &p->sig;
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    if (sig == SIGCONT || (BIT(sig) & STOP_SIGNALS) || sig == SIGKILL) {
        spin_unlock_irqrestore(&s->wq.lock, f);
        signal_send(p, sig, ki); /* these act on the whole process */
        return 0;
    }
    int err = 0;
    if (!ignored(s, sig) || (u->blocked & BIT(sig))) {
        err = pend_locked(p, u->tid, sig, ki, &u->pending, &u->info[sig - 1]);
        wq_wake_all_locked(&s->wq);
    }
    spin_unlock_irqrestore(&s->wq.lock, f);
    proc_signalled();
    return err;
}

/* The signals thread @p u must act on now. Lock held. */
static uint64_t deliverable(const struct sigstate *s, const struct uthread *u)
{
    return (s->pending | u->pending) & (~u->blocked | UNBLOCKABLE);
}

/* signal_pending() of thread @p t's process @p p and struct uthread @p u. */
static int pending_of(struct proc *p, struct uthread *u)
{
    uint64_t pend = __atomic_load_n(&p->sig.pending, __ATOMIC_ACQUIRE) | __atomic_load_n(&u->pending, __ATOMIC_ACQUIRE);
    return (pend & (~__atomic_load_n(&u->blocked, __ATOMIC_RELAXED) | UNBLOCKABLE)) ||
           __atomic_load_n(&p->sig.exiting, __ATOMIC_ACQUIRE);
}

int signal_pending(void)
{
    struct thread *t = thread_current(); /* once: each call masks interrupts */
    return t && t->proc ? pending_of(t->proc, t->uthread) : 0;
}

/* Wake the signal wait queue at a deadline (signal_sleep_ns()). */
static void sleep_done(struct ktimer *t, void *arg)
{
    (void)t;
    struct sigstate *s = arg;
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    wq_wake_all_locked(&s->wq);
    spin_unlock_irqrestore(&s->wq.lock, f);
}

int signal_sleep_ns(uint64_t ns, uint64_t *left)
{
    struct sigstate *s = &proc_current()->sig;
    struct uthread *u = uthread_current();
    uint64_t end = hal_time_ns() + ns;
    for (;;) {
        struct waiter w;
        irqflags_t f = spin_lock_irqsave(&s->wq.lock);
        uint64_t now = hal_time_ns();
        int sig = deliverable(s, u) != 0 || s->exiting;
        if (!sig && now < end)
            wq_add_locked(&s->wq, &w);
        spin_unlock_irqrestore(&s->wq.lock, f);
        if (now >= end)
            return 0;
        if (sig) {
            if (left)
                *left = end - now;
            return -EINTR;
        }
        struct ktimer t;
        ktimer_init(&t, sleep_done, s);
        ktimer_arm(&t, end);
        wq_block(&w);
        ktimer_cancel(&t);
    }
}

/* ---- delivery ---- */

/* The Linux siginfo: si_signo, si_errno, si_code, then the union at 16. */
static void build_info(uint8_t out[128], int sig, const struct ksiginfo *ki)
{
    memset(out, 0, 128);
    int32_t head[3] = {sig, 0, ki->code};
    memcpy(out, head, sizeof head);
    if (ki->fault) {
        uint64_t a = ki->addr;
        memcpy(out + 16, &a, sizeof a);
    } else if (ki->code == SI_TIMER) {
        int32_t t[2] = {ki->timerid, ki->overrun}; /* si_tid, si_overrun, then si_value */
        memcpy(out + 16, t, sizeof t);
        memcpy(out + 24, &ki->value, sizeof ki->value);
    } else {
        int32_t who[3] = {ki->pid, 0 /* uid */, ki->status};
        memcpy(out + 16, who, sig == SIGCHLD ? 12 : 8);
        if (ki->code == SI_QUEUE || (ki->code < 0 && ki->code != SI_TKILL && ki->code != SI_TIMER))
            memcpy(out + 24, &ki->value, sizeof ki->value); /* sigqueue()'s si_value */
    }
}

/* Where the handler's frame goes: the alternate stack if it asked for it,
 * there is one, and the thread is not on it already; *limit is the lowest
 * address the frame may use there (the stack's base: a frame that does not
 * fit is SIGSEGV, not a write below it), else 0. */
static uintptr_t frame_sp(const struct uthread *s, const struct ksigaction *a, uintptr_t sp,
                          uintptr_t *limit)
{
    int on_alt = !(s->ss_flags & SS_DISABLE) && sp - s->ss_sp < s->ss_size;
    *limit = on_alt ? s->ss_sp : 0;
    if ((a->flags & SA_ONSTACK) && !(s->ss_flags & SS_DISABLE) && !on_alt) {
        *limit = s->ss_sp;
        return s->ss_sp + s->ss_size;
    }
    return sp;
}

/* Stopped by @p sig (0: joining a stop another thread of the process
 * began): the first tells the parent; every thread sleeps until SIGCONT,
 * SIGKILL or the process's end. */
static void stop(struct proc *p, int sig)
{
    struct sigstate *s = &p->sig;
    struct uthread *u = uthread_current();
    irqflags_t f;
    if (sig) {
        f = spin_lock_irqsave(&s->wq.lock);
        s->stopped = sig;
        wq_wake_all_locked(&s->wq); /* the other threads: out of their waits, into this one */
        spin_unlock_irqrestore(&s->wq.lock, f);
        proc_stopped(sig);
    }
    for (;;) {
        struct waiter w;
        f = spin_lock_irqsave(&s->wq.lock);
        int go = !s->stopped || ((s->pending | u->pending) & BIT(SIGKILL)) || s->exiting;
        if (!go)
            wq_add_locked(&s->wq, &w);
        spin_unlock_irqrestore(&s->wq.lock, f);
        if (go)
            break;
        wq_block(&w);
    }
    f = spin_lock_irqsave(&s->wq.lock);
    int continued = !s->stopped;
    spin_unlock_irqrestore(&s->wq.lock, f);
    if (continued && sig)
        proc_continued();
}

/* A signal whose action is to end the process; never returns. */
static void die(struct proc *p, int sig, const struct ksiginfo *ki, const struct uregs *frame)
{
    if (default_action(sig) == DFL_CORE && ki->fault)
        pr_info("pid %d (%s): %s (code %d) at address %#lx, pc %#lx", p->pid, p->name,
                signal_name(sig), ki->code, (unsigned long)ki->addr,
                (unsigned long)uregs_pc(frame));
    proc_exit(sig);
}

/* The interrupted system call: restarted, or -EINTR (set already). */
static void settle_restart(struct uthread *s, struct uregs *frame, const struct ksigaction *handler)
{
    if (!s->restart_ret)
        return;
    if (!handler || (s->restart_ret == -ERESTARTSYS && (handler->flags & SA_RESTART)))
    {
        uregs_restart_syscall(frame, s->restart_nr, s->restart_arg0);
        s->restarted = 1; /* the call, entered again, knows (nanosleep sleeps what was left) */
    }
    s->restart_ret = 0;
}

void signal_deliver(struct uregs *frame)
{
    struct proc *p = proc_current();
    struct sigstate *s = &p->sig;
    struct uthread *u = uthread_current();
    for (;;) {
        if (__atomic_load_n(&s->exiting, __ATOMIC_ACQUIRE)) {
            if (proc_exec_takeover(frame))
                continue; /* another thread's execve: this one runs the new program */
            proc_exit_thread(); /* another thread ended the process */
        }
        irqflags_t f = spin_lock_irqsave(&s->wq.lock);
        /* SIGKILL ends a stop: stop() returns for it, and so must this,
         * or a stopped process sent SIGKILL would loop here forever. */
        int group_stop = s->stopped && !((s->pending | u->pending) & BIT(SIGKILL));
        spin_unlock_irqrestore(&s->wq.lock, f);
        if (group_stop) { /* another thread stopped the process: this one too */
            stop(p, 0);
            continue;
        }
        f = spin_lock_irqsave(&s->wq.lock);
        uint64_t ready = deliverable(s, u);
        if (!ready) {
            spin_unlock_irqrestore(&s->wq.lock, f);
            break;
        }
        int sig = ready & BIT(SIGKILL) ? SIGKILL : __builtin_ctzll(ready) + 1;
        struct ksiginfo ki;
        take_locked(s, u, sig, &ki);
        struct ksigaction a = s->act[sig - 1];
        spin_unlock_irqrestore(&s->wq.lock, f);
        if (ki.code == SI_TIMER)
            ptimer_delivered(p, &ki); /* its overruns are now timer_getoverrun()'s */
        if (sig == SIGKILL || sig == SIGSTOP)
            a.handler = SIG_DFL;
        if (a.handler == SIG_IGN)
            continue;
        if (a.handler == SIG_DFL) {
            enum dfl d = default_action(sig);
            if (d == DFL_IGN)
                continue;
            if (d == DFL_STOP) {
                if (sig == SIGSTOP || !proc_pgrp_orphaned(p->pgid))
                    stop(p, sig);
                continue;
            }
            die(p, sig, &ki, frame);
        }
        /* A handler: the interrupted call's fate, then its frame. */
        settle_restart(u, frame, &a);
        uint8_t info[128];
        build_info(info, sig, &ki);
        struct thread *t = thread_current();
        irqflags_t irq = hal_irq_save();
        hal_ustate_save(t->ustate); /* the registers the frame keeps */
        hal_irq_restore(irq);
        f = spin_lock_irqsave(&s->wq.lock);
        /* The frame keeps the mask to go back to (rt_sigsuspend's caller's);
         * the handler runs under the mask in force now (rt_sigsuspend's), so
         * a signal only the old mask lets in waits for the handler's return. */
        uint64_t old = u->restore_mask ? u->saved_mask : u->blocked, now = u->blocked;
        u->restore_mask = 0;
        uintptr_t limit;
        uintptr_t sp = frame_sp(u, &a, uregs_sp(frame), &limit);
        struct hal_sigframe_args fa = {sig, info, a.handler,
                                       (a.flags & SA_RESTORER) ? a.restorer : p->sigtramp,
                                       sp, limit, old, {u->ss_sp, u->ss_flags, 0, u->ss_size}};
        spin_unlock_irqrestore(&s->wq.lock, f);
        if (hal_signal_push(frame, t->ustate, &fa) != 0) {
            pr_info("pid %d (%s): no room for %s's frame at sp %#lx", p->pid, p->name,
                    signal_name(sig), (unsigned long)fa.sp);
            proc_exit(SIGSEGV);
        }
        /* The handler starts from the ABI's initial FP/SIMD state (as Linux
         * gives x86_64 handlers: an x87 exception left pending would fault
         * again at its first x87 instruction); the frame keeps the
         * interrupted state, and the thread pointer stays. */
        /* Masked from the rewrite to the load: a switch in between would
         * store the live registers over the initial state. */
        irq = hal_irq_save();
        uintptr_t tls = hal_ustate_tls(frame, t->ustate);
        hal_ustate_init(t->ustate);
        hal_ustate_set_tls(frame, t->ustate, tls);
        sched_set_ustate(t->ustate);
        hal_irq_restore(irq);
        f = spin_lock_irqsave(&s->wq.lock);
        u->blocked = now | a.mask | ((a.flags & SA_NODEFER) ? 0 : BIT(sig));
        u->blocked &= ~UNBLOCKABLE;
        if (a.flags & SA_RESETHAND)
            s->act[sig - 1].handler = SIG_DFL;
        spin_unlock_irqrestore(&s->wq.lock, f);
    }
    /* No handler ran: an interrupted call starts again, and rt_sigsuspend's
     * mask goes back. */
    settle_restart(u, frame, NULL);
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    if (u->restore_mask) {
        u->blocked = u->saved_mask;
        u->restore_mask = 0;
    }
    spin_unlock_irqrestore(&s->wq.lock, f);
}

/* On every return to user mode: one look at the current thread, not one per test. */
int signal_work(void)
{
    struct thread *t = thread_current();
    struct proc *p = t ? t->proc : NULL;
    if (!p)
        return 0;
    struct uthread *u = t->uthread;
    return pending_of(p, u) || u->restart_ret || u->restore_mask ||
           __atomic_load_n(&p->sig.stopped, __ATOMIC_RELAXED);
}

void signal_syscall_interrupted(long ret, long nr, uint64_t arg0)
{
    struct uthread *s = uthread_current();
    s->restart_ret = ret;
    s->restart_nr = nr;
    s->restart_arg0 = arg0;
}

void signal_fault(struct uregs *frame, int sig, int code, uintptr_t addr)
{
    struct proc *p = proc_current();
    struct sigstate *s = &p->sig;
    struct uthread *u = uthread_current();
    struct ksiginfo ki = {.code = code, .fault = 1, .addr = addr};
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    /* Blocked or ignored, a fault cannot be: the process goes (Linux's
     * force_sig): running on past the instruction is impossible. */
    int handled = s->act[sig - 1].handler > SIG_IGN && !(u->blocked & BIT(sig));
    if (handled) {
        u->info[sig - 1] = ki;
        u->pending |= BIT(sig);
    }
    spin_unlock_irqrestore(&s->wq.lock, f);
    if (!handled) {
        hal_irq_enable();
        pr_info("pid %d (%s): %s (%s) at address %#lx, pc %#lx", p->pid, p->name,
                signal_name(sig), signal_code_name(sig, code), (unsigned long)addr,
                (unsigned long)uregs_pc(frame));
        proc_exit(sig);
    }
}

/* ---- system calls ---- */

/* struct sigaction as the arch's Linux ABI has it: with sa_restorer
 * between flags and mask (x86_64, arm64), or without (riscv64). */
struct usigaction {
    uint64_t handler, flags;
#ifdef ARCH_SA_RESTORER
    uint64_t restorer;
#endif
    uint64_t mask;
};

long sys_rt_sigaction(const uint64_t a[6])
{
    long sig = (long)a[0];
    if (a[3] != sizeof(uint64_t) || !valid_sig(sig))
        return -EINVAL;
    struct usigaction in;
    if (a[1] && copy_from_user(&in, (const void *)(uintptr_t)a[1], sizeof in))
        return -EFAULT;
    if (a[1] && (sig == SIGKILL || sig == SIGSTOP))
        return -EINVAL;
    struct sigstate *s = &proc_current()->sig;
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    struct ksigaction old = s->act[sig - 1];
    spin_unlock_irqrestore(&s->wq.lock, f);
    if (a[2]) {
        struct usigaction out = {.handler = old.handler, .flags = old.flags, .mask = old.mask};
#ifdef ARCH_SA_RESTORER
        out.restorer = old.restorer;
#endif
        if (copy_to_user((void *)(uintptr_t)a[2], &out, sizeof out))
            return -EFAULT;
    }
    if (!a[1])
        return 0;
    struct ksigaction n = {in.handler, in.flags & SA_KNOWN, 0, in.mask & ~UNBLOCKABLE};
#ifdef ARCH_SA_RESTORER
    n.restorer = in.restorer;
#else
    n.flags &= ~(uint64_t)SA_RESTORER;
#endif
    f = spin_lock_irqsave(&s->wq.lock);
    s->act[sig - 1] = n;
    if (ignored(s, (int)sig)) { /* POSIX: a pending signal now ignored is dropped */
        s->pending &= ~BIT(sig);
        drop_queued_locked(s, (int)sig);
        list_for_each(n, &proc_current()->threads)
            container_of(n, struct uthread, node)->pending &= ~BIT(sig);
    }
    spin_unlock_irqrestore(&s->wq.lock, f);
    return 0;
}

long sys_rt_sigprocmask(const uint64_t a[6])
{
    if (a[3] != sizeof(uint64_t))
        return -EINVAL;
    uint64_t set = 0;
    if (a[1]) {
        if (a[0] > SIG_SETMASK)
            return -EINVAL;
        if (copy_from_user(&set, (const void *)(uintptr_t)a[1], sizeof set))
            return -EFAULT;
    }
    struct sigstate *s = &proc_current()->sig;
    struct uthread *u = uthread_current();
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    uint64_t old = u->blocked;
    if (a[1]) {
        uint64_t b = a[0] == SIG_BLOCK ? old | set : a[0] == SIG_UNBLOCK ? old & ~set : set;
        u->blocked = b & ~UNBLOCKABLE;
    }
    spin_unlock_irqrestore(&s->wq.lock, f);
    if (a[2] && copy_to_user((void *)(uintptr_t)a[2], &old, sizeof old))
        return -EFAULT;
    return 0;
}

long sys_rt_sigpending(const uint64_t a[6])
{
    if (a[1] != sizeof(uint64_t))
        return -EINVAL;
    struct sigstate *s = &proc_current()->sig;
    struct uthread *u = uthread_current();
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    uint64_t set = (s->pending | u->pending) & u->blocked;
    spin_unlock_irqrestore(&s->wq.lock, f);
    return copy_to_user((void *)(uintptr_t)a[0], &set, sizeof set) ? -EFAULT : 0;
}

void signal_mask_for_call(uint64_t mask)
{
    struct sigstate *s = &proc_current()->sig;
    struct uthread *u = uthread_current();
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    u->saved_mask = u->blocked;
    u->restore_mask = 1;
    u->blocked = mask & ~UNBLOCKABLE;
    spin_unlock_irqrestore(&s->wq.lock, f);
}

void signal_mask_after_call(long ret)
{
    if (ret == -ERESTARTNOHAND || ret == -ERESTARTSYS || ret == -EINTR)
        return; /* delivery puts it back, after the handler ran with the call's mask */
    struct sigstate *s = &proc_current()->sig;
    struct uthread *u = uthread_current();
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    if (u->restore_mask) {
        u->blocked = u->saved_mask;
        u->restore_mask = 0;
    }
    spin_unlock_irqrestore(&s->wq.lock, f);
}

long sys_rt_sigsuspend(const uint64_t a[6])
{
    if (a[1] != sizeof(uint64_t))
        return -EINVAL;
    uint64_t set;
    if (copy_from_user(&set, (const void *)(uintptr_t)a[0], sizeof set))
        return -EFAULT;
    struct sigstate *s = &proc_current()->sig;
    struct uthread *u = uthread_current();
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    u->saved_mask = u->blocked;
    u->restore_mask = 1;
    u->blocked = set & ~UNBLOCKABLE;
    for (;;) {
        if (deliverable(s, u) || s->exiting)
            break;
        struct waiter w;
        wq_add_locked(&s->wq, &w);
        spin_unlock_irqrestore(&s->wq.lock, f);
        wq_block(&w);
        f = spin_lock_irqsave(&s->wq.lock);
    }
    spin_unlock_irqrestore(&s->wq.lock, f);
    return -ERESTARTNOHAND; /* -EINTR once a handler ran; else it waits again */
}

/* A siginfo from user memory (rt_sigqueueinfo()): what a sender may put
 * in one. Linux refuses codes >= 0 and SI_TKILL from another process
 * (they would pose as kill() or the kernel). */
static long info_from_user(uint64_t uinfo, int to_self, struct ksiginfo *ki)
{
    struct {
        int32_t signo, errno_, code, pad;
        int32_t pid, uid;
        uint64_t value;
    } in;
    if (copy_from_user(&in, (const void *)(uintptr_t)uinfo, sizeof in))
        return -EFAULT;
    if ((in.code >= 0 || in.code == SI_TKILL) && !to_self)
        return -EPERM;
    *ki = (struct ksiginfo){.code = in.code, .pid = in.pid, .value = in.value};
    return 0;
}

long sys_rt_sigqueueinfo(const uint64_t a[6])
{
    int pid = (int)a[0], sig = (int)a[1];
    if (sig && !valid_sig(sig))
        return -EINVAL; /* 0: the checks alone, as kill(pid, 0) */
    struct ksiginfo ki;
    long e = info_from_user(a[2], pid == proc_current()->pid, &ki);
    return e ? e : proc_signal_info(pid, sig, &ki);
}

long sys_rt_tgsigqueueinfo(const uint64_t a[6])
{
    int tgid = (int)a[0], tid = (int)a[1], sig = (int)a[2];
    if ((sig && !valid_sig(sig)) || tgid <= 0 || tid <= 0)
        return -EINVAL;
    struct proc *me = proc_current();
    struct ksiginfo ki;
    long e = info_from_user(a[3], tgid == me->pid, &ki);
    if (e)
        return e;
    return proc_signal_thread_info(tgid, tid, sig, &ki);
}

long signal_take(uint64_t set, uint64_t deadline, struct ksiginfo *ki)
{
    struct proc *p = proc_current();
    struct sigstate *s = &p->sig;
    struct uthread *u = uthread_current();
    int sig = 0;
    long r = 0;
    set &= ~UNBLOCKABLE;
    for (;;) {
        struct waiter w;
        irqflags_t f = spin_lock_irqsave(&s->wq.lock);
        uint64_t ready = (u->pending | s->pending) & set;
        if (ready) {
            sig = __builtin_ctzll(ready) + 1;
            take_locked(s, u, sig, ki);
        } else if ((deliverable(s, u) & ~set) || s->exiting) {
            r = -EINTR; /* its handler runs on the way out */
        } else if (hal_time_ns() >= deadline) {
            r = -EAGAIN;
        } else {
            wq_add_locked(&s->wq, &w);
        }
        spin_unlock_irqrestore(&s->wq.lock, f);
        if (sig || r)
            break;
        if (deadline == UINT64_MAX) {
            wq_block(&w);
        } else {
            struct ktimer t;
            ktimer_init(&t, sleep_done, s);
            ktimer_arm(&t, deadline);
            wq_block(&w);
            ktimer_cancel(&t);
        }
    }
    if (r)
        return r;
    if (ki->code == SI_TIMER)
        ptimer_delivered(p, ki);
    return sig;
}

uint64_t signal_pending_set(void)
{
    struct sigstate *s = &proc_current()->sig;
    return __atomic_load_n(&s->pending, __ATOMIC_ACQUIRE) |
           __atomic_load_n(&uthread_current()->pending, __ATOMIC_ACQUIRE);
}

struct waitqueue *signal_waitqueue(void) { return &proc_current()->sig.wq; }

/* rt_sigtimedwait(set, info, timeout, size): a signal of @p set taken
 * without its handler: its number, its siginfo to *info; EAGAIN when the
 * timeout passes first (a zero timeout: a poll), EINTR when another signal
 * is to be handled. SIGKILL and SIGSTOP are never waited for. */
long sys_rt_sigtimedwait(const uint64_t a[6])
{
    if (a[3] != sizeof(uint64_t))
        return -EINVAL;
    uint64_t set;
    if (copy_from_user(&set, (const void *)(uintptr_t)a[0], sizeof set))
        return -EFAULT;
    uint64_t deadline = UINT64_MAX;
    if (a[2]) {
        struct {
            int64_t sec, nsec;
        } ts;
        if (copy_from_user(&ts, (const void *)(uintptr_t)a[2], sizeof ts))
            return -EFAULT;
        if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
            return -EINVAL;
        uint64_t ns = (uint64_t)ts.sec > 100000000u ? 100000000ull * NSEC_PER_SEC
                                                    : (uint64_t)ts.sec * NSEC_PER_SEC + (uint64_t)ts.nsec;
        deadline = hal_time_ns() + ns;
    }
    struct ksiginfo ki;
    long sig = signal_take(set, deadline, &ki);
    if (sig > 0 && a[1]) {
        uint8_t info[128];
        build_info(info, (int)sig, &ki);
        if (copy_to_user((void *)(uintptr_t)a[1], info, sizeof info))
            return -EFAULT;
    }
    return sig;
}

long sys_rt_sigreturn(const uint64_t a[6])
{
    (void)a;
    struct uregs *frame = user_frame();
    struct thread *t = thread_current();
    uint64_t mask;
    /* The live state first: what the frame does not hold (arm64's
     * TPIDR_EL0, which a handler may have set) stays as it is now. The
     * frame is read into a copy (reading user memory may fault and
     * sleep), which goes into the thread's state and the CPU with
     * interrupts masked: a switch storing the live registers (the
     * handler's) over the restored ones in between would lose them. */
    struct ustate st;
    irqflags_t irq = hal_irq_save();
    hal_ustate_save(t->ustate);
    memcpy(&st, t->ustate, sizeof st);
    hal_irq_restore(irq);
    if (hal_signal_pop(frame, &st, &mask) != 0) {
        struct proc *p = proc_current();
        pr_info("pid %d (%s): rt_sigreturn without a signal frame at sp %#lx", p->pid, p->name,
                (unsigned long)uregs_sp(frame));
        proc_exit(SIGSEGV);
    }
    irq = hal_irq_save();
    memcpy(t->ustate, &st, sizeof st);
    sched_set_ustate(t->ustate); /* the restored FP/SIMD registers, into the CPU */
    hal_irq_restore(irq);
    struct sigstate *s = &proc_current()->sig;
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    uthread_current()->blocked = mask & ~UNBLOCKABLE;
    spin_unlock_irqrestore(&s->wq.lock, f);
    return uregs_return(frame); /* leaves the restored register as it is */
}

long sys_sigaltstack(const uint64_t a[6])
{
    struct sigstate *ps = &proc_current()->sig;
    struct uthread *s = uthread_current();
    uintptr_t sp = uregs_sp(user_frame());
    struct linux_stack in;
    if (a[0] && copy_from_user(&in, (const void *)(uintptr_t)a[0], sizeof in))
        return -EFAULT;
    irqflags_t f = spin_lock_irqsave(&ps->wq.lock);
    int on = !(s->ss_flags & SS_DISABLE) && sp - s->ss_sp < s->ss_size;
    struct linux_stack old = {s->ss_sp, on ? SS_ONSTACK : s->ss_flags, 0, s->ss_size};
    long e = 0;
    if (a[0]) {
        uint32_t mode = (uint32_t)in.flags & ~SS_AUTODISARM;
        if (on)
            e = -EPERM;
        else if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE)
            e = -EINVAL; /* SS_ONSTACK: as 0, which old programs pass */
        else if (mode == SS_DISABLE)
            s->ss_sp = s->ss_size = 0, s->ss_flags = SS_DISABLE;
        else if (in.size < MINSIGSTKSZ)
            e = -ENOMEM;
        else
            s->ss_sp = in.sp, s->ss_size = in.size, s->ss_flags = 0;
    }
    spin_unlock_irqrestore(&ps->wq.lock, f);
    if (!e && a[1] && copy_to_user((void *)(uintptr_t)a[1], &old, sizeof old))
        e = -EFAULT;
    return e;
}

/* tgkill(tgid, tid, sig) and tkill(tid, sig): to that thread alone. */
static long thread_kill(long tgid, long tid, long sig)
{
    if (tid <= 0 || (tgid != -1 && tgid <= 0) || sig < 0 || sig > NSIG_MAX)
        return -EINVAL;
    return proc_signal_thread((int)tgid, (int)tid, (int)sig, SI_TKILL);
}

long sys_tgkill(const uint64_t a[6]) { return thread_kill((long)a[0], (long)a[1], (long)a[2]); }

long sys_tkill(const uint64_t a[6]) { return thread_kill(-1, (long)a[0], (long)a[1]); }

void signal_child_exit(struct proc *parent, int pid, int status)
{
    struct ksiginfo ki = {.code = (status & 0x7f) ? CLD_KILLED : CLD_EXITED, .pid = pid,
                          .status = (status & 0x7f) ? status & 0x7f : (status >> 8) & 0xff};
    signal_send(parent, SIGCHLD, &ki);
}

void signal_child_stop(struct proc *parent, int pid, int sig, int cont)
{
    if (parent->sig.act[SIGCHLD - 1].flags & SA_NOCLDSTOP)
        return;
    struct ksiginfo ki = {.code = cont ? CLD_CONTINUED : CLD_STOPPED, .pid = pid, .status = sig};
    signal_send(parent, SIGCHLD, &ki);
}

int signal_child_autoreap(const struct proc *parent)
{
    const struct ksigaction *a = &parent->sig.act[SIGCHLD - 1];
    return a->handler == SIG_IGN || (a->flags & SA_NOCLDWAIT);
}
