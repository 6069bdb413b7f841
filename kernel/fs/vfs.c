/**
 * @file vfs.c
 * @brief Inodes, path lookup and the namespace calls of the VFS
 *        (kernel/vfs.h); open files are in file.c.
 *
 * Every walk and every change of a directory runs under one mutex, the
 * namespace lock (ns_lock): a lookup sees a consistent tree, a rename
 * cannot race a lookup, and a file system's directory code needs no lock
 * of its own. A walk holds one reference at a time on the directory it is
 * in (so an inode it stands on cannot be freed), and the lock keeps the
 * rest of the path alive.
 */
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/printf.h>
#include <kernel/task.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/signo.h>
#include <kernel/uaccess.h>
#include <kernel/vfs.h>

static struct mutex ns_lock_m; /* initialised by vfs_set_root(), before any use */
static struct spinlock ref_lock = SPINLOCK_INIT("inode refs");
static uint64_t next_ino = 1;
static unsigned next_dev = 1;

static void ns_lock(void) { mutex_lock(&ns_lock_m); }

static void ns_unlock(void) { mutex_unlock(&ns_lock_m); }

uint64_t vfs_now(void) { return clock_wall_ns(); }

uint64_t inode_next_ino(void) { return __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED); }

unsigned vfs_new_dev(void) { return __atomic_fetch_add(&next_dev, 1, __ATOMIC_RELAXED); }

struct inode *inode_alloc(unsigned dev, const struct inode_ops *ops, uint32_t mode)
{
    struct inode *ino = kzalloc(sizeof *ino);
    if (!ino)
        return NULL;
    ino->mode = mode;
    ino->refs = 1;
    ino->dev = dev;
    ino->ops = ops;
    ino->ino = inode_next_ino();
    ino->atime = ino->mtime = ino->ctime = vfs_now();
    mutex_init(&ino->lock, "inode data");
    list_init(&ino->maps);
    mutex_init(&ino->maps_lock, "inode mappings");
    return ino;
}

struct inode *inode_get(struct inode *ino)
{
    irqflags_t f = spin_lock_irqsave(&ref_lock);
    ino->refs++;
    spin_unlock_irqrestore(&ref_lock, f);
    return ino;
}

static void inode_free(struct inode *ino)
{
    if (ino->ops && ino->ops->evict)
        ino->ops->evict(ino);
    kfree(ino);
}

void inode_put(struct inode *ino)
{
    if (!ino)
        return;
    irqflags_t f = spin_lock_irqsave(&ref_lock);
    int last = --ino->refs == 0 && (ino->nlink == 0 || ino->transient);
    spin_unlock_irqrestore(&ref_lock, f);
    if (last)
        inode_free(ino);
}

struct inode *inode_tryget(struct inode *ino)
{
    irqflags_t f = spin_lock_irqsave(&ref_lock);
    int dying = ino->refs == 0 && (ino->nlink == 0 || ino->transient);
    if (!dying)
        ino->refs++;
    spin_unlock_irqrestore(&ref_lock, f);
    return dying ? NULL : ino;
}

void inode_changed(struct inode *ino)
{
    if (ino->ops && ino->ops->changed)
        ino->ops->changed(ino);
}

void inode_drop_link(struct inode *ino)
{
    irqflags_t f = spin_lock_irqsave(&ref_lock);
    int last = ino->nlink && --ino->nlink == 0 && ino->refs == 0;
    spin_unlock_irqrestore(&ref_lock, f);
    if (last)
        inode_free(ino);
}

/* ---- path walking (ns_lock held) ---- */

#define SYMLINK_MAX 40 /* symlinks one lookup follows, as Linux */

struct walk {
    struct inode *root; /* "/" and the top ".." stays at */
    int links;          /* symlinks followed so far */
    /* With want_last (an open): the directory the last name was found in
     * (a reference) and that name, for the file's origin (/proc/PID/fd). */
    int want_last;
    struct inode *last_dir;
    char last_name[VFS_NAME_MAX + 1];
};

static void walk_note_last(struct walk *w, struct inode *dir, const char *name, size_t len)
{
    if (!w->want_last)
        return;
    inode_put(w->last_dir);
    w->last_dir = dir ? inode_get(dir) : NULL;
    memcpy(w->last_name, name, len);
    w->last_name[len] = 0;
}

/* The directory's parent for "..", across a mount and never above the root. */
static struct inode *dotdot(struct walk *w, struct inode *dir)
{
    while (dir != w->root && dir->covers)
        dir = dir->covers; /* a mounted root: ".." is the mount point's */
    if (dir == w->root)
        return dir;
    return dir->parent ? dir->parent : dir;
}

/* What is mounted on @p ino, if anything (a reference moves with it). */
static struct inode *cross_mounts(struct inode *ino)
{
    while (ino->mounted) {
        struct inode *m = inode_get(ino->mounted);
        inode_put(ino);
        ino = m;
    }
    return ino;
}

static int walk_path(struct walk *w, struct inode *dir, const char *path, int follow,
                     struct inode **out);

/* One component @p name of @p dir (a reference, given up): the child, with
 * a final symlink followed if @p follow. */
