/**
 * @file ext2_inode.c
 * @brief ext2 in the VFS, inodes and names: the mount's inode table, and
 *        lookup, create, link, unlink, rename, readdir (ext2_vfs.h).
 */
#include "ext2_vfs.h"

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
int e2_store(struct e2node *n)
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
        e2_store(n);
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
    /* Any inode claiming no links is refused, not made: the VFS would free
     * it at its last reference (a directory behind the table, a file's
     * blocks while another name or the bitmap still has them). So is one
     * of no known type, or a size no map can back (a read without end). */
    int err = ext2_check_inode(&m->fs, di);
    if (err)
        return e2_err(m, err);
    struct e2node *n = kzalloc(sizeof *n);
    if (!n)
        return -ENOMEM;
    n->di = *di;
    if (type == S_IFLNK) { /* shorter than a block: ext2_check_inode() */
        size_t cap = (size_t)di->size + 1;
        n->target = kmalloc(cap);
        long len = n->target ? ext2_readlink(&m->fs, &n->di, n->target, cap) : -ENOMEM;
        if (len < 0)
            err = (int)len;
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
        pcache_init(&n->pc, &e2_file_pc_ops, n, unit_shift(m));
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
int e2_inode(struct e2mount *m, uint32_t ino, struct inode *parent, struct inode **out)
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
            e2_store(n);
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
        int e = e2_store(all[i]);
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
        e2_store(d);
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
    e2_store(node_of(vi));
    mutex_unlock(&m->lock);
}

/* i_blocks: data, indirect and attribute blocks, in 512-byte units. */
static uint64_t e2_blocks(const struct inode *ino)
{
    struct e2node *node = ino->priv;
    return __atomic_load_n(&node->di.blocks512, __ATOMIC_RELAXED);
}

const struct inode_ops e2_iops = {
    .super = &e2_super,
    .blocks = e2_blocks,
    .lookup = e2_lookup,
    .create = e2_create,
    .link = e2_link,
    .unlink = e2_unlink,
    .rename = e2_rename,
    .readdir = e2_readdir,
    .readlink = e2_readlink,
    .truncate = e2_truncate,
    .evict = e2_evict,
    .changed = e2_changed,
};
