/**
 * @file kernel/task.h
 * @brief What the layers below the processes ask of the calling thread's
 *        process: its file context, and its signals.
 *
 * The file systems, the terminal and (next) the sockets sit below the
 * process layer (docs/architecture.md, "Layers inside kernel/"), yet a
 * path is walked from the caller's working directory, a pipe's wait ends
 * when a signal comes, a write to a pipe nobody reads raises SIGPIPE, and
 * the terminal's keys and ioctls act on process groups and sessions.
 * The process layer lends those answers through task_set_ops() before its
 * first process runs; until then, and for a kernel thread, every answer is
 * "no process": no file context, no signal.
 */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H

struct fs_ctx;
struct waitqueue;

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

#endif
