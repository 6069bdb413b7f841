/**
 * @file fuzz_ext2_write.c
 * @brief libFuzzer target: the ext2 writer (kernel/fs/ext2/ext2_write.c) on
 *        damaged copies of real images, driven through the name-level API
 *        the kernel's VFS glue (kernel/fs/ext2/ext2_*.c) uses, as it uses it.
 *
 * The images and the damage are fuzz_ext2.c's: ext2_seeds.py's mke2fs
 * images (1, 2 (revision 0), 4 and 64 KiB blocks) with 5-byte patches over
 * their metadata. If ext2_open() accepts the result and it is not
 * read-only, the run mounts it (ext2_set_state(fs, 0)), walks the tree from
 * the root (every name found is a handle), runs up to MAX_OPS operations
 * the input chooses (create a file, directory, fast or slow symlink; write
 * at the edges of the block map's ranges, past the end, past the map; truncate;
 * unlink or rmdir, freeing the inode at its last link; rename, over an
 * existing name too; hard link; sync), on handles found by the walk and
 * made by the run, and unmounts (ext2_set_state(fs, 1)). The checks the
 * caller does in the kernel are done here too (no duplicate names, only
 * empty directories removed, no directory moved under itself, the types
 * of a rename's ends), so what the writer is handed is what the VFS would
 * hand it; on a damaged image those checks read damaged directories, and
 * the writer must cope with what gets through.
 *
 * What every run checks:
 *  - every device write lies inside the file system ([0, s_blocks_count *
 *    block size), so inside the device): the writer checks every block
 *    number it writes through (ext2_check_ptr(), bitmap_block(),
 *    ext2_inode_table(), the descriptor table's fit at ext2_open());
 *  - nothing writes the superblock's block(s) (below the first descriptor
 *    block) but the fields ext2_sync_super() and ext2_set_state() keep:
 *    the free counts, mount and write times, mount count, state, and with
 *    revision 1 the ro_compat features. No block pointer, bitmap, inode
 *    table or allocation can reach them: each is checked to be past
 *    s_first_data_block, and allocation skips s_first_data_block + 1;
 *  - each call returns 0 (or a count) or one of the negative errnos its
 *    comment in kernel/ext2.h names; -EIO only when a device access failed
 *    during that call; -EUCLEAN only with its reason in fs.err; a write at
 *    or past the map's end gives -EFBIG; ext2_write() and ext2_truncate()
 *    leave the size they say;
 *  - blocks the writer hands out: a block that a call put into a map where
 *    there was a hole (found by walking the map at each block the call
 *    could allocate, before and after) and whose bit in its group's block
 *    bitmap that call set is one alloc_block() handed out. is_group_meta()
 *    promises such a block is past s_first_data_block + 1 and is not its
 *    group's block bitmap, inode bitmap or inside its inode table, as that
 *    group's descriptor said when the call began; that is asserted. When
 *    the superblock's geometry and the descriptors' bitmap and table
 *    pointers are mke2fs's (the damage spared them), that is the same as:
 *    no block of the superblock, of the descriptor table, of a bitmap or
 *    of an inode table is ever handed out; asserted too. Not promised, so
 *    not asserted: the reserved descriptor blocks (the resize inode's),
 *    the backup superblock and descriptors of sparse_super groups, and
 *    other files' blocks are protected by the bitmap alone; the bitmaps
 *    are never patched here (their bits start right), so such a block can
 *    only be handed out after the run cleared its bit: a truncation or
 *    removal through a damaged map that names it, or a write through a
 *    damaged pointer into a bitmap. That is the damage making it
 *    unavoidable, as the writer trusts a map it can range-check only.
 *    Writes through an existing map are not checked against metadata at
 *    all: a damaged pointer into an inode table is written through;
 *  - inodes the writer hands out (ext2_new_inode()): numbered from
 *    s_first_ino to s_inodes_count, their slot not live (links, mode and no
 *    deletion time) when the call began, their inode bitmap bit clear then,
 *    and the inode handed back empty;
 *  - the harness gives fs->groups_checked and dev->warn as the VFS does: a
 *    group the writer found with a bitmap disagreeing with its free count
 *    (the "bad" bit, 4 for blocks and 8 for inodes, in its byte) is never
 *    allocated from afterwards in the mount: no block (inode) handed out
 *    from such a group; warn() comes with a reason, and never on a clean
 *    image.
 *  - damage never spreads (issue 41): no block of a file, as the pristine
 *    image's maps give them, and no inode slot of a live one changes
 *    unless the damage reached that file or the run handled it (see
 *    damage_spread() for what the damage reaches; check_undamaged());
 *  - the harness hands the writer only what the VFS would: an inode that
 *    ext2_check_inode() refuses (no links, no known type, a size past the
 *    map) is never used.
 * And no ASan or UBSan report, no endless loop (libFuzzer's -timeout; the
 * walk, the operations and every listing are bounded).
 *
 * A clean run (no patch, no failed device access) checks more, as the
 * writer promises e2fsck's consistency there: no call reports damage
 * (-EUCLEAN, or a reason in fs.err) or fails but with -ENOSPC when the
 * counts say the space is gone or -ENAMETOOLONG for a 256-byte name; links
 * counts move as each operation says; every allocated block's bit is set
 * in the call that maps it; after the unmount, each group's free block,
 * free inode and directory counts match its bitmaps and inodes, and the
 * superblock's totals their sums; each inode the run holds reads back as
 * stored; each directory whose every name the run knows lists exactly
 * those names, ".." its parent; files' bytes are what was written (zeros
 * in holes, past a truncation and in a grown tail); a symlink made here
 * reads its target; and, against the pristine image, no byte changed but
 * in a bitmap, a descriptor's three counts, the superblock fields above,
 * the inode slots of inodes the run handled, blocks that were free, and
 * blocks of files the run handled. What e2fsck would say is asked of it
 * on the host: tests/host/ext2_write_fsck.py runs this file (built as
 * ext2_write_apply with tests/host/ext2_write_apply.c) on clean 1 and
 * 4 KiB images and e2fsck -fn on each result.
 *
 * Input: byte 0, flags: bits 0-1 the image (ext2_bases[]), bits 2-3 the
 * device: 0 read and write only, 1 and 2 the same with a read (1) or a
 * write (2) made to fail, 3 with map() and unmap() too (directory blocks
 * walked in place; each map() must be unmapped before its call returns),
 * bits 4-7 the number of patches (0-15); byte 1: which access fails,
 * counted from 1 from the first operation (after the mount and the
 * walk), 0 none; then the
 * patches, 5 bytes each as in fuzz_ext2.c (region, 16-bit offset, op,
 * argument); then operations, OP_BYTES each: the kind and three
 * arguments (see run_op()). EXT2_WRITE_TRACE=1 in the environment prints
 * each operation and its result to stderr.
 */
#include <kernel/errno.h>
#include <kernel/ext2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ext2_base.h" /* the images, written at build time by ext2_seeds.py */
#include "ext2_fuzz_image.h"

#define NBASES (sizeof ext2_bases / sizeof ext2_bases[0])
#define MAX_PATCHES 15
#define OP_BYTES 4
#define MAX_OPS 32
#define MAX_WALK 96       /* directories listed by the walk */
#define MAX_DEPTH 8       /* ... at most this deep */
#define MAX_LIST 96       /* entries read from one directory */
#define MAX_HANDLES 200
#define MAX_NODES 200     /* inodes the run holds (each is "touched") */
#define MAX_SEGS (MAX_OPS + 1)
#define MAX_WATCH 160     /* blocks of maps watched for allocations in one call */
#define MAX_WRITE (160 * 1024)
#define CH 64             /* bytes per chunk of the undo and dirty records */

#define S_IFMT 0xf000
#define S_IFREG 0x8000
#define S_IFDIR 0x4000
#define S_IFLNK 0xa000

/* The clean layout: what each block of the pristine image is. */
enum { K_META = 1, K_BITMAP = 2, K_TABLE = 4, K_GDT = 8, K_USED = 16 };

struct image {
    uint8_t *pristine, *work; /* the base as mke2fs made it; the one written */
    uint32_t size, bs;
    uint32_t interesting[32];
    struct ext2_dev pdev;     /* the pristine image, read-only */
    struct ext2_fs geo;       /* ext2_open() of it */
    uint8_t *kind;            /* per block: K_* */
    uint32_t *owner;          /* per block: the inode whose map holds it, 0 none */
    uint32_t *stamp;          /* per chunk: the call that saved its old bytes */
    uint32_t *saved_at;       /* ... and where (saved[]) */
    uint32_t *dirty_run;      /* per chunk: the run that changed it */
    uint32_t *dmg;            /* per inode: the run whose damage reaches it (damage_spread()) */
    uint32_t *gdmg;           /* per group: the run that patched its descriptor */
    uint32_t *walked;         /* per block, 5 each: the run that walked it as a map at depth 0-3, a directory */
    uint32_t *queue;          /* inodes whose damage is still to be followed */
    uint8_t *live;            /* per inode: in use in the pristine image */
};

static struct image images[NBASES];
static struct image *cur;
#define PAT_LEN 65521u           /* prime: no block-sized period */
static uint8_t pat[PAT_LEN];     /* what writes write (pattern()) */
static struct ext2_dev dev;
static struct ext2_fs fs;
static int trace;

/* ---- messages ---- */

static unsigned op_no;          /* the operation running, from 1; 0 the mount and walk */
static const char *call_name = "";

__attribute__((format(printf, 1, 2), noreturn)) static void fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fuzz_ext2_write: image %s, operation %u, in %s: ", cur ? ext2_bases[cur - images].name : "?",
            op_no, call_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (fs.err \"%s\")\n", fs.err);
    abort();
}

#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            fail(__VA_ARGS__);                                                                               \
    } while (0)

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
    if (!trace)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  op %u: ", op_no);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* ---- the run's state ---- */

static uint32_t call_id, run_id;
static int clean;               /* no patch, no failed access (so far) */
static int failed_call;         /* a device access failed in the current call */
static int fail_kind;           /* 1 a read, 2 a write */
static unsigned fail_at, reads, writes;
static int counting;            /* accesses counted (the operations have begun) */
static uint64_t fs_end, sb_end; /* bytes of the file system; of the superblock's blocks */
static int geo_clean;           /* the superblock's geometry is mke2fs's */
static int layout_clean_begin;  /* ... and the descriptors' pointers were, when the call began */

