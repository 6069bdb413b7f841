/**
 * @file tty.c
 * @brief The kernel console as a terminal: /dev/console, /dev/tty and
 *        /dev/tty0, with Linux's line discipline (ldisc.c) and job control.
 *
 * Input comes from the console's receive queue for user programs
 * (console_getc_user()) and goes through the line discipline when a reader
 * or poll() asks for it; output goes to the console. By default a read is
 * canonical, as a Linux tty's: the line is echoed as typed and edited with
 * the erase keys; TCSETS can turn ICANON and ECHO off (busybox's line
 * editor does), after which VMIN and VTIME say when a read returns.
 *
 * Job control: the terminal belongs to one session (the program `run`
 * started, or a session leader that asks TIOCSCTTY) and has a
 * foreground process group (TIOCSPGRP). With ISIG, Ctrl-C, Ctrl-\ and Ctrl-Z
 * send SIGINT, SIGQUIT and SIGTSTP to that group, from the receive
 * interrupt (console_set_input_hook()), and drop the input typed ahead. A
 * process of the session outside the foreground group that reads gets
 * SIGTTIN (EIO if it ignores it or its group is orphaned).
 *
 * Locks: tty_lock (a mutex) lets one reader at a time wait for input;
 * ld_lock (a spinlock, interrupts masked) guards the line discipline, which
 * poll() and the ioctls reach too. The receive interrupt's hook takes
 * neither: it may run under the console's own lock, which tty_pull() takes
 * inside ld_lock.
 */
#include "ldisc.h"
#include <hal/timer.h>
#include <kernel/console.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/signo.h>
#include <kernel/uaccess.h>
#include <kernel/task.h>
#include <kernel/tty.h>
#include <kernel/vfs.h>
#include <kernel/wait.h>

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TCFLSH 0x540B
#define TIOCSCTTY 0x540E
#define TIOCGPGRP 0x540F
#define TIOCSPGRP 0x5410
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541B
#define TIOCNOTTY 0x5422
#define TIOCGSID 0x5429

static struct ldisc ld;
static struct spinlock ld_lock = SPINLOCK_INIT("tty ldisc");
static struct mutex tty_lock; /* one reader waiting at a time */
static int tty_ready;
static volatile int tty_sid, tty_pgrp; /* the session it belongs to, its foreground group; 0: none */
static volatile int tty_flush;          /* a signal key came: the input typed ahead goes */

static void tty_init(void)
{
    /* Once, before the first user of the terminal: the first process
     * opens it, and every process runs after vfs_init(), which calls this. */
    if (!__atomic_load_n(&tty_ready, __ATOMIC_ACQUIRE)) {
        irqflags_t f = spin_lock_irqsave(&ld_lock);
        if (!tty_ready) {
            ldisc_init(&ld);
            mutex_init(&tty_lock, "tty");
            __atomic_store_n(&tty_ready, 1, __ATOMIC_RELEASE);
        }
        spin_unlock_irqrestore(&ld_lock, f);
    }
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
    /* A racy read of the settings, as a key pressed during a TCSETS is. */
    int sig = tty_ready ? ldisc_signal_key(&ld.t, (uint8_t)c) : 0, pg = tty_pgrp;
    if (!pg || !console_user_owned())
        return 0;
    if (!sig)
        return 2; /* the program's input, Ctrl-C included when ISIG is off */
    /* n_tty's echo: "^C" and no newline; the shell, seeing its job end
     * by the signal, starts the next line itself. */
    if (ld.t.lflag & ECHO)
        kprintf("^%c", c + '@');
    tty_flush = 1;
    task_kill_group(pg, sig);
    return 1;
}

