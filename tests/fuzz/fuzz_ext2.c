/**
 * @file fuzz_ext2.c
 * @brief libFuzzer target: the ext2 reader (kernel/fs/ext2/ext2.c) on damaged
 *        copies of real images. Every damage gives an error code: no read
 *        outside the device (the read function aborts), no ASan or UBSan
 *        report, no walk without end (libFuzzer's -timeout); and what the
 *        reader does hand out holds together: a read returns exactly the
 *        bytes asked for up to the size, and they are the image's bytes
 *        where ext2_bmap() says (zeros in a hole); a block pointer it hands
 *        out lies inside the file system; a directory entry is the one
 *        the image holds there, inside its block, its name inside it and
 *        NUL-terminated, its inode in range, and ext2_lookup() finds the
 *        first entry of each name that ext2_readdir() listed; a symlink's
 *        target is as long as it says. A device read made to fail comes
 *        back as -EIO from the call that made it, and -EIO from nothing
 *        else; -EUCLEAN comes with its reason in fs->err, and never from
 *        a clean image (a check too strict fails too).
 *
 * Why patches over images instead of raw bytes: a valid ext2 file system
 * is at least a few KiB of exactly placed structures, more than
 * -max_len=4096, and a random image dies at the superblock's magic. So
 * tests/fuzz/ext2_seeds.py makes small images with the host's mke2fs (1, 2
 * (revision 0), 4 and 64 KiB blocks; files up to triple indirect blocks,
 * a 40-entry directory, fast and slow symlinks, a hard link) and lists
 * their metadata regions (superblock, group descriptors, used inodes,
 * directory, indirect and symlink blocks); the input patches those, so
 * the empty input is a clean file system the reader walks whole and every
 * mutation lands where the reader looks.
 *
 * Input: byte 0, flags: bits 0-1 the image (ext2_bases[]), bits 2-3 the
 * device cut short (not, by a byte, by a block, to 2047 bytes: one short
 * of the superblock's end); byte 1: the device read (counted from 1) that
 * fails with -EIO, 0 none. Then 5-byte
 * patches: a region (index, modulo their count), a 16-bit little-endian
 * offset in it (modulo its length), an op and its argument: op & 3 = 0
 * sets the byte, 1 adds the signed argument to the 16-bit word there, 2 to
 * the 32-bit word (a pointer to its neighbour, a size by a few bytes), 3
 * sets the 32-bit word to interesting[argument & 31] (0, all ones, the
 * file system's block and inode counts and their neighbours, the map's
 * range boundaries): values a byte at a time would seldom make.
 *
 * After ext2_open() the walk goes breadth-first from the root (inode 2),
 * at most MAX_INODES inodes, each once, MAX_DEPTH deep, so a directory
 * that contains itself cannot make it endless; then the first inode
 * numbers (reserved ones included) and those at the edges of the count.
 * Each inode is read at the edges of its block map's ranges, its map asked
 * at those blocks, and, as the kind it claims and as the others, listed,
 * looked up in and read as a symlink.
 */
#include <kernel/errno.h>
#include <kernel/ext2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ext2_base.h" /* the images, written at build time by ext2_seeds.py */
#include "ext2_fuzz_image.h"

#define NBASES (sizeof ext2_bases / sizeof ext2_bases[0])
#define MAX_INODES 72   /* inodes checked per run: all of an image */
#define MAX_DEPTH 8     /* directories deep from the root */
#define MAX_ENTRIES 96  /* entries listed per directory */
#define MAX_LOOKUPS 48  /* of them, each looked up again */
#define MAX_PATCHES 819 /* (4096 - 2) / 5 */
#define READ_LEN 1500   /* bytes per read: past a 1 KiB block's end */
#define LINK_MAX 4096   /* the buffer a symlink is read into */

#define S_IFMT 0xf000
#define S_IFDIR 0x4000
#define S_IFLNK 0xa000

struct image {
    uint8_t *pristine, *work; /* the base as mke2fs made it; the one patched */
    uint32_t size, bs;
    uint32_t interesting[32];
};

