/**
 * @file boot/multiboot2.h
 * @brief Multiboot2 boot information to struct boot_info.
 */
#ifndef BOOT_MULTIBOOT2_H
#define BOOT_MULTIBOOT2_H
#include <hal/platform.h>
#include <stddef.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u /**< EAX at entry when a Multiboot2 loader started us */

/**
 * @brief Parse the info block at @p info, of which at most @p avail bytes may be read.
 * @retval 0 parsed
 * @retval -EINVAL malformed (size, alignment, tag bounds, missing end tag)
 * @retval -ENOENT well formed but no memory map (nor basic meminfo)
 * @note Fills what it could read before an error. No allocation.
 */
int mb2_parse(const void *info, size_t avail, struct boot_info *bi);
#endif
