/**
 * @file cpu.c
 * @brief GDT with a TSS (IST1-4 for #DF, #PF, NMI, #MC) and the user
 *        segments, the IDT, COM1, TSC and power control.
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

#include <acpi/acpi.h> /* acpi_poweroff(), acpi_reboot(), acpi_has_8042() */

#define COM1 0x3f8
#define DEBUG_EXIT_PORT 0xf4

struct idt_entry {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, zero;
} __attribute__((packed));

static struct x64_cpu_tables boot_tables;
static struct idt_entry idt[256];
/* The boot CPU's #DF, #PF, NMI and #MC stacks (TSS IST1-4): a page fault
 * caused by a kernel stack overflow must not need the overflowed stack to
 * report, and an NMI or a machine check can arrive at any instruction, even
 * mid stack switch: SYSCALL's entry runs a few instructions on the user's
 * RSP in ring 0 (isr.S), where a ring-0 event without IST would push
 * its frame on user memory. Other CPUs get theirs from smp.c. */
static uint8_t boot_ist[X64_IST_COUNT][X64_IST_SIZE] __attribute__((aligned(16)));
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

void x64_cpu_load_tables(struct x64_cpu_tables *t, uint8_t (*ist)[X64_IST_SIZE])
{
    /* Layout and order: arch/entry_defs.h (SYSCALL/SYSRET's fixed offsets). */
    t->gdt[0] = 0;
    t->gdt[1] = 0x00af9b000000ffffULL; /* 0x08 code64 (accessed bit preset) */
    t->gdt[2] = 0x00cf93000000ffffULL; /* 0x10 data */
    t->gdt[5] = 0;                     /* 0x28 SYSRET's 32-bit CS: none */
    t->gdt[6] = 0x00cff3000000ffffULL; /* 0x30 user data, DPL 3 */
    t->gdt[7] = 0x00affb000000ffffULL; /* 0x38 user code64, DPL 3 */
    uint64_t base = (uintptr_t)&t->tss, limit = sizeof t->tss - 1;
    t->tss = (struct x64_tss){0};
    for (int i = 0; i < X64_IST_COUNT; i++)
        t->tss.ist[i] = (uintptr_t)(ist[i] + X64_IST_SIZE);
    t->tss.iomap_base = sizeof t->tss;
    t->gdt[3] = limit | (base & 0xffffff) << 16 | 0x89ULL << 40 | ((base >> 24) & 0xff) << 56;
    t->gdt[4] = base >> 32;
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr = {sizeof t->gdt - 1, (uintptr_t)t->gdt};
    __asm__ volatile("lgdt %0\n\t"
                     "pushq $0x08\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1: mov $0x10, %%ax; mov %%ax, %%ds; mov %%ax, %%es; mov %%ax, %%ss\n\t"
                     "mov $0x18, %%ax; ltr %%ax"
                     : : "m"(gdtr) : "rax", "memory");
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {sizeof idt - 1, (uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

void x64_cpu_init(void)
{
    /* Interrupt gates (type 0x8e) for every vector, so IF is clear in
     * every handler until it returns. One IDT for every CPU. DPL 0, so a
     * user `int $n` takes #GP (SIGSEGV) instead of reaching a handler (SDM
     * vol. 3A, 6.12.1.1: software interrupts check the gate's DPL), except
     * vector 3 with DPL 3 (type 0xee): `int3` in ring 3 is a breakpoint,
     * SIGTRAP, as on Linux. */
    for (int v = 0; v < 256; v++) {
        uint64_t off = isr_table[v];
        uint8_t ist = v == 8 ? 1 : v == 14 ? 2 : v == 2 ? 3 : v == 18 ? 4 : 0;
        idt[v] = (struct idt_entry){(uint16_t)off, 0x08, ist, v == 3 ? 0xee : 0x8e,
                                    (uint16_t)(off >> 16), (uint32_t)(off >> 32), 0};
    }
    x64_cpu_load_tables(&boot_tables, boot_ist);
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

/* The FADT's reset register first, as Linux does, then the keyboard
 * controller's reset line where the firmware says there is one (a machine
 * without legacy parts, such as q35 with i8042=off, has none). */
void hal_reboot(void)
{
    int err = acpi_reboot();
    if (err != -ENOENT && err != -ENODEV)
        kprintf("reboot: ACPI reset register failed (%s)\n", errno_name(err));
    if (!acpi_has_8042()) {
        kprintf("reboot: no reset register that works, and the firmware says there is no keyboard "
                "controller; halting\n");
        hal_halt();
    }
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
