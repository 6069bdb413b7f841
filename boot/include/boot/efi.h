/**
 * @file boot/efi.h
 * @brief UEFI as a boot protocol: the kernel image as an EFI application
 *        (the stub, efi_stub.c), what the stub hands the kernel (struct
 *        efi_handoff), and UEFI's memory map read into boot_info (efi.c,
 *        also Multiboot2's EFI memory map tag's reader).
 *
 * An arch whose image is also a PE/COFF EFI application (aarch64: the arm64
 * Image header's "MZ" and PE offset) points the PE entry at its own
 * assembly, which calls efi_stub_main() with the firmware's arguments. The
 * stub runs in the firmware's world (MMU on, identity-mapped, at wherever
 * the firmware loaded the file, linked elsewhere: position-independent code
 * only, no pointers stored in data), takes what the kernel needs from the
 * firmware, leaves boot services and enters the image's ordinary entry
 * point through efi_arch_enter(), as a boot loader would. What it learnt
 * lies in the image's own .data (efi_handoff), so the kernel finds it with
 * no new register in the boot protocol, and a boot without the stub finds
 * the magic zero.
 *
 * Types and GUIDs are the UEFI specification's (2.10); only the members
 * used are named.
 */
#ifndef BOOT_EFI_H
#define BOOT_EFI_H

#include <hal/platform.h>
#include <stddef.h>
#include <stdint.h>

/** @brief A UEFI status: 0 success, the top bit set for errors. */
typedef uint64_t efi_status;

#define EFI_SUCCESS 0ull                       /**< done */
#define EFI_ERR(n) ((1ull << 63) | (n))        /**< error code @p n */
#define EFI_INVALID_PARAMETER EFI_ERR(2)       /**< a bad argument (a stale map key) */
#define EFI_UNSUPPORTED EFI_ERR(3)             /**< not on this machine */
#define EFI_BUFFER_TOO_SMALL EFI_ERR(5)        /**< the size needed was returned */
#define EFI_LOAD_ERROR EFI_ERR(1)              /**< the image cannot run */
#define EFI_OUT_OF_RESOURCES EFI_ERR(9)        /**< no memory */

#define EFI_HANDOFF_MAGIC 0x4b4f444e41484945ull /**< "EIHANDOK": efi_handoff is filled in */
#define EFI_CMDLINE_MAX BOOT_CMDLINE_MAX        /**< bytes of command line handed over */

/** @brief What the stub learnt from the firmware, in the image's .data. */
struct efi_handoff {
    uint64_t magic;          /**< EFI_HANDOFF_MAGIC once filled in, 0 in the file */
    uint64_t systab;         /**< the EFI system table (physical) */
    uint64_t dtb;            /**< the device tree from the configuration table, 0 if none */
    uint64_t rsdp;           /**< the ACPI 2.0 RSDP from the configuration table, 0 if none */
    uint8_t rsdp_copy[BOOT_RSDP_MAX]; /**< its first bytes, copied while firmware memory is mapped */
    uint32_t rsdp_len;       /**< bytes in rsdp_copy: 36 (ACPI 2.0+), 20 (1.0), 0 if none */
    uint64_t mmap;           /**< the memory map as ExitBootServices() took it (physical) */
    uint64_t mmap_size;      /**< its bytes */
    uint64_t mmap_dsize;     /**< bytes per descriptor (at least 40) */
    uint64_t initrd;         /**< the initrd the firmware's LoadFile2 gave, 0 if none */
    uint64_t initrd_size;    /**< its bytes */
    uint64_t entry_counter;  /**< the arch's counter (hal_counter()'s) at the PE entry */
    struct boot_fb fb;       /**< the GOP framebuffer, fb.phys 0 if none */
    char cmdline[EFI_CMDLINE_MAX]; /**< the load options, as ASCII */
};

/**
 * @brief The image's handoff, if the stub started this boot.
 * @return the filled-in handoff, or NULL (booted without the stub)
 * @note Any context.
 */
const struct efi_handoff *efi_handoff(void);