static int step(struct walk *w, struct inode *dir, const char *name, size_t len, int follow,
                struct inode **out)
{
    if (!S_ISDIR(dir->mode)) {
        inode_put(dir);
        return -ENOTDIR;
    }
    int e = vfs_may(dir, MAY_EXEC); /* searching it, "." and ".." too */
    if (e) {
        inode_put(dir);
        return e;
    }
    if (len > VFS_NAME_MAX) {
        inode_put(dir);
        return -ENAMETOOLONG;
    }
    if (len == 1 && name[0] == '.') {
        walk_note_last(w, NULL, "", 0); /* a directory: named by its parents */
        *out = dir;
        return 0;
    }
    if (len == 2 && name[0] == '.' && name[1] == '.') {
        walk_note_last(w, NULL, "", 0);
        struct inode *up = inode_get(dotdot(w, dir));
        inode_put(dir);
        *out = up;
        return 0;
    }
    struct inode *child;
    e = dir->ops->lookup(dir, name, len, &child);
    if (e) {
        inode_put(dir);
        return e;
    }
    child = cross_mounts(child);
    if (S_ISLNK(child->mode) && follow) {
        if (++w->links > SYMLINK_MAX) {
            inode_put(child);
            inode_put(dir);
            return -ELOOP;
        }
        /* A magic link (/proc/PID/fd/N) stands for an inode, not a path:
         * what it names, even with no name left (a removed file, a pipe). */
        struct inode *magic = child->ops->follow ? child->ops->follow(child) : NULL;
        if (magic) {
            walk_note_last(w, NULL, "", 0);
            inode_put(child);
            inode_put(dir);
            *out = magic;
            return 0;
        }
        const char *target = child->ops->readlink(child);
        struct inode *start = target[0] == '/' ? inode_get(w->root) : inode_get(dir);
        e = walk_path(w, start, target, 1, out);
        inode_put(child);
        inode_put(dir);
        return e;
    }
    walk_note_last(w, dir, name, len);
    inode_put(dir);
    *out = child;
    return 0;
}

/* The next component of *@p p: its start and length; *p moves past it and
 * the slashes after it. 0 at the end. */
static size_t next_name(const char **p, const char **name)
{
    while (**p == '/')
        (*p)++;
    *name = *p;
    size_t n = 0;
    while ((*p)[n] && (*p)[n] != '/')
        n++;
    *p += n;
    return n;
}

/* Walk @p path from @p dir (a reference, given up). A path ending in '/'
 * must name a directory (a final symlink is then followed). */
static int walk_path(struct walk *w, struct inode *dir, const char *path, int follow,
                     struct inode **out)
{
    const char *p = path;
    if (*p == '/') {
        inode_put(dir);
        dir = inode_get(w->root);
    }
    for (;;) {
        const char *name;
        size_t len = next_name(&p, &name);
        if (!len) { /* "" or trailing slashes: the directory itself */
            *out = dir;
            return 0;
        }
        const char *rest = p;
        while (*rest == '/')
            rest++;
        int last = *rest == 0;
        int e = step(w, dir, name, len, last ? follow || *p == '/' : 1, &dir);
        if (e)
            return e;
        if (last) {
            if (*p == '/' && !S_ISDIR(dir->mode)) {
                inode_put(dir);
                return -ENOTDIR;
            }
            *out = dir;
            return 0;
        }
    }
}

static struct inode *root_inode;
static void note_mount(const char *source, const char *path, const char *type, int ro, struct inode *root);

struct inode *vfs_root(void) { return root_inode; }

void vfs_set_root(struct inode *root)
{
    mutex_init(&ns_lock_m, "vfs namespace");
    note_mount("tmpfs", "/", "tmpfs", 0, NULL);
    __atomic_store_n(&root_inode, root, __ATOMIC_RELEASE);
}

/* Where a walk from @p base starts: base, the caller's cwd, or the root. */
static struct inode *start_of(struct inode *base, const char *path)
{
    struct fs_ctx *fs = base ? NULL : task_fs();
    if (path[0] == '/' || (!base && !fs))
        return inode_get(root_inode);
    if (base)
        return inode_get(base);
    return inode_get(fs->cwd ? fs->cwd : root_inode);
}

static int check_path(const char *path)
{
    if (!root_inode)
        return -ENOENT;
    if (!path[0])
        return -ENOENT;
    if (strnlen(path, VFS_PATH_MAX) >= VFS_PATH_MAX)
        return -ENAMETOOLONG;
    return 0;
}

int vfs_lookup(struct inode *base, const char *path, int follow, struct inode **out)
{
    int e = check_path(path);
    if (e)
        return e;
    struct walk w = {.root = root_inode};
    ns_lock();
    e = walk_path(&w, start_of(base, path), path, follow, out);
    ns_unlock();
    return e;
}

/* The parent directory of @p path's last component, and that component
 * (pointing into @p path, *@p len bytes; trailing slashes are not part of
 * it, *@p slash says there were some). ns_lock held. "/" and paths ending
 * in "." or ".." have no last name to create or remove: -EEXIST for
 * create, -EBUSY / -EINVAL / -ENOTEMPTY by the caller's rules. */
static int walk_parent(struct walk *w, struct inode *base, const char *path, struct inode **dir,
                       const char **name, size_t *len, int *slash)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    *slash = path[n] == '/';
    size_t s = n;
    while (s && path[s - 1] != '/')
        s--;
    *name = path + s;
    *len = n - s;
    if (*len > VFS_NAME_MAX)
        return -ENAMETOOLONG;
    struct inode *start = start_of(base, path);
    if (s == 0) {
        *dir = start;
    } else {
        /* The directory part, walked as its own path. */
        char *head = kmalloc(s + 1);
        if (!head) {
            inode_put(start);
            return -ENOMEM;
        }
        memcpy(head, path, s);
        head[s] = 0;
        int e = walk_path(w, start, head, 1, dir);
        kfree(head);
        if (e)
            return e;
    }
    if (!S_ISDIR((*dir)->mode)) {
        inode_put(*dir);
        return -ENOTDIR;
    }
    return 0;
}

