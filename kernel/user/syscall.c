/**
 * @file syscall.c
 * @brief System-call dispatch (user_syscall(), kernel/user.h) and the calls
 *        of the first user-mode slice: output, exit, identity, time, memory.
 *
 * The arch's <arch/user_abi.h> names each call's number in its Linux
 * table (SYSNR_*); the table below pairs them with the portable
 * implementations, and a lookup array indexed by number is built from it
 * on first use. An unknown number returns -ENOSYS and is counted, so
 * `syscalls` shows what a program wanted that is missing.
 */
#include "exec.h"
#include "futex.h"
#include "sys.h"
#include "signal.h"
#include <hal/cpu.h>
#include <hal/timer.h>
#include <hal/uregs.h>
#include <hal/user.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/initrd.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/user.h>
#include <kernel/vfs.h>
#include <kernel/vmalloc.h>

#define NR_MAX 512 /* above every number of either table */

static long sys_exit_group(const uint64_t a[6])
{
    proc_exit(((int)a[0] & 0xff) << 8);
}

/* exit(): this thread; the last one's code is the process's. */
static long sys_exit(const uint64_t a[6]) { return proc_thread_exit(((int)a[0] & 0xff) << 8); }

static long sys_getpid(const uint64_t a[6])
{
    (void)a;
    return proc_current()->pid;
}

static long sys_getppid(const uint64_t a[6])
{
    (void)a;
    return proc_ppid();
}

/* The frame of the current system call (hal/user.h: at the stack's top). */
struct uregs *user_frame(void)
{
    return (struct uregs *)(thread_current()->user_kstack_top - sizeof(struct uregs));
}

#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_THREAD 0x00010000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_VFORK 0x00004000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID 0x01000000
#define CLONE_SIGNAL_MASK 0xff
#define CLONE_NEWNS 0x00020000
#define CLONE_PIDFD 0x00001000
#define CLONE_DETACHED 0x00400000
#define CLONE_NEWUSER 0x10000000
#define CLONE_NEWPID 0x20000000

/*
 * clone(): a thread (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
 * CLONE_THREAD, as pthread_create asks), or a process with fork's meaning:
 * the low byte is the signal the parent gets (SIGCHLD), and the tid-address
 * flags glibc's fork() passes are honoured. CLONE_VM without CLONE_THREAD:
 * a process in the parent's memory (not a copy) until it calls execve() or
 * ends; with CLONE_VFORK (vfork) the parent sleeps until then. Combinations
 * Linux refuses are EINVAL, as there; other sharing without a thread
 * (CLONE_FILES, CLONE_FS, CLONE_SIGHAND for a process) and a thread that
 * does not share its files and directory are ENOSYS. Linux's argument
 * order: x86_64 (flags, stack, parent_tid, child_tid, tls); the generic
 * table swaps the last two (flags, stack, parent_tid, tls, child_tid):
 * SYSNR_clone_child_tid_arg.
 */
static long sys_clone(const uint64_t a[6])
{
    uint64_t flags = a[0];
    const uint64_t thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
    uint64_t known = CLONE_SIGNAL_MASK | CLONE_VM | CLONE_VFORK | CLONE_SETTLS | CLONE_FS | CLONE_FILES |
                     CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID |
                     CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID;
    /* Linux's refusals, before anything else: a thread shares the
     * handlers, shared handlers need shared memory, a new mount or user
     * namespace cannot share the directory, a thread stays in its
     * namespaces, and clone() has one pointer for the pidfd and the
     * parent's tid (CLONE_DETACHED, long ignored, is refused with a pidfd). */
    if (((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) || ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)) ||
        (flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS) ||
        (flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS) ||
        ((flags & CLONE_THREAD) && (flags & (CLONE_NEWUSER | CLONE_NEWPID))) ||
        ((flags & CLONE_PIDFD) && (flags & (CLONE_PARENT_SETTID | CLONE_DETACHED))))
        return -EINVAL;
    if (flags & ~known)
        return -ENOSYS;
    uintptr_t child_tid = a[SYSNR_clone_child_tid_arg];
    uintptr_t tls = a[SYSNR_clone_tls_arg];
    if (flags & CLONE_THREAD) {
        if ((flags & thread) != thread || (flags & CLONE_VFORK))
            return -ENOSYS; /* a thread with files or a directory of its own: not yet */
        if (!a[1])
            return -EINVAL; /* it needs a stack of its own */
        return proc_clone_thread(user_frame(), a[1], flags & CLONE_SETTLS ? &tls : NULL, a[2], child_tid,
                                 (flags & CLONE_PARENT_SETTID) != 0, (flags & CLONE_CHILD_SETTID) != 0,
                                 (flags & CLONE_CHILD_CLEARTID) != 0);
    }
    if (flags & (CLONE_FS | CLONE_FILES | CLONE_SIGHAND))
        return -ENOSYS;
    int pid = proc_fork(user_frame(), a[1], flags & CLONE_SETTLS ? &tls : NULL,
                        (flags & CLONE_VFORK ? PROC_VFORK_WAIT : 0) | (flags & CLONE_VM ? PROC_VFORK_SHARE : 0) |
                            (flags & CLONE_CHILD_SETTID ? PROC_FORK_SETTID : 0),
                        child_tid);
    if (pid < 0)
        return pid;
    if (flags & CLONE_PARENT_SETTID)
        copy_to_user((void *)(uintptr_t)a[2], &pid, sizeof pid);
    return pid;
}

#ifdef SYSNR_fork /* x86_64 has fork and vfork of their own; the generic table only clone */
static long sys_fork(const uint64_t a[6])
{
    (void)a;
    return proc_fork(user_frame(), 0, NULL, 0, 0);
}

