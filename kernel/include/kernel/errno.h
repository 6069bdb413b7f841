/**
 * @file kernel/errno.h
 * @brief Error codes returned (negated) by kernel functions.
 *
 * Functions that can fail return 0 or a negative -E... value from here.
 * The numbers are the Linux/POSIX ones, so that a host unit test that also
 * includes the C library's <errno.h> sees identical definitions instead of
 * conflicting ones.
 */
#ifndef KERNEL_ERRNO_H
#define KERNEL_ERRNO_H

#ifndef EPERM
#define EPERM 1 /**< operation not permitted (wrong owner or context) */
#endif
#ifndef ENOENT
#define ENOENT 2 /**< no such entry, node, table or mapping */
#endif
#ifndef ESRCH
#define ESRCH 3 /**< no such thread */
#endif
#ifndef EINTR
#define EINTR 4 /**< interrupted: stopped by Ctrl-C (console_cancelled()) */
#endif
#ifndef EIO
#define EIO 5 /**< input/output error from a device */
#endif
#ifndef E2BIG
#define E2BIG 7 /**< argument list or object too large */
#endif
#ifndef EBADF
#define EBADF 9 /**< bad file descriptor */
#endif
#ifndef ENOEXEC
#define ENOEXEC 8 /**< not a valid executable or object format */
#endif
#ifndef ECHILD
#define ECHILD 10 /**< no child to wait for */
#endif
#ifndef EAGAIN
#define EAGAIN 11 /**< try again later */
#endif
#ifndef ENOMEM
#define ENOMEM 12 /**< out of memory */
#endif
#ifndef EFAULT
#define EFAULT 14 /**< bad address */
#endif
#ifndef EACCES
#define EACCES 13 /**< permission denied (W^X) */
#endif
#ifndef EBUSY
#define EBUSY 16 /**< resource in use */
#endif
#ifndef EEXIST
#define EEXIST 17 /**< already exists (already mapped, registered) */
#endif
#ifndef ENODEV
#define ENODEV 19 /**< no such device, or the hardware is missing */
#endif
#ifndef EINVAL
#define EINVAL 22 /**< invalid argument */
#endif
#ifndef ENOSPC
#define ENOSPC 28 /**< no space left in a table or window */
#endif
#ifndef EROFS
#define EROFS 30 /**< read-only device or file system */
#endif
#ifndef ERANGE
#define ERANGE 34 /**< value out of range */
#endif
#ifndef EDEADLK
#define EDEADLK 35 /**< would deadlock (locking or joining oneself) */
#endif
#ifndef ENOLCK
#define ENOLCK 37 /**< no record locks available */
#endif
#ifndef ENAMETOOLONG
#define ENAMETOOLONG 36 /**< name or string too long */
#endif
#ifndef ENOSYS
#define ENOSYS 38 /**< not implemented */
#endif
#ifndef EOVERFLOW
#define EOVERFLOW 75 /**< value too large for its type */
#endif
#ifndef ENXIO
#define ENXIO 6 /**< no such device or address (a device node with no driver) */
#endif
#ifndef ENOTBLK
#define ENOTBLK 15 /**< a block device was expected */
#endif
#ifndef EXDEV
#define EXDEV 18 /**< link or rename across file systems */
#endif
#ifndef ENOTDIR
#define ENOTDIR 20 /**< a path component is not a directory */
#endif
#ifndef EISDIR
#define EISDIR 21 /**< is a directory */
#endif
#ifndef ENFILE
#define ENFILE 23 /**< too many open files in the system */
#endif
#ifndef EMFILE
#define EMFILE 24 /**< too many open files in the process */
#endif
#ifndef ENOTTY
#define ENOTTY 25 /**< not a terminal (ioctl) */
#endif
#ifndef ETXTBSY
#define ETXTBSY 26 /**< text file busy: a running program's file opened for writing, or the reverse */
#endif
#ifndef EFBIG
#define EFBIG 27 /**< file too large */
#endif
#ifndef ESPIPE
#define ESPIPE 29 /**< illegal seek (a pipe) */
#endif
#ifndef EMLINK
#define EMLINK 31 /**< too many links */
#endif
#ifndef EPIPE
#define EPIPE 32 /**< broken pipe: no reader */
#endif
#ifndef EDOM
#define EDOM 33 /**< argument out of domain (a socket timeout's microseconds) */
#endif
#ifndef ENOTEMPTY
#define ENOTEMPTY 39 /**< directory not empty */
#endif
#ifndef ELOOP
#define ELOOP 40 /**< too many symbolic links */
#endif
#ifndef ELIBBAD
#define ELIBBAD 80 /**< a program's interpreter (PT_INTERP) is not one for this machine */
#endif
#ifndef ENOTSUP
#define ENOTSUP 95 /**< not supported */
#endif
#ifndef EMSGSIZE
#define EMSGSIZE 90 /**< message too long (a message queue's) */
#endif
#ifndef ENOTSOCK
#define ENOTSOCK 88 /**< not a socket */
#endif
#ifndef EDESTADDRREQ
#define EDESTADDRREQ 89 /**< destination address required */
#endif
#ifndef EPROTO
#define EPROTO 71 /**< protocol error (a multicast group joined on a TCP socket) */
#endif
#ifndef EPROTOTYPE
#define EPROTOTYPE 91 /**< protocol wrong type for socket */
#endif
#ifndef ENOPROTOOPT
#define ENOPROTOOPT 92 /**< protocol not available (an unknown socket option) */
#endif
#ifndef EPROTONOSUPPORT
#define EPROTONOSUPPORT 93 /**< protocol not supported */
#endif
#ifndef ESOCKTNOSUPPORT
#define ESOCKTNOSUPPORT 94 /**< socket type not supported */
#endif
#ifndef EOPNOTSUPP
#define EOPNOTSUPP 95 /**< operation not supported on socket (ENOTSUP's number) */
#endif
#ifndef EAFNOSUPPORT
#define EAFNOSUPPORT 97 /**< address family not supported */
#endif
#ifndef EADDRINUSE
#define EADDRINUSE 98 /**< address already in use */
#endif
#ifndef EADDRNOTAVAIL
#define EADDRNOTAVAIL 99 /**< cannot assign requested address */
#endif
#ifndef ENETDOWN
#define ENETDOWN 100 /**< the network interface is down */
#endif
#ifndef ENETUNREACH
#define ENETUNREACH 101 /**< network unreachable */
#endif
#ifndef ECONNABORTED
#define ECONNABORTED 103 /**< connection aborted */
#endif
#ifndef ECONNRESET
#define ECONNRESET 104 /**< connection reset by peer */
#endif
#ifndef ENOBUFS
#define ENOBUFS 105 /**< no buffer space */
#endif
#ifndef EISCONN
#define EISCONN 106 /**< already connected */
#endif
#ifndef ENOTCONN
#define ENOTCONN 107 /**< not connected */
#endif
#ifndef ETOOMANYREFS
#define ETOOMANYREFS 109 /**< too many references (files in flight on sockets) */
#endif
#ifndef ECONNREFUSED
#define ECONNREFUSED 111 /**< connection refused */
#endif
#ifndef EHOSTUNREACH
#define EHOSTUNREACH 113 /**< host unreachable */
#endif
#ifndef EINPROGRESS
#define EINPROGRESS 115 /**< operation now in progress */
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT 110 /**< timed out */
#endif
#ifndef EALREADY
#define EALREADY 114 /**< already in progress or done */
#endif
#ifndef EUCLEAN
#define EUCLEAN 117 /**< a file system's structures are damaged ("needs cleaning") */
#endif

/* Never seen by programs: a system call interrupted by a signal returns
 * one of these and kernel/user/signal.c turns it into -EINTR or a restart
 * (Linux's values). */
#define ERESTARTSYS 512   /**< restart if the handler has SA_RESTART, else EINTR */
#define ERESTARTNOHAND 514 /**< restart unless a handler ran */

/** @brief Short name of an error code ("EINVAL"); accepts e or -e. */
const char *errno_name(int err);

#endif
