/**
 * @file file.c
 * @brief Open files and descriptor tables (kernel/vfs.h): read, write and
 *        seek through a file's ops, reference counting, dup and fork's
 *        sharing, close-on-exec.
 */
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/string.h>
#include <kernel/signo.h>
#include <kernel/uaccess.h>
#include <kernel/vfs.h>
#include <kernel/vmalloc.h>

int iobuf_put(const struct iobuf *b, size_t off, const void *src, size_t n)
{
    if (b->user)
        return copy_to_user((void *)(b->addr + off), src, n) ? -EFAULT : 0;
    memcpy((void *)(b->addr + off), src, n);
    return 0;
}

int iobuf_prepare(const struct iobuf *b, size_t off, size_t n)
{
    return b->user ? user_prepare_write((void *)(b->addr + off), n) : 0;
}

int iobuf_put_prepared(const struct iobuf *b, size_t off, const void *src, size_t n)
{
    if (b->user)
        return copy_to_user_prepared((void *)(b->addr + off), src, n) ? -EFAULT : 0;
    memcpy((void *)(b->addr + off), src, n);
    return 0;
}

int iobuf_get(void *dst, const struct iobuf *b, size_t off, size_t n)
{
    if (b->user)
        return copy_from_user(dst, (const void *)(b->addr + off), n) ? -EFAULT : 0;
    memcpy(dst, (const void *)(b->addr + off), n);
    return 0;
}

static struct spinlock file_ref_lock = SPINLOCK_INIT("file refs");
/* inode->writers and inode->running: a regular file is open for writing or
 * run from, never both (ETXTBSY). */
static struct spinlock write_access_lock = SPINLOCK_INIT("write access");

/* Add @p n (1 or -1) to the count @p mine of an inode; an increase is
 * refused with -ETXTBSY while the opposite count @p other is not 0. */
static int text_access(int *mine, const int *other, int n)
{
    irqflags_t fl = spin_lock_irqsave(&write_access_lock);
    int e = n > 0 && *other ? -ETXTBSY : 0;
    if (!e)
        *mine += n;
    spin_unlock_irqrestore(&write_access_lock, fl);
    return e;
}

/* One more writer of @p ino (@p n 1), or one fewer (-1). */
static int write_access(struct inode *ino, int n) { return text_access(&ino->writers, &ino->running, n); }

int vfs_deny_write(struct file *f)
{
    if (f->runs)
        return 0;
    int e = text_access(&f->inode->running, &f->inode->writers, 1);
    f->runs = !e;
    return e;
}

int vfs_open_inode(struct inode *ino, unsigned flags, struct file **out)
{
    unsigned keep = flags & ~(unsigned)(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW);
    if ((ino->mode & S_IFMT) == S_IFIFO && !(flags & O_PATH))
        return fifo_open(ino, keep, out);
    const struct file_ops *ops = ino->fops;
    if ((ino->mode & S_IFMT) == S_IFCHR || (ino->mode & S_IFMT) == S_IFBLK) {
        ops = (ino->mode & S_IFMT) == S_IFCHR ? chrdev_ops(ino->rdev) : blkdev_ops_of(ino->rdev);
        if (!ops)
            return -ENXIO;
    }
    if (!ops && !(flags & O_PATH))
        return -ENXIO;
    int writer = S_ISREG(ino->mode) && (flags & O_ACCMODE) != O_RDONLY && !(flags & O_PATH);
    if (writer && write_access(ino, 1) != 0)
        return -ETXTBSY;
    struct file *f = kzalloc(sizeof *f);
    if (!f) {
        if (writer)
            write_access(ino, -1);
        return -ENOMEM;
    }
    f->refs = 1;
    f->flags = keep;
    f->inode = inode_get(ino);
    f->ops = ops;
    f->writer = (uint8_t)writer;
    int e = ops && ops->open && !(flags & O_PATH) ? ops->open(f, flags) : 0;
    if (e) {
        if (writer)
            write_access(ino, -1);
        inode_put(f->inode);
        kfree(f);
        return e;
    }
    *out = f;
    return 0;
}

struct file *file_get(struct file *f)
{
    irqflags_t fl = spin_lock_irqsave(&file_ref_lock);
    f->refs++;
    spin_unlock_irqrestore(&file_ref_lock, fl);
    return f;
}

