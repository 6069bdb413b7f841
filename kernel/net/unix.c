/**
 * @file unix.c
 * @brief AF_UNIX: stream, datagram and seqpacket sockets between the
 *        processes of this machine, with Linux's semantics.
 *
 * - Names: a file-system name (bind() makes an S_IFSOCK node through the
 *   VFS, EADDRINUSE if the name exists; connect() walks the path, needs
 *   write permission on the node and finds the socket bound to that inode;
 *   unlink removes the name), an abstract name (a leading NUL, its bytes
 *   all significant, one namespace per socket type), or an autobound one
 *   (bind() with only the family, or a send or connect with SO_PASSCRED on
 *   an unbound socket: a NUL and five hex digits).
 * - Connections: connect() makes the server's end at once and queues it on
 *   the listener, up to its backlog (then connect() waits, or EAGAIN);
 *   the client may write before accept(). Closing one end hangs the other
 *   up (reads 0 after the data, writes EPIPE), ECONNRESET if it closed with
 *   data unread.
 * - Data: a queue of buffers on the receiving socket, each charged to its
 *   sender's send buffer (SO_SNDBUF) until read: a sender waits while what
 *   it has in flight exceeds that. A datagram goes to a receiver not
 *   connected back to the sender only while the receiver's queue holds at
 *   most ten (Linux's max_dgram_qlen). Datagrams and seqpacket records keep
 *   their boundaries (MSG_TRUNC); a stream read takes what is there
 *   (MSG_WAITALL: all it asked for), but never joins data from before and
 *   after a message that carried files.
 * - Ancillary data: SCM_RIGHTS files travel as references; SCM_CREDENTIALS
 *   as the sender's (checked) or, with SO_PASSCRED, its actual ids;
 *   SO_PEERCRED gives the peer's ids at connect() or socketpair().
 *
 * Files in flight and their cycles: a socket whose file travels in its own
 * queue (or in a cycle of queues) is held by nothing a process can reach.
 * A collector runs when a socket's descriptor is closed or an AF_UNIX socket
 * is released while AF_UNIX sockets are in flight: the sockets all of whose references are in flight are
 * candidates; those still referenced from outside the candidates' queues,
 * and all they reach, live; the queues of the rest are emptied, which
 * releases them. As on Linux, sockets carried inside sockets nest at most
 * UNIX_MAX_LEVEL deep, and at most UNIX_INFLIGHT_MAX files are in flight in
 * all (ETOOMANYREFS), which bounds both the memory held and the depth a
 * release recurses to.
 *
 * Locking: one spinlock (ulock) guards every socket's state, queue and
 * name; a reader holds its socket's mutex while it copies out (not while
 * it waits), so a buffer at the head of its queue stays while it is read. Data is copied
 * with no spinlock held; a wait is on the socket's queue and the caller's
 * signals. Wakes are made with ulock held, so poll (which takes it) must
 * not be called from inside a wake.
 */
#include "families.h"
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/list.h>
#include <kernel/socket.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include <kernel/uaccess.h>
#include <kernel/vfs.h>

#define UNIX_PATH_OFF 2        /* offsetof(struct sockaddr_un, sun_path) */
#define UNIX_ADDR_MAX 110      /* sizeof(struct sockaddr_un) */
#define UNIX_BUF_DEFAULT 212992 /* Linux's wmem_default, rmem_default and their maxima */
#define UNIX_MIN_SNDBUF 4608
#define UNIX_MIN_RCVBUF 2304
#define UNIX_DGRAM_QLEN 10
#define UNIX_SKB_OVERHEAD 576  /* what a buffer costs its sender beyond its bytes */
#define UNIX_CHUNK 65536       /* a stream send's largest buffer */
#define UNIX_MAX_LEVEL 4
#define UNIX_INFLIGHT_MAX 4096
#define SOMAXCONN 4096

#define SO_ERROR 4
#define SO_REUSEADDR 2
#define SO_DONTROUTE 5
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_OOBINLINE 10
#define SO_LINGER 13
#define SO_REUSEPORT 15
#define SO_PEERCRED 17
#define SO_ACCEPTCONN 30

#define FIONREAD 0x541B
#define SIOCOUTQ 0x5411
#define POLLWRBAND 0x200
#define POLLRDHUP 0x2000

enum { U_UNCONN, U_LISTEN, U_CONN };
#define RCV_SHUT 1
#define SEND_SHUT 2

struct usock;

/* A buffer in a receive queue. */
struct uskb {
    struct list_node node;
    size_t len, off;          /* bytes, and (a stream's) read already */
    struct usock *from;       /* its sender (a reference), charged for it */
    size_t charge;            /* what from->wmem counts of it */
    struct sock_ctl *ctl;     /* files in flight (nfiles), or NULL */
    int pid, uid, gid;        /* the sender's credentials */
    struct sockaddr_k *name;  /* a datagram's source address, or NULL */
    uint8_t data[];
};

struct usock {
    struct socket *s;          /* NULL once released */
    unsigned refs;             /* its socket, a peer's pointer, buffers it sent */
    int type, state, dead, shut, err;
    struct usock *peer;        /* a reference */
    struct sockaddr_k *addr;   /* its name, or NULL */
    struct inode *ino;         /* a file-system name's node (a reference) */
    struct list_node bound;    /* in bound_list while named */
    struct list_node all;      /* in all_list */
    struct list_node rq;       /* struct uskb */
    size_t rq_bytes;
    unsigned rq_count;
    size_t wmem;               /* its buffers not read yet */
    int sndbuf, rcvbuf;
    int backlog;
    struct list_node acceptq;  /* connections not yet accepted (usock.accnode) */
    unsigned nacc;
    struct list_node accnode;
    struct waitqueue wq;       /* its readers, its writers, senders waiting for its room */
    struct mutex rd;           /* one reader at a time */
    int peer_pid, peer_uid, peer_gid; /* SO_PEERCRED */
    int own_pid, own_uid, own_gid;    /* its ids at listen(): a client's peer credentials */
    unsigned inflight;         /* its file's references in queues */
    int level;                 /* sockets nested in its queue */
    unsigned opts;             /* SO_REUSEADDR and the like, kept for getsockopt */
    uint32_t linger[2];        /* SO_LINGER, kept */
    int gc_cand, gc_alive;
    unsigned gc_cnt;
};

static struct spinlock ulock = SPINLOCK_INIT("af_unix");
static struct list_node all_list = LIST_INIT(all_list);
static struct list_node bound_list = LIST_INIT(bound_list);
static unsigned files_inflight, socks_inflight;
static unsigned autobind_next;
static struct mutex gc_lock;
static int gc_ready;

