/*
 * sys.h: the system-call table's entry, shared by the files that implement
 * calls (syscall.c, fs_syscalls.c). Private to kernel/user/.
 */
#ifndef KERNEL_USER_SYS_H
#define KERNEL_USER_SYS_H

#include <hal/uregs.h> /* the arch's SYSNR_* (<arch/user_abi.h>) */
#include <stddef.h>
#include <stdint.h>

typedef long (*sys_fn)(const uint64_t a[6]);

struct sysent {
    long nr;
    sys_fn fn;
    const char *name;
};

/** One entry: SYSNR_<n> served by sys_<n>. */
#define SYSENT(n) {SYSNR_##n, sys_##n, #n}

/** The file-system calls (fs_syscalls.c), and how many. */
extern const struct sysent sys_fs_table[];
extern const unsigned sys_fs_count;
struct file;
/** Install @p f at the caller's lowest free descriptor under RLIMIT_NOFILE
 *  (fs_syscalls.c): the descriptor, or an errno with @p f put. */
long sys_install_fd(struct file *f, int cloexec);

/** sendfile and copy_file_range (fs_copy.c), and how many. */
extern const struct sysent sys_copy_table[];
extern const unsigned sys_copy_count;
/** The timer calls (timers.c), and how many. */
extern const struct sysent sys_timer_table[];
extern const unsigned sys_timer_count;
/** timerfd_create() and the rest (timerfd.c), and how many. */
extern const struct sysent sys_timerfd_table[];
extern const unsigned sys_timerfd_count;
/** signalfd (signalfd.c), and how many. */
extern const struct sysent sys_signalfd_table[];
extern const unsigned sys_signalfd_count;

/** poll, ppoll, select, pselect6 (poll.c), and how many. */
extern const struct sysent sys_poll_table[];
extern const unsigned sys_poll_count;
/** The epoll calls (epoll.c), and how many. */
extern const struct sysent sys_epoll_table[];
extern const unsigned sys_epoll_count;
/** eventfd, eventfd2 (eventfd.c), and how many. */
extern const struct sysent sys_eventfd_table[];
extern const unsigned sys_eventfd_count;
/** syslog, glibc's klogctl (syslog.c), and how many. */
extern const struct sysent sys_syslog_table[];
extern const unsigned sys_syslog_count;
/** A relative timeout of @p sec, @p nsec as a hal_time_ns() deadline (poll.c);
 *  0 for a zero timeout (look once), very long ones cut to about 3 years. */
uint64_t poll_deadline_after(int64_t sec, int64_t nsec);
/** The call runs under the signal mask at @p umask of @p size bytes (poll.c):
 *  1 (signal_mask_after_call() when it ends), 0 (none given), -EINVAL, -EFAULT. */
long poll_mask_for_call(uint64_t umask, uint64_t size);
/** getuid and the set*id calls (cred.c), and how many. */
extern const struct sysent sys_cred_table[];
extern const unsigned sys_cred_count;
/** A CPU-time clock's reading (syscall.c): CLOCK_PROCESS_CPUTIME_ID,
 *  CLOCK_THREAD_CPUTIME_ID, or Linux's negative id of another process's or
 *  thread's: 0, or -EINVAL (no such clock, process or thread). */
int clock_cpu_ns(int64_t clk, uint64_t *ns);
/** sched_setscheduler and its family, mlock and its (sched_calls.c), and how many. */
extern const struct sysent sys_sched_table[];
extern const unsigned sys_sched_count;

/** The socket calls (net_calls.c), and how many. */
extern const struct sysent sys_net_table[];
extern const unsigned sys_net_count;
/** The POSIX message queue calls (mqueue.c), and how many. */
extern const struct sysent sys_mq_table[];
extern const unsigned sys_mq_count;
/** times() and getrusage() (rusage.c), and how many. */
extern const struct sysent sys_rusage_table[];
extern const unsigned sys_rusage_count;
/** shmget, shmat, shmdt, shmctl (sysv_shm.c), and how many. */
extern const struct sysent sys_shm_table[];
extern const unsigned sys_shm_count;

/* A periodic timer that expired at @p expires (<= @p now) with period
 * @p interval: its next deadline, never closer than @p min_ns to @p now,
 * and in *@p skipped the periods passed over to keep it so (timers.c's
 * overruns, timerfd's extra counts). */
static inline uint64_t period_next(uint64_t expires, uint64_t interval, uint64_t now, uint64_t min_ns,
                                   uint64_t *skipped)
{
    uint64_t next = expires + interval;
    *skipped = next < now + min_ns ? (now + min_ns - next + interval - 1) / interval : 0;
    return next + *skipped * interval;
}

#endif
