/**
 * @file arch/private.h
 * @brief x86_64 functions called from another arch file or from assembly
 *        (entry.S, isr.S): declared once, so every definition has a
 *        prototype in scope (-Wmissing-prototypes) and a caller cannot
 *        disagree with it. Not part of the HAL; nothing outside arch/x86_64
 *        includes this.
 */
#ifndef ARCH_X64_PRIVATE_H
#define ARCH_X64_PRIVATE_H

#include <stdint.h>

struct x64_frame;

/**
 * @brief The C entry (platform.c): from entry.S in long mode, running high,
 *        with a stack and zeroed .bss; never returns.
 * @param magic EAX at entry (MB2_BOOTLOADER_MAGIC from a Multiboot2 loader)
 * @param info physical address of the Multiboot2 information (EBX)
 * @param tsc0 the TSC at the first instruction
 */
__attribute__((noreturn)) void x64_main(uint32_t magic, uint32_t info, uint64_t tsc0);

/** @brief The 64-bit TSS (SDM vol. 3A, 8.7): only the IST stacks are used. */
struct x64_tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct x64_tss) == 104, "TSS layout (SDM 8.7)");

/** @brief One CPU's GDT (null, code 0x08, data 0x10, TSS 0x18-0x20) and TSS. */
struct x64_cpu_tables {
    uint64_t gdt[5];
    struct x64_tss tss;
};

#define X64_IST_SIZE 8192 /**< bytes of each IST stack (#DF, #PF, NMI) */

/** @brief Build the IDT and load the boot CPU's tables (cpu.c; from x64_main). */
void x64_cpu_init(void);

/**
 * @brief Fill @p t (IST1-3 at the tops of @p ist[0..2]) and load it and the
 *        shared IDT on this CPU (cpu.c; x64_cpu_init() and smp.c).
 */
void x64_cpu_load_tables(struct x64_cpu_tables *t, uint8_t (*ist)[X64_IST_SIZE]);

/** @brief W^X for the image, the MMIO window, no identity map (mmu.c; from x64_main). */
void x64_mmu_init(void);

/** @brief Every CPU exception (exceptions.c; from isr.S): reports and halts. */
void x64_exception(struct x64_frame *f);
/** @brief NMI entry (isr.S, vector 2): reports the interrupted registers and returns. */
void x64_nmi(struct x64_frame *f);

#endif
