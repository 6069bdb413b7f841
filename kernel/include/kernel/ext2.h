/**
 * @file kernel/ext2.h
 * @brief Reading an ext2 file system (revision 0 or 1, as `mke2fs -t ext2`
 *        makes it) from any byte-addressed device: the superblock checked,
 *        inodes, their block maps, directories, symlinks.
 *
 * This is the on-disk half, with no VFS in it: a device is a read
 * function, so the same code serves a virtio-blk partition in the kernel
 * and an image file in the host test (tests/host/test_ext2.c), where
 * images made by the host's mke2fs, and damaged copies of them, are read
 * back. Every structure read from the disk is checked before it is used:
 * a damaged image gives -EUCLEAN and a message in @c fs->err, never a read
 * outside the device or a loop without end.
 *
 * Nothing here allocates, caches or locks: each call reads what it needs
 * (the group descriptor and the inode, then the indirect blocks of the map),
 * so concurrent readers need no lock as long as nothing writes.
 */
#ifndef KERNEL_EXT2_H
#define KERNEL_EXT2_H

#include <stddef.h>
#include <stdint.h>

/** @brief Where the file system lives: bytes at any offset below @c size. */
struct ext2_dev {
    /** Read @p n bytes at byte @p off into @p buf: 0, or -EIO. */
    int (*read)(void *ctx, uint64_t off, void *buf, size_t n);
    /** Write @p n bytes from @p buf at byte @p off: 0, or -EIO. NULL: read-only. */
    int (*write)(void *ctx, uint64_t off, const void *buf, size_t n);
    /** Optional: block [@p off, @p off + @p n) now holds a regular file's
     *  data, which its owner writes by another path than write(): forget
     *  any metadata write of it still pending. */
    void (*forget)(void *ctx, uint64_t off, uint64_t n);
    /** Optional: the @p n bytes at @p off in place (the owner's cache), held
     *  until unmap(@p ctx, *@p token); NULL if they cannot be (then they are
     *  read). Lets a directory block be walked without a copy per entry. */
    const void *(*map)(void *ctx, uint64_t off, size_t n, uintptr_t *token);
    /** Let go of what map() gave. */
    void (*unmap)(void *ctx, uintptr_t token);
    /** Optional: damage found and worked around (the writer goes on). */
    void (*warn)(void *ctx, const char *what);
    void *ctx;     /**< the read function's */
    uint64_t size; /**< the device's size in bytes */
};

/** @name Feature bits (the superblock's s_feature_*) */
/** @{ */
#define EXT2_COMPAT_HAS_JOURNAL 0x0004   /**< ext3's journal: ext2 may read, never write */
#define EXT2_COMPAT_KNOWN 0x0038         /**< ext_attr, resize_inode, dir_index: harmless to a writer that keeps them as they are */
#define EXT2_INCOMPAT_FILETYPE 0x0002    /**< directory entries carry the file type */
#define EXT2_INCOMPAT_RECOVER 0x0004     /**< a journal waits to be replayed */
#define EXT2_INCOMPAT_META_BG 0x0010     /**< group descriptors spread over the disk */
#define EXT2_RO_COMPAT_SPARSE_SUPER 0x0001 /**< superblock copies in groups 0, 1 and powers of 3, 5, 7 */
#define EXT2_RO_COMPAT_LARGE_FILE 0x0002 /**< regular files over 2 GiB (i_size_high) */
/** The incompat features this reader understands: any other refuses the mount. */
#define EXT2_INCOMPAT_KNOWN EXT2_INCOMPAT_FILETYPE
/** The ro_compat features a writer would keep right: any other means read-only. */
#define EXT2_RO_COMPAT_KNOWN (EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE)
/** @} */

