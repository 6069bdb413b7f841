/**
 * @file ext2_vfs.c
 * @brief ext2 file systems on block devices, mounted read-only into the
 *        VFS (ext2_mount(), the `mount` shell command and system call).
 *
 * The on-disk format is ext2.c's; this file gives it a device and the
 * VFS's inodes. The device is a block device (a disk or a partition) read
 * through a small cache of 4 KiB lines, so the reader's small reads (a
 * directory entry's header, then its name) cost one request per line, not
 * one each. Inodes: a directory is made once and kept for the life of the
 * mount (the VFS's ".." follows a directory's parent pointer, which must
 * stay valid), every other inode is made for its lookup and freed with its
 * last reference; vfs_umount() frees them all (e2_unmount()) once none is
 * in use.
 * Writes of every kind answer EROFS: writing (with the page cache under
 * it) is the next step of issue 27.
 */
#include <kernel/block.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/ext2.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/string.h>
#include <kernel/vfs.h>
#include <kernel/wait.h>

#define LINE 4096u  /* bytes per cache line */
#define LINES 64u   /* lines per mount: 256 KiB */

struct e2mount {
    struct ext2_fs fs;
    struct ext2_dev dev;
    struct blkdev *bd;
    unsigned vdev;              /* st_dev */
    struct mutex cache_lock;    /* the lines and their tags */
    uint8_t *lines;             /* LINES * LINE bytes */
    uint64_t tag[LINES];        /* line number + 1 held in each; 0 none */
    struct inode *dirs;         /* directories made so far (e2node.next_dir) */
    char name[256];             /* readdir's name, valid under the namespace lock */
    int warned;                 /* a damaged structure was reported */
    unsigned live;              /* inodes other than directories not yet evicted */
};

struct e2node {
    struct e2mount *m;
    struct ext2_inode di;
    struct inode *next_dir;     /* a directory: the next one of the mount */
    char *target;               /* a symlink's */
};

static const struct inode_ops e2_iops;
static const struct file_ops e2_file_ops, e2_dir_ops;

/* The reader's device: bytes at any offset, through the lines. */
static int e2_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    struct e2mount *m = ctx;
    uint32_t per_line = LINE / m->bd->block_size;
    int err = 0;
    mutex_lock(&m->cache_lock);
    while (n && !err) {
        uint64_t line = off / LINE;
        unsigned slot = (unsigned)(line % LINES);
        uint8_t *data = m->lines + (size_t)slot * LINE;
        if (m->tag[slot] != line + 1) {
            uint64_t lba = line * per_line;
            uint32_t count = per_line;
            if (lba + count > m->bd->nblocks)
                count = (uint32_t)(m->bd->nblocks - lba); /* the device's last blocks */
            m->tag[slot] = 0;
            if ((err = blk_read(m->bd, lba, count, data)) != 0)
                break;
            m->tag[slot] = line + 1;
        }
        size_t at = (size_t)(off % LINE), c = LINE - at < n ? LINE - at : n;
        memcpy(buf, data + at, c);
        buf = (char *)buf + c;
        off += c;
        n -= c;
    }
    mutex_unlock(&m->cache_lock);
    return err ? -EIO : 0;
}

/* An error from the reader, for the caller; damage is reported once. */
static int e2_err(struct e2mount *m, int err)
{
    if (err == -EUCLEAN && !m->warned) {
        m->warned = 1;
        pr_warn("ext2: %s: %s (reported once; the access fails with EUCLEAN)", m->bd->name, m->fs.err);
    }
    return err;
}

static uint64_t ns(uint32_t s) { return (uint64_t)s * 1000000000ull; }

/* The VFS inode of ext2 inode @p ino, looked up in @p parent (a directory
 * of the mount; NULL for the root). */
