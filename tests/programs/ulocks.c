/*
 * ulocks: file locks against Linux's answers (issue 41), one line each
 * ("ok ..." or "FAIL ..." with what came back and what Linux gives);
 * exits with the number of failures. Every check is Linux's answer: the
 * program also runs on the build host's Linux (cmake/linux_judged.cmake).
 *
 * Usage: ulocks [DIR]. DIR (default /tmp) is a writable directory; the
 * lock file is DIR/ulocks.<pid>, removed at the end.
 *
 * fcntl's record locks (F_GETLK, F_SETLK, F_SETLKW), held per process and
 * judged between processes (a forked child asks): conflicts, read locks
 * shared, ranges split by an unlock and merged with their neighbours,
 * l_whence and negative or zero l_len, every lock of the file dropped when
 * the process closes any fd of it or exits, F_SETLKW waiting for the
 * holder, broken by a signal (EINTR) and refused where waiting would
 * deadlock (EDEADLK); the open file description's locks (F_OFD_*); and
 * flock, held by the open file description until its last close.
 */
#include "usys.h"
#include "uchild.h"

enum { AT_FDCWD = -100 };
enum { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT = 0100, O_TRUNC = 01000 };
enum { SEEK_SET, SEEK_CUR, SEEK_END };
enum { F_GETLK = 5, F_SETLK = 6, F_SETLKW = 7, F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_OFD_SETLKW = 38 };
enum { F_RDLCK, F_WRLCK, F_UNLCK };
enum { LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8 };
enum { SIGUSR1 = 10, SIGCHLD = 17, SA_RESTORER = 0x04000000 };
enum { EINTR = 4, EBADF = 9, EAGAIN = 11, EDEADLK = 35, EINVAL = 22 };
enum { POLLIN = 1 };

struct flock {
    short type, whence;
    long start, len;
    int pid, pad;
};

#define fails (*ufails())


static long uopen(const char *p, long fl) { return sys6(NR_openat, AT_FDCWD, (long)p, fl, 0644, 0, 0); }
static long uclose(long fd) { return sys1(NR_close, fd); }
static long uflock(long fd, long op) { return sys3(NR_flock, fd, op, 0); }

/* fcntl(fd, cmd, {type, whence, start, len}); *out gets what came back. */
static long lk(long fd, long cmd, int type, int whence, long start, long len, struct flock *out)
{
    struct flock f = {(short)type, (short)whence, start, len, 0, 0}, dummy;
    long r = sys3(NR_fcntl, fd, cmd, (long)&f);
    *(out ? out : &dummy) = f;
    return r;
}
static long setlk(long fd, int type, long start, long len) { return lk(fd, F_SETLK, type, SEEK_SET, start, len, 0); }

/* F_GETLK for a write lock on [start, start+len): "type start len pid" as one number each. */
static int getlk_is(long fd, long start, long len, int type, long wstart, long wlen, long wpid, const char *what)
{
    struct flock f;
    long r = lk(fd, F_GETLK, F_WRLCK, SEEK_SET, start, len, &f);
    int ok = r == 0 && f.type == type && (type == F_UNLCK || (f.start == wstart && f.len == wlen && f.pid == wpid));
    if (ok)
        return check(1, what), 1;
    uputs("FAIL "), uputs(what), uputs(" (got r "), uputn(r), uputs(" type "), uputn(f.type), uputs(" start "),
        uputn(f.start), uputs(" len "), uputn(f.len), uputs(" pid "), uputn(f.pid), uputs(", expected type "),
        uputn(type), uputs(" start "), uputn(wstart), uputs(" len "), uputn(wlen), uputs(" pid "), uputn(wpid),
        uputs(")\n");
    fails += 1;
    return 0;
}

static char path[600];
static long parent;