/** @brief A mounted (opened) file system: what its superblock says. */
struct ext2_fs {
    const struct ext2_dev *dev; /**< where it is */
    uint32_t block_size;        /**< bytes: 1024 << s_log_block_size */
    uint32_t blocks;            /**< s_blocks_count */
    uint32_t inodes;            /**< s_inodes_count */
    uint32_t first_data_block;  /**< 1 with 1 KiB blocks, else 0 */
    uint32_t blocks_per_group;  /**< s_blocks_per_group */
    uint32_t inodes_per_group;  /**< s_inodes_per_group */
    uint32_t groups;            /**< block groups */
    uint32_t inode_size;        /**< bytes per inode in the table (128 in revision 0) */
    uint32_t first_ino;         /**< the first inode a file may use (11 in revision 0) */
    uint32_t rev;               /**< s_rev_level: 0 or 1 */
    uint32_t compat;            /**< s_feature_compat */
    uint32_t incompat;          /**< s_feature_incompat */
    uint32_t ro_compat;         /**< s_feature_ro_compat */
    int read_only;              /**< only reading is safe (an unknown ro_compat feature, a journal,
                                     counts or a layout a writer would make worse) */
    char ro_why[96];            /**< why @c read_only, when the device could be written */
    uint32_t free_blocks;       /**< s_free_blocks_count, kept here while mounted (ext2_sync_super()) */
    uint32_t free_inodes;       /**< s_free_inodes_count, likewise */
    uint32_t reserved_blocks;   /**< s_r_blocks_count: kept for root (statfs's bavail leaves them out) */
    uint32_t reserved_gdt;      /**< s_reserved_gdt_blocks after each descriptor copy (resize_inode), else 0 */
    uint32_t inode_hint;        /**< the writer's: below it its group's inodes are taken (0: none) */
    uint8_t *groups_checked;    /**< the owner's, one byte a group (zeroed), or NULL: the writer's
                                     check of each group's bitmaps against its counts, once */
    uint32_t now;               /**< seconds since the epoch for the timestamps the writer sets
                                     (ext2_open(): the superblock's last write or mount time) */
    char err[96];               /**< what was wrong, after a call returned -EINVAL or -EUCLEAN */
};

/** @brief An inode as read from its table. */
struct ext2_inode {
    uint32_t ino;        /**< its number */
    uint16_t mode;       /**< S_IFMT and permission bits */
    uint16_t links;      /**< i_links_count */
    uint32_t uid;        /**< owner (with the Linux high half) */
    uint32_t gid;        /**< group (with the Linux high half) */
    uint64_t size;       /**< bytes (i_size_high too, for regular files) */
    uint32_t atime;      /**< last access, seconds since the epoch */
    uint32_t ctime;      /**< last change of the inode */
    uint32_t mtime;      /**< last change of the data */
    uint32_t blocks512;  /**< i_blocks: 512-byte units allocated, metadata blocks included */
    uint32_t flags;      /**< i_flags */
    uint32_t dtime;      /**< i_dtime: when it was deleted, 0 while in use */
    uint32_t add_hint;   /**< in memory only (a directory): the block ext2_dir_add() looks in first */
    uint32_t find_hint;  /**< in memory only (a directory): the block a removal or rename looks in first */
    uint32_t file_acl;   /**< the extended attribute block, 0 none */
    uint32_t block[15];  /**< 12 direct, indirect, double, triple; a fast symlink's target */
};

/** @brief One directory entry, as ext2_readdir() hands it out. */
struct ext2_dirent {
    uint32_t ino;       /**< the inode it names */
    uint8_t type;       /**< the entry's file type (1 regular ... 7 symlink), 0 unknown */
    uint8_t name_len;   /**< bytes of @c name */
    char name[256];     /**< the name, NUL-terminated */
};

/**
 * @brief Read and check the superblock of @p dev into @p fs.
 *
 * Refused (-EINVAL, with the reason in @c fs->err): no ext2 magic, a
 * revision past 1, a block size outside 1-64 KiB, counts that contradict
 * each other or the device's size, an inode size that is not a power of
 * two between 128 and the block size, an incompat feature not in
 * EXT2_INCOMPAT_KNOWN (extents, 64-bit, journal recovery, ...), an inode
 * count other than inodes per group times groups. An unknown ro_compat
 * feature, a journal, free counts past the totals, or group descriptors
 * whose bitmaps or inode table lie outside their group or over other
 * metadata of it (the superblock and descriptor copy, each other) set
 * @c read_only, the reason in @c ro_why: the reader checks every block it
 * reads against the file system's bounds, but a writer would put inodes
 * and blocks over what is not theirs.
 * @retval 0 @p fs describes it
 * @retval -EIO the device could not be read
 */
int ext2_open(struct ext2_fs *fs, const struct ext2_dev *dev);

/**
 * @brief Read inode @p ino.
 * @retval 0 done
 * @retval -EINVAL @p ino is 0 or past s_inodes_count
 * @retval -EUCLEAN its group's inode table lies outside the file system
 * @retval -EIO the device failed
 */
int ext2_read_inode(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out);

/**
 * @brief Blocks the file system's own structures take: the first data
 *        block; where a group holds a superblock copy, the copy, the
 *        descriptor blocks and the reserved descriptor blocks; each group's
 *        bitmaps and inode table. statfs leaves them out of its total, as
 *        Linux does (Debian mounts ext2 with the ext4 driver, which counts
 *        the reserved descriptor blocks too).
 */
uint64_t ext2_overhead(const struct ext2_fs *fs);

/**
 * @brief Whether inode @p in, reached through a name (or the root), may be
 *        used: -EUCLEAN with the reason in @c fs->err for one with no links
 *        (deleted, its blocks free to be handed out), of no known type, a
 *        regular file or directory larger than the block map can address
 *        (12 + p + p^2 + p^3 blocks of p pointers each: a size no map can
 *        back, read without end), or a symlink as long as a block or longer.
 */