static uint8_t (*saved)[CH];    /* old bytes of the chunks the current call wrote */
static size_t nsaved, capsaved;
static uint32_t *dirty;         /* chunks the run wrote (or patched) */
static size_t ndirty, capdirty;

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap * 2 : 1024;
    while (n < need)
        n *= 2;
    p = realloc(p, n * elem);
    if (!p)
        abort();
    *cap = n;
    return p;
}

static void mark_dirty(uint32_t c)
{
    if (cur->dirty_run[c] == run_id)
        return;
    cur->dirty_run[c] = run_id;
    dirty = grow(dirty, &capdirty, ndirty + 1, sizeof *dirty);
    dirty[ndirty++] = c;
}

/* Keep chunk @p c's bytes as they were before the current call. */
static void save_chunk(uint32_t c)
{
    if (cur->stamp[c] == call_id)
        return;
    saved = grow(saved, &capsaved, nsaved + 1, sizeof *saved);
    uint64_t off = (uint64_t)c * CH;
    size_t n = cur->size - off < CH ? (size_t)(cur->size - off) : CH;
    memcpy(saved[nsaved], cur->work + off, n);
    cur->stamp[c] = call_id;
    cur->saved_at[c] = (uint32_t)nsaved++;
}

/* The image's bytes at @p off as they were when the current call began. */
static void pre_read(uint64_t off, void *buf, size_t n)
{
    uint8_t *out = buf;
    while (n) {
        uint32_t c = (uint32_t)(off / CH), in = (uint32_t)(off % CH);
        size_t k = CH - in < n ? CH - in : n;
        memcpy(out, cur->stamp[c] == call_id ? saved[cur->saved_at[c]] + in : cur->work + off, k);
        out += k, off += k, n -= k;
    }
}

/* ---- the device ---- */

/* The superblock's bytes the writer keeps (ext2_sync_super(),
 * ext2_set_state()): free counts, mount and write times, mount count,
 * state, and with revision 1 the ro_compat features. */
static int sb_field_ok(uint64_t p)
{
    if (p < 1024 || p >= 2048)
        return 0;
    unsigned r = (unsigned)(p - 1024);
    return (r >= 12 && r < 20) || (r >= 44 && r < 54) || (r >= 58 && r < 60) || (r >= 100 && r < 104 && fs.rev >= 1);
}

static unsigned maps_out; /* map()s not yet unmapped */

static const void *dev_map(void *ctx, uint64_t off, size_t n, uintptr_t *token)
{
    (void)ctx;
    if (off > dev.size || n > dev.size - off)
        fail("a map() of %zu bytes at %llu, past the device's %llu", n, (unsigned long long)off,
             (unsigned long long)dev.size);
    *token = 0x600d0000u + ++maps_out;
    return cur->work + off;
}

static void dev_unmap(void *ctx, uintptr_t token)
{
    (void)ctx;
    CHECK(maps_out && token == 0x600d0000u + maps_out, "unmap(%#lx) of no map() (%u held)", (unsigned long)token,
          maps_out);
    maps_out--;
}

static int dev_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    (void)ctx;
    if (off > dev.size || n > dev.size - off)
        fail("a read of %zu bytes at %llu, past the device's %llu", n, (unsigned long long)off,
             (unsigned long long)dev.size);
    if (counting && fail_kind == 1 && ++reads == fail_at) {
        failed_call = 1;
        clean = 0;
        return -EIO;
    }
    memcpy(buf, cur->work + off, n);
    return 0;
}

static int dev_write(void *ctx, uint64_t off, const void *buf, size_t n)
{
    (void)ctx;
    if (off > fs_end || n > fs_end - off)
        fail("a write of %zu bytes at %llu, past the file system's %llu bytes (device %llu)", n,
             (unsigned long long)off, (unsigned long long)fs_end, (unsigned long long)dev.size);
    for (uint64_t p = off; p < off + n && p < sb_end; p++)
        CHECK(sb_field_ok(p), "a write of %zu bytes at %llu: byte %llu is in the superblock's block but no field "
              "the writer keeps", n, (unsigned long long)off, (unsigned long long)p);
    if (counting && fail_kind == 2 && ++writes == fail_at) {
        failed_call = 1;
        clean = 0;
        return -EIO;
    }
    if (!n)
        return 0;
    for (uint32_t c = (uint32_t)(off / CH); c <= (off + n - 1) / CH; c++) {
        save_chunk(c);
        mark_dirty(c);
    }
    memcpy(cur->work + off, buf, n);
    return 0;
}

static unsigned warnings;

/* Damage the writer found and went around. */
static void dev_warn(void *ctx, const char *what)
{
    (void)ctx;
    CHECK(what && what[0], "warn() without a reason");
    CHECK(!clean, "warn() on an undamaged image: %s", what);
    warnings++;
}

/* A new block of a regular file, which its owner will write. */
static void dev_forget(void *ctx, uint64_t off, uint64_t n)
{
    (void)ctx;
    CHECK(n == fs.block_size && off % fs.block_size == 0, "forget(%llu, %llu): not one block",
          (unsigned long long)off, (unsigned long long)n);
    uint64_t b = off / fs.block_size;
    CHECK(b > fs.first_data_block + 1u && b < fs.blocks, "forget() of block %llu, which cannot be allocated",
          (unsigned long long)b);
}

static int pristine_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    struct image *im = ctx;
    if (off > im->size || n > im->size - off)
        return -EIO;
    memcpy(buf, im->pristine + off, n);
    return 0;
}

/* ---- the pristine images: bytes, layout, owners ---- */

static void own(struct image *im, uint32_t b, int depth, uint32_t ino)
{
    const struct ext2_fs *g = &im->geo;
    if (!b || b <= g->first_data_block || b >= g->blocks)
        return;
    if (!im->owner[b])
        im->owner[b] = ino;
    if (depth == 0)
        return;
    for (uint32_t i = 0; i < im->bs / 4; i++)
        own(im, le32(im->pristine + (uint64_t)b * im->bs + 4 * i), depth - 1, ino);
}

static uint32_t table_len(const struct ext2_fs *g)
{
    return (uint32_t)(((uint64_t)g->inodes_per_group * g->inode_size + g->block_size - 1) / g->block_size);
}

static void load(void)
{
    trace = getenv("EXT2_WRITE_TRACE") != NULL;
    for (uint32_t i = 0, x = 1; i < PAT_LEN; i++) {
        x = x * 1103515245u + 12345u;
        pat[i] = (uint8_t)(x >> 24 | 1);
    }
    for (unsigned i = 0; i < NBASES; i++) {
        const struct ext2_base *b = &ext2_bases[i];
        struct image *im = &images[i];
        im->size = b->size;
        im->bs = b->block_size;
        ext2_fuzz_unpack(b, &im->pristine, &im->work, im->interesting);
        uint32_t chunks = (b->size + CH - 1) / CH;
        im->stamp = calloc(chunks, sizeof *im->stamp);
        im->saved_at = calloc(chunks, sizeof *im->saved_at);
        im->dirty_run = calloc(chunks, sizeof *im->dirty_run);
        if (!im->stamp || !im->saved_at || !im->dirty_run)
            abort();

        im->pdev = (struct ext2_dev){.read = pristine_read, .ctx = im, .size = im->size};
        struct ext2_fs *g = &im->geo;
        if (ext2_open(g, &im->pdev))
            abort();
        im->kind = calloc(g->blocks, 1);
        im->owner = calloc(g->blocks, sizeof *im->owner);
        im->dmg = calloc(g->inodes + 1, sizeof *im->dmg);
        im->queue = calloc(g->inodes + 1, sizeof *im->queue);
        im->gdmg = calloc(g->groups, sizeof *im->gdmg);
        im->walked = calloc((size_t)g->blocks * 5, sizeof *im->walked);
        im->live = calloc(g->inodes + 1, 1);
        if (!im->kind || !im->owner || !im->dmg || !im->queue || !im->gdmg || !im->walked || !im->live)
            abort();
        uint32_t gdt_blocks = (g->groups * 32 + im->bs - 1) / im->bs;
        for (uint32_t k = 0; k <= g->first_data_block + gdt_blocks && k < g->blocks; k++)
            im->kind[k] |= K_META | (k > g->first_data_block ? K_GDT : 0);
        for (uint32_t grp = 0; grp < g->groups; grp++) {
            const uint8_t *gd = im->pristine + (uint64_t)(g->first_data_block + 1) * im->bs + 32 * grp;
            uint32_t bb = le32(gd), ib = le32(gd + 4), t = le32(gd + 8);
            im->kind[bb] |= K_META | K_BITMAP;
            im->kind[ib] |= K_META | K_BITMAP;
            for (uint32_t k = 0; k < table_len(g); k++)
                im->kind[t + k] |= K_META | K_TABLE;
            for (uint32_t bit = 0; bit < g->blocks_per_group; bit++) {
                uint32_t blk = g->first_data_block + grp * g->blocks_per_group + bit;
                if (blk < g->blocks && (im->pristine[(uint64_t)bb * im->bs + bit / 8] >> (bit % 8) & 1))
                    im->kind[blk] |= K_USED;
            }
        }
        for (uint32_t ino = 1; ino <= g->inodes; ino++) {
            struct ext2_inode in;
            if (ext2_read_inode(g, ino, &in))
                abort();
            if (!in.mode || (!in.links && ino != 7))
                continue;
            im->live[ino] = 1;
            if ((in.mode & S_IFMT) == S_IFLNK && in.blocks512 == (in.file_acl ? im->bs / 512 : 0))
                continue; /* a fast symlink: no map */
            for (int k = 0; k < 15; k++)
                own(im, in.block[k], k < 12 ? 0 : k - 11, ino);
            own(im, in.file_acl, 0, ino);
        }
    }
}

