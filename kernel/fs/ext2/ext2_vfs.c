/**
 * @file ext2_vfs.c
 * @brief ext2 file systems on block devices in the VFS, read-write, over
 *        the page cache (ext2_mount(), the `mount` command and system call).
 *
 * The on-disk format is ext2.c's and ext2_write.c's; this file gives them
 * a device and the VFS's inodes. Two kinds of cache sit under it:
 * - the device's own page cache (`bc`) holds the metadata: superblock,
 *   group descriptors, bitmaps, inode tables, indirect blocks, directories
 *   and symlinks' blocks. ext2.c reads and writes it by byte offset; dirty
 *   blocks go back by the flusher, sync or unmount.
 * - each regular file has a page cache of its data, read in runs of
 *   blocks that lie together on the disk (one request each, straight
 *   into the cache's pages: blk_rwv()), and written back the same way. Blocks are allocated
 *   when write() dirties a page, so ENOSPC reaches the writer and
 *   write-back never allocates. A block that becomes a file's data is
 *   forgotten by `bc` (ext2_dev.forget), which might hold a dirty copy from
 *   the time it was metadata.
 *
 * Inodes: one VFS inode per ext2 inode, found through the mount's table
 * (two opens of one file share one page cache). A directory stays for the
 * mount's life (the VFS's ".." is its parent pointer); any other inode
 * stays after its last user too, with its pages, so a file written and
 * closed is written back later (flusher, sync, unmount), not at close.
 * Past cache_max of them (an eighth of RAM's page count; at about 768
 * bytes each, 2.3% of RAM: Linux keeps a walked tree's inodes too), a batch of unused ones is
 * written back and let go. The table grows with them. An inode whose last link went is freed on the disk when its last
 * user lets go (an unlinked open file lives on until closed).
 *
 * Locking: the mount's mutex serializes every call that writes the file
 * system and the inode table; lock order: the inode's data lock, the
 * mount's lock, a file's page cache, the device's page cache.
 */
#include <hal/mmu.h>
#include <hal/timer.h>
#include <kernel/block.h>
#include <kernel/clock.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/ext2.h>
#include <kernel/file_page.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/pcache.h>
#include <kernel/pmm.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/vfs.h>
#include <kernel/wait.h>
#include "ext2_names.h"

#define HASH_MIN 64u /* the inode table's buckets at mount; it doubles past 2 inodes a bucket */
#define CACHE_MIN 1024u /* inodes other than directories kept when nobody uses them, at least */
#define UNITS (PAGE_SIZE / 1024) /* pieces of a page at most (1 KiB blocks) */

struct e2mount {
    struct ext2_fs fs;
    struct ext2_dev dev;
    struct blkdev *bd;
    unsigned vdev;              /* st_dev */
    int rw;                     /* mounted read-write */
    struct pcache bc;           /* the device's blocks: metadata */
    struct mutex lock;          /* every write to the file system; the table */
    struct e2node **table;      /* inodes in use, by number: @c buckets chains */
    unsigned buckets, nodes;    /* a power of two; inodes in the table */
    unsigned cache_max;         /* inodes other than directories kept: 1/8 of RAM's pages */
    char name[256];             /* readdir's name, valid under the namespace lock */
    int warned;                 /* a damaged structure was reported */
    int warned_write;           /* damage the writer went around was reported */
    uint32_t epoch;             /* the disk's last time (s) when mounted: the clock without an RTC */
    uint64_t mounted_ns;        /* hal_time_ns() then */
    unsigned cached;            /* inodes other than directories in the table */
};

struct e2node {
    struct e2mount *m;
    struct inode *vi;
    struct ext2_inode di;       /* the disk's copy: block map, flags; links and times as last stored */
    struct e2node *hnext;       /* the table's chain */
    struct pcache pc;           /* a regular file's data */
    int dirty;                  /* the VFS inode changed since it was stored */
    char *target;               /* a symlink's */
    struct e2names *names;      /* a large directory's names, once looked up in (namespace lock) */
};

static const struct inode_ops e2_iops;
static const struct file_ops e2_file_ops, e2_dir_ops;

static uint64_t ns(uint32_t s) { return (uint64_t)s * 1000000000ull; }

/* Seconds since the epoch for the disk: the wall clock's, or without one
 * (no RTC) its last time at mount plus the time since. Never 0 or tiny:
 * e2fsck reads a deleted inode's small deletion time as a link of an
 * orphan list. */
static uint32_t disk_now(struct e2mount *m)
{
    uint64_t wall;
    uint32_t t = clock_realtime(&wall) == 0 ? (uint32_t)(wall / NSEC_PER_SEC)
                                            : m->epoch + (uint32_t)((hal_time_ns() - m->mounted_ns) / NSEC_PER_SEC);
    return t > 1000000000u ? t : 1000000000u;
}

/* An error from ext2.c, for the caller; damage is reported once. */
static int e2_err(struct e2mount *m, int err)
{
    if (err == -EUCLEAN && !m->warned) {
        m->warned = 1;
        pr_warn("ext2: %s: %s (reported once; the access fails with EUCLEAN)", m->bd->name, m->fs.err);
    }
    return err;
}

static int damaged(struct e2mount *m, const char *what)
{
    strlcpy(m->fs.err, what, sizeof m->fs.err);
    return e2_err(m, -EUCLEAN);
}

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

/* ---- a file's data ---- */

