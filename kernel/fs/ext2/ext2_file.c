/**
 * @file ext2_file.c
 * @brief ext2 in the VFS, a regular file's data: its page cache read and
 *        written in runs of blocks that lie together on the disk, read,
 *        write, truncate, mmap's pages, fsync (ext2_vfs.h).
 */
#include "ext2_vfs.h"

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

const struct pcache_ops e2_file_pc_ops = {.read = file_read_pages, .read_async = file_read_async, .write = file_io,
                                              .write_async = file_async, .scratch = sizeof(struct io_space)};

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
int e2_truncate(struct inode *vi, uint64_t size)
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
        err = e2_store(node);
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

/* file_ops.page_cached: the cache's frames there now. */
static unsigned e2_file_page_cached(struct file *f, uint64_t index, unsigned n, uint64_t pa[])
{
    uint64_t size = __atomic_load_n(&f->inode->size, __ATOMIC_ACQUIRE);
    return pcache_get_cached(&node_of(f->inode)->pc, index, n, pages_of(size), pa);
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

const struct file_ops e2_file_ops = {
    .read = e2_file_read,
    .write = e2_file_write,
    .page = e2_file_page,
    .page_cached = e2_file_page_cached,
    .mkwrite = e2_file_mkwrite,
    .fsync = e2_fsync,
    .seekable = 1,
};
const struct file_ops e2_dir_ops = {.seekable = 1};
