/**
 * @file fs_copy.c
 * @brief Copies between descriptors inside the kernel: sendfile() and
 *        copy_file_range(), through a kernel buffer (VFS reads and
 *        writes, so every file system and pipe works as read() and write()
 *        do with it).
 */
#include "sys.h"
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/proc.h>
#include <kernel/user.h>
#include <kernel/vfs.h>

#define COPY_CHUNK (64 * 1024)
#define RW_MAX 0x7ffff000ull /* Linux's MAX_RW_COUNT: one call moves at most this */

/* Copy up to @p count bytes from @p in (at *@p inpos, or its offset if
 * NULL) to @p out (at *@p outpos, or its offset): the bytes copied, or an
 * error if none were. Stops at the input's end and at a short write; the
 * positions given advance by what was copied. */
static long copy_files(struct file *in, uint64_t *inpos, struct file *out, uint64_t *outpos, uint64_t count)
{
    if (count > RW_MAX)
        count = RW_MAX;
    if (!count)
        return 0;
    size_t chunk = count < COPY_CHUNK ? (size_t)count : COPY_CHUNK;
    uint8_t *buf = kmalloc(chunk);
    if (!buf)
        return -ENOMEM;
    struct iobuf kb = {(uintptr_t)buf, 0};
    uint64_t done = 0;
    long err = 0;
    while (done < count) {
        size_t n = count - done < chunk ? (size_t)(count - done) : chunk;
        long r = vfs_read(in, &kb, n, inpos);
        if (r <= 0) {
            err = r;
            break;
        }
        long w = vfs_write(out, &kb, (size_t)r, outpos);
        if (w < 0) {
            err = w;
            w = 0;
        }
        if (w < r && !inpos)
            vfs_lseek(in, -(int64_t)(r - w), 1 /* SEEK_CUR: the bytes not written stay unread */);
        done += (uint64_t)w;
        if (inpos)
            *inpos += (uint64_t)w;
        if (outpos)
            *outpos += (uint64_t)w;
        if (w < r)
            break;
    }
    kfree(buf);
    return done ? (long)done : err;
}

static struct file *get_fd(int fd) { return fd_get(proc_current()->fs.fds, fd); }

/* A loff_t from user memory (NULL: none); negative is EINVAL. */
static long get_off(uint64_t uoff, uint64_t *off)
{
    if (!uoff)
        return 0;
    int64_t v;
    if (copy_from_user(&v, (const void *)(uintptr_t)uoff, sizeof v))
        return -EFAULT;
    if (v < 0)
        return -EINVAL;
    *off = (uint64_t)v;
    return 0;
}

/* sendfile(out_fd, in_fd, offset, count): with @p offset, read from there
 * (in_fd's own offset unchanged) and store where it ended. */
static long sys_sendfile(const uint64_t a[6])
{
    struct file *out = get_fd((int)a[0]), *in = get_fd((int)a[1]);
    long e = !out || !in ? -EBADF : 0;
    if (!e && ((in->flags & O_ACCMODE) == O_WRONLY || (out->flags & O_ACCMODE) == O_RDONLY))
        e = -EBADF;
    uint64_t off = 0;
    if (!e && (out->flags & O_APPEND))
        e = -EINVAL;
    /* Linux reads only what can be spliced from: a file, not a pipe or a
     * directory (whose read would wait, or fail, here). */
    if (!e && !S_ISREG(in->inode->mode) && (in->inode->mode & S_IFMT) != S_IFBLK)
        e = a[2] && (in->inode->mode & S_IFMT) == S_IFIFO ? -ESPIPE : -EINVAL;
    if (!e)
        e = get_off(a[2], &off);
    if (!e) {
        e = copy_files(in, a[2] ? &off : NULL, out, NULL, a[3]);
        int64_t o = (int64_t)off;
        if (e >= 0 && a[2] && copy_to_user((void *)(uintptr_t)a[2], &o, sizeof o))
            e = -EFAULT;
    }
    file_put(out);
    file_put(in);
    return e;
}

/* copy_file_range(fd_in, off_in, fd_out, off_out, len, flags): between
 * regular files; flags must be 0; overlapping ranges of one file are
 * EINVAL. */
static long sys_copy_file_range(const uint64_t a[6])
{
    if (a[5])
        return -EINVAL;
    struct file *in = get_fd((int)a[0]), *out = get_fd((int)a[2]);
    long e = !out || !in ? -EBADF : 0;
    uint64_t ioff = 0, ooff = 0;
    if (!e && ((in->flags & O_ACCMODE) == O_WRONLY || (out->flags & O_ACCMODE) == O_RDONLY ||
               (out->flags & O_APPEND)))
        e = -EBADF;
    if (!e && (S_ISDIR(in->inode->mode) || S_ISDIR(out->inode->mode)))
        e = -EISDIR;
    if (!e && (!S_ISREG(in->inode->mode) || !S_ISREG(out->inode->mode)))
        e = -EINVAL;
    if (!e)
        e = get_off(a[1], &ioff);
    if (!e)
        e = get_off(a[3], &ooff);
    if (!e && in->inode == out->inode) {
        uint64_t is = a[1] ? ioff : in->pos, os = a[3] ? ooff : out->pos, n = a[4];
        if (is < os + n && os < is + n)
            e = -EINVAL;
    }
    if (!e) {
        e = copy_files(in, a[1] ? &ioff : NULL, out, a[3] ? &ooff : NULL, a[4]);
        int64_t io = (int64_t)ioff, oo = (int64_t)ooff;
        if (e >= 0 && a[1] && copy_to_user((void *)(uintptr_t)a[1], &io, sizeof io))
            e = -EFAULT;
        if (e >= 0 && a[3] && copy_to_user((void *)(uintptr_t)a[3], &oo, sizeof oo))
            e = -EFAULT;
    }
    file_put(out);
    file_put(in);
    return e;
}

const struct sysent sys_copy_table[] = {SYSENT(sendfile), SYSENT(copy_file_range)};
const unsigned sys_copy_count = sizeof sys_copy_table / sizeof sys_copy_table[0];
