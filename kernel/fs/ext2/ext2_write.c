/**
 * @file ext2_write.c
 * @brief Writing ext2 (kernel/ext2.h's second half): allocation in the
 *        block and inode bitmaps, inodes, block maps, truncation, linear
 *        directories and the superblock's state, as e2fsck checks them.
 *
 * What e2fsck -f compares, and so what every call here keeps true when it
 * returns: a block is set in its group's bitmap exactly when an inode's
 * map (or the file system's own metadata) uses it; each group
 * descriptor's free block, free inode and directory counts match its
 * bitmaps; an inode's i_blocks counts its data and indirect blocks in
 * 512-byte units; a directory's entries tile each of its blocks; links
 * match the names. The superblock's totals are kept in struct ext2_fs and
 * stored by ext2_sync_super() (e2fsck reads them only after a sync or an
 * unmount, when they must be right).
 *
 * Like the reader, nothing here allocates or locks: buffers are small and
 * on the stack (bitmaps are scanned 64 bytes at a time, indirect blocks 64
 * pointers at a time), and the caller serializes every writing call on one
 * file system. The bitmaps are not trusted further than they can be
 * checked cheaply: a group whose bitmap disagrees with its descriptor's
 * free count is not allocated from (checked once, where the owner gives
 * fs->groups_checked: a bit cleared by damage leaves the count behind); a
 * block bitmap that calls a group's own metadata free, or an inode bitmap
 * that calls a live inode free, is reported and the bit skipped, never
 * allocated over. A bitmap damaged along with its count is beyond these
 * checks: e2fsck's to find. Nor are maps: a block an inode's map names is
 * never written through (a directory's entries, an indirect block's
 * pointers, a file's data) when it is its group's metadata, as ext4's
 * block_validity refuses it: a damaged pointer would carry the damage
 * into the descriptors, bitmaps or inode table, and from there to every
 * file of the group.
 */
#include <kernel/errno.h>
#include <kernel/ext2.h>
#include <kernel/string.h>
#include <kernel/unaligned.h>
#include "ext2_internal.h"

#define CHUNK 64 /* bytes of a bitmap, or pointers of a block, handled at a time */

static const uint8_t zeros[1024];

static int dev_write(struct ext2_fs *fs, uint64_t off, const void *buf, size_t n)
{
    if (fs->read_only || !fs->dev->write)
        return -EROFS;
    if (off > fs->dev->size || n > fs->dev->size - off)
        return ext2_bad(fs, -EUCLEAN, "a write past the end of the device");
    return fs->dev->write(fs->dev->ctx, off, buf, n) ? -EIO : 0;
}

static int dev_zero(struct ext2_fs *fs, uint64_t off, size_t n)
{
    int err = 0;
    for (size_t c; n && !err; off += c, n -= c) {
        c = n < sizeof zeros ? n : sizeof zeros;
        err = dev_write(fs, off, zeros, c);
    }
    return err;
}

static uint64_t block_off(struct ext2_fs *fs, uint32_t b) { return (uint64_t)b * fs->block_size; }

uint8_t ext2_ftype(uint16_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return 1;
    case S_IFDIR: return 2;
    case 0020000: return 3; /* character device */
    case 0060000: return 4; /* block device */
    case 0010000: return 5; /* FIFO */
    case 0140000: return 6; /* socket */
    case S_IFLNK: return 7;
    default: return 0;
    }
}

/* ---- group descriptors ---- */

static uint64_t gd_off(struct ext2_fs *fs, uint32_t g)
{
    return block_off(fs, fs->first_data_block + 1) + (uint64_t)g * GD_SIZE;
}

static int gd_read(struct ext2_fs *fs, uint32_t g, uint8_t gd[GD_SIZE])
{
    return ext2_dev_read(fs, gd_off(fs, g), gd, GD_SIZE);
}

/* Add @p delta to the 16-bit count at @p field of group @p g's descriptor. */
static int gd_add(struct ext2_fs *fs, uint32_t g, unsigned field, int delta)
{
    uint8_t c[2];
    int err = ext2_dev_read(fs, gd_off(fs, g) + field, c, 2);
    if (!err) {
        put_le16(c, (uint16_t)(get_le16(c) + delta));
        err = dev_write(fs, gd_off(fs, g) + field, c, 2);
    }
    return err;
}

/* Blocks of group @p g (the last may be short). */
static uint32_t group_blocks(struct ext2_fs *fs, uint32_t g)
{
    uint32_t first = fs->first_data_block + g * fs->blocks_per_group;
    return fs->blocks - first < fs->blocks_per_group ? fs->blocks - first : fs->blocks_per_group;
}

/* A bitmap's block from descriptor @p gd's @p field, checked. */
static int bitmap_block(struct ext2_fs *fs, const uint8_t gd[GD_SIZE], unsigned field, uint32_t *b)
{
    *b = get_le32(gd + field);
    if (*b <= fs->first_data_block || *b >= fs->blocks)
        return ext2_bad(fs, -EUCLEAN, "a group's bitmap lies outside the file system");
    return 0;
}

