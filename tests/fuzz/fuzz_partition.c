/**
 * @file fuzz_partition.c
 * @brief libFuzzer target: the MBR/GPT parser (kernel/block/partition.c) on
 *        any disk. What it registers lies on the disk, overlaps nothing it
 *        registered before, never holds an MBR or EBR it read, stays within
 *        PART_MAX and is what it counts; and a disk costs a bounded number
 *        of log lines, however many entries its table has.
 *
 * Input: a 4-byte little-endian word, then the disk's first blocks. Word
 * bits 0-15: blocks of zeros after the input's own (a small input can
 * stand for a disk whose partitions lie far out); bit 16: 4096-byte
 * blocks instead of 512; bit 17: make the primary GPT's entry-array and
 * header CRCs right, so mutations reach the entries instead of stopping
 * at the checksum. tests/fuzz/partition_seeds.py writes the seeds.
 */
#include <kernel/crc32.h>
#include <kernel/log.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel/block/block_internal.h"

static unsigned log_lines;

void klog(enum log_level level, const char *fmt, ...)
{
    (void)level;
    (void)fmt;
    log_lines++;
}

struct disk {
    const uint8_t *data;
    size_t len;
    uint32_t bs;
    uint64_t nblocks;
    int gpt;
    uint64_t read[PART_EBR_MAX + 8]; /* MBR and EBRs read (MBR mode) */
    unsigned nread;
    uint64_t start[PART_MAX + 1], end[PART_MAX + 1];
    unsigned n;
};

static int rd(void *ctx, uint64_t lba, void *buf)
{
    struct disk *d = ctx;
    if (lba >= d->nblocks)
        abort(); /* the parser keeps its reads on the disk */
    memset(buf, 0, d->bs);
    uint64_t off = lba * d->bs;
    if (off < d->len)
        memcpy(buf, d->data + off, d->len - off < d->bs ? d->len - off : d->bs);
    /* Only a block with the signature is an MBR or EBR the parser goes by. */
    const uint8_t *b = buf;
    if (!d->gpt && b[510] == 0x55 && b[511] == 0xaa && d->nread < sizeof d->read / sizeof d->read[0])
        d->read[d->nread++] = lba;
    return 0;
}

static int add(void *ctx, unsigned no, uint64_t start, uint64_t len)
{
    struct disk *d = ctx;
    (void)no;
    if (d->n == PART_MAX || len == 0 || start == 0 || start >= d->nblocks ||
        len > d->nblocks - start)
        abort();
    for (unsigned i = 0; i < d->n; i++)
        if (start < d->end[i] && d->start[i] < start + len)
            abort();
    d->start[d->n] = start;
    d->end[d->n] = start + len;
    d->n++;
    return 0;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Make the primary header's CRCs right if its array lies in the input. */
static void fix_gpt(uint8_t *img, size_t len, uint32_t bs)
{
    if (len < 2 * (size_t)bs || memcmp(img + bs, "EFI PART", 8) != 0)
        return;
    uint8_t *h = img + bs;
    uint32_t hsize = (uint32_t)get64(h + 12) & 0xffffffffu;
    uint64_t ent = get64(h + 72);
    uint64_t bytes = (uint64_t)(uint32_t)get64(h + 80) * (uint32_t)get64(h + 84);
    if (bytes <= (1u << 20) && ent < len / bs && bytes <= len - ent * bs) {
        put32(h + 88, crc32(0, img + ent * bs, (size_t)bytes));
    } else if (bytes <= (1u << 20) && ent < len / bs) {
        /* The array runs past the input into zeros: CRC over both. */
        static const uint8_t zero[4096];
        uint32_t c = crc32(0, img + ent * bs, len - ent * bs);
        for (uint64_t left = bytes - (len - ent * bs); left;) {
            size_t k = left < sizeof zero ? (size_t)left : sizeof zero;
            c = crc32(c, zero, k);
            left -= k;
        }
        put32(h + 88, c);
    }
    if (hsize >= 92 && hsize <= bs) {
        put32(h + 16, 0);
        put32(h + 16, crc32(0, h, hsize));
    }
}

/* libFuzzer's entry point; it has no header to declare it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    uint32_t word = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                    (uint32_t)data[3] << 24;
    static struct disk d;
    memset(&d, 0, sizeof d);
    d.len = size - 4;
    d.bs = word & 0x10000 ? 4096 : 512;
    d.nblocks = (d.len + d.bs - 1) / d.bs + (word & 0xffff);
    uint8_t *img = malloc(d.len ? d.len : 1);
    memcpy(img, data + 4, d.len);
    if (word & 0x20000)
        fix_gpt(img, d.len, d.bs);
    d.data = img;
    /* The parser decides MBR or GPT from block 0's types; EBR checks apply to MBRs. */
    for (int i = 0; i < 4; i++)
        if (d.len >= 512 && img[446 + 16 * i + 4] == 0xee)
            d.gpt = 1;
    static uint8_t scratch[4096];
    log_lines = 0;
    int n = part_scan("fz", d.bs, d.nblocks, scratch, rd, add, &d);
    if (n >= 0 && (unsigned)n != d.n)
        abort(); /* the count is of what was registered */
    /* An MBR or EBR inside a partition: a write to it would rewrite the
     * table. Checked once the chain is read: an EBR can come after the
     * partition over it. */
    for (unsigned i = 0; i < d.n; i++)
        for (unsigned j = 0; j < d.nread; j++)
            if (d.read[j] >= d.start[i] && d.read[j] < d.end[i])
                abort();
    /* Per-entry lines, the summary, and a few about the table or the
     * chain as a whole: never one per entry. */
    if (log_lines > PART_WARN_MAX + 4)
        abort();
    free(img);
    return 0;
}
