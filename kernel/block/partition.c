/**
 * @file partition.c
 * @brief MBR and GPT partition tables, read through a callback.
 *
 * Pure code: it reads blocks through part_read_fn and reports partitions
 * through part_add_fn, so the host unit test runs it on images it builds.
 * It allocates nothing: one block of scratch memory is reused for every
 * read, and the GPT entry array's CRC is computed block by block before the
 * entries are read again to be reported.
 *
 * Layouts (UEFI 2.10, 5.2 and 5.3): the MBR's four 16-byte entries at 446
 * with 0x55 0xAA at 510, start and size as 32-bit block numbers; type 0xEE
 * marks a protective MBR in front of a GPT, whose header is at block 1
 * ("EFI PART", CRC32 of header_size bytes with its own CRC field zeroed)
 * and whose backup header is at the disk's last block. Logical partitions
 * of an extended partition (types 0x05, 0x0f, 0x85) are a chain of EBRs:
 * entry 0 is the partition relative to its EBR, entry 1 the next EBR
 * relative to the start of the extended partition.
 *
 * Nothing a table says may make one partition's writes land on another's
 * blocks or on the table itself: entries out of range, overlapping a
 * registered partition, or (logical ones) covering an EBR of their chain
 * are refused, as is a GPT whose entry array lies in its usable blocks.
 * A disk registers at most PART_MAX partitions. A hostile table can hold
 * thousands of bad entries, so a disk gets at most PART_WARN_MAX lines
 * about single entries and one summary line counting all it skipped.
 */
#include <kernel/crc32.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/printf.h>
#include <kernel/string.h>

#include "block_internal.h"

/* Why an entry was skipped; each disk's summary line counts them. */
enum skip {
    SKIP_OUTSIDE,   /* out of the disk's usable blocks or of its extended partition */
    SKIP_BACKWARDS, /* a GPT entry that ends before it starts */
    SKIP_OVERLAP,   /* overlaps a partition already registered */
    SKIP_EBR,       /* covers an extended boot record: writing it would cut the chain */
    SKIP_LIMIT,     /* valid, but the disk has PART_MAX partitions already */
    SKIP_FAILED,    /* the block layer could not register it */
    SKIP_N
};

struct scan {
    const char *name;
    uint32_t bs;
    uint64_t nblocks;
    uint8_t *buf;
    part_read_fn rd;
    part_add_fn add;
    void *ctx;
    /* Registered so far, to refuse overlaps. */
    uint64_t start[PART_MAX], end[PART_MAX];
    unsigned no[PART_MAX];
    unsigned n;
    /* The extended boot records of the chain, and the logical partitions
     * they list, held back until the whole chain is known. */
    uint64_t ebr[PART_EBR_MAX];
    uint64_t lstart[PART_EBR_MAX], llen[PART_EBR_MAX];
    unsigned lno[PART_EBR_MAX], lebr[PART_EBR_MAX];
    unsigned nebr, nlogical;
    /* What was skipped, for the summary line. */
    unsigned skipped[SKIP_N];
    unsigned warned;
    int add_err;
};

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

/* Count a skipped entry. 1 if it gets a line of its own too: the first
 * PART_WARN_MAX of a disk do (a damaged table usually has one or two bad
 * entries, worth naming); the limit's are all alike and only counted. */
static int skip(struct scan *s, enum skip why)
{
    s->skipped[why]++;
    return why != SKIP_LIMIT && s->warned++ < PART_WARN_MAX;
}

