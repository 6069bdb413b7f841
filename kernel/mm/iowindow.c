/**
 * @file iowindow.c
 * @brief MMIO window slot bookkeeping shared by the arches' hal_ioremap().
 */
#include <kernel/errno.h>
#include <kernel/iowindow.h>

long iowindow_claim(uint64_t *tags, unsigned nslots, uint64_t first, uint64_t chunk,
                    unsigned n, int *fresh)
{
    if (n == 0 || n > nslots)
        return -ENOSPC;
    for (unsigned s = 0; s + n <= nslots; s++) {
        int same = 1, free = 1;
        for (unsigned i = 0; i < n; i++) {
            same &= tags[s + i] == first + i * chunk + 1;
            free &= tags[s + i] == 0;
        }
        if (same || free) {
            for (unsigned i = 0; i < n; i++)
                tags[s + i] = first + i * chunk + 1;
            *fresh = !same;
            return s;
        }
    }
    return -ENOSPC;
}
