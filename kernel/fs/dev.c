/**
 * @file dev.c
 * @brief Character devices (/dev/null, zero, full, random, urandom,
 *        console, tty) and the root file system's setup (vfs_init()).
 *
 * The console device is the kernel console seen as a terminal: output goes
 * to the console, input comes from its receive queue. By default a read is
 * canonical, as a Linux tty's: the line is echoed as typed, Backspace/DEL
 * erase, Enter (CR or LF) ends the line, Ctrl-D at the start of a line is
 * the end of the input; TCSETS can turn ICANON and ECHO off, after which a
 * read returns the bytes as they come. (Ctrl-C is the kernel shell's: it
 * signals the program `run` started; job control comes with process
 * groups.)
 */
#include <kernel/console.h>
#include <kernel/errno.h>
#include <kernel/initrd.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <hal/cpu.h>
#include <hal/timer.h>
#include <kernel/string.h>
#include <kernel/user.h>
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
        if (done < n && signal_pending())
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

static const struct file_ops null_ops = {null_read, null_write, always_ready, NULL, NULL, 1};
static const struct file_ops zero_ops = {zero_read, null_write, always_ready, NULL, NULL, 1};
static const struct file_ops full_ops = {zero_read, full_write, always_ready, NULL, NULL, 1};
static const struct file_ops random_ops = {random_read, null_write, always_ready, NULL, NULL, 1};

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

/* ---- the console as a terminal ---- */

/* termios (Linux's struct termios: 4 flag words, c_line, 19 c_cc) */
struct termios_u {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line;
    uint8_t cc[19];
};
#define ICANON 0000002
#define ECHO 0000010
#define ICRNL 0000400
#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define TIOCGPGRP 0x540F
#define TIOCSPGRP 0x5410
#define FIONREAD 0x541B

static struct termios_u tty_termios = {
    ICRNL, 0000005 /* OPOST|ONLCR */, 0000277 /* B38400|CS8|CREAD */, ICANON | ECHO | 0000020 | 0000040,
    0, {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0}};
static struct mutex tty_lock; /* one reader at a time; guards the line below */
static int tty_ready;
static char tty_line[256];
static size_t tty_len, tty_off; /* a finished line waiting to be read: [tty_off, tty_len) */
static int tty_done;             /* tty_line holds a finished line */

static void tty_init(void)
{
    if (!__atomic_load_n(&tty_ready, __ATOMIC_ACQUIRE)) {
        mutex_init(&tty_lock, "tty");
        __atomic_store_n(&tty_ready, 1, __ATOMIC_RELEASE);
    }
}

/* One byte from the console, waiting (and polling a UART with no receive
 * interrupt every 10 ms); -ERESTARTSYS for a signal. */
static int tty_getc(void)
{
    struct proc *me = proc_current();
    for (;;) {
        struct wait_set ws;
        wait_set_init(&ws);
        wait_set_add(&ws, console_rx_waitqueue());
        if (me)
            wait_set_add(&ws, &me->sig.wq);
        int c = console_getc();
        if (c < 0 && me && signal_pending()) {
            wait_set_clear(&ws);
            return -ERESTARTSYS;
        }
        if (c < 0) {
            if (console_rx_polled())
                wait_set_block_until(&ws, hal_time_ns() + 10000000ull);
            else
                wait_set_block(&ws);
        }
        wait_set_clear(&ws);
        if (c >= 0)
            return c;
    }
}

static void tty_echo(char c)
{
    if (tty_termios.lflag & ECHO)
        kprintf("%c", c);
}

