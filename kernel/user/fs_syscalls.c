/**
 * @file fs_syscalls.c
 * @brief The file system calls of the Linux ABI over the VFS
 *        (kernel/vfs.h): descriptors, paths, pipes, terminal ioctls.
 *
 * Every path is copied in whole first (PATH_MAX, ENAMETOOLONG past it),
 * every descriptor is taken with a reference for the length of the call
 * (a close() from another thread then frees nothing under it). The *at
 * forms are the real ones; x86_64's older calls (open, stat, mkdir, ...)
 * are the same with AT_FDCWD. O_DIRECTORY and O_NOFOLLOW are the only
 * open() flags whose values differ between arches (<arch/user_abi.h>).
 */
#include "signal.h"
#include "sys.h"
#include <hal/timer.h>
#include <hal/user.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/proc.h>
#include <kernel/string.h>
#include <kernel/user.h>
#include <kernel/vfs.h>

static struct fs_ctx *fs(void) { return &proc_current()->fs; }

/* [@p addr, addr + @p len) lies in user space: Linux's access_ok(), which
 * every read and write checks first, even of 0 bytes. */
static int user_range_ok(uint64_t addr, uint64_t len)
{
    return addr <= hal_user_top() && len <= hal_user_top() - addr;
}

static unsigned nofile(void)
{
    uint64_t cur = proc_current()->rlim[7].cur; /* RLIMIT_NOFILE */
    return cur > FD_MAX ? FD_MAX : (unsigned)cur;
}

long sys_install_fd(struct file *f, int cloexec)
{
    long fd = fd_install(fs()->fds, f, 0, cloexec, nofile());
    if (fd < 0)
        file_put(f);
    return fd;
}

/* What a call does with the file of its descriptor; @p a are the call's
 * arguments, as the table passes them, so each op reads its own. */
typedef long (*fd_op)(struct file *f, const uint64_t a[6]);

/* A call on descriptor a[0] (first in every call that takes one): EBADF
 * if it is not open, else @p op on its file, held for the op's length. */
static long on_fd(const uint64_t a[6], fd_op op)
{
    struct file *f = fd_get(fs()->fds, (int)a[0]);
    if (!f)
        return -EBADF;
    long r = op(f, a);
    file_put(f);
    return r;
}

/* The inode behind descriptor @p fd, a reference of its own (the file may
 * be closed once this returns); EBADF if it is not open. */
static long fd_inode(int fd, struct inode **out)
{
    struct file *f = fd_get(fs()->fds, fd);
    if (!f)
        return -EBADF;
    *out = inode_get(f->inode);
    file_put(f);
    return 0;
}

/* A path from user memory into a kmalloc'd buffer (kfree it). */
static long get_path(uint64_t upath, char **out)
{
    char *buf = kmalloc(VFS_PATH_MAX);
    if (!buf)
        return -ENOMEM;
    long n = strncpy_from_user(buf, (const char *)(uintptr_t)upath, VFS_PATH_MAX);
    if (n < 0) {
        kfree(buf);
        return n;
    }
    *out = buf;
    return 0;
}

/* The directory a *at() call starts from: NULL for AT_FDCWD (the cwd) or
 * an absolute path; else @p dirfd's inode, a reference in *@p hold. */
static long at_base(int dirfd, const char *path, struct inode **base, struct file **hold)
{
    *base = NULL;
    *hold = NULL;
    if (path[0] == '/' || dirfd == AT_FDCWD)
        return 0;
    struct file *f = fd_get(fs()->fds, dirfd);
    if (!f)
        return -EBADF;
    if (!S_ISDIR(f->inode->mode) && path[0]) {
        file_put(f);
        return -ENOTDIR;
    }
    *hold = f;
    *base = f->inode;
    return 0;
}

/* Copy the path and find its base; on success the caller frees *path and puts *hold. */
static long path_at(int dirfd, uint64_t upath, char **path, struct inode **base, struct file **hold)
{
    long e = get_path(upath, path);
    if (e)
        return e;
    e = at_base(dirfd, *path, base, hold);
    if (e)
        kfree(*path);
    return e;
}

static void path_done(char *path, struct file *hold)
{
    kfree(path);
    file_put(hold);
}

static unsigned open_flags(uint64_t u)
{
    unsigned f = (unsigned)u & ~(unsigned)(ARCH_O_DIRECTORY | ARCH_O_NOFOLLOW);
    f &= ~(unsigned)(O_DIRECTORY | O_NOFOLLOW | O_FOR_EXEC); /* our own bits mean nothing from a program */
    if (u & ARCH_O_DIRECTORY)
        f |= O_DIRECTORY;
    if (u & ARCH_O_NOFOLLOW)
        f |= O_NOFOLLOW;
    return f;
}

static long do_openat(int dirfd, uint64_t upath, uint64_t flags, uint32_t mode)
{
    char *path;
    struct inode *base;
    struct file *hold, *f;
    long e = path_at(dirfd, upath, &path, &base, &hold);
    if (e)
        return e;
    unsigned fl = open_flags(flags);
    e = vfs_open(base, path, fl, mode, &f);
    path_done(path, hold);
    if (e)
        return e;
    return sys_install_fd(f, (fl & O_CLOEXEC) != 0);
}

static long sys_openat(const uint64_t a[6]) { return do_openat((int)a[0], a[1], a[2], (uint32_t)a[3]); }

/* POSIX: closing any descriptor of a file gives up the process's record
 * locks on it. */
static long sys_close(const uint64_t a[6])
{
    struct file *f = fd_get(fs()->fds, (int)a[0]);
    long e = fd_close(fs()->fds, (int)a[0]);
    if (f && !e)
        vfs_locks_release(f->inode, (uintptr_t)proc_current());
    file_put(f);
    return e;
}

#define CLOSE_RANGE_UNSHARE 2
#define CLOSE_RANGE_CLOEXEC 4

/* close_range(first, last, flags): every open descriptor in [first, last]
 * closed (as close(), record locks too), or marked close-on-exec with
 * CLOSE_RANGE_CLOEXEC. CLOSE_RANGE_UNSHARE is taken but changes nothing:
 * a process's threads share its one table (docs/user-mode.md). */
static long sys_close_range(const uint64_t a[6])
{
    unsigned first = (unsigned)a[0], last = (unsigned)a[1], flags = (unsigned)a[2];
    if ((a[2] & ~(uint64_t)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) || first > last)
        return -EINVAL;
    struct fdtable *t = fs()->fds;
    for (int fd = first > INT32_MAX ? -1 : fd_next(t, (int)first); fd >= 0 && (unsigned)fd <= last;
         fd = fd == INT32_MAX ? -1 : fd_next(t, fd + 1)) {
        if (flags & CLOSE_RANGE_CLOEXEC) {
            fd_cloexec(t, fd, 1);
        } else {
            uint64_t c[6] = {(uint64_t)fd, 0, 0, 0, 0, 0};
            sys_close(c);
        }
    }
    return 0;
}

/* ---- read and write ---- */

