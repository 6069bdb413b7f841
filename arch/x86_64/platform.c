/**
 * @file platform.c
 * @brief x86_64 boot hand-off: Multiboot2 info to struct boot_info, the
 *        devices a PC has by ACPI table or by convention, then kmain.
 */
#include <arch/cpu.h>
#include <arch/private.h>
#include <boot/bootinfo.h>
#include <boot/multiboot2.h>
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/platform.h>
#include <kernel/bootprof.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/printf.h>
#include <kernel/smp.h>
#include <kernel/string.h>

#include <acpi/acpi.h>
#include <acpi/madt.h>
#include "apic/i8259.h"

#include <kernel/sections.h>

static struct boot_info boot_info;

static void add_mmio(const char *name, const char *compat, uint64_t base, uint64_t size,
                     const void *bus_data)
{
    /* dma_coherent: a PC's caches snoop every bus master's DMA */
    struct device d = {.space = DEV_MMIO, .base = base, .size = size, .reg_base = {base},
                       .reg_size = {size}, .nregs = 1, .bus_data = bus_data, .fdt_node = -1,
                       .dma_coherent = 1};
    strlcpy(d.name, name, sizeof d.name);
    device_add_compatible(&d, compat);
    int err = device_add(&d);
    if (err)
        pr_err("x86_64: %s at %#lx not brought up (%s)", name, (unsigned long)base, errno_name(err));
}

/* IA32_APIC_BASE bits (SDM vol. 3A, 11.4.4). */
#define APIC_BASE_BSP (1ULL << 8)
#define APIC_BASE_X2APIC (1ULL << 10)
#define APIC_BASE_ENABLE (1ULL << 11)

/* The local APIC decodes in xAPIC (MMIO) mode at @p phys before its driver
 * probes: MSRs are the CPU's business, not the driver's. */
static void lapic_enable_xapic(uint64_t phys)
{
    uint64_t msr = rdmsr(MSR_APIC_BASE);
    /* Firmware may hand over in x2APIC mode; going back to xAPIC is only
     * allowed through the disabled state (SDM vol. 3A, 11.12.5). */
    if (msr & APIC_BASE_X2APIC) {
        wrmsr(MSR_APIC_BASE, msr & ~(APIC_BASE_X2APIC | APIC_BASE_ENABLE));
        msr &= ~APIC_BASE_X2APIC;
    }
    /* Decode at the address the MADT gave (where firmware left it, normally). */
    uint64_t want = (phys & ~0xfffULL) | (msr & APIC_BASE_BSP) | APIC_BASE_ENABLE;
    if (msr != want)
        wrmsr(MSR_APIC_BASE, want);
}

/* The interrupt controllers the MADT describes. Without a usable MADT the
 * local APIC is still where IA32_APIC_BASE says (so the timer works), but
 * which IOAPIC pin is which device is unknown: no device interrupts. */
static void interrupt_controllers(void)
{
    int err = acpi_madt_init();
    const struct madt_info *m = acpi_madt();
    if (err == -ENOENT)
        pr_warn("acpi: no valid MADT; no IOAPIC, so no device interrupts");
    else if (err)
        pr_warn("acpi: MADT unusable (%s); no IOAPIC, so no device interrupts", errno_name(err));
    if (!m || m->pcat_compat)
        i8259_init();
    uint32_t id[4];
    cpuid(1, id);
    if (!(id[3] & (1u << 9))) {
        pr_err("x86_64: this CPU has no local APIC; no interrupts, no timer");
        return;
    }
    uint64_t lapic = m ? m->lapic_addr : rdmsr(MSR_APIC_BASE) & ~0xfffULL & ((1ULL << 52) - 1);
    lapic_enable_xapic(lapic);
    add_mmio("lapic", "x86,lapic", lapic, 0x1000, m);
    for (unsigned i = 0; m && i < m->nioapics; i++) {
        char name[DEV_NAME_MAX];
        ksnprintf(name, sizeof name, "ioapic%u", m->ioapics[i].id);
        add_mmio(name, "x86,ioapic", m->ioapics[i].addr, 0x100, &m->ioapics[i]);
    }
}

/* What every PC has at fixed ports and no table describes without AML: the
 * first serial port, which is our console, on ISA IRQ 4, and the CMOS clock. */
