/**
 * @file kernel/epoll.h
 * @brief epoll's instances (kernel/fs/epoll.c): files watching files, the
 *        ready ones found through their wait queues; the system calls are
 *        kernel/user/epoll.c's.
 */
#ifndef KERNEL_EPOLL_H
#define KERNEL_EPOLL_H

#include <kernel/vfs.h>
#include <stdint.h>

#define EPOLL_CTL_ADD 1          /**< epoll_ctl(): watch a file */
#define EPOLL_CTL_DEL 2          /**< epoll_ctl(): stop watching it */
#define EPOLL_CTL_MOD 3          /**< epoll_ctl(): change the events and data */
#define EPOLLRDHUP 0x2000u       /**< the peer shut its writing down (sockets) */
#define EPOLLEXCLUSIVE (1u << 28) /**< wake one of the instances watching (accepted; wakes like any) */
#define EPOLLWAKEUP (1u << 29)   /**< keep the system awake (ignored) */
#define EPOLLONESHOT (1u << 30)  /**< report once, then disabled until EPOLL_CTL_MOD */
#define EPOLLET (1u << 31)       /**< edge-triggered: report once per wake */

/** @brief An event as epoll_wait() hands it out (the user layer lays it out). */
struct epoll_event_k {
    uint32_t events; /**< EPOLL* that are ready */
    uint64_t data;   /**< the caller's, from epoll_ctl() */
};

/** @brief A new epoll instance as an open file (O_RDWR | @p flags), or NULL
 *         without memory. */
struct file *epoll_file_new(unsigned flags);
/** @brief 1 if @p f is an epoll instance. */
int epoll_is(const struct file *f);
/**
 * @brief epoll_ctl() on the instance @p ep: @p op on @p target, open as
 *        descriptor @p fd, with @p events and @p data (ADD, MOD).
 * @return 0, -EEXIST, -ENOENT, -EINVAL, -ELOOP, -EPERM, -ENOMEM
 */
long epoll_ctl_file(struct file *ep, int op, int fd, struct file *target, uint32_t events, uint64_t data);
/** @brief Take up to @p max ready events of @p ep into @p out, without
 *         waiting; how many (0: none ready). */
int epoll_harvest(struct file *ep, struct epoll_event_k *out, int max);
/** @brief The queue a new ready event of @p ep wakes. */
struct waitqueue *epoll_waitqueue(struct file *ep);
/** @brief @p f's last reference is going: every epoll watching it lets it go
 *         (file_put() calls it). */
void epoll_file_gone(struct file *f);

/** @brief The queue @p wq (not a file's: a process's signal queue, which a
 *         signalfd's poll names) is about to be freed: the watches on it
 *         forget it, and are not woken through it any more. */
void epoll_queue_gone(struct waitqueue *wq);

#endif
