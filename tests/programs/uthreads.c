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
 *   bad arguments; FUTEX_WAKE_OP's five operations, its comparison deciding
 *   the second wake, its bad forms;
 * - robust futexes: a thread that ends holding locks on its robust list
 *   leaves them FUTEX_OWNER_DIED (waiters kept, one woken), others' locks
 *   untouched; a list that loops or points nowhere does not stop its end;
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
#define FUTEX_WAKE_OP_PRIVATE (5 | 128)
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define EFAULT 14

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

/* ---- FUTEX_WAKE_OP ---- */

enum { WOP_SET, WOP_ADD, WOP_OR, WOP_ANDN, WOP_XOR };
enum { WCMP_EQ, WCMP_NE, WCMP_LT, WCMP_LE, WCMP_GT, WCMP_GE };
#define WOP_SHIFT 8u /* with op: oparg is a shift count, 1 << oparg the argument */
#define WAKE_OP(op, oparg, cmp, cmparg)                                                          \
    ((unsigned)(op) << 28 | (unsigned)(cmp) << 24 | ((unsigned)(oparg) & 0xfff) << 12 |           \
     ((unsigned)(cmparg) & 0xfff))

static long wake_op(int *u1, int n1, int n2, int *u2, unsigned enc)
{
    return sys6(NR_futex, (long)u1, FUTEX_WAKE_OP_PRIVATE, n1, n2, (long)u2, enc);
}

struct fwait {
    int *addr;
    int val;
    volatile long result;
};

static int futex_waiter(void *arg)
{
    struct fwait *fw = arg;
    struct ts t = {10, 0};
    fw->result = futex(fw->addr, FUTEX_WAIT_PRIVATE, fw->val, &t);
    return 0;
}

/* Repeat @p op until it wakes one (the waiter may not be asleep yet). */
#define UNTIL_ONE(op)                                                                              \
    ({                                                                                             \
        long r_ = -1;                                                                              \
        for (int i_ = 0; i_ < 5000 && (r_ = (op)) == 0; i_++)                                      \
            msleep(1);                                                                             \
        r_;                                                                                        \
    })

static const int ro_word = 1;

static void wake_op_tests(void)
{
    int w1 = 0, w2 = 5;
    check(wake_op(&w1, 1, 1, &w2, WAKE_OP(WOP_ADD, 3, WCMP_EQ, 5)) == 0 && w2 == 8,
          "FUTEX_WAKE_OP ADD, no waiters: 0 woken, the word changed");
    w2 = 0x10;
    wake_op(&w1, 1, 1, &w2, WAKE_OP(WOP_OR, 1, WCMP_EQ, 0));
    int ok = w2 == 0x11;
    wake_op(&w1, 1, 1, &w2, WAKE_OP(WOP_ANDN, 0x10, WCMP_EQ, 0));
    ok &= w2 == 0x01;
    wake_op(&w1, 1, 1, &w2, WAKE_OP(WOP_XOR, 3, WCMP_EQ, 0));
    ok &= w2 == 0x02;
    wake_op(&w1, 1, 1, &w2, WAKE_OP(WOP_SET, -7, WCMP_EQ, 0)); /* oparg is signed, 12 bits */
    ok &= w2 == -7;
    wake_op(&w1, 1, 1, &w2, WAKE_OP(WOP_SET | WOP_SHIFT, 20, WCMP_EQ, 0));
    ok &= w2 == 1 << 20;
    check(ok, "FUTEX_WAKE_OP: OR, ANDN, XOR, SET of a negative, SET of a shifted 1");
    check(wake_op(&w1, 1, 1, &w2, WAKE_OP(5, 0, WCMP_EQ, 0)) == -ENOSYS &&
              wake_op(&w1, 1, 1, &w2, WAKE_OP(WOP_SET, 0, 6, 0)) == -ENOSYS && w2 == 1 << 20,
          "FUTEX_WAKE_OP: an unknown operation or comparison is ENOSYS, the word untouched");
    check(wake_op(&w1, 1, 1, (int *)((char *)&w2 + 2), WAKE_OP(WOP_SET, 0, WCMP_EQ, 0)) == -EINVAL,
          "FUTEX_WAKE_OP on an unaligned second word: EINVAL");
    check(wake_op(&w1, 1, 1, (int *)&ro_word, WAKE_OP(WOP_SET, 0, WCMP_EQ, 0)) == -EFAULT &&
              *(volatile const int *)&ro_word == 1,
          "FUTEX_WAKE_OP on a read-only word: EFAULT, the word untouched");
    check(wake_op(&w1, 1, 1, (int *)(-4096l), WAKE_OP(WOP_SET, 0, WCMP_EQ, 0)) == -EFAULT,
          "FUTEX_WAKE_OP on a kernel address: EFAULT");

    /* The comparison decides the second wake; the first is unconditional. */
    w2 = 8;
    struct fwait a = {&w2, 8, 1};
    int t = 0;
    spawn(futex_waiter, &a, &t, &workers[0].tls);
    long r = 0;
    for (int i = 0; i < 50 && r == 0; i++, msleep(1))
        r = wake_op(&w1, 1, 1, &w2, WAKE_OP(WOP_SET, 8, WCMP_NE, 8));
    check(r == 0, "FUTEX_WAKE_OP whose comparison fails wakes none of the second word's waiters");
    check(UNTIL_ONE(wake_op(&w1, 0, 1, &w2, WAKE_OP(WOP_SET, 8, WCMP_GE, 8))) == 1,
          "FUTEX_WAKE_OP whose comparison holds wakes a waiter of the second word");
    join(&t);
    check(a.result == 0, "and its FUTEX_WAIT returned 0");
    struct fwait b = {&w1, 0, 1};
    spawn(futex_waiter, &b, &t, &workers[0].tls);
    check(UNTIL_ONE(wake_op(&w1, 1, 0, &w2, WAKE_OP(WOP_ADD, 0, WCMP_EQ, 0))) == 1,
          "FUTEX_WAKE_OP wakes a waiter of the first word whatever the comparison");
    join(&t);
    check(b.result == 0, "and its FUTEX_WAIT returned 0");
}

