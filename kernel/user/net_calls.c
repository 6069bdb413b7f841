/**
 * @file net_calls.c
 * @brief The socket system calls: socket, socketpair, bind, listen,
 *        accept, accept4, connect, getsockname, getpeername, sendto,
 *        recvfrom, sendmsg, recvmsg, sendmmsg, recvmmsg, shutdown,
 *        setsockopt, getsockopt (x86_64's send and recv are sendto and
 *        recvfrom; no arch here has socketcall).
 *
 * Each call copies the caller's addresses, option values, message headers,
 * vectors and control messages into kernel memory with Linux's checks and
 * errors (EBADF, then ENOTSOCK, then the pointers: EFAULT for each bad one,
 * EINVAL for a bad length), and calls the socket's family
 * (kernel/socket.h); the data itself is moved in place. recvmsg() installs
 * the files an SCM_RIGHTS message brings (close-on-exec with
 * MSG_CMSG_CLOEXEC) as far as the caller's control buffer has room, and
 * sets MSG_CTRUNC for the rest, which are closed. A send on a connection
 * the peer closed raises SIGPIPE unless MSG_NOSIGNAL.
 */
#include "sys.h"
#include <hal/timer.h>
#include <hal/user.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/proc.h>
#include <kernel/signo.h>
#include <kernel/socket.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include <kernel/uaccess.h>
#include <kernel/vfs.h>

#define MAX_RW_COUNT 0x7ffff000ul /* INT_MAX rounded down to a page, as Linux caps a transfer */
#define UIO_MAXIOV 1024
#define SOCK_TYPE_MAX 11
#define OPT_MAX 256               /* bytes of an option value copied */
#define CTL_MAX 20480             /* bytes of a send's control data (Linux's optmem_max) */
#define SO_ERROR 4
#define MSG_WAITFORONE 0x10000

struct msghdr_u {
    uint64_t name;
    int32_t namelen;
    int32_t pad0;
    uint64_t iov, iovlen, control, controllen;
    int32_t flags;
    int32_t pad1;
};

struct mmsghdr_u {
    struct msghdr_u hdr;
    uint32_t len;
    uint32_t pad;
};

struct cmsghdr_u {
    uint64_t len;
    int32_t level, type;
};

struct iovec_u {
    uint64_t base, len;
};

#define CMSG_ALIGN(n) (((n) + 7) & ~(uint64_t)7)
#define CMSG_HDR sizeof(struct cmsghdr_u)

static struct fs_ctx *fs(void) { return &proc_current()->fs; }

static int range_ok(uint64_t addr, uint64_t len)
{
    return addr <= hal_user_top() && len <= hal_user_top() - addr;
}

/* The socket of descriptor @p fd, its file held in *@p fp: EBADF, ENOTSOCK. */
static long sock_fd(int fd, struct file **fp, struct socket **sp)
{
    struct file *f = fd_get(fs()->fds, fd);
    if (!f)
        return -EBADF;
    struct socket *s = sock_of(f);
    if (!s) {
        file_put(f);
        return -ENOTSOCK;
    }
    *fp = f;
    *sp = s;
    return 0;
}

typedef long (*sock_op)(struct file *f, struct socket *s, const uint64_t a[6]);

/* A call on socket descriptor a[0]: @p op with its file (held meanwhile)
 * and socket; EBADF, ENOTSOCK. */
static long on_sock(const uint64_t a[6], sock_op op)
{
    struct file *f;
    struct socket *s;
    long e = sock_fd((int)a[0], &f, &s);
    if (e)
        return e;
    e = op(f, s, a);
    file_put(f);
    return e;
}

