/**
 * @file signalfd.c
 * @brief signalfd4() (and x86_64's signalfd()): a descriptor that reads the
 *        reader's pending signals of a set, each as a struct
 *        signalfd_siginfo, instead of their handlers running; poll() calls it
 *        readable while one is pending.
 *
 * As on Linux the signals are the caller's at the time of the read or
 * poll (the reading thread's own and its process's), not the creator's,
 * and only a blocked signal waits to be read: an unblocked one goes to its
 * handler as ever. A read takes as many as fit, waits for the first unless
 * O_NONBLOCK (EAGAIN), and is interrupted by a signal to be acted on.
 */
#include "signal.h"
#include "sys.h"
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/proc.h>
#include <kernel/string.h>
#include <kernel/user.h>
#include <kernel/vfs.h>

#define SFD_CLOEXEC 02000000 /* O_CLOEXEC */
#define SFD_NONBLOCK 04000   /* O_NONBLOCK */
#define SFD_INFO_SIZE 128    /* struct signalfd_siginfo */
#define UNBLOCKABLE ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)))

struct sfd {
    uint64_t mask; /* what it reads (never SIGKILL, SIGSTOP) */
};

static const struct inode_ops sfd_iops = {0};
static unsigned sfd_dev;

/* struct signalfd_siginfo from what signal @p sig carried. */
static void sfd_info(uint8_t out[SFD_INFO_SIZE], int sig, const struct ksiginfo *ki)
{
    struct {
        uint32_t signo;
        int32_t errno_, code;
        uint32_t pid, uid;
        int32_t fd;
        uint32_t tid, band, overrun, trapno;
        int32_t status, int_;
        uint64_t ptr, utime, stime, addr;
    } i;
    memset(&i, 0, sizeof i);
    i.signo = (uint32_t)sig;
    i.code = ki->code;
    if (ki->fault) {
        i.addr = ki->addr;
    } else if (ki->code == SI_TIMER) {
        i.tid = (uint32_t)ki->timerid; /* the timer's id, as Linux puts it */
        i.overrun = (uint32_t)ki->overrun;
        i.int_ = (int32_t)ki->value, i.ptr = ki->value;
    } else {
        i.pid = (uint32_t)ki->pid;
        if (sig == SIGCHLD)
            i.status = ki->status;
        else if (ki->code < 0 && ki->code != -6 /* SI_TKILL */)
            i.int_ = (int32_t)ki->value, i.ptr = ki->value; /* sigqueue()'s si_value */
    }
    memset(out, 0, SFD_INFO_SIZE);
    memcpy(out, &i, sizeof i);
}

static long sfd_read(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)pos;
    const struct sfd *s = f->priv;
    if (n < SFD_INFO_SIZE)
        return -EINVAL;
    size_t done = 0;
    while (done + SFD_INFO_SIZE <= n) {
        struct ksiginfo ki;
        int wait = !done && !(f->flags & O_NONBLOCK);
        long sig = signal_take(__atomic_load_n(&s->mask, __ATOMIC_RELAXED), wait ? UINT64_MAX : 0, &ki);
        if (sig < 0) {
            if (done)
                break;
            return sig == -EINTR ? -ERESTARTSYS : sig; /* EAGAIN: none, and O_NONBLOCK */
        }
        uint8_t info[SFD_INFO_SIZE];
        sfd_info(info, (int)sig, &ki);
        if (iobuf_put(b, done, info, sizeof info))
            return done ? (long)done : -EFAULT; /* a signal taken is lost, as on Linux */
        done += SFD_INFO_SIZE;
    }
    return (long)done;
}

static unsigned sfd_poll(struct file *f, struct wait_set *ws)
{
    const struct sfd *s = f->priv;
    if (ws)
        wait_set_add(ws, signal_waitqueue());
    return signal_pending_set() & __atomic_load_n(&s->mask, __ATOMIC_RELAXED) ? POLLIN | POLLRDNORM : 0;
}

static void sfd_release(struct file *f) { kfree(f->priv); }

static const struct file_ops sfd_ops = {.read = sfd_read, .poll = sfd_poll, .release = sfd_release};

/* signalfd4(fd, mask, size, flags): a new descriptor reading the signals
 * of *mask (fd -1), or a new mask for signalfd @p fd. */
static long do_signalfd(int fd, uint64_t umask, uint64_t size, unsigned flags)
{
    if (flags & ~(unsigned)(SFD_CLOEXEC | SFD_NONBLOCK))
        return -EINVAL;
    if (size != sizeof(uint64_t))
        return -EINVAL;
    uint64_t mask;
    if (copy_from_user(&mask, (const void *)(uintptr_t)umask, sizeof mask))
        return -EFAULT;
    mask &= ~UNBLOCKABLE;
    struct fdtable *fds = proc_current()->fs.fds;
    if (fd != -1) {
        struct file *f = fd_get(fds, fd);
        if (!f)
            return -EBADF;
        long e = f->ops == &sfd_ops ? 0 : -EINVAL; /* not a signalfd */
        if (!e)
            __atomic_store_n(&((struct sfd *)f->priv)->mask, mask, __ATOMIC_RELAXED);
        file_put(f);
        return e ? e : fd;
    }
    struct sfd *s = kzalloc(sizeof *s);
    struct file *f = s ? file_anon(&sfd_dev, &sfd_iops, &sfd_ops, O_RDWR | (flags & SFD_NONBLOCK), s) : NULL;
    if (!f) {
        kfree(s);
        return -ENOMEM;
    }
    s->mask = mask;
    return sys_install_fd(f, (flags & SFD_CLOEXEC) != 0);
}

static long sys_signalfd4(const uint64_t a[6]) { return do_signalfd((int)a[0], a[1], a[2], (unsigned)a[3]); }

#ifdef SYSNR_signalfd
static long sys_signalfd(const uint64_t a[6]) { return do_signalfd((int)a[0], a[1], a[2], 0); }
#endif

const struct sysent sys_signalfd_table[] = {
    SYSENT(signalfd4),
#ifdef SYSNR_signalfd
    SYSENT(signalfd),
#endif
};
const unsigned sys_signalfd_count = sizeof sys_signalfd_table / sizeof sys_signalfd_table[0];
