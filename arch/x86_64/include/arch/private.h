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

/** @brief Load the kernel's GDT, TSS (IST stacks) and IDT (cpu.c; from x64_main). */
void x64_cpu_init(void);

/** @brief W^X for the image, the MMIO window, no identity map (mmu.c; from x64_main). */
void x64_mmu_init(void);

/** @brief Every CPU exception (exceptions.c; from isr.S): reports and halts. */
void x64_exception(struct x64_frame *f);

#endif
