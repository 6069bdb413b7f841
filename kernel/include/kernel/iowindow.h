/**
 * @file kernel/iowindow.h
 * @brief Slot bookkeeping for an arch's MMIO window (hal_ioremap).
 *
 * The window is an array of equal chunks (2 MiB on both arches). Each slot
 * records which physical chunk it maps, so that mapping the same registers
 * twice returns the same address instead of using up the window.
 */
#ifndef KERNEL_IOWINDOW_H
#define KERNEL_IOWINDOW_H

#include <stdint.h>

/**
 * @brief Claim @p n consecutive slots for the chunks at @p first,
 *        @p first + @p chunk, ...
 * @param tags   one word per slot: 0 = free, else chunk address + 1
 * @param nslots slots in the window
 * @param first  physical address of the first chunk, chunk-aligned
 * @param chunk  bytes per slot
 * @param n      slots wanted (0 or more than @p nslots: -ENOSPC)
 * @param fresh  set to 1 if the slots are new (the caller writes the page
 *               table entries), 0 if an existing mapping was found
 * @return the first slot's index, or -ENOSPC if no run of @p n fits
 * @note The caller serialises calls (iowindow_map() holds its lock).
 */
long iowindow_claim(uint64_t *tags, unsigned nslots, uint64_t first, uint64_t chunk,
                    unsigned n, int *fresh);

struct vm_aspace;

/**
 * @brief The portable half of hal_ioremap(): claim the 2 MiB chunks that
 *        cover [@p pa, @p pa + @p size) and map fresh ones.
 *
 * Before the kernel's own tables exist (@p kernel_tables 0) the arch maps a
 * fresh run into its boot tables with @p boot_map(slot, first chunk, count);
 * afterwards vm_map() does (device memory, 2 MiB blocks).
 * Serialised by one lock, since drivers may map registers from any thread.
 * @param tags the arch's slot tags (see iowindow_claim())
 * @param nslots slots in the window
 * @param base virtual address of slot 0
 * @param kernel_tables nonzero once hal_mmu_init() switched to the kernel's tables
 * @param boot_map the arch's writer of boot-table entries for a fresh run
 * @param pa physical address of the registers
 * @param size bytes of registers
 * @return the virtual address of @p pa, or NULL (empty or wrapping range,
 *         window full, out of memory for tables)
 * @note Thread context; takes a spinlock with interrupts masked.
 */
void *iowindow_map(uint64_t *tags, unsigned nslots, uintptr_t base, int kernel_tables,
                   void (*boot_map)(unsigned slot, uint64_t first, uint64_t n), uint64_t pa,
                   uint64_t size);

/**
 * @brief Map every claimed slot into @p as (device memory, 2 MiB blocks):
 *        how the arch carries its MMIO window over to new tables.
 * @param tags the arch's slot tags (see iowindow_claim())
 * @param nslots slots in the window
 * @param base virtual address of slot 0
 * @param chunk bytes per slot
 * @param as the address space being built
 * @return 0, or what vm_map() returned for the first slot that failed
 * @note Boot, from hal_mmu_init(), before the new tables are loaded.
 */
int iowindow_map_all(const uint64_t *tags, unsigned nslots, uintptr_t base, uint64_t chunk,
                     struct vm_aspace *as);

#endif
