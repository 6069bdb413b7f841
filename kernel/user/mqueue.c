/**
 * @file mqueue.c
 * @brief POSIX message queues with Linux's system calls: mq_open,
 *        mq_unlink, mq_timedsend, mq_timedreceive, mq_notify and
 *        mq_getsetattr.
 *
 * A queue has a name in one flat name space (the C library strips the
 * leading '/'; a name holding another '/', "." or ".." is EACCES, as
 * Linux's mqueue file system has them) and lives until it is unlinked and
 * its last descriptor closed. A descriptor is a file on the queue's inode
 * (S_IFREG with the creator's ids and mode less umask, checked at open as a
 * file's bits are): dup, fork and close act on it as on any file, read()
 * gives Linux's status line, poll() says readable while a message waits and
 * writable while there is room. One wait queue per queue wakes senders,
 * receivers and pollers alike on every change.
 *
 * Messages wait in one list, the highest priority first and in the order
 * sent within a priority. A send to a full queue and a receive from an
 * empty one wait (unless O_NONBLOCK: EAGAIN) until the absolute
 * CLOCK_REALTIME timeout (ETIMEDOUT) or a signal (EINTR, or a restart under
 * SA_RESTART, as Linux does).
 *
 * Limits are Linux's defaults: a process without privilege may ask at most
 * MQ_MSG_MAX messages of MQ_MSGSIZE_MAX bytes and make MQ_QUEUES_MAX queues;
 * root (the only privilege here) up to the hard ceilings and any number.
 * Every user's queues together are charged, as Linux counts them, against
 * its RLIMIT_MSGQUEUE (EMFILE past it): that bounds the memory a user can
 * make the kernel hold, root included.
 *
 * mq_notify(): one registration per queue (EBUSY), for SIGEV_SIGNAL (sent
 * with SI_MESGQ, the sender's pid and the registered value) or SIGEV_NONE,
 * taken off when a message arrives on the empty queue with no receiver
 * waiting, when its process calls mq_notify(NULL) or when the file it was
 * made through is closed for the last time by that process. SIGEV_THREAD
 * wants a netlink socket in sigev_signo to post to (the C library runs the
 * thread); there are no sockets, so any descriptor there is ENOTSOCK (the C
 * library, failing to make its socket, already says ENOSYS).
 */
#include "signal.h"
#include "sys.h"
#include <hal/timer.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/list.h>
#include <kernel/printf.h>
#include <kernel/proc.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include <kernel/uaccess.h>
#include <kernel/user.h>
#include <kernel/vfs.h>
#include <kernel/wait.h>

#define MQ_NAME_MAX 255
#define MQ_PRIO_MAX 32768
#define MQ_MSG_MAX 10            /* /proc/sys/fs/mqueue/msg_max's default */
#define MQ_MSGSIZE_MAX 8192      /* msgsize_max's */
#define MQ_QUEUES_MAX 256        /* queues_max's */
#define MQ_HARD_MSG_MAX 65536    /* the ceilings even root stays under */
#define MQ_HARD_MSGSIZE_MAX (16u << 20)
#define MQ_MSG_OVERHEAD 48       /* what Linux charges per message and per priority, 64-bit */
#define RLIMIT_MSGQUEUE 12

#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2
#define SI_MESGQ (-3)
#define NOTIFY_COOKIE_LEN 32

struct mq_msg {
    struct mq_msg *next;
    unsigned prio;
    size_t len;
    uint8_t data[];
};

struct mq {
    struct list_node all; /* in mqs, linked or not (mq_lock) */
    char name[MQ_NAME_MAX + 1];
    int linked;           /* has its name (mq_lock) */
    unsigned refs;        /* open files, and one for the name (mq_lock) */
    struct inode *ino;    /* mode, ids; every descriptor's inode */
    uint32_t charged_uid; /* whose RLIMIT_MSGQUEUE it counts against */
    uint64_t charge;      /* bytes counted */
    long maxmsg, msgsize;
    struct waitqueue wq;  /* its lock covers the fields below */
    struct mq_msg *head;  /* the next to receive */
    long curmsgs;
    uint64_t qsize;       /* bytes of the messages waiting */
    unsigned receivers;   /* threads waiting to receive */
    int notify_pid;       /* 0: no registration */
    int notify_how, notify_sig;
    uint64_t notify_value;
};