void tty_attach(int sid, int pgrp, struct tty_owner *prev)
{
    tty_init();
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

/*
 * Feed what the console has to the line discipline (signal keys of a
 * polled UART taken as the interrupt would), then show its echo. Returns
 * the bytes a read could take now (canonical: nonzero once a line ended).
 */
static size_t tty_pull(void)
{
    char echo[LDISC_ECHO];
    size_t k, avail;
    do {
        irqflags_t f = spin_lock_irqsave(&ld_lock);
        if (__atomic_exchange_n(&tty_flush, 0, __ATOMIC_ACQ_REL))
            ldisc_flush(&ld);
        /* Stop while the echo has room for the longest a byte can add. */
        while (ld.echo_len + 8 < LDISC_ECHO) {
            int c = console_getc_user();
            if (c < 0)
                break;
            if (console_rx_polled() && tty_input((char)c) == 1) {
                __atomic_store_n(&tty_flush, 0, __ATOMIC_RELAXED);
                ldisc_flush(&ld);
                continue;
            }
            ldisc_input(&ld, (uint8_t)c); /* a signal key here has no group to go to */
        }
        k = ldisc_take_echo(&ld, echo, sizeof echo);
        avail = ldisc_readable(&ld);
        spin_unlock_irqrestore(&ld_lock, f);
        if (k)
            kprintf("%.*s", (int)k, echo);
    } while (k + 8 >= LDISC_ECHO); /* stopped for room: there may be more */
    return avail;
}

/* A reader outside the foreground group of the terminal's session:
 * SIGTTIN to its group (-ERESTARTSYS), or EIO when that cannot stop it. */
static long background_read(void)
{
    struct task_ids me;
    if (!task_ids(&me) || !tty_sid || me.sid != tty_sid || !tty_pgrp || me.pgid == tty_pgrp)
        return 0;
    if (task_group_orphaned(me.pgid) || task_shuns(SIGTTIN))
        return -EIO;
    task_kill_group(me.pgid, SIGTTIN);
    return -ERESTARTSYS;
}

/* Whether a read of @p n bytes returns now, under ld_lock. A raw read
 * with VTIME also returns once its timer ran out (*@p deadline, set when
 * the timer starts: the read's start for VMIN 0, each byte's arrival for
 * VMIN > 0). */
static int read_ready(size_t n, uint64_t *deadline, size_t *seen)
{
    size_t have = ldisc_readable(&ld);
    if (ld.t.lflag & ICANON)
        return ldisc_line_ready(&ld);
    size_t want;
    unsigned ds;
    ldisc_raw_wait(&ld, n, &want, &ds);
    if (have >= want && (want || !ds || have))
        return 1; /* VMIN reached; or VMIN 0: anything, or nothing when no VTIME */
    uint64_t now = hal_time_ns();
    if (ds && (want == 0 || have) && (*deadline == 0 || have != *seen)) {
        *deadline = now + ds * 100000000ull; /* (re)start the timer */
        *seen = have;
    }
    return *deadline && now >= *deadline;
}

static long tty_read(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)pos;
    tty_init();
    if (!n)
        return 0;
    long r = background_read();
    if (r)
        return r;
    size_t cap = n < LDISC_BUF ? n : LDISC_BUF;
    char *buf = kmalloc(cap);
    if (!buf)
        return -ENOMEM;
    mutex_lock(&tty_lock);
    struct waitqueue *sig = task_signal_wq();
    uint64_t deadline = 0;
    size_t seen = 0;
    for (;;) {
        /* On the queues before looking, so input that comes after the look
         * wakes the wait. */
        struct wait_set ws;
        wait_set_init(&ws);
        wait_set_add(&ws, console_rx_waitqueue());
        if (sig)
            wait_set_add(&ws, sig);
        tty_pull();
        irqflags_t fl = spin_lock_irqsave(&ld_lock);
        int ready = read_ready(cap, &deadline, &seen);
        size_t k = ready ? ldisc_read(&ld, buf, cap) : 0;
        spin_unlock_irqrestore(&ld_lock, fl);
        if (ready)
            r = iobuf_put(b, 0, buf, k) ? -EFAULT : (long)k;
        else if (f->flags & O_NONBLOCK)
            r = -EAGAIN;
        else if (sig && task_signal_pending())
            r = -ERESTARTSYS; /* a partial line stays for the next read */
        if (ready || r) {
            wait_set_clear(&ws);
            break;
        }
        /* A UART with no receive interrupt is polled every 10 ms. */
        uint64_t until = deadline;
        if (console_rx_polled()) {
            uint64_t poll = hal_time_ns() + 10000000ull;
            if (!until || poll < until)
                until = poll;
        }
        if (until)
            wait_set_block_until(&ws, until);
        else
            wait_set_block(&ws);
        wait_set_clear(&ws);
    }
    mutex_unlock(&tty_lock);
    kfree(buf);
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
    tty_init();
    if (ws)
        wait_set_add(ws, console_rx_waitqueue());
    unsigned ev = POLLOUT | POLLWRNORM;
    if (tty_pull())
        ev |= POLLIN | POLLRDNORM;
    return ev;
}

/* TIOCGPGRP, TIOCGSID, TIOCSPGRP, TIOCSCTTY, TIOCNOTTY: who the terminal
 * belongs to. */
