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
 * read returns the bytes as they come.
 *
 * Job control: the terminal belongs to one session (the program `run`
 * started, or a session leader that opens it or asks TIOCSCTTY) and has a
 * foreground process group (TIOCSPGRP). With ISIG, Ctrl-C, Ctrl-\ and Ctrl-Z
 * send SIGINT, SIGQUIT and SIGTSTP to that group, from the receive
 * interrupt (console_set_input_hook()), and drop the input typed ahead. A
 * process of the session outside the foreground group that reads gets
 * SIGTTIN (EIO if it ignores it or its group is orphaned).
 */
#include <kernel/block.h>
#include <kernel/console.h>
#include <kernel/errno.h>
#include <kernel/initrd.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/printf.h>
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
#define ISIG 0000001
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
#define TIOCSCTTY 0x540E
#define TIOCNOTTY 0x5422
#define TIOCGSID 0x5429
#define VINTR 0
#define VQUIT 1
#define VSUSP 10

static struct termios_u tty_termios = {
    ICRNL, 0000005 /* OPOST|ONLCR */, 0000277 /* B38400|CS8|CREAD */,
    ISIG | ICANON | ECHO | 0000020 /* ECHOE */ | 0000040 /* ECHOK */ | 0001000 /* ECHOCTL */ |
        0004000 /* ECHOKE */ | 0100000 /* IEXTEN */,
    0, {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0}};
static struct mutex tty_lock; /* one reader at a time; guards the line below */
static volatile int tty_sid, tty_pgrp; /* the session it belongs to, its foreground group; 0: none */
static volatile int tty_flush;          /* a signal key came: the line typed so far goes */

/* A signal key of the terminal (ISIG): its signal, or 0. */
static int key_signal(char c)
{
    if (!(tty_termios.lflag & ISIG) || !c)
        return 0;
    if ((uint8_t)c == tty_termios.cc[VINTR])
        return SIGINT;
    if ((uint8_t)c == tty_termios.cc[VQUIT])
        return SIGQUIT;
    if ((uint8_t)c == tty_termios.cc[VSUSP])
        return SIGTSTP;
    return 0;
}

/* The console's input hook: a signal key with a foreground group takes
 * its signal there. Any context (the receive interrupt). */
static void (*switch_fn)(int to_kernel);

void tty_set_switch(void (*fn)(int to_kernel)) { switch_fn = fn; }

static int tty_input(char c)
{
    if (c == TTY_SWITCH_KEY && switch_fn) {
        switch_fn(console_user_owned()); /* the input is the program's now: to the kernel */
        return 3;
    }
    int sig = key_signal(c), pg = tty_pgrp;
    if (!pg || !console_user_owned())
        return 0;
    if (!sig)
        return 2; /* the program's input, Ctrl-C included when ISIG is off */
    if (tty_termios.lflag & ECHO)
        kprintf("^%c\n", c + '@');
    tty_flush = 1;
    proc_kill_group(pg, sig);
    return 1;
}

void tty_attach(int sid, int pgrp, struct tty_owner *prev)
{
    if (prev)
        *prev = (struct tty_owner){tty_sid, tty_pgrp};
    tty_sid = sid;
    tty_pgrp = pgrp;
    console_set_input_hook(tty_input);
    console_set_user(1);
}

void tty_restore(const struct tty_owner *prev)
{
    tty_sid = prev->sid;
    tty_pgrp = prev->pgrp;
    console_set_user(0); /* the kernel shell that ran it types on */
}

static void tty_release(int sid)
{
    if (tty_sid != sid)
        return;
    tty_sid = 0;
    tty_pgrp = 0;
}
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

/* Input taken from the console and not yet read: a raw read returns it, a
 * canonical one edits it into a line; poll() looks here. */
static struct spinlock tty_in_lock = SPINLOCK_INIT("tty input");
static char tty_in[512];
static unsigned in_head, in_tail;

/* Move what the console has into tty_in (signal keys of a polled UART
 * taken as the interrupt would); 1 if tty_in has something. */
static int tty_pull(void)
{
    irqflags_t f = spin_lock_irqsave(&tty_in_lock);
    if (tty_flush) {
        in_head = in_tail = 0;
    }
    while (in_head - in_tail < sizeof tty_in) {
        int c = console_getc_user();
        if (c < 0)
            break;
        if (console_rx_polled() && tty_input((char)c) == 1) {
            in_head = in_tail = 0;
            continue;
        }
        tty_in[in_head++ % sizeof tty_in] = (char)c;
    }
    int any = in_head != in_tail;
    spin_unlock_irqrestore(&tty_in_lock, f);
    return any;
}

/* A byte of tty_in, or -1. */
static int tty_take(void)
{
    irqflags_t f = spin_lock_irqsave(&tty_in_lock);
    int c = in_head != in_tail ? (unsigned char)tty_in[in_tail++ % sizeof tty_in] : -1;
    spin_unlock_irqrestore(&tty_in_lock, f);
    return c;
}

/* Wait until tty_in has a byte (a UART with no receive interrupt is
 * polled every 10 ms); -ERESTARTSYS for a signal. */
