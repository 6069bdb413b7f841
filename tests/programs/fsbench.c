/*
 * fsbench: file-system benchmarks, one static binary that runs unchanged in
 * this kernel and in Debian's Linux (it uses only the Linux system-call
 * ABI); scripts/bench-ext2 runs it in both on the same ext2 image, in the
 * same QEMU, and prints the ratios (docs/performance.md).
 *
 *   fsbench write DIR [MIB]        DIR/big: MIB MiB (256) written 1 MiB at a
 *                                  time, then fsync
 *   fsbench read DIR cold|warm     DIR/big read to its end, 1 MiB at a time
 *   fsbench rand DIR [N [spread]]  N (5000) reads of 4 KiB at seeded
 *                                  page-aligned offsets of DIR/big (spread:
 *                                  each timed too, and their spread printed)
 *   fsbench files DIR [N]          N (10000) files of 100 bytes created in
 *                                  DIR/many, then sync; each stat'ed; each
 *                                  unlinked, then sync (DIR/many removed)
 *   fsbench find DIR cold|warm     DIR walked as find does: getdents64 of
 *                                  every directory, fstatat of every name
 *   fsbench probe DIR [N] [ROUNDS] not a figure: what a stat costs, piece by
 *                                  piece (fstat; one name again and again;
 *                                  N names once; 500 of them in 20 rounds),
 *                                  in DIR/probe of N (10000) files; ROUNDS
 *                                  more rounds of all N (to sample with a
 *                                  debugger)
 *
 * One phase per run: the caller unmounts and mounts (or drops Linux's
 * caches) between phases for the cold figures. Each prints `bench: <name>
 * <value> <unit>` lines:
 *   fs_seq_write_mibps     the write, fsync included (MiB/s)
 *   fs_seq_read_cold_mibps, fs_seq_read_warm_mibps
 *   fs_rand_read_4k_iops   reads per second
 *   fs_create_us, fs_delete_us  per file, the sync at the end included
 *   fs_stat_ns             per file
 *   fs_find_cold_us, fs_find_warm_us  the whole walk
 * and `fsbench: ...` lines saying where the time went: how long the sync
 * took of create and delete, how much of the random reads' time the CPUs
 * were idle (from /proc/stat or /proc/uptime), and with `spread`, how the
 * random reads' times spread.
 * Times are CLOCK_MONOTONIC's. Every 4 KiB page of DIR/big starts with its
 * own offset, which the reads check. Exits 1 if a call failed or data came
 * back wrong (and says which), 0 otherwise.
 */
#include "usys.h"

enum { AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200 };
enum { O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0100, O_TRUNC = 01000 };
#ifdef UO_DIRECTORY /* the arch's header has its own (arm64) */
#define O_DIRECTORY UO_DIRECTORY
#else
#define O_DIRECTORY 0200000
#endif
enum { DT_DIR = 4, PAGE = 4096, MIB = 1 << 20 };

static int fail(const char *what, long r)
{
    uputs("fsbench: "), uputs(what), uputs(" failed: "), uputn(r), uputs("\n");
    return 1;
}

static long uopenat(long dirfd, const char *p, long fl, long mode)
{
    return sys6(NR_openat, dirfd, (long)p, fl, mode, 0, 0);
}

/* @a "/" @b, or @a @b (no slash) when @slash is 0, into @out (256 bytes). */
static char *join(char *out, const char *a, const char *b, int slash)
{
    char *p = out, *end = out + 255;
    while (*a && p < end)
        *p++ = *a++;
    if (slash && p < end)
        *p++ = '/';
    while (*b && p < end)
        *p++ = *b++;
    *p = 0;
    return out;
}

/* "fNNNNN": the files' names. */
static void fname(char *out, long i)
{
    out[0] = 'f';
    for (int k = 5; k >= 1; k--, i /= 10)
        out[k] = (char)('0' + i % 10);
    out[6] = 0;
}

static char buf[MIB]; /* 1 MiB: the sequential phases' unit */

