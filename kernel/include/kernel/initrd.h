/**
 * @file kernel/initrd.h
 * @brief The initial ramdisk: a `newc` cpio or ustar archive the boot
 *        loader put in memory (aarch64 `-initrd`, x86_64 GRUB `module2`),
 *        read in place. The build packs the modules and eBPF programs into
 *        it (scripts/mkinitrd.py).
 *
 * The archive is parsed on every lookup by archive_next(), which never
 * reads outside the archive however it is damaged: a malformed header ends
 * the walk with -EINVAL (and the files before it stay usable). Paths are
 * matched without their leading "/" or "./", so `cat /hello.txt` and
 * `cat hello.txt` are the same file.
 */
#ifndef KERNEL_INITRD_H
#define KERNEL_INITRD_H

#include <stddef.h>
#include <stdint.h>

/** @brief One archive member, pointing into the archive. */
struct archive_entry {
    const char *name;  /**< not NUL-terminated: name_len bytes, leading "/" and "./" removed */
    size_t name_len;  /**< bytes of name */
    const void *data;  /**< the contents (regular files) */
    size_t size;       /**< bytes of data */
    uint32_t mode;     /**< st_mode bits: 0100000 regular file, 0040000 directory, ... */
};

/** @name Entry types (mode & 0170000) */
/** @{ */
#define ARCHIVE_S_IFMT 0170000 /**< the type bits of a mode */
#define ARCHIVE_S_IFREG 0100000 /**< a regular file */
#define ARCHIVE_S_IFDIR 0040000 /**< a directory */
/** @} */

/**
 * @brief The member at *@p pos of the archive [@p base, @p base + @p size)
 *        (newc cpio, "070701", or ustar, detected per member), and advance
 *        *@p pos past it. Start with *@p pos = 0.
 * @retval 1 @p e filled in
 * @retval 0 the end (the cpio trailer, two zero ustar blocks, or the end of the bytes)
 * @retval -EINVAL a damaged header (bad magic or number, a name or size
 *         running past the end); nothing after it can be read
 * @note Pure function of its arguments; any context.
 */
int archive_next(const void *base, size_t size, size_t *pos, struct archive_entry *e);

/**
 * @brief The contents of the regular file @p path in the initrd.
 * @retval 0 found: *@p data, *@p size set (read-only, valid forever)
 * @retval -ENOENT no such file, or no initrd
 * @retval -EINVAL the archive is damaged before the file is reached
 * @note Thread context.
 */
int initrd_find(const char *path, const void **data, size_t *size);

/** @brief @p path without its leading "/" and "./" (the archive's names have none). */
const char *initrd_strip(const char *path);

/**
 * @brief The whole initrd, for walking it with archive_next().
 * @retval 0 set; -ENOENT no initrd (or not in the direct map)
 */
int initrd_get(const void **base, size_t *size);

#endif
