/**
 * @file kernel/unaligned.h
 * @brief Little-endian loads from byte buffers of any alignment.
 *
 * Boot and firmware structures (Multiboot2 tags, ACPI tables) are byte
 * blobs with no alignment promise; memcpy keeps the loads well-defined and
 * compiles to a plain load where the CPU allows it. Both our arches are
 * little-endian, as are these formats.
 */
#ifndef KERNEL_UNALIGNED_H
#define KERNEL_UNALIGNED_H

#include <kernel/string.h>
#include <stdint.h>

/** @brief 16-bit little-endian value at @p p. */
static inline uint16_t get_le16(const void *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/** @brief 32-bit little-endian value at @p p. */
static inline uint32_t get_le32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/** @brief 64-bit little-endian value at @p p. */
static inline uint64_t get_le64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/** @brief Store 16-bit @p v little-endian at @p p. */
static inline void put_le16(void *p, uint16_t v) { memcpy(p, &v, sizeof v); }

/** @brief Store 32-bit @p v little-endian at @p p. */
static inline void put_le32(void *p, uint32_t v) { memcpy(p, &v, sizeof v); }

#endif
