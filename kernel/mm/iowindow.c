/**
 * @file iowindow.c
 * @brief MMIO window slot bookkeeping shared by the arches' hal_ioremap().
 */
#include <kernel/errno.h>
#include <hal/mmu.h>
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

int iowindow_map_all(const uint64_t *tags, unsigned nslots, uintptr_t base, uint64_t chunk,
                     struct hal_aspace *as)
{
    for (unsigned s = 0; s < nslots; s++) {
        if (!tags[s])
            continue;
        int err = hal_mmu_map(as, base + s * chunk, tags[s] - 1, chunk,
                              MMU_DEVICE | MMU_WRITE | MMU_LARGE);
        if (err)
            return err;
    }
    return 0;
}
