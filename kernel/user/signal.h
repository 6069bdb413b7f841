/**
 * @file signal.h
 * @brief Inside kernel/user/: signals (signal.c) as the process code and
 *        the system-call table use them. kernel/proc.h has the part the
 *        rest of the kernel sends signals with.
 */
#ifndef KERNEL_USER_SIGNAL_H
#define KERNEL_USER_SIGNAL_H

#include <kernel/proc.h>
#include <stdint.h>

struct uregs;

/** @brief A new thread's signal state: the mask and alternate stack of @p from (NULL: none). */
void signal_thread_init(struct uthread *u, const struct uthread *from);
/** @brief Send @p sig to thread @p u of @p p alone (tgkill, tkill). */
int signal_send_thread(struct proc *p, struct uthread *u, int sig, const struct ksiginfo *ki);
/**
 * Take a pending signal of @p set (never SIGKILL or SIGSTOP) for the
 * current thread without its handler, the lowest number first, its own
 * before its process's: its number, its info in *@p ki. Waits until
 * hal_time_ns() reaches @p deadline (0: no wait; UINT64_MAX: none):
 * -EAGAIN then; -EINTR once another signal is to be acted on.
 */
long signal_take(uint64_t set, uint64_t deadline, struct ksiginfo *ki);
/** The signals pending for the current thread (its own and its process's), bit n-1 for n. */
uint64_t signal_pending_set(void);
/** The queue a signal sent to the current process wakes (poll()'s). */
struct waitqueue *signal_waitqueue(void);
/** Thread @p u of @p p ends: what was queued for it alone goes. p->sig.wq.lock held. */
void signal_thread_gone(struct proc *p, struct uthread *u);
/** signal_send() that says whether it was queued: -EAGAIN for a real-time signal past RLIMIT_SIGPENDING. */
int signal_queue(struct proc *p, int sig, const struct ksiginfo *ki);
/** Send @p sig with @p ki to the thread of @p p whose id is @p tid; -ESRCH if none. Any context. */
int signal_send_tid(struct proc *p, int tid, int sig, const struct ksiginfo *ki);
/** A POSIX timer's signal @p sig is still pending: count @p n more overruns into it; 0 if it is
 *  not pending (it was ignored, say). Any context. */
int signal_timer_overrun(struct proc *p, int sig, int timerid, int n);
/** A timer's signal (SI_TIMER) was taken for delivery: timer_getoverrun() answers its overruns now. */
void ptimer_delivered(struct proc *p, const struct ksiginfo *ki);
/** execve(): the POSIX timers go, the interval timer stays. */
void ptimer_exec(struct proc *p);
/** The process ends: every timer disarmed and freed. */
void ptimer_exit(struct proc *p);
/** Nonzero if @p p has a thread with id @p tid. */
int proc_has_thread(struct proc *p, int tid);
/** @brief A new process's signal state: @p parent's dispositions and mask (fork), or none. */
void signal_proc_init(struct proc *p, const struct proc *parent);
/** @brief execve(): handlers back to SIG_DFL (SIG_IGN stays), no alternate stack. */
void signal_exec(struct proc *p);
/** @brief Nonzero if the way back to user mode has signal work (a signal, a restart, a mask to restore). */
int signal_work(void);
/** @brief Act on the current process's signals before it returns to user mode with @p frame. */
void signal_deliver(struct uregs *frame);
/** @brief A system call returned -ERESTART* (@p ret): remember it (number @p nr, first argument @p arg0) for delivery. */
void signal_syscall_interrupted(long ret, long nr, uint64_t arg0);
/** @brief A fault in user mode: to its handler if it has one and it is not blocked; else the process ends. */
void signal_fault(struct uregs *frame, int sig, int code, uintptr_t addr);
/** @brief Tell @p parent a child (@p pid, wait status @p status) ended: SIGCHLD. */
void signal_child_exit(struct proc *parent, int pid, int status);
/** @brief ppoll()/pselect6()'s mask: the current thread's mask is @p mask
 *         for the call (signal_mask_after_call() or delivery puts it back). */
void signal_mask_for_call(uint64_t mask);
/** @brief The call (result @p ret) is over: its mask goes, unless a signal
 *         interrupted it (then delivery restores it after the handler). */
