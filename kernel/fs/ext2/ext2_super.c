/**
 * @file ext2_super.c
 * @brief ext2 in the VFS, the file system as a whole: its device's page
 *        cache, sync, mounting and unmounting (ext2_vfs.h).
 */
#include "ext2_vfs.h"

/* ---- the device ---- */

static uint32_t per_page(struct e2mount *m) { return PAGE_SIZE / m->bd->block_size; }

#define BC_VEC 64u /* pieces of one metadata request at most */

/* The device's page cache: page i is device blocks i * per_page on, so
 * the pages of one call lie together: one request (per BC_VEC pages). */
static int bc_read(struct pcache *pc, uint64_t index, unsigned n, void *const pages[], void *scratch)
{
    (void)scratch;
    struct e2mount *m = pc->priv;
    struct blk_vec vec[BC_VEC];
    for (unsigned i = 0; i < n;) {
        uint64_t lba = (index + i) * per_page(m);
        unsigned nv = 0;
        for (; i < n && nv < BC_VEC; i++) {
            uint64_t at = (index + i) * per_page(m);
            uint32_t count = per_page(m);
            if (at >= m->bd->nblocks)
                return -EIO;
            if (at + count > m->bd->nblocks) { /* the device's last blocks */
                count = (uint32_t)(m->bd->nblocks - at);
                memset((uint8_t *)pages[i] + count * m->bd->block_size, 0, PAGE_SIZE - count * m->bd->block_size);
            }
            vec[nv++] = (struct blk_vec){pages[i], count * m->bd->block_size};
        }
        if (blk_rwv(m->bd, BLK_READ, lba, vec, nv))
            return -EIO;
    }
    return 0;
}

/* Only the dirty units (file system blocks) of each page; units that
 * follow each other, one request. */
static int bc_write(struct pcache *pc, uint64_t index, unsigned n, void *const pages[], const uint8_t masks[],
                    void *scratch)
{
    (void)scratch;
    struct e2mount *m = pc->priv;
    uint32_t unit = 1u << pc->unit_shift, sectors = unit / m->bd->block_size;
    struct blk_vec vec[BC_VEC];
    unsigned nv = 0;
    uint64_t first = 0, next = 0;
    int err = 0;
    for (unsigned i = 0; i <= n; i++)
        for (unsigned u = 0; u < PAGE_SIZE / unit; u++) {
            int end = i == n;
            uint64_t lba = (index + i) * per_page(m) + u * sectors;
            int dirty = !end && (masks[i] & (1u << u)) && lba + sectors <= m->bd->nblocks;
            uint8_t *at = end ? NULL : (uint8_t *)pages[i] + u * unit;
            if (nv && (end || !dirty || lba != next || nv == BC_VEC)) {
                if (blk_rwv(m->bd, BLK_WRITE, first, vec, nv))
                    err = -EIO;
                nv = 0;
            }
            if (end)
                break;
            if (!dirty)
                continue;
            if (nv && (uint8_t *)vec[nv - 1].buf + vec[nv - 1].len == at) {
                vec[nv - 1].len += unit;
            } else {
                if (!nv)
                    first = lba;
                vec[nv++] = (struct blk_vec){at, unit};
            }
            next = lba + sectors;
        }
    return err;
}

static const struct pcache_ops bc_ops = {.read = bc_read, .write = bc_write}; /* page by page, in place */

static int dev_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    return pcache_rw(&((struct e2mount *)ctx)->bc, off, buf, n, 0) ? -EIO : 0;
}

static int dev_write(void *ctx, uint64_t off, const void *buf, size_t n)
{
    return pcache_rw(&((struct e2mount *)ctx)->bc, off, (void *)buf, n, 1) ? -EIO : 0;
}

static void dev_forget(void *ctx, uint64_t off, uint64_t n) { pcache_forget(&((struct e2mount *)ctx)->bc, off, n); }

/* Damage the writer found and went around: said once a mount. */
static void dev_warn(void *ctx, const char *what)
{
    struct e2mount *m = ctx;
    if (!m->warned_write) {
        m->warned_write = 1;
        pr_warn("ext2: %s: %s (e2fsck the device; reported once)", m->bd->name, what);
    }
}

static const void *dev_map(void *ctx, uint64_t off, size_t n, uintptr_t *token)
{
    uint64_t pa;
    const void *p = pcache_map(&((struct e2mount *)ctx)->bc, off, n, &pa);
    *token = (uintptr_t)pa;
    return p;
}

