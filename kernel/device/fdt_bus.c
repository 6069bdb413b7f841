/**
 * @file fdt_bus.c
 * @brief Device-tree discovery: every enabled node with a "compatible" becomes
 *        a device offered to the DRIVER() tables.
 *
 * Each device gets its register windows (translated to CPU physical
 * addresses), its first interrupt in the kernel's numbering, and, for the
 * length of its probe, the tree itself (dev->bus_data), so a driver can read
 * what struct device does not carry. A malformed property costs the device
 * that property (with a warning), never the walk.
 *
 * One pass in document order is enough even though a device may come before
 * its interrupt controller: irq_register() before the controller exists is
 * kept and unmasked when the controller registers (kernel/irq/irq.c).
 */
#include <kernel/irq.h>
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

/*
 * Interrupts ("interrupts" with "interrupt-parent", or "interrupts-extended").
 *
 * The interrupt parent is found as the DT spec says: a node's own
 * "interrupt-parent" phandle, else its tree parent if that is an interrupt
 * controller (has #interrupt-cells), else the same question one level up,
 * so an "interrupt-parent" on the root serves the whole tree (Linux's
 * reading too). The controller's #interrupt-cells says how wide one
 * specifier is.
 */

/* Interrupt controllers whose specifiers use the GIC binding: <type number flags>. */
static const char *const gic_compat[] = {
    "arm,gic-v3", "arm,gic-400", "arm,cortex-a15-gic", "arm,cortex-a9-gic", "arm,cortex-a7-gic",
    "arm,arm11mp-gic", "arm,cortex-a5-gic", "arm,pl390", NULL,
};

static int is_gic(const struct fdt *fdt, int node)
{
    /* Not unrolled: under TCG each copy is more code to translate at boot. */
#pragma clang loop unroll(disable)
    for (const char *const *c = gic_compat; *c; c++)
        if (fdt_node_is_compatible(fdt, node, *c))
            return 1;
    return 0;
}

/* The last phandle resolved during one walk: nearly every node names the
 * same interrupt-parent, and a phandle lookup scans the whole tree (under
 * TCG, once per device, that was a visible part of boot). */
struct phandle_memo {
    uint32_t phandle;
    int node;  /* -1: empty */
    int cells; /* the controller's #interrupt-cells, 0: not read yet */
    int gic;   /* is_gic() of the controller */
};

/* The controller named by @p node's "interrupt-parent"; -EINVAL logged if broken. */
static int by_phandle_prop(const struct fdt *fdt, int node, const char *devname,
                           struct phandle_memo *memo)
{
    uint32_t ph;
    int err = fdt_prop_u32(fdt, node, "interrupt-parent", &ph);
    if (err) {
        pr_warn("fdt: %s: interrupt-parent is not one cell; no interrupt", devname);
        return -EINVAL;
    }
    if (memo && memo->node >= 0 && memo->phandle == ph)
        return memo->node;
    int ctrl = fdt_node_by_phandle(fdt, ph);
    if (memo && ctrl >= 0)
        *memo = (struct phandle_memo){ph, ctrl, 0, 0};
    if (ctrl < 0)
        pr_warn("fdt: %s: interrupt-parent <%#x> names no node; no interrupt", devname, ph);
    return ctrl < 0 ? -EINVAL : ctrl;
}

/* Interrupt parent of parents[depth] (parents[0..depth) its ancestors). */
static int irq_parent(const struct fdt *fdt, const int *parents, int depth, const char *devname,
                      struct phandle_memo *memo)
{
    for (int k = depth; k >= 0; k--) {
        if (fdt_getprop(fdt, parents[k], "interrupt-parent", NULL))
            return by_phandle_prop(fdt, parents[k], devname, memo);
        if (k > 0 && fdt_getprop(fdt, parents[k - 1], "#interrupt-cells", NULL))
            return parents[k - 1];
    }
    pr_warn("fdt: %s: has interrupts but no interrupt-parent; no interrupt", devname);
    return -EINVAL;
}

