/**
 * @file errno.c
 * @brief Names for error codes, so messages say "EINVAL" instead of "-22".
 */
#include <kernel/errno.h>

const char *errno_name(int err)
{
    if (err < 0)
        err = -err;
    switch (err) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case ELIBBAD: return "ELIBBAD";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EACCES: return "EACCES";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case EROFS: return "EROFS";
    case ERANGE: return "ERANGE";
    case ENOSYS: return "ENOSYS";
    case EOVERFLOW: return "EOVERFLOW";
    case ENOTSUP: return "ENOTSUP";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EALREADY: return "EALREADY";
    case ESRCH: return "ESRCH";
    case EDEADLK: return "EDEADLK";
    case ENOLCK: return "ENOLCK";
    case ENXIO: return "ENXIO";
    case EXDEV: return "EXDEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ETXTBSY: return "ETXTBSY";
    case EFBIG: return "EFBIG";
    case ESPIPE: return "ESPIPE";
    case EMLINK: return "EMLINK";
    case EPIPE: return "EPIPE";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case EUCLEAN: return "EUCLEAN";
    case ENOTBLK: return "ENOTBLK";
    default: return "E?";
    }
}
