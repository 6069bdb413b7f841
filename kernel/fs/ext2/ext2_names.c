/**
 * @file ext2_names.c
 * @brief A large directory's names, hashed (ext2_names.h).
 *
 * ext2 directories are linear lists: a lookup reads every entry before the
 * one it wants, and a miss reads them all, so making, stat-ing or removing
 * each of a directory's n files costs n^2 entry reads. Linux answers that
 * with its dentry cache; this is the same idea at ext2's level: the first
 * lookup in a large directory reads its names into a table (chained,
 * FNV-1a, grown to keep chains short), and the VFS operations that change
 * the directory keep the table in step under the namespace lock, as
 * every lookup runs under it too. A miss in a complete table is an answer:
 * ENOENT without reading the disk. Out of memory, the table goes and
 * lookups walk the blocks again, so nothing depends on it.
 *
 * Every table together holds at most two names per page of RAM (a name
 * takes 32-64 bytes of heap: 1.5-3% of RAM at the limit); past that, no
 * table is made or grows, and those directories are walked.
 */
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/pmm.h>
#include <kernel/string.h>
#include "ext2_names.h"

struct name {
    struct name *next;
    uint32_t hash, ino;
    uint8_t len;
    char text[];
};

struct e2names {
    struct name **bucket;
    uint32_t mask; /* buckets - 1 */
    uint32_t count;
};

static size_t names_total; /* in every table */

/* Whether @p more names fit the budget (and count them if so). */
static int budget_take(size_t more)
{
    static size_t limit;
    if (!limit) {
        struct pmm_stats ps;
        pmm_stats(&ps);
        limit = 2 * ps.managed_pages;
    }
    if (__atomic_add_fetch(&names_total, more, __ATOMIC_RELAXED) <= limit)
        return 1;
    __atomic_sub_fetch(&names_total, more, __ATOMIC_RELAXED);
    return 0;
}

static uint32_t fnv(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    while (n--)
        h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

static struct name **where(const struct e2names *t, const char *s, size_t len, uint32_t h)
{
    struct name **p = &t->bucket[h & t->mask];
    while (*p && !((*p)->hash == h && (*p)->len == len && !memcmp((*p)->text, s, len)))
        p = &(*p)->next;
    return p;
}

void e2names_free(struct e2names *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i <= t->mask; i++)
        while (t->bucket[i]) {
            struct name *n = t->bucket[i];
            t->bucket[i] = n->next;
            kfree(n);
        }
    __atomic_sub_fetch(&names_total, t->count, __ATOMIC_RELAXED);
    kfree(t->bucket);
    kfree(t);
}

/* Twice the buckets once there are more names than buckets; 0 or -ENOMEM. */
static int grow(struct e2names *t)
{
    uint32_t size = (t->mask + 1) * 2;
    struct name **b = kzalloc(size * sizeof *b);
    if (!b)
        return -ENOMEM;
    for (uint32_t i = 0; i <= t->mask; i++)
        while (t->bucket[i]) {
            struct name *n = t->bucket[i];
            t->bucket[i] = n->next;
            n->next = b[n->hash & (size - 1)];
            b[n->hash & (size - 1)] = n;
        }
    kfree(t->bucket);
    t->bucket = b;
    t->mask = size - 1;
    return 0;
}

static int put(struct e2names *t, const char *s, size_t len, uint32_t ino)
{
    uint32_t h = fnv(s, len);
    struct name **p = where(t, s, len, h);
    if (*p) {
        (*p)->ino = ino;
        return 0;
    }
    if (t->count > t->mask && grow(t))
        return -ENOMEM;
    if (!budget_take(1))
        return -ENOMEM;
    struct name *n = kmalloc(sizeof *n + len);
    if (!n) {
        __atomic_sub_fetch(&names_total, 1, __ATOMIC_RELAXED);
        return -ENOMEM;
    }
    n->hash = h;
    n->ino = ino;
    n->len = (uint8_t)len;
    memcpy(n->text, s, len);
    n->next = t->bucket[h & t->mask];
    t->bucket[h & t->mask] = n;
    t->count++;
    return 0;
}

struct e2names *e2names_build(struct ext2_fs *fs, const struct ext2_inode *dir)
{
    struct e2names *t = kzalloc(sizeof *t);
    struct ext2_dirent *d = t ? kmalloc(sizeof *d) : NULL;
    if (t)
        t->bucket = kzalloc(64 * sizeof *t->bucket);
    if (!d || !t->bucket) {
        kfree(d);
        if (t)
            kfree(t->bucket);
        kfree(t);
        return NULL;
    }
    t->mask = 63;
    uint64_t pos = 0;
    int r;
    while ((r = ext2_readdir(fs, dir, &pos, d)) == 1)
        if (put(t, d->name, d->name_len, d->ino))
            break;
    kfree(d);
    if (r != 0) { /* out of memory, or the directory is damaged: walk it instead */
        e2names_free(t);
        return NULL;
    }
    return t;
}

int e2names_find(const struct e2names *t, const char *name, size_t len, uint32_t *ino)
{
    struct name *n = *where(t, name, len, fnv(name, len));
    if (!n)
        return -ENOENT;
    *ino = n->ino;
    return 0;
}

void e2names_set(struct e2names **t, const char *name, size_t len, uint32_t ino)
{
    if (*t && put(*t, name, len, ino)) {
        e2names_free(*t);
        *t = NULL;
    }
}

void e2names_remove(struct e2names *t, const char *name, size_t len)
{
    if (!t)
        return;
    struct name **p = where(t, name, len, fnv(name, len));
    if (*p) {
        struct name *n = *p;
        *p = n->next;
        kfree(n);
        t->count--;
        __atomic_sub_fetch(&names_total, 1, __ATOMIC_RELAXED);
    }
}
