/**
 * @file pl011.c
 * @brief Arm PrimeCell UART (PL011) driver (Arm DDI 0183).
 *
 * Polled transmit; receive by interrupt when the device has one (the
 * handler drains the FIFO into the console's queue), polled otherwise.
 * The UART is left at the baud rate firmware (or QEMU) chose; we only make
 * sure it is enabled with FIFOs and 8N1.
 *
 * Register ordering: setup and interrupt control use the ordered accessors;
 * the byte path (FR polling, DR, clearing the receive interrupt) uses the
 * relaxed ones. Those bytes travel through the UART's registers, never
 * through memory the device reads, so there is nothing for a barrier to
 * order, and on aarch64 it would be one `dmb` per character printed.
 */
#include <kernel/console.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/log.h>

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_LCR_H 0x2c
#define UART_CR 0x30
#define UART_IMSC 0x38
#define UART_ICR 0x44
#define INT_RX (1u << 4)  /* FIFO reached its trigger level */
#define INT_RT (1u << 6)  /* receive timeout: bytes waiting below the level */
#define FR_BUSY (1u << 3)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define FR_TXFE (1u << 7)
#define TX_FIFO 16 /* PL011 r1p4; later revisions have 32 */
#define LCR_FEN (1u << 4)
#define LCR_WLEN8 (3u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)

/* dev->driver_data counts bytes we may still send without asking: after
 * FR says the FIFO is empty, a whole FIFO's worth. That halves the register
 * accesses per byte, which under emulation (each one a trap into QEMU) is
 * most of the cost of printing. Callers serialise (kprintf's lock). */
static void pl011_putc(struct device *dev, char c)
{
    while (dev->driver_data == 0) {
        uint32_t fr = dev_read32_relaxed(dev, UART_FR);
        dev->driver_data = fr & FR_TXFE ? TX_FIFO : !(fr & FR_TXFF);
    }
    dev->driver_data--;
    dev_write32_relaxed(dev, UART_DR, (uint8_t)c);
}

static int pl011_getc(struct device *dev)
{
    if (dev_read32_relaxed(dev, UART_FR) & FR_RXFE)
        return -1;
    return (int)(dev_read32_relaxed(dev, UART_DR) & 0xff);
}

static void pl011_irq(unsigned irq, void *arg)
{
    (void)irq;
    struct device *dev = arg;
    /* Clear first, then drain: a byte landing after the last FIFO check
     * raises the interrupt again. Clearing after the drain could swallow
     * that byte's interrupt, and QEMU raises RX only when the FIFO goes
     * from empty to not empty: input would stop for good. */
    dev_write32_relaxed(dev, UART_ICR, INT_RX | INT_RT);
    while (!(dev_read32_relaxed(dev, UART_FR) & FR_RXFE) && console_rx_room())
        console_rx_push((char)(dev_read32_relaxed(dev, UART_DR) & 0xff));
}

/* The console's queue filled (pause) or has room again (resume). QEMU
 * raises RX only when the FIFO goes from empty to not empty, so bytes left
 * waiting raise nothing when the interrupt comes back on: drain them here.
 * The console calls it with interrupts masked. */
static void pl011_rx_pause(struct device *dev, int pause)
{
    dev_write32(dev, UART_IMSC, pause ? 0 : INT_RX | INT_RT);
    if (!pause)
        pl011_irq(dev->irq, dev);
}

static int pl011_probe(struct device *dev)
{
    if (dev->space != DEV_MMIO || dev->size < 0x48)
        return -EINVAL;
    int err = device_map(dev);
    if (err)
        return err;
    /* DDI 0183: LCR_H may only change with the UART disabled, and disabling
     * mid-character loses it, so wait until the early console's last byte
     * is out. The baud rate stays what firmware (or QEMU) set. */
    dev_write32(dev, UART_IMSC, 0); /* until the console starts it (pl011_rx_pause(dev, 0)) */
    uint32_t lcr = LCR_FEN | LCR_WLEN8, cr = CR_UARTEN | CR_TXE | CR_RXE;
    if ((dev_read32(dev, UART_LCR_H) & 0xff) != lcr || (dev_read32(dev, UART_CR) & 0x301) != cr) {
        while (dev_read32(dev, UART_FR) & FR_BUSY)
            ;
        /* A byte typed before now waits in the receiver, and a change of
         * LCR_H.FEN empties the FIFO (QEMU drops what it holds, and so may a
         * real PL011's flush): keep it for the console rather than lose the
         * first key of a command pasted at power-on. The receive
         * interrupt's drain does that (its clear is harmless: IMSC is 0). */
        if (dev->is_stdout)
            console_rx_drain(pl011_irq, dev);
        dev_write32(dev, UART_CR, 0);
        dev_write32(dev, UART_LCR_H, lcr);
        dev_write32(dev, UART_CR, cr);
    }
    pr_info("pl011: %s at %#lx%s", dev->name, (unsigned long)dev->base,
            dev->is_stdout ? ", console" : "");
    /* Input by interrupt, or polled (-1) if the device has none. The
     * interrupt is registered here and turned on by console_register(),
     * through pl011_rx_pause(), which also takes the keys typed at the
     * prompt that comes before this driver (kmain()): they wait in the
     * FIFO, and the clear in pl011_irq() would leave them there with
     * nothing to raise the interrupt again. */
    if (dev->is_stdout)
        return console_register(&(struct console){"pl011", dev, pl011_putc, pl011_getc,
                                                  console_rx_irq(dev, pl011_irq, "pl011 rx"),
                                                  pl011_rx_pause});
    return 0;
}

static const char *const pl011_compat[] = {"arm,pl011", NULL};
DRIVER(pl011_driver, .name = "pl011", .compatible = pl011_compat, .probe = pl011_probe);
