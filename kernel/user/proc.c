/**
 * @file proc.c
 * @brief Processes (kernel/proc.h): creation from an executable image,
 *        the way into user mode, death (exit or a fatal signal) and reaping.
 *
 * A process's thread is an ordinary scheduler thread created with
 * THREAD_USER, so the top of its kernel stack is free for the user frame
 * (hal/user.h). It starts in the kernel (user_start()), loads its address
 * space on its CPU (sched_set_user(), after which every switch to it does)
 * and drops to user mode. It dies in proc_exit(): its space is unloaded and
 * freed there, by the thread itself, so no CPU still translates through it.
 *
 * The tree: a forked process is its parent's child until the parent reaps
 * it (wait4: proc_wait_child()); the kernel's own (the shell's `run`, the
 * ktests) have no parent and are reaped by proc_wait(). When a parent ends
 * first, its zombies are reaped then and its running children become
 * orphans, which the reaper thread reaps when they end. Reaping joins the
 * thread, so a reaped process's stack and memory are all back. One lock,
 * procs_lock, guards the list, the tree and the states; a change of state
 * wakes proc_changed, where waiters sleep. Every thread is in a table by
 * its id (a process's first thread's is its pid), as Linux's pid hash:
 * what a pid or tid names is found without a walk over every process,
 * which made kill(), wait4() and exit cost as many steps as there are
 * processes.
 *
 * execve() is exec.c's: it loads the new program, then asks this file to
 * end the process's other threads (proc_end_other_threads()) before it
 * puts the new program in the old one's place.
 */
#include "uspace.h"
#include "exec.h"
#include "futex.h"
#include "signal.h"
#include <hal/cpu.h>
#include <hal/timer.h>
#include <hal/uregs.h>
#include <hal/user.h>
#include <kernel/epoll.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include <kernel/task.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/user.h>
#include <kernel/vfs.h>
#include <kernel/vmalloc.h>

_Static_assert(UREGS_RESERVE + USTATE_RESERVE <= THREAD_USER_RESERVE,
               "the user frame and state fit the stack top THREAD_USER keeps");

static struct spinlock procs_lock = SPINLOCK_INIT("processes");
static struct list_node procs = {&procs, &procs};
static struct waitqueue proc_changed = WAITQUEUE_INIT(proc_changed, "process states");
static unsigned nprocs;
static int next_pid = 1;

/* The id table: pids and tids count up and are never reused while their
 * struct lives, so consecutive ids fall into consecutive buckets. */
#define TID_BUCKETS 512
static struct list_node tid_table[TID_BUCKETS];

static struct list_node *tid_bucket(int tid) { return &tid_table[(unsigned)tid % TID_BUCKETS]; }

/* Into the table (procs_lock held; @p u's id set). */
static void tid_add_locked(struct proc *p, struct uthread *u)
{
    struct list_node *b = tid_bucket(u->tid);
    if (!b->next)
        list_init(b);
    u->owner = p;
    list_add_tail(b, &u->tid_node);
}

/* The thread of id @p tid, in its process's threads (procs_lock held). */
static struct uthread *tid_find_locked(int tid)
{
    struct list_node *b = tid_bucket(tid);
    if (!b->next)
        return NULL;
    list_for_each(n, b) {
        struct uthread *u = container_of(n, struct uthread, tid_node);
        if (u->tid == tid)
            return u;
    }
    return NULL;
}
static int reaper_started;

/* What a new process's thread starts from: a loaded program, or (fork) a
 * copy of its parent's frame. */
struct start {
    struct proc *p;
    struct uthread *u; /* the thread it runs: the process's first, or a clone's */
    struct exec_info ei;
    int forked;
    int settls;
    uintptr_t newsp, tls;
    uint8_t frame[UREGS_RESERVE];
    uint8_t ustate[USTATE_RESERVE]; /* fork: the parent's FP/SIMD and TLS */
};

unsigned proc_count(void)
{
    return __atomic_load_n(&nprocs, __ATOMIC_RELAXED);
}

struct proc *proc_current(void)
{
    struct thread *t = thread_current();
    return t ? t->proc : NULL;
}

struct uthread *uthread_current(void)
{
    struct thread *t = thread_current();
    return t ? t->uthread : NULL;
}

/* Its descriptors and working directory go (at exit, so the other ends of
 * its pipes see it gone then, not when it is reaped). */
static void proc_fs_release(struct proc *p)
{
    vfs_locks_release(NULL, (uintptr_t)p); /* its POSIX record locks */
    /* Taken off under procs_lock: /proc/PID/fd and cwd read them there. */
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    struct fdtable *fds = p->fs.fds;
    struct inode *cwd = p->fs.cwd;
    p->fs.fds = NULL;
    p->fs.cwd = NULL;
    spin_unlock_irqrestore(&procs_lock, f);
    fdtable_free(fds);
    inode_put(cwd);
}

struct inode *proc_set_cwd(struct inode *ino)
{
    struct proc *p = proc_current();
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    struct inode *old = p->fs.cwd;
    p->fs.cwd = ino;
    spin_unlock_irqrestore(&procs_lock, f);
    return old;
}

/* Process @p pid, a zombie too until it is reaped; under procs_lock. */
static struct proc *find_locked(int pid)
{
    struct uthread *u = tid_find_locked(pid);
    return u && u == &u->owner->main ? u->owner : NULL;
}

void proc_set_us(struct proc *p, struct uspace *us)
{
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    p->us = us;
    spin_unlock_irqrestore(&procs_lock, f);
}

/* /proc/PID/maps: its space held (a sharer more) while the lock is let go,
 * so an exit or execve meanwhile (proc_set_us()) frees it only after. */
static long proc_maps_of(int pid, char *buf, size_t size)
{
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    struct proc *p = find_locked(pid);
    struct uspace *us = p ? p->us : NULL;
    uintptr_t bs = p ? p->brk_start : 0, b = p ? p->brk : 0;
    if (us)
        __atomic_add_fetch(&us->sharers, 1, __ATOMIC_ACQ_REL);
    spin_unlock_irqrestore(&procs_lock, f);
    if (!p)
        return -ESRCH;
    if (!us)
        return 0; /* a zombie maps nothing */
    size_t n = uspace_maps_text(us, buf, size, bs, b);
    uspace_leave(us);
    return (long)n;
}

static struct file *proc_file_of(int pid, int fd)
{
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    struct proc *p = find_locked(pid);
    struct file *file = p ? fd_get(p->fs.fds, fd) : NULL;
    spin_unlock_irqrestore(&procs_lock, f);
    return file;
}

static int proc_next_fd(int pid, int from)
{
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    struct proc *p = find_locked(pid);
    int fd = p ? fd_next(p->fs.fds, from) : -1;
    spin_unlock_irqrestore(&procs_lock, f);
    return fd;
}

static struct inode *proc_cwd_of(int pid)
{
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    struct proc *p = find_locked(pid);
    struct inode *cwd = p && p->fs.cwd ? inode_get(p->fs.cwd) : NULL;
    spin_unlock_irqrestore(&procs_lock, f);
    return cwd;
}

/* A new process's descriptors and directory: its parent's (fork), or the
 * console as standard input, output and error, in the root. */
static int proc_fs_init(struct proc *p, struct proc *parent)
{
    if (parent) {
        p->fs.fds = fdtable_clone(parent->fs.fds);
        p->fs.cwd = inode_get(parent->fs.cwd);
        p->fs.umask = parent->fs.umask;
        p->fs.cred = parent->fs.cred;
        return p->fs.fds ? 0 : -ENOMEM;
    }
    int e = vfs_init();
    p->fs.umask = 022;
    p->fs.fds = fdtable_new();
    if (!p->fs.fds)
        return -ENOMEM;
    if (e)
        return e;
    p->fs.cwd = inode_get(vfs_root());
    struct file *con;
    if (vfs_open(NULL, "/dev/console", O_RDWR, 0, &con) == 0) {
        for (int fd = 0; fd < 3; fd++)
            fd_install(p->fs.fds, fd ? file_get(con) : con, fd, 0, FD_MAX);
    }
    return 0;
}