static const struct sock_ops unix_ops;

/* ---- helpers ---- */

static void my_cred(int *pid, int *uid, int *gid)
{
    struct task_ids ids;
    task_ids(&ids);
    struct fs_ctx *fs = task_fs();
    *pid = ids.pid;
    *uid = fs ? (int)fs->cred.euid : 0;
    *gid = fs ? (int)fs->cred.egid : 0;
}

static struct usock *usock_new(int type)
{
    struct usock *u = kzalloc(sizeof *u);
    if (!u)
        return NULL;
    u->refs = 1;
    u->type = type;
    u->sndbuf = u->rcvbuf = UNIX_BUF_DEFAULT;
    list_init(&u->rq);
    list_init(&u->acceptq);
    list_init(&u->bound);
    wq_init(&u->wq, "unix socket");
    mutex_init(&u->rd, "unix read");
    u->peer_uid = u->peer_gid = 65534; /* Linux's overflow ids: no peer */
    irqflags_t f = spin_lock_irqsave(&ulock);
    list_add_tail(&all_list, &u->all);
    spin_unlock_irqrestore(&ulock, f);
    return u;
}

static void usock_get_locked(struct usock *u) { u->refs++; }

static void usock_put(struct usock *u)
{
    if (!u)
        return;
    irqflags_t f = spin_lock_irqsave(&ulock);
    int last = --u->refs == 0;
    if (last)
        list_del(&u->all);
    spin_unlock_irqrestore(&ulock, f);
    if (last) {
        kfree(u->addr);
        kfree(u);
    }
}

/* The AF_UNIX socket behind @p f, or NULL. */
static struct usock *usock_of_file(struct file *f)
{
    struct socket *s = sock_of(f);
    return s && s->ops == &unix_ops ? s->priv : NULL;
}

static void skb_free(struct uskb *b)
{
    if (!b)
        return;
    if (b->ctl) {
        for (unsigned i = 0; i < b->ctl->nfiles; i++) {
            struct usock *v = usock_of_file(b->ctl->files[i]);
            irqflags_t f = spin_lock_irqsave(&ulock);
            files_inflight--;
            if (v) {
                v->inflight--;
                socks_inflight--;
            }
            spin_unlock_irqrestore(&ulock, f);
            file_put(b->ctl->files[i]);
        }
        kfree(b->ctl);
    }
    kfree(b->name);
    if (b->from) {
        irqflags_t f = spin_lock_irqsave(&ulock);
        b->from->wmem -= b->charge;
        wq_wake_all(&b->from->wq);
        spin_unlock_irqrestore(&ulock, f);
        usock_put(b->from);
    }
    kfree(b);
}

static void skb_free_list(struct list_node *l)
{
    while (!list_empty(l)) {
        struct uskb *b = container_of(list_first(l), struct uskb, node);
        list_del(&b->node);
        skb_free(b);
    }
}

/* Wait on @p u's queue (and the caller's signals) until @p cond(@p w, @p arg)
 * holds (checked under ulock): 0, -EAGAIN after @p timeo_ns (0: none), or
 * for a signal -ERESTARTSYS (-EINTR with a timeout, as Linux). */
static long uwait(struct usock *w, uint64_t timeo_ns, int (*cond)(struct usock *, uintptr_t), uintptr_t arg)
{
    struct waitqueue *sig = task_signal_wq();
    uint64_t deadline = timeo_ns ? hal_time_ns() + timeo_ns : 0;
    for (;;) {
        struct wait_set ws;
        wait_set_init(&ws);
        wait_set_add(&ws, &w->wq);
        if (sig)
            wait_set_add(&ws, sig);
        irqflags_t f = spin_lock_irqsave(&ulock);
        int ok = cond(w, arg);
        spin_unlock_irqrestore(&ulock, f);
        long r = 0;
        if (ok)
            r = 1;
        else if (sig && task_signal_pending())
            r = deadline ? -EINTR : -ERESTARTSYS;
        else if (deadline) {
            if (wait_set_block_until(&ws, deadline))
                r = -EAGAIN;
        } else {
            wait_set_block(&ws);
        }
        wait_set_clear(&ws);
        if (r)
            return r < 0 ? r : 0;
    }
}

/* ---- names ---- */

/* A caller's address checked as Linux's unix_validate_addr(): 0 or -EINVAL. */
static int addr_check(const struct sockaddr_k *a)
{
    if (a->len <= UNIX_PATH_OFF || a->len > UNIX_ADDR_MAX || a->family != AF_UNIX)
        return -EINVAL;
    return 0;
}

static int abstract(const struct sockaddr_k *a) { return a->b[UNIX_PATH_OFF] == 0; }

/* A file-system name's path into @p path (NUL-terminated) and its
 * address's length as getsockname() gives it (the path, its NUL). */
static unsigned addr_path(const struct sockaddr_k *a, char path[UNIX_ADDR_MAX])
{
    unsigned n = 0;
    while (UNIX_PATH_OFF + n < a->len && a->b[UNIX_PATH_OFF + n])
        n++;
    memcpy(path, a->b + UNIX_PATH_OFF, n);
    path[n] = 0;
    return UNIX_PATH_OFF + n + 1;
}

static struct sockaddr_k *addr_dup(const struct sockaddr_k *a, unsigned len)
{
    struct sockaddr_k *c = kzalloc(sizeof *c);
    if (c) {
        memcpy(c->b, a->b, len);
        c->len = len;
    }
    return c;
}

/* The socket named @p a (abstract, of @p type) (ulock held), or NULL. */
static struct usock *find_abstract_locked(const struct sockaddr_k *a, int type)
{
    list_for_each(n, &bound_list) {
        struct usock *v = container_of(n, struct usock, bound);
        if (!v->ino && v->type == type && v->addr->len == a->len && !memcmp(v->addr->b, a->b, a->len))
            return v;
    }
    return NULL;
}

static int autobind(struct usock *u)
{
    struct sockaddr_k *a = kzalloc(sizeof *a);
    if (!a)
        return -ENOMEM;
    a->family = AF_UNIX;
    a->len = UNIX_PATH_OFF + 6;
    irqflags_t f = spin_lock_irqsave(&ulock);
    if (u->addr) {
        spin_unlock_irqrestore(&ulock, f);
        kfree(a);
        return 0;
    }
    for (unsigned tries = 0; tries < 0x100000; tries++) {
        unsigned v = autobind_next++ & 0xfffff;
        for (int i = 0; i < 5; i++)
            a->b[UNIX_PATH_OFF + 1 + i] = "0123456789abcdef"[(v >> (4 * (4 - i))) & 0xf];
        if (!find_abstract_locked(a, u->type)) {
            u->addr = a;
            list_add_tail(&bound_list, &u->bound);
            spin_unlock_irqrestore(&ulock, f);
            return 0;
        }
    }
    spin_unlock_irqrestore(&ulock, f);
    kfree(a);
    return -ENOSPC;
}