/* read, write, pread64, pwrite64: a[1] the buffer, a[2] its bytes, at the
 * file's offset (@p pos NULL) or at *@p pos. */
static long rw(struct file *f, const uint64_t a[6], const uint64_t *pos, int write)
{
    if (!user_range_ok(a[1], a[2]))
        return -EFAULT; /* also for 0 bytes, as Linux's access_ok() */
    struct iobuf b = {a[1], 1};
    return write ? vfs_write(f, &b, a[2], pos) : vfs_read(f, &b, a[2], pos);
}

static long read_op(struct file *f, const uint64_t a[6]) { return rw(f, a, NULL, 0); }
static long write_op(struct file *f, const uint64_t a[6]) { return rw(f, a, NULL, 1); }
static long pread_op(struct file *f, const uint64_t a[6]) { return rw(f, a, &a[3], 0); }
static long pwrite_op(struct file *f, const uint64_t a[6]) { return rw(f, a, &a[3], 1); }

static long sys_read(const uint64_t a[6]) { return on_fd(a, read_op); }
static long sys_write(const uint64_t a[6]) { return on_fd(a, write_op); }

static long check_pos(uint64_t pos) { return (int64_t)pos < 0 ? -EINVAL : 0; }

static long sys_pread64(const uint64_t a[6]) { return check_pos(a[3]) ? -EINVAL : on_fd(a, pread_op); }
static long sys_pwrite64(const uint64_t a[6]) { return check_pos(a[3]) ? -EINVAL : on_fd(a, pwrite_op); }

struct iovec_u {
    uint64_t base, len;
};

#define IOV_MAX 1024

/* readv, writev: a[1] the vector, a[2] its count (checked by the caller);
 * at the file's offset (@p pos NULL) or from *@p pos on (preadv, pwritev). */
static long rwv(struct file *f, const uint64_t a[6], int write, const uint64_t *pos)
{
    uint64_t at = pos ? *pos : 0;
    int cnt = (int)a[2];
    long total = 0;
    for (int i = 0; i < cnt; i++) {
        struct iovec_u v;
        if (copy_from_user(&v, user_at(a[1], (uint64_t)i * sizeof v), sizeof v)) {
            total = total ? total : -EFAULT;
            break;
        }
        if ((int64_t)v.len < 0) {
            total = total ? total : -EINVAL;
            break;
        }
        if (!user_range_ok(v.base, v.len)) {
            total = total ? total : -EFAULT;
            break;
        }
        if (!v.len)
            continue;
        struct iobuf b = {v.base, 1};
        uint64_t here = at + (uint64_t)total;
        long r = write ? vfs_write(f, &b, v.len, pos ? &here : NULL) : vfs_read(f, &b, v.len, pos ? &here : NULL);
        if (r < 0) {
            total = total ? total : r;
            break;
        }
        total += r;
        if ((uint64_t)r < v.len)
            break; /* a short transfer ends the vector, as a pipe's or a file end's */
    }
    return total;
}

static long readv_op(struct file *f, const uint64_t a[6]) { return rwv(f, a, 0, NULL); }
static long writev_op(struct file *f, const uint64_t a[6]) { return rwv(f, a, 1, NULL); }
static long preadv_op(struct file *f, const uint64_t a[6]) { return rwv(f, a, 0, &a[3]); }
static long pwritev_op(struct file *f, const uint64_t a[6]) { return rwv(f, a, 1, &a[3]); }
/* preadv2, pwritev2: offset -1 is the file's own. RWF_NOWAIT: EAGAIN
 * where the call would wait (a pipe, a terminal not ready; a file's data
 * is always at hand); RWF_HIPRI, RWF_DSYNC and RWF_SYNC change nothing
 * here (no polled I/O; a write is in the page cache, which fsync would
 * not make any more visible to a reader). */
#define RWF_HIPRI 0x1
#define RWF_DSYNC 0x2
#define RWF_SYNC 0x4
#define RWF_NOWAIT 0x8
#define RWF_KNOWN (RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT)
static long rwv2(struct file *f, const uint64_t a[6], int write)
{
    if ((a[5] & RWF_NOWAIT) && !S_ISREG(f->inode->mode) && f->ops && f->ops->poll &&
        !(f->ops->poll(f, NULL) & (write ? POLLOUT | POLLERR : POLLIN | POLLHUP)))
        return -EAGAIN;
    return rwv(f, a, write, (int64_t)a[3] == -1 ? NULL : &a[3]);
}
static long preadv2_op(struct file *f, const uint64_t a[6]) { return rwv2(f, a, 0); }
static long pwritev2_op(struct file *f, const uint64_t a[6]) { return rwv2(f, a, 1); }

/* The count is checked before the descriptor: EINVAL comes before EBADF. */
static int bad_iovcnt(uint64_t cnt) { return (int)cnt < 0 || (int)cnt > IOV_MAX; }

static long sys_readv(const uint64_t a[6]) { return bad_iovcnt(a[2]) ? -EINVAL : on_fd(a, readv_op); }
static long sys_writev(const uint64_t a[6]) { return bad_iovcnt(a[2]) ? -EINVAL : on_fd(a, writev_op); }
static long sys_preadv(const uint64_t a[6])
{
    return bad_iovcnt(a[2]) ? -EINVAL : check_pos(a[3]) ? -EINVAL : on_fd(a, preadv_op);
}
static long sys_pwritev(const uint64_t a[6])
{
    return bad_iovcnt(a[2]) ? -EINVAL : check_pos(a[3]) ? -EINVAL : on_fd(a, pwritev_op);
}
static long sys_preadv2(const uint64_t a[6])
{
    if (a[5] & ~(uint64_t)RWF_KNOWN)
        return -ENOTSUP;
    return bad_iovcnt(a[2]) ? -EINVAL : (int64_t)a[3] < -1 ? -EINVAL : on_fd(a, preadv2_op);
}
static long sys_pwritev2(const uint64_t a[6])
{
    if (a[5] & ~(uint64_t)RWF_KNOWN)
        return -ENOTSUP;
    return bad_iovcnt(a[2]) ? -EINVAL : (int64_t)a[3] < -1 ? -EINVAL : on_fd(a, pwritev2_op);
}

static long lseek_op(struct file *f, const uint64_t a[6])
{
    return a[2] > 2 ? -EINVAL : vfs_lseek(f, (int64_t)a[1], (int)a[2]);
}

static long sys_lseek(const uint64_t a[6]) { return on_fd(a, lseek_op); }

static long getdents64_op(struct file *f, const uint64_t a[6])
{
    struct iobuf b = {a[1], 1};
    return vfs_getdents(f, &b, a[2]);
}

static long sys_getdents64(const uint64_t a[6]) { return on_fd(a, getdents64_op); }

/* ---- mounting ---- */

#define MS_RDONLY 1
#define MS_REMOUNT 32
#define MS_BIND 4096
#define MS_MOVE 8192

/* mount(2): ext2 on a block device node (ext2_mount()), read-write unless
 * MS_RDONLY; remounts, binds and moves are not done here. */