/* One piece of a page: @p len bytes at @p at of the page, block @p pb's
 * bytes from @p boff (pb 0: a hole). */
struct seg {
    unsigned page, at, len;
    uint64_t phys; /* byte on the device; 0: a hole */
};

/* The pieces of @p n pages from @p index that lie inside the file of
 * @p size bytes, each within one block; *@p nsegs of them. Unit by unit
 * if @p masks. (The caller reads the size once: a read zeroes what lies
 * past the size it skipped here, and the size may grow meanwhile.) */
static int segments(struct e2node *node, uint64_t index, unsigned n, const uint8_t masks[], struct seg *segs,
                    unsigned *nsegs, uint64_t size)
{
    struct ext2_fs *fs = &node->m->fs;
    uint32_t bs = fs->block_size, unit = bs < PAGE_SIZE ? bs : PAGE_SIZE;
    *nsegs = 0;
    for (unsigned i = 0; i < n; i++)
        for (unsigned at = 0; at < PAGE_SIZE; at += unit) {
            uint64_t pos = (index + i) * PAGE_SIZE + at;
            if (pos >= size || (masks && !(masks[i] & (1u << (at / unit)))))
                continue;
            uint32_t pb;
            int err = ext2_bmap(fs, &node->di, pos / bs, &pb);
            if (err)
                return e2_err(node->m, err);
            segs[(*nsegs)++] = (struct seg){i, at, unit, pb ? (uint64_t)pb * bs + pos % bs : 0};
        }
    return 0;
}

/* Piece @p k lies on the disk right after piece k - 1 (neither a hole). */
static int joins(const struct seg *segs, unsigned k)
{
    return k && segs[k - 1].phys && segs[k].phys == segs[k - 1].phys + segs[k - 1].len;
}

/* The run of pieces from @p s (not a hole) that lies together on the disk,
 * appended to @p vec (*@p nv entries so far) as the memory it reads into or
 * writes from, pieces that follow each other in memory joined; returns the
 * index past the run. */
static unsigned run_vec(const struct seg *segs, unsigned s, unsigned nsegs, void *const pages[],
                        struct blk_vec *vec, unsigned *nv)
{
    unsigned first = *nv, e = s;
    do {
        uint8_t *at = (uint8_t *)pages[segs[e].page] + segs[e].at;
        if (*nv > first && (uint8_t *)vec[*nv - 1].buf + vec[*nv - 1].len == at)
            vec[*nv - 1].len += segs[e].len;
        else
            vec[(*nv)++] = (struct blk_vec){at, segs[e].len};
        e++;
    } while (e < nsegs && joins(segs, e));
    return e;
}

/* Read (@p write 0) or write the pieces, each run of them that lies
 * together on the disk one request, straight from or into the pages
 * (@p vec: room for as many pieces as @p segs). */
static int transfer(struct e2mount *m, const struct seg *segs, unsigned nsegs, void *const pages[],
                    struct blk_vec *vec, int write)
{
    uint32_t sector = m->bd->block_size;
    for (unsigned s = 0; s < nsegs;) {
        if (!segs[s].phys) { /* a hole reads as zeros, and is never dirty */
            if (!write)
                memset((uint8_t *)pages[segs[s].page] + segs[s].at, 0, segs[s].len);
            s++;
            continue;
        }
        unsigned nv = 0, e = run_vec(segs, s, nsegs, pages, vec, &nv);
        if (blk_rwv(m->bd, write ? BLK_WRITE : BLK_READ, segs[s].phys / sector, vec, nv))
            return -EIO;
        s = e;
    }
    return 0;
}

/* The pieces and the request's vector for PCACHE_RA_MAX pages: the
 * cache's scratch buffer. */
struct io_space {
    struct seg segs[PCACHE_RA_MAX * UNITS];
    struct blk_vec vec[PCACHE_RA_MAX * UNITS];
};
#define STACK_PAGES 8u /* without the scratch buffer (memory was short): this many at a time */

/* No allocation here (pcache_ops): the pieces in the cache's scratch
 * buffer, or on the stack a few pages at a time. A page read gets every
 * byte: the disk's, zeros for holes and past the end of the file. */
static int file_io(struct pcache *pc, uint64_t index, unsigned n, void *const pages[], const uint8_t masks[],
                   void *scratch)
{
    struct e2node *node = pc->priv;
    uint64_t size = __atomic_load_n(&node->vi->size, __ATOMIC_ACQUIRE);
    struct io_space *io = scratch;
    struct seg stack_segs[STACK_PAGES * UNITS];
    struct blk_vec stack_vec[STACK_PAGES * UNITS];
    unsigned step = io ? n : STACK_PAGES;
    for (unsigned i = 0; i < n; i += step) {
        unsigned k = n - i < step ? n - i : step, nsegs;
        struct seg *segs = io ? io->segs : stack_segs;
        int err = segments(node, index + i, k, masks ? masks + i : NULL, segs, &nsegs, size);
        if (!err)
            err = transfer(node->m, segs, nsegs, pages + i, io ? io->vec : stack_vec, masks != NULL);
        if (err)
            return err;
    }
    if (!masks) { /* past the end (a block's tail, or pieces not read) */
        for (unsigned i = 0; i < n; i++) {
            uint64_t start = (index + i) * PAGE_SIZE;
            size_t keep = size <= start ? 0 : size - start < PAGE_SIZE ? (size_t)(size - start) : PAGE_SIZE;
            memset((uint8_t *)pages[i] + keep, 0, PAGE_SIZE - keep);
        }
    }
    return 0;
}