static int unix_bind(struct socket *s, const struct sockaddr_k *a)
{
    struct usock *u = s->priv;
    if (a->len == UNIX_PATH_OFF && a->family == AF_UNIX)
        return autobind(u);
    int e = addr_check(a);
    if (e)
        return e;
    if (u->addr)
        return -EINVAL;
    if (abstract(a)) {
        struct sockaddr_k *c = addr_dup(a, a->len);
        if (!c)
            return -ENOMEM;
        irqflags_t f = spin_lock_irqsave(&ulock);
        e = u->addr ? -EINVAL : find_abstract_locked(a, u->type) ? -EADDRINUSE : 0;
        if (!e) {
            u->addr = c;
            list_add_tail(&bound_list, &u->bound);
        }
        spin_unlock_irqrestore(&ulock, f);
        if (e)
            kfree(c);
        return e;
    }
    char path[UNIX_ADDR_MAX];
    unsigned len = addr_path(a, path);
    struct sockaddr_k *c = addr_dup(a, len);
    if (!c)
        return -ENOMEM;
    c->b[len - 1] = 0;
    e = vfs_create(NULL, path, S_IFSOCK | 0777, 0, NULL);
    struct inode *ino = NULL;
    if (!e)
        e = vfs_lookup(NULL, path, 0, &ino);
    if (e) {
        kfree(c);
        return e == -EEXIST ? -EADDRINUSE : e;
    }
    irqflags_t f = spin_lock_irqsave(&ulock);
    e = u->addr ? -EINVAL : 0;
    if (!e) {
        u->addr = c;
        u->ino = ino;
        list_add_tail(&bound_list, &u->bound);
    }
    spin_unlock_irqrestore(&ulock, f);
    if (e) {
        kfree(c);
        inode_put(ino);
    }
    return e;
}

/* The socket @p a names, of @p type, with a reference: 0 or -errno. */
static int lookup(const struct sockaddr_k *a, int type, struct usock **out)
{
    int e = addr_check(a);
    if (e)
        return e;
    struct inode *ino = NULL;
    if (!abstract(a)) {
        char path[UNIX_ADDR_MAX];
        addr_path(a, path);
        e = vfs_lookup(NULL, path, 1, &ino);
        if (e)
            return e;
        if ((ino->mode & S_IFMT) != S_IFSOCK)
            e = -ECONNREFUSED;
        else
            e = vfs_may(ino, MAY_WRITE);
        if (e) {
            inode_put(ino);
            return e;
        }
    }
    irqflags_t f = spin_lock_irqsave(&ulock);
    struct usock *v = NULL;
    e = -ECONNREFUSED;
    if (ino) {
        list_for_each(n, &bound_list) {
            struct usock *w = container_of(n, struct usock, bound);
            if (w->ino == ino) {
                v = w;
                break;
            }
        }
        if (v && v->type != type) {
            v = NULL;
            e = -EPROTOTYPE;
        }
    } else {
        v = find_abstract_locked(a, type);
    }
    if (v) {
        usock_get_locked(v);
        e = 0;
    }
    spin_unlock_irqrestore(&ulock, f);
    inode_put(ino);
    *out = v;
    return e;
}

/* ---- the family ---- */

static int unix_create(struct socket *s, int type, int protocol)
{
    if (type == SOCK_RAW)
        type = SOCK_DGRAM; /* as Linux takes it */
    if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
        return -ESOCKTNOSUPPORT;
    if (protocol != 0 && protocol != AF_UNIX)
        return -EPROTONOSUPPORT;
    struct usock *u = usock_new(type);
    if (!u)
        return -ENOMEM;
    s->type = type;
    s->ops = &unix_ops;
    s->priv = u;
    u->s = s;
    return 0;
}

static int unix_pair(struct socket *a, struct socket *b)
{
    struct usock *x = a->priv, *y = b->priv;
    int pid, uid, gid;
    my_cred(&pid, &uid, &gid);
    irqflags_t f = spin_lock_irqsave(&ulock);
    x->peer = y;
    y->peer = x;
    usock_get_locked(x);
    usock_get_locked(y);
    x->state = y->state = U_CONN;
    x->peer_pid = y->peer_pid = pid;
    x->peer_uid = y->peer_uid = uid;
    x->peer_gid = y->peer_gid = gid;
    spin_unlock_irqrestore(&ulock, f);
    return 0;
}

static int conn_ok(struct usock *l, uintptr_t arg)
{
    (void)arg;
    return l->dead || l->state != U_LISTEN || l->nacc <= (unsigned)l->backlog;
}

