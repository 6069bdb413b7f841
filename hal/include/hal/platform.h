/**
 * @file hal/platform.h
 * @brief What the boot protocol told us: one struct for every architecture.
 *
 * The arm64 Image protocol hands over a device tree; Multiboot2 hands over a
 * tag list. boot/ turns either into a struct boot_info so that the portable
 * core never looks at a boot protocol. All addresses are physical.
 *
 * The arch owns the struct (it runs the parser at entry) and provides
 * platform_boot_info(); the parsers and their helpers are portable and
 * declared in boot/ (boot/bootinfo.h, boot/devicetree.h, boot/multiboot2.h).
 */

/**
 * @defgroup hal_platform HAL: platform
 * @brief What an architecture provides for hal/platform.h. Required: hal_platform_init() and platform_boot_info().
 * @{
 */
#ifndef HAL_PLATFORM_H
#define HAL_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#define BOOT_MAX_MEM_RANGES 64 /**< entries in each of boot_info's range lists */
#define BOOT_CMDLINE_MAX 256    /**< bytes of command line kept, NUL included */
#define BOOT_NAME_MAX 64        /**< bytes of loader name / stdout path kept */
#define BOOT_RSDP_MAX 36        /**< an ACPI 2.0+ RSDP is 36 bytes */

/** @brief Kind of a physical memory range. */
enum mem_type {
    MEM_USABLE = 1,      /**< free RAM */
    MEM_RESERVED = 2,    /**< firmware, reserved-memory, memreserve, device */
    MEM_ACPI_RECLAIM = 3,/**< ACPI tables; usable once parsed */
    MEM_ACPI_NVS = 4,    /**< must be preserved */
    MEM_BAD = 5,         /**< defective RAM */
    MEM_NOMAP = 6,       /**< reserved, and must not even be mapped (DT "no-map") */
};

/** @brief One physical range [base, base + size). */
struct mem_range {
    uint64_t base; /**< first byte */
    uint64_t size; /**< bytes, never 0 */
    uint32_t type; /**< enum mem_type */
};

/**
 * @brief A linear framebuffer the firmware or the loader set up, with
 *        direct colour: each pixel @p bpp bits, each of red, green and blue
 *        a field of the pixel (position and width in bits).
 */
struct boot_fb {
    uint64_t phys;         /**< the first pixel's physical address; 0: no framebuffer */
    uint32_t width;        /**< pixels per line */
    uint32_t height;       /**< lines */
    uint32_t pitch;        /**< bytes from one line to the next (at least a line's pixels) */
    uint8_t bpp;           /**< bits per pixel: 16, 24 or 32 */
    uint8_t red_pos;       /**< the red field's lowest bit */
    uint8_t red_bits;      /**< its width */
    uint8_t green_pos;     /**< the green field's lowest bit */
    uint8_t green_bits;    /**< its width */
    uint8_t blue_pos;      /**< the blue field's lowest bit */
    uint8_t blue_bits;     /**< its width */
};

/** @brief Everything the core needs from the boot protocol. */
struct boot_info {
    const char *protocol;                      /**< "arm64-image" or "multiboot2" */
    char bootloader[BOOT_NAME_MAX];            /**< loader's name, "" if unknown */
    char cmdline[BOOT_CMDLINE_MAX];            /**< kernel command line, "" if none */

    struct mem_range mem[BOOT_MAX_MEM_RANGES]; /**< RAM as the loader reported it */
    unsigned mem_count;                        /**< entries used in mem[] */
    struct mem_range reserved[BOOT_MAX_MEM_RANGES]; /**< ranges inside RAM not to touch */
    unsigned reserved_count;                   /**< entries used in reserved[] */

    uint64_t kernel_phys;     /**< physical start of the kernel image */
    uint64_t kernel_size;     /**< bytes, including .bss */
    uint64_t dtb_phys;        /**< device tree blob, 0 if none */
    uint64_t dtb_size;        /**< the blob's totalsize, 0 if none */
    uint64_t initrd_phys;     /**< initial ramdisk / first module, 0 if none */
    uint64_t initrd_size;     /**< bytes, 0 if none */
    char stdout_path[BOOT_NAME_MAX]; /**< DT /chosen/stdout-path without options */
    uint8_t rsdp[BOOT_RSDP_MAX];     /**< copy of the ACPI RSDP (Multiboot2 gives a copy) */
    size_t rsdp_len;                 /**< 0 if none */
    uint64_t boot_counter;           /**< arch counter value at the kernel's first instruction */
    uint64_t efi_entry_counter;      /**< the same counter at the EFI stub's entry, 0 if no stub ran */
    uint64_t efi_systab;             /**< UEFI's system table (physical), 0 under other firmware */
    unsigned efi_mmap_count;         /**< descriptors in UEFI's memory map, 0 if none was given */
    struct boot_fb fb;               /**< the framebuffer, fb.phys 0 if none */
};

/**
 * @brief The boot_info the arch filled in from its boot protocol (with the
 *        parsers in boot/, see boot/bootinfo.h), for the memory code, the
 *        shell and drivers that need the ACPI RSDP or the DTB.
 * @return never NULL; the contents are fixed once hal_platform_init()
 *         returned (boot_wait())
 * @note Any context; the struct is read-only to callers.
 */
const struct boot_info *platform_boot_info(void);

/**
 * @brief The arch's half of boot that the shell's prompt does not need:
 *        the memory map the page allocator reads, the interrupt
 *        controllers, and the devices its firmware describes (DT nodes,
 *        ACPI tables, the PC's fixed ports), the console's driver among
 *        them, which takes over from the early console (hal/console.h).
 *
 * Before the arch calls kmain() it has only what the prompt needs: boot
 * page tables, the early console, a clock (hal_counter_freq()) and the
 * command line in struct boot_info. The shell's thread prints its prompt
 * through the early console before this runs, and it runs with interrupts
 * on: so the arch leaves every interrupt source it cannot yet acknowledge
 * masked until this sets the controllers up (x86_64: the 8259s). Keys
 * typed at the prompt wait in the UART meanwhile: the console's driver
 * must keep them (not flush its FIFOs) and take them once its receive
 * interrupt is on.
 * @param bi the arch's boot_info (platform_boot_info()), completed here
 * @note Called once by kmain(), once the shell waits, on the boot CPU with
 *       interrupts masked, before pmm_init(), hal_mmu_init() and
 *       hal_timer_init(); no other CPU runs yet. No allocation (no heap yet).
 */
void hal_platform_init(struct boot_info *bi);

/**
 * @brief Offers the arch a command-line word the kernel does not know
 *        (riscv64: `riscv.hsm_misdirect`); words of an arch's own start with
 *        its name and a dot.
 * @param word the word, not NUL-terminated
 * @param len its length in bytes
 * @return 1 if the arch took it, 0 if nobody knows it (the kernel warns)
 * @note Optional (weak default: 0). Called by kmain() before
 *       hal_platform_init() and before any other CPU starts.
 */
int hal_cmdline_option(const char *word, size_t len);

/** @} */

#endif
