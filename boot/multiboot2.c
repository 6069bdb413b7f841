/**
 * @file multiboot2.c
 * @brief Bounds-checked Multiboot2 info parser (Multiboot2 spec, section 3.6).
 *
 * Every tag is checked to lie inside total_size and inside what the caller
 * lets us read, so a corrupt info block yields an error, never a wild read.
 */
#include <boot/bootinfo.h>
#include <boot/efi.h>
#include <boot/multiboot2.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/string.h>
#include <kernel/unaligned.h>
#include <stdint.h>

enum {
    TAG_END = 0, TAG_CMDLINE = 1, TAG_LOADER = 2, TAG_MODULE = 3, TAG_BASIC_MEM = 4,
    TAG_MMAP = 6, TAG_FRAMEBUFFER = 8, TAG_EFI64 = 12, TAG_ACPI_OLD = 14, TAG_ACPI_NEW = 15,
    TAG_EFI_MMAP = 17,
};

/* The framebuffer tag's framebuffer_type (Multiboot2 3.6.12). */
enum { FB_INDEXED = 0, FB_RGB = 1, FB_EGA_TEXT = 2 };

static void copy_string(char *dst, size_t dstsz, const uint8_t *src, size_t len)
{
    size_t n = strnlen((const char *)src, len);
    if (n >= dstsz)
        n = dstsz - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static int parse_mmap(const uint8_t *t, uint32_t size, struct boot_info *bi)
{
    if (size < 16)
        return -EINVAL;
    uint32_t esize = get_le32(t + 8);
    if (esize < 24 || esize % 8 || esize > size)
        return -EINVAL;
    /* 64-bit sums: a huge entry size must not wrap past the bounds check. */
    for (uint64_t off = 16; off + esize <= size; off += esize) {
        uint64_t base = get_le64(t + off), len = get_le64(t + off + 8);
        uint32_t type = get_le32(t + off + 16);
        if (len == 0) {
            pr_warn("multiboot2: zero-length memory range at %#lx ignored", (unsigned long)base);
            continue;
        }
        if (type < MEM_USABLE || type > MEM_BAD)
            type = MEM_RESERVED;
        int err = boot_add_range(bi->mem, &bi->mem_count, base, len, type);
        if (err == -ENOSPC) {
            pr_warn("multiboot2: more than %d memory ranges; rest ignored", BOOT_MAX_MEM_RANGES);
            break;
        }
        if (err)
            pr_warn("multiboot2: memory range at %#lx wraps past 2^64; ignored", (unsigned long)base);
    }
    return 0;
}

/* Tag 8: address, pitch, width, height, bpp, type, then (GRUB's layout,
 * whose reserved field is 16 bits, not the spec text's 8) the colour
 * information at 32: for direct RGB, each field's position and size. */
static void parse_fb(const uint8_t *t, uint32_t size, struct boot_info *bi)
{
    if (size < 32) {
        pr_warn("multiboot2: framebuffer tag of %u bytes (32 needed); ignored", size);
        return;
    }
    unsigned type = t[29];
    if (type == FB_EGA_TEXT) /* width and height in characters: no pixels to draw */
        return;
    if (type != FB_RGB || size < 38) {
        pr_warn("multiboot2: framebuffer of type %u (%s); not used", type,
                type == FB_INDEXED ? "indexed colour" : type == FB_RGB ? "tag too short" : "unknown");
        return;
    }
    struct boot_fb fb = {.phys = get_le64(t + 8), .pitch = get_le32(t + 16), .width = get_le32(t + 20),
                         .height = get_le32(t + 24), .bpp = t[28], .red_pos = t[32], .red_bits = t[33],
                         .green_pos = t[34], .green_bits = t[35], .blue_pos = t[36], .blue_bits = t[37]};
    boot_set_fb(bi, &fb, "multiboot2");
}

int mb2_parse(const void *info, size_t avail, struct boot_info *bi)
{
    const uint8_t *b = info;
    if (!b || avail < 16 || ((uintptr_t)b & 7))
        return -EINVAL;
    uint32_t total = get_le32(b);
    if (total < 16 || total > avail) {
        pr_err("multiboot2: total_size %u out of range", total);
        return -EINVAL;
    }
    int have_mmap = 0, have_basic = 0;
    uint64_t basic_upper_kib = 0;
    const uint8_t *efi_mmap = 0; /* walked at the end, when the other maps are known */
    uint32_t efi_mmap_size = 0;
    for (uint32_t off = 8; off + 8 <= total;) {
        uint32_t type = get_le32(b + off), size = get_le32(b + off + 4);
        if (size < 8 || size > total - off) {
            pr_err("multiboot2: tag %u at offset %u has bad size %u", type, off, size);
            return -EINVAL;
        }
        const uint8_t *t = b + off;
        switch (type) {
        case TAG_END:
            if (efi_mmap) {
                int only = !have_mmap && !have_basic; /* then the memory is UEFI's map's */
                /* the tag: type, size, descriptor size, version, descriptors */
                if (efi_mmap_size < 16 || efi_mmap_read(efi_mmap + 16, efi_mmap_size - 16,
                                                        get_le32(efi_mmap + 8), bi, only, "multiboot2") != 0)
                    pr_warn("multiboot2: malformed EFI memory map tag; ignored");
                else if (only && bi->mem_count)
                    have_mmap = 1;
            }
            if (!have_mmap && have_basic)
                boot_add_range(bi->mem, &bi->mem_count, 0x100000, basic_upper_kib * 1024, MEM_USABLE);
            if (!have_mmap && !have_basic) {
                pr_err("multiboot2: no memory map in the boot information");
                return -ENOENT;
            }
            return 0;
        case TAG_CMDLINE:
            copy_string(bi->cmdline, sizeof bi->cmdline, t + 8, size - 8);
            break;
        case TAG_LOADER:
            copy_string(bi->bootloader, sizeof bi->bootloader, t + 8, size - 8);
            break;
        case TAG_MODULE:
            if (size >= 16 && !bi->initrd_phys) {
                uint32_t start = get_le32(t + 8), end = get_le32(t + 12);
                if (end > start) {
                    bi->initrd_phys = start;
                    bi->initrd_size = end - start;
                }
            }
            break;
        case TAG_BASIC_MEM:
            if (size >= 16) {
                have_basic = 1;
                basic_upper_kib = get_le32(t + 12);
            }
            break;
        case TAG_MMAP:
            if (parse_mmap(t, size, bi)) {
                pr_err("multiboot2: malformed memory map tag");
                return -EINVAL;
            }
            have_mmap = 1;
            break;
        case TAG_FRAMEBUFFER:
            parse_fb(t, size, bi);
            break;
        case TAG_EFI_MMAP:
            efi_mmap = t;
            efi_mmap_size = size;
            break;
        case TAG_EFI64: /* the loader ran under UEFI: its system table */
            if (size >= 16)
                bi->efi_systab = get_le64(t + 8);
            else
                pr_warn("multiboot2: EFI system table tag of %u bytes (16 needed); ignored", size);
            break;
        case TAG_ACPI_OLD:
        case TAG_ACPI_NEW: {
            size_t n = size - 8 < BOOT_RSDP_MAX ? size - 8 : BOOT_RSDP_MAX;
            if (type == TAG_ACPI_NEW || bi->rsdp_len == 0) {
                memcpy(bi->rsdp, t + 8, n);
                bi->rsdp_len = n;
            }
            break;
        }
        default:
            break;
        }
        off += (size + 7) & ~7u;
    }
    pr_err("multiboot2: no end tag within total_size %u", total);
    return -EINVAL;
}
