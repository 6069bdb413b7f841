/**
 * @file kernel/block/part_build.h
 * @brief Writing partition-table fields, for the tests that build tables
 *        (the block ktests and the host test of the parser).
 */
#ifndef KERNEL_BLOCK_PART_BUILD_H
#define KERNEL_BLOCK_PART_BUILD_H

#include <stdint.h>

/** @brief Store @p v little-endian at @p p. */
static inline void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/** @brief Store @p v little-endian at @p p. */
static inline void put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

/** @brief Fill MBR (or EBR) entry @p i: type, first block, blocks. */
static inline void mbr_put_entry(uint8_t *mbr, int i, uint8_t type, uint32_t start, uint32_t n)
{
    uint8_t *e = mbr + 446 + 16 * i;
    e[4] = type;
    put_le32(e + 8, start);
    put_le32(e + 12, n);
}

#endif