static long sys_mount(const uint64_t a[6])
{
    if (a[3] & (MS_REMOUNT | MS_BIND | MS_MOVE))
        return -EINVAL;
    char *source = NULL, *target = NULL, *type = NULL;
    long e = get_path(a[0], &source);
    if (!e)
        e = get_path(a[1], &target);
    if (!e)
        e = get_path(a[2], &type);
    if (!e)
        e = strcmp(type, "ext2") ? -ENODEV : ext2_mount(source, target, (a[3] & MS_RDONLY) != 0);
    kfree(source);
    kfree(target);
    kfree(type);
    return e;
}

#define UMOUNT_NOFOLLOW 8

/* umount2(2): no forced, lazy or expiring unmounts; a busy file system
 * stays (EBUSY). */
static long sys_umount2(const uint64_t a[6])
{
    if (a[1] & ~(uint64_t)UMOUNT_NOFOLLOW)
        return -EINVAL;
    char *target;
    long e = get_path(a[0], &target);
    if (!e) {
        e = vfs_umount(target);
        kfree(target);
    }
    return e;
}

/* ---- stat ---- */

static void fill_stat(struct linux_stat *st, const struct inode *i)
{
    memset(st, 0, sizeof *st);
    st->st_dev = i->dev;
    st->st_ino = i->ino;
    st->st_nlink = i->nlink;
    st->st_mode = i->mode;
    st->st_uid = i->uid;
    st->st_gid = i->gid;
    st->st_rdev = i->rdev;
    st->st_size = (int64_t)i->size;
    st->st_blksize = 4096;
    st->st_blocks = (int64_t)vfs_blocks(i);
    st->st_atime_sec = (int64_t)(i->atime / 1000000000u);
    st->st_atime_nsec = i->atime % 1000000000u;
    st->st_mtime_sec = (int64_t)(i->mtime / 1000000000u);
    st->st_mtime_nsec = i->mtime % 1000000000u;
    st->st_ctime_sec = (int64_t)(i->ctime / 1000000000u);
    st->st_ctime_nsec = i->ctime % 1000000000u;
}

/* The inode a stat-like call means: @p dirfd and @p upath with @p flags
 * (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH); a reference. */
static long inode_at(int dirfd, uint64_t upath, unsigned flags, struct inode **out)
{
    if (flags & ~(unsigned)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 /* AT_NO_AUTOMOUNT */ |
                            0x6000 /* AT_STATX_SYNC_TYPE */))
        return -EINVAL;
    char *path;
    long e = get_path(upath, &path);
    if (e)
        return e;
    if (!path[0] && (flags & AT_EMPTY_PATH)) {
        kfree(path);
        if (dirfd == AT_FDCWD) {
            *out = inode_get(fs()->cwd);
            return 0;
        }
        return fd_inode(dirfd, out);
    }
    struct inode *base;
    struct file *hold;
    e = at_base(dirfd, path, &base, &hold);
    if (!e)
        e = vfs_lookup(base, path, !(flags & AT_SYMLINK_NOFOLLOW), out);
    path_done(path, hold);
    return e;
}

static long stat_at(int dirfd, uint64_t upath, uint64_t ubuf, unsigned flags)
{
    struct inode *ino;
    long e = inode_at(dirfd, upath, flags, &ino);
    if (e)
        return e;
    struct linux_stat st;
    fill_stat(&st, ino);
    inode_put(ino);
    return copy_to_user((void *)(uintptr_t)ubuf, &st, sizeof st) ? -EFAULT : 0;
}

static long sys_newfstatat(const uint64_t a[6]) { return stat_at((int)a[0], a[1], a[2], (unsigned)a[3]); }

static long fstat_op(struct file *f, const uint64_t a[6])
{
    struct linux_stat st;
    fill_stat(&st, f->inode);
    return copy_to_user((void *)(uintptr_t)a[1], &st, sizeof st) ? -EFAULT : 0;
}

static long sys_fstat(const uint64_t a[6]) { return on_fd(a, fstat_op); }

/* Linux's struct statfs on 64-bit arches (every one here): longs and
 * 64-bit counts, the same layout on x86_64 and the generic ABI. */
struct linux_statfs {
    int64_t f_type, f_bsize;
    uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
    int32_t f_fsid[2];
    int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};
_Static_assert(sizeof(struct linux_statfs) == 120, "Linux's struct statfs is 120 bytes");

static long put_statfs(struct inode *ino, uint64_t ubuf)
{
    struct vfs_statfs vs;
    vfs_statfs(ino, &vs);
    struct linux_statfs st = {
        .f_type = (int64_t)vs.type, .f_bsize = (int64_t)vs.bsize, .f_blocks = vs.blocks, .f_bfree = vs.bfree,
        .f_bavail = vs.bavail, .f_files = vs.files, .f_ffree = vs.ffree, .f_fsid = {(int32_t)ino->dev, 0},
        .f_namelen = (int64_t)vs.namelen, .f_frsize = (int64_t)vs.bsize,
        .f_flags = 0x20 | (vs.read_only ? 1 : 0), /* ST_VALID, ST_RDONLY */
    };
    return copy_to_user((void *)(uintptr_t)ubuf, &st, sizeof st) ? -EFAULT : 0;
}

static long sys_statfs(const uint64_t a[6])
{
    struct inode *ino;
    long e = inode_at(AT_FDCWD, a[0], 0, &ino);
    if (e)
        return e;
    e = put_statfs(ino, a[1]);
    inode_put(ino);
    return e;
}

static long fstatfs_op(struct file *f, const uint64_t a[6]) { return put_statfs(f->inode, a[1]); }
static long sys_fstatfs(const uint64_t a[6]) { return on_fd(a, fstatfs_op); }

/* Extended attributes: no file system here keeps any, so the calls
 * answer as Linux does for one without them: the file is looked up (or
 * the descriptor checked) and the name read first, then get, set and
 * remove are EOPNOTSUPP (ENOTSUP) and a list is empty. ls -l asks for each file's
 * SELinux label and ACL this way, and takes EOPNOTSUPP as "none". */
enum { XATTR_NAME_MAX = 255, XATTR_SIZE_MAX = 65536, XATTR_CREATE = 1, XATTR_REPLACE = 2 };

/* @p how: 0 get, 1 set, 2 list, 3 remove; the path's calls pass @p upath
 * (@p follow: not the l- variant), the f- ones @p fd. */
static long xattr_call(int how, uint64_t upath, int follow, int fd, uint64_t uname, uint64_t size,
                       uint64_t flags)
{
    struct inode *ino;
    long e = upath ? inode_at(AT_FDCWD, upath, follow ? 0 : AT_SYMLINK_NOFOLLOW, &ino) : fd_inode(fd, &ino);
    if (e)
        return e;
    inode_put(ino);
    if (how == 1 && (flags & ~(uint64_t)(XATTR_CREATE | XATTR_REPLACE)))
        return -EINVAL;
    if (how == 2)
        return 0; /* no names */
    char name[XATTR_NAME_MAX + 1];
    e = strncpy_from_user(name, (const char *)(uintptr_t)uname, sizeof name);
    if (e == -EFAULT)
        return e;
    if (e <= 0)
        return -ERANGE; /* empty, or longer than XATTR_NAME_MAX */
    if (how == 1 && size > XATTR_SIZE_MAX)
        return -E2BIG;
    return -ENOTSUP; /* EOPNOTSUPP on Linux: the same number */
}