static int tty_wait_input(void)
{
    struct proc *me = proc_current();
    for (;;) {
        struct wait_set ws;
        wait_set_init(&ws);
        wait_set_add(&ws, console_rx_waitqueue());
        if (me)
            wait_set_add(&ws, &me->sig.wq);
        int any = tty_pull();
        if (!any && me && signal_pending()) {
            wait_set_clear(&ws);
            return -ERESTARTSYS;
        }
        if (!any) {
            if (console_rx_polled())
                wait_set_block_until(&ws, hal_time_ns() + 10000000ull);
            else
                wait_set_block(&ws);
        }
        wait_set_clear(&ws);
        if (any)
            return 0;
    }
}

static void tty_echo(char c)
{
    if (tty_termios.lflag & ECHO)
        kprintf("%c", c);
}

/* A reader outside the foreground group of the terminal's session:
 * SIGTTIN to its group (-ERESTARTSYS), or EIO when that cannot stop it. */
static long background_read(void)
{
    struct proc *me = proc_current();
    if (!me || !tty_sid || me->sid != tty_sid || !tty_pgrp || me->pgid == tty_pgrp)
        return 0;
    if (proc_pgrp_orphaned(me->pgid) || (uthread_current()->blocked & (1ull << (21 - 1))) ||
        me->sig.act[21 - 1].handler == 1 /* SIG_IGN */)
        return -EIO;
    proc_kill_group(me->pgid, 21 /* SIGTTIN */);
    return -ERESTARTSYS;
}

static long tty_read(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)pos;
    tty_init();
    if (!n)
        return 0;
    long bg = background_read();
    if (bg)
        return bg;
    mutex_lock(&tty_lock);
    if (tty_flush) {
        tty_flush = 0;
        tty_len = tty_off = tty_done = 0;
        tty_pull(); /* drops tty_in too */
    }
    long r = 0;
    if (!(tty_termios.lflag & ICANON)) {
        /* Raw: what is there once there is something (VMIN 1). */
        char buf[64];
        size_t k = 0;
        if (!tty_pull() && (f->flags & O_NONBLOCK))
            r = -EAGAIN;
        else if ((r = tty_wait_input()) == 0) {
            int c;
            while (k < n && k < sizeof buf && (c = tty_take()) >= 0)
                buf[k++] = (char)c;
            r = iobuf_put(b, 0, buf, k) ? -EFAULT : (long)k;
        }
        mutex_unlock(&tty_lock);
        return r;
    }
    while (!tty_done) {
        int c = tty_take();
        if (c < 0) {
            long w = tty_wait_input();
            if (w) {
                mutex_unlock(&tty_lock);
                return w; /* the partial line stays for the next read */
            }
            continue;
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
    unsigned ev = POLLOUT | POLLWRNORM;
    if (tty_pull() || tty_done) /* canonical: a byte may not yet end a line; close enough */
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
    case TIOCGPGRP:
    case TIOCGSID: {
        struct proc *me = proc_current();
        if (!me || !tty_sid || me->sid != tty_sid)
            return -ENOTTY; /* not its controlling terminal */
        int v = cmd == TIOCGSID ? tty_sid : tty_pgrp;
        return copy_to_user((void *)arg, &v, sizeof v) ? -EFAULT : 0;
    }
    case TIOCSPGRP: {
        struct proc *me = proc_current();
        int pg;
        if (copy_from_user(&pg, (const void *)arg, sizeof pg))
            return -EFAULT;
        if (!me || !tty_sid || me->sid != tty_sid)
            return -ENOTTY;
        if (pg <= 0)
            return -EINVAL;
        if (!proc_group_in_session(pg, me->sid))
            return -EPERM; /* no such group in the session */
        tty_pgrp = pg;
        return 0;
    }
    case TIOCSCTTY: {
        struct proc *me = proc_current();
        if (!me || me->sid != me->pid)
            return -EPERM; /* only a session leader */
        if (tty_sid && tty_sid != me->sid && !arg)
            return -EPERM; /* another session's (arg 1: steal, as root may) */
        tty_sid = me->sid;
        tty_pgrp = me->pgid;
        return 0;
    }
    case TIOCNOTTY: {
        struct proc *me = proc_current();
        if (me && tty_sid == me->sid)
            tty_release(me->sid);
        return 0;
    }
    default:
        return -ENOTTY;
    }
}

static const struct file_ops tty_ops = {tty_read, tty_write, tty_poll, tty_ioctl, NULL, 0};

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

static struct blkdev *blk_of(const struct file *f)
{
    unsigned minor = f->inode->rdev & 0xff;
    char name[BLK_NAME_MAX];
    irqflags_t fl = spin_lock_irqsave(&blk_names_lock);
    strlcpy(name, minor < BLK_SLOTS ? blk_names[minor] : "", sizeof name);
    spin_unlock_irqrestore(&blk_names_lock, fl);
    return name[0] ? blk_find(name) : NULL;
}

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

static const struct file_ops blk_ops = {blk_read_op, blk_write_op, always_ready, blk_ioctl, NULL, 1};

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
        dev_blk_sync();
    }
    __atomic_store_n(&state, 2, __ATOMIC_RELEASE);
    return result;
}
