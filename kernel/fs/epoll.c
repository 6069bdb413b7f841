/**
 * @file epoll.c
 * @brief epoll's instances: the files an instance watches, and the ready
 *        list that their wait queues' wakes feed.
 *
 * A watch (struct epitem) registers callback entries (kernel/wait.h) on the
 * queues its file's poll op names; a wake of one of them puts the watch on
 * its instance's ready list (unless the wake is about events it does not
 * watch) and wakes the instance's queue: its epoll_wait()ers, and the
 * watches of instances that watch this one. epoll_harvest() polls each
 * watch of the list again and reports what it has: a level-triggered one
 * goes back on the list, so it is looked at again next time; an
 * edge-triggered one stays off until its file's next wake; a one-shot one
 * is disabled until EPOLL_CTL_MOD arms it again. A watch taken off the list
 * to be polled is marked off first, so a wake during the poll puts it back.
 *
 * A watch holds no reference to its file: the file's last put drops the
 * watch (epoll_file_gone()), as on Linux, so a descriptor closed while a
 * dup of it stays open stays watched. A queue that is not its file's (a
 * signalfd's is its poller's process's signal queue) detaches its watches
 * when it goes (epoll_queue_gone()). Locks: ep_global (every change of
 * watches, the loop check) before an instance's mutex (its watches and a
 * harvest) before its spinlock (the ready list, taken by the callbacks,
 * which may run in an interrupt handler).
 */
#include <kernel/epoll.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/spinlock.h>
#include <kernel/vfs.h>
#include <kernel/wait.h>

#define EP_PRIVATE (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EP_EXCLUSIVE_OK (POLLIN | POLLOUT | POLLERR | POLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)
#define EP_MAX_NESTS 4 /* instances watching instances, as deep as Linux lets them */

struct eventpoll {
    struct mutex mtx;       /* items; a harvest */
    struct spinlock lock;   /* ready, and each item's on_ready and events */
    struct list_node items; /* its watches */
    struct list_node ready; /* watches a wake put here */
    struct waitqueue wq;    /* epoll_wait()ers and the watches of this instance */
    struct file *self;      /* its file (no reference: it goes first) */
};

struct epitem {
    struct list_node node;   /* in ep->items */
    struct list_node rnode;  /* in ep->ready or a harvest's list, while on_ready */
    struct epitem *fnext;    /* the next watch of the same file */
    struct eventpoll *ep;    /* whose */
    struct file *file;       /* watched (no reference) */
    int fd;                  /* the descriptor it was added as */
    int on_ready;            /* rnode is linked */
    uint32_t events;         /* asked for, with POLLERR | POLLHUP; only EP_PRIVATE once a one-shot fired */
    uint64_t data;           /* the caller's */
    struct wait_set ws;      /* callback entries on the file's queues */
};

static struct mutex ep_global = {WAITQUEUE_INIT(ep_global.wq, "epoll"), NULL, 0};
static unsigned ep_dev;
static const struct inode_ops ep_iops = {0};
static const struct file_ops ep_ops;

int epoll_is(const struct file *f) { return f && f->ops == &ep_ops; }

struct waitqueue *epoll_waitqueue(struct file *ep) { return &((struct eventpoll *)ep->priv)->wq; }

/* The file's events now; a file without a poll op is not watched (EPERM). */
static unsigned item_poll(struct file *f, struct wait_set *ws) { return f->ops->poll(f, ws); }

/* Onto the ready list if not on one (ep->lock held); 1 if it went. */
static int ready_add_locked(struct eventpoll *ep, struct epitem *it)
{
    if (it->on_ready)
        return 0;
    list_add_tail(&ep->ready, &it->rnode);
    it->on_ready = 1;
    return 1;
}

static void ep_wake_waiters(struct eventpoll *ep)
{
    irqflags_t f = spin_lock_irqsave(&ep->wq.lock);
    wq_wake_all_key_locked(&ep->wq, POLLIN | POLLRDNORM);
    spin_unlock_irqrestore(&ep->wq.lock, f);
}

/* A wake of a watched file's queue (its lock held; maybe in an interrupt). */
static void ep_callback(struct waiter *w, unsigned key)
{
    struct epitem *it = w->arg;
    struct eventpoll *ep = it->ep;
    irqflags_t f = spin_lock_irqsave(&ep->lock);
    int woke = 0;
    if ((it->events & ~EP_PRIVATE) && (!key || (key & it->events)))
        woke = ready_add_locked(ep, it);
    spin_unlock_irqrestore(&ep->lock, f);
    if (woke)
        ep_wake_waiters(ep);
}

/*
 * Poll the watches on @p ep's ready list (its mutex held): with @p out, put
 * up to @p max events there and answer how many; without, answer 1 as soon
 * as one is ready (an instance's own poll), leaving it on the list. Watches
 * found not ready leave the list.
 */