static int file_read_pages(struct pcache *pc, uint64_t index, unsigned n, void *const pages[], void *scratch)
{
    return file_io(pc, index, n, pages, NULL, scratch);
}

static void async_done(struct blk_request *rq) { pcache_io_end(rq->priv, rq->status); }

/* Reads (@p masks NULL: the next window, pcache_ops.read_async) or
 * writes (the dirty units, pcache_ops.write_async) in the background: the
 * pieces, then one request per run of them that lies together on the
 * disk, the requests and their vectors in one block the cache frees after
 * the last ends (io->owner). A read zeroes holes here, and its pages lie
 * inside the file; a write skips them (a hole is never dirty) and what
 * lies past the end. */
static int file_async(struct pcache *pc, uint64_t index, unsigned n, void *const pages[], const uint8_t masks[],
                      struct pcache_io *io)
{
    struct e2node *node = pc->priv;
    uint32_t sector = node->m->bd->block_size;
    uint64_t size = __atomic_load_n(&node->vi->size, __ATOMIC_ACQUIRE);
    if (!masks && (index + n) * PAGE_SIZE > size)
        return -EAGAIN; /* shrunk meanwhile: every byte must come from a request or a hole */
    struct seg *segs = kmalloc((size_t)n * UNITS * sizeof *segs);
    if (!segs)
        return -ENOMEM;
    unsigned nsegs, nrq = 0;
    int err = segments(node, index, n, masks, segs, &nsegs, size);
    for (unsigned k = 0; !err && k < nsegs; k++)
        if (segs[k].phys && !joins(segs, k))
            nrq++;
    struct blk_request *rq = err || !nsegs ? NULL : kzalloc(nrq * sizeof *rq + (size_t)nsegs * sizeof(struct blk_vec));
    if (!err && nsegs && !rq)
        err = -ENOMEM;
    if (err || !nsegs) { /* !nsegs: nothing to move (a write wholly past the end) */
        kfree(segs);
        return err;
    }
    struct blk_vec *vec = (struct blk_vec *)(rq + nrq);
    unsigned r = 0, nv = 0;
    for (unsigned k = 0; k < nsegs;) {
        if (!segs[k].phys) {
            if (!masks)
                memset((uint8_t *)pages[segs[k].page] + segs[k].at, 0, segs[k].len);
            k++;
            continue;
        }
        unsigned v0 = nv, e = run_vec(segs, k, nsegs, pages, vec, &nv);
        uint64_t bytes = 0;
        for (unsigned j = k; j < e; j++)
            bytes += segs[j].len;
        rq[r++] = (struct blk_request){.op = masks ? BLK_WRITE : BLK_READ, .lba = segs[k].phys / sector,
                                       .count = (uint32_t)(bytes / sector), .vec = vec + v0, .nvec = nv - v0,
                                       .done = async_done, .priv = io};
        k = e;
    }
    kfree(segs);
    io->owner = rq;
    for (unsigned k = 0; k < nrq; k++) {
        pcache_io_start(io);
        int e = blk_submit(node->m->bd, &rq[k]);
        if (e) { /* what went out ends on its own; a window is dropped, a write reports e */
            pcache_io_end(io, e);
            break;
        }
    }
    return 0;
}

static int file_read_async(struct pcache *pc, uint64_t index, unsigned n, void *const pages[],
                           struct pcache_io *io)
{
    return file_async(pc, index, n, pages, NULL, io);
}

static const struct pcache_ops file_pc_ops = {.read = file_read_pages, .read_async = file_read_async, .write = file_io,
                                              .write_async = file_async, .scratch = sizeof(struct io_space)};

static unsigned unit_shift(struct e2mount *m)
{
    unsigned s = 9;
    while ((1u << s) < m->fs.block_size && (1u << s) < PAGE_SIZE)
        s++;
    return s;
}

/* ---- inodes ---- */

/* The VFS inode's fields that a name operation of ext2.c changes in the
 * disk's copy: links, ctime, and a directory's size and mtime. A regular
 * file's size and mtime are the VFS's (write() moves them before they are
 * stored), so they are not taken back. */
static void from_disk(struct e2node *n)
{
    struct inode *vi = n->vi;
    vi->nlink = n->di.links;
    vi->ctime = ns(n->di.ctime);
    if (!S_ISREG(vi->mode)) {
        vi->size = n->di.size;
        vi->mtime = ns(n->di.mtime);
    }
}

/* Store the VFS inode's fields into the disk's copy and the disk; mount lock held. */
static int store(struct e2node *n)
{
    struct inode *vi = n->vi;
    n->di.mode = (uint16_t)vi->mode;
    n->di.uid = vi->uid;
    n->di.gid = vi->gid;
    n->di.size = vi->size;
    n->di.links = (uint16_t)vi->nlink;
    n->di.atime = (uint32_t)(vi->atime / 1000000000ull);
    n->di.mtime = (uint32_t)(vi->mtime / 1000000000ull);
    n->di.ctime = (uint32_t)(vi->ctime / 1000000000ull);
    n->dirty = 0;
    return e2_err(n->m, ext2_write_inode(&n->m->fs, &n->di));
}

static unsigned slot(struct e2mount *m, uint32_t ino) { return ino & (m->buckets - 1); }

