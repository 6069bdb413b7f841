/**
 * @file chksum.c
 * @brief The Internet checksum lwIP uses (LWIP_CHKSUM, lwipopts.h): plain C
 *        with no kernel dependency, so the host's fuzzer builds it too.
 */
#include <stdint.h>

uint16_t lwip_port_chksum(const void *data, int len);

typedef uint32_t __attribute__((may_alias)) u32a;
typedef uint16_t __attribute__((may_alias)) u16a;

/* 32-bit loads summed into 64 bits (no carry to fold until the end),
 * four at a time; an odd start is summed shifted by a byte and swapped
 * back, as the one's-complement sum allows. */
uint16_t lwip_port_chksum(const void *data, int len)
{
    const uint8_t *p = data;
    uint64_t sum = 0;
    int odd = (uintptr_t)p & 1;
    if (len <= 0)
        return 0;
    if (odd) {
        sum = (uint64_t)*p << 8; /* little-endian: the byte's place in a swapped word */
        p++;
        len--;
    }
    if (len >= 2 && ((uintptr_t)p & 2)) {
        sum += *(const u16a *)p;
        p += 2;
        len -= 2;
    }
    while (len >= 16) {
        const u32a *w = (const u32a *)p;
        sum += (uint64_t)w[0] + w[1] + w[2] + w[3];
        p += 16;
        len -= 16;
    }
    while (len >= 4) {
        sum += *(const u32a *)p;
        p += 4;
        len -= 4;
    }
    if (len >= 2) {
        sum += *(const u16a *)p;
        p += 2;
        len -= 2;
    }
    if (len)
        sum += *p;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    if (odd)
        sum = ((sum & 0xff) << 8) | (sum >> 8);
    return (uint16_t)sum;
}