/* struct mq_attr */
struct mq_attr_u {
    int64_t flags, maxmsg, msgsize, curmsgs;
    int64_t pad[4];
};

/* struct sigevent */
struct sigevent_u {
    uint64_t value;
    int32_t signo, notify;
    int32_t pad[12];
};

struct timespec_u {
    int64_t sec, nsec;
};

static struct mutex mq_lock = {WAITQUEUE_INIT(mq_lock.wq, "mqueue"), NULL, 0};
static struct list_node mqs = LIST_INIT(mqs);
static unsigned mq_dev;
static const struct inode_ops mq_iops = {0};
static const struct file_ops mq_ops;

static int privileged(void)
{
    const struct cred *c = vfs_cred();
    return !c || c->euid == 0;
}

/* A queue's name from user memory, without the C library's '/': its length or an errno. */
static long mq_name(uint64_t uname, char name[MQ_NAME_MAX + 1])
{
    long n = strncpy_from_user(name, (const char *)(uintptr_t)uname, MQ_NAME_MAX + 1);
    if (n == 0)
        return -ENOENT;
    if (n > 0 && (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")))
        return -EACCES;
    return n;
}

static struct mq *mq_find_locked(const char *name)
{
    list_for_each(n, &mqs) {
        struct mq *q = container_of(n, struct mq, all);
        if (q->linked && !strcmp(q->name, name))
            return q;
    }
    return NULL;
}

static void mq_free(struct mq *q)
{
    for (struct mq_msg *m = q->head, *next; m; m = next) {
        next = m->next;
        kfree(m);
    }
    inode_put(q->ino);
    kfree(q);
}

/* Drop a reference; the last frees the queue. */
static void mq_put(struct mq *q)
{
    mutex_lock(&mq_lock);
    int last = --q->refs == 0;
    if (last)
        list_del(&q->all);
    mutex_unlock(&mq_lock);
    if (last)
        mq_free(q);
}

/* ---- the descriptor ---- */

static int may_receive(const struct file *f) { return (f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_ACCMODE) == O_RDWR; }
static int may_send(const struct file *f) { return (f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_ACCMODE) == O_RDWR; }

static long mq_read(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    struct mq *q = f->priv;
    irqflags_t fl = spin_lock_irqsave(&q->wq.lock);
    uint64_t qsize = q->qsize;
    int pid = q->notify_pid, how = pid ? q->notify_how : 0;
    int sig = pid && how == SIGEV_SIGNAL ? q->notify_sig : 0;
    spin_unlock_irqrestore(&q->wq.lock, fl);
    char line[96];
    int len = ksnprintf(line, sizeof line, "QSIZE:%-10llu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n",
                        (unsigned long long)qsize, how, sig, pid);
    if (*pos >= (uint64_t)len)
        return 0;
    size_t k = (size_t)len - (size_t)*pos;
    if (k > n)
        k = n;
    if (iobuf_put(b, 0, line + *pos, k))
        return -EFAULT;
    *pos += k;
    return (long)k;
}

static unsigned mq_poll(struct file *f, struct wait_set *ws)
{
    struct mq *q = f->priv;
    if (ws)
        wait_set_add(ws, &q->wq);
    irqflags_t fl = spin_lock_irqsave(&q->wq.lock);
    unsigned ev = (q->curmsgs ? POLLIN | POLLRDNORM : 0) | (q->curmsgs < q->maxmsg ? POLLOUT | POLLWRNORM : 0);
    spin_unlock_irqrestore(&q->wq.lock, fl);
    return ev;
}

static void mq_release(struct file *f)
{
    struct mq *q = f->priv;
    struct proc *p = proc_current();
    /* As Linux: its registrant closing the file ends the registration. */
    irqflags_t fl = spin_lock_irqsave(&q->wq.lock);
    if (p && q->notify_pid == p->pid)
        q->notify_pid = 0;
    spin_unlock_irqrestore(&q->wq.lock, fl);
    mq_put(q);
}

static const struct file_ops mq_ops = {.read = mq_read, .poll = mq_poll, .release = mq_release, .seekable = 1};

/* The queue open as descriptor @p fd, held (file_put()), or NULL: EBADF. */
static struct file *mq_get(uint64_t fd)
{
    struct file *f = fd_get(proc_current()->fs.fds, (int)fd);
    if (f && f->ops != &mq_ops) {
        file_put(f);
        return NULL;
    }
    return f;
}

/* ---- mq_open, mq_unlink ---- */

/* The bytes Linux charges a queue of @p maxmsg messages of @p msgsize. */
static uint64_t mq_charge(long maxmsg, long msgsize)
{
    uint64_t prios = maxmsg < MQ_PRIO_MAX ? (uint64_t)maxmsg : MQ_PRIO_MAX;
    return (uint64_t)maxmsg * MQ_MSG_OVERHEAD + prios * MQ_MSG_OVERHEAD + (uint64_t)maxmsg * (uint64_t)msgsize;
}

/* A new queue named @p name (mq_lock held), with one reference for the name. */
static long mq_create_locked(const char *name, uint32_t mode, const struct mq_attr_u *attr, struct mq **out)
{
    long maxmsg = MQ_MSG_MAX, msgsize = MQ_MSGSIZE_MAX;
    int priv = privileged();
    if (attr) {
        if (attr->maxmsg <= 0 || attr->msgsize <= 0)
            return -EINVAL;
        if (priv ? attr->maxmsg > MQ_HARD_MSG_MAX || attr->msgsize > MQ_HARD_MSGSIZE_MAX
                 : attr->maxmsg > MQ_MSG_MAX || attr->msgsize > MQ_MSGSIZE_MAX)
            return -EINVAL;
        maxmsg = attr->maxmsg;
        msgsize = attr->msgsize;
    }
    struct proc *p = proc_current();
    unsigned count = 0;
    uint64_t mine = 0, charge = mq_charge(maxmsg, msgsize);
    list_for_each(n, &mqs) {
        struct mq *o = container_of(n, struct mq, all);
        count++;
        if (o->charged_uid == p->fs.cred.uid)
            mine += o->charge;
    }
    if (!priv && count >= MQ_QUEUES_MAX)
        return -ENOSPC;
    if (mine + charge > p->rlim[RLIMIT_MSGQUEUE].cur)
        return -EMFILE;
    struct mq *q = kzalloc(sizeof *q);
    if (!mq_dev)
        mq_dev = vfs_new_dev();
    struct inode *ino = q ? inode_alloc(mq_dev, &mq_iops, S_IFREG | (mode & ~p->fs.umask & 07777)) : NULL;
    if (!ino) {
        kfree(q);
        return -ENOMEM;
    }
    ino->uid = p->fs.cred.fsuid;
    ino->gid = p->fs.cred.fsgid;
    strlcpy(q->name, name, sizeof q->name);
    q->linked = 1;
    q->refs = 1;
    q->ino = ino;
    q->charged_uid = p->fs.cred.uid;
    q->charge = charge;
    q->maxmsg = maxmsg;
    q->msgsize = msgsize;
    wq_init(&q->wq, "mqueue");
    list_add_tail(&mqs, &q->all);
    *out = q;
    return 0;
}

/* mq_open(name, oflag, mode, attr): a descriptor, as Linux orders its errors. */
static long sys_mq_open(const uint64_t a[6])
{
    char name[MQ_NAME_MAX + 1];
    unsigned oflag = (unsigned)a[1];
    struct mq_attr_u attr;
    if (a[3] && copy_from_user(&attr, (const void *)(uintptr_t)a[3], sizeof attr))
        return -EFAULT;
    long e = mq_name(a[0], name);
    if (e < 0)
        return e;
    mutex_lock(&mq_lock);
    struct mq *q = mq_find_locked(name);
    if (!q) {
        e = !(oflag & O_CREAT) ? -ENOENT : mq_create_locked(name, (uint32_t)a[2], a[3] ? &attr : NULL, &q);
    } else if ((oflag & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
        e = -EEXIST;
    } else if ((oflag & O_ACCMODE) == O_ACCMODE) {
        e = -EINVAL;
    } else {
        const struct cred *c = vfs_cred();
        int mask = (oflag & O_ACCMODE) == O_RDONLY ? MAY_READ : (oflag & O_ACCMODE) == O_WRONLY ? MAY_WRITE
                                                                                            : MAY_READ | MAY_WRITE;
        e = c ? cred_may(c, c->fsuid, c->fsgid, q->ino, mask) : 0;
    }
    if (!e)
        q->refs++; /* the file's */
    mutex_unlock(&mq_lock);
    if (e)
        return e;
    struct file *f = file_anon(&mq_dev, &mq_iops, &mq_ops, (oflag & (O_ACCMODE | O_NONBLOCK)), q);
    if (!f) {
        mq_put(q);
        return -ENOMEM;
    }
    inode_put(f->inode); /* every descriptor of the queue shows its inode */
    f->inode = inode_get(q->ino);
    return sys_install_fd(f, (oflag & O_CLOEXEC) != 0); /* a failure's put drops q */
}

static long sys_mq_unlink(const uint64_t a[6])
{
    char name[MQ_NAME_MAX + 1];
    long e = mq_name(a[0], name);
    if (e < 0)
        return e;
    mutex_lock(&mq_lock);
    struct mq *q = mq_find_locked(name);
    const struct cred *c = vfs_cred();
    if (!q)
        e = -ENOENT;
    else if (c && c->fsuid != 0 && c->fsuid != q->ino->uid)
        e = -EPERM; /* the name space is sticky, as Linux's root directory of it */
    else
        e = 0, q->linked = 0;
    mutex_unlock(&mq_lock);
    if (!e)
        mq_put(q); /* the name's reference */
    return e;
}

/* ---- sending and receiving ---- */

/* An absolute CLOCK_REALTIME timeout at user @p uts as a hal_time_ns()
 * deadline (UINT64_MAX: none). */
static long mq_deadline(uint64_t uts, uint64_t *deadline)
{
    *deadline = UINT64_MAX;
    if (!uts)
        return 0;
    struct timespec_u ts;
    if (copy_from_user(&ts, (const void *)(uintptr_t)uts, sizeof ts))
        return -EFAULT;
    if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
        return -EINVAL;
    const uint64_t cap_s = 100000000ull; /* further than about 3 years: never */
    uint64_t now = hal_time_ns(), wall = clock_wall_ns();
    if ((uint64_t)ts.sec > wall / NSEC_PER_SEC + cap_s)
        return 0;
    uint64_t abs = (uint64_t)ts.sec * NSEC_PER_SEC + (uint64_t)ts.nsec;
    *deadline = abs > wall ? now + (abs - wall) : now;
    return 0;
}

static int mq_ready(const struct mq *q, int receive) { return receive ? q->curmsgs > 0 : q->curmsgs < q->maxmsg; }

/* Until @p q has a message (@p receive) or room: 0 with q->wq.lock held
 * (*@p fl), or -EAGAIN (O_NONBLOCK), -ERESTARTSYS, -ETIMEDOUT without it. */
static long mq_wait(struct file *f, struct mq *q, int receive, uint64_t deadline, irqflags_t *fl)
{
    for (;;) {
        *fl = spin_lock_irqsave(&q->wq.lock);
        if (mq_ready(q, receive))
            return 0;
        spin_unlock_irqrestore(&q->wq.lock, *fl);
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        struct waitqueue *sig = task_signal_wq();
        if (sig && task_signal_pending())
            return -ERESTARTSYS;
        if (deadline != UINT64_MAX && hal_time_ns() >= deadline)
            return -ETIMEDOUT;
        struct wait_set ws;
        wait_set_init(&ws);
        wait_set_add(&ws, &q->wq);
        if (sig)
            wait_set_add(&ws, sig);
        *fl = spin_lock_irqsave(&q->wq.lock);
        int ready = mq_ready(q, receive);
        q->receivers += !ready && receive; /* a message for it is not notified */
        spin_unlock_irqrestore(&q->wq.lock, *fl);
        if (!ready) {
            /* A change since the set was made returns at once. */
            if (deadline == UINT64_MAX)
                wait_set_block(&ws);
            else
                wait_set_block_until(&ws, deadline);
            if (receive) {
                *fl = spin_lock_irqsave(&q->wq.lock);
                q->receivers--;
                spin_unlock_irqrestore(&q->wq.lock, *fl);
            }
        }
        wait_set_clear(&ws);
    }
}

/* The checks mq_timedsend (@p send) and mq_timedreceive share, in Linux's
 * order: the queue's file, held, with *@p deadline; or NULL and *@p e. */
static struct file *mq_io(const uint64_t a[6], int send, uint64_t *deadline, long *e)
{
    *e = send && a[3] >= MQ_PRIO_MAX ? -EINVAL : mq_deadline(a[4], deadline);
    if (*e)
        return NULL;
    struct file *f = mq_get(a[0]);
    struct mq *q = f ? f->priv : NULL;
    *e = !f || !(send ? may_send(f) : may_receive(f)) ? -EBADF
       : (send ? a[2] > (uint64_t)q->msgsize : a[2] < (uint64_t)q->msgsize) ? -EMSGSIZE : 0;
    if (*e && f)
        file_put(f);
    return *e ? NULL : f;
}

/* mq_timedsend(mqdes, msg, len, prio, abs_timeout) */
static long sys_mq_timedsend(const uint64_t a[6])
{
    uint64_t deadline;
    long e;
    struct file *f = mq_io(a, 1, &deadline, &e);
    if (!f)
        return e;
    struct mq *q = f->priv;
    struct mq_msg *m = kmalloc(sizeof *m + a[2]);
    e = !m ? -ENOMEM : copy_from_user(m->data, (const void *)(uintptr_t)a[1], a[2]) ? -EFAULT : 0;
    struct ksiginfo ki = {.code = SI_MESGQ, .pid = proc_current()->pid};
    int notify_pid = 0, notify_sig = 0;
    irqflags_t fl;
    if (!e)
        e = mq_wait(f, q, 0, deadline, &fl);
    if (!e) {
        m->prio = (unsigned)a[3];
        m->len = a[2];
        struct mq_msg **at = &q->head;
        while (*at && (*at)->prio >= m->prio)
            at = &(*at)->next;
        m->next = *at;
        *at = m;
        q->qsize += m->len;
        if (++q->curmsgs == 1 && q->notify_pid && !q->receivers) {
            /* The empty queue's first message, and no one waiting for it. */
            notify_pid = q->notify_pid;
            notify_sig = q->notify_how == SIGEV_SIGNAL ? q->notify_sig : 0;
            ki.value = q->notify_value;
            q->notify_pid = 0;
        }
        wq_wake_all_locked(&q->wq);
        spin_unlock_irqrestore(&q->wq.lock, fl);
    }
    file_put(f);
    if (e) {
        kfree(m);
        return e;
    }
    if (notify_sig)
        proc_signal_for(notify_pid, notify_sig, &ki);
    return 0;
}

/* mq_timedreceive(mqdes, buf, len, prio_out, abs_timeout): the message's length. */
static long sys_mq_timedreceive(const uint64_t a[6])
{
    uint64_t deadline;
    long e;
    struct file *f = mq_io(a, 0, &deadline, &e);
    if (!f)
        return e;
    struct mq *q = f->priv;
    irqflags_t fl;
    e = mq_wait(f, q, 1, deadline, &fl);
    struct mq_msg *m = NULL;
    if (!e) {
        m = q->head;
        q->head = m->next;
        q->curmsgs--;
        q->qsize -= m->len;
        wq_wake_all_locked(&q->wq);
        spin_unlock_irqrestore(&q->wq.lock, fl);
    }
    file_put(f);
    if (e)
        return e;
    /* As on Linux, a message that cannot be handed over is lost. */
    long r = (long)m->len;
    if (copy_to_user((void *)(uintptr_t)a[1], m->data, m->len) ||
        (a[3] && copy_to_user((void *)(uintptr_t)a[3], &m->prio, sizeof m->prio)))
        r = -EFAULT;
    kfree(m);
    return r;
}

/* ---- mq_notify, mq_getsetattr ---- */

static long sys_mq_notify(const uint64_t a[6])
{
    struct sigevent_u ev;
    if (a[1]) {
        if (copy_from_user(&ev, (const void *)(uintptr_t)a[1], sizeof ev))
            return -EFAULT;
        if (ev.notify != SIGEV_NONE && ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_THREAD)
            return -EINVAL;
        if (ev.notify == SIGEV_SIGNAL && (ev.signo < 0 || ev.signo > NSIG_MAX))
            return -EINVAL;
        if (ev.notify == SIGEV_THREAD) {
            uint8_t cookie[NOTIFY_COOKIE_LEN];
            if (copy_from_user(cookie, (const void *)(uintptr_t)ev.value, sizeof cookie))
                return -EFAULT;
            struct file *s = fd_get(proc_current()->fs.fds, ev.signo);
            if (!s)
                return -EBADF;
            file_put(s);
            return -ENOTSOCK; /* no sockets, no netlink one */
        }
    }
    struct file *f = mq_get(a[0]);
    if (!f)
        return -EBADF;
    struct mq *q = f->priv;
    int me = proc_current()->pid;
    long e = 0;
    irqflags_t fl = spin_lock_irqsave(&q->wq.lock);
    if (!a[1]) {
        if (q->notify_pid == me)
            q->notify_pid = 0;
    } else if (q->notify_pid) {
        e = -EBUSY;
    } else {
        q->notify_pid = me;
        q->notify_how = ev.notify;
        q->notify_sig = ev.signo;
        q->notify_value = ev.value;
    }
    spin_unlock_irqrestore(&q->wq.lock, fl);
    file_put(f);
    return e;
}

/* mq_getsetattr(mqdes, new, old): only O_NONBLOCK can be set. */
static long sys_mq_getsetattr(const uint64_t a[6])
{
    struct mq_attr_u in, out;
    if (a[1]) {
        if (copy_from_user(&in, (const void *)(uintptr_t)a[1], sizeof in))
            return -EFAULT;
        if (in.flags & ~(int64_t)O_NONBLOCK)
            return -EINVAL;
    }
    struct file *f = mq_get(a[0]);
    if (!f)
        return -EBADF;
    struct mq *q = f->priv;
    memset(&out, 0, sizeof out);
    irqflags_t fl = spin_lock_irqsave(&q->wq.lock);
    out.flags = f->flags & O_NONBLOCK;
    out.maxmsg = q->maxmsg;
    out.msgsize = q->msgsize;
    out.curmsgs = q->curmsgs;
    if (a[1]) {
        unsigned flags = (f->flags & ~(unsigned)O_NONBLOCK) | ((unsigned)in.flags & O_NONBLOCK);
        __atomic_store_n(&f->flags, flags, __ATOMIC_RELAXED);
    }
    spin_unlock_irqrestore(&q->wq.lock, fl);
    file_put(f);
    return a[2] ? copy_to_user((void *)(uintptr_t)a[2], &out, sizeof out) : 0;
}

const struct sysent sys_mq_table[] = {
    SYSENT(mq_open), SYSENT(mq_unlink), SYSENT(mq_timedsend), SYSENT(mq_timedreceive), SYSENT(mq_notify),
    SYSENT(mq_getsetattr),
};
const unsigned sys_mq_count = sizeof sys_mq_table / sizeof sys_mq_table[0];