/* Twice the buckets; if memory is short, the chains just grow. */
static void grow(struct e2mount *m)
{
    unsigned nb = m->buckets * 2;
    struct e2node **t = kzalloc(nb * sizeof *t);
    if (!t)
        return;
    for (unsigned i = 0; i < m->buckets; i++)
        for (struct e2node *n = m->table[i], *next; n; n = next) {
            next = n->hnext;
            n->hnext = t[n->di.ino & (nb - 1)];
            t[n->di.ino & (nb - 1)] = n;
        }
    kfree(m->table);
    m->table = t;
    m->buckets = nb;
}

static void hash(struct e2mount *m, struct e2node *n)
{
    n->hnext = m->table[slot(m, n->di.ino)];
    m->table[slot(m, n->di.ino)] = n;
    if (++m->nodes > 2 * m->buckets)
        grow(m);
}

static void unhash(struct e2node *n)
{
    struct e2node **p = &n->m->table[slot(n->m, n->di.ino)];
    while (*p != n)
        p = &(*p)->hnext;
    *p = n->hnext;
    n->m->nodes--;
}

/* Let go of @p n, nobody's (not a directory): its pages and fields
 * written back, it leaves the table and memory; mount lock held. Nothing
 * can take a reference meanwhile: every lookup goes through the table. */
static void drop_node(struct e2mount *m, struct e2node *n)
{
    if (S_ISREG(n->vi->mode)) {
        int err = pcache_destroy(&n->pc);
        if (err)
            pr_warn("ext2: %s: inode %u: data lost in write-back (%d)", m->bd->name, n->di.ino, err);
    }
    if (m->rw && n->dirty)
        store(n);
    unhash(n);
    m->cached--;
    kfree(n->target);
    kfree(n->vi);
    kfree(n);
}

/* Over cache_max: a quarter of them that nobody uses go (not @p keep). */
static void trim(struct e2mount *m, struct e2node *keep)
{
    unsigned want = m->cache_max / 4;
    for (unsigned i = 0; i < m->buckets && want; i++)
        for (struct e2node *n = m->table[i], *next; n && want; n = next) {
            next = n->hnext;
            if (n != keep && !S_ISDIR(n->vi->mode) && !__atomic_load_n(&n->vi->refs, __ATOMIC_ACQUIRE)) {
                drop_node(m, n);
                want--;
            }
        }
}

/* A VFS inode for @p di (in @p parent: a directory's ".."); mount lock held. */
static int make_node(struct e2mount *m, const struct ext2_inode *di, struct inode *parent, struct inode **out)
{
    uint32_t type = di->mode & S_IFMT;
    if (type != S_IFREG && type != S_IFDIR && type != S_IFLNK && type != S_IFCHR && type != S_IFBLK &&
        type != S_IFIFO && type != S_IFSOCK)
        return damaged(m, "an inode of no known type");
    /* A directory is kept while the mount lives: the VFS frees an inode
     * with no links at its last reference, so one claiming none is
     * refused rather than freed behind the table. */
    if (type == S_IFDIR && !di->links)
        return damaged(m, "a directory with no links");
    struct e2node *n = kzalloc(sizeof *n);
    if (!n)
        return -ENOMEM;
    n->di = *di;
    int err = 0;
    if (type == S_IFLNK) {
        size_t cap = di->size < m->fs.block_size ? (size_t)di->size + 1 : 1;
        n->target = kmalloc(cap);
        long len = n->target ? ext2_readlink(&m->fs, &n->di, n->target, cap) : -ENOMEM;
        if (len < 0)
            err = len == -ENAMETOOLONG ? -EUCLEAN : (int)len;
    }
    struct inode *vi = err ? NULL : inode_alloc(m->vdev, &e2_iops, di->mode);
    if (!vi) {
        kfree(n->target);
        kfree(n);
        return err ? e2_err(m, err) : -ENOMEM;
    }
    n->m = m;
    n->vi = vi;
    vi->priv = n;
    vi->ino = di->ino;
    vi->uid = di->uid;
    vi->gid = di->gid;
    vi->nlink = di->links;
    vi->size = di->size;
    vi->atime = ns(di->atime);
    vi->mtime = ns(di->mtime);
    vi->ctime = ns(di->ctime);
    if (type == S_IFCHR || type == S_IFBLK) {
        /* Old encoding in i_block[0] (major << 8 | minor), else the new
         * one in i_block[1]: minor's low byte, major, minor's high bits. */
        uint32_t d = di->block[0] ? di->block[0] : di->block[1];
        uint32_t major = (d >> 8) & 0xfff, minor = (d & 0xff) | ((d >> 12) & 0xfff00);
        vi->rdev = major << 8 | (minor & 0xff);
    }
    vi->fops = type == S_IFREG ? &e2_file_ops : type == S_IFDIR ? &e2_dir_ops : NULL;
    if (type == S_IFREG)
        pcache_init(&n->pc, &file_pc_ops, n, unit_shift(m));
    if (type == S_IFDIR) {
        vi->parent = parent ? parent : vi;
    }
    hash(m, n);
    if (type != S_IFDIR && ++m->cached > m->cache_max)
        trim(m, n);
    *out = vi;
    return 0;
}

/* The VFS inode of ext2 inode @p ino, looked up in @p parent (a directory
 * of the mount; NULL for the root): the one in use, or a new one. */