/**
 * @brief Take the handoff's command line, framebuffer, initrd, system
 *        table and RSDP copy into @p bi (before the prompt: the command line
 *        decides whether this is a ktest boot). The device tree is the
 *        arch's business: the stub gave it as its entry register.
 * @param h the handoff (efi_handoff())
 * @param bi the boot_info to fill in; protocol becomes "uefi"
 */
void efi_handoff_early(const struct efi_handoff *h, struct boot_info *bi);

/**
 * @brief Make the handoff's UEFI memory map @p bi's memory map, replacing
 *        what the device tree said (the firmware's own reservations are in
 *        the UEFI map only).
 * @param h the handoff
 * @param bi the boot_info
 * @retval 0 taken
 * @retval -EINVAL the map is not reachable or cannot be walked (logged;
 *         @p bi keeps the device tree's map)
 * @note Once the RAM holding the map is direct-mapped (hal_phys_to_virt()).
 */
int efi_handoff_memory(const struct efi_handoff *h, struct boot_info *bi);

#define EFI_MMAP_USE 1         /**< efi_mmap_read(): take the ranges */
#define EFI_MMAP_LOADER_FREE 2 /**< efi_mmap_read(): and the loader's memory is free */

/**
 * @brief Walk a UEFI memory map: count its descriptors into
 *        @p bi->efi_mmap_count, report overlapping ones and note one out of
 *        order (once each: UEFI promises no order, boot_info needs none),
 *        skip an empty or wrapping one, and if @p use append each as a
 *        boot_info range, joined to the one before where they meet with the
 *        same meaning (conventional memory and what boot services held are
 *        free; runtime services', ACPI's and MMIO are kept; the loader's
 *        too, unless @p use has EFI_MMAP_LOADER_FREE).
 * @param map the first descriptor
 * @param size the map's bytes
 * @param dsize bytes per descriptor (UEFI's DescriptorSize)
 * @param bi the boot_info
 * @param use nonzero: append the ranges to @p bi->mem; with
 *        EFI_MMAP_LOADER_FREE, the loader's memory is free (the stub's: the
 *        kernel keeps the image, initrd and device tree itself, and reads
 *        the map before the page allocator exists)
 * @param who the source, for messages ("multiboot2", "uefi")
 * @retval 0 walked
 * @retval -EINVAL @p dsize is below 40 bytes, not a multiple of 8, or above @p size
 * @note Any context; no allocation.
 */
int efi_mmap_read(const uint8_t *map, uint64_t size, uint64_t dsize, struct boot_info *bi, int use,
                  const char *who);

/**
 * @brief The stub: called by the arch's PE entry with the firmware's
 *        arguments; on success it does not return.
 * @param image the image handle
 * @param systab the EFI system table
 * @param counter the arch's counter at the PE entry (the firmware's part
 *        of boot ends there: `bootinfo` shows both parts)
 * @return why the kernel cannot start (printed on the firmware's console)
 */
efi_status efi_stub_main(void *image, void *systab, uint64_t counter);

/**
 * @brief The arch's half of leaving the firmware (its entry assembly):
 *        with boot services gone, clean the caches over the image the stub
 *        laid out, turn the MMU off and jump to the image's ordinary entry
 *        as its boot protocol wants it (aarch64: the device tree in x0;
 *        riscv64: the boot hart's id in a0, the device tree in a1).
 * @param entry the physical address to jump to (the image's first byte)
 * @param dtb the device tree (physical), 0 if none
 * @param image the image's first byte (physical)
 * @param size its bytes, .bss included
 * @param cpu the boot CPU's id as the firmware gave it (RISC-V's boot
 *        protocol), 0 where it gives none
 */
__attribute__((noreturn)) void efi_arch_enter(uint64_t entry, uint64_t dtb, uint64_t image, uint64_t size,
                                              uint64_t cpu);

/** @brief The alignment the arch's image must be run at (aarch64: 2 MiB). */
extern const uint64_t efi_arch_image_align;

/** @brief 1 if the arch's kernel boots from ACPI tables with no device tree (aarch64), 0 if not. */
extern const uint64_t efi_arch_boots_acpi;

#endif
