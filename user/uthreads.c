/*
 * uthreads: threads from the program's side, as glibc's pthreads make them
 * (clone with CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
 * CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
 * CLONE_CHILD_CLEARTID) and futexes:
 * - four threads share memory: atomic adds, and plain adds under a futex
 *   lock, all counted; each has its own thread id and thread pointer;
 *   pthread_join's way (a futex wait on the cleared child tid) joins them;
 * - memory: threads first-touching the same pages at once, with mmap and
 *   munmap between, keep every write;
 * - futex: EAGAIN for a changed word, ETIMEDOUT, a wake with no waiter,
 *   bad arguments;
 * - signals: tgkill reaches the named thread; a signal sent to the process
 *   goes to a thread that does not block it;
 * - ends: exit_group from a thread ends every thread with its code; the
 *   first thread's exit() leaves the others running, and the last one's
 *   code is the process's; a thread forks and waits for its child;
 * - execve from a thread other than the first: a failed one returns to it,
 *   the threads untouched; one that works ends every other thread and the
 *   new program runs as the process, its pid and tid the old pid (the
 *   first thread busy in a system call, or gone already);
 * exits with the number of failures.
 */
#include "usys.h"

#define CLONE_THREADS 0x003d0f00ul /* VM FS FILES SIGHAND THREAD SYSVSEM SETTLS PARENT_SETTID */
#define CLONE_CHILD_CLEARTID 0x00200000ul
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#define EAGAIN 11
#define EINVAL 22
#define ETIMEDOUT 110
#define ENOSYS 38
#define SIGUSR1 10
#define SIGCHLD 17
#define SA_SIGINFO 0x00000004ul
#define SA_RESTORER 0x04000000ul
#define SIG_BLOCK 0

long uthread_clone(unsigned long flags, void *stack, int *ptid, void *tls, int *ctid, int (*fn)(void *),
                   void *arg);

#define fails (*ufails())

struct ts {
    long sec, nsec;
};

static long futex(int *addr, int op, int val, const struct ts *t)
{
    return sys6(NR_futex, (long)addr, op, val, (long)t, 0, 0);
}

static long tid(void) { return sys1(NR_gettid, 0); }
static long pid(void) { return sys1(NR_getpid, 0); }

static void msleep(long ms)
{
    struct ts t = {ms / 1000, (ms % 1000) * 1000000};
    sys3(NR_nanosleep, (long)&t, 0, 0);
}

/* A lock of one futex word: 0 free, 1 taken, 2 taken with waiters. */
static void lock(int *l)
{
    int c = 0;
    if (__atomic_compare_exchange_n(l, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    if (c != 2)
        c = __atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE);
    while (c != 0) {
        futex(l, FUTEX_WAIT_PRIVATE, 2, 0);
        c = __atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE);
    }
}

static void unlock(int *l)
{
    if (__atomic_exchange_n(l, 0, __ATOMIC_RELEASE) == 2)
        futex(l, FUTEX_WAKE_PRIVATE, 1, 0);
}

#define NT 4
#define ROUNDS 20000
#define STACK (64 * 1024)

static long atomic_count;
static long locked_count;
static int the_lock;

struct tls_block {
    unsigned long word0; /* what the thread pointer points at: the thread's index */
    unsigned long pad[7];
};

struct worker {
    int tid;         /* CLONE_PARENT_SETTID writes it, CHILD_CLEARTID clears it at the end */
    int index;
    long seen_tid;   /* gettid() in the thread */
    long seen_pid;
    unsigned long seen_tls;
    struct tls_block tls;
};

static struct worker workers[NT];

static int work(void *arg)
{
    struct worker *w = arg;
    w->seen_tid = tid();
    w->seen_pid = pid();
    w->seen_tls = utls_word0();
    for (int i = 0; i < ROUNDS; i++) {
        __atomic_add_fetch(&atomic_count, 1, __ATOMIC_RELAXED);
        lock(&the_lock);
        locked_count++; /* plain: only the lock keeps it right */
        unlock(&the_lock);
        if (i % 4096 == 0)
            sys1(NR_sched_yield, 0);
    }
    return 0;
}

static void *stack_new(void)
{
    long p = sys6(NR_mmap, 0, STACK, 3 /* RW */, 0x22 /* PRIVATE|ANON */, -1, 0);
    return p < 0 && p > -4096 ? 0 : (char *)p + STACK;
}

/* pthread_join: wait until the kernel clears the tid at the thread's end. */
static void join(int *ctid)
{
    for (;;) {
        int v = __atomic_load_n(ctid, __ATOMIC_ACQUIRE);
        if (!v)
            return;
        futex(ctid, FUTEX_WAIT_PRIVATE, v, 0);
    }
}

static long spawn(int (*fn)(void *), void *arg, int *tidp, void *tls)
{
    void *stack = stack_new();
    if (!stack)
        return -12;
    return uthread_clone(CLONE_THREADS | CLONE_CHILD_CLEARTID, stack, tidp, tls, tidp, fn, arg);
}

/* ---- signals ---- */