/* ---- the children's side ---- */
static void c_sees_write_lock(long fd)
{
    getlk_is(fd, 50, 10, F_WRLCK, 0, 100, parent, "child: F_GETLK sees the parent's write lock [0,100)");
    uexpect(setlk(fd, F_WRLCK, 50, 10), -EAGAIN, "child: F_SETLK over it is EAGAIN");
    uexpect(setlk(fd, F_RDLCK, 99, 1), -EAGAIN, "child: a read lock over it too");
    uexpect(setlk(fd, F_WRLCK, 100, 10), 0, "child: a write lock just after it is granted");
}
static void c_sees_split(long fd)
{
    getlk_is(fd, 0, 100, F_WRLCK, 0, 40, parent, "child: after unlocking [40,60) the first piece is [0,40)");
    getlk_is(fd, 40, 100, F_WRLCK, 60, 40, parent, "child: and the second [60,100)");
    uexpect(setlk(fd, F_WRLCK, 45, 10), 0, "child: the hole can be locked");
}
static void c_sees_merged_read(long fd)
{
    getlk_is(fd, 0, 200, F_RDLCK, 0, 100, parent, "child: read locks over [0,100) merge into one");
    uexpect(setlk(fd, F_RDLCK, 0, 10), 0, "child: a read lock is shared");
    uexpect(setlk(fd, F_WRLCK, 0, 10), -EAGAIN, "child: a write lock is not");
}
static void c_sees_none(long fd) { getlk_is(fd, 0, 0, F_UNLCK, 0, 0, 0, "child: F_GETLK over the whole file: no lock"); }
static void c_sees_range(long fd)
{
    getlk_is(fd, 0, 100, F_WRLCK, 5, 5, parent, "child: start 10, len -5 locked [5,10)");
    getlk_is(fd, 5000, 1, F_WRLCK, 1000, 0, parent, "child: len 0 at 1000 locks to the end and past it");
    getlk_is(fd, 12, 10, F_WRLCK, 15, 1, parent, "child: SEEK_END +5 of a 10-byte file locked [15,16)");
}
static void c_locks_and_exits(long fd) { uexpect(setlk(fd, F_WRLCK, 0, 10), 0, "child: locks [0,10) and exits"); }

static int fds[2]; /* a pipe: the child's word to the parent */
static void c_waits(long fd)
{
    uexpect(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1, 0), 0, "child: F_SETLKW waits, then gets the lock");
    sys3(NR_write, fds[1], (long)"x", 1);
}

static volatile int got_usr1;
static void on_usr1(int sig) { got_usr1 = sig; }
static void c_interrupted(long fd)
{
    struct usigaction a = {0};
    a.handler = (unsigned long)on_usr1;
#ifdef USA_RESTORER
    a.flags = SA_RESTORER;
    a.restorer = (unsigned long)USA_RESTORER;
#endif
    sys6(NR_rt_sigaction, SIGUSR1, (long)&a, 0, 8, 0, 0);
    sys3(NR_write, fds[1], (long)"r", 1);
    uexpect(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1, 0), -EINTR, "child: a signal breaks F_SETLKW: EINTR");
    uexpect(got_usr1, SIGUSR1, "child: and its handler ran");
}
static void c_deadlock(long fd)
{
    uexpect(setlk(fd, F_WRLCK, 1, 1), 0, "child: locks byte 1");
    sys3(NR_write, fds[1], (long)"r", 1);
    uexpect(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1, 0), 0, "child: waits for byte 0 and gets it once the parent gives up");
}
static void c_sees_ofd(long fd)
{
    getlk_is(fd, 0, 1, F_WRLCK, 0, 10, -1, "child: an OFD lock (inherited, but the parent's) shows with pid -1");
}
static void c_flock_inherited(long fd)
{
    uexpect(uflock(fd, LOCK_EX | LOCK_NB), 0, "child: flock on the inherited fd (the same open file) is granted");
}
static void c_flock_other(long fd)
{
    long fd2 = uopen(path, O_RDWR);
    uexpect(uflock(fd2, LOCK_EX | LOCK_NB), -EAGAIN, "child: flock on its own open of the file is EAGAIN");
    uexpect(setlk(fd2, F_WRLCK, 0, 1), 0, "child: fcntl locks are apart from flock: granted");
    uclose(fd2);
    (void)fd;
}

