/**
 * @file ext2_internal.h
 * @brief What ext2.c (reading) and ext2_write.c (writing) share: the
 *        on-disk field offsets and the checked device access.
 */
#ifndef EXT2_INTERNAL_H
#define EXT2_INTERNAL_H

#include <kernel/ext2.h>

#define EXT2_MAGIC 0xef53
#define SB_OFFSET 1024
#define GD_SIZE 32
#define S_IFMT 0xf000
#define S_IFREG 0x8000
#define S_IFDIR 0x4000
#define S_IFLNK 0xa000
#define S_IFCHR 0x2000
#define S_IFBLK 0x6000
#define S_IFIFO 0x1000
#define S_IFSOCK 0xc000

/* Superblock fields (byte offsets). */
enum {
    SB_INODES = 0, SB_BLOCKS = 4, SB_FIRST_DATA = 20, SB_LOG_BSIZE = 24, SB_BPG = 32, SB_IPG = 40,
    SB_MAGIC = 56, SB_REV = 76, SB_FIRST_INO = 84, SB_INODE_SIZE = 88, SB_COMPAT = 92,
    SB_INCOMPAT = 96, SB_RO_COMPAT = 100, SB_FREE_BLOCKS = 12, SB_FREE_INODES = 16,
};

/* Inode fields. */
enum {
    I_MODE = 0, I_UID = 2, I_SIZE = 4, I_ATIME = 8, I_CTIME = 12, I_MTIME = 16, I_GID = 24,
    I_LINKS = 26, I_BLOCKS = 28, I_FLAGS = 32, I_BLOCK = 40, I_FILE_ACL = 104, I_SIZE_HIGH = 108,
    I_UID_HIGH = 120, I_GID_HIGH = 122, I_BASE_SIZE = 128,
};

/* More of the superblock's fields (byte offsets). */
enum {
    SB_MTIME = 44, SB_WTIME = 48, SB_MNT_COUNT = 52, SB_STATE = 58, SB_RO_COMPAT_OFF = 100,
};
#define EXT2_VALID_FS 1 /* s_state: cleanly unmounted */
#define I_DTIME 20
#define I_EXTRA_ISIZE 128
#define GD_BLOCK_BITMAP 0
#define GD_INODE_BITMAP 4
#define GD_INODE_TABLE 8
#define GD_FREE_BLOCKS 12
#define GD_FREE_INODES 14
#define GD_USED_DIRS 16

/** Record @p what in fs->err; return @p err. */
int ext2_bad(struct ext2_fs *fs, int err, const char *what);
/** Read from the device, refusing a range past its end (-EUCLEAN). */
int ext2_dev_read(struct ext2_fs *fs, uint64_t off, void *buf, size_t n);
/** The first block of group @p g's inode table, checked. */
int ext2_inode_table(struct ext2_fs *fs, uint32_t g, uint32_t *block);
/** Whether group @p g holds a copy of the superblock and descriptors:
 *  all do without sparse_super, else 0, 1 and the powers of 3, 5 and 7. */
int ext2_has_super_copy(const struct ext2_fs *fs, uint32_t g);
/** Blocks of one group's inode table. */
uint32_t ext2_table_blocks(const struct ext2_fs *fs);
/** 0 if @p b is a hole or a block of the file system, else -EUCLEAN. */
int ext2_check_ptr(struct ext2_fs *fs, uint32_t b);

/* A directory block, in place (ext2_dev.map) or read piece by piece. */
struct ext2_view {
    const uint8_t *p; /* the block's bytes, or NULL: read them at base */
    uintptr_t token;  /* map()'s */
    uint64_t base;    /* the block's first byte on the device */
};

/* A directory entry's header, checked against its block. */
struct ext2_entry {
    uint32_t ino, rec; /* rec: its length (65536 for the one 16 bits cannot hold) */
    unsigned len;      /* bytes of its name */
    unsigned type;     /* its file type, 0 without the filetype feature */
};

/** Open a view of block @p pb. */
void ext2_view_open(struct ext2_fs *fs, struct ext2_view *v, uint32_t pb);
/** Close it. */
void ext2_view_close(struct ext2_fs *fs, struct ext2_view *v);
/** @p n bytes at @p off of the viewed block (the caller checked the range). */
int ext2_view_read(struct ext2_fs *fs, const struct ext2_view *v, uint32_t off, void *buf, size_t n);
/** The entry at byte @p boff of the viewed block, its lengths checked (-EUCLEAN). */
int ext2_entry_at(struct ext2_fs *fs, const struct ext2_view *v, uint32_t boff, struct ext2_entry *e);
/** Block @p lb of directory @p dir: -EUCLEAN for a hole. */
int ext2_dir_block(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t lb, uint32_t *pb);

#endif