static void proc_free(struct proc *p)
{
    proc_fs_release(p);
    epoll_queue_gone(&p->sig.wq); /* an epoll watching a signalfd through it, in another process */
    kfree(p->cmdline);
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    list_del(&p->all);
    list_del(&p->main.tid_node);
    nprocs--;
    spin_unlock_irqrestore(&procs_lock, f);
    kfree(p);
}

/* The process's thread: into user mode, never back here. */
static int user_start(void *arg)
{
    struct start st = *(struct start *)arg;
    kfree(arg);
    struct thread *t = thread_current();
    t->proc = st.p;
    t->uthread = st.u ? st.u : &st.p->main;
    ((struct uthread *)t->uthread)->kthread = t;
    /* The stack's top: the thread's struct ustate, then its frame below. */
    uintptr_t kstack_top = (uintptr_t)t->stack + KSTACK_SIZE - USTATE_RESERVE;
    struct ustate *ust = (struct ustate *)kstack_top;
    sched_set_user(&st.p->us->as, kstack_top);
    struct uregs *frame = (struct uregs *)(kstack_top - sizeof(struct uregs));
    if (st.forked) {
        memcpy(frame, st.frame, sizeof(struct uregs));
        memcpy(ust, st.ustate, sizeof(struct ustate));
        uregs_set_return(frame, 0);
        if (st.newsp)
            uregs_set_sp(frame, st.newsp);
        if (st.settls)
            hal_ustate_set_tls(frame, ust, st.tls);
    } else {
        uregs_init(frame, st.ei.entry, st.ei.sp);
        hal_ustate_init(ust);
    }
    sched_set_ustate(ust);
    hal_irq_disable();
    hal_user_enter(frame);
}

/* Keep @p argv as /proc/<pid>/cmdline shows it, and the path it came from. */
void proc_set_cmdline(struct proc *p, const char *path, char *const argv[])
{
    size_t n = 0;
    for (unsigned i = 0; argv && argv[i]; i++)
        n += strlen(argv[i]) + 1;
    if (n > 4096)
        n = 4096;
    char *c = n ? kmalloc(n) : NULL;
    size_t at = 0;
    for (unsigned i = 0; c && argv[i] && at < n; i++) {
        size_t l = strlen(argv[i]) + 1;
        if (l > n - at)
            l = n - at;
        memcpy(c + at, argv[i], l);
        at += l;
    }
    kfree(p->cmdline);
    p->cmdline = c;
    p->cmdline_len = c ? at : 0;
    /* /proc/<pid>/exe names the file absolutely, as on Linux (glibc's
     * static startup asserts it begins with '/'); a built-in program
     * without a file keeps the name it was run by. */
    if (!strchr(path, '/') || vfs_real_path(NULL, path, p->exe, sizeof p->exe) < 0)
        strlcpy(p->exe, path, sizeof p->exe);
}

/* A new process struct with a pid, in the list; NULL and why in @p err. */
/* What the file systems and the terminal ask of the calling process
 * (kernel/task.h). */
static struct fs_ctx *task_fs_of_current(void)
{
    struct proc *p = proc_current();
    return p ? &p->fs : NULL;
}

static struct waitqueue *task_signal_wq_of_current(void)
{
    struct proc *p = proc_current();
    return p ? &p->sig.wq : NULL;
}

static void task_signal_current(int sig)
{
    struct proc *me = proc_current();
    if (me) {
        struct ksiginfo ki = {.code = 0 /* SI_USER */, .pid = me->pid};
        signal_send(me, sig, &ki);
    }
}

static int task_ids_of_current(struct task_ids *out)
{
    struct proc *me = proc_current();
    if (!me)
        return 0;
    *out = (struct task_ids){me->pid, me->pgid, me->sid};
    return 1;
}

static int task_current_shuns(int sig)
{
    struct proc *me = proc_current();
    return me && ((uthread_current()->blocked & (1ull << (sig - 1))) ||
                  me->sig.act[sig - 1].handler == 1 /* SIG_IGN */);
}

static void task_kill_group_of(int pgid, int sig) { proc_kill_group(pgid, sig); }

static const struct task_ops task_answers = {
    .fs = task_fs_of_current,
    .signal_wq = task_signal_wq_of_current,
    .signal_pending = signal_pending,
    .signal_self = task_signal_current,
    .ids = task_ids_of_current,
    .shuns = task_current_shuns,
    .kill_group = task_kill_group_of,
    .group_orphaned = proc_pgrp_orphaned,
    .group_in_session = proc_group_in_session,
    .info = proc_info,
    .next_pid = proc_next_pid,
    .state_of = proc_state_of,
    .file_of = proc_file_of,
    .next_fd = proc_next_fd,
    .cwd_of = proc_cwd_of,
    .maps_of = proc_maps_of,
    .threads_max = proc_threads_max,
    .set_threads_max = proc_set_threads_max,
};

/* The copies to and from user memory (kernel/uaccess.h) fault pages in
 * through this: the current process's address space, as its own access.
 *
 * A system call's copies mostly reach the same page as the last one (a
 * struct on the program's stack), and looking at the tables costs more
 * than the call's own work: each thread remembers the last one-page range
 * found accessible, in which space, and that space's tlb_gen, which every
 * change that drops or narrows a translation bumps (vm_unmap(),
 * vm_protect(), vm_take()). While it has not moved, the page still allows
 * the access; a copy that faults anyway (a frame taken by a truncate, say)
 * comes back with UFAULT_AGAIN and the tables decide. The count is read
 * before the look, so a change during it is seen next time. */
__attribute__((noinline)) static int prefault_look(struct uthread *u, struct uspace *us, uintptr_t va, size_t len,
                                                   unsigned access, uint64_t gen)
{
    uintptr_t page = va & ~(uintptr_t)(PAGE_SIZE - 1);
    u->ok_space = 0;
    int r = uspace_prefault(us, va, len, access & ~UFAULT_AGAIN);
    if (!r && len <= PAGE_SIZE - (va - page) && us->as.id) {
        u->ok_page = page;
        u->ok_access = access & UFAULT_WRITE;
        u->ok_gen = gen;
        u->ok_space = us->as.id;
    }
    return r;
}

static int prefault_current(uintptr_t va, size_t len, unsigned access)
{
    struct thread *t = thread_current();
    struct proc *p = t ? t->proc : NULL;
    if (!p || !p->us) {
        sched_drop_borrowed_user(); /* its faults decide, on no program's memory */
        return 0;
    }
    struct uthread *u = t->uthread;
    struct vm_aspace *as = &p->us->as;
    uint64_t gen = __atomic_load_n(&as->tlb_gen, __ATOMIC_ACQUIRE);
    uintptr_t page = va & ~(uintptr_t)(PAGE_SIZE - 1);
    if (page == u->ok_page && len <= PAGE_SIZE - (va - page) && u->ok_space == as->id && as->id &&
        u->ok_gen == gen && !(access & UFAULT_AGAIN) && !(access & UFAULT_WRITE & ~u->ok_access))
        return 0;
    return prefault_look(u, p->us, va, len, access, gen);
}

void proc_lend_hooks(void)
{
    uaccess_set_prefault(prefault_current);
    task_set_ops(&task_answers);
    vfs_set_cut_hook(uspace_cut);
}

/* Processes alive at once: as Linux sizes threads-max, one for every 64
 * pages of memory (a kernel stack, its page tables and a fork's first own
 * pages stay far below that), PROC_MIN to PROC_MAX; root may set another
 * (/proc/sys/kernel/threads-max). */
static unsigned proc_limit_set; /* 0: the default */

/* Computed once, at the first process. */
static unsigned proc_default_limit(void)
{
    static unsigned limit;
    unsigned l = __atomic_load_n(&limit, __ATOMIC_RELAXED);
    if (!l) {
        uint64_t free_pages, managed;
        pmm_counts(&free_pages, &managed);
        uint64_t n = managed / 64;
        l = n < PROC_MIN ? PROC_MIN : n > PROC_MAX ? PROC_MAX : (unsigned)n;
        __atomic_store_n(&limit, l, __ATOMIC_RELAXED);
    }
    return l;
}