/* ---- the parent's side ---- */
static void posix_checks(long fd)
{
    struct flock f;
    uexpect(lk(fd, F_GETLK, F_WRLCK, SEEK_SET, 0, 0, &f), 0, "F_GETLK on a file with no locks");
    uexpect(f.type, F_UNLCK, "answers F_UNLCK");
    uexpect(setlk(fd, F_WRLCK, 0, 100), 0, "F_SETLK write lock [0,100)");
    getlk_is(fd, 0, 100, F_UNLCK, 0, 0, 0, "F_GETLK does not see the process's own locks");
    in_child(c_sees_write_lock, fd);
    uexpect(setlk(fd, F_UNLCK, 40, 20), 0, "unlock [40,60) in the middle");
    in_child(c_sees_split, fd);
    uexpect(setlk(fd, F_RDLCK, 0, 100), 0, "a read lock over [0,100) replaces the pieces");
    in_child(c_sees_merged_read, fd);
    uexpect(setlk(fd, F_UNLCK, 0, 0), 0, "unlock the whole file");
    in_child(c_sees_none, fd);

    sys3(NR_ftruncate, fd, 10, 0);
    uexpect(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 10, -5, 0), 0, "a write lock at 10 with len -5");
    uexpect(setlk(fd, F_WRLCK, 1000, 0), 0, "and one from 1000 with len 0");
    uexpect(lk(fd, F_SETLK, F_WRLCK, SEEK_END, 5, 1, 0), 0, "and one at SEEK_END +5, len 1");
    in_child(c_sees_range, fd);
    setlk(fd, F_UNLCK, 0, 0);
    uexpect(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, -1, 1, 0), -EINVAL, "a lock starting before 0 is EINVAL");
    uexpect(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, -6, 0), -EINVAL, "one reaching before 0 is EINVAL");
    uexpect(lk(fd, F_SETLK, 7, SEEK_SET, 0, 1, 0), -EINVAL, "an unknown l_type is EINVAL");
    uexpect(lk(fd, F_SETLK, F_WRLCK, 9, 0, 1, 0), -EINVAL, "an unknown l_whence is EINVAL");
    uexpect(sys3(NR_fcntl, fd, F_SETLK, 8), -14, "a bad struct flock pointer is EFAULT");
    long ro = uopen(path, O_RDONLY), wo = uopen(path, O_WRONLY);
    uexpect(setlk(ro, F_WRLCK, 0, 1), -EBADF, "a write lock through an O_RDONLY fd is EBADF");
    uexpect(setlk(wo, F_RDLCK, 0, 1), -EBADF, "a read lock through an O_WRONLY fd is EBADF");

    uexpect(setlk(fd, F_WRLCK, 0, 10), 0, "lock [0,10) through one fd");
    uclose(ro);
    in_child(c_sees_none, fd);
    check(1, "closing another fd of the file dropped it (POSIX)");
    uclose(wo);
    in_child(c_locks_and_exits, fd);
    uexpect(setlk(fd, F_WRLCK, 0, 10), 0, "a child's locks go when it exits");

    /* F_SETLKW waits for the holder. */
    sys3(NR_pipe2, (long)fds, 0, 0);
    long c = fork_child(c_waits, fd);
    struct {
        int fd;
        short events, revents;
    } pf = {fds[0], POLLIN, 0};
    struct {
        long sec, nsec;
    } t = {0, 200000000};
    uexpect(sys6(NR_ppoll, (long)&pf, 1, (long)&t, 0, 8, 0), 0, "the child waits while the lock is held");
    setlk(fd, F_UNLCK, 0, 0);
    char b;
    uexpect(sys3(NR_read, fds[0], (long)&b, 1), 1, "and goes on once it is released");
    reap(c, "the waiting child exits");

    /* A signal breaks the wait. */
    setlk(fd, F_WRLCK, 0, 1);
    c = fork_child(c_interrupted, fd);
    sys3(NR_read, fds[0], (long)&b, 1);
    nap_ms(100);
    sys3(NR_kill, c, SIGUSR1, 0);
    reap(c, "the interrupted child exits");

    /* Parent holds 0 and child 1; the child waits for 0: the parent's wait for 1 would deadlock. */
    c = fork_child(c_deadlock, fd);
    sys3(NR_read, fds[0], (long)&b, 1);
    nap_ms(100);
    uexpect(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1, 0), -EDEADLK, "F_SETLKW that would close a cycle is EDEADLK");
    setlk(fd, F_UNLCK, 0, 0);
    reap(c, "the child that waited exits");
    uclose(fds[0]), uclose(fds[1]);
}