static int e2_inode(struct e2mount *m, uint32_t ino, struct inode *parent, struct inode **out)
{
    for (;;) {
        mutex_lock(&m->lock);
        struct e2node *n = m->table[slot(m, ino)];
        while (n && n->di.ino != ino)
            n = n->hnext;
        if (n && (*out = inode_tryget(n->vi))) {
            mutex_unlock(&m->lock);
            return 0;
        }
        if (n) { /* on its way out: written back, then gone from the table */
            mutex_unlock(&m->lock);
            thread_yield();
            continue;
        }
        struct ext2_inode di;
        int err = ext2_read_inode(&m->fs, ino, &di);
        err = err ? e2_err(m, err) : make_node(m, &di, parent, out);
        mutex_unlock(&m->lock);
        return err;
    }
}

static struct e2node *node_of(struct inode *vi) { return vi->priv; }

/* The VFS frees an inode whose last reference and last link went: free
 * it on the disk. (One with links stays in the table: drop_node().) */
static void e2_evict(struct inode *vi)
{
    struct e2node *n = node_of(vi);
    struct e2mount *m = n->m;
    mutex_lock(&m->lock);
    if (S_ISREG(vi->mode)) {
        if (!vi->nlink)
            pcache_truncate(&n->pc, 0); /* nothing of it is worth writing */
        int err = pcache_destroy(&n->pc);
        if (err)
            pr_warn("ext2: %s: inode %u: data lost in write-back (%d)", m->bd->name, n->di.ino, err);
    }
    if (m->rw) {
        m->fs.now = disk_now(m);
        if (!vi->nlink) {
            n->di.size = vi->size;
            int err = ext2_free_inode(&m->fs, &n->di);
            if (err)
                pr_warn("ext2: %s: inode %u not freed (%d): e2fsck will find it", m->bd->name, n->di.ino,
                        e2_err(m, err));
        } else if (n->dirty) {
            store(n);
        }
    }
    unhash(n);
    if (!S_ISDIR(vi->mode))
        m->cached--;
    mutex_unlock(&m->lock);
    e2names_free(n->names);
    kfree(n->target);
    kfree(n);
}

/* ---- the namespace (under the VFS's namespace lock) ---- */

/* The inode @p name names in directory @p n: from its table of names
 * (made on the first lookup; ext2_names.c), or by walking it when there
 * is none (no memory, or the tables' budget spent). */
static int dir_find(struct e2node *n, const char *name, size_t len, uint32_t *ino)
{
    if (len > 255)
        return -ENAMETOOLONG;
    if (!n->names)
        n->names = e2names_build(&n->m->fs, &n->di);
    return n->names ? e2names_find(n->names, name, len, ino) : ext2_lookup(&n->m->fs, &n->di, name, len, ino);
}

static int e2_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
    struct e2node *n = node_of(dir);
    uint32_t ino;
    int err = dir_find(n, name, len, &ino);
    if (err)
        return err == -ENOENT || err == -ENAMETOOLONG ? err : e2_err(n->m, err);
    return e2_inode(n->m, ino, dir, out);
}

/* VFS positions: 0 and 1 are the VFS's "." and ".."; p >= 2 is byte p - 2
 * of the directory. The disk's own "." and ".." entries are skipped. */
static int e2_readdir(struct inode *dir, uint64_t pos, struct vfs_dirent *out)
{
    static const uint8_t dt[8] = {0, S_IFREG >> 12, S_IFDIR >> 12, S_IFCHR >> 12,
                                  S_IFBLK >> 12, S_IFIFO >> 12, S_IFSOCK >> 12, S_IFLNK >> 12};
    struct e2node *n = node_of(dir);
    uint64_t at = pos < 2 ? 0 : pos - 2;
    struct ext2_dirent d;
    int r;
    while ((r = ext2_readdir(&n->m->fs, &n->di, &at, &d)) == 1) {
        if ((d.name_len == 1 && d.name[0] == '.') ||
            (d.name_len == 2 && d.name[0] == '.' && d.name[1] == '.'))
            continue;
        memcpy(n->m->name, d.name, d.name_len);
        *out = (struct vfs_dirent){d.ino, at + 2, d.type < 8 ? dt[d.type] : 0, n->m->name, d.name_len};
        return 1;
    }
    if (r < 0)
        e2_err(n->m, r); /* readdir has no error to give: the listing ends here */
    return 0;
}

static const char *e2_readlink(struct inode *ino) { return node_of(ino)->target; }

/* Begin a change of the file system: the mount's lock, the clock. */
static struct e2mount *begin(struct inode *dir)
{
    struct e2mount *m = node_of(dir)->m;
    if (!m->rw)
        return NULL;
    mutex_lock(&m->lock);
    m->fs.now = disk_now(m);
    return m;
}

/* Store every inode a name operation changed (NULLs skipped). */
static int finish(struct e2mount *m, int err, struct e2node *a, struct e2node *b, struct e2node *c,
                  struct e2node *d)
{
    struct e2node *all[4] = {a, b, c, d};
    for (int i = 0; i < 4; i++) {
        if (!all[i] || (i && all[i] == all[i - 1]))
            continue;
        from_disk(all[i]);
        int e = store(all[i]);
        if (!err)
            err = e;
    }
    mutex_unlock(&m->lock);
    return err < 0 ? e2_err(m, err) : err;
}

