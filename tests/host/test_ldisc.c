/**
 * @file test_ldisc.c
 * @brief The terminal line discipline (kernel/fs/ldisc.c) fed byte by byte,
 *        as the console's receive queue feeds it: canonical lines and their
 *        editing keys, the end of input, the input flags, signal keys,
 *        raw mode's VMIN/VTIME, mode changes with input pending, a full
 *        buffer, and the echo a terminal would show for each.
 */
#include "check.h"
#include <kernel/user.h>
#include "../../kernel/tty/ldisc.h"

static struct ldisc ld;

static void reset(void)
{
    ldisc_init(&ld);
}

/* Feed @p s; the last nonzero signal any byte asked for. */
static int feed(const char *s)
{
    int sig = 0;
    for (; *s; s++) {
        int r = ldisc_input(&ld, (uint8_t)*s);
        if (r)
            sig = r;
    }
    return sig;
}

/* Read up to @p n bytes into a NUL-terminated static buffer. */
static const char *rd(size_t n)
{
    static char out[LDISC_BUF + 1];
    size_t k = ldisc_read(&ld, out, n);
    out[k] = 0;
    return out;
}

static const char *echo(void)
{
    static char out[LDISC_ECHO + 1];
    size_t k = ldisc_take_echo(&ld, out, LDISC_ECHO);
    out[k] = 0;
    return out;
}

