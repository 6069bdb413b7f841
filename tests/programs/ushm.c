/*
 * ushm: shared memory against Linux's answers (issue 41), one line each
 * ("ok ..." or "FAIL ..." with what came back and what Linux gives);
 * exits with the number of failures. Every check is Linux's answer: the
 * program also runs on the build host's Linux (cmake/linux_judged.cmake).
 *
 * Usage: ushm [DIR]. DIR (default /tmp) is a writable tmpfs directory; the
 * test file is DIR/ushm.<pid>, removed at the end.
 *
 * Shared anonymous memory and /dev/zero's across fork (either side's
 * writes seen by the other, pages touched before the fork or after, under
 * MAP_FIXED); a tmpfs file mapped MAP_SHARED (writes seen by read() and by
 * a second mapping, write() seen by the mapping, a hole, a private mapping
 * that keeps its writes, ftruncate's shrink: SIGBUS past the end, the tail
 * zeroed; part of a mapping unmapped; the file unlinked while mapped);
 * /dev/shm as the C library's shm_open() and sem_open() use it (O_EXCL,
 * ENOENT, EACCES but for root); and process-shared futexes, keyed by
 * the page, not the address space (and a forked child's tid where
 * CLONE_CHILD_SETTID puts it): semaphores, a mutex and a condition
 * variable between two processes (the word at another address in each),
 * while a private futex in the same memory stays the process's own.
 */
#include "umem.h"
#include "uchild.h"
#include "ustat.h"

enum { AT_FDCWD = -100 };
enum { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT = 0100, O_EXCL = 0200, O_TRUNC = 01000 };
enum { O_NOFOLLOW = 0400000, O_CLOEXEC = 02000000 };
enum { PROT_READ = 1, PROT_WRITE = 2 };
enum { MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20 };
enum { SIGBUS = 7, SIGCHLD = 17 };
enum { ENOENT = 2, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EEXIST = 17, ETIMEDOUT = 110 };
enum { FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_PRIVATE = 128 };
enum { PG = 4096 };


#define fails (*ufails())

static long uopen(const char *p, long fl, long mode) { return sys6(NR_openat, AT_FDCWD, (long)p, fl, mode, 0, 0); }
static long uclose(long fd) { return sys1(NR_close, fd); }
static long uunlink(const char *p) { return sys3(NR_unlinkat, AT_FDCWD, (long)p, 0); }
static long utrunc(long fd, long n) { return sys3(NR_ftruncate, fd, n, 0); }
static long upread(long fd, void *b, long n, long off) { return sys6(NR_pread64, fd, (long)b, n, off, 0, 0); }
static long upwrite(long fd, const void *b, long n, long off) { return sys6(NR_pwrite64, fd, (long)b, n, off, 0, 0); }
static char *umap(long addr, long len, long prot, long flags, long fd, long off)
{
    return (char *)sys6(NR_mmap, addr, len, prot, flags, fd, off);
}
static int map_failed(const char *m) { return (unsigned long)m > -4096ul; }
static long uunmap(void *a, long len) { return sys3(NR_munmap, (long)a, len, 0); }
static long futex(volatile int *w, long op, long val, long timeout_ns)
{
    struct {
        long sec, nsec;
    } t = {timeout_ns / 1000000000, timeout_ns % 1000000000};
    return sys6(NR_futex, (long)w, op, val, timeout_ns ? (long)&t : 0, 0, 0);
}


/* ---- shared anonymous memory ---- */
static void c_writes(long a)
{
    char *m = (char *)a;
    uexpect(m[0], 'p', "the child sees the parent's write before the fork");
    m[0] = 'c';            /* a page the parent touched */
    m[PG + 7] = 'd';       /* one nobody touched */
}

static void c_writes_one(long a)
{
    char *m = (char *)a;
    uexpect(m[0], 'p', "the child sees the parent's write before the fork");
    m[0] = 'c';
}

