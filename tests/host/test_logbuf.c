/**
 * @file test_logbuf.c
 * @brief The kernel log's ring: order, levels, wrap-around with the oldest
 *        records dropped whole, readers that fall behind, bad sizes, and a
 *        random run against a plain list of every record appended.
 */
#include "check.h"
#include <kernel/errno.h>
#include <kernel/logbuf.h>
#include <stdlib.h>

static void test_order_and_levels(void)
{
    char mem[256];
    struct logbuf lb;
    logbuf_init(&lb, mem, sizeof mem);
    struct logbuf_cursor c = logbuf_oldest(&lb);
    char out[64];
    unsigned level;
    uint64_t lost;
    CHECK_EQ_INT(logbuf_read(&lb, &c, &level, out, sizeof out, &lost), -1);
    CHECK_EQ_INT(logbuf_append(&lb, 2, "one", 3), 0);
    CHECK_EQ_INT(logbuf_append(&lb, 0, "", 0), 0);
    CHECK_EQ_INT(logbuf_append(&lb, 1, "three", 5), 0);
    CHECK_EQ_INT(logbuf_read(&lb, &c, &level, out, sizeof out, &lost), 3);
    CHECK(strcmp(out, "one") == 0 && level == 2 && lost == 0);
    CHECK_EQ_INT(logbuf_read(&lb, &c, &level, out, sizeof out, &lost), 0);
    CHECK(out[0] == 0 && level == 0);
    CHECK_EQ_INT(logbuf_read(&lb, &c, &level, out, 3, &lost), 5); /* full length, cut copy */
    CHECK(strcmp(out, "th") == 0 && level == 1);
    CHECK_EQ_INT(logbuf_read(&lb, &c, &level, out, sizeof out, &lost), -1);
    /* A cursor at the end picks up what comes later. */
    CHECK_EQ_INT(logbuf_append(&lb, 3, "four", 4), 0);
    CHECK_EQ_INT(logbuf_read(&lb, &c, &level, out, sizeof out, &lost), 4);
    CHECK(strcmp(out, "four") == 0 && level == 3);
}

static void test_sizes(void)
{
    char mem[16];
    struct logbuf lb;
    logbuf_init(&lb, mem, sizeof mem);
    CHECK_EQ_INT(logbuf_append(&lb, 1, "abc", 3), 0);
    /* 14 bytes of text and a 3-byte header cannot fit in 16: refused, and
     * the record already there stays. */
    CHECK_EQ_INT(logbuf_append(&lb, 1, "0123456789abcd", 14), -EINVAL);
    CHECK_EQ_INT(logbuf_append(&lb, 1, "0123456789abc", 13), 0); /* exactly fills it */
    struct logbuf_cursor c = logbuf_oldest(&lb);
    char out[32];
    unsigned level;
    uint64_t lost;
    CHECK(c.seq == 1); /* "abc" made room */
    CHECK_EQ_INT(logbuf_read(&lb, &c, &level, out, sizeof out, &lost), 13);
    CHECK(strcmp(out, "0123456789abc") == 0);
    static char big[70000];
    char bigmem[80000];
    logbuf_init(&lb, bigmem, sizeof bigmem);
    CHECK_EQ_INT(logbuf_append(&lb, 1, big, 65536), -EINVAL); /* length field is 16 bits */
    CHECK_EQ_INT(logbuf_append(&lb, 1, big, 65535), 0);
}

/* Random records into a small ring, checked against the list of all of
 * them: what is kept is always the newest records that fit, whole; a reader
 * left behind is told exactly how many it missed. */
static void test_random(void)
{
    enum { N = 20000 };
    static char texts[N][40];
    static size_t lens[N];
    static unsigned levels[N];
    char mem[200];
    struct logbuf lb;
    logbuf_init(&lb, mem, sizeof mem);
    srand(7);
    struct logbuf_cursor slow = logbuf_oldest(&lb);
    for (int i = 0; i < N; i++) {
        lens[i] = (size_t)(rand() % 40);
        levels[i] = (unsigned)(rand() % 4);
        for (size_t k = 0; k < lens[i]; k++)
            texts[i][k] = (char)('a' + rand() % 26);
        CHECK_EQ_INT(logbuf_append(&lb, levels[i], texts[i], lens[i]), 0);
        /* The kept records are the newest ones whose total fits. */
        size_t bytes = 0;
        int oldest = i;
        while (oldest >= 0 && bytes + LOGBUF_HDR + lens[oldest] <= sizeof mem)
            bytes += LOGBUF_HDR + lens[oldest--];
        CHECK_EQ_INT(logbuf_oldest(&lb).seq, oldest + 1);
        if (rand() % 50 == 0) { /* read everything from a stale cursor */
            char out[64];
            unsigned level;
            uint64_t lost, expect_seq = slow.seq;
            long n;
            int first = 1;
            while ((n = logbuf_read(&lb, &slow, &level, out, sizeof out, &lost)) >= 0) {
                if (first)
                    CHECK_EQ_INT(lost, expect_seq < (uint64_t)(oldest + 1) ?
                                           (uint64_t)(oldest + 1) - expect_seq : 0);
                else
                    CHECK_EQ_INT(lost, 0);
                uint64_t seq = slow.seq - 1;
                CHECK(n == (long)lens[seq] && level == levels[seq] &&
                      memcmp(out, texts[seq], lens[seq]) == 0);
                first = 0;
            }
            CHECK_EQ_INT(slow.seq, i + 1);
        }
    }
}

int main(void)
{
    test_order_and_levels();
    test_sizes();
    test_random();
    return CHECK_DONE("test_logbuf");
}
