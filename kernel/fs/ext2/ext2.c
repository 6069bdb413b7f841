/**
 * @file ext2.c
 * @brief The ext2 on-disk format, read and checked (kernel/ext2.h).
 *
 * Layout (the ext2 specification, "The Second Extended File System",
 * as e2fsprogs writes it): the superblock is the 1,024 bytes at byte 1,024
 * whatever the block size; blocks are counted from 0, and the block
 * group descriptor table starts in the block after the one holding the
 * superblock (s_first_data_block + 1). Each group has a block bitmap, an
 * inode bitmap and a table of s_inodes_per_group inodes; inode n (from 1)
 * is entry (n - 1) % s_inodes_per_group of group (n - 1) /
 * s_inodes_per_group. An inode's 15 block pointers are 12 direct ones, an
 * indirect, a double and a triple indirect block; a directory is a file of
 * variable-length entries { inode, rec_len, name_len, file_type, name }
 * that never cross a block.
 *
 * All fields are little-endian and read with get_le*() from byte buffers;
 * every number from the disk is checked against the superblock before it
 * becomes an offset.
 */
#include <kernel/errno.h>
#include <kernel/ext2.h>
#include <kernel/printf.h>
#include <kernel/string.h>
#include <kernel/unaligned.h>
#include "ext2_internal.h"

int ext2_bad(struct ext2_fs *fs, int err, const char *what)
{
    strlcpy(fs->err, what, sizeof fs->err);
    return err;
}

int ext2_dev_read(struct ext2_fs *fs, uint64_t off, void *buf, size_t n)
{
    if (off > fs->dev->size || n > fs->dev->size - off)
        return ext2_bad(fs, -EUCLEAN, "a read past the end of the device");
    return fs->dev->read(fs->dev->ctx, off, buf, n) ? -EIO : 0;
}

static int is_pow2(uint32_t v) { return v && !(v & (v - 1)); }
static int check_layout(struct ext2_fs *fs);