static unsigned proc_limit(void)
{
    unsigned l = __atomic_load_n(&proc_limit_set, __ATOMIC_RELAXED);
    return l ? l : proc_default_limit();
}

unsigned proc_threads_max(void) { return proc_limit(); }

/* As Linux's: the processes alive stay, only new ones are refused above it. */
int proc_set_threads_max(long n)
{
    if (n < PROC_MIN || n > PROC_MAX)
        return -EINVAL;
    __atomic_store_n(&proc_limit_set, (unsigned)n, __ATOMIC_RELAXED);
    return 0;
}


static struct proc *proc_alloc(const char *name, struct proc *parent, int *err)
{
    struct proc *p = kzalloc(sizeof *p);
    if (!p) {
        *err = -ENOMEM;
        return NULL;
    }
    const char *base = name;
    for (const char *c = name; *c; c++)
        if (*c == '/')
            base = c + 1;
    strlcpy(p->name, base, sizeof p->name);
    p->state = PROC_RUNNING;
    p->start_ns = hal_time_ns();
    list_init(&p->threads);
    list_add_tail(&p->threads, &p->main.node);
    p->nthreads = 1;
    wq_init(&p->exited.wq, "proc exit");
    list_init(&p->children);
    signal_proc_init(p, parent);
    int fe = proc_fs_init(p, parent);
    if (fe) {
        proc_fs_release(p);
        kfree(p);
        *err = fe;
        return NULL;
    }
    if (parent) {
        memcpy(p->rlim, parent->rlim, sizeof p->rlim);
    } else { /* Linux's defaults for a first process */
        for (unsigned i = 0; i < RLIM_NLIMITS; i++)
            p->rlim[i] = (struct rlimit_u){RLIM_INFINITY, RLIM_INFINITY};
        p->rlim[3] = (struct rlimit_u){8u << 20, RLIM_INFINITY}; /* RLIMIT_STACK */
        p->rlim[4] = (struct rlimit_u){0, RLIM_INFINITY};        /* RLIMIT_CORE */
        /* RLIMIT_NPROC: from memory, as Linux's init task's (not moved by threads-max) */
        p->rlim[6] = (struct rlimit_u){proc_default_limit(), proc_default_limit()};
        p->rlim[7] = (struct rlimit_u){1024, 4096};              /* RLIMIT_NOFILE */
        p->rlim[8] = (struct rlimit_u){8u << 20, 8u << 20};      /* RLIMIT_MEMLOCK */
        p->rlim[11] = (struct rlimit_u){SIGQUEUE_MAX_K, SIGQUEUE_MAX_K}; /* RLIMIT_SIGPENDING */
        p->rlim[12] = (struct rlimit_u){819200, 819200};         /* RLIMIT_MSGQUEUE */
        p->rlim[13] = (struct rlimit_u){0, 0};                   /* RLIMIT_NICE */
        p->rlim[14] = (struct rlimit_u){0, 0};                   /* RLIMIT_RTPRIO */
    }
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    if (nprocs >= proc_limit()) {
        spin_unlock_irqrestore(&procs_lock, f);
        proc_fs_release(p);
        kfree(p);
        *err = -EAGAIN;
        return NULL;
    }
    nprocs++;
    p->pid = next_pid++;
    p->main.tid = p->pid;
    p->parent = parent;
    /* A fork is in its parent's group and session; a process the kernel
     * starts leads a session and a group of its own. */
    p->pgid = parent ? parent->pgid : p->pid;
    p->sid = parent ? parent->sid : p->pid;
    if (parent)
        list_add_tail(&parent->children, &p->sibling);
    list_add_tail(&procs, &p->all); /* pids only grow: the list stays in pid order */
    tid_add_locked(p, &p->main);
    spin_unlock_irqrestore(&procs_lock, f);
    return p;
}

/* Start @p p's thread from @p st (consumed either way). p->tid is set
 * after the thread may already have ended, and the process been handed to
 * whoever reaps it (the reaper, when the parent ignores SIGCHLD): reap()
 * waits for the id. */
static int start_thread(struct proc *p, struct start *st)
{
    st->p = p;
    /* Joinable: reaping joins it, so its stack is gone when the process is
     * reaped, not at some later reclaim. */
    unsigned fl;
    int prio = usched_kprio(&p->main, &fl);
    int tid = thread_create(p->name, user_start, st, prio, THREAD_USER | fl);
    if (tid < 0) {
        kfree(st);
        return tid;
    }
    p->main.sched_tid = tid;
    __atomic_store_n(&p->tid, tid, __ATOMIC_RELEASE); /* reap() waits for it */
    return 0;
}

static int reaper(void *arg);

int proc_spawn(const char *name, const void *image, size_t len, char *const argv[],
               char *const envp[], int *pid, char *err, size_t errlen)
{
    return proc_spawn_image(name, &(struct exec_image){.data = image, .len = len}, argv, envp, pid, err, errlen);
}

int proc_spawn_image(const char *name, const struct exec_image *img, char *const argv[],
                     char *const envp[], int *pid, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    struct start *st = kzalloc(sizeof *st);
    if (!st)
        return -ENOMEM;
    int e;
    struct proc *p = proc_alloc(name, NULL, &e);
    if (!p) {
        kfree(st);
        if (e == -EAGAIN && err && errlen)
            strlcpy(err, "the process table is full", errlen);
        return e;
    }
    p->us = uspace_create();
    proc_set_cmdline(p, name, argv);
    e = p->us ? exec_load(p->us, img, name, &p->fs.cred, argv, envp, &st->ei, err, errlen) : -ENOMEM;
    if (e == 0) {
        p->brk_start = p->brk = st->ei.brk;
        p->sigtramp = st->ei.sigtramp;
        e = start_thread(p, st);
    } else {
        kfree(st);
    }
    if (e) {
        if (p->us)
            uspace_destroy(p->us);
        proc_free(p);
        return e;
    }
    *pid = p->pid;
    return 0;
}

/* A new thread (fork's child, or a clone) starts as a copy of the caller:
 * its frame (returning 0 from the call), on stack @p newsp if nonzero,
 * with thread pointer *@p tls if not NULL, and its FP/SIMD registers. */
static void start_from_caller(struct start *st, struct uregs *frame, uintptr_t newsp, const uintptr_t *tls)
{
    st->forked = 1;
    st->newsp = newsp;
    st->settls = tls != NULL;
    st->tls = tls ? *tls : 0;
    memcpy(st->frame, frame, sizeof(struct uregs));
    /* The caller's FP/SIMD registers are live on this CPU: store them
     * first (interrupts masked, so no switch moves them meanwhile). */
    struct ustate *mine = thread_current()->ustate;
    irqflags_t f = hal_irq_save();
    hal_ustate_save(mine);
    memcpy(st->ustate, mine, sizeof(struct ustate));
    hal_irq_restore(f);
}

