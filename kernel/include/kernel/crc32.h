/**
 * @file kernel/crc32.h
 * @brief CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320).
 *
 * Used to checksum images and blobs; the same CRC as zlib, Ethernet and
 * gzip, so values can be cross-checked with ordinary host tools.
 */
#ifndef KERNEL_CRC32_H
#define KERNEL_CRC32_H

#include <stddef.h>
#include <stdint.h>

/** @brief Update crc (0 to start) with len bytes of data; chainable. */
uint32_t crc32(uint32_t crc, const void *data, size_t len);

#endif