static int unix_connect(struct socket *s, const struct sockaddr_k *a, int nonblock)
{
    struct usock *u = s->priv;
    if (a->len >= sizeof(uint16_t) && a->family == AF_UNSPEC && u->type == SOCK_DGRAM) {
        /* A datagram socket forgets its peer. */
        irqflags_t f = spin_lock_irqsave(&ulock);
        struct usock *old = u->peer;
        u->peer = NULL;
        u->state = U_UNCONN;
        spin_unlock_irqrestore(&ulock, f);
        usock_put(old);
        return 0;
    }
    int e = addr_check(a);
    if (e)
        return e;
    if (u->state == U_CONN && u->type != SOCK_DGRAM)
        return -EISCONN;
    if (u->state == U_LISTEN)
        return -EINVAL;
    if (s->passcred && !u->addr && (e = autobind(u)))
        return e;
    struct usock *t;
    e = lookup(a, u->type, &t);
    if (e)
        return e;
    if (u->type == SOCK_DGRAM) {
        irqflags_t f = spin_lock_irqsave(&ulock);
        struct usock *old = NULL;
        if (t->dead) {
            e = -ECONNREFUSED;
            old = t;
        } else {
            old = u->peer;
            u->peer = t; /* the lookup's reference is the peer pointer's now */
            u->state = U_CONN;
        }
        spin_unlock_irqrestore(&ulock, f);
        usock_put(old);
        return e;
    }
    /* The server's end, made before the lock. */
    struct socket *es = sock_alloc(AF_UNIX, u->type, s->protocol, &unix_ops);
    struct usock *eu = es ? usock_new(u->type) : NULL;
    if (!eu) {
        sock_free(es);
        usock_put(t);
        return -ENOMEM;
    }
    es->priv = eu;
    eu->s = es;
    int pid, uid, gid;
    my_cred(&pid, &uid, &gid);
    for (;;) {
        irqflags_t f = spin_lock_irqsave(&ulock);
        if (t->dead || t->state != U_LISTEN)
            e = -ECONNREFUSED;
        else if (u->state != U_UNCONN)
            e = -EISCONN;
        else if (t->nacc > (unsigned)t->backlog)
            e = -EAGAIN;
        else {
            eu->state = U_CONN;
            eu->peer = u;
            usock_get_locked(u);
            u->peer = eu;
            usock_get_locked(eu);
            u->state = U_CONN;
            eu->addr = t->addr ? addr_dup(t->addr, t->addr->len) : NULL;
            eu->peer_pid = pid;
            eu->peer_uid = uid;
            eu->peer_gid = gid;
            u->peer_pid = t->own_pid;
            u->peer_uid = t->own_uid;
            u->peer_gid = t->own_gid;
            list_add_tail(&t->acceptq, &eu->accnode);
            t->nacc++;
            wq_wake_all(&t->wq);
            e = 0;
        }
        spin_unlock_irqrestore(&ulock, f);
        if (e != -EAGAIN || nonblock)
            break;
        e = uwait(t, s->sndtimeo_ns, conn_ok, 0);
        if (e)
            break;
    }
    usock_put(t);
    if (e)
        sock_free(es);
    return e;
}

static int unix_listen(struct socket *s, int backlog)
{
    struct usock *u = s->priv;
    if (u->type == SOCK_DGRAM)
        return -EOPNOTSUPP;
    if ((unsigned)backlog > SOMAXCONN)
        backlog = SOMAXCONN;
    int pid, uid, gid;
    my_cred(&pid, &uid, &gid);
    irqflags_t f = spin_lock_irqsave(&ulock);
    int e = 0;
    if (!u->addr || u->state == U_CONN)
        e = -EINVAL;
    else {
        u->state = U_LISTEN;
        u->backlog = backlog;
        u->own_pid = pid;
        u->own_uid = uid;
        u->own_gid = gid;
        wq_wake_all(&u->wq);
    }
    spin_unlock_irqrestore(&ulock, f);
    return e;
}

static int acc_ok(struct usock *u, uintptr_t arg)
{
    (void)arg;
    return !list_empty(&u->acceptq) || u->state != U_LISTEN;
}

static int unix_accept(struct socket *s, struct socket **out, int nonblock)
{
    struct usock *u = s->priv;
    if (u->type == SOCK_DGRAM)
        return -EOPNOTSUPP;
    for (;;) {
        irqflags_t f = spin_lock_irqsave(&ulock);
        int e = 0;
        struct usock *eu = NULL;
        if (u->state != U_LISTEN)
            e = -EINVAL;
        else if (list_empty(&u->acceptq))
            e = -EAGAIN;
        else {
            eu = container_of(list_first(&u->acceptq), struct usock, accnode);
            list_del(&eu->accnode);
            u->nacc--;
            wq_wake_all(&u->wq);
        }
        spin_unlock_irqrestore(&ulock, f);
        if (eu) {
            eu->s->passcred = s->passcred;
            *out = eu->s;
            return 0;
        }
        if (e != -EAGAIN || nonblock)
            return e;
        e = (int)uwait(u, s->rcvtimeo_ns, acc_ok, 0);
        if (e)
            return e;
    }
}

/* ---- sending ---- */

/* Room in @p u's send buffer, or a reason to stop waiting for it: the
 * receiver (@p arg, else the peer) gone or shut down. */
static int room_ok(struct usock *u, uintptr_t arg)
{
    struct usock *t = arg ? (struct usock *)arg : u->peer;
    return u->wmem < (size_t)u->sndbuf || (u->shut & SEND_SHUT) || !t || t->dead || (t->shut & RCV_SHUT);
}

static int qroom_ok(struct usock *t, uintptr_t arg)
{
    (void)arg;
    return t->dead || t->rq_count <= UNIX_DGRAM_QLEN || (t->shut & RCV_SHUT);
}

/* Check the files a send passes (ulock held): the nesting of sockets in
 * sockets and the count in flight; the level the receiver takes. */
static int files_check_locked(const struct sock_ctl *c, int *level)
{
    int max = 0;
    if (!c || !c->nfiles) {
        *level = 0;
        return 0;
    }
    if (files_inflight + c->nfiles > UNIX_INFLIGHT_MAX)
        return -ETOOMANYREFS;
    for (unsigned i = 0; i < c->nfiles; i++) {
        struct usock *v = usock_of_file(c->files[i]);
        if (v && v->level > max)
            max = v->level;
    }
    if (max > UNIX_MAX_LEVEL)
        return -ETOOMANYREFS;
    *level = max + 1;
    return 0;
}

/* Queue @p b on @p t (ulock held), with @p c's files moved into it. */
static void enqueue_locked(struct usock *u, struct usock *t, struct uskb *b, struct sock_ctl *c, int level)
{
    if (c && c->nfiles) {
        b->ctl->nfiles = c->nfiles;
        memcpy(b->ctl->files, c->files, c->nfiles * sizeof c->files[0]);
        for (unsigned i = 0; i < c->nfiles; i++) {
            struct usock *v = usock_of_file(c->files[i]);
            if (v) {
                v->inflight++;
                socks_inflight++;
            }
        }
        files_inflight += c->nfiles;
        c->nfiles = 0;
        if (level > t->level)
            t->level = level;
    } else if (b->ctl) {
        kfree(b->ctl);
        b->ctl = NULL;
    }
    b->from = u;
    usock_get_locked(u);
    b->charge = b->len + UNIX_SKB_OVERHEAD;
    u->wmem += b->charge;
    list_add_tail(&t->rq, &b->node);
    t->rq_bytes += b->len;
    t->rq_count++;
    wq_wake_all(&t->wq);
}

/* A buffer of @p len bytes from @p m's data at @p off, with room for the
 * message's files if it carries any, and the sender's credentials. */
