/**
 * @file test_string.c
 * @brief Host tests for kernel/lib/string.c against glibc.
 *
 * string.c is built with -DKSTRING_PREFIX so its functions are named k_*,
 * letting us call the kernel and C-library versions side by side on the
 * same inputs and compare results (signs only, for the comparisons).
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#ifndef KSTRING_PREFIX
#error "build test_string with -DKSTRING_PREFIX"
#endif
#include <kernel/errno.h>
#include <kernel/string.h>

#include "check.h"
#include <stdlib.h>

static int sign(int v) { return (v > 0) - (v < 0); }

static const char *const strs[] = {
    "", "a", "b", "ab", "abc", "abd", "abcd", "hello", "hello world", "\x80", "\xff",
    "a\x80", "zzz", "Z", "0123456789abcdef",
};
#define NSTRS (sizeof strs / sizeof strs[0])

static void test_mem(void)
{
    unsigned char a[64], b[64], src[64];
    for (int i = 0; i < 64; i++)
        src[i] = (unsigned char)(i * 7 + 3);

    for (size_t n = 0; n <= 40; n++) {
        memset(a, 0xAA, sizeof a);
        memset(b, 0xAA, sizeof b);
        CHECK(k_memcpy(a + 3, src, n) == a + 3);
        memcpy(b + 3, src, n);
        CHECK(memcmp(a, b, sizeof a) == 0);

        CHECK(k_memset(a + 1, 0x5C + (int)n, n) == a + 1);
        memset(b + 1, 0x5C + (int)n, n);
        CHECK(memcmp(a, b, sizeof a) == 0);
    }
    /* The word-at-a-time paths: every alignment of destination and source
     * (equal and unequal mod 8), lengths across the 64-byte unrolled loop,
     * and nothing outside [dst, dst + n) touched. */
    static unsigned char big_a[200], big_b[200], big_src[200];
    for (int i = 0; i < 200; i++)
        big_src[i] = (unsigned char)(i * 13 + 1);
    for (size_t dst = 0; dst < 16; dst++)
        for (size_t so = 0; so < 16; so++)
            for (size_t n = 0; n <= 130; n += (n < 40 ? 1 : 7)) {
                memset(big_a, 0xAA, sizeof big_a);
                memset(big_b, 0xAA, sizeof big_b);
                CHECK(k_memcpy(big_a + dst, big_src + so, n) == big_a + dst);
                memcpy(big_b + dst, big_src + so, n);
                CHECK(memcmp(big_a, big_b, sizeof big_a) == 0);
                if (so == 0) {
                    CHECK(k_memset(big_a + dst, (int)n, n) == big_a + dst);
                    memset(big_b + dst, (int)n, n);
                    CHECK(memcmp(big_a, big_b, sizeof big_a) == 0);
                }
            }
    /* A source that ends where its allocation ends, at every alignment:
     * ASan reports a load past it (the shifted-word path's last word). */
    for (size_t n = 0; n <= 70; n++)
        for (size_t so = 0; so < 8 && so <= n; so++) {
            unsigned char *h = malloc(n ? n : 1), *out = malloc(n + 8);
            for (size_t i = 0; i < n; i++)
                h[i] = (unsigned char)(i * 29 + 5);
            for (size_t dst = 0; dst < 8; dst++) {
                CHECK(k_memcpy(out + dst, h + so, n - so) == out + dst);
                CHECK(memcmp(out + dst, h + so, n - so) == 0);
            }
            free(h);
            free(out);
        }
    /* memset takes (unsigned char)c */
    k_memset(a, 0x1FF, 4);
    CHECK(a[0] == 0xFF && a[3] == 0xFF);

    /* memmove: every overlap direction and distance */
    for (size_t dst = 0; dst < 16; dst++) {
        for (size_t s = 0; s < 16; s++) {
            for (size_t n = 0; n <= 24; n += 3) {
                memcpy(a, src, sizeof a);
                memcpy(b, src, sizeof b);
                CHECK(k_memmove(a + dst, a + s, n) == a + dst);
                memmove(b + dst, b + s, n);
                CHECK(memcmp(a, b, sizeof a) == 0);
            }
        }
    }

    for (size_t i = 0; i < NSTRS; i++)
        for (size_t j = 0; j < NSTRS; j++) {
            size_t n = strlen(strs[i]) < strlen(strs[j]) ? strlen(strs[i]) : strlen(strs[j]);
            for (size_t k = 0; k <= n; k++)
                CHECK_EQ_INT(sign(k_memcmp(strs[i], strs[j], k)),
                             sign(memcmp(strs[i], strs[j], k)));
        }
}