static volatile long handled_by;
static volatile int handled;

static void on_usr1(int sig, void *info, void *ctx)
{
    (void)sig, (void)info, (void)ctx;
    handled_by = tid();
    handled++;
}

static void handle_usr1(void)
{
    struct usigaction a = {0};
    a.handler = (unsigned long)on_usr1;
    a.flags = SA_SIGINFO;
#ifdef USA_RESTORER
    a.flags |= SA_RESTORER;
    a.restorer = (unsigned long)USA_RESTORER;
#endif
    sys6(NR_rt_sigaction, SIGUSR1, (long)&a, 0, 8, 0, 0);
}

static volatile int go_on;
static volatile int blocker_ready;

/* Blocks SIGUSR1, then waits until told to go. */
static int blocker(void *arg)
{
    (void)arg;
    unsigned long set = 1ul << (SIGUSR1 - 1);
    sys6(NR_rt_sigprocmask, SIG_BLOCK, (long)&set, 0, 8, 0, 0);
    blocker_ready = 1;
    while (!go_on)
        msleep(1);
    return 0;
}

/* Waits for a signal, then returns. */
static int waiter(void *arg)
{
    (void)arg;
    while (!handled)
        msleep(1);
    return 0;
}

/* ---- memory shared by threads ---- */
#define TOUCH_PAGES 64
static volatile char *touch_area;
static int touch_start;

/* Each thread writes its own byte of every page of a fresh mapping, all at
 * once: first touches of one page by several threads at a time, and mmap/
 * munmap of scratch memory in between. */
static int toucher(void *arg)
{
    long k = (long)arg;
    while (!__atomic_load_n(&touch_start, __ATOMIC_ACQUIRE))
        ;
    for (int pg = 0; pg < TOUCH_PAGES; pg++) {
        touch_area[pg * 4096 + k] = (char)(k + 1);
        if (pg % 8 == 0) {
            long m = sys6(NR_mmap, 0, 3 * 4096, 3, 0x22, -1, 0);
            if (m > 0) {
                ((volatile char *)m)[4096] = 1;
                sys3(NR_munmap, m, 3 * 4096, 0);
            }
        }
    }
    return 0;
}

/* ---- ends ---- */

static int group_exit(void *arg)
{
    (void)arg;
    msleep(20);
    sys1(NR_exit_group, 7);
    return 99; /* not reached */
}

static int late_exit(void *arg)
{
    (void)arg;
    msleep(50);
    return 5; /* uthread_clone's trampoline: exit(5), this thread only */
}

static int forker(void *arg)
{
    int *status = arg;
    long c = sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0)
        uexit(3);
    *status = -1;
    if (c > 0 && sys6(NR_wait4, c, (long)status, 0, 0, 0, 0) != c)
        *status = -2;
    return 0;
}

static long wait_child(long c);

/* The pid as text, then execve of this program to check it ("pidcheck"). */
static char pid_text[24];
static int exec_self_from_thread(void *arg)
{
    (void)arg;
    msleep(20);
    char *bad[] = {"nothing", 0};
    if (sys3(NR_execve, (long)"/bin/no-such-program", (long)bad, 0) != -2 /* ENOENT */)
        sys1(NR_exit_group, 2);
    char *args[] = {"uthreads", "pidcheck", pid_text, 0}, *env[] = {0};
    sys3(NR_execve, (long)"/bin/uthreads", (long)args, (long)env);
    sys1(NR_exit_group, 3); /* not reached */
    return 0;
}

/* A child whose second thread execs this program; the first thread sleeps
 * in nanosleep (@p first_exits 0) or has exited already (1). Its status. */
static long exec_from_thread(int first_exits)
{
    long c = sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        char *e = pid_text + sizeof pid_text;
        *--e = 0;
        for (long n = pid(); n; n /= 10)
            *--e = (char)('0' + n % 10);
        for (char *d = pid_text; (*d++ = *e++);)
            ;
        int t = 0;
        spawn(exec_self_from_thread, 0, &t, &workers[2].tls);
        if (first_exits)
            sys1(NR_exit, 9); /* this thread only */
        msleep(5000);
        uexit(1); /* not reached: the exec ends this thread */
    }
    return wait_child(c);
}

