/**
 * @file devfs.c
 * @brief Character devices (/dev/null, zero, full, random, urandom), the
 *        block device nodes, and the root file system's setup (vfs_init()).
 *
 * The console devices (/dev/console, tty, tty0) are the tty layer's, which
 * registers their operations (dev_set_console_ops()).
 */
#include <kernel/block.h>
#include <kernel/errno.h>
#include <kernel/initrd.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/printf.h>
#include <kernel/log.h>
#include <kernel/task.h>
#include <kernel/sched.h>
#include <hal/cpu.h>
#include <hal/timer.h>
#include <kernel/string.h>
#include <kernel/signo.h>
#include <kernel/uaccess.h>
#include <kernel/vfs.h>

#define DEV(major, minor) ((uint32_t)(major) << 8 | (minor))

/* ---- /dev/null, zero, full, random, urandom ---- */

static long null_read(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)f, (void)b, (void)n, (void)pos;
    return 0;
}

static long null_write(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)f, (void)b, (void)pos;
    return (long)n;
}

static long full_write(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)f, (void)b, (void)n, (void)pos;
    return -ENOSPC;
}

/* Fill @p b with @p n bytes from @p gen (zeros or random), in chunks. */
static long fill(const struct iobuf *b, size_t n, int random)
{
    uint8_t chunk[256];
    if (!random)
        memset(chunk, 0, sizeof chunk);
    size_t done = 0;
    while (done < n) {
        size_t c = n - done < sizeof chunk ? n - done : sizeof chunk;
        if (random)
            random_fill(chunk, c);
        if (iobuf_put(b, done, chunk, c))
            return done ? (long)done : -EFAULT;
        done += c;
        if (done < n && task_signal_pending())
            break; /* a huge read stops at a signal with what it has */
    }
    return (long)done;
}

static long zero_read(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)f, (void)pos;
    return fill(b, n, 0);
}

static long random_read(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)f, (void)pos;
    return fill(b, n, 1);
}

static unsigned always_ready(struct file *f, struct wait_set *ws)
{
    (void)f, (void)ws;
    return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
}

/* No poll op, as Linux's null, zero and full have none: poll() finds them
 * always ready all the same, and epoll_ctl refuses them (EPERM). */
static const struct file_ops null_ops = {.read = null_read, .write = null_write, .seekable = 1};
static const struct file_ops zero_ops = {.read = zero_read, .write = null_write, .seekable = 1};
static const struct file_ops full_ops = {.read = zero_read, .write = full_write, .seekable = 1};
static const struct file_ops random_ops = {.read = random_read, .write = null_write, .poll = always_ready, .seekable = 1};

static uint64_t rnd_state;

void random_fill(void *buf, size_t n)
{
    uint8_t *out = buf;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t x = __atomic_add_fetch(&rnd_state, hal_counter() | 1, __ATOMIC_RELAXED);
        x ^= x >> 31;
        x *= 0x9e3779b97f4a7c15ull;
        x ^= x >> 29;
        memcpy(out + i, &x, n - i < 8 ? n - i : 8);
    }
}


/* ---- block devices: /dev/vda, /dev/vda1, ... ---- */

/* A block device node names its disk or partition by minor number: a slot
 * here holding the name (the block layer's devices come and go: a slot is
 * looked up at every call, so a node of a disk that went is ENXIO). */
#define BLK_MAJOR 254 /* Linux's virtblk */
#define BLK_SLOTS 64
static char blk_names[BLK_SLOTS][BLK_NAME_MAX];
static struct spinlock blk_names_lock = SPINLOCK_INIT("dev blk names");

static int blk_slot(const char *name)
{
    int free = -1, slot = -1;
    irqflags_t f = spin_lock_irqsave(&blk_names_lock);
    for (int i = 0; i < BLK_SLOTS && slot < 0; i++) {
        if (strcmp(blk_names[i], name) == 0)
            slot = i;
        else if (!blk_names[i][0] && free < 0)
            free = i;
    }
    if (slot < 0 && free >= 0) {
        strlcpy(blk_names[free], name, BLK_NAME_MAX);
        slot = free;
    }
    spin_unlock_irqrestore(&blk_names_lock, f);
    return slot;
}

