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
#include <kernel/console.h>
#include <stdint.h>

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_LCR_H 0x2c
#define UART_CR 0x30
#define FR_BUSY (1u << 3)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define LCR_FEN (1u << 4)
#define LCR_WLEN8 (3u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)

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

/*
 * The line as the driver wants it (8 bits, FIFOs on), set before the
 * prompt rather than by the driver after it: keys typed at the prompt wait
 * in the UART while the rest of boot runs (kmain()), and a change of
 * LCR_H.FEN empties the receive FIFO. QEMU 7.2 then also leaves FR saying
 * a byte waits, and reading it returns a stale one, so a key would be
 * lost and another doubled. The driver finds the line as it wants it and
 * leaves it alone. DDI 0183: LCR_H changes only with the UART disabled,
 * after the last byte went out.
 */
void a64_early_console_init(void)
{
    uint32_t lcr = LCR_FEN | LCR_WLEN8, cr = CR_UARTEN | CR_TXE | CR_RXE;
    if ((mmio_read32_relaxed(reg(UART_LCR_H)) & 0xff) == lcr &&
        (mmio_read32_relaxed(reg(UART_CR)) & 0x301) == cr)
        return;
    while (mmio_read32_relaxed(reg(UART_FR)) & FR_BUSY)
        ;
    /* A key pressed before the kernel ran (a command pasted at power-on)
     * would go with the FIFO: keep it for the console's queue. */
    while (!(mmio_read32_relaxed(reg(UART_FR)) & FR_RXFE) && console_rx_room())
        console_rx_push((char)(mmio_read32_relaxed(reg(UART_DR)) & 0xff));
    mmio_write32_relaxed(reg(UART_CR), 0);
    mmio_write32_relaxed(reg(UART_LCR_H), lcr);
    mmio_write32_relaxed(reg(UART_CR), cr);
}