static struct image images[NBASES];

/* The device of this run: the image's first dev.size bytes. */
static struct image *cur;
static struct ext2_dev dev;
static unsigned reads, fail_at; /* reads so far; the one to fail, 0 none */
static int failed;              /* the failure came in the current call */
static int clean;               /* the image as mke2fs made it, all of it readable */
static struct ext2_fs fs;

static int dev_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    (void)ctx;
    if (off > dev.size || n > dev.size - off)
        abort(); /* the reader checks every offset before it reads */
    if (++reads == fail_at) {
        failed = 1;
        return -EIO;
    }
    memcpy(buf, cur->work + off, n);
    return 0;
}

/* Each image whole from its non-zero runs, once; and the values worth
 * writing over a 32-bit field of it. */
static void load(void)
{
    for (unsigned i = 0; i < NBASES; i++) {
        images[i].size = ext2_bases[i].size;
        images[i].bs = ext2_bases[i].block_size;
        ext2_fuzz_unpack(&ext2_bases[i], &images[i].pristine, &images[i].work, images[i].interesting);
    }
}

/* The bytes patched this run, to put back from the pristine copy. */
static uint32_t touched[MAX_PATCHES];
static unsigned ntouched;

static void patch(unsigned base, const uint8_t *p)
{
    uint32_t off;
    unsigned width;
    if (!ext2_fuzz_patch_at(&ext2_bases[base], p, &off, &width) || ntouched == MAX_PATCHES)
        return;
    touched[ntouched++] = off;
    ext2_fuzz_patch_apply(images[base].work, p, off, images[base].interesting);
}

static void unpatch(void)
{
    while (ntouched) {
        uint32_t off = touched[--ntouched];
        uint32_t n = cur->size - off < 4 ? cur->size - off : 4;
        memcpy(cur->work + off, cur->pristine + off, n);
    }
}

/* Around each call: a failed device read comes back as -EIO, and -EIO
 * means one failed; a damage found comes with its reason. */
static void begin(void)
{
    failed = 0;
    fs.err[0] = '\0';
}

static long end(long r)
{
    if ((r == -EIO) != failed)
        abort();
    if (r == -EUCLEAN && (!fs.err[0] || clean))
        abort(); /* a damage needs its reason, and a clean image has none */
    return r;
}

/* The map's reach in blocks: 12 direct, then per, per^2, per^3. */
static uint64_t map_edge(int level)
{
    uint64_t per = fs.block_size / 4, edge = 12, span = 1;
    for (int i = 0; i < level; i++) {
        span *= per;
        edge += span;
    }
    return edge;
}

static void check_bmap(const struct ext2_inode *in, uint64_t lblock)
{
    uint32_t pb = 0xdeadbeef;
    begin();
    long r = end(ext2_bmap(&fs, in, lblock, &pb));
    if (lblock >= map_edge(3)) {
        if (r != -EFBIG)
            abort(); /* past the triple indirect range, and nothing else */
    } else if (r == 0) {
        if (pb && (pb <= fs.first_data_block || pb >= fs.blocks))
            abort();
    } else if (r != -EUCLEAN && r != -EIO) {
        abort();
    }
}

/* ext2_read() at @p off: exactly the bytes up to the size (a buffer of
 * exactly @p n bytes, so ASan sees a write past it), the image's bytes
 * where ext2_bmap() says, zeros in a hole. */
