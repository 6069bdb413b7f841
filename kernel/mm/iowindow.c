/**
 * @file iowindow.c
 * @brief MMIO window slot bookkeeping shared by the arches' hal_ioremap().
 */
#include <kernel/errno.h>
#include <hal/mmu.h>
#include <kernel/iowindow.h>
#include <kernel/pagetable.h>
#include <kernel/spinlock.h>

#define CHUNK (2ULL << 20)

static struct spinlock window_lock = SPINLOCK_INIT("mmio window");

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
                     struct vm_aspace *as)
{
    for (unsigned s = 0; s < nslots; s++) {
        if (!tags[s])
            continue;
        int err = vm_map(as, base + s * chunk, tags[s] - 1, chunk,
                         MMU_DEVICE | MMU_WRITE | MMU_LARGE);
        if (err)
            return err;
    }
    return 0;
}

void *iowindow_map(uint64_t *tags, unsigned nslots, uintptr_t base, int kernel_tables,
                   void (*boot_map)(unsigned slot, uint64_t first, uint64_t n), uint64_t pa,
                   uint64_t size)
{
    uint64_t first = pa & ~(CHUNK - 1);
    if (size == 0 || pa + size < pa)
        return NULL;
    uint64_t n = (((pa + size - 1) & ~(CHUNK - 1)) - first) / CHUNK + 1;
    int fresh, err = 0;
    irqflags_t f = spin_lock_irqsave(&window_lock);
    long s = iowindow_claim(tags, nslots, first, CHUNK, n > nslots ? 0 : (unsigned)n, &fresh);
    if (s >= 0 && fresh && kernel_tables)
        err = vm_map(vm_kernel_aspace(), base + (uint64_t)s * CHUNK, first, n * CHUNK,
                     MMU_DEVICE | MMU_WRITE | MMU_LARGE);
    else if (s >= 0 && fresh)
        boot_map((unsigned)s, first, n);
    spin_unlock_irqrestore(&window_lock, f);
    if (s < 0 || err)
        return NULL;
    return (void *)(uintptr_t)(base + (uint64_t)s * CHUNK + (pa - first));
}