static struct uskb *skb_make(const struct sock_msg *m, size_t off, size_t len, int with_ctl, long *err)
{
    struct uskb *b = kmalloc(sizeof *b + len);
    if (!b) {
        *err = -ENOBUFS;
        return NULL;
    }
    *b = (struct uskb){.len = len};
    if (sock_data_get(&m->data, off, b->data, len)) {
        kfree(b);
        *err = -EFAULT;
        return NULL;
    }
    if (with_ctl && m->ctl && m->ctl->nfiles) {
        b->ctl = kzalloc(sizeof *b->ctl);
        if (!b->ctl) {
            kfree(b);
            *err = -ENOBUFS;
            return NULL;
        }
    }
    if (m->ctl && m->ctl->has_creds) {
        b->pid = m->ctl->pid;
        b->uid = m->ctl->uid;
        b->gid = m->ctl->gid;
    } else {
        my_cred(&b->pid, &b->uid, &b->gid);
    }
    return b;
}

static long stream_send(struct socket *s, struct sock_msg *m, int nonblock)
{
    struct usock *u = s->priv;
    if (m->name && m->name->len)
        return u->state == U_CONN ? -EISCONN : -EOPNOTSUPP;
    if (u->state != U_CONN)
        return -ENOTCONN;
    if (s->passcred && !u->addr) {
        int e = autobind(u);
        if (e)
            return e;
    }
    size_t sent = 0, len = m->data.len;
    long err = 0;
    while (sent < len) {
        size_t c = len - sent, cap = (size_t)u->sndbuf / 2 > 64 ? (size_t)u->sndbuf / 2 - 64 : 64;
        if (c > cap)
            c = cap;
        if (c > UNIX_CHUNK)
            c = UNIX_CHUNK;
        struct uskb *b = skb_make(m, sent, c, sent == 0, &err);
        if (!b)
            break;
        for (;;) {
            irqflags_t f = spin_lock_irqsave(&ulock);
            struct usock *t = u->peer;
            int level;
            if ((u->shut & SEND_SHUT) || !t || t->dead || (t->shut & RCV_SHUT))
                err = -EPIPE;
            else if (u->wmem >= (size_t)u->sndbuf)
                err = -EAGAIN;
            else if (sent == 0 && (err = files_check_locked(m->ctl, &level)) == 0) {
                enqueue_locked(u, t, b, m->ctl, level);
                b = NULL;
            } else if (sent) {
                enqueue_locked(u, t, b, NULL, 0);
                b = NULL;
                err = 0;
            }
            spin_unlock_irqrestore(&ulock, f);
            if (err != -EAGAIN || nonblock)
                break;
            err = uwait(u, s->sndtimeo_ns, room_ok, 0);
            if (err)
                break;
        }
        if (b) {
            skb_free(b);
            break;
        }
        sent += c;
    }
    return sent ? (long)sent : err;
}

static long dgram_send(struct socket *s, struct sock_msg *m, int nonblock)
{
    struct usock *u = s->priv;
    struct usock *t = NULL;
    long e = 0;
    if (u->type == SOCK_SEQPACKET) {
        if (u->state != U_CONN)
            return -ENOTCONN;
    }
    if (m->data.len > (size_t)u->sndbuf - 32)
        return -EMSGSIZE;
    if (s->passcred && !u->addr && (e = autobind(u)))
        return e;
    if (u->type == SOCK_DGRAM && m->name && m->name->len) {
        e = lookup(m->name, SOCK_DGRAM, &t);
        if (e)
            return e;
    } else {
        irqflags_t f = spin_lock_irqsave(&ulock);
        t = u->peer;
        if (t)
            usock_get_locked(t);
        spin_unlock_irqrestore(&ulock, f);
        if (!t)
            return -ENOTCONN;
    }
    struct uskb *b = skb_make(m, 0, m->data.len, 1, &e);
    if (b && u->addr && u->type == SOCK_DGRAM) {
        b->name = addr_dup(u->addr, u->addr->len);
        if (!b->name)
            e = -ENOBUFS;
    }
    struct usock *drop = NULL;
    while (b && !e) {
        irqflags_t f = spin_lock_irqsave(&ulock);
        int level, wait_on_t = 0;
        if (t->dead) {
            e = u->type == SOCK_SEQPACKET ? -EPIPE : -ECONNREFUSED;
            if (u->peer == t && u->type == SOCK_DGRAM) {
                u->peer = NULL; /* Linux forgets a dead peer */
                u->state = U_UNCONN;
                drop = t; /* the peer pointer's reference */
            }
        } else if (t->peer && t->peer != u)
            e = -EPERM; /* connected to another */
        else if ((t->shut & RCV_SHUT) || (u->shut & SEND_SHUT))
            e = -EPIPE;
        else if (t != u && t->peer != u && t->rq_count > UNIX_DGRAM_QLEN)
            e = -EAGAIN, wait_on_t = 1;
        else if (u->wmem >= (size_t)u->sndbuf)
            e = -EAGAIN;
        else if ((e = files_check_locked(m->ctl, &level)) == 0) {
            enqueue_locked(u, t, b, m->ctl, level);
            b = NULL;
        }
        spin_unlock_irqrestore(&ulock, f);
        if (e != -EAGAIN || nonblock)
            break;
        e = wait_on_t ? uwait(t, s->sndtimeo_ns, qroom_ok, 0) : uwait(u, s->sndtimeo_ns, room_ok, (uintptr_t)t);
    }
    skb_free(b);
    usock_put(t);
    usock_put(drop);
    return e ? e : (long)m->data.len;
}

static long unix_sendmsg(struct socket *s, struct sock_msg *m, int flags, int nonblock)
{
    struct usock *u = s->priv;
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;
    if (m->name && m->name->len && u->type == SOCK_DGRAM) {
        int e = addr_check(m->name);
        if (e)
            return e;
    }
    return u->type == SOCK_STREAM ? stream_send(s, m, nonblock) : dgram_send(s, m, nonblock);
}

/* ---- receiving ---- */

static int data_ok(struct usock *u, uintptr_t arg)
{
    (void)arg;
    return !list_empty(&u->rq) || u->err || (u->shut & RCV_SHUT) || u->state != U_CONN;
}

static int dgram_ok(struct usock *u, uintptr_t arg)
{
    (void)arg;
    return !list_empty(&u->rq) || u->err || (u->shut & RCV_SHUT);
}

/* Hand @p b's credentials to @p m if the socket asks for them (SO_PASSCRED). */
static void deliver_creds(struct socket *s, struct uskb *b, struct sock_msg *m)
{
    if (s->passcred && m->ctl) {
        m->ctl->has_creds = 1;
        m->ctl->pid = b->pid;
        m->ctl->uid = b->uid;
        m->ctl->gid = b->gid;
    }
}