static void check_read(const struct ext2_inode *in, uint64_t off, size_t n)
{
    uint8_t *buf = malloc(n ? n : 1);
    begin();
    long r = end(ext2_read(&fs, in, off, buf, n));
    uint64_t want = off >= in->size ? 0 : in->size - off < n ? in->size - off : n;
    if (want > (uint64_t)1 << 30)
        want = (uint64_t)1 << 30;
    if (r == -EFBIG) {
        if (!want || (off + want - 1) / fs.block_size < map_edge(3))
            abort(); /* only for a block past what the map can address */
    } else if (r < 0) {
        if (r != -EUCLEAN && r != -EIO)
            abort();
    } else if ((uint64_t)r != want) {
        abort();
    } else {
        for (uint64_t done = 0; done < want;) {
            uint64_t at = off + done;
            uint32_t boff = (uint32_t)(at % fs.block_size), pb;
            uint64_t chunk = fs.block_size - boff < want - done ? fs.block_size - boff : want - done;
            begin();
            long e = end(ext2_bmap(&fs, in, at / fs.block_size, &pb));
            if (e == -EIO)
                break; /* the failing read came now */
            if (e)
                abort(); /* the read went through this map a moment ago */
            for (uint64_t i = 0; i < chunk; i++)
                if (buf[done + i] != (pb ? cur->work[(uint64_t)pb * fs.block_size + boff + i] : 0))
                    abort();
            done += chunk;
        }
    }
    free(buf);
}

/* The map and the data at the edges of the map's ranges, at both ends of
 * the file and past them. */
static void check_data(const struct ext2_inode *in)
{
    uint32_t bs = fs.block_size;
    const uint64_t blocks[] = {0, 11, 12, map_edge(1) - 1, map_edge(1), map_edge(2) - 1, map_edge(2),
                               map_edge(3) - 1, map_edge(3), UINT64_MAX};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        check_bmap(in, blocks[i]);
    const uint64_t offs[] = {0, bs - 7, 12 * (uint64_t)bs - 5, map_edge(1) * bs - 3,
                             map_edge(2) * bs - 1, map_edge(3) * bs - 2, in->size - 9, in->size,
                             UINT64_MAX - 2};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
        check_read(in, offs[i], READ_LEN);
    check_read(in, 0, 0);
}

/* The target into a buffer of @p n bytes exactly: -ENAMETOOLONG iff it
 * does not fit with its NUL; else its length, NUL-terminated, without a
 * NUL inside. Returns the length or the error. */
static long readlink_into(const struct ext2_inode *in, size_t n, char **out)
{
    char *buf = malloc(n);
    begin();
    long r = end(ext2_readlink(&fs, in, buf, n));
    if ((in->mode & S_IFMT) != S_IFLNK) {
        if (r != -EINVAL)
            abort();
    } else if (in->size >= n) {
        if (r != -ENAMETOOLONG)
            abort();
    } else if (r >= 0) {
        if ((uint64_t)r != in->size || strlen(buf) != (size_t)r)
            abort();
    } else if (r != -EUCLEAN && r != -EIO) {
        abort();
    }
    if (r >= 0 && out)
        *out = buf;
    else
        free(buf);
    return r;
}

static void check_link(const struct ext2_inode *in)
{
    char *first = NULL, *again = NULL;
    long r = readlink_into(in, LINK_MAX, &first);
    if (r < 0)
        return;
    /* Again in a buffer it just fits, then one a byte short. */
    long r2 = readlink_into(in, (size_t)r + 1, &again);
    if (r2 >= 0 && (r2 != r || memcmp(first, again, (size_t)r + 1)))
        abort();
    if (r2 != -EIO && r2 < 0)
        abort();
    if (r > 0)
        readlink_into(in, (size_t)r, NULL);
    free(first);
    free(again);
}

/* The inodes of this run: checked ones, and the queue of the walk. */
static uint32_t seen[MAX_INODES + 8]; /* the walk's, then the reserved and edge ones */
static unsigned nseen;
static struct {
    uint32_t ino;
    unsigned depth;
} queue[MAX_INODES];
static unsigned qhead, qtail;

static int seen_before(uint32_t ino)
{
    for (unsigned i = 0; i < nseen; i++)
        if (seen[i] == ino)
            return 1;
    return 0;
}

static void enqueue(uint32_t ino, unsigned depth)
{
    if (depth > MAX_DEPTH || qtail == MAX_INODES || seen_before(ino))
        return;
    for (unsigned i = qhead; i < qtail; i++)
        if (queue[i].ino == ino)
            return;
    queue[qtail].ino = ino;
    queue[qtail++].depth = depth;
}