static int e2_inode(struct e2mount *m, uint32_t ino, struct inode *parent, struct inode **out)
{
    for (struct inode *d = m->dirs; d; d = ((struct e2node *)d->priv)->next_dir)
        if (d->ino == ino) {
            *out = inode_get(d);
            return 0;
        }
    struct e2node *n = kzalloc(sizeof *n);
    if (!n)
        return -ENOMEM;
    int err = ext2_read_inode(&m->fs, ino, &n->di);
    uint32_t type = n->di.mode & S_IFMT;
    if (!err && type != S_IFREG && type != S_IFDIR && type != S_IFLNK && type != S_IFCHR &&
        type != S_IFBLK && type != S_IFIFO && type != S_IFSOCK)
        err = -EUCLEAN, strlcpy(m->fs.err, "an inode of no known type", sizeof m->fs.err);
    /* A directory is kept while the mount lives: the VFS frees an inode
     * with no links at its last reference, so one claiming none is
     * refused rather than freed behind the cache. */
    if (!err && type == S_IFDIR && !n->di.links)
        err = -EUCLEAN, strlcpy(m->fs.err, "a directory with no links", sizeof m->fs.err);
    if (!err && type == S_IFLNK) {
        size_t cap = n->di.size < m->fs.block_size ? (size_t)n->di.size + 1 : 1;
        n->target = kmalloc(cap);
        long len = n->target ? ext2_readlink(&m->fs, &n->di, n->target, cap) : -ENOMEM;
        if (len < 0)
            err = len == -ENAMETOOLONG ? -EUCLEAN : (int)len;
    }
    struct inode *vi = err ? NULL : inode_alloc(m->vdev, &e2_iops, n->di.mode);
    if (!vi) {
        kfree(n->target);
        kfree(n);
        return err ? e2_err(m, err) : -ENOMEM;
    }
    n->m = m;
    vi->priv = n;
    vi->ino = ino;
    vi->nlink = n->di.links;
    vi->uid = n->di.uid;
    vi->gid = n->di.gid;
    vi->size = n->di.size;
    vi->atime = ns(n->di.atime);
    vi->mtime = ns(n->di.mtime);
    vi->ctime = ns(n->di.ctime);
    if (type == S_IFCHR || type == S_IFBLK) {
        /* Old encoding in i_block[0] (major << 8 | minor), else the new
         * one in i_block[1]: minor's low byte, major, minor's high bits. */
        uint32_t d = n->di.block[0] ? n->di.block[0] : n->di.block[1];
        uint32_t major = (d >> 8) & 0xfff, minor = (d & 0xff) | ((d >> 12) & 0xfff00);
        vi->rdev = major << 8 | (minor & 0xff);
    }
    vi->fops = type == S_IFREG ? &e2_file_ops : type == S_IFDIR ? &e2_dir_ops : NULL;
    if (type == S_IFDIR) {
        vi->parent = parent ? parent : vi;
        n->next_dir = m->dirs;
        m->dirs = vi; /* kept: its refs may reach 0, it is not transient */
    } else {
        vi->transient = 1;
        __atomic_add_fetch(&m->live, 1, __ATOMIC_RELAXED);
    }
    *out = vi;
    return 0;
}

static int e2_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
    struct e2node *n = dir->priv;
    uint32_t ino;
    int err = ext2_lookup(&n->m->fs, &n->di, name, len, &ino);
    if (err)
        return err == -ENOENT || err == -ENAMETOOLONG ? err : e2_err(n->m, err);
    return e2_inode(n->m, ino, dir, out);
}

/* VFS positions: 0 and 1 are the VFS's "." and ".."; p >= 2 is byte p - 2
 * of the directory. The disk's own "." and ".." entries are skipped. */
static int e2_readdir(struct inode *dir, uint64_t pos, struct vfs_dirent *out)
{
    static const uint8_t dt[8] = {0, S_IFREG >> 12, S_IFDIR >> 12, S_IFCHR >> 12,
                                  S_IFBLK >> 12, S_IFIFO >> 12, S_IFSOCK >> 12, S_IFLNK >> 12};
    struct e2node *n = dir->priv;
    uint64_t at = pos < 2 ? 0 : pos - 2;
    struct ext2_dirent d;
    int r;
    while ((r = ext2_readdir(&n->m->fs, &n->di, &at, &d)) == 1) {
        if ((d.name_len == 1 && d.name[0] == '.') ||
            (d.name_len == 2 && d.name[0] == '.' && d.name[1] == '.'))
            continue;
        memcpy(n->m->name, d.name, d.name_len);
        *out = (struct vfs_dirent){d.ino, at + 2, d.type < 8 ? dt[d.type] : 0, n->m->name, d.name_len};
        return 1;
    }
    if (r < 0)
        e2_err(n->m, r); /* readdir has no error to give: the listing ends here */
    return 0;
}

static const char *e2_readlink(struct inode *ino)
{
    return ((struct e2node *)ino->priv)->target;
}

static void e2_evict(struct inode *ino)
{
    struct e2node *n = ino->priv;
    if (!S_ISDIR(ino->mode))
        __atomic_sub_fetch(&n->m->live, 1, __ATOMIC_RELAXED);
    kfree(n->target);
    kfree(n);
}

/* Every directory made, and the mount: nothing refers to them any more. */
static void e2_free(struct e2mount *m)
{
    while (m->dirs) {
        struct inode *d = m->dirs;
        m->dirs = ((struct e2node *)d->priv)->next_dir;
        e2_evict(d);
        kfree(d);
    }
    kfree(m->lines);
    kfree(m);
}

/* In use: an inode other than a directory still alive (an open file, one
 * being read), or a directory referred to (a working directory, an open
 * one, a mount point); the root has the mount's and the caller's. Called
 * under the namespace lock, so no lookup makes a new reference meanwhile. */
static int e2_unmount(struct inode *root, int commit)
{
    struct e2mount *m = ((struct e2node *)root->priv)->m;
    if (commit) {
        pr_info("ext2: %s unmounted", m->bd->name);
        e2_free(m);
        return 0;
    }
    if (__atomic_load_n(&m->live, __ATOMIC_RELAXED))
        return -EBUSY;
    for (struct inode *d = m->dirs; d; d = ((struct e2node *)d->priv)->next_dir)
        if (__atomic_load_n(&d->refs, __ATOMIC_RELAXED) != (d == root ? 2u : 0u) || d->mounted)
            return -EBUSY;
    return 0;
}

