/**
 * @file socket.c
 * @brief Sockets as files (kernel/socket.h): the family registry, a
 *        socket's open file (read and write as recv and send with no
 *        flags, poll, ioctl, fstat as S_IFSOCK, /proc's "socket:[INO]"),
 *        and the SOL_SOCKET options every family has.
 */
#include "families.h"
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/signo.h>
#include <kernel/socket.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include <kernel/uaccess.h>
#include <kernel/wait.h>
#include <hal/timer.h>

#include "inet_internal.h"

#define SO_TYPE 3
#define SO_PASSCRED 16
#define SO_RCVTIMEO_OLD 20
#define SO_SNDTIMEO_OLD 21
#define SO_PROTOCOL 38
#define SO_DOMAIN 39
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67

#define FIONBIO 0x5421

/* Written at boot only, before any process asks for a socket. */
static const struct sock_family *families[AF_MAX];

void sock_register(const struct sock_family *f)
{
    if (f->family > 0 && f->family < AF_MAX)
        families[f->family] = f;
}

void sock_families_init(void)
{
    unix_register();
    inet_init();
    netlink_register();
    packet_register();
}

int sock_wait(struct waitqueue *wq, int (*ready)(void *arg), void *arg, uint64_t timeo_ns)
{
    struct waitqueue *sig = task_signal_wq();
    uint64_t deadline = timeo_ns ? hal_time_ns() + timeo_ns : 0;
    for (;;) {
        struct wait_set ws;
        wait_set_init(&ws);
        wait_set_add(&ws, wq);
        if (sig)
            wait_set_add(&ws, sig);
        int r = 1;
        if (ready(arg))
            r = 0;
        else if (sig && task_signal_pending())
            r = deadline ? -EINTR : -ERESTARTSYS;
        else if (!deadline)
            wait_set_block(&ws);
        else if (wait_set_block_until(&ws, deadline))
            r = -EAGAIN;
        wait_set_clear(&ws);
        if (r <= 0)
            return r;
    }
}

int sock_privileged(void)
{
    const struct cred *c = vfs_cred();
    return !c || !c->euid;
}

unsigned sock_bufsize(int v)
{
    return v < 1152 ? 2304 : v > 0x3fffffff ? 0x7ffffffe : (unsigned)v * 2;
}

static unsigned live; /* sockets allocated and not freed */

unsigned sock_count(void)
{
    return __atomic_load_n(&live, __ATOMIC_RELAXED);
}

struct socket *sock_alloc(int family, int type, int protocol, const struct sock_ops *ops)
{
    struct socket *s = kzalloc(sizeof *s);
    if (s) {
        __atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
        s->family = family;
        s->type = type;
        s->protocol = protocol;
        s->ops = ops;
    }
    return s;
}

void sock_free(struct socket *s)
{
    if (!s)
        return;
    if (s->ops && s->ops->release)
        s->ops->release(s);
    __atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
    kfree(s);
}

int sock_create(int family, int type, int protocol, struct socket **out)
{
    if (family < 0 || family >= AF_MAX)
        return -EAFNOSUPPORT;
    const struct sock_family *fam = families[family];
    if (!fam)
        return -EAFNOSUPPORT;
    struct socket *s = sock_alloc(family, type, protocol, NULL);
    if (!s)
        return -ENOMEM;
    int e = fam->create(s, type, protocol);
    if (e) {
        s->ops = NULL; /* the family filled nothing it must free */
        sock_free(s);
        return e;
    }
    *out = s;
    return 0;
}

int sock_pair(int family, int type, int protocol, struct socket **a, struct socket **b)
{
    if (family < 0 || family >= AF_MAX || !families[family])
        return -EAFNOSUPPORT;
    const struct sock_family *fam = families[family];
    struct socket *x, *y;
    int e = sock_create(family, type, protocol, &x);
    if (e)
        return e;
    if (!fam->pair) {
        sock_free(x);
        return -EOPNOTSUPP;
    }
    e = sock_create(family, type, protocol, &y);
    if (e) {
        sock_free(x);
        return e;
    }
    e = fam->pair(x, y);
    if (e) {
        sock_free(x);
        sock_free(y);
        return e;
    }
    *a = x;
    *b = y;
    return 0;
}

