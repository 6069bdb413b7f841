/*
 * ufiles: checks the file-system calls from the program's side, against
 * Linux's semantics, one line each ("ok ..." or "FAIL ..." with what came
 * back and what Linux gives); exits with the number of failures.
 *
 * Usage: ufiles [DIR]. DIR (default /tmp) is a writable directory; the
 * checks run in a fresh DIR/ufiles.<pid> that is removed at the end.
 *
 * openat's flags and errors (O_CREAT|O_EXCL, O_TRUNC, O_APPEND, access
 * modes, O_DIRECTORY, EISDIR, ENOENT, ENOTDIR, ENAMETOOLONG, EFAULT, a
 * directory fd); read, write, pread64, pwrite64, lseek (holes read as
 * zeros, EINVAL, ESPIPE), readv, writev; newfstatat and fstat (type and
 * permission bits, size, link counts, inode numbers); mkdirat, unlinkat,
 * renameat2, linkat, symlinkat, readlinkat, faccessat, O_CREAT through a
 * dangling symlink; getdents64; chdir and getcwd; dup, dup3, fcntl; pipe2
 * (EOF, EPIPE, EAGAIN, 200000 bytes from a child); FIFOs (mknodat, the
 * O_NONBLOCK opens, one pipe for every open, gone with the last close); ppoll;
 * pselect6 and x86_64's select (sets, counts, the time left written back,
 * EBADF, EINVAL); /dev/null, /dev/zero, /dev/urandom; private file
 * mappings (mmap of a file and of /dev/zero: contents, offsets, a partial
 * last page, copy-on-write, cut by munmap and mprotect, SIGBUS past the
 * end, the refusals); shared file mappings (MAP_SHARED, on ext2 and on
 * tmpfs alike: a store is the file's at once for read and pread, a pwrite
 * shows in the mapping, a fork's child writes through it, a hole's page
 * takes a block, msync). Everything
 * goes through the *at calls with AT_FDCWD (renameat2 with flags 0, as
 * riscv64 has no renameat), so it is the same on every arch; only struct
 * stat and O_DIRECTORY differ. Close-on-exec itself is not checked (that
 * needs exec), only the FD_CLOEXEC flag. The arch's usys_arch.h says
 * which struct stat (USTAT_X86_64) and O_DIRECTORY (UO_DIRECTORY) it has.
 */
#include "usys.h"
#include "ustat.h"
#include "umem.h"

/* Linux's values: the same on the three arches but for O_DIRECTORY. */
enum { AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200 };
enum { O_RDONLY, O_WRONLY, O_RDWR, O_ACCMODE, O_CREAT = 0100, O_EXCL = 0200, O_TRUNC = 01000,
       O_APPEND = 02000, O_NONBLOCK = 04000, O_CLOEXEC = 02000000 };
#ifdef UO_DIRECTORY /* the arch's header has its own (arm64) */
#define O_DIRECTORY UO_DIRECTORY
#else
#define O_DIRECTORY 0200000
#endif
enum { SEEK_SET, SEEK_CUR, SEEK_END };
enum { F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC = 1030, FD_CLOEXEC = 1 };
enum { S_IFMT = 0170000, S_IFIFO = 0010000, S_IFCHR = 0020000, S_IFDIR = 0040000, S_IFREG = 0100000,
       S_IFLNK = 0120000 };
enum { DT_DIR = 4, DT_REG = 8, DT_LNK = 10 };
enum { POLLIN = 1, POLLOUT = 4, POLLERR = 8, POLLHUP = 0x10, POLLNVAL = 0x20 };
enum { SIGBUS = 7, SIGPIPE = 13, SIGCHLD = 17 };
enum { PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, PAGE = 4096 };
enum { EPERM = 1, ENOENT = 2, EBADF = 9, EAGAIN = 11, EACCES = 13, EFAULT = 14, EEXIST = 17, ENODEV = 19,
       ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ESPIPE = 29, EPIPE = 32, ERANGE = 34, ENAMETOOLONG = 36,
       ENOTEMPTY = 39, ELOOP = 40, ENXIO = 6 };


struct iovec {
    void *base;
    size_t len;
};
struct pollfd {
    int fd;
    short events, revents;
};
struct ts {
    long sec, nsec;
};

#define fails (*ufails())

/* check() (usys.h), and on a failure what came back and what Linux gives. */
static int report(int ok, const char *what, int show, long got, long want)
{
    if (ok || !show) {
        check(ok, what);
        return ok;
    }
    uputs("FAIL ");
    uputs(what);
    uputs(" (got "), uputn(got), uputs(", expected "), uputn(want), uputs(")\n");
    fails += 1;
    return ok;
}
static int expect(long got, long want, const char *what) { return report(got == want, what, 1, got, want); }
/* A call that returns a new fd: anything >= 0 is right. */
static long expect_ok(long got, const char *what) { return report(got >= 0, what, 1, got, 0), got; }

/* ---- system calls ---- */
static long uopen(const char *p, long fl, long mode) { return sys6(NR_openat, AT_FDCWD, (long)p, fl, mode, 0, 0); }
static long uclose(long fd) { return sys1(NR_close, fd); }
static long uread(long fd, void *b, long n) { return sys3(NR_read, fd, (long)b, n); }
static long uwrite(long fd, const void *b, long n) { return sys3(NR_write, fd, (long)b, n); }
static long useek(long fd, long off, long wh) { return sys3(NR_lseek, fd, off, wh); }
static long upread(long fd, void *b, long n, long off) { return sys6(NR_pread64, fd, (long)b, n, off, 0, 0); }
static long ufstat(long fd, struct ustat *st) { return sys3(NR_fstat, fd, (long)st, 0); }
static long ustat_(const char *p, struct ustat *st, long fl) { return sys6(NR_newfstatat, AT_FDCWD, (long)p, (long)st, fl, 0, 0); }
static long umkdir(const char *p, long mode) { return sys3(NR_mkdirat, AT_FDCWD, (long)p, mode); }
static long uunlink(const char *p, long fl) { return sys3(NR_unlinkat, AT_FDCWD, (long)p, fl); }
static long uaccess(const char *p) { return sys6(NR_faccessat, AT_FDCWD, (long)p, 0 /* F_OK */, 0, 0, 0); }
static long ufcntl(long fd, long cmd, long arg) { return sys3(NR_fcntl, fd, cmd, arg); }
static long upipe(int *p, long fl) { return sys3(NR_pipe2, (long)p, fl, 0); }
static long urename(const char *a, const char *b) { return sys6(NR_renameat2, AT_FDCWD, (long)a, AT_FDCWD, (long)b, 0, 0); }
static long ulink(const char *a, const char *b) { return sys6(NR_linkat, AT_FDCWD, (long)a, AT_FDCWD, (long)b, 0, 0); }
static long usymlink(const char *target, const char *p) { return sys3(NR_symlinkat, (long)target, AT_FDCWD, (long)p); }
static long ureadlink(const char *p, char *b, long n) { return sys6(NR_readlinkat, AT_FDCWD, (long)p, (long)b, n, 0, 0); }
static long upoll(struct pollfd *f, long n, long ms)
{
    struct ts t = {ms / 1000, (ms % 1000) * 1000000};
    return sys6(NR_ppoll, (long)f, n, ms < 0 ? 0 : (long)&t, 0, 8, 0);
}

static long sigpipe(unsigned long handler) /* SIG_DFL 0, SIG_IGN 1 */
{
    struct {
        unsigned long handler, flags;
#ifdef USA_HAS_RESTORER
        unsigned long restorer;
#endif
        unsigned long mask;
    } a = {0};
    a.handler = handler;
    return sys6(NR_rt_sigaction, SIGPIPE, (long)&a, 0, 8, 0, 0);
}

/* ---- helpers ---- */

static char base[512], top[600]; /* DIR as getcwd names it; our directory in it */

/* top/name, in one of four buffers, so a call can take two of them
 * (use it at once: the fifth call reuses the first buffer). */
static const char *P(const char *name)
{
    static char bufs[4][800];
    static int next;
    char *b = bufs[next++ & 3];
    ucpy(ucpy(ucpy(b, top), "/"), name);
    return b;
}
/* A path kept for a whole section. */
struct path { char s[800]; };
static struct path path(const char *name)
{
    struct path p;
    ucpy(p.s, P(name));
    return p;
}