/* ---- damage: which files it reaches ----
 *
 * The property judged on every run, damaged or not: no block that
 * belonged (in the pristine image) to a file the damage did not reach
 * and the run did not handle changes. A file is reached (damaged) when a
 * patch lands on its inode, its map's blocks or its directory blocks, or
 * on a structure it shares: its group's descriptor (then every inode of
 * the group and every file with a block in it), or a superblock field of
 * the geometry (then every file: nothing is judged). From there it
 * spreads as far as the writer could follow it: to the owner of every
 * block a damaged inode's map names as the writer reads it (a truncation
 * frees that block, a write lands in it), and to every inode a damaged
 * directory's blocks name (an unlink drops its link). What the run writes
 * is not followed: a damaged map's block reused for new data that happens
 * to read as valid pointers is beyond this. */

static int all_damaged; /* a geometry field patched: every file reached */

static void damage_inode(uint32_t ino)
{
    if (ino && ino <= cur->geo.inodes && cur->dmg[ino] != run_id) {
        cur->dmg[ino] = run_id;
        cur->queue[cur->queue[0] + 1] = ino; /* queue[0]: how many wait */
        cur->queue[0]++;
    }
}

/* What a patch at byte @p off of the pristine layout damages. */
static void note_damage(uint32_t off)
{
    const struct ext2_fs *g = &cur->geo;
    uint32_t b = off / cur->bs;
    if (b >= g->blocks)
        return;
    if (off >= 1024 && off < 2048) {
        unsigned r = off - 1024;
        /* counts, times, state, names: none places anything */
        if (r < 8 || (r >= 20 && r < 44) || (r >= 76 && r < 80) || (r >= 84 && r < 104) || (r >= 206 && r < 208))
            all_damaged = 1;
        return;
    }
    uint8_t k = cur->kind[b];
    uint64_t gdt = (uint64_t)(g->first_data_block + 1) * cur->bs;
    if (k & K_GDT) {
        if (off >= gdt && off < gdt + 32ull * g->groups)
            cur->gdmg[(off - gdt) / 32] = run_id;
        return;
    }
    if (k & K_TABLE) {
        for (uint32_t grp = 0; grp < g->groups; grp++) {
            uint32_t t = le32(cur->pristine + gdt + 32 * grp + 8);
            if (b >= t && b - t < table_len(g))
                damage_inode(grp * g->inodes_per_group + (uint32_t)((off - (uint64_t)t * cur->bs) / g->inode_size) + 1);
        }
        return;
    }
    if (k & K_BITMAP) {
        for (uint32_t grp = 0; grp < g->groups; grp++)
            if (le32(cur->pristine + gdt + 32 * grp) == b || le32(cur->pristine + gdt + 32 * grp + 4) == b)
                cur->gdmg[grp] = run_id;
        return;
    }
    damage_inode(cur->owner[b]); /* a directory's, symlink's or map's block */
}

static void patch(unsigned base, const uint8_t *p)
{
    uint32_t off;
    unsigned width;
    if (!ext2_fuzz_patch_at(&ext2_bases[base], p, &off, &width))
        return;
    for (uint32_t c = off / CH; c <= (off + width - 1) / CH; c++)
        mark_dirty(c);
    for (unsigned i = 0; i < width; i++)
        note_damage(off + i);
    ext2_fuzz_patch_apply(images[base].work, p, off, images[base].interesting);
}

/* Block @p b, named at @p depth of a damaged map (0: data, of a directory
 * if @p dir), as the writer would read it now. */
static void damage_block(uint32_t b, int depth, int dir)
{
    const struct ext2_fs *g = &cur->geo;
    if (b <= fs.first_data_block || b >= fs.blocks || b >= g->blocks)
        return;
    damage_inode(cur->owner[b]);
    uint32_t *w = &cur->walked[(size_t)b * 5 + (depth ? (unsigned)depth - 1 : 4)];
    if ((!depth && !dir) || *w == run_id)
        return;
    *w = run_id;
    const uint8_t *blk = cur->work + (uint64_t)b * fs.block_size;
    if (depth) {
        for (uint32_t i = 0; i < fs.block_size / 4; i++)
            damage_block(le32(blk + 4 * i), depth - 1, dir);
        return;
    }
    /* The entries as ext2_entry_at() parses them, to the first bad one. */
    for (uint32_t boff = 0; boff + 8 <= fs.block_size;) {
        uint32_t rec = le16(blk + boff + 4);
        if (fs.block_size == 65536 && (rec == 0 || rec == 65535))
            rec = 65536;
        if (rec < 8 || rec % 4 || rec > fs.block_size - boff)
            break;
        damage_inode(le32(blk + boff));
        boff += rec;
    }
}

/* Spread the patches' damage (after ext2_open() of the patched image). */
static void damage_spread(void)
{
    const struct ext2_fs *g = &cur->geo;
    if (all_damaged)
        return;
    for (uint32_t grp = 0; grp < g->groups; grp++) {
        if (cur->gdmg[grp] != run_id)
            continue;
        for (uint32_t i = 1; i <= g->inodes_per_group; i++)
            damage_inode(grp * g->inodes_per_group + i);
        for (uint32_t b = g->first_data_block + grp * g->blocks_per_group;
             b < g->blocks && b < g->first_data_block + (grp + 1) * g->blocks_per_group; b++)
            damage_inode(cur->owner[b]);
    }
    while (cur->queue[0]) {
        uint32_t ino = cur->queue[cur->queue[0]--];
        struct ext2_inode in;
        if (ino > fs.inodes || ext2_read_inode(&fs, ino, &in))
            continue;
        int dir = (in.mode & S_IFMT) == S_IFDIR;
        if ((in.mode & S_IFMT) == S_IFLNK && in.blocks512 == (in.file_acl ? fs.block_size / 512 : 0))
            continue; /* a fast symlink: no map */
        for (int k = 0; k < 15; k++)
            damage_block(in.block[k], k < 12 ? 0 : k - 11, dir);
        damage_block(in.file_acl, 0, 0);
    }
}

/* ---- each call: its name, its result ---- */

enum {
    A_POS = 1, A_NOSPC = 2, A_FBIG = 4, A_UCLEAN = 8, A_IO = 16, A_NAMETOOLONG = 32, A_NOENT = 64,
    A_INVAL = 128, A_NOTDIR = 256,
};

static uint64_t gd_off(uint32_t g) { return (uint64_t)(fs.first_data_block + 1) * fs.block_size + 32ull * g; }

/* The descriptors' bitmap and table pointers are mke2fs's. */
static int layout_clean_now(void)
{
    if (!geo_clean)
        return 0;
    for (uint32_t g = 0; g < fs.groups; g++)
        if (memcmp(cur->work + gd_off(g), cur->pristine + gd_off(g), 12))
            return 0;
    return 1;
}

static void begin(const char *name)
{
    call_name = name;
    call_id++;
    failed_call = 0;
    fs.err[0] = '\0';
    layout_clean_begin = layout_clean_now();
}

static long end(long r, unsigned allowed)
{
    static const struct { int err; unsigned bit; } known[] = {
        {ENOSPC, A_NOSPC}, {EFBIG, A_FBIG}, {EUCLEAN, A_UCLEAN}, {EIO, A_IO},
        {ENAMETOOLONG, A_NAMETOOLONG}, {ENOENT, A_NOENT}, {EINVAL, A_INVAL}, {ENOTDIR, A_NOTDIR},
    };
    if (r > 0)
        CHECK(allowed & A_POS, "returned %ld, where 0 or an error is expected", r);
    if (r < 0) {
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (r == -known[i].err)
                bit = known[i].bit;
        CHECK(bit & allowed, "returned %ld, which its comment does not name", r);
    }
    CHECK(!maps_out, "returned with %u map()s not unmapped", maps_out);
    CHECK(r != -EIO || failed_call, "-EIO, but no device access failed");
    CHECK(r != -EUCLEAN || fs.err[0], "-EUCLEAN without a reason in fs.err");
    if (clean) {
        CHECK(r != -EUCLEAN && r != -EIO, "returned %ld on an undamaged image", r);
        CHECK(!fs.err[0], "a damage reported on an undamaged image");
    }
    if (trace && r < 0 && r != -ENOENT)
        say("%s: %ld (%s)", call_name, r, fs.err);
    return r;
}

/* ---- maps: which blocks a call allocated ---- */

static uint64_t per_block(void) { return fs.block_size / 4; }

/* Block numbers of the first block the map cannot address. */
static uint64_t map_end(void)
{
    uint64_t per = per_block();
    return 12 + per + per * per + per * per * per;
}

/* The largest size a regular file may have, past which ext2_truncate()
 * and ext2_write() give -EFBIG: the writer's own bound, ext2_max_size()
 * (the map's reach, what i_blocks can count, 2 GiB - 1 in revision 0,
 * where large_file cannot be recorded). It must not pass what e2fsck -f
 * accepts (ext2_max_sizes[] in its pass 1): what the map can address. */
static uint64_t max_file_size(void)
{
    uint64_t m = map_end() * fs.block_size, w = ext2_max_size(&fs);
    CHECK(w <= m, "ext2_max_size() is %llu, past the %llu bytes the map can address: e2fsck calls such a size "
          "wrong", (unsigned long long)w, (unsigned long long)m);
    if (fs.rev == 0)
        CHECK(w <= 0x7fffffffu, "ext2_max_size() is %llu on revision 0, which cannot record large_file",
              (unsigned long long)w);
    return w;
}

/* The pointers on the way to block @p lb of @p in's map as the image holds
 * them now: out[0] the inode's, out[k] the one read from block out[k - 1];
 * zeros past a hole or a pointer outside the file system. Returns the
 * levels (1 to 4), 0 past the map. */
static int map_walk(const struct ext2_inode *in, uint64_t lb, uint32_t out[4])
{
    uint64_t per = per_block(), span = per;
    int depth = 0;
    unsigned top = (unsigned)lb;
    memset(out, 0, 4 * sizeof *out);
    if (lb >= 12) {
        lb -= 12;
        for (depth = 1; depth <= 3 && lb >= span; depth++, span *= per)
            lb -= span;
        if (depth > 3)
            return 0;
        top = 11 + (unsigned)depth;
    }
    uint32_t b = in->block[top];
    out[0] = b;
    for (int k = 1; k <= depth; k++) {
        if (!b || b <= fs.first_data_block || b >= fs.blocks)
            break;
        span /= per;
        b = le32(cur->work + (uint64_t)b * fs.block_size + (lb / span % per) * 4);
        out[k] = b;
    }
    return depth + 1;
}

