/**
 * @file kernel/logbuf.h
 * @brief The kernel log's memory: a byte ring of whole records, the oldest
 *        overwritten first, read with a cursor that notices what it missed.
 *
 * klog() appends every line here, whatever the console prints, and `dmesg`
 * reads them back. Pure code (no locks, no allocation): the caller
 * serialises, and the host unit test drives it directly.
 *
 * A record is a level byte, a 16-bit little-endian length and the text,
 * without a newline. Records are numbered from 0 in the order they were
 * appended; a cursor holds the number and the byte position of the next
 * record it will read.
 */
#ifndef KERNEL_LOGBUF_H
#define KERNEL_LOGBUF_H

#include <stddef.h>
#include <stdint.h>

/** @brief Bytes of a record besides its text. */
#define LOGBUF_HDR 3

/** @brief A log ring over memory the caller provides. */
struct logbuf {
    char *mem;           /**< the ring */
    size_t size;         /**< its size in bytes */
    uint64_t head;       /**< byte position after the newest record, counted from the start */
    uint64_t tail;       /**< byte position of the oldest record kept: [tail, head) is kept */
    uint64_t first;      /**< number of the record at @ref tail */
    uint64_t next;       /**< number the next record appended gets */
};

/** @brief Where a reader is: the next record's number and byte position. */
struct logbuf_cursor {
    uint64_t seq; /**< record number */
    uint64_t pos; /**< byte position of that record */
};

/** @brief Start an empty log in @p mem (@p size bytes, at least LOGBUF_HDR + 1). */
void logbuf_init(struct logbuf *lb, char *mem, size_t size);

/**
 * @brief Append a record, dropping the oldest ones until it fits.
 * @return 0, or -EINVAL if @p len is over 65,535 or the record would not fit
 *         in the ring even alone (nothing is dropped then)
 */
int logbuf_append(struct logbuf *lb, unsigned level, const char *text, size_t len);

/** @brief A cursor at the oldest record still kept. */
struct logbuf_cursor logbuf_oldest(const struct logbuf *lb);

/**
 * @brief Copy the record at @p c into @p out and move @p c past it.
 *
 * If records @p c was waiting for were overwritten, @p c first moves to the
 * oldest kept one and @p *lost says how many it missed (0 otherwise).
 * @p out gets at most @p max - 1 bytes of the text and a terminating NUL.
 * @return the text's full length, or -1 if there is no record at @p c yet
 */
long logbuf_read(const struct logbuf *lb, struct logbuf_cursor *c, unsigned *level, char *out,
                 size_t max, uint64_t *lost);

#endif
