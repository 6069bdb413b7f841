/**
 * @file kernel/task.h
 * @brief What the layers below the processes ask of the calling thread's
 *        process: its file context, and its signals.
 *
 * The file systems, the terminal and (next) the sockets sit below the
 * process layer (docs/architecture.md, "Layers inside kernel/"), yet a
 * path is walked from the caller's working directory, a pipe's wait ends
 * when a signal comes, and a write to a pipe nobody reads raises SIGPIPE.
 * The process layer lends those answers through task_set_ops() before its
 * first process runs; until then, and for a kernel thread, every answer is
 * "no process": no file context, no signal.
 */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H

struct fs_ctx;
struct waitqueue;

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

#endif
