/**
 * @file fdt_bus.c
 * @brief Device-tree discovery: every enabled node with a "compatible" becomes
 *        a device offered to the DRIVER() tables.
 */
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/fdt_bus.h>
#include <kernel/log.h>
#include <kernel/string.h>

#define MAX_DEPTH 16

/*
 * Translate a reg address of a node below parents[0..depth) up to the CPU's
 * physical address space through each bus's "ranges" (child address, parent
 * address, size). An empty "ranges" is 1:1; a bus without one is not
 * memory-mapped at all (I2C, SPI). Returns 0 and updates *addr, or -ENOENT.
 */
static int translate(const struct fdt *fdt, const int *parents, int depth, uint64_t *addr)
{
    for (int k = depth - 1; k >= 1; k--) {
        uint32_t len;
        const uint8_t *r = fdt_getprop(fdt, parents[k], "ranges", &len);
        if (!r)
            return -ENOENT;
        if (len == 0)
            continue;
        int ca = fdt_addr_cells(fdt, parents[k]), pa = fdt_addr_cells(fdt, parents[k - 1]);
        int cs = fdt_size_cells(fdt, parents[k]);
        if (ca < 1 || ca > 2 || pa < 1 || pa > 2 || cs < 1 || cs > 2)
            return -ENOENT; /* e.g. PCI's 3-cell addresses: not for this bus walker */
        uint32_t entry = 4u * (uint32_t)(ca + pa + cs);
        int found = 0;
        for (uint32_t off = 0; off + entry <= len && !found; off += entry) {
            uint64_t child = fdt_read_cells(r + off, ca), parent = fdt_read_cells(r + off + 4 * ca, pa);
            uint64_t size = fdt_read_cells(r + off + 4 * (ca + pa), cs);
            if (*addr >= child && *addr - child < size && parent + (*addr - child) >= parent) {
                *addr = parent + (*addr - child);
                found = 1;
            }
        }
        if (!found)
            return -ENOENT;
    }
    return 0;
}

static void describe(const struct fdt *fdt, const int *parents, int depth, int node,
                     int stdout_node, struct device *dev)
{
    const char *name = fdt_node_name(fdt, node, NULL);
    uint32_t len, n;
    const char *compat = fdt_getprop(fdt, node, "compatible", &len);
    strlcpy(dev->name, name ? name : "?", sizeof dev->name);
    dev->fdt_node = node;
    dev->is_stdout = node == stdout_node;
    /* Copy whole strings while they fit; the most specific come first. */
    for (uint32_t pos = 0; pos < len; pos += n + 1) {
        n = strnlen(compat + pos, len - pos);
        if (pos + n == len || device_add_compatible(dev, compat + pos) != 0)
            break;
    }
    uint64_t base, size;
    if (fdt_reg_in(fdt, parents[depth - 1], node, 0, &base, &size) == 0 && size &&
        translate(fdt, parents, depth, &base) == 0) {
        dev->space = DEV_MMIO;
        dev->base = base;
        dev->size = size;
    }
    uint32_t v;
    if (fdt_prop_u32(fdt, node, "reg-shift", &v) == 0 && v < 4)
        dev->reg_shift = v;
    if (fdt_prop_u32(fdt, node, "reg-io-width", &v) == 0 && (v == 1 || v == 4))
        dev->reg_width = v;
}

int fdt_bus_probe(const struct fdt *fdt, const char *stdout_path)
{
    int stdout_node = stdout_path[0] ? fdt_resolve_path(fdt, stdout_path) : -ENOENT;
    if (stdout_path[0] && stdout_node < 0)
        pr_warn("fdt: stdout-path '%s' names no node (%s)", stdout_path, errno_name(stdout_node));
    /* parents[d] is the node at depth d on the way down to the current one;
     * below a disabled node (skip_below) nothing is probed. */
    int parents[MAX_DEPTH], bound = 0, depth = 0, skip_below = MAX_DEPTH;
    for (int node = fdt_root(fdt); node >= 0; node = fdt_next_node(fdt, node, &depth)) {
        if (depth <= skip_below)
            skip_below = MAX_DEPTH;
        if (depth >= skip_below || depth >= MAX_DEPTH)
            continue;
        parents[depth] = node;
        if (!fdt_node_is_available(fdt, node)) {
            skip_below = depth;
            continue;
        }
        if (depth == 0 || !fdt_getprop(fdt, node, "compatible", NULL))
            continue;
        struct device dev = {0};
        describe(fdt, parents, depth, node, stdout_node, &dev);
        if (device_add(&dev) == 0)
            bound++;
    }
    return bound;
}
