/**
 * @file efi_mmap.c
 * @brief UEFI's memory map read into boot_info: for the stub's handoff
 *        (efi.c) and Multiboot2's EFI memory map tag alike. No HAL: the
 *        host tests and fuzzers link it.
 */
#include <boot/bootinfo.h>
#include <boot/efi.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/unaligned.h>

/* UEFI's memory descriptor (GetMemoryMap()): Type at 0, PhysicalStart at
 * 8, NumberOfPages (4 KiB) at 24; a descriptor may be longer than these 40
 * bytes. The types as boot_info ranges, once boot services have ended:
 * conventional memory and what the boot services held are free; the
 * loader's (1, 2) is kept unless @p loader_free (the stub's: see
 * efi_mmap_read()). */
static uint32_t efi_mem_type(uint32_t t, int loader_free)
{
    switch (t) {
    case 1: case 2: return loader_free ? MEM_USABLE : MEM_RESERVED; /* LoaderCode/Data */
    case 3: case 4: case 7: return MEM_USABLE; /* BootServicesCode/Data, Conventional */
    case 8: return MEM_BAD;                    /* Unusable */
    case 9: return MEM_ACPI_RECLAIM;
    case 10: return MEM_ACPI_NVS;
    default: return MEM_RESERVED;
    }
}

int efi_mmap_read(const uint8_t *map, uint64_t size, uint64_t dsize, struct boot_info *bi, int use,
                  const char *who)
{
    int loader_free = use & EFI_MMAP_LOADER_FREE;
    if (dsize < 40 || dsize % 8 || dsize > size)
        return -EINVAL;
    uint64_t prev_start = 0, prev_end = 0;
    int unsorted = 0, overlap = 0;
    unsigned n = 0;
    for (uint64_t off = 0; off + dsize <= size; off += dsize, n++) {
        uint64_t start = get_le64(map + off + 8), pages = get_le64(map + off + 24);
        if (pages == 0 || pages > (UINT64_MAX - start) / 4096) {
            pr_warn("%s: EFI memory descriptor %u (%#lx, %lu pages) is empty or wraps; ignored", who, n,
                    (unsigned long)start, (unsigned long)pages);
            continue;
        }
        uint64_t end = start + pages * 4096;
        if (n && start < prev_start && !unsorted++)
            pr_info("%s: EFI memory map out of order at descriptor %u (%#lx after %#lx)", who, n,
                    (unsigned long)start, (unsigned long)prev_start);
        else if (n && start >= prev_start && start < prev_end && !overlap++)
            pr_warn("%s: EFI memory descriptors %u and %u overlap at %#lx", who, n - 1, n,
                    (unsigned long)start);
        prev_start = start;
        prev_end = end;
        if (!use)
            continue;
        /* Firmware splits its memory finely (each allocation of boot
         * services is a descriptor of its own): a range that carries on
         * the last one taken, with the same meaning, extends it. */
        uint32_t type = efi_mem_type(get_le32(map + off), loader_free);
        struct mem_range *last = bi->mem_count ? &bi->mem[bi->mem_count - 1] : NULL;
        if (last && last->type == type && last->base + last->size == start) {
            last->size += end - start;
        } else if (boot_add_range(bi->mem, &bi->mem_count, start, end - start, type) == -ENOSPC) {
            pr_warn("%s: more than %d memory ranges; rest ignored", who, BOOT_MAX_MEM_RANGES);
            use = 0;
        }
    }
    bi->efi_mmap_count = n;
    return 0;
}