int proc_fork(struct uregs *frame, uintptr_t newsp, const uintptr_t *tls, int vfork, uintptr_t ctid)
{
    struct proc *parent = proc_current();
    struct start *st = kzalloc(sizeof *st);
    if (!st)
        return -ENOMEM;
    int e;
    struct proc *p = proc_alloc(parent->name, parent, &e);
    if (!p) {
        kfree(st);
        return e;
    }
    struct uthread *me = uthread_current();
    usched_inherit(&p->main, me);
    if (vfork & PROC_VFORK_WAIT) {
        me->vfork_wait = 1;
        p->vfork_wait = &me->vfork_wait;
    }
    if (vfork & PROC_VFORK_SHARE) {
        /* The child runs in the parent's memory (with PROC_VFORK_WAIT the
         * parent asleep below, else both at once): no copy, one more user
         * to leave it before it goes, and its threads not all of one
         * process now (not local). */
        p->us = parent->us;
        p->vm_shared = 1;
        __atomic_add_fetch(&parent->us->sharers, 1, __ATOMIC_ACQ_REL);
        __atomic_store_n(&parent->us->as.local, 0, __ATOMIC_RELEASE);
    } else {
        uspace_lock(parent->us); /* its other threads' mmaps and faults wait */
        p->us = uspace_clone(parent->us);
        uspace_unlock(parent->us);
    }
    if (parent->cmdline && (p->cmdline = kmalloc(parent->cmdline_len)) != NULL) {
        memcpy(p->cmdline, parent->cmdline, parent->cmdline_len);
        p->cmdline_len = parent->cmdline_len;
    }
    strlcpy(p->exe, parent->exe, sizeof p->exe);
    p->brk_start = parent->brk_start;
    p->brk = parent->brk;
    p->sigtramp = parent->sigtramp;
    /* CLONE_CHILD_SETTID: the child's tid in its memory before it runs (the
     * C library's thread keeps it there: an error-checking or robust mutex
     * of a forked child is told from its parent's by it). */
    if (p->us && (vfork & PROC_FORK_SETTID)) {
        uspace_lock(p->us);
        uspace_write(p->us, ctid, &p->main.tid, sizeof p->main.tid); /* a bad address: the caller's loss, as Linux */
        uspace_unlock(p->us);
    }
    start_from_caller(st, frame, newsp, tls);
    e = p->us ? start_thread(p, st) : -ENOMEM;
    if (e) {
        if (!p->us)
            kfree(st);
        else
            uspace_leave(p->us);
        me->vfork_wait = 0;
        irqflags_t f = spin_lock_irqsave(&procs_lock);
        list_del(&p->sibling);
        spin_unlock_irqrestore(&procs_lock, f);
        proc_free(p);
        return e;
    }
    int pid = p->pid; /* p may be reaped by the time the wait below ends */
    /* Not woken by signals: the parent goes on only once the child is off
     * its memory (Linux's vfork waits killable; a SIGKILL here waits too). */
    while (vfork & PROC_VFORK_WAIT) {
        struct waiter w;
        irqflags_t f = spin_lock_irqsave(&proc_changed.lock);
        int done = !__atomic_load_n(&me->vfork_wait, __ATOMIC_ACQUIRE);
        if (!done)
            wq_add_locked(&proc_changed, &w);
        spin_unlock_irqrestore(&proc_changed.lock, f);
        if (done)
            break;
        wq_block(&w);
    }
    return pid;
}

void proc_vfork_release(struct proc *p)
{
    p->vm_shared = 0;
    if (!p->vfork_wait)
        return;
    /* One store into the sleeping parent's thread, then only the static
     * queue: the parent may be gone as soon as it sees the 0. */
    __atomic_store_n(p->vfork_wait, 0, __ATOMIC_RELEASE);
    p->vfork_wait = NULL;
    wq_wake_all(&proc_changed);
}

/* Reap zombie @p c: its thread joined, its struct freed. procs_lock not held. */
static int reap(struct proc *c)
{
    /* A child can end before its parent's start_thread() has stored its
     * thread's id, and be reaped then: by the reaper when the parent
     * ignores SIGCHLD (busybox httpd's children), or by another thread of
     * the parent. The id comes a few instructions later. */
    int tid;
    while (!(tid = __atomic_load_n(&c->tid, __ATOMIC_ACQUIRE)))
        thread_yield();
    thread_join(tid, NULL);
    if (c->ended_tid) /* the end of thread_end()'s chain: every thread's memory is back */
        thread_join(c->ended_tid, NULL);
    int status = c->status;
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    if (c->parent) {
        list_del(&c->sibling);
        /* Its threads have all ended: their time is in dead_cpu_ns. */
        c->parent->child_cpu_ns += c->dead_cpu_ns + c->child_cpu_ns;
    }
    spin_unlock_irqrestore(&procs_lock, f);
    proc_free(c);
    return status;
}

/* ---- threads (clone with CLONE_THREAD) ---- */

/* A thread's end as its futexes ask: the robust locks it holds handed on
 * (set_robust_list), then as CLONE_CHILD_CLEARTID asks, 0 at its address
 * and a futex wake there (pthread_join waits on it). */
static void clear_tid(struct proc *p, struct uthread *u)
{
    futex_exit_robust(p->us, u);
    if (!u->clear_tid || !p->us)
        return;
    int zero = 0;
    if (copy_to_user((void *)u->clear_tid, &zero, sizeof zero) == 0)
        futex_wake(p->us, u->clear_tid, 1);
}

/* Wait (not for a signal) until the current thread is its process's last. */
void proc_wait_last_thread(struct proc *p)
{
    struct sigstate *s = &p->sig;
    for (;;) {
        struct waiter w;
        irqflags_t f = spin_lock_irqsave(&s->wq.lock);
        int last = p->nthreads == 1;
        if (!last)
            wq_add_locked(&s->wq, &w);
        spin_unlock_irqrestore(&s->wq.lock, f);
        if (last)
            return;
        wq_block(&w);
    }
}

/* End every other thread of the current process and wait for them. */
void proc_end_other_threads(struct proc *p)
{
    struct sigstate *s = &p->sig;
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    int others = p->nthreads > 1;
    if (others) {
        s->exiting = 1;
        wq_wake_all_locked(&s->wq); /* out of their signal-aware waits */
    }
    spin_unlock_irqrestore(&s->wq.lock, f);
    if (!others)
        return;
    proc_signalled();
    /* Each wakes from whatever wait it is in (signal_pending() says so)
     * or comes back from user mode at its next interrupt, and ends. */
    proc_wait_last_thread(p);
}

/*
 * A thread that is not its process's first ends; never returns. Its
 * kernel thread is joinable: it joins the one that ended before it, and
 * reap() joins the last, so that when wait4() reports the process, every
 * thread's stack and struct are freed. Left to the idle loop of the CPU
 * each died on, they would go back later, on a host that has not run that
 * virtual CPU yet, and a leak check that compares the heap across a
 * process's life would count them. At most one ended thread per process
 * waits to be joined.
 */
static __attribute__((noreturn)) void thread_end(struct proc *p, struct uthread *u)
{
    clear_tid(p, u);
    sched_set_user(NULL, 0); /* off the shared tables before they can go */
    sched_set_ustate(NULL);
    struct thread *t = thread_current();
    t->uthread = NULL;
    t->proc = NULL;
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    spin_lock(&p->sig.wq.lock);
    list_del(&u->node);
    list_del(&u->tid_node);
    signal_thread_gone(p, u);
    p->nthreads--;
    p->dead_cpu_ns += thread_cpu_time(t); /* the process's CPU clock keeps it */
    int before = p->ended_tid;
    p->ended_tid = t->id;
    wq_wake_all_locked(&p->sig.wq); /* the first thread may wait for the last */
    spin_unlock(&p->sig.wq.lock);
    spin_unlock_irqrestore(&procs_lock, f);
    kfree(u);
    if (before)
        thread_join(before, NULL); /* it is past this point: a few instructions from its end */
    thread_exit(0);
}

/* From any thread: the others end (the first one last, if it is not the
 * caller: then the caller ends too, and the first finishes the process). */
static void end_other_threads_from(struct proc *p)
{
    struct uthread *u = uthread_current();
    if (u == &p->main) {
        proc_end_other_threads(p);
        return;
    }
    irqflags_t f = spin_lock_irqsave(&p->sig.wq.lock);
    p->sig.exiting = 1;
    wq_wake_all_locked(&p->sig.wq);
    spin_unlock_irqrestore(&p->sig.wq.lock, f);
    proc_signalled();
    thread_end(p, u); /* the first thread, woken, sees it and finishes */
}

void proc_exit_thread(void)
{
    struct proc *p = proc_current();
    struct uthread *u = uthread_current();
    if (u != &p->main)
        thread_end(p, u);
    /* The first thread ends the process once the others are gone. */
    proc_wait_last_thread(p);
    proc_exit(p->exit_status);
}

