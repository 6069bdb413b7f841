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
#define EPERM 1
#endif
#ifndef ENOENT
#define ENOENT 2
#endif
#ifndef ESRCH
#define ESRCH 3
#endif
#ifndef EIO
#define EIO 5
#endif
#ifndef E2BIG
#define E2BIG 7
#endif
#ifndef ENOEXEC
#define ENOEXEC 8
#endif
#ifndef EAGAIN
#define EAGAIN 11
#endif
#ifndef ENOMEM
#define ENOMEM 12
#endif
#ifndef EFAULT
#define EFAULT 14
#endif
#ifndef EBUSY
#define EBUSY 16
#endif
#ifndef EEXIST
#define EEXIST 17
#endif
#ifndef ENODEV
#define ENODEV 19
#endif
#ifndef EINVAL
#define EINVAL 22
#endif
#ifndef ENOSPC
#define ENOSPC 28
#endif
#ifndef ERANGE
#define ERANGE 34
#endif
#ifndef EDEADLK
#define EDEADLK 35
#endif
#ifndef ENOSYS
#define ENOSYS 38
#endif
#ifndef EOVERFLOW
#define EOVERFLOW 75
#endif
#ifndef ENOTSUP
#define ENOTSUP 95
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT 110
#endif
#ifndef EALREADY
#define EALREADY 114
#endif

/** @brief Short name of an error code ("EINVAL"); accepts e or -e. */
const char *errno_name(int err);

#endif
