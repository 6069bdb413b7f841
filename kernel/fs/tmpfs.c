/**
 * @file tmpfs.c
 * @brief tmpfs: a file system in memory, the root (kernel/vfs.h).
 *
 * A directory is a list of entries in creation order, each with a cookie
 * (its readdir position, never reused in that directory), so a readdir
 * interrupted by creates and unlinks neither repeats nor skips the entries
 * that stayed. A regular file's bytes are pages in an array indexed by
 * page number; a page never written is a hole (reads give zeros), so a
 * sparse file costs what was written. A file copied from the initrd starts
 * on the initrd's own bytes ("borrowed") and gets pages of its own only at
 * the first write or truncate: the initrd is never written, and executing
 * an initrd program copies nothing. A shared mapping (MAP_SHARED) maps the
 * file's own pages: its first write to a page, or first touch of a hole,
 * goes through file_ops.mkwrite, which gives the page a frame of the
 * file's. Shared anonymous memory is a file with no name
 * (tmpfs_shmem_file()), gone with its last mapping. Directory calls run under the VFS
 * namespace lock, file data under the inode's lock (vfs.c, file.c).
 */
#include <kernel/buddy.h>
#include <hal/mmu.h>
#include <kernel/errno.h>
#include <kernel/file_page.h>
#include <kernel/pmm.h>
#include <kernel/initrd.h>
#include <kernel/kmalloc.h>
#include <kernel/list.h>
#include <kernel/log.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/vfs.h>

struct tdirent {
    struct list_node node;
    struct inode *ino;
    uint64_t cookie;
    size_t len;
    char name[];
};

struct tdir {
    struct list_node entries; /* creation order = cookie order */
    uint64_t next_cookie;     /* from 2: 0 and 1 are "." and ".." */
};

struct tfile {
    uint64_t *pages;      /* frame of page n of the file (a file page), 0: a hole */
    size_t cap;           /* slots in pages */
    const void *borrowed; /* the initrd's bytes, until the first change */
    struct spinlock lock; /* pages (the array and its slots), borrowed: file_page() runs without the inode's lock */
};

static const struct inode_ops tmpfs_iops;
static uint64_t npages; /* pages every tmpfs file holds */

uint64_t tmpfs_pages(void) { return __atomic_load_n(&npages, __ATOMIC_RELAXED); }
static const struct file_ops tmpfs_file_ops;
static const struct file_ops tmpfs_dir_ops;

/* ---- regular files ---- */

static void free_pages_from(struct tfile *tf, size_t first)
{
    for (size_t i = first; i < tf->cap; i++) {
        irqflags_t f = spin_lock_irqsave(&tf->lock);
        uint64_t pa = tf->pages[i];
        tf->pages[i] = 0;
        spin_unlock_irqrestore(&tf->lock, f);
        if (pa) {
            file_page_put(pa); /* a program that maps it keeps it until it unmaps */
            __atomic_sub_fetch(&npages, 1, __ATOMIC_RELAXED);
        }
    }
}

static int ensure_cap(struct tfile *tf, size_t npages)
{
    if (npages <= tf->cap)
        return 0;
    size_t cap = tf->cap ? tf->cap : 4;
    while (cap < npages)
        cap *= 2;
    uint64_t *p = kzalloc(cap * sizeof *p);
    if (!p)
        return -ENOSPC;
    irqflags_t f = spin_lock_irqsave(&tf->lock);
    uint64_t *old = tf->pages;
    if (old)
        memcpy(p, old, tf->cap * sizeof *p);
    tf->pages = p;
    tf->cap = cap;
    spin_unlock_irqrestore(&tf->lock, f);
    kfree(old);
    return 0;
}

/* Put @p pa in empty slot @p n (a reference moves in); if the slot was
 * filled meanwhile, @p pa goes back and the slot's frame is the answer. */
static uint64_t install(struct tfile *tf, size_t n, uint64_t pa)
{
    irqflags_t f = spin_lock_irqsave(&tf->lock);
    uint64_t cur = tf->pages[n];
    if (!cur)
        tf->pages[n] = pa;
    spin_unlock_irqrestore(&tf->lock, f);
    if (cur) {
        file_page_put(pa);
        return cur;
    }
    __atomic_add_fetch(&npages, 1, __ATOMIC_RELAXED);
    return pa;
}

