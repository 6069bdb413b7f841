/**
 * @file test_initrd.c
 * @brief The initrd archive reader (kernel/fs/archive.c) on newc cpio and
 *        ustar archives built here, damaged ones, and random bytes: every
 *        member comes back exactly, damage ends the walk with -EINVAL, and
 *        no read leaves the buffer (ASan would say).
 */
#include <kernel/errno.h>
#include <kernel/initrd.h>
#include <stdlib.h>

#include "check.h"

static size_t put_newc(uint8_t *out, size_t at, const char *name, uint32_t mode, const char *data)
{
    size_t nlen = strlen(name) + 1, dlen = strlen(data);
    char hdr[111];
    snprintf(hdr, sizeof hdr, "070701%08x%08x%08x%08x%08x%08x%08zx%08x%08x%08x%08x%08zx%08x", 1u, mode, 0u, 0u,
             1u, 0u, dlen, 0u, 0u, 0u, 0u, nlen, 0u);
    memcpy(out + at, hdr, 110);
    at += 110;
    memcpy(out + at, name, nlen);
    at += nlen;
    while (at % 4)
        out[at++] = 0;
    memcpy(out + at, data, dlen);
    at += dlen;
    while (at % 4)
        out[at++] = 0;
    return at;
}

static size_t put_ustar(uint8_t *out, size_t at, const char *name, char type, const char *data)
{
    uint8_t *h = out + at;
    memset(h, 0, 512);
    memcpy(h, name, strlen(name));
    snprintf((char *)h + 100, 8, "%07o", 0644);
    snprintf((char *)h + 124, 12, "%011zo", strlen(data));
    h[156] = (uint8_t)type;
    memcpy(h + 257, "ustar", 6);
    at += 512;
    memset(out + at, 0, (strlen(data) + 511) / 512 * 512);
    memcpy(out + at, data, strlen(data));
    return at + (strlen(data) + 511) / 512 * 512;
}

/* Walk the archive; return the number of members, or the error. Checks
 * each member's name/data against the expected lists. */
static int walk(const uint8_t *a, size_t size, const char *const *names, const char *const *datas, unsigned n)
{
    size_t pos = 0;
    struct archive_entry e;
    unsigned i = 0;
    int rc;
    while ((rc = archive_next(a, size, &pos, &e)) == 1) {
        CHECK(i < n);
        if (i < n) {
            CHECK(e.name_len == strlen(names[i]) && memcmp(e.name, names[i], e.name_len) == 0);
            CHECK(e.size == strlen(datas[i]) && memcmp(e.data, datas[i], e.size) == 0);
        }
        i++;
    }
    return rc < 0 ? rc : (int)i;
}

static void test_newc(void)
{
    static uint8_t a[4096];
    size_t n = 0;
    n = put_newc(a, n, "bpf", 040755, "");
    n = put_newc(a, n, "./bpf/count.o", 0100644, "ELF...");
    n = put_newc(a, n, "/hello.txt", 0100644, "hello\n");
    n = put_newc(a, n, "odd", 0100644, "abc");
    size_t end = put_newc(a, n, "TRAILER!!!", 0, "");
    const char *names[] = {"bpf", "bpf/count.o", "hello.txt", "odd"};
    const char *datas[] = {"", "ELF...", "hello\n", "abc"};
    CHECK_EQ_INT(walk(a, end, names, datas, 4), 4);
    /* without a trailer, the end of the bytes ends it */
    CHECK_EQ_INT(walk(a, n, names, datas, 4), 4);
    /* every truncation either ends early or reports damage, never overreads */
    for (size_t cut = 0; cut < end; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, a, cut);
        size_t pos = 0;
        struct archive_entry e;
        int rc, guard = 0;
        while ((rc = archive_next(copy, cut, &pos, &e)) == 1 && guard++ < 10)
            CHECK((const uint8_t *)e.data + e.size <= copy + cut);
        CHECK(rc <= 0);
        free(copy);
    }
    /* a bad hex digit in the size field */
    uint8_t bad[4096];
    memcpy(bad, a, end);
    bad[6 + 8 * 6 + 3] = 'g';
    CHECK_EQ_INT(walk(bad, end, names, datas, 4), -EINVAL);
    /* a size running past the end */
    memcpy(bad, a, end);
    memcpy(bad + 6 + 8 * 6, "7fffffff", 8);
    CHECK_EQ_INT(walk(bad, end, names, datas, 4), -EINVAL);
    /* a name without its NUL */
    memcpy(bad, a, end);
    memcpy(bad + 6 + 8 * 11, "00000002", 8);
    CHECK_EQ_INT(walk(bad, end, names, datas, 4), -EINVAL);
    /* garbage where a header should be */
    CHECK_EQ_INT(walk((const uint8_t *)"not an archive at all", 21, names, datas, 0), -EINVAL);
}

static void test_ustar(void)
{
    static uint8_t a[8192];
    size_t n = 0;
    n = put_ustar(a, n, "dir/", '5', "");
    n = put_ustar(a, n, "dir/file", '0', "contents");
    n = put_ustar(a, n, "./top", '0', "x");
    memset(a + n, 0, 1024);
    const char *names[] = {"dir/", "dir/file", "top"};
    const char *datas[] = {"", "contents", "x"};
    CHECK_EQ_INT(walk(a, n + 1024, names, datas, 3), 3);
    size_t pos = 512;
    struct archive_entry e;
    CHECK_EQ_INT(archive_next(a, n, &pos, &e), 1);
    CHECK_EQ_INT(e.mode & ARCHIVE_S_IFMT, ARCHIVE_S_IFREG);
    pos = 0;
    CHECK_EQ_INT(archive_next(a, n, &pos, &e), 1);
    CHECK_EQ_INT(e.mode & ARCHIVE_S_IFMT, ARCHIVE_S_IFDIR);
    /* a non-octal size */
    a[512 + 124] = '9';
    CHECK_EQ_INT(walk(a, n + 1024, names, datas, 3), -EINVAL);
}

static void test_random(void)
{
    srand(7);
    uint8_t buf[600];
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = (size_t)rand() % sizeof buf;
        uint8_t *p = malloc(len ? len : 1);
        for (size_t i = 0; i < len; i++)
            p[i] = (uint8_t)rand();
        if (len >= 6 && iter % 2)
            memcpy(p, "070701", 6); /* mostly-plausible headers */
        for (size_t i = 6; iter % 4 == 1 && i < len && i < 110; i++)
            p[i] = "0123456789abcdef"[rand() % (iter % 8 == 1 ? 16 : 2)];
        size_t pos = 0;
        struct archive_entry e;
        int guard = 0;
        while (archive_next(p, len, &pos, &e) == 1 && guard++ < 100)
            CHECK((const uint8_t *)e.data >= p && (const uint8_t *)e.data + e.size <= p + len);
        free(p);
        (void)buf;
    }
}

int main(void)
{
    test_newc();
    test_ustar();
    test_random();
    return CHECK_DONE("test_initrd");
}
