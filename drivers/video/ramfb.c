/**
 * @file ramfb.c
 * @brief QEMU's ramfb (`-device ramfb`): a framebuffer in guest RAM whose
 *        mode and address the guest writes to fw_cfg's "etc/ramfb" file
 *        (big-endian: address, DRM fourcc, flags, width, height, stride),
 *        made the screen console where the boot protocol gave none: a
 *        display of aarch64's virt machine that needs no PCI (Debian 12's
 *        QEMU refuses it on riscv64's; bochs.c is the screen there).
 *
 * The pixels are ordinary RAM, reached through the direct map (cached: QEMU
 * reads guest memory as the CPU's caches see it).
 */
#include <kernel/dma.h>
#include <kernel/driver.h>
#include <kernel/errno.h>

#include <firmware/fw_cfg.h>

#include "screen.h"

#define FOURCC_XRGB8888 0x34325258u /* 'X' 'R' '2' '4': DRM's fourcc, 32 bits, blue lowest */

static int ramfb_probe(struct device *dev)
{
    uint16_t select = (uint16_t)(uintptr_t)dev->bus_data;
    if (!dev->parent || !select)
        return -EINVAL;
    if (screen_in_use(dev)) /* UEFI's GOP on this ramfb, say: a new mode would move it under the screen's feet */
        return 0;
    struct dma_buf fb;
    int err = dma_alloc((size_t)SCREEN_WIDTH * SCREEN_HEIGHT * 4, 4096, &fb);
    if (err)
        return err;
    struct __attribute__((packed)) {
        uint64_t addr;
        uint32_t fourcc, flags, width, height, stride;
    } cfg = {__builtin_bswap64(fb.phys), __builtin_bswap32(FOURCC_XRGB8888), 0,
             __builtin_bswap32(SCREEN_WIDTH), __builtin_bswap32(SCREEN_HEIGHT),
             __builtin_bswap32(SCREEN_WIDTH * 4)};
    err = fw_cfg_write(dev->parent, select, &cfg, sizeof cfg);
    if (!err) {
        struct boot_fb mode = screen_xrgb_mode(fb.phys);
        err = screen_start(dev, &mode, fb.virt);
    }
    if (err) {
        dma_free(&fb);
        return err;
    }
    return 0;
}

static const char *const ramfb_compat[] = {"qemu,ramfb", NULL};
DRIVER(ramfb_driver, .name = "ramfb", .compatible = ramfb_compat, .probe = ramfb_probe);