static long sys_vfork(const uint64_t a[6])
{
    (void)a;
    return proc_fork(user_frame(), 0, NULL, PROC_VFORK_WAIT | PROC_VFORK_SHARE, 0);
}
#endif

static long sys_wait4(const uint64_t a[6])
{
    int pid = (int)a[0], status = 0;
    if (pid == -2147483647 - 1)
        return -ESRCH; /* INT_MIN: Linux's answer, -pid would overflow */
    if (a[2] & ~(uint64_t)(WNOHANG | WUNTRACED | WCONTINUED | 0x40000000 /* __WALL */ |
                           0x80000000u /* __WCLONE */ | 0x20000000 /* __WNOTHREAD */))
        return -EINVAL;
    int r = proc_wait_child(pid, &status, (int)(a[2] & (WNOHANG | WUNTRACED | WCONTINUED)) | WEXITED);
    if (r > 0 && a[1] && copy_to_user((void *)(uintptr_t)a[1], &status, sizeof status))
        return -EFAULT;
    if (r >= 0 && a[3]) {
        uint8_t ru[144] = {0}; /* struct rusage: no times are kept per child yet */
        if (copy_to_user((void *)(uintptr_t)a[3], ru, sizeof ru))
            return -EFAULT;
    }
    return r;
}

/* waitid(idtype, id, infop, options, rusage): wait4's choice of child by
 * P_ALL, P_PID or P_PGID, told in a siginfo (CLD_* and the code or
 * signal); WEXITED, WSTOPPED and WCONTINUED say which changes count, and
 * WNOWAIT leaves the child waitable. With WNOHANG and nothing yet, 0 and
 * a siginfo whose si_pid is 0. */
#define P_ALL 0
#define P_PID 1
#define P_PGID 2
static long sys_waitid(const uint64_t a[6])
{
    int id = (int)a[1], pid;
    unsigned options = (unsigned)a[3];
    if (options & ~(unsigned)(WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | 0x40000000 |
                              0x80000000u | 0x20000000))
        return -EINVAL;
    if (!(options & (WUNTRACED | WEXITED | WCONTINUED)))
        return -EINVAL;
    switch (a[0]) {
    case P_ALL:
        pid = -1;
        break;
    case P_PID:
        if (id <= 0)
            return -EINVAL;
        pid = id;
        break;
    case P_PGID:
        if (id < 0)
            return -EINVAL;
        pid = id ? id : (int)proc_getid(0, 0); /* 0: ours; WAIT_PGID, as -1 would be any child, not group 1 */
        break;
    default:
        return -EINVAL;
    }
    int status = 0;
    int r = proc_wait_child(pid, &status, (int)(options & (WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT)) |
                                              (a[0] == P_PGID ? WAIT_PGID : 0));
    if (r < 0)
        return r;
    struct {
        int32_t signo, errno_, code, pad;
        int32_t pid, uid, status;
        uint8_t rest[128 - 28];
    } si;
    memset(&si, 0, sizeof si);
    if (r > 0) {
        si.signo = SIGCHLD;
        si.pid = r;
        if (status == 0xffff) {
            si.code = CLD_CONTINUED, si.status = SIGCONT;
        } else if ((status & 0xff) == 0x7f) {
            si.code = CLD_STOPPED, si.status = (status >> 8) & 0xff;
        } else if (status & 0x7f) {
            si.code = status & 0x80 ? CLD_DUMPED : CLD_KILLED, si.status = status & 0x7f;
        } else {
            si.code = CLD_EXITED, si.status = (status >> 8) & 0xff;
        }
    }
    if (a[2] && copy_to_user((void *)(uintptr_t)a[2], &si, sizeof si))
        return -EFAULT;
    if (a[4]) {
        uint8_t ru[144] = {0};
        if (copy_to_user((void *)(uintptr_t)a[4], ru, sizeof ru))
            return -EFAULT;
    }
    return 0;
}

static long sys_setpgid(const uint64_t a[6]) { return proc_setpgid((int)a[0], (int)a[1]); }
static long sys_getpgid(const uint64_t a[6]) { return proc_getid((int)a[0], 0); }
static long sys_getsid(const uint64_t a[6]) { return proc_getid((int)a[0], 1); }
static long sys_setsid(const uint64_t a[6])
{
    (void)a;
    return proc_setsid();
}
#ifdef SYSNR_getpgrp
static long sys_getpgrp(const uint64_t a[6])
{
    (void)a;
    return proc_getid(0, 0);
}
#endif

static long sys_gettid(const uint64_t a[6])
{
    (void)a;
    return uthread_current()->tid;
}

static long sys_set_tid_address(const uint64_t a[6])
{
    struct uthread *u = uthread_current();
    u->clear_tid = a[0];
    return u->tid;
}

