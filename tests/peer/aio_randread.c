/**
 * @file aio_randread.c
 * @brief Random 4 KiB reads at queue depth 32 under Linux, for scripts/bench-blk.
 *
 * The Linux peer of `blk bench`'s blk_rand_read_4k: Debian's busybox has no
 * tool that keeps 32 direct reads in flight, and fio with its libraries is a
 * heavy download for each arch, so this is a static program of our own with
 * no libc at all: Linux AIO (io_setup/io_submit/io_getevents) on /dev/vda
 * opened O_DIRECT, 32 reads of 4 KiB at random 4 KiB-aligned offsets always
 * in flight, for about 2 s of guest time. It prints one line:
 *
 *     peer-rand: <reads> reads in <ns> ns
 *
 * `aio_randread N` keeps N (1-32) in flight instead: scripts/bench-smp runs
 * one per CPU, pinned with taskset, sharing 32 among them as `blk bench`'s
 * all-CPU phase does.
 *
 * Built by scripts/bench-blk with
 *     clang --target=<arch>-linux-gnu -DPEER_<ARCH> -O2 -static -nostdlib
 *           -ffreestanding -fno-stack-protector -fno-pic -fuse-ld=lld
 * The only architecture-specific parts are the syscall numbers, O_DIRECT and
 * the entry and syscall stubs below, chosen by PEER_X86_64 / PEER_AARCH64
 * (not the compiler's arch macros, which stay inside arch/: check-boundaries).
 */
typedef unsigned long u64;
typedef long s64;
typedef unsigned int u32;
typedef unsigned short u16;

#if defined(PEER_X86_64)
enum { NR_write = 1, NR_openat = 257, NR_lseek = 8, NR_exit = 231, NR_io_setup = 206,
       NR_io_submit = 209, NR_io_getevents = 208, NR_clock_gettime = 228 };
#define O_DIRECT 0x4000
/* The stack pointer at entry points at argc, then argv[]: start_c's argument. */
__asm__(".globl _start\n_start:\n xor %ebp,%ebp\n mov %rsp,%rdi\n and $-16,%rsp\n call start_c\n hlt\n");
static s64 sys(s64 n, s64 a, s64 b, s64 c, s64 d, s64 e)
{
    register s64 r10 __asm__("r10") = d;
    register s64 r8 __asm__("r8") = e;
    s64 ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
}
#elif defined(PEER_AARCH64)
enum { NR_write = 64, NR_openat = 56, NR_lseek = 62, NR_exit = 94, NR_io_setup = 0,
       NR_io_submit = 2, NR_io_getevents = 4, NR_clock_gettime = 113 };
#define O_DIRECT 0x10000
__asm__(".globl _start\n_start:\n mov x29, #0\n mov x0, sp\n bl start_c\n b .\n");
static s64 sys(s64 n, s64 a, s64 b, s64 c, s64 d, s64 e)
{
    register s64 x8 __asm__("x8") = n;
    register s64 x0 __asm__("x0") = a;
    register s64 x1 __asm__("x1") = b;
    register s64 x2 __asm__("x2") = c;
    register s64 x3 __asm__("x3") = d;
    register s64 x4 __asm__("x4") = e;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
    return x0;
}
#else
#error "aio_randread: build with -DPEER_X86_64 or -DPEER_AARCH64"
#endif

#ifndef DISK
#define DISK "/dev/vda" /* -DDISK=... tries it on a host file */
#endif
#define DEPTH 32
#define BLOCK 4096
#define RUN_NS 2000000000L

/* linux/aio_abi.h, little-endian layout (64 and 32 bytes). */
struct iocb {
    u64 data;
    u32 key, rw_flags;
    u16 opcode;
    short reqprio;
    u32 fd;
    u64 buf, nbytes;
    s64 offset;
    u64 reserved2;
    u32 flags, resfd;
};
struct io_event {
    u64 data, obj;
    s64 res, res2;
};

static unsigned char bufs[DEPTH][BLOCK] __attribute__((aligned(BLOCK)));
static struct iocb cbs[DEPTH];
static struct io_event evs[DEPTH];
static u64 rng = 0x9e3779b97f4a7c15UL;