/* The group's own metadata as descriptor @p gd says: is_group_meta(). */
static int is_meta(const uint8_t *gd, uint32_t b)
{
    uint32_t t = le32(gd + 8);
    return b == le32(gd) || b == le32(gd + 4) || (b >= t && b - t < table_len(&fs)) ||
           b <= fs.first_data_block + 1;
}

/* Block @p b entered a map where there was a hole in this call: if its
 * bitmap bit went from clear to set in this call, alloc_block() handed it
 * out; check what it promises of it. */
static void check_alloc(uint32_t b)
{
    if (b <= fs.first_data_block || b >= fs.blocks) {
        CHECK(!clean, "a new block pointer %u outside the file system", b);
        return; /* damage wrote it, not an allocation */
    }
    uint32_t g = (b - fs.first_data_block) / fs.blocks_per_group;
    uint32_t bit = (b - fs.first_data_block) % fs.blocks_per_group;
    uint8_t pre[32];
    pre_read(gd_off(g), pre, sizeof pre);
    const uint8_t *now = cur->work + gd_off(g);
    uint32_t bb = le32(now);
    if (memcmp(pre, now, 12) || bb <= fs.first_data_block || bb >= fs.blocks) {
        CHECK(!clean, "group %u's descriptor changed under its block %u", g, b);
        return;
    }
    uint64_t at = (uint64_t)bb * fs.block_size + bit / 8;
    uint8_t was;
    pre_read(at, &was, 1);
    if (!(cur->work[at] >> (bit % 8) & 1) || (was >> (bit % 8) & 1)) {
        CHECK(!clean, "block %u entered a map without its bitmap bit being set by the call", b);
        return;
    }
    CHECK(b > fs.first_data_block + 1, "block %u handed out: the superblock's or the first descriptor block", b);
    /* A failed read of the bitmap leaves the group unchecked (and so a
     * later check in the same call may find it bad after it gave a block). */
    CHECK(failed_call || !(fs.groups_checked[g] & 4), "block %u handed out from group %u, whose block bitmap "
          "disagreed with its free count", b, g);
    CHECK(!is_meta(pre, b), "block %u handed out: group %u's own bitmap or inode table (descriptor: %u %u %u)", b,
          g, le32(pre), le32(pre + 4), le32(pre + 8));
    if (layout_clean_begin && layout_clean_now())
        CHECK(!(cur->kind[b] & K_META), "block %u handed out: metadata of mke2fs's layout (kind %#x)", b,
              cur->kind[b]);
}

struct watch {
    const struct ext2_inode *in;
    int levels;
    uint64_t lb;
    uint32_t before[4];
};
static struct watch watches[MAX_WATCH];
static unsigned nwatch;

static void watch(const struct ext2_inode *in, uint64_t lb)
{
    if (nwatch == MAX_WATCH || lb >= map_end())
        return;
    struct watch *w = &watches[nwatch++];
    w->in = in;
    w->lb = lb;
    w->levels = map_walk(in, lb, w->before);
}

static void watch_range(const struct ext2_inode *in, uint64_t off, uint64_t n)
{
    if (!n)
        return;
    for (uint64_t lb = off / fs.block_size; lb <= (off + n - 1) / fs.block_size && nwatch < MAX_WATCH; lb++)
        watch(in, lb);
}

static void check_watches(void)
{
    for (unsigned i = 0; i < nwatch; i++) {
        struct watch *w = &watches[i];
        uint32_t after[4];
        map_walk(w->in, w->lb, after);
        for (int k = 0; k < w->levels && after[k]; k++) {
            if (w->before[k] == after[k])
                continue;
            if (w->before[k]) {
                CHECK(!clean, "inode %u: pointer %d to its block %llu changed from %u to %u", w->in->ino, k,
                      (unsigned long long)w->lb, w->before[k], after[k]);
                break;
            }
            if (k > 0 && w->before[k - 1] && w->before[k - 1] != after[k - 1])
                break;
            check_alloc(after[k]);
        }
    }
    nwatch = 0;
}

/* ---- inodes the run holds (as the VFS holds its nodes: one copy each) ---- */

struct seg {
    uint64_t off, len;
    uint32_t seed;
};

struct node {
    struct ext2_inode in;
    int freed;          /* given to ext2_free_inode() */
    /* A model of a regular file's bytes, in clean runs: the writes (the
     * later over the earlier), zeros from @c low on where no write is,
     * unknown below it (mke2fs's bytes). */
    int model;
    uint64_t low;
    unsigned nseg;
    struct seg seg[MAX_SEGS];
    uint32_t link_len, link_seed; /* a symlink made here */
};

static struct node nodes[MAX_NODES];
static unsigned nnodes;

static struct node *find_node(uint32_t ino)
{
    for (unsigned i = 0; i < nnodes; i++)
        if (nodes[i].in.ino == ino)
            return &nodes[i];
    return NULL;
}

static struct node *get_node(uint32_t ino)
{
    struct node *n = find_node(ino);
    if (n && !n->freed)
        return n;
    if (!n && nnodes == MAX_NODES)
        return NULL;
    struct ext2_inode in;
    begin("ext2_read_inode");
    if (end(ext2_read_inode(&fs, ino, &in), A_INVAL | A_UCLEAN | A_IO))
        return NULL;
    /* What make_node() refuses (a deleted inode still named, a size no
     * map backs), the VFS never hands the writer. */
    begin("ext2_check_inode");
    if (end(ext2_check_inode(&fs, &in), A_UCLEAN))
        return NULL;
    if (!n)
        n = &nodes[nnodes++];
    memset(n, 0, sizeof *n);
    n->in = in;
    n->model = clean && (in.mode & S_IFMT) == S_IFREG;
    n->low = (in.size + fs.block_size - 1) / fs.block_size * fs.block_size;
    return n;
}

static int is_dir(const struct node *n) { return (n->in.mode & S_IFMT) == S_IFDIR; }
static int is_reg(const struct node *n) { return (n->in.mode & S_IFMT) == S_IFREG; }

static void store(struct node *n)
{
    if (!n || n->freed)
        return;
    begin("ext2_write_inode");
    end(ext2_write_inode(&fs, &n->in), A_UCLEAN | A_IO);
}

/* Its last link is gone and nobody has it open (e2_evict()). */
static void free_node(struct node *n)
{
    begin("ext2_free_inode");
    long r = end(ext2_free_inode(&fs, &n->in), A_UCLEAN | A_IO);
    n->freed = 1;
    if (!r)
        CHECK(n->in.links == 0 && n->in.dtime, "inode %u freed with links %u, deletion time %u", n->in.ino,
              n->in.links, n->in.dtime);
}

/* ---- names ---- */

struct handle {
    uint32_t dir, ino;
    uint16_t mode; /* as found: a hint for choosing, the node decides */
    uint8_t len;
    char name[256];
};
static struct handle handles[MAX_HANDLES];
static unsigned nhandles;
static uint32_t complete[MAX_WALK + MAX_OPS]; /* directories whose every name is a handle */
static unsigned ncomplete;
static unsigned name_counter;

static void add_handle(uint32_t dir, uint32_t ino, uint16_t mode, const char *name, size_t len)
{
    if (nhandles == MAX_HANDLES)
        return;
    struct handle *h = &handles[nhandles++];
    h->dir = dir, h->ino = ino, h->mode = mode, h->len = (uint8_t)len;
    memcpy(h->name, name, len);
    h->name[len] = '\0';
}

static void drop_handle(unsigned i) { handles[i] = handles[--nhandles]; }

static int find_handle(uint32_t dir, const char *name, size_t len)
{
    for (unsigned i = 0; i < nhandles; i++)
        if (handles[i].dir == dir && handles[i].len == len && !memcmp(handles[i].name, name, len))
            return (int)i;
    return -1;
}

/* lost+found in the root: e2fsck wants it, so it stays. */
static int kept(uint32_t dir, const char *name, size_t len)
{
    return dir == 2 && len == 10 && !memcmp(name, "lost+found", 10);
}

static void drop_complete(uint32_t dir)
{
    for (unsigned i = 0; i < ncomplete; i++)
        if (complete[i] == dir)
            complete[i--] = complete[--ncomplete];
}

/* A name from @p b: short ones that collide, unique ones, 255 bytes, and
 * (seldom) 256 bytes. @p dir is where a name of an existing entry comes
 * from (b's top bit and a handle there). Returns its length. */
static size_t make_name(uint8_t b, char name[257], uint32_t dir)
{
    if (b & 0x80) {
        unsigned n = 0;
        for (unsigned i = 0; i < nhandles; i++)
            n += handles[i].dir == dir;
        if (n) {
            unsigned pick = (b & 0x7f) % n;
            for (unsigned i = 0; i < nhandles; i++)
                if (handles[i].dir == dir && !pick--) {
                    memcpy(name, handles[i].name, handles[i].len);
                    return handles[i].len;
                }
        }
    }
    switch (b & 7) {
    case 0: case 1: case 2: case 3:
        name[0] = (char)('a' + (b & 3));
        return 1;
    case 4:
        return (size_t)snprintf(name, 257, "n%u", ++name_counter);
    case 5:
        memset(name, 'L', 255);
        name[254] = (char)('0' + (b >> 3) % 10);
        return 255;
    case 6:
        return (size_t)snprintf(name, 257, "middle-length-name-%02x-%u", b, ++name_counter);
    default:
        if ((b >> 3) % 4 == 0) {
            memset(name, 'T', 256);
            return 256;
        }
        return (size_t)snprintf(name, 257, "x%02x", b);
    }
}

static long lookup(const struct ext2_inode *dir, const char *name, size_t len, uint32_t *ino)
{
    begin("ext2_lookup");
    return end(ext2_lookup(&fs, dir, name, len, ino), A_NOENT | A_NAMETOOLONG | A_NOTDIR | A_UCLEAN | A_IO);
}