/* ---- robust futexes (set_robust_list) ---- */

struct rlist {
    struct rlist *next;
};
struct robust_head {
    struct rlist list;
    long futex_offset;
    struct rlist *pending;
};
struct rlock {
    struct rlist link;
    int word; /* the owner's tid, FUTEX_WAITERS, FUTEX_OWNER_DIED */
};

static struct robust_head rhead;
static struct rlock rl_held, rl_other, rl_pending, rl_loop;
static volatile int robust_ready;

/* Holds rl_held (a waiter parked) and is taking rl_pending; rl_other,
 * also on its list, belongs to someone else. Ends without releasing. */
static int robust_owner(void *arg)
{
    (void)arg;
    int me = (int)tid();
    rhead.futex_offset = (long)((char *)&rl_held.word - (char *)&rl_held);
    rl_held.word = me | (int)FUTEX_WAITERS;
    rl_other.word = 12345;
    rl_pending.word = me;
    rhead.list.next = &rl_held.link;
    rl_held.link.next = &rl_other.link;
    rl_other.link.next = &rhead.list;
    rhead.pending = &rl_pending.link;
    check(sys3(NR_set_robust_list, (long)&rhead, sizeof rhead, 0) == 0, "set_robust_list");
    check(sys3(NR_set_robust_list, (long)&rhead, 8, 0) == -EINVAL, "set_robust_list of a wrong size: EINVAL");
    robust_ready = 1;
    msleep(100); /* time for the first thread to wait on rl_held */
    return 0;
}

/* A list whose entry points at itself, and a head that points nowhere. */
static int robust_loop(void *arg)
{
    static struct robust_head h;
    if (arg) {
        sys3(NR_set_robust_list, 8, sizeof h, 0);
        return 0;
    }
    h.futex_offset = rhead.futex_offset;
    h.list.next = &rl_loop.link;
    rl_loop.link.next = &rl_loop.link;
    rl_loop.word = (int)tid();
    sys3(NR_set_robust_list, (long)&h, sizeof h, 0);
    return 0;
}

static void robust_tests(void)
{
    int t = 0;
    spawn(robust_owner, 0, &t, &workers[0].tls);
    while (!robust_ready)
        msleep(1);
    int v = __atomic_load_n(&rl_held.word, __ATOMIC_ACQUIRE);
    struct ts t5 = {5, 0};
    long r = futex(&rl_held.word, FUTEX_WAIT_PRIVATE, v, &t5);
    check(r == 0 || r == -EAGAIN, "a waiter on a robust lock whose owner ends is woken (not ETIMEDOUT)");
    join(&t);
    check((unsigned)rl_held.word == (FUTEX_WAITERS | FUTEX_OWNER_DIED),
          "the lock it held: FUTEX_OWNER_DIED, FUTEX_WAITERS kept, no owner");
    check(rl_other.word == 12345, "a lock on its list held by another thread is untouched");
    check((unsigned)rl_pending.word == FUTEX_OWNER_DIED, "its list_op_pending lock: FUTEX_OWNER_DIED");
    spawn(robust_loop, 0, &t, &workers[0].tls);
    join(&t);
    check((unsigned)rl_loop.word == FUTEX_OWNER_DIED, "a list that loops: its lock marked, the thread ends");
    spawn(robust_loop, (void *)1, &t, &workers[0].tls);
    join(&t); /* a head that points nowhere: the thread ends (else the test's timeout fails it) */
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
    wake_op_tests();
    robust_tests();

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