static int is_dot(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.') || len == 0;
}

/* The existing child @p name of @p dir (a new reference) or -ENOENT; "."
 * and ".." resolved too. ns_lock held. */
static int child_of(struct walk *w, struct inode *dir, const char *name, size_t len,
                    struct inode **out)
{
    return step(w, inode_get(dir), name, len, 0, out);
}

/* What a call that changes one name works on: the directory and the name. */
struct last {
    struct walk w;
    struct inode *dir; /* a reference */
    const char *name;
    size_t len;
    int slash;         /* the path ended in '/' */
};

/* Check @p path, take the namespace lock and walk to its last name's
 * directory; on success the lock is held (the caller drops it and dir). */
static int begin_last(struct inode *base, const char *path, struct last *l)
{
    int e = check_path(path);
    if (e)
        return e;
    l->w = (struct walk){.root = root_inode};
    ns_lock();
    e = walk_parent(&l->w, base, path, &l->dir, &l->name, &l->len, &l->slash);
    if (e)
        ns_unlock();
    return e;
}

int vfs_create(struct inode *base, const char *path, uint32_t mode, uint32_t rdev, const char *target)
{
    struct last l;
    int e = begin_last(base, path, &l);
    if (e)
        return e;
    struct walk w = l.w;
    struct inode *dir = l.dir, *ino;
    const char *name = l.name;
    size_t len = l.len;
    int slash = l.slash;
    struct fs_ctx *fs = task_fs();
    if (!S_ISLNK(mode))
        mode &= ~(fs ? fs->umask : 0) | S_IFMT;
    if (is_dot(name, len))
        e = -EEXIST;
    else if (slash && !S_ISDIR(mode))
        e = child_of(&w, dir, name, len, &ino) == 0 ? (inode_put(ino), -EEXIST) : -ENOENT;
    else if (child_of(&w, dir, name, len, &ino) == 0) {
        inode_put(ino);
        e = -EEXIST;
    } else if (!dir->nlink)
        e = -ENOENT; /* a removed directory takes no new entries */
    else if (!dir->ops->create)
        e = -EACCES; /* a file system of fixed names (/proc) */
    else if ((e = vfs_may(dir, MAY_WRITE | MAY_EXEC)) == 0) {
        e = dir->ops->create(dir, name, len, mode, rdev, target, &ino);
        if (!e) {
            vfs_own_new(dir, ino);
            inode_put(ino);
        }
    }
    inode_put(dir);
    ns_unlock();
    return e;
}

static int dir_empty(struct inode *dir)
{
    struct vfs_dirent d;
    return dir->ops->readdir(dir, 2, &d) == 0;
}

/* Is @p a (a directory) @p b or above it? ns_lock held. */
static int is_ancestor(struct walk *w, struct inode *a, struct inode *b)
{
    for (struct inode *i = b;; i = dotdot(w, i)) {
        if (i == a)
            return 1;
        if (dotdot(w, i) == i)
            return 0;
    }
}

int vfs_unlink(struct inode *base, const char *path, int rmdir)
{
    struct last l;
    int e = begin_last(base, path, &l);
    if (e)
        return e;
    struct walk w = l.w;
    struct inode *dir = l.dir, *victim;
    const char *name = l.name;
    size_t len = l.len;
    int slash = l.slash;
    if (is_dot(name, len))
        e = rmdir ? (len == 1 ? -EINVAL : len == 0 ? -EBUSY : -ENOTEMPTY) : -EISDIR;
    else
        e = child_of(&w, dir, name, len, &victim);
    if (!e) {
        if ((e = vfs_may_delete(dir, victim)) != 0)
            ;
        else if (rmdir && !S_ISDIR(victim->mode))
            e = -ENOTDIR;
        else if (!rmdir && S_ISDIR(victim->mode))
            e = -EISDIR;
        else if (!rmdir && slash)
            e = -ENOTDIR;
        else if (victim == root_inode || victim->covers || victim->mounted)
            e = -EBUSY;
        else if (!dir->ops->unlink)
            e = -EACCES;
        else if (rmdir && !dir_empty(victim))
            e = -ENOTEMPTY;
        else
            e = dir->ops->unlink(dir, name, len, victim);
        inode_put(victim);
    }
    inode_put(dir);
    ns_unlock();
    return e;
}