/* The controller's #interrupt-cells (1-4), or -EINVAL logged. */
static int irq_cells(const struct fdt *fdt, int ctrl, const char *devname)
{
    uint32_t cells;
    if (fdt_prop_u32(fdt, ctrl, "#interrupt-cells", &cells) != 0 || cells < 1 || cells > 4) {
        pr_warn("fdt: %s: its interrupt parent %s has no usable #interrupt-cells; no interrupt",
                devname, fdt_node_name(fdt, ctrl, NULL));
        return -EINVAL;
    }
    return (int)cells;
}

/* Linux's IRQ_TYPE_* bits, shared by the GIC binding and the two-cell one. */
static unsigned trigger_of(uint32_t flags)
{
    if (flags & 3)
        return IRQ_TRIGGER_EDGE;
    if (flags & 0xc)
        return IRQ_TRIGGER_LEVEL;
    return IRQ_TRIGGER_DEFAULT;
}

/*
 * Decode one specifier of @p cells cells at @p spec for controller @p ctrl
 * into the kernel's numbering (hal/irq.h): GIC SPI n is INTID 32 + n, PPI n
 * is 16 + n; another controller's first cell is its number, a second cell
 * its flags. 0 or -EINVAL logged.
 */
static int decode_spec(const struct fdt *fdt, int ctrl, int cells, int gic, const uint8_t *spec,
                       const char *devname, unsigned *irq, unsigned *trigger)
{
    uint64_t n;
    uint32_t flags = 0;
    if (gic && cells >= 3) {
        uint32_t type = fdt_be32(spec), num = fdt_be32(spec + 4);
        flags = fdt_be32(spec + 8);
        if (type == 0 && num < 988)
            n = 32 + (uint64_t)num;
        else if (type == 1 && num < 16)
            n = 16 + (uint64_t)num;
        else {
            pr_warn("fdt: %s: GIC interrupt <%u %u> not supported; no interrupt", devname, type,
                    num);
            return -EINVAL;
        }
    } else if (!gic && cells <= 2) {
        n = fdt_be32(spec);
        if (cells == 2)
            flags = fdt_be32(spec + 4);
        /* All-ones is how firmware hides an entry it keeps for itself
         * (OpenSBI turns the PLIC's machine-mode contexts in
         * interrupts-extended into -1): not an interrupt, not an error. */
        if (n == 0xffffffffu)
            return -ENOENT;
    } else {
        pr_warn("fdt: %s: %d-cell interrupts of %s not understood; no interrupt", devname, cells,
                fdt_node_name(fdt, ctrl, NULL));
        return -EINVAL;
    }
    if (n >= IRQ_NR_MAX) {
        pr_warn("fdt: %s: interrupt %lu out of range; no interrupt", devname, (unsigned long)n);
        return -EINVAL;
    }
    *irq = (unsigned)n;
    *trigger = trigger_of(flags);
    return 0;
}