struct file *file_anon(unsigned *dev, const struct inode_ops *iops, const struct file_ops *fops, unsigned flags,
                       void *priv)
{
    if (!*dev)
        *dev = vfs_new_dev(); /* a race here only wastes a number */
    struct inode *ino = inode_alloc(*dev, iops, 0600);
    struct file *f = ino ? kzalloc(sizeof *f) : NULL;
    if (!f) {
        inode_put(ino); /* nlink 0: freed */
        return NULL;
    }
    *f = (struct file){.refs = 1, .flags = flags, .inode = ino, .ops = fops, .priv = priv};
    return f;
}

void file_put(struct file *f)
{
    if (!f)
        return;
    irqflags_t fl = spin_lock_irqsave(&file_ref_lock);
    int last = --f->refs == 0;
    spin_unlock_irqrestore(&file_ref_lock, fl);
    if (!last)
        return;
    vfs_locks_release(f->inode, (uintptr_t)f); /* its OFD and flock() locks */
    if (f->ops && f->ops->release)
        f->ops->release(f);
    if (f->writer)
        write_access(f->inode, -1);
    if (f->runs)
        text_access(&f->inode->running, &f->inode->writers, -1);
    inode_put(f->inode);
    inode_put(f->dir);
    kfree(f->name);
    kfree(f);
}

static int readable(const struct file *f) { return (f->flags & O_ACCMODE) != O_WRONLY && !(f->flags & O_PATH); }
static int writable(const struct file *f) { return (f->flags & O_ACCMODE) != O_RDONLY && !(f->flags & O_PATH); }

long vfs_read(struct file *f, const struct iobuf *b, size_t n, const uint64_t *pos)
{
    if (!readable(f))
        return -EBADF;
    if (S_ISDIR(f->inode->mode))
        return -EISDIR;
    if (!f->ops->read)
        return -EINVAL;
    if (pos && !f->ops->seekable)
        return -ESPIPE;
    if (n > 0x7ffff000)
        n = 0x7ffff000; /* Linux's cap on one transfer */
    if (pos) {
        uint64_t p = *pos;
        return f->ops->read(f, b, n, &p);
    }
    /* The offset is the file's, shared by dup'd descriptors: reads and
     * writes of one file are ordered by its inode's lock (regular files). */
    int lock = f->ops->seekable;
    if (lock)
        mutex_lock(&f->inode->lock);
    uint64_t p = f->pos;
    long r = f->ops->read(f, b, n, &p);
    if (r > 0)
        f->pos = p;
    if (lock)
        mutex_unlock(&f->inode->lock);
    return r;
}

long vfs_write(struct file *f, const struct iobuf *b, size_t n, const uint64_t *pos)
{
    if (!writable(f))
        return -EBADF;
    if (!f->ops->write)
        return -EINVAL;
    if (pos && !f->ops->seekable)
        return -ESPIPE;
    if (n > 0x7ffff000)
        n = 0x7ffff000;
    int lock = f->ops->seekable;
    if (lock)
        mutex_lock(&f->inode->lock);
    uint64_t p = pos ? *pos : f->pos;
    if ((f->flags & O_APPEND) && lock)
        p = f->inode->size; /* Linux appends even with pwrite */
    long r = f->ops->write(f, b, n, &p);
    if (r > 0 && !pos)
        f->pos = p;
    if (lock)
        mutex_unlock(&f->inode->lock);
    return r;
}

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

long vfs_lseek(struct file *f, int64_t off, int whence)
{
    if (!f->ops || !f->ops->seekable)
        return S_ISDIR(f->inode->mode) && whence == SEEK_SET && off == 0 ? (f->pos = 0) : -ESPIPE;
    mutex_lock(&f->inode->lock);
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)f->pos
                 : whence == SEEK_END ? (int64_t)f->inode->size : -1;
    long r;
    if (base < 0 && whence != SEEK_SET)
        r = -EINVAL;
    else if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
        r = off > 0 ? -EOVERFLOW : -EINVAL;
    else
        r = (long)(f->pos = (uint64_t)(base + off));
    mutex_unlock(&f->inode->lock);
    return r;
}

/* Takes a truncated file's pages out of the address spaces that map it:
 * the address spaces' (uspace_cut()), lent at boot (proc_lend_hooks()). */
static void (*cut_mapped)(struct inode *ino, uint64_t size);

