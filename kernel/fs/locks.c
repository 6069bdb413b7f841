/**
 * @file locks.c
 * @brief Advisory file locks (kernel/vfs.h): fcntl()'s record locks, POSIX
 *        (owned by a process) and open-file-description ones (F_OFD_*,
 *        owned by the open file), and flock()'s whole-file locks.
 *
 * Every lock is a byte range [start, end] of an inode with a type (read:
 * shared, write: exclusive) and an owner. Locks of different owners that
 * overlap conflict unless both are read locks; record locks and flock()
 * locks never meet (as on Linux). An owner's own record locks are split,
 * replaced and merged as POSIX says, so it holds at most one lock on any
 * byte. A process's POSIX locks on a file go when it closes any
 * descriptor of that file or ends; an open file's OFD and flock() locks
 * when its last descriptor closes.
 *
 * A waiting F_SETLKW that would wait, through the owners the locks in its
 * way wait for in turn, on itself gets EDEADLK (POSIX locks only, as
 * Linux). The lists are few and short: one list of every lock and one of
 * the waiters, under one spinlock; a release wakes every waiter. Each lock
 * holds a reference to its inode, put (with the record freed) once off
 * the spinlock.
 */
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <kernel/task.h>
#include <kernel/vfs.h>
#include <kernel/wait.h>

#define END_OF_FILE UINT64_MAX

struct flock_rec {
    struct list_node node;
    struct inode *ino;
    uintptr_t owner;
    int pid;         /* F_GETLK's l_pid: the owner's, -1 for an OFD lock */
    int flock;       /* a flock() lock (whole file), else a record lock */
    int write;       /* exclusive */
    uint64_t start, end;
};

struct lock_waiter {
    struct list_node node;
    uintptr_t owner;   /* who waits */
    uintptr_t blocker; /* the owner of the lock in its way */
};

static struct spinlock locks_lock = SPINLOCK_INIT("file locks");
static struct list_node locks = {&locks, &locks};
static struct list_node waiters = {&waiters, &waiters};
static struct waitqueue locks_wq = WAITQUEUE_INIT(locks_wq, "file locks");

/* The first lock of another owner of the same family in the way of @p want. Lock held. */
static struct flock_rec *conflict_locked(const struct flock_rec *want)
{
    list_for_each(n, &locks) {
        struct flock_rec *l = container_of(n, struct flock_rec, node);
        if (l->ino != want->ino || l->flock != want->flock || l->owner == want->owner)
            continue;
        if (l->start <= want->end && want->start <= l->end && (l->write || want->write))
            return l;
    }
    return NULL;
}

/* Would @p owner waiting on @p blocker close a circle of waits? Lock held. */
static int deadlock_locked(uintptr_t owner, uintptr_t blocker)
{
    for (unsigned hops = 0; hops < 64; hops++) {
        if (blocker == owner)
            return 1;
        uintptr_t next = 0;
        list_for_each(n, &waiters) {
            struct lock_waiter *w = container_of(n, struct lock_waiter, node);
            if (w->owner == blocker)
                next = w->blocker;
        }
        if (!next)
            return 0;
        blocker = next;
    }
    return 1; /* a chain that long: take it as a circle */
}

/* Off the list, onto @p dead: freed by bury() once the lock is dropped. */
static void drop_locked(struct flock_rec *l, struct list_node *dead)
{
    list_del(&l->node);
    list_add_tail(dead, &l->node);
}

static void bury(struct list_node *dead)
{
    while (!list_empty(dead)) {
        struct flock_rec *l = container_of(list_first(dead), struct flock_rec, node);
        list_del(&l->node);
        inode_put(l->ino);
        kfree(l);
    }
}

/* Take @p owner's locks of @p ino's family off [start, end], splitting
 * those that reach past it; @p spare is a record for a split (used: set
 * to NULL). Lock held. */
static void clear_range_locked(const struct flock_rec *r, struct flock_rec **spare, struct list_node *dead)
{
    for (struct list_node *n = locks.next, *next; n != &locks; n = next) {
        next = n->next;
        struct flock_rec *l = container_of(n, struct flock_rec, node);
        if (l->ino != r->ino || l->flock != r->flock || l->owner != r->owner || l->end < r->start ||
            r->end < l->start)
            continue;
        if (l->start < r->start && l->end > r->end) { /* the hole is in its middle */
            struct flock_rec *tail = *spare;
            *spare = NULL;
            *tail = *l;
            tail->start = r->end + 1;
            inode_get(tail->ino);
            list_add_tail(&locks, &tail->node);
            l->end = r->start - 1;
        } else if (l->start < r->start) {
            l->end = r->start - 1;
        } else if (l->end > r->end) {
            l->start = r->end + 1;
        } else {
            drop_locked(l, dead);
        }
    }
}

/* @p owner's lock @p r is in the list: merge it with its own neighbours of
 * the same type that touch or overlap it. Lock held. */