int sock_data_get(const struct sock_data *d, size_t off, void *dst, size_t n)
{
    uint8_t *p = dst;
    for (unsigned i = 0; i < d->nseg && n; i++) {
        const struct sock_seg *s = &d->seg[i];
        if (off >= s->len) {
            off -= s->len;
            continue;
        }
        size_t c = s->len - off < n ? s->len - off : n;
        if (iobuf_get(p, &s->buf, off, c))
            return -EFAULT;
        p += c;
        n -= c;
        off = 0;
    }
    return n ? -EFAULT : 0;
}

int sock_data_put(const struct sock_data *d, size_t off, const void *src, size_t n)
{
    const uint8_t *p = src;
    for (unsigned i = 0; i < d->nseg && n; i++) {
        const struct sock_seg *s = &d->seg[i];
        if (off >= s->len) {
            off -= s->len;
            continue;
        }
        size_t c = s->len - off < n ? s->len - off : n;
        if (iobuf_put(&s->buf, off, p, c))
            return -EFAULT;
        p += c;
        n -= c;
        off = 0;
    }
    return n ? -EFAULT : 0;
}

/* ---- the open file ---- */

static unsigned sock_dev;
static const struct inode_ops sock_iops = {0};
static const struct file_ops sock_fops;

struct socket *sock_of(struct file *f)
{
    return f && f->ops == &sock_fops ? f->priv : NULL;
}

/* read() and write(): recv() and send() with no flags, so a write to a
 * connection its peer closed raises SIGPIPE. */
static long sock_rw(struct file *f, const struct iobuf *b, size_t n, int send)
{
    struct socket *s = f->priv;
    struct sock_seg seg = {*b, n};
    struct sock_msg m = {.data = {&seg, 1, n}};
    int nb = (f->flags & O_NONBLOCK) != 0;
    long r;
    if (send) {
        r = s->ops->sendmsg ? s->ops->sendmsg(s, &m, 0, nb) : -EOPNOTSUPP;
        if (r == -EPIPE)
            task_signal_self(SIGPIPE);
    } else {
        r = s->ops->recvmsg ? s->ops->recvmsg(s, &m, 0, nb) : -EOPNOTSUPP;
    }
    return r;
}

static long sock_read(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)pos;
    return sock_rw(f, b, n, 0);
}

static long sock_write(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)pos;
    return sock_rw(f, b, n, 1);
}

static unsigned sock_poll(struct file *f, struct wait_set *ws)
{
    struct socket *s = f->priv;
    return s->ops->poll ? s->ops->poll(s, ws) : 0;
}

/* FIONBIO sets O_NONBLOCK as fcntl does; the rest are the family's, and
 * what it does not know the interface ioctls' (SIOCGIFINDEX, ...), which
 * Linux answers on a socket of any family: glibc's if_nametoindex() asks
 * an AF_UNIX one. */
static long sock_ioctl(struct file *f, unsigned cmd, uintptr_t arg)
{
    struct socket *s = f->priv;
    if (cmd == FIONBIO) {
        int on;
        if (copy_from_user(&on, (const void *)arg, sizeof on))
            return -EFAULT;
        if (on)
            __atomic_fetch_or(&f->flags, O_NONBLOCK, __ATOMIC_RELAXED);
        else
            __atomic_fetch_and(&f->flags, ~(unsigned)O_NONBLOCK, __ATOMIC_RELAXED);
        return 0;
    }
    long r = s->ops->ioctl ? s->ops->ioctl(s, cmd, arg) : -ENOTTY;
    return r == -ENOTTY ? inet_if_ioctl(cmd, arg) : r;
}