void vfs_set_cut_hook(void (*cut)(struct inode *ino, uint64_t size))
{
    __atomic_store_n(&cut_mapped, cut, __ATOMIC_RELEASE);
}

int vfs_truncate(struct inode *ino, uint64_t size)
{
    if (S_ISDIR(ino->mode))
        return -EISDIR;
    if (!S_ISREG(ino->mode) || !ino->ops->truncate)
        return -EINVAL;
    if (size > (1ull << 40))
        return -EFBIG;
    /* A writer while it works: not while a program runs from the file (its
     * processes read the pages they have not touched yet), nor the reverse. */
    if (write_access(ino, 1) != 0)
        return -ETXTBSY;
    mutex_lock(&ino->lock);
    uint64_t old = ino->size;
    int e = ino->ops->truncate(ino, size);
    if (!e)
        ino->mtime = ino->ctime = vfs_now();
    /* The pages past the new end out of every mapping, after the size is
     * published: a fault from now on sees it, and one that read it before
     * sees the cut (uspace_cut()) and starts over. */
    void (*cut)(struct inode *, uint64_t) = __atomic_load_n(&cut_mapped, __ATOMIC_ACQUIRE);
    if (ino->size < old && cut) /* (a truncate that failed part way may have cut some) */
        cut(ino, ino->size);
    mutex_unlock(&ino->lock);
    write_access(ino, -1);
    return e;
}

/* ---- descriptor tables ---- */

#define FD_INITIAL 64

struct fdtable *fdtable_new(void)
{
    struct fdtable *t = kzalloc(sizeof *t);
    if (!t)
        return NULL;
    spin_init(&t->lock, "fd table");
    t->files = kzalloc(FD_INITIAL * sizeof *t->files);
    t->cloexec = kzalloc(FD_INITIAL);
    if (!t->files || !t->cloexec) {
        kfree(t->files);
        kfree(t->cloexec);
        kfree(t);
        return NULL;
    }
    t->size = FD_INITIAL;
    return t;
}

struct fdtable *fdtable_clone(struct fdtable *src)
{
    struct fdtable *t = kzalloc(sizeof *t);
    if (!t)
        return NULL;
    spin_init(&t->lock, "fd table");
    for (;;) {
        unsigned size = __atomic_load_n(&src->size, __ATOMIC_RELAXED);
        struct file **files = kzalloc(size * sizeof *files);
        uint8_t *cx = kzalloc(size);
        if (!files || !cx) {
            kfree(files);
            kfree(cx);
            kfree(t);
            return NULL;
        }
        irqflags_t f = spin_lock_irqsave(&src->lock);
        if (src->size != size) { /* grew meanwhile */
            spin_unlock_irqrestore(&src->lock, f);
            kfree(files);
            kfree(cx);
            continue;
        }
        for (unsigned i = 0; i < size; i++)
            if (src->files[i]) {
                files[i] = file_get(src->files[i]);
                cx[i] = src->cloexec[i];
            }
        spin_unlock_irqrestore(&src->lock, f);
        t->files = files;
        t->cloexec = cx;
        t->size = size;
        return t;
    }
}

/* Put the file a descriptor held, then tell its ops a descriptor closed. */
static void put_closed(struct file *f)
{
    void (*closed)(void) = f && f->ops ? f->ops->closed : NULL;
    file_put(f);
    if (closed)
        closed();
}

void fdtable_free(struct fdtable *t)
{
    if (!t)
        return;
    for (unsigned i = 0; i < t->size; i++)
        put_closed(t->files[i]);
    kfree(t->files);
    kfree(t->cloexec);
    kfree(t);
}

void fdtable_exec(struct fdtable *t)
{
    for (unsigned i = 0; i < t->size; i++) {
        irqflags_t f = spin_lock_irqsave(&t->lock);
        struct file *file = t->cloexec[i] ? t->files[i] : NULL;
        if (file) {
            t->files[i] = NULL;
            t->cloexec[i] = 0;
        }
        spin_unlock_irqrestore(&t->lock, f);
        put_closed(file);
    }
}