static void out(const char *s)
{
    u64 n = 0;
    while (s[n])
        n++;
    sys(NR_write, 1, (s64)s, (s64)n, 0, 0);
}

static void out_num(u64 v)
{
    char b[24];
    int i = 23;
    b[i] = 0;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    out(b + i);
}

static s64 now_ns(void)
{
    s64 ts[2];
    sys(NR_clock_gettime, 1 /* CLOCK_MONOTONIC */, (s64)ts, 0, 0, 0);
    return ts[0] * 1000000000L + ts[1];
}

static void fail(const char *what, s64 err)
{
    out("peer-rand: ");
    out(what);
    out(" failed, errno ");
    out_num((u64)-err);
    out("\n");
    sys(NR_exit, 1, 0, 0, 0, 0);
}

/* Point @cb at a fresh random 4 KiB-aligned block among @nblk. */
static void aim(struct iocb *cb, u64 nblk)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    cb->offset = (s64)((rng % nblk) * BLOCK);
}

/* argv[1] as a queue depth: 1..DEPTH, else DEPTH. */
static int depth_arg(const long *sp)
{
    if (sp[0] < 2)
        return DEPTH;
    const char *s = (const char *)sp[2];
    int v = 0;
    for (; *s >= '0' && *s <= '9' && v <= DEPTH; s++)
        v = v * 10 + (*s - '0');
    return *s || v < 1 || v > DEPTH ? DEPTH : v;
}

void start_c(const long *sp);
void start_c(const long *sp)
{
    int depth = depth_arg(sp);
    s64 fd = sys(NR_openat, -100 /* AT_FDCWD */, (s64)DISK, O_DIRECT, 0, 0);
    if (fd < 0)
        fail("open /dev/vda", fd);
    s64 size = sys(NR_lseek, fd, 0, 2 /* SEEK_END */, 0, 0);
    if (size < BLOCK)
        fail("lseek (disk smaller than 4 KiB?)", size < 0 ? size : -22);
    u64 nblk = (u64)size / BLOCK;
    u64 ctx = 0;
    s64 r = sys(NR_io_setup, depth, (s64)&ctx, 0, 0, 0);
    if (r < 0)
        fail("io_setup", r);
    struct iocb *list[DEPTH];
    s64 t0 = now_ns();
    rng ^= (u64)t0;
    for (int i = 0; i < depth; i++) {
        cbs[i].data = (u64)i;
        cbs[i].opcode = 0; /* IOCB_CMD_PREAD */
        cbs[i].fd = (u32)fd;
        cbs[i].buf = (u64)bufs[i];
        cbs[i].nbytes = BLOCK;
        aim(&cbs[i], nblk);
        list[i] = &cbs[i];
    }
    r = sys(NR_io_submit, (s64)ctx, depth, (s64)list, 0, 0);
    if (r != depth)
        fail("io_submit", r < 0 ? r : -5);
    u64 done = 0, inflight = (u64)depth;
    s64 t1 = t0;
    int stop = 0;
    while (inflight) {
        s64 n = sys(NR_io_getevents, (s64)ctx, 1, depth, (s64)evs, 0);
        if (n < 0)
            fail("io_getevents", n);
        int again = 0;
        for (s64 i = 0; i < n; i++) {
            if (evs[i].res != BLOCK)
                fail("read", evs[i].res < 0 ? evs[i].res : -5);
            done++;
            inflight--;
            if (!stop) {
                struct iocb *cb = &cbs[evs[i].data];
                aim(cb, nblk);
                list[again++] = cb;
            }
        }
        t1 = now_ns();
        if (t1 - t0 >= RUN_NS)
            stop = 1;
        if (again) {
            r = sys(NR_io_submit, (s64)ctx, again, (s64)list, 0, 0);
            if (r != again)
                fail("io_submit", r < 0 ? r : -5);
            inflight += (u64)again;
        }
    }
    out("peer-rand: ");
    out_num(done);
    out(" reads in ");
    out_num((u64)(t1 - t0));
    out(" ns\n");
    sys(NR_exit, 0, 0, 0, 0, 0);
}
