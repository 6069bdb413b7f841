/**
 * @file uart.c
 * @brief QEMU virt's ns16550a as the riscv64 early console.
 *
 * Used from the first C line until the DT's ns16550 driver
 * (drivers/serial/ns16550.c) takes over, and for very early panics. The
 * UART sits at the one fixed address the design allows (arch/board.h),
 * mapped by the boot tables in the MMIO window's slot 0.
 */
#include <arch/private.h>
#include <hal/console.h>
#include <hal/mmio.h>
#include <kernel/console.h>
#include <stdint.h>

#define RBR 0
#define IER 1
#define FCR 2
#define LCR 3
#define LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20

static inline volatile void *reg(unsigned off)
{
    return (volatile void *)(rv_early_uart() + off);
}

void hal_console_putc(char c)
{
    while (!(mmio_read8_relaxed(reg(LSR)) & LSR_THRE))
        ;
    mmio_write8_relaxed(reg(RBR), (uint8_t)c);
}

int hal_console_getc(void)
{
    if (!(mmio_read8_relaxed(reg(LSR)) & LSR_DR))
        return -1;
    return mmio_read8_relaxed(reg(RBR));
}

/* 8N1 with the FIFOs on, as the driver wants it, set before the prompt:
 * keys typed at the prompt then wait in the UART through the rest of boot
 * and the driver keeps them (it does not reset the FIFOs). QEMU's 16550
 * needs no divisor. Receive interrupts stay off until the driver. */
void rv_early_console_init(void)
{
    mmio_write8_relaxed(reg(IER), 0);
    mmio_write8_relaxed(reg(LCR), 0x03);
    if ((mmio_read8_relaxed(reg(FCR)) & 0xc0) != 0xc0)
        mmio_write8_relaxed(reg(FCR), 0x01);
}