int ext2_open(struct ext2_fs *fs, const struct ext2_dev *dev)
{
    memset(fs, 0, sizeof *fs);
    fs->dev = dev;
    uint8_t sb[SB_OFFSET];
    if (dev->size < 2 * SB_OFFSET)
        return ext2_bad(fs, -EINVAL, "too small for an ext2 superblock");
    if (dev->read(dev->ctx, SB_OFFSET, sb, sizeof sb))
        return -EIO;
    if (get_le16(sb + SB_MAGIC) != EXT2_MAGIC)
        return ext2_bad(fs, -EINVAL, "no ext2 superblock (magic 0xef53) at byte 1024");
    fs->rev = get_le32(sb + SB_REV);
    uint32_t log = get_le32(sb + SB_LOG_BSIZE);
    if (fs->rev > 1)
        return ext2_bad(fs, -EINVAL, "revision past 1");
    if (log > 6)
        return ext2_bad(fs, -EINVAL, "block size over 64 KiB");
    fs->block_size = 1024u << log;
    fs->blocks = get_le32(sb + SB_BLOCKS);
    fs->inodes = get_le32(sb + SB_INODES);
    fs->first_data_block = get_le32(sb + SB_FIRST_DATA);
    fs->blocks_per_group = get_le32(sb + SB_BPG);
    fs->inodes_per_group = get_le32(sb + SB_IPG);
    uint32_t bits = 8 * fs->block_size; /* a bitmap is one block */
    if (fs->first_data_block != (fs->block_size == 1024 ? 1u : 0u))
        return ext2_bad(fs, -EINVAL, "first data block does not fit the block size");
    if (!fs->blocks_per_group || fs->blocks_per_group > bits || !fs->inodes_per_group ||
        fs->inodes_per_group > bits)
        return ext2_bad(fs, -EINVAL, "blocks or inodes per group out of range");
    if (fs->blocks <= fs->first_data_block + 1 || !fs->inodes)
        return ext2_bad(fs, -EINVAL, "no blocks or no inodes");
    fs->groups = (fs->blocks - fs->first_data_block + fs->blocks_per_group - 1) / fs->blocks_per_group;
    /* mke2fs makes every group hold as many inodes: another count means
     * s_inodes_count or s_inodes_per_group is wrong, and so is every
     * inode's place. */
    if (fs->inodes != (uint64_t)fs->groups * fs->inodes_per_group)
        return ext2_bad(fs, -EINVAL, "inode count not inodes per group times groups");
    if ((uint64_t)fs->blocks * fs->block_size > dev->size)
        return ext2_bad(fs, -EINVAL, "file system larger than its device");
    if ((uint64_t)fs->groups * GD_SIZE > (uint64_t)(fs->blocks - fs->first_data_block - 1) * fs->block_size)
        return ext2_bad(fs, -EINVAL, "group descriptors do not fit");
    fs->inode_size = I_BASE_SIZE;
    fs->first_ino = 11;
    if (fs->rev == 1) {
        fs->inode_size = get_le16(sb + SB_INODE_SIZE);
        fs->first_ino = get_le32(sb + SB_FIRST_INO);
        fs->compat = get_le32(sb + SB_COMPAT);
        fs->incompat = get_le32(sb + SB_INCOMPAT);
        fs->ro_compat = get_le32(sb + SB_RO_COMPAT);
    }
    if (!is_pow2(fs->inode_size) || fs->inode_size < I_BASE_SIZE || fs->inode_size > fs->block_size)
        return ext2_bad(fs, -EINVAL, "inode size not a power of two from 128 to the block size");
    if (fs->first_ino < 3 || fs->first_ino > fs->inodes)
        return ext2_bad(fs, -EINVAL, "first inode out of range");
    if (fs->incompat & ~(uint32_t)EXT2_INCOMPAT_KNOWN) {
        ksnprintf(fs->err, sizeof fs->err,
                  "incompatible features %#x (journal recovery 0x4, meta_bg 0x10, extents 0x40, "
                  "64bit 0x80, flex_bg 0x200)", fs->incompat & ~(uint32_t)EXT2_INCOMPAT_KNOWN);
        return -EINVAL;
    }
    fs->read_only = (fs->ro_compat & ~(uint32_t)EXT2_RO_COMPAT_KNOWN) ||
                    (fs->compat & ~(uint32_t)EXT2_COMPAT_KNOWN) || !dev->write;
    /* No clock of our own: times go on from the last the disk saw. */
    fs->now = get_le32(sb + SB_WTIME) > get_le32(sb + SB_MTIME) ? get_le32(sb + SB_WTIME) : get_le32(sb + SB_MTIME);
    fs->free_blocks = get_le32(sb + SB_FREE_BLOCKS);
    fs->free_inodes = get_le32(sb + SB_FREE_INODES);
    fs->reserved_blocks = get_le32(sb + 8);
    if (fs->compat & 0x10) /* resize_inode: room kept for more descriptors */
        fs->reserved_gdt = get_le16(sb + 206);
    if (fs->read_only && dev->write)
        strlcpy(fs->ro_why, "features this kernel would not keep right", sizeof fs->ro_why);
    if (fs->free_blocks > fs->blocks || fs->free_inodes > fs->inodes) {
        fs->read_only = 1; /* counts no writer can trust: e2fsck's to mend */
        strlcpy(fs->ro_why, "free counts past the totals", sizeof fs->ro_why);
    }
    int err = check_layout(fs);
    if (err == -EUCLEAN) {
        /* Every read is still checked against the file system's bounds;
         * a writer would put inodes and blocks over other metadata. */
        fs->read_only = 1;
        strlcpy(fs->ro_why, fs->err, sizeof fs->ro_why);
        fs->err[0] = '\0';
        err = 0;
    }
    return err;
}

int ext2_has_super_copy(const struct ext2_fs *fs, uint32_t g)
{
    if (g <= 1 || !(fs->ro_compat & EXT2_RO_COMPAT_SPARSE_SUPER))
        return 1;
    for (uint32_t base = 3; base <= 7; base += 2) {
        uint64_t p = base;
        while (p < g)
            p *= base;
        if (p == g)
            return 1;
    }
    return 0;
}

