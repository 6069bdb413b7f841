/**
 * @file test_iomem.c
 * @brief The register windows drivers reach registers through
 *        (kernel/iomem.h): what the PCI core's ECAM and MSI-X tables, its
 *        BARs and the GIC's frames are.
 *
 * Built with the checks on (NDEBUG undefined, as in the -debug presets):
 * each accessor reaches the bytes it names at every width, ordered and
 * relaxed alike; a sub-window lies inside its parent or is empty; and an
 * access past a window's end, misaligned, or through an empty window
 * executes a trap instruction (seen here as the child process's signal)
 * rather than touching whatever lies beyond.
 */
#define _POSIX_C_SOURCE 200809L
#undef NDEBUG /* the checked accessors, whatever the build type says */

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kernel/iomem.h>

#include "check.h"

static _Alignas(64) uint8_t regs[256]; /* the "device": hal_ioremap()'s answer */
static uint64_t mapped_pa;
static size_t mapped_size;
static int map_fails;

void *hal_ioremap(uint64_t pa, size_t size)
{
    mapped_pa = pa;
    mapped_size = size;
    return map_fails || size == 0 ? NULL : regs;
}

static void test_map(void)
{
    struct iomem r = {(volatile uint8_t *)1, 99};
    map_fails = 1;
    CHECK_EQ_INT(iomem_map(&r, 0x9000000, sizeof regs), -ENOMEM);
    CHECK(r.base == NULL && r.size == 0); /* a failed map leaves nothing to reach */
    map_fails = 0;
    CHECK_EQ_INT(iomem_map(&r, 0x9000000, sizeof regs), 0);
    CHECK(r.base == regs && r.size == sizeof regs);
    CHECK_EQ_HEX(mapped_pa, 0x9000000);
    CHECK_EQ_INT(mapped_size, sizeof regs);
}

/* Each width, ordered and relaxed, lands on exactly its bytes. */
static void test_widths(void)
{
    struct iomem r = {regs, sizeof regs};
    memset(regs, 0, sizeof regs);
    iomem_write8(&r, 1, 0x11);
    iomem_write16(&r, 2, 0x2233);
    iomem_write32(&r, 4, 0x44556677u);
    iomem_write64(&r, 8, 0x8899aabbccddeeffull);
    iomem_write8_relaxed(&r, 17, 0x12);
    iomem_write16_relaxed(&r, 18, 0x3456);
    iomem_write32_relaxed(&r, 20, 0x789abcdeu);
    iomem_write64_relaxed(&r, 248, 0x0123456789abcdefull); /* the last 8 bytes */
    uint8_t b;
    uint16_t h;
    uint32_t w;
    uint64_t d;
    memcpy(&b, regs + 1, 1);
    CHECK_EQ_HEX(b, 0x11);
    memcpy(&h, regs + 2, 2);
    CHECK_EQ_HEX(h, 0x2233);
    memcpy(&w, regs + 4, 4);
    CHECK_EQ_HEX(w, 0x44556677u);
    memcpy(&d, regs + 8, 8);
    CHECK_EQ_HEX(d, 0x8899aabbccddeeffull);
    memcpy(&d, regs + 248, 8);
    CHECK_EQ_HEX(d, 0x0123456789abcdefull);
    CHECK_EQ_HEX(regs[0], 0);  /* nothing beside them */
    CHECK_EQ_HEX(regs[16], 0);
    CHECK_EQ_HEX(regs[24], 0);
    CHECK_EQ_HEX(iomem_read8(&r, 1), 0x11);
    CHECK_EQ_HEX(iomem_read16(&r, 2), 0x2233);
    CHECK_EQ_HEX(iomem_read32(&r, 4), 0x44556677u);
    CHECK_EQ_HEX(iomem_read64(&r, 8), 0x8899aabbccddeeffull);
    CHECK_EQ_HEX(iomem_read8_relaxed(&r, 17), 0x12);
    CHECK_EQ_HEX(iomem_read16_relaxed(&r, 18), 0x3456);
    CHECK_EQ_HEX(iomem_read32_relaxed(&r, 20), 0x789abcdeu);
    CHECK_EQ_HEX(iomem_read64_relaxed(&r, 248), 0x0123456789abcdefull);
}

/* A sub-window (an MSI-X table in its BAR, a redistributor in its region). */
static void test_sub(void)
{
    struct iomem r = {regs, sizeof regs}, empty = {NULL, 0};
    struct iomem s = iomem_sub(&r, 64, 32);
    CHECK(s.base == regs + 64 && s.size == 32);
    iomem_write32(&s, 28, 0xfeedf00du); /* its last register is the parent's 92 */
    CHECK_EQ_HEX(iomem_read32(&r, 92), 0xfeedf00du);
    s = iomem_sub(&r, 0, sizeof regs); /* all of it */
    CHECK(s.base == regs && s.size == sizeof regs);
    s = iomem_sub(&r, sizeof regs, 0); /* nothing, at the end: valid, reaches nothing */
    CHECK(s.base == regs + sizeof regs && s.size == 0);
    const size_t bad[][2] = {{sizeof regs + 1, 0}, {200, 57}, {0, sizeof regs + 1},
                             {SIZE_MAX, 2}, {8, SIZE_MAX}};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = iomem_sub(&r, bad[i][0], bad[i][1]);
        CHECK(s.base == NULL && s.size == 0);
    }
    s = iomem_sub(&empty, 0, 0);
    CHECK(s.base == NULL && s.size == 0);
}

enum access { READ8_END, READ32_STRADDLE, WRITE64_PAST, READ32_MISALIGNED, WRITE16_ODD,
              READ8_EMPTY, SUB_PAST_ITS_END, READ64_LAST_OK, NACCESS };

static void do_access(enum access a)
{
    struct iomem r = {regs, sizeof regs}, empty = {NULL, 0};
    struct iomem s = iomem_sub(&r, 64, 32);
    switch (a) {
    case READ8_END: (void)iomem_read8(&r, sizeof regs); break;
    case READ32_STRADDLE: (void)iomem_read32_relaxed(&r, sizeof regs - 2); break;
    case WRITE64_PAST: iomem_write64(&r, sizeof regs, 0); break;
    case READ32_MISALIGNED: (void)iomem_read32(&r, 2); break;
    case WRITE16_ODD: iomem_write16_relaxed(&r, 5, 0); break;
    case READ8_EMPTY: (void)iomem_read8(&empty, 0); break;
    case SUB_PAST_ITS_END: (void)iomem_read32(&s, 32); break; /* inside the parent still */
    case READ64_LAST_OK: (void)iomem_read64(&r, sizeof regs - 8); break;
    default: break;
    }
}

/* Run one access in a child: 0 if it returned, else the signal that ended it. */
static int access_signal(enum access a)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        do_access(a);
        _exit(0);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFSIGNALED(st) ? WTERMSIG(st) : WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void test_checks_trap(void)
{
    for (int a = 0; a < NACCESS; a++) {
        int sig = access_signal((enum access)a);
        if (a == READ64_LAST_OK)
            CHECK_EQ_INT(sig, 0);
        else if (sig != SIGILL && sig != SIGTRAP) {
            CHECK(sig == SIGILL || sig == SIGTRAP);
            fprintf(stderr, "  access %d ended with %d\n", a, sig);
        }
    }
}

int main(void)
{
    test_map();
    test_widths();
    test_sub();
    test_checks_trap();
    return CHECK_DONE("test_iomem");
}