static long sys_getxattr(const uint64_t a[6]) { return xattr_call(0, a[0], 1, -1, a[1], a[3], 0); }
static long sys_lgetxattr(const uint64_t a[6]) { return xattr_call(0, a[0], 0, -1, a[1], a[3], 0); }
static long sys_fgetxattr(const uint64_t a[6]) { return xattr_call(0, 0, 0, (int)a[0], a[1], a[3], 0); }
static long sys_setxattr(const uint64_t a[6]) { return xattr_call(1, a[0], 1, -1, a[1], a[3], a[4]); }
static long sys_lsetxattr(const uint64_t a[6]) { return xattr_call(1, a[0], 0, -1, a[1], a[3], a[4]); }
static long sys_fsetxattr(const uint64_t a[6]) { return xattr_call(1, 0, 0, (int)a[0], a[1], a[3], a[4]); }
static long sys_listxattr(const uint64_t a[6]) { return xattr_call(2, a[0], 1, -1, 0, a[2], 0); }
static long sys_llistxattr(const uint64_t a[6]) { return xattr_call(2, a[0], 0, -1, 0, a[2], 0); }
static long sys_flistxattr(const uint64_t a[6]) { return xattr_call(2, 0, 0, (int)a[0], 0, a[2], 0); }
static long sys_removexattr(const uint64_t a[6]) { return xattr_call(3, a[0], 1, -1, a[1], 0, 0); }
static long sys_lremovexattr(const uint64_t a[6]) { return xattr_call(3, a[0], 0, -1, a[1], 0, 0); }
static long sys_fremovexattr(const uint64_t a[6]) { return xattr_call(3, 0, 0, (int)a[0], a[1], 0, 0); }

/* statx(dirfd, path, flags, mask, buf): struct statx, 256 bytes. */
static long sys_statx(const uint64_t a[6])
{
    struct inode *ino;
    long e = inode_at((int)a[0], a[1], (unsigned)a[2], &ino);
    if (e)
        return e;
    uint8_t sx[256];
    memset(sx, 0, sizeof sx);
    uint32_t mask = 0x7ff; /* STATX_BASIC_STATS */
    uint32_t blksize = 4096, nlink = ino->nlink, uid = ino->uid, gid = ino->gid;
    uint16_t mode = (uint16_t)ino->mode;
    uint64_t inum = ino->ino, size = ino->size, blocks = vfs_blocks(ino);
    memcpy(sx + 0, &mask, 4);
    memcpy(sx + 4, &blksize, 4);
    memcpy(sx + 16, &nlink, 4);
    memcpy(sx + 20, &uid, 4);
    memcpy(sx + 24, &gid, 4);
    memcpy(sx + 28, &mode, 2);
    memcpy(sx + 32, &inum, 8);
    memcpy(sx + 40, &size, 8);
    memcpy(sx + 48, &blocks, 8);
    const uint64_t times[4] = {ino->atime, ino->ctime /* btime */, ino->ctime, ino->mtime};
    for (int t = 0; t < 4; t++) { /* atime 64, btime 80, ctime 96, mtime 112 */
        int64_t sec = (int64_t)(times[t] / 1000000000u);
        uint32_t ns = (uint32_t)(times[t] % 1000000000u);
        memcpy(sx + 64 + 16 * t, &sec, 8);
        memcpy(sx + 72 + 16 * t, &ns, 4);
    }
    uint32_t rmaj = ino->rdev >> 8, rmin = ino->rdev & 0xff, dmaj = 0, dmin = ino->dev;
    memcpy(sx + 128, &rmaj, 4);
    memcpy(sx + 132, &rmin, 4);
    memcpy(sx + 136, &dmaj, 4);
    memcpy(sx + 140, &dmin, 4);
    inode_put(ino);
    return copy_to_user((void *)(uintptr_t)a[4], sx, sizeof sx) ? -EFAULT : 0;
}

/* ---- names ---- */

static long mkdir_at(int dirfd, uint64_t upath, uint32_t mode, uint32_t type, uint32_t rdev)
{
    char *path;
    struct inode *base;
    struct file *hold;
    long e = path_at(dirfd, upath, &path, &base, &hold);
    if (e)
        return e;
    /* mkdir() keeps the sticky bit but not set-user/group-ID, as Linux. */
    e = vfs_create(base, path, type | (mode & (S_ISDIR(type) ? 01777 : 07777)), rdev, NULL);
    path_done(path, hold);
    return e;
}

static long sys_mkdirat(const uint64_t a[6]) { return mkdir_at((int)a[0], a[1], (uint32_t)a[2], S_IFDIR, 0); }

static long sys_mknodat(const uint64_t a[6])
{
    uint32_t type = (uint32_t)a[2] & S_IFMT;
    if (type == 0)
        type = S_IFREG;
    if (type != S_IFREG && type != S_IFCHR && type != S_IFIFO && type != S_IFBLK && type != S_IFSOCK)
        return -EINVAL;
    uint32_t dev = (uint32_t)a[3];
    return mkdir_at((int)a[0], a[1], (uint32_t)a[2], type, ((dev >> 8) & 0xfff) << 8 | (dev & 0xff));
}

static long unlink_at(int dirfd, uint64_t upath, unsigned flags)
{
    if (flags & ~(unsigned)AT_REMOVEDIR)
        return -EINVAL;
    char *path;
    struct inode *base;
    struct file *hold;
    long e = path_at(dirfd, upath, &path, &base, &hold);
    if (e)
        return e;
    e = vfs_unlink(base, path, (flags & AT_REMOVEDIR) != 0);
    path_done(path, hold);
    return e;
}

static long sys_unlinkat(const uint64_t a[6]) { return unlink_at((int)a[0], a[1], (unsigned)a[2]); }

#define RENAME_NOREPLACE 1

/* The two paths of rename and link, each with its base. */
struct two_paths {
    char *op, *np;
    struct inode *ob, *nb;
    struct file *oh, *nh;
};

static long two_paths_get(struct two_paths *t, int ofd, uint64_t opath, int nfd, uint64_t npath)
{
    long e = path_at(ofd, opath, &t->op, &t->ob, &t->oh);
    if (e)
        return e;
    e = path_at(nfd, npath, &t->np, &t->nb, &t->nh);
    if (e)
        path_done(t->op, t->oh);
    return e;
}

static void two_paths_put(struct two_paths *t)
{
    path_done(t->op, t->oh);
    path_done(t->np, t->nh);
}