/* Hand @p b's files to @p m (moved, or with MSG_PEEK duplicated); no room
 * for them: MSG_CTRUNC, and they are dropped. */
static void deliver_files(struct uskb *b, struct sock_msg *m, int peek)
{
    if (!b->ctl || !b->ctl->nfiles)
        return;
    if (peek) {
        if (!m->ctl) {
            m->flags_out |= MSG_CTRUNC;
            return;
        }
        for (unsigned i = 0; i < b->ctl->nfiles; i++)
            m->ctl->files[m->ctl->nfiles++] = file_get(b->ctl->files[i]);
        return;
    }
    irqflags_t f = spin_lock_irqsave(&ulock);
    struct sock_ctl *c = b->ctl;
    b->ctl = NULL;
    for (unsigned i = 0; i < c->nfiles; i++) {
        struct usock *v = usock_of_file(c->files[i]);
        if (v) {
            v->inflight--;
            socks_inflight--;
        }
    }
    files_inflight -= c->nfiles;
    spin_unlock_irqrestore(&ulock, f);
    for (unsigned i = 0; i < c->nfiles; i++) {
        if (m->ctl)
            m->ctl->files[m->ctl->nfiles++] = c->files[i];
        else
            file_put(c->files[i]);
    }
    if (!m->ctl)
        m->flags_out |= MSG_CTRUNC;
    kfree(c);
}

static long stream_recv(struct socket *s, struct sock_msg *m, int flags, int nonblock)
{
    struct usock *u = s->priv;
    if (u->state != U_CONN)
        return -EINVAL;
    size_t len = m->data.len, target = flags & MSG_WAITALL ? len : 1;
    if (!len)
        return 0;
    size_t copied = 0, skip = 0;
    int peek = (flags & MSG_PEEK) != 0;
    long err = 0;
    mutex_lock(&u->rd);
    while (copied < len) {
        irqflags_t f = spin_lock_irqsave(&ulock);
        struct uskb *b = NULL;
        size_t sk = skip;
        list_for_each(n, &u->rq) {
            struct uskb *c = container_of(n, struct uskb, node);
            if (sk < c->len - c->off) {
                b = c;
                break;
            }
            sk -= c->len - c->off;
        }
        if (!b) {
            if (copied >= target) {
                spin_unlock_irqrestore(&ulock, f);
                break;
            }
            if (u->err) {
                err = -u->err;
                u->err = 0;
            } else if (u->shut & RCV_SHUT) {
                err = 0;
            } else {
                err = -EAGAIN;
            }
            spin_unlock_irqrestore(&ulock, f);
            if (err != -EAGAIN || nonblock)
                break;
            /* Other readers go on meanwhile (a signal to this process
             * may be taken by one of them). */
            mutex_unlock(&u->rd);
            err = uwait(u, s->rcvtimeo_ns, data_ok, 0);
            mutex_lock(&u->rd);
            if (err)
                break;
            continue;
        }
        /* Data of other credentials is not joined to what came before it
         * (with SO_PASSCRED, where the reader sees them). */
        if (copied && s->passcred && m->ctl &&
            (b->pid != m->ctl->pid || b->uid != m->ctl->uid || b->gid != m->ctl->gid)) {
            spin_unlock_irqrestore(&ulock, f);
            break;
        }
        spin_unlock_irqrestore(&ulock, f);
        size_t at = b->off + sk, c = b->len - at;
        if (c > len - copied)
            c = len - copied;
        if (sock_data_put(&m->data, copied, b->data + at, c)) {
            err = -EFAULT;
            break;
        }
        /* The files of the data read come with it, and end the read. */
        int had_files = b->ctl && b->ctl->nfiles;
        if (!copied)
            deliver_creds(s, b, m);
        deliver_files(b, m, peek);
        copied += c;
        if (peek) {
            skip += c;
        } else {
            int done;
            f = spin_lock_irqsave(&ulock);
            b->off += c;
            u->rq_bytes -= c;
            done = b->off == b->len;
            if (done) {
                list_del(&b->node);
                u->rq_count--;
            }
            spin_unlock_irqrestore(&ulock, f);
            if (done)
                skb_free(b);
        }
        if (had_files)
            break;
    }
    mutex_unlock(&u->rd);
    return copied ? (long)copied : err;
}

static long dgram_recv(struct socket *s, struct sock_msg *m, int flags, int nonblock)
{
    struct usock *u = s->priv;
    if (u->type == SOCK_SEQPACKET && u->state != U_CONN)
        return -ENOTCONN;
    long r;
    mutex_lock(&u->rd);
    for (;;) {
        irqflags_t f = spin_lock_irqsave(&ulock);
        struct uskb *b = list_empty(&u->rq) ? NULL : container_of(list_first(&u->rq), struct uskb, node);
        if (!b) {
            if (u->err) {
                r = -u->err;
                u->err = 0;
            } else {
                r = u->shut & RCV_SHUT ? 0 : -EAGAIN;
            }
            spin_unlock_irqrestore(&ulock, f);
            if (r != -EAGAIN || nonblock)
                break;
            mutex_unlock(&u->rd);
            r = uwait(u, s->rcvtimeo_ns, dgram_ok, 0);
            mutex_lock(&u->rd);
            if (r)
                break;
            continue;
        }
        spin_unlock_irqrestore(&ulock, f);
        size_t n = b->len < m->data.len ? b->len : m->data.len;
        if (sock_data_put(&m->data, 0, b->data, n)) {
            r = -EFAULT;
            break;
        }
        if (m->name) {
            if (b->name)
                *m->name = *b->name;
            else
                m->name->len = 0;
        }
        if (b->len > m->data.len)
            m->flags_out |= MSG_TRUNC;
        deliver_creds(s, b, m);
        deliver_files(b, m, flags & MSG_PEEK);
        r = flags & MSG_TRUNC ? (long)b->len : (long)n;
        if (!(flags & MSG_PEEK)) {
            f = spin_lock_irqsave(&ulock);
            list_del(&b->node);
            u->rq_count--;
            u->rq_bytes -= b->len;
            wq_wake_all(&u->wq); /* senders waiting for room in the queue */
            spin_unlock_irqrestore(&ulock, f);
            skb_free(b);
        }
        break;
    }
    mutex_unlock(&u->rd);
    return r;
}

static long unix_recvmsg(struct socket *s, struct sock_msg *m, int flags, int nonblock)
{
    struct usock *u = s->priv;
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;
    if (m->name)
        m->name->len = 0;
    return u->type == SOCK_STREAM ? stream_recv(s, m, flags, nonblock) : dgram_recv(s, m, flags, nonblock);
}