uint32_t ext2_table_blocks(const struct ext2_fs *fs)
{
    return (uint32_t)(((uint64_t)fs->inodes_per_group * fs->inode_size + fs->block_size - 1) / fs->block_size);
}

uint64_t ext2_overhead(const struct ext2_fs *fs)
{
    uint64_t gdt = ((uint64_t)fs->groups * GD_SIZE + fs->block_size - 1) / fs->block_size;
    uint64_t n = fs->first_data_block + (uint64_t)fs->groups * (2 + ext2_table_blocks(fs));
    for (uint32_t g = 0; g < fs->groups; g++)
        if (ext2_has_super_copy(fs, g))
            n += 1 + gdt + fs->reserved_gdt;
    return n < fs->blocks ? n : fs->blocks;
}

/* Whether [@p a, @p a + @p an) and [@p b, @p b + @p bn) share a block. */
static int overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn) { return a < b + bn && b < a + an; }

/* Each group's bitmaps and inode table inside the group (ext2 without
 * flex_bg keeps them there), clear of the group's superblock and
 * descriptor copy and of each other: then no two groups share one, and
 * no inode or bitmap write lands on other metadata. -EUCLEAN with the
 * reason, -EIO. */
static int check_layout(struct ext2_fs *fs)
{
    uint32_t len = ext2_table_blocks(fs);
    uint32_t gdt = (uint32_t)(((uint64_t)fs->groups * GD_SIZE + fs->block_size - 1) / fs->block_size);
    uint8_t chunk[16 * GD_SIZE];
    for (uint32_t g = 0; g < fs->groups; g++) {
        if (g % 16 == 0) {
            uint32_t n = fs->groups - g < 16 ? fs->groups - g : 16;
            int err = ext2_dev_read(fs, (uint64_t)(fs->first_data_block + 1) * fs->block_size +
                                            (uint64_t)g * GD_SIZE, chunk, n * GD_SIZE);
            if (err)
                return err;
        }
        const uint8_t *gd = chunk + (g % 16) * GD_SIZE;
        uint64_t start = fs->first_data_block + (uint64_t)g * fs->blocks_per_group;
        uint64_t end = start + fs->blocks_per_group < fs->blocks ? start + fs->blocks_per_group : fs->blocks;
        uint64_t bb = get_le32(gd + GD_BLOCK_BITMAP), ib = get_le32(gd + GD_INODE_BITMAP);
        uint64_t t = get_le32(gd + GD_INODE_TABLE);
        uint64_t meta = ext2_has_super_copy(fs, g) ? 1 + gdt + fs->reserved_gdt : 0;
        const char *why = NULL;
        if (bb < start || bb >= end)
            why = "block bitmap outside its group";
        else if (ib < start || ib >= end)
            why = "inode bitmap outside its group";
        else if (t < start || t + len > end)
            why = "inode table outside its group";
        else if (overlap(bb, 1, start, meta) || overlap(ib, 1, start, meta) || overlap(t, len, start, meta))
            why = "bitmap or inode table over the superblock or descriptors";
        else if (bb == ib || overlap(bb, 1, t, len) || overlap(ib, 1, t, len))
            why = "bitmaps and inode table overlap";
        if (why) {
            ksnprintf(fs->err, sizeof fs->err, "group %u's %s", g, why);
            return -EUCLEAN;
        }
    }
    return 0;
}

/* The first block of group @p g's inode table, checked to lie inside the
 * file system whole. */
int ext2_inode_table(struct ext2_fs *fs, uint32_t g, uint32_t *block)
{
    uint8_t gd[GD_SIZE];
    uint64_t off = (uint64_t)(fs->first_data_block + 1) * fs->block_size + (uint64_t)g * GD_SIZE;
    int err = ext2_dev_read(fs, off, gd, sizeof gd);
    if (err)
        return err;
    uint32_t t = get_le32(gd + 8);
    uint64_t len = ext2_table_blocks(fs);
    if (t <= fs->first_data_block || t + len > fs->blocks)
        return ext2_bad(fs, -EUCLEAN, "a group's inode table lies outside the file system");
    *block = t;
    return 0;
}