/* A file @p name holding @p s (created, or truncated). */
static void put(const char *name, const char *s)
{
    long fd = uopen(P(name), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    uwrite(fd, s, (long)ustrlen(s));
    uclose(fd);
}
/* Whether the file at path @p p holds exactly @p s. */
static int holds(const char *p, const char *s)
{
    char b[128];
    long fd = uopen(p, O_RDONLY, 0), n = uread(fd, b, sizeof b);
    uclose(fd);
    return n == (long)ustrlen(s) && memeq(b, s, (size_t)n);
}
static unsigned long ino_of(const char *p)
{
    struct ustat st = {0};
    return ustat_(p, &st, 0) == 0 ? st.ino : 0;
}

/* ---- openat ---- */
static void open_checks(void)
{
    struct path fp = path("f");
    const char *f = fp.s;
    long fd = expect_ok(uopen(f, O_CREAT | O_EXCL | O_RDWR, 0640), "openat O_CREAT|O_EXCL makes a file");
    expect(uwrite(fd, "0123456789", 10), 10, "write 10 bytes to it");
    uclose(fd);
    expect(uopen(f, O_CREAT | O_EXCL | O_RDWR, 0640), -EEXIST, "O_CREAT|O_EXCL again is EEXIST");
    fd = expect_ok(uopen(f, O_CREAT | O_RDWR, 0640), "O_CREAT without O_EXCL opens the existing file");
    struct ustat st = {0};
    ufstat(fd, &st);
    expect(st.size, 10, "and keeps its data");
    uclose(fd);
    fd = uopen(f, O_RDWR | O_TRUNC, 0);
    ufstat(fd, &st);
    expect(st.size, 0, "O_TRUNC empties it");
    uwrite(fd, "0123456789", 10);
    uclose(fd);

    fd = uopen(f, O_WRONLY | O_APPEND, 0);
    expect(useek(fd, 0, SEEK_CUR), 0, "O_APPEND: the offset starts at 0");
    uwrite(fd, "abc", 3);
    expect(useek(fd, 0, SEEK_CUR), 13, "a write moves it to the end");
    expect(useek(fd, 2, SEEK_SET), 2, "lseek back to 2");
    uwrite(fd, "def", 3);
    expect(useek(fd, 0, SEEK_CUR), 16, "the next write still lands at the end");
    uclose(fd);
    check(holds(f, "0123456789abcdef"), "the file holds the old data, then both writes");

    char b[8];
    fd = uopen(f, O_RDONLY, 0);
    expect(uwrite(fd, "x", 1), -EBADF, "write to an O_RDONLY fd is EBADF");
    expect(uread(fd, (void *)8, 4), -EFAULT, "read into a bad pointer is EFAULT");
    uclose(fd);

    /* A whole page written past the end from a bad pointer leaves nothing
     * behind (a cache may take a page it fills whole without zeroing it
     * first): grown over by ftruncate, it reads as zeros. The frames of a
     * file just removed, full of 0x5c, are the likeliest to be reused. */
    static char pat[4 * PAGE];
    memset(pat, 0x5c, sizeof pat);
    fd = uopen(P("junk"), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    uwrite(fd, pat, sizeof pat);
    uclose(fd);
    uunlink(P("junk"), 0);
    fd = uopen(P("tail"), O_CREAT | O_RDWR | O_TRUNC, 0600);
    uwrite(fd, pat, PAGE);
    expect(uwrite(fd, (void *)8, PAGE), -EFAULT, "a whole page past the end from a bad pointer is EFAULT");
    expect(sys3(NR_ftruncate, fd, 2 * PAGE, 0), 0, "ftruncate over the page that was not written");
    int zeros = upread(fd, pat, PAGE, PAGE) == PAGE;
    for (int i = 0; zeros && i < PAGE; i++)
        zeros = pat[i] == 0;
    check(zeros, "it reads as zeros, not what its frame held before");
    uclose(fd);
    uunlink(P("tail"), 0);
    fd = uopen(f, O_WRONLY, 0);
    expect(uread(fd, b, 1), -EBADF, "read from an O_WRONLY fd is EBADF");
    uclose(fd);
    expect(uopen(f, O_RDONLY | O_DIRECTORY, 0), -ENOTDIR, "O_DIRECTORY on a file is ENOTDIR");
    expect(uopen(top, O_WRONLY, 0), -EISDIR, "a directory opened O_WRONLY is EISDIR");
    expect(uopen(top, O_RDWR, 0), -EISDIR, "a directory opened O_RDWR is EISDIR");
    expect(uopen(P("missing"), O_RDONLY, 0), -ENOENT, "a missing file is ENOENT");
    expect(uopen(P("missing/x"), O_CREAT | O_RDWR, 0600), -ENOENT, "O_CREAT in a missing directory is ENOENT");
    expect(uopen(P("f/x"), O_RDONLY, 0), -ENOTDIR, "a file as a directory component is ENOTDIR");
    char lng[320];
    memset(lng, 'n', 300);
    lng[300] = 0;
    expect(uopen(P(lng), O_RDONLY, 0), -ENAMETOOLONG, "a 300-char component is ENAMETOOLONG");
    expect(uopen((const char *)8, O_RDONLY, 0), -EFAULT, "a bad path pointer is EFAULT");

    long dfd = expect_ok(uopen(top, O_RDONLY | O_DIRECTORY, 0), "the directory opens O_RDONLY|O_DIRECTORY");
    fd = sys6(NR_openat, dfd, (long)"f", O_RDONLY, 0, 0, 0);
    check(fd >= 0 && uread(fd, b, 3) == 3 && memeq(b, "012", 3), "openat relative to a directory fd");
    expect(sys6(NR_openat, fd, (long)"x", O_RDONLY, 0, 0, 0), -ENOTDIR, "openat relative to a file fd is ENOTDIR");
    uclose(fd);
    uclose(dfd);
    expect(uunlink(f, 0), 0, "unlinkat the file");
}

/* ---- read, write, lseek, pread, readv ---- */
static char big[8192] __attribute__((aligned(8)));

static void rw_checks(void)
{
    char b[64];
    struct path fp = path("rw");
    const char *f = fp.s;
    long fd = uopen(f, O_CREAT | O_RDWR, 0600);
    expect(uwrite(fd, "Hello, files!", 13), 13, "write 13 bytes");
    expect(useek(fd, 0, SEEK_CUR), 13, "the offset follows the write");
    expect(useek(fd, 0, SEEK_SET), 0, "lseek SEEK_SET 0");
    check(uread(fd, b, sizeof b) == 13 && memeq(b, "Hello, files!", 13), "read it back (a short read, 13)");
    expect(uread(fd, b, sizeof b), 0, "read at the end is 0");
    check(upread(fd, b, 5, 7) == 5 && memeq(b, "files", 5), "pread64 at offset 7");
    expect(useek(fd, 0, SEEK_CUR), 13, "pread64 leaves the offset alone");
    expect(upread(fd, b, 5, 100), 0, "pread64 past the end is 0");
    expect(sys6(NR_pwrite64, fd, (long)"LL", 2, 2, 0, 0), 2, "pwrite64 at offset 2");
    check(upread(fd, b, 5, 0) == 5 && memeq(b, "HeLLo", 5) && useek(fd, 0, SEEK_CUR) == 13,
          "pwrite64 wrote there and left the offset alone");
    expect(useek(fd, -6, SEEK_END), 7, "lseek SEEK_END -6");
    check(uread(fd, b, 5) == 5 && memeq(b, "files", 5), "read there");
    expect(useek(fd, -5, SEEK_CUR), 7, "lseek SEEK_CUR -5");
    expect(useek(fd, -1, SEEK_SET), -EINVAL, "lseek to -1 is EINVAL");
    expect(useek(fd, -100, SEEK_CUR), -EINVAL, "lseek SEEK_CUR below 0 is EINVAL");
    expect(useek(fd, 0, 9), -EINVAL, "lseek with a bad whence is EINVAL");
    expect(useek(fd, 0, SEEK_CUR), 7, "a failed lseek leaves the offset");

    expect(useek(fd, 5000, SEEK_SET), 5000, "lseek past the end");
    struct ustat st = {0};
    ufstat(fd, &st);
    expect(st.size, 13, "seeking does not grow the file");
    expect(uwrite(fd, "Z", 1), 1, "write there");
    ufstat(fd, &st);
    expect(st.size, 5001, "the file grew to 5001");
    memset(big, 0x55, sizeof big);
    int zero = upread(fd, big, sizeof big, 0) == 5001 && big[5000] == 'Z';
    for (int i = 13; i < 5000; i++)
        zero &= big[i] == 0;
    check(zero, "the hole reads as zeros, then the byte written");
    uclose(fd);

    fd = uopen(f, O_RDWR | O_TRUNC, 0);
    struct iovec wv[4] = {{"ab", 2}, {"", 0}, {"cde", 3}, {"fgh", 3}};
    expect(sys3(NR_writev, fd, (long)wv, 4), 8, "writev of 4 iovecs (one empty): 8 bytes");
    char r1[3], r2[10];
    struct iovec rv[2] = {{r1, 3}, {r2, 10}};
    useek(fd, 0, SEEK_SET);
    check(sys3(NR_readv, fd, (long)rv, 2) == 8 && memeq(r1, "abc", 3) && memeq(r2, "defgh", 5),
          "readv into 3 + 10 bytes: 8, split in order");
    expect(sys3(NR_readv, fd, (long)rv, -1), -EINVAL, "readv with a negative count is EINVAL");
    uclose(fd);
    uunlink(f, 0);
}

/* ---- stat ---- */
static void stat_checks(void)
{
    struct ustat st = {0}, s2 = {0};
    struct path fp = path("st"), dp = path("sd"), sp = path("sd/sub");
    const char *f = fp.s, *d = dp.s, *sub = sp.s;
    long fd = uopen(f, O_CREAT | O_WRONLY, 0640);
    uwrite(fd, "12345", 5);
    expect(ufstat(fd, &st), 0, "fstat");
    expect(st.mode, S_IFREG | 0640, "st_mode: S_IFREG|0640, as created (umask 0)");
    expect(st.size, 5, "st_size 5");
    expect((long)st.nlink, 1, "st_nlink of a file: 1");
    uclose(fd);
    check(ustat_(f, &s2, 0) == 0 && s2.ino == st.ino && s2.dev == st.dev && s2.size == 5,
          "newfstatat agrees with fstat (st_dev, st_ino, st_size)");
    expect(umkdir(d, 0750), 0, "mkdirat 0750");
    ustat_(d, &st, 0);
    expect(st.mode & (S_IFMT | 0777), S_IFDIR | 0750, "st_mode: S_IFDIR|0750");
    expect((long)st.nlink, 2, "st_nlink of a new directory: 2");
    umkdir(sub, 0700);
    ustat_(d, &st, 0);
    expect((long)st.nlink, 3, "3 with a subdirectory in it");
    uunlink(sub, AT_REMOVEDIR);
    ustat_(d, &st, 0);
    expect((long)st.nlink, 2, "2 again when it is removed");
    expect(ustat_(P("missing"), &st, 0), -ENOENT, "newfstatat of a missing file is ENOENT");
    expect(ufstat(1000, &st), -EBADF, "fstat of a bad fd is EBADF");
    expect(ustat_(f, (struct ustat *)8, 0), -EFAULT, "newfstatat into a bad pointer is EFAULT");
    uunlink(f, 0);
    uunlink(d, AT_REMOVEDIR);
}

/* ---- names: mkdirat, unlinkat, renameat2, linkat, symlinkat, readlinkat, faccessat ---- */
static void name_checks(void)
{
    struct ustat st = {0}, s2 = {0};
    struct path dp = path("d");
    const char *d = dp.s;
    expect(umkdir(d, 0755), 0, "mkdirat");
    expect(umkdir(d, 0755), -EEXIST, "mkdirat again is EEXIST");
    expect(umkdir(P("nodir/x"), 0755), -ENOENT, "mkdirat under a missing directory is ENOENT");
    put("d/inner", "i");
    expect(uunlink(d, AT_REMOVEDIR), -ENOTEMPTY, "unlinkat AT_REMOVEDIR of a non-empty directory is ENOTEMPTY");
    expect(uunlink(d, 0), -EISDIR, "unlinkat of a directory without AT_REMOVEDIR is EISDIR");
    expect(uunlink(P("d/inner"), AT_REMOVEDIR), -ENOTDIR, "unlinkat AT_REMOVEDIR of a file is ENOTDIR");
    expect(uunlink(P("d/inner"), 0), 0, "unlinkat of a file");
    expect(uaccess(P("d/inner")), -ENOENT, "and it is gone");
    expect(uunlink(P("d/inner"), 0), -ENOENT, "unlinkat of a missing name is ENOENT");

    put("a", "AAA");
    put("d/b", "BB");
    unsigned long ia = ino_of(P("a"));
    expect(urename(P("a"), P("d/b")), 0, "renameat2 a file into another directory over an existing one");
    expect(uaccess(P("a")), -ENOENT, "the old name is then ENOENT");
    check(holds(P("d/b"), "AAA") && ino_of(P("d/b")) == ia, "the new name has the moved file (data, st_ino)");
    expect(urename(P("d/b"), P("c")), 0, "renameat2 back to a new name");
    expect(urename(P("nope"), P("c")), -ENOENT, "renameat2 of a missing name is ENOENT");
    expect(urename(P("c"), d), -EISDIR, "renameat2 of a file over a directory is EISDIR");

    expect(ulink(P("c"), P("c2")), 0, "linkat");
    ustat_(P("c"), &st, 0);
    ustat_(P("c2"), &s2, 0);
    check(st.ino == s2.ino && st.nlink == 2 && s2.nlink == 2, "both names: the same st_ino, st_nlink 2");
    put("c2", "XYZ");
    check(holds(P("c"), "XYZ"), "data written through one name reads through the other");
    expect(ulink(P("c"), P("c2")), -EEXIST, "linkat to an existing name is EEXIST");
    expect(ulink(d, P("d2")), -EPERM, "linkat of a directory is EPERM");
    uunlink(P("c2"), 0);
    ustat_(P("c"), &st, 0);
    check(st.nlink == 1 && holds(P("c"), "XYZ"), "unlinking one name leaves the other, st_nlink 1");

    char b[64];
    expect(usymlink("d/../c", P("s")), 0, "symlinkat");
    memset(b, '#', sizeof b);
    expect(ureadlink(P("s"), b, sizeof b), 6, "readlinkat returns the target's length");
    check(memeq(b, "d/../c#", 7), "the exact target, with no NUL after it");
    memset(b, '#', sizeof b);
    check(ureadlink(P("s"), b, 3) == 3 && memeq(b, "d/.#", 4), "a small buffer gets the target cut short");
    expect(ureadlink(P("c"), b, sizeof b), -EINVAL, "readlinkat of a file is EINVAL");
    expect(ustat_(P("s"), &st, AT_SYMLINK_NOFOLLOW), 0, "newfstatat AT_SYMLINK_NOFOLLOW");
    check((st.mode & S_IFMT) == S_IFLNK && st.size == 6, "of the link: S_IFLNK, st_size = the target's length");
    ustat_(P("s"), &st, 0);
    check((st.mode & S_IFMT) == S_IFREG && st.ino == ino_of(P("c")), "without it: the target's (S_IFREG, st_ino)");
    check(holds(P("s"), "XYZ"), "openat through the symlink reads the target");
    expect(usymlink("x", P("c")), -EEXIST, "symlinkat over an existing name is EEXIST");
    expect(usymlink("nowhere", P("dl")), 0, "a dangling symlink");
    expect(uopen(P("dl"), O_RDONLY, 0), -ENOENT, "opening it is ENOENT");
    expect(uaccess(P("c")), 0, "faccessat F_OK of an existing file");
    expect(uaccess(P("missing")), -ENOENT, "faccessat F_OK of a missing one is ENOENT");
    expect(uaccess(P("dl")), -ENOENT, "faccessat follows a dangling symlink: ENOENT");
    expect(uopen(P("dl"), O_CREAT | O_EXCL | O_WRONLY, 0644), -EEXIST, "O_CREAT|O_EXCL on a dangling symlink is EEXIST");
    long cfd = uopen(P("dl"), O_CREAT | O_WRONLY, 0644);
    check(cfd >= 0 && uwrite(cfd, "made", 4) == 4, "O_CREAT through a dangling symlink creates its target");
    uclose(cfd);
    check(holds(P("nowhere"), "made"), "under the target's name, beside the link");
    uunlink(P("nowhere"), 0);
    usymlink("lp", P("lp"));
    expect(uopen(P("lp"), O_CREAT | O_WRONLY, 0644), -ELOOP, "O_CREAT through a symlink to itself is ELOOP");
    uunlink(P("lp"), 0);
    uunlink(P("dl"), 0);
    expect(uunlink(P("s"), 0), 0, "unlinkat of a symlink");
    expect(uaccess(P("c")), 0, "leaves its target");
    uunlink(P("c"), 0);
    expect(uunlink(d, AT_REMOVEDIR), 0, "unlinkat AT_REMOVEDIR of the emptied directory");
}

/* ---- getdents64 ---- */
static void dirent_checks(void)
{
    static const char *names[] = {".", "..", "file", "sub", "link"};
    static const int types[] = {DT_DIR, DT_DIR, DT_REG, DT_DIR, DT_LNK};
    int seen[5] = {0}, typed = 1, other = 0, ino_ok = 0, calls = 0;
    umkdir(P("g"), 0755);
    put("g/file", "f");
    umkdir(P("g/sub"), 0755);
    usymlink("file", P("g/link"));
    unsigned long fino = ino_of(P("g/file"));

    long fd = uopen(P("g"), O_RDONLY | O_DIRECTORY, 0);
    expect(sys3(NR_getdents64, fd, (long)big, 8), -EINVAL, "getdents64 with a buffer too small for an entry is EINVAL");
    long n;
    while ((n = sys3(NR_getdents64, fd, (long)big, 64)) > 0) { /* small: more than one call */
        calls++;
        for (long off = 0; off < n;) {
            unsigned char *e = (unsigned char *)big + off;
            unsigned short reclen = *(unsigned short *)(e + 16);
            const char *name = (const char *)e + 19;
            int i = 0;
            while (i < 5 && !ustreq(names[i], name))
                i++;
            if (i == 5) {
                other++;
            } else {
                seen[i]++;
                typed &= e[18] == types[i];
                if (i == 2)
                    ino_ok = *(unsigned long *)e == fino;
            }
            if (reclen < 24 || reclen % 8)
                break; /* malformed: "file" and the others will be missing */
            off += reclen;
        }
    }
    expect(n, 0, "getdents64 reads to the end (0)");
    check(calls >= 2, "a 64-byte buffer takes several calls");
    check(seen[0] == 1 && seen[1] == 1 && seen[2] == 1 && seen[3] == 1 && seen[4] == 1 && !other,
          "it lists exactly ., .., file, sub, link, once each");
    check(typed, "d_type: DT_DIR, DT_REG, DT_LNK as the entries are");
    check(ino_ok, "d_ino of the file is its st_ino");
    expect(sys3(NR_getdents64, fd, (long)big, sizeof big), 0, "reading again after the end is 0");
    uclose(fd);
    fd = uopen(P("g/file"), O_RDONLY, 0);
    expect(sys3(NR_getdents64, fd, (long)big, sizeof big), -ENOTDIR, "getdents64 on a file is ENOTDIR");
    uclose(fd);
    expect(sys3(NR_getdents64, 1000, (long)big, sizeof big), -EBADF, "getdents64 on a bad fd is EBADF");
}

/* ---- chdir, getcwd (uses g/ from dirent_checks) ---- */
static void cwd_checks(void)
{
    char b[700], want[700];
    expect(sys1(NR_chdir, (long)top), 0, "chdir into the test directory");
    expect(sys3(NR_getcwd, (long)b, sizeof b, 0), (long)ustrlen(top) + 1, "getcwd returns the length with the NUL");
    check(ustreq(b, top), "getcwd gives its absolute path");
    expect(sys3(NR_getcwd, (long)b, 3, 0), -ERANGE, "getcwd into a too-small buffer is ERANGE");
    check(holds("g/file", "f"), "a relative path opens from the new cwd");
    expect(sys1(NR_chdir, (long)"g/sub"), 0, "chdir by a relative path");
    sys3(NR_getcwd, (long)b, sizeof b, 0);
    ucpy(ucpy(want, top), "/g/sub");
    check(ustreq(b, want), "getcwd follows it");
    check(holds("../file", "f"), "\"..\" in a relative path");
    expect(sys1(NR_chdir, (long)"../.."), 0, "chdir \"../..\"");
    sys3(NR_getcwd, (long)b, sizeof b, 0);
    check(ustreq(b, top), "getcwd is the test directory again");
    expect(sys1(NR_chdir, (long)"g/file"), -ENOTDIR, "chdir to a file is ENOTDIR");
    expect(sys1(NR_chdir, (long)"nowhere"), -ENOENT, "chdir to a missing directory is ENOENT");
    sys1(NR_chdir, (long)base);
    uunlink(P("g/link"), 0);
    uunlink(P("g/file"), 0);
    uunlink(P("g/sub"), AT_REMOVEDIR);
    uunlink(P("g"), AT_REMOVEDIR);
}

/* ---- dup, dup3, fcntl ---- */
static void fd_checks(void)
{
    char b[4];
    struct path fp = path("fd");
    const char *f = fp.s;
    long fd = uopen(f, O_CREAT | O_RDWR, 0600);
    uwrite(fd, "0123456789", 10);
    long d = sys1(NR_dup, fd);
    check(d >= 0 && d != fd, "dup gives a new fd");
    expect(ufcntl(d, F_GETFD, 0), 0, "without FD_CLOEXEC");
    uclose(d);
    expect(sys1(NR_dup, fd), d, "dup takes the lowest free fd");
    useek(fd, 3, SEEK_SET);
    expect(useek(d, 0, SEEK_CUR), 3, "a dup'd fd shares the offset");
    check(uread(d, b, 2) == 2 && memeq(b, "34", 2) && useek(fd, 0, SEEK_CUR) == 5, "both ways");
    expect(sys3(NR_dup3, fd, 40, O_CLOEXEC), 40, "dup3 to fd 40 with O_CLOEXEC");
    expect(ufcntl(40, F_GETFD, 0), FD_CLOEXEC, "sets FD_CLOEXEC");
    expect(sys3(NR_dup3, d, 40, 0), 40, "dup3 over an open fd");
    expect(ufcntl(40, F_GETFD, 0), 0, "replaces it (FD_CLOEXEC clear)");
    expect(sys3(NR_dup3, fd, fd, 0), -EINVAL, "dup3 of an fd to itself is EINVAL");
    expect(sys3(NR_dup3, fd, 41, 0x40000000), -EINVAL, "dup3 with a bad flag is EINVAL");
    expect(ufcntl(fd, F_DUPFD, 50), 50, "F_DUPFD 50 gives 50");
    expect(ufcntl(fd, F_DUPFD, 50), 51, "again: the lowest free at or above it, 51");
    expect(ufcntl(fd, F_DUPFD_CLOEXEC, 50), 52, "F_DUPFD_CLOEXEC gives 52");
    expect(ufcntl(52, F_GETFD, 0), FD_CLOEXEC, "with FD_CLOEXEC");
    expect(ufcntl(d, F_SETFD, FD_CLOEXEC), 0, "F_SETFD FD_CLOEXEC");
    check(ufcntl(d, F_GETFD, 0) == FD_CLOEXEC && ufcntl(fd, F_GETFD, 0) == 0,
          "F_GETFD sees it on that fd only");
    expect(ufcntl(fd, F_GETFL, 0) & (O_ACCMODE | O_APPEND | O_NONBLOCK), O_RDWR, "F_GETFL: O_RDWR");
    expect(ufcntl(fd, F_SETFL, O_APPEND | O_WRONLY), 0, "F_SETFL O_APPEND|O_WRONLY");
    expect(ufcntl(d, F_GETFL, 0) & (O_ACCMODE | O_APPEND), O_RDWR | O_APPEND,
           "sets O_APPEND, shared by the dup'd fd; the access mode stays");
    long w = uopen(f, O_WRONLY | O_APPEND, 0);
    expect(ufcntl(w, F_GETFL, 0) & (O_ACCMODE | O_APPEND), O_WRONLY | O_APPEND, "F_GETFL: O_WRONLY|O_APPEND");
    uclose(w);
    for (long i = 50; i <= 52; i++)
        uclose(i);
    expect(uclose(40), 0, "close");
    expect(uclose(40), -EBADF, "close again is EBADF");
    expect(uclose(1000), -EBADF, "close of fd 1000 is EBADF");
    expect(uclose(-1), -EBADF, "close of fd -1 is EBADF");
    expect(uread(1000, b, 1), -EBADF, "read on fd 1000 is EBADF");
    expect(sys1(NR_dup, 1000), -EBADF, "dup of fd 1000 is EBADF");
    expect(ufcntl(1000, F_GETFD, 0), -EBADF, "fcntl on fd 1000 is EBADF");
    uclose(d);
    uclose(fd);
    uunlink(f, 0);
}

/* ---- pipe2 ---- */
#define BIG 200000
static unsigned char pattern(long i) { return (unsigned char)(i % 251 + i / 4096); }

static void pipe_checks(void)
{
    int p[2] = {-1, -1};
    char b[64];
    struct ustat st = {0};
    expect(upipe(p, 0), 0, "pipe2");
    check(p[0] >= 0 && p[1] >= 0 && p[0] != p[1], "two new fds");
    expect(uwrite(p[1], "ping", 4), 4, "write 4 bytes into it");
    check(uread(p[0], b, sizeof b) == 4 && memeq(b, "ping", 4), "read gets them");
    ufstat(p[0], &st);
    expect(st.mode & S_IFMT, S_IFIFO, "fstat: S_IFIFO");
    expect(useek(p[0], 0, SEEK_CUR), -ESPIPE, "lseek on a pipe is ESPIPE");
    expect(upread(p[0], b, 1, 0), -ESPIPE, "pread64 on a pipe is ESPIPE");
    expect(uwrite(p[0], "x", 1), -EBADF, "write to the read end is EBADF");
    expect(uread(p[1], b, 1), -EBADF, "read from the write end is EBADF");
    check((ufcntl(p[0], F_GETFL, 0) & O_ACCMODE) == O_RDONLY && (ufcntl(p[1], F_GETFL, 0) & O_ACCMODE) == O_WRONLY,
          "F_GETFL: O_RDONLY and O_WRONLY");
    expect(ufcntl(p[0], F_SETFL, O_NONBLOCK), 0, "F_SETFL O_NONBLOCK on the read end");
    check(ufcntl(p[0], F_GETFL, 0) & O_NONBLOCK, "F_GETFL shows it");
    expect(uread(p[0], b, 1), -EAGAIN, "then an empty read is EAGAIN");
    uwrite(p[1], "z", 1);
    uclose(p[1]);
    check(uread(p[0], b, sizeof b) == 1 && b[0] == 'z', "data written before the close is still read");
    expect(uread(p[0], b, sizeof b), 0, "then with no writer left read is 0 (EOF)");
    uclose(p[0]);

    upipe(p, 0);
    expect(sigpipe(1), 0, "rt_sigaction SIGPIPE SIG_IGN");
    uclose(p[0]);
    expect(uwrite(p[1], "x", 1), -EPIPE, "write with no reader left is EPIPE");
    uclose(p[1]);
    sigpipe(0);

    expect(upipe(p, O_NONBLOCK | O_CLOEXEC), 0, "pipe2 O_NONBLOCK|O_CLOEXEC");
    expect(uread(p[0], b, 1), -EAGAIN, "an empty read is EAGAIN");
    check(ufcntl(p[0], F_GETFD, 0) == FD_CLOEXEC && ufcntl(p[1], F_GETFD, 0) == FD_CLOEXEC, "both ends FD_CLOEXEC");
    long total = 0, r;
    while ((r = uwrite(p[1], big, 4096)) > 0 && total < (1l << 24))
        total += r;
    expect(r, -EAGAIN, "writes to a full non-blocking pipe end in EAGAIN");
    check(total >= 4096, "after at least PIPE_BUF (4096) bytes");
    uclose(p[0]);
    uclose(p[1]);
    if (!expect(upipe(p, O_TRUNC), -EINVAL, "pipe2 with a flag it does not take (O_TRUNC) is EINVAL"))
        uclose(p[0]), uclose(p[1]);
    expect(upipe((int *)8, 0), -EFAULT, "pipe2 to a bad pointer is EFAULT");

    upipe(p, 0);
    long c = sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0); /* fork */
    if (c == 0) {
        uclose(p[0]);
        static unsigned char out[7000];
        for (long i = 0, k = 0; i < BIG; k++) {
            long n = 1000 + (k % 7) * 1000;
            if (n > BIG - i)
                n = BIG - i;
            for (long j = 0; j < n; j++)
                out[j] = pattern(i + j);
            for (long done = 0; done < n;) {
                long w = uwrite(p[1], out + done, n - done);
                if (w <= 0)
                    uexit(1);
                done += w;
            }
            i += n;
        }
        uexit(0);
    }
    check(c > 0, "fork a child to write 200000 bytes");
    uclose(p[1]);
    long got = 0, bad = -1;
    while ((r = uread(p[0], big, 5000)) > 0) {
        for (long j = 0; j < r && bad < 0; j++)
            if ((unsigned char)big[j] != pattern(got + j))
                bad = got + j;
        got += r;
    }
    expect(got, BIG, "the parent reads 200000 bytes, then EOF");
    expect(bad, -1, "every byte in order (-1: no wrong byte)");
    uclose(p[0]);
    int status = -1;
    expect(sys6(NR_wait4, c, (long)&status, 0, 0, 0, 0), c, "wait4 reaps the child");
    expect(status, 0, "it exited 0");
}

/* ---- named pipes ---- */
static void fifo_checks(void)
{
    char b[16];
    struct path f = path("fifo");
    expect(sys6(NR_mknodat, AT_FDCWD, (long)f.s, S_IFIFO | 0600, 0, 0, 0), 0, "mknodat S_IFIFO");
    expect(uopen(f.s, O_WRONLY | O_NONBLOCK, 0), -ENXIO, "a FIFO opened O_WRONLY|O_NONBLOCK with no reader: ENXIO");
    long rd = uopen(f.s, O_RDONLY | O_NONBLOCK, 0);
    check(rd >= 0, "O_RDONLY|O_NONBLOCK opens at once");
    expect(uread(rd, b, sizeof b), 0, "its read with no writer is 0 (EOF)");
    long wr = uopen(f.s, O_WRONLY | O_NONBLOCK, 0);
    check(wr >= 0, "with a reader, O_WRONLY|O_NONBLOCK opens");
    expect(uwrite(wr, "fifo", 4), 4, "a write goes in");
    long rw = uopen(f.s, O_RDWR, 0);
    check(rw >= 0, "O_RDWR opens without waiting");
    check(uread(rw, b, sizeof b) == 4 && memeq(b, "fifo", 4), "and reads the same pipe the others opened");
    uwrite(wr, "more", 4);
    uclose(rw);
    uclose(wr);
    check(uread(rd, b, sizeof b) == 4 && memeq(b, "more", 4), "data outlives its writer's close");
    expect(uread(rd, b, sizeof b), 0, "then EOF");
    uclose(rd);
    rw = uopen(f.s, O_RDWR, 0);
    uwrite(rw, "x", 1);
    uclose(rw);
    rw = uopen(f.s, O_RDWR | O_NONBLOCK, 0);
    expect(uread(rw, b, 1), -EAGAIN, "what was in it goes with the last close");
    uclose(rw);
    expect(uunlink(f.s, 0), 0, "unlink the FIFO");
}

/* ---- ppoll ---- */
static void poll_checks(void)
{
    int p[2], q[2];
    struct ts t0, t1;
    upipe(p, 0);
    upipe(q, 0);
    uwrite(p[1], "x", 1);
    struct pollfd f = {p[0], POLLIN, 0};
    expect(upoll(&f, 1, 1000), 1, "ppoll of a pipe with data: 1");
    expect(f.revents, POLLIN, "POLLIN");
    f = (struct pollfd){q[0], POLLIN, 0};
    sys3(NR_clock_gettime, 1, (long)&t0, 0);
    expect(upoll(&f, 1, 10), 0, "ppoll of an empty pipe times out: 0");
    sys3(NR_clock_gettime, 1, (long)&t1, 0);
    check((t1.sec - t0.sec) * 1000000000 + (t1.nsec - t0.nsec) >= 10000000 && f.revents == 0,
          "after 10 ms, with no revents");
    f = (struct pollfd){q[1], POLLOUT, 0};
    check(upoll(&f, 1, 0) == 1 && f.revents == POLLOUT, "the write end is POLLOUT");
    uclose(q[1]);
    f = (struct pollfd){q[0], POLLIN, 0};
    check(upoll(&f, 1, 1000) == 1 && (f.revents & POLLHUP) && !(f.revents & POLLIN),
          "the read end with no writer left is POLLHUP");
    uclose(q[0]);
    upipe(q, 0);
    uclose(q[0]);
    f = (struct pollfd){q[1], POLLOUT, 0};
    check(upoll(&f, 1, 1000) == 1 && (f.revents & POLLERR), "the write end with no reader left is POLLERR");
    uclose(q[1]);
    struct pollfd fs[3] = {{-1, POLLIN, 7}, {p[0], POLLIN, 0}, {1000, POLLIN, 0}};
    expect(upoll(fs, 3, 1000), 2, "ppoll of fds -1, a ready pipe, 1000: 2");
    check(fs[0].revents == 0 && fs[1].revents == POLLIN, "fd -1 is ignored (revents 0)");
    expect(fs[2].revents, POLLNVAL, "a bad fd is POLLNVAL");
    long fd = uopen(P("pf"), O_CREAT | O_RDWR, 0600);
    f = (struct pollfd){(int)fd, POLLIN | POLLOUT, 0};
    check(upoll(&f, 1, 1000) == 1 && f.revents == (POLLIN | POLLOUT), "a regular file is POLLIN|POLLOUT");
    uclose(fd);
    uunlink(P("pf"), 0);
    uclose(p[0]);
    uclose(p[1]);
}

/* ---- pselect6, select ---- */
struct fdset {
    unsigned long w[2]; /* descriptors 0..127 */
};
static void fdset_add(struct fdset *s, int fd) { s->w[fd / 64] |= 1ul << (fd % 64); }
static int fdset_has(const struct fdset *s, int fd) { return (s->w[fd / 64] >> (fd % 64)) & 1; }
static long upselect(long nfds, struct fdset *r, struct fdset *w, struct fdset *e, struct ts *t)
{
    return sys6(NR_pselect6, nfds, (long)r, (long)w, (long)e, (long)t, 0);
}

static void select_checks(void)
{
    int p[2], q[2];
    upipe(p, 0);
    upipe(q, 0);
    uwrite(p[1], "x", 1);
    int hi = p[0] > q[1] ? p[0] : q[1];
    struct fdset r = {{0}}, w = {{0}}, e = {{0}};
    fdset_add(&r, p[0]);
    fdset_add(&r, q[0]);
    fdset_add(&w, q[1]);
    fdset_add(&e, q[0]);
    struct ts t = {1, 0};
    expect(upselect(hi + 1, &r, &w, &e, &t), 2, "pselect6: a pipe with data and a write end: 2");
    check(fdset_has(&r, p[0]) && !fdset_has(&r, q[0]) && fdset_has(&w, q[1]) && !e.w[0] && !e.w[1],
          "pselect6 leaves the ready descriptors in their sets, and only those");
    check(t.sec == 0 && t.nsec > 0, "pselect6 writes back the time left");
    /* One descriptor in two sets counts twice. */
    r = (struct fdset){{0}};
    w = (struct fdset){{0}};
    long fd = uopen(P("sf"), O_CREAT | O_RDWR, 0600);
    fdset_add(&r, (int)fd);
    fdset_add(&w, (int)fd);
    t = (struct ts){0, 0};
    expect(upselect(fd + 1, &r, &w, 0, &t), 2, "pselect6: a regular file readable and writable: 2");
    /* Nothing ready: it waits out the timeout, answers 0 with the sets
     * emptied, and the time left is 0. */
    r = (struct fdset){{0}};
    fdset_add(&r, q[0]);
    t = (struct ts){0, 20000000};
    struct ts t0, t1;
    sys3(NR_clock_gettime, 1, (long)&t0, 0);
    expect(upselect(q[0] + 1, &r, 0, 0, &t), 0, "pselect6 on an empty pipe times out: 0");
    sys3(NR_clock_gettime, 1, (long)&t1, 0);
    check((t1.sec - t0.sec) * 1000000000 + (t1.nsec - t0.nsec) >= 20000000 && !r.w[0] && !r.w[1],
          "after 20 ms, with its set emptied");
    check(t.sec == 0 && t.nsec == 0, "and the time left written back is 0");
    /* A closed descriptor in a set: EBADF. Bad counts and times: EINVAL. */
    uclose(fd);
    r = (struct fdset){{0}};
    fdset_add(&r, (int)fd);
    t = (struct ts){0, 0};
    expect(upselect(fd + 1, &r, 0, 0, &t), -EBADF, "pselect6 with a closed descriptor: EBADF");
    expect(upselect(-1, 0, 0, 0, &t), -EINVAL, "pselect6 with nfds -1: EINVAL");
    t = (struct ts){0, 1000000000};
    expect(upselect(1, 0, 0, 0, &t), -EINVAL, "pselect6 with 10^9 ns: EINVAL");
    t = (struct ts){0, 0};
    expect(upselect(1, (struct fdset *)8, 0, 0, &t), -EFAULT, "pselect6 with a bad set: EFAULT");
    /* The read end with no writer is readable (end of file). */
    uclose(q[1]);
    r = (struct fdset){{0}};
    fdset_add(&r, q[0]);
    t = (struct ts){1, 0};
    expect(upselect(q[0] + 1, &r, 0, 0, &t), 1, "pselect6: the read end with no writer left is readable");
#ifdef NR_select
    /* x86_64's select: a timeval, microseconds past a second carried. */
    struct {
        long sec, usec;
    } tv = {0, 1500000};
    r = (struct fdset){{0}};
    fdset_add(&r, p[0]);
    expect(sys6(NR_select, p[0] + 1, (long)&r, 0, 0, (long)&tv, 0), 1, "select of a pipe with data: 1");
    check(fdset_has(&r, p[0]) && tv.sec == 1, "select: the set kept, 1.5 s carried into 1 s left and more");
    tv.sec = -1;
    expect(sys6(NR_select, 1, 0, 0, 0, (long)&tv, 0), -EINVAL, "select with a negative timeval: EINVAL");
#endif
    uunlink(P("sf"), 0);
    uclose(q[0]);
    uclose(p[0]);
    uclose(p[1]);
}

/* ---- devices ---- */
static void dev_checks(void)
{
    unsigned char b[100], c[32];
    struct ustat st = {0};
    long fd = expect_ok(uopen("/dev/null", O_RDWR, 0), "open /dev/null");
    expect(uread(fd, b, sizeof b), 0, "reading /dev/null is 0 (EOF)");
    expect(uwrite(fd, "hello", 5), 5, "writing it takes everything");
    ufstat(fd, &st);
    check((st.mode & S_IFMT) == S_IFCHR && st.rdev == 0x103, "fstat: S_IFCHR, device 1:3");
    uclose(fd);
    fd = expect_ok(uopen("/dev/zero", O_RDWR, 0), "open /dev/zero");
    memset(b, 0xaa, sizeof b);
    int z = uread(fd, b, sizeof b) == sizeof b;
    for (unsigned i = 0; i < sizeof b; i++)
        z &= b[i] == 0;
    check(z, "reading it gives zeros");
    expect(uwrite(fd, "x", 1), 1, "writing it takes everything");
    uclose(fd);
    fd = expect_ok(uopen("/dev/urandom", O_RDONLY, 0), "open /dev/urandom");
    memset(b, 0, sizeof b);
    check(uread(fd, b, 32) == 32 && uread(fd, c, 32) == 32, "two reads of 32 bytes");
    check(!memeq(b, c, 32), "that differ");
    uclose(fd);
}

/* ---- private file mappings ---- */
static long ummap(long len, long prot, long flags, long fd, long off)
{
    return sys6(NR_mmap, 0, len, prot, flags, fd, off);
}

/* The wait status of a child that reads the byte at @p p (a fault kills it). */
static int read_in_child(volatile const unsigned char *p)
{
    long c = sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0)
        uexit(*p == 0xee ? 1 : 0);
    int status = -1;
    sys6(NR_wait4, c, (long)&status, 0, 0, 0, 0);
    return status;
}