int vfs_rename(struct inode *obase, const char *opath, struct inode *nbase, const char *npath)
{
    int e = check_path(opath);
    if (!e)
        e = check_path(npath);
    if (e)
        return e;
    struct walk w = {.root = root_inode};
    struct inode *odir, *ndir, *src = NULL, *dst = NULL;
    const char *oname, *nname;
    size_t olen, nlen;
    int oslash, nslash;
    ns_lock();
    e = walk_parent(&w, obase, opath, &odir, &oname, &olen, &oslash);
    if (e) {
        ns_unlock();
        return e;
    }
    e = walk_parent(&w, nbase, npath, &ndir, &nname, &nlen, &nslash);
    if (e) {
        inode_put(odir);
        ns_unlock();
        return e;
    }
    if (is_dot(oname, olen) || is_dot(nname, nlen))
        e = -EBUSY;
    if (!e)
        e = child_of(&w, odir, oname, olen, &src);
    if (!e)
        e = vfs_may_delete(odir, src);
    if (!e && (oslash || nslash) && !S_ISDIR(src->mode))
        e = -ENOTDIR;
    if (!e && odir->dev != ndir->dev)
        e = -EXDEV;
    if (!e && (src->mounted || src->covers))
        e = -EBUSY;
    if (!e && S_ISDIR(src->mode) && is_ancestor(&w, src, ndir))
        e = -EINVAL; /* into itself */
    if (!e && child_of(&w, ndir, nname, nlen, &dst) == 0) {
        if (dst == src)
            e = 1; /* the same file: nothing to do */
        else if (S_ISDIR(src->mode) && !S_ISDIR(dst->mode))
            e = -ENOTDIR;
        else if (!S_ISDIR(src->mode) && S_ISDIR(dst->mode))
            e = -EISDIR;
        else if (S_ISDIR(dst->mode) && !dir_empty(dst))
            e = -ENOTEMPTY;
        else if (dst->mounted || dst->covers)
            e = -EBUSY;
    }
    if (!e && !ndir->nlink)
        e = -ENOENT;
    /* A name replaced is a name removed; a directory moving to another
     * parent has its ".." rewritten, which takes writing it. */
    if (!e)
        e = dst ? vfs_may_delete(ndir, dst) : vfs_may(ndir, MAY_WRITE | MAY_EXEC);
    if (!e && S_ISDIR(src->mode) && odir != ndir)
        e = vfs_may(src, MAY_WRITE);
    if (!e && !odir->ops->rename)
        e = -EACCES;
    if (!e)
        e = odir->ops->rename(odir, oname, olen, ndir, nname, nlen);
    if (e == 1)
        e = 0;
    inode_put(dst);
    inode_put(src);
    inode_put(odir);
    inode_put(ndir);
    ns_unlock();
    return e;
}

int vfs_link(struct inode *obase, const char *opath, struct inode *nbase, const char *npath, int follow)
{
    int e = check_path(opath);
    if (!e)
        e = check_path(npath);
    if (e)
        return e;
    struct walk w = {.root = root_inode};
    struct inode *target, *dir, *there;
    const char *name;
    size_t len;
    int slash;
    ns_lock();
    e = walk_path(&w, start_of(obase, opath), opath, follow, &target);
    if (e) {
        ns_unlock();
        return e;
    }
    e = walk_parent(&w, nbase, npath, &dir, &name, &len, &slash);
    if (e) {
        inode_put(target);
        ns_unlock();
        return e;
    }
    if (S_ISDIR(target->mode))
        e = -EPERM;
    else if (is_dot(name, len) || child_of(&w, dir, name, len, &there) == 0)
        e = is_dot(name, len) ? -EEXIST : (inode_put(there), -EEXIST);
    else if (slash)
        e = -ENOENT;
    else if (dir->dev != target->dev)
        e = -EXDEV;
    else if (!dir->nlink)
        e = -ENOENT;
    else if ((e = vfs_may(dir, MAY_WRITE | MAY_EXEC)) != 0)
        ;
    else if (!dir->ops->link)
        e = -EACCES;
    else
        e = dir->ops->link(dir, name, len, target);
    inode_put(dir);
    inode_put(target);
    ns_unlock();
    return e;
}

long vfs_readlink(struct inode *base, const char *path, const struct iobuf *b, size_t n)
{
    struct inode *ino;
    int e = vfs_lookup(base, path, 0, &ino);
    if (e)
        return e;
    long r = -EINVAL;
    if (S_ISLNK(ino->mode)) {
        ns_lock();
        const char *t = ino->ops->readlink(ino);
        size_t l = strlen(t);
        if (l > n)
            l = n;
        r = iobuf_put(b, 0, t, l) ? -EFAULT : (long)l;
        ns_unlock();
    }
    inode_put(ino);
    return r;
}

static long path_of_locked(struct inode *dir, char *buf, size_t size);

long vfs_path_of(struct inode *dir, char *buf, size_t size)
{
    ns_lock();
    long r = path_of_locked(dir, buf, size);
    ns_unlock();
    return r;
}

long vfs_dir_path_locked(struct inode *dir, char *buf, size_t size) { return path_of_locked(dir, buf, size); }

/* vfs_path_of() with the namespace lock held. */
static long path_of_locked(struct inode *dir, char *buf, size_t size)
{
    struct walk w = {.root = root_inode};
    if (size < 2)
        return -ERANGE;
    /* Built from the end of @p buf backwards, then moved to its start. */
    size_t at = size - 1;
    buf[at] = 0;
    long e = 0;
    if (!dir->nlink && dir != root_inode)
        e = -ENOENT; /* the working directory was removed */
    for (struct inode *i = dir; !e && i != root_inode;) {
        struct inode *up = dotdot(&w, i);
        struct inode *me = i;
        while (me->covers)
            me = me->covers; /* a mounted root is named by its mount point */
        /* Find me's name in its parent. */
        struct vfs_dirent d;
        uint64_t pos = 2;
        int found = 0;
        while (up->ops->readdir(up, pos, &d) == 1) {
            pos = d.next;
            if (d.ino == me->ino) {
                struct inode *c;
                if (up->ops->lookup(up, d.name, d.len, &c) == 0) {
                    found = c == me;
                    inode_put(c);
                }
                if (found)
                    break;
            }
        }
        if (!found || at < d.len + 1) {
            e = found ? -ERANGE : -ENOENT;
            break;
        }
        at -= d.len;
        memcpy(buf + at, d.name, d.len);
        buf[--at] = '/';
        i = up;
    }
    if (e)
        return e;
    if (at == size - 1)
        buf[--at] = '/';
    size_t len = size - 1 - at;
    memmove(buf, buf + at, len + 1);
    return (long)len;
}