/* Handle @p b picks (from a place @p b gives, the first of the kind @p
 * mode wants: 0 any, else S_IFMT bits; S_IFMT itself: not a directory). */
static int pick_handle(uint8_t b, unsigned mode)
{
    for (unsigned k = 0; k < nhandles; k++) {
        unsigned i = (b + k) % nhandles, m = handles[i].mode & S_IFMT;
        if (!mode || (mode == S_IFMT ? m != S_IFDIR : m == mode))
            return (int)i;
    }
    return -1;
}

static struct node *pick_dir(uint8_t b)
{
    int i = b % 4 ? pick_handle(b >> 2, S_IFDIR) : -1;
    struct node *d = get_node(i < 0 ? 2 : handles[i].ino);
    return d && is_dir(d) ? d : NULL;
}

/* A directory with no entry but "." and ".." (0 also when it cannot be read). */
static int dir_empty(const struct ext2_inode *d)
{
    uint64_t pos = 0;
    struct ext2_dirent de;
    for (int i = 0; i < 8; i++) {
        begin("ext2_readdir");
        long r = end(ext2_readdir(&fs, d, &pos, &de), A_POS | A_UCLEAN | A_IO | A_NOTDIR);
        if (r == 0)
            return 1;
        if (r < 0)
            return 0;
        if (!(de.name_len == 1 && de.name[0] == '.') && !(de.name_len == 2 && !memcmp(de.name, "..", 2)))
            return 0;
    }
    return 0;
}

/* Directory @p dir is @p src or under it, as ".." says (1 too when unsure). */
static int is_under(uint32_t dir, uint32_t src)
{
    for (int i = 0; i < 32; i++) {
        if (dir == src)
            return 1;
        if (dir == 2)
            return 0;
        struct ext2_inode in;
        uint32_t up;
        begin("ext2_read_inode");
        if (end(ext2_read_inode(&fs, dir, &in), A_INVAL | A_UCLEAN | A_IO) || lookup(&in, "..", 2, &up))
            return 1;
        dir = up;
    }
    return 1;
}

/* ---- the file model (clean runs) ---- */

/* The bytes a write puts at each offset: a table of non-zero bytes (a
 * hole shows) read from a place the write's seed and the offset give, so
 * a buffer fills by memcpy, not a byte at a time. */
static uint32_t pat_at(uint32_t seed, uint64_t o) { return (uint32_t)((o + seed * 7919ull) % PAT_LEN); }

static uint8_t pattern(uint32_t seed, uint64_t o) { return pat[pat_at(seed, o)]; }

static void pattern_fill(uint8_t *buf, size_t n, uint32_t seed, uint64_t o)
{
    for (uint32_t at = pat_at(seed, o), k; n; buf += k, n -= k, at = 0) {
        k = PAT_LEN - at < n ? PAT_LEN - at : (uint32_t)n;
        memcpy(buf, pat + at, k);
    }
}

static void model_write(struct node *n, uint64_t off, uint64_t len, uint32_t seed)
{
    if (!n->model || !len)
        return;
    if (n->nseg == MAX_SEGS) {
        n->model = 0;
        return;
    }
    n->seg[n->nseg++] = (struct seg){off, len, seed};
}

static void model_truncate(struct node *n, uint64_t size)
{
    for (unsigned i = 0; i < n->nseg; i++) {
        struct seg *s = &n->seg[i];
        if (s->off >= size)
            s->len = 0;
        else if (s->len > size - s->off)
            s->len = size - s->off;
    }
    if (size < n->low)
        n->low = size;
}

/* The byte at @p o: 1 and *@p v, or 0 if unknown. */
static int model_byte(const struct node *n, uint64_t o, uint8_t *v)
{
    for (unsigned i = n->nseg; i-- > 0;) {
        const struct seg *s = &n->seg[i];
        if (o >= s->off && o - s->off < s->len) {
            *v = pattern(s->seed, o);
            return 1;
        }
    }
    *v = 0;
    return o >= n->low;
}

static uint8_t rbuf[MAX_WRITE + 4096];

static void check_bytes(const struct node *n, uint64_t off, uint64_t len)
{
    if (off >= n->in.size)
        return;
    if (len > n->in.size - off)
        len = n->in.size - off;
    if (len > 4096)
        len = 4096;
    begin("ext2_read");
    long r = end(ext2_read(&fs, &n->in, off, rbuf, (size_t)len), A_POS | A_FBIG | A_UCLEAN | A_IO);
    CHECK(r == (long)len, "inode %u: read %llu bytes at %llu: %ld", n->in.ino, (unsigned long long)len,
          (unsigned long long)off, r);
    for (uint64_t i = 0; i < len; i++) {
        uint8_t want;
        if (model_byte(n, off + i, &want))
            CHECK(rbuf[i] == want, "inode %u: byte %llu is %#x, not %#x", n->in.ino,
                  (unsigned long long)(off + i), rbuf[i], want);
    }
}

static void check_model(const struct node *n)
{
    for (unsigned i = 0; i < n->nseg; i++) {
        const struct seg *s = &n->seg[i];
        if (!s->len)
            continue;
        check_bytes(n, s->off > 16 ? s->off - 16 : 0, 80);
        check_bytes(n, s->off + s->len > 64 ? s->off + s->len - 64 : 0, 80);
        check_bytes(n, s->off + s->len / 2, 16);
    }
    check_bytes(n, n->low > 8 ? n->low - 8 : 0, 16);
    check_bytes(n, n->in.size > 8 ? n->in.size - 8 : 0, 8);
}

/* ---- operations ---- */

static uint8_t wbuf[MAX_WRITE];
static const uint8_t zeros[65536];

/* Create a file (kind 0), directory (1) or symlink (2): e2_create(). */
static void op_create(const uint8_t *p, int kind)
{
    struct node *d = pick_dir(p[1]);
    if (!d || nnodes == MAX_NODES)
        return;
    char name[257];
    size_t len = make_name(p[2], name, d->in.ino);
    uint32_t ino;
    if (len <= 255 && lookup(&d->in, name, len, &ino) != -ENOENT)
        return; /* it exists, or the directory cannot be read */
    uint16_t mode = kind == 0 ? S_IFREG | 0644 : kind == 1 ? S_IFDIR | 0755 : S_IFLNK | 0777;
    struct ext2_inode di;
    uint32_t free_before = fs.free_inodes;
    uint8_t bit_pre = 0;
    begin("ext2_new_inode");
    long r = end(ext2_new_inode(&fs, d->in.ino, mode, &di), A_NOSPC | A_UCLEAN | A_IO);
    say("create %s %.*s in %u: inode %u, %ld", kind == 0 ? "file" : kind == 1 ? "dir" : "symlink", (int)len,
        name, d->in.ino, r ? 0 : di.ino, r);
    if (r) {
        CHECK(!clean || r != -ENOSPC || !free_before, "-ENOSPC with %u inodes free", free_before);
        return;
    }
    /* What ext2_new_inode() promises of the inode it hands out. */
    CHECK(di.ino >= fs.first_ino && di.ino <= fs.inodes, "inode %u handed out (first %u, count %u)", di.ino,
          fs.first_ino, fs.inodes);
    CHECK(di.mode == mode && !di.links && !di.size && !di.blocks512 && !di.dtime && !di.file_acl,
          "new inode %u not empty", di.ino);
    for (int k = 0; k < 15; k++)
        CHECK(!di.block[k], "new inode %u has block pointer %d", di.ino, k);
    uint32_t g = (di.ino - 1) / fs.inodes_per_group;
    uint8_t gd[32], raw[128];
    pre_read(gd_off(g), gd, sizeof gd);
    if (!memcmp(gd, cur->work + gd_off(g), 12)) {
        uint32_t t = le32(gd + 8), ib = le32(gd + 4), idx = (di.ino - 1) % fs.inodes_per_group;
        pre_read((uint64_t)t * fs.block_size + (uint64_t)idx * fs.inode_size, raw, sizeof raw);
        CHECK(!(le16(raw + 26) && le16(raw) && !le32(raw + 20)), "inode %u handed out while live (mode %#o, "
              "links %u)", di.ino, le16(raw), le16(raw + 26));
        CHECK(failed_call || !(fs.groups_checked[g] & 8), "inode %u handed out from group %u, whose inode bitmap "
              "disagreed with its free count", di.ino, g);
        if (ib > fs.first_data_block && ib < fs.blocks) {
            pre_read((uint64_t)ib * fs.block_size + idx / 8, &bit_pre, 1);
            CHECK(!(bit_pre >> (idx % 8) & 1), "inode %u handed out, its bitmap bit set", di.ino);
            if (clean)
                CHECK(cur->work[(uint64_t)ib * fs.block_size + idx / 8] >> (idx % 8) & 1,
                      "inode %u handed out, its bitmap bit not set", di.ino);
        }
    }
    struct node *c = find_node(di.ino);
    if (c) {
        CHECK(!clean || c->freed, "inode %u handed out while the run holds it live", di.ino);
    } else {
        c = &nodes[nnodes++];
    }
    memset(c, 0, sizeof *c);
    c->in = di;
    c->model = clean && kind == 0;
    c->low = 0;
    long err = 0;
    if (kind == 2) {
        uint32_t tl = p[3] & 1 ? 60 + p[3] * 3u % 300 : 1 + p[3] % 59u, seed = op_no;
        char target[400];
        for (uint32_t i = 0; i < tl; i++)
            target[i] = (char)('a' + (seed + i * 7) % 26);
        c->link_len = tl, c->link_seed = seed;
        if (tl < sizeof di.block) { /* fast: the target in the pointers */
            for (uint32_t i = 0; i < tl; i++)
                c->in.block[i / 4] |= (uint32_t)(uint8_t)target[i] << (8 * (i % 4));
            c->in.size = tl;
        } else {
            watch(&c->in, 0);
            begin("ext2_write");
            err = end(ext2_write(&fs, &c->in, 0, target, tl), A_POS | A_NOSPC | A_UCLEAN | A_IO);
            check_watches();
            CHECK(err < 0 || err == (long)tl, "a symlink's %u bytes written as %ld", tl, err);
            err = err < 0 ? err : 0;
        }
    }
    if (!err) {
        uint32_t dlinks = d->in.links;
        watch(&d->in, d->in.size / fs.block_size);
        if (kind == 1)
            watch(&c->in, 0);
        begin("ext2_name_add");
        err = end(ext2_name_add(&fs, &d->in, name, len, &c->in), A_NAMETOOLONG | A_NOSPC | A_UCLEAN | A_IO);
        check_watches();
        if (len > 255)
            CHECK(err && (kind == 1 || err == -ENAMETOOLONG), "a name of %zu bytes added: %ld", len, err);
        if (clean && !err)
            CHECK(c->in.links == (kind == 1 ? 2 : 1) && d->in.links == dlinks + (kind == 1),
                  "links after a create: %u, its directory's %u (was %u)", c->in.links, d->in.links, dlinks);
    }
    if (clean && err)
        CHECK((err == -ENOSPC && !fs.free_blocks) || (err == -ENAMETOOLONG && len > 255),
              "create failed with %ld on an undamaged image (%u blocks free)", err, fs.free_blocks);
    if (!err) {
        begin("ext2_write_inode");
        err = end(ext2_write_inode(&fs, &c->in), A_UCLEAN | A_IO);
    }
    if (err) {
        c->in.links = 0;
        free_node(c);
        store(d);
        return;
    }
    store(d);
    add_handle(d->in.ino, c->in.ino, mode, name, len);
    if (kind == 1 && ncomplete < sizeof complete / sizeof complete[0])
        complete[ncomplete++] = c->in.ino;
}