static int matches(const unsigned char *m, long from, long n)
{
    for (long i = 0; i < n; i++)
        if (m[i] != pattern(from + i))
            return 0;
    return 1;
}

static void mmap_checks(void)
{
    /* 3 pages and 100 bytes of pattern(). */
    enum { SIZE = 3 * PAGE + 100 };
    static unsigned char buf[SIZE];
    for (long i = 0; i < SIZE; i++)
        buf[i] = pattern(i);
    const char *f = P("mapped");
    long fd = expect_ok(uopen(f, O_RDWR | O_CREAT | O_TRUNC, 0600), "create a file to map");
    expect(uwrite(fd, buf, SIZE), SIZE, "write 3 pages and 100 bytes into it");
    long m = ummap(5 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    check(m > 0 && !(m & (PAGE - 1)), "mmap of the file, 5 pages, MAP_PRIVATE");
    if (m <= 0)
        return;
    const unsigned char *mp = (const unsigned char *)m;
    check(matches(mp, 0, SIZE), "the mapping holds the file's bytes");
    int tail = 1;
    for (long i = SIZE; i < 4 * PAGE; i++)
        tail &= mp[i] == 0;
    check(tail, "the rest of its last page reads zero");
    expect(read_in_child(mp + 4 * PAGE), SIGBUS, "a page wholly past the end is SIGBUS");
    expect(sys3(NR_munmap, m + PAGE, PAGE, 0), 0, "munmap of its second page");
    check(matches(mp + 2 * PAGE, 2 * PAGE, PAGE), "the third page, now in a region of its own, reads the file's third");
    expect(sys3(NR_mprotect, m + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE), 0, "mprotect the third page writable");
    check(matches(mp + 3 * PAGE, 3 * PAGE, 100), "the fourth, cut from it, still reads the file's fourth");
    sys3(NR_munmap, m, 5 * PAGE, 0);

    long w = ummap(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PAGE);
    check(w > 0, "mmap from an offset of one page, writable");
    if (w > 0) {
        unsigned char *wp = (unsigned char *)w;
        check(matches(wp, PAGE, 2 * PAGE), "it reads the file from that offset");
        wp[0] = 0xee;
        unsigned char one = 0;
        check(wp[0] == 0xee && upread(fd, &one, 1, PAGE) == 1 && one == pattern(PAGE),
              "a write to it is the process's own: the file is unchanged");
        expect(read_in_child(wp), 1 << 8, "a child (fork) sees the parent's write");
        sys3(NR_munmap, w, 2 * PAGE, 0);
    }
    uclose(fd);
    expect(ummap(PAGE, PROT_READ, MAP_PRIVATE, fd, 0), -EBADF, "mmap of a closed fd is EBADF");
    fd = uopen(f, O_RDONLY, 0);
    expect(ummap(PAGE, PROT_READ, MAP_PRIVATE, fd, 100), -EINVAL, "mmap at an unaligned offset is EINVAL");
    long r = ummap(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    check(r > 0, "a read-only file mapped writable and private");
    if (r > 0) {
        *(volatile unsigned char *)r = 1;
        check(*(volatile unsigned char *)r == 1, "takes a write of its own");
        sys3(NR_munmap, r, PAGE, 0);
    }
    uclose(fd);
    fd = uopen(f, O_WRONLY, 0);
    expect(ummap(PAGE, PROT_READ, MAP_PRIVATE, fd, 0), -EACCES, "mmap of a write-only fd is EACCES");
    uclose(fd);
    int p[2] = {-1, -1};
    upipe(p, 0);
    expect(ummap(PAGE, PROT_READ, MAP_PRIVATE, p[0], 0), -ENODEV, "mmap of a pipe is ENODEV");
    uclose(p[0]);
    uclose(p[1]);
    fd = uopen("/dev/zero", O_RDWR, 0);
    long z = ummap(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    check(z > 0 && ((volatile unsigned char *)z)[PAGE + 7] == 0, "mmap of /dev/zero: zeroed memory");
    if (z > 0) {
        ((volatile unsigned char *)z)[7] = 3;
        check(((volatile unsigned char *)z)[7] == 3, "that takes writes");
        sys3(NR_munmap, z, 2 * PAGE, 0);
    }
    uclose(fd);
    expect(ummap(PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0), -EINVAL, "mmap neither private nor shared is EINVAL");
    /* The mapping holds the file: unlinked and closed, it still reads. */
    fd = uopen(f, O_RDONLY, 0);
    m = ummap(PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
    uclose(fd);
    expect(uunlink(f, 0), 0, "unlink the mapped file");
    check(m > 0 && matches((const unsigned char *)m, PAGE, PAGE), "the mapping reads it still, unlinked and closed");
    if (m > 0)
        sys3(NR_munmap, m, PAGE, 0);
}

/* ---- shared file mappings ---- */
enum { MAP_SHARED = 1, MS_SYNC = 4 };

static void shared_checks(void)
{
    enum { SIZE = 3 * PAGE };
    static unsigned char buf[SIZE];
    for (long i = 0; i < SIZE; i++)
        buf[i] = pattern(i);
    const char *f = P("shared");
    long fd = expect_ok(uopen(f, O_RDWR | O_CREAT | O_TRUNC, 0600), "create a file to share");
    expect(uwrite(fd, buf, SIZE), SIZE, "write 3 pages into it");
    long m = ummap(SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check(m > 0, "MAP_SHARED writable, 3 pages");
    if (m <= 0)
        return;
    volatile unsigned char *mp = (volatile unsigned char *)m;
    check(matches((const unsigned char *)m, 0, SIZE), "it holds the file's bytes");
    mp[0] = 'X';
    mp[PAGE + 5] = 'Y';
    unsigned char b[2] = {0, 0};
    check(upread(fd, b, 1, 0) == 1 && b[0] == 'X' && upread(fd, b + 1, 1, PAGE + 5) == 1 && b[1] == 'Y',
          "stores through it are the file's at once (pread)");
    expect(sys6(NR_pwrite64, fd, (long)"Z", 1, 2 * PAGE + 7, 0, 0), 1, "pwrite into the file");
    check(mp[2 * PAGE + 7] == 'Z', "shows in the mapping");
    long c = sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        mp[10] = 'C';
        uexit(0);
    }
    int status = -1;
    sys6(NR_wait4, c, (long)&status, 0, 0, 0, 0);
    check(status == 0 && upread(fd, b, 1, 10) == 1 && b[0] == 'C', "a fork's child writes through it too");
    expect(sys3(NR_msync, m, SIZE, MS_SYNC), 0, "msync(MS_SYNC)");
    expect(sys3(NR_msync, m + 1, PAGE, MS_SYNC), -EINVAL, "msync of an unaligned address is EINVAL");
    sys3(NR_munmap, m, SIZE, 0);
    /* A page the file has no block for yet (a hole): a store takes one. */
    expect(sys3(NR_ftruncate, fd, 5 * PAGE, 0), 0, "ftruncate to 5 pages: two of holes");
    m = ummap(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4 * PAGE);
    check(m > 0 && ((volatile unsigned char *)m)[9] == 0, "a hole's page, mapped shared, reads zero");
    if (m > 0) {
        ((volatile unsigned char *)m)[9] = 'H';
        expect(sys3(NR_msync, m, PAGE, MS_SYNC), 0, "a store into it, synced");
        sys3(NR_munmap, m, PAGE, 0);
    }
    check(upread(fd, b, 1, 4 * PAGE + 9) == 1 && b[0] == 'H', "the file reads it after munmap");
    uclose(fd);
    fd = uopen(f, O_RDONLY, 0);
    expect(ummap(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), -EACCES,
           "MAP_SHARED writable from a read-only fd is EACCES");
    m = ummap(PAGE, PROT_READ, MAP_SHARED, fd, 0);
    check(m > 0 && ((volatile unsigned char *)m)[0] == 'X', "MAP_SHARED read-only from it reads the stores");
    if (m > 0)
        sys3(NR_munmap, m, PAGE, 0);
    uclose(fd);
    expect(uunlink(f, 0), 0, "unlink the shared file");
}

/* ---- a truncate under mappings ---- */

/* Truncates racing another process that maps the file, touches its pages
 * through the kernel (a read into them, a write from them: EFAULT, never a
 * signal, when a page is past the end at that moment), protects, forks and
 * unmaps: nothing is lost or freed twice, and the other process lives. */
static void cut_race(long fd)
{
    enum { SIZE = 3 * PAGE, ROUNDS = 300 };
    long c = sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        long null = uopen("/dev/null", O_RDWR, 0), zero = uopen("/dev/zero", O_RDWR, 0);
        for (int i = 0; i < ROUNDS; i++) {
            int shared = i & 1;
            long m = ummap(SIZE, PROT_READ | PROT_WRITE, shared ? MAP_SHARED : MAP_PRIVATE, fd, 0);
            if (m < 0 && m > -4096)
                uexit(2);
            for (long p = 0; p < SIZE; p += PAGE) {
                uwrite(null, (void *)(m + p + 5), 1);
                uread(zero, (void *)(m + p + 9), 1);
            }
            if (i % 50 == 7) {
                long g = sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0);
                if (g == 0) {
                    uwrite(null, (void *)(m + 2 * PAGE), 1);
                    uexit(0);
                }
                sys6(NR_wait4, g, 0, 0, 0, 0, 0);
            }
            sys3(NR_mprotect, m + PAGE, PAGE, PROT_READ);
            sys3(NR_munmap, m, SIZE, 0);
        }
        uexit(0);
    }
    int status = -1, waited = 0;
    for (int i = 0; !waited; i++) {
        sys3(NR_ftruncate, fd, i & 1 ? SIZE : 100, 0);
        waited = sys6(NR_wait4, c, (long)&status, 1 /* WNOHANG */, 0, 0, 0) == c;
    }
    expect(status, 0, "truncates racing another process's mappings of the file: it lives and exits 0");
}

/* Pages past a file's new end leave every mapping of it: a touch is
 * SIGBUS, in the process that truncated and in another that had the page
 * mapped, and once the file grows back the pages read what it holds
 * there (zeros), not what they held before. */
static void cut_checks(void)
{
    enum { SIZE = 3 * PAGE };
    static unsigned char buf[SIZE];
    for (long i = 0; i < SIZE; i++)
        buf[i] = pattern(i);
    const char *f = P("cut");
    long fd = expect_ok(uopen(f, O_RDWR | O_CREAT | O_TRUNC, 0600), "create a file to truncate under its mappings");
    expect(uwrite(fd, buf, SIZE), SIZE, "write 3 pages into it");
    long m = ummap(SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
    check(m > 0, "map it private, 3 pages");
    if (m <= 0)
        return;
    volatile const unsigned char *mp = (volatile const unsigned char *)m;
    check(mp[2 * PAGE + 1] == pattern(2 * PAGE + 1) && mp[PAGE + 9] == pattern(PAGE + 9),
          "the mapping reads the second and third pages");
    /* Another process with the third page mapped, waiting for the cut. */
    int ready[2] = {-1, -1}, go[2] = {-1, -1};
    upipe(ready, 0);
    upipe(go, 0);
    long c = sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        char b = mp[2 * PAGE];
        uwrite(ready[1], &b, 1);
        uread(go[0], &b, 1);
        uexit(mp[2 * PAGE] == 0xee ? 1 : 0); /* never: SIGBUS */
    }
    char b = 0;
    uread(ready[0], &b, 1);
    expect(sys3(NR_ftruncate, fd, PAGE + 10, 0), 0, "ftruncate to a page and 10 bytes");
    uwrite(go[1], &b, 1);
    int status = -1;
    sys6(NR_wait4, c, (long)&status, 0, 0, 0, 0);
    expect(status, SIGBUS, "another process that had the third page mapped: SIGBUS at its next touch");
    for (int i = 0; i < 2; i++) {
        uclose(ready[i]);
        uclose(go[i]);
    }
    expect(read_in_child(mp + 2 * PAGE), SIGBUS, "the third page, read before the cut, is SIGBUS here too");
    check(mp[PAGE + 9] == pattern(PAGE + 9) && mp[PAGE + 10] == 0,
          "the page the end is in reads the file's bytes, then zeros");
    expect(sys3(NR_ftruncate, fd, SIZE, 0), 0, "ftruncate back to 3 pages");
    check(mp[2 * PAGE + 1] == 0, "the third page reads zero now: what the file holds there, not what it held");
    sys3(NR_munmap, m, SIZE, 0);
    /* The same for a shared mapping. */
    {
        expect(sys6(NR_pwrite64, fd, (long)buf, SIZE, 0, 0, 0), SIZE, "write the 3 pages again");
        long s = ummap(SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        check(s > 0, "map it shared, writable");
        if (s > 0) {
            volatile unsigned char *sp = (volatile unsigned char *)s;
            sp[2 * PAGE + 5] = 'S';
            expect(sys3(NR_ftruncate, fd, PAGE, 0), 0, "ftruncate the shared file to one page");
            expect(read_in_child(sp + 2 * PAGE), SIGBUS, "a shared page stored into, past the new end: SIGBUS");
            expect(read_in_child(sp + PAGE), SIGBUS, "the page right at the new end: SIGBUS");
            expect(sys3(NR_ftruncate, fd, SIZE, 0), 0, "ftruncate back to 3 pages");
            check(sp[2 * PAGE + 5] == 0, "the store is gone: the page reads zero");
            sp[2 * PAGE + 6] = 'T';
            unsigned char t = 0;
            check(upread(fd, &t, 1, 2 * PAGE + 6) == 1 && t == 'T', "a store into it now is the file's (pread)");
            sys3(NR_munmap, s, SIZE, 0);
        }
    }
    cut_race(fd);
    uclose(fd);
    expect(uunlink(f, 0), 0, "unlink the truncated file");
}

static int finish(void)
{
    uputs("ufiles: ");
    uputn(fails);
    uputs(" failed\n");
    return fails > 255 ? 255 : fails;
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    long old_umask = sys1(NR_umask, 0);
    check(old_umask >= 0 && sys1(NR_umask, 0) == 0, "umask(0) returns the old mask, and sets it");
    /* DIR as getcwd names it (absolute, no symlinks), so paths compare. */
    if (sys1(NR_chdir, (long)dir) != 0 || sys3(NR_getcwd, (long)base, sizeof base - 100, 0) <= 0 ||
        base[0] != '/') {
        check(0, "chdir to DIR, then getcwd");
        return finish();
    }
    char pid[24], *e = pid + sizeof pid;
    *--e = 0;
    for (long n = sys1(NR_getpid, 0); n; n /= 10)
        *--e = (char)('0' + n % 10);
    ucpy(ucpy(ucpy(top, ustreq(base, "/") ? "" : base), "/ufiles."), e);
    if (umkdir(top, 0700) != 0) {
        check(0, "mkdirat DIR/ufiles.<pid>");
        return finish();
    }

    open_checks();
    rw_checks();
    stat_checks();
    name_checks();
    dirent_checks();
    cwd_checks();
    fd_checks();
    pipe_checks();
    fifo_checks();
    poll_checks();
    select_checks();
    dev_checks();
    mmap_checks();
    shared_checks();
    cut_checks();

    expect(uunlink(top, AT_REMOVEDIR), 0, "everything made is gone: the test directory is removed");
    sys1(NR_umask, old_umask);
    return finish();
}