/* Set or clear bit @p bit of the bitmap in block @p b. */
static int bit_change(struct ext2_fs *fs, uint32_t b, uint32_t bit, int set, int *was)
{
    uint8_t byte;
    uint64_t off = block_off(fs, b) + bit / 8;
    int err = ext2_dev_read(fs, off, &byte, 1);
    if (err)
        return err;
    *was = (byte >> (bit % 8)) & 1;
    byte = set ? byte | (uint8_t)(1u << (bit % 8)) : byte & (uint8_t)~(1u << (bit % 8));
    return dev_write(fs, off, &byte, 1);
}

/* The first clear bit of bitmap block @p b in [@p from, @p limit), or -1 (or -errno). */
static long find_clear(struct ext2_fs *fs, uint32_t b, uint32_t from, uint32_t limit)
{
    uint8_t chunk[CHUNK];
    for (uint32_t at = from & ~7u; at < limit;) {
        uint32_t bytes = (limit - at + 7) / 8 < CHUNK ? (limit - at + 7) / 8 : CHUNK;
        int err = ext2_dev_read(fs, block_off(fs, b) + at / 8, chunk, bytes);
        if (err)
            return err;
        for (uint32_t i = 0; i < bytes; i++) {
            if (chunk[i] == 0xff)
                continue;
            for (unsigned k = 0; k < 8; k++) {
                uint32_t bit = at + i * 8 + k;
                if (bit >= from && bit < limit && !(chunk[i] & (1u << k)))
                    return bit;
            }
        }
        at += bytes * 8;
    }
    return -1;
}

/* Damage found and worked around: the owner hears of it. */
static void warn(struct ext2_fs *fs, const char *what)
{
    ext2_bad(fs, -EUCLEAN, what);
    if (fs->dev->warn)
        fs->dev->warn(fs->dev->ctx, what);
}

/* Whether group @p g's bitmap (the inode one if @p inodes) agrees with
 * the free count of its descriptor @p gd: counted once a mount. */
static int group_trusted(struct ext2_fs *fs, uint32_t g, const uint8_t gd[GD_SIZE], int inodes)
{
    uint8_t *st = fs->groups_checked ? &fs->groups_checked[g] : NULL;
    unsigned checked = inodes ? 2 : 1, bad = checked << 2;
    if (!st)
        return 1;
    if (*st & checked)
        return !(*st & bad);
    uint32_t bm = get_le32(gd + (inodes ? GD_INODE_BITMAP : GD_BLOCK_BITMAP));
    uint32_t limit = inodes ? fs->inodes_per_group : group_blocks(fs, g), zeros = 0;
    if (bm <= fs->first_data_block || bm >= fs->blocks)
        return 1; /* bitmap_block() refuses it */
    uint8_t chunk[CHUNK];
    for (uint32_t at = 0; at < limit; at += CHUNK * 8) {
        uint32_t bits = limit - at < CHUNK * 8 ? limit - at : CHUNK * 8;
        if (ext2_dev_read(fs, block_off(fs, bm) + at / 8, chunk, (bits + 7) / 8))
            return 1; /* not now, not recorded: the allocation's own read will fail */
        for (uint32_t i = 0; i < bits; i++)
            zeros += !(chunk[i / 8] & (1u << (i % 8)));
    }
    *st |= checked;
    if (zeros != get_le16(gd + (inodes ? GD_FREE_INODES : GD_FREE_BLOCKS))) {
        *st |= bad;
        warn(fs, inodes ? "a group's inode bitmap disagrees with its free count: no inode is taken from it"
                        : "a group's block bitmap disagrees with its free count: no block is taken from it");
        return 0;
    }
    return 1;
}

/* ---- blocks ---- */

/* The group's own metadata (superblock copy, descriptors, bitmaps, inode
 * table): what a damaged bitmap must never make us hand out. */
static int is_group_meta(struct ext2_fs *fs, const uint8_t gd[GD_SIZE], uint32_t b)
{
    uint32_t table = get_le32(gd + GD_INODE_TABLE);
    uint32_t len = ext2_table_blocks(fs);
    if (b == get_le32(gd + GD_BLOCK_BITMAP) || b == get_le32(gd + GD_INODE_BITMAP) ||
        (b >= table && b - table < len) || b <= fs->first_data_block)
        return 1;
    /* The superblock copy, the descriptor blocks and the room kept for
     * more, at the start of a group that has a copy. */
    uint32_t g = (b - fs->first_data_block) / fs->blocks_per_group;
    uint32_t at = (b - fs->first_data_block) % fs->blocks_per_group;
    uint32_t gdt = (uint32_t)(((uint64_t)fs->groups * GD_SIZE + fs->block_size - 1) / fs->block_size);
    return ext2_has_super_copy(fs, g) && at < 1 + gdt + fs->reserved_gdt;
}

/* A block an inode's map names, about to be written through: not its
 * group's metadata (a damaged pointer would carry the damage there, and
 * from there to every file of the group). 0 (a hole) passes. */
static int not_meta(struct ext2_fs *fs, uint32_t b)
{
    if (!b || b <= fs->first_data_block || b >= fs->blocks)
        return ext2_check_ptr(fs, b);
    uint8_t gd[GD_SIZE];
    int err = gd_read(fs, (b - fs->first_data_block) / fs->blocks_per_group, gd);
    if (!err && is_group_meta(fs, gd, b))
        err = ext2_bad(fs, -EUCLEAN, "a block pointer into its group's metadata");
    return err;
}