/* Interrupt @p index of parents[depth]; 0, -ENOENT (none) or -EINVAL (logged). */
static int node_irq(const struct fdt *fdt, const int *parents, int depth, unsigned index,
                    unsigned *irq, unsigned *trigger, struct phandle_memo *memo)
{
    int node = parents[depth];
    const char *devname = fdt_node_name(fdt, node, NULL);
    uint32_t len;
    const uint8_t *p = fdt_getprop(fdt, node, "interrupts-extended", &len);
    if (p) {
        /* <&ctrl spec...> pairs, each controller with its own width. */
        for (uint32_t off = 0, i = 0; off < len; i++) {
            int ctrl = len - off >= 4 ? fdt_node_by_phandle(fdt, fdt_be32(p + off)) : -EINVAL;
            if (ctrl < 0) {
                pr_warn("fdt: %s: interrupts-extended names no controller; no interrupt",
                        devname);
                return -EINVAL;
            }
            int cells = irq_cells(fdt, ctrl, devname);
            if (cells < 0)
                return cells;
            if (len - off - 4 < 4u * (uint32_t)cells) {
                pr_warn("fdt: %s: interrupts-extended is cut short; no interrupt", devname);
                return -EINVAL;
            }
            if (i == index)
                return decode_spec(fdt, ctrl, cells, is_gic(fdt, ctrl), p + off + 4, devname, irq,
                                   trigger);
            off += 4 + 4u * (uint32_t)cells;
        }
        return -ENOENT;
    }
    p = fdt_getprop(fdt, node, "interrupts", &len);
    if (!p)
        return -ENOENT;
    int ctrl = irq_parent(fdt, parents, depth, devname, memo);
    if (ctrl < 0)
        return ctrl;
    int cells, gic;
    if (memo && memo->node == ctrl && memo->cells > 0) {
        cells = memo->cells;
        gic = memo->gic;
    } else {
        cells = irq_cells(fdt, ctrl, devname);
        if (cells < 0)
            return cells;
        gic = is_gic(fdt, ctrl);
        if (memo && memo->node == ctrl) {
            memo->cells = cells;
            memo->gic = gic;
        }
    }
    uint32_t width = 4u * (uint32_t)cells;
    if (len == 0 || len % width) {
        pr_warn("fdt: %s: interrupts is %u bytes, not a multiple of %u; no interrupt", devname,
                len, width);
        return -EINVAL;
    }
    if (index >= len / width)
        return -ENOENT;
    return decode_spec(fdt, ctrl, cells, gic, p + index * width, devname, irq, trigger);
}

int fdt_bus_irq(const struct fdt *fdt, int node, unsigned index, unsigned *irq,
                unsigned *trigger)
{
    /* The chain of ancestors irq_parent() walks, found bottom-up. */
    int chain[MAX_DEPTH], depth = 0;
    for (int n = node; n >= 0; n = fdt_parent(fdt, n)) {
        if (depth == MAX_DEPTH)
            return -EINVAL;
        chain[depth++] = n;
    }
    if (depth == 0)
        return -EINVAL;
    int parents[MAX_DEPTH];
    for (int i = 0; i < depth; i++)
        parents[i] = chain[depth - 1 - i];
    return node_irq(fdt, parents, depth - 1, index, irq, trigger, NULL);
}

static void describe(const struct fdt *fdt, const int *parents, int depth, int node,
                     int stdout_node, struct device *dev, struct phandle_memo *memo)
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
    /* Windows are kept up to the first that cannot be used (undecodable,
     * empty, or outside what the buses map), so reg_base[i] is always reg
     * entry i. */
    uint64_t base, size;
    for (unsigned i = 0; i < DEV_MAX_REGS; i++) {
        if (fdt_reg_in(fdt, parents[depth - 1], node, i, &base, &size) != 0 || !size ||
            translate(fdt, parents, depth, &base) != 0)
            break;
        dev->reg_base[i] = base;
        dev->reg_size[i] = size;
        dev->nregs = i + 1;
    }
    if (dev->nregs) {
        dev->space = DEV_MMIO;
        dev->base = dev->reg_base[0];
        dev->size = dev->reg_size[0];
    }
    unsigned irq, trigger;
    if (node_irq(fdt, parents, depth, 0, &irq, &trigger, memo) == 0) {
        dev->has_irq = 1;
        dev->irq = irq;
        dev->irq_trigger = trigger;
    }
    uint32_t v;
    if (fdt_prop_u32(fdt, node, "reg-shift", &v) == 0 && v < 4)
        dev->reg_shift = v;
    if (fdt_prop_u32(fdt, node, "reg-io-width", &v) == 0 && (v == 1 || v == 4))
        dev->reg_width = v;
}

/* Nodes whose driver is late (struct driver::late): noted at boot,
 * described and probed by the probe thread after the prompt. */