static int harvest_locked(struct eventpoll *ep, struct epoll_event_k *out, int max)
{
    struct list_node todo;
    list_init(&todo);
    irqflags_t f = spin_lock_irqsave(&ep->lock);
    if (!list_empty(&ep->ready)) { /* the whole list, in order, onto todo */
        todo.next = ep->ready.next;
        todo.prev = ep->ready.prev;
        todo.next->prev = &todo;
        todo.prev->next = &todo;
        list_init(&ep->ready);
    }
    spin_unlock_irqrestore(&ep->lock, f);
    int n = 0;
    for (;;) {
        f = spin_lock_irqsave(&ep->lock);
        struct list_node *first = list_first(&todo);
        if (!first || (out && n == max)) {
            spin_unlock_irqrestore(&ep->lock, f);
            break;
        }
        struct epitem *it = container_of(first, struct epitem, rnode);
        list_del(first);
        it->on_ready = 0; /* a wake from here on puts it back */
        uint32_t want = it->events;
        spin_unlock_irqrestore(&ep->lock, f);
        unsigned ev = (want & ~EP_PRIVATE) ? item_poll(it->file, NULL) & want : 0;
        if (!ev)
            continue;
        f = spin_lock_irqsave(&ep->lock);
        if (!out) {
            if (!it->on_ready) { /* back in front (unless a wake put it back already) */
                list_add_head(&ep->ready, &it->rnode);
                it->on_ready = 1;
            }
            spin_unlock_irqrestore(&ep->lock, f);
            n = 1;
            break;
        }
        out[n].events = ev & ~EP_PRIVATE;
        out[n].data = it->data;
        n++;
        if (want & EPOLLONESHOT)
            it->events &= EP_PRIVATE;
        else if (!(want & EPOLLET))
            ready_add_locked(ep, it);
        spin_unlock_irqrestore(&ep->lock, f);
    }
    /* What was not looked at goes back in front, in its order. */
    f = spin_lock_irqsave(&ep->lock);
    while (!list_empty(&todo)) {
        struct list_node *last = todo.prev;
        list_del(last);
        struct epitem *it = container_of(last, struct epitem, rnode);
        list_add_head(&ep->ready, &it->rnode);
    }
    spin_unlock_irqrestore(&ep->lock, f);
    return n;
}

int epoll_harvest(struct file *epf, struct epoll_event_k *out, int max)
{
    struct eventpoll *ep = epf->priv;
    mutex_lock(&ep->mtx);
    int n = harvest_locked(ep, out, max);
    mutex_unlock(&ep->mtx);
    return n;
}

/* An instance is readable while a watch of it is ready. */
static unsigned ep_poll(struct file *f, struct wait_set *ws)
{
    struct eventpoll *ep = f->priv;
    if (ws)
        wait_set_add(ws, &ep->wq);
    return epoll_harvest(f, NULL, 0) ? POLLIN | POLLRDNORM : 0;
}

/* Take @p it off its file's list of watches (ep_global held). */
static void file_unlink(struct epitem *it)
{
    for (struct epitem **pp = &it->file->ep_watches; *pp; pp = &(*pp)->fnext)
        if (*pp == it) {
            *pp = it->fnext;
            break;
        }
}

/* Drop the watch @p it (ep_global and its instance's mutex held): off the
 * file's queues first, after which its callback no longer runs. */
static void item_free(struct epitem *it)
{
    struct eventpoll *ep = it->ep;
    wait_set_clear(&it->ws);
    irqflags_t f = spin_lock_irqsave(&ep->lock);
    if (it->on_ready)
        list_del(&it->rnode);
    spin_unlock_irqrestore(&ep->lock, f);
    list_del(&it->node);
    file_unlink(it);
    kfree(it);
}

void epoll_file_gone(struct file *f)
{
    mutex_lock(&ep_global);
    while (f->ep_watches) {
        struct epitem *it = f->ep_watches;
        struct eventpoll *ep = it->ep;
        mutex_lock(&ep->mtx);
        item_free(it);
        mutex_unlock(&ep->mtx);
    }
    mutex_unlock(&ep_global);
}

void epoll_queue_gone(struct waitqueue *wq)
{
    mutex_lock(&ep_global); /* every watch is cleared under it */
    wq_detach_callbacks(wq, ep_callback, POLLHUP); /* looked at once more, as on Linux */
    mutex_unlock(&ep_global);
}

static void ep_release(struct file *f)
{
    struct eventpoll *ep = f->priv;
    mutex_lock(&ep_global);
    mutex_lock(&ep->mtx);
    while (!list_empty(&ep->items))
        item_free(container_of(list_first(&ep->items), struct epitem, node));
    mutex_unlock(&ep->mtx);
    mutex_unlock(&ep_global);
    kfree(ep);
}

static const struct file_ops ep_ops = {.poll = ep_poll, .release = ep_release};

struct file *epoll_file_new(unsigned flags)
{
    struct eventpoll *ep = kzalloc(sizeof *ep);
    if (!ep)
        return NULL;
    mutex_init(&ep->mtx, "epoll instance");
    spin_init(&ep->lock, "epoll ready");
    list_init(&ep->items);
    list_init(&ep->ready);
    wq_init(&ep->wq, "epoll");
    struct file *f = file_anon(&ep_dev, &ep_iops, &ep_ops, O_RDWR | flags, ep);
    if (!f)
        kfree(ep);
    else
        ep->self = f;
    return f;
}

