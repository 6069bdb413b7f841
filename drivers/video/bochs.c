/**
 * @file bochs.c
 * @brief QEMU's Bochs-interface displays on PCI (1234:1111: `-device
 *        bochs-display`, and the standard VGA, `-device VGA`), set to a
 *        linear 32-bit mode and made the screen console where the boot
 *        protocol left none: on riscv64's virt machine, where Debian 12's
 *        QEMU has no ramfb, and on any arch a user gives one of them.
 *
 * BAR 0 is the video memory; BAR 2 holds QEMU's registers, among them the
 * Bochs VBE ("DISPI") registers mapped flat at 0x500 (register i's 16 bits
 * at 0x500 + 2i, no index and data ports) and QEMU's byte order register
 * at 0x604 (QEMU's standard-vga spec). A mode is set by disabling the
 * display, writing the resolution, depth and virtual width, then enabling
 * it with the linear framebuffer on (and, on the VGA, unblanking it).
 *
 * Where the screen is this device already (GRUB or OVMF set a mode on the
 * PC's VGA, which the boot framebuffer describes), the mode is left alone.
 */
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/iomem.h>
#include <kernel/log.h>

#include <pci/pci.h>

#include "screen.h"

#define DISPI 0x500 /* register i at DISPI + 2 * i */
#define DISPI_ID 0x0
#define DISPI_XRES 0x1
#define DISPI_YRES 0x2
#define DISPI_BPP 0x3
#define DISPI_ENABLE 0x4
#define DISPI_VIRT_WIDTH 0x6
#define DISPI_VIRT_HEIGHT 0x7
#define DISPI_X_OFFSET 0x8
#define DISPI_Y_OFFSET 0x9
#define DISPI_VIDEO_MEMORY_64K 0xa

#define DISPI_ID_FIRST 0xb0c0 /* IDs 0xb0c0-0xb0c5: interface versions */
#define DISPI_ID_LAST 0xb0c5
#define DISPI_ENABLED 0x01
#define DISPI_LFB_ENABLED 0x40

#define VGA_AR_INDEX 0x400 /* the VGA attribute controller's port 0x3c0, at 0x400 + (port - 0x3c0) */
#define VGA_STATUS1 0x41a  /* input status 1, port 0x3da (colour) */
#define VGA_AR_PAS 0x20     /* palette address source: the CPU is done with the palette, show the picture */
#define PCI_CLASS_VGA 0x030000

#define QEXT_BYTEORDER 0x604
#define QEXT_LITTLE_ENDIAN 0x1e1e1e1eu
#define REGS_NEEDED 0x608 /* through the byte order register */

static uint16_t dispi_read(const struct iomem *r, unsigned i) { return iomem_read16(r, DISPI + 2 * i); }
static void dispi_write(const struct iomem *r, unsigned i, uint16_t v) { iomem_write16(r, DISPI + 2 * i, v); }

static int bochs_probe(struct device *dev)
{
    struct pci_dev *pd = pci_dev_of(dev);
    if (!pd)
        return -ENODEV;
    if (screen_in_use(dev))
        return 0;
    uint64_t fb_size = (uint64_t)SCREEN_WIDTH * SCREEN_HEIGHT * 4;
    const struct pci_bar *vram = &pd->bar[0];
    if ((vram->flags & PCI_BAR_IO) || !vram->cpu_addr || vram->size < fb_size) {
        pr_warn("%s: BAR 0 is not %llu KiB of video memory", dev->name,
                (unsigned long long)(fb_size >> 10));
        return -ENODEV;
    }
    int err = pci_enable(pd, 0);
    if (err)
        return err;
    struct iomem regs, fb;
    err = pci_iomap(pd, 2, &regs);
    if (!err && regs.size < REGS_NEEDED)
        err = -ENODEV; /* an ISA-era VGA without QEMU's MMIO BAR */
    if (err) {
        pr_warn("%s: no register BAR (BAR 2): %s", dev->name, errno_name(err));
        return err;
    }
    uint16_t id = dispi_read(&regs, DISPI_ID);
    if (id < DISPI_ID_FIRST || id > DISPI_ID_LAST) {
        pr_warn("%s: not a Bochs VBE interface (id %#x)", dev->name, id);
        return -ENODEV;
    }
    if ((uint64_t)dispi_read(&regs, DISPI_VIDEO_MEMORY_64K) << 16 < fb_size) {
        pr_warn("%s: %u KiB of video memory is too little for %ux%u", dev->name,
                dispi_read(&regs, DISPI_VIDEO_MEMORY_64K) * 64u, SCREEN_WIDTH, SCREEN_HEIGHT);
        return -ENODEV;
    }
    iomem_write32(&regs, QEXT_BYTEORDER, QEXT_LITTLE_ENDIAN); /* every arch of ours is */
    dispi_write(&regs, DISPI_ENABLE, 0);
    dispi_write(&regs, DISPI_XRES, SCREEN_WIDTH);
    dispi_write(&regs, DISPI_YRES, SCREEN_HEIGHT);
    dispi_write(&regs, DISPI_BPP, 32);
    dispi_write(&regs, DISPI_VIRT_WIDTH, SCREEN_WIDTH);
    dispi_write(&regs, DISPI_VIRT_HEIGHT, SCREEN_HEIGHT);
    dispi_write(&regs, DISPI_X_OFFSET, 0);
    dispi_write(&regs, DISPI_Y_OFFSET, 0);
    dispi_write(&regs, DISPI_ENABLE, DISPI_ENABLED | DISPI_LFB_ENABLED);
    /* The standard VGA shows nothing until the attribute controller is
     * unblanked (bochs-display has no VGA registers there). Reading the
     * colour input status register first points the controller's port,
     * which alternates between index and data, at the index, whatever
     * firmware left it at (in monochrome mode, as after reset, that read
     * does nothing, and the port is at the index already). */
    if (pd->class_code == PCI_CLASS_VGA) {
        (void)iomem_read8(&regs, VGA_STATUS1);
        iomem_write8(&regs, VGA_AR_INDEX, VGA_AR_PAS);
    }
    if (dispi_read(&regs, DISPI_XRES) != SCREEN_WIDTH ||
        dispi_read(&regs, DISPI_YRES) != SCREEN_HEIGHT || dispi_read(&regs, DISPI_BPP) != 32) {
        pr_warn("%s: the display refused %ux%u at 32 bits", dev->name, SCREEN_WIDTH, SCREEN_HEIGHT);
        dispi_write(&regs, DISPI_ENABLE, 0);
        return -EIO;
    }
    /* Only the mode's bytes are mapped: the BAR may be far larger. */
    err = iomem_map(&fb, vram->cpu_addr, fb_size);
    if (!err) {
        struct boot_fb mode = screen_xrgb_mode(vram->cpu_addr);
        err = screen_start(dev, &mode, (void *)fb.base);
    }
    if (err)
        dispi_write(&regs, DISPI_ENABLE, 0);
    return err;
}

static const char *const bochs_compat[] = {"pci1234,1111", NULL};
DRIVER(bochs_driver, .name = "bochs", .compatible = bochs_compat, .probe = bochs_probe);
