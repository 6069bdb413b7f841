/**
 * @file kernel/socket.h
 * @brief Sockets as files: the families (AF_UNIX, AF_INET, AF_INET6) behind
 *        one set of operations, the system calls in front (kernel/net/).
 *
 * socket() asks the family registered for its domain to fill a new struct
 * socket; the socket is then a file in the VFS (read, write, poll, ioctl,
 * fstat as S_IFSOCK, close), and the socket calls (kernel/user/net_calls.c)
 * copy the caller's addresses, option values and control data into kernel
 * memory and call the family's ops with them, the data itself in place as
 * a list of segments (user or kernel memory). The options every family has
 * (SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_RCVTIMEO, SO_SNDTIMEO, SO_ERROR when
 * the family has none) are answered here; the rest go to the family.
 *
 * Blocking: an op waits (unless @c nonblock) with the caller's signal
 * queue in its wait set, and ends a wait a signal interrupts with
 * -ERESTARTSYS (restarted under SA_RESTART, else EINTR), or with the count
 * moved so far; after the socket's timeout (SO_RCVTIMEO, SO_SNDTIMEO) with
 * -EAGAIN. Errors are Linux's.
 */
#ifndef KERNEL_SOCKET_H
#define KERNEL_SOCKET_H

#include <kernel/vfs.h>
#include <stddef.h>
#include <stdint.h>

/** @name Domains, types, flags (Linux's numbers) */
/** @{ */
#define AF_UNSPEC 0 /**< no family (a datagram socket's connect() to it: disconnect) */
#define AF_UNIX 1 /**< local sockets (kernel/net/unix.c) */
#define AF_INET 2 /**< IPv4 */
#define AF_INET6 10 /**< IPv6 */
#define AF_NETLINK 16 /**< netlink */
#define AF_PACKET 17 /**< raw frames */
#define AF_MAX 46 /**< families are below this */
#define SOCK_STREAM 1 /**< a byte stream, connected */
#define SOCK_DGRAM 2 /**< datagrams */
#define SOCK_RAW 3 /**< raw (AF_UNIX takes it as SOCK_DGRAM) */
#define SOCK_SEQPACKET 5 /**< records, connected */
#define SOCK_TYPE_MASK 0xf /**< the type's bits of socket()'s type argument */
#define SOCK_NONBLOCK 04000   /**< O_NONBLOCK */
#define SOCK_CLOEXEC 02000000 /**< O_CLOEXEC */
#define MSG_OOB 0x1 /**< out-of-band data */
#define MSG_PEEK 0x2 /**< receive without taking */
#define MSG_DONTROUTE 0x4 /**< no routing */
#define MSG_CTRUNC 0x8 /**< recvmsg: control data cut short */
#define MSG_TRUNC 0x20 /**< recvmsg: a datagram cut short; recv: return its whole length */
#define MSG_DONTWAIT 0x40 /**< this call does not wait */
#define MSG_EOR 0x80 /**< the end of a record */
#define MSG_WAITALL 0x100 /**< a stream receive waits for all it asked */
#define MSG_NOSIGNAL 0x4000 /**< EPIPE without SIGPIPE */
#define MSG_MORE 0x8000 /**< more data follows */
#define MSG_CMSG_CLOEXEC 0x40000000 /**< received descriptors are close-on-exec */
#define SHUT_RD 0 /**< shutdown(): no more receiving */
#define SHUT_WR 1 /**< shutdown(): no more sending */
#define SHUT_RDWR 2 /**< shutdown(): neither */
#define SOL_SOCKET 1 /**< the socket level of options and control messages */
#define SCM_RIGHTS 1 /**< control message: descriptors */
#define SCM_CREDENTIALS 2 /**< control message: a struct ucred */
#define SOL_IPV6 41 /**< IPv6's level of options and control messages (IPPROTO_IPV6) */
/** @} */

#define SOCKADDR_MAX 128 /**< bytes of a struct sockaddr_storage */
#define SCM_MAX_FD 253   /**< files one SCM_RIGHTS message carries (Linux's) */

/** @brief A socket address, copied into the kernel: its bytes as the
 *         caller's struct sockaddr_* has them, and how many. */
struct sockaddr_k {
    unsigned len;                /**< bytes in @p b (0: none) */
    union {
        uint16_t family;         /**< sa_family, the first field of each */
        uint8_t b[SOCKADDR_MAX]; /**< the address */
    };
};