static void dev_unmap(void *ctx, uintptr_t token)
{
    (void)ctx;
    file_page_put((uint64_t)token);
}

/* ---- sync ---- */

/* The device's cache to the disk, and the disk's own cache flushed. */
static int flush_metadata(struct e2mount *m)
{
    int err = pcache_writeback(&m->bc), e = blk_flush(m->bd);
    return err ? err : e;
}

/* Every inode's data and fields, then the metadata, then the device's cache. */
static int sync_mount(struct e2mount *m)
{
    int err = 0;
    if (!m->rw)
        return 0;
    mutex_lock(&m->lock);
    m->fs.now = disk_now(m);
    /* Every file's writes start before any is waited for: the disk gets
     * them together, where one request per file, each waited for before
     * the next, made a sync of many small files a large part of the cost of
     * creating them. They are held and go out sorted by block, neighbours
     * merged, so the disk sees a few large writes instead of one per file
     * (docs/performance.md, "Files on ext2", has the figures). */
    struct blk_plug plug;
    blk_plug_start(&plug);
    for (unsigned i = 0; i < m->buckets; i++)
        for (struct e2node *n = m->table[i]; n; n = n->hnext)
            if (S_ISREG(n->vi->mode))
                pcache_writeback_start(&n->pc);
    blk_plug_finish(&plug);
    for (unsigned i = 0; i < m->buckets; i++)
        for (struct e2node *n = m->table[i]; n; n = n->hnext) {
            int e = S_ISREG(n->vi->mode) ? pcache_writeback_wait(&n->pc) : 0;
            if (!e && n->dirty)
                e = e2_store(n);
            if (e && !err)
                err = e;
        }
    int e = ext2_sync_super(&m->fs);
    mutex_unlock(&m->lock);
    int f = flush_metadata(m);
    return err ? err : e ? e : f;
}

static int e2_sync(struct inode *root) { return e2_err(node_of(root)->m, sync_mount(node_of(root)->m)); }

int e2_fsync(struct file *f)
{
    struct e2node *n = node_of(f->inode);
    struct e2mount *m = n->m;
    if (!m->rw)
        return 0;
    int err = pcache_writeback(&n->pc);
    mutex_lock(&m->lock);
    int e = n->dirty ? e2_store(n) : 0;
    mutex_unlock(&m->lock);
    if (!err)
        err = e;
    /* Its indirect blocks and inode live in the device's cache, among
     * other files' metadata: all of it goes (simple, and what ext2 on
     * Linux does for an fsync of a file whose metadata changed). */
    e = flush_metadata(m);
    return err ? err : e;
}

/* ---- mounting ---- */

/* Every inode left (directories nobody refers to), and the mount. */
static void e2_free(struct e2mount *m)
{
    for (unsigned i = 0; i < m->buckets; i++)
        while (m->table[i]) {
            struct e2node *n = m->table[i];
            m->table[i] = n->hnext;
            if (S_ISREG(n->vi->mode))
                pcache_destroy(&n->pc);
            e2names_free(n->names);
            kfree(n->target);
            kfree(n->vi);
            kfree(n);
        }
    pcache_destroy(&m->bc);
    kfree(m->fs.groups_checked);
    kfree(m->table);
    kfree(m);
}

/* In use: an inode referred to (an open file, a working directory, a
 * mount point, a lookup in progress); the root has the mount's and the
 * caller's. Called under the namespace lock, so no lookup makes a new
 * reference meanwhile. */
static int e2_unmount(struct inode *root, int commit)
{
    struct e2mount *m = node_of(root)->m;
    if (commit) {
        /* Everything back, then marked clean (only if all of it went). */
        int err = sync_mount(m);
        if (m->rw && !err) {
            mutex_lock(&m->lock);
            err = ext2_set_state(&m->fs, 1);
            mutex_unlock(&m->lock);
            int e = flush_metadata(m);
            err = err ? err : e;
        }
        if (err)
            pr_warn("ext2: %s: write-back at unmount failed (%d): e2fsck the device", m->bd->name, err);
        pr_info("ext2: %s unmounted", m->bd->name);
        e2_free(m);
        return 0;
    }
    for (unsigned i = 0; i < m->buckets; i++)
        for (struct e2node *n = m->table[i]; n; n = n->hnext)
            if (__atomic_load_n(&n->vi->refs, __ATOMIC_RELAXED) != (n->vi == root ? 2u : 0u) || n->vi->mounted)
                return -EBUSY;
    return 0;
}

