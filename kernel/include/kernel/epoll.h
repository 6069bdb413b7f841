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

/** @name epoll_ctl()'s operations and events (Linux's numbers) */
/** @{ */
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLLRDHUP 0x2000u
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
/** @} */

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

#endif