int ext2_read_inode(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out)
{
    if (!ino || ino > fs->inodes)
        return ext2_bad(fs, -EINVAL, "inode number out of range");
    uint32_t g = (ino - 1) / fs->inodes_per_group, idx = (ino - 1) % fs->inodes_per_group, table;
    int err = ext2_inode_table(fs, g, &table);
    if (err)
        return err;
    uint8_t raw[I_BASE_SIZE];
    err = ext2_dev_read(fs, (uint64_t)table * fs->block_size + (uint64_t)idx * fs->inode_size, raw, sizeof raw);
    if (err)
        return err;
    memset(out, 0, sizeof *out);
    out->ino = ino;
    out->mode = get_le16(raw + I_MODE);
    out->links = get_le16(raw + I_LINKS);
    out->uid = get_le16(raw + I_UID) | (uint32_t)get_le16(raw + I_UID_HIGH) << 16;
    out->gid = get_le16(raw + I_GID) | (uint32_t)get_le16(raw + I_GID_HIGH) << 16;
    out->size = get_le32(raw + I_SIZE);
    if ((out->mode & S_IFMT) == S_IFREG) /* a directory's is i_dir_acl */
        out->size |= (uint64_t)get_le32(raw + I_SIZE_HIGH) << 32;
    out->atime = get_le32(raw + I_ATIME);
    out->ctime = get_le32(raw + I_CTIME);
    out->mtime = get_le32(raw + I_MTIME);
    out->blocks512 = get_le32(raw + I_BLOCKS);
    out->flags = get_le32(raw + I_FLAGS);
    out->dtime = get_le32(raw + 20);
    out->file_acl = get_le32(raw + I_FILE_ACL);
    for (int i = 0; i < 15; i++)
        out->block[i] = get_le32(raw + I_BLOCK + 4 * i);
    return 0;
}

/* Bytes the block map can address: 12 + p + p^2 + p^3 blocks. A sparse
 * file may have that size with far fewer blocks than i_blocks counts. */
static uint64_t map_reach(const struct ext2_fs *fs)
{
    uint64_t p = fs->block_size / 4;
    return (12 + p + p * p + p * p * p) * fs->block_size;
}

int ext2_check_inode(struct ext2_fs *fs, const struct ext2_inode *in)
{
    uint32_t type = in->mode & S_IFMT;
    if (type != S_IFREG && type != S_IFDIR && type != S_IFLNK && type != S_IFCHR && type != S_IFBLK &&
        type != S_IFIFO && type != S_IFSOCK)
        return ext2_bad(fs, -EUCLEAN, "an inode of no known type");
    /* Its blocks and its slot are free to be handed out again (and would
     * be freed again at its last reference). */
    if (!in->links)
        return ext2_bad(fs, -EUCLEAN, "a deleted inode (no links) still named");
    if ((type == S_IFREG || type == S_IFDIR) && in->size > map_reach(fs))
        return ext2_bad(fs, -EUCLEAN, "a size past what the block map can address");
    if (type == S_IFLNK && in->size >= fs->block_size)
        return ext2_bad(fs, -EUCLEAN, "a symlink longer than a block");
    return 0;
}

/* A block pointer from the disk: 0 (a hole) or a block of the file system. */
int ext2_check_ptr(struct ext2_fs *fs, uint32_t b)
{
    return b && (b <= fs->first_data_block || b >= fs->blocks)
               ? ext2_bad(fs, -EUCLEAN, "a block pointer past the file system")
               : 0;
}

