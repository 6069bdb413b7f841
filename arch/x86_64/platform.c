/**
 * @file platform.c
 * @brief x86_64 boot hand-off: Multiboot2 info to struct boot_info, then kmain.
 */
#include <boot/multiboot2.h>
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/platform.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>

extern char __kernel_start[], __kernel_end[];
void x64_cpu_init(void);
void x64_mmu_init(void);

static struct boot_info boot_info;

/* What every PC has at fixed ports and no table describes without AML: the
 * first serial port, which is our console. */
static void legacy_devices(void)
{
    struct device com1 = {.name = "com1", .space = DEV_PIO, .base = 0x3f8, .size = 8,
                          .is_stdout = 1, .fdt_node = -1};
    device_add_compatible(&com1, "ns16550a");
    int err = device_add(&com1);
    if (err)
        kprintf("x86_64: no driver for COM1 (%s); staying on the early console\n", errno_name(err));
}

const struct boot_info *platform_boot_info(void) { return &boot_info; }

/** Called by entry.S in long mode with a stack and zeroed .bss. */
__attribute__((noreturn)) void x64_main(uint32_t magic, uint32_t info, uint64_t tsc0)
{
    struct boot_info *bi = &boot_info;
    bi->boot_counter = tsc0;
    x64_cpu_init(); /* our GDT (virtual base) before the identity map goes */
    x64_mmu_init();
    legacy_devices();
    bi->protocol = "multiboot2";
    bi->kernel_phys = hal_virt_to_phys(__kernel_start);
    bi->kernel_size = (uintptr_t)(__kernel_end - __kernel_start);
    if (magic != MB2_BOOTLOADER_MAGIC) {
        kprintf("x86_64: not started by a Multiboot2 loader (EAX %#x); continuing without boot info\n",
                magic);
    } else {
        /* The info is below 4 GiB (a 32-bit pointer), so in the direct map. */
        int err = mb2_parse(hal_phys_to_virt(info), 1u << 20, bi);
        if (err)
            kprintf("x86_64: Multiboot2 info at %#x rejected (%s); continuing with what was read\n",
                    info, errno_name(err));
    }
    /* Real-mode IVT, BIOS data, EBDA, option ROMs: never hand them out. */
    boot_add_range(bi->reserved, &bi->reserved_count, 0, 1u << 20, MEM_RESERVED);
    kmain(bi);
}