/* The watch of @p target as @p fd in @p ep, or NULL (its mutex held). */
static struct epitem *item_find(struct eventpoll *ep, struct file *target, int fd)
{
    for (struct list_node *n = ep->items.next; n != &ep->items; n = n->next) {
        struct epitem *it = container_of(n, struct epitem, node);
        if (it->file == target && it->fd == fd)
            return it;
    }
    return NULL;
}

/* How deep the instances under @p ep go (1: it watches no instance), or
 * EP_MAX_NESTS + 2 if @p avoid is among them (ep_global held). */
static int depth_below(struct eventpoll *ep, struct eventpoll *avoid, int level)
{
    if (ep == avoid || level > EP_MAX_NESTS + 1)
        return EP_MAX_NESTS + 2;
    int deepest = 1;
    for (struct list_node *n = ep->items.next; n != &ep->items; n = n->next) {
        struct epitem *it = container_of(n, struct epitem, node);
        if (!epoll_is(it->file))
            continue;
        int d = 1 + depth_below(it->file->priv, avoid, level + 1);
        if (d > deepest)
            deepest = d;
    }
    return deepest;
}

/* How deep the instances watching @p f go above it (ep_global held). */
static int depth_above(struct file *f, int level)
{
    if (level > EP_MAX_NESTS + 1)
        return EP_MAX_NESTS + 2;
    int deepest = 0;
    for (struct epitem *it = f->ep_watches; it; it = it->fnext) {
        int d = 1 + depth_above(it->ep->self, level + 1);
        if (d > deepest)
            deepest = d;
    }
    return deepest;
}

static long item_add(struct file *epf, struct eventpoll *ep, int fd, struct file *target, uint32_t events,
                     uint64_t data)
{
    if (epoll_is(target)) {
        /* A loop, or a chain deeper than Linux allows, is ELOOP. */
        int below = depth_below(target->priv, ep, 0);
        if (below + depth_above(epf, 0) > EP_MAX_NESTS)
            return -ELOOP;
    }
    struct epitem *it = kzalloc(sizeof *it);
    if (!it)
        return -ENOMEM;
    it->ep = ep;
    it->file = target;
    it->fd = fd;
    it->events = events;
    it->data = data;
    wait_set_init_callback(&it->ws, ep_callback, it);
    list_add_tail(&ep->items, &it->node);
    it->fnext = target->ep_watches;
    target->ep_watches = it;
    unsigned ev = item_poll(target, &it->ws);
    if (it->ws.overflow) {
        item_free(it);
        return -ENOMEM;
    }
    if (ev & events) {
        irqflags_t f = spin_lock_irqsave(&ep->lock);
        int woke = ready_add_locked(ep, it);
        spin_unlock_irqrestore(&ep->lock, f);
        if (woke)
            ep_wake_waiters(ep);
    }
    return 0;
}

static void item_modify(struct eventpoll *ep, struct epitem *it, uint32_t events, uint64_t data)
{
    irqflags_t f = spin_lock_irqsave(&ep->lock);
    it->events = events;
    it->data = data;
    spin_unlock_irqrestore(&ep->lock, f);
    /* Ready now: reported, even edge-triggered (a one-shot's re-arm). */
    if (item_poll(it->file, NULL) & events) {
        f = spin_lock_irqsave(&ep->lock);
        int woke = ready_add_locked(ep, it);
        spin_unlock_irqrestore(&ep->lock, f);
        if (woke)
            ep_wake_waiters(ep);
    }
}

long epoll_ctl_file(struct file *epf, int op, int fd, struct file *target, uint32_t events, uint64_t data)
{
    if (!target->ops || !target->ops->poll)
        return -EPERM;
    if (epf == target || !epoll_is(epf))
        return -EINVAL;
    if (op != EPOLL_CTL_DEL && (events & EPOLLEXCLUSIVE)) {
        if (op == EPOLL_CTL_MOD)
            return -EINVAL;
        if (op == EPOLL_CTL_ADD && (epoll_is(target) || (events & ~EP_EXCLUSIVE_OK)))
            return -EINVAL;
    }
    events |= POLLERR | POLLHUP;
    struct eventpoll *ep = epf->priv;
    mutex_lock(&ep_global);
    mutex_lock(&ep->mtx);
    struct epitem *it = item_find(ep, target, fd);
    long r;
    switch (op) {
    case EPOLL_CTL_ADD:
        r = it ? -EEXIST : item_add(epf, ep, fd, target, events, data);
        break;
    case EPOLL_CTL_DEL:
        r = it ? 0 : -ENOENT;
        if (it)
            item_free(it);
        break;
    case EPOLL_CTL_MOD:
        r = !it ? -ENOENT : (it->events & EPOLLEXCLUSIVE) ? -EINVAL : 0;
        if (!r)
            item_modify(ep, it, events, data);
        break;
    default:
        r = -EINVAL;
    }
    mutex_unlock(&ep->mtx);
    mutex_unlock(&ep_global);
    return r;
}