struct utsname_u {
    char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

static long sys_uname(const uint64_t a[6])
{
    struct utsname_u u;
    memset(&u, 0, sizeof u);
    /* "Linux": the ABI it offers, which is what programs ask uname for. */
    strlcpy(u.sysname, "Linux", sizeof u.sysname);
    strlcpy(u.nodename, "kernel", sizeof u.nodename);
    strlcpy(u.release, "6.1.0-kernel-" KERNEL_VERSION, sizeof u.release);
    strlcpy(u.version, "kernel " KERNEL_VERSION, sizeof u.version);
    strlcpy(u.machine, ARCH_UNAME_MACHINE, sizeof u.machine);
    return copy_to_user((void *)(uintptr_t)a[0], &u, sizeof u);
}

/* RLIMIT_AS: whether mapping @p more bytes at @p va takes @p p's address
 * space past its limit; with @p fixed (MAP_FIXED), what is mapped there
 * already is replaced, not added (the regions there walked: only under a limit). */
static int over_as_limit(struct proc *p, uintptr_t va, size_t more, int fixed)
{
    uint64_t lim = p->rlim[9].cur; /* RLIMIT_AS */
    if (lim == RLIM_INFINITY)
        return 0;
    size_t replaced = fixed && va + more > va ? uspace_mapped(p->us, va, more) : 0;
    return p->us->mapped - replaced + more > lim;
}

static long sys_brk(const uint64_t a[6])
{
    struct proc *p = proc_current();
    uintptr_t want = a[0];
    uintptr_t old_end = (p->brk + PAGE_SIZE - 1) & ~(uintptr_t)(PAGE_SIZE - 1);
    uintptr_t new_end = (want + PAGE_SIZE - 1) & ~(uintptr_t)(PAGE_SIZE - 1);
    if (want < p->brk_start || want > hal_user_top() / 2 || new_end < want)
        return (long)p->brk; /* Linux's brk answers the current end when it refuses */
    uspace_lock(p->us);
    int refused = new_end > old_end && (over_as_limit(p, old_end, new_end - old_end, 0) ||
                                        uspace_map_anon(p->us, old_end, new_end - old_end, MMU_WRITE) != 0);
    if (new_end < old_end)
        uspace_unmap(p->us, new_end, old_end - new_end);
    if (!refused)
        p->brk = want;
    uspace_unlock(p->us);
    return (long)p->brk;
}

#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000

/* PROT_* as a region's rights (PROT_READ is implied by any other). */
static unsigned mmu_prot(unsigned prot)
{
    if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
        return UPROT_NONE;
    return (prot & PROT_WRITE ? MMU_WRITE : 0) | (prot & PROT_EXEC ? MMU_EXEC : 0);
}

#define DEV_ZERO_RDEV (1u << 8 | 5) /* /dev/zero, 1:5: mapped, zeroed memory */

/* The file a private mapping reads, from descriptor @p fd: a reference, or
 * NULL with *err (0 and NULL: /dev/zero, an anonymous mapping). */
static struct file *mmap_file(int fd, uint64_t off, size_t len, long *err)
{
    *err = 0;
    if (off & (PAGE_SIZE - 1)) {
        *err = -EINVAL;
        return NULL;
    }
    if ((off >> PAGE_SHIFT) + (len >> PAGE_SHIFT) < (off >> PAGE_SHIFT)) {
        *err = -EOVERFLOW; /* counted in pages, as Linux: never on 64 bits (then ENOMEM: no room) */
        return NULL;
    }
    struct file *f = fd_get(proc_current()->fs.fds, fd);
    if (!f) {
        *err = -EBADF;
        return NULL;
    }
    uint32_t mode = f->inode->mode;
    if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_WRONLY)
        *err = -EACCES; /* a mapping reads the file */
    else if ((mode & S_IFMT) == S_IFCHR && f->inode->rdev == DEV_ZERO_RDEV)
        ; /* anonymous */
    else if (!S_ISREG(mode) || !f->ops->seekable || !f->ops->read)
        *err = -ENODEV;
    else
        return f;
    file_put(f);
    return NULL;
}

static long sys_mmap(const uint64_t a[6])
{
    uintptr_t addr = a[0];
    size_t len = (a[1] + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    unsigned prot = (unsigned)a[2], flags = (unsigned)a[3];
    struct proc *p = proc_current();
    if (!len || len < a[1] || !(flags & (MAP_SHARED | MAP_PRIVATE)))
        return -EINVAL;
    if ((prot & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC))
        return -EACCES; /* W^X */
    long e = 0;
    struct file *file = flags & MAP_ANONYMOUS ? NULL : mmap_file((int)a[4], a[5], len, &e);
    if (e)
        return e;
    if (len > hal_user_top()) { /* (Linux: after the descriptor's checks) */
        file_put(file);
        return -ENOMEM;
    }
    /* MAP_SHARED: the file's own pages, written through, where its file
     * system can (mkwrite: ext2, tmpfs). Read-only, a private mapping is
     * the same thing (it maps the file's frames until written). Shared
     * anonymous memory (and /dev/zero's) is a nameless tmpfs file of its
     * own, which fork hands on like any shared file mapping. */
    int shared = 0;
    uint64_t off = a[5];
    if ((flags & MAP_SHARED) && !file) {
        if (!(file = tmpfs_shmem_file(len)))
            return -ENOMEM;
        shared = 1, off = 0;
    } else if ((flags & MAP_SHARED) && file->ops->mkwrite && file->ops->page) {
        shared = 1;
    } else if ((flags & MAP_SHARED) && (prot & PROT_WRITE)) {
        e = -ENODEV; /* a file system that cannot write through a mapping */
    }
    if (shared && (prot & PROT_WRITE) && (file->flags & O_ACCMODE) != O_RDWR)
        e = -EACCES; /* writing through it needs the file open for writing */
    if (e) {
        if (file)
            file_put(file);
        return e;
    }
    uspace_lock(p->us); /* the gap found stays free for this map */
    if (over_as_limit(p, addr, len, (flags & MAP_FIXED) != 0))
        e = -ENOMEM;
    else if (p->us->lock_future && p->fs.cred.euid != 0 && p->us->locked + len > p->rlim[8].cur)
        e = -EAGAIN; /* mlockall(MCL_FUTURE) would lock it past RLIMIT_MEMLOCK (8): Linux's answer */
    else if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        /* Past user space is ENOMEM, before the alignment, as Linux checks.
         * MAP_FIXED_NOREPLACE, with MAP_FIXED or not: exactly there, or
         * EEXIST: nothing of what is mapped is replaced. */
        e = addr + len < addr || addr + len > hal_user_top()             ? -ENOMEM
            : addr & (PAGE_SIZE - 1)                                       ? -EINVAL
            : !(flags & MAP_FIXED_NOREPLACE)                               ? uspace_unmap(p->us, addr, len)
            : uspace_overlaps(p->us, addr, len)                            ? -EEXIST
                                                                           : 0;
    } else {
        addr = uspace_find_free(p->us, len, p->us->mmap_top);
        e = addr ? 0 : -ENOMEM;
    }
    if (!e && !(flags & MAP_ANONYMOUS) && file)
        file->inode->atime = vfs_now(); /* mapped is read, as Linux marks it */
    if (!e)
        e = shared ? uspace_map_shared(p->us, addr, len, mmu_prot(prot), file, off)
            : file ? uspace_map_file(p->us, addr, len, mmu_prot(prot), file, a[5])
                   : uspace_map_anon(p->us, addr, len, mmu_prot(prot));
    uspace_unlock(p->us);
    if (file)
        file_put(file); /* the region took its own */
    return e ? e : (long)addr;
}

