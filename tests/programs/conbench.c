/*
 * conbench: how fast a console takes a kernel log's worth of lines, one
 * static binary for this kernel and Debian's Linux (scripts/bench-fbcon
 * runs it in both, in the same QEMU, on the same screen).
 *
 *   conbench <device> [lines]
 *
 * Writes @lines (default 1000, about what Debian's Linux logs booting one
 * of these machines) lines shaped like dmesg's, 40 to 100 characters each,
 * to <device>, one write() a line as a program printing its log does, and
 * prints
 *   bench: console_lines_per_s  lines the device took per second
 *   bench: console_line_us      microseconds a line, on average
 * The time is CLOCK_MONOTONIC's from the first write to the last one's
 * return: what the writer waits for. Exits 1 if a call failed.
 */
#include "usys.h"

#define O_WRONLY 1
#define AT_FDCWD (-100)

static const char *const messages[] = {
    "virtio_blk virtio1: [vda] 131072 512-byte logical blocks (67.1 MB/64.0 MiB)",
    "pci 0000:00:02.0: BAR 4: assigned [mem 0x8000000000-0x8000003fff 64bit pref]",
    "EXT4-fs (vda): mounted filesystem with ordered data mode",
    "Freeing unused kernel memory: 2304K",
    "random: crng init done",
    "NET: Registered PF_INET6 protocol family",
    "clocksource: Switched to clocksource arch_sys_counter",
    "Run /init as init process",
};

/* "[  sss.uuuuuu] " then the message: dmesg's shape, the stamp counting up. */
static size_t line(char *b, unsigned i)
{
    unsigned long us = 12345ul + 3217ul * i;
    char stamp[16];
    unsigned long s = us / 1000000, f = us % 1000000;
    for (int k = 13; k >= 8; k--, f /= 10)
        stamp[k] = (char)('0' + f % 10);
    stamp[7] = '.';
    for (int k = 6; k >= 1; k--) {
        stamp[k] = s || k == 6 ? (char)('0' + s % 10) : ' ';
        s /= 10;
    }
    stamp[0] = '[';
    stamp[14] = ']';
    stamp[15] = ' ';
    size_t n = 0;
    for (int k = 0; k < 16; k++)
        b[n++] = stamp[k];
    const char *m = messages[i % (sizeof messages / sizeof messages[0])];
    while (*m)
        b[n++] = *m++;
    b[n++] = '\n';
    return n;
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    if (argc < 2) {
        uputs("usage: conbench <device> [lines]\n");
        return 1;
    }
    long lines = argc > 2 ? uatol(argv[2]) : 1000;
    if (lines < 1 || lines > 1000000) {
        uputs("conbench: lines must be 1 to 1000000\n");
        return 1;
    }
    long fd = sys6(NR_openat, AT_FDCWD, (long)argv[1], O_WRONLY, 0, 0, 0);
    if (fd < 0) {
        uputs("conbench: cannot open "), uputs(argv[1]), uputs(": "), uputn(fd), uputs("\n");
        return 1;
    }
    char b[128];
    long t = unow_ns();
    for (long i = 0; i < lines; i++) {
        size_t n = line(b, (unsigned)i);
        long r = sys3(NR_write, fd, (long)b, (long)n);
        if (r != (long)n) {
            uputs("conbench: write returned "), uputn(r), uputs("\n");
            return 1;
        }
    }
    long ns = unow_ns() - t;
    sys1(NR_close, fd);
    ureport("console_lines_per_s", ns ? lines * 1000000000l / ns : 0, "lines/s");
    ureport("console_line_us", ns / lines / 1000, "us");
    return 0;
}