static void anon_checks(void)
{
    char *m = umap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (map_failed(m)) {
        uexpect((long)m, 0, "mmap MAP_SHARED|MAP_ANONYMOUS");
        return;
    }
    check(1, "mmap MAP_SHARED|MAP_ANONYMOUS");
    uexpect(m[PG], 0, "it starts zeroed");
    m[0] = 'p';
    in_child(c_writes, (long)m);
    uexpect(m[0], 'c', "the parent sees the child's write to a page both had");
    uexpect(m[PG + 7], 'd', "and to a page first touched by the child");
    m[0] = 'q';
    uexpect(m[0], 'q', "the parent writes it again (its own again)");
    uexpect(uunmap(m, 3 * PG), 0, "munmap the shared region");

    /* MAP_FIXED over the middle of a private mapping. */
    char *p = umap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = p[PG] = p[2 * PG] = 'x';
    char *s = umap((long)(p + PG), PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    uexpect((long)s, (long)(p + PG), "MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED lands where asked");
    uexpect(p[PG], 0, "and replaces what was there with zeros");
    s[0] = 'p';
    in_child(c_writes_one, (long)s);
    uexpect(s[0], 'c', "the child's write in it is seen");
    uexpect(p[0] + p[2 * PG], 'x' + 'x', "its private neighbours stay");
    uunmap(p, 3 * PG);

    /* /dev/zero, MAP_SHARED: the same. */
    long z = uopen("/dev/zero", O_RDWR, 0);
    char *d = umap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, z, 0);
    uclose(z);
    if (map_failed(d)) {
        uexpect((long)d, 0, "mmap /dev/zero MAP_SHARED");
        return;
    }
    d[0] = 'p';
    in_child(c_writes, (long)d);
    uexpect(d[0], 'c', "/dev/zero MAP_SHARED: the child's write is seen");
    uexpect(d[PG + 7], 'd', "and on its second page");
    uunmap(d, 2 * PG);
}

/* fork with CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID at @p ctid, as the C
 * library's fork() is made (its thread's tid, which error-checking and
 * robust mutexes compare, is the child's own from the start). */
static void settid_checks(void)
{
    volatile int *w = (volatile int *)umap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (map_failed((char *)w))
        return;
    long flags = SIGCHLD | 0x01000000 /* CLONE_CHILD_SETTID */ | 0x00200000 /* CLONE_CHILD_CLEARTID */;
#ifdef USTAT_X86_64
    long c = sys6(NR_clone, flags, 0, 0, (long)&w[0], 0, 0);
#else
    long c = sys6(NR_clone, flags, 0, 0, 0, (long)&w[0], 0);
#endif
    if (c == 0) {
        w[1] = w[0] == sys1(NR_getpid, 0); /* set before the child ran */
        uexit(0);
    }
    reap_status(c);
    uexpect(w[1], 1, "fork with CLONE_CHILD_SETTID: the child's tid in its memory when it starts");
    uexpect(w[0], c, "in shared memory, the parent sees it (a process's end does not clear it)");
    uunmap((void *)w, PG);
}

/* ---- a tmpfs file, MAP_SHARED ---- */
static void c_touch(long a)
{
    volatile char *m = (volatile char *)a;
    (void)*m;
}

static void c_writes_file(long a)
{
    char *m = (char *)a;
    m[3] = 'K';
}