static void op_write(const uint8_t *p)
{
    int hi = pick_handle(p[1], S_IFREG);
    struct node *f = hi < 0 ? NULL : get_node(handles[hi].ino);
    if (!f || !is_reg(f))
        return;
    uint64_t bs = fs.block_size, per = per_block(), size = f->in.size, off;
    uint64_t small = (p[2] >> 3) * 13u % (bs / 2) + 1;
    const uint64_t edge[4] = {12, 12 + per, 12 + per + per * per, map_end()};
    switch (p[2] & 7) {
    case 0: off = (p[2] >> 3) * 61u; break;
    case 1: off = size; break;
    case 2: off = size + (p[2] >> 3) * bs / 4 + 1; break;
    case 3: case 4: case 5: case 6: off = edge[(p[2] & 7) - 3] * bs - small; break;
    default: off = (p[2] >> 3) * (bs * 5 / 3); break;
    }
    if ((p[2] & 7) == 6 && (p[2] & 8))
        off = edge[3] * bs + small; /* wholly past the map */
    size_t len;
    switch (p[3] & 3) {
    case 0: len = 1 + (p[3] >> 2); break;
    case 1: len = bs - 3 + (p[3] >> 2) % 7; break;
    case 2: len = 2 * bs + 1 + (p[3] >> 2); break;
    default: len = 24 * bs; break;
    }
    if (len > MAX_WRITE)
        len = MAX_WRITE;
    uint32_t seed = op_no;
    pattern_fill(wbuf, len, seed, off);
    watch_range(&f->in, off, len);
    begin("ext2_write");
    long r = end(ext2_write(&fs, &f->in, off, wbuf, len), A_POS | A_NOSPC | A_FBIG | A_UCLEAN | A_IO);
    check_watches();
    say("write inode %u: %zu bytes at %llu: %ld", f->in.ino, len, (unsigned long long)off, r);
    uint64_t limit = edge[3] * bs;
    if (off >= limit)
        CHECK(r == -EFBIG, "a write at %llu, past the map's %llu bytes: %ld", (unsigned long long)off,
              (unsigned long long)limit, r);
    if (r >= 0) {
        CHECK((size_t)r <= len && off + (uint64_t)r <= limit, "wrote %ld of %zu bytes at %llu", r, len,
              (unsigned long long)off);
        uint64_t want = off + (uint64_t)r > size ? off + (uint64_t)r : size;
        CHECK(f->in.size == want, "size %llu after writing %ld bytes at %llu over %llu",
              (unsigned long long)f->in.size, r, (unsigned long long)off, (unsigned long long)size);
    }
    if (clean)
        CHECK(r == (long)len || (r >= 0 && off + (uint64_t)r >= max_file_size()) || r == -EFBIG || !fs.free_blocks,
              "wrote %ld of %zu bytes at %llu with %u blocks free", r, len, (unsigned long long)off,
              fs.free_blocks);
    store(f);
    if (r > 0)
        model_write(f, off, (uint64_t)r, seed);
}

static void op_truncate(const uint8_t *p)
{
    int hi = pick_handle(p[1], S_IFREG);
    struct node *f = hi < 0 ? NULL : get_node(handles[hi].ino);
    if (!f || !is_reg(f))
        return;
    uint64_t bs = fs.block_size, per = per_block(), old = f->in.size, size;
    switch (p[2] & 7) {
    case 0: size = 0; break;
    case 1: size = old / 2; break;
    case 2: size = old ? old - 1 : 0; break;
    case 3: size = old + 3 * bs + (p[2] >> 3); break;
    case 4: size = 12 * bs + 1 + (p[2] >> 3); break;
    case 5: size = (12 + per) * bs + 7; break;
    case 6: size = (12 + per + per * per) * bs + (p[2] >> 3); break;
    default: size = (p[2] >> 3) * 100u; break;
    }
    /* The tail of the new last block is the caller's to zero (the page
     * cache's in the kernel): through ext2_write(), the size put back by
     * the truncation. */
    if (size < old && size % bs) {
        uint32_t pb = 0;
        begin("ext2_bmap");
        long r = end(ext2_bmap(&fs, &f->in, size / bs, &pb), A_FBIG | A_UCLEAN | A_IO);
        if (!r && pb) {
            size_t n = (size_t)(bs - size % bs);
            begin("ext2_write");
            r = end(ext2_write(&fs, &f->in, size, zeros, n), A_POS | A_NOSPC | A_FBIG | A_UCLEAN | A_IO);
            CHECK(!clean || r == (long)n, "zeroing %zu bytes of a mapped block: %ld", n, r);
        }
    }
    begin("ext2_truncate");
    long r = end(ext2_truncate(&fs, &f->in, size), A_FBIG | A_UCLEAN | A_IO);
    say("truncate inode %u from %llu to %llu: %ld", f->in.ino, (unsigned long long)old, (unsigned long long)size,
        r);
    if (!r) {
        CHECK(f->in.size == size, "size %llu after a truncation to %llu", (unsigned long long)f->in.size,
              (unsigned long long)size);
        if (!size)
            for (int k = 0; k < 15; k++)
                CHECK(!f->in.block[k], "pointer %d left by a truncation to 0", k);
        if (!size && clean)
            CHECK(!f->in.blocks512, "i_blocks %u after a truncation to 0", f->in.blocks512);
    }
    CHECK(r != -EFBIG || size > max_file_size(), "-EFBIG for a size of %llu, which the map can address",
          (unsigned long long)size);
    CHECK(!clean || !r || r == -EFBIG, "a truncation failed on an undamaged image");
    /* e2fsck -f: "i_size is ..., should be ..." for a size past what the
     * map can address (ext2_max_sizes[] in its pass 1), so a writer that
     * keeps e2fsck's rules cannot set one (-EFBIG, as ext2_write() gives
     * past the map). The VFS lets sizes up to 1 TiB through; the map of
     * 1 KiB blocks reaches 16 GiB. */
    CHECK(!clean || r || size <= map_end() * bs, "ext2_truncate() set inode %u's size to %llu, past the %llu bytes "
          "its block map can address: e2fsck -f calls that size wrong", f->in.ino, (unsigned long long)size,
          (unsigned long long)(map_end() * bs));
    store(f);
    if (!r)
        model_truncate(f, size);
}

/* unlink() or rmdir(): e2_unlink(), then e2_evict() at the last link. */
static void op_remove(const uint8_t *p)
{
    int hi = pick_handle(p[1], 0);
    if (hi < 0)
        return;
    struct handle h = handles[hi];
    if (kept(h.dir, h.name, h.len))
        return;
    struct node *d = get_node(h.dir), *v = d ? get_node(h.ino) : NULL;
    if (!v || !is_dir(d) || (is_dir(v) && !dir_empty(&v->in)))
        return;
    uint32_t dlinks = d->in.links, vlinks = v->in.links;
    begin("ext2_name_remove");
    long r = end(ext2_name_remove(&fs, &d->in, h.name, h.len, &v->in), A_NOENT | A_UCLEAN | A_IO);
    say("remove %s from %u (inode %u): %ld", h.name, h.dir, h.ino, r);
    if (clean) {
        CHECK(!r, "removing a name the directory has");
        if (is_dir(v))
            CHECK(!v->in.links && d->in.links == dlinks - 1, "rmdir: links %u, parent's %u (was %u)",
                  v->in.links, d->in.links, dlinks);
        else
            CHECK(v->in.links == vlinks - 1, "unlink: links %u (was %u)", v->in.links, vlinks);
    }
    store(d);
    if (v != d)
        store(v);
    if (r)
        return;
    drop_handle((unsigned)hi);
    if (!v->in.links) {
        free_node(v);
        drop_complete(v->in.ino);
    }
}