long proc_thread_exit(int status)
{
    struct proc *p = proc_current();
    struct uthread *u = uthread_current();
    irqflags_t f = spin_lock_irqsave(&p->sig.wq.lock);
    int last = p->nthreads == 1;
    p->exit_status = status; /* the last thread's exit is the process's */
    spin_unlock_irqrestore(&p->sig.wq.lock, f);
    if (last)
        proc_exit(status);
    if (u != &p->main)
        thread_end(p, u);
    /* The first thread: its id stays the process's until the last thread
     * ends (as Linux keeps a group leader that exited), or another
     * thread's execve() gives it a new program to run. */
    clear_tid(p, u);
    proc_wait_last_thread(p);
    if (proc_exec_takeover(user_frame()))
        return 0; /* into the new program, as a successful execve() returns */
    proc_exit(p->exit_status);
}

int proc_clone_thread(struct uregs *frame, uintptr_t newsp, const uintptr_t *tls, uintptr_t ptid,
                      uintptr_t ctid, int set_ptid, int set_ctid, int clear_ctid)
{
    struct proc *p = proc_current();
    struct uthread *me = uthread_current();
    struct uthread *u = kzalloc(sizeof *u);
    struct start *st = u ? kzalloc(sizeof *st) : NULL;
    if (!st) {
        kfree(u);
        return -ENOMEM;
    }
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    u->tid = next_pid++;
    spin_lock(&p->sig.wq.lock);
    signal_thread_init(u, me);
    int dying = p->sig.exiting;
    if (!dying) {
        list_add_tail(&p->threads, &u->node);
        tid_add_locked(p, u);
        p->nthreads++;
    }
    spin_unlock(&p->sig.wq.lock);
    spin_unlock_irqrestore(&procs_lock, f);
    if (dying) {
        kfree(st);
        kfree(u);
        return -EAGAIN;
    }
    /* Two threads may run on two CPUs now: an unmap flushes every CPU. */
    p->us->as.local = 0;
    if (clear_ctid)
        u->clear_tid = ctid;
    if (set_ptid)
        copy_to_user((void *)ptid, &u->tid, sizeof u->tid);
    if (set_ctid)
        copy_to_user((void *)ctid, &u->tid, sizeof u->tid);
    st->p = p;
    st->u = u;
    start_from_caller(st, frame, newsp, tls);
    usched_inherit(u, me);
    unsigned fl;
    int prio = usched_kprio(u, &fl);
    int id = thread_create(p->name, user_start, st, prio, THREAD_USER | fl); /* joined: thread_end() */
    if (id < 0) {
        kfree(st);
        f = spin_lock_irqsave(&procs_lock);
        spin_lock(&p->sig.wq.lock);
        list_del(&u->node);
        list_del(&u->tid_node);
        p->nthreads--;
        spin_unlock(&p->sig.wq.lock);
        spin_unlock_irqrestore(&procs_lock, f);
        kfree(u);
        return id;
    }
    u->sched_tid = id;
    return u->tid;
}

/* Whether @p me (NULL: the kernel) may send @p sig to @p p, Linux's rule:
 * root, or a real or effective user id that is @p p's real or saved one;
 * SIGCONT to any process of the same session. */
static int may_signal(const struct proc *me, const struct proc *p, int sig)
{
    if (!me)
        return 1;
    const struct cred *a = &me->fs.cred, *b = &p->fs.cred;
    if (a->euid == 0 || a->euid == b->uid || a->euid == b->suid || a->uid == b->uid || a->uid == b->suid)
        return 1;
    return sig == SIGCONT && me->sid == p->sid;
}

int proc_signal_thread(int tgid, int tid, int sig, int code)
{
    struct proc *me = proc_current();
    struct ksiginfo ki = {.code = code, .pid = me ? me->pid : 0};
    return proc_signal_thread_info(tgid, tid, sig, &ki);
}

int proc_signal_thread_info(int tgid, int tid, int sig, const struct ksiginfo *ki)
{
    int found = 0, err = 0;
    struct proc *me = proc_current();
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    struct uthread *target = tid_find_locked(tid);
    struct proc *p = target ? target->owner : NULL;
    if (p && p->state == PROC_RUNNING && (tgid == -1 || p->pid == tgid)) {
        found = 1;
        if (!may_signal(me, p, sig))
            err = -EPERM;
        else if (sig)
            err = signal_send_thread(p, target, sig, ki);
    }
    spin_unlock_irqrestore(&procs_lock, f);
    return !found ? -ESRCH : err;
}

int proc_with_thread(int tid, int (*fn)(struct proc *p, struct uthread *u, void *arg), void *arg)
{
    int err = -ESRCH;
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    if (tid == 0) {
        struct proc *p = proc_current();
        spin_lock(&p->sig.wq.lock);
        err = fn(p, uthread_current(), arg);
        spin_unlock(&p->sig.wq.lock);
    }
    struct uthread *u = tid ? tid_find_locked(tid) : NULL;
    struct proc *p = u ? u->owner : NULL;
    if (p && p->state == PROC_RUNNING) {
        spin_lock(&p->sig.wq.lock);
        err = fn(p, u, arg);
        spin_unlock(&p->sig.wq.lock);
    }
    spin_unlock_irqrestore(&procs_lock, f);
    return err;
}

/* The CPU time of @p p's threads, the ended ones' too. */
static uint64_t proc_cpu_sum(struct proc *p)
{
    irqflags_t f = spin_lock_irqsave(&p->sig.wq.lock);
    uint64_t sum = p->dead_cpu_ns;
    list_for_each(m, &p->threads) {
        struct uthread *u = container_of(m, struct uthread, node);
        if (u->kthread)
            sum += thread_cpu_time(u->kthread);
    }
    spin_unlock_irqrestore(&p->sig.wq.lock, f);
    return sum;
}

void proc_cpu_times(uint64_t *self_ns, uint64_t *children_ns)
{
    struct proc *me = proc_current();
    *self_ns = proc_cpu_sum(me);
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    *children_ns = me->child_cpu_ns;
    spin_unlock_irqrestore(&procs_lock, f);
}

int proc_cpu_ns(int pid, int thread, uint64_t *ns)
{
    struct proc *me = proc_current();
    /* The caller's own clocks, which programs read often (clock()), need
     * no search. */
    if (pid == 0 || (!thread && pid == me->pid) || (thread && pid == uthread_current()->tid)) {
        *ns = thread ? thread_cpu_time(thread_current()) : proc_cpu_sum(me);
        return 0;
    }
    return proc_cpu_ns_of(me, pid, thread, ns);
}

int proc_cpu_ns_of(struct proc *me, int pid, int thread, uint64_t *ns)
{
    if (!thread && (pid == 0 || pid == me->pid)) {
        *ns = proc_cpu_sum(me);
        return 0;
    }
    int err = -EINVAL;
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    /* A thread's clock: one of @p me's own threads, as Linux. */
    struct proc *p = thread ? me : find_locked(pid);
    if (p && p->state == PROC_RUNNING) {
        spin_lock(&p->sig.wq.lock);
        uint64_t sum = thread ? 0 : p->dead_cpu_ns;
        list_for_each(m, &p->threads) {
            struct uthread *u = container_of(m, struct uthread, node);
            if (!u->kthread || (thread && u->tid != pid))
                continue;
            sum += thread_cpu_time(u->kthread);
            err = 0;
        }
        spin_unlock(&p->sig.wq.lock);
        if (!thread)
            err = 0;
        *ns = sum;
    }
    spin_unlock_irqrestore(&procs_lock, f);
    return err;
}

static int init_pid; /* proc_set_init()'s: the init= program, orphans' parent */

void proc_set_init(int pid)
{
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    init_pid = pid;
    spin_unlock_irqrestore(&procs_lock, f);
}

/* Who takes @p p's children when it ends: its nearest running ancestor
 * that set PR_SET_CHILD_SUBREAPER, else the init= program while it runs,
 * else nobody (a program the kernel shell ran is no init, whatever its
 * pid). procs_lock held. */
