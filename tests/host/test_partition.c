/**
 * @file test_partition.c
 * @brief The MBR/GPT parser (kernel/block/partition.c) on images built here:
 *        valid tables, damaged ones, and random bytes under ASan/UBSan.
 */
#include <stdlib.h>
#include <string.h>

#include <kernel/crc32.h>

#include "../../kernel/block/block_internal.h"
#include "../../kernel/block/part_build.h"
#include "check.h"
#include "log_capture.h"

#define BS 512
#define NBLOCKS 4096

static uint8_t disk[NBLOCKS * BS];
static uint64_t nblocks = NBLOCKS;
static int fail_reads;

struct found {
    unsigned n;
    unsigned no[PART_MAX];
    uint64_t start[PART_MAX], len[PART_MAX];
};

static int rd(void *ctx, uint64_t lba, void *buf)
{
    (void)ctx;
    if (fail_reads || lba >= nblocks)
        return -5;
    memcpy(buf, disk + lba * BS, BS);
    return 0;
}

static void add(void *ctx, unsigned no, uint64_t start, uint64_t len)
{
    struct found *f = ctx;
    if (f->n < PART_MAX) {
        f->no[f->n] = no;
        f->start[f->n] = start;
        f->len[f->n] = len;
        f->n++;
    }
}

static int scan(struct found *f)
{
    static uint8_t scratch[BS];
    memset(f, 0, sizeof *f);
    return part_scan("t", BS, nblocks, scratch, rd, add, f);
}

static int has(const struct found *f, unsigned no, uint64_t start, uint64_t len)
{
    for (unsigned i = 0; i < f->n; i++)
        if (f->no[i] == no && f->start[i] == start && f->len[i] == len)
            return 1;
    return 0;
}

static void sig(uint8_t *b) { b[510] = 0x55, b[511] = 0xaa; }

static void reset(void)
{
    memset(disk, 0, sizeof disk);
    nblocks = NBLOCKS;
    fail_reads = 0;
    log_reset();
}

static void test_mbr(void)
{
    struct found f;
    reset();
    CHECK_EQ_INT(scan(&f), 0); /* no signature: no table */
    mbr_put_entry(disk, 0, 0x83, 2048, 1000);
    mbr_put_entry(disk, 1, 0x0c, 10, 100);
    mbr_put_entry(disk, 2, 0x05, 3100, 900); /* extended */
    sig(disk);
    uint8_t *e1 = disk + 3100 * BS, *e2 = disk + 3500 * BS;
    mbr_put_entry(e1, 0, 0x83, 1, 99);
    mbr_put_entry(e1, 1, 0x05, 400, 100);
    sig(e1);
    mbr_put_entry(e2, 0, 0x83, 5, 50);
    sig(e2);
    CHECK_EQ_INT(scan(&f), 4);
    CHECK(has(&f, 1, 2048, 1000) && has(&f, 2, 10, 100));
    CHECK(has(&f, 5, 3101, 99) && has(&f, 6, 3505, 50));
    CHECK(!has(&f, 3, 3100, 900)); /* the container itself */
    /* An overlap and one past the end are skipped with a message. */
    mbr_put_entry(disk, 3, 0x83, 2500, 10);
    mbr_put_entry(disk, 2, 0x83, 4000, 500);
    CHECK_EQ_INT(scan(&f), 2);
    CHECK(log_has("overlaps another"));
    CHECK(log_has("outside the disk"));
    /* A read error is reported, not hidden. */
    fail_reads = 1;
    CHECK(scan(&f) < 0);
}

static void test_ebr_loop(void)
{
    struct found f;
    reset();
    mbr_put_entry(disk, 0, 0x0f, 100, 1000);
    sig(disk);
    uint8_t *e1 = disk + 100 * BS, *e2 = disk + 300 * BS;
    mbr_put_entry(e1, 0, 0x83, 1, 10);
    mbr_put_entry(e1, 1, 0x05, 200, 100);
    sig(e1);
    mbr_put_entry(e2, 0, 0x83, 1, 10);
    mbr_put_entry(e2, 1, 0x05, 0, 100); /* back to the first: a loop (0 ends, so use 200 again below) */
    sig(e2);
    put_le32(e2 + 462 + 8, 200); /* points at itself */
    CHECK_EQ_INT(scan(&f), 2);
    CHECK(log_has("points backwards"));
}

static const uint8_t linux_type[16] = {0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
                                       0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4};

/* A GPT header at @p at, entries at @p ent, with 128 entries of 128 bytes. */
static void gpt_header(uint64_t at, uint64_t alt, uint64_t ent)
{
    uint8_t *h = disk + at * BS;
    memset(h, 0, BS);
    memcpy(h, "EFI PART", 8);
    put_le32(h + 8, 0x00010000);
    put_le32(h + 12, 92);
    put_le64(h + 24, at);
    put_le64(h + 32, alt);
    put_le64(h + 40, 34);
    put_le64(h + 48, nblocks - 34);
    put_le64(h + 72, ent);
    put_le32(h + 80, 128);
    put_le32(h + 84, 128);
    put_le32(h + 88, crc32(0, disk + ent * BS, 128 * 128));
    put_le32(h + 16, crc32(0, h, 92));
}