static int seq_write(const char *dir, long mib)
{
    char path[256];
    long fd = uopenat(AT_FDCWD, join(path, dir, "big", 1), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return fail("open for writing", fd);
    for (long i = 0; i < MIB; i++)
        buf[i] = (char)(i * 7 + 1);
    long t = unow_ns();
    for (long m = 0; m < mib; m++) {
        for (long p = 0; p < MIB; p += PAGE)
            *(long *)(buf + p) = m * MIB + p;
        long w = sys3(NR_write, fd, (long)buf, MIB);
        if (w != MIB)
            return fail("write", w);
    }
    long r = sys1(NR_fsync, fd);
    long ns = unow_ns() - t;
    sys1(NR_close, fd);
    if (r)
        return fail("fsync", r);
    ureport("fs_seq_write_mibps", mib * 1000000000l / (ns ? ns : 1), "MiB/s");
    return 0;
}

static int seq_read(const char *dir, const char *tag)
{
    char path[256], name[64];
    long fd = uopenat(AT_FDCWD, join(path, dir, "big", 1), O_RDONLY, 0);
    if (fd < 0)
        return fail("open for reading", fd);
    long got = 0, n, t = unow_ns();
    while ((n = sys3(NR_read, fd, (long)buf, MIB)) > 0) {
        for (long p = 0; p < n; p += PAGE)
            if (*(long *)(buf + p) != got + p)
                return fail("the data read back (at offset)", got + p);
        got += n;
    }
    long ns = unow_ns() - t;
    sys1(NR_close, fd);
    if (n < 0 || got == 0)
        return fail("read", n < 0 ? n : got);
    ureport(join(name, join(name, "fs_seq_read_", tag, 0), "_mibps", 0), (got / MIB) * 1000000000l / (ns ? ns : 1),
           "MiB/s");
    return 0;
}

/* The unsigned number at *@p p (spaces before it skipped), moving *@p p past it; -1 if none. */
static long number_at(const char **p)
{
    while (**p == ' ')
        (*p)++;
    long v = 0, digits = 0;
    for (; **p >= '0' && **p <= '9'; (*p)++)
        v = v * 10 + (**p - '0'), digits++;
    return digits ? v : -1;
}

/* The start of file @p path (up to 255 bytes) into @p t; 0 if unreadable. */
static int read_head(const char *path, char t[256])
{
    long fd = uopenat(AT_FDCWD, path, O_RDONLY, 0), n;
    if (fd < 0)
        return 0;
    n = sys3(NR_read, fd, (long)t, 255);
    sys1(NR_close, fd);
    if (n <= 0)
        return 0;
    t[n] = 0;
    return 1;
}

/* How long the CPUs have waited with nothing to run, in ms, or -1 if that
 * cannot be read: Linux's /proc/stat "cpu" line, idle plus iowait (in
 * 1/100 s; time waiting for the disk is iowait there, not idle), else
 * /proc/uptime's second field (this kernel's, in 1/100 s). */
static long idle_ms(void)
{
    char t[256];
    const char *p = t;
    if (read_head("/proc/stat", t) && t[0] == 'c' && t[1] == 'p' && t[2] == 'u' && t[3] == ' ') {
        p += 4;
        long v[5];
        for (int k = 0; k < 5; k++)
            if ((v[k] = number_at(&p)) < 0)
                return -1;
        return (v[3] + v[4]) * 10;
    }
    if (!read_head("/proc/uptime", t))
        return -1;
    while (*p && *p != ' ')
        p++;
    long sec = number_at(&p);
    if (sec < 0 || p[0] != '.' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
        return -1;
    return sec * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10;
}

/* With @p spread, each read is timed too (a clock_gettime more per read,
 * so not for the figure bench-ext2 keeps) and a histogram printed. */
static int rand_read(const char *dir, long count, int spread)
{
    char path[256];
    long fd = uopenat(AT_FDCWD, join(path, dir, "big", 1), O_RDONLY, 0);
    if (fd < 0)
        return fail("open for reading", fd);
    long pages = sys3(NR_lseek, fd, 0, 2 /* SEEK_END */) / PAGE;
    if (pages <= 0)
        return fail("the file's size (pages)", pages);
    unsigned long x = 0x9e3779b97f4a7c15ul; /* xorshift64, the same offsets every run */
    static const long edge_us[] = {50, 200, 1000, 10000};
    long hist[5] = {0}, slowest = 0;
    long idle0 = idle_ms();
    long t = unow_ns(), prev = t;
    for (long i = 0; i < count; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        long off = (long)(x % (unsigned long)pages) * PAGE;
        long r = sys6(NR_pread64, fd, (long)buf, PAGE, off, 0, 0);
        if (r != PAGE)
            return fail("pread64", r);
        if (*(long *)buf != off)
            return fail("the data read back (at offset)", off);
        if (!spread)
            continue;
        long now = unow_ns(), us = (now - prev) / 1000;
        int b = 0;
        while (b < 4 && us >= edge_us[b])
            b++;
        hist[b]++;
        slowest = us > slowest ? us : slowest;
        prev = now;
    }
    long ns = unow_ns() - t;
    long idle1 = idle_ms();
    sys1(NR_close, fd);
    ureport("fs_rand_read_4k_iops", count * 1000000000l / (ns ? ns : 1), "IOPS");
    /* How much of the time the CPU waited for the disk: under QEMU's
     * -icount that wait is counted in the host's time, the rest in the
     * guest's instructions (docs/performance.md). */
    if (idle0 >= 0 && idle1 >= idle0)
        uputs("fsbench: rand: "), uputn(ns / 1000000), uputs(" ms, of which idle "),
            uputn(idle1 - idle0), uputs(" ms\n");
    if (!spread)
        return 0;
    /* Where the time went: a few slow reads, or all of them a little. */
    uputs("fsbench: rand: reads under 50 us "), uputn(hist[0]), uputs(", 200 us "), uputn(hist[1]),
        uputs(", 1 ms "), uputn(hist[2]), uputs(", 10 ms "), uputn(hist[3]), uputs(", longer "), uputn(hist[4]),
        uputs("; the slowest "), uputn(slowest), uputs(" us\n");
    return 0;
}

/* "fsbench: <what>: <a> ms, of which the sync <b> ms" */
static void sync_share(const char *what, long total_ns, long sync_ns)
{
    uputs("fsbench: "), uputs(what), uputs(": "), uputn(total_ns / 1000000), uputs(" ms, of which the sync "),
        uputn(sync_ns / 1000000), uputs(" ms\n");
}

/* @p count files of 100 bytes in directory @p d (made here); with @p timed,
 * fs_create_us (the sync at the end included). */
static int make_files(const char *d, long count, int timed)
{
    char path[256], name[8];
    long r = sys3(NR_mkdirat, AT_FDCWD, (long)d, 0755);
    if (r)
        return fail("mkdir", r);
    for (long i = 0; i < 100; i++)
        buf[i] = (char)('a' + i % 26);
    long t = unow_ns();
    for (long i = 0; i < count; i++) {
        fname(name, i);
        long fd = uopenat(AT_FDCWD, join(path, d, name, 1), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            return fail("create", fd);
        if ((r = sys3(NR_write, fd, (long)buf, 100)) != 100)
            return fail("write", r);
        sys1(NR_close, fd);
    }
    long s = unow_ns();
    sys1(NR_sync, 0);
    long e = unow_ns();
    if (timed) {
        ureport("fs_create_us", (e - t) / count / 1000, "us");
        sync_share("create", e - t, e - s);
    }
    return 0;
}

/* Files @p from to @p to - 1 of directory @p d stat'ed @p reps times; the
 * time per stat (ns), or a negative error. */
static long stat_files(const char *d, long from, long to, long reps)
{
    char path[256], name[8];
    unsigned long st[32]; /* struct stat: 144 bytes on x86_64, 128 elsewhere */
    long t = unow_ns();
    for (long k = 0; k < reps; k++)
        for (long i = from; i < to; i++) {
            fname(name, i);
            long r = sys6(NR_newfstatat, AT_FDCWD, (long)join(path, d, name, 1), (long)st, AT_SYMLINK_NOFOLLOW, 0, 0);
            if (r)
                return fail("stat", r), -1;
            if (st[6] != 100) /* st_size: at byte 48 in both layouts */
                return fail("stat's size", (long)st[6]), -1;
        }
    return (unow_ns() - t) / (reps * (to - from));
}

/* Files 0 to @p count - 1 of directory @p d unlinked, then @p d; with @p
 * timed, fs_delete_us (the sync after the unlinks included). */
static int remove_files(const char *d, long count, int timed)
{
    char path[256], name[8];
    long r, t = unow_ns();
    for (long i = 0; i < count; i++) {
        fname(name, i);
        if ((r = sys3(NR_unlinkat, AT_FDCWD, (long)join(path, d, name, 1), 0)))
            return fail("unlink", r);
    }
    long s = unow_ns();
    sys1(NR_sync, 0);
    long e = unow_ns();
    if (timed) {
        ureport("fs_delete_us", (e - t) / count / 1000, "us");
        sync_share("delete", e - t, e - s);
    }
    if ((r = sys3(NR_unlinkat, AT_FDCWD, (long)d, AT_REMOVEDIR)))
        return fail("rmdir", r);
    return 0;
}

static int files(const char *dir, long count)
{
    char d[256];
    join(d, dir, "many", 1);
    if (make_files(d, count, 1))
        return 1;
    long ns = stat_files(d, 0, count, 1);
    if (ns < 0)
        return 1;
    ureport("fs_stat_ns", ns, "ns");
    return remove_files(d, count, 1);
}

static void probe_line(const char *what, long ns)
{
    uputs("fsbench: probe: "), uputs(what), uputs(" "), uputn(ns), uputs(" ns\n");
}

/* Not a figure of bench-ext2's: what a stat costs, piece by piece, in a
 * directory of @p count files (DIR/probe, made and removed here). With
 * @p reps > 1 the stat of every file goes on that many rounds (a loop to
 * sample with a debugger). */
static int probe(const char *dir, long count, long reps)
{
    char d[256], path[256];
    unsigned long st[32];
    join(d, dir, "probe", 1);
    if (make_files(d, count, 0))
        return 1;
    long fd = uopenat(AT_FDCWD, join(path, d, "f00000", 1), O_RDONLY, 0);
    if (fd < 0)
        return fail("open", fd);
    long t = unow_ns();
    for (int i = 0; i < 10000; i++)
        sys3(NR_fstat, fd, (long)st, 0);
    probe_line("fstat of an open file", (unow_ns() - t) / 10000);
    sys1(NR_close, fd);
    long ns = stat_files(d, 0, 1, 10000);
    if (ns >= 0)
        probe_line("stat of one name, again and again", ns);
    if (ns >= 0 && (ns = stat_files(d, 0, count, 1)) >= 0)
        probe_line("stat of every name once", ns);
    if (ns >= 0 && (ns = stat_files(d, 0, count < 500 ? count : 500, 20)) >= 0)
        probe_line("stat of the first 500 names, 20 rounds", ns);
    if (ns >= 0 && (ns = stat_files(d, 0, count, reps)) >= 0)
        probe_line("stat of every name, all rounds", ns);
    if (ns < 0)
        return 1;
    return remove_files(d, count, 0);
}

/* The names under directory @fd, each fstatat'ed, directories walked; the
 * count of names, or a negative error. */
static long walk(long fd, int depth)
{
    char dents[8192]; /* per level: the walk holds one buffer per depth */
    unsigned long st[32];
    long n, total = 0;
    while ((n = sys3(NR_getdents64, fd, (long)dents, sizeof dents)) > 0) {
        for (long off = 0; off < n;) {
            unsigned char *e = (unsigned char *)dents + off;
            const char *name = (const char *)e + 19;
            off += *(unsigned short *)(e + 16);
            if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
                continue;
            long r = sys6(NR_newfstatat, fd, (long)name, (long)st, AT_SYMLINK_NOFOLLOW, 0, 0);
            if (r)
                return r;
            total++;
            if (e[18] == DT_DIR && depth < 32) {
                long sub = uopenat(fd, name, O_RDONLY | O_DIRECTORY, 0);
                if (sub < 0)
                    return sub;
                r = walk(sub, depth + 1);
                sys1(NR_close, sub);
                if (r < 0)
                    return r;
                total += r;
            }
        }
    }
    return n < 0 ? n : total;
}

static int find(const char *dir, const char *tag)
{
    char name[64];
    long t = unow_ns();
    long fd = uopenat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0)
        return fail("open of the tree", fd);
    long n = walk(fd, 0);
    long ns = unow_ns() - t;
    sys1(NR_close, fd);
    if (n <= 0)
        return fail("the walk", n);
    uputs("fsbench: find saw "), uputn(n), uputs(" names\n");
    ureport(join(name, join(name, "fs_find_", tag, 0), "_us", 0), ns / 1000, "us");
    return 0;
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    const char *phase = argc > 1 ? argv[1] : "", *dir = argc > 2 ? argv[2] : "";
    const char *arg = argc > 3 ? argv[3] : 0;
    if (argc >= 3 && ustreq(phase, "write"))
        return seq_write(dir, arg ? uatol(arg) : 256);
    if (argc == 4 && ustreq(phase, "read") && (ustreq(arg, "cold") || ustreq(arg, "warm")))
        return seq_read(dir, arg);
    if (argc >= 3 && ustreq(phase, "rand"))
        return rand_read(dir, arg ? uatol(arg) : 5000, argc > 4 && ustreq(argv[4], "spread"));
    if (argc >= 3 && ustreq(phase, "files"))
        return files(dir, arg ? uatol(arg) : 10000);
    if (argc == 4 && ustreq(phase, "find") && (ustreq(arg, "cold") || ustreq(arg, "warm")))
        return find(dir, arg);
    if (argc >= 3 && ustreq(phase, "probe"))
        return probe(dir, arg ? uatol(arg) : 10000, argc > 4 ? uatol(argv[4]) : 1);
    uputs("usage: fsbench write DIR [MIB] | read DIR cold|warm | rand DIR [N [spread]] | files DIR [N] | "
          "find DIR cold|warm | probe DIR [N] [ROUNDS]\n");
    return 2;
}