/* Make room for descriptor @p fd; lock not held. */
static int grow(struct fdtable *t, unsigned fd)
{
    if (fd < __atomic_load_n(&t->size, __ATOMIC_RELAXED))
        return 0;
    unsigned size = t->size;
    while (size <= fd)
        size *= 2;
    struct file **files = kzalloc(size * sizeof *files);
    uint8_t *cx = kzalloc(size);
    if (!files || !cx) {
        kfree(files);
        kfree(cx);
        return -ENOMEM;
    }
    irqflags_t f = spin_lock_irqsave(&t->lock);
    struct file **of = NULL;
    uint8_t *oc = NULL;
    if (t->size < size) {
        memcpy(files, t->files, t->size * sizeof *files);
        memcpy(cx, t->cloexec, t->size);
        of = t->files;
        oc = t->cloexec;
        t->files = files;
        t->cloexec = cx;
        t->size = size;
        files = NULL;
        cx = NULL;
    }
    spin_unlock_irqrestore(&t->lock, f);
    kfree(of);
    kfree(oc);
    kfree(files);
    kfree(cx);
    return 0;
}

int fd_install(struct fdtable *t, struct file *file, int min, int cloexec, unsigned limit)
{
    if (limit > FD_MAX)
        limit = FD_MAX;
    if (min < 0 || (unsigned)min >= limit)
        return -EINVAL;
    for (;;) {
        irqflags_t f = spin_lock_irqsave(&t->lock);
        unsigned fd = (unsigned)min;
        while (fd < t->size && t->files[fd])
            fd++;
        if (fd < t->size && fd < limit) {
            t->files[fd] = file;
            t->cloexec[fd] = cloexec != 0;
            spin_unlock_irqrestore(&t->lock, f);
            return (int)fd;
        }
        spin_unlock_irqrestore(&t->lock, f);
        if (fd >= limit)
            return -EMFILE;
        int e = grow(t, fd);
        if (e)
            return e;
    }
}

int fd_install_at(struct fdtable *t, int fd, struct file *file, int cloexec, unsigned limit)
{
    if (limit > FD_MAX)
        limit = FD_MAX;
    if (fd < 0 || (unsigned)fd >= limit)
        return -EBADF;
    int e = grow(t, (unsigned)fd);
    if (e)
        return e;
    irqflags_t f = spin_lock_irqsave(&t->lock);
    struct file *old = t->files[fd];
    t->files[fd] = file;
    t->cloexec[fd] = cloexec != 0;
    spin_unlock_irqrestore(&t->lock, f);
    put_closed(old);
    return fd;
}

struct file *fd_get(struct fdtable *t, int fd)
{
    if (!t || fd < 0)
        return NULL;
    irqflags_t f = spin_lock_irqsave(&t->lock);
    struct file *file = (unsigned)fd < t->size ? t->files[fd] : NULL;
    if (file)
        file_get(file);
    spin_unlock_irqrestore(&t->lock, f);
    return file;
}

int fd_next(struct fdtable *t, int from)
{
    if (!t || from < 0)
        return -1;
    irqflags_t f = spin_lock_irqsave(&t->lock);
    int fd = -1;
    for (unsigned i = (unsigned)from; i < t->size && fd < 0; i++)
        if (t->files[i])
            fd = (int)i;
    spin_unlock_irqrestore(&t->lock, f);
    return fd;
}

int fd_close(struct fdtable *t, int fd)
{
    if (fd < 0)
        return -EBADF;
    irqflags_t f = spin_lock_irqsave(&t->lock);
    struct file *file = (unsigned)fd < t->size ? t->files[fd] : NULL;
    if (file) {
        t->files[fd] = NULL;
        t->cloexec[fd] = 0;
    }
    spin_unlock_irqrestore(&t->lock, f);
    if (!file)
        return -EBADF;
    put_closed(file);
    return 0;
}

int fd_cloexec(struct fdtable *t, int fd, int set)
{
    if (fd < 0)
        return -EBADF;
    int r = -EBADF;
    irqflags_t f = spin_lock_irqsave(&t->lock);
    if ((unsigned)fd < t->size && t->files[fd]) {
        r = t->cloexec[fd];
        if (set >= 0)
            t->cloexec[fd] = set != 0;
    }
    spin_unlock_irqrestore(&t->lock, f);
    return r;
}

unsigned fdtable_count(struct fdtable *t)
{
    unsigned n = 0;
    irqflags_t f = spin_lock_irqsave(&t->lock);
    for (unsigned i = 0; i < t->size; i++)
        n += t->files[i] != NULL;
    spin_unlock_irqrestore(&t->lock, f);
    return n;
}
