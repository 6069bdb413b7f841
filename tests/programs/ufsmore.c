/*
 * ufsmore: more of the file-system calls against Linux's answers (issue
 * 41), one line each ("ok ..." or "FAIL ..." with what came back and what
 * Linux gives); exits with the number of failures. Every check is Linux's
 * answer: the program also runs on the build host's Linux (the linux_*
 * ctests, cmake/linux_judged.cmake).
 *
 * Usage: ufsmore [DIR]. DIR (default /tmp) is a writable directory; the
 * checks run in a fresh DIR/ufsmore.<pid>, removed at the end.
 *
 * openat's corners (a trailing slash, O_CREAT with O_EXCL or O_DIRECTORY
 * on a directory, O_TRUNC on a directory, O_NOFOLLOW on a symlink); the
 * mode bits mkdirat, openat and mknodat keep under the umask; getdents64
 * of a removed directory; write's EFAULT for a kernel pointer even with
 * count 0, and the bytes a write takes before an unmapped page; st_blocks
 * of sparse files; preadv, pwritev, preadv2, pwritev2; sendfile;
 * copy_file_range; FIONREAD; F_GETPIPE_SZ and F_SETPIPE_SZ;
 * /proc/self/fd/N (a pipe's reopened with its other side gone, too),
 * /proc/self/mountinfo's fields and /proc/self/mounts,
 * /proc/self/cwd and the listing of /proc/<pid>/fd;
 * /dev/tty in a session without a controlling terminal (ENXIO); the
 * extended-attribute calls' errors, and no attribute found; getsockname and
 * getpeername of descriptors that are not sockets (ENOTSOCK, EBADF).
 */
#include "usys.h"
#include "ustat.h"
#include "umem.h"
#include "uchild.h"

enum { AT_FDCWD = -100, AT_REMOVEDIR = 0x200 };
enum { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT = 0100, O_EXCL = 0200, O_TRUNC = 01000,
       O_APPEND = 02000, O_NONBLOCK = 04000 };
#ifdef UO_DIRECTORY /* the arch's header has its own (arm64) */
#define O_DIRECTORY UO_DIRECTORY
#define O_NOFOLLOW UO_NOFOLLOW
#else
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#endif
enum { SEEK_SET, SEEK_CUR, SEEK_END };
enum { F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032, FIONREAD = 0x541b };
enum { S_IFMT = 0170000, S_IFIFO = 0010000, S_IFDIR = 0040000, S_IFREG = 0100000 };
enum { PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, PAGE = 4096 };
enum { RWF_NOWAIT = 8 };
enum { ENOENT = 2, ENXIO = 6, EBADF = 9, EAGAIN = 11, EFAULT = 14, EEXIST = 17, EXDEV = 18, ENOTDIR = 20,
       EISDIR = 21, EINVAL = 22, ENOTTY = 25, ESPIPE = 29, ELOOP = 40, EBUSY = 16, EOPNOTSUPP = 95 };


struct iovec {
    const void *base;
    size_t len;
};

#define fails (*ufails())


static long uopen(const char *p, long fl, long mode) { return sys6(NR_openat, AT_FDCWD, (long)p, fl, mode, 0, 0); }
static long uclose(long fd) { return sys1(NR_close, fd); }
static long uread(long fd, void *b, long n) { return sys3(NR_read, fd, (long)b, n); }
static long uwrite(long fd, const void *b, long n) { return sys3(NR_write, fd, (long)b, n); }
static long useek(long fd, long off, long wh) { return sys3(NR_lseek, fd, off, wh); }
static long ufstat(long fd, struct ustat *st) { return sys3(NR_fstat, fd, (long)st, 0); }
static long ustat_(const char *p, struct ustat *st) { return sys6(NR_newfstatat, AT_FDCWD, (long)p, (long)st, 0, 0, 0); }
static long umkdir(const char *p, long mode) { return sys3(NR_mkdirat, AT_FDCWD, (long)p, mode); }
static long uunlink(const char *p, long fl) { return sys3(NR_unlinkat, AT_FDCWD, (long)p, fl); }
static long upipe(int *p) { return sys3(NR_pipe2, (long)p, 0, 0); }
static long uioctl(long fd, long req, void *arg) { return sys3(NR_ioctl, fd, req, (long)arg); }
static long ufcntl(long fd, long cmd, long arg) { return sys3(NR_fcntl, fd, cmd, arg); }
static long usymlink(const char *target, const char *p) { return sys3(NR_symlinkat, (long)target, AT_FDCWD, (long)p); }
static long ureadlink(const char *p, char *b, long n) { return sys6(NR_readlinkat, AT_FDCWD, (long)p, (long)b, n, 0, 0); }

static char *unum(char *d, long n)
{
    char b[24], *e = b + sizeof b;
    *--e = 0;
    do
        *--e = (char)('0' + n % 10);
    while (n /= 10);
    return ucpy(d, e);
}

static char top[600]; /* our directory, as getcwd names it */