static void sock_release(struct file *f)
{
    sock_free(f->priv);
}

/* Nothing of a socket is synced: EINVAL, as Linux answers. */
static int sock_fsync(struct file *f)
{
    (void)f;
    return -EINVAL;
}

/* A socket's descriptor closed: the last reference a process held to a
 * socket sent in its own queue may have gone with it. */
static void sock_closed(void)
{
    unix_closed();
}

static const struct file_ops sock_fops = {
    .read = sock_read, .write = sock_write, .poll = sock_poll, .ioctl = sock_ioctl,
    .release = sock_release, .fsync = sock_fsync, .closed = sock_closed,
};

int sock_file(struct socket *s, unsigned flags, struct file **out)
{
    struct file *f = file_anon(&sock_dev, &sock_iops, &sock_fops, O_RDWR | (flags & O_NONBLOCK), s);
    if (!f) {
        sock_free(s);
        return -ENOMEM;
    }
    f->inode->mode = S_IFSOCK | 0777; /* as Linux's sockets show in fstat */
    s->file = f;
    *out = f;
    return 0;
}

/* ---- the options every family has ---- */

/* struct timeval: the old and the 64-bit layouts are the same on the 64-bit
 * arches here (two 64-bit fields); only the option numbers differ. */
struct sock_timeval {
    int64_t sec, usec;
};

#define TIMEO_MAX_S 100000000ll /* longer timeouts are cut to about 3 years */

static int timeo_set(uint64_t *ns, const void *val, unsigned len)
{
    struct sock_timeval tv;
    if (len < sizeof tv)
        return -EINVAL;
    memcpy(&tv, val, sizeof tv);
    if (tv.usec < 0 || tv.usec >= 1000000)
        return -EDOM;
    if (tv.sec < 0) {
        *ns = 1; /* Linux: a negative time waits not at all */
        return 0;
    }
    if (tv.sec > TIMEO_MAX_S)
        tv.sec = TIMEO_MAX_S;
    *ns = (uint64_t)tv.sec * 1000000000ull + (uint64_t)tv.usec * 1000ull;
    return 0;
}

static unsigned timeo_get(uint64_t ns, void *val, unsigned len)
{
    struct sock_timeval tv = {(int64_t)(ns / 1000000000ull), (int64_t)(ns % 1000000000ull / 1000)};
    if (ns && !tv.sec && !tv.usec)
        tv.usec = 1; /* Linux rounds a timeout up to whole ticks: never shows 0 */
    if (len > sizeof tv)
        len = sizeof tv;
    memcpy(val, &tv, len);
    return len;
}

int sock_common_opt(struct socket *s, int set, int name, void *val, unsigned *len)
{
    int v;
    switch (name) {
    case SO_RCVTIMEO_OLD:
    case SO_RCVTIMEO_NEW:
        if (set)
            return timeo_set(&s->rcvtimeo_ns, val, *len);
        *len = timeo_get(s->rcvtimeo_ns, val, *len);
        return 0;
    case SO_SNDTIMEO_OLD:
    case SO_SNDTIMEO_NEW:
        if (set)
            return timeo_set(&s->sndtimeo_ns, val, *len);
        *len = timeo_get(s->sndtimeo_ns, val, *len);
        return 0;
    case SO_PASSCRED:
        if (set) {
            if (*len < sizeof(int))
                return -EINVAL;
            memcpy(&v, val, sizeof v);
            s->passcred = v != 0;
            return 0;
        }
        v = s->passcred;
        break;
    case SO_TYPE:
        v = s->type;
        break;
    case SO_DOMAIN:
        v = s->family;
        break;
    case SO_PROTOCOL:
        v = s->protocol;
        break;
    default:
        return -ENOPROTOOPT;
    }
    if (set)
        return -ENOPROTOOPT; /* read-only: the caller answers as for an unknown one */
    if (*len > sizeof v)
        *len = sizeof v;
    memcpy(val, &v, *len);
    return 0;
}