static long rename_at(int ofd, uint64_t opath, int nfd, uint64_t npath, unsigned flags)
{
    if (flags & ~(unsigned)RENAME_NOREPLACE)
        return -EINVAL;
    struct two_paths t;
    long e = two_paths_get(&t, ofd, opath, nfd, npath);
    if (e)
        return e;
    struct inode *there;
    if ((flags & RENAME_NOREPLACE) && vfs_lookup(t.nb, t.np, 0, &there) == 0) {
        inode_put(there);
        e = -EEXIST;
    } else {
        e = vfs_rename(t.ob, t.op, t.nb, t.np);
    }
    two_paths_put(&t);
    return e;
}

static long sys_renameat2(const uint64_t a[6])
{
    return rename_at((int)a[0], a[1], (int)a[2], a[3], (unsigned)a[4]);
}

#ifdef SYSNR_renameat
static long sys_renameat(const uint64_t a[6]) { return rename_at((int)a[0], a[1], (int)a[2], a[3], 0); }
#endif

static long link_at(int ofd, uint64_t opath, int nfd, uint64_t npath, unsigned flags)
{
    if (flags & ~(unsigned)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    struct two_paths t;
    long e = two_paths_get(&t, ofd, opath, nfd, npath);
    if (e)
        return e;
    e = vfs_link(t.ob, t.op, t.nb, t.np, (flags & AT_SYMLINK_FOLLOW) != 0);
    two_paths_put(&t);
    return e;
}

static long sys_linkat(const uint64_t a[6])
{
    return link_at((int)a[0], a[1], (int)a[2], a[3], (unsigned)a[4]);
}

static long symlink_at(uint64_t utarget, int nfd, uint64_t npath)
{
    char *target;
    long e = get_path(utarget, &target);
    if (e)
        return e;
    if (!target[0]) {
        kfree(target);
        return -ENOENT;
    }
    char *np;
    struct inode *nb;
    struct file *nh;
    e = path_at(nfd, npath, &np, &nb, &nh);
    if (!e) {
        e = vfs_create(nb, np, S_IFLNK | 0777, 0, target);
        path_done(np, nh);
    }
    kfree(target);
    return e;
}

static long sys_symlinkat(const uint64_t a[6]) { return symlink_at(a[0], (int)a[1], a[2]); }

static long readlink_at(int dirfd, uint64_t upath, uint64_t ubuf, int64_t n)
{
    if (n <= 0)
        return -EINVAL;
    char *path;
    struct inode *base;
    struct file *hold;
    long e = path_at(dirfd, upath, &path, &base, &hold);
    if (e)
        return e;
    struct iobuf b = {ubuf, 1};
    e = vfs_readlink(base, path, &b, (size_t)n);
    path_done(path, hold);
    return e;
}

static long sys_readlinkat(const uint64_t a[6]) { return readlink_at((int)a[0], a[1], a[2], (int64_t)a[3]); }

#define AT_EACCESS 0x200

/* access(): whether the caller could, as its real user and group (its
 * effective ones with AT_EACCESS), read, write or run the file; writing
 * on a read-only file system is EROFS. F_OK (0) asks whether it exists. */
static long access_at(int dirfd, uint64_t upath, unsigned mode, unsigned flags)
{
    if (mode & ~7u)
        return -EINVAL;
    struct inode *ino;
    long e = inode_at(dirfd, upath, flags & ~(unsigned)AT_EACCESS, &ino);
    if (e)
        return e;
    const struct cred *c = vfs_cred();
    if (mode && c)
        e = flags & AT_EACCESS ? cred_may(c, c->fsuid, c->fsgid, ino, (int)mode) : cred_may(c, c->uid, c->gid, ino, (int)mode);
    if (!e && (mode & 2) && !S_ISDIR(ino->mode) && (ino->mode & S_IFMT) != S_IFCHR && (ino->mode & S_IFMT) != S_IFIFO)
        e = vfs_read_only(ino);
    inode_put(ino);
    return e;
}

static long sys_faccessat(const uint64_t a[6]) { return access_at((int)a[0], a[1], (unsigned)a[2], 0); }
static long sys_faccessat2(const uint64_t a[6])
{
    return access_at((int)a[0], a[1], (unsigned)a[2], (unsigned)a[3]);
}

static long set_cwd(struct inode *ino)
{
    long e = S_ISDIR(ino->mode) ? vfs_may(ino, MAY_EXEC) : -ENOTDIR;
    if (e) {
        inode_put(ino);
        return e;
    }
    inode_put(proc_set_cwd(ino)); /* swapped where /proc/PID/cwd reads it */
    return 0;
}

static long sys_chdir(const uint64_t a[6])
{
    struct inode *ino;
    long e = inode_at(AT_FDCWD, a[0], 0, &ino);
    return e ? e : set_cwd(ino);
}

static long sys_fchdir(const uint64_t a[6])
{
    struct inode *ino;
    long e = fd_inode((int)a[0], &ino);
    return e ? e : set_cwd(ino);
}

static long sys_getcwd(const uint64_t a[6])
{
    size_t size = a[1] > VFS_PATH_MAX ? VFS_PATH_MAX : a[1];
    if (!size)
        return -ERANGE;
    char *buf = kmalloc(VFS_PATH_MAX);
    if (!buf)
        return -ENOMEM;
    long n = vfs_path_of(fs()->cwd, buf, size);
    if (n >= 0)
        n = copy_to_user((void *)(uintptr_t)a[0], buf, (size_t)n + 1) ? -EFAULT : n + 1;
    kfree(buf);
    return n;
}

static long sys_umask(const uint64_t a[6])
{
    uint32_t old = fs()->umask;
    fs()->umask = (uint32_t)a[0] & 0777;
    return old;
}

/* chmod changes the bits, the same through a name (chmod_at) or a
 * descriptor (fchmod): the owner's or root's to change (EPERM); the
 * set-group-ID bit is dropped when the caller is not in the file's group. */
static long chmod_inode(struct inode *ino, uint32_t mode)
{
    long e = vfs_read_only(ino);
    if (!e && !vfs_owns(ino))
        e = -EPERM;
    if (!e) {
        const struct cred *c = vfs_cred();
        if (c && c->fsuid && !cred_in_group(c, ino->gid))
            mode &= ~(uint32_t)S_ISGID;
        ino->mode = (ino->mode & S_IFMT) | (mode & 07777);
        ino->ctime = vfs_now();
        inode_changed(ino);
    }
    return e;
}

static long chmod_at(int dirfd, uint64_t upath, uint32_t mode, unsigned flags)
{
    struct inode *ino;
    long e = inode_at(dirfd, upath, flags, &ino);
    if (e)
        return e;
    e = chmod_inode(ino, mode);
    inode_put(ino);
    return e;
}

static long sys_fchmodat(const uint64_t a[6]) { return chmod_at((int)a[0], a[1], (uint32_t)a[2], 0); }

static long fchmod_op(struct file *f, const uint64_t a[6]) { return chmod_inode(f->inode, (uint32_t)a[1]); }
static long sys_fchmod(const uint64_t a[6]) { return on_fd(a, fchmod_op); }

/* chown: -1 keeps an id. Root gives a file to anyone; its owner may only
 * change its group, to one of the owner's own. A file that is not a
 * directory loses its set-user-ID bit, and its set-group-ID bit where
 * that means running as the group (S_IXGRP), as on Linux. */
static long chown_inode(struct inode *ino, uint32_t uid, uint32_t gid)
{
    long e = vfs_read_only(ino);
    const struct cred *c = vfs_cred();
    if (!e && c && c->fsuid) {
        int uid_ok = uid == (uint32_t)-1 || (uid == ino->uid && c->fsuid == ino->uid);
        int gid_ok = gid == (uint32_t)-1 || (c->fsuid == ino->uid && (gid == ino->gid || cred_in_group(c, gid)));
        if (!uid_ok || !gid_ok)
            e = -EPERM;
    }
    if (!e) {
        if (uid != (uint32_t)-1)
            ino->uid = uid;
        if (gid != (uint32_t)-1)
            ino->gid = gid;
        if (!S_ISDIR(ino->mode))
            ino->mode &= ~(uint32_t)(S_ISUID | ((ino->mode & 010) ? S_ISGID : 0));
        ino->ctime = vfs_now();
        inode_changed(ino);
    }
    return e;
}

static long chown_at(int dirfd, uint64_t upath, uint32_t uid, uint32_t gid, unsigned flags)
{
    struct inode *ino;
    long e = inode_at(dirfd, upath, flags, &ino);
    if (e)
        return e;
    e = chown_inode(ino, uid, gid);
    inode_put(ino);
    return e;
}

static long sys_fchownat(const uint64_t a[6])
{
    return chown_at((int)a[0], a[1], (uint32_t)a[2], (uint32_t)a[3], (unsigned)a[4]);
}

static long fchown_op(struct file *f, const uint64_t a[6])
{
    return chown_inode(f->inode, (uint32_t)a[1], (uint32_t)a[2]);
}

static long sys_fchown(const uint64_t a[6]) { return on_fd(a, fchown_op); }

/* utimensat(dirfd, path, times[2], flags): NULL times is now; UTIME_NOW, UTIME_OMIT. */
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)
static long sys_utimensat(const uint64_t a[6])
{
    struct inode *ino;
    long e;
    if (!a[1]) { /* futimens: the descriptor itself */
        if ((e = fd_inode((int)a[0], &ino)) != 0)
            return e;
    } else if ((e = inode_at((int)a[0], a[1], (unsigned)a[3], &ino)) != 0) {
        return e;
    }
    int64_t ts[4] = {0, UTIME_NOW, 0, UTIME_NOW};
    if (a[2] && copy_from_user(ts, (const void *)(uintptr_t)a[2], sizeof ts)) {
        inode_put(ino);
        return -EFAULT;
    }
    if ((e = vfs_read_only(ino)) != 0) {
        inode_put(ino);
        return e;
    }
    /* Now (both UTIME_NOW, or no times): its owner, or anyone who may
     * write it; any other time: its owner (EPERM). Both UTIME_OMIT: nothing. */
    int to_now = ts[1] == UTIME_NOW && ts[3] == UTIME_NOW;
    if (ts[1] == UTIME_OMIT && ts[3] == UTIME_OMIT)
        e = 1;
    else if (!vfs_owns(ino))
        e = to_now ? vfs_may(ino, MAY_WRITE) : -EPERM;
    if (e) {
        inode_put(ino);
        return e < 0 ? e : 0;
    }
    uint64_t now = vfs_now();
    for (int i = 0; i < 2; i++) {
        if (ts[2 * i + 1] == UTIME_OMIT)
            continue;
        uint64_t t = ts[2 * i + 1] == UTIME_NOW ? now : (uint64_t)ts[2 * i] * 1000000000u + (uint64_t)ts[2 * i + 1];
        if (i == 0)
            ino->atime = t;
        else
            ino->mtime = t;
    }
    ino->ctime = now;
    inode_changed(ino);
    inode_put(ino);
    return 0;
}

