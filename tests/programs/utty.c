/*
 * utty: the console's line discipline from a program's side, for a person
 * (or the QEMU test user_tty) typing at it. Canonical first: each line
 * read is printed back as [line] with control characters as ^X, so the
 * editing keys' work shows; a read of 0 (Ctrl-D at a line's start) ends
 * that part. Then raw, through TCSETS: one read with VMIN 3 (it returns
 * three bytes, however they were typed), one with VMIN 0 and VTIME 2 that
 * nobody types for (0 bytes after 0.2 s), and the settings restored.
 * Exits with the number of failures.
 */
#include "usys.h"

#define TCGETS 0x5401
#define TCSETS 0x5402
#define ICANON 0000002
#define ECHO 0000010
#define VTIME 5
#define VMIN 6

struct termios {
    unsigned iflag, oflag, cflag, lflag;
    unsigned char line, cc[19];
};

static void show(const char *buf, long n)
{
    char out[600];
    long k = 0;
    out[k++] = '[';
    for (long i = 0; i < n && k < (long)sizeof out - 4; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c < 32 || c == 127) {
            out[k++] = '^';
            out[k++] = (char)(c ^ 0100);
        } else {
            out[k++] = (char)c;
        }
    }
    out[k++] = ']';
    out[k++] = '\n';
    sys3(NR_write, 1, (long)out, k);
}

static long now_ms(void)
{
    long ts[2];
    sys3(NR_clock_gettime, 1 /* CLOCK_MONOTONIC */, (long)ts, 0);
    return ts[0] * 1000 + ts[1] / 1000000;
}

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    char buf[512];
    struct termios saved, t;
    check(sys3(NR_ioctl, 0, TCGETS, (long)&saved) == 0, "TCGETS");
    check((saved.lflag & (ICANON | ECHO)) == (ICANON | ECHO), "canonical with echo by default");
    uputs("utty: canonical\n");
    long n;
    while ((n = sys3(NR_read, 0, (long)buf, sizeof buf)) > 0)
        show(buf, n);
    check(n == 0, "the canonical part ends with a read of 0");

    t = saved;
    t.lflag &= ~(unsigned)(ICANON | ECHO);
    t.cc[VMIN] = 3;
    t.cc[VTIME] = 0;
    check(sys3(NR_ioctl, 0, TCSETS, (long)&t) == 0, "TCSETS raw");
    uputs("utty: raw\n");
    n = sys3(NR_read, 0, (long)buf, sizeof buf);
    check(n == 3, "VMIN 3: three bytes");
    if (n > 0)
        show(buf, n);
    t.cc[VMIN] = 0;
    t.cc[VTIME] = 2;
    check(sys3(NR_ioctl, 0, TCSETS, (long)&t) == 0, "TCSETS VTIME");
    long t0 = now_ms();
    n = sys3(NR_read, 0, (long)buf, sizeof buf);
    long waited = now_ms() - t0;
    check(n == 0, "VMIN 0, VTIME 2: nothing typed, a read of 0");
    check(waited >= 150, "VTIME 2 waits about 0.2 s");
    check(sys3(NR_ioctl, 0, TCSETS, (long)&saved) == 0, "TCSETS restores");
    check(sys3(NR_ioctl, 0, TCGETS, (long)&t) == 0 && t.lflag == saved.lflag, "the settings are back");
    uputs("utty: ");
    uputn(*ufails());
    uputs(" failed\n");
    return *ufails();
}