/* Page @p n, allocated (zeroed) if it is a hole; NULL: out of memory.
 * The caller holds the inode's lock (so the page stays). */
static uint8_t *page_for_write(struct tfile *tf, size_t n)
{
    uint64_t pa = __atomic_load_n(&tf->pages[n], __ATOMIC_ACQUIRE);
    if (!pa) {
        pa = file_page_new();
        if (!pa)
            return NULL;
        pa = install(tf, n, pa);
    }
    return hal_phys_to_virt(pa);
}

/* Page @p n of a borrowed file as a frame of its own: the initrd's bytes
 * copied (a page cache of the initrd, filled on demand); 0: out of memory. */
static uint64_t page_from_borrowed(struct tfile *tf, const struct inode *ino, const uint8_t *borrowed,
                                   size_t n)
{
    uint64_t pa = file_page_new();
    if (!pa)
        return 0;
    size_t off = n * PAGE_SIZE, c = ino->size - off < PAGE_SIZE ? ino->size - off : PAGE_SIZE;
    memcpy(hal_phys_to_virt(pa), borrowed + off, c);
    return install(tf, n, pa);
}

/* The initrd bytes become pages of the file's own (those a mapping made
 * already stay: they hold the same bytes). Inode lock held. */
static int unborrow(struct inode *ino)
{
    struct tfile *tf = ino->priv;
    if (!tf->borrowed)
        return 0;
    size_t n = (ino->size + PAGE_SIZE - 1) / PAGE_SIZE;
    if (ensure_cap(tf, n))
        return -ENOSPC;
    for (size_t i = 0; i < n; i++) {
        if (!tf->pages[i] && !page_from_borrowed(tf, ino, tf->borrowed, i)) {
            free_pages_from(tf, 0);
            return -ENOSPC;
        }
    }
    irqflags_t f = spin_lock_irqsave(&tf->lock);
    tf->borrowed = NULL;
    spin_unlock_irqrestore(&tf->lock, f);
    return 0;
}

/* The frame of page @p n with a reference for the caller, or 0 (a hole,
 * or not copied from the initrd yet); *@p borrowed: the initrd's bytes,
 * while the file has them. */
static uint64_t page_ref(struct tfile *tf, size_t n, const uint8_t **borrowed)
{
    irqflags_t f = spin_lock_irqsave(&tf->lock);
    *borrowed = tf->borrowed;
    uint64_t pa = n < tf->cap ? tf->pages[n] : 0; /* a borrowed file's: the same bytes */
    if (pa)
        file_page_get(pa);
    spin_unlock_irqrestore(&tf->lock, f);
    return pa;
}

/* Without the inode's lock for pread() and for reads on behalf of a page
 * fault: each page is held by a reference while it is copied, so a
 * truncate meanwhile cannot free it under the copy. */
static long file_read(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    struct inode *ino = f->inode;
    struct tfile *tf = ino->priv;
    uint64_t size = __atomic_load_n(&ino->size, __ATOMIC_ACQUIRE);
    if (*pos >= size)
        return 0;
    if (n > size - *pos)
        n = size - *pos;
    static const uint8_t zeros[512];
    size_t done = 0;
    while (done < n) {
        uint64_t at = *pos + done;
        size_t off = at % PAGE_SIZE, c = PAGE_SIZE - off;
        if (c > n - done)
            c = n - done;
        const uint8_t *borrowed, *src;
        uint64_t pa = page_ref(tf, at / PAGE_SIZE, &borrowed);
        if (pa)
            src = (const uint8_t *)hal_phys_to_virt(pa) + off;
        else if (borrowed)
            src = borrowed + at;
        else {
            src = zeros;
            if (c > sizeof zeros)
                c = sizeof zeros;
        }
        int fault = iobuf_put(b, done, src, c);
        if (pa)
            file_page_put(pa);
        if (fault)
            break;
        done += c;
    }
    if (!done && n)
        return -EFAULT;
    *pos += done;
    ino->atime = vfs_now();
    return (long)done;
}

