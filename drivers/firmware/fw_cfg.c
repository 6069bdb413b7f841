/**
 * @file fw_cfg.c
 * @brief QEMU's fw_cfg on MMIO ("qemu,fw-cfg-mmio", the virt machines'
 *        device tree): its file directory read at probe, a child device
 *        added for each file a driver here knows ("etc/ramfb": the RAM
 *        framebuffer), and writes by the DMA interface (QEMU's
 *        fw_cfg specification: selector at +8 and the DMA address at +16,
 *        both big-endian; the data register at +0).
 *
 * Probed late, in the probe thread: the children allocate memory.
 */
#include <hal/timer.h>
#include <kernel/dma.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/sched.h>
#include <kernel/string.h>

#include "fw_cfg.h"

#define REG_DATA 0
#define REG_SELECT 8
#define REG_DMA 16

#define SEL_SIGNATURE 0x0000
#define SEL_ID 0x0001
#define SEL_FILE_DIR 0x0019
#define ID_DMA (1u << 1)

#define DMA_ERROR 0x01u
#define DMA_SELECT 0x08u
#define DMA_WRITE 0x10u

/* The DMA request, in guest memory, big-endian. */
struct dma_access {
    uint32_t control;
    uint32_t length;
    uint64_t address;
};

static uint16_t be16(uint16_t v) { return __builtin_bswap16(v); }
static uint32_t be32(uint32_t v) { return __builtin_bswap32(v); }
static uint64_t be64(uint64_t v) { return __builtin_bswap64(v); }

static void select_item(const struct device *dev, uint16_t sel) { dev_write16(dev, REG_SELECT, be16(sel)); }

static void read_data(const struct device *dev, void *buf, size_t n)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < n; i++)
        p[i] = dev_read8(dev, REG_DATA);
}

int fw_cfg_write(const struct device *dev, uint16_t select, const void *data, size_t len)
{
    if (len > UINT32_MAX)
        return -EINVAL;
    struct dma_buf b;
    int err = dma_alloc(sizeof(struct dma_access) + len, 4096, &b);
    if (err)
        return err;
    struct dma_access *a = b.virt;
    memcpy(a + 1, data, len);
    a->control = be32((uint32_t)select << 16 | DMA_SELECT | DMA_WRITE);
    a->length = be32((uint32_t)len);
    a->address = be64(b.phys + sizeof *a);
    dma_sync_for_device(dev, &b, 0, b.size, DMA_BIDIRECTIONAL);
    dev_write64(dev, REG_DMA, be64(b.phys)); /* the write starts it */
    uint64_t end = hal_time_ns() + 1000000000ull;
    uint32_t ctl;
    for (;;) {
        dma_sync_for_cpu(dev, &b, 0, sizeof *a, DMA_BIDIRECTIONAL);
        ctl = be32(__atomic_load_n(&a->control, __ATOMIC_ACQUIRE));
        if ((ctl & ~DMA_ERROR) == 0 || hal_time_ns() > end)
            break;
        thread_yield();
    }
    dma_free(&b);
    return ctl == 0 ? 0 : -EIO;
}

/* The files a driver here handles, as the children fw_cfg adds. */
static const struct {
    const char *file, *compatible;
} known[] = {
    {"etc/ramfb", "qemu,ramfb"},
};

static int fw_cfg_probe(struct device *dev)
{
    int err = device_map(dev);
    if (err)
        return err;
    char sig[4];
    select_item(dev, SEL_SIGNATURE);
    read_data(dev, sig, 4);
    if (memcmp(sig, "QEMU", 4) != 0) {
        pr_warn("%s: signature %02x%02x%02x%02x, not QEMU's", dev->name, sig[0], sig[1], sig[2], sig[3]);
        return -ENODEV;
    }
    uint8_t id[4];
    select_item(dev, SEL_ID);
    read_data(dev, id, 4);
    int dma = id[0] & ID_DMA;
    uint32_t count;
    select_item(dev, SEL_FILE_DIR);
    read_data(dev, &count, 4);
    count = be32(count);
    if (count > 4096) {
        pr_warn("%s: a directory of %u files: not believed", dev->name, count);
        return -EINVAL;
    }
    for (uint32_t i = 0; i < count; i++) {
        struct {
            uint32_t size;
            uint16_t select, reserved;
            char name[56];
        } f;
        read_data(dev, &f, sizeof f);
        f.name[sizeof f.name - 1] = 0;
        for (unsigned k = 0; k < sizeof known / sizeof known[0]; k++) {
            if (strcmp(f.name, known[k].file) != 0)
                continue;
            if (!dma) {
                pr_warn("%s: %s needs the DMA interface, which this one lacks", dev->name, f.name);
                continue;
            }
            struct device c = {.space = DEV_NONE, .parent = dev, .fdt_node = -1,
                               .bus_data = (const void *)(uintptr_t)be16(f.select)};
            strlcpy(c.name, known[k].file + 4, sizeof c.name); /* without "etc/" */
            device_add_compatible(&c, known[k].compatible);
            device_add(&c); /* a failed probe says why itself */
        }
    }
    return 0;
}

static const char *const fw_cfg_compat[] = {"qemu,fw-cfg-mmio", NULL};
DRIVER(fw_cfg_driver, .name = "fw_cfg", .compatible = fw_cfg_compat, .probe = fw_cfg_probe, .late = 1);