long vfs_real_path(struct inode *base, const char *path, char *buf, size_t size)
{
    char *link = kmalloc(VFS_PATH_MAX); /* a final symlink's target, walked next */
    if (!link)
        return -ENOMEM;
    struct inode *at = base ? inode_get(base) : NULL; /* NULL: the caller's cwd */
    long r;
    for (unsigned links = 0;; links++) {
        struct last l;
        if ((r = begin_last(at, path, &l)) != 0)
            break;
        struct inode *ino = NULL;
        if (!is_dot(l.name, l.len) && (r = child_of(&l.w, l.dir, l.name, l.len, &ino)) == 0 &&
            S_ISLNK(ino->mode)) {
            /* Named through a symlink: the path is where it points. */
            strlcpy(link, ino->ops->readlink(ino), VFS_PATH_MAX);
            ns_unlock();
            inode_put(ino);
            inode_put(at);
            at = l.dir;
            path = link;
            if (links == SYMLINK_MAX) {
                r = -ELOOP;
                break;
            }
            continue;
        }
        ns_unlock();
        if (r == 0 && ino && l.slash && !S_ISDIR(ino->mode))
            r = -ENOTDIR;
        inode_put(ino);
        if (r == 0 && is_dot(l.name, l.len)) {
            /* "/", "." or "..": a directory, named by vfs_path_of() */
            struct inode *dir;
            r = vfs_lookup(at, path, 1, &dir);
            if (r == 0) {
                r = vfs_path_of(dir, buf, size);
                inode_put(dir);
            }
        } else if (r == 0 && (r = vfs_path_of(l.dir, buf, size)) >= 0) {
            size_t n = (size_t)r - (r == 1); /* "/" + name, not "//" + name */
            if (n + 1 + l.len + 1 > size) {
                r = -ERANGE;
            } else {
                buf[n] = '/';
                memcpy(buf + n + 1, l.name, l.len);
                buf[n + 1 + l.len] = 0;
                r = (long)(n + 1 + l.len);
            }
        }
        inode_put(l.dir);
        break;
    }
    inode_put(at);
    kfree(link);
    return r;
}

long vfs_file_link_text(struct file *f, char *buf, size_t size)
{
    struct inode *ino = f->inode;
    long n;
    if (S_ISDIR(ino->mode)) {
        n = path_of_locked(ino, buf, size);
    } else if (f->dir && f->name) {
        n = path_of_locked(f->dir, buf, size);
        if (n == -ENOENT) /* its directory went too */
            n = ksnprintf(buf, size, "/%s (deleted)", f->name);
        else if (n >= 0)
            n += ksnprintf(buf + n, size - (size_t)n, "%s%s%s", n == 1 ? "" : "/", f->name,
                           ino->nlink ? "" : " (deleted)");
    } else if ((ino->mode & S_IFMT) == S_IFIFO) {
        n = ksnprintf(buf, size, "pipe:[%llu]", (unsigned long long)ino->ino);
    } else if ((ino->mode & S_IFMT) == S_IFSOCK) {
        n = ksnprintf(buf, size, "socket:[%llu]", (unsigned long long)ino->ino);
    } else {
        n = ksnprintf(buf, size, "anon_inode:[%llu]", (unsigned long long)ino->ino);
    }
    if (n >= (long)size)
        n = -ENAMETOOLONG;
    return n;
}

/* getdents64's record: d_ino, d_off, d_reclen, d_type, the name and its NUL, 8-aligned. */
uint64_t vfs_blocks(const struct inode *ino)
{
    return ino->ops && ino->ops->blocks ? ino->ops->blocks(ino) : (ino->size + 511) / 512;
}

long vfs_getdents(struct file *f, const struct iobuf *b, size_t n)
{
    struct inode *dir = f->inode;
    if (!S_ISDIR(dir->mode))
        return -ENOTDIR;
    struct walk w = {.root = root_inode};
    size_t used = 0;
    long e = 0;
    ns_lock();
    for (;;) {
        struct vfs_dirent d;
        uint64_t pos = f->pos;
        if (!dir->nlink) {
            e = used ? 0 : -ENOENT; /* a removed directory lists nothing, not even . and .. (Linux) */
            break;
        }
        if (pos == 0 || pos == 1) {
            struct inode *i = pos == 0 ? dir : dotdot(&w, dir);
            d = (struct vfs_dirent){i->ino, pos + 1, S_IFDIR >> 12, "..", pos + 1};
        } else if (dir->ops->readdir(dir, pos, &d) != 1) {
            break; /* the end */
        }
        size_t reclen = (19 + d.len + 1 + 7) & ~(size_t)7;
        if (used + reclen > n) {
            if (!used)
                e = -EINVAL; /* not even one fits */
            break;
        }
        uint8_t rec[19 + VFS_NAME_MAX + 1 + 8];
        memset(rec, 0, reclen);
        int64_t off = (int64_t)d.next;
        uint16_t rl = (uint16_t)reclen;
        memcpy(rec, &d.ino, 8);
        memcpy(rec + 8, &off, 8);
        memcpy(rec + 16, &rl, 2);
        rec[18] = (uint8_t)d.type;
        memcpy(rec + 19, d.name, d.len);
        if (iobuf_put(b, used, rec, reclen)) {
            e = -EFAULT;
            break;
        }
        used += reclen;
        f->pos = d.next;
    }
    ns_unlock();
    dir->atime = vfs_now();
    return used ? (long)used : e;
}