/* file_ops.page: page @p index (wholly inside the file) as a frame shared
 * with the file, for a private mapping. A hole answers -ENOENT (the
 * mapping makes a zeroed page of its own). */
static int file_page(struct file *f, uint64_t index, uint64_t *pa)
{
    struct inode *ino = f->inode;
    struct tfile *tf = ino->priv;
    const uint8_t *borrowed;
    if (index >= (__atomic_load_n(&ino->size, __ATOMIC_ACQUIRE) + PAGE_SIZE - 1) / PAGE_SIZE)
        return -EIO;
    uint64_t p = page_ref(tf, index, &borrowed);
    if (!p && borrowed) {
        p = page_from_borrowed(tf, ino, borrowed, index);
        if (!p)
            return -ENOMEM;
        file_page_get(p); /* the caller's; the slot keeps the first */
    }
    if (!p)
        return -ENOENT;
    *pa = p;
    return 0;
}

/* file_ops.page_cached: the frames the file has (an initrd's bytes it
 * still borrows are not one until a fault asks for their page: a copy). */
static unsigned file_page_cached(struct file *f, uint64_t index, unsigned n, uint64_t pa[])
{
    struct inode *ino = f->inode;
    struct tfile *tf = ino->priv;
    uint64_t pages = (__atomic_load_n(&ino->size, __ATOMIC_ACQUIRE) + PAGE_SIZE - 1) / PAGE_SIZE;
    unsigned got = 0;
    irqflags_t fl = spin_lock_irqsave(&tf->lock);
    for (unsigned i = 0; i < n; i++) {
        uint64_t k = index + i;
        pa[i] = k < pages && k < tf->cap ? tf->pages[k] : 0;
        if (pa[i])
            file_page_get(pa[i]), got++;
    }
    spin_unlock_irqrestore(&tf->lock, fl);
    return got;
}

/* file_ops.mkwrite: a shared mapping writes page @p index, or touches it
 * while it is a hole: the page gets a frame of the file's own, which the
 * mapping then shares with read() and write() and every other mapper.
 * Without the inode's lock (a fault): the size is checked under the pages'
 * lock, and a truncate publishes its new size before it frees pages, so a
 * page is never given past the end. */
static int file_mkwrite(struct file *f, uint64_t index)
{
    struct inode *ino = f->inode;
    struct tfile *tf = ino->priv;
    const uint8_t *borrowed;
    uint64_t p = page_ref(tf, index, &borrowed);
    if (p) {
        file_page_put(p);
        ino->mtime = ino->ctime = vfs_now(); /* written through a mapping from now on */
        return 0;
    }
    if (borrowed) { /* the initrd's bytes: a copy in the slot, what read() sees too */
        int e = file_page(f, index, &p);
        if (!e) {
            file_page_put(p);
            ino->mtime = ino->ctime = vfs_now();
        }
        return e;
    }
    uint64_t pa = file_page_new();
    if (!pa)
        return -ENOMEM;
    irqflags_t fl = spin_lock_irqsave(&tf->lock);
    uint64_t pages = (__atomic_load_n(&ino->size, __ATOMIC_ACQUIRE) + PAGE_SIZE - 1) / PAGE_SIZE;
    int fits = index < pages && index < tf->cap;
    if (fits && !tf->pages[index]) {
        tf->pages[index] = pa;
        pa = 0;
        __atomic_add_fetch(&npages, 1, __ATOMIC_RELAXED);
    }
    spin_unlock_irqrestore(&tf->lock, fl);
    if (pa)
        file_page_put(pa); /* filled meanwhile, or cut away */
    if (!fits)
        return -EIO;
    ino->mtime = ino->ctime = vfs_now();
    return 0;
}