#define LATE_MAX 64
static int late_nodes[LATE_MAX];
static unsigned nlate;

static void probe_late(void *arg)
{
    const struct fdt *fdt = arg;
    for (unsigned i = 0; i < nlate; i++) {
        int chain[MAX_DEPTH], parents[MAX_DEPTH], depth = 0;
        for (int n = late_nodes[i]; n >= 0 && depth < MAX_DEPTH; n = fdt_parent(fdt, n))
            chain[depth++] = n;
        for (int k = 0; k < depth; k++)
            parents[k] = chain[depth - 1 - k];
        struct device dev = {.bus_data = fdt};
        describe(fdt, parents, depth - 1, late_nodes[i], -1, &dev, NULL);
        device_add(&dev);
    }
}

/* One walk over the tree: pass 0 probes the MSI controllers only, pass 1
 * everything else. */
static int probe_pass(const struct fdt *fdt, int stdout_node, int pass)
{
    /* parents[d] is the node at depth d on the way down to the current one;
     * below a disabled node (skip_below) nothing is probed. */
    int parents[MAX_DEPTH], bound = 0, depth = 0, skip_below = MAX_DEPTH;
    struct phandle_memo memo = {0, -1, 0, 0};
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
        if ((fdt_getprop(fdt, node, "msi-controller", NULL) != NULL) != (pass == 0))
            continue;
        uint32_t clen;
        const char *compat = depth ? fdt_getprop(fdt, node, "compatible", &clen) : NULL;
        /* Describing a node (reg windows, interrupts) is most of the walk's
         * cost; QEMU virt has 32 virtio-mmio nodes and no driver for them. */
        const struct driver *drv = compat ? driver_find(compat, clen) : NULL;
        if (!drv)
            continue;
        if (drv->late && nlate < LATE_MAX) {
            if (nlate == 0 && device_defer(probe_late, (void *)fdt) != 0)
                continue;
            late_nodes[nlate++] = node;
            continue;
        }
        struct device dev = {.bus_data = fdt};
        describe(fdt, parents, depth, node, stdout_node, &dev, &memo);
        if (device_add(&dev) == 0)
            bound++;
    }
    return bound;
}

/*
 * MSI controllers first: a wired controller may deliver through one (the
 * RISC-V APLIC sends MSIs to the IMSIC, whose node comes after it in QEMU
 * virt's tree), and nothing an MSI controller needs is probed after it
 * (GICv2m and the ITS are late anyway). Then the tree in order.
 */
int fdt_bus_probe(const struct fdt *fdt, const char *stdout_path)
{
    int stdout_node = stdout_path[0] ? fdt_resolve_path(fdt, stdout_path) : -ENOENT;
    if (stdout_path[0] && stdout_node < 0)
        pr_warn("fdt: stdout-path '%s' names no node (%s)", stdout_path, errno_name(stdout_node));
    return probe_pass(fdt, stdout_node, 0) + probe_pass(fdt, stdout_node, 1);
}

int fdt_bus_decode_irq(const struct fdt *fdt, int ctrl, const void *spec, unsigned ncells,
                       const char *devname, unsigned *irq, unsigned *trigger)
{
    int cells = irq_cells(fdt, ctrl, devname);
    if (cells < 0)
        return cells;
    if ((unsigned)cells != ncells) {
        pr_warn("fdt: %s: %u interrupt cells given where %s takes %d; no interrupt", devname,
                ncells, fdt_node_name(fdt, ctrl, NULL), cells);
        return -EINVAL;
    }
    return decode_spec(fdt, ctrl, cells, is_gic(fdt, ctrl), spec, devname, irq, trigger);
}

int fdt_bus_irq_cells(const struct fdt *fdt, int ctrl)
{
    uint32_t cells;
    if (fdt_prop_u32(fdt, ctrl, "#interrupt-cells", &cells) != 0 || cells < 1 || cells > 4)
        return -EINVAL;
    return (int)cells;
}