static long sys_mprotect(const uint64_t a[6])
{
    size_t len = (a[1] + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    if ((a[0] & (PAGE_SIZE - 1)) || len < a[1] || (a[2] & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC)))
        return -EINVAL;
    if (!len)
        return 0;
    struct uspace *us = proc_current()->us;
    uspace_lock(us);
    int e = uspace_protect(us, a[0], len, mmu_prot((unsigned)a[2]));
    uspace_unlock(us);
    return e;
}

/* Resource limits: Linux's defaults, kept per process (fork inherits
 * them); RLIMIT_NOFILE, RLIMIT_STACK, RLIMIT_AS, RLIMIT_NPROC (processes
 * alive in all, here), RLIMIT_SIGPENDING and RLIMIT_MSGQUEUE mean something. */
#define NR_OPEN_MAX 1048576 /* Linux's fs.nr_open: RLIMIT_NOFILE's ceiling */

/* What rlimit_locked() is to do, and its answer. */
struct rlimreq {
    unsigned res;
    const struct rlimit_u *set; /* NULL: only read */
    struct rlimit_u old;
};

/* Whether the caller may read or change process @p p's limits or robust
 * list, as Linux lets it: its own, root, or one whose real, effective and
 * saved user and group ids are all the caller's real ones. */
static int may_inspect(const struct proc *p)
{
    const struct cred *me = &proc_current()->fs.cred, *them = &p->fs.cred;
    return p == proc_current() || me->euid == 0 ||
           (me->uid == them->uid && me->uid == them->euid && me->uid == them->suid && me->gid == them->gid &&
            me->gid == them->egid && me->gid == them->sgid);
}

/* Linux's rules: another process's limits only as may_inspect() says; a
 * hard limit raised only by root (CAP_SYS_RESOURCE). */
static int rlimit_locked(struct proc *p, struct uthread *u, void *arg)
{
    (void)u;
    struct rlimreq *r = arg;
    const struct cred *me = &proc_current()->fs.cred;
    if (!may_inspect(p))
        return -EPERM;
    r->old = p->rlim[r->res];
    if (r->set) {
        if (r->set->max > r->old.max && me->euid != 0)
            return -EPERM;
        p->rlim[r->res] = *r->set;
    }
    return 0;
}

/* prlimit64(pid, resource, new, old) and getrlimit/setrlimit: the new
 * limit read first (EFAULT before EINVAL, as Linux), the old one written
 * as it was before the new one was set. */
static long rlimit_call(long pid, uint64_t res, uintptr_t new_u, uintptr_t old_u)
{
    struct rlimit_u n;
    struct rlimreq r = {(unsigned)res, NULL, {0, 0}};
    if (new_u) {
        if (copy_from_user(&n, (const void *)new_u, sizeof n))
            return -EFAULT;
        r.set = &n;
    }
    if (res >= RLIM_NLIMITS || (new_u && n.cur > n.max))
        return -EINVAL;
    if (new_u && res == 7 /* RLIMIT_NOFILE */ && n.max > NR_OPEN_MAX)
        return -EPERM;
    int e = (int)pid < 0 ? -ESRCH : proc_with_thread((int)pid, rlimit_locked, &r);
    if (e)
        return e;
    return old_u && copy_to_user((void *)old_u, &r.old, sizeof r.old) ? -EFAULT : 0;
}

static long sys_prlimit64(const uint64_t a[6]) { return rlimit_call((long)a[0], a[1], a[2], a[3]); }

static long sys_getrlimit(const uint64_t a[6])
{
    return a[0] >= RLIM_NLIMITS ? -EINVAL : !a[1] ? -EFAULT : rlimit_call(0, a[0], 0, a[1]);
}

static long sys_setrlimit(const uint64_t a[6]) { return !a[1] ? -EFAULT : rlimit_call(0, a[0], a[1], 0); }

#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

/* msync(): the files of the shared mappings in the range written back
 * (MS_ASYNC as MS_SYNC: a write-back here is cheap to wait for). A hole
 * in the range is ENOMEM, after the rest is written; MS_INVALIDATE over
 * locked memory EBUSY, as Linux (its pages may not be dropped). */