static void file_checks(const char *path)
{
    long fd = uopen(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    if (fd < 0) {
        check(0, "create DIR/ushm.<pid>");
        return;
    }
    upwrite(fd, "hello", 5, 0);
    uexpect(utrunc(fd, 3 * PG), 0, "ftruncate to 3 pages (the rest holes)");
    char *m = umap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map_failed(m)) {
        uexpect((long)m, 0, "mmap a tmpfs file MAP_SHARED, writable");
        uclose(fd);
        return;
    }
    check(1, "mmap a tmpfs file MAP_SHARED, writable");
    uexpect(m[1], 'e', "the mapping reads the file");
    uexpect(m[2 * PG + 9], 0, "a hole reads zero");
    m[0] = 'J';
    m[PG + 5] = 'x';
    m[2 * PG + 9] = 'y';
    char b[4] = {0};
    upread(fd, b, 1, 0);
    uexpect(b[0], 'J', "read() sees a write through the mapping");
    upread(fd, b, 1, PG + 5);
    uexpect(b[0], 'x', "on the second page too");
    upread(fd, b, 1, 2 * PG + 9);
    uexpect(b[0], 'y', "and in what was a hole");
    upwrite(fd, "W", 1, 100);
    uexpect(m[100], 'W', "the mapping sees write()");
    char *m2 = umap(0, 2 * PG, PROT_READ, MAP_SHARED, fd, PG);
    uexpect(map_failed(m2) ? -1 : m2[5], 'x', "a second mapping (at an offset) sees the first's write");
    m[PG + 6] = 'z';
    uexpect(map_failed(m2) ? -1 : m2[6], 'z', "at once");
    long ro = uopen(path, O_RDONLY, 0);
    char *r = umap(0, PG, PROT_READ, MAP_SHARED, ro, 0);
    uexpect(map_failed(r) ? -1 : r[0], 'J', "a read-only shared mapping of a read-only descriptor");
    uexpect(map_failed(r) ? -1 : sys3(NR_mprotect, (long)r, PG, PROT_READ | PROT_WRITE), -EACCES,
            "mprotect may not make it writable: EACCES");
    uexpect((long)umap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), -EACCES,
            "nor may mmap: EACCES");
    uclose(ro);
    if (!map_failed(r))
        uunmap(r, PG);
    char *pv = umap(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    uexpect(pv[0], 'J', "a private mapping reads the file");
    pv[0] = 'P';
    uexpect(m[0], 'J', "its write stays its own");
    uunmap(pv, PG);
    in_child(c_writes_file, (long)m);
    uexpect(m[3], 'K', "a child's write through the inherited mapping is seen");

    /* Part unmapped: the rest still the file's. */
    uexpect(uunmap(m + PG, PG), 0, "munmap the middle page");
    m[2 * PG] = 'T';
    upread(fd, b, 1, 2 * PG);
    uexpect(b[0], 'T', "the last page is still the file's");

    /* Shrink: SIGBUS past the end, the tail of the last page zeroed. */
    m[300] = 'Z';
    uexpect(utrunc(fd, 200), 0, "ftruncate to 200 bytes");
    long c = fork_child(c_touch, (long)(m + 2 * PG));
    int st = reap_status(c);
    uexpect(st & 0x7f, SIGBUS, "a page wholly past the new end is SIGBUS");
    uexpect(m[100], 'W', "the bytes before the end stay");
    uexpect(m[300], 0, "those past the end in its last page were zeroed");
    m[300] = 'Q';
    uexpect(upread(fd, b, 4, 300), 0, "a write there does not grow the file");
    uexpect(utrunc(fd, 3 * PG), 0, "ftruncate back to 3 pages");
    uexpect(m[2 * PG], 0, "the page that came back reads zero");
    m[2 * PG] = 'G';
    upread(fd, b, 1, 2 * PG);
    uexpect(b[0], 'G', "and is the file's again");

    /* Unlinked while mapped: the memory lives on, still shared. */
    uexpect(uunlink(path), 0, "unlink the mapped file");
    uclose(fd);
    in_child(c_writes_file, (long)m);
    uexpect(m[3], 'K', "unlinked and closed, the mapping is shared still");
    uunmap(m, PG);
    uunmap(m + 2 * PG, PG);
    if (!map_failed(m2))
        uunmap(m2, 2 * PG);
}

