/**
 * @file bootinfo.c
 * @brief Helpers shared by the boot-protocol parsers that fill struct boot_info.
 */
#include <boot/bootinfo.h>
#include <kernel/errno.h>
#include <kernel/log.h>
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

/* The bits a colour field covers; 0 if it does not fit in @p bpp (which
 * may be anything here: checked after). */
static uint32_t field_mask(uint8_t pos, uint8_t bits, uint8_t bpp)
{
    if (bpp > 32 || bits == 0 || bits > 16 || pos >= bpp || bits > bpp - pos)
        return 0;
    return ((1u << bits) - 1) << pos;
}

int boot_set_fb(struct boot_info *bi, const struct boot_fb *fb, const char *who)
{
    const char *why = 0;
    uint64_t line = (uint64_t)fb->width * (fb->bpp / 8);
    uint64_t bytes = (uint64_t)fb->pitch * fb->height;
    uint32_t r = field_mask(fb->red_pos, fb->red_bits, fb->bpp);
    uint32_t g = field_mask(fb->green_pos, fb->green_bits, fb->bpp);
    uint32_t b = field_mask(fb->blue_pos, fb->blue_bits, fb->bpp);
    if (fb->phys == 0)
        why = "at address 0";
    else if (fb->width == 0 || fb->height == 0)
        why = "of no size";
    else if (fb->bpp != 16 && fb->bpp != 24 && fb->bpp != 32)
        why = "not of 16, 24 or 32 bits per pixel";
    else if (fb->pitch < line)
        why = "with a pitch shorter than a line of its pixels";
    else if (bytes > UINT64_MAX - fb->phys)
        why = "reaching past 2^64";
    else if (!r || !g || !b)
        why = "with a colour field of no width or outside the pixel";
    else if ((r & g) || (r & b) || (g & b))
        why = "with colour fields that overlap";
    if (why) {
        pr_warn("%s: framebuffer %ux%u, %u bpp, pitch %u at %#lx %s; not used", who, fb->width,
                fb->height, fb->bpp, fb->pitch, (unsigned long)fb->phys, why);
        return -EINVAL;
    }
    bi->fb = *fb;
    return 0;
}