static long ftruncate_op(struct file *f, const uint64_t a[6])
{
    return (f->flags & O_ACCMODE) == O_RDONLY ? -EINVAL : vfs_truncate(f->inode, a[1]);
}

static long sys_ftruncate(const uint64_t a[6])
{
    return (int64_t)a[1] < 0 ? -EINVAL : on_fd(a, ftruncate_op);
}

static long sys_truncate(const uint64_t a[6])
{
    if ((int64_t)a[1] < 0)
        return -EINVAL;
    struct inode *ino;
    long e = inode_at(AT_FDCWD, a[0], 0, &ino);
    if (e)
        return e;
    e = S_ISDIR(ino->mode) ? -EISDIR : vfs_may(ino, MAY_WRITE);
    if (!e)
        e = vfs_truncate(ino, a[1]);
    inode_put(ino);
    return e;
}

/* Every disk-backed file system back to its disk (tmpfs has nothing to
 * write); sync() cannot fail. */
static long sys_sync(const uint64_t a[6])
{
    (void)a;
    vfs_sync(NULL);
    return 0;
}

static long syncfs_op(struct file *f, const uint64_t a[6])
{
    (void)a;
    return vfs_sync(f->inode);
}

static long sys_syncfs(const uint64_t a[6]) { return on_fd(a, syncfs_op); }

/* fsync and fdatasync: the file's data and its inode (fdatasync writes
 * the inode too: no cheaper path here). Nothing to do for memory files. */
static long fsync_op(struct file *f, const uint64_t a[6])
{
    (void)a;
    return f->ops && f->ops->fsync ? f->ops->fsync(f) : 0;
}

static long sys_fsync(const uint64_t a[6]) { return on_fd(a, fsync_op); }

#define POSIX_FADV_NOREUSE 5 /* the highest advice */

/* fadvise64(fd, offset, len, advice): advice the page cache has no use
 * for, taken after Linux's checks (a pipe ESPIPE, a negative length or an
 * unknown advice EINVAL, an O_PATH descriptor EBADF). */
static long fadvise_op(struct file *f, const uint64_t a[6])
{
    if (f->flags & O_PATH)
        return -EBADF;
    if ((f->inode->mode & S_IFMT) == S_IFIFO)
        return -ESPIPE;
    return (int64_t)a[2] < 0 || a[3] > POSIX_FADV_NOREUSE ? -EINVAL : 0;
}

static long sys_fadvise64(const uint64_t a[6]) { return on_fd(a, fadvise_op); }

/* ---- descriptors ---- */

/* The new descriptor takes a reference of its own (file_get()), which
 * goes back if none could be given. */
static long dup_op(struct file *f, const uint64_t a[6])
{
    (void)a;
    long fd = fd_install(fs()->fds, file_get(f), 0, 0, nofile());
    if (fd < 0)
        file_put(f);
    return fd;
}

static long sys_dup(const uint64_t a[6]) { return on_fd(a, dup_op); }