/* rename(): e2_rename() after the VFS's checks. */
static void op_rename(const uint8_t *p)
{
    int hi = pick_handle(p[1], 0);
    if (hi < 0)
        return;
    struct handle h = handles[hi];
    if (kept(h.dir, h.name, h.len))
        return;
    struct node *od = get_node(h.dir), *src = od ? get_node(h.ino) : NULL, *nd = src ? pick_dir(p[2]) : NULL;
    if (!nd || !is_dir(od))
        return;
    char nname[257];
    size_t nlen = make_name(p[3], nname, nd->in.ino);
    uint32_t dino = 0;
    long r = nlen <= 255 ? lookup(&nd->in, nname, nlen, &dino) : -ENOENT;
    if (r && r != -ENOENT)
        return;
    struct node *dst = NULL;
    if (!r) {
        dst = get_node(dino);
        if (!dst || dst == src || dst == od || dst == nd || kept(nd->in.ino, nname, nlen))
            return; /* the same file (nothing to do), or what the VFS refuses */
        if (is_dir(src) ? !is_dir(dst) || !dir_empty(&dst->in) : is_dir(dst))
            return; /* ENOTDIR, ENOTEMPTY, EISDIR */
    }
    if (is_dir(src) && is_under(nd->in.ino, src->in.ino))
        return; /* EINVAL: into itself */
    uint32_t olinks = od->in.links, nlinks = nd->in.links;
    if (!dst)
        watch(&nd->in, nd->in.size / fs.block_size);
    begin("ext2_name_move");
    r = end(ext2_name_move(&fs, &od->in, h.name, h.len, &nd->in, nname, nlen, &src->in, dst ? &dst->in : NULL),
            A_NOENT | A_NOSPC | A_NAMETOOLONG | A_UCLEAN | A_IO);
    check_watches();
    say("rename %s in %u (inode %u) to %.*s in %u (over %u): %ld", h.name, h.dir, h.ino, (int)nlen, nname,
        nd->in.ino, dino, r);
    if (clean) {
        CHECK(!r || (r == -ENOSPC && !fs.free_blocks) || (r == -ENAMETOOLONG && nlen > 255),
              "rename failed with %ld on an undamaged image", r);
        if (!r && is_dir(src) && od != nd)
            CHECK(od->in.links == olinks - 1 && nd->in.links == nlinks + 1 - (dst != NULL),
                  "a directory moved: parents' links %u and %u (were %u and %u)", od->in.links, nd->in.links,
                  olinks, nlinks);
    }
    store(od);
    store(nd);
    store(src);
    store(dst);
    if (r)
        return;
    if (dst) {
        int di = find_handle(nd->in.ino, nname, nlen);
        if (di >= 0)
            drop_handle((unsigned)di);
        if (!dst->in.links) {
            free_node(dst);
            drop_complete(dst->in.ino);
        }
    }
    hi = find_handle(h.dir, h.name, h.len); /* it may have moved in the array */
    if (hi >= 0) {
        handles[hi].dir = nd->in.ino;
        handles[hi].len = (uint8_t)nlen;
        memcpy(handles[hi].name, nname, nlen);
        handles[hi].name[nlen] = '\0';
    }
}

/* link(): e2_link(). */
static void op_link(const uint8_t *p)
{
    int hi = pick_handle(p[1], S_IFMT);
    struct node *t = hi < 0 ? NULL : get_node(handles[hi].ino), *d = t ? pick_dir(p[2]) : NULL;
    if (!d || is_dir(t) || t->in.links >= 65000)
        return;
    char name[257];
    size_t len = make_name(p[3], name, d->in.ino);
    uint32_t ino;
    if (len <= 255 && lookup(&d->in, name, len, &ino) != -ENOENT)
        return;
    uint32_t links = t->in.links;
    watch(&d->in, d->in.size / fs.block_size);
    begin("ext2_name_add");
    long r = end(ext2_name_add(&fs, &d->in, name, len, &t->in), A_NAMETOOLONG | A_NOSPC | A_UCLEAN | A_IO);
    check_watches();
    say("link inode %u as %.*s in %u: %ld", t->in.ino, (int)len, name, d->in.ino, r);
    if (len > 255)
        CHECK(r == -ENAMETOOLONG, "a name of %zu bytes added: %ld", len, r);
    if (clean)
        CHECK(r ? (r == -ENOSPC && !fs.free_blocks) || len > 255 : t->in.links == links + 1,
              "link: %ld, links %u (were %u)", r, t->in.links, links);
    store(d);
    store(t);
    if (!r)
        add_handle(d->in.ino, t->in.ino, t->in.mode, name, len);
}

static void op_sync(const uint8_t *p)
{
    long r;
    if (p[1] % 3 == 0) {
        begin("ext2_sync_super");
        r = end(ext2_sync_super(&fs), A_IO);
    } else {
        begin("ext2_set_state");
        r = end(ext2_set_state(&fs, p[1] % 3 == 2), A_IO);
    }
    say("sync %u: %ld", p[1] % 3, r);
}

static void run_op(const uint8_t *p)
{
    switch (p[0] % 10) {
    case 0: case 1: case 2: op_create(p, p[0] % 10); break;
    case 3: case 4: op_write(p); break;
    case 5: op_truncate(p); break;
    case 6: op_remove(p); break;
    case 7: op_rename(p); break;
    case 8: op_link(p); break;
    default: op_sync(p); break;
    }
}

/* ---- the walk ---- */

static void walk(void)
{
    uint32_t queue[MAX_WALK];
    unsigned depth[MAX_WALK], qh = 0, qt = 0;
    queue[qt] = 2, depth[qt++] = 0;
    while (qh < qt) {
        uint32_t d = queue[qh];
        unsigned dep = depth[qh++];
        struct ext2_inode din, cin;
        begin("ext2_read_inode");
        if (end(ext2_read_inode(&fs, d, &din), A_INVAL | A_UCLEAN | A_IO) || (din.mode & S_IFMT) != S_IFDIR)
            continue;
        uint64_t pos = 0;
        struct ext2_dirent de;
        int whole = 0;
        for (unsigned n = 0; n < MAX_LIST; n++) {
            begin("ext2_readdir");
            long r = end(ext2_readdir(&fs, &din, &pos, &de), A_POS | A_UCLEAN | A_IO);
            if (r != 1) {
                whole = r == 0;
                break;
            }
            if ((de.name_len == 1 && de.name[0] == '.') || (de.name_len == 2 && !memcmp(de.name, "..", 2)))
                continue;
            if (nhandles == MAX_HANDLES - MAX_OPS) {
                break;
            }
            uint16_t mode = 0;
            begin("ext2_read_inode");
            if (!end(ext2_read_inode(&fs, de.ino, &cin), A_INVAL | A_UCLEAN | A_IO))
                mode = cin.mode;
            add_handle(d, de.ino, mode, de.name, de.name_len);
            int queued = 0;
            for (unsigned i = 0; i < qt; i++)
                queued |= queue[i] == de.ino;
            if ((mode & S_IFMT) == S_IFDIR && !queued && dep < MAX_DEPTH && qt < MAX_WALK)
                queue[qt] = de.ino, depth[qt++] = dep + 1;
        }
        if (whole)
            complete[ncomplete++] = d;
    }
}

/* ---- the end of a clean run ---- */

static uint32_t bits_clear(uint32_t b, uint32_t n)
{
    uint32_t c = 0;
    for (uint32_t i = 0; i < n; i++)
        c += !(cur->work[(uint64_t)b * fs.block_size + i / 8] >> (i % 8) & 1);
    return c;
}

/* The counts e2fsck compares: each group's against its bitmaps and inodes,
 * the superblock's against their sums. */
static void check_counts(void)
{
    uint32_t fb = 0, fi = 0;
    for (uint32_t g = 0; g < fs.groups; g++) {
        const uint8_t *gd = cur->work + gd_off(g);
        uint32_t first = fs.first_data_block + g * fs.blocks_per_group;
        uint32_t n = fs.blocks - first < fs.blocks_per_group ? fs.blocks - first : fs.blocks_per_group;
        uint32_t b = bits_clear(le32(gd), n), i = bits_clear(le32(gd + 4), fs.inodes_per_group), dirs = 0;
        for (uint32_t k = 0; k < fs.inodes_per_group; k++) {
            const uint8_t *raw = cur->work + (uint64_t)le32(gd + 8) * fs.block_size + (uint64_t)k * fs.inode_size;
            if ((cur->work[(uint64_t)le32(gd + 4) * fs.block_size + k / 8] >> (k % 8) & 1) &&
                (le16(raw) & S_IFMT) == S_IFDIR)
                dirs++;
        }
        CHECK(le16(gd + 12) == b && le16(gd + 14) == i && le16(gd + 16) == dirs,
              "group %u counts %u free blocks, %u free inodes, %u directories; its bitmaps and inodes %u, %u, %u",
              g, le16(gd + 12), le16(gd + 14), le16(gd + 16), b, i, dirs);
        fb += b, fi += i;
    }
    const uint8_t *sb = cur->work + 1024;
    CHECK(le32(sb + 12) == fb && le32(sb + 16) == fi && fs.free_blocks == fb && fs.free_inodes == fi,
          "the superblock counts %u free blocks and %u free inodes (fs: %u, %u); the groups %u, %u", le32(sb + 12),
          le32(sb + 16), fs.free_blocks, fs.free_inodes, fb, fi);
}

/* e2fsck -f (pass 2): "Filesystem contains large files, but lacks
 * LARGE_FILE flag in superblock" for a regular file past 2 GiB unless the
 * superblock, revision 1, has the ro_compat feature: ext2_sync_super()
 * says it stores it. */
static void check_large_files(void)
{
    const uint8_t *sb = cur->work + 1024;
    for (unsigned i = 0; i < nnodes; i++) {
        const struct node *n = &nodes[i];
        if (!n->freed && is_reg(n) && n->in.size > 0x7fffffffu)
            CHECK(le32(sb + 76) >= 1 && (le32(sb + 100) & EXT2_RO_COMPAT_LARGE_FILE),
                  "inode %u is %llu bytes, but the superblock (revision %u, ro_compat %#x) lacks large_file: "
                  "e2fsck -f calls that an error", n->in.ino, (unsigned long long)n->in.size, le32(sb + 76),
                  le32(sb + 100));
    }
}

static void check_inodes(void)
{
    for (unsigned i = 0; i < nnodes; i++) {
        const struct node *n = &nodes[i];
        if (n->freed)
            continue;
        struct ext2_inode a;
        const struct ext2_inode *b = &n->in;
        begin("ext2_read_inode");
        end(ext2_read_inode(&fs, b->ino, &a), 0);
        CHECK(a.mode == b->mode && a.links == b->links && a.uid == b->uid && a.gid == b->gid && a.size == b->size &&
              a.atime == b->atime && a.ctime == b->ctime && a.mtime == b->mtime && a.blocks512 == b->blocks512 &&
              a.flags == b->flags && a.dtime == b->dtime && a.file_acl == b->file_acl &&
              !memcmp(a.block, b->block, sizeof a.block),
              "inode %u reads back other than stored", b->ino);
        if (n->model)
            check_model(n);
        if (n->link_len) {
            char t[512];
            begin("ext2_readlink");
            long r = end(ext2_readlink(&fs, b, t, sizeof t), A_POS);
            CHECK(r == (long)n->link_len, "symlink %u: target of %ld bytes, not %u", b->ino, r, n->link_len);
            for (uint32_t k = 0; k < n->link_len; k++)
                CHECK(t[k] == (char)('a' + (n->link_seed + k * 7) % 26), "symlink %u: byte %u of its target",
                      b->ino, k);
        }
    }
}