static struct proc *heir_locked(struct proc *p)
{
    for (struct proc *a = p->parent; a; a = a->parent)
        if (a->child_subreaper && a->state == PROC_RUNNING && !a->leaving)
            return a;
    struct proc *q = init_pid ? find_locked(init_pid) : NULL;
    return q && q != p && q->state == PROC_RUNNING && !q->leaving ? q : NULL;
}

void proc_exit(int status)
{
    struct proc *p = proc_current();
    if (uthread_current() != &p->main || p->nthreads > 1) {
        /* exit_group() or a fatal signal in a process with threads: the
         * others end first; the first thread finishes the process. */
        irqflags_t f = spin_lock_irqsave(&p->sig.wq.lock);
        if (!p->sig.exiting)
            p->exit_status = status;
        spin_unlock_irqrestore(&p->sig.wq.lock, f);
        end_other_threads_from(p);
    }
    proc_exec_drop(p); /* an execve() from a thread lost to this exit */
    ptimer_exit(p);    /* no timer signals it from here on */
    clear_tid(p, &p->main);
    /* Off the process's tables before they go: this CPU loads none now. */
    sched_set_user(NULL, 0);
    sched_set_ustate(NULL);
    proc_vfork_release(p); /* a vfork() parent goes on */
    struct uspace *us = p->us;
    proc_set_us(p, NULL); /* before it goes: /proc/PID/maps holds it under procs_lock */
    uspace_leave(us);     /* if the parent shares it, it runs on in it */
    proc_fs_release(p);
    /* Its children go to the nearest subreaper above it or to pid 1, as
     * Linux reparents them, zombies too (the new parent hears of those);
     * with neither, its zombies are reaped now and the others orphaned,
     * for the reaper thread (getppid() answers 1 as if init had them). */
    irqflags_t rf = spin_lock_irqsave(&procs_lock);
    p->leaving = 1; /* from here no orphan is given to it */
    struct proc *heir = heir_locked(p);
    int autoreap = heir && signal_child_autoreap(heir);
    while (heir && !list_empty(&p->children)) {
        struct proc *c = container_of(list_first(&p->children), struct proc, sibling);
        list_del(&c->sibling);
        if (c->state == PROC_ZOMBIE && autoreap) {
            c->parent = NULL; /* the heir ignores SIGCHLD: the reaper's */
            c->orphan = 1;
            continue;
        }
        list_add_tail(&heir->children, &c->sibling);
        c->parent = heir;
        if (c->state == PROC_ZOMBIE)
            signal_child_exit(heir, c->pid, c->status);
    }
    int start_reaper0 = autoreap && !reaper_started;
    reaper_started |= autoreap;
    spin_unlock_irqrestore(&procs_lock, rf);
    if (start_reaper0 && thread_create("reaper", reaper, NULL, PRIO_DEFAULT, THREAD_DETACHED) < 0)
        pr_err("proc: no reaper thread: orphans of pid %d will stay zombies", p->pid);
    if (heir)
        proc_signalled(); /* a wait in the heir, or the reaper, may find them now */
    for (;;) {
        struct proc *zombie = NULL;
        int orphans = 0;
        irqflags_t f = spin_lock_irqsave(&procs_lock);
        list_for_each(n, &p->children) {
            struct proc *c = container_of(n, struct proc, sibling);
            if (c->state == PROC_ZOMBIE) {
                zombie = c;
                break;
            }
        }
        if (!zombie) {
            while (!list_empty(&p->children)) {
                struct proc *c = container_of(list_first(&p->children), struct proc, sibling);
                list_del(&c->sibling);
                c->parent = NULL;
                c->orphan = 1;
                orphans++;
            }
        }
        int start_reaper = orphans && !reaper_started;
        reaper_started |= orphans != 0;
        spin_unlock_irqrestore(&procs_lock, f);
        if (start_reaper && thread_create("reaper", reaper, NULL, PRIO_DEFAULT, THREAD_DETACHED) < 0)
            pr_err("proc: no reaper thread: orphans of pid %d will stay zombies", p->pid);
        if (!zombie)
            break;
        reap(zombie);
    }
    thread_current()->proc = NULL;
    /* The first thread's time, the last to end: the reaping parent adds
     * the whole to its children's (times(), getrusage()). */
    irqflags_t g = spin_lock_irqsave(&p->sig.wq.lock);
    p->dead_cpu_ns += thread_cpu_time(thread_current());
    spin_unlock_irqrestore(&p->sig.wq.lock, g);
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    p->status = status;
    __atomic_store_n(&p->state, PROC_ZOMBIE, __ATOMIC_RELEASE);
    /* The parent hears of it (SIGCHLD), or, ignoring SIGCHLD, leaves it to
     * the reaper: no zombie waits for a wait4 that will not come. */
    struct proc *parent = p->parent;
    int reaper_needed = 0;
    if (parent)
        signal_child_exit(parent, p->pid, status); /* dropped if SIGCHLD is ignored */
    if (parent && signal_child_autoreap(parent)) {
        list_del(&p->sibling);
        p->parent = NULL;
        p->orphan = 1;
        reaper_needed = !reaper_started;
        reaper_started = 1;
    }
    spin_unlock_irqrestore(&procs_lock, f);
    if (reaper_needed && thread_create("reaper", reaper, NULL, PRIO_DEFAULT, THREAD_DETACHED) < 0)
        pr_err("proc: no reaper thread: pid %d will stay a zombie", p->pid);
    complete_all(&p->exited);
    wq_wake_all(&proc_changed);
    thread_exit(0);
}

/* The kernel's parent of last resort: reaps orphans that ended. */
static int reaper(void *arg)
{
    (void)arg;
    for (;;) {
        struct proc *zombie = NULL;
        struct waiter w;
        irqflags_t f = spin_lock_irqsave(&procs_lock);
        list_for_each(n, &procs) {
            struct proc *c = container_of(n, struct proc, all);
            if (c->orphan && c->state == PROC_ZOMBIE)
                zombie = c;
        }
        if (!zombie) {
            spin_lock(&proc_changed.lock);
            wq_add_locked(&proc_changed, &w);
            spin_unlock(&proc_changed.lock);
        }
        spin_unlock_irqrestore(&procs_lock, f);
        if (zombie)
            reap(zombie);
        else
            wq_block(&w);
    }
    return 0;
}

/* Does child @p c match wait4's @p pid for a waiter in group @p pgid? */
static int wait_match(const struct proc *c, int pid, int pgid, int options)
{
    if (options & WAIT_PGID)
        return c->pgid == pid;
    return pid == -1 || (pid > 0 && c->pid == pid) || (pid == 0 && c->pgid == pgid) ||
           (pid < -1 && c->pgid == -pid);
}

int proc_wait_child(int pid, int *status, int options)
{
    struct proc *me = proc_current();
    for (;;) {
        struct proc *zombie = NULL;
        int candidates = 0, reported = 0;
        struct waiter w;
        irqflags_t f = spin_lock_irqsave(&procs_lock);
        /* One pid: that process if it is in the caller's children (its
         * parent the caller, and its link in a list: reap() and a failed
         * fork unlink it before it goes), without a walk over them all. */
        int one = pid > 0 && !(options & WAIT_PGID);
        struct proc *only = one ? find_locked(pid) : NULL;
        if (only && (only->parent != me || only->sibling.next == &only->sibling))
            only = NULL;
        struct list_node *first = one ? (only ? &only->sibling : &me->children) : me->children.next;
        for (struct list_node *n = first; n != &me->children; n = one ? &me->children : n->next) {
            struct proc *c = container_of(n, struct proc, sibling);
            if (!wait_match(c, pid, me->pgid, options))
                continue;
            candidates++;
            if (c->state == PROC_ZOMBIE && (options & WEXITED) && !zombie) {
                zombie = c;
                if (options & WNOWAIT) { /* told, and left to be waited for again */
                    reported = c->pid;
                    *status = c->status;
                    zombie = NULL;
                }
            } else if (!reported && (options & WUNTRACED) && c->stop_report && c->state != PROC_ZOMBIE) {
                reported = c->pid;
                *status = (c->stop_report << 8) | 0x7f;
                if (!(options & WNOWAIT))
                    c->stop_report = 0;
            } else if (!reported && (options & WCONTINUED) && c->cont_report && c->state != PROC_ZOMBIE) {
                reported = c->pid;
                *status = 0xffff;
                if (!(options & WNOWAIT))
                    c->cont_report = 0;
            }
            if (zombie || reported)
                break;
        }
        int killed = signal_pending();
        int block = !zombie && !reported && candidates && !(options & WNOHANG) && !killed;
        if (block) {
            spin_lock(&proc_changed.lock);
            wq_add_locked(&proc_changed, &w);
            spin_unlock(&proc_changed.lock);
        }
        spin_unlock_irqrestore(&procs_lock, f);
        if (reported)
            return reported;
        if (zombie) {
            int cpid = zombie->pid;
            *status = reap(zombie);
            return cpid;
        }
        if (!candidates)
            return -ECHILD;
        if (options & WNOHANG)
            return 0;
        if (killed)
            return -ERESTARTSYS;
        wq_block(&w);
    }
}