static int nonblocking(struct file *f, int flags)
{
    return (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
}

/* A caller's address into @p a: Linux's move_addr_to_kernel(). */
static long addr_in(uint64_t uaddr, int64_t len, struct sockaddr_k *a)
{
    if (len < 0 || len > SOCKADDR_MAX)
        return -EINVAL;
    memset(a, 0, sizeof *a);
    a->len = (unsigned)len;
    if (len && copy_from_user(a->b, (const void *)(uintptr_t)uaddr, (size_t)len))
        return -EFAULT;
    return 0;
}

/* An address out to the caller: as much as its *@p ulen has room for, and
 * the whole length in *@p ulen (Linux's move_addr_to_user()). */
static long addr_out(const struct sockaddr_k *a, uint64_t uaddr, uint64_t ulen)
{
    int len;
    if (copy_from_user(&len, (const void *)(uintptr_t)ulen, sizeof len))
        return -EFAULT;
    if (len < 0)
        return -EINVAL;
    if ((unsigned)len > a->len)
        len = (int)a->len;
    if (len && copy_to_user((void *)(uintptr_t)uaddr, a->b, (size_t)len))
        return -EFAULT;
    int full = (int)a->len;
    return copy_to_user((void *)(uintptr_t)ulen, &full, sizeof full) ? -EFAULT : 0;
}

/* ---- socket, socketpair ---- */

/* socket()'s and socketpair()'s first two arguments, checked as Linux
 * checks them: the domain, and the type with its SOCK_* flags apart. */
static long socket_args(const uint64_t a[6], int *family, int *t, unsigned *fl)
{
    unsigned flags = (unsigned)a[1] & ~(unsigned)SOCK_TYPE_MASK;
    if (flags & ~(unsigned)(SOCK_CLOEXEC | SOCK_NONBLOCK))
        return -EINVAL;
    *family = (int)a[0];
    *t = (int)a[1] & SOCK_TYPE_MASK;
    *fl = flags;
    if (*family < 0 || *family >= AF_MAX)
        return -EAFNOSUPPORT;
    return *t >= SOCK_TYPE_MAX ? -EINVAL : 0;
}

static long sys_socket(const uint64_t a[6])
{
    int family, type;
    unsigned flags;
    long e = socket_args(a, &family, &type, &flags);
    if (e)
        return e;
    struct socket *s;
    e = sock_create(family, type, (int)a[2], &s);
    struct file *f;
    if (!e)
        e = sock_file(s, flags & SOCK_NONBLOCK, &f);
    return e ? e : sys_install_fd(f, (flags & SOCK_CLOEXEC) != 0);
}

static long sys_socketpair(const uint64_t a[6])
{
    int family, type;
    unsigned flags;
    long e = socket_args(a, &family, &type, &flags);
    if (e)
        return e;
    struct socket *x, *y;
    e = sock_pair(family, type, (int)a[2], &x, &y);
    if (e)
        return e;
    struct file *fx, *fy;
    e = sock_file(x, flags & SOCK_NONBLOCK, &fx);
    if (e) {
        sock_free(y);
        return e;
    }
    e = sock_file(y, flags & SOCK_NONBLOCK, &fy);
    if (e) {
        file_put(fx);
        return e;
    }
    int cloexec = (flags & SOCK_CLOEXEC) != 0;
    int fds[2];
    fds[0] = (int)sys_install_fd(fx, cloexec);
    if (fds[0] < 0) {
        file_put(fy);
        return fds[0];
    }
    fds[1] = (int)sys_install_fd(fy, cloexec);
    if (fds[1] < 0) {
        fd_close(fs()->fds, fds[0]);
        return fds[1];
    }
    if (copy_to_user((void *)(uintptr_t)a[3], fds, sizeof fds)) {
        fd_close(fs()->fds, fds[0]);
        fd_close(fs()->fds, fds[1]);
        return -EFAULT;
    }
    return 0;
}

/* ---- bind, connect, listen, accept ---- */

static long bind_op(struct file *f, struct socket *s, const uint64_t a[6])
{
    (void)f;
    struct sockaddr_k addr;
    long e = addr_in(a[1], (int)a[2], &addr);
    return e ? e : s->ops->bind ? s->ops->bind(s, &addr) : -EOPNOTSUPP;
}
static long sys_bind(const uint64_t a[6]) { return on_sock(a, bind_op); }

static long sys_connect(const uint64_t a[6])
{
    /* As Linux: the descriptor, the address, then whether it is a socket. */
    struct file *f = fd_get(fs()->fds, (int)a[0]);
    if (!f)
        return -EBADF;
    struct sockaddr_k addr;
    long e = addr_in(a[1], (int)a[2], &addr);
    struct socket *s = sock_of(f);
    if (!e && !s)
        e = -ENOTSOCK;
    if (!e)
        e = s->ops->connect ? s->ops->connect(s, &addr, (f->flags & O_NONBLOCK) != 0) : -EOPNOTSUPP;
    file_put(f);
    return e;
}

static long listen_op(struct file *f, struct socket *s, const uint64_t a[6])
{
    (void)f;
    return s->ops->listen ? s->ops->listen(s, (int)a[1]) : -EOPNOTSUPP;
}
static long sys_listen(const uint64_t a[6]) { return on_sock(a, listen_op); }

static long do_accept(const uint64_t a[6], unsigned flags)
{
    if (flags & ~(unsigned)(SOCK_CLOEXEC | SOCK_NONBLOCK))
        return -EINVAL;
    struct file *f;
    struct socket *s;
    long e = sock_fd((int)a[0], &f, &s);
    if (e)
        return e;
    struct socket *ns = NULL;
    e = s->ops->accept ? s->ops->accept(s, &ns, (f->flags & O_NONBLOCK) != 0) : -EOPNOTSUPP;
    file_put(f);
    if (e)
        return e;
    struct file *nf;
    e = sock_file(ns, flags & SOCK_NONBLOCK, &nf);
    if (e)
        return e;
    if (a[1]) {
        struct sockaddr_k peer = {0};
        e = ns->ops->getname ? ns->ops->getname(ns, &peer, 1) : -EOPNOTSUPP;
        if (e)
            e = -ECONNABORTED;
        else
            e = addr_out(&peer, a[1], a[2]);
        if (e) {
            file_put(nf);
            return e;
        }
    }
    return sys_install_fd(nf, (flags & SOCK_CLOEXEC) != 0);
}

static long sys_accept4(const uint64_t a[6]) { return do_accept(a, (unsigned)a[3]); }
static long sys_accept(const uint64_t a[6]) { return do_accept(a, 0); }

/* ---- names ---- */

/* getsockname() and getpeername(): EBADF, ENOTSOCK (every descriptor but
 * a socket's: bash asks whether its input is a connection), the family's
 * answer (ENOTCONN), then the pointers. */
static long get_name(const uint64_t a[6], int peer)
{
    struct file *f;
    struct socket *s;
    long e = sock_fd((int)a[0], &f, &s);
    if (e)
        return e;
    struct sockaddr_k addr = {0};
    e = s->ops->getname ? s->ops->getname(s, &addr, peer) : -EOPNOTSUPP;
    file_put(f);
    return e ? e : addr_out(&addr, a[1], a[2]);
}

static long sys_getsockname(const uint64_t a[6]) { return get_name(a, 0); }
static long sys_getpeername(const uint64_t a[6]) { return get_name(a, 1); }

/* ---- sending and receiving ---- */

/* The vector at @p uiov (@p n entries) as segments: Linux's import_iovec()
 * (EMSGSIZE past UIO_MAXIOV, EFAULT, EINVAL for a negative length; the
 * total capped at MAX_RW_COUNT). *@p segs is kmalloc'd (kfree it). */
static long iov_in(uint64_t uiov, uint64_t n, struct sock_data *d, struct sock_seg **segs)
{
    *segs = NULL;
    if (n > UIO_MAXIOV)
        return -EMSGSIZE;
    d->seg = NULL;
    d->nseg = 0;
    d->len = 0;
    if (!n)
        return 0;
    struct sock_seg *sg = kmalloc(n * sizeof *sg);
    if (!sg)
        return -ENOMEM;
    for (uint64_t i = 0; i < n; i++) {
        struct iovec_u v;
        if (copy_from_user(&v, user_at(uiov, i * sizeof v), sizeof v)) {
            kfree(sg);
            return -EFAULT;
        }
        if ((int64_t)v.len < 0) {
            kfree(sg);
            return -EINVAL;
        }
        if (!range_ok(v.base, v.len)) {
            kfree(sg);
            return -EFAULT;
        }
        if (v.len > MAX_RW_COUNT - d->len)
            v.len = MAX_RW_COUNT - d->len;
        sg[i] = (struct sock_seg){{v.base, 1}, v.len};
        d->len += v.len;
    }
    d->seg = sg;
    d->nseg = (unsigned)n;
    *segs = sg;
    return 0;
}

/* A send's control messages into @p c (Linux's __scm_send()): SCM_RIGHTS
 * (AF_UNIX only; EBADF for a descriptor not open, EINVAL past SCM_MAX_FD)
 * and SCM_CREDENTIALS (EPERM for ids the caller may not claim). */
static long ctl_in(struct socket *s, uint64_t uctl, uint64_t len, struct sock_ctl *c)
{
    if (len > 0x7fffffff)
        return -ENOBUFS;
    if (len > CTL_MAX)
        return -ENOBUFS;
    uint8_t *buf = kmalloc(len ? len : 1);
    if (!buf)
        return -ENOMEM;
    long e = 0;
    if (copy_from_user(buf, (const void *)(uintptr_t)uctl, len))
        e = -EFAULT;
    for (uint64_t off = 0; !e && off + CMSG_HDR <= len;) {
        struct cmsghdr_u h;
        memcpy(&h, buf + off, sizeof h);
        if (h.len < CMSG_HDR || h.len > len - off) {
            e = -EINVAL;
            break;
        }
        if (h.level == SOL_SOCKET) {
            uint64_t dl = h.len - CMSG_HDR;
            if (h.type == SCM_RIGHTS) {
                unsigned n = (unsigned)(dl / sizeof(int));
                if (s->family != AF_UNIX)
                    e = -EINVAL;
                else if (c->nfiles + n > SCM_MAX_FD)
                    e = -EINVAL;
                for (unsigned i = 0; !e && i < n; i++) {
                    int fd;
                    memcpy(&fd, buf + off + CMSG_HDR + i * sizeof fd, sizeof fd);
                    struct file *f = fd_get(fs()->fds, fd);
                    if (!f)
                        e = -EBADF;
                    else
                        c->files[c->nfiles++] = f;
                }
            } else if (h.type == SCM_CREDENTIALS) {
                int cr[3];
                if (dl != sizeof cr) {
                    e = -EINVAL;
                    break;
                }
                memcpy(cr, buf + off + CMSG_HDR, sizeof cr);
                const struct cred *me = &fs()->cred;
                struct task_ids ids;
                task_ids(&ids);
                uint32_t uid = (uint32_t)cr[1], gid = (uint32_t)cr[2];
                if (cr[0] != ids.pid && me->euid)
                    e = -EPERM;
                else if (uid != me->uid && uid != me->euid && uid != me->suid && me->euid)
                    e = -EPERM;
                else if (gid != me->gid && gid != me->egid && gid != me->sgid && me->euid)
                    e = -EPERM;
                else {
                    c->has_creds = 1;
                    c->pid = cr[0];
                    c->uid = cr[1];
                    c->gid = cr[2];
                }
            } else {
                e = -EINVAL;
            }
        }
        off += CMSG_ALIGN(h.len);
    }
    kfree(buf);
    return e;
}

static void ctl_drop(struct sock_ctl *c)
{
    for (unsigned i = 0; c && i < c->nfiles; i++)
        file_put(c->files[i]);
    if (c)
        c->nfiles = 0;
}

/* One sendmsg() of the header at @p uh: bytes sent, or -errno. */
static long send_hdr(struct file *f, struct socket *s, uint64_t uh, int flags)
{
    struct msghdr_u h;
    if (copy_from_user(&h, (const void *)(uintptr_t)uh, sizeof h))
        return -EFAULT;
    if (!h.name)
        h.namelen = 0;
    if (h.namelen < 0)
        return -EINVAL;
    if (h.namelen > SOCKADDR_MAX)
        h.namelen = SOCKADDR_MAX;
    struct sockaddr_k addr;
    long e = addr_in(h.name, h.namelen, &addr);
    if (e)
        return e;
    struct sock_seg *segs;
    struct sock_msg m = {.name = h.namelen ? &addr : NULL};
    e = iov_in(h.iov, h.iovlen, &m.data, &segs);
    if (e)
        return e;
    struct sock_ctl *c = NULL;
    if (h.controllen) {
        c = kzalloc(sizeof *c);
        e = c ? ctl_in(s, h.control, h.controllen, c) : -ENOMEM;
        m.ctl = c;
    }
    if (!e) {
        flags |= h.flags & MSG_EOR;
        e = s->ops->sendmsg ? s->ops->sendmsg(s, &m, flags, nonblocking(f, flags)) : -EOPNOTSUPP;
        if (e == -EPIPE && !(flags & MSG_NOSIGNAL))
            task_signal_self(SIGPIPE);
    }
    ctl_drop(c); /* what the family did not take */
    kfree(c);
    kfree(segs);
    return e;
}

static long sendmsg_op(struct file *f, struct socket *s, const uint64_t a[6])
{
    return send_hdr(f, s, a[1], (int)a[2]);
}
static long sys_sendmsg(const uint64_t a[6]) { return on_sock(a, sendmsg_op); }

static long sendmmsg_op(struct file *f, struct socket *s, const uint64_t a[6])
{
    long e = 0;
    uint64_t n = (uint32_t)a[2] > UIO_MAXIOV ? UIO_MAXIOV : (uint32_t)a[2];
    long done = 0;
    for (; (uint64_t)done < n; done++) {
        uint64_t uh = a[1] + (uint64_t)done * sizeof(struct mmsghdr_u);
        e = send_hdr(f, s, uh, (int)a[3]);
        if (e < 0)
            break;
        uint32_t len = (uint32_t)e;
        if (copy_to_user(user_at(uh, offsetof(struct mmsghdr_u, len)), &len, sizeof len)) {
            e = -EFAULT;
            break;
        }
        e = 0;
    }
    return done ? done : e;
}
static long sys_sendmmsg(const uint64_t a[6]) { return on_sock(a, sendmmsg_op); }

static long sys_sendto(const uint64_t a[6])
{
    size_t len = a[2] > MAX_RW_COUNT ? MAX_RW_COUNT : a[2];
    if (!range_ok(a[1], len))
        return -EFAULT;
    struct file *f;
    struct socket *s;
    long e = sock_fd((int)a[0], &f, &s);
    if (e)
        return e;
    struct sockaddr_k addr;
    int flags = (int)a[3];
    struct sock_seg seg = {{a[1], 1}, len};
    struct sock_msg m = {.data = {&seg, 1, len}};
    if (a[4]) {
        e = addr_in(a[4], (int)a[5], &addr);
        m.name = &addr;
    }
    if (!e) {
        e = s->ops->sendmsg ? s->ops->sendmsg(s, &m, flags, nonblocking(f, flags)) : -EOPNOTSUPP;
        if (e == -EPIPE && !(flags & MSG_NOSIGNAL))
            task_signal_self(SIGPIPE);
    }
    file_put(f);
    return e;
}

static long sys_recvfrom(const uint64_t a[6])
{
    size_t len = a[2] > MAX_RW_COUNT ? MAX_RW_COUNT : a[2];
    if (!range_ok(a[1], len))
        return -EFAULT;
    struct file *f;
    struct socket *s;
    long e = sock_fd((int)a[0], &f, &s);
    if (e)
        return e;
    struct sockaddr_k addr = {0};
    int flags = (int)a[3];
    struct sock_seg seg = {{a[1], 1}, len};
    struct sock_msg m = {.data = {&seg, 1, len}, .name = a[4] ? &addr : NULL};
    e = s->ops->recvmsg ? s->ops->recvmsg(s, &m, flags, nonblocking(f, flags)) : -EOPNOTSUPP;
    file_put(f);
    if (e >= 0 && a[4]) {
        long e2 = addr_out(&addr, a[4], a[5]);
        if (e2)
            return e2;
    }
    return e;
}

/* Put one control message (Linux's put_cmsg()) at *@p at of the caller's
 * buffer, *@p left bytes left: truncated (MSG_CTRUNC) if short of room. */
static long cmsg_put(uint64_t *at, uint64_t *left, int level, int type, const void *data, uint64_t dl,
                     int *flags)
{
    if (!*at || *left < CMSG_HDR) {
        *flags |= MSG_CTRUNC;
        return 0;
    }
    uint64_t len = CMSG_HDR + dl;
    if (*left < len) {
        *flags |= MSG_CTRUNC;
        len = *left;
    }
    struct cmsghdr_u h = {CMSG_HDR + dl, level, type};
    if (copy_to_user((void *)(uintptr_t)*at, &h, sizeof h) ||
        copy_to_user((void *)(uintptr_t)(*at + CMSG_HDR), data, len - CMSG_HDR))
        return -EFAULT;
    uint64_t space = CMSG_ALIGN(CMSG_HDR + dl);
    if (space > *left)
        space = *left;
    *at += space;
    *left -= space;
    return 0;
}

/* The received control data out to the caller: where a datagram came in
 * (IP_PKTINFO, IPV6_PKTINFO), an IPv6 datagram's hop limit, credentials,
 * then as many of the files as the room left holds (installed), the rest
 * closed with MSG_CTRUNC (Linux's scm_detach_fds()). */
static long ctl_out(struct sock_ctl *c, uint64_t *at, uint64_t *left, int *flags, int rflags)
{
    long e = 0;
    if (c->pktinfo_len)
        e = cmsg_put(at, left, c->pktinfo_level, c->pktinfo_type, c->pktinfo, c->pktinfo_len, flags);
    if (c->hoplimit_type && !e)
        e = cmsg_put(at, left, SOL_IPV6, c->hoplimit_type, &c->hoplimit, sizeof c->hoplimit, flags);
    if (c->has_creds && !e) {
        int cr[3] = {c->pid, c->uid, c->gid};
        e = cmsg_put(at, left, SOL_SOCKET, SCM_CREDENTIALS, cr, sizeof cr, flags);
    }
    if (!c->nfiles)
        return e;
    unsigned room = *at && *left > CMSG_HDR ? (unsigned)((*left - CMSG_HDR) / sizeof(int)) : 0;
    unsigned ok = 0, k = 0;
    int fds[SCM_MAX_FD];
    for (; k < c->nfiles && k < room; k++) {
        struct file *fl = c->files[k];
        c->files[k] = NULL;
        long fd = sys_install_fd(fl, (rflags & MSG_CMSG_CLOEXEC) != 0); /* puts @p fl if it fails */
        if (fd < 0) {
            k++;
            break;
        }
        fds[ok++] = (int)fd;
    }
    if (ok) {
        struct cmsghdr_u h = {CMSG_HDR + ok * sizeof(int), SOL_SOCKET, SCM_RIGHTS};
        if (copy_to_user((void *)(uintptr_t)*at, &h, sizeof h) ||
            copy_to_user((void *)(uintptr_t)(*at + CMSG_HDR), fds, ok * sizeof(int)))
            e = -EFAULT;
        uint64_t space = CMSG_ALIGN(CMSG_HDR + ok * sizeof(int));
        if (space > *left)
            space = *left;
        *at += space;
        *left -= space;
    }
    if (ok < c->nfiles)
        *flags |= MSG_CTRUNC;
    for (; k < c->nfiles; k++)
        file_put(c->files[k]);
    c->nfiles = 0;
    return e;
}

/* One recvmsg() into the header at @p uh: bytes received, or -errno. */
static long recv_hdr(struct file *f, struct socket *s, uint64_t uh, int flags)
{
    struct msghdr_u h;
    if (copy_from_user(&h, (const void *)(uintptr_t)uh, sizeof h))
        return -EFAULT;
    if (!h.name)
        h.namelen = 0;
    if (h.namelen < 0)
        return -EINVAL;
    struct sock_seg *segs;
    struct sockaddr_k addr = {0};
    struct sock_msg m = {.name = h.name ? &addr : NULL};
    long e = iov_in(h.iov, h.iovlen, &m.data, &segs);
    if (e)
        return e;
    struct sock_ctl *c = kzalloc(sizeof *c);
    if (!c) {
        kfree(segs);
        return -ENOMEM;
    }
    m.ctl = c;
    e = s->ops->recvmsg ? s->ops->recvmsg(s, &m, flags, nonblocking(f, flags)) : -EOPNOTSUPP;
    kfree(segs);
    if (e >= 0) {
        int oflags = m.flags_out;
        uint64_t at = h.control, left = h.controllen;
        long e2 = ctl_out(c, &at, &left, &oflags, flags);
        if (!e2 && h.name)
            e2 = addr_out(&addr, h.name, uh + offsetof(struct msghdr_u, namelen));
        uint64_t used = at - h.control;
        if (!e2 && copy_to_user(user_at(uh, offsetof(struct msghdr_u, flags)), &oflags, sizeof oflags))
            e2 = -EFAULT;
        if (!e2 && copy_to_user(user_at(uh, offsetof(struct msghdr_u, controllen)), &used, sizeof used))
            e2 = -EFAULT;
        if (e2)
            e = e2;
    }
    ctl_drop(c);
    kfree(c);
    return e;
}

static long recvmsg_op(struct file *f, struct socket *s, const uint64_t a[6])
{
    return recv_hdr(f, s, a[1], (int)a[2]);
}
static long sys_recvmsg(const uint64_t a[6]) { return on_sock(a, recvmsg_op); }

struct timespec_u {
    int64_t sec, nsec;
};

/* recvmmsg(): messages until @p vlen, an error, or (checked after each)
 * the timeout; MSG_WAITFORONE: no waiting after the first. */
static long recvmmsg_op(struct file *f, struct socket *s, const uint64_t a[6])
{
    long e = 0;
    uint64_t deadline = 0;
    struct timespec_u ts;
    if (a[4]) {
        if (copy_from_user(&ts, (const void *)(uintptr_t)a[4], sizeof ts))
            e = -EFAULT;
        else if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
            e = -EINVAL;
        else
            deadline = hal_time_ns() + (uint64_t)ts.sec * 1000000000ull + (uint64_t)ts.nsec;
    }
    uint64_t n = (uint32_t)a[2] > UIO_MAXIOV ? UIO_MAXIOV : (uint32_t)a[2];
    int flags = (int)a[3];
    long done = 0;
    for (; !e && (uint64_t)done < n; done++) {
        uint64_t uh = a[1] + (uint64_t)done * sizeof(struct mmsghdr_u);
        e = recv_hdr(f, s, uh, flags);
        if (e < 0)
            break;
        uint32_t len = (uint32_t)e;
        if (copy_to_user(user_at(uh, offsetof(struct mmsghdr_u, len)), &len, sizeof len)) {
            e = -EFAULT;
            break;
        }
        e = 0;
        if (flags & MSG_WAITFORONE)
            flags |= MSG_DONTWAIT;
        if (deadline && hal_time_ns() >= deadline) {
            done++;
            break;
        }
    }
    if (a[4] && deadline) {
        uint64_t now = hal_time_ns(), left = now < deadline ? deadline - now : 0;
        ts.sec = (int64_t)(left / 1000000000ull);
        ts.nsec = (int64_t)(left % 1000000000ull);
        if (copy_to_user((void *)(uintptr_t)a[4], &ts, sizeof ts) && !done)
            e = -EFAULT;
    }
    return done ? done : e;
}
static long sys_recvmmsg(const uint64_t a[6]) { return on_sock(a, recvmmsg_op); }

/* ---- shutdown, options ---- */

static long shutdown_op(struct file *f, struct socket *s, const uint64_t a[6])
{
    (void)f;
    int how = (int)a[1];
    return how < SHUT_RD || how > SHUT_RDWR ? -EINVAL : s->ops->shutdown ? s->ops->shutdown(s, how) : -EOPNOTSUPP;
}
static long sys_shutdown(const uint64_t a[6]) { return on_sock(a, shutdown_op); }

static long setsockopt_op(struct file *f, struct socket *s, const uint64_t a[6])
{
    long e = 0;
    (void)f;
    int level = (int)a[1], name = (int)a[2], len = (int)a[4];
    uint8_t val[OPT_MAX];
    unsigned n = len < 0 ? 0 : len > OPT_MAX ? OPT_MAX : (unsigned)len;
    if (len < 0)
        e = -EINVAL;
    else if (n && copy_from_user(val, (const void *)(uintptr_t)a[3], n)) {
        /* A value shorter than the length claims: what an int option reads. */
        n = n < sizeof(int) ? n : sizeof(int);
        if (copy_from_user(val, (const void *)(uintptr_t)a[3], n))
            e = -EFAULT;
    }
    if (!e) {
        e = -ENOPROTOOPT;
        if (level == SOL_SOCKET)
            e = sock_common_opt(s, 1, name, val, &n);
        if (e == -ENOPROTOOPT)
            e = s->ops->setsockopt ? s->ops->setsockopt(s, level, name, val, n) : -EOPNOTSUPP;
    }
    return e;
}
static long sys_setsockopt(const uint64_t a[6]) { return on_sock(a, setsockopt_op); }

#define SO_GET_FILTER 26
#define FILTER_MAX 4096 /* instructions of a socket filter (Linux's BPF_MAXINSNS) */

/* SO_GET_FILTER counts in instructions of 8 bytes (struct sock_filter),
 * not bytes: the family gets room for as many as asked for (*n in) and
 * says how many its program has (*n out; 0: none). Too little room is
 * EINVAL, none at all only asks the count, as on Linux. */
static long get_filter_op(struct socket *s, const uint64_t a[6], int len)
{
    unsigned room = len > FILTER_MAX ? FILTER_MAX : (unsigned)len, n = room;
    void *buf = room ? kmalloc(room * 8u) : NULL;
    if (room && !buf)
        return -ENOMEM;
    long e = s->ops->getsockopt ? s->ops->getsockopt(s, SOL_SOCKET, SO_GET_FILTER, buf, &n) : -ENOPROTOOPT;
    if (e == -ENOPROTOOPT) /* a family without filters has none */
        e = 0, n = 0;
    if (!e && room && n > room)
        e = -EINVAL;
    if (!e && room && n && copy_to_user((void *)(uintptr_t)a[3], buf, n * 8u))
        e = -EFAULT;
    kfree(buf);
    int out = (int)n;
    if (!e && copy_to_user((void *)(uintptr_t)a[4], &out, sizeof out))
        e = -EFAULT;
    return e;
}

static long getsockopt_op(struct file *f, struct socket *s, const uint64_t a[6])
{
    long e = 0;
    (void)f;
    int level = (int)a[1], name = (int)a[2], len;
    uint8_t val[OPT_MAX];
    unsigned n = 0, room = 0;
    if (copy_from_user(&len, (const void *)(uintptr_t)a[4], sizeof len))
        e = -EFAULT;
    else if (len < 0)
        e = -EINVAL;
    if (!e && level == SOL_SOCKET && name == SO_GET_FILTER)
        return get_filter_op(s, a, len);
    if (!e) {
        n = room = len > OPT_MAX ? OPT_MAX : (unsigned)len;
        e = -ENOPROTOOPT;
        if (level == SOL_SOCKET && name != SO_ERROR)
            e = sock_common_opt(s, 0, name, val, &n);
        if (e == -ENOPROTOOPT)
            e = s->ops->getsockopt ? s->ops->getsockopt(s, level, name, val, &n) : -EOPNOTSUPP;
        if (e == -ENOPROTOOPT && level == SOL_SOCKET && name == SO_ERROR) {
            int zero = 0; /* a family with no errors of its own */
            n = n < sizeof zero ? n : sizeof zero;
            memcpy(val, &zero, n);
            e = 0;
        }
    }
    /* an option may say it is longer than the room it had (Linux's
     * NETLINK_LIST_MEMBERSHIPS): what fits is copied */
    if (!e && n && copy_to_user((void *)(uintptr_t)a[3], val, n < room ? n : room))
        e = -EFAULT;
    len = (int)n;
    if (!e && copy_to_user((void *)(uintptr_t)a[4], &len, sizeof len))
        e = -EFAULT;
    return e;
}
static long sys_getsockopt(const uint64_t a[6]) { return on_sock(a, getsockopt_op); }

const struct sysent sys_net_table[] = {
    SYSENT(socket),   SYSENT(socketpair), SYSENT(bind),        SYSENT(listen),     SYSENT(accept),
    SYSENT(accept4),  SYSENT(connect),    SYSENT(getsockname), SYSENT(getpeername), SYSENT(sendto),
    SYSENT(recvfrom), SYSENT(sendmsg),    SYSENT(recvmsg),     SYSENT(sendmmsg),   SYSENT(recvmmsg),
    SYSENT(shutdown), SYSENT(setsockopt), SYSENT(getsockopt),
};
const unsigned sys_net_count = sizeof sys_net_table / sizeof sys_net_table[0];