/* What /proc/mounts lists: the root, then each mount in order. */
#define MOUNTS_MAX 16
static struct mount_entry {
    char source[32], path[64], type[16];
    int ro;
    struct inode *root; /* the mounted root, NULL for / */
} mounts[MOUNTS_MAX];
static unsigned nmounts;

static void note_mount(const char *source, const char *path, const char *type, int ro, struct inode *root)
{
    if (nmounts == MOUNTS_MAX)
        return;
    strlcpy(mounts[nmounts].source, source, sizeof mounts[0].source);
    strlcpy(mounts[nmounts].path, path, sizeof mounts[0].path);
    strlcpy(mounts[nmounts].type, type, sizeof mounts[0].type);
    mounts[nmounts].ro = ro;
    mounts[nmounts].root = root;
    nmounts++;
}

int vfs_mount(const char *path, struct inode *root, const char *source, const char *type, int read_only)
{
    struct inode *on;
    int e = vfs_lookup(NULL, path, 1, &on);
    if (e)
        return e;
    if (!S_ISDIR(on->mode) || !S_ISDIR(root->mode)) {
        inode_put(on);
        return -ENOTDIR;
    }
    ns_lock();
    if (on->mounted || root->covers) {
        e = -EBUSY;
    } else {
        on->mounted = inode_get(root);
        root->covers = inode_get(on);
        note_mount(source, path, type, read_only, root);
    }
    ns_unlock();
    inode_put(on);
    return e;
}

/* @p ino's file system as a whole, or NULL. */
static const struct super_ops *super_of(const struct inode *ino) { return ino->ops ? ino->ops->super : NULL; }

int vfs_umount(const char *path)
{
    struct inode *root;
    int e = vfs_lookup(NULL, path, 1, &root);
    if (e)
        return e;
    ns_lock();
    struct inode *on = root->covers;
    if (!on || root == root_inode || on->mounted != root)
        e = -EINVAL;
    else if (root->mounted || !super_of(root) || !super_of(root)->unmount)
        e = -EBUSY; /* another file system on top, or one that stays (/proc) */
    else
        e = super_of(root)->unmount(root, 0);
    if (!e) {
        on->mounted = NULL;
        root->covers = NULL;
        for (unsigned i = nmounts; i-- > 0;)
            if (mounts[i].root == root) {
                memmove(&mounts[i], &mounts[i + 1], (nmounts - i - 1) * sizeof mounts[0]);
                nmounts--;
                break;
            }
    }
    ns_unlock();
    if (e) {
        inode_put(root);
        return e;
    }
    inode_put(on);   /* root->covers' reference */
    inode_put(root); /* on->mounted's */
    inode_put(root); /* ours */
    return super_of(root)->unmount(root, 1);
}

int vfs_mounted_from(const char *source)
{
    int found = 0;
    ns_lock();
    for (unsigned i = 0; i < nmounts && !found; i++)
        found = mounts[i].root && !strcmp(mounts[i].source, source);
    ns_unlock();
    return found;
}

int vfs_read_only(struct inode *ino)
{
    int ro = 0;
    ns_lock();
    for (unsigned i = 0; i < nmounts && !ro; i++)
        ro = mounts[i].root && mounts[i].ro && mounts[i].root->dev == ino->dev;
    ns_unlock();
    return ro ? -EROFS : 0;
}

int vfs_statfs(struct inode *ino, struct vfs_statfs *st)
{
    memset(st, 0, sizeof *st);
    st->bsize = 4096;
    st->namelen = VFS_NAME_MAX;
    if (super_of(ino) && super_of(ino)->statfs)
        super_of(ino)->statfs(ino, st);
    st->read_only = vfs_read_only(ino) != 0;
    return 0;
}

int vfs_sync(struct inode *ino)
{
    int err = 0;
    ns_lock();
    for (unsigned i = 0; i < nmounts; i++) {
        struct inode *root = mounts[i].root;
        if (!root || !super_of(root) || !super_of(root)->sync || (ino && root->dev != ino->dev))
            continue;
        int e = super_of(root)->sync(root);
        if (e && !err)
            err = e;
    }
    ns_unlock();
    return err;
}

/* Move what is mounted on @p from (if anything) to @p to; ns_lock held. */
static void move_mount(struct inode *from, struct inode *to)
{
    struct inode *m = from->mounted;
    if (!m || to->mounted)
        return;
    from->mounted = NULL;
    to->mounted = m;       /* from's reference moves */
    inode_put(m->covers);  /* from */
    m->covers = inode_get(to);
}

/* /proc/mounts lists a mount after the one it is under, as Linux does: the
 * mounts inside @p path (/dev/shm), noted before it (just now, as the root
 * moved), go after it, in their order. ns_lock held. */
static void below_parent(const char *path)
{
    size_t n = strlen(path), last = nmounts - 1;
    for (size_t i = 0, moved = 0; i + moved < last;) {
        if (strncmp(mounts[i].path, path, n) == 0 && mounts[i].path[n] == '/') {
            struct mount_entry me = mounts[i];
            memmove(&mounts[i], &mounts[i + 1], (nmounts - i - 1) * sizeof mounts[0]);
            mounts[nmounts - 1] = me;
            moved++;
        } else {
            i++;
        }
    }
}