int ext2_check_inode(struct ext2_fs *fs, const struct ext2_inode *in);

/**
 * @brief The disk block holding block @p lblock of @p in's data, through
 *        its direct, indirect, double and triple indirect pointers.
 * @param fs the file system
 * @param in the inode
 * @param lblock the block's index in the file
 * @param[out] pblock the block, or 0 for a hole
 * @retval 0 done
 * @retval -EFBIG @p lblock is past what the map can address
 * @retval -EUCLEAN a pointer on the way is past the file system
 * @retval -EIO the device failed
 */
int ext2_bmap(struct ext2_fs *fs, const struct ext2_inode *in, uint64_t lblock, uint32_t *pblock);

/**
 * @brief Read up to @p n bytes of @p in's data at @p off (holes read as
 *        zeros, nothing past the size).
 * @return bytes read (0 at or past the end), or -EUCLEAN / -EIO, or -EFBIG
 *         for a (damaged) size reaching past what the block map can address
 */
long ext2_read(struct ext2_fs *fs, const struct ext2_inode *in, uint64_t off, void *buf, size_t n);

/**
 * @brief The directory entry of @p dir at or after byte *@p pos (entries
 *        whose inode is 0 are skipped); *@p pos moves past it.
 * @retval 1 @p out filled
 * @retval 0 no more entries
 * @retval -ENOTDIR @p dir is not a directory
 * @retval -EUCLEAN an entry's length or name runs past its block, or it
 *         names an inode past s_inodes_count
 * @retval -EIO the device failed
 */
int ext2_readdir(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t *pos,
                 struct ext2_dirent *out);

/**
 * @brief The inode that @p name (@p len bytes) names in @p dir.
 * @retval 0 found, *@p ino set
 * @retval -ENOENT no such entry
 * @retval -ENAMETOOLONG @p len is over 255
 * @retval -ENOTDIR, -EUCLEAN, -EIO as ext2_readdir()
 */
int ext2_lookup(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name, size_t len,
                uint32_t *ino);

/**
 * @brief A symlink's target into @p buf (@p n bytes, NUL-terminated): a
 *        fast one from the inode itself, a slow one from its block.
 * @return the target's length, -EINVAL if @p in is not a symlink,
 *         -ENAMETOOLONG if @p buf is too small, -EUCLEAN, -EIO
 */
long ext2_readlink(struct ext2_fs *fs, const struct ext2_inode *in, char *buf, size_t n);

/* ---- writing (kernel/fs/ext2/ext2_write.c) ----
 *
 * Every call below changes the file system through @c dev->write and
 * needs the caller to serialize it with every other call that writes
 * (one lock per mounted file system). They work on the caller's copy of
 * an inode and change what they say they change in it (block pointers,
 * i_blocks, the size); the caller stores it with ext2_write_inode(). The
 * free counts of the superblock are kept in @c fs and stored by
 * ext2_sync_super(); the group descriptors' are stored at once.
 */

/** @name Directory entry file types (with the filetype feature) */
/** @{ */
#define EXT2_FT_REG 1     /**< a regular file */
#define EXT2_FT_DIR 2     /**< a directory */
#define EXT2_FT_SYMLINK 7 /**< a symbolic link */
/** @} */
#define EXT2_INDEX_FL 0x1000 /**< i_flags: a hashed (htree) directory; a linear writer clears it */

/** @brief The directory entry file type for inode mode @p mode. */
uint8_t ext2_ftype(uint16_t mode);

/** @brief Store @p in (all the fields struct ext2_inode has) into its slot; the rest of the slot stays. */
int ext2_write_inode(struct ext2_fs *fs, const struct ext2_inode *in);

/**
 * @brief Allocate an inode for a new file of @p mode (a directory in the
 *        group with the most free inodes, anything else near its directory
 *        @p dir_ino), zero its slot and fill @p out (links 0, times now).
 * @retval 0 done
 * @retval -ENOSPC no free inode
 * @retval -EUCLEAN a bitmap or group descriptor is damaged
 * @retval -EIO the device failed
 */
int ext2_new_inode(struct ext2_fs *fs, uint32_t dir_ino, uint16_t mode, struct ext2_inode *out);

/**
 * @brief Free inode @p in (its links are gone, nothing has it open): its
 *        blocks, its extended attribute block's reference, its bitmap bit;
 *        the slot keeps the mode with links 0 and a deletion time, as
 *        e2fsck expects of a deleted inode.
 */
int ext2_free_inode(struct ext2_fs *fs, struct ext2_inode *in);

