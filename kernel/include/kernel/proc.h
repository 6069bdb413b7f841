/**
 * @file kernel/proc.h
 * @brief Processes: a user address space, its threads (scheduler threads
 *        with a user part), its exit status and its parent.
 *
 * The first slice of user mode: one thread a process, static executables
 * loaded from memory (an embedded test program or an initrd file), the
 * console as standard output. kernel/user/ implements it; hal/user.h is
 * the arch's part.
 */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include <kernel/task.h> /* struct proc_info, PROC_NAME_MAX */
#include <kernel/list.h>
#include <kernel/vfs.h>
#include <kernel/wait.h>
#include <stddef.h>
#include <stdint.h>

struct uspace;
struct uregs;

#define PROC_MIN 64        /**< processes alive at once, at least (proc_limit()) */
#define PROC_MAX 4096      /**< and at most, however large the memory */
#define EXEC_ARG_STRLEN (32u * 4096) /**< one argument or environment string's bytes, NUL included, at most (Linux's MAX_ARG_STRLEN) */
#define EXEC_ARGS_MIN (32u * 4096)   /**< execve's strings and their pointers may take a quarter of RLIMIT_STACK, but at least this (Linux's ARG_MAX) */
#define EXEC_ARGS_CAP (6u << 20)     /**< and at most this (three quarters of Linux's _STK_LIM, its cap) */

#define NSIG_MAX 64 /**< signals 1..64, as Linux numbers them */

/** @brief What a pending signal carries into its siginfo. */
struct ksiginfo {
    int code;       /**< si_code: SI_USER, SI_TKILL, a fault's, CLD_* */
    int pid;        /**< the sender, or the child (SIGCHLD) */
    int status;     /**< SIGCHLD: the exit code or the signal */
    int fault;      /**< nonzero: a fault's signal, whose union holds addr */
    uintptr_t addr; /**< a fault's address */
    int timerid;    /**< SI_TIMER: the timer (timer_create()'s id) */
    int overrun;    /**< SI_TIMER: expirations its signal stood for beyond the first */
    uint64_t value; /**< SI_TIMER, SI_QUEUE (sigqueue()): si_value */
};

/** @brief One signal's disposition (rt_sigaction()). */
struct ksigaction {
    uintptr_t handler;  /**< SIG_DFL (0), SIG_IGN (1) or the handler's address */
    uint64_t flags;     /**< SA_* */
    uintptr_t restorer; /**< with SA_RESTORER: where the handler returns */
    uint64_t mask;      /**< blocked while the handler runs (bit n-1: signal n) */
};

#define SIGRTMIN_K 32  /**< the first real-time signal (the C library keeps 32 and 33 for itself) */
#define SIGQUEUE_MAX_K 64 /**< real-time signals a process may have queued (RLIMIT_SIGPENDING) */

/** @brief A real-time signal queued behind the one of its number that is pending. */
struct sigq_entry {
    int sig;              /**< its number */
    int tid;              /**< 0: sent to the process; else to its thread of this id (tgkill, rt_tgsigqueueinfo) */
    struct ksiginfo info; /**< what it carries */
};

/** @brief A process's signals, shared by its threads (kernel/user/signal.c);
 *         wq.lock guards every field, and every thread's struct uthread signal
 *         fields and the process's thread list. */
struct sigstate {
    struct waitqueue wq;             /**< its threads wait here for a signal (nanosleep, sigsuspend, a pipe) */
    uint64_t pending;                /**< bit n-1: signal n was sent to the process and not yet delivered */
    struct ksigaction act[NSIG_MAX]; /**< dispositions */
    struct ksiginfo info[NSIG_MAX];  /**< what the first pending one of each number carries */
    struct sigq_entry queue[SIGQUEUE_MAX_K]; /**< real-time ones after the first, in the order sent */
    unsigned queued;                 /**< entries of queue in use */
    int stopped;                     /**< the stop signal its threads are stopped by; 0: not stopped */
    int exiting;                     /**< exit_group() or a fatal signal: every thread ends */
};