/* dup3 and dup2: @p f at @p newfd, whatever was there closed. */
static long dup_to(struct file *f, int newfd, unsigned flags)
{
    if (newfd < 0 || (unsigned)newfd >= nofile())
        return -EBADF;
    long r = fd_install_at(fs()->fds, newfd, file_get(f), flags & O_CLOEXEC, nofile());
    if (r < 0)
        file_put(f);
    return r;
}

static long dup3_op(struct file *f, const uint64_t a[6]) { return dup_to(f, (int)a[1], (unsigned)a[2]); }

/* ---- sockets' names ---- */

static long sys_dup3(const uint64_t a[6])
{
    if ((int)a[0] == (int)a[1] || ((unsigned)a[2] & ~(unsigned)O_CLOEXEC))
        return -EINVAL;
    return on_fd(a, dup3_op);
}

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_DUPFD_CLOEXEC 1030
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032
#define FD_CLOEXEC 1

#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2

/* struct flock of the 64-bit ABIs. */
struct flock_u {
    int16_t type, whence;
    int64_t start, len;
    int32_t pid;
    int32_t pad;
};

/* fcntl()'s record locks: F_GETLK, F_SETLK, F_SETLKW and their open-file
 * (OFD) forms, on the byte range struct flock at @p uarg names. */
static long fcntl_lock(struct file *f, int cmd, uint64_t uarg)
{
    struct flock_u fl;
    if (copy_from_user(&fl, (const void *)(uintptr_t)uarg, sizeof fl))
        return -EFAULT;
    int ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
    int get = cmd == F_GETLK || cmd == F_OFD_GETLK;
    if (ofd && fl.pid != 0)
        return -EINVAL;
    if (fl.type != F_RDLCK && fl.type != F_WRLCK && fl.type != F_UNLCK)
        return -EINVAL;
    if (get && fl.type == F_UNLCK)
        return -EINVAL;
    int64_t base;
    switch (fl.whence) {
    case 0: base = 0; break;
    case 1: base = (int64_t)f->pos; break;
    case 2: base = (int64_t)f->inode->size; break;
    default: return -EINVAL;
    }
    int64_t start = base + fl.start, end;
    if (start < 0)
        return -EINVAL;
    if (fl.len > 0) {
        end = start + fl.len - 1;
        if (end < start)
            return -EOVERFLOW;
    } else if (fl.len < 0) {
        end = start - 1;
        start += fl.len;
        if (start < 0)
            return -EINVAL;
    } else {
        end = -1; /* to the end of the file, however far it grows */
    }
    if (!get && fl.type == F_RDLCK && (f->flags & O_ACCMODE) == O_WRONLY)
        return -EBADF;
    if (!get && fl.type == F_WRLCK && (f->flags & O_ACCMODE) == O_RDONLY)
        return -EBADF;
    struct proc *p = proc_current();
    struct vfs_lock want = {
        .ino = f->inode, .owner = ofd ? (uintptr_t)f : (uintptr_t)p, .pid = ofd ? -1 : p->pid,
        .type = fl.type == F_RDLCK ? VFS_LOCK_READ : fl.type == F_WRLCK ? VFS_LOCK_WRITE : VFS_LOCK_NONE,
        .start = (uint64_t)start, .end = end < 0 ? UINT64_MAX : (uint64_t)end};
    if (!get)
        return vfs_lock_set(&want, cmd == F_SETLKW || cmd == F_OFD_SETLKW, !ofd);
    struct vfs_lock found;
    vfs_lock_test(&want, &found);
    fl.type = found.type == VFS_LOCK_NONE ? F_UNLCK : found.type == VFS_LOCK_READ ? F_RDLCK : F_WRLCK;
    if (found.type != VFS_LOCK_NONE) {
        fl.whence = 0;
        fl.start = (int64_t)found.start;
        fl.len = found.end == UINT64_MAX ? 0 : (int64_t)(found.end - found.start + 1);
        fl.pid = found.pid;
    }
    return copy_to_user((void *)(uintptr_t)uarg, &fl, sizeof fl) ? -EFAULT : 0;
}

#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8

/* flock(): a shared or exclusive lock on the whole file, owned by the open
 * file (its dups and a fork's copies share it). */
static long flock_op(struct file *f, const uint64_t a[6])
{
    unsigned op = (unsigned)a[1];
    int type = (op & ~(unsigned)LOCK_NB) == LOCK_SH   ? VFS_LOCK_READ
               : (op & ~(unsigned)LOCK_NB) == LOCK_EX ? VFS_LOCK_WRITE
               : (op & ~(unsigned)LOCK_NB) == LOCK_UN ? VFS_LOCK_NONE
                                                      : -1;
    if (type < 0)
        return -EINVAL;
    struct vfs_lock want = {.ino = f->inode, .owner = (uintptr_t)f, .pid = -1, .flock = 1, .type = type,
                            .start = 0, .end = UINT64_MAX};
    long e = vfs_lock_set(&want, !(op & LOCK_NB), 0);
    return e; /* -EAGAIN is EWOULDBLOCK */
}

static long sys_flock(const uint64_t a[6]) { return on_fd(a, flock_op); }

static long fcntl_op(struct file *f, const uint64_t a[6])
{
    int fd = (int)a[0];
    long r;
    switch ((int)a[1]) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        if ((int64_t)a[2] < 0 || a[2] >= nofile()) {
            r = -EINVAL;
            break;
        }
        r = fd_install(fs()->fds, file_get(f), (int)a[2], (int)a[1] == F_DUPFD_CLOEXEC, nofile());
        if (r < 0)
            file_put(f);
        break;
    case F_GETFD:
        r = fd_cloexec(fs()->fds, fd, -1) > 0 ? FD_CLOEXEC : 0;
        break;
    case F_SETFD:
        r = fd_cloexec(fs()->fds, fd, (int)(a[2] & FD_CLOEXEC)) < 0 ? -EBADF : 0;
        break;
    case F_GETFL: {
        unsigned fl = f->flags & ~(unsigned)(O_DIRECTORY | O_NOFOLLOW);
        r = fl;
        break;
    }
    case F_SETFL: /* O_APPEND and O_NONBLOCK change; the rest stays */
        f->flags = (f->flags & ~(unsigned)(O_APPEND | O_NONBLOCK)) | ((unsigned)a[2] & (O_APPEND | O_NONBLOCK));
        r = 0;
        break;
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        r = fcntl_lock(f, (int)a[1], a[2]);
        break;
    case F_GETPIPE_SZ:
        r = pipe_capacity(f, 0);
        break;
    case F_SETPIPE_SZ:
        r = (int)a[2] < 0 ? -EINVAL : pipe_capacity(f, a[2] ? a[2] : 1);
        break;
    default:
        r = -EINVAL;
    }
    return r;
}

static long sys_fcntl(const uint64_t a[6]) { return on_fd(a, fcntl_op); }

#define FIONREAD 0x541B

