/**
 * @file test_partition.c
 * @brief The MBR/GPT parser (kernel/block/partition.c) on images built here:
 *        valid tables, damaged ones, hostile ones (thousands of entries,
 *        logical partitions over their chain), and random bytes under
 *        ASan/UBSan.
 */
#include <stdlib.h>
#include <string.h>

#include <kernel/crc32.h>
#include <kernel/errno.h>

#include "../../kernel/block/block_internal.h"
#include "../../kernel/block/part_build.h"
#include "check.h"
#include "log_capture.h"

#define BS 512
#define NBLOCKS 4096
#define DISK_MAX 16384 /* room for a 1 MiB GPT entry array, twice, and 8,192 partitions */
#define FOUND_MAX 512  /* more than the parser may ever report, so a broken limit shows */

static uint8_t disk[DISK_MAX * BS];
static uint64_t nblocks = NBLOCKS;
static int fail_reads;
static unsigned fail_add_every; /* add() refuses every Nth partition with -ENOMEM (0: none) */

struct found {
    unsigned n, calls;
    unsigned no[FOUND_MAX];
    uint64_t start[FOUND_MAX], len[FOUND_MAX];
};

static int rd(void *ctx, uint64_t lba, void *buf)
{
    (void)ctx;
    if (fail_reads || lba >= nblocks)
        return -5;
    memcpy(buf, disk + lba * BS, BS);
    return 0;
}