/* ---- the rest of the ops ---- */

static int unix_shutdown(struct socket *s, int how)
{
    struct usock *u = s->priv;
    if (how < SHUT_RD || how > SHUT_RDWR)
        return -EINVAL;
    int mode = how + 1; /* SHUT_RD: RCV_SHUT, SHUT_WR: SEND_SHUT, both */
    irqflags_t f = spin_lock_irqsave(&ulock);
    u->shut |= mode;
    wq_wake_all(&u->wq);
    struct usock *p = u->peer;
    if (p && u->type != SOCK_DGRAM) {
        p->shut |= (mode & RCV_SHUT ? SEND_SHUT : 0) | (mode & SEND_SHUT ? RCV_SHUT : 0);
        wq_wake_all(&p->wq);
    }
    spin_unlock_irqrestore(&ulock, f);
    return 0;
}

static int unix_getname(struct socket *s, struct sockaddr_k *a, int peer)
{
    struct usock *u = s->priv;
    irqflags_t f = spin_lock_irqsave(&ulock);
    struct usock *t = peer ? u->peer : u;
    int e = 0;
    if (!t)
        e = -ENOTCONN;
    else if (t->addr)
        *a = *t->addr;
    else {
        a->len = sizeof(uint16_t);
        a->family = AF_UNIX;
    }
    spin_unlock_irqrestore(&ulock, f);
    return e;
}

static unsigned opt_bit(int name)
{
    switch (name) {
    case SO_REUSEADDR: return 1;
    case SO_DONTROUTE: return 2;
    case SO_BROADCAST: return 4;
    case SO_KEEPALIVE: return 8;
    case SO_OOBINLINE: return 16;
    case SO_REUSEPORT: return 32;
    default: return 0;
    }
}

static int unix_setsockopt(struct socket *s, int level, int name, const void *val, unsigned len)
{
    struct usock *u = s->priv;
    if (level != SOL_SOCKET)
        return -EOPNOTSUPP;
    int v;
    if (name == SO_LINGER) {
        if (len < sizeof u->linger)
            return -EINVAL;
        memcpy(u->linger, val, sizeof u->linger);
        u->linger[0] = u->linger[0] != 0;
        return 0;
    }
    if (len < sizeof v)
        return -EINVAL;
    memcpy(&v, val, sizeof v);
    unsigned bit = opt_bit(name);
    if (bit) {
        if (v)
            u->opts |= bit;
        else
            u->opts &= ~bit;
        return 0;
    }
    if (name == SO_SNDBUF || name == SO_RCVBUF) {
        /* As Linux: capped at the maximum, then doubled for the
         * bookkeeping's overhead, never under the minimum. */
        uint32_t w = (uint32_t)v > UNIX_BUF_DEFAULT ? UNIX_BUF_DEFAULT : (uint32_t)v;
        int b = (int)(w * 2);
        irqflags_t f = spin_lock_irqsave(&ulock);
        if (name == SO_SNDBUF)
            u->sndbuf = b < UNIX_MIN_SNDBUF ? UNIX_MIN_SNDBUF : b;
        else
            u->rcvbuf = b < UNIX_MIN_RCVBUF ? UNIX_MIN_RCVBUF : b;
        wq_wake_all(&u->wq);
        spin_unlock_irqrestore(&ulock, f);
        return 0;
    }
    return -ENOPROTOOPT;
}

static int unix_getsockopt(struct socket *s, int level, int name, void *val, unsigned *len)
{
    struct usock *u = s->priv;
    if (level != SOL_SOCKET)
        return -EOPNOTSUPP;
    int v;
    unsigned bit = opt_bit(name);
    const void *src = &v;
    unsigned n = sizeof v;
    int cred[3];
    irqflags_t f = spin_lock_irqsave(&ulock);
    if (bit)
        v = (u->opts & bit) != 0;
    else if (name == SO_SNDBUF)
        v = u->sndbuf;
    else if (name == SO_RCVBUF)
        v = u->rcvbuf;
    else if (name == SO_ACCEPTCONN)
        v = u->state == U_LISTEN;
    else if (name == SO_ERROR) {
        v = u->err;
        u->err = 0;
    } else if (name == SO_PEERCRED) {
        cred[0] = u->peer_pid;
        cred[1] = u->peer_uid;
        cred[2] = u->peer_gid;
        src = cred;
        n = sizeof cred;
    } else if (name == SO_LINGER) {
        src = u->linger;
        n = sizeof u->linger;
    } else
        n = 0;
    spin_unlock_irqrestore(&ulock, f);
    if (!n)
        return -ENOPROTOOPT;
    if (*len > n)
        *len = n;
    memcpy(val, src, *len);
    return 0;
}

static unsigned unix_poll(struct socket *s, struct wait_set *ws)
{
    struct usock *u = s->priv;
    if (ws)
        wait_set_add(ws, &u->wq);
    irqflags_t f = spin_lock_irqsave(&ulock);
    struct usock *p = u->peer;
    int peer_full = 0;
    if (u->type == SOCK_DGRAM && p && p->peer != u && !p->dead && p->rq_count > UNIX_DGRAM_QLEN)
        peer_full = 1;
    if (peer_full && ws)
        usock_get_locked(p);
    unsigned ev = 0;
    if (u->err)
        ev |= POLLERR;
    if (u->shut == (RCV_SHUT | SEND_SHUT))
        ev |= POLLHUP;
    if (u->shut & RCV_SHUT)
        ev |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (!list_empty(&u->rq) || !list_empty(&u->acceptq))
        ev |= POLLIN | POLLRDNORM;
    if (u->type != SOCK_DGRAM && u->state == U_UNCONN)
        ev |= POLLHUP;
    if (u->state != U_LISTEN && u->wmem * 4 <= (size_t)u->sndbuf && !peer_full)
        ev |= POLLOUT | POLLWRNORM | POLLWRBAND;
    spin_unlock_irqrestore(&ulock, f);
    if (peer_full && ws) {
        wait_set_add(ws, &p->wq); /* room in the peer's queue */
        usock_put(p);
    }
    return ev;
}