struct blkdev *blkdev_of(uint32_t rdev)
{
    if ((rdev >> 8) != BLK_MAJOR)
        return NULL;
    unsigned minor = rdev & 0xff;
    char name[BLK_NAME_MAX];
    irqflags_t fl = spin_lock_irqsave(&blk_names_lock);
    strlcpy(name, minor < BLK_SLOTS ? blk_names[minor] : "", sizeof name);
    spin_unlock_irqrestore(&blk_names_lock, fl);
    return name[0] ? blk_find(name) : NULL;
}

static struct blkdev *blk_of(const struct file *f) { return blkdev_of(f->inode->rdev); }

/* Read (@p write 0) or write @p n bytes at *@p pos through whole blocks:
 * a block written in part is read first. */
static long blk_rw(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos, int write)
{
    struct blkdev *bd = blk_of(f);
    if (!bd)
        return -ENXIO;
    uint64_t size = bd->nblocks * bd->block_size;
    if (*pos >= size)
        return write && n ? -ENOSPC : 0;
    if (n > size - *pos)
        n = (size_t)(size - *pos);
    if (write && bd->read_only)
        return -EROFS;
    uint32_t bs = bd->block_size;
    size_t chunk = 64 * 1024 < bs ? bs : 64 * 1024;
    uint8_t *buf = kmalloc(chunk);
    if (!buf)
        return -ENOMEM;
    size_t done = 0;
    long err = 0;
    while (done < n) {
        uint64_t at = *pos + done;
        uint64_t lba = at / bs;
        size_t off = (size_t)(at % bs), c = chunk - off;
        if (c > n - done)
            c = n - done;
        uint32_t count = (uint32_t)((off + c + bs - 1) / bs);
        if (write) {
            if ((off || (off + c) % bs) && (err = blk_read(bd, lba, count, buf)) != 0)
                break;
            if ((err = iobuf_get(buf + off, b, done, c)) != 0 || (err = blk_write(bd, lba, count, buf)) != 0)
                break;
        } else {
            if ((err = blk_read(bd, lba, count, buf)) != 0 || (err = iobuf_put(b, done, buf + off, c)) != 0)
                break;
        }
        done += c;
    }
    kfree(buf);
    if (!done)
        return err;
    *pos += done;
    return (long)done;
}

static long blk_read_op(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    return blk_rw(f, b, n, pos, 0);
}

static long blk_write_op(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    return blk_rw(f, b, n, pos, 1);
}

#define BLKSSZGET 0x1268
#define BLKGETSIZE64 0x80081272
#define BLKFLSBUF 0x1261

static long blk_ioctl(struct file *f, unsigned cmd, uintptr_t arg)
{
    struct blkdev *bd = blk_of(f);
    if (!bd)
        return -ENXIO;
    switch (cmd) {
    case BLKSSZGET: {
        int v = (int)bd->block_size;
        return copy_to_user((void *)arg, &v, sizeof v) ? -EFAULT : 0;
    }
    case BLKGETSIZE64: {
        uint64_t v = bd->nblocks * bd->block_size;
        return copy_to_user((void *)arg, &v, sizeof v) ? -EFAULT : 0;
    }
    case BLKFLSBUF:
        return blk_flush(bd);
    default:
        return -ENOTTY;
    }
}

static const struct file_ops blk_ops = {.read = blk_read_op, .write = blk_write_op, .ioctl = blk_ioctl, .seekable = 1};

const struct file_ops *blkdev_ops_of(uint32_t rdev) { return (rdev >> 8) == BLK_MAJOR ? &blk_ops : NULL; }