/** @brief A piece of a send's or receive's data. */
struct sock_seg {
    struct iobuf buf; /**< where (user or kernel memory) */
    size_t len;       /**< bytes */
};

/** @brief The data of one send or receive: pieces, in order. */
struct sock_data {
    const struct sock_seg *seg; /**< the pieces */
    unsigned nseg;              /**< how many */
    size_t len;                 /**< their bytes in all (checked: no overflow, at most SSIZE_MAX) */
};

/** @brief Copy @p n bytes from @p d at data offset @p off into @p dst; 0 or -EFAULT. */
int sock_data_get(const struct sock_data *d, size_t off, void *dst, size_t n);
/** @brief Copy @p n bytes from @p src to @p d at data offset @p off; 0 or -EFAULT. */
int sock_data_put(const struct sock_data *d, size_t off, const void *src, size_t n);

/** @brief Ancillary data, in kernel form: what sendmsg() carries in, what
 *         recvmsg() hands out. */
struct sock_ctl {
    struct file *files[SCM_MAX_FD]; /**< SCM_RIGHTS: the files (references) */
    unsigned nfiles;                /**< how many */
    int has_creds;                  /**< SCM_CREDENTIALS present (or wanted, SO_PASSCRED) */
    int pid;                        /**< its ucred: the process */
    int uid;                        /**< its ucred: the user */
    int gid;                        /**< its ucred: the group */
    int hoplimit_type;              /**< IPPROTO_IPV6 control message of the hop limit (IPV6_HOPLIMIT, or RFC 2292's), 0 if none */
    int hoplimit;                   /**< the datagram's hop limit, with hoplimit_type */
    int pktinfo_level;              /**< IP_PKTINFO's or IPV6_PKTINFO's level (IPPROTO_IP, _IPV6) */
    int pktinfo_type;               /**< its control message type */
    unsigned pktinfo_len;           /**< bytes of pktinfo (a struct in_pktinfo or in6_pktinfo), 0 if none */
    uint8_t pktinfo[20];            /**< where the datagram came in: the interface, its destination */
};

/** @brief One sendmsg() or recvmsg(), in kernel form. */
struct sock_msg {
    struct sockaddr_k *name; /**< send: the destination, or NULL; receive: filled with the
                                  source (len 0: none), or NULL if not asked for */
    struct sock_data data;   /**< the bytes */
    struct sock_ctl *ctl;    /**< send: to pass, or NULL; receive: to fill (the receiver
                                  installs the files), or NULL if the caller has no room */
    int flags_out;           /**< receive: MSG_TRUNC, MSG_CTRUNC, MSG_EOR, as recvmsg's msg_flags */
};

struct socket;
struct wait_set;

/** @brief What a family does with its sockets; NULL: the call fails with
 *         EOPNOTSUPP (or as noted). @p nonblock: O_NONBLOCK or MSG_DONTWAIT. */
struct sock_ops {
    /** Give @p s the name @p a. */
    int (*bind)(struct socket *s, const struct sockaddr_k *a);
    /** 0, -EINPROGRESS (nonblocking, under way), -ECONNREFUSED, ... */
    int (*connect)(struct socket *s, const struct sockaddr_k *a, int nonblock);
    /** Take connections, up to @p backlog waiting. */
    int (*listen)(struct socket *s, int backlog);
    /** A connection made: a new socket in *@p out (sock_alloc()'d by the family). */
    int (*accept)(struct socket *s, struct socket **out, int nonblock);
    /** Bytes sent, or -errno; -EPIPE raises SIGPIPE unless MSG_NOSIGNAL (done by the caller). */
    long (*sendmsg)(struct socket *s, struct sock_msg *m, int flags, int nonblock);
    /** Bytes received (a datagram's whole length with MSG_TRUNC), 0 at the end, or -errno. */
    long (*recvmsg)(struct socket *s, struct sock_msg *m, int flags, int nonblock);
    /** Stop receiving, sending or both (SHUT_*). */
    int (*shutdown)(struct socket *s, int how);
    /** Its own address (@p peer 0) or its peer's (-ENOTCONN if none). */
    int (*getname)(struct socket *s, struct sockaddr_k *a, int peer);
    /** Options other than the generic SOL_SOCKET ones; -ENOPROTOOPT if unknown. */
    int (*setsockopt)(struct socket *s, int level, int name, const void *val, unsigned len);
    /** *@p len: room in @p val, then bytes written. -ENOPROTOOPT if unknown. */
    int (*getsockopt)(struct socket *s, int level, int name, void *val, unsigned *len);
    /** POLL* ready now; with @p ws, wait_set_add() what a change wakes. */
    unsigned (*poll)(struct socket *s, struct wait_set *ws);
    /** -ENOTTY if not handled. */
    long (*ioctl)(struct socket *s, unsigned cmd, uintptr_t arg);
    /** The last reference went: free the family's part (not @p s itself). */
    void (*release)(struct socket *s);
};