/** @brief One thread of a process: its id and its own part of the signal state. */
struct uthread {
    int tid;                         /**< its thread id (the process's pid for the first) */
    int sched_tid;                   /**< the scheduler thread that runs it */
    struct list_node node;           /**< in its process's threads */
    uint64_t pending;                /**< signals sent to this thread (tgkill, its faults) */
    int vfork_wait;                  /**< its vfork() child has not yet called execve() or ended */
    struct ksiginfo info[NSIG_MAX];  /**< what they carry */
    uint64_t blocked;                /**< its mask */
    uint64_t saved_mask;             /**< rt_sigsuspend's: restored once a handler ran */
    int restore_mask;                /**< saved_mask is to be put back */
    uintptr_t ss_sp;                 /**< sigaltstack: base, */
    uint64_t ss_size;                /**< size, */
    int ss_flags;                    /**< SS_DISABLE when there is none */
    long restart_ret;                /**< a system call ended -ERESTART*: restart it, or -EINTR */
    long restart_nr;                 /**< its number */
    uint64_t restart_arg0;           /**< and first argument */
    uintptr_t clear_tid;             /**< CLONE_CHILD_CLEARTID / set_tid_address(): zeroed and woken at its end */
    uintptr_t robust_list;           /**< set_robust_list()'s head: its futexes are marked OWNER_DIED at its end */
    int restarted;                   /**< delivery restarted its interrupted call (set until that call's entry) */
    int in_restart;                  /**< the current call is such a restart */
    uint64_t sleep_deadline;         /**< an interrupted nanosleep's end: its restart sleeps until then */
    int policy;                      /**< SCHED_OTHER (0), SCHED_FIFO, ... (kernel/user/sched_calls.c) */
    int rt_prio;                     /**< its real-time priority, 1..99 for SCHED_FIFO/SCHED_RR, else 0 */
    int reset_on_fork;               /**< SCHED_RESET_ON_FORK: children start as SCHED_OTHER */
    struct thread *kthread;          /**< the scheduler thread that runs it, once it started (its CPU clock) */
    struct proc *owner;              /**< its process */
    struct list_node tid_node;       /**< in the id table (kernel/user/proc.c), while in owner's threads (procs_lock) */
    uintptr_t ok_page;               /**< a user page a copy found accessible (kernel/user/proc.c, prefault_current()), */
    unsigned ok_access;              /**< for what (UFAULT_WRITE or 0), */
    uint64_t ok_space;               /**< in which space (its vm_aspace id, never reused; 0: none), */
    uint64_t ok_gen;                 /**< and that space's tlb_gen then: any narrowing since bumped it */
};

#define RLIM_NLIMITS 16 /**< RLIMIT_CPU ... RLIMIT_RTTIME */
#define RLIM_INFINITY (~0ull) /**< no limit */

/** @brief A resource limit (struct rlimit64). */
struct rlimit_u {
    uint64_t cur; /**< the soft limit, what is enforced */
    uint64_t max; /**< the hard limit, the most cur may be raised to */
};

/** @brief Where a process is in its life. */
enum proc_state { PROC_RUNNING, PROC_ZOMBIE };