static long file_write(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    struct inode *ino = f->inode;
    struct tfile *tf = ino->priv;
    if (!n)
        return 0;
    if (*pos > (1ull << 40) || n > (1ull << 40) - *pos)
        return -EFBIG;
    if (unborrow(ino) || ensure_cap(tf, (*pos + n + PAGE_SIZE - 1) / PAGE_SIZE))
        return -ENOSPC;
    size_t done = 0;
    long err = 0;
    while (done < n) {
        uint64_t at = *pos + done;
        size_t off = at % PAGE_SIZE, c = PAGE_SIZE - off;
        if (c > n - done)
            c = n - done;
        uint8_t *pg = page_for_write(tf, at / PAGE_SIZE);
        if (!pg) {
            err = -ENOSPC;
            break;
        }
        int bad = iobuf_get(pg + off, b, done, c);
        file_page_written(__atomic_load_n(&tf->pages[at / PAGE_SIZE], __ATOMIC_ACQUIRE));
        if (bad) {
            err = -EFAULT;
            break;
        }
        done += c;
    }
    if (!done)
        return err;
    *pos += done;
    if (*pos > ino->size)
        ino->size = *pos;
    ino->mtime = ino->ctime = vfs_now();
    return (long)done;
}

static int file_truncate(struct inode *ino, uint64_t size)
{
    struct tfile *tf = ino->priv;
    if (size == ino->size)
        return 0;
    if (unborrow(ino))
        return -ENOSPC;
    if (size < ino->size) {
        size_t keep = (size + PAGE_SIZE - 1) / PAGE_SIZE;
        /* The new size first: a shared mapping's mkwrite meanwhile then
         * fills no slot that is about to be freed. */
        __atomic_store_n(&ino->size, size, __ATOMIC_RELEASE);
        free_pages_from(tf, keep);
        if (size % PAGE_SIZE && keep - 1 < tf->cap && tf->pages[keep - 1])
        {
            memset((uint8_t *)hal_phys_to_virt(tf->pages[keep - 1]) + size % PAGE_SIZE, 0,
                   PAGE_SIZE - size % PAGE_SIZE);
            file_page_written(tf->pages[keep - 1]);
        }
    } else if (ensure_cap(tf, (size + PAGE_SIZE - 1) / PAGE_SIZE)) {
        return -ENOSPC;
    }
    ino->size = size;
    return 0;
}

int tmpfs_set_borrowed(struct inode *ino, const void *data, size_t size)
{
    if (ino->ops != &tmpfs_iops || !S_ISREG(ino->mode) || ino->size)
        return -EINVAL;
    struct tfile *tf = ino->priv;
    if (ensure_cap(tf, (size + PAGE_SIZE - 1) / PAGE_SIZE)) /* file_page() fills slots, never grows the array */
        return -ENOMEM;
    tf->borrowed = data;
    ino->size = size;
    return 0;
}

/* ---- directories ---- */

static struct tdirent *find(struct inode *dir, const char *name, size_t len)
{
    struct tdir *d = dir->priv;
    list_for_each(n, &d->entries) {
        struct tdirent *e = container_of(n, struct tdirent, node);
        if (e->len == len && memcmp(e->name, name, len) == 0)
            return e;
    }
    return NULL;
}

static int add_entry(struct inode *dir, const char *name, size_t len, struct inode *ino)
{
    struct tdir *d = dir->priv;
    struct tdirent *e = kmalloc(sizeof *e + len + 1);
    if (!e)
        return -ENOSPC;
    e->ino = ino;
    e->cookie = d->next_cookie++;
    e->len = len;
    memcpy(e->name, name, len);
    e->name[len] = 0;
    list_add_tail(&d->entries, &e->node);
    dir->mtime = dir->ctime = vfs_now();
    return 0;
}

static void del_entry(struct inode *dir, struct tdirent *e)
{
    list_del(&e->node);
    kfree(e);
    dir->mtime = dir->ctime = vfs_now();
}

static int t_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
    struct tdirent *e = find(dir, name, len);
    if (!e)
        return -ENOENT;
    *out = inode_get(e->ino);
    return 0;
}

