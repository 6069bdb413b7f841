/**
 * @file pl011.c
 * @brief ARM PL011 UART as the aarch64 early console.
 *
 * This stage runs with the MMU off, so the UART is reached at its physical
 * address. QEMU virt's PL011 at 0x0900_0000 is the one fixed address the
 * design allows (the earliest console); the DTB-driven driver replaces it.
 *
 * Registers through hal/mmio.h's relaxed accessors: one plain `ldr`/`str`
 * each, in program order to the one UART (with the MMU off every access is
 * Device-nGnRnE; after, the UART is mapped as device memory). No barrier
 * is needed: nothing in normal memory has to reach the UART first.
 */
#include <arch/board.h>
#include <arch/private.h>
#include <hal/console.h>
#include <hal/mmio.h>
#include <stdint.h>

#define UART_DR 0x00
#define UART_FR 0x18
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)

static inline volatile void *reg(unsigned off)
{
    return (volatile void *)(a64_early_uart() + off);
}

void hal_console_putc(char c)
{
    while (mmio_read32_relaxed(reg(UART_FR)) & FR_TXFF)
        ;
    mmio_write32_relaxed(reg(UART_DR), (uint8_t)c);
}

int hal_console_getc(void)
{
    if (mmio_read32_relaxed(reg(UART_FR)) & FR_RXFE)
        return -1;
    return (int)(mmio_read32_relaxed(reg(UART_DR)) & 0xff);
}