static int alloc_block(struct ext2_fs *fs, uint32_t goal, uint32_t *out)
{
    if (!fs->free_blocks)
        return -ENOSPC;
    if (goal <= fs->first_data_block || goal >= fs->blocks)
        goal = fs->first_data_block + 1;
    uint32_t g0 = (goal - fs->first_data_block) / fs->blocks_per_group;
    uint32_t goal_bit = (goal - fs->first_data_block) % fs->blocks_per_group;
    /* The goal's group from the goal, every other group, then the goal's
     * group below the goal. */
    for (uint32_t i = 0; i <= fs->groups; i++) {
        uint32_t g = (g0 + i) % fs->groups, bm;
        if (i == fs->groups && !goal_bit)
            break;
        uint8_t gd[GD_SIZE];
        int err = gd_read(fs, g, gd);
        if (!err && (!get_le16(gd + GD_FREE_BLOCKS) || !group_trusted(fs, g, gd, 0)))
            continue;
        if (err || (err = bitmap_block(fs, gd, GD_BLOCK_BITMAP, &bm)))
            return err;
        uint32_t from = i == 0 ? goal_bit : 0;
        long bit;
        while ((bit = find_clear(fs, bm, from, group_blocks(fs, g))) >= 0) {
            uint32_t b = fs->first_data_block + g * fs->blocks_per_group + (uint32_t)bit;
            int was;
            if ((err = bit_change(fs, bm, (uint32_t)bit, 1, &was)) || (err = gd_add(fs, g, GD_FREE_BLOCKS, -1)))
                return err;
            fs->free_blocks--;
            if (is_group_meta(fs, gd, b)) {
                /* Set now, as it should have been, and counted so; not ours to hand out. */
                warn(fs, "a block bitmap marks its group's own metadata free");
                from = (uint32_t)bit + 1;
                continue;
            }
            *out = b;
            return 0;
        }
        if (bit < -1)
            return (int)bit;
    }
    return -ENOSPC;
}

static int free_block(struct ext2_fs *fs, uint32_t b)
{
    if (b <= fs->first_data_block || b >= fs->blocks)
        return ext2_bad(fs, -EUCLEAN, "a block pointer past the file system");
    uint32_t g = (b - fs->first_data_block) / fs->blocks_per_group, bm;
    uint8_t gd[GD_SIZE];
    int was, err = gd_read(fs, g, gd);
    if (!err)
        err = bitmap_block(fs, gd, GD_BLOCK_BITMAP, &bm);
    if (!err && is_group_meta(fs, gd, b))
        err = ext2_bad(fs, -EUCLEAN, "an inode maps its group's own metadata");
    if (!err)
        err = bit_change(fs, bm, (b - fs->first_data_block) % fs->blocks_per_group, 0, &was);
    if (!err && !was)
        return ext2_bad(fs, -EUCLEAN, "a block freed twice (its bitmap bit was clear)");
    if (!err && !(err = gd_add(fs, g, GD_FREE_BLOCKS, 1)))
        fs->free_blocks++;
    return err;
}

/* ---- inodes ---- */

static int inode_off(struct ext2_fs *fs, uint32_t ino, uint64_t *off)
{
    if (!ino || ino > fs->inodes)
        return ext2_bad(fs, -EINVAL, "inode number out of range");
    uint32_t g = (ino - 1) / fs->inodes_per_group, table;
    int err = ext2_inode_table(fs, g, &table);
    if (!err)
        *off = block_off(fs, table) + (uint64_t)((ino - 1) % fs->inodes_per_group) * fs->inode_size;
    return err;
}

int ext2_write_inode(struct ext2_fs *fs, const struct ext2_inode *in)
{
    uint64_t off;
    uint8_t raw[I_BASE_SIZE];
    int err = inode_off(fs, in->ino, &off);
    if (!err)
        err = ext2_dev_read(fs, off, raw, sizeof raw);
    if (err)
        return err;
    put_le16(raw + I_MODE, in->mode);
    put_le16(raw + I_UID, (uint16_t)in->uid);
    put_le16(raw + I_UID_HIGH, (uint16_t)(in->uid >> 16));
    put_le16(raw + I_GID, (uint16_t)in->gid);
    put_le16(raw + I_GID_HIGH, (uint16_t)(in->gid >> 16));
    put_le32(raw + I_SIZE, (uint32_t)in->size);
    if ((in->mode & S_IFMT) == S_IFREG)
        put_le32(raw + I_SIZE_HIGH, (uint32_t)(in->size >> 32));
    put_le32(raw + I_ATIME, in->atime);
    put_le32(raw + I_CTIME, in->ctime);
    put_le32(raw + I_MTIME, in->mtime);
    put_le32(raw + I_DTIME, in->dtime);
    put_le16(raw + I_LINKS, in->links);
    put_le32(raw + I_BLOCKS, in->blocks512);
    put_le32(raw + I_FLAGS, in->flags);
    put_le32(raw + I_FILE_ACL, in->file_acl);
    for (int i = 0; i < 15; i++)
        put_le32(raw + I_BLOCK + 4 * i, in->block[i]);
    if ((in->mode & S_IFMT) == S_IFREG && in->size > 0x7fffffffu &&
        !(fs->ro_compat & EXT2_RO_COMPAT_LARGE_FILE))
        fs->ro_compat |= EXT2_RO_COMPAT_LARGE_FILE; /* stored by ext2_sync_super() */
    return dev_write(fs, off, raw, sizeof raw);
}