static struct ext2_dirent listed[MAX_ENTRIES];

/* The entry ext2_readdir() handed out as @p d, moving the position from
 * @p from to @p to, against the image: walked here from @p from, the
 * entries it passed are free, @p d is the next one and ends at @p to,
 * and each lies inside its block with its name inside it. The reader
 * checks the same rules; this catches one it stops checking. */
static void check_entry(const struct ext2_inode *dir, uint64_t from, uint64_t to,
                        const struct ext2_dirent *d)
{
    uint32_t bs = fs.block_size;
    for (uint64_t q = from;;) {
        uint32_t pb, boff = (uint32_t)(q % bs);
        begin();
        long e = end(ext2_bmap(&fs, dir, q / bs, &pb));
        if (e == -EIO)
            return; /* the failing read came now */
        if (e || !pb || boff + 8 > bs)
            abort();
        const uint8_t *h = cur->work + (uint64_t)pb * bs + boff;
        uint32_t ino = le32(h), rec = h[4] | h[5] << 8, len = h[6];
        if (bs == 65536 && (rec == 0 || rec == 65535))
            rec = 65536;
        if (rec < 8 || rec % 4 || rec > bs - boff || len + 8 > rec)
            abort();
        if (!ino) {
            q += rec;
            if (q >= to)
                abort();
            continue;
        }
        int ftype = fs.incompat & EXT2_INCOMPAT_FILETYPE;
        if (q + rec != to || ino != d->ino || len != d->name_len || memcmp(d->name, h + 8, len) ||
            d->type != (ftype ? h[7] : 0) || (!ftype && h[7]))
            abort();
        return;
    }
}

/* Lists @p dir (at most MAX_ENTRIES), queues what it names one level
 * deeper, and looks names up again: each found as the first entry of that
 * name, a name it lacks not found (or the listing's own error), a name
 * over 255 bytes refused. */
static void check_dir(const struct ext2_inode *dir, unsigned depth)
{
    int is_dir = (dir->mode & S_IFMT) == S_IFDIR;
    uint64_t pos = 0;
    unsigned n = 0;
    long last = 0;
    for (;;) {
        if (n == MAX_ENTRIES) {
            last = 1; /* not to the end: no verdict on absent names */
            break;
        }
        uint64_t before = pos;
        struct ext2_dirent *d = &listed[n];
        memset(d, 0xa5, sizeof *d); /* a name left unterminated shows */
        begin();
        last = end(ext2_readdir(&fs, dir, &pos, d));
        if (!is_dir) {
            if (last != -ENOTDIR)
                abort();
            break;
        }
        if (last == 1) {
            if (pos <= before || !d->ino || d->ino > fs.inodes || !d->name_len ||
                d->name[d->name_len] != '\0')
                abort();
            check_entry(dir, before, pos, d);
            n++;
            continue;
        }
        if (last == 0 ? pos < dir->size : last != -EUCLEAN && last != -EIO)
            abort();
        break;
    }
    for (unsigned i = 0; i < n; i++)
        enqueue(listed[i].ino, depth + 1);
    uint32_t ino;
    for (unsigned i = 0; i < n && i < MAX_LOOKUPS; i++) {
        unsigned first = 0;
        while (listed[first].name_len != listed[i].name_len ||
               memcmp(listed[first].name, listed[i].name, listed[i].name_len))
            first++;
        begin();
        long r = end(ext2_lookup(&fs, dir, listed[i].name, listed[i].name_len, &ino));
        if (r != -EIO && (r || ino != listed[first].ino))
            abort();
    }
    /* A name no image of ext2_seeds.py's has (control bytes in it); a
     * patch that makes one is seen in the listing. */
    static const char absent[] = "\x01?\x02";
    int present = 0;
    for (unsigned i = 0; i < n; i++)
        present |= listed[i].name_len == 3 && !memcmp(listed[i].name, absent, 3);
    begin();
    long r = end(ext2_lookup(&fs, dir, absent, 3, &ino));
    if (!is_dir) {
        if (r != -ENOTDIR)
            abort();
    } else if (r != -EIO && !present && last != 1 && last != -EIO && r != (last ? last : -ENOENT)) {
        abort();
    }
    static char longest[256];
    memset(longest, 'n', sizeof longest);
    begin();
    if (end(ext2_lookup(&fs, dir, longest, sizeof longest, &ino)) != -ENAMETOOLONG)
        abort();
}

