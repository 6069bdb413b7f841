/**
 * @file ext2_names.h
 * @brief A directory's names in a hash table (ext2_names.c), so a lookup in
 *        a large ext2 directory does not walk its blocks each time.
 */
#ifndef EXT2_NAMES_H
#define EXT2_NAMES_H

#include <kernel/ext2.h>

struct e2names;

/**
 * @brief Every name of directory @p dir, read once.
 * @return the table, or NULL (out of memory, or the directory could not be
 *         read: the caller walks it as before)
 */
struct e2names *e2names_build(struct ext2_fs *fs, const struct ext2_inode *dir);
/** @brief The inode @p name names in @p t: 0 and *@p ino, or -ENOENT (the table is complete). */
int e2names_find(const struct e2names *t, const char *name, size_t len, uint32_t *ino);
/** @brief Add or repoint @p name; out of memory frees the table (*@p t NULL: walk the blocks). */
void e2names_set(struct e2names **t, const char *name, size_t len, uint32_t ino);
/** @brief Remove @p name (if there). */
void e2names_remove(struct e2names *t, const char *name, size_t len);
/** @brief Free @p t (NULL is fine). */
void e2names_free(struct e2names *t);

#endif