/* @p name of the old root, a directory, shown at the same name of the new
 * one (which must have that directory): a bind mount, so /dev and /proc
 * stay the kernel's. ns_lock held. */
static void carry(struct walk *w, struct inode *old, struct inode *new, const char *name, const char *path)
{
    struct inode *from, *to;
    size_t len = strlen(name);
    if (step(w, inode_get(old), name, len, 0, &from) != 0)
        return;
    /* step() crossed into what is mounted on it; its mount point is covers. */
    struct inode *dir = from->covers ? inode_get(from->covers) : NULL;
    if (step(w, inode_get(new), name, len, 0, &to) == 0) {
        if (!S_ISDIR(to->mode) || to->mounted)
            pr_warn("vfs: the new root's /%s is no free directory: the kernel's stays out of reach", name);
        else if (dir)
            move_mount(dir, to);
        else {
            to->mounted = inode_get(from);
            from->covers = inode_get(to);
            note_mount("tmpfs", path, "tmpfs", 0, from);
            below_parent(path);
        }
        inode_put(to);
    } else {
        pr_warn("vfs: the new root has no /%s: the kernel's stays out of reach", name);
    }
    inode_put(dir);
    inode_put(from);
}

int vfs_pivot(const char *path)
{
    struct inode *new;
    int e = vfs_lookup(NULL, path, 1, &new);
    if (e)
        return e;
    ns_lock();
    struct inode *on = new->covers;
    if (!on || new == root_inode || on->mounted != new) {
        ns_unlock();
        inode_put(new);
        return -EINVAL;
    }
    struct walk w = {.root = root_inode};
    struct inode *old = root_inode;
    /* Detach it from its mount point; the mount's reference becomes the root's. */
    on->mounted = NULL;
    new->covers = NULL;
    inode_put(on);
    /* /proc/mounts: the new root first, in the old root's place. */
    for (unsigned i = 0; i < nmounts; i++)
        if (mounts[i].root == new) {
            struct mount_entry me = mounts[i];
            strlcpy(me.path, "/", sizeof me.path);
            memmove(&mounts[1], &mounts[0], i * sizeof mounts[0]);
            mounts[0] = me;
            if (!mounts[1].root) { /* the old root's line */
                memmove(&mounts[1], &mounts[2], (nmounts - 2) * sizeof mounts[0]);
                nmounts--;
            }
            break;
        }
    carry(&w, old, new, "dev", "/dev");
    carry(&w, old, new, "proc", "/proc");
    __atomic_store_n(&root_inode, new, __ATOMIC_RELEASE); /* its reference is ours, for ever */
    ns_unlock();
    return 0;
}

/* @p s into @p buf as /proc's mount tables write a field: space, tab,
 * newline and backslash as octal escapes, so a line splits back on spaces. */
static size_t put_field(char *buf, size_t size, const char *s)
{
    size_t at = 0;
    for (; *s && at < size; s++)
        at += *s == ' ' || *s == '\t' || *s == '\n' || *s == '\\'
                  ? (size_t)ksnprintf(buf + at, size - at, "\\%03o", (unsigned char)*s)
                  : (size_t)ksnprintf(buf + at, size - at, "%c", *s);
    return at;
}

/* The mount whose path is the longest proper directory prefix of mount
 * @p i's: where it is mounted. -1 for / (or none). Lock held. */
static int parent_mount(unsigned i)
{
    int best = -1;
    size_t best_len = 0;
    for (unsigned j = 0; j < nmounts; j++) {
        size_t n = strlen(mounts[j].path);
        if (j == i || strcmp(mounts[i].path, "/") == 0)
            continue;
        int under = strcmp(mounts[j].path, "/") == 0 ||
                    (strncmp(mounts[i].path, mounts[j].path, n) == 0 && mounts[i].path[n] == '/');
        if (under && (best < 0 || n > best_len)) {
            best = (int)j;
            best_len = n;
        }
    }
    return best;
}

long vfs_mounts_text(char *buf, size_t size)
{
    size_t at = 0;
    ns_lock();
    for (unsigned i = 0; i < nmounts && at < size; i++) {
        at += put_field(buf + at, size - at, mounts[i].source);
        at += at < size ? (size_t)ksnprintf(buf + at, size - at, " ") : 0;
        at += at < size ? put_field(buf + at, size - at, mounts[i].path) : 0;
        at += at < size ? (size_t)ksnprintf(buf + at, size - at, " %s %s 0 0\n", mounts[i].type,
                                            mounts[i].ro ? "ro" : "rw")
                        : 0;
    }
    ns_unlock();
    return (long)(at < size ? at : size);
}

/* Mount ids: Linux's start in the twenties; / is mounted on one outside
 * the namespace, which is how its parent shows. */
#define MOUNT_ID0 21

long vfs_mountinfo_text(char *buf, size_t size)
{
    size_t at = 0;
    ns_lock();
    for (unsigned i = 0; i < nmounts && at < size; i++) {
        struct inode *r = mounts[i].root ? mounts[i].root : root_inode;
        unsigned dev = r ? r->dev : 0;
        int parent = parent_mount(i);
        const char *o = mounts[i].ro ? "ro" : "rw";
        /* st_dev as Linux encodes a device number: 12 bits of major, 20 of minor */
        at += (size_t)ksnprintf(buf + at, size - at, "%u %u %u:%u / ", MOUNT_ID0 + i,
                                parent < 0 ? 1u : MOUNT_ID0 + (unsigned)parent, (dev >> 8) & 0xfff,
                                (dev & 0xff) | ((dev >> 12) & 0xfff00));
        at += at < size ? put_field(buf + at, size - at, mounts[i].path) : 0;
        at += at < size ? (size_t)ksnprintf(buf + at, size - at, " %s - %s ", o, mounts[i].type) : 0;
        at += at < size ? put_field(buf + at, size - at, mounts[i].source) : 0;
        at += at < size ? (size_t)ksnprintf(buf + at, size - at, " %s\n", o) : 0;
    }
    ns_unlock();
    return (long)(at < size ? at : size);
}

