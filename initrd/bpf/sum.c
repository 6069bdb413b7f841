/* A "mem" program, packed as raw instructions (sum.bin): the sum of the
 * bytes r1 points at, r2 of them. `bpf run sum.bin 0102030405` prints 0xf. */
#include <stdint.h>

__attribute__((section("mem"), used)) uint64_t sum_bytes(const uint8_t *p, uint64_t len)
{
    uint64_t s = 0;
    if (len > 4096)
        len = 4096;
    for (uint64_t i = 0; i < len; i++)
        s += p[i];
    return s;
}
