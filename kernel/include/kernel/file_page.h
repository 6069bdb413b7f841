/**
 * @file kernel/file_page.h
 * @brief A file's page as a frame that programs map: counted references,
 *        so a file system and every address space mapping the page share one
 *        frame (kernel/mm/file_page.c).
 *
 * The count lives in the frame's struct page owner word, the same word user
 * address spaces count their mappings in (kernel/user/uspace.c), so a
 * mapping of a file page is one more reference and copy-on-write sees the
 * file's own reference as another sharer. PG_FILE in the page's flags marks
 * such a frame: it is the file system's, not a program's, and is not counted
 * among the programs' frames (user_frames_in_use()).
 */
#ifndef KERNEL_FILE_PAGE_H
#define KERNEL_FILE_PAGE_H

#include <stdint.h>

/** @brief struct page flags: a frame counted by file_page_get()/put() (distinct from kmalloc.h's PG_*). */
#define PG_FILE 0x10

/** @brief struct page flags of a file page: hal_icache_sync() was done on it since the kernel
 *  last wrote its bytes (file_page_written()), so a mapping that runs it needs none. */
#define PG_ICLEAN 0x20

/** @brief The kernel wrote bytes of file page @p pa (write(), a truncate's zeroed tail): a
 *  mapping that runs it must make them fetchable again (PG_ICLEAN cleared). */
void file_page_written(uint64_t pa);

/** @brief A zeroed frame for a file's page, one reference (the caller's); 0 if out of memory. */
uint64_t file_page_new(void);
/** @brief As file_page_new(), its bytes left as they were: for a page the
 *  caller fills whole at once (a read from disk into the page cache). */
uint64_t file_page_new_raw(void);
/** @brief One more reference to file page @p pa. */
void file_page_get(uint64_t pa);
/** @brief One reference fewer; the last one frees the frame. */
void file_page_put(uint64_t pa);
/** @brief Whether frame @p pa is a file page. */
int file_page_is(uint64_t pa);
/** @brief File pages allocated now (held by a file, a mapping, or both). */
uint64_t file_pages_in_use(void);

#endif