/** @brief A process. */
struct proc {
    int pid;                   /**< > 0; never reused while the struct lives */
    char name[PROC_NAME_MAX];  /**< the executable's last path element */
    enum proc_state state;     /**< running, or exited and not yet reaped */
    int status;                /**< with PROC_ZOMBIE: the wait status (code << 8, or the signal) */
    struct uspace *us;         /**< its address space */
    struct proc *parent;       /**< NULL: started by the kernel (proc_wait() reaps it) or orphaned */
    int orphan;                /**< its parent ended first: the kernel's reaper reaps it */
    struct list_node children; /**< its children, running or zombie */
    struct list_node sibling;  /**< in its parent's children */
    int tid;                   /**< its first thread's scheduler id (reaping joins it) */
    struct uthread main;       /**< its first thread (tid = pid) */
    struct exec_next *exec_next; /**< an execve() from another thread, for the first to finish */
    struct list_node threads;  /**< its threads (struct uthread), main first; sig.wq.lock */
    unsigned nthreads;         /**< threads alive (sig.wq.lock) */
    int ended_tid;             /**< scheduler id of the last other thread to end, not yet joined (sig.wq.lock) */
    uint64_t dead_cpu_ns;      /**< CPU time of its threads that ended (sig.wq.lock) */
    uint64_t child_cpu_ns;     /**< CPU time of its reaped children and of theirs (procs_lock) */
    int exit_status;           /**< with threads: the wait status the process ends with */
    int pgid;                  /**< its process group (job control) */
    int sid;                   /**< its session */
    int stop_report;           /**< stopped by this signal, not yet told to wait4(WUNTRACED) (procs_lock) */
    int cont_report;           /**< continued, not yet told to wait4(WCONTINUED) (procs_lock) */
    struct sigstate sig;       /**< its signals: dispositions, mask, pending */
    struct completion exited;  /**< done when it became a zombie */
    uint64_t syscalls;         /**< system calls it made */
    uintptr_t brk_start;       /**< the heap's first byte (end of the loaded image) */
    uintptr_t brk;             /**< the heap's current end (brk()) */
    uintptr_t fault_addr;      /**< the last page fault's address (user_page_fault()) */
    unsigned fault_access;     /**< its UFAULT_* access */
    unsigned fault_repeats;    /**< how often it came again in a row */
    uintptr_t sigtramp;        /**< its vDSO's signal return code, where handlers without sa_restorer return */
    struct rlimit_u rlim[RLIM_NLIMITS]; /**< prlimit64()'s, inherited by fork */
    struct fs_ctx fs;          /**< descriptors, working directory, umask */
    char *cmdline;             /**< its arguments, each NUL-ended (/proc/PID/cmdline); may be NULL */
    size_t cmdline_len;        /**< bytes of cmdline */
    char exe[128];             /**< the path it was started from */
    uint64_t start_ns;         /**< hal_time_ns() at its creation */
    struct proc_timers *timers; /**< setitimer()'s and timer_create()'s (timers.c); NULL: none yet */
    int child_subreaper;       /**< PR_SET_CHILD_SUBREAPER: its descendants' orphans become its children */
    int leaving;               /**< in proc_exit(), past taking children (procs_lock) */
    int vm_shared;             /**< clone(CLONE_VM) or vfork() child: us is its parent's too, until execve() or exit */
    int *vfork_wait;           /**< a CLONE_VFORK child: its parent sleeps until this becomes 0 */
    struct list_node all;      /**< every process, in pid order */
};

struct file;

/**
 * @brief An executable to start: its bytes in memory, or a file open for
 *        reading (with its first bytes).
 *
 * With a file, exec reads only what it needs of it (the headers, the
 * interpreter's path, the file bytes of each segment's partial last page)
 * and maps the pages a segment fills whole from the file, read on first
 * touch (a private file mapping, as mmap() makes), so a program pays only
 * for the pages it runs; without one (a built-in program, or bytes made by
 * a test) every segment is copied at once from @c data.
 */
struct exec_image {
    const void *data;  /**< without a file, all its bytes; with one, its first @c have bytes */
    size_t len;        /**< its length in bytes */
    struct file *file; /**< the program as a file, or NULL; the process takes its own reference */
    void *tofree;      /**< for the finder of the image (sys_find_image()): kfree()d with it */
    size_t have;       /**< with a file, bytes at @c data (0: none, all read from the file) */
};

/** @brief Where execve() finds @p path: a file (open for execution, its
 *  first bytes read: enough for a #! line and usually the ELF headers), or
 *  a built-in program (no file); exec_image_put() after. */
int sys_find_image(const char *path, struct exec_image *img);

/** @brief Let go of what sys_find_image() gave @p img. */
void exec_image_put(struct exec_image *img);

/**
 * @brief Start the executable @p image (@p len bytes, kept by the caller
 *        until this returns) as a new process with arguments @p argv and
 *        environment @p envp (NULL-terminated).
 * @param name   for `ps` and messages
 * @param image  the ELF file
 * @param len    its bytes
 * @param argv   its arguments, argv[0] first
 * @param envp   its environment
 * @param pid    set to the new pid
 * @param err    a one-line reason for a refusal, or NULL
 * @param errlen bytes at @p err
 * @retval 0 started
 * @retval -ENOEXEC not an executable this kernel runs (err says why)
 * @retval -E2BIG a string over EXEC_ARG_STRLEN, or all over EXEC_ARGS_CAP
 * @retval -EAGAIN the process table is full
 * @retval -ENOMEM out of memory (nothing is left behind)
 * @note Thread context.
 */
int proc_spawn(const char *name, const void *image, size_t len, char *const argv[],
               char *const envp[], int *pid, char *err, size_t errlen);