void signal_mask_after_call(long ret);
/** @brief Tell @p parent a child (@p pid) stopped for @p sig (@p cont 0) or continued (1): SIGCHLD
 *         with CLD_STOPPED or CLD_CONTINUED, unless the parent asked SA_NOCLDSTOP. */
void signal_child_stop(struct proc *parent, int pid, int sig, int cont);
/** @brief Nonzero if @p parent's children are reaped for it (SIGCHLD ignored, or SA_NOCLDWAIT). */
int signal_child_autoreap(const struct proc *parent);

/* proc.c's, for signal.c. */
/** @brief Wake wait4()'s waiters, so one a signal came for returns. */
void proc_signalled(void);
/** @brief Send @p sig to process @p pid from the current one with si_code @p code; 0 or -ESRCH. */
int proc_signal(int pid, int sig, int code);
/** @brief Send @p sig to thread @p tid (of process @p tgid, -1: any); 0 or -ESRCH. */
int proc_signal_thread(int tgid, int tid, int sig, int code);
/** Send @p sig with @p ki to running process @p pid for what it asked
 *  itself (a message queue's notification): no permission check; 0 or -ESRCH. */
int proc_signal_for(int pid, int sig, const struct ksiginfo *ki);
/** proc_signal_thread() with a whole siginfo @p ki (rt_tgsigqueueinfo): 0, -ESRCH, -EAGAIN (queue full). */
int proc_signal_thread_info(int tgid, int tid, int sig, const struct ksiginfo *ki);
/** @brief The current thread ends because its process does (exit_group elsewhere, a fatal signal). */
__attribute__((noreturn)) void proc_exit_thread(void);
/** @brief exit(): the current thread ends; the last one ends the process with @p status.
 *  Returns (0) only to the first thread, when another thread's execve()
 *  gave it the new program to run (proc_exec_takeover()). */
long proc_thread_exit(int status);
/**
 * @brief clone() of a thread (CLONE_VM | CLONE_THREAD ...): a new thread of
 *        the current process returning 0 from the call of @p frame, on stack
 *        @p newsp, with thread pointer *@p tls if not NULL; its tid written to
 *        @p ptid / @p ctid as asked, and @p ctid cleared at its end if asked.
 * @return its tid, or a negative errno
 */
int proc_clone_thread(struct uregs *frame, uintptr_t newsp, const uintptr_t *tls, uintptr_t ptid,
                      uintptr_t ctid, int set_ptid, int set_ctid, int clear_ctid);
/** @brief setpgid(): 0 or -errno. */
long proc_setpgid(int pid, int pgid);
/** @brief getpgid() (@p sid 0) or getsid() (1) of @p pid (0: the caller), or -ESRCH. */
long proc_getid(int pid, int sid);
/** @brief setsid(): the new session's id, or -EPERM. */
long proc_setsid(void);
/** @brief The name of fault code @p code of @p sig ("SEGV_MAPERR"). */
const char *signal_code_name(int sig, int code);
/* exec.c's, for signal.c and proc.c. */
/**
 * @brief The first thread's part of an execve() another thread made: once
 *        every other thread is gone, the new program replaces the old in
 *        @p frame, with the first thread's id (the process's, as Linux's
 *        de_thread() leaves it).
 * @return 1 if it did (the caller returns to user mode with @p frame), 0 if
 *         there was none, or the caller is not the first thread
 */
int proc_exec_takeover(struct uregs *frame);
/* syscall.c's. */
/** @brief The current system call's user frame. */
struct uregs *user_frame(void);

/* The system calls. */
long sys_rt_sigaction(const uint64_t a[6]);
long sys_rt_sigprocmask(const uint64_t a[6]);
long sys_rt_sigpending(const uint64_t a[6]);
long sys_rt_sigsuspend(const uint64_t a[6]);
long sys_rt_sigtimedwait(const uint64_t a[6]);
long sys_rt_sigqueueinfo(const uint64_t a[6]);
long sys_rt_tgsigqueueinfo(const uint64_t a[6]);
long sys_rt_sigreturn(const uint64_t a[6]);
long sys_sigaltstack(const uint64_t a[6]);
long sys_tgkill(const uint64_t a[6]);
long sys_tkill(const uint64_t a[6]);

#endif