void dev_blk_sync(void)
{
    if (!vfs_root())
        return;
    char path[8 + BLK_NAME_MAX];
    /* Every device the block layer has, a node (the size kept current)... */
    for (unsigned i = 0;; i++) {
        struct blkdev *bd = blk_at(i);
        if (!bd)
            break;
        int slot = blk_slot(bd->name);
        if (slot < 0)
            continue; /* more than BLK_SLOTS devices: the rest have no node */
        ksnprintf(path, sizeof path, "/dev/%s", bd->name);
        vfs_create(NULL, path, S_IFBLK | 0660, (uint32_t)(BLK_MAJOR << 8 | slot), NULL);
        struct inode *ino;
        if (vfs_lookup(NULL, path, 0, &ino) == 0) {
            ino->size = bd->nblocks * bd->block_size; /* lseek(SEEK_END) finds the end */
            inode_put(ino);
        }
    }
    /* ...and a node whose device went goes too. */
    for (int slot = 0; slot < BLK_SLOTS; slot++) {
        char name[BLK_NAME_MAX];
        irqflags_t f = spin_lock_irqsave(&blk_names_lock);
        strlcpy(name, blk_names[slot], sizeof name);
        spin_unlock_irqrestore(&blk_names_lock, f);
        if (!name[0] || blk_find(name))
            continue;
        ksnprintf(path, sizeof path, "/dev/%s", name);
        vfs_unlink(NULL, path, 0);
        f = spin_lock_irqsave(&blk_names_lock);
        blk_names[slot][0] = 0;
        spin_unlock_irqrestore(&blk_names_lock, f);
    }
}

static const struct file_ops *console_ops;

void dev_set_console_ops(const struct file_ops *ops) { __atomic_store_n(&console_ops, ops, __ATOMIC_RELEASE); }

const struct file_ops *chrdev_ops(uint32_t rdev)
{
    switch (rdev) {
    case DEV(1, 3):
        return &null_ops;
    case DEV(1, 5):
        return &zero_ops;
    case DEV(1, 7):
        return &full_ops;
    case DEV(1, 8):
    case DEV(1, 9):
        return &random_ops;
    case DEV(5, 0):
    case DEV(5, 1):
    case DEV(4, 0):
        return __atomic_load_n(&console_ops, __ATOMIC_ACQUIRE);
    default:
        return NULL;
    }
}

int dev_populate(void)
{
    static const struct {
        const char *name;
        uint32_t rdev, mode;
    } nodes[] = {
        {"/dev/null", DEV(1, 3), 0666},    {"/dev/zero", DEV(1, 5), 0666},
        {"/dev/full", DEV(1, 7), 0666},    {"/dev/random", DEV(1, 8), 0666},
        {"/dev/urandom", DEV(1, 9), 0666}, {"/dev/tty", DEV(5, 0), 0666},
        {"/dev/console", DEV(5, 1), 0600}, {"/dev/tty0", DEV(4, 0), 0620},
    };
    int e = vfs_create(NULL, "/dev", S_IFDIR | 0755, 0, NULL);
    if (e && e != -EEXIST)
        return e;
    for (unsigned i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
        e = vfs_create(NULL, nodes[i].name, S_IFCHR | nodes[i].mode, nodes[i].rdev, NULL);
        if (e && e != -EEXIST)
            return e;
    }
    /* The links Linux's user space (udev, an initramfs) makes in /dev: a
     * process's descriptors through /proc's magic links. bash's process
     * substitution <(...) hands out /dev/fd/N. */
    static const char *const links[][2] = {
        {"/dev/fd", "/proc/self/fd"},
        {"/dev/stdin", "/proc/self/fd/0"},
        {"/dev/stdout", "/proc/self/fd/1"},
        {"/dev/stderr", "/proc/self/fd/2"},
    };
    for (unsigned i = 0; i < sizeof links / sizeof links[0]; i++) {
        e = vfs_create(NULL, links[i][0], S_IFLNK | 0777, 0, links[i][1]);
        if (e && e != -EEXIST)
            return e;
    }
    /* /dev/shm: a tmpfs of its own that anyone may create in (sticky), as
     * on Linux: POSIX shared memory and named semaphores are files there. */
    e = vfs_create(NULL, "/dev/shm", S_IFDIR | 01777, 0, NULL);
    if (e)
        return e == -EEXIST ? 0 : e;
    struct inode *shm = tmpfs_new_root();
    if (!shm)
        return -ENOMEM;
    shm->mode = S_IFDIR | 01777;
    e = vfs_mount("/dev/shm", shm, "tmpfs", "tmpfs", 0);
    inode_put(shm);
    return e;
}

/* ---- the root ---- */

static struct inode *root_made;

/* mkdir -p of the directories on the way to @p path (not its last name). */
static void make_parents(char *path)
{
    for (char *s = path + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            vfs_create(NULL, path, S_IFDIR | 0755, 0, NULL);
            *s = '/';
        }
}

/* Copy the initrd's members in: directories, files (on the initrd's own
 * bytes), symlinks, with their modes. */