/* The group a new inode goes in: a directory's where the most inodes are
 * free, anything else its directory's if it has one free. */
static uint32_t inode_group(struct ext2_fs *fs, uint32_t dir_ino, int is_dir)
{
    uint32_t best = 0, best_free = 0;
    uint32_t home = dir_ino ? (dir_ino - 1) / fs->inodes_per_group : 0;
    for (uint32_t i = 0; i < fs->groups; i++) {
        uint8_t gd[GD_SIZE];
        uint32_t g = (home + i) % fs->groups;
        if (gd_read(fs, g, gd))
            return home;
        uint32_t f = get_le16(gd + GD_FREE_INODES);
        if (!is_dir && f)
            return g;
        if (f > best_free)
            best = g, best_free = f;
    }
    return best;
}

int ext2_new_inode(struct ext2_fs *fs, uint32_t dir_ino, uint16_t mode, struct ext2_inode *out)
{
    if (!fs->free_inodes)
        return -ENOSPC;
    int is_dir = (mode & S_IFMT) == S_IFDIR;
    uint32_t g0 = inode_group(fs, dir_ino, is_dir);
    for (uint32_t i = 0; i < fs->groups; i++) {
        uint32_t g = (g0 + i) % fs->groups, bm;
        uint8_t gd[GD_SIZE];
        int err = gd_read(fs, g, gd);
        if (!err && (!get_le16(gd + GD_FREE_INODES) || !group_trusted(fs, g, gd, 1)))
            continue;
        if (err || (err = bitmap_block(fs, gd, GD_INODE_BITMAP, &bm)))
            return err;
        /* After the last inode handed out, if in this group (one walk of
         * its bitmap, not one per inode), then from the start. */
        uint32_t hint = fs->inode_hint && (fs->inode_hint - 1) / fs->inodes_per_group == g
                            ? (fs->inode_hint - 1) % fs->inodes_per_group + 1 : 0;
        uint32_t from = hint;
        long bit;
        for (;;) {
            bit = find_clear(fs, bm, from, fs->inodes_per_group);
            if (bit == -1 && hint) { /* none after the hint: the ones before it */
                from = hint = 0;
                continue;
            }
            if (bit < 0)
                break;
            uint32_t ino = g * fs->inodes_per_group + (uint32_t)bit + 1;
            from = (uint32_t)bit + 1;
            if (ino < fs->first_ino || ino > fs->inodes)
                continue; /* reserved: mke2fs sets these, a damaged bitmap may not */
            struct ext2_inode old;
            if ((err = ext2_read_inode(fs, ino, &old)))
                return err;
            if (old.links && old.mode && !old.dtime) {
                warn(fs, "an inode bitmap marks a live inode free");
                continue;
            }
            int was;
            uint64_t off;
            if ((err = bit_change(fs, bm, (uint32_t)bit, 1, &was)) || (err = inode_off(fs, ino, &off)))
                return err;
            /* The whole slot zeroed; a large inode's extra fields start empty. */
            if ((err = dev_zero(fs, off, fs->inode_size)))
                return err;
            if ((err = gd_add(fs, g, GD_FREE_INODES, -1)) || (is_dir && (err = gd_add(fs, g, GD_USED_DIRS, 1))))
                return err;
            fs->free_inodes--;
            fs->inode_hint = ino;
            memset(out, 0, sizeof *out);
            out->ino = ino;
            out->mode = mode;
            out->atime = out->ctime = out->mtime = fs->now;
            return ext2_write_inode(fs, out);
        }
        if (bit < -1)
            return (int)bit;
    }
    return -ENOSPC;
}

/* Drop one reference to extended attribute block @p b (shared by inodes
 * with the same attributes: h_refcount at byte 4); the last frees it. */
static int put_xattr_block(struct ext2_fs *fs, uint32_t b)
{
    uint8_t h[8];
    int err = ext2_check_ptr(fs, b);
    if (!err)
        err = ext2_dev_read(fs, block_off(fs, b), h, sizeof h);
    if (err)
        return err;
    if (get_le32(h) != 0xea020000u)
        return ext2_bad(fs, -EUCLEAN, "an extended attribute block without its magic");
    uint32_t refs = get_le32(h + 4);
    if (refs > 1) {
        put_le32(h + 4, refs - 1);
        return dev_write(fs, block_off(fs, b) + 4, h + 4, 4);
    }
    return free_block(fs, b);
}

int ext2_free_inode(struct ext2_fs *fs, struct ext2_inode *in)
{
    int err = 0;
    /* Only an inode with blocks beyond its attribute block has a map: a
     * fast symlink's i_block is its target, a device node's its number. */
    if (in->blocks512 > (in->file_acl ? fs->block_size / 512 : 0))
        err = ext2_truncate(fs, in, 0);
    if (!err && in->file_acl) {
        err = put_xattr_block(fs, in->file_acl);
        in->file_acl = 0;
        in->blocks512 = 0;
    }
    if (err)
        return err;
    in->links = 0;
    in->dtime = fs->now ? fs->now : 1; /* e2fsck: a deleted inode has a deletion time */
    if ((err = ext2_write_inode(fs, in)))
        return err;
    uint32_t g = (in->ino - 1) / fs->inodes_per_group, bm;
    uint8_t gd[GD_SIZE];
    int was;
    if ((err = gd_read(fs, g, gd)) || (err = bitmap_block(fs, gd, GD_INODE_BITMAP, &bm)) ||
        (err = bit_change(fs, bm, (in->ino - 1) % fs->inodes_per_group, 0, &was)))
        return err;
    if (!was)
        return ext2_bad(fs, -EUCLEAN, "an inode freed twice (its bitmap bit was clear)");
    if ((err = gd_add(fs, g, GD_FREE_INODES, 1)))
        return err;
    if ((in->mode & S_IFMT) == S_IFDIR && (err = gd_add(fs, g, GD_USED_DIRS, -1)))
        return err;
    fs->free_inodes++;
    if (in->ino <= fs->inode_hint)
        fs->inode_hint = in->ino - 1; /* taken again first */
    return 0;
}