/* st_atim and st_mtim in nanoseconds. */
static long atime_of(long fd)
{
    struct ustat st = {0};
    sys3(NR_fstat, fd, (long)&st, 0);
    return (long)(st.times[0] * 1000000000ul + st.times[1]);
}
static long mtime_of(long fd)
{
    struct ustat st = {0};
    sys3(NR_fstat, fd, (long)&st, 0);
    return (long)(st.times[2] * 1000000000ul + st.times[3]);
}

/* The times a mapping moves (the clocks' ticks may be coarse: naps between),
 * and mmap's answer for an offset and length at the top of the range. */
static void times_checks(const char *path)
{
    long fd = uopen(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    upwrite(fd, "abc", 3, 0);
    long a0 = atime_of(fd), m0 = mtime_of(fd);
    nap_ms(30);
    char *m = umap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map_failed(m)) {
        check(0, "mmap for the times");
        uclose(fd);
        return;
    }
    check(atime_of(fd) > a0, "mmap marks the file read (st_atime moves)");
    nap_ms(30);
    m[1] = 'B';
    check(mtime_of(fd) > m0, "a write through a shared mapping changes st_mtime");
    uunmap(m, PG);
    uexpect((long)umap(0, -4096l, PROT_READ, MAP_SHARED, fd, -4096l), -ENOMEM,
            "offset and length both near 2^64: ENOMEM (no room), not EOVERFLOW");
    uclose(fd);
    uunlink(path);
}

/* ---- /dev/shm, as shm_open() and sem_open() use it ---- */
static char shm_path[64];

/* A 0400 object opened for writing: EACCES, but for root (the only user
 * in our kernel), whom the permission bits do not stop. */