/* top/name, in one of four buffers, so a call can take two of them. */
static const char *P(const char *name)
{
    static char bufs[4][800];
    static int next;
    char *b = bufs[next++ & 3];
    ucpy(ucpy(ucpy(b, top), "/"), name);
    return b;
}
static void put(const char *name, const char *s)
{
    long fd = uopen(P(name), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    uwrite(fd, s, (long)ustrlen(s));
    uclose(fd);
}
static unsigned mode_of(const char *p)
{
    struct ustat st = {0};
    return ustat_(p, &st) == 0 ? st.mode : 0;
}

/* ---- openat's corners ---- */
static void open_checks(void)
{
    put("f", "data");
    umkdir(P("d"), 0755);
    usymlink(P("d"), P("ld"));
    usymlink(P("f"), P("lf"));
    uexpect(uopen(P("f/"), O_CREAT | O_WRONLY, 0644), -EISDIR, "open(\"file/\", O_CREAT) is EISDIR");
    uexpect(uopen(P("new/"), O_CREAT | O_WRONLY, 0644), -EISDIR, "open(\"new/\", O_CREAT) is EISDIR");
    uexpect(mode_of(P("new")), 0, "and makes nothing");
    uexpect(uopen(P("f/"), O_RDONLY, 0), -ENOTDIR, "open(\"file/\") is ENOTDIR");
    uexpect(uopen(P("lf/"), O_RDONLY, 0), -ENOTDIR, "open(\"symlink-to-file/\") is ENOTDIR");
    uexpect(uopen(P("new/"), O_RDONLY, 0), -ENOENT, "open(\"missing/\") is ENOENT");
    long fd = uopen(P("d/"), O_RDONLY, 0);
    check(fd >= 0, "open(\"dir/\") opens the directory");
    uclose(fd);
    fd = uopen(P("ld/"), O_RDONLY | O_NOFOLLOW, 0);
    check(fd >= 0, "open(\"symlink-to-dir/\", O_NOFOLLOW) follows it (the slash asks for the directory)");
    uclose(fd);
    uexpect(uopen(P("ld"), O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0), -ENOTDIR,
           "O_DIRECTORY|O_NOFOLLOW on a symlink to a directory is ENOTDIR");
    uexpect(uopen(P("lf"), O_RDONLY | O_NOFOLLOW, 0), -ELOOP, "O_NOFOLLOW on a symlink is ELOOP");
    uexpect(uopen(P("f"), O_RDONLY | O_DIRECTORY, 0), -ENOTDIR, "O_DIRECTORY on a file is ENOTDIR");
    uexpect(uopen(P("d"), O_RDONLY | O_TRUNC, 0), -EISDIR, "open(dir, O_RDONLY|O_TRUNC) is EISDIR");
    uexpect(uopen(P("d"), O_WRONLY, 0), -EISDIR, "open(dir, O_WRONLY) is EISDIR");
    uexpect(uopen(P("d"), O_RDONLY | O_CREAT, 0644), -EISDIR, "open(dir, O_CREAT) is EISDIR");
    uexpect(uopen(P("d"), O_RDONLY | O_CREAT | O_EXCL, 0644), -EEXIST, "open(dir, O_CREAT|O_EXCL) is EEXIST");
    uexpect(uopen(".", O_RDONLY | O_CREAT | O_EXCL, 0644), -EEXIST, "open(\".\", O_CREAT|O_EXCL) is EEXIST");
    uexpect(uopen(P("ld"), O_RDONLY | O_CREAT | O_EXCL, 0644), -EEXIST, "O_CREAT|O_EXCL on a symlink is EEXIST");
    /* Linux 6.4 on: O_CREAT with O_DIRECTORY is refused whatever the name. */
    uexpect(uopen(P("new"), O_RDONLY | O_CREAT | O_DIRECTORY, 0644), -EINVAL, "O_CREAT|O_DIRECTORY is EINVAL");
    uexpect(uopen(P("d"), O_RDONLY | O_CREAT | O_DIRECTORY, 0644), -EINVAL, "even on a directory");
    uexpect(mode_of(P("new")), 0, "and makes nothing");
    fd = uopen(P("f"), O_RDONLY | O_TRUNC, 0);
    struct ustat st = {0};
    ufstat(fd, &st);
    uexpect(st.size, 0, "open(file, O_RDONLY|O_TRUNC) empties the file (as Linux does)");
    uclose(fd);
    uunlink(P("ld"), 0), uunlink(P("lf"), 0), uunlink(P("f"), 0), uunlink(P("d"), AT_REMOVEDIR);
}

/* ---- the mode bits the umask leaves ---- */
static void mode_checks(void)
{
    long old = sys1(NR_umask, 022);
    umkdir(P("m"), 07777);
    uexpect(mode_of(P("m")), S_IFDIR | 01755, "mkdir 07777 under umask 022 is 01755 (no setuid/setgid, sticky kept)");
    uunlink(P("m"), AT_REMOVEDIR);
    long fd = uopen(P("m"), O_CREAT | O_WRONLY, 07777);
    uexpect(mode_of(P("m")), S_IFREG | 07755, "open(O_CREAT, 07777) under umask 022 is 07755");
    uclose(fd);
    uunlink(P("m"), 0);
    sys3(NR_mknodat, AT_FDCWD, (long)P("m"), S_IFIFO | 07777);
    uexpect(mode_of(P("m")), S_IFIFO | 07755, "mknod(S_IFIFO|07777) under umask 022 is 07755");
    uunlink(P("m"), 0);
    sys1(NR_umask, 0);
    umkdir(P("m"), 07777);
    uexpect(mode_of(P("m")), S_IFDIR | 01777, "mkdir 07777 under umask 0 is 01777");
    uunlink(P("m"), AT_REMOVEDIR);
    sys1(NR_umask, old);
}

/* ---- getdents64 of a removed directory ---- */
static void removed_dir_checks(void)
{
    umkdir(P("gone"), 0755);
    long fd = uopen(P("gone"), O_RDONLY | O_DIRECTORY, 0);
    char b[512];
    check(sys3(NR_getdents64, fd, (long)b, sizeof b) > 0, "getdents64 of a live empty directory gives . and ..");
    useek(fd, 0, SEEK_SET);
    uexpect(uunlink(P("gone"), AT_REMOVEDIR), 0, "rmdir it while open");
    uexpect(sys3(NR_getdents64, fd, (long)b, sizeof b), -ENOENT, "getdents64 of the removed directory is ENOENT");
    uexpect(sys3(NR_openat, fd, (long)"x", O_CREAT | O_WRONLY), -ENOENT, "creating a file in it is ENOENT");
    uclose(fd);
}

/* ---- write's EFAULT and partial writes ---- */
static void efault_checks(void)
{
    /* An address in the kernel's half on every arch (and non-canonical
     * on x86_64): no user range starts there. */
    const void *kptr = (const void *)0xffff800000001000ul;
    long fd = uopen(P("w"), O_CREAT | O_RDWR | O_TRUNC, 0644);
    uexpect(uwrite(fd, kptr, 0), -EFAULT, "write(file, kernel pointer, 0) is EFAULT");
    uexpect(uwrite(fd, 0, 0), 0, "write(file, NULL, 0) is 0");
    uexpect(uread(fd, (void *)kptr, 0), -EFAULT, "read(file, kernel pointer, 0) is EFAULT");
    int p[2];
    upipe(p);
    uexpect(uwrite(p[1], kptr, 0), -EFAULT, "write(pipe, kernel pointer, 0) is EFAULT");
    uexpect(uwrite(p[1], 0, 0), 0, "write(pipe, NULL, 0) is 0");

    /* Two pages, the second unmapped: a write of both takes the first. */
    char *m = (char *)sys6(NR_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(m, 'q', PAGE);
    sys3(NR_munmap, (long)(m + PAGE), PAGE, 0);
    uexpect(uwrite(p[1], m + PAGE, 100), -EFAULT, "a pipe write from an unmapped page is EFAULT");
    if (!uskip_on_qemu_user("partial writes before an unmapped page")) {
        uexpect(uwrite(p[1], m, 2 * PAGE), PAGE, "a pipe write running into an unmapped page returns the bytes before it");
        static char b[2 * PAGE];
        sys3(NR_fcntl, p[0], 4 /* F_SETFL */, O_NONBLOCK);
        uexpect(uread(p[0], b, sizeof b), PAGE, "the pipe holds those bytes");
        check(b[0] == 'q' && b[PAGE - 1] == 'q', "and they are the buffer's");
        uexpect(uwrite(fd, m, 2 * PAGE), PAGE, "a file write running into an unmapped page returns the bytes before it");
        struct ustat st = {0};
        ufstat(fd, &st);
        uexpect(st.size, PAGE, "the file holds those bytes");
    }
    sys3(NR_munmap, (long)m, PAGE, 0);
    uclose(p[0]), uclose(p[1]), uclose(fd);
    uunlink(P("w"), 0);
}

/* ---- st_blocks: the blocks a file holds, not its size ---- */
static void blocks_checks(void)
{
    long fd = uopen(P("s"), O_CREAT | O_RDWR | O_TRUNC, 0644);
    struct ustat st = {0};
    ufstat(fd, &st);
    uexpect(st.blocks, 0, "an empty file has st_blocks 0");
    sys3(NR_ftruncate, fd, 1 << 20, 0);
    ufstat(fd, &st);
    check(st.size == 1 << 20 && st.blocks == 0, "ftruncate to 1 MiB: a hole, st_blocks still 0");
    useek(fd, 4 << 20, SEEK_SET);
    uwrite(fd, "x", 1);
    ufstat(fd, &st);
    check(st.blocks > 0 && st.blocks * 512 <= 64 * 1024,
          "one byte at 4 MiB: st_blocks counts its block (and any indirect ones), not 8193 sectors");
    static char page[PAGE];
    memset(page, 'b', sizeof page);
    long before = st.blocks;
    useek(fd, 0, SEEK_SET);
    for (int i = 0; i < 16; i++)
        uwrite(fd, page, sizeof page);
    ufstat(fd, &st);
    check(st.blocks - before >= 16 * PAGE / 512, "64 KiB written at the start: at least 128 more sectors");
    check(st.blocks * 512 < st.size, "and still fewer than the size's");
    uclose(fd);
    uunlink(P("s"), 0);
}

/* preadv2 and pwritev2: offset -1 is the file offset, RWF_* flags. */
static void vec2_checks(long fd, int p[2], const struct iovec *w)
{
    char a[4] = {0};
    useek(fd, 2, SEEK_SET);
    struct iovec r1[1] = {{a, 3}};
    uexpect(sys6(NR_preadv2, fd, (long)r1, 1, -1, 0, 0), 3, "preadv2 at offset -1 reads at the file offset");
    check(memeq(a, "2ab", 3), "what is there");
    uexpect(useek(fd, 0, SEEK_CUR), 5, "and moves it");
    uexpect(sys6(NR_pwritev2, fd, (long)w, 1, -1, 0, 0), 3, "pwritev2 at offset -1 writes at the file offset");
    uexpect(useek(fd, 0, SEEK_CUR), 8, "and moves it");
    uexpect(sys6(NR_preadv2, fd, (long)r1, 1, 0, 0, 0x40000000), -EOPNOTSUPP, "preadv2 with an unknown flag is EOPNOTSUPP");
    uexpect(sys6(NR_pwritev2, p[1], (long)w, 1, -1, 0, 0), 3, "pwritev2 at -1 on a pipe writes");
    uexpect(sys6(NR_preadv2, p[0], (long)r1, 1, -1, 0, 0), 3, "preadv2 at -1 on a pipe reads");
    uexpect(sys6(NR_preadv2, p[0], (long)r1, 1, -1, 0, RWF_NOWAIT), -EAGAIN, "preadv2 RWF_NOWAIT of an empty pipe is EAGAIN");
    /* An O_PATH descriptor of a symlink has no file operations at all. */
    usymlink("v", P("vl"));
    long path = uopen(P("vl"), 010000000 /* O_PATH */ | O_NOFOLLOW, 0);
    uexpect(sys6(NR_pwritev2, path, (long)w, 1, -1, 0, RWF_NOWAIT), -EBADF, "pwritev2 RWF_NOWAIT on an O_PATH symlink is EBADF");
    uexpect(sys6(NR_preadv2, path, (long)r1, 1, -1, 0, RWF_NOWAIT), -EBADF, "preadv2 RWF_NOWAIT on an O_PATH symlink is EBADF");
    uclose(path);
    uunlink(P("vl"), 0);
}

/* ---- preadv, pwritev, preadv2, pwritev2 ---- */
static void vec_checks(void)
{
    long fd = uopen(P("v"), O_CREAT | O_RDWR | O_TRUNC, 0644);
    uwrite(fd, "0123456789", 10);
    struct iovec w[2] = {{"abc", 3}, {"de", 2}};
    uexpect(sys6(NR_pwritev, fd, (long)w, 2, 3, 0, 0), 5, "pwritev of 3+2 bytes at offset 3");
    uexpect(useek(fd, 0, SEEK_CUR), 10, "leaves the file offset alone");
    char a[4] = {0}, b[8] = {0};
    struct iovec r[2] = {{a, 2}, {b, 8}};
    uexpect(sys6(NR_preadv, fd, (long)r, 2, 1, 0, 0), 9, "preadv at 1 into 2+8 bytes reads the 9 left");
    check(memeq(a, "12", 2) && memeq(b, "abcde89", 7), "in order, across the buffers");
    uexpect(useek(fd, 0, SEEK_CUR), 10, "and leaves the offset alone");
    uexpect(sys6(NR_preadv, fd, (long)r, 2, 10, 0, 0), 0, "preadv at the end reads 0");
    uexpect(sys6(NR_preadv, fd, (long)r, 2, -1, 0, 0), -EINVAL, "preadv at a negative offset is EINVAL");
    uexpect(sys6(NR_preadv, fd, (long)r, -1, 0, 0, 0), -EINVAL, "preadv of -1 vectors is EINVAL");
    uexpect(sys6(NR_pwritev, fd, (long)8, 1, 0, 0, 0), -EFAULT, "pwritev of a bad iovec array is EFAULT");
    int p[2];
    upipe(p);
    uexpect(sys6(NR_pwritev, p[1], (long)w, 1, 0, 0, 0), -ESPIPE, "pwritev on a pipe is ESPIPE");
    if (!uskip_on_qemu_user("preadv2 and pwritev2 (qemu-user has neither)"))
        vec2_checks(fd, p, w);
    uclose(p[0]), uclose(p[1]);
    long ro = uopen(P("v"), O_RDONLY, 0);
    uexpect(sys6(NR_pwritev, ro, (long)w, 1, 0, 0, 0), -EBADF, "pwritev on an O_RDONLY fd is EBADF");
    uclose(ro), uclose(fd);
    uunlink(P("v"), 0);
}

/* ---- sendfile and copy_file_range ---- */
static void copy_checks(void)
{
    long in = uopen(P("src"), O_CREAT | O_RDWR | O_TRUNC, 0644);
    uwrite(in, "0123456789", 10);
    int p[2];
    upipe(p);
    long off = 2;
    uexpect(sys6(NR_sendfile, p[1], in, (long)&off, 5, 0, 0), 5, "sendfile of 5 bytes at offset 2 to a pipe");
    uexpect(off, 7, "moves the offset it was given");
    uexpect(useek(in, 0, SEEK_CUR), 10, "not the file's");
    char b[16] = {0};
    uexpect(uread(p[0], b, sizeof b), 5, "the pipe holds 5 bytes");
    check(memeq(b, "23456", 5), "the file's");
    useek(in, 6, SEEK_SET);
    uexpect(sys6(NR_sendfile, p[1], in, 0, 100, 0, 0), 4, "sendfile with no offset sends from the file's to the end");
    uexpect(useek(in, 0, SEEK_CUR), 10, "and moves the file's");
    uread(p[0], b, sizeof b);
    long out = uopen(P("dst"), O_CREAT | O_RDWR | O_TRUNC, 0644);
    off = 0;
    uexpect(sys6(NR_sendfile, out, in, (long)&off, 10, 0, 0), 10, "sendfile from a file to a file");
    uexpect(sys6(NR_sendfile, out, in, (long)&off, 10, 0, 0), 0, "at the end: 0");
    off = -1;
    uexpect(sys6(NR_sendfile, out, in, (long)&off, 10, 0, 0), -EINVAL, "at a negative offset: EINVAL");
    uexpect(sys6(NR_sendfile, out, p[1], 0, 10, 0, 0), -EBADF, "from a pipe's write end: EBADF");
    uexpect(sys6(NR_sendfile, out, p[0], 0, 10, 0, 0), -EINVAL, "from a pipe: EINVAL");
    uexpect(sys6(NR_sendfile, out, in, 8, 10, 0, 0), -EFAULT, "a bad offset pointer: EFAULT");
    long app = uopen(P("dst"), O_WRONLY | O_APPEND, 0);
    uexpect(sys6(NR_sendfile, app, in, 0, 10, 0, 0), -EINVAL, "to an O_APPEND file: EINVAL");
    uclose(app);

    /* copy_file_range(in, &off_in, out, &off_out, len, flags) */
    long oi = 1, oo = 3;
    uexpect(sys6(NR_copy_file_range, in, (long)&oi, out, (long)&oo, 4, 0), 4, "copy_file_range of 4 bytes");
    check(oi == 5 && oo == 7, "moves both offsets given");
    char c[16] = {0};
    sys6(NR_pread64, out, (long)c, sizeof c, 0, 0, 0);
    check(memeq(c, "0121234789", 10), "the bytes land where asked");
    useek(in, 8, SEEK_SET), useek(out, 0, SEEK_SET);
    uexpect(sys6(NR_copy_file_range, in, 0, out, 0, 100, 0), 2, "with no offsets: from the file offsets, to the end");
    check(useek(in, 0, SEEK_CUR) == 10 && useek(out, 0, SEEK_CUR) == 2, "and moves them");
    uexpect(sys6(NR_copy_file_range, in, 0, out, 0, 100, 0), 0, "at the end: 0");
    uexpect(sys6(NR_copy_file_range, in, 0, out, 0, 1, 1), -EINVAL, "flags other than 0: EINVAL");
    oi = 0, oo = 2;
    uexpect(sys6(NR_copy_file_range, in, (long)&oi, in, (long)&oo, 4, 0), -EINVAL,
           "overlapping ranges of one file: EINVAL");
    oi = 0, oo = 20;
    uexpect(sys6(NR_copy_file_range, in, (long)&oi, in, (long)&oo, 4, 0), 4, "ranges of one file apart: copied");
    uexpect(sys6(NR_copy_file_range, p[0], 0, out, 0, 4, 0), -EINVAL, "from a pipe: EINVAL");
    long d = uopen(top, O_RDONLY | O_DIRECTORY, 0);
    uexpect(sys6(NR_copy_file_range, d, 0, out, 0, 4, 0), -EISDIR, "from a directory: EISDIR");
    app = uopen(P("dst"), O_WRONLY | O_APPEND, 0);
    uexpect(sys6(NR_copy_file_range, in, (long)&oi, app, 0, 4, 0), -EBADF, "to an O_APPEND file: EBADF");
    long ro = uopen(P("dst"), O_RDONLY, 0);
    uexpect(sys6(NR_copy_file_range, in, (long)&oi, ro, 0, 4, 0), -EBADF, "to an O_RDONLY fd: EBADF");
    uclose(ro), uclose(app), uclose(d), uclose(p[0]), uclose(p[1]), uclose(in), uclose(out);
    uunlink(P("src"), 0), uunlink(P("dst"), 0);
}

/* ---- FIONREAD and the pipe's size ---- */
static void fionread_checks(void)
{
    int p[2], n = -1;
    upipe(p);
    uexpect(uioctl(p[0], FIONREAD, &n), 0, "FIONREAD on an empty pipe");
    uexpect(n, 0, "0 bytes");
    uwrite(p[1], "hello", 5);
    n = -1;
    uioctl(p[0], FIONREAD, &n);
    uexpect(n, 5, "FIONREAD after writing 5 bytes: 5");
    n = -1;
    uioctl(p[1], FIONREAD, &n);
    uexpect(n, 5, "on the write end too");
    uexpect(uioctl(p[0], FIONREAD, (void *)8), -EFAULT, "to a bad pointer: EFAULT");
    uexpect(ufcntl(p[0], F_GETPIPE_SZ, 0), 65536, "F_GETPIPE_SZ: 64 KiB at first");
    uexpect(ufcntl(p[1], F_SETPIPE_SZ, 100000), 131072, "F_SETPIPE_SZ 100000: rounded up to 128 KiB");
    uexpect(ufcntl(p[0], F_GETPIPE_SZ, 0), 131072, "F_GETPIPE_SZ says so, on either end");
    uexpect(ufcntl(p[1], F_SETPIPE_SZ, 0), 4096, "F_SETPIPE_SZ 0: one page");
    uexpect(ufcntl(p[1], F_SETPIPE_SZ, -1), -EINVAL, "F_SETPIPE_SZ of a huge size: EINVAL");
    static char big[PAGE];
    uread(p[0], big, 5);
    sys3(NR_fcntl, p[1], 4 /* F_SETFL */, O_NONBLOCK);
    long wrote = 0, r;
    while ((r = uwrite(p[1], big, sizeof big)) > 0)
        wrote += r;
    uexpect(wrote, 4096, "a one-page pipe takes 4096 bytes");
    uexpect(r, -EAGAIN, "then EAGAIN");
    n = -1;
    uioctl(p[0], FIONREAD, &n);
    uexpect(n, 4096, "FIONREAD: 4096");
    uread(p[0], big, 100);
    uexpect(ufcntl(p[1], F_SETPIPE_SZ, 8192), 8192, "F_SETPIPE_SZ to two pages with one held");
    uclose(p[0]), uclose(p[1]);

    long fd = uopen(P("r"), O_CREAT | O_RDWR | O_TRUNC, 0644);
    uexpect(ufcntl(fd, F_GETPIPE_SZ, 0), -EBADF, "F_GETPIPE_SZ on a file: EBADF");
    uwrite(fd, "0123456789", 10);
    useek(fd, 3, SEEK_SET);
    n = -1;
    uexpect(uioctl(fd, FIONREAD, &n), 0, "FIONREAD on a regular file");
    uexpect(n, 7, "the bytes from the offset to the end");
    useek(fd, 20, SEEK_SET);
    uioctl(fd, FIONREAD, &n);
    uexpect(n, -10, "past the end: negative, as Linux answers");
    uclose(fd);
    uunlink(P("r"), 0);
    long d = uopen(top, O_RDONLY | O_DIRECTORY, 0);
    uexpect(uioctl(d, FIONREAD, &n), -ENOTTY, "FIONREAD on a directory: ENOTTY");
    uclose(d);
    char t[64];
    if (uioctl(0, 0x5401 /* TCGETS */, t) == 0) {
        n = -1;
        uexpect(uioctl(0, FIONREAD, &n), 0, "FIONREAD on the terminal");
        check(n >= 0, "some bytes, or none");
    }
}

/* ---- extended attributes: what any file system answers ---- */
static void xattr_checks(void)
{
    enum { ERANGE = 34, ENODATA = 61 };
    put("xa", "x");
    char v[64];
    long r = sys6(NR_lgetxattr, (long)P("xa"), (long)"security.selinux", (long)v, sizeof v, 0, 0);
    check(r == -ENODATA || r == -EOPNOTSUPP, "lgetxattr of a label the file has not: ENODATA or EOPNOTSUPP");
    r = sys6(NR_getxattr, (long)P("xa"), (long)"user.none", (long)v, sizeof v, 0, 0);
    check(r == -ENODATA || r == -EOPNOTSUPP, "getxattr of an attribute the file has not: ENODATA or EOPNOTSUPP");
    check(sys3(NR_listxattr, (long)P("xa"), (long)v, sizeof v) >= 0, "listxattr succeeds");
    uexpect(sys6(NR_getxattr, (long)P("none"), (long)"user.x", (long)v, sizeof v, 0, 0), -ENOENT, "getxattr of no file");
    uexpect(sys3(NR_llistxattr, (long)P("none"), (long)v, sizeof v), -ENOENT, "llistxattr of no file");
    uexpect(sys6(NR_fgetxattr, -1, (long)"user.x", (long)v, sizeof v, 0, 0), -EBADF, "fgetxattr of a bad fd");
    uexpect(sys3(NR_flistxattr, 999, (long)v, sizeof v), -EBADF, "flistxattr of a bad fd");
    uexpect(sys3(NR_fremovexattr, -1, (long)"user.x", 0), -EBADF, "fremovexattr of a bad fd");
    uexpect(sys6(NR_getxattr, (long)P("xa"), (long)"", (long)v, sizeof v, 0, 0), -ERANGE, "getxattr of an empty name");
    uexpect(sys6(NR_lgetxattr, (long)P("xa"), 0xffff800000001000l, (long)v, sizeof v, 0, 0), -EFAULT,
            "lgetxattr of a name at a kernel address");
    uunlink(P("xa"), 0);
}

/* ---- a socket's names asked of descriptors that are not sockets ---- */
static void sockname_checks(void)
{
    enum { ENOTSOCK = 88 };
    char addr[128];
    int alen = sizeof addr, p[2];
    long fd = uopen(P("sn"), O_CREAT | O_RDWR | O_TRUNC, 0644);
    uexpect(sys3(NR_getpeername, fd, (long)addr, (long)&alen), -ENOTSOCK, "getpeername of a file: ENOTSOCK");
    uexpect(sys3(NR_getsockname, fd, (long)addr, (long)&alen), -ENOTSOCK, "getsockname of a file: ENOTSOCK");
    if (!uskip_on_qemu_user("getpeername's order of checks (qemu-user reads the length first: EFAULT)"))
        uexpect(sys3(NR_getpeername, fd, 0, 0), -ENOTSOCK, "getpeername with no buffer: ENOTSOCK before the pointers");
    uexpect(sys3(NR_pipe2, (long)p, 0, 0), 0, "a pipe");
    uexpect(sys3(NR_getpeername, p[0], (long)addr, (long)&alen), -ENOTSOCK, "getpeername of a pipe: ENOTSOCK");
    uexpect(sys3(NR_getpeername, 999, (long)addr, (long)&alen), -EBADF, "getpeername of a bad fd: EBADF");
    uexpect(sys3(NR_getsockname, -1, (long)addr, (long)&alen), -EBADF, "getsockname of a bad fd: EBADF");
    uexpect(alen, (long)sizeof addr, "the length is left alone");
    sys1(NR_close, p[0]);
    sys1(NR_close, p[1]);
    sys1(NR_close, fd);
    uunlink(P("sn"), 0);
}

/* ---- /proc/self/mountinfo and /proc/self/mounts ---- */
static long read_whole(const char *path, char *buf, long size)
{
    long fd = uopen(path, O_RDONLY, 0), n = 0, r;
    while (fd >= 0 && n < size - 1 && (r = uread(fd, buf + n, (size_t)(size - 1 - n))) > 0)
        n += r;
    if (fd >= 0)
        uclose(fd);
    buf[n] = 0;
    return fd < 0 ? fd : n;
}

static int streq_n(const char *a, long n, const char *b) { return (long)ustrlen(b) == n && memeq(a, b, (size_t)n); }

static void mountinfo_checks(void)
{
    static char text[32768];
    check(read_whole("/proc/self/mountinfo", text, sizeof text) > 0, "/proc/self/mountinfo reads");
    /* Each line: id, parent id, major:minor, root, mount point, options,
     * optional fields, "-", type, source, super options. The last line for
     * /proc (the one on top) is procfs, with stat()'s device number. */
    int lines = 0, well_formed = 0, proc_ok = 0;
    struct ustat st = {0};
    ustat_("/proc", &st);
    unsigned long major = ((st.dev >> 8) & 0xfff) | ((st.dev >> 32) & ~0xffful);
    unsigned long minor = (st.dev & 0xff) | ((st.dev >> 12) & ~0xfful);
    for (char *l = text, *next; *l; l = next) {
        for (next = l; *next && *next != '\n'; next++) {}
        if (*next)
            *next++ = 0;
        const char *f[24];
        long len[24];
        int nf = 0, dash = -1;
        for (char *c = l; *c && nf < 24;) {
            f[nf] = c;
            while (*c && *c != ' ')
                c++;
            len[nf] = c - f[nf];
            if (len[nf] == 1 && f[nf][0] == '-' && dash < 0 && nf >= 6)
                dash = nf;
            nf++;
            while (*c == ' ')
                c++;
        }
        lines++;
        if (dash < 0 || nf < dash + 4 || f[2][0] < '0' || f[2][0] > '9' || f[3][0] != '/')
            continue;
        well_formed++;
        if (streq_n(f[4], len[4], "/proc")) {
            char dev[48];
            ucpy(unum(ucpy(unum(dev, (long)major), ":"), (long)minor), "");
            proc_ok = streq_n(f[dash + 1], len[dash + 1], "proc") && streq_n(f[2], len[2], dev);
        }
    }
    check(lines > 0 && well_formed == lines, "every line: ids, major:minor, root, mount point, options, -, type, source");
    check(proc_ok, "/proc's line: type proc, the device number stat() gives");
    check(read_whole("/proc/self/mounts", text, sizeof text) > 0, "/proc/self/mounts reads");
    int found = 0;
    for (const char *c = text; *c && !found; c++)
        found = memeq(c, " /proc proc ", 12);
    check(found, "and lists /proc");
}

/* ---- /proc/self/fd and /proc/self/cwd ---- */
static void proc_checks(void)
{
    char want[800], got[800], link[64];
    long fd = uopen(P("pf"), O_CREAT | O_RDWR | O_TRUNC, 0644);
    uwrite(fd, "through the link", 16);
    ucpy(unum(ucpy(link, "/proc/self/fd/"), fd), "");
    long n = ureadlink(link, got, sizeof got);
    ucpy(want, P("pf"));
    check(n == (long)ustrlen(want) && memeq(got, want, (size_t)n), "readlink /proc/self/fd/N names the file");
    long fd2 = uopen(link, O_RDONLY, 0);
    char b[32] = {0};
    check(fd2 >= 0 && uread(fd2, b, sizeof b) == 16 && memeq(b, "through the link", 16),
          "open /proc/self/fd/N opens the file, from its start");
    struct ustat a = {0}, c = {0};
    ufstat(fd, &a), ufstat(fd2, &c);
    check(a.ino == c.ino && a.dev == c.dev, "the same file (inode)");
    uexpect(useek(fd, 0, SEEK_CUR), 16, "a new open file: the first's offset is its own");
    uclose(fd2);
    struct ustat s = {0};
    ustat_(link, &s);
    check(s.ino == a.ino, "stat through the link is the file's");
    uexpect(uunlink(P("pf"), 0), 0, "unlink the file while open");
    n = ureadlink(link, got, sizeof got);
    ucpy(ucpy(want, P("pf")), " (deleted)");
    check(n == (long)ustrlen(want) && memeq(got, want, (size_t)n), "readlink says \"(deleted)\"");
    fd2 = uopen(link, O_RDONLY, 0);
    check(fd2 >= 0 && uread(fd2, b, 7) == 7 && memeq(b, "through", 7), "and still opens it");
    uclose(fd2);

    int p[2];
    upipe(p);
    ucpy(unum(ucpy(link, "/proc/self/fd/"), p[0]), "");
    n = ureadlink(link, got, sizeof got);
    check(n > 7 && memeq(got, "pipe:[", 6) && got[n - 1] == ']', "readlink of a pipe's fd: pipe:[inode]");
    long wr = uopen(link, O_WRONLY, 0);
    check(wr >= 0 && uwrite(wr, "p", 1) == 1 && uread(p[0], b, 1) == 1 && b[0] == 'p',
          "open through it reaches the same pipe");
    uclose(wr);

    /* The listing of /proc/<pid>/fd names each fd. */
    char dir[64];
    ucpy(unum(ucpy(dir, "/proc/"), sys1(NR_getpid, 0)), "/fd");
    long d = uopen(dir, O_RDONLY | O_DIRECTORY, 0);
    static char ents[4096];
    long len = d < 0 ? d : sys3(NR_getdents64, d, (long)ents, sizeof ents);
    int seen_fd = 0, seen_pipe = 0, seen_dot = 0;
    char num[24];
    for (long i = 0; i < len;) {
        unsigned short reclen = *(unsigned short *)(ents + i + 16);
        const char *name = ents + i + 19;
        seen_dot += ustreq(name, ".");
        ucpy(unum(num, fd), ""), seen_fd += ustreq(name, num);
        ucpy(unum(num, p[1]), ""), seen_pipe += ustreq(name, num);
        i += reclen;
    }
    check(len > 0 && seen_dot && seen_fd && seen_pipe, "getdents64 of /proc/<pid>/fd lists ., the file's fd and the pipe's");
    uclose(d), uclose(p[0]), uclose(p[1]), uclose(fd);
    ucpy(unum(ucpy(link, "/proc/self/fd/"), fd), "");
    uexpect(ureadlink(link, got, sizeof got), -ENOENT, "a closed fd's link is gone: ENOENT");

    /* A pipe2() pipe reopened with its other side gone neither waits nor
     * refuses, as a FIFO would: bash's <(...) opens /dev/fd/N when the
     * writer may have ended already. */
    upipe(p);
    uwrite(p[1], "q", 1);
    uclose(p[1]);
    ucpy(unum(ucpy(link, "/proc/self/fd/"), p[0]), "");
    long rd = uopen(link, O_RDONLY, 0);
    check(rd >= 0 && uread(rd, b, 2) == 1 && b[0] == 'q' && uread(rd, b, 1) == 0,
          "a pipe reopened for reading with no writer left: no wait, its byte, then end of file");
    uclose(rd), uclose(p[0]);
    upipe(p);
    uclose(p[0]);
    ucpy(unum(ucpy(link, "/proc/self/fd/"), p[1]), "");
    wr = uopen(link, O_WRONLY | O_NONBLOCK, 0);
    check(wr >= 0, "reopened O_WRONLY|O_NONBLOCK with no reader left: no ENXIO");
    uclose(wr), uclose(p[1]);

    n = ureadlink("/proc/self/cwd", got, sizeof got);
    long m = sys3(NR_getcwd, (long)want, sizeof want, 0);
    check(n > 0 && m == n + 1 && memeq(got, want, (size_t)n), "readlink /proc/self/cwd is getcwd's path");
    put("cw", "cwd");
    fd = uopen("/proc/self/cwd/cw", O_RDONLY, 0);
    check(fd >= 0 && uread(fd, b, 3) == 3 && memeq(b, "cwd", 3), "a file opened through /proc/self/cwd/");
    uclose(fd);
    uunlink(P("cw"), 0);
}

static int finish(void)
{
    uputs("ufsmore: ");
    uputn(fails);
    uputs(" failed\n");
    return fails > 255 ? 255 : fails;
}

/* /dev/tty is the opener's controlling terminal: a new session has none. */
static void no_ctty_child(long unused)
{
    (void)unused;
    check(sys1(NR_setsid, 0) > 0, "setsid: a session without a terminal");
    uexpect(uopen("/dev/tty", O_RDWR, 0), -ENXIO, "/dev/tty there: ENXIO");
    long fd = uopen("/dev/null", O_RDWR, 0);
    check(fd >= 0, "/dev/null opens there");
    sys1(NR_close, fd);
}

static void tty_checks(void) { in_child(no_ctty_child, 0); }

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    char base[512];
    if (sys1(NR_chdir, (long)dir) != 0 || sys3(NR_getcwd, (long)base, sizeof base - 100, 0) <= 0) {
        check(0, "chdir to DIR, then getcwd");
        return finish();
    }
    ucpy(unum(ucpy(ucpy(top, ustreq(base, "/") ? "" : base), "/ufsmore."), sys1(NR_getpid, 0)), "");
    if (umkdir(top, 0700) != 0 || sys1(NR_chdir, (long)top) != 0) {
        check(0, "mkdirat DIR/ufsmore.<pid>, chdir into it");
        return finish();
    }
    open_checks();
    mode_checks();
    removed_dir_checks();
    efault_checks();
    blocks_checks();
    vec_checks();
    copy_checks();
    fionread_checks();
    proc_checks();
    mountinfo_checks();
    xattr_checks();
    sockname_checks();
    tty_checks();
    sys1(NR_chdir, (long)base);
    uexpect(uunlink(top, AT_REMOVEDIR), 0, "everything made is gone: the test directory is removed");
    return finish();
}