static long unix_ioctl(struct socket *s, unsigned cmd, uintptr_t arg)
{
    struct usock *u = s->priv;
    int v;
    irqflags_t f = spin_lock_irqsave(&ulock);
    long e = 0;
    if (cmd == FIONREAD) {
        if (u->state == U_LISTEN)
            e = -EINVAL;
        else if (u->type == SOCK_STREAM)
            v = (int)u->rq_bytes;
        else if (u->type == SOCK_SEQPACKET)
            v = (int)u->rq_bytes;
        else
            v = list_empty(&u->rq) ? 0 : (int)container_of(list_first(&u->rq), struct uskb, node)->len;
    } else if (cmd == SIOCOUTQ) {
        size_t out = 0;
        /* The bytes sent and not read, not what they cost. */
        if (u->peer)
            list_for_each(n, &u->peer->rq) {
                struct uskb *b = container_of(n, struct uskb, node);
                if (b->from == u)
                    out += b->len - b->off;
            }
        v = (int)out;
    } else {
        e = -ENOTTY;
    }
    spin_unlock_irqrestore(&ulock, f);
    if (e)
        return e;
    return copy_to_user((void *)arg, &v, sizeof v) ? -EFAULT : 0;
}

/* ---- files in flight: the collector ---- */

/* Call @p fn on every AF_UNIX socket a queue of @p u (its own, and a
 * listener's connections not yet accepted) holds in flight (ulock held). */
static void for_each_inflight(struct usock *u, void (*fn)(struct usock *))
{
    list_for_each(n, &u->rq) {
        struct uskb *b = container_of(n, struct uskb, node);
        for (unsigned i = 0; b->ctl && i < b->ctl->nfiles; i++) {
            struct usock *v = usock_of_file(b->ctl->files[i]);
            if (v)
                fn(v);
        }
    }
    list_for_each(n, &u->acceptq) for_each_inflight(container_of(n, struct usock, accnode), fn);
}

static void gc_dec(struct usock *v)
{
    if (v->gc_cand)
        v->gc_cnt--;
}

static int gc_changed;

static void gc_mark(struct usock *v)
{
    if (v->gc_cand && !v->gc_alive) {
        v->gc_alive = 1;
        gc_changed = 1;
    }
}

static void queue_take(struct usock *u, struct list_node *out)
{
    while (!list_empty(&u->rq)) {
        struct uskb *b = container_of(list_first(&u->rq), struct uskb, node);
        list_del(&b->node);
        list_add_tail(out, &b->node);
    }
    u->rq_bytes = 0;
    u->rq_count = 0;
    list_for_each(n, &u->acceptq) queue_take(container_of(n, struct usock, accnode), out);
}

static void unix_gc(void)
{
    if (!gc_ready || !mutex_trylock(&gc_lock))
        return; /* running already: a release it caused */
    struct list_node garbage = LIST_INIT(garbage);
    irqflags_t f = spin_lock_irqsave(&ulock);
    list_for_each(n, &all_list) {
        struct usock *u = container_of(n, struct usock, all);
        struct file *file = u->s ? u->s->file : NULL;
        u->gc_cand = file && u->inflight && __atomic_load_n(&file->refs, __ATOMIC_RELAXED) == u->inflight;
        u->gc_cnt = u->inflight;
        u->gc_alive = 0;
    }
    list_for_each(n, &all_list) {
        struct usock *u = container_of(n, struct usock, all);
        if (u->gc_cand)
            for_each_inflight(u, gc_dec);
    }
    list_for_each(n, &all_list) {
        struct usock *u = container_of(n, struct usock, all);
        if (u->gc_cand && u->gc_cnt)
            u->gc_alive = 1; /* referenced from outside the candidates */
    }
    do {
        gc_changed = 0;
        list_for_each(n, &all_list) {
            struct usock *u = container_of(n, struct usock, all);
            if (u->gc_cand && u->gc_alive)
                for_each_inflight(u, gc_mark);
        }
    } while (gc_changed);
    list_for_each(n, &all_list) {
        struct usock *u = container_of(n, struct usock, all);
        if (u->gc_cand && !u->gc_alive)
            queue_take(u, &garbage);
    }
    spin_unlock_irqrestore(&ulock, f);
    skb_free_list(&garbage); /* drops the cycles' last references */
    mutex_unlock(&gc_lock);
}

static void unix_release(struct socket *s)
{
    struct usock *u = s->priv;
    if (!u)
        return;
    struct list_node q = LIST_INIT(q), acc = LIST_INIT(acc);
    irqflags_t f = spin_lock_irqsave(&ulock);
    u->dead = 1;
    u->s = NULL;
    if (u->addr)
        list_del(&u->bound);
    struct usock *p = u->peer;
    u->peer = NULL;
    if (p && u->type != SOCK_DGRAM) {
        p->shut = RCV_SHUT | SEND_SHUT;
        if (!list_empty(&u->rq) || !list_empty(&u->acceptq))
            p->err = ECONNRESET;
    }
    if (p)
        wq_wake_all(&p->wq);
    while (!list_empty(&u->rq)) {
        struct uskb *b = container_of(list_first(&u->rq), struct uskb, node);
        list_del(&b->node);
        list_add_tail(&q, &b->node);
    }
    u->rq_bytes = 0;
    u->rq_count = 0;
    while (!list_empty(&u->acceptq)) {
        struct usock *e = container_of(list_first(&u->acceptq), struct usock, accnode);
        list_del(&e->accnode);
        list_add_tail(&acc, &e->accnode);
    }
    u->nacc = 0;
    u->state = U_UNCONN;
    wq_wake_all(&u->wq);
    struct inode *ino = u->ino;
    u->ino = NULL;
    int gc = socks_inflight != 0;
    spin_unlock_irqrestore(&ulock, f);
    skb_free_list(&q);
    while (!list_empty(&acc)) {
        struct usock *e = container_of(list_first(&acc), struct usock, accnode);
        list_del(&e->accnode);
        sock_free(e->s);
    }
    usock_put(p);
    inode_put(ino); /* the name stays until unlinked, as on Linux */
    s->priv = NULL;
    usock_put(u);
    if (gc)
        unix_gc();
}

void unix_closed(void)
{
    if (__atomic_load_n(&socks_inflight, __ATOMIC_RELAXED))
        unix_gc();
}

static const struct sock_ops unix_ops = {
    .bind = unix_bind, .connect = unix_connect, .listen = unix_listen, .accept = unix_accept,
    .sendmsg = unix_sendmsg, .recvmsg = unix_recvmsg, .shutdown = unix_shutdown, .getname = unix_getname,
    .setsockopt = unix_setsockopt, .getsockopt = unix_getsockopt, .poll = unix_poll, .ioctl = unix_ioctl,
    .release = unix_release,
};

static const struct sock_family unix_family = {AF_UNIX, unix_create, unix_pair};

void unix_register(void)
{
    mutex_init(&gc_lock, "af_unix gc");
    gc_ready = 1;
    sock_register(&unix_family);
}
