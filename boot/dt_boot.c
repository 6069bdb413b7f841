/**
 * @file dt_boot.c
 * @brief The DTB an arch's entry was handed: checked before the prompt,
 *        indexed and read into boot_info after it.
 *
 * Every arch booted through a device tree (an Image protocol that hands
 * over a DTB) gets a physical address in a register and must decide, before
 * kmain(), whether a blob is there at all: aligned, inside what its boot
 * tables direct-map, and well formed. That decision, and the index and
 * memory map that hal_platform_init() reads first, were the same code in
 * each arch; only the register's name differs. Kept apart from
 * devicetree.c, which the host tests link without a HAL.
 */
#include <boot/devicetree.h>
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <kernel/bootprof.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>

/* The node index (kernel/fdt.h): QEMU virt has about 70 nodes. */
#define DT_INDEX_MAX 512
static struct fdt_node_ix dt_index[DT_INDEX_MAX];

int dt_boot_check(struct fdt *fdt, struct boot_info *bi, uint64_t dtb, const char *reg)
{
    /* kprintf, not the log: this runs before kmain() has a log to read. */
    if (dtb == 0 || (dtb & 7)) {
        kprintf("%s: no usable DTB pointer in %s (%#lx); continuing without one\n", hal_arch_name(),
                reg, dtb);
        return -EINVAL;
    }
    /* The boot tables map 2 MiB from the DTB (the Image protocols' maximum
     * size), unless it lies beyond what the direct map can reach. */
    const void *blob = hal_phys_to_virt(dtb);
    uint64_t avail = 2u << 20;
    if (!hal_direct_mapped(dtb, avail)) {
        kprintf("%s: DTB at %#lx is outside the direct map; continuing without it\n",
                hal_arch_name(), dtb);
        return -EINVAL;
    }
    if (fdt_init(fdt, blob, avail) != 0) {
        kprintf("%s: DTB at %#lx is malformed; continuing without it\n", hal_arch_name(), dtb);
        return -EINVAL;
    }
    bi->dtb_phys = dtb;
    return 0;
}

void dt_boot_read(struct fdt *fdt, struct boot_info *bi)
{
    if (fdt_index(fdt, dt_index, DT_INDEX_MAX) != 0)
        pr_warn("%s: DTB has over %d nodes; reading it without an index", hal_arch_name(),
                DT_INDEX_MAX);
    if (dt_read_boot_info(fdt, bi) == -ENOENT)
        pr_warn("%s: the DTB describes no memory", hal_arch_name());
    boot_stage("dtb index, memory map");
}