/* ---- open ---- */

int vfs_open(struct inode *base, const char *path, unsigned flags, uint32_t mode, struct file **out)
{
    /* Linux (6.4 on) refuses the pair whatever the name: before, it made a
     * regular file and then answered ENOTDIR. */
    if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
        return -EINVAL;
    int e = check_path(path);
    if (e)
        return e;
    struct walk w = {.root = root_inode};
    w.want_last = 1;
    struct inode *ino = NULL;
    int created = 0;
    ns_lock();
    if (flags & O_CREAT) {
        /* A final symlink is followed to its target, which is created if
         * it does not exist (as Linux does): each round resolves one name
         * of the chain, from the directory the link is in. */
        struct inode *from = base, *own_from = NULL, *link = NULL;
        const char *at = path;
        for (;;) {
            struct inode *dir, *next = NULL;
            const char *name;
            size_t len;
            int slash;
            e = walk_parent(&w, from, at, &dir, &name, &len, &slash);
            if (e)
                break;
            /* Linux's order: "." or ".." is there already (EEXIST with
             * O_EXCL), a trailing slash never names a file to create. */
            if (is_dot(name, len))
                e = flags & O_EXCL ? -EEXIST : -EISDIR;
            else if (slash)
                e = -EISDIR;
            else if ((e = child_of(&w, dir, name, len, &ino)) == 0) {
                walk_note_last(&w, dir, name, len);
                if (flags & O_EXCL)
                    e = -EEXIST;
                else if (S_ISLNK(ino->mode) && !(flags & O_NOFOLLOW)) {
                    if (++w.links > SYMLINK_MAX)
                        e = -ELOOP;
                    next = ino; /* its target next */
                    ino = NULL;
                }
                if (e && ino) {
                    inode_put(ino);
                    ino = NULL;
                }
            } else if (e == -ENOENT) {
                struct fs_ctx *fs = task_fs();
                uint32_t m = S_IFREG | (mode & 07777 & ~(fs ? fs->umask : 0));
                e = !dir->nlink ? -ENOENT : !dir->ops->create ? -EACCES : vfs_may(dir, MAY_WRITE | MAY_EXEC);
                if (!e)
                    e = dir->ops->create(dir, name, len, m, 0, NULL, &ino);
                if (!e) {
                    flags &= ~(unsigned)O_TRUNC; /* new and empty */
                    created = 1;                 /* opened as asked, whatever its mode */
                    vfs_own_new(dir, ino);
                    walk_note_last(&w, dir, name, len);
                }
            }
            inode_put(link); /* done with its target string (at, name) */
            inode_put(own_from);
            link = next;
            own_from = from = dir;
            if (e || !link)
                break;
            at = link->ops->readlink(link);
            if (!at[0])
                e = -ENOENT;
            if (e)
                break;
        }
        inode_put(link);
        inode_put(own_from);
    } else {
        e = walk_path(&w, start_of(base, path), path, !(flags & O_NOFOLLOW), &ino);
    }
    ns_unlock();
    if (e) {
        inode_put(w.last_dir);
        return e;
    }
    /* Linux's order of refusals: not a directory first (a symlink not
     * followed is not one), then a symlink, then a directory for writing
     * (O_TRUNC asks for that too). O_RDONLY | O_TRUNC truncates a file, as
     * Linux does. */
    if ((flags & O_DIRECTORY) && !S_ISDIR(ino->mode))
        e = -ENOTDIR;
    else if (S_ISLNK(ino->mode) && (flags & O_NOFOLLOW) && !(flags & O_PATH))
        e = -ELOOP;
    else if (S_ISDIR(ino->mode) && ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC))))
        e = -EISDIR;
    else if ((flags & O_ACCMODE) == 3)
        e = -EINVAL;
    else if (flags & O_FOR_EXEC)
        e = !S_ISREG(ino->mode) ? -EACCES : vfs_may(ino, MAY_EXEC);
    else if (!created && !(flags & O_PATH))
        e = vfs_may(ino, ((flags & O_ACCMODE) != O_WRONLY ? MAY_READ : 0) |
                             ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) ? MAY_WRITE : 0));
    if (!e && (flags & O_TRUNC) && S_ISREG(ino->mode) && !(flags & O_PATH))
        e = vfs_truncate(ino, 0);
    if (!e)
        e = vfs_open_inode(ino, flags, out);
    /* Where it was found, for /proc/PID/fd's link (a directory is named by
     * its parents; a pipe has no origin). */
    if (!e && !S_ISDIR(ino->mode) && w.last_dir && w.last_name[0] && !(*out)->dir) {
        size_t n = strlen(w.last_name) + 1;
        (*out)->name = kmalloc(n);
        if ((*out)->name) {
            memcpy((*out)->name, w.last_name, n);
            (*out)->dir = w.last_dir;
            w.last_dir = NULL;
        }
    }
    inode_put(w.last_dir);
    inode_put(ino);
    return e;
}