int ext2_bmap(struct ext2_fs *fs, const struct ext2_inode *in, uint64_t lblock, uint32_t *pblock)
{
    uint64_t per = fs->block_size / 4, span = 1;
    int depth = 0;
    uint32_t b;
    if (lblock < 12) {
        b = in->block[lblock];
    } else {
        /* Which tree (1 indirect, 2 double, 3 triple) and the index in it. */
        lblock -= 12;
        for (depth = 1, span = per; depth <= 3 && lblock >= span; depth++, span *= per)
            lblock -= span;
        if (depth > 3)
            return -EFBIG;
        b = in->block[11 + depth];
    }
    int err = ext2_check_ptr(fs, b);
    if (err)
        return err;
    /* Down the tree: at each level, the pointer of the span lblock is in. */
    for (; depth > 0 && b; depth--) {
        span /= per;
        uint8_t p[4];
        err = ext2_dev_read(fs, (uint64_t)b * fs->block_size + (lblock / span) * 4, p, sizeof p);
        if (err)
            return err;
        lblock %= span;
        b = get_le32(p);
        if ((err = ext2_check_ptr(fs, b)))
            return err;
    }
    *pblock = b;
    return 0;
}

long ext2_read(struct ext2_fs *fs, const struct ext2_inode *in, uint64_t off, void *buf, size_t n)
{
    if (off >= in->size)
        return 0;
    if (n > in->size - off)
        n = (size_t)(in->size - off);
    if (n > (size_t)1 << 30)
        n = (size_t)1 << 30; /* the count must fit a long */
    size_t done = 0;
    while (done < n) {
        uint64_t at = off + done;
        uint32_t boff = (uint32_t)(at % fs->block_size), pb;
        size_t chunk = fs->block_size - boff < n - done ? fs->block_size - boff : n - done;
        int err = ext2_bmap(fs, in, at / fs->block_size, &pb);
        if (err)
            return err;
        if (!pb)
            memset((char *)buf + done, 0, chunk);
        else if ((err = ext2_dev_read(fs, (uint64_t)pb * fs->block_size + boff, (char *)buf + done, chunk)))
            return err;
        done += chunk;
    }
    return (long)done;
}

void ext2_view_open(struct ext2_fs *fs, struct ext2_view *v, uint32_t pb)
{
    v->base = (uint64_t)pb * fs->block_size;
    v->p = NULL;
    if (fs->dev->map && v->base <= fs->dev->size && fs->block_size <= fs->dev->size - v->base)
        v->p = fs->dev->map(fs->dev->ctx, v->base, fs->block_size, &v->token);
}

void ext2_view_close(struct ext2_fs *fs, struct ext2_view *v)
{
    if (v->p)
        fs->dev->unmap(fs->dev->ctx, v->token);
    v->p = NULL;
}

int ext2_view_read(struct ext2_fs *fs, const struct ext2_view *v, uint32_t off, void *buf, size_t n)
{
    if (v->p) {
        memcpy(buf, v->p + off, n);
        return 0;
    }
    return ext2_dev_read(fs, v->base + off, buf, n);
}

int ext2_entry_at(struct ext2_fs *fs, const struct ext2_view *v, uint32_t boff, struct ext2_entry *e)
{
    uint8_t copy[8];
    const uint8_t *h = v->p ? v->p + boff : copy; /* in place: the hot loop of every lookup */
    int err = v->p ? 0 : ext2_view_read(fs, v, boff, copy, sizeof copy);
    if (err)
        return err;
    e->ino = get_le32(h);
    e->rec = get_le16(h + 4);
    e->len = h[6];
    e->type = fs->incompat & EXT2_INCOMPAT_FILETYPE ? h[7] : 0;
    if (fs->block_size == 65536 && (e->rec == 0 || e->rec == 65535))
        e->rec = 65536; /* the one length 16 bits cannot hold */
    if (!(fs->incompat & EXT2_INCOMPAT_FILETYPE) && h[7])
        return ext2_bad(fs, -EUCLEAN, "a directory entry's name longer than 255");
    if (e->rec < 8 || e->rec % 4 || e->rec > fs->block_size - boff || e->len + 8u > e->rec)
        return ext2_bad(fs, -EUCLEAN, "a directory entry's length runs past its block");
    if (e->ino && (e->ino > fs->inodes || !e->len))
        return ext2_bad(fs, -EUCLEAN, "a directory entry names no valid inode");
    return 0;
}

int ext2_dir_block(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t lb, uint32_t *pb)
{
    int err = ext2_bmap(fs, dir, lb, pb);
    if (!err && !*pb)
        err = ext2_bad(fs, -EUCLEAN, "a hole in a directory");
    return err;
}