static int e2_create(struct inode *dir, const char *name, size_t len, uint32_t mode, uint32_t rdev,
                     const char *target, struct inode **out)
{
    struct e2mount *m = begin(dir);
    if (!m)
        return -EROFS;
    struct e2node *d = node_of(dir);
    struct ext2_inode di;
    uint32_t type = mode & S_IFMT;
    int err = ext2_new_inode(&m->fs, d->di.ino, (uint16_t)mode, &di);
    if (err) {
        mutex_unlock(&m->lock);
        return e2_err(m, err);
    }
    if (type == S_IFCHR || type == S_IFBLK) {
        uint32_t major = rdev >> 8, minor = rdev & 0xff;
        di.block[1] = (minor & 0xff) | major << 8; /* the new encoding; 0 stays in block[0] */
    }
    if (type == S_IFLNK) {
        size_t tl = strlen(target);
        if (tl < sizeof di.block) { /* fast: the target in i_block itself */
            for (size_t i = 0; i < tl; i++)
                di.block[i / 4] |= (uint32_t)(uint8_t)target[i] << (8 * (i % 4));
            di.size = tl;
        } else if (tl >= m->fs.block_size) {
            err = -ENAMETOOLONG;
        } else {
            long w = ext2_write(&m->fs, &di, 0, target, tl);
            err = w < 0 ? (int)w : 0;
        }
    }
    int named = 0;
    if (!err)
        named = !(err = ext2_name_add(&m->fs, &d->di, name, len, &di));
    if (!err)
        err = ext2_write_inode(&m->fs, &di);
    if (err) { /* nothing of it stays: the name, then the inode */
        if (named)
            ext2_name_remove(&m->fs, &d->di, name, len, &di);
        di.links = 0;
        ext2_free_inode(&m->fs, &di);
        from_disk(d);
        store(d);
        mutex_unlock(&m->lock);
        return e2_err(m, err);
    }
    e2names_set(&d->names, name, len, di.ino);
    err = make_node(m, &di, dir, out);
    return finish(m, err, d, NULL, NULL, NULL);
}

static int e2_link(struct inode *dir, const char *name, size_t len, struct inode *target)
{
    struct e2mount *m = begin(dir);
    if (!m)
        return -EROFS;
    struct e2node *t = node_of(target);
    int err = t->di.links >= 65000 ? -EMLINK : ext2_name_add(&m->fs, &node_of(dir)->di, name, len, &t->di);
    if (!err)
        e2names_set(&node_of(dir)->names, name, len, t->di.ino);
    return finish(m, err, node_of(dir), t, NULL, NULL);
}

static int e2_unlink(struct inode *dir, const char *name, size_t len, struct inode *victim)
{
    struct e2mount *m = begin(dir);
    if (!m)
        return -EROFS;
    int err = ext2_name_remove(&m->fs, &node_of(dir)->di, name, len, &node_of(victim)->di);
    if (!err)
        e2names_remove(node_of(dir)->names, name, len);
    /* A name gone: the VFS frees the inode with its last reference, and
     * e2_evict() frees it on the disk. */
    return finish(m, err, node_of(dir), node_of(victim), NULL, NULL);
}

static int e2_rename(struct inode *odir, const char *name, size_t len, struct inode *ndir, const char *nname,
                     size_t nlen)
{
    struct e2mount *m = node_of(odir)->m;
    if (!m->rw)
        return -EROFS;
    /* The VFS holds both inodes (it looked them up): they are in the table. */
    uint32_t sino, dino = 0;
    int err = dir_find(node_of(odir), name, len, &sino);
    if (!err && dir_find(node_of(ndir), nname, nlen, &dino) != 0)
        dino = 0;
    struct inode *src = NULL, *dst = NULL;
    if (!err)
        err = e2_inode(m, sino, odir, &src);
    if (!err && dino)
        err = e2_inode(m, dino, ndir, &dst);
    if (err) {
        inode_put(src);
        return e2_err(m, err);
    }
    begin(odir);
    err = ext2_name_move(&m->fs, &node_of(odir)->di, name, len, &node_of(ndir)->di, nname, nlen,
                         &node_of(src)->di, dst ? &node_of(dst)->di : NULL);
    if (!err) {
        e2names_remove(node_of(odir)->names, name, len);
        e2names_set(&node_of(ndir)->names, nname, nlen, sino);
    }
    if (!err && S_ISDIR(src->mode))
        src->parent = ndir;
    err = finish(m, err, node_of(odir), node_of(ndir), node_of(src), dst ? node_of(dst) : NULL);
    inode_put(dst);
    inode_put(src);
    return err;
}

/* The VFS changed the mode, owner or times. */
static void e2_changed(struct inode *vi)
{
    struct e2mount *m = node_of(vi)->m;
    if (!m->rw)
        return;
    mutex_lock(&m->lock);
    store(node_of(vi));
    mutex_unlock(&m->lock);
}

/* ---- file data ---- */

static uint64_t pages_of(uint64_t size) { return (size + PAGE_SIZE - 1) / PAGE_SIZE; }

#define READ_RUN 32u /* pages a read() takes from the cache at once */