static void legacy_devices(void)
{
    struct device com1 = {.name = "com1", .space = DEV_PIO, .base = 0x3f8, .size = 8,
                          .is_stdout = 1, .fdt_node = -1, .nregs = 1, .reg_base = {0x3f8},
                          .reg_size = {8}, .dma_coherent = 1};
    enum irq_trigger trig;
    if (acpi_isa_irq(4, &com1.irq, &trig) == 0) {
        com1.has_irq = 1;
        com1.irq_trigger = trig;
    }
    device_add_compatible(&com1, "ns16550a");
    int err = device_add(&com1);
    if (err)
        kprintf("x86_64: no driver for COM1 (%s); staying on the early console\n", errno_name(err));
    /* And the CMOS real-time clock at ports 0x70 (index) and 0x71 (data). */
    struct device rtc = {.name = "rtc0", .space = DEV_PIO, .base = 0x70, .size = 2, .fdt_node = -1,
                         .nregs = 1, .reg_base = {0x70}, .reg_size = {2}, .dma_coherent = 1};
    device_add_compatible(&rtc, "motorola,mc146818");
    err = device_add(&rtc);
    if (err)
        pr_warn("x86_64: no CMOS clock (%s); no wall clock", errno_name(err));
    /* The keyboard controller, where the firmware says there is one: data
     * at port 0x60, status and command at 0x64, the keyboard on ISA IRQ 1. */
    if (acpi_has_8042()) {
        struct device kbc = {.name = "i8042", .space = DEV_PIO, .base = 0x60, .size = 5,
                             .fdt_node = -1, .nregs = 1, .reg_base = {0x60}, .reg_size = {5},
                             .dma_coherent = 1};
        if (acpi_isa_irq(1, &kbc.irq, &trig) == 0) {
            kbc.has_irq = 1;
            kbc.irq_trigger = trig;
        }
        device_add_compatible(&kbc, "pnp,i8042");
        err = device_add(&kbc);
        if (err)
            pr_warn("x86_64: no keyboard (%s)", errno_name(err));
    }
    /* Every PC has a PCI host bridge; its driver finds how to reach
     * configuration space (ACPI MCFG, or ports 0xcf8/0xcfc). */
    struct device pci = {.name = "pci0", .space = DEV_NONE, .fdt_node = -1, .dma_coherent = 1};
    device_add_compatible(&pci, "pci-host-pc");
    err = device_add(&pci);
    if (err && err != -ENODEV)
        pr_err("x86_64: PCI host not brought up (%s)", errno_name(err));
}

const struct boot_info *platform_boot_info(void) { return &boot_info; }

/** Called by entry.S in long mode with a stack and zeroed .bss. */
__attribute__((noreturn)) void x64_main(uint32_t magic, uint32_t info, uint64_t tsc0)
{
    struct boot_info *bi = &boot_info;
    bi->boot_counter = tsc0;
    boot_stage("entry, boot page tables");
    x64_cpu_init(); /* our GDT (virtual base) before the identity map goes */
    smp_early_init(); /* the GS base: cpu_this() works from here on */
    x64_user_cpu_init(); /* SYSCALL's MSRs, SMEP/SMAP: needs the GS base */
    x64_mmu_init();
    boot_stage("cpu, drop identity map");
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
    boot_stage("multiboot2 info");
    /* The BIOS left the 8259s delivering (the PIT's IRQ 0 at 18.2 Hz, on
     * vector 8, which is #DF here), and kmain()'s first threads run with
     * interrupts on before hal_platform_init() sets the controllers up:
     * mask every line now (OCW1; nothing decodes the ports on a PC
     * without 8259s). */
    i8259_mask_all();
    x64_time_init(); /* the TSC's rate against the HPET (from ACPI) or the PIT */
    boot_stage("clock calibration");
    /* Real-mode IVT, BIOS data, EBDA, option ROMs: never hand them out. */
    boot_add_range(bi->reserved, &bi->reserved_count, 0, 1u << 20, MEM_RESERVED);
    kmain(bi);
}

void hal_platform_init(struct boot_info *bi)
{
    (void)bi; /* Multiboot2 gave the memory map before kmain() */
    interrupt_controllers(); /* needs the RSDP from the boot info */
    boot_stage("acpi, irq controllers");
    legacy_devices();
    boot_stage("serial console");
    x64_user_log();
}