/* ---- block maps ---- */

/* Where lblock's pointer chain starts: @p depth 0 direct (slot *@p top),
 * 1-3 through the indirect trees; @p rel its index inside that tree. */
static int map_path(struct ext2_fs *fs, uint64_t lblock, int *depth, unsigned *top, uint64_t *rel)
{
    uint64_t per = fs->block_size / 4, span = per;
    if (lblock < 12) {
        *depth = 0, *top = (unsigned)lblock, *rel = 0;
        return 0;
    }
    lblock -= 12;
    for (int d = 1; d <= 3; d++, span *= per) {
        if (lblock < span) {
            *depth = d, *top = 11 + (unsigned)d, *rel = lblock;
            return 0;
        }
        lblock -= span;
    }
    return -EFBIG;
}

/* A new block for @p in near @p goal, counted in its i_blocks; an
 * indirect block (@p meta) is zeroed. */
static int new_block(struct ext2_fs *fs, struct ext2_inode *in, uint32_t goal, int zero, uint32_t *b)
{
    int err = alloc_block(fs, goal, b);
    if (err)
        return err;
    in->blocks512 += fs->block_size / 512;
    return zero ? dev_zero(fs, block_off(fs, *b), fs->block_size) : 0;
}

int ext2_bmap_alloc(struct ext2_fs *fs, struct ext2_inode *in, uint64_t lblock, uint32_t *pblock, int *fresh)
{
    int depth, err;
    unsigned top;
    uint64_t rel, per = fs->block_size / 4, span = 1;
    int made = 0;
    if ((err = map_path(fs, lblock, &depth, &top, &rel)))
        return err;
    for (int d = 1; d < depth; d++)
        span *= per;
    /* The goal: just after the block before this one, else the inode's group. */
    uint32_t goal = 0;
    if (lblock && ext2_bmap(fs, in, lblock - 1, &goal) == 0 && goal)
        goal++;
    if (!goal)
        goal = fs->first_data_block + ((in->ino - 1) / fs->inodes_per_group) * fs->blocks_per_group;
    int is_data = (in->mode & S_IFMT) == S_IFREG;
    uint32_t b = in->block[top];
    if ((err = not_meta(fs, b)))
        return err;
    if (!b) {
        if ((err = new_block(fs, in, goal, depth > 0 || !is_data, &b)))
            return err;
        in->block[top] = b;
        goal = b + 1;
        made = !depth;
    }
    /* Down the tree, filling each missing pointer on the way. */
    for (; depth > 0; depth--) {
        uint64_t at = block_off(fs, b) + (rel / span) * 4;
        uint8_t p[4];
        if ((err = ext2_dev_read(fs, at, p, 4)))
            return err;
        rel %= span;
        span /= per;
        uint32_t next = get_le32(p);
        if ((err = not_meta(fs, next)))
            return err;
        if (!next) {
            int leaf = depth == 1;
            if ((err = new_block(fs, in, goal, !leaf || !is_data, &next)))
                return err;
            put_le32(p, next);
            if ((err = dev_write(fs, at, p, 4)))
                return err;
            made = leaf;
        }
        b = next;
    }
    if (is_data && made && fs->dev->forget)
        fs->dev->forget(fs->dev->ctx, block_off(fs, b), fs->block_size);
    if (fresh)
        *fresh = made;
    *pblock = b;
    return 0;
}

/* Free everything of the tree under block *@p ptr (at @p depth, 0 a data
 * block) that maps file blocks from @p keep on; the tree's first file
 * block is @p start. *@p ptr becomes 0 if the whole tree went. */
static int trunc_tree(struct ext2_fs *fs, struct ext2_inode *in, uint32_t *ptr, int depth, uint64_t start,
                      uint64_t keep)
{
    uint32_t b = *ptr;
    int err = ext2_check_ptr(fs, b);
    if (err || !b)
        return err;
    uint64_t per = fs->block_size / 4, span = 1;
    for (int d = 1; d < depth; d++)
        span *= per;
    if (depth > 0 && (err = not_meta(fs, b)))
        return err; /* its pointers are not to be cleared, nor followed */
    if (depth > 0) {
        /* The children past keep, CHUNK / 4 pointers at a time. */
        uint64_t first = start >= keep ? 0 : (keep - start) / span; /* the first child reaching keep */
        for (uint64_t i = first; i < per;) {
            uint32_t ptrs[CHUNK / 4];
            unsigned n = per - i < CHUNK / 4 ? (unsigned)(per - i) : CHUNK / 4;
            uint64_t at = block_off(fs, b) + i * 4;
            if ((err = ext2_dev_read(fs, at, ptrs, n * 4)))
                return err;
            int changed = 0;
            for (unsigned k = 0; k < n; k++) {
                uint32_t c = get_le32(&ptrs[k]), was = c;
                if (!c)
                    continue;
                if ((err = trunc_tree(fs, in, &c, depth - 1, start + (i + k) * span, keep)))
                    return err;
                if (c != was) {
                    put_le32(&ptrs[k], c);
                    changed = 1;
                }
            }
            if (changed && start < keep && (err = dev_write(fs, at, ptrs, n * 4)))
                return err;
            i += n;
        }
        if (start < keep)
            return 0; /* it still maps blocks below keep */
    }
    if ((err = free_block(fs, b)))
        return err;
    in->blocks512 -= in->blocks512 >= fs->block_size / 512 ? fs->block_size / 512 : in->blocks512;
    *ptr = 0;
    return 0;
}

