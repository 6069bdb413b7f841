/**
 * @file kernel/task.h
 * @brief What the layers below the processes ask of the calling thread's
 *        process: its file context, and its signals.
 *
 * The file systems, the terminal and (next) the sockets sit below the
 * process layer (docs/architecture.md, "Layers inside kernel/"), yet a
 * path is walked from the caller's working directory, a pipe's wait ends
 * when a signal comes, a write to a pipe nobody reads raises SIGPIPE, and
 * the terminal's keys and ioctls act on process groups and sessions, and
 * /proc lists the processes, their descriptors and working directories.
 * The process layer lends those answers through task_set_ops() before its
 * first process runs; until then, and for a kernel thread, every answer is
 * "no process": no file context, no signal.
 */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H

#include <stddef.h>
#include <stdint.h>

struct fs_ctx;
struct file;
struct inode;
struct waitqueue;

#define PROC_NAME_MAX 16 /**< bytes of a process's name, NUL included */

/** @brief What /proc and `ps` show of a process: a copy, taken under the process lock. */
struct proc_info {
    int pid;                   /**< its pid */
    int ppid;                  /**< its parent's, 0 for none */
    char state;                /**< 'R' running, 'S' sleeping, 'T' stopped, 'Z' zombie */
    char name[PROC_NAME_MAX];  /**< its name */
    char exe[128];             /**< where it was started from */
    char cmdline[256];         /**< its arguments, NUL-separated (cut at 256 bytes) */
    size_t cmdline_len;        /**< bytes of cmdline */
    uint64_t cpu_ns;           /**< time its thread ran */
    uint64_t start_ns;         /**< when it was created */
    uint64_t mem_bytes;        /**< frames its address space owns, in bytes */
    uint64_t locked_bytes;     /**< bytes of its address space mlock()ed */
    uint64_t syscalls;         /**< system calls it made */
    unsigned threads;          /**< its threads */
    int pgid;                  /**< its process group */
    int sid;                   /**< its session */
};

/** @brief The caller's process ids, for the terminal's job control. */
struct task_ids {
    int pid;  /**< its process */
    int pgid; /**< its process group */
    int sid;  /**< its session */
};

/** @brief The process layer's answers (kernel/user/proc.c). */
struct task_ops {
    /** The caller's descriptors, working directory and umask; NULL: no process. */
    struct fs_ctx *(*fs)(void);
    /** Woken when a signal arrives for the caller; NULL: no process. */
    struct waitqueue *(*signal_wq)(void);
    /** Nonzero: a signal the caller takes is pending. */
    int (*signal_pending)(void);
    /** Send the caller's process @p sig, as from itself (a pipe's SIGPIPE). */
    void (*signal_self)(int sig);
    /** The caller's ids into *out: 1, or 0 for no process. */
    int (*ids)(struct task_ids *out);
    /** Nonzero: the caller blocks or ignores @p sig. */
    int (*shuns)(int sig);
    /** Send @p sig to every process of group @p pgid (the terminal's keys); any context. */
    void (*kill_group)(int pgid, int sig);
    /** Nonzero: no process of group @p pgid has a parent in another group of its session. */
    int (*group_orphaned)(int pgid);
    /** Nonzero: group @p pgid exists in session @p sid. */
    int (*group_in_session)(int pgid, int sid);
    /** Process @p pid's details into *out (/proc): 0, or -ESRCH. */
    int (*info)(int pid, struct proc_info *out);
    /** The lowest pid >= @p from, 0 past the last (/proc's listing). */
    int (*next_pid)(int from);
    /** Process @p pid's state (enum proc_state), or -ESRCH. */
    int (*state_of)(int pid);
    /** Process @p pid's descriptor @p fd (/proc/PID/fd/N): a reference, or NULL. */
    struct file *(*file_of)(int pid, int fd);
    /** Process @p pid's lowest open descriptor >= @p from, or -1. */
    int (*next_fd)(int pid, int from);
    /** Process @p pid's working directory (/proc/PID/cwd): a reference, or NULL. */
    struct inode *(*cwd_of)(int pid);
    /** Process @p pid's memory map as /proc/PID/maps shows it, into @p buf (whole lines);
     *  its length, or -ESRCH. Under the namespace lock (a file's path is named). */
    long (*maps_of)(int pid, char *buf, size_t size);
    /** Processes alive at once, at most (/proc/sys/kernel/threads-max). */
    unsigned (*threads_max)(void);
    /** Set that limit: 0, or -EINVAL out of the kernel's bounds. */
    int (*set_threads_max)(long n);
};

/** @brief Lend the answers. @note Any context; @p ops outlives the kernel. */
void task_set_ops(const struct task_ops *ops);

/** @brief The caller's file context, or NULL (a kernel thread). @note Thread context. */
struct fs_ctx *task_fs(void);
/** @brief The caller's signal wait queue, or NULL (a kernel thread). @note Thread context. */
struct waitqueue *task_signal_wq(void);
/** @brief Nonzero if the caller has a signal pending. @note Thread context. */
int task_signal_pending(void);
/** @brief Send the caller's process @p sig; nothing for a kernel thread. @note Thread context. */
void task_signal_self(int sig);
/** @brief The caller's ids into *@p out: 1, or 0 (a kernel thread: *@p out zeroed). */
int task_ids(struct task_ids *out);
/** @brief Nonzero if the caller blocks or ignores @p sig; 0 for a kernel thread. */
int task_shuns(int sig);
/** @brief Send @p sig to process group @p pgid. @note Any context. */
void task_kill_group(int pgid, int sig);
/** @brief Nonzero if process group @p pgid is orphaned (POSIX). */
int task_group_orphaned(int pgid);
/** @brief Nonzero if process group @p pgid is in session @p sid. */
int task_group_in_session(int pgid, int sid);
/** @brief Process @p pid's details (/proc): 0, or -ESRCH (none, or no processes yet). */
int task_proc_info(int pid, struct proc_info *out);
/** @brief The lowest pid >= @p from, 0 past the last or with no processes. */
int task_next_pid(int from);
/** @brief Process @p pid's state, or -ESRCH. */
int task_proc_state(int pid);
/** @brief Process @p pid's open file @p fd, a reference (file_put() it), or NULL. */
struct file *task_file_of(int pid, int fd);
/** @brief Process @p pid's lowest open descriptor >= @p from, or -1. */
int task_next_fd(int pid, int from);
/** @brief Process @p pid's working directory, a reference (inode_put() it), or NULL. */
struct inode *task_cwd_of(int pid);
/** @brief Process @p pid's /proc/PID/maps text into @p buf: its length, or -ESRCH. @note The namespace lock held. */
long task_maps_of(int pid, char *buf, size_t size);
/** @brief Processes alive at once, at most (/proc/sys/kernel/threads-max); 0 with no processes. */
unsigned task_threads_max(void);
/** @brief Set that limit: 0, or -EINVAL (out of bounds, or no processes). */
int task_set_threads_max(long n);

#endif