/* The disk's one line about everything skipped, by reason. */
static void summary(const struct scan *s)
{
    static const char *const what[SKIP_N] = {
        [SKIP_OUTSIDE] = "outside the usable blocks",
        [SKIP_BACKWARDS] = "ending before they start",
        [SKIP_OVERLAP] = "overlapping another partition",
        [SKIP_EBR] = "over an extended boot record",
        [SKIP_LIMIT] = "past the limit of",
        [SKIP_FAILED] = "not registered",
    };
    char why[200];
    size_t len = 0;
    unsigned total = 0;
    for (int r = 0; r < SKIP_N; r++) {
        if (!s->skipped[r])
            continue;
        total += s->skipped[r];
        char text[32] = "";
        if (r == SKIP_LIMIT)
            ksnprintf(text, sizeof text, " %u per disk", (unsigned)PART_MAX);
        else if (r == SKIP_FAILED)
            ksnprintf(text, sizeof text, " (%s)", errno_name(s->add_err));
        int k = ksnprintf(why + len, sizeof why - len, "%s%u %s%s", len ? ", " : "",
                          s->skipped[r], what[r], text);
        if (k > 0)
            len = (size_t)k < sizeof why - len ? len + (size_t)k : sizeof why - 1;
    }
    if (total)
        pr_warn("%s: %u partition entr%s skipped (%s)", s->name, total, total == 1 ? "y" : "ies",
                why);
}

/* Register partition @p no over [start, start + len) if it lies within
 * [lo, hi] and overlaps none registered. */
static void accept(struct scan *s, unsigned no, uint64_t start, uint64_t len, uint64_t lo,
                   uint64_t hi)
{
    if (len == 0)
        return;
    if (start < lo || start > hi || len - 1 > hi - start) {
        if (skip(s, SKIP_OUTSIDE))
            pr_warn("%s: partition %u (blocks %lu+%lu) lies outside the disk's usable blocks; "
                    "skipped", s->name, no, (unsigned long)start, (unsigned long)len);
        return;
    }
    for (unsigned i = 0; i < s->n; i++) {
        if (start < s->end[i] && s->start[i] < start + len) {
            if (skip(s, SKIP_OVERLAP))
                pr_warn("%s: partition %u (blocks %lu+%lu) overlaps partition %u; skipped",
                        s->name, no, (unsigned long)start, (unsigned long)len, s->no[i]);
            return;
        }
    }
    if (s->n == PART_MAX) {
        skip(s, SKIP_LIMIT);
        return;
    }
    int err = s->add(s->ctx, no, start, len);
    if (err) {
        if (!s->add_err)
            s->add_err = err;
        if (skip(s, SKIP_FAILED))
            pr_warn("%s: partition %u not registered (%s)", s->name, no, errno_name(err));
        return;
    }
    s->start[s->n] = start;
    s->end[s->n] = start + len;
    s->no[s->n] = no;
    s->n++;
}

static int is_extended(uint8_t type) { return type == 0x05 || type == 0x0f || type == 0x85; }

/* The registered partition holding block @p lba, or 0. */
static unsigned partition_at(const struct scan *s, uint64_t lba)
{
    for (unsigned i = 0; i < s->n; i++)
        if (s->start[i] <= lba && lba < s->end[i])
            return s->no[i];
    return 0;
}

/* Register the logical partitions collected from the chain, refusing any
 * that covers one of its extended boot records: a write to it would
 * rewrite the chain, and the partitions after it would be lost. A later
 * EBR can lie inside an earlier partition, so this waits for the chain. */
static void accept_logical(struct scan *s)
{
    for (unsigned i = 0; i < s->nlogical; i++) {
        uint64_t start = s->lstart[i], len = s->llen[i];
        unsigned j = 0;
        while (j < s->nebr && !(start <= s->ebr[j] && s->ebr[j] - start < len))
            j++;
        if (j == s->nebr) {
            accept(s, s->lno[i], start, len, 1, s->nblocks - 1);
            continue;
        }
        if (!skip(s, SKIP_EBR))
            continue;
        if (j == s->lebr[i])
            pr_warn("%s: logical partition %u (blocks %lu+%lu) starts on its own extended boot "
                    "record; skipped", s->name, s->lno[i], (unsigned long)start,
                    (unsigned long)len);
        else
            pr_warn("%s: logical partition %u (blocks %lu+%lu) covers the extended boot record "
                    "at block %lu; skipped", s->name, s->lno[i], (unsigned long)start,
                    (unsigned long)len, (unsigned long)s->ebr[j]);
    }
}