uint64_t ext2_max_size(const struct ext2_fs *fs)
{
    uint64_t p = fs->block_size / 4, blocks = 12 + p + p * p + p * p * p;
    /* i_blocks counts 512-byte units in 32 bits, the map's own blocks too
     * (at most one per p data blocks, and the three tree tops). */
    uint64_t units = ((1ull << 32) - 1) / (fs->block_size / 512);
    uint64_t by_count = units - units / p - 3;
    uint64_t max = (blocks < by_count ? blocks : by_count) * fs->block_size;
    return fs->rev == 0 && max > 0x7fffffffu ? 0x7fffffffu : max;
}

int ext2_truncate(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size)
{
    if ((in->mode & S_IFMT) == S_IFREG && size > ext2_max_size(fs))
        return -EFBIG;
    uint64_t keep = (size + fs->block_size - 1) / fs->block_size, per = fs->block_size / 4;
    uint64_t start = 12, span = per;
    int err = 0;
    for (unsigned i = 0; i < 12 && !err; i++)
        if (i >= keep)
            err = trunc_tree(fs, in, &in->block[i], 0, i, keep);
    for (int d = 1; d <= 3 && !err; d++, start += span, span *= per)
        if (start + span > keep)
            err = trunc_tree(fs, in, &in->block[11 + d], d, start, keep);
    if (!err)
        in->size = size;
    return err;
}

long ext2_write(struct ext2_fs *fs, struct ext2_inode *in, uint64_t off, const void *buf, size_t n)
{
    uint64_t max = ext2_max_size(fs);
    if (off >= max && n)
        return -EFBIG;
    if (n > max - off)
        n = (size_t)(max - off);
    size_t done = 0;
    while (done < n) {
        uint64_t at = off + done;
        uint32_t boff = (uint32_t)(at % fs->block_size), pb;
        size_t chunk = fs->block_size - boff < n - done ? fs->block_size - boff : n - done;
        int fresh, err = ext2_bmap_alloc(fs, in, at / fs->block_size, &pb, &fresh);
        if (err)
            return done ? (long)done : err;
        uint64_t base = block_off(fs, pb);
        if (fresh && (in->mode & S_IFMT) == S_IFREG) { /* never written: zero around the bytes */
            if ((err = dev_zero(fs, base, boff)) || (err = dev_zero(fs, base + boff + chunk, fs->block_size - boff - chunk)))
                return done ? (long)done : err;
        }
        if ((err = dev_write(fs, base + boff, (const char *)buf + done, chunk)))
            return done ? (long)done : err;
        done += chunk;
        if (off + done > in->size)
            in->size = off + done;
    }
    return (long)done;
}

/* ---- directories ---- */

static uint32_t rec_need(size_t len) { return (uint32_t)((8 + len + 3) & ~(size_t)3); }

struct slot {
    uint64_t at;       /* the entry's byte on the device */
    uint32_t lb;       /* its block's index in the directory */
    uint32_t ino, rec; /* its fields */
    unsigned len;
    uint64_t prev;     /* the entry before it in its block, 0 none */
};

/* Visit each entry of @p dir (free ones too) until @p fn returns nonzero;
 * each block is viewed in place where the device can (ext2_dev.map). */
static int dir_walk(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t first,
                    int (*fn)(struct ext2_fs *fs, const struct slot *s, const struct ext2_view *v, void *arg),
                    void *arg)
{
    uint64_t blocks = (dir->size + fs->block_size - 1) / fs->block_size;
    if (first >= blocks)
        first = 0;
    /* From block @p first to the end, then the blocks before it. */
    for (uint64_t k = 0, lb = first; k < blocks; k++, lb = lb + 1 == blocks ? 0 : lb + 1) {
        uint32_t pb;
        int err = ext2_dir_block(fs, dir, lb, &pb);
        if (!err)
            err = not_meta(fs, pb); /* every walk may end in a write of the block */
        if (err)
            return err;
        struct ext2_view v;
        struct ext2_entry e;
        struct slot s = {0};
        ext2_view_open(fs, &v, pb);
        for (uint32_t boff = 0; boff < fs->block_size && lb * fs->block_size + boff < dir->size && !err;
             boff += e.rec) {
            if ((err = ext2_entry_at(fs, &v, boff, &e)))
                break;
            s.at = v.base + boff;
            s.lb = (uint32_t)lb;
            s.ino = e.ino, s.rec = e.rec, s.len = e.len;
            err = fn(fs, &s, &v, arg);
            s.prev = s.at;
        }
        ext2_view_close(fs, &v);
        if (err)
            return err;
    }
    return 0;
}

