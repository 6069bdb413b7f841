/**
 * @file cpu.c
 * @brief GDT with a TSS (IST1 for #DF), the IDT, COM1, TSC and power control.
 */
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/private.h>
#include <hal/io.h>
#include <hal/console.h>
#include <hal/cpu.h>
#include <kernel/errno.h>
#include <kernel/kprintf.h>
#include <stdint.h>

#include "../../drivers/acpi/acpi.h" /* acpi_poweroff() */

#define COM1 0x3f8
#define DEBUG_EXIT_PORT 0xf4

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS layout (SDM 8.7)");

struct idt_entry {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, zero;
} __attribute__((packed));

static struct tss tss;
static uint64_t gdt[5];
static struct idt_entry idt[256];
/* #DF, #PF and NMI run on their own stacks (TSS IST1-3): a page fault caused
 * by a kernel stack overflow must not need the overflowed stack to report,
 * and an NMI can arrive at any instruction, even mid stack switch. */
static uint8_t df_stack[8192] __attribute__((aligned(16)));
static uint8_t pf_stack[8192] __attribute__((aligned(16)));
static uint8_t nmi_stack[8192] __attribute__((aligned(16)));
extern const uint64_t isr_table[256];

const char *hal_arch_name(void) { return "x86_64"; }

uint64_t hal_counter(void) { return rdtsc_ordered(); }

/* Unordered: a benchmark brackets its own code and wants no fence cost. */
uint64_t hal_cycles(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

uint8_t hal_pio_read8(uint16_t port) { return inb(port); }
uint16_t hal_pio_read16(uint16_t port) { return inw(port); }
uint32_t hal_pio_read32(uint16_t port) { return inl(port); }
void hal_pio_write8(uint16_t port, uint8_t v) { outb(port, v); }
void hal_pio_write16(uint16_t port, uint16_t v) { outw(port, v); }
void hal_pio_write32(uint16_t port, uint32_t v) { outl(port, v); }

/* The early console (panics before the ns16550 driver is bound): COM1 as the
 * firmware left it, polled. */
void hal_console_putc(char c)
{
    while (!(inb(COM1 + 5) & 0x20))
        ;
    outb(COM1, (uint8_t)c);
}

int hal_console_getc(void)
{
    if (!(inb(COM1 + 5) & 0x01))
        return -1;
    return inb(COM1);
}

void x64_cpu_init(void)
{
    gdt[1] = 0x00af9b000000ffffULL; /* 0x08 code64 (accessed bit preset) */
    gdt[2] = 0x00cf93000000ffffULL; /* 0x10 data */
    uint64_t base = (uintptr_t)&tss, limit = sizeof tss - 1;
    tss.ist[0] = (uintptr_t)(df_stack + sizeof df_stack);
    tss.ist[1] = (uintptr_t)(pf_stack + sizeof pf_stack);
    tss.ist[2] = (uintptr_t)(nmi_stack + sizeof nmi_stack);
    tss.iomap_base = sizeof tss;
    gdt[3] = limit | (base & 0xffffff) << 16 | 0x89ULL << 40 | ((base >> 24) & 0xff) << 56;
    gdt[4] = base >> 32;
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr = {sizeof gdt - 1, (uintptr_t)gdt};
    __asm__ volatile("lgdt %0\n\t"
                     "pushq $0x08\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1: mov $0x10, %%ax; mov %%ax, %%ds; mov %%ax, %%es; mov %%ax, %%ss\n\t"
                     "mov $0x18, %%ax; ltr %%ax"
                     : : "m"(gdtr) : "rax", "memory");
    /* Interrupt gates (type 0x8e) for every vector, so IF is clear in
     * every handler until it returns. */
    for (int v = 0; v < 256; v++) {
        uint64_t off = isr_table[v];
        idt[v] = (struct idt_entry){(uint16_t)off, 0x08, v == 8 ? 1 : v == 14 ? 2 : v == 2 ? 3 : 0, 0x8e,
                                    (uint16_t)(off >> 16), (uint32_t)(off >> 32), 0};
    }
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {sizeof idt - 1, (uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

void hal_halt(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

int hal_poweroff_code(int code)
{
    /* QEMU's isa-debug-exit reads back 0; an unassigned port reads 0xff. */
    if (inb(DEBUG_EXIT_PORT) == 0xff)
        return -ENODEV;
    __asm__ volatile("outl %0, %1" : : "a"((uint32_t)code), "Nd"((uint16_t)DEBUG_EXIT_PORT));
    return -ENODEV;
}

void hal_poweroff(void)
{
    int err = acpi_poweroff();
    kprintf("poweroff: ACPI S5 failed (%s); halting\n", errno_name(err));
    hal_halt();
}

void hal_reboot(void)
{
    /* Keyboard controller pulse on the reset line; wait for its input buffer first. */
    for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
        ;
    outb(0x64, 0xfe);
    kprintf("reboot: keyboard controller reset had no effect; halting\n");
    hal_halt();
}

void hal_fault_undefined(void)
{
    __asm__ volatile("ud2");
}
