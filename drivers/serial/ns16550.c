/**
 * @file ns16550.c
 * @brief 8250/16550-compatible UART driver (port-mapped COM1 or MMIO).
 *
 * Register access goes through the bus accessors, so the same code drives
 * the PC's COM1 at port 0x3f8 and a device-tree "ns16550a" with reg-shift.
 * Polled transmit; receive by interrupt when the device has one. 8N1 with
 * FIFOs. Honours the DT "reg-shift" and "reg-io-width".
 *
 * Register ordering: setup and interrupt control use the ordered accessors;
 * the byte path (LSR polling, RBR/THR) the relaxed ones, as the bytes move
 * through registers and never through memory the UART reads (no barrier
 * per character on aarch64).
 */
#include <kernel/console.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/log.h>

#define RBR 0 /* receive buffer (read), THR transmit holding (write), DLL with DLAB */
#define IER 1 /* interrupt enable, DLM with DLAB */
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define SCR 7
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define TX_FIFO 16
#define IER_RDA 0x01  /* received data available */
#define MCR_OUT2 0x08 /* a PC gates the UART's interrupt line with OUT2 */

/* LSR.THRE means the transmitter is empty: with a FIFO that is 16 bytes of
 * room. dev->driver_data keeps the room left (low byte) and the FIFO size
 * (next byte, from probe), so only every 16th byte asks LSR: half the port
 * accesses per byte, each a trap under emulation. Callers serialise
 * (kprintf's lock). */
static void ns16550_putc(struct device *dev, char c)
{
    while ((dev->driver_data & 0xff) == 0)
        if (dev_read8_relaxed(dev, LSR) & LSR_THRE)
            dev->driver_data |= dev->driver_data >> 8;
    dev->driver_data--;
    dev_write8_relaxed(dev, RBR, (uint8_t)c);
}

static int ns16550_getc(struct device *dev)
{
    if (!(dev_read8_relaxed(dev, LSR) & LSR_DR))
        return -1;
    return dev_read8_relaxed(dev, RBR);
}

static void ns16550_irq(unsigned irq, void *arg)
{
    (void)irq;
    struct device *dev = arg;
    /* Reading RBR until LSR.DR clears also clears the interrupt (IIR). */
    while ((dev_read8_relaxed(dev, LSR) & LSR_DR) && console_rx_room())
        console_rx_push((char)dev_read8_relaxed(dev, RBR));
}

/* The console's queue filled (pause) or has room again (resume: queue what
 * waited, rather than count on the interrupt being raised again). The
 * console calls it with interrupts masked. */
static void ns16550_rx_pause(struct device *dev, int pause)
{
    dev_write8(dev, IER, pause ? 0 : IER_RDA);
    if (!pause)
        ns16550_irq(dev->irq, dev);
}

/* Console input by interrupt; -1 (polled) if the device has none. The
 * interrupt is registered and the line to the controller enabled (OUT2);
 * console_register() turns IER on through ns16550_rx_pause(), which also
 * takes the keys typed at the prompt that comes before this driver
 * (kmain()): on an edge-triggered ISA line they may raise nothing. */
static int ns16550_rx_irq(struct device *dev)
{
    int irq = console_rx_irq(dev, ns16550_irq, "ns16550 rx");
    if (irq >= 0)
        dev_write8(dev, MCR, 0x03 | MCR_OUT2);
    return irq;
}

/* Register writes from a (register, value) table, in order. One loop, not
 * unrolled and not inlined: under TCG each inlined dev_write8() is a few
 * more translated blocks at boot (the space and width checks, and on x86
 * every port access ends a block), and the probe makes a dozen writes. */
__attribute__((noinline)) static void write_regs(struct device *dev, const uint8_t (*seq)[2],
                                                 unsigned n)
{
#pragma clang loop unroll(disable)
    for (unsigned i = 0; i < n; i++)
        dev_write8(dev, seq[i][0], seq[i][1]);
}

static int ns16550_probe(struct device *dev)
{
    /* A PC's legacy port is found by convention rather than described:
     * check something answers (the scratch register keeps what we write),
     * then program 115200 baud from the PC's 1.8432 MHz clock: divisor
     * latch 1 (low byte at RBR, high at IER while DLAB is set). A described
     * UART keeps the rate firmware set: its clock varies. */
    static const uint8_t quiet[][2] = {{IER, 0x00}, {SCR, 0x5a}}; /* IER: until the console starts it */
    static const uint8_t baud[][2] = {{LCR, LCR_DLAB}, {RBR, 0x01}, {IER, 0x00}};
    /* FIFOs on, neither cleared (see below), receive trigger level 1 byte:
     * the interrupt comes with the first byte. At a higher level a line
     * shorter than it raises nothing until the character timeout (4
     * characters later, by QEMU's clock, which a busy host delays), and the
     * shell's idle look would find it first and count a lost interrupt. */
    static const uint8_t fifo[][2] = {{FCR, 0x01}};
    if (dev->space == DEV_NONE || dev->size < (8u << dev->reg_shift))
        return -EINVAL;
    int err = device_map(dev);
    if (err)
        return err;
    int pio = dev->space == DEV_PIO;
    write_regs(dev, quiet, pio ? 2 : 1);
    if (pio) {
        if (dev_read8(dev, SCR) != 0x5a)
            return -ENODEV;
        write_regs(dev, baud, 3);
    }
    write_regs(dev, (const uint8_t[][2]){{LCR, LCR_8N1}}, 1);
    /* Keys typed at the prompt, which comes before this driver (kmain()),
     * wait in the receiver, and turning the FIFOs on empties it (QEMU
     * clears both FIFOs when FCR's enable bit changes, as a real 16550
     * may): keep them for the console, just before, rather than lose the
     * start of a command. The receive interrupt's drain does that. */
    if (dev->is_stdout)
        console_rx_drain(ns16550_irq, dev);
    write_regs(dev, fifo, 1);
    /* IIR bits 7:6 read 11 once FIFOs are on; an 8250/16450 has none. */
    dev->driver_data = (uintptr_t)((dev_read8(dev, FCR) & 0xc0) == 0xc0 ? TX_FIFO : 1) << 8;
    write_regs(dev, (const uint8_t[][2]){{MCR, 0x03}}, 1); /* DTR, RTS */
    pr_info("ns16550: %s at %s %#lx%s", dev->name, dev->space == DEV_PIO ? "port" : "mmio",
            (unsigned long)dev->base, dev->is_stdout ? ", console" : "");
    if (dev->is_stdout)
        return console_register(
            &(struct console){"ns16550", dev, ns16550_putc, ns16550_getc, ns16550_rx_irq(dev),
                              ns16550_rx_pause});
    return 0;
}

static const char *const ns16550_compat[] = {"ns16550a", "ns16550", "ns8250", NULL};
DRIVER(ns16550_driver, .name = "ns16550", .compatible = ns16550_compat, .probe = ns16550_probe);
