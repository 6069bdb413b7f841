/**
 * @file test_crc32.c
 * @brief Host tests for kernel/lib/crc32.c.
 *
 * Checks the standard check value, chaining, empty input, and agreement with
 * an obviously-correct bitwise reference on pseudo-random data of many sizes.
 */
#include <kernel/crc32.h>

#include "check.h"

static uint32_t ref_crc32(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    }
    return ~crc;
}

int main(void)
{
    CHECK_EQ_HEX(crc32(0, "123456789", 9), 0xCBF43926u);
    CHECK_EQ_HEX(crc32(0, "", 0), 0);
    CHECK_EQ_HEX(crc32(0, NULL, 0), 0);
    CHECK_EQ_HEX(crc32(0x12345678u, "", 0), 0x12345678u);
    CHECK_EQ_HEX(crc32(0, "a", 1), 0xE8B7BE43u);
    CHECK_EQ_HEX(crc32(0, "The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
    CHECK_EQ_HEX(crc32(crc32(0, "12345", 5), "6789", 4), 0xCBF43926u);

    static unsigned char buf[4096];
    uint32_t seed = 1;
    for (size_t i = 0; i < sizeof buf; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (unsigned char)(seed >> 16);
    }
    for (size_t n = 0; n <= sizeof buf; n = n ? n * 2 + 1 : 1)
        CHECK_EQ_HEX(crc32(0, buf, n), ref_crc32(0, buf, n));
    for (size_t split = 0; split <= 1000; split += 37)
        CHECK_EQ_HEX(crc32(crc32(0, buf, split), buf + split, 1000 - split),
                     crc32(0, buf, 1000));
    CHECK_EQ_HEX(crc32(0xDEADBEEFu, buf, 100), ref_crc32(0xDEADBEEFu, buf, 100));
    return CHECK_DONE("test_crc32");
}