#define CHECK_STR(a, b)                                                                   \
    do {                                                                                  \
        const char *check_x_ = (a), *check_y_ = (b);                                     \
        check_count++;                                                                    \
        if (strcmp(check_x_, check_y_) != 0) {                                            \
            check_failed++;                                                               \
            fprintf(stderr, "%s:%d: %s: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a,     \
                    check_x_, check_y_);                                                  \
        }                                                                                 \
    } while (0)

static void test_canonical_lines(void)
{
    reset();
    feed("hel");
    CHECK(!ldisc_line_ready(&ld)); /* no line until it ends */
    CHECK_EQ_INT(ldisc_readable(&ld), 0);
    feed("lo\r"); /* ICRNL: Enter is CR on the wire */
    CHECK(ldisc_line_ready(&ld));
    CHECK_STR(echo(), "hello\n");
    feed("second\nthi");
    CHECK_STR(rd(100), "hello\n"); /* one line per read */
    CHECK_STR(rd(3), "sec");       /* a short read leaves the rest of the line */
    CHECK_STR(rd(100), "ond\n");
    CHECK(!ldisc_line_ready(&ld)); /* "thi" is still being typed */
    CHECK_STR(rd(100), "");
    feed("rd\n");
    CHECK_STR(rd(100), "third\n");
}

static void test_editing_keys(void)
{
    reset();
    feed("abc\x7f" "d\n"); /* DEL is VERASE */
    CHECK_STR(rd(100), "abd\n");
    CHECK_STR(echo(), "abc\b \bd\n");
    feed("x\x7f\x7f\x7fy\n"); /* erasing past the line's start does nothing */
    CHECK_STR(rd(100), "y\n");
    feed("first\n");
    feed("\x7f\x7fz\n"); /* nor past a line already ended */
    CHECK_STR(rd(100), "first\n");
    CHECK_STR(rd(100), "z\n");
    echo();
    feed("junk here\x15ok\n"); /* ^U: VKILL, with ECHOKE erasing each column */
    CHECK_STR(rd(100), "ok\n");
    CHECK_STR(echo(), "junk here\b \b\b \b\b \b\b \b\b \b\b \b\b \b\b \b\b \bok\n");
    feed("one two  \x17three\n"); /* ^W: the blanks, then the word */
    CHECK_STR(rd(100), "one three\n");
    CHECK_STR(echo(), "one two  \b \b\b \b\b \b\b \b\b \bthree\n");
    feed("a\x16\x7f" "b\n"); /* ^V: the next byte is data, even DEL */
    CHECK_STR(rd(100), "a\x7f" "b\n");
    CHECK_STR(echo(), "a^\b^?b\n");
    echo();
    feed("\x01\x7fq\n"); /* a control character shows as ^A, two columns to erase */
    CHECK_STR(rd(100), "q\n");
    CHECK_STR(echo(), "^A\b \b\b \bq\n");
    feed("ab\x12"); /* ^R: VREPRINT shows the line again */
    CHECK_STR(echo(), "ab^R\nab");
    feed("\n");
    CHECK_STR(rd(100), "ab\n");

    /* Without ECHOKE, the kill key is echoed and ECHOK adds a newline. */
    struct ldisc_termios t = ld.t;
    t.lflag &= ~(uint32_t)ECHOKE;
    ldisc_set_termios(&ld, &t);
    echo();
    feed("gone\x15");
    CHECK_STR(echo(), "gone^U\n");
    /* Without IEXTEN, ^W is data. */
    t.lflag &= ~(uint32_t)IEXTEN;
    ldisc_set_termios(&ld, &t);
    feed("a\x17\n");
    CHECK_STR(rd(100), "a\x17\n");
    /* Without ECHOE, an erase echoes the erase character. */
    reset();
    t = ld.t;
    t.lflag &= ~(uint32_t)ECHOE;
    ldisc_set_termios(&ld, &t);
    feed("ab\x7f");
    CHECK_STR(echo(), "ab^?");
}

static void test_end_of_input(void)
{
    reset();
    feed("\x04"); /* ^D at a line's start: a read of 0, the end */
    CHECK(ldisc_line_ready(&ld));
    CHECK_STR(rd(100), "");
    CHECK(!ldisc_line_ready(&ld)); /* consumed: the next read waits again */
    feed("part\x04");             /* ^D after text: the text, no newline */
    CHECK_STR(rd(100), "part");
    CHECK(!ldisc_line_ready(&ld));
    CHECK_STR(echo(), "part");    /* VEOF is not echoed */
    feed("x\x04\x04");            /* a line, then an end */
    CHECK_STR(rd(100), "x");
    CHECK(ldisc_line_ready(&ld));
    CHECK_STR(rd(100), "");
    /* VEOL ends a line and is data. */
    struct ldisc_termios t = ld.t;
    t.cc[VEOL] = ';';
    ldisc_set_termios(&ld, &t);
    feed("ls;pwd");
    CHECK_STR(rd(100), "ls;");
    CHECK(!ldisc_line_ready(&ld));
}

static void test_input_flags(void)
{
    reset();
    struct ldisc_termios t = ld.t;
    t.iflag = IGNCR;
    ldisc_set_termios(&ld, &t);
    feed("a\rb\n");
    CHECK_STR(rd(100), "ab\n");
    t.iflag = INLCR; /* NL becomes CR, which then ends nothing */
    ldisc_set_termios(&ld, &t);
    feed("a\nb");
    CHECK(!ldisc_line_ready(&ld));
    t.iflag = 0; /* no ICRNL: CR is data */
    ldisc_set_termios(&ld, &t);
    feed("\r\n");
    CHECK_STR(rd(100), "a\rb\r\n");
    t.iflag = ISTRIP | ICRNL;
    ldisc_set_termios(&ld, &t);
    feed("\xc1\r"); /* 0xc1 stripped to 'A' */
    CHECK_STR(rd(100), "A\n");
}

static void test_signal_keys(void)
{
    reset();
    feed("typed ahead\nand more");
    echo();
    CHECK_EQ_INT(feed("\x03"), SIGINT);
    CHECK_EQ_INT(ldisc_readable(&ld), 0); /* the input typed ahead goes */
    CHECK(!ldisc_line_ready(&ld));
    CHECK_STR(echo(), "^C");
    CHECK_EQ_INT(feed("\x1c"), SIGQUIT);
    CHECK_EQ_INT(feed("\x1a"), SIGTSTP);
    CHECK_EQ_INT(ldisc_signal_key(&ld.t, 3), SIGINT);
    CHECK_EQ_INT(ldisc_signal_key(&ld.t, 'c'), 0);
    /* NOFLSH keeps the input. */
    struct ldisc_termios t = ld.t;
    t.lflag |= NOFLSH;
    ldisc_set_termios(&ld, &t);
    feed("kept\n");
    CHECK_EQ_INT(feed("\x03"), SIGINT);
    CHECK_STR(rd(100), "kept\n");
    /* ^V makes the next signal key data. */
    CHECK_EQ_INT(feed("\x16\x03\n"), 0);
    CHECK_STR(rd(100), "\x03\n");
    /* Without ISIG they are data; a disabled key (0) never matches. */
    t.lflag &= ~(uint32_t)ISIG;
    ldisc_set_termios(&ld, &t);
    CHECK_EQ_INT(feed("\x03\n"), 0);
    CHECK_STR(rd(100), "\x03\n");
    t.lflag |= ISIG;
    t.cc[VINTR] = 0;
    ldisc_set_termios(&ld, &t);
    CHECK_EQ_INT(ldisc_input(&ld, 0), 0);
    CHECK_EQ_INT(ldisc_signal_key(&t, 0), 0);
}

static void test_raw_mode(void)
{
    reset();
    struct ldisc_termios t = ld.t;
    t.lflag &= ~(uint32_t)(ICANON | ECHO);
    t.cc[VMIN] = 1;
    t.cc[VTIME] = 0;
    feed("half"); /* a line being typed when ICANON goes off is input now */
    ldisc_set_termios(&ld, &t);
    CHECK_EQ_INT(ldisc_readable(&ld), 4);
    feed("\x7f\r"); /* no editing in raw mode; ICRNL still applies */
    CHECK_EQ_INT(ldisc_readable(&ld), 6);
    CHECK_STR(rd(3), "hal");
    CHECK_STR(rd(100), "f\x7f\n");
    CHECK_STR(echo(), "half"); /* echoed while canonical, not after ECHO went off */
    size_t want;
    unsigned ds;
    ldisc_raw_wait(&ld, 100, &want, &ds);
    CHECK_EQ_INT(want, 1);
    CHECK_EQ_INT(ds, 0);
    t.cc[VMIN] = 5;
    t.cc[VTIME] = 3;
    ldisc_set_termios(&ld, &t);
    ldisc_raw_wait(&ld, 100, &want, &ds);
    CHECK_EQ_INT(want, 5);
    CHECK_EQ_INT(ds, 3);
    ldisc_raw_wait(&ld, 2, &want, &ds); /* a read of 2 needs no more than 2 */
    CHECK_EQ_INT(want, 2);
    /* Back to canonical: what raw left unread is the start of a line. */
    feed("ab");
    t.lflag |= ICANON | ECHO;
    ldisc_set_termios(&ld, &t);
    CHECK(!ldisc_line_ready(&ld));
    feed("\x7f" "c\n");
    CHECK_STR(rd(100), "ac\n");
}

static void test_full_buffer(void)
{
    reset();
    for (int i = 0; i < LDISC_BUF + 100; i++)
        ldisc_input(&ld, 'x');
    echo();
    CHECK(!ldisc_line_ready(&ld));
    feed("\n"); /* a full line can still be ended */
    CHECK(ldisc_line_ready(&ld));
    static char big[LDISC_BUF + 10];
    size_t k = ldisc_read(&ld, big, sizeof big);
    CHECK_EQ_INT(k, LDISC_BUF);
    CHECK(big[k - 1] == '\n' && big[0] == 'x' && big[k - 2] == 'x');
    CHECK_EQ_INT(ldisc_readable(&ld), 0);
    /* The echo buffer is bounded: a reprint of a long line is cut. */
    for (int i = 0; i < 2000; i++)
        ldisc_input(&ld, 'y');
    echo();
    ldisc_input(&ld, 0x12);
    size_t e = ldisc_take_echo(&ld, big, sizeof big);
    CHECK_EQ_INT(e, LDISC_ECHO);
    CHECK(ldisc_take_echo(&ld, big, sizeof big) == 0);
    ldisc_flush(&ld);
    CHECK_EQ_INT(ldisc_readable(&ld), 0);
    feed("ok\n");
    CHECK_STR(rd(100), "ok\n");
}

/* Every byte value in every mode: no crash, the invariants hold. */
static void test_every_byte(void)
{
    for (int mode = 0; mode < 4; mode++) {
        reset();
        struct ldisc_termios t = ld.t;
        if (mode & 1)
            t.lflag &= ~(uint32_t)ICANON;
        if (mode & 2)
            t.lflag &= ~(uint32_t)(ECHO | ISIG);
        ldisc_set_termios(&ld, &t);
        uint32_t x = 12345;
        for (int i = 0; i < 200000; i++) {
            x = x * 1103515245u + 12345u;
            ldisc_input(&ld, (uint8_t)(x >> 16));
            if ((x >> 8) % 7 == 0) {
                char out[64];
                ldisc_read(&ld, out, sizeof out);
            }
            if ((x >> 4) % 5 == 0) {
                char out[64];
                ldisc_take_echo(&ld, out, sizeof out);
            }
            CHECK(ld.avail <= ld.len && ld.len <= LDISC_BUF && ld.echo_len <= LDISC_ECHO);
            if (check_failed)
                return;
        }
    }
}

int main(void)
{
    test_canonical_lines();
    test_editing_keys();
    test_end_of_input();
    test_input_flags();
    test_signal_keys();
    test_raw_mode();
    test_full_buffer();
    test_every_byte();
    return CHECK_DONE("test_ldisc");
}