/* Follow the EBR chain of the extended partition [ext, ext + ext_len). */
static int scan_logical(struct scan *s, uint64_t ext, uint64_t ext_len)
{
    uint64_t ebr = ext, last_rel = 0;
    unsigned no;
    for (no = 5; no < 5 + PART_EBR_MAX; no++) {
        /* A primary partition over the chain: writing it would rewrite
         * this record, so the chain cannot be trusted from here on. */
        unsigned in = partition_at(s, ebr);
        if (in) {
            pr_warn("%s: extended partition's boot record at block %lu lies inside partition %u; "
                    "logical partitions from %u on skipped", s->name, (unsigned long)ebr, in, no);
            return 0;
        }
        int err = s->rd(s->ctx, ebr, s->buf);
        if (err)
            return err;
        const uint8_t *b = s->buf;
        if (b[510] != 0x55 || b[511] != 0xaa) {
            pr_warn("%s: extended partition's boot record at block %lu has no signature; "
                    "logical partitions from %u on skipped", s->name, (unsigned long)ebr, no);
            return 0;
        }
        s->ebr[s->nebr++] = ebr;
        const uint8_t *e0 = b + 446, *e1 = b + 462;
        uint64_t rel = le32(e0 + 8), len = le32(e0 + 12);
        if (e0[4] != 0 && len != 0) {
            if (rel > ext_len || len > ext_len - rel || ebr - ext > ext_len - rel - len) {
                if (skip(s, SKIP_OUTSIDE))
                    pr_warn("%s: logical partition %u lies outside its extended partition; "
                            "skipped", s->name, no);
            } else {
                s->lno[s->nlogical] = no;
                s->lstart[s->nlogical] = ebr + rel;
                s->llen[s->nlogical] = len;
                s->lebr[s->nlogical] = s->nebr - 1;
                s->nlogical++;
            }
        }
        if (e1[4] == 0 || le32(e1 + 8) == 0)
            return 0;
        uint64_t next = le32(e1 + 8);
        /* Each link must move forward inside the extended partition: a
         * chain that points back (a loop) or out ends here. */
        if (next <= last_rel || next >= ext_len) {
            pr_warn("%s: extended partition chain points %s at block %lu; stopped", s->name,
                    next <= last_rel ? "backwards" : "outside", (unsigned long)(ext + next));
            return 0;
        }
        last_rel = next;
        ebr = ext + next;
    }
    pr_warn("%s: more than %d logical partitions; the rest skipped", s->name, PART_EBR_MAX);
    return 0;
}

struct gpt_hdr {
    uint64_t my_lba, alt_lba, first, last, entries_lba;
    uint32_t nentries, entsize, entries_crc;
};

/* Validate the GPT header at @p lba; 1 valid (filled @p h), 0 not, -EIO. */
static int gpt_header(struct scan *s, uint64_t lba, struct gpt_hdr *h)
{
    int err = s->rd(s->ctx, lba, s->buf);
    if (err)
        return err;
    uint8_t *b = s->buf;
    if (memcmp(b, "EFI PART", 8) != 0)
        return 0;
    uint32_t hsize = le32(b + 12), crc = le32(b + 16);
    if (hsize < 92 || hsize > s->bs)
        return 0;
    b[16] = b[17] = b[18] = b[19] = 0;
    if (crc32(0, b, hsize) != crc)
        return 0;
    h->my_lba = le64(b + 24);
    h->alt_lba = le64(b + 32);
    h->first = le64(b + 40);
    h->last = le64(b + 48);
    h->entries_lba = le64(b + 72);
    h->nentries = le32(b + 80);
    h->entsize = le32(b + 84);
    h->entries_crc = le32(b + 88);
    uint64_t last_block = s->nblocks - 1;
    if (h->my_lba != lba || h->first > h->last || h->last >= last_block || h->first < 2)
        return 0;
    /* Entries are 128 << n bytes and must divide the block; at most 1 MiB of them. */
    if (h->entsize < 128 || (h->entsize & (h->entsize - 1)) || h->entsize > s->bs ||
        h->nentries == 0 || (uint64_t)h->nentries * h->entsize > (1u << 20))
        return 0;
    uint64_t blocks = ((uint64_t)h->nentries * h->entsize + s->bs - 1) / s->bs;
    if (h->entries_lba < 2 || h->entries_lba > last_block || blocks > last_block - h->entries_lba)
        return 0;
    /* The array lies outside the usable blocks (UEFI 5.3.1): a partition
     * over it would be a way to rewrite the table by writing a file. */
    if (h->entries_lba <= h->last && h->entries_lba + blocks > h->first)
        return 0;
    /* The entry array must check out too. */
    uint32_t c = 0;
    uint64_t left = (uint64_t)h->nentries * h->entsize;
    for (uint64_t i = 0; i < blocks; i++) {
        err = s->rd(s->ctx, h->entries_lba + i, s->buf);
        if (err)
            return err;
        uint32_t n = left < s->bs ? (uint32_t)left : s->bs;
        c = crc32(c, s->buf, n);
        left -= n;
    }
    return c == h->entries_crc;
}