static void make_gpt(void)
{
    reset();
    mbr_put_entry(disk, 0, 0xee, 1, NBLOCKS - 1);
    sig(disk);
    for (uint64_t copy = 0; copy < 2; copy++) {
        uint8_t *ent = disk + (copy ? NBLOCKS - 33 : 2) * BS;
        memcpy(ent, linux_type, 16);
        put_le64(ent + 32, 40);
        put_le64(ent + 40, 1039);
        memcpy(ent + 3 * 128, linux_type, 16);
        put_le64(ent + 3 * 128 + 32, 2000);
        put_le64(ent + 3 * 128 + 40, 2999);
    }
    gpt_header(1, NBLOCKS - 1, 2);
    gpt_header(NBLOCKS - 1, 1, NBLOCKS - 33);
}

static void test_gpt(void)
{
    struct found f;
    make_gpt();
    CHECK_EQ_INT(scan(&f), 2);
    CHECK(has(&f, 1, 40, 1000) && has(&f, 4, 2000, 1000));
    /* A damaged primary header: the backup is used, and said so. */
    disk[BS + 30] ^= 1;
    CHECK_EQ_INT(scan(&f), 2);
    CHECK(has(&f, 1, 40, 1000) && has(&f, 4, 2000, 1000));
    CHECK(log_has("using the backup"));
    /* Damaged entries under a good primary: the entry CRC fails, backup again. */
    make_gpt();
    disk[2 * BS + 40] ^= 1;
    log_reset();
    CHECK_EQ_INT(scan(&f), 2);
    CHECK(log_has("using the backup"));
    /* Both headers bad: no partitions, a message. */
    disk[BS + 30] ^= 1;
    disk[(NBLOCKS - 1) * BS + 30] ^= 1;
    CHECK_EQ_INT(scan(&f), 0);
    CHECK(log_has("neither GPT header is valid"));
    /* An entry past the usable range, one ending before it starts. */
    make_gpt();
    uint8_t *ent = disk + 2 * BS;
    memcpy(ent + 128, linux_type, 16);
    put_le64(ent + 128 + 32, 3000);
    put_le64(ent + 128 + 40, NBLOCKS + 10);
    memcpy(ent + 5 * 128, linux_type, 16);
    put_le64(ent + 5 * 128 + 32, 500);
    put_le64(ent + 5 * 128 + 40, 400);
    gpt_header(1, NBLOCKS - 1, 2);
    log_reset();
    CHECK_EQ_INT(scan(&f), 2);
    CHECK(log_has("outside the disk"));
    CHECK(log_has("ends before it starts"));
    /* Absurd sizes in the header make it invalid (and the backup serves). */
    make_gpt();
    put_le32(disk + BS + 80, 0x10000000);
    put_le32(disk + BS + 16, 0);
    put_le32(disk + BS + 16, crc32(0, disk + BS, 92));
    log_reset();
    CHECK_EQ_INT(scan(&f), 2);
    CHECK(log_has("using the backup"));
}

static uint64_t seed = 88172645463325252ull;
static uint64_t rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
}

/* Random tables: never a crash, and what is reported is inside the disk
 * and never overlaps. */
static void test_fuzz(void)
{
    int bad = 0;
    for (int iter = 0; iter < 20000; iter++) {
        reset();
        nblocks = 64 + rnd() % 200;
        for (uint64_t b = 0; b < 4; b++)
            for (int i = 0; i < BS; i++)
                disk[b * BS + i] = (uint8_t)rnd();
        /* Mostly plausible: signatures and small numbers. */
        sig(disk);
        if (rnd() % 2) {
            for (int i = 0; i < 4; i++) {
                uint8_t types[] = {0, 0x83, 0x05, 0x0f, 0xee, 0x85};
                mbr_put_entry(disk, i, types[rnd() % 6], (uint32_t)(rnd() % 300), (uint32_t)(rnd() % 300));
            }
            for (uint64_t b = 1; b < nblocks; b += 1 + rnd() % 16) {
                sig(disk + b * BS);
                mbr_put_entry(disk + b * BS, 0, 0x83, (uint32_t)(rnd() % 50), (uint32_t)(rnd() % 50));
                mbr_put_entry(disk + b * BS, 1, 0x05, (uint32_t)(rnd() % 300), (uint32_t)(rnd() % 50));
            }
        }
        if (rnd() % 3 == 0) {
            memcpy(disk + BS, "EFI PART", 8);
            put_le32(disk + BS + 12, 92);
            put_le32(disk + BS + 16, crc32(0, disk + BS, 92));
        }
        struct found f;
        int n = scan(&f);
        if (n < 0)
            continue;
        for (unsigned i = 0; i < f.n; i++) {
            if (f.start[i] + f.len[i] > nblocks || f.len[i] == 0)
                bad++;
            for (unsigned j = 0; j < i; j++)
                if (f.start[i] < f.start[j] + f.len[j] && f.start[j] < f.start[i] + f.len[i])
                    bad++;
        }
    }
    CHECK_EQ_INT(bad, 0);
}

int main(void)
{
    test_mbr();
    test_ebr_loop();
    test_gpt();
    test_fuzz();
    return CHECK_DONE("test_partition");
}