static struct proc *find(int pid)
{
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    struct proc *found = find_locked(pid);
    spin_unlock_irqrestore(&procs_lock, f);
    return found;
}

int proc_wait(int pid)
{
    struct proc *p = find(pid);
    if (!p || p->parent || p->orphan)
        return -ESRCH;
    completion_wait(&p->exited);
    return reap(p);
}

int proc_wait_end_or(int pid, struct waitqueue *wq, int (*stop)(void *arg), void *arg)
{
    struct proc *p = find(pid);
    if (!p || p->parent || p->orphan)
        return -ESRCH; /* else it stays until our caller reaps it */
    for (;;) {
        struct wait_set ws;
        wait_set_init(&ws);
        wait_set_add(&ws, &p->exited.wq);
        if (wq)
            wait_set_add(&ws, wq);
        int r = completion_done(&p->exited) ? 1 : stop && stop(arg) ? 0 : -1;
        if (r < 0)
            wait_set_block(&ws);
        wait_set_clear(&ws);
        if (r >= 0)
            return r;
    }
}

int proc_info(int pid, struct proc_info *out)
{
    int found = -ESRCH;
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    struct proc *p = find_locked(pid);
    if (p) {
        memset(out, 0, sizeof *out);
        out->pid = p->pid;
        out->ppid = p->parent ? p->parent->pid : 0;
        strlcpy(out->name, p->name, sizeof out->name);
        strlcpy(out->exe, p->exe, sizeof out->exe);
        out->cmdline_len = p->cmdline_len < sizeof out->cmdline ? p->cmdline_len : sizeof out->cmdline;
        if (p->cmdline)
            memcpy(out->cmdline, p->cmdline, out->cmdline_len);
        out->start_ns = p->start_ns;
        out->syscalls = p->syscalls;
        out->threads = p->nthreads;
        out->pgid = p->pgid;
        out->sid = p->sid;
        out->mem_bytes = p->us ? p->us->pages * PAGE_SIZE : 0;
        out->locked_bytes = p->us ? __atomic_load_n(&p->us->locked, __ATOMIC_RELAXED) : 0; /* (a glance) */
        out->state = p->state == PROC_ZOMBIE ? 'Z' : __atomic_load_n(&p->sig.stopped, __ATOMIC_RELAXED) ? 'T' : 'S';
        found = 0;
    }
    spin_unlock_irqrestore(&procs_lock, f);
    if (found == 0 && out->state == 'S') {
        int tid = -1;
        irqflags_t f2 = spin_lock_irqsave(&procs_lock);
        p = find_locked(pid);
        if (p && p->state == PROC_RUNNING)
            tid = p->tid;
        spin_unlock_irqrestore(&procs_lock, f2);
        struct thread_info ti;
        if (tid > 0 && thread_info_of(tid, &ti) == 0) {
            out->cpu_ns = ti.cpu_ns;
            out->state = ti.state == THREAD_RUNNING || ti.state == THREAD_READY ? 'R' : 'S';
        }
    }
    return found;
}

int proc_next_pid(int from)
{
    int best = 0;
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    list_for_each(n, &procs) { /* in pid order: the first one >= from */
        struct proc *p = container_of(n, struct proc, all);
        if (p->pid >= from) {
            best = p->pid;
            break;
        }
    }
    spin_unlock_irqrestore(&procs_lock, f);
    return best;
}

int proc_state_of(int pid)
{
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    struct proc *p = find_locked(pid);
    int state = p ? (int)p->state : -ESRCH;
    spin_unlock_irqrestore(&procs_lock, f);
    return state;
}

int proc_signal(int pid, int sig, int code)
{
    struct proc *me = proc_current();
    struct ksiginfo ki = {.code = code, .pid = me ? me->pid : 0};
    return proc_signal_info(pid, sig, &ki);
}

int proc_signal_info(int pid, int sig, const struct ksiginfo *ki)
{
    int found = 0, err = 0;
    struct proc *me = proc_current();
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    struct proc *p = find_locked(pid);
    if (p) {
        found = 1; /* a zombie too: its pid exists until it is reaped */
        if (!may_signal(me, p, sig))
            err = -EPERM;
        else if (sig && p->state == PROC_RUNNING)
            err = signal_queue(p, sig, ki) == -EAGAIN ? -EAGAIN : 0;
    }
    spin_unlock_irqrestore(&procs_lock, f);
    return found ? err : -ESRCH;
}

int proc_signal_for(int pid, int sig, const struct ksiginfo *ki)
{
    int found = 0;
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    struct proc *p = find_locked(pid);
    if (p && p->state == PROC_RUNNING) {
        found = 1;
        signal_send(p, sig, ki);
    }
    spin_unlock_irqrestore(&procs_lock, f);
    return found ? 0 : -ESRCH;
}

int proc_kill(int pid, int sig) { return proc_signal(pid, sig, 0 /* SI_USER */); }

/* Send @p sig to every running process @p pick chooses, of those the
 * caller may signal if @p checked; how many there were, *@p sent of them
 * signalled (or allowed to be, for signal 0). */
static int signal_each(int sig, int (*pick)(const struct proc *p, int arg, const struct proc *me), int arg,
                       int checked, int *sent)
{
    struct proc *me = proc_current();
    struct ksiginfo ki = {.code = 0 /* SI_USER */, .pid = me ? me->pid : 0};
    int found = 0;
    *sent = 0;
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    list_for_each(n, &procs) {
        struct proc *p = container_of(n, struct proc, all);
        if (pick(p, arg, me)) {
            found++; /* zombies count, as on Linux, and are sent nothing */
            if (checked && !may_signal(me, p, sig))
                continue;
            ++*sent;
            if (sig && p->state == PROC_RUNNING)
                signal_send(p, sig, &ki);
        }
    }
    spin_unlock_irqrestore(&procs_lock, f);
    return found;
}

static int in_group(const struct proc *p, int pgid, const struct proc *me)
{
    (void)me;
    return p->pgid == pgid;
}

static int not_me(const struct proc *p, int arg, const struct proc *me)
{
    (void)arg;
    return p != me;
}

int proc_kill_group(int pgid, int sig)
{
    int sent;
    return signal_each(sig, in_group, pgid, 0, &sent) ? 0 : -ESRCH;
}

int proc_kill_group_user(int pgid, int sig)
{
    int sent, found = signal_each(sig, in_group, pgid, 1, &sent);
    return sent ? 0 : found ? -EPERM : -ESRCH;
}

/* Linux answers 0 when there is another process, signalled or not. */
int proc_kill_all(int sig)
{
    int sent;
    return signal_each(sig, not_me, 0, 1, &sent) ? 0 : -ESRCH;
}

/* procs_lock held. */
static int orphaned_locked(int pgid)
{
    list_for_each(n, &procs) {
        struct proc *p = container_of(n, struct proc, all);
        if (p->pgid != pgid || p->state != PROC_RUNNING)
            continue;
        struct proc *q = p->parent;
        if (q && q->pgid != pgid && q->sid == p->sid)
            return 0;
    }
    return 1;
}