/**
 * @brief ext2_bmap(), allocating what is missing: the block @p lblock and
 *        the indirect blocks on the way (zeroed). A new block of a regular
 *        file's data is handed to @c dev->forget and not written (its owner
 *        writes it); a directory's or symlink's new block is zeroed.
 * @param fs the file system
 * @param in the inode (its block pointers and i_blocks change)
 * @param lblock the block's index in the file
 * @param[out] pblock the block
 * @param[out] fresh 1 if the block was allocated now (may be NULL)
 * @retval 0, -ENOSPC, -EFBIG, -EUCLEAN, -EIO
 */
int ext2_bmap_alloc(struct ext2_fs *fs, struct ext2_inode *in, uint64_t lblock, uint32_t *pblock, int *fresh);

/**
 * @brief Set @p in's size to @p size, freeing every block past it (and
 *        the indirect blocks left empty). The bytes of the last block past
 *        @p size are the caller's to zero (ext2_write() here, the page
 *        cache in the kernel).
 */
int ext2_truncate(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size);

/**
 * @brief Write @p n bytes at @p off of @p in's data through @c dev->write,
 *        allocating blocks (new ones zeroed around the bytes) and growing
 *        the size: for symlinks' blocks, and the host's tests.
 * @return bytes written, or -ENOSPC / -EFBIG / -EUCLEAN / -EIO
 */
long ext2_write(struct ext2_fs *fs, struct ext2_inode *in, uint64_t off, const void *buf, size_t n);

/**
 * @brief The largest size a regular file may have here: what the block map
 *        reaches (12 + p + p^2 + p^3 blocks of p pointers each), what
 *        i_blocks can count, and 2 GiB - 1 in revision 0, which cannot
 *        record large_file. ext2_truncate() and ext2_write() refuse more
 *        (-EFBIG).
 */
uint64_t ext2_max_size(const struct ext2_fs *fs);

/**
 * @brief Add entry @p name -> @p ino (file type @p type) to directory
 *        @p dir: in the first gap large enough, else in a new block (the
 *        size grows). Clears EXT2_INDEX_FL. No check for a duplicate.
 * @retval 0, -ENAMETOOLONG, -ENOSPC, -EUCLEAN, -EIO
 */
int ext2_dir_add(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t len, uint32_t ino,
                 uint8_t type);

/**
 * @brief Remove entry @p name from @p dir (merged into the entry before
 *        it, or made free if first in its block); *@p ino gets what it named.
 * @retval 0, -ENOENT, -EUCLEAN, -EIO
 */
int ext2_dir_remove(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t len, uint32_t *ino);

/** @brief Point existing entry @p name of @p dir at @p ino, type @p type ("..", a rename over a file). */
int ext2_dir_set(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t len, uint32_t ino,
                 uint8_t type);

/** @brief A new directory's first block: "." -> itself, ".." -> @p parent. */
int ext2_dir_init(struct ext2_fs *fs, struct ext2_inode *dir, uint32_t parent);

/**
 * @brief Mark the file system in use (@p clean 0: s_state loses
 *        EXT2_VALID_FS, the mount count and time move on) or cleanly
 *        unmounted (1), storing the free counts either way.
 */
int ext2_set_state(struct ext2_fs *fs, int clean);

/**
 * @brief A new name @p name in @p dir for @p child: a directory entry,
 *        @p child's links (a new directory's "." and "..", made here when
 *        it has no block yet, and @p dir's link from ".."), the times.
 *        The caller stores both inodes.
 */
int ext2_name_add(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t len,
                  struct ext2_inode *child);

/**
 * @brief Remove name @p name of @p dir, which names @p victim: its entry
 *        and link (a directory, empty as the caller checked: all its links,
 *        and @p dir's from its ".."). The caller stores both, and frees
 *        @p victim (ext2_free_inode()) once it has no links and no user.
 * @retval -EUCLEAN the entry names another inode than @p victim
 */
int ext2_name_remove(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t len,
                     struct ext2_inode *victim);

/**
 * @brief Rename: @p name of @p odir (naming @p src) becomes @p nname of
 *        @p ndir, which named @p dst (NULL: nothing; an empty directory if
 *        @p src is one, as the caller checked), who loses that link; a
 *        directory moved to another parent has its ".." and both parents'
 *        links changed. The caller stores every inode passed.
 */
int ext2_name_move(struct ext2_fs *fs, struct ext2_inode *odir, const char *name, size_t len,
                   struct ext2_inode *ndir, const char *nname, size_t nlen, struct ext2_inode *src,
                   struct ext2_inode *dst);

/** @brief Store the superblock's free counts (and large_file, if a file grew past 2 GiB). */
int ext2_sync_super(struct ext2_fs *fs);

#endif
