/**
 * @file ext2_vfs.h
 * @brief What the three parts of ext2 in the VFS share (kernel/fs/ext2/):
 *        the mount and the inode as this side keeps them, and the calls
 *        between the parts. ext2_super.c: the device, sync, mounting;
 *        ext2_inode.c: inodes and the namespace; ext2_file.c: a file's data.
 *
 * The on-disk format is ext2.c's and ext2_write.c's; these give them a
 * device and the VFS's inodes. Two kinds of cache sit under them:
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
#ifndef KERNEL_FS_EXT2_VFS_H
#define KERNEL_FS_EXT2_VFS_H

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

extern const struct inode_ops e2_iops;
extern const struct file_ops e2_file_ops, e2_dir_ops;
extern const struct pcache_ops e2_file_pc_ops;
extern const struct super_ops e2_super;

static inline uint64_t ns(uint32_t s) { return (uint64_t)s * 1000000000ull; }

/* Seconds since the epoch for the disk: the wall clock's, or without one
 * (no RTC) its last time at mount plus the time since. Never 0 or tiny:
 * e2fsck reads a deleted inode's small deletion time as a link of an
 * orphan list. */
static inline uint32_t disk_now(struct e2mount *m)
{
    uint64_t wall;
    uint32_t t = clock_realtime(&wall) == 0 ? (uint32_t)(wall / NSEC_PER_SEC)
                                            : m->epoch + (uint32_t)((hal_time_ns() - m->mounted_ns) / NSEC_PER_SEC);
    return t > 1000000000u ? t : 1000000000u;
}

/* An error from ext2.c, for the caller; damage is reported once. */
static inline int e2_err(struct e2mount *m, int err)
{
    if (err == -EUCLEAN && !m->warned) {
        m->warned = 1;
        pr_warn("ext2: %s: %s (reported once; the access fails with EUCLEAN)", m->bd->name, m->fs.err);
    }
    return err;
}

static inline int damaged(struct e2mount *m, const char *what)
{
    strlcpy(m->fs.err, what, sizeof m->fs.err);
    return e2_err(m, -EUCLEAN);
}

/* The ext2 node behind a VFS inode. */
static inline struct e2node *node_of(struct inode *vi) { return vi->priv; }

/* The page cache's unit for a file: a block, or a page if blocks are larger. */
static inline unsigned unit_shift(struct e2mount *m)
{
    unsigned s = 9;
    while ((1u << s) < m->fs.block_size && (1u << s) < PAGE_SIZE)
        s++;
    return s;
}

/* ext2_inode.c */
/** @brief Store @p n's VFS inode into the disk's copy, if it changed (mount lock held). */
int e2_store(struct e2node *n);
/** @brief The VFS inode of ext2 inode @p ino (a new reference in *@p out), from the table or made. */
int e2_inode(struct e2mount *m, uint32_t ino, struct inode *parent, struct inode **out);

/* ext2_file.c */
/** @brief inode_ops->truncate: a regular file's new size. */
int e2_truncate(struct inode *vi, uint64_t size);

/* ext2_super.c */
/** @brief file_ops->fsync: the file's data, then the metadata it needs. */
int e2_fsync(struct file *f);

#endif