/* Reads inode @p ino and puts it through everything, whatever its kind. */
static void check_inode(uint32_t ino, unsigned depth)
{
    if (seen_before(ino) || nseen == sizeof seen / sizeof seen[0])
        return;
    seen[nseen++] = ino;
    struct ext2_inode in;
    begin();
    long r = end(ext2_read_inode(&fs, ino, &in));
    if (!ino || ino > fs.inodes) {
        if (r != -EINVAL || !fs.err[0])
            abort();
        return;
    }
    if (r) {
        if (r != -EUCLEAN && r != -EIO)
            abort();
        return;
    }
    if (in.ino != ino)
        abort();
    /* A fast symlink's pointers are its target's bytes: as a map they
     * point anywhere, even on a clean image. */
    int was_clean = clean;
    if ((in.mode & S_IFMT) == S_IFLNK && in.blocks512 == (in.file_acl ? fs.block_size / 512 : 0))
        clean = 0;
    check_data(&in);
    clean = was_clean;
    check_link(&in);
    check_dir(&in, depth);
}

static int is_pow2_between(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v >= lo && v <= hi && !(v & (v - 1));
}

/* What ext2_open() accepted is what its checks promise. */
static void check_fs(void)
{
    if (!is_pow2_between(fs.block_size, 1024, 65536) ||
        fs.first_data_block != (fs.block_size == 1024 ? 1u : 0u) ||
        (uint64_t)fs.blocks * fs.block_size > dev.size || !fs.groups ||
        (uint64_t)fs.groups * fs.inodes_per_group < fs.inodes ||
        !is_pow2_between(fs.inode_size, 128, fs.block_size) || fs.first_ino < 3 ||
        fs.first_ino > fs.inodes || (fs.incompat & ~(uint32_t)EXT2_INCOMPAT_KNOWN))
        abort();
}

/* libFuzzer's entry point; it has no header to declare it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int loaded;
    if (!loaded) {
        load();
        loaded = 1;
    }
    uint8_t flags = size > 0 ? data[0] : 0;
    unsigned base = (flags & 3) % NBASES;
    cur = &images[base];
    for (size_t at = 2; at + 5 <= size; at += 5)
        patch(base, data + at);
    const uint64_t cut[] = {0, 1, cur->bs, cur->size - 2047};
    /* Read-only: no write function (designated, as struct ext2_dev grows). */
    dev = (struct ext2_dev){.read = dev_read, .size = cur->size - cut[flags >> 2 & 3]};
    reads = 0;
    fail_at = size > 1 ? data[1] : 0;
    clean = !ntouched && dev.size == cur->size && !fail_at;

    begin();
    long r = end(ext2_open(&fs, &dev));
    if (clean && r)
        abort();
    if (r == 0) {
        check_fs();
        nseen = qhead = qtail = 0;
        enqueue(2, 0);
        while (qhead < qtail && nseen < MAX_INODES) {
            qhead++;
            check_inode(queue[qhead - 1].ino, queue[qhead - 1].depth);
        }
        /* The reserved inodes (the resize inode is a file the root does
         * not name), the first ones, and the edges of the count. Even
         * on a clean image the resize inode's map names blocks past the
         * file system (the descriptor blocks of groups it may grow to). */
        clean = 0;
        const uint32_t more[] = {0, 1, 7, 11, 12, fs.first_ino, fs.inodes, fs.inodes + 1};
        for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
            check_inode(more[i], MAX_DEPTH);
    } else if (r != -EIO && (r != -EINVAL || !fs.err[0])) {
        abort();
    }
    unpatch();
    return 0;
}