static int put_entry(struct ext2_fs *fs, uint64_t at, uint32_t ino, uint32_t rec, const char *name, size_t len,
                     uint8_t type)
{
    uint8_t h[8];
    put_le32(h, ino);
    put_le16(h + 4, (uint16_t)(rec == 65536 ? 65535 : rec));
    h[6] = (uint8_t)len;
    h[7] = fs->incompat & EXT2_INCOMPAT_FILETYPE ? type : 0;
    int err = dev_write(fs, at, h, sizeof h);
    return err ? err : dev_write(fs, at + 8, name, len);
}

struct add_arg { const char *name; size_t len; uint32_t ino; uint8_t type; uint32_t block; };

static int add_in_gap(struct ext2_fs *fs, const struct slot *s, const struct ext2_view *v, void *arg)
{
    (void)v;
    struct add_arg *a = arg;
    uint32_t need = rec_need(a->len);
    a->block = s->lb;
    if (!s->ino && s->rec >= need) { /* a free entry (the first of its block) */
        int err = put_entry(fs, s->at, a->ino, s->rec, a->name, a->len, a->type);
        return err ? err : 1;
    }
    uint32_t used = rec_need(s->len);
    if (!s->ino || s->rec - used < need)
        return 0;
    uint8_t r[2];
    put_le16(r, (uint16_t)used);
    int err = dev_write(fs, s->at + 4, r, 2);
    if (!err)
        err = put_entry(fs, s->at + used, a->ino, s->rec - used, a->name, a->len, a->type);
    return err ? err : 1;
}

/* A directory changed: an htree index in it would now be stale. */
static void drop_index(struct ext2_inode *dir) { dir->flags &= ~(uint32_t)EXT2_INDEX_FL; }

int ext2_dir_add(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t len, uint32_t ino,
                 uint8_t type)
{
    if (len > 255)
        return -ENAMETOOLONG;
    if (!len)
        return -ENOENT;
    struct add_arg a = {name, len, ino, type, 0};
    drop_index(dir);
    /* Where the last entry went first: making n files in a row then costs
     * n block walks, not n^2 / 2 entry reads. */
    a.block = dir->add_hint;
    int r = dir_walk(fs, dir, dir->add_hint, add_in_gap, &a);
    if (r == 1)
        dir->add_hint = a.block;
    if (r)
        return r < 0 ? r : 0;
    /* No gap: a new block, the entry spanning it. */
    uint32_t pb;
    int err = ext2_bmap_alloc(fs, dir, dir->size / fs->block_size, &pb, NULL);
    if (err)
        return err;
    dir->add_hint = (uint32_t)(dir->size / fs->block_size);
    dir->size += fs->block_size;
    return put_entry(fs, block_off(fs, pb), ino, fs->block_size, name, len, type);
}

struct find_arg { const char *name; size_t len; struct slot found; };

static int match(struct ext2_fs *fs, const struct slot *s, const struct ext2_view *v, void *arg)
{
    struct find_arg *f = arg;
    char copy[256];
    if (!s->ino || s->len != f->len)
        return 0;
    const char *name = v->p ? (const char *)v->p + (s->at - v->base) + 8 : copy; /* in place if mapped */
    int err = v->p ? 0 : ext2_view_read(fs, v, (uint32_t)(s->at - v->base) + 8, copy, s->len);
    if (err)
        return err;
    if (memcmp(name, f->name, f->len))
        return 0;
    f->found = *s;
    return 1;
}

/* From the block where the last one was found: removing a directory's
 * files in the order they were made then walks a block or two each, not
 * every block before. */
static int find_slot(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t len,
                     struct find_arg *f)
{
    *f = (struct find_arg){name, len, {0}};
    int r = dir_walk(fs, dir, dir->find_hint, match, f);
    if (r == 1)
        dir->find_hint = f->found.lb;
    return r < 0 ? r : r ? 0 : -ENOENT;
}

int ext2_dir_remove(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t len, uint32_t *ino)
{
    struct find_arg f;
    int err = find_slot(fs, dir, name, len, &f);
    if (err)
        return err;
    drop_index(dir);
    *ino = f.found.ino;
    if (f.found.lb < dir->add_hint)
        dir->add_hint = f.found.lb; /* room there now: the next entry may go in it */
    uint8_t r[4];
    if (f.found.prev) { /* the entry before takes its room */
        if ((err = ext2_dev_read(fs, f.found.prev + 4, r, 2)))
            return err;
        uint32_t prec = get_le16(r);
        put_le16(r, (uint16_t)(prec + f.found.rec == 65536 ? 65535 : prec + f.found.rec));
        return dev_write(fs, f.found.prev + 4, r, 2);
    }
    put_le32(r, 0); /* the first of its block: a free entry */
    return dev_write(fs, f.found.at, r, 4);
}

int ext2_dir_set(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t len, uint32_t ino,
                 uint8_t type)
{
    struct find_arg f;
    int err = find_slot(fs, dir, name, len, &f);
    if (err)
        return err;
    drop_index(dir);
    uint8_t h[4];
    put_le32(h, ino);
    if ((err = dev_write(fs, f.found.at, h, 4)))
        return err;
    h[0] = fs->incompat & EXT2_INCOMPAT_FILETYPE ? type : 0;
    return dev_write(fs, f.found.at + 7, h, 1);
}