static int scan_gpt(struct scan *s)
{
    struct gpt_hdr h;
    int ok = gpt_header(s, 1, &h);
    if (ok < 0)
        return ok;
    if (!ok) {
        ok = gpt_header(s, s->nblocks - 1, &h);
        if (ok < 0)
            return ok;
        if (!ok) {
            pr_warn("%s: protective MBR but neither GPT header is valid; no partitions", s->name);
            return 0;
        }
        pr_warn("%s: primary GPT header damaged; using the backup at block %lu", s->name,
                (unsigned long)(s->nblocks - 1));
    }
    uint32_t per_block = s->bs / h.entsize;
    for (uint32_t i = 0; i < h.nentries; i++) {
        if (i % per_block == 0) {
            int err = s->rd(s->ctx, h.entries_lba + i / per_block, s->buf);
            if (err)
                return err;
        }
        const uint8_t *e = s->buf + (size_t)(i % per_block) * h.entsize;
        static const uint8_t zero[16];
        if (memcmp(e, zero, 16) == 0)
            continue; /* unused entry */
        uint64_t first = le64(e + 32), last = le64(e + 40);
        if (last < first) {
            if (skip(s, SKIP_BACKWARDS))
                pr_warn("%s: GPT entry %u ends before it starts; skipped", s->name, i + 1);
            continue;
        }
        accept(s, i + 1, first, last - first + 1, h.first, h.last);
    }
    return 0;
}

static int scan_mbr(struct scan *s)
{
    const uint8_t *b = s->buf;
    uint8_t type[4];
    uint64_t start[4], len[4];
    int gpt = 0;
    for (int i = 0; i < 4; i++) {
        const uint8_t *e = b + 446 + 16 * i;
        type[i] = e[4];
        start[i] = le32(e + 8);
        len[i] = le32(e + 12);
        gpt |= type[i] == 0xee;
    }
    if (gpt)
        return scan_gpt(s);
    for (int i = 0; i < 4; i++) {
        if (type[i] == 0 || is_extended(type[i])) /* an extended one holds the logical ones */
            continue;
        accept(s, (unsigned)i + 1, start[i], len[i], 1, s->nblocks - 1);
    }
    for (int i = 0; i < 4; i++) {
        if (!is_extended(type[i]) || !len[i] || start[i] >= s->nblocks ||
            len[i] > s->nblocks - start[i])
            continue;
        int err = scan_logical(s, start[i], len[i]);
        if (err)
            return err;
        accept_logical(s);
        break; /* one extended partition per MBR */
    }
    return 0;
}

int part_scan(const char *name, uint32_t block_size, uint64_t nblocks, void *scratch,
              part_read_fn rd, part_add_fn add, void *ctx)
{
    static struct scan s; /* callers are serialised (disk registration); keeps stacks small */
    memset(&s, 0, sizeof s);
    s.name = name;
    s.bs = block_size;
    s.nblocks = nblocks;
    s.buf = scratch;
    s.rd = rd;
    s.add = add;
    s.ctx = ctx;
    if (nblocks < 2 || block_size < 512)
        return 0;
    int err = rd(ctx, 0, s.buf);
    if (err)
        return err;
    if (s.buf[510] != 0x55 || s.buf[511] != 0xaa)
        return 0; /* no table: a whole-disk file system or nothing */
    err = scan_mbr(&s);
    summary(&s);
    return err ? err : (int)s.n;
}