int proc_group_in_session(int pgid, int sid)
{
    int found = 0;
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    list_for_each(n, &procs) {
        struct proc *p = container_of(n, struct proc, all);
        if (p->pgid == pgid && p->sid == sid && p->state == PROC_RUNNING)
            found = 1;
    }
    spin_unlock_irqrestore(&procs_lock, f);
    return found;
}

int proc_pgrp_orphaned(int pgid)
{
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    int o = orphaned_locked(pgid);
    spin_unlock_irqrestore(&procs_lock, f);
    return o;
}

void proc_stopped(int sig)
{
    struct proc *p = proc_current();
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    p->stop_report = sig;
    p->cont_report = 0;
    if (p->parent)
        signal_child_stop(p->parent, p->pid, sig, 0);
    spin_unlock_irqrestore(&procs_lock, f);
    wq_wake_all(&proc_changed);
}

void proc_continued(void)
{
    struct proc *p = proc_current();
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    p->stop_report = 0;
    p->cont_report = 1;
    if (p->parent)
        signal_child_stop(p->parent, p->pid, SIGCONT, 1);
    spin_unlock_irqrestore(&procs_lock, f);
    wq_wake_all(&proc_changed);
}

/* ---- process groups and sessions (setpgid(2), setsid(2)) ---- */

long proc_setpgid(int pid, int pgid)
{
    struct proc *me = proc_current();
    if (pgid < 0)
        return -EINVAL;
    long e = 0;
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    struct proc *t = NULL;
    if (!pid || pid == me->pid)
        t = me;
    else
        list_for_each(n, &me->children) {
            struct proc *c = container_of(n, struct proc, sibling);
            if (c->pid == pid)
                t = c;
        }
    if (!pgid)
        pgid = t ? t->pid : 0;
    if (!t)
        e = -ESRCH;
    else if (t->sid != me->sid)
        e = -EPERM;
    else if (t->sid == t->pid)
        e = -EPERM; /* a session leader stays in its group */
    else if (pgid != t->pid) {
        /* Joining a group: it must exist in the same session. */
        int ok = 0;
        list_for_each(n, &procs) {
            struct proc *q = container_of(n, struct proc, all);
            if (q->pgid == pgid && q->sid == me->sid && q->state == PROC_RUNNING)
                ok = 1;
        }
        if (!ok)
            e = -EPERM;
    }
    if (!e)
        t->pgid = pgid;
    spin_unlock_irqrestore(&procs_lock, f);
    return e;
}

/* getpgid (@p sid 0) or getsid (1) of @p pid (0: the caller). */
long proc_getid(int pid, int sid)
{
    struct proc *me = proc_current();
    long r = -ESRCH;
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    struct proc *q = find_locked(pid ? pid : me->pid);
    if (q)
        r = sid ? q->sid : q->pgid;
    spin_unlock_irqrestore(&procs_lock, f);
    return r;
}

long proc_setsid(void)
{
    struct proc *me = proc_current();
    long r;
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    int leader = 0;
    list_for_each(n, &procs) {
        struct proc *q = container_of(n, struct proc, all);
        if (q->pgid == me->pid)
            leader = 1; /* a group with its pid as id exists: EPERM */
    }
    if (leader) {
        r = -EPERM;
    } else {
        me->sid = me->pgid = me->pid;
        r = me->pid;
    }
    spin_unlock_irqrestore(&procs_lock, f);
    return r;
}

void proc_signalled(void) { wq_wake_all(&proc_changed); }

int proc_has_thread(struct proc *p, int tid)
{
    int found = 0;
    irqflags_t f = spin_lock_irqsave(&p->sig.wq.lock);
    list_for_each(n, &p->threads)
        found |= container_of(n, struct uthread, node)->tid == tid;
    spin_unlock_irqrestore(&p->sig.wq.lock, f);
    return found;
}

int proc_ppid(void)
{
    irqflags_t f = spin_lock_irqsave(&procs_lock);
    struct proc *me = proc_current();
    int ppid = me->parent ? me->parent->pid : me->orphan ? 1 : 0;
    spin_unlock_irqrestore(&procs_lock, f);
    return ppid;
}

const char *signal_name(int sig)
{
    static const char *const names[] = {
        [SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",   [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
        [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",
        [SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
        [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM", [SIGCHLD] = "SIGCHLD",
        [SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP", [SIGSYS] = "SIGSYS",
    };
    if (sig > 0 && sig < (int)(sizeof names / sizeof names[0]) && names[sig])
        return names[sig];
    return "signal ?";
}

/* ---- what the arch's entry code calls (kernel/user.h) ---- */

const char *signal_code_name(int sig, int code)
{
    if (sig == SIGSEGV)
        return code == SEGV_MAPERR ? "SEGV_MAPERR" : code == SEGV_ACCERR ? "SEGV_ACCERR" : "SI_KERNEL";
    if (sig == SIGBUS)
        return code == BUS_ADRALN ? "BUS_ADRALN" : code == BUS_OBJERR ? "BUS_OBJERR" : "?";
    if (sig == SIGILL)
        return code == ILL_ILLOPC ? "ILL_ILLOPC" : "?";
    if (sig == SIGFPE) {
        static const char *const fpe[] = {"?", "FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV",
                                          "FPE_FLTOVF", "FPE_FLTUND", "FPE_FLTRES", "FPE_FLTINV"};
        return code >= 0 && code < 8 ? fpe[code] : "?";
    }
    if (sig == SIGTRAP)
        return code == TRAP_TRACE ? "TRAP_TRACE" : "TRAP_BRKPT";
    return "?";
}

void user_fault(struct uregs *frame, int sig, int code, uintptr_t addr)
{
    hal_irq_enable();
    signal_fault(frame, sig, code, addr); /* returns if a handler will run */
}

void user_page_fault_signal(struct uregs *frame, int err, unsigned access, uintptr_t addr)
{
    if (err == -EIO) {
        user_fault(frame, SIGBUS, BUS_ADRERR, addr);
    } else if (err == -ENOMEM) {
        /* No frame for the page: the process cannot go on, and a handler
         * could not run either (Linux's OOM killer's SIGKILL). */
        struct proc *p = proc_current();
        pr_warn("pid %d (%s): out of memory for a page at %#lx; killed", p->pid, p->name,
                (unsigned long)addr);
        user_fault(frame, SIGKILL, SI_KERNEL, addr);
    } else {
        /* ACCERR when a mapping is there but refuses the access, also one
         * with no page-table entry at all (PROT_NONE), as Linux's VMAs say. */
        struct proc *p = proc_current();
        int mapped = access & UFAULT_PRESENT;
        if (!mapped && p && p->us) {
            uspace_lock(p->us);
            mapped = uspace_overlaps(p->us, addr & ~(uintptr_t)(PAGE_SIZE - 1), PAGE_SIZE);
            uspace_unlock(p->us);
        }
        user_fault(frame, SIGSEGV, mapped ? SEGV_ACCERR : SEGV_MAPERR, addr);
    }
}

void user_return(struct uregs *frame)
{
    sched_irq_exit();
    if (signal_work()) {
        hal_irq_enable();
        signal_deliver(frame);
        hal_irq_disable();
    }
}

int user_page_fault(uintptr_t addr, unsigned access)
{
    struct proc *p = proc_current();
    if (!p || !p->us)
        return -EFAULT;
    int r = uspace_fault(p->us, addr, access);
    if (r != 1) {
        p->fault_repeats = 0;
        return r;
    }
    /* The tables allow it already: a stale TLB entry, once. The same
     * again and again means the hardware refuses something uspace_fault()
     * does not see (a fault kind an arch should not report): a signal,
     * not a hang. */
    if (addr != p->fault_addr || access != p->fault_access) {
        p->fault_addr = addr;
        p->fault_access = access;
        p->fault_repeats = 0;
    }
    if (++p->fault_repeats > 8) {
        p->fault_repeats = 0;
        return -EFAULT;
    }
    return 0;
}