int ext2_dir_init(struct ext2_fs *fs, struct ext2_inode *dir, uint32_t parent)
{
    uint32_t pb;
    int err = ext2_bmap_alloc(fs, dir, 0, &pb, NULL);
    if (err)
        return err;
    dir->size = fs->block_size;
    uint64_t at = block_off(fs, pb);
    if ((err = put_entry(fs, at, dir->ino, 12, ".", 1, EXT2_FT_DIR)))
        return err;
    return put_entry(fs, at + 12, parent, fs->block_size - 12, "..", 2, EXT2_FT_DIR);
}

/* ---- the superblock ---- */

int ext2_sync_super(struct ext2_fs *fs)
{
    uint8_t v[4];
    put_le32(v, fs->free_blocks);
    int err = dev_write(fs, SB_OFFSET + SB_FREE_BLOCKS, v, 4);
    put_le32(v, fs->free_inodes);
    if (!err)
        err = dev_write(fs, SB_OFFSET + SB_FREE_INODES, v, 4);
    put_le32(v, fs->now);
    if (!err)
        err = dev_write(fs, SB_OFFSET + SB_WTIME, v, 4);
    put_le32(v, fs->ro_compat);
    if (!err && fs->rev >= 1)
        err = dev_write(fs, SB_OFFSET + SB_RO_COMPAT, v, 4);
    return err;
}

int ext2_set_state(struct ext2_fs *fs, int clean)
{
    uint8_t v[4];
    int err = ext2_dev_read(fs, SB_OFFSET + SB_MNT_COUNT, v, 2);
    if (!err && !clean) {
        put_le16(v, (uint16_t)(get_le16(v) + 1));
        err = dev_write(fs, SB_OFFSET + SB_MNT_COUNT, v, 2);
        put_le32(v, fs->now);
        if (!err)
            err = dev_write(fs, SB_OFFSET + SB_MTIME, v, 4);
    }
    if (!err)
        err = ext2_dev_read(fs, SB_OFFSET + SB_STATE, v, 2);
    if (!err) {
        uint16_t state = get_le16(v);
        put_le16(v, clean ? (uint16_t)(state | EXT2_VALID_FS) : (uint16_t)(state & ~EXT2_VALID_FS));
        err = dev_write(fs, SB_OFFSET + SB_STATE, v, 2);
    }
    return err ? err : ext2_sync_super(fs);
}

/* ---- names: what a directory operation changes, in one place ---- */

int ext2_name_add(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t len,
                  struct ext2_inode *child)
{
    int is_dir = (child->mode & S_IFMT) == S_IFDIR;
    if (is_dir && !child->size) { /* a new directory: its "." and ".." first */
        int err = ext2_dir_init(fs, child, dir->ino);
        if (err)
            return err;
    }
    int err = ext2_dir_add(fs, dir, name, len, child->ino, ext2_ftype(child->mode));
    if (err)
        return err;
    child->links += is_dir && child->links == 0 ? 2 : 1; /* a directory's "." */
    if (is_dir)
        dir->links++; /* its ".." */
    dir->mtime = dir->ctime = child->ctime = fs->now;
    return 0;
}

int ext2_name_remove(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t len,
                     struct ext2_inode *victim)
{
    uint32_t ino;
    int err = ext2_dir_remove(fs, dir, name, len, &ino);
    if (err)
        return err;
    if (ino != victim->ino)
        return ext2_bad(fs, -EUCLEAN, "a directory entry changed under its name");
    if ((victim->mode & S_IFMT) == S_IFDIR) {
        victim->links = 0; /* its "." and its name */
        if (dir->links > 1)
            dir->links--; /* its ".." */
    } else if (victim->links) {
        victim->links--;
    }
    dir->mtime = dir->ctime = victim->ctime = fs->now;
    return 0;
}

int ext2_name_move(struct ext2_fs *fs, struct ext2_inode *odir, const char *name, size_t len,
                   struct ext2_inode *ndir, const char *nname, size_t nlen, struct ext2_inode *src,
                   struct ext2_inode *dst)
{
    int err, is_dir = (src->mode & S_IFMT) == S_IFDIR;
    uint8_t type = ext2_ftype(src->mode);
    if (dst) { /* the name stays; it names src now, and dst loses it */
        if ((err = ext2_dir_set(fs, ndir, nname, nlen, src->ino, type)))
            return err;
        if ((dst->mode & S_IFMT) == S_IFDIR) {
            dst->links = 0;
            if (ndir->links > 1)
                ndir->links--;
        } else if (dst->links) {
            dst->links--;
        }
        dst->ctime = fs->now;
    } else if ((err = ext2_dir_add(fs, ndir, nname, nlen, src->ino, type))) {
        return err;
    }
    uint32_t ino;
    if ((err = ext2_dir_remove(fs, odir, name, len, &ino)))
        return err;
    if (is_dir && odir != ndir) {
        if ((err = ext2_dir_set(fs, src, "..", 2, ndir->ino, EXT2_FT_DIR)))
            return err;
        if (odir->links > 1)
            odir->links--;
        ndir->links++;
    }
    odir->mtime = odir->ctime = ndir->mtime = ndir->ctime = src->ctime = fs->now;
    return 0;
}
