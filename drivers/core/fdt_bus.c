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

/* Is the reg of a node below @p parents[0..depth) in the CPU's physical
 * address space? Only if every bus between it and the root maps its children
 * 1:1 (an empty "ranges"). A non-empty "ranges" would need translating, which
 * no board we boot needs yet; a bus without "ranges" is not memory-mapped at
 * all (I2C, SPI). */
static int reg_is_physical(const struct fdt *fdt, const int *parents, int depth)
{
    for (int i = 1; i < depth; i++) {
        uint32_t len;
        if (!fdt_getprop(fdt, parents[i], "ranges", &len) || len != 0)
            return 0;
    }
    return 1;
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
    if (reg_is_physical(fdt, parents, depth) &&
        fdt_reg_in(fdt, parents[depth - 1], node, 0, &base, &size) == 0 && size) {
        dev->space = DEV_MMIO;
        dev->base = base;
        dev->size = size;
    }
    uint32_t shift;
    if (fdt_prop_u32(fdt, node, "reg-shift", &shift) == 0 && shift < 4)
        dev->reg_shift = shift;
}

int fdt_bus_probe(const struct fdt *fdt, const char *stdout_path)
{
    int stdout_node = stdout_path[0] ? fdt_resolve_path(fdt, stdout_path) : -ENOENT;
    if (stdout_path[0] && stdout_node < 0)
        pr_warn("fdt: stdout-path '%s' names no node (%s)", stdout_path, errno_name(stdout_node));
    /* parents[d] is the node at depth d on the way down to the current one. */
    int parents[MAX_DEPTH], bound = 0, depth = 0;
    for (int node = fdt_root(fdt); node >= 0; node = fdt_next_node(fdt, node, &depth)) {
        if (depth >= MAX_DEPTH)
            continue;
        parents[depth] = node;
        if (depth == 0 || !fdt_getprop(fdt, node, "compatible", NULL) ||
            !fdt_node_is_available(fdt, node))
            continue;
        struct device dev = {0};
        describe(fdt, parents, depth, node, stdout_node, &dev);
        if (device_add(&dev) == 0)
            bound++;
    }
    return bound;
}