/** @brief A socket. */
struct socket {
    int family;                  /**< AF_*, as socket() was asked */
    int type;                    /**< SOCK_*, without socket()'s flags */
    int protocol;                /**< as socket() was asked */
    const struct sock_ops *ops;  /**< the family's */
    void *priv;                  /**< the family's */
    struct file *file;           /**< its file (no reference: the file holds the socket) */
    uint64_t rcvtimeo_ns;        /**< SO_RCVTIMEO: 0 for none */
    uint64_t sndtimeo_ns;        /**< SO_SNDTIMEO: 0 for none */
    int passcred;                /**< SO_PASSCRED */
};

/** @brief Make a socket of @p family (AF_*): the family's create() fills it.
 *  @return 0 and the socket in *@p out, -EAFNOSUPPORT, -EPROTONOSUPPORT,
 *          -ESOCKTNOSUPPORT, -EPERM, -ENOMEM */
int sock_create(int family, int type, int protocol, struct socket **out);
/** @brief A socket of @p family's, for the family (accept, socketpair):
 *         zeroed but for family, type, protocol, ops. NULL: -ENOMEM. */
struct socket *sock_alloc(int family, int type, int protocol, const struct sock_ops *ops);
/** @brief Free a socket that never became a file (sock_file() not called):
 *         the family's release(), then the socket. */
void sock_free(struct socket *s);
/** @brief The open file for @p s, O_RDWR plus @p flags (O_NONBLOCK): 0 and
 *         the file in *@p out (it owns @p s from then on), or -ENOMEM (@p s freed). */
int sock_file(struct socket *s, unsigned flags, struct file **out);
/** @brief Sockets alive (sock_alloc()'d and not yet freed), for `net` and the
 *         tests that see a vanished client leave nothing behind. */
unsigned sock_count(void);
/** @brief The socket of @p f, or NULL if @p f is not one. */
struct socket *sock_of(struct file *f);

/** @brief A family: what socket(@p family, ...) calls. */
struct sock_family {
    int family; /**< AF_* */
    /** Fill @p s (its ops, priv) for @p type and @p protocol; 0 or -errno. */
    int (*create)(struct socket *s, int type, int protocol);
    /** socketpair(): connect @p a and @p b (both created); -EOPNOTSUPP if the family has none. */
    int (*pair)(struct socket *a, struct socket *b);
};

/** @brief Register @p f (kernel/net's families at boot). */
void sock_register(const struct sock_family *f);
/** @brief Register kernel/net's own families (AF_UNIX, ...): once, at boot. */
void sock_families_init(void);
/** @brief socketpair() of @p family: two connected sockets, or -errno. */
int sock_pair(int family, int type, int protocol, struct socket **a, struct socket **b);

/** @brief Wait on @p wq (and the caller's signals) until @p ready(@p arg)
 *         holds (it takes what locks it needs): 0, -EAGAIN after @p timeo_ns
 *         (SO_RCVTIMEO, SO_SNDTIMEO; 0: no limit), or for a signal
 *         -ERESTARTSYS (-EINTR with a timeout, as Linux's sock_intr_errno()). */
int sock_wait(struct waitqueue *wq, int (*ready)(void *arg), void *arg, uint64_t timeo_ns);

/** @brief Whether the caller may do what Linux leaves to CAP_NET_RAW and
 *         CAP_NET_ADMIN (raw and packet sockets, changing interfaces): root's
 *         effective uid, or a kernel thread (no credentials). */
int sock_privileged(void);

/** @brief SO_RCVBUF's or SO_SNDBUF's value @p v as Linux keeps and reports
 *         it: doubled (room for its bookkeeping), at least 2304. */
unsigned sock_bufsize(int v);

/** @brief The SOL_SOCKET options every family has, set (@p set 1, value in
 *         @p val, @p *len bytes) or read into @p val: 0, -ENOPROTOOPT if not one of them. */
int sock_common_opt(struct socket *s, int set, int name, void *val, unsigned *len);

#endif