static long ioctl_op(struct file *f, const uint64_t a[6])
{
    if ((unsigned)a[1] == FIONREAD && S_ISREG(f->inode->mode)) {
        /* A file: the bytes from its offset to its end. */
        int64_t left = (int64_t)f->inode->size - (int64_t)f->pos; /* negative past the end, as Linux answers */
        int n = left > 0x7fffffff ? 0x7fffffff : left < -0x7fffffff ? -0x7fffffff : (int)left;
        return copy_to_user((void *)(uintptr_t)a[2], &n, sizeof n) ? -EFAULT : 0;
    }
    return f->ops && f->ops->ioctl ? f->ops->ioctl(f, (unsigned)a[1], a[2]) : -ENOTTY;
}

static long sys_ioctl(const uint64_t a[6]) { return on_fd(a, ioctl_op); }

static long do_pipe(uint64_t ufds, unsigned flags)
{
    if (flags & ~(unsigned)(O_CLOEXEC | O_NONBLOCK))
        return -EINVAL;
    struct file *r, *w;
    long e = pipe_create(flags, &r, &w);
    if (e)
        return e;
    int fds[2];
    fds[0] = fd_install(fs()->fds, r, 0, flags & O_CLOEXEC, nofile());
    if (fds[0] < 0) {
        file_put(r);
        file_put(w);
        return fds[0];
    }
    fds[1] = fd_install(fs()->fds, w, 0, flags & O_CLOEXEC, nofile());
    if (fds[1] < 0) {
        fd_close(fs()->fds, fds[0]);
        file_put(w);
        return fds[1];
    }
    if (copy_to_user((void *)(uintptr_t)ufds, fds, sizeof fds)) {
        fd_close(fs()->fds, fds[0]);
        fd_close(fs()->fds, fds[1]);
        return -EFAULT;
    }
    return 0;
}

static long sys_pipe2(const uint64_t a[6]) { return do_pipe(a[0], (unsigned)a[1]); }

/* ---- x86_64's older calls: the *at ones with AT_FDCWD ---- */

#ifdef SYSNR_open
static long sys_open(const uint64_t a[6]) { return do_openat(AT_FDCWD, a[0], a[1], (uint32_t)a[2]); }
static long sys_creat(const uint64_t a[6])
{
    return do_openat(AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, (uint32_t)a[1]);
}
static long sys_stat(const uint64_t a[6]) { return stat_at(AT_FDCWD, a[0], a[1], 0); }
static long sys_lstat(const uint64_t a[6]) { return stat_at(AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW); }
static long sys_access(const uint64_t a[6]) { return access_at(AT_FDCWD, a[0], (unsigned)a[1], 0); }
static long sys_pipe(const uint64_t a[6]) { return do_pipe(a[0], 0); }
static long same_fd_op(struct file *f, const uint64_t a[6])
{
    (void)f;
    return (long)(int)a[0]; /* dup2(fd, fd) is fd if it is open */
}
static long dup2_op(struct file *f, const uint64_t a[6]) { return dup_to(f, (int)a[1], 0); }
static long sys_dup2(const uint64_t a[6]) { return on_fd(a, (int)a[0] == (int)a[1] ? same_fd_op : dup2_op); }
static long sys_rename(const uint64_t a[6]) { return rename_at(AT_FDCWD, a[0], AT_FDCWD, a[1], 0); }
static long sys_mkdir(const uint64_t a[6]) { return mkdir_at(AT_FDCWD, a[0], (uint32_t)a[1], S_IFDIR, 0); }
static long sys_rmdir(const uint64_t a[6]) { return unlink_at(AT_FDCWD, a[0], AT_REMOVEDIR); }
static long sys_unlink(const uint64_t a[6]) { return unlink_at(AT_FDCWD, a[0], 0); }
static long sys_link(const uint64_t a[6]) { return link_at(AT_FDCWD, a[0], AT_FDCWD, a[1], 0); }
static long sys_symlink(const uint64_t a[6]) { return symlink_at(a[0], AT_FDCWD, a[1]); }
static long sys_readlink(const uint64_t a[6]) { return readlink_at(AT_FDCWD, a[0], a[1], (int64_t)a[2]); }
static long sys_chmod(const uint64_t a[6]) { return chmod_at(AT_FDCWD, a[0], (uint32_t)a[1], 0); }
static long sys_chown(const uint64_t a[6])
{
    return chown_at(AT_FDCWD, a[0], (uint32_t)a[1], (uint32_t)a[2], 0);
}
static long sys_lchown(const uint64_t a[6])
{
    return chown_at(AT_FDCWD, a[0], (uint32_t)a[1], (uint32_t)a[2], AT_SYMLINK_NOFOLLOW);
}
#endif

const struct sysent sys_fs_table[] = {
    SYSENT(read), SYSENT(write), SYSENT(readv), SYSENT(writev), SYSENT(pread64), SYSENT(pwrite64),
    SYSENT(preadv), SYSENT(pwritev), SYSENT(preadv2), SYSENT(pwritev2), SYSENT(flock),
    SYSENT(mount), SYSENT(umount2), SYSENT(openat), SYSENT(close), SYSENT(lseek), SYSENT(getdents64), SYSENT(newfstatat), SYSENT(fstat),
    SYSENT(statfs), SYSENT(fstatfs), SYSENT(getxattr), SYSENT(lgetxattr), SYSENT(fgetxattr),
    SYSENT(setxattr), SYSENT(lsetxattr), SYSENT(fsetxattr), SYSENT(listxattr), SYSENT(llistxattr),
    SYSENT(flistxattr), SYSENT(removexattr), SYSENT(lremovexattr), SYSENT(fremovexattr),
    SYSENT(statx), SYSENT(mkdirat), SYSENT(mknodat), SYSENT(unlinkat), SYSENT(renameat2), SYSENT(linkat),
    SYSENT(symlinkat), SYSENT(readlinkat), SYSENT(faccessat), SYSENT(faccessat2), SYSENT(chdir),
    SYSENT(fchdir), SYSENT(getcwd), SYSENT(umask), SYSENT(fchmodat), SYSENT(fchmod), SYSENT(fchownat),
    SYSENT(fchown), SYSENT(utimensat), SYSENT(ftruncate), SYSENT(truncate), SYSENT(sync),
    SYSENT(fsync), {SYSNR_fdatasync, sys_fsync, "fdatasync"}, SYSENT(syncfs), SYSENT(dup), SYSENT(dup3), SYSENT(fcntl),
    SYSENT(ioctl), SYSENT(pipe2), SYSENT(close_range), SYSENT(fadvise64),
#ifdef SYSNR_renameat
    SYSENT(renameat),
#endif
#ifdef SYSNR_open
    SYSENT(open), SYSENT(creat), SYSENT(stat), SYSENT(lstat), SYSENT(access), SYSENT(pipe),
    SYSENT(dup2), SYSENT(rename), SYSENT(mkdir), SYSENT(rmdir), SYSENT(unlink),
    SYSENT(link), SYSENT(symlink), SYSENT(readlink), SYSENT(chmod), SYSENT(chown), SYSENT(lchown),
#endif
};

const unsigned sys_fs_count = sizeof sys_fs_table / sizeof sys_fs_table[0];
