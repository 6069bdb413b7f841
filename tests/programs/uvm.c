/*
 * uvm: execve's argument limits and the stack that grows on demand, as
 * Linux has them (judged by Linux too: linux_uvm).
 *
 * execve takes strings and their pointers up to a quarter of RLIMIT_STACK
 * (2 MiB with the default 8 MiB), each string up to 32 pages with its NUL,
 * E2BIG beyond; the program execs itself ("args" mode) and counts what it
 * got. The stack grows on a fault below it up to RLIMIT_STACK, SIGSEGV
 * beyond, and no closer than the guard gap (256 pages) to the mapping
 * below it. madvise: MADV_DONTNEED drops private pages (zeroes again, or
 * the file's bytes), MADV_DONTFORK and MADV_WIPEONFORK shape what fork
 * copies, the hints are taken, and bad advice and ranges are refused as
 * Linux refuses them. /proc/self/maps and /proc/<pid>/maps list the
 * regions in Linux's format, with [stack] and [heap]. mremap grows in
 * place, moves (the pages, with MREMAP_FIXED where asked, MREMAP_DONTUNMAP
 * leaving the old range empty), shrinks, and refuses as Linux.
 */
#include "uchild.h"
#include "umem.h"
#include "ustat.h"

#define fails (*ufails())

enum { E2BIG = 7, EFAULT = 14, ENOMEM = 12, EEXIST = 17, EINVAL = 22, SIGSEGV = 11, PG = 4096 };
enum { PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_FIXED_NOREPLACE = 0x100000 };
enum { MAP_SHARED = 1, O_RDWR = 2, O_CREAT = 0100, AT_FDCWD = -100 };
enum { MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE = 8,
       MADV_DONTFORK = 10, MADV_DOFORK, MADV_DONTDUMP = 16, MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK,
       MADV_POPULATE_READ = 22, MADV_POPULATE_WRITE };
enum { RLIMIT_STACK = 3, RLIMIT_CORE = 4, ARG_STRLEN = 32 * PG };

static const char *self;

static long ummap(long addr, long len, int prot, int flags)
{
    return sys6(NR_mmap, addr, len, prot, flags, -1, 0);
}

/* ---- execve's arguments ---- */

static void set_limit(int res, unsigned long cur)
{
    unsigned long old[2], lim[2];
    sys6(NR_prlimit64, 0, res, 0, (long)old, 0, 0);
    lim[0] = cur, lim[1] = old[1];
    sys6(NR_prlimit64, 0, res, (long)lim, 0, 0, 0);
}

static char *num(char *b, long v) /* b: 24 bytes */
{
    char *e = b + 23;
    *e = 0;
    do
        *--e = (char)('0' + v % 10);
    while (v /= 10);
    return e;
}

/* Exec this program with @p n strings of @p len bytes each (and "args",
 * the count and the bytes it should see), under a stack limit of @p stack
 * bytes (0: as it is), in a child: its exit status, which is 0 if the new
 * program saw them all, else execve's error. */