static void e2_statfs(struct inode *ino, struct vfs_statfs *st)
{
    struct e2mount *m = node_of(ino)->m;
    mutex_lock(&m->lock);
    st->type = 0xef53; /* EXT2_SUPER_MAGIC */
    st->bsize = m->fs.block_size;
    st->blocks = m->fs.blocks - ext2_overhead(&m->fs);
    st->bfree = m->fs.free_blocks;
    st->bavail = m->fs.free_blocks > m->fs.reserved_blocks ? m->fs.free_blocks - m->fs.reserved_blocks : 0;
    st->files = m->fs.inodes;
    st->ffree = m->fs.free_inodes;
    st->namelen = 255;
    mutex_unlock(&m->lock);
}

const struct super_ops e2_super = {
    .unmount = e2_unmount,
    .sync = e2_sync,
    .statfs = e2_statfs,
};

int ext2_mount(const char *source, const char *path, int read_only)
{
    /* Disks found late in boot have their /dev nodes once probing ends:
     * a mount typed at the first prompt finds them as one typed later. */
    device_probe_wait();
    struct inode *src;
    int err = vfs_lookup(NULL, source, 1, &src);
    if (err)
        return err;
    int isblk = (src->mode & S_IFMT) == S_IFBLK;
    struct blkdev *bd = isblk ? blkdev_of(src->rdev) : NULL;
    inode_put(src);
    if (!bd)
        return isblk ? -ENXIO : -ENOTBLK;
    if (bd->block_size > PAGE_SIZE)
        return -EINVAL;
    if (vfs_mounted_from(source))
        return -EBUSY; /* two mounts of one disk would each cache it */
    struct e2mount *m = kzalloc(sizeof *m);
    if (!m)
        return -ENOMEM;
    m->bd = bd;
    m->buckets = HASH_MIN;
    if (!(m->table = kzalloc(HASH_MIN * sizeof *m->table))) {
        kfree(m);
        return -ENOMEM;
    }
    struct pmm_stats ps;
    pmm_stats(&ps);
    m->cache_max = ps.managed_pages / 8 > CACHE_MIN ? (unsigned)(ps.managed_pages / 8) : CACHE_MIN;
    mutex_init(&m->lock, "ext2 mount");
    m->dev = (struct ext2_dev){.read = dev_read, .write = read_only || bd->read_only ? NULL : dev_write,
                               .forget = dev_forget, .map = dev_map, .unmap = dev_unmap, .warn = dev_warn, .ctx = m,
                               .size = bd->nblocks * bd->block_size};
    /* Units of the device's cache: 1 KiB until the superblock gives the
     * block size (its 1 KiB at byte 1024 is all ext2_open() reads). */
    pcache_init(&m->bc, &bc_ops, m, 10);
    struct inode *root = NULL;
    err = ext2_open(&m->fs, &m->dev);
    if (err)
        pr_warn("ext2: %s: not mounted: %s", bd->name, err == -EIO ? "the device could not be read" : m->fs.err);
    if (!err && !(m->fs.groups_checked = kzalloc(m->fs.groups)))
        err = -ENOMEM;
    if (!err) {
        m->bc.unit_shift = unit_shift(m);
        m->rw = !m->fs.read_only;
        if (!read_only && !m->rw)
            pr_warn("ext2: %s: mounted read-only: %s (features %#x/%#x/%#x)", bd->name,
                    m->fs.ro_why[0] ? m->fs.ro_why : "the device is read-only", m->fs.compat, m->fs.incompat,
                    m->fs.ro_compat);
        m->vdev = vfs_new_dev();
        m->epoch = m->fs.now;
        m->mounted_ns = hal_time_ns();
        m->fs.now = disk_now(m);
        if (m->rw && (err = ext2_set_state(&m->fs, 0)) == 0)
            err = pcache_writeback(&m->bc);
        if (!err)
            err = e2_inode(m, 2, NULL, &root);
        if (!err && !S_ISDIR(root->mode))
            err = damaged(m, "the root inode is not a directory");
        if (!err)
            err = vfs_mount(path, root, source, "ext2", !m->rw);
        if (err && m->rw) {
            ext2_set_state(&m->fs, 1);
            pcache_writeback(&m->bc);
        }
    }
    if (err) {
        if (root)
            inode_put(root);
        e2_free(m); /* nothing else can hold one of its inodes yet */
        return err;
    }
    inode_put(root); /* vfs_mount() took its own */
    pr_info("ext2: %s on %s: %u-byte blocks, %u inodes, %s", bd->name, path, m->fs.block_size, m->fs.inodes,
            m->rw ? "read-write" : "read-only");
    return 0;
}
