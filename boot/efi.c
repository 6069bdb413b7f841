/**
 * @file efi.c
 * @brief The kernel's side of the EFI stub: what it handed over
 *        (efi_stub.c, boot/efi.h) taken into boot_info, its memory map read
 *        by efi_mmap.c.
 */
#include <boot/bootinfo.h>
#include <boot/efi.h>
#include <hal/mmu.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/string.h>

/* In .data, not .bss: the stub fills it in before the image's entry
 * clears .bss, and the file holds it as zeroes. */
__attribute__((section(".data"))) struct efi_handoff efi_handoff_data;

const struct efi_handoff *efi_handoff(void)
{
    return efi_handoff_data.magic == EFI_HANDOFF_MAGIC ? &efi_handoff_data : NULL;
}

void efi_handoff_early(const struct efi_handoff *h, struct boot_info *bi)
{
    bi->protocol = "uefi";
    bi->efi_systab = h->systab;
    bi->efi_entry_counter = h->entry_counter;
    size_t n = strnlen(h->cmdline, sizeof h->cmdline - 1);
    if (n) { /* the load options; a device tree's bootargs otherwise */
        memcpy(bi->cmdline, h->cmdline, n);
        bi->cmdline[n] = 0;
    }
    if (h->fb.phys)
        boot_set_fb(bi, &h->fb, "uefi gop");
    if (h->rsdp_len && h->rsdp_len <= sizeof bi->rsdp) {
        memcpy(bi->rsdp, h->rsdp_copy, h->rsdp_len);
        bi->rsdp_len = h->rsdp_len;
    }
    if (h->initrd && h->initrd_size) {
        bi->initrd_phys = h->initrd;
        bi->initrd_size = h->initrd_size;
    }
}

int efi_handoff_memory(const struct efi_handoff *h, struct boot_info *bi)
{
    if (!h->mmap || !hal_direct_mapped(h->mmap, h->mmap_size)) {
        pr_warn("uefi: memory map at %#lx (%lu bytes) is not mapped; the device tree's is used",
                (unsigned long)h->mmap, (unsigned long)h->mmap_size);
        return -EINVAL;
    }
    static struct boot_info map; /* boot-time, once: too big for the boot stack */
    memset(&map, 0, sizeof map);
    int err = efi_mmap_read(hal_phys_to_virt(h->mmap), h->mmap_size, h->mmap_dsize, &map,
                            EFI_MMAP_USE | EFI_MMAP_LOADER_FREE, "uefi");
    if (err || !map.mem_count) {
        pr_warn("uefi: memory map of %lu bytes in %lu-byte descriptors cannot be read; the device "
                "tree's is used", (unsigned long)h->mmap_size, (unsigned long)h->mmap_dsize);
        return -EINVAL;
    }
    memcpy(bi->mem, map.mem, sizeof map.mem);
    bi->mem_count = map.mem_count;
    bi->efi_mmap_count = map.efi_mmap_count;
    return 0;
}