static int exec_with(long n, long len, unsigned long stack)
{
    long c = sys6(NR_clone, UCHILD_SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        if (stack)
            set_limit(RLIMIT_STACK, stack);
        long vbytes = (n + 6) * (long)sizeof(char *);
        char **v = (char **)ummap(0, vbytes + len + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
        if ((long)v < 0)
            uexit(100);
        char *s = (char *)v + vbytes, cb[24], bb[24], *env[] = {0};
        for (long i = 0; i < len; i++)
            s[i] = 'a';
        s[len] = 0;
        v[0] = (char *)self, v[1] = "args", v[2] = num(cb, n + 4), v[3] = num(bb, n * len);
        for (long i = 0; i < n; i++)
            v[4 + i] = s;
        v[4 + n] = 0;
        long e = sys3(NR_execve, (long)self, (long)v, (long)env);
        uexit((int)-e);
    }
    int st = reap_status(c);
    return (st & 0x7f) ? 200 + (st & 0x7f) : (st >> 8) & 0xff;
}

/* "args" mode: argc and the bytes of argv[4...] as argv[2] and argv[3] say. */
static int args_mode(int argc, char **argv)
{
    long bytes = 0;
    for (int i = 4; i < argc; i++)
        bytes += (long)ustrlen(argv[i]);
    return argc == uatol(argv[2]) && bytes == uatol(argv[3]) && !argv[argc] ? 0 : 1;
}

static void args_checks(void)
{
    if (uskip_on_qemu_user("execve's argument limits (the program cannot execve itself there)"))
        return;
    uexpect(exec_with(14, ARG_STRLEN - 1, 0), 0, "execve with 14 strings of 32 pages (1.75 MiB) runs");
    uexpect(exec_with(17, ARG_STRLEN - 1, 0), E2BIG, "execve with 17 of them (past 2 MiB) is E2BIG");
    uexpect(exec_with(1, ARG_STRLEN, 0), E2BIG, "one string of 32 pages and its NUL is E2BIG");
    uexpect(exec_with(20000, 1, 0), 0, "execve with 20000 strings runs, argc counted");
    uexpect(exec_with(3, ARG_STRLEN - 1, 1 << 20), E2BIG, "a 1 MiB stack limit allows 256 KiB: 384 KiB is E2BIG");
    uexpect(exec_with(1, ARG_STRLEN - 1, 1 << 20), 0, "and 128 KiB runs");
}

/* ---- the stack ---- */

static char *stack_base;

/* Recurse until @p target bytes of stack are in use below stack_base. */
__attribute__((noinline)) static long recurse(long target)
{
    volatile char buf[512];
    buf[0] = 1;
    if (stack_base - (char *)buf >= target)
        return buf[0];
    return recurse(target) + buf[0];
}

static void deep(long target)
{
    volatile char here;
    stack_base = (char *)&here;
    recurse(target);
}

/* In a child: under a limit of @p limit bytes (0: as it is), with a page
 * mapped @p below bytes under the stack (0: none), use @p use bytes of
 * stack; its wait status. */
static int stack_child(unsigned long limit, long below, long use)
{
    long c = sys6(NR_clone, UCHILD_SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        volatile char here;
        set_limit(RLIMIT_CORE, 0); /* no core dump from the SIGSEGV */
        if (limit)
            set_limit(RLIMIT_STACK, limit);
        if (below) {
            long at = ((long)&here & -(long)PG) - below;
            if (ummap(at, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE) != at)
                uexit(100);
        }
        deep(use);
        uexit(0);
    }
    int st = reap_status(c);
    return st & 0x7f ? st & 0x7f : st; /* the signal alone, without a core dump's bit */
}

static void stack_checks(void)
{
    unsigned long lim[2] = {0, 0};
    sys6(NR_prlimit64, 0, RLIMIT_STACK, 0, (long)lim, 0, 0);
    uexpect((long)lim[0], 8 << 20, "RLIMIT_STACK is 8 MiB");
    uexpect(stack_child(0, 0, 4 << 20), 0, "a recursion using 4 MiB of stack runs");
    uexpect(stack_child(0, 0, 6 << 20), 0, "and one using 6 MiB");
    if (!uskip_on_qemu_user("the stack's limit and guard gap (qemu-user's stack is fixed)")) {
        uexpect(stack_child(1 << 20, 0, 2 << 20), SIGSEGV, "past a 1 MiB RLIMIT_STACK it is SIGSEGV");
        uexpect(stack_child(0, 3 << 20, 1 << 20), 0, "a page mapped 3 MiB below: 1 MiB of stack runs");
        uexpect(stack_child(0, 3 << 20, (5 << 20) / 2), SIGSEGV,
                "2.5 MiB is SIGSEGV: the stack keeps 256 pages from the mapping below");
    }
}

/* ---- madvise ---- */

static long madvise(long a, long len, int adv) { return sys3(NR_madvise, a, len, adv); }

/* In a child: the byte at @p p read and returned as its exit status. */
static int child_reads(volatile char *p)
{
    long c = sys6(NR_clone, UCHILD_SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        set_limit(RLIMIT_CORE, 0);
        uexit(*p);
    }
    int st = reap_status(c);
    return st & 0x7f ? 200 + (st & 0x7f) : (st >> 8) & 0xff;
}

static void madvise_checks(void)
{
    char *m = (char *)ummap(0, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    for (int i = 0; i < 4 * PG; i++)
        m[i] = 0x5a;
    uexpect(madvise((long)m, 2 * PG, MADV_DONTNEED), 0, "MADV_DONTNEED of two private anonymous pages");
    uexpect(m[0] + m[PG + 5], 0, "they read zero again");
    uexpect(m[2 * PG], 0x5a, "the page after them is kept");
    uexpect(madvise((long)m + 2 * PG, 100, MADV_FREE), 0, "MADV_FREE of private anonymous memory (a length in a page)");
    for (int adv = MADV_NORMAL; adv <= MADV_WILLNEED; adv++)
        uexpect(madvise((long)m, 4 * PG, adv), 0, "MADV_NORMAL, _RANDOM, _SEQUENTIAL, _WILLNEED are taken");
    uexpect(madvise((long)m, 4 * PG, MADV_DONTDUMP), 0, "MADV_DONTDUMP is taken");
    uexpect(madvise((long)m, 4 * PG, MADV_DODUMP), 0, "MADV_DODUMP is taken");
    uexpect(madvise((long)m, 4 * PG, MADV_POPULATE_WRITE), 0, "MADV_POPULATE_WRITE of writable memory");
    uexpect(madvise((long)m, 4 * PG, 5), -EINVAL, "advice 5 (none) is EINVAL");
    uexpect(madvise((long)m, 4 * PG, 999), -EINVAL, "advice 999 is EINVAL");
    uexpect(madvise((long)m + 1, PG, MADV_NORMAL), -EINVAL, "an unaligned start is EINVAL");
    uexpect(madvise((long)m + 1, PG, 999), -EINVAL, "a bad advice over a bad range: EINVAL");
    uexpect(madvise((long)m, 0, MADV_DONTNEED), 0, "a zero length is 0");
    uexpect(madvise((long)m, -PG, MADV_NORMAL), -EINVAL, "a range past the end of memory is EINVAL");
    sys3(NR_munmap, (long)m + PG, PG, 0);
    m[0] = 1;
    uexpect(madvise((long)m, 4 * PG, MADV_DONTNEED), -ENOMEM, "MADV_DONTNEED over a hole is ENOMEM");
    uexpect(m[0] + m[2 * PG], 0, "the pages around the hole were dropped all the same");
    uexpect(madvise((long)m, 4 * PG, MADV_WILLNEED), -ENOMEM, "MADV_WILLNEED over a hole is ENOMEM");
    uexpect(sys3(NR_mlock, (long)m, PG, 0), 0, "mlock a page");
    uexpect(madvise((long)m, PG, MADV_DONTNEED), -EINVAL, "MADV_DONTNEED of locked memory is EINVAL");
    sys3(NR_munmap, (long)m, 4 * PG, 0);

    /* fork: DONTFORK leaves it out of the child, WIPEONFORK zeroes it there */
    m = (char *)ummap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    m[0] = m[PG] = m[2 * PG] = 7;
    uexpect(madvise((long)m + PG, PG, MADV_DONTFORK), 0, "MADV_DONTFORK of the middle page");
    uexpect(child_reads(m + PG), 200 + SIGSEGV, "a child reading it gets SIGSEGV");
    uexpect(child_reads(m), 7, "the page before it is the child's");
    uexpect(madvise((long)m + PG, PG, MADV_DOFORK), 0, "MADV_DOFORK");
    uexpect(child_reads(m + PG), 7, "the child has it again");
    uexpect(madvise((long)m, 2 * PG, MADV_WIPEONFORK), 0, "MADV_WIPEONFORK of two pages");
    uexpect(child_reads(m + PG), 0, "the child reads zero there");
    uexpect(child_reads(m + 2 * PG), 7, "and its own copy past them");
    uexpect(m[0] + m[PG], 14, "the parent keeps its bytes");
    uexpect(madvise((long)m, 2 * PG, MADV_KEEPONFORK), 0, "MADV_KEEPONFORK");
    uexpect(child_reads(m), 7, "the child has the bytes again");
    sys3(NR_munmap, (long)m, 3 * PG, 0);

    /* a private file mapping: MADV_DONTNEED reads the file again */
    char name[40] = "/tmp/uvm.", pb[24];
    ucpy(name + 9, num(pb, sys1(NR_getpid, 0)));
    long fd = sys6(NR_openat, AT_FDCWD, (long)name, O_RDWR | O_CREAT, 0600, 0, 0);
    uexpect(sys3(NR_write, fd, (long)"file", 4), 4, "a file of 4 bytes");
    char *f = (char *)sys6(NR_mmap, 0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    f[0] = 'X';
    uexpect(madvise((long)f, PG, MADV_DONTNEED), 0, "MADV_DONTNEED of a written private file page");
    uexpect(f[0], 'f', "it reads the file's byte again");
    uexpect(madvise((long)f, PG, MADV_FREE), -EINVAL, "MADV_FREE of a file mapping is EINVAL");
    uexpect(madvise((long)f, PG, MADV_WIPEONFORK), -EINVAL, "MADV_WIPEONFORK of a file mapping is EINVAL");
    sys3(NR_munmap, (long)f, PG, 0);
    char *s = (char *)sys6(NR_mmap, 0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    s[1] = 'I';
    uexpect(madvise((long)s, PG, MADV_DONTNEED), 0, "MADV_DONTNEED of a shared file page");
    uexpect(s[1], 'I', "it keeps what was written (the file's)");
    sys3(NR_munmap, (long)s, PG, 0);
    sys3(NR_close, fd, 0, 0);
    sys3(NR_unlinkat, AT_FDCWD, (long)name, 0);
}

/* ---- /proc/<pid>/maps ---- */

static char *maps_buf; /* 64 KiB */

static long read_maps(const char *path)
{
    long fd = sys6(NR_openat, AT_FDCWD, (long)path, 0, 0, 0, 0), n = 0, r;
    if (fd < 0)
        return fd;
    while ((r = sys3(NR_read, fd, (long)maps_buf + n, 65535 - n)) > 0)
        n += r;
    sys3(NR_close, fd, 0, 0);
    maps_buf[n] = 0;
    return n;
}

static char *hex8(char *d, unsigned long v) /* at least 8 digits, as %08lx */
{
    char t[17];
    int n = 0;
    do
        t[n++] = "0123456789abcdef"[v & 15];
    while ((v >>= 4) || n < 8);
    while (n)
        *d++ = t[--n];
    *d = 0;
    return d;
}

static unsigned long unhex(const char **s)
{
    unsigned long v = 0;
    for (;; ++*s) {
        char c = **s;
        if (c >= '0' && c <= '9')
            v = v * 16 + (unsigned long)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (unsigned long)(c - 'a' + 10);
        else
            return v;
    }
}

/* Whether the maps text holds the whole line @p line (with its newline). */
static int has_line(const char *line)
{
    size_t l = ustrlen(line);
    for (const char *p = maps_buf; *p;) {
        if (memeq(p, line, l))
            return 1;
        while (*p && *p++ != '\n')
            ;
    }
    return 0;
}

/* The name at the end of the line whose range holds @p a ("" if none). */
static const char *name_at(unsigned long a, char *out)
{
    *out = 0;
    for (const char *p = maps_buf; *p;) {
        const char *q = p;
        unsigned long lo = unhex(&q);
        q++;
        unsigned long hi = unhex(&q);
        const char *e = q;
        while (*e && *e != '\n')
            e++;
        if (lo <= a && a < hi) {
            const char *nm = e;
            while (nm > q && nm[-1] != ' ')
                nm--;
            char *d = out;
            while (nm < e)
                *d++ = *nm++;
            *d = 0;
            return out;
        }
        p = *e ? e + 1 : e;
    }
    return out;
}

static void range_line(char *d, unsigned long lo, unsigned long hi, const char *rest)
{
    d = hex8(d, lo);
    *d++ = '-';
    d = hex8(d, hi);
    ucpy(d, rest);
}

static void maps_checks(void)
{
    maps_buf = (char *)ummap(0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    char *m = (char *)ummap(0, 5 * PG, 0, MAP_PRIVATE | MAP_ANONYMOUS);
    sys3(NR_mprotect, (long)m + PG, 3 * PG, PROT_READ | PROT_WRITE);
    sys3(NR_mprotect, (long)m + 2 * PG, PG, PROT_READ);
    check(read_maps("/proc/self/maps") > 0, "/proc/self/maps reads");
    char line[400], nm[300];
    range_line(line, (long)m, (long)m + PG, " ---p 00000000 00:00 0 \n");
    check(has_line(line), "a PROT_NONE page: ---p, offset, device and inode 0");
    range_line(line, (long)m + PG, (long)m + 2 * PG, " rw-p 00000000 00:00 0 \n");
    check(has_line(line), "a read-write page: rw-p");
    range_line(line, (long)m + 2 * PG, (long)m + 3 * PG, " r--p 00000000 00:00 0 \n");
    check(has_line(line), "the read-only page mprotect made of the middle: r--p");
    range_line(line, (long)m + 3 * PG, (long)m + 4 * PG, " rw-p 00000000 00:00 0 \n");
    check(has_line(line), "and the read-write page after it");
    volatile char here = 0;
    uexpect(ustreq(name_at((unsigned long)&here, nm), "[stack]"), 1, "the stack is [stack]");
    long b = sys1(NR_brk, 0);
    sys1(NR_brk, b + PG);
    *(volatile char *)b = 1;
    read_maps("/proc/self/maps");
    uexpect(ustreq(name_at((unsigned long)b, nm), "[heap]"), 1, "what brk added is [heap]");
    sys1(NR_brk, b);

    /* a file, private and shared: its offset, device, inode and path */
    char name[40] = "/tmp/uvm.", pb[24];
    ucpy(name + 9, num(pb, sys1(NR_getpid, 0)));
    long fd = sys6(NR_openat, AT_FDCWD, (long)name, O_RDWR | O_CREAT, 0600, 0, 0);
    static char page[PG];
    sys3(NR_write, fd, (long)page, PG);
    sys3(NR_write, fd, (long)page, PG);
    struct ustat st;
    sys3(NR_fstat, fd, (long)&st, 0);
    char *f = (char *)sys6(NR_mmap, 0, PG, PROT_READ, MAP_PRIVATE, fd, PG);
    char *s = (char *)sys6(NR_mmap, 0, PG, PROT_READ, MAP_SHARED, fd, 0);
    read_maps("/proc/self/maps");
    unsigned long dev = st.dev, major = (dev >> 8) & 0xfff, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    char rest[200], *d = rest;
    d = ucpy(d, " r--p 00001000 ");
    char hx[20];
    hex8(hx, major);
    d = ucpy(d, hx + 6);
    *d++ = ':';
    hex8(hx, minor);
    d = ucpy(d, hx + 6);
    *d++ = ' ';
    d = ucpy(d, num(pb, (long)st.ino));
    *d++ = ' ';
    range_line(line, (long)f, (long)f + PG, rest);
    for (d = line + ustrlen(line); d < line + 73; d++)
        *d = ' ';
    ucpy(ucpy(d, name), "\n");
    check(has_line(line), "a private file mapping at offset 4096: r--p, its offset, device, inode and path");
    uexpect(ustreq(name_at((unsigned long)s, nm), name), 1, "a shared one names the file too");
    char *sp = line;
    range_line(sp, (long)s, (long)s + PG, " r--s 00000000 ");
    check(has_line(sp), "a shared mapping: r--s");
    sys3(NR_munmap, (long)f, PG, 0);
    sys3(NR_munmap, (long)s, PG, 0);
    sys3(NR_close, fd, 0, 0);
    sys3(NR_unlinkat, AT_FDCWD, (long)name, 0);

    /* /proc/<pid>/maps: the same text */
    char path[40] = "/proc/";
    ucpy(ucpy(path + 6, num(pb, sys1(NR_getpid, 0))), "/maps");
    long n1 = read_maps("/proc/self/maps");
    static char copy[65536];
    memcpy(copy, maps_buf, (size_t)n1 + 1);
    long n2 = read_maps(path);
    uexpect(n2, n1, "/proc/<pid>/maps is as long as /proc/self/maps");
    check(n1 == n2 && memeq(copy, maps_buf, (size_t)n1), "and the same text");
    sys3(NR_munmap, (long)m, 5 * PG, 0);
}

/* ---- mremap ---- */

enum { MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4 };

static long mremap(long a, long ol, long nl, int flags, long to) { return sys6(NR_mremap, a, ol, nl, flags, to, 0); }

/* Whether [a, a + len) is all mapped (madvise's ENOMEM says a hole). */
static int mapped(long a, long len) { return madvise(a, len, MADV_NORMAL) == 0; }

static void mremap_checks(void)
{
    long a = ummap(0, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    sys3(NR_munmap, a + 2 * PG, 2 * PG, 0);
    char *c = (char *)a;
    c[0] = 1, c[PG] = 2;
    uexpect(mremap(a, 2 * PG, 4 * PG, 0, 0) == a, 1, "mremap grows a mapping in place into the free space after it");
    uexpect(c[0] + c[PG] * 10 + c[3 * PG] * 100, 21, "its bytes kept, the new pages zero");
    uexpect(mremap(a, 4 * PG, PG, 0, 0) == a, 1, "mremap shrinks it in place");
    uexpect(mapped(a + PG, PG), 0, "what it gave up is unmapped");
    long blocker = ummap(a + PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
    uexpect(blocker, a + PG, "a page mapped just after it");
    uexpect(mremap(a, PG, 3 * PG, 0, 0), -ENOMEM, "growing without room, not allowed to move: ENOMEM");
    long b = mremap(a, PG, 3 * PG, MREMAP_MAYMOVE, 0);
    check(b > 0 && b != a, "with MREMAP_MAYMOVE it moves");
    uexpect(*(char *)b, 1, "the bytes moved with it");
    uexpect(mapped(a, PG), 0, "the old address is unmapped");
    uexpect(mapped(b, 3 * PG), 1, "the new range is mapped");
    ((char *)b)[2 * PG] = 3;
    /* MREMAP_FIXED: onto a given address, replacing what was there */
    long t = ummap(0, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
    uexpect(mremap(b, 3 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, t), t,
            "MREMAP_FIXED moves it onto another mapping (shrinking it too)");
    uexpect(((char *)t)[0] + ((char *)t)[PG] * 10, 1, "its bytes there, writable as before");
    ((char *)t)[PG] = 5;
    uexpect(mapped(b, PG), 0, "and not at the old address");
    uexpect(mremap(t, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, t + PG), -EINVAL,
            "MREMAP_FIXED onto itself is EINVAL");
    uexpect(mremap(t, PG, PG, MREMAP_FIXED, b), -EINVAL, "MREMAP_FIXED without MREMAP_MAYMOVE is EINVAL");
    uexpect(mremap(t, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, b + 1), -EINVAL, "an unaligned new address is EINVAL");
    uexpect(mremap(t, PG, PG, 8, 0), -EINVAL, "an unknown flag is EINVAL");
    uexpect(mremap(t + 1, PG, PG, 0, 0), -EINVAL, "an unaligned old address is EINVAL");
    uexpect(mremap(t, PG, 0, MREMAP_MAYMOVE, 0), -EINVAL, "a new length 0 is EINVAL");
    uexpect(mremap(t, PG, 2 * PG, MREMAP_DONTUNMAP, 0), -EINVAL, "MREMAP_DONTUNMAP without MREMAP_MAYMOVE is EINVAL");
    uexpect(mremap(t, PG, 2 * PG, MREMAP_DONTUNMAP | MREMAP_MAYMOVE, 0), -EINVAL,
            "MREMAP_DONTUNMAP changing the length is EINVAL");
    uexpect(mremap(b, PG, 2 * PG, MREMAP_MAYMOVE, 0), -EFAULT, "growing what is not mapped is EFAULT");
    uexpect(mremap(t, 3 * PG, 4 * PG, MREMAP_MAYMOVE, 0), -EFAULT, "a range past its mapping is EFAULT");
    uexpect(mremap(t, 0, PG, MREMAP_MAYMOVE, 0), -EINVAL, "an old length 0 of a private mapping is EINVAL");
    /* MREMAP_DONTUNMAP: the pages move, the old range stays, empty */
    long d = mremap(t, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
    check(d > 0 && d != t, "MREMAP_DONTUNMAP moves it");
    uexpect(((char *)d)[0] + ((char *)d)[PG] * 10, 51, "the bytes are at the new address");
    uexpect(mapped(t, 2 * PG), 1, "the old range is still mapped");
    uexpect(((char *)t)[0] + ((char *)t)[PG], 0, "and reads zero");
    sys3(NR_munmap, t, 2 * PG, 0);
    sys3(NR_munmap, d, 2 * PG, 0);
    sys3(NR_munmap, blocker, PG, 0);

    /* a file mapping moves with its offset; a shared one can be mapped twice */
    char name[40] = "/tmp/uvm.", pb[24];
    ucpy(name + 9, num(pb, sys1(NR_getpid, 0)));
    long fd = sys6(NR_openat, AT_FDCWD, (long)name, O_RDWR | O_CREAT, 0600, 0, 0);
    static char pg[PG];
    for (int i = 0; i < 4; i++) {
        pg[0] = (char)('a' + i);
        sys3(NR_write, fd, (long)pg, PG);
    }
    long f = sys6(NR_mmap, 0, 2 * PG, PROT_READ, MAP_PRIVATE, fd, PG);
    uexpect(*(char *)f, 'b', "a private file mapping from offset 4096");
    long blk = ummap(f + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
    long g = mremap(f, 2 * PG, 3 * PG, MREMAP_MAYMOVE, 0);
    check(g > 0 && g != f, "mremap moves it to grow");
    uexpect(((char *)g)[0] * 0x10000 + ((char *)g)[PG] * 0x100 + ((char *)g)[2 * PG], 'b' * 0x10000 + 'c' * 0x100 + 'd',
            "its pages are the file's at their offsets, the one it grew by too");
    sys3(NR_munmap, g, 3 * PG, 0);
    sys3(NR_munmap, blk, PG, 0);
    long s = sys6(NR_mmap, 0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    long s2 = mremap(s, 0, PG, MREMAP_MAYMOVE, 0);
    check(s2 > 0 && s2 != s, "an old length 0 of a shared mapping maps it again");
    ((char *)s)[1] = 'Z';
    uexpect(((char *)s2)[1], 'Z', "the two are the same pages");
    sys3(NR_munmap, s, PG, 0);
    sys3(NR_munmap, s2, PG, 0);
    sys3(NR_close, fd, 0, 0);
    sys3(NR_unlinkat, AT_FDCWD, (long)name, 0);
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    if (argc >= 4 && ustreq(argv[1], "args"))
        return args_mode(argc, argv);
    self = argv[0];
    args_checks();
    stack_checks();
    if (!uskip_on_qemu_user("madvise (qemu-user takes advice it cannot pass on as done)"))
        madvise_checks();
    if (!uskip_on_qemu_user("/proc/self/maps (qemu-user shows its own map)"))
        maps_checks();
    if (!uskip_on_qemu_user("mremap (qemu-user remaps in its own way)"))
        mremap_checks();
    uputs("uvm: "), uputn(fails), uputs(" failed\n");
    return fails > 255 ? 255 : fails;
}