static long tty_job_ioctl(unsigned cmd, uintptr_t arg)
{
    struct task_ids me;
    int have = task_ids(&me);
    switch (cmd) {
    case TIOCGPGRP:
    case TIOCGSID: {
        if (!have || !tty_sid || me.sid != tty_sid)
            return -ENOTTY; /* not its controlling terminal */
        int v = cmd == TIOCGSID ? tty_sid : tty_pgrp;
        return copy_to_user((void *)arg, &v, sizeof v) ? -EFAULT : 0;
    }
    case TIOCSPGRP: {
        int pg;
        if (copy_from_user(&pg, (const void *)arg, sizeof pg))
            return -EFAULT;
        if (!have || !tty_sid || me.sid != tty_sid)
            return -ENOTTY;
        if (pg <= 0)
            return -EINVAL;
        if (!task_group_in_session(pg, me.sid))
            return -EPERM; /* no such group in the session */
        tty_pgrp = pg;
        return 0;
    }
    case TIOCSCTTY:
        if (!have || me.sid != me.pid)
            return -EPERM; /* only a session leader */
        if (tty_sid && tty_sid != me.sid && !arg)
            return -EPERM; /* another session's (arg 1: steal, as root may) */
        tty_sid = me.sid;
        tty_pgrp = me.pgid;
        return 0;
    case TIOCNOTTY:
        if (have && tty_sid == me.sid)
            tty_release(me.sid);
        return 0;
    default:
        return -ENOTTY;
    }
}

static long tty_ioctl(struct file *f, unsigned cmd, uintptr_t arg)
{
    (void)f;
    tty_init();
    irqflags_t fl;
    switch (cmd) {
    case TCGETS: {
        fl = spin_lock_irqsave(&ld_lock);
        struct ldisc_termios t = ld.t;
        spin_unlock_irqrestore(&ld_lock, fl);
        return copy_to_user((void *)arg, &t, sizeof t) ? -EFAULT : 0;
    }
    case TCSETS:
    case TCSETSW: /* output is written as it comes: nothing to drain */
    case TCSETSF: {
        struct ldisc_termios t;
        if (copy_from_user(&t, (const void *)arg, sizeof t))
            return -EFAULT;
        fl = spin_lock_irqsave(&ld_lock);
        if (cmd == TCSETSF)
            ldisc_flush(&ld);
        ldisc_set_termios(&ld, &t);
        spin_unlock_irqrestore(&ld_lock, fl);
        return 0;
    }
    case TCFLSH: /* TCIFLUSH 0, TCOFLUSH 1, TCIOFLUSH 2 */
        if (arg > 2)
            return -EINVAL;
        if (arg != 1) {
            fl = spin_lock_irqsave(&ld_lock);
            ldisc_flush(&ld);
            spin_unlock_irqrestore(&ld_lock, fl);
        }
        return 0;
    case FIONREAD: {
        int v = (int)tty_pull();
        return copy_to_user((void *)arg, &v, sizeof v) ? -EFAULT : 0;
    }
    case TIOCGWINSZ: {
        uint16_t ws[4] = {24, 80, 0, 0};
        return copy_to_user((void *)arg, ws, sizeof ws) ? -EFAULT : 0;
    }
    case TIOCSWINSZ:
        return 0;
    default:
        return tty_job_ioctl(cmd, arg);
    }
}

#define DEV_TTY (5u << 8) /* /dev/tty: the opener's controlling terminal */

/* /dev/tty is the controlling terminal of the process that opens it: one
 * whose session the terminal does not belong to has none, ENXIO as on
 * Linux (bash's `test -w /dev/tty`, programs that ask for a password). The
 * kernel itself (no process) may open it. */
static int tty_open(struct file *f, unsigned flags)
{
    (void)flags;
    struct task_ids me;
    if (f->inode->rdev != DEV_TTY || !task_ids(&me))
        return 0;
    return tty_sid && me.sid == tty_sid ? 0 : -ENXIO;
}

const struct file_ops tty_file_ops = {
    .read = tty_read, .write = tty_write, .poll = tty_poll, .ioctl = tty_ioctl, .open = tty_open, .seekable = 0};

/* /proc/PID/stat's tty_nr and tpgid: the one terminal is /dev/console
 * (5, 1), the controlling terminal of its session. */
static unsigned tty_ctty(int sid, int *tpgid)
{
    int s = tty_sid, pg = tty_pgrp; /* a racy pair, as a read of two fields of Linux's is */
    if (!s || s != sid) {
        *tpgid = -1;
        return 0;
    }
    *tpgid = pg; /* 0 with none, as Linux says for a terminal without one */
    return 5u << 8 | 1u;
}

void tty_register_devices(void)
{
    dev_set_console_ops(&tty_file_ops);
    procfs_set_ctty(tty_ctty);
}
