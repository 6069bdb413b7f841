/**
 * @file bootinfo.c
 * @brief Helpers shared by the boot-protocol parsers that fill struct boot_info.
 */
#include <boot/bootinfo.h>
#include <kernel/errno.h>
#include <stdint.h>

int boot_add_range(struct mem_range *list, unsigned *count, uint64_t base, uint64_t size, uint32_t type)
{
    /* Consumers compute base + size; a range reaching 2^64 would end at 0. */
    if (size == 0 || size > UINT64_MAX - base)
        return -EINVAL;
    if (*count >= BOOT_MAX_MEM_RANGES)
        return -ENOSPC;
    list[(*count)++] = (struct mem_range){base, size, type};
    return 0;
}