/* Each directory whose names the run knows lists them, "." and ".." right. */
static void check_listings(void)
{
    for (unsigned c = 0; c < ncomplete; c++) {
        uint32_t d = complete[c], parent = d == 2 ? 2 : 0;
        for (unsigned i = 0; i < nhandles && !parent; i++)
            if (handles[i].ino == d)
                parent = handles[i].dir;
        struct ext2_inode din;
        begin("ext2_read_inode");
        end(ext2_read_inode(&fs, d, &din), 0);
        uint64_t pos = 0;
        struct ext2_dirent de;
        unsigned named = 0, want = 0;
        for (unsigned i = 0; i < nhandles; i++)
            want += handles[i].dir == d;
        for (;;) {
            begin("ext2_readdir");
            if (end(ext2_readdir(&fs, &din, &pos, &de), A_POS) != 1)
                break;
            if (de.name_len == 1 && de.name[0] == '.') {
                CHECK(de.ino == d, "directory %u: \".\" names %u", d, de.ino);
            } else if (de.name_len == 2 && !memcmp(de.name, "..", 2)) {
                CHECK(!parent || de.ino == parent, "directory %u: \"..\" names %u, not %u", d, de.ino, parent);
            } else {
                int h = find_handle(d, de.name, de.name_len);
                CHECK(h >= 0 && handles[h].ino == de.ino, "directory %u lists %s -> %u, unknown", d, de.name,
                      de.ino);
                named++;
            }
        }
        CHECK(named == want, "directory %u lists %u names, not %u", d, named, want);
    }
}

static int touched(uint32_t ino) { return find_node(ino) != NULL; }

/* A file (the root, or past the reserved inodes) that neither the damage
 * reached nor the run handled. */
static int judged(uint32_t ino)
{
    return ino && (ino == 2 || ino >= cur->geo.first_ino) && cur->dmg[ino] != run_id && !touched(ino);
}

/* Every run that mounted read-write: no block of a file that neither the
 * damage reached nor the run handled changed, nor its inode's slot (see
 * damage_spread()). */
static void check_undamaged(void)
{
    const struct ext2_fs *g = &cur->geo;
    if (all_damaged)
        return;
    for (size_t i = 0; i < ndirty; i++) {
        uint64_t off = (uint64_t)dirty[i] * CH;
        size_t n = cur->size - off < CH ? (size_t)(cur->size - off) : CH;
        uint32_t b = (uint32_t)(off / cur->bs);
        if (b >= g->blocks || !memcmp(cur->work + off, cur->pristine + off, n))
            continue;
        if (cur->kind[b] & K_TABLE) {
            for (uint32_t grp = 0; grp < g->groups; grp++) {
                uint32_t t = le32(cur->pristine + (uint64_t)(g->first_data_block + 1) * cur->bs + 32 * grp + 8);
                if (b < t || b - t >= table_len(g))
                    continue;
                for (uint64_t p = off; p < off + n; p++) {
                    uint32_t ino = grp * g->inodes_per_group + (uint32_t)((p - (uint64_t)t * cur->bs) / g->inode_size) + 1;
                    CHECK(cur->work[p] == cur->pristine[p] || !cur->live[ino] || !judged(ino),
                          "inode %u's slot changed at byte %llu, a file the damage did not reach and the run did "
                          "not handle", ino, (unsigned long long)p);
                }
            }
            continue;
        }
        uint32_t o = cur->owner[b];
        CHECK(!judged(o), "block %u of inode %u changed, a file the damage did not reach and the run did not handle",
              b, o);
    }
}

/* Against the pristine image: what may have changed did. */
static void check_changes(void)
{
    uint32_t bs = fs.block_size;
    uint64_t gdt_end = gd_off(fs.groups);
    for (size_t i = 0; i < ndirty; i++) {
        uint64_t off = (uint64_t)dirty[i] * CH;
        size_t n = cur->size - off < CH ? (size_t)(cur->size - off) : CH;
        uint32_t b = (uint32_t)(off / bs); /* a chunk never crosses a block */
        uint8_t k = cur->kind[b];
        if (!(k & (K_META | K_USED)) || (k & K_BITMAP) || !memcmp(cur->work + off, cur->pristine + off, n))
            continue; /* free in the pristine image, a bitmap, or unchanged */
        if (!(k & K_META)) {
            CHECK(cur->owner[b] && touched(cur->owner[b]),
                  "block %u changed: in use by %s %u, which the run did not handle", b,
                  cur->owner[b] ? "inode" : "metadata, inode", cur->owner[b]);
            continue;
        }
        uint32_t last = 0;
        for (uint64_t p = off; p < off + n; p++) {
            if (cur->work[p] == cur->pristine[p])
                continue;
            if (p < sb_end) {
                CHECK(sb_field_ok(p), "superblock byte %llu changed", (unsigned long long)p);
            } else if (k & K_GDT) {
                CHECK(p < gdt_end && (p - gd_off(0)) % 32 >= 12 && (p - gd_off(0)) % 32 < 18,
                      "descriptor table byte %llu changed", (unsigned long long)p);
            } else if (k & K_TABLE) {
                uint32_t ino = 0;
                for (uint32_t g = 0; g < fs.groups; g++) {
                    uint32_t t = le32(cur->pristine + gd_off(g) + 8);
                    if (b >= t && b - t < table_len(&fs))
                        ino = g * fs.inodes_per_group + (uint32_t)((p - (uint64_t)t * bs) / fs.inode_size) + 1;
                }
                if (ino != last)
                    CHECK(ino && touched(ino), "byte %llu of inode %u changed, an inode the run did not handle",
                          (unsigned long long)p, ino);
                last = ino;
            } else {
                fail("metadata block %u (kind %#x) changed at byte %llu", b, k, (unsigned long long)p);
            }
        }
    }
}

/* ---- a run ---- */

static void (*result_hook)(const uint8_t *image, size_t size);

/** For ext2_write_apply: called with the image at the end of each run. */
void ext2_write_set_result_hook(void (*fn)(const uint8_t *image, size_t size));
void ext2_write_set_result_hook(void (*fn)(const uint8_t *image, size_t size)) { result_hook = fn; }

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
    unsigned base = (flags & 3) % NBASES, npatch = flags >> 4;
    cur = &images[base];
    run_id++;
    ndirty = nsaved = 0;
    nhandles = nnodes = ncomplete = name_counter = 0;
    all_damaged = 0;
    cur->queue[0] = 0;
    op_no = 0;
    call_name = "ext2_open";
    size_t at = 2;
    for (unsigned i = 0; i < npatch && at + 5 <= size; i++, at += 5)
        patch(base, data + at);
    fail_kind = flags >> 2 & 3;
    fail_at = size > 1 ? data[1] : 0;
    int mapped = fail_kind == 3;
    if (!fail_at || mapped)
        fail_kind = 0;
    maps_out = 0;
    reads = writes = 0;
    counting = 0;
    clean = ndirty == 0;
    fs_end = sb_end = 0; /* no write before the mount */
    geo_clean = 0;       /* nothing known of the geometry before it */
    dev = (struct ext2_dev){.read = dev_read, .write = dev_write, .forget = dev_forget, .warn = dev_warn,
                            .size = cur->size};
    warnings = 0;
    if (mapped)
        dev.map = dev_map, dev.unmap = dev_unmap;

    begin("ext2_open");
    long r = end(ext2_open(&fs, &dev), A_INVAL | A_IO);
    CHECK(!clean || !r, "an undamaged image refused: %ld", r);
    if (!r && fs.read_only) {
        fs_end = (uint64_t)fs.blocks * fs.block_size;
        begin("ext2_sync_super");
        CHECK(ext2_sync_super(&fs) == -EROFS, "a read-only file system written");
    } else if (!r) {
        /* The owner's byte a group for the writer's bitmap checks, as
         * ext2_mount() gives it. */
        fs.groups_checked = calloc(fs.groups, 1);
        if (!fs.groups_checked)
            abort();
        fs_end = (uint64_t)fs.blocks * fs.block_size;
        sb_end = (uint64_t)(fs.first_data_block + 1) * fs.block_size;
        const struct ext2_fs *g = &cur->geo;
        geo_clean = fs.block_size == g->block_size && fs.blocks == g->blocks && fs.inodes == g->inodes &&
                    fs.blocks_per_group == g->blocks_per_group && fs.inodes_per_group == g->inodes_per_group &&
                    fs.inode_size == g->inode_size && fs.groups == g->groups;
        CHECK(!clean || geo_clean, "an undamaged image's geometry differs");
        damage_spread();
        begin("ext2_set_state");
        end(ext2_set_state(&fs, 0), A_IO);
        walk();
        counting = 1;
        for (unsigned i = 0; i < MAX_OPS && at + OP_BYTES <= size; i++, at += OP_BYTES) {
            op_no = i + 1;
            run_op(data + at);
        }
        op_no = MAX_OPS + 1;
        begin("ext2_set_state");
        end(ext2_set_state(&fs, 1), A_IO);
        counting = 0; /* the checks' reads do not fail */
        check_undamaged();
        if (clean) {
            check_counts();
            check_large_files();
            check_inodes();
            check_listings();
            check_changes();
        }
        if (result_hook)
            result_hook(cur->work, cur->size);
        free(fs.groups_checked);
        fs.groups_checked = NULL;
    }
    for (size_t i = 0; i < ndirty; i++) {
        uint64_t off = (uint64_t)dirty[i] * CH;
        size_t n = cur->size - off < CH ? (size_t)(cur->size - off) : CH;
        memcpy(cur->work + off, cur->pristine + off, n);
    }
    ndirty = 0;
    return 0;
}