static int e2_rofs_create(struct inode *dir, const char *name, size_t len, uint32_t mode, uint32_t rdev,
                          const char *target, struct inode **out)
{
    (void)dir, (void)name, (void)len, (void)mode, (void)rdev, (void)target, (void)out;
    return -EROFS;
}

static int e2_rofs_link(struct inode *dir, const char *name, size_t len, struct inode *target)
{
    (void)dir, (void)name, (void)len, (void)target;
    return -EROFS;
}

static int e2_rofs_unlink(struct inode *dir, const char *name, size_t len, struct inode *victim)
{
    (void)dir, (void)name, (void)len, (void)victim;
    return -EROFS;
}

static int e2_rofs_rename(struct inode *odir, const char *name, size_t len, struct inode *ndir,
                          const char *nname, size_t nlen)
{
    (void)odir, (void)name, (void)len, (void)ndir, (void)nname, (void)nlen;
    return -EROFS;
}

static int e2_rofs_truncate(struct inode *ino, uint64_t size)
{
    (void)ino, (void)size;
    return -EROFS;
}

static const struct inode_ops e2_iops = {
    .lookup = e2_lookup,
    .create = e2_rofs_create,
    .link = e2_rofs_link,
    .unlink = e2_rofs_unlink,
    .rename = e2_rofs_rename,
    .readdir = e2_readdir,
    .readlink = e2_readlink,
    .truncate = e2_rofs_truncate,
    .evict = e2_evict,
    .unmount = e2_unmount,
};

static long e2_file_read(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    struct e2node *node = f->inode->priv;
    /* A bounce no larger than the read: a 4 KiB read() takes 4 KiB of
     * heap, not a 64 KiB block of pages each time. */
    size_t chunk = n < 64 * 1024 ? n : 64 * 1024;
    if (!chunk)
        return 0;
    uint8_t *buf = kmalloc(chunk);
    if (!buf)
        return -ENOMEM;
    size_t done = 0;
    long err = 0;
    while (done < n) {
        long got = ext2_read(&node->m->fs, &node->di, *pos + done, buf, n - done < chunk ? n - done : chunk);
        if (got <= 0) {
            err = got < 0 ? e2_err(node->m, (int)got) : 0;
            break;
        }
        if (iobuf_put(b, done, buf, (size_t)got)) {
            err = -EFAULT;
            break;
        }
        done += (size_t)got;
    }
    kfree(buf);
    if (!done)
        return err;
    *pos += done;
    return (long)done;
}

static long e2_file_write(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)f, (void)b, (void)n, (void)pos;
    return -EROFS;
}

static const struct file_ops e2_file_ops = {.read = e2_file_read, .write = e2_file_write, .seekable = 1};
static const struct file_ops e2_dir_ops = {.seekable = 1};

int ext2_mount(const char *source, const char *path)
{
    /* Disks found late in boot have their /dev nodes once probing ends:
     * a mount typed at the first prompt finds them as one typed later. */
    device_probe_wait();
    struct inode *src;
    int err = vfs_lookup(NULL, source, 1, &src);
    if (err)
        return err;
    int isblk = (src->mode & S_IFMT) == S_IFBLK;
    struct blkdev *bd = isblk ? blkdev_of(src->rdev) : NULL;
    inode_put(src);
    if (!bd)
        return isblk ? -ENXIO : -ENOTBLK;
    if (bd->block_size > LINE)
        return -EINVAL;
    struct e2mount *m = kzalloc(sizeof *m);
    uint8_t *lines = m ? kmalloc(LINES * LINE) : NULL;
    if (!lines) {
        kfree(m);
        return -ENOMEM;
    }
    m->lines = lines;
    m->bd = bd;
    mutex_init(&m->cache_lock, "ext2 lines");
    m->dev = (struct ext2_dev){e2_read, m, bd->nblocks * bd->block_size};
    struct inode *root = NULL;
    err = ext2_open(&m->fs, &m->dev);
    if (err)
        pr_warn("ext2: %s: not mounted: %s", bd->name, err == -EIO ? "the device could not be read" : m->fs.err);
    if (!err) {
        m->vdev = vfs_new_dev();
        err = e2_inode(m, 2, NULL, &root);
        if (!err && !S_ISDIR(root->mode))
            err = -EUCLEAN;
        if (!err)
            err = vfs_mount(path, root, source, "ext2", 1);
    }
    if (err) {
        e2_free(m); /* nothing else can hold one of its inodes yet */
        return err;
    }
    inode_put(root); /* vfs_mount() took its own */
    pr_info("ext2: %s on %s: %u-byte blocks, %u inodes, read-only%s", bd->name, path, m->fs.block_size,
            m->fs.inodes, m->fs.read_only ? " (features this kernel would not keep right)" : "");
    return 0;
}