static long wait_child(long c)
{
    int st = -1;
    long r = sys6(NR_wait4, c, (long)&st, 0, 0, 0, 0);
    return r == c ? st : -1000;
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    long me = pid();
    if (argc == 3 && ustreq(argv[1], "pidcheck")) /* run by exec_from_thread() */
        return me == uatol(argv[2]) && tid() == me ? 42 : 43;
    check(tid() == me, "the first thread's tid is the pid");

    /* Four threads, shared memory, a futex lock, join by CLEARTID. */
    for (int i = 0; i < NT; i++) {
        workers[i].index = i;
        workers[i].tls.word0 = 100 + (unsigned long)i;
        long t = spawn(work, &workers[i], &workers[i].tid, &workers[i].tls);
        check(t > 0 && t != me, "clone of a thread gives a new tid");
    }
    for (int i = 0; i < NT; i++)
        join(&workers[i].tid);
    check(atomic_count == NT * ROUNDS, "atomic adds from four threads all count");
    check(locked_count == NT * ROUNDS, "adds under a futex lock all count");
    int ids_ok = 1, tls_ok = 1;
    for (int i = 0; i < NT; i++) {
        ids_ok &= workers[i].seen_pid == me && workers[i].seen_tid != me && workers[i].tid == 0;
        for (int j = 0; j < i; j++)
            ids_ok &= workers[i].seen_tid != workers[j].seen_tid;
        tls_ok &= workers[i].seen_tls == 100 + (unsigned long)i;
    }
    check(ids_ok, "each thread: getpid is the process's, gettid its own; CLEARTID cleared it");
    check(tls_ok, "each thread has the thread pointer CLONE_SETTLS gave it");

    /* Threads touching one fresh mapping at once: every write stays. */
    touch_area = (volatile char *)sys6(NR_mmap, 0, TOUCH_PAGES * 4096, 3, 0x22, -1, 0);
    int ttids[NT] = {0};
    for (long i = 0; i < NT; i++)
        spawn(toucher, (void *)i, &ttids[i], &workers[i].tls);
    __atomic_store_n(&touch_start, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < NT; i++)
        join(&ttids[i]);
    int all_there = 1;
    for (int pg = 0; pg < TOUCH_PAGES; pg++)
        for (int k = 0; k < NT; k++)
            all_there &= touch_area[pg * 4096 + k] == (char)(k + 1);
    check(all_there, "four threads first-touching the same pages at once: every write stays");
    sys3(NR_munmap, (long)touch_area, TOUCH_PAGES * 4096, 0);

    /* futex itself. */
    int word = 5;
    check(futex(&word, FUTEX_WAIT_PRIVATE, 6, 0) == -EAGAIN, "futex wait on a changed word: EAGAIN");
    struct ts t20 = {0, 20000000};
    check(futex(&word, FUTEX_WAIT_PRIVATE, 5, &t20) == -ETIMEDOUT, "futex wait times out: ETIMEDOUT");
    check(futex(&word, FUTEX_WAKE_PRIVATE, 1, 0) == 0, "futex wake with no waiter wakes none");
    check(sys6(NR_futex, (long)&word + 1, FUTEX_WAIT_PRIVATE, 5, 0, 0, 0) == -EINVAL,
          "futex on an unaligned word: EINVAL");
    check(futex((int *)8, FUTEX_WAIT_PRIVATE, 0, 0) == -14, "futex wait on a bad address: EFAULT");
    check(sys6(NR_futex, (long)&word, 6 /* FUTEX_LOCK_PI */, 0, 0, 0, 0) == -ENOSYS, "futex PI ops: ENOSYS");

    /* tgkill reaches the thread named; a process signal a thread that
     * does not block it. */
    handle_usr1();
    int wtid = 0, btid = 0;
    long w = spawn(waiter, 0, &wtid, &workers[0].tls);
    check(w > 0 && sys3(NR_tgkill, me, w, SIGUSR1) == 0, "tgkill to a thread");
    join(&wtid);
    check(handled == 1 && handled_by == w, "the signal ran its handler in that thread");
    handled = 0;
    long b = spawn(blocker, 0, &btid, &workers[1].tls);
    while (!blocker_ready)
        msleep(1);
    check(b > 0 && sys3(NR_kill, me, SIGUSR1, 0) == 0, "kill to the process");
    for (int i = 0; i < 200 && !handled; i++)
        msleep(1);
    check(handled == 1 && handled_by == me, "a thread that blocks it is passed over");
    go_on = 1;
    join(&btid);
    check(sys3(NR_tgkill, me, w, SIGUSR1) == -3, "tgkill to a thread that ended: ESRCH");

    /* exit_group from a thread ends the process with its code. */
    long c = sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        int t = 0;
        spawn(group_exit, 0, &t, &workers[2].tls);
        msleep(5000);
        uexit(1); /* not reached: the thread's exit_group comes first */
    }
    check(wait_child(c) == 7 << 8, "exit_group in a thread ends the process with its code");

    /* The first thread's exit leaves the others; the last one's code is the process's. */
    c = sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        int t = 0;
        spawn(late_exit, 0, &t, &workers[2].tls);
        sys1(NR_exit, 9); /* this thread only */
    }
    check(wait_child(c) == 5 << 8, "the first thread's exit: the last thread's code ends the process");

    check(exec_from_thread(0) == 42 << 8,
          "execve from a second thread: the process runs the new program, with its pid as tid");
    check(exec_from_thread(1) == 42 << 8, "and so when the first thread has exited already");

    /* A thread forks and waits for its child. */
    int fst = 0, ftid = 0;
    spawn(forker, &fst, &ftid, &workers[3].tls);
    join(&ftid);
    check(fst == 3 << 8, "a thread forks a process and reaps it");

    uputs("uthreads: ");
    uputn(fails);
    uputs(" failed\n");
    return fails > 255 ? 255 : fails;
}