static void fill_from_initrd(void)
{
    const void *base;
    size_t size, pos = 0;
    if (initrd_get(&base, &size))
        return;
    struct archive_entry ae;
    int rc;
    unsigned files = 0;
    char *path = kmalloc(VFS_PATH_MAX);
    char *target = kmalloc(VFS_PATH_MAX);
    if (!path || !target) {
        kfree(path);
        kfree(target);
        return;
    }
    while ((rc = archive_next(base, size, &pos, &ae)) == 1) {
        if (!ae.name_len || ae.name_len + 2 > VFS_PATH_MAX || (ae.name_len == 1 && ae.name[0] == '.'))
            continue;
        path[0] = '/';
        memcpy(path + 1, ae.name, ae.name_len);
        path[ae.name_len + 1] = 0;
        make_parents(path);
        uint32_t type = ae.mode & S_IFMT, perm = ae.mode & 07777;
        int e = 0;
        if (type == S_IFDIR) {
            e = vfs_create(NULL, path, S_IFDIR | perm, 0, NULL);
        } else if (type == S_IFLNK && ae.size < VFS_PATH_MAX) {
            memcpy(target, ae.data, ae.size);
            target[ae.size] = 0;
            e = vfs_create(NULL, path, S_IFLNK | 0777, 0, target);
        } else if (type == S_IFREG) {
            e = vfs_create(NULL, path, S_IFREG | perm, 0, NULL);
            struct inode *ino;
            if (!e && vfs_lookup(NULL, path, 0, &ino) == 0) {
                e = tmpfs_set_borrowed(ino, ae.data, ae.size);
                inode_put(ino);
            }
            files += !e;
        } else {
            continue; /* devices and others: not from an initrd */
        }
        if (e && e != -EEXIST)
            pr_warn("vfs: initrd member %s: %s", path, errno_name(e));
    }
    if (rc < 0)
        pr_warn("vfs: the initrd is damaged after byte %lu: the files before it are in /", (unsigned long)pos);
    kfree(path);
    kfree(target);
    pr_info("vfs: / is a tmpfs with %u files from the initrd", files);
}

static char root_dev[64];

void vfs_set_root_device(const char *dev, size_t n)
{
    if (n >= sizeof root_dev) {
        pr_warn("cmdline: root= path too long: / stays the initrd's");
        return;
    }
    memcpy(root_dev, dev, n);
    root_dev[n] = '\0';
}

const char *vfs_root_device(void) { return root_dev[0] ? root_dev : NULL; }

/* root=: the disk's file system becomes /, mounted on /mnt first and moved
 * there (vfs_pivot()); if it cannot be mounted, / stays the initrd's. */
static void mount_root_device(void)
{
    int e = ext2_mount(root_dev, "/mnt", 0);
    if (!e)
        e = vfs_pivot("/mnt");
    if (e)
        pr_warn("vfs: root=%s: not mounted (%s): / stays the initrd's tmpfs", root_dev, errno_name(e));
    else
        pr_info("vfs: / is %s (root=)", root_dev);
}

int vfs_init(void)
{
    /* Once: the first caller builds the root, a racing one waits for it. */
    static int state; /* 0 not begun, 1 being built, 2 done */
    static int result;
    int expected = 0;
    if (!__atomic_compare_exchange_n(&state, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != 2)
            thread_yield();
        return result;
    }
    root_made = tmpfs_new_root();
    if (!root_made) {
        result = -ENOMEM;
    } else {
        vfs_set_root(root_made);
        fill_from_initrd();
        vfs_create(NULL, "/tmp", S_IFDIR | 01777, 0, NULL);
        vfs_create(NULL, "/mnt", S_IFDIR | 0755, 0, NULL); /* where a disk's file system goes */
        vfs_create(NULL, "/proc", S_IFDIR | 0555, 0, NULL);
        struct inode *proc = procfs_new_root();
        result = proc ? vfs_mount("/proc", proc, "proc", "proc", 0) : -ENOMEM;
        if (!result)
            result = dev_populate();
        blk_set_change_hook(dev_blk_sync); /* disks that come later */
        dev_blk_sync();
        if (!result && root_dev[0])
            mount_root_device();
    }
    __atomic_store_n(&state, 2, __ATOMIC_RELEASE);
    return result;
}
