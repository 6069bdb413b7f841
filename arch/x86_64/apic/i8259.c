/**
 * @file i8259.c
 * @brief The legacy 8259A pair: remapped out of the exception vectors and
 *        masked for good, since the IOAPIC delivers every device interrupt.
 *
 * The MADT's PCAT_COMPAT flag means the 8259s are there, and ACPI (5.2.12)
 * requires them masked before the IOAPIC is used. Remapping matters even
 * though they are masked: the BIOS leaves the master on vectors 8-15, where
 * its IRQ 0 would be taken for a #DF, and a masked 8259 can still raise a
 * spurious IRQ 7 or 15 (a line that dropped before the acknowledge). Those
 * land on 0x27 / 0x2f, are counted as spurious, and are otherwise ignored.
 */
#include <hal/io.h>
#include <kernel/irq.h>

#include "i8259.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_EOI 0x20
#define OCW3_READ_ISR 0x0b

void i8259_init(void)
{
    /* ICW1: edge, cascade, ICW4 follows; ICW2: vector base; ICW3: slave
     * on master line 2 / slave id 2; ICW4: 8086 mode; then every line
     * masked. Port 0x80 writes give an old 8259 time between ICWs. One
     * loop over (port, value) pairs, not unrolled: under TCG every call
     * ends a translated block, and 17 of them in a row are boot time. */
    static const uint8_t seq[][2] = {
        {PIC1_CMD, 0x11}, {0x80, 0}, {PIC2_CMD, 0x11}, {0x80, 0},
        {PIC1_DATA, I8259_VECTOR_BASE}, {0x80, 0}, {PIC2_DATA, I8259_VECTOR_BASE + 8}, {0x80, 0},
        {PIC1_DATA, 0x04}, {0x80, 0}, {PIC2_DATA, 0x02}, {0x80, 0},
        {PIC1_DATA, 0x01}, {0x80, 0}, {PIC2_DATA, 0x01}, {0x80, 0},
        {PIC1_DATA, 0xff}, {PIC2_DATA, 0xff}};
#pragma clang loop unroll(disable)
    for (unsigned i = 0; i < sizeof seq / sizeof seq[0]; i++)
        hal_pio_write8(seq[i][0], seq[i][1]);
}

void i8259_mask_all(void)
{
    hal_pio_write8(PIC1_DATA, 0xff);
    hal_pio_write8(PIC2_DATA, 0xff);
}

uint16_t i8259_masks(void)
{
    return (uint16_t)(hal_pio_read8(PIC2_DATA) << 8 | hal_pio_read8(PIC1_DATA));
}

static uint8_t in_service(uint16_t cmd)
{
    hal_pio_write8(cmd, OCW3_READ_ISR);
    return hal_pio_read8(cmd);
}

void i8259_stray(unsigned vector)
{
    unsigned line = vector - I8259_VECTOR_BASE;
    irq_spurious();
    /* A spurious IRQ 7/15 sets no in-service bit and must not be EOIed
     * (that would end some other, real interrupt); a spurious IRQ 15 still
     * went through the master's cascade line 2, which does need its EOI. */
    if (line == 7 && !(in_service(PIC1_CMD) & 0x80))
        return;
    if (line == 15 && !(in_service(PIC2_CMD) & 0x80)) {
        hal_pio_write8(PIC1_CMD, PIC_EOI);
        return;
    }
    if (line >= 8)
        hal_pio_write8(PIC2_CMD, PIC_EOI);
    hal_pio_write8(PIC1_CMD, PIC_EOI);
}