/** @brief proc_spawn() of @p img, whose segments come from its file on
 *  first touch when it has one (struct exec_image). */
int proc_spawn_image(const char *name, const struct exec_image *img, char *const argv[],
                     char *const envp[], int *pid, char *err, size_t errlen);

/**
 * @brief Wait for the kernel-started process @p pid to end and reap it.
 * @return its wait status (exit code << 8, or the killing signal), or
 *         -ESRCH if there is no such process started by the kernel
 */
int proc_wait(int pid);

/**
 * @brief Sleep until the kernel-started process @p pid has ended or
 *        @p stop(@p arg) holds, whichever comes first, without reaping it.
 *        @p wq is woken whenever what @p stop reads may have changed (the
 *        console's input queue for a Ctrl-C); NULL and NULL: its end alone.
 *        No polling: the caller costs nothing while the program runs.
 * @return 1 if it ended (proc_wait() reaps it at once), 0 if @p stop held,
 *         -ESRCH as proc_wait()
 */
int proc_wait_end_or(int pid, struct waitqueue *wq, int (*stop)(void *arg), void *arg);

/**
 * @brief A CPU-time clock: process @p pid's (0: the caller's), its threads'
 *        time, the ended ones' too; or with @p thread, thread @p pid's (0:
 *        the caller), which must be one of the caller's process.
 * @return 0 with *@p ns set, or -EINVAL for no such process or thread
 */
int proc_cpu_ns(int pid, int thread, uint64_t *ns);

/**
 * @brief proc_cpu_ns() for @p me rather than the caller, from any context
 *        (a timer's callback): process @p pid's clock (0: @p me's), or with
 *        @p thread, thread @p pid's, which must be one of @p me's (no 0).
 * @return 0 with *@p ns set, or -EINVAL for no such process or thread
 */
int proc_cpu_ns_of(struct proc *me, int pid, int thread, uint64_t *ns);

/** @brief The caller's CPU time (its threads', the ended ones' too) and
 *         its reaped children's (theirs included), for times() and getrusage(). */
void proc_cpu_times(uint64_t *self_ns, uint64_t *children_ns);

struct proc;
/**
 * @brief Call @p fn(p, u, @p arg) for the user thread @p tid (0: the caller)
 *        of a running process, under the process table's lock and the
 *        process's signal lock (@p fn must not sleep).
 * @return what @p fn returned, or -ESRCH for no such thread
 */
int proc_with_thread(int tid, int (*fn)(struct proc *p, struct uthread *u, void *arg), void *arg);

/** @brief A new thread @p u of the caller @p parent takes its scheduling
 *         policy (SCHED_RESET_ON_FORK: SCHED_OTHER) (sched_calls.c). */
void usched_inherit(struct uthread *u, const struct uthread *parent);

/** @brief The scheduler priority of @p u's policy, and the thread_create()
 *         flag it needs (THREAD_FIFO or 0) in *@p flags (sched_calls.c). */
int usched_kprio(const struct uthread *u, unsigned *flags);

/** @brief The current thread's process, or NULL for a kernel thread. */
struct proc *proc_current(void);
/** @brief The current thread's struct uthread, or NULL for a kernel thread. */
struct uthread *uthread_current(void);

/**
 * @brief fork(): a copy of the current process whose thread returns 0 from
 *        the system call of @p frame (the parent's), on stack @p newsp if
 *        nonzero, with thread pointer *@p tls if @p tls is not NULL (else
 *        the parent's). The child's FP/SIMD registers are the parent's.
 *        @p vfork: PROC_VFORK_WAIT, the caller sleeps until the child has
 *        called execve() or ended; PROC_VFORK_SHARE, the child runs in the
 *        parent's memory, not a copy, until then (a process, not a thread:
 *        with the wait, vfork(); without, clone(CLONE_VM)); with
 *        PROC_FORK_SETTID the child's tid is written at @p ctid of its
 *        memory before it runs (CLONE_CHILD_CLEARTID asks nothing of a
 *        process: Linux clears the word only while another thread still
 *        uses the memory, and a process's last thread ends with it).
 *        Returns the child's pid or a negative errno.
 */
