/**
 * @file crc32.c
 * @brief Nibble-at-a-time CRC-32 (IEEE 802.3).
 *
 * A 16-entry table computed at compile time by a constant-expression macro
 * is a good middle ground: 64 bytes of rodata, no initialisation order
 * problems, no hand-typed magic numbers, and a quarter of the loop steps
 * of a bitwise CRC.
 */
#include <kernel/crc32.h>

#define CRC32_POLY 0xEDB88320u

/* One reflected shift step of the CRC register. */
#define STEP(c) (((c) >> 1) ^ (((c) & 1u) ? CRC32_POLY : 0u))
/* Remainder of a 4-bit value n after four shift steps. */
#define NIB(n) STEP(STEP(STEP(STEP((uint32_t)(n)))))

static const uint32_t crc_nibble[16] = {
    NIB(0),  NIB(1),  NIB(2),  NIB(3),  NIB(4),  NIB(5),  NIB(6),  NIB(7),
    NIB(8),  NIB(9),  NIB(10), NIB(11), NIB(12), NIB(13), NIB(14), NIB(15),
};

uint32_t crc32(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;
    crc = ~crc;
    while (len--) {
        crc ^= *p++;
        crc = (crc >> 4) ^ crc_nibble[crc & 0xFu];
        crc = (crc >> 4) ^ crc_nibble[crc & 0xFu];
    }
    return ~crc;
}