static struct inode *new_inode(unsigned dev, uint32_t mode)
{
    struct inode *ino = inode_alloc(dev, &tmpfs_iops, mode);
    if (!ino)
        return NULL;
    size_t priv = S_ISDIR(mode) ? sizeof(struct tdir) : S_ISREG(mode) ? sizeof(struct tfile) : 0;
    if (priv) {
        ino->priv = kzalloc(priv);
        if (!ino->priv) {
            kfree(ino);
            return NULL;
        }
    }
    if (S_ISREG(mode))
        spin_init(&((struct tfile *)ino->priv)->lock, "tmpfs file pages");
    if (S_ISDIR(mode)) {
        struct tdir *d = ino->priv;
        list_init(&d->entries);
        d->next_cookie = 2;
        ino->fops = &tmpfs_dir_ops;
        ino->nlink = 2;
    } else {
        ino->fops = S_ISREG(mode) ? &tmpfs_file_ops : NULL;
        ino->nlink = 1;
    }
    return ino;
}

static int t_create(struct inode *dir, const char *name, size_t len, uint32_t mode, uint32_t rdev,
                    const char *target, struct inode **out)
{
    uint32_t type = mode & S_IFMT;
    if (type != S_IFREG && type != S_IFDIR && type != S_IFLNK && type != S_IFCHR && type != S_IFBLK &&
        type != S_IFIFO && type != S_IFSOCK)
        return -EINVAL;
    struct inode *ino = new_inode(dir->dev, mode);
    if (!ino)
        return -ENOSPC;
    ino->rdev = rdev;
    if (type == S_IFLNK) {
        size_t tl = strlen(target);
        ino->priv = kmalloc(tl + 1);
        if (!ino->priv) {
            kfree(ino);
            return -ENOSPC;
        }
        memcpy(ino->priv, target, tl + 1);
        ino->size = tl;
    }
    if (add_entry(dir, name, len, ino)) {
        ino->nlink = 0;
        inode_put(ino);
        return -ENOSPC;
    }
    if (type == S_IFDIR) {
        ino->parent = dir;
        dir->nlink++; /* the child's ".." */
    }
    *out = ino;
    return 0;
}

static int t_link(struct inode *dir, const char *name, size_t len, struct inode *target)
{
    int e = add_entry(dir, name, len, target);
    if (!e) {
        __atomic_add_fetch(&target->nlink, 1, __ATOMIC_RELAXED);
        target->ctime = vfs_now();
    }
    return e;
}

/* @p victim loses the name @p e in @p dir (the caller holds a reference). */
static void remove_name(struct inode *dir, struct tdirent *e, struct inode *victim)
{
    del_entry(dir, e);
    victim->ctime = vfs_now();
    if (S_ISDIR(victim->mode)) {
        dir->nlink--;             /* its ".." */
        inode_drop_link(victim);  /* its "." */
    }
    inode_drop_link(victim);
}

static int t_unlink(struct inode *dir, const char *name, size_t len, struct inode *victim)
{
    struct tdirent *e = find(dir, name, len);
    if (!e || e->ino != victim)
        return -ENOENT;
    remove_name(dir, e, victim);
    return 0;
}

static int t_rename(struct inode *odir, const char *name, size_t len, struct inode *ndir,
                    const char *nname, size_t nlen)
{
    struct tdirent *e = find(odir, name, len);
    if (!e)
        return -ENOENT;
    struct inode *ino = e->ino;
    struct tdirent *there = find(ndir, nname, nlen);
    /* The new entry first: out of memory leaves everything as it was. */
    struct tdir *nd = ndir->priv;
    struct tdirent *ne = kmalloc(sizeof *ne + nlen + 1);
    if (!ne)
        return -ENOSPC;
    if (there) {
        struct inode *old = inode_get(there->ino);
        remove_name(ndir, there, old);
        inode_put(old);
    }
    ne->ino = ino;
    ne->cookie = nd->next_cookie++;
    ne->len = nlen;
    memcpy(ne->name, nname, nlen);
    ne->name[nlen] = 0;
    list_add_tail(&nd->entries, &ne->node);
    del_entry(odir, e);
    ndir->mtime = ndir->ctime = vfs_now();
    ino->ctime = vfs_now();
    if (S_ISDIR(ino->mode) && odir != ndir) {
        odir->nlink--;
        ndir->nlink++;
        ino->parent = ndir;
    }
    return 0;
}