static long tty_read(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)f, (void)pos;
    tty_init();
    if (!n)
        return 0;
    mutex_lock(&tty_lock);
    long r = 0;
    if (!(tty_termios.lflag & ICANON)) {
        /* Raw: what is there once there is something. */
        int c = tty_getc();
        if (c < 0) {
            r = c;
        } else {
            char buf[64];
            size_t k = 0;
            do {
                buf[k++] = (char)c;
            } while (k < n && k < sizeof buf && (c = console_getc()) >= 0);
            r = iobuf_put(b, 0, buf, k) ? -EFAULT : (long)k;
        }
        mutex_unlock(&tty_lock);
        return r;
    }
    while (!tty_done) {
        int c = tty_getc();
        if (c < 0) {
            mutex_unlock(&tty_lock);
            return c; /* the partial line stays for the next read */
        }
        if (c == '\r' && (tty_termios.iflag & ICRNL))
            c = '\n';
        if (c == 127 || c == 8) {
            if (tty_len) {
                tty_len--;
                if (tty_termios.lflag & ECHO)
                    kprintf("\b \b");
            }
            continue;
        }
        if (c == 4) { /* Ctrl-D: the line as it is; at its start, the end */
            tty_done = 1;
            break;
        }
        if (tty_len < sizeof tty_line - 1 || c == '\n')
            tty_line[tty_len++] = (char)c;
        tty_echo((char)c);
        if (c == '\n')
            tty_done = 1;
    }
    size_t k = tty_len - tty_off < n ? tty_len - tty_off : n;
    if (iobuf_put(b, 0, tty_line + tty_off, k))
        r = -EFAULT;
    else {
        r = (long)k;
        tty_off += k;
        if (tty_off == tty_len)
            tty_len = tty_off = tty_done = 0;
    }
    mutex_unlock(&tty_lock);
    return r;
}

static long tty_write(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)f, (void)pos;
    char chunk[256];
    size_t done = 0;
    while (done < n) {
        size_t c = n - done < sizeof chunk ? n - done : sizeof chunk;
        if (iobuf_get(chunk, b, done, c))
            return done ? (long)done : -EFAULT;
        kprintf("%.*s", (int)c, chunk);
        done += c;
    }
    return (long)done;
}

static unsigned tty_poll(struct file *f, struct wait_set *ws)
{
    (void)f;
    if (ws)
        wait_set_add(ws, console_rx_waitqueue());
    /* Input ready is not known without taking it: a line discipline with
     * its own queue comes with job control. Say readable when a line waits. */
    unsigned ev = POLLOUT | POLLWRNORM;
    if (tty_done)
        ev |= POLLIN | POLLRDNORM;
    return ev;
}

static long tty_ioctl(struct file *f, unsigned cmd, uintptr_t arg)
{
    (void)f;
    tty_init();
    switch (cmd) {
    case TCGETS:
        return copy_to_user((void *)arg, &tty_termios, sizeof tty_termios) ? -EFAULT : 0;
    case TCSETS:
    case TCSETSW:
    case TCSETSF: {
        struct termios_u t;
        if (copy_from_user(&t, (const void *)arg, sizeof t))
            return -EFAULT;
        mutex_lock(&tty_lock);
        tty_termios = t;
        mutex_unlock(&tty_lock);
        return 0;
    }
    case TIOCGWINSZ: {
        uint16_t ws[4] = {24, 80, 0, 0};
        return copy_to_user((void *)arg, ws, sizeof ws) ? -EFAULT : 0;
    }
    case TIOCSWINSZ:
        return 0;
    case TIOCGPGRP: {
        struct proc *me = proc_current();
        int pg = me ? me->pid : 0;
        return copy_to_user((void *)arg, &pg, sizeof pg) ? -EFAULT : 0;
    }
    case TIOCSPGRP:
        return 0;
    default:
        return -ENOTTY;
    }
}

static const struct file_ops tty_ops = {tty_read, tty_write, tty_poll, tty_ioctl, NULL, 0};

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
        return &tty_ops;
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
    return 0;
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
    tty_init();
    root_made = tmpfs_new_root();
    if (!root_made) {
        result = -ENOMEM;
    } else {
        vfs_set_root(root_made);
        fill_from_initrd();
        vfs_create(NULL, "/tmp", S_IFDIR | 01777, 0, NULL);
        vfs_create(NULL, "/proc", S_IFDIR | 0555, 0, NULL);
        struct inode *proc = procfs_new_root();
        result = proc ? vfs_mount("/proc", proc, "proc", "proc") : -ENOMEM;
        if (!result)
            result = dev_populate();
    }
    __atomic_store_n(&state, 2, __ATOMIC_RELEASE);
    return result;
}