int proc_fork(struct uregs *frame, uintptr_t newsp, const uintptr_t *tls, int vfork, uintptr_t ctid);
#define PROC_VFORK_WAIT 1    /**< proc_fork(): CLONE_VFORK */
#define PROC_VFORK_SHARE 2   /**< proc_fork(): CLONE_VM */
#define PROC_FORK_SETTID 4   /**< proc_fork(): CLONE_CHILD_SETTID */
/** @brief Process @p pid is init (the init= program): orphans become its children. */
void proc_set_init(int pid);
/** @brief A vfork() child leaves its parent's memory (execve(), or its end): the parent goes on. */
void proc_vfork_release(struct proc *p);

/** @brief proc_exec() from a thread other than the first: the caller must end (proc_exit_thread()). */
#define PROC_EXEC_HANDED 1

/**
 * @brief execve(): replace the current process's program by @p img; on
 *        success @p frame starts the new one (the old space is gone). From a
 *        thread other than the first, every other thread ends and the first
 *        runs the new program (it has the process's id).
 * @return 0; PROC_EXEC_HANDED (a thread other than the first: the first
 *         thread finishes the exec, the caller ends, once its buffers are
 *         freed, with proc_exit_thread()); or a negative errno with the
 *         process unchanged
 * @param frame the caller's user registers, the new program's on success
 * @param path  what execve() was given (AT_EXECFN, the process's name)
 * @param exe   the file @p img is (/proc/PID/exe): @p path, or a #! script's interpreter
 * @param img   the program's bytes (sys_find_image())
 * @param argv  its arguments, NULL-terminated
 * @param envp  its environment, NULL-terminated
 */
int proc_exec(struct uregs *frame, const char *path, const char *exe, const struct exec_image *img,
              char *const argv[], char *const envp[]);

#define WNOHANG 1     /**< wait4(): do not wait */
#define WUNTRACED 2   /**< wait4(): report a child that stopped */
#define WCONTINUED 8  /**< wait4(): report a child that continued */
#define WEXITED 4     /**< waitid(): report a child that ended (wait4 always does) */
#define WNOWAIT 0x01000000 /**< waitid(): report it, and leave it waitable */
#define WAIT_PGID 0x00100000 /**< proc_wait_child(): @p pid is a group's id, whatever it is (waitid's P_PGID: group 1 too) */

/**
 * @brief wait4() for the current process: a child that ended, reaped (or,
 *        as @p options ask, one that stopped or continued).
 * @param pid     which child: > 0 that one; -1 any; 0 any in the caller's
 *                process group; < -1 any in group -pid
 * @param status  its wait status (exit code << 8, the signal, (stop
 *                signal << 8) | 0x7f, or 0xffff for continued)
 * @param options WNOHANG, WUNTRACED (WSTOPPED), WCONTINUED, WEXITED (ended
 *                children are reported only with it), WNOWAIT (report, and
 *                leave the child waitable)
 * @return the child's pid, 0 (WNOHANG, none yet), -ECHILD (no such child),
 *         -ERESTARTSYS (a signal came for the waiter)
 */
int proc_wait_child(int pid, int *status, int options);

/** @brief End the current process with wait status @p status; never returns. */
__attribute__((noreturn)) void proc_exit(int status);

/** @brief Process @p pid's state, or -ESRCH. */
int proc_state_of(int pid);

/** @brief Make @p ino (a reference, kept) the current process's working
 *         directory; returns the old one's reference, to put. */
struct inode *proc_set_cwd(struct inode *ino);

/** @brief The current process's parent's pid; 1 if it was orphaned (init's, as on Linux), 0 if the kernel started it. */
int proc_ppid(void);

/** @brief Send signal @p sig to process @p pid as kill() does (0: only look it up); 0, or -ESRCH. */
int proc_kill(int pid, int sig);
/** @brief kill()'s lookup with a full @p ki (sigqueue()): 0, -ESRCH; a zombie is found and sent nothing. */
int proc_signal_info(int pid, int sig, const struct ksiginfo *ki);

/**
 * @brief Send @p sig to every process of group @p pgid (kill(-pgid)); 0,
 *        or -ESRCH if it has none. Any context (the terminal sends its
 *        Ctrl-C from the receive interrupt).
 */
int proc_kill_group(int pgid, int sig);

/** @brief kill(-pgid) from a program: proc_kill_group() to the group's
 *         processes the caller may signal; -EPERM if there are some but
 *         none of those, -ESRCH if there are none. */
int proc_kill_group_user(int pgid, int sig);

