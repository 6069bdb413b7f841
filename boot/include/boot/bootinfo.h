/**
 * @file boot/bootinfo.h
 * @brief Helpers the boot-protocol parsers share while they fill a
 *        struct boot_info (hal/platform.h).
 *
 * boot/ is portable code (it runs on every arch and in the host tests), so
 * what it implements is declared here rather than in the HAL, which lists
 * only what an architecture provides.
 */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#include <hal/platform.h>
#include <stdint.h>

/**
 * @brief Append the range [@p base, @p base + @p size) to a boot_info list.
 * @param list one of boot_info's range arrays (BOOT_MAX_MEM_RANGES entries)
 * @param count its entry count, incremented on success
 * @param base first byte
 * @param size bytes
 * @param type an enum mem_type
 * @retval 0 appended
 * @retval -EINVAL @p size is 0 or the range reaches past 2^64 - 1
 * @retval -ENOSPC the list is full
 * @note Any context; no allocation. The caller serialises access to the list.
 */
int boot_add_range(struct mem_range *list, unsigned *count, uint64_t base, uint64_t size,
                   uint32_t type);

/**
 * @brief Take the framebuffer @p fb (from Multiboot2's tag, and later
 *        UEFI's GOP or QEMU's ramfb) into @p bi->fb if it can be drawn on:
 *        at a non-zero address, of some size, 16, 24 or 32 bits per pixel,
 *        a pitch at least a line of pixels, not reaching past 2^64, each
 *        colour field of some width inside the pixel and apart from the
 *        others.
 * @param bi the boot_info to fill in
 * @param fb the framebuffer as the source describes it
 * @param who the source, for the message ("multiboot2")
 * @retval 0 taken
 * @retval -EINVAL not (logged, with what is wrong); @p bi->fb untouched
 * @note Any context; no allocation.
 */
int boot_set_fb(struct boot_info *bi, const struct boot_fb *fb, const char *who);

#endif