static void test_str(void)
{
    for (size_t i = 0; i < NSTRS; i++) {
        const char *s = strs[i];
        CHECK_EQ_INT(k_strlen(s), strlen(s));
        for (size_t m = 0; m < 20; m++)
            CHECK_EQ_INT(k_strnlen(s, m), strnlen(s, m));
        for (size_t j = 0; j < NSTRS; j++) {
            CHECK_EQ_INT(sign(k_strcmp(s, strs[j])), sign(strcmp(s, strs[j])));
            for (size_t n = 0; n < 14; n++)
                CHECK_EQ_INT(sign(k_strncmp(s, strs[j], n)), sign(strncmp(s, strs[j], n)));
        }
        const int chars[] = {0, 'a', 'b', 'l', 'o', 'z', '9', 0x80, 0xff, -1, 'a' + 256};
        for (size_t c = 0; c < sizeof chars / sizeof chars[0]; c++)
            CHECK(k_strchr(s, chars[c]) == strchr(s, chars[c]));
        for (size_t j = 0; j < NSTRS; j++)
            CHECK(k_strstr(s, strs[j]) == strstr(s, strs[j]));
        for (size_t k = 0; s[k]; k++) /* every tail of s, found where it is */
            CHECK(k_strstr(s, s + k) == strstr(s, s + k));
    }
    /* strnlen must not read past max: no NUL within the buffer */
    char nonul[4] = {'x', 'y', 'z', 'w'};
    CHECK_EQ_INT(k_strnlen(nonul, 4), 4);
    CHECK_EQ_INT(k_strnlen(nonul, 2), 2);
}

static void test_strlcpy(void)
{
    char buf[8];
    memset(buf, 'Q', sizeof buf);
    CHECK_EQ_INT(k_strlcpy(buf, "hello", sizeof buf), 5);
    CHECK_EQ_STR(buf, "hello");
    CHECK_EQ_INT(k_strlcpy(buf, "hello world", sizeof buf), 11);
    CHECK_EQ_STR(buf, "hello w");
    CHECK_EQ_INT(k_strlcpy(buf, "1234567", sizeof buf), 7);
    CHECK_EQ_STR(buf, "1234567");
    CHECK_EQ_INT(k_strlcpy(buf, "12345678", sizeof buf), 8);
    CHECK_EQ_STR(buf, "1234567");
    CHECK_EQ_INT(k_strlcpy(buf, "", sizeof buf), 0);
    CHECK_EQ_STR(buf, "");
    buf[0] = 'Q';
    CHECK_EQ_INT(k_strlcpy(buf, "abc", 1), 3);
    CHECK_EQ_STR(buf, "");
    buf[0] = 'Q';
    CHECK_EQ_INT(k_strlcpy(buf, "abc", 0), 3);
    CHECK(buf[0] == 'Q');
}

static void check_parse(const char *s, unsigned base, int want_rc, uint64_t want, int line)
{
    uint64_t v = 0xDEADBEEF;
    int rc = k_kstrtou64(s, base, &v);
    check_count++;
    if (rc != want_rc || (rc == 0 && v != want) || (rc != 0 && v != 0xDEADBEEF)) {
        check_failed++;
        fprintf(stderr, "%s:%d: kstrtou64(\"%s\", %u): rc %d value %" PRIu64
                        ", want rc %d value %" PRIu64 "\n",
                __FILE__, line, s, base, rc, v, want_rc, want);
    }
}
#define PARSE(s, base, rc, v) check_parse((s), (base), (rc), (v), __LINE__)

static void test_kstrtou64(void)
{
    PARSE("0", 0, 0, 0);
    PARSE("7", 0, 0, 7);
    PARSE("42", 0, 0, 42);
    PARSE("0042", 0, 0, 42);
    PARSE("0x2a", 0, 0, 42);
    PARSE("0X2A", 0, 0, 42);
    PARSE("0xffffffffffffffff", 0, 0, UINT64_MAX);
    PARSE("0x10000000000000000", 0, -ERANGE, 0);
    PARSE("18446744073709551615", 0, 0, UINT64_MAX);
    PARSE("18446744073709551616", 0, -ERANGE, 0);
    PARSE("18446744073709551620", 10, -ERANGE, 0);
    PARSE("99999999999999999999999", 0, -ERANGE, 0);
    PARSE("", 0, -EINVAL, 0);
    PARSE("", 10, -EINVAL, 0);
    PARSE("0x", 0, -EINVAL, 0);
    PARSE("12a", 0, -EINVAL, 0);
    PARSE("12a", 10, -EINVAL, 0);
    PARSE("12a", 16, 0, 0x12a);
    PARSE(" 12", 0, -EINVAL, 0);
    PARSE("12 ", 0, -EINVAL, 0);
    PARSE("-1", 0, -EINVAL, 0);
    PARSE("+1", 0, -EINVAL, 0);
    PARSE("0xg", 0, -EINVAL, 0);
    PARSE("777", 8, 0, 0777);
    PARSE("8", 8, -EINVAL, 0);
    PARSE("101", 2, 0, 5);
    PARSE("zz", 36, 0, 35 * 36 + 35);
    PARSE("1", 1, -EINVAL, 0);
    PARSE("1", 37, -EINVAL, 0);
    PARSE("1999999999999999", 16, 0, 0x1999999999999999ull);
    PARSE("1999999999999999a", 16, -ERANGE, 0);
}

int main(void)
{
    test_mem();
    test_str();
    test_strlcpy();
    test_kstrtou64();
    return CHECK_DONE("test_string");
}