static void read_only_object(void)
{
    long fd = uopen(shm_path, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
    if (sys1(NR_geteuid, 0) == 0)
        check(fd >= 0, "root opens a 0400 object for writing");
    else
        uexpect(fd, -EACCES, "another user may not open a 0400 object for writing: EACCES");
    if (fd >= 0)
        uclose(fd);
}

static void c_opens_by_name(long a)
{
    (void)a;
    long fd = uopen(shm_path, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
    char *m = umap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    uclose(fd);
    if (map_failed(m)) {
        check(0, "the child maps the object by name");
        return;
    }
    uexpect(m[0], 'S', "the child's mapping (by name) sees the parent's");
    m[1] = 'T';
}

static void shm_checks(void)
{
    struct ustat st = {0};
    uexpect(sys6(NR_newfstatat, AT_FDCWD, (long)"/dev/shm", (long)&st, 0, 0, 0), 0, "/dev/shm exists");
    uexpect(st.mode, 0041777, "/dev/shm is a directory, mode 1777");
    const char *pre = "/dev/shm/ushm.";
    char *e = shm_path;
    while (*pre)
        *e++ = *pre++;
    long pid = sys1(NR_getpid, 0);
    char num[24], *q = num + sizeof num;
    *--q = 0;
    for (long v = pid; v; v /= 10)
        *--q = (char)('0' + v % 10);
    while ((*e++ = *q++))
        ;
    long fl = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    long fd = uopen(shm_path, fl, 0600);
    if (fd < 0) {
        uexpect(fd, 3, "shm_open(O_CREAT|O_EXCL)");
        return;
    }
    check(1, "shm_open(O_CREAT|O_EXCL)");
    uexpect(uopen(shm_path, fl, 0600), -EEXIST, "again: EEXIST");
    uexpect(utrunc(fd, PG), 0, "ftruncate it");
    char *m = umap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (!map_failed(m)) {
        m[0] = 'S';
        in_child(c_opens_by_name, 0);
        uexpect(m[1], 'T', "the parent sees the child's");
        uunmap(m, PG);
    }
    uclose(fd);
    uexpect(uunlink(shm_path), 0, "shm_unlink");
    uexpect(uopen(shm_path, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0), -ENOENT, "opened after shm_unlink: ENOENT");
    uexpect(uunlink(shm_path), -ENOENT, "shm_unlink again: ENOENT");
    fd = uopen(shm_path, fl, 0400);
    uclose(fd);
    read_only_object();
    uunlink(shm_path);
}

/* ---- process-shared futexes ---- */
/* A counting semaphore as the C library's sem_t (a word, futexes without
 * the private flag). */
static void sem_wait(volatile int *s)
{
    for (;;) {
        int v = __atomic_load_n(s, __ATOMIC_ACQUIRE);
        if (v > 0 && __atomic_compare_exchange_n(s, &v, v - 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
            return;
        if (v <= 0)
            futex(s, FUTEX_WAIT, v, 0);
    }
}
static void sem_post(volatile int *s)
{
    __atomic_add_fetch(s, 1, __ATOMIC_ACQ_REL);
    futex(s, FUTEX_WAKE, 1, 0);
}

/* A mutex: 0 free, 1 held, 2 held with waiters. */
static void mutex_lock(volatile int *m)
{
    int c = 0;
    if (__atomic_compare_exchange_n(m, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    if (c != 2)
        c = __atomic_exchange_n(m, 2, __ATOMIC_ACQUIRE);
    while (c != 0) {
        futex(m, FUTEX_WAIT, 2, 0);
        c = __atomic_exchange_n(m, 2, __ATOMIC_ACQUIRE);
    }
}
static void mutex_unlock(volatile int *m)
{
    if (__atomic_fetch_sub(m, 1, __ATOMIC_RELEASE) != 1) {
        __atomic_store_n(m, 0, __ATOMIC_RELEASE);
        futex(m, FUTEX_WAKE, 1, 0);
    }
}
/* A condition variable: a sequence number waited on. */
static void cond_wait(volatile int *cv, volatile int *m)
{
    int seq = __atomic_load_n(cv, __ATOMIC_ACQUIRE);
    mutex_unlock(m);
    futex(cv, FUTEX_WAIT, seq, 0);
    mutex_lock(m);
}
static void cond_signal(volatile int *cv)
{
    __atomic_add_fetch(cv, 1, __ATOMIC_ACQ_REL);
    futex(cv, FUTEX_WAKE, 1, 0);
}

/* The shared words: two semaphores, a mutex, a condition variable, its
 * flag, a counter. */
enum { W_SEM_A, W_SEM_B, W_MUTEX, W_COND, W_FLAG, W_COUNT, W_PRIV };
enum { ROUNDS = 50, INCS = 300 };

static volatile int *remap(long fd)
{
    /* The child's own mapping of the same page, at another address. */
    char *m = umap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    return map_failed(m) ? 0 : (volatile int *)m;
}

static void c_sems(long fd)
{
    volatile int *w = remap(fd);
    if (!w) {
        check(0, "the child maps the semaphores");
        return;
    }
    for (int i = 0; i < ROUNDS; i++) {
        sem_wait(&w[W_SEM_A]);
        sem_post(&w[W_SEM_B]);
    }
}

static void c_mutex(long a)
{
    volatile int *w = (volatile int *)a;
    for (int i = 0; i < INCS; i++) {
        mutex_lock(&w[W_MUTEX]);
        int v = w[W_COUNT];
        if (i % 16 == 0)
            sys1(NR_sched_yield, 0); /* held across a switch: the other one waits */
        w[W_COUNT] = v + 1;
        mutex_unlock(&w[W_MUTEX]);
    }
    mutex_lock(&w[W_MUTEX]);
    while (!w[W_FLAG])
        cond_wait(&w[W_COND], &w[W_MUTEX]);
    w[W_FLAG] = 2;
    mutex_unlock(&w[W_MUTEX]);
}

static void c_private(long a)
{
    volatile int *w = (volatile int *)a;
    nap_ms(50);
    w[W_FLAG] = 1;
    uexpect(futex(&w[W_PRIV], FUTEX_WAKE | FUTEX_PRIVATE, 1, 0), 0,
            "a private wake in shared memory wakes no other process");
}

static void futex_checks(const char *path)
{
    long fd = uopen(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    utrunc(fd, PG);
    volatile int *w = (volatile int *)umap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map_failed((char *)w)) {
        check(0, "map the futex page");
        uclose(fd);
        return;
    }
    long c = fork_child(c_sems, fd);
    int ok = 1;
    for (int i = 0; i < ROUNDS; i++) {
        sem_post(&w[W_SEM_A]);
        sem_wait(&w[W_SEM_B]);
        ok &= w[W_SEM_A] == 0 && w[W_SEM_B] == 0;
    }
    check(ok, "semaphores between two processes (each its own mapping): posts and waits in turn");
    reap(c, "the semaphore child exits");

    c = fork_child(c_mutex, (long)w);
    for (int i = 0; i < INCS; i++) {
        mutex_lock(&w[W_MUTEX]);
        int v = w[W_COUNT];
        if (i % 16 == 8)
            sys1(NR_sched_yield, 0);
        w[W_COUNT] = v + 1;
        mutex_unlock(&w[W_MUTEX]);
    }
    nap_ms(30);
    mutex_lock(&w[W_MUTEX]);
    w[W_FLAG] = 1;
    cond_signal(&w[W_COND]);
    mutex_unlock(&w[W_MUTEX]);
    reap(c, "the mutex child exits");
    uexpect(w[W_COUNT], 2 * INCS, "a process-shared mutex: no increment lost");
    uexpect(w[W_FLAG], 2, "a process-shared condition variable woke the child");

    w[W_FLAG] = 0;
    c = fork_child(c_private, (long)w);
    uexpect(futex(&w[W_PRIV], FUTEX_WAIT | FUTEX_PRIVATE, 0, 300000000), -ETIMEDOUT,
            "so the private waiter times out");
    reap(c, "the private child exits");
    uunmap((void *)w, PG);
    uclose(fd);
    uunlink(path);
}

/* /proc/meminfo's Shmem, in kB: the pages tmpfs files hold, shared
 * anonymous memory's too; -1 if not found. */
static long shmem_kb(void)
{
    static char b[2048];
    long fd = uopen("/proc/meminfo", O_RDONLY, 0), n = fd < 0 ? 0 : sys3(NR_read, fd, (long)b, sizeof b - 1);
    uclose(fd);
    b[n > 0 ? n : 0] = 0;
    for (char *p = b; *p; p++)
        if (p[0] == 'S' && p[1] == 'h' && p[2] == 'm' && p[3] == 'e' && p[4] == 'm' && p[5] == ':') {
            for (p += 6; *p == ' '; p++)
                ;
            return uatol(p);
        }
    return -1;
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    static char path[600];
    char *e = path;
    while (*dir)
        *e++ = *dir++;
    const char *n = "/ushm.";
    while (*n)
        *e++ = *n++;
    long pid = sys1(NR_getpid, 0);
    char num[24], *q = num + sizeof num;
    *--q = 0;
    for (long v = pid; v; v /= 10)
        *--q = (char)('0' + v % 10);
    while ((*e++ = *q++))
        ;
    /* This program's own pages, read from the initrd's tmpfs file as they
     * are first touched, count in Shmem too: all of them first. */
    extern char __ehdr_start[], edata[];
    for (volatile char *p = __ehdr_start; p < edata; p += PG)
        (void)*p;
    long shmem = shmem_kb();
    anon_checks();
    settid_checks();
    file_checks(path);
    times_checks(path);
    shm_checks();
    futex_checks(path);
    /* Every page of shared memory back: unmapped, unlinked, children gone
     * (Linux's count moves with the rest of the machine's). */
    if (!uskip_on_linux("no shared page left behind (/proc/meminfo's Shmem as before)"))
        uexpect(shmem_kb(), shmem, "no shared page left behind (/proc/meminfo's Shmem as before)");
    uputs("ushm: "), uputn(fails), uputs(" failed\n");
    return fails > 255 ? 255 : fails;
}
