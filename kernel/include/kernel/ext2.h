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
    void *ctx;     /**< the read function's */
    uint64_t size; /**< the device's size in bytes */
};

/** @name Feature bits (the superblock's s_feature_*) */
/** @{ */
#define EXT2_COMPAT_HAS_JOURNAL 0x0004   /**< ext3's journal: ext2 may read, never write */
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
    int read_only;              /**< only reading is safe (an unknown ro_compat feature, a journal) */
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
 * EXT2_INCOMPAT_KNOWN (extents, 64-bit, journal recovery, ...). An unknown
 * ro_compat feature, or a journal, sets @c read_only.
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
 * @return bytes read (0 at or past the end), or -EUCLEAN / -EIO
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

#endif