/** @brief kill(-1): every process but the caller that it may signal; 0, or
 *         -ESRCH if there is no other process. */
int proc_kill_all(int sig);

/**
 * @brief Nonzero if process group @p pgid is orphaned (POSIX): no member
 *        has a parent in another group of its session, so no shell can
 *        continue it; the terminal's stop signals are then not sent.
 */
int proc_pgrp_orphaned(int pgid);

/** @brief Nonzero if a running process of group @p pgid is in session @p sid. */
int proc_group_in_session(int pgid, int sid);

/** @brief The current process stops for @p sig: tell its parent (wait4, SIGCHLD). */
void proc_stopped(int sig);
/** @brief The current process continued after a stop: tell its parent. */
void proc_continued(void);

/**
 * @brief Send signal @p sig with @p ki to process @p p (procs_lock or a
 *        reference keeps it alive): queued unless the process ignores it,
 *        and its thread woken from a wait a signal ends.
 */
void signal_send(struct proc *p, int sig, const struct ksiginfo *ki);

/** @brief Nonzero if a signal waits that the current process's thread must act on. */
int signal_pending(void);

/**
 * @brief Sleep up to @p ns in the current process's thread, ending early if
 *        a signal comes; 0 after the whole time, -EINTR if cut short (then
 *        *@p left, if not NULL, gets the time not slept).
 */
int signal_sleep_ns(uint64_t ns, uint64_t *left);

/**
 * @brief Lend the layers below the processes what they ask of them: the
 *        user copies' fault-in (kernel/uaccess.h), the caller's process
 *        (kernel/task.h) and a truncate's cut of the mappings
 *        (vfs_set_cut_hook()). kmain calls it once, before any process.
 */
void proc_lend_hooks(void);

/** @brief The name of signal @p sig ("SIGSEGV"), or "signal ?". */
const char *signal_name(int sig);

/** @brief A built-in test program linked into the kernel (kernel/user/uprogs.S). */
struct uprog {
    const char *name;            /**< tests/programs/NAME.c */
    const unsigned char *image;  /**< its ELF file */
    const unsigned char *end;    /**< one past it */
};
/** @brief The built-in program called @p name, or NULL. */
const struct uprog *uprog_find(const char *name);
/** @brief Each built-in program in turn: NULL starts, NULL ends. */
const struct uprog *uprog_next(const struct uprog *prev);

/** @brief A system call's name and count, for `syscalls`. */
struct syscall_stat {
    long nr;            /**< the arch's number */
    const char *name;   /**< NULL: not implemented */
    uint64_t count;     /**< calls so far */
};
/**
 * @brief Fill up to @p max entries, from the @p first on, of the list:
 *        implemented calls made at least once, then unimplemented numbers
 *        seen; returns how many the whole list has.
 */
unsigned syscall_stats(struct syscall_stat *out, unsigned max, unsigned first);


/** @brief Fill @p out for process @p pid: 0, or -ESRCH. */
int proc_info(int pid, struct proc_info *out);

/** @brief The smallest pid >= @p from that is alive (running or zombie), or 0. */
int proc_next_pid(int from);

/** @name init= (kernel/init/pid1.c) */
/** @{ */
/** @brief The command line's init=PATH (@p n bytes at @p p); 0 or -ENAMETOOLONG. */
int init_set(const char *p, size_t n);
/** @brief The words after "--" on the command line: init's arguments after its path. */
void init_set_args(const char *rest);
/** @brief Nonzero if init= was given: the kernel shell waits for Ctrl-] or init's end. */
int init_requested(void);
/** @brief Start init (after boot finished); it starts the kernel shell when wanted. */
void init_start(void);
/** @brief Start the kernel shell on the console if it is not running (kernel/init/main.c). */
void kernel_shell_start(void);
/** @} */

/** @brief Processes alive (running or zombie), for tests of leaks. */
unsigned proc_count(void);

/** @brief Processes alive at once, at most (/proc/sys/kernel/threads-max): the
 *  one set, else one for every 64 pages of memory, PROC_MIN to PROC_MAX. */
unsigned proc_threads_max(void);

/** @brief Set that limit to @p n (processes alive now are not touched):
 *  0, or -EINVAL outside PROC_MIN..PROC_MAX. */
int proc_set_threads_max(long n);

#endif
