/**
 * @file i8259.h
 * @brief The legacy 8259A pair: remapped out of the exception vectors and
 *        masked for good; strays it still raises are counted as spurious.
 *
 * Every device interrupt comes through the IOAPIC. The 8259s only matter
 * because they exist on PC-compatible boards (the MADT's PCAT_COMPAT flag)
 * and ACPI requires them masked before the IOAPIC is used.
 */
#ifndef DRIVERS_IRQCHIP_I8259_H
#define DRIVERS_IRQCHIP_I8259_H

#include <stdint.h>

#define I8259_VECTOR_BASE 0x20 /**< master on vectors 0x20-0x27, slave on 0x28-0x2f */

/**
 * @brief Remap the pair to I8259_VECTOR_BASE and mask every line.
 * @note Boot context, interrupts masked; before the IOAPIC is used.
 */
void i8259_init(void);

/**
 * @brief Account for a vector the 8259 delivered (every line is masked, so it
 *        is a spurious IRQ 7 or 15): counted with irq_spurious(), and the
 *        8259 EOIed only where it really has a line in service.
 * @param vector I8259_VECTOR_BASE + 7 or + 15
 * @note Interrupt context (the local APIC's dispatch).
 */
void i8259_stray(unsigned vector);

/**
 * @brief Mask every line of both (OCW1), without reprogramming them: the
 *        arch's first act on the 8259s, long before i8259_init(), so that
 *        what the BIOS left running (the PIT's IRQ 0) cannot interrupt.
 * @note Any context; harmless where no 8259 decodes the ports.
 */
void i8259_mask_all(void);

/**
 * @brief The interrupt masks, slave << 8 | master: 0xffff after i8259_init().
 *        Reads all-ones where no 8259 answers. @note Any context.
 */
uint16_t i8259_masks(void);

#endif