static int add(void *ctx, unsigned no, uint64_t start, uint64_t len)
{
    struct found *f = ctx;
    f->calls++;
    if (fail_add_every && f->calls % fail_add_every == 0)
        return -ENOMEM;
    if (f->n < FOUND_MAX) {
        f->no[f->n] = no;
        f->start[f->n] = start;
        f->len[f->n] = len;
        f->n++;
    }
    return 0;
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
    memset(disk, 0, nblocks * BS); /* all a test wrote: the fuzz loop resets often */
    nblocks = NBLOCKS;
    fail_reads = 0;
    fail_add_every = 0;
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
    CHECK(log_has("partition 4 (blocks 2500+10) overlaps partition 1"));
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

/*
 * A GPT on a disk of @p blocks blocks whose entry array has @p nentries
 * entries of 128 bytes, both copies right; entry i (0-based) is written by
 * @p fill (a Linux partition it describes), or left unused if fill
 * returns 0. First usable block right after the primary array.
 */
typedef int (*entry_fn)(uint32_t i, uint64_t first_usable, uint64_t *first, uint64_t *last);

static uint64_t build_gpt(uint64_t blocks, uint32_t nentries, entry_fn fill)
{
    reset();
    nblocks = blocks;
    uint64_t ablocks = ((uint64_t)nentries * 128 + BS - 1) / BS;
    uint64_t first = 2 + ablocks, last = nblocks - 2 - ablocks;
    mbr_put_entry(disk, 0, 0xee, 1, (uint32_t)(nblocks - 1));
    sig(disk);
    uint8_t *ent = disk + 2 * BS;
    for (uint32_t i = 0; i < nentries; i++) {
        uint64_t a, b;
        if (!fill(i, first, &a, &b))
            continue;
        memcpy(ent + (size_t)i * 128, linux_type, 16);
        put_le64(ent + (size_t)i * 128 + 16, i + 1); /* a unique partition GUID */
        put_le64(ent + (size_t)i * 128 + 32, a);
        put_le64(ent + (size_t)i * 128 + 40, b);
    }
    uint64_t bent = nblocks - 1 - ablocks;
    memcpy(disk + bent * BS, ent, (size_t)ablocks * BS);
    uint32_t ecrc = crc32(0, ent, (size_t)nentries * 128);
    for (int copy = 0; copy < 2; copy++) {
        uint64_t at = copy ? nblocks - 1 : 1;
        uint8_t *h = disk + at * BS;
        memcpy(h, "EFI PART", 8);
        put_le32(h + 8, 0x00010000);
        put_le32(h + 12, 92);
        put_le64(h + 24, at);
        put_le64(h + 32, copy ? 1 : nblocks - 1);
        put_le64(h + 40, first);
        put_le64(h + 48, last);
        put_le64(h + 72, copy ? bent : 2);
        put_le32(h + 80, nentries);
        put_le32(h + 84, 128);
        put_le32(h + 88, ecrc);
        put_le32(h + 16, crc32(0, h, 92));
    }
    return first;
}

/* Entries 0..199 valid, 10 blocks each, one after another. */
static int fill_200(uint32_t i, uint64_t fu, uint64_t *a, uint64_t *b)
{
    *a = fu + 10ull * i;
    *b = *a + 9;
    return i < 200;
}

/* Every entry valid: one block each. */
static int fill_all(uint32_t i, uint64_t fu, uint64_t *a, uint64_t *b)
{
    *a = fu + i;
    *b = *a;
    return 1;
}

/* Every entry the same blocks: each overlaps the first. */
static int fill_same(uint32_t i, uint64_t fu, uint64_t *a, uint64_t *b)
{
    (void)i;
    *a = fu;
    *b = fu + 7;
    return 1;
}

/* 200 valid, then 50 ending before they start, then 50 past the usable end. */
static int fill_mixed(uint32_t i, uint64_t fu, uint64_t *a, uint64_t *b)
{
    if (i < 200)
        return fill_200(i, fu, a, b);
    *a = i < 250 ? fu + 5000 : nblocks - 10;
    *b = i < 250 ? fu + 4000 : nblocks + 10;
    return i < 300;
}

static int numbered(const struct found *f, unsigned first, unsigned count)
{
    if (f->n != count)
        return 0;
    for (unsigned i = 0; i < count; i++)
        if (f->no[i] != first + i)
            return 0;
    return 1;
}

/* Issue 23: 64 or more valid GPT entries filled the block layer's table
 * (and hid the next disk); entries past the 64th got a line each, 8,128
 * lines for a 1 MiB array. Now a disk keeps PART_MAX partitions and says
 * what it skipped in one line. */
static void test_gpt_many_entries(void)
{
    struct found f;
    build_gpt(4096, 256, fill_200);
    CHECK_EQ_INT(scan(&f), PART_MAX);
    CHECK(numbered(&f, 1, PART_MAX));
    CHECK(has(&f, 128, 2 + 64 + 1270, 10));
    CHECK_EQ_INT(log_messages(), 1);
    CHECK(log_has("t: 72 partition entries skipped (72 past the limit of 128 per disk)"));

    /* A full 1 MiB array, every entry valid. */
    build_gpt(DISK_MAX, 8192, fill_all);
    CHECK_EQ_INT(scan(&f), PART_MAX);
    CHECK(numbered(&f, 1, PART_MAX));
    CHECK_EQ_INT(log_messages(), 1);
    CHECK(log_has("t: 8064 partition entries skipped (8064 past the limit of 128 per disk)"));

    /* 8,192 entries over the same blocks: the first few are named, the rest counted. */
    build_gpt(DISK_MAX, 8192, fill_same);
    CHECK_EQ_INT(scan(&f), 1);
    CHECK_EQ_INT(log_messages(), PART_WARN_MAX + 1);
    CHECK(log_has("t: partition 2 (blocks 2050+8) overlaps partition 1; skipped"));
    CHECK(!log_has("partition 6 "));
    CHECK(log_has("t: 8191 partition entries skipped (8191 overlapping another partition)"));

    /* Each reason counted on the one line. */
    build_gpt(8192, 512, fill_mixed);
    CHECK_EQ_INT(scan(&f), PART_MAX);
    CHECK(log_has("t: 172 partition entries skipped (50 outside the usable blocks, "
                  "50 ending before they start, 72 past the limit of 128 per disk)"));
    CHECK_EQ_INT(log_messages(), PART_WARN_MAX + 1);

    /* A table with nothing wrong says nothing. */
    make_gpt();
    CHECK_EQ_INT(scan(&f), 2);
    CHECK_EQ_INT(log_messages(), 0);
}

/* The count is of partitions the block layer took: one it refused (no
 * memory) is not counted, and is said once. */
static void test_count_what_was_added(void)
{
    struct found f;
    build_gpt(4096, 256, fill_200);
    fail_add_every = 3;
    int n = scan(&f);
    CHECK_EQ_INT(n, (int)f.n);
    CHECK_EQ_INT(n, PART_MAX);
    CHECK(f.calls > PART_MAX);
    unsigned refused = f.calls - f.n;
    char line[160];
    snprintf(line, sizeof line, "t: %u partition entries skipped (%u past the limit of 128 per disk, "
             "%u not registered (ENOMEM))", 200 - PART_MAX, 200 - f.calls, refused);
    CHECK(log_has(line));
    CHECK(log_has("t: partition 3 not registered (ENOMEM)"));
    CHECK_EQ_INT(log_messages(), PART_WARN_MAX + 1);

    /* Every add refused: 0, not the number of valid entries. */
    make_gpt();
    fail_add_every = 1;
    CHECK_EQ_INT(scan(&f), 0);
    CHECK(log_has("t: 2 partition entries skipped (2 not registered (ENOMEM))"));
}

/* An extended partition at 100+1000 whose first EBR (at 100) lists
 * logical 5 at @p rel5 + @p len5 and the next EBR at 100 + @p next; that
 * one lists logical 6 at +1 (10 blocks) and, if @p next2, a third EBR there
 * with logical 7 at +1 (10 blocks). */
static void make_chain(uint32_t rel5, uint32_t len5, uint32_t next, uint32_t next2)
{
    reset();
    mbr_put_entry(disk, 0, 0x83, 2000, 100);
    mbr_put_entry(disk, 1, 0x05, 100, 1000);
    sig(disk);
    uint8_t *e1 = disk + 100 * BS, *e2 = disk + (100 + next) * BS;
    mbr_put_entry(e1, 0, 0x83, rel5, len5);
    mbr_put_entry(e1, 1, 0x05, next, 100);
    sig(e1);
    mbr_put_entry(e2, 0, 0x83, 1, 10);
    if (next2) {
        uint8_t *e3 = disk + (100 + next2) * BS;
        mbr_put_entry(e2, 1, 0x05, next2, 100);
        mbr_put_entry(e3, 0, 0x83, 1, 10);
        sig(e3);
    }
    sig(e2);
}

/* Issue 23: a logical partition over an EBR of its own chain was taken; a
 * write to it would cut the chain. Each shape is refused by name, and the
 * rest of the chain still counts. */
static void test_logical_over_ebr(void)
{
    struct found f;
    /* The good chain first: logical 5 at 101+99, 6 at 201+10. */
    make_chain(1, 99, 100, 0);
    CHECK_EQ_INT(scan(&f), 3);
    CHECK(has(&f, 5, 101, 99) && has(&f, 6, 201, 10));
    CHECK_EQ_INT(log_messages(), 0);

    /* Logical 5 starts on its own EBR (relative start 0). */
    make_chain(0, 50, 100, 0);
    CHECK_EQ_INT(scan(&f), 2);
    CHECK(!has(&f, 5, 100, 50) && has(&f, 6, 201, 10));
    CHECK(log_has("t: logical partition 5 (blocks 100+50) starts on its own extended boot "
                  "record; skipped"));
    CHECK(log_has("t: 1 partition entry skipped (1 over an extended boot record)"));
    CHECK_EQ_INT(log_messages(), 2);

    /* Logical 5 runs over the next EBR. */
    make_chain(1, 150, 100, 0);
    CHECK_EQ_INT(scan(&f), 2);
    CHECK(!has(&f, 5, 101, 150) && has(&f, 6, 201, 10));
    CHECK(log_has("covers the extended boot record at block 200; skipped"));

    /* Logical 5 lies past the second EBR, over the third (at 100+550). */
    make_chain(500, 100, 200, 550);
    CHECK_EQ_INT(scan(&f), 3);
    CHECK(!has(&f, 5, 600, 100) && has(&f, 6, 301, 10) && has(&f, 7, 651, 10));
    CHECK(log_has("t: logical partition 5 (blocks 600+100) covers the extended boot record at "
                  "block 650; skipped"));

    /* A primary partition over the first EBR: the chain is not followed. */
    make_chain(1, 99, 100, 0);
    mbr_put_entry(disk, 0, 0x83, 50, 60);
    CHECK_EQ_INT(scan(&f), 1);
    CHECK(has(&f, 1, 50, 60));
    CHECK(log_has("boot record at block 100 lies inside partition 1; logical partitions from 5 "
                  "on skipped"));

    /* A GPT whose primary entry array lies in its usable blocks (so a
     * partition there would be the table): the backup is used. */
    make_gpt();
    put_le64(disk + BS + 40, 20);
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
        if ((unsigned)n != f.n || f.n > PART_MAX)
            bad++;
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
    test_gpt_many_entries();
    test_count_what_was_added();
    test_logical_over_ebr();
    test_fuzz();
    return CHECK_DONE("test_partition");
}