static void ofd_checks(long fd)
{
    long fd2 = uopen(path, O_RDWR);
    uexpect(lk(fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10, 0), 0, "F_OFD_SETLK write lock [0,10)");
    struct flock f;
    uexpect(lk(fd2, F_OFD_GETLK, F_WRLCK, SEEK_SET, 5, 1, &f), 0, "F_OFD_GETLK through another open of the file");
    check(f.type == F_WRLCK && f.start == 0 && f.len == 10 && f.pid == -1, "sees it, pid -1, even in the same process");
    uexpect(setlk(fd2, F_WRLCK, 0, 1), -EAGAIN, "a process lock over it is EAGAIN, even in the same process");
    uclose(fd2);
    in_child(c_sees_ofd, fd);
    struct flock g = {F_WRLCK, SEEK_SET, 20, 1, 1, 0};
    uexpect(sys3(NR_fcntl, fd, F_OFD_SETLK, (long)&g), -EINVAL, "F_OFD_SETLK with l_pid not 0 is EINVAL");
    uexpect(lk(fd, F_OFD_SETLK, F_UNLCK, SEEK_SET, 0, 0, 0), 0, "F_OFD_SETLK F_UNLCK drops it");
    (void)F_OFD_SETLKW;
}

static void flock_checks(long fd)
{
    long fd2 = uopen(path, O_RDWR);
    uexpect(uflock(fd, LOCK_EX), 0, "flock LOCK_EX");
    uexpect(uflock(fd2, LOCK_EX | LOCK_NB), -EAGAIN, "another open of the file: LOCK_EX|LOCK_NB is EAGAIN");
    uexpect(uflock(fd2, LOCK_SH | LOCK_NB), -EAGAIN, "and LOCK_SH|LOCK_NB");
    long d = sys1(NR_dup, fd);
    uclose(d);
    uexpect(uflock(fd2, LOCK_EX | LOCK_NB), -EAGAIN, "closing a dup of the holder keeps it");
    in_child(c_flock_inherited, fd);
    in_child(c_flock_other, fd);
    uexpect(uflock(fd, LOCK_SH), 0, "LOCK_SH converts it");
    uexpect(uflock(fd2, LOCK_SH | LOCK_NB), 0, "another open shares it");
    uexpect(uflock(fd2, LOCK_UN), 0, "LOCK_UN");
    uexpect(uflock(fd, 0), -EINVAL, "flock op 0 is EINVAL");
    uexpect(uflock(fd, LOCK_NB), -EINVAL, "LOCK_NB alone is EINVAL");
    uexpect(uflock(99, LOCK_EX), -EBADF, "flock of a closed fd is EBADF");
    uexpect(uflock(fd, LOCK_UN), 0, "the first lets go too");
    long fd3 = uopen(path, O_RDWR);
    uexpect(uflock(fd3, LOCK_EX), 0, "a third open takes LOCK_EX");
    uclose(fd3);
    uexpect(uflock(fd2, LOCK_EX | LOCK_NB), 0, "its last close dropped it");
    uclose(fd2);
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    parent = sys1(NR_getpid, 0);
    char *e = path;
    while (*dir)
        *e++ = *dir++;
    const char *n = "/ulocks.";
    while (*n)
        *e++ = *n++;
    char num[24], *q = num + sizeof num;
    *--q = 0;
    for (long v = parent; v; v /= 10)
        *--q = (char)('0' + v % 10);
    while ((*e++ = *q++))
        ;
    long fd = uopen(path, O_CREAT | O_RDWR | O_TRUNC);
    if (fd < 0) {
        check(0, "create DIR/ulocks.<pid>");
    } else {
        posix_checks(fd);
        setlk(fd, F_UNLCK, 0, 0);
        ofd_checks(fd);
        flock_checks(fd);
        uclose(fd);
        uexpect(sys3(NR_unlinkat, AT_FDCWD, (long)path, 0), 0, "remove the lock file");
    }
    uputs("ulocks: "), uputn(fails), uputs(" failed\n");
    return fails > 255 ? 255 : fails;
}