static int t_readdir(struct inode *dir, uint64_t pos, struct vfs_dirent *out)
{
    struct tdir *d = dir->priv;
    list_for_each(n, &d->entries) {
        struct tdirent *e = container_of(n, struct tdirent, node);
        if (e->cookie >= pos) {
            *out = (struct vfs_dirent){e->ino->ino, e->cookie + 1, (e->ino->mode & S_IFMT) >> 12,
                                       e->name, e->len};
            return 1;
        }
    }
    return 0;
}

static const char *t_readlink(struct inode *ino) { return ino->priv; }

static void t_evict(struct inode *ino)
{
    if (S_ISREG(ino->mode)) {
        struct tfile *tf = ino->priv;
        free_pages_from(tf, 0);
        kfree(tf->pages);
    } else if (S_ISDIR(ino->mode)) {
        struct tdir *d = ino->priv;
        while (!list_empty(&d->entries)) { /* only a root torn down in a test has any */
            struct tdirent *e = container_of(list_first(&d->entries), struct tdirent, node);
            list_del(&e->node);
            kfree(e);
        }
    }
    kfree(ino->priv);
}

/* Like Linux's tmpfs without a size= option: half of RAM is its room. */
static void t_statfs(struct inode *ino, struct vfs_statfs *st)
{
    (void)ino;
    struct pmm_stats ps;
    pmm_stats(&ps);
    uint64_t room = ps.managed_pages / 2, used = tmpfs_pages();
    st->type = 0x01021994; /* TMPFS_MAGIC */
    st->bsize = PAGE_SIZE;
    st->blocks = room;
    st->bfree = st->bavail = used < room ? room - used : 0;
}

static const struct super_ops tmpfs_super = {.statfs = t_statfs};

/* A file's pages held (a hole holds none; the initrd's bytes count as its
 * size until copied), in 512-byte units. */
static uint64_t t_blocks(const struct inode *ino)
{
    if (!S_ISREG(ino->mode))
        return (ino->size + 511) / 512;
    struct tfile *tf = ino->priv;
    irqflags_t f = spin_lock_irqsave(&tf->lock);
    uint64_t n = 0;
    if (tf->borrowed)
        n = (ino->size + PAGE_SIZE - 1) / PAGE_SIZE;
    else
        for (size_t i = 0; i < tf->cap; i++)
            n += tf->pages[i] != 0;
    spin_unlock_irqrestore(&tf->lock, f);
    return n * (PAGE_SIZE / 512);
}

static const struct inode_ops tmpfs_iops = {
    .super = &tmpfs_super,
    .blocks = t_blocks,
    .lookup = t_lookup,
    .create = t_create,
    .link = t_link,
    .unlink = t_unlink,
    .rename = t_rename,
    .readdir = t_readdir,
    .readlink = t_readlink,
    .truncate = file_truncate,
    .evict = t_evict,
};

static const struct file_ops tmpfs_file_ops = {
    .read = file_read,
    .write = file_write,
    .page = file_page,
    .page_cached = file_page_cached,
    .mkwrite = file_mkwrite,
    .seekable = 1,
};

static const struct file_ops tmpfs_dir_ops = {0};

struct file *tmpfs_shmem_file(uint64_t size)
{
    static unsigned dev;
    struct tfile *tf = kzalloc(sizeof *tf);
    if (!tf)
        return NULL;
    spin_init(&tf->lock, "tmpfs file pages");
    struct file *f = NULL;
    if (ensure_cap(tf, (size + PAGE_SIZE - 1) / PAGE_SIZE) == 0)
        f = file_anon(&dev, &tmpfs_iops, &tmpfs_file_ops, O_RDWR, NULL);
    if (!f) {
        kfree(tf->pages);
        kfree(tf);
        return NULL;
    }
    struct inode *ino = f->inode; /* nameless (nlink 0): gone with the last mapping */
    ino->mode = S_IFREG | 0600;
    ino->priv = tf;
    ino->fops = &tmpfs_file_ops;
    ino->size = size;
    return f;
}

struct inode *tmpfs_new_root(void)
{
    struct inode *root = new_inode(vfs_new_dev(), S_IFDIR | 0755);
    if (root)
        root->parent = root;
    return root;
}