static long sys_msync(const uint64_t a[6])
{
    size_t len = (a[1] + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    unsigned flags = (unsigned)a[2];
    if ((a[0] & (PAGE_SIZE - 1)) || len < a[1] || (flags & ~(unsigned)(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
        ((flags & MS_ASYNC) && (flags & MS_SYNC)))
        return -EINVAL;
    struct uspace *us = proc_current()->us;
    struct file *files[8];
    unsigned n = 0;
    long e = 0;
    uspace_lock(us);
    uintptr_t at = a[0], end = a[0] + len;
    for (struct uregion *r = uspace_region_from(us, at); r && r->start < end; r = uregion_next(r)) {
        if ((flags & MS_INVALIDATE) && r->locked) {
            e = -EBUSY;
            break;
        }
        if (r->start > at)
            e = -ENOMEM; /* a hole in the range, as Linux */
        if (r->shared && n < 8)
            files[n++] = file_get(r->file);
        at = r->end;
    }
    if (!e && at < end)
        e = -ENOMEM;
    uspace_unlock(us);
    for (unsigned i = 0; i < n; i++) {
        long r = e == -EBUSY ? 0 : files[i]->ops->fsync ? files[i]->ops->fsync(files[i]) : 0;
        if (!e)
            e = r;
        file_put(files[i]);
    }
    return e;
}

/* madvise(): each advice Linux has, refused or taken as Linux takes it
 * (the hints about access patterns, merging, huge pages, core dumps and
 * page-out mean nothing here, but their ranges are checked); the
 * advice is checked before the range. */
static long sys_madvise(const uint64_t a[6])
{
    static const unsigned char how[] = { /* 1 + what it does; 0: no such advice */
        [0] = 1 + UADV_CHECK,     /* MADV_NORMAL */
        [1] = 1 + UADV_CHECK,     /* MADV_RANDOM */
        [2] = 1 + UADV_CHECK,     /* MADV_SEQUENTIAL */
        [3] = 1 + UADV_CHECK,     /* MADV_WILLNEED: pages come when touched */
        [4] = 1 + UADV_DISCARD,   /* MADV_DONTNEED */
        [8] = 1 + UADV_FREE,      /* MADV_FREE: dropped at once rather than under pressure */
        [9] = 1 + UADV_CHECK,     /* MADV_REMOVE: below */
        [10] = 1 + UADV_DONTFORK, [11] = 1 + UADV_DOFORK,
        [12] = 1 + UADV_CHECK,    /* MADV_MERGEABLE */
        [13] = 1 + UADV_CHECK,    /* MADV_UNMERGEABLE */
        [14] = 1 + UADV_CHECK,    /* MADV_HUGEPAGE */
        [15] = 1 + UADV_CHECK,    /* MADV_NOHUGEPAGE */
        [16] = 1 + UADV_CHECK,    /* MADV_DONTDUMP */
        [17] = 1 + UADV_CHECK,    /* MADV_DODUMP */
        [18] = 1 + UADV_WIPEONFORK, [19] = 1 + UADV_KEEPONFORK,
        [20] = 1 + UADV_CHECK,    /* MADV_COLD */
        [21] = 1 + UADV_CHECK,    /* MADV_PAGEOUT: nothing to page out to */
        [24] = 1 + UADV_DISCARD_LOCKED,
    };
    uint64_t adv = a[2];
    size_t len = (a[1] + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    int populate = adv == 22 || adv == 23; /* MADV_POPULATE_READ, _WRITE */
    if (adv == 100 || adv == 101) /* MADV_HWPOISON, MADV_SOFT_OFFLINE: not for programs */
        return proc_current()->fs.cred.euid ? -EPERM : -EINVAL;
    if (!populate && (adv >= sizeof how || !how[adv]))
        return -EINVAL;
    if ((a[0] & (PAGE_SIZE - 1)) || len < a[1] || a[0] + len < a[0])
        return -EINVAL;
    if (!len)
        return 0;
    if (adv == 9) /* MADV_REMOVE: a private mapping EINVAL, a shared one's hole punching not here */
        return -EINVAL;
    struct uspace *us = proc_current()->us;
    uspace_lock(us);
    int e = uspace_advise(us, a[0], len, populate ? UADV_CHECK : (enum uspace_advice)(how[adv] - 1));
    uspace_unlock(us);
    if (!e && populate) /* as the program's own reads or writes would */
        e = uspace_prefault(us, a[0], len, adv == 23 ? UFAULT_WRITE : 0) ? -EFAULT : 0;
    return e;
}

/* mremap(): the arguments checked in Linux's order, then uspace_remap(). */
static long sys_mremap(const uint64_t a[6])
{
    uint64_t va = a[0], flags = a[3];
    size_t old_len = (a[1] + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    size_t new_len = (a[2] + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    if ((flags & ~(uint64_t)(UREMAP_MAYMOVE | UREMAP_FIXED | UREMAP_DONTUNMAP)) ||
        ((flags & UREMAP_FIXED) && !(flags & UREMAP_MAYMOVE)) ||
        ((flags & UREMAP_DONTUNMAP) && (!(flags & UREMAP_MAYMOVE) || a[1] != a[2])) || (va & (PAGE_SIZE - 1)) ||
        !new_len || old_len < a[1] || new_len < a[2])
        return -EINVAL;
    uintptr_t to = a[4];
    if ((flags & UREMAP_FIXED) &&
        ((to & (PAGE_SIZE - 1)) || (to < va + old_len && va < to + new_len))) /* onto itself */
        return -EINVAL;
    struct proc *p = proc_current();
    if (!(flags & UREMAP_FIXED))
        to = p->us->mmap_top; /* where mmap places */
    uspace_lock(p->us);
    int e = uspace_remap(p->us, va, old_len, new_len, (unsigned)flags, &to, p->rlim[9].cur /* RLIMIT_AS */);
    uspace_unlock(p->us);
    return e ? e : (long)to;
}

static long sys_munmap(const uint64_t a[6])
{
    size_t len = (a[1] + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    if (a[0] & (PAGE_SIZE - 1) || !len)
        return -EINVAL;
    struct uspace *us = proc_current()->us;
    uspace_lock(us);
    int e = uspace_unmap(us, a[0], len);
    uspace_unlock(us);
    return e;
}

struct timespec_u {
    int64_t sec, nsec;
};

/* Clocks that tell the wall-clock time: CLOCK_REALTIME, _COARSE, _ALARM
 * and CLOCK_TAI (taken as UTC: no leap-second table here). Every other is
 * the monotonic clock; and these too when there is no RTC. */
#define WALL_CLOCKS (1u << 0 | 1u << 5 | 1u << 8 | 1u << 11)

int clock_cpu_ns(int64_t clk, uint64_t *ns)
{
    if (clk == 2 || clk == 3) /* CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID */
        return proc_cpu_ns(0, clk == 3, ns);
    /* Linux's encoding of another's CPU clock (glibc's clock_getcpuclockid
     * and pthread_getcpuclockid): ~pid above 3 bits, bit 2 for a thread, the
     * kind (profiling, virtual, scheduler: all the same time here) below. */
    int64_t pid = ~(clk >> 3);
    if ((clk & 3) == 3 || pid < 0 || pid > 0x3fffffff)
        return -EINVAL;
    return proc_cpu_ns((int)pid, (int)(clk >> 2 & 1), ns);
}

static long sys_clock_gettime(const uint64_t a[6])
{
    int64_t clk = (int32_t)a[0];
    uint64_t ns;
    if (clk == 2 || clk == 3 || clk < 0) {
        int e = clock_cpu_ns(clk, &ns);
        if (e)
            return e;
        struct timespec_u ts = {(int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u)};
        return copy_to_user((void *)(uintptr_t)a[1], &ts, sizeof ts);
    }
    if (a[0] > 11 || a[0] == 10 /* CLOCK_SGI_CYCLE: gone from Linux */)
        return -EINVAL;
    ns = WALL_CLOCKS >> a[0] & 1 ? clock_wall_ns() : hal_time_ns();
    struct timespec_u ts = {(int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u)};
    return copy_to_user((void *)(uintptr_t)a[1], &ts, sizeof ts);
}

/* gettimeofday(tv, tz): the time in seconds and microseconds; the time
 * zone, obsolete, as UTC (zeros). */
static long sys_gettimeofday(const uint64_t a[6])
{
    uint64_t ns = clock_wall_ns();
    struct {
        int64_t sec, usec;
    } tv = {(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC / 1000)};
    struct {
        int32_t minuteswest, dsttime;
    } tz = {0, 0};
    if (a[0] && copy_to_user((void *)(uintptr_t)a[0], &tv, sizeof tv))
        return -EFAULT;
    if (a[1] && copy_to_user((void *)(uintptr_t)a[1], &tz, sizeof tz))
        return -EFAULT;
    return 0;
}

#ifdef SYSNR_time
/* time(tloc): seconds since 1970, also stored at @p tloc if not 0. */
static long sys_time(const uint64_t a[6])
{
    int64_t s = (int64_t)(clock_wall_ns() / NSEC_PER_SEC);
    if (a[0] && copy_to_user((void *)(uintptr_t)a[0], &s, sizeof s))
        return -EFAULT;
    return s;
}
#endif

/* Sleep @p ns, then 0; cut short by a signal: the time left to *@p rem
 * (if not 0) and -ERESTARTNOHAND (-EINTR after a handler; otherwise it
 * starts again: the whole time, where Linux resumes with the time left). */
static long sleep_for(uint64_t ns, uint64_t rem)
{
    uint64_t left;
    if (signal_sleep_ns(ns, &left) == 0)
        return 0;
    /* Restarted (no handler ran: a stop and continue, an ignored signal),
     * it sleeps what was left, as Linux's restart_block does. */
    uthread_current()->sleep_deadline = hal_time_ns() + left;
    if (rem) {
        struct timespec_u r = {(int64_t)(left / 1000000000u), (int64_t)(left % 1000000000u)};
        if (copy_to_user((void *)(uintptr_t)rem, &r, sizeof r))
            return -EFAULT;
    }
    return -ERESTARTNOHAND;
}

#define SLEEP_MAX_S 100000000ull /* the longest sleep: about 3 years */
#define TIME_MAX_S (UINT64_MAX / NSEC_PER_SEC - 1)

/* A timespec from user memory as nanoseconds, at most @p max_s seconds
 * (a sleep: SLEEP_MAX_S; an absolute time: as far as 64 bits go); -errno. */
static long read_timespec(uint64_t uts, uint64_t *ns, uint64_t max_s)
{
    struct timespec_u ts;
    if (copy_from_user(&ts, (const void *)(uintptr_t)uts, sizeof ts))
        return -EFAULT;
    if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
        return -EINVAL;
    *ns = (uint64_t)ts.sec > max_s ? max_s * NSEC_PER_SEC : (uint64_t)ts.sec * NSEC_PER_SEC + (uint64_t)ts.nsec;
    return 0;
}

/* A relative sleep of the timespec at @p uts, or, for a call restarted
 * after a signal, of what its first try had left. */
static long relative_sleep(uint64_t uts, uint64_t rem)
{
    struct uthread *u = uthread_current();
    uint64_t ns;
    if (u->in_restart && u->sleep_deadline) {
        uint64_t now = hal_time_ns();
        ns = u->sleep_deadline > now ? u->sleep_deadline - now : 0;
    } else {
        long e = read_timespec(uts, &ns, SLEEP_MAX_S);
        if (e)
            return e;
    }
    u->sleep_deadline = 0;
    return sleep_for(ns, rem);
}

static long sys_nanosleep(const uint64_t a[6]) { return relative_sleep(a[0], a[1]); }

/* With TIMER_ABSTIME the time is a deadline on the clock named, as
 * clock_gettime() reads it, and no time left is told. */
#define TIMER_ABSTIME 1
static long sys_clock_nanosleep(const uint64_t a[6])
{
    if (a[0] > 11 || (a[1] & ~(uint64_t)TIMER_ABSTIME))
        return -EINVAL;
    uint64_t ns;
    long e = read_timespec(a[2], &ns, a[1] & TIMER_ABSTIME ? TIME_MAX_S : SLEEP_MAX_S);
    if (e)
        return e;
    if (a[1] & TIMER_ABSTIME) {
        uint64_t now = WALL_CLOCKS >> a[0] & 1 ? clock_wall_ns() : hal_time_ns();
        uint64_t left = ns - now;
        return ns <= now ? 0 : sleep_for(left > SLEEP_MAX_S * NSEC_PER_SEC ? SLEEP_MAX_S * NSEC_PER_SEC : left, 0);
    }
    return relative_sleep(a[2], a[3]);
}

/* The robust-futex list glibc registers for every thread: walked when the
 * thread ends (futex_exit_robust()); not read before then, as in Linux. */
static long sys_set_robust_list(const uint64_t a[6])
{
    if (a[1] != 24) /* sizeof(struct robust_list_head) */
        return -EINVAL;
    uthread_current()->robust_list = a[0];
    return 0;
}

/* get_robust_list(tid, head, len): another thread's only for the same
 * user or root (Linux asks for ptrace's right to read it). */
struct robreq {
    uintptr_t head;
    int may;
};

static int robust_locked(struct proc *p, struct uthread *u, void *arg)
{
    struct robreq *r = arg;
    r->may = may_inspect(p);
    r->head = u->robust_list;
    return 0;
}

static long sys_get_robust_list(const uint64_t a[6])
{
    struct robreq r;
    int e = (int)a[0] < 0 ? -ESRCH : proc_with_thread((int)a[0], robust_locked, &r);
    if (e)
        return e;
    if (!r.may)
        return -EPERM;
    uint64_t len = 24; /* sizeof(struct robust_list_head) */
    if (copy_to_user((void *)(uintptr_t)a[2], &len, sizeof len) ||
        copy_to_user((void *)(uintptr_t)a[1], &r.head, sizeof r.head))
        return -EFAULT;
    return 0;
}

/* prctl: the name (PR_SET_NAME, PR_GET_NAME) and the child subreaper
 * (its descendants' orphans become its children); nothing else yet. */
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37
static long sys_prctl(const uint64_t a[6])
{
    struct proc *p = proc_current();
    char name[PROC_NAME_MAX];
    switch (a[0]) {
    case PR_SET_NAME: {
        long n = strncpy_from_user(name, (const char *)(uintptr_t)a[1], sizeof name);
        if (n == -EFAULT)
            return n;
        name[sizeof name - 1] = 0; /* longer names are cut, as Linux does */
        strlcpy(p->name, name, sizeof p->name);
        strlcpy(thread_current()->name, name, sizeof thread_current()->name);
        return 0;
    }
    case PR_GET_NAME:
        memset(name, 0, sizeof name);
        strlcpy(name, p->name, sizeof name);
        return copy_to_user((void *)(uintptr_t)a[1], name, sizeof name) ? -EFAULT : 0;
    case PR_SET_CHILD_SUBREAPER:
        __atomic_store_n(&p->child_subreaper, a[1] != 0, __ATOMIC_RELAXED);
        return 0;
    case PR_GET_CHILD_SUBREAPER: {
        int v = __atomic_load_n(&p->child_subreaper, __ATOMIC_RELAXED);
        return copy_to_user((void *)(uintptr_t)a[1], &v, sizeof v) ? -EFAULT : 0;
    }
    default:
        return -EINVAL;
    }
}

static long sys_sched_yield(const uint64_t a[6])
{
    (void)a;
    thread_yield();
    return 0;
}

static long sys_kill(const uint64_t a[6])
{
    int pid = (int)a[0], sig = (int)a[1];
    if (sig < 0 || sig > 64)
        return -EINVAL;
    if (pid == -2147483647 - 1)
        return -ESRCH;
    if (pid == -1)
        return proc_kill_all(sig);
    if (pid <= 0)
        return proc_kill_group_user(pid ? -pid : proc_current()->pgid, sig);
    return proc_kill(pid, sig);
}

/* sysinfo(): uptime, memory, processes (struct sysinfo, 112 bytes on a 64-bit arch). */
static long sys_sysinfo(const uint64_t a[6])
{
    struct {
        int64_t uptime;
        uint64_t loads[3];
        uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
        uint16_t procs, pad;
        uint32_t pad2;
        uint64_t totalhigh, freehigh;
        uint32_t mem_unit;
        char pad3[4];
    } si;
    _Static_assert(sizeof si == 112, "struct sysinfo");
    memset(&si, 0, sizeof si);
    struct pmm_stats st;
    pmm_stats(&st);
    si.uptime = (int64_t)(hal_time_ns() / 1000000000u);
    si.totalram = st.managed_pages * PAGE_SIZE;
    si.freeram = st.free_pages * PAGE_SIZE;
    si.sharedram = tmpfs_pages() * PAGE_SIZE;
    si.procs = (uint16_t)proc_count();
    si.mem_unit = 1;
    return copy_to_user((void *)(uintptr_t)a[0], &si, sizeof si) ? -EFAULT : 0;
}

static long sys_getrandom(const uint64_t a[6])
{
    size_t n = a[1] > 65536 ? 65536 : a[1];
    if ((a[2] & ~(uint64_t)7) || (a[2] & 6) == 6) /* GRND_NONBLOCK 1, GRND_RANDOM 2, GRND_INSECURE 4; */
        return -EINVAL;                            /* the last two exclude each other */
    uint8_t chunk[64];
    for (size_t done = 0; done < n;) {
        size_t c = n - done < sizeof chunk ? n - done : sizeof chunk;
        random_fill(chunk, c);
        if (copy_to_user(user_at(a[0], done), chunk, c))
            return done ? (long)done : -EFAULT;
        done += c;
    }
    return (long)n;
}

#ifdef SYSNR_arch_prctl
/* x86_64's way to the thread pointer (FS base): ARCH_SET_FS and
 * ARCH_GET_FS; GS stays the kernel's (and 0 for the user). An address
 * outside user space would fault only later, in a load through FS: refused
 * now, as Linux does. */
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
static long sys_arch_prctl(const uint64_t a[6])
{
    struct thread *t = thread_current();
    switch (a[0]) {
    case ARCH_SET_FS:
        if (a[1] >= hal_user_top())
            return -EPERM;
        irqflags_t f = hal_irq_save(); /* the live FP/SIMD registers, kept */
        hal_ustate_save(t->ustate);
        hal_ustate_set_tls(user_frame(), t->ustate, a[1]);
        hal_irq_restore(f);
        sched_set_ustate(t->ustate);
        return 0;
    case ARCH_GET_FS: {
        uint64_t v = hal_ustate_tls(user_frame(), t->ustate);
        return copy_to_user((void *)(uintptr_t)a[1], &v, sizeof v) ? -EFAULT : 0;
    }
    default:
        return -EINVAL;
    }
}
#endif

#define E(n) SYSENT(n)
static const struct sysent table[] = {
    E(exit), E(exit_group), E(futex), E(getpid),
    E(getppid), E(gettid), E(set_tid_address),
    E(uname), E(brk), E(mmap), E(munmap), E(mremap), E(msync), E(madvise), E(clock_gettime), E(gettimeofday), E(nanosleep),
    E(sched_yield), E(kill),
    E(getrandom), E(clone), E(execve), E(wait4), E(waitid),
#ifdef SYSNR_fork
    E(fork), E(vfork),
#endif
#ifdef SYSNR_arch_prctl
    E(arch_prctl),
#endif
#ifdef SYSNR_time
    E(time),
#endif
    E(rt_sigaction), E(rt_sigprocmask), E(rt_sigpending), E(rt_sigsuspend), E(rt_sigreturn),
    E(rt_sigtimedwait), E(rt_sigqueueinfo), E(rt_tgsigqueueinfo),
    E(sigaltstack), E(tgkill), E(tkill), E(mprotect), E(prlimit64), E(getrlimit), E(setrlimit),
    E(get_robust_list), E(clock_nanosleep),
    E(set_robust_list), E(prctl), E(sysinfo), E(setpgid), E(getpgid), E(getsid), E(setsid),
#ifdef SYSNR_getpgrp
    E(getpgrp),
#endif
};

static const struct sysent *by_nr[NR_MAX];
static uint64_t counts[NR_MAX];
static uint64_t out_of_range;
static int built;

static void build(void)
{
    /* This file's table, then each other file's, in that order. */
    static const struct {
        const struct sysent *t;
        const unsigned *n;
    } parts[] = {
        {sys_fs_table, &sys_fs_count},       {sys_copy_table, &sys_copy_count},
        {sys_timer_table, &sys_timer_count}, {sys_timerfd_table, &sys_timerfd_count},
        {sys_signalfd_table, &sys_signalfd_count}, {sys_poll_table, &sys_poll_count},
        {sys_cred_table, &sys_cred_count},   {sys_rusage_table, &sys_rusage_count},
        {sys_mq_table, &sys_mq_count},       {sys_sched_table, &sys_sched_count},
        {sys_shm_table, &sys_shm_count},     {sys_net_table, &sys_net_count},
        {sys_epoll_table, &sys_epoll_count}, {sys_eventfd_table, &sys_eventfd_count},
        {sys_syslog_table, &sys_syslog_count},
    };
    for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
        by_nr[table[i].nr] = &table[i];
    for (unsigned p = 0; p < sizeof parts / sizeof parts[0]; p++)
        for (unsigned i = 0; i < *parts[p].n; i++)
            by_nr[parts[p].t[i].nr] = &parts[p].t[i];
    __atomic_store_n(&built, 1, __ATOMIC_RELEASE);
}

void user_syscall(struct uregs *frame)
{
    if (!__atomic_load_n(&built, __ATOMIC_ACQUIRE))
        build(); /* idempotent: two CPUs racing here write the same pointers */
    long nr = uregs_syscall_nr(frame);
    struct thread *t = thread_current(); /* once: each call masks interrupts */
    struct proc *p = t->proc;
    p->syscalls++;
    if (nr < 0 || nr >= NR_MAX) {
        __atomic_add_fetch(&out_of_range, 1, __ATOMIC_RELAXED);
        uregs_set_return(frame, -ENOSYS);
        return;
    }
    __atomic_add_fetch(&counts[nr], 1, __ATOMIC_RELAXED);
    const struct sysent *s = by_nr[nr];
    if (!s) {
        uregs_set_return(frame, -ENOSYS);
        return;
    }
    uint64_t a[6];
    for (int i = 0; i < 6; i++)
        a[i] = uregs_syscall_arg(frame, i);
    struct uthread *u = t->uthread;
    u->in_restart = u->restarted;
    u->restarted = 0;
    long ret = s->fn(a);
    if ((ret == -ERESTARTSYS || ret == -ERESTARTNOHAND) && s->fn != sys_rt_sigreturn) {
        /* Interrupted by a signal: -EINTR, unless delivery restarts it. */
        signal_syscall_interrupted(ret, nr, a[0]);
        ret = -EINTR;
    }
    uregs_set_return(frame, ret);
}

unsigned syscall_stats(struct syscall_stat *out, unsigned max, unsigned first)
{
    if (!__atomic_load_n(&built, __ATOMIC_ACQUIRE))
        build();
    unsigned n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (long nr = 0; nr < NR_MAX; nr++) {
            uint64_t c = __atomic_load_n(&counts[nr], __ATOMIC_RELAXED);
            if (!c || (pass == 0) != (by_nr[nr] != NULL))
                continue;
            if (n >= first && n - first < max)
                out[n - first] = (struct syscall_stat){nr, by_nr[nr] ? by_nr[nr]->name : NULL, c};
            n++;
        }
    if (out_of_range) {
        if (n >= first && n - first < max)
            out[n - first] = (struct syscall_stat){-1, NULL, out_of_range};
        n++;
    }
    return n;
}