int ext2_readdir(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t *pos, struct ext2_dirent *out)
{
    if ((dir->mode & S_IFMT) != S_IFDIR)
        return -ENOTDIR;
    while (*pos < dir->size) {
        uint32_t boff = (uint32_t)(*pos % fs->block_size), pb;
        int err = ext2_dir_block(fs, dir, *pos / fs->block_size, &pb);
        if (err)
            return err;
        struct ext2_view v;
        struct ext2_entry e;
        ext2_view_open(fs, &v, pb);
        /* The rest of this block's entries, in place (none past the size). */
        while (!(err = ext2_entry_at(fs, &v, boff, &e))) {
            *pos += e.rec;
            boff += e.rec;
            if (e.ino || boff >= fs->block_size || *pos >= dir->size)
                break;
        }
        if (!err && e.ino)
            err = ext2_view_read(fs, &v, boff - e.rec + 8, out->name, e.len);
        ext2_view_close(fs, &v);
        if (err)
            return err;
        if (!e.ino)
            continue; /* only free slots to the block's end */
        out->name[e.len] = '\0';
        out->name_len = (uint8_t)e.len;
        out->ino = e.ino;
        out->type = (uint8_t)e.type;
        return 1;
    }
    return 0;
}

int ext2_lookup(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name, size_t len,
                uint32_t *ino)
{
    if (len > 255)
        return -ENAMETOOLONG;
    if ((dir->mode & S_IFMT) != S_IFDIR)
        return -ENOTDIR;
    /* Block by block, each in place where the device can: one map per
     * block rather than two reads per entry. */
    for (uint64_t lb = 0; lb * fs->block_size < dir->size; lb++) {
        uint32_t pb;
        int err = ext2_dir_block(fs, dir, lb, &pb);
        if (err)
            return err;
        struct ext2_view v;
        struct ext2_entry e;
        char cand[256];
        int found = 0;
        ext2_view_open(fs, &v, pb);
        for (uint32_t boff = 0; boff < fs->block_size && lb * fs->block_size + boff < dir->size && !found;
             boff += e.rec) {
            if ((err = ext2_entry_at(fs, &v, boff, &e)))
                break;
            if (!e.ino || e.len != len)
                continue;
            if (v.p)
                found = !memcmp(v.p + boff + 8, name, len);
            else if (!(err = ext2_view_read(fs, &v, boff + 8, cand, len)))
                found = !memcmp(cand, name, len);
            if (err)
                break;
            if (found)
                *ino = e.ino;
        }
        ext2_view_close(fs, &v);
        if (err || found)
            return err;
    }
    return -ENOENT;
}

long ext2_readlink(struct ext2_fs *fs, const struct ext2_inode *in, char *buf, size_t n)
{
    if ((in->mode & S_IFMT) != S_IFLNK)
        return -EINVAL;
    if (in->size + 1 > n)
        return -ENAMETOOLONG;
    /* Fast: the target is in i_block itself, and no data block is
     * allocated (i_blocks counts an extended attribute block, if any). */
    uint32_t ea = in->file_acl ? fs->block_size / 512 : 0;
    if (in->blocks512 == ea) {
        if (in->size >= sizeof in->block)
            return ext2_bad(fs, -EUCLEAN, "a fast symlink longer than its inode holds");
        for (size_t i = 0; i < in->size; i++)
            buf[i] = (char)(in->block[i / 4] >> (8 * (i % 4)));
    } else {
        if (in->size >= fs->block_size)
            return ext2_bad(fs, -EUCLEAN, "a symlink longer than a block");
        long got = ext2_read(fs, in, 0, buf, (size_t)in->size);
        if (got < 0)
            return got;
        if ((uint64_t)got != in->size)
            return ext2_bad(fs, -EUCLEAN, "a symlink shorter than its size");
    }
    buf[in->size] = '\0';
    if (strlen(buf) != in->size)
        return ext2_bad(fs, -EUCLEAN, "a NUL inside a symlink's target");
    return (long)in->size;
}
