/**
 * @file kernel/unaligned.h
 * @brief Little-endian loads from byte buffers of any alignment.
 *
 * Boot and firmware structures (Multiboot2 tags, ACPI tables) and disk
 * formats (ext2) are byte blobs with no alignment promise; a memcpy keeps
 * the loads well-defined. It is the compiler's __builtin_memcpy, which
 * becomes one plain load or store: the kernel is built with -fno-builtin
 * (string.c must not become calls to itself), under which a memcpy() is
 * always a call, and these sit in hot loops (an ext2 directory scan read
 * each entry's header through four calls, a large share of a `find` over a
 * cached tree). The CPUs allow unaligned access to normal memory; nothing here
 * runs with the MMU off. All our arches are little-endian, as are these
 * formats.
 */
#ifndef KERNEL_UNALIGNED_H
#define KERNEL_UNALIGNED_H

#include <kernel/string.h>
#include <stdint.h>

/** @brief 16-bit little-endian value at @p p. */
static inline uint16_t get_le16(const void *p)
{
    uint16_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

/** @brief 32-bit little-endian value at @p p. */
static inline uint32_t get_le32(const void *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

/** @brief 64-bit little-endian value at @p p. */
static inline uint64_t get_le64(const void *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

/** @brief Store 16-bit @p v little-endian at @p p. */
static inline void put_le16(void *p, uint16_t v) { __builtin_memcpy(p, &v, sizeof v); }

/** @brief Store 32-bit @p v little-endian at @p p. */
static inline void put_le32(void *p, uint32_t v) { __builtin_memcpy(p, &v, sizeof v); }

/** @brief Store 64-bit @p v little-endian at @p p. */
static inline void put_le64(void *p, uint64_t v) { __builtin_memcpy(p, &v, sizeof v); }

#endif