static long e2_file_read(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    struct e2node *node = node_of(f->inode);
    uint64_t size = __atomic_load_n(&f->inode->size, __ATOMIC_ACQUIRE);
    if (*pos >= size)
        return 0;
    if (n > size - *pos)
        n = (size_t)(size - *pos);
    size_t done = 0;
    long err = 0;
    while (done < n && !err) {
        /* The pages cached already come in runs (one taking of the
         * cache's lock), each copied out and let go. */
        uint64_t at = *pos + done, pa[READ_RUN];
        uint64_t last = (*pos + n - 1) / PAGE_SIZE;
        unsigned want = last - at / PAGE_SIZE + 1 < READ_RUN ? (unsigned)(last - at / PAGE_SIZE + 1) : READ_RUN;
        int got = pcache_get_run(&node->pc, at / PAGE_SIZE, want, pages_of(size), pa);
        if (got < 0) {
            err = got;
            break;
        }
        size_t span = (size_t)got * PAGE_SIZE - at % PAGE_SIZE;
        int ready = !iobuf_prepare(b, done, span < n - done ? span : n - done); /* else page by page */
        for (int i = 0; i < got; i++) {
            size_t off = (*pos + done) % PAGE_SIZE, c = PAGE_SIZE - off < n - done ? PAGE_SIZE - off : n - done;
            const uint8_t *from = (const uint8_t *)hal_phys_to_virt(pa[i]) + off;
            if (!err && (ready ? iobuf_put_prepared(b, done, from, c) : iobuf_put(b, done, from, c)))
                err = -EFAULT;
            file_page_put(pa[i]);
            if (!err)
                done += c;
        }
    }
    if (!done)
        return err ? e2_err(node->m, (int)err) : 0;
    *pos += done;
    return (long)done;
}

/* Blocks for bytes [@p from, @p to) of the file, allocated where missing. */
static int alloc_locked(struct e2node *node, uint64_t from, uint64_t to)
{
    struct e2mount *m = node->m;
    uint32_t bs = m->fs.block_size;
    int err = 0;
    for (uint64_t lb = from / bs; lb * bs < to && !err; lb++) {
        uint32_t pb;
        err = ext2_bmap_alloc(&m->fs, &node->di, lb, &pb, NULL);
    }
    return err;
}

static int alloc_range(struct e2node *node, uint64_t from, uint64_t to)
{
    mutex_lock(&node->m->lock);
    int err = alloc_locked(node, from, to);
    mutex_unlock(&node->m->lock);
    return err;
}

static long e2_file_write(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    struct inode *vi = f->inode;
    struct e2node *node = node_of(vi);
    struct e2mount *m = node->m;
    if (!m->rw)
        return -EROFS;
    if (!n)
        return 0;
    uint64_t max = ext2_max_size(&m->fs);
    if (max > 1ull << 40)
        max = 1ull << 40; /* what vfs_truncate() allows too */
    if (*pos >= max || n > max - *pos)
        return -EFBIG;
    size_t done = 0;
    long err = 0;
    while (done < n) {
        uint64_t at = *pos + done, index = at / PAGE_SIZE, pa;
        size_t off = at % PAGE_SIZE, c = PAGE_SIZE - off < n - done ? PAGE_SIZE - off : n - done;
        /* The page first, then its blocks: a block allocated now holds
         * whatever the disk had, and must not be read into the page.
         * A page wholly written, or past the end, need not be read; one
         * both need not even be zeroed: no reader, mapping or read-ahead
         * goes past the size, which moves only once the page is written
         * (and other writers and truncate wait for the inode's lock). */
        int past = index * PAGE_SIZE >= vi->size;
        int fill = c == PAGE_SIZE && past ? PCACHE_RAW : !(c == PAGE_SIZE || past);
        if ((err = pcache_get_write(&node->pc, index, fill, &pa)) != 0)
            break;
        if ((err = alloc_range(node, at, at + c)) != 0) {
            file_page_put(pa);
            if (fill == PCACHE_RAW)
                pcache_discard(&node->pc, index);
            break;
        }
        if (iobuf_get((uint8_t *)hal_phys_to_virt(pa) + off, b, done, c)) {
            file_page_put(pa);
            if (fill != 1) /* made here, zeroed or not: never seen */
                pcache_discard(&node->pc, index);
            err = -EFAULT;
            break;
        }
        /* The new end first, then the page dirty: a write-back that takes
         * the page between the two writes only what lies inside the size
         * it reads, and would leave the bytes past the old end clean and
         * never written. Dirty while held: a clean page nobody holds may
         * be evicted. */
        done += c;
        if (*pos + done > vi->size)
            __atomic_store_n(&vi->size, *pos + done, __ATOMIC_RELEASE);
        pcache_dirty(&node->pc, index, off, off + c);
        file_page_put(pa);
    }
    if (done < n) {
        /* Blocks allocated past what was written: not the file's. */
        mutex_lock(&m->lock);
        if ((uint64_t)node->di.blocks512 * 512 > vi->size)
            ext2_truncate(&m->fs, &node->di, vi->size);
        mutex_unlock(&m->lock);
    }
    if (!done)
        return e2_err(m, (int)err);
    *pos += done;
    vi->mtime = vi->ctime = ns(disk_now(m));
    node->dirty = 1;
    pcache_balance(&node->pc);
    return (long)done;
}