static void merge_locked(struct flock_rec *r, struct list_node *dead)
{
    for (struct list_node *n = locks.next, *next; n != &locks; n = next) {
        next = n->next;
        struct flock_rec *l = container_of(n, struct flock_rec, node);
        if (l == r || l->ino != r->ino || l->flock != r->flock || l->owner != r->owner || l->write != r->write)
            continue;
        int touches = (l->end == END_OF_FILE || l->end + 1 >= r->start) &&
                      (r->end == END_OF_FILE || r->end + 1 >= l->start);
        if (!touches)
            continue;
        r->start = l->start < r->start ? l->start : r->start;
        r->end = l->end > r->end ? l->end : r->end;
        drop_locked(l, dead);
    }
}

int vfs_lock_test(const struct vfs_lock *want, struct vfs_lock *out)
{
    struct flock_rec r = {.ino = want->ino, .owner = want->owner, .flock = want->flock,
                          .write = want->type == VFS_LOCK_WRITE, .start = want->start, .end = want->end};
    irqflags_t f = spin_lock_irqsave(&locks_lock);
    struct flock_rec *l = conflict_locked(&r);
    *out = *want;
    out->type = VFS_LOCK_NONE;
    if (l) {
        out->type = l->write ? VFS_LOCK_WRITE : VFS_LOCK_READ;
        out->start = l->start;
        out->end = l->end;
        out->pid = l->pid;
    }
    spin_unlock_irqrestore(&locks_lock, f);
    return 0;
}

int vfs_lock_set(const struct vfs_lock *want, int wait, int detect_deadlock)
{
    if (want->start > want->end)
        return -EINVAL;
    struct flock_rec r = {.ino = want->ino, .owner = want->owner, .pid = want->pid, .flock = want->flock,
                          .write = want->type == VFS_LOCK_WRITE, .start = want->start, .end = want->end};
    /* Two records at most are needed (the lock, and a split's far half):
     * taken before the spinlock. */
    struct flock_rec *rec = want->type == VFS_LOCK_NONE ? NULL : kzalloc(sizeof *rec);
    struct flock_rec *spare = kzalloc(sizeof *spare);
    if ((want->type != VFS_LOCK_NONE && !rec) || !spare) {
        kfree(rec);
        kfree(spare);
        return -ENOLCK;
    }
    struct waitqueue *sig = task_signal_wq();
    struct list_node dead;
    list_init(&dead);
    int err = 0;
    for (;;) {
        struct lock_waiter me = {.owner = want->owner};
        struct wait_set ws;
        wait_set_init(&ws);
        wait_set_add(&ws, &locks_wq);
        if (sig)
            wait_set_add(&ws, sig);
        irqflags_t f = spin_lock_irqsave(&locks_lock);
        struct flock_rec *l = want->type == VFS_LOCK_NONE ? NULL : conflict_locked(&r);
        if (!l) {
            clear_range_locked(&r, &spare, &dead);
            if (rec) {
                *rec = r;
                inode_get(rec->ino);
                list_add_tail(&locks, &rec->node);
                merge_locked(rec, &dead);
                rec = NULL;
            }
        } else if (!wait) {
            err = -EAGAIN;
        } else if (detect_deadlock && deadlock_locked(want->owner, l->owner)) {
            err = -EDEADLK;
        } else if (sig && task_signal_pending()) {
            err = -ERESTARTSYS;
        } else {
            me.blocker = l->owner;
            list_add_tail(&waiters, &me.node);
        }
        spin_unlock_irqrestore(&locks_lock, f);
        if (!l || err) {
            wait_set_clear(&ws);
            break;
        }
        wait_set_block(&ws);
        wait_set_clear(&ws);
        f = spin_lock_irqsave(&locks_lock);
        list_del(&me.node);
        spin_unlock_irqrestore(&locks_lock, f);
    }
    kfree(rec);
    kfree(spare);
    bury(&dead);
    if (!err)
        wq_wake_all(&locks_wq); /* what was given up may let a waiter in */
    return err;
}

/* Drop every lock @p pick chooses; wake the waiters if any went. */
static void release_where(int (*pick)(const struct flock_rec *l, const void *arg), const void *arg)
{
    struct list_node dead;
    list_init(&dead);
    irqflags_t f = spin_lock_irqsave(&locks_lock);
    for (struct list_node *n = locks.next, *next; n != &locks; n = next) {
        next = n->next;
        struct flock_rec *l = container_of(n, struct flock_rec, node);
        if (pick(l, arg))
            drop_locked(l, &dead);
    }
    spin_unlock_irqrestore(&locks_lock, f);
    if (!list_empty(&dead)) {
        bury(&dead);
        wq_wake_all(&locks_wq);
    }
}

struct owner_on {
    struct inode *ino;
    uintptr_t owner;
};

static int owned_on(const struct flock_rec *l, const void *arg)
{
    const struct owner_on *o = arg;
    return l->owner == o->owner && (!o->ino || l->ino == o->ino);
}

void vfs_locks_release(struct inode *ino, uintptr_t owner)
{
    struct owner_on o = {ino, owner};
    release_where(owned_on, &o);
}