/* inode_ops.truncate: the inode's data lock held. */
static int e2_truncate(struct inode *vi, uint64_t size)
{
    struct e2node *node = node_of(vi);
    struct e2mount *m = node->m;
    if (!m->rw)
        return -EROFS;
    int err = 0;
    uint64_t old = vi->size;
    if (size < old) {
        /* The size first: a page read in meanwhile (a fault does not take
         * the data lock) then reads zeros past it, not blocks being freed. */
        __atomic_store_n(&vi->size, size, __ATOMIC_RELEASE);
        pcache_truncate(&node->pc, pages_of(size));
        /* The last page's bytes past the end become zeros (a later growth
         * reads them), written back like any other change. */
        uint64_t pa;
        if (size % PAGE_SIZE && (err = pcache_get_write(&node->pc, size / PAGE_SIZE, 1, &pa)) == 0) {
            memset((uint8_t *)hal_phys_to_virt(pa) + size % PAGE_SIZE, 0, PAGE_SIZE - size % PAGE_SIZE);
            pcache_dirty(&node->pc, size / PAGE_SIZE, size % PAGE_SIZE, PAGE_SIZE);
            file_page_put(pa);
        }
        if (err) {
            vi->size = old; /* the dropped pages read back from the disk */
            return e2_err(m, err);
        }
    }
    mutex_lock(&m->lock);
    m->fs.now = disk_now(m);
    err = ext2_truncate(&m->fs, &node->di, size);
    if (!err) {
        vi->size = size;
        vi->mtime = vi->ctime = ns(m->fs.now);
        err = store(node);
    } else {
        vi->size = old;
    }
    mutex_unlock(&m->lock);
    return e2_err(m, err);
}

/* file_ops.page: the cache's frame for a mapping. */
static int e2_file_page(struct file *f, uint64_t index, uint64_t *pa)
{
    uint64_t size = __atomic_load_n(&f->inode->size, __ATOMIC_ACQUIRE);
    if (index >= pages_of(size))
        return -EIO;
    return pcache_get(&node_of(f->inode)->pc, index, pages_of(size), pa);
}

/* file_ops.mkwrite: a shared mapping writes page @p index: its blocks
 * (inside the file: a mapping never grows it), and the cache keeps it
 * dirty while mapped. */
static int e2_file_mkwrite(struct file *f, uint64_t index)
{
    struct e2node *node = node_of(f->inode);
    struct e2mount *m = node->m;
    if (!m->rw)
        return -EROFS;
    /* The size is read under the mount's lock: a fault takes no inode
     * lock, and a truncate that shrank the file meanwhile has published
     * the size before it frees blocks under this lock, so blocks are never
     * given past the end (which e2fsck would find). */
    uint64_t from = index * PAGE_SIZE;
    mutex_lock(&m->lock);
    uint64_t size = __atomic_load_n(&f->inode->size, __ATOMIC_ACQUIRE);
    int err = from >= size ? -EIO : alloc_locked(node, from, from + PAGE_SIZE < size ? from + PAGE_SIZE : size);
    mutex_unlock(&m->lock);
    if (err)
        return e2_err(m, err);
    pcache_mapped_write(&node->pc, index);
    node->vi->mtime = node->vi->ctime = ns(disk_now(m));
    node->dirty = 1;
    return 0;
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
                e = store(n);
            if (e && !err)
                err = e;
        }
    int e = ext2_sync_super(&m->fs);
    mutex_unlock(&m->lock);
    int f = flush_metadata(m);
    return err ? err : e ? e : f;
}

static int e2_sync(struct inode *root) { return e2_err(node_of(root)->m, sync_mount(node_of(root)->m)); }

static int e2_fsync(struct file *f)
{
    struct e2node *n = node_of(f->inode);
    struct e2mount *m = n->m;
    if (!m->rw)
        return 0;
    int err = pcache_writeback(&n->pc);
    mutex_lock(&m->lock);
    int e = n->dirty ? store(n) : 0;
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
    st->blocks = m->fs.blocks;
    st->bfree = m->fs.free_blocks;
    st->bavail = m->fs.free_blocks > m->fs.reserved_blocks ? m->fs.free_blocks - m->fs.reserved_blocks : 0;
    st->files = m->fs.inodes;
    st->ffree = m->fs.free_inodes;
    st->namelen = 255;
    mutex_unlock(&m->lock);
}

static const struct inode_ops e2_iops = {
    .statfs = e2_statfs,
    .lookup = e2_lookup,
    .create = e2_create,
    .link = e2_link,
    .unlink = e2_unlink,
    .rename = e2_rename,
    .readdir = e2_readdir,
    .readlink = e2_readlink,
    .truncate = e2_truncate,
    .evict = e2_evict,
    .unmount = e2_unmount,
    .changed = e2_changed,
    .sync = e2_sync,
};

static const struct file_ops e2_file_ops = {
    .read = e2_file_read,
    .write = e2_file_write,
    .page = e2_file_page,
    .mkwrite = e2_file_mkwrite,
    .fsync = e2_fsync,
    .seekable = 1,
};
static const struct file_ops e2_dir_ops = {.seekable = 1};

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
            pr_warn("ext2: %s: mounted read-only: features %#x/%#x/%#x or counts this kernel would not keep right",
                    bd->name, m->fs.compat, m->fs.incompat, m->fs.ro_compat);
        m->vdev = vfs_new_dev();
        m->epoch = m->fs.now;
        m->mounted_ns = hal_time_ns();
        m->fs.now = disk_now(m);
        if (m->rw && (err = ext2_set_state(&m->fs, 0)) == 0)
            err = pcache_writeback(&m->bc);
        if (!err)
            err = e2_inode(m, 2, NULL, &root);
        if (!err && !S_ISDIR(root->mode))
            err = -EUCLEAN;
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
