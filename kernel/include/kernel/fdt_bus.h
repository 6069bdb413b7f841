/**
 * @file kernel/fdt_bus.h
 * @brief Offer every enabled device-tree node to the drivers.
 */
#ifndef KERNEL_FDT_BUS_H
#define KERNEL_FDT_BUS_H

struct fdt;

/**
 * @brief Walk the tree and device_add() each enabled node with a
 *        "compatible"; the node @p stdout_path names (a path or alias, as in
 *        /chosen/stdout-path; "" for none) is marked as the console.
 * Nodes whose driver is late (struct driver::late) are only noted, and
 * described and probed by device_run_deferred() after the prompt: @p fdt
 * must stay valid until then.
 * @return the number of devices bound to a driver now
 */
int fdt_bus_probe(const struct fdt *fdt, const char *stdout_path);

/**
 * @brief Interrupt @p index of @p node, decoded as fdt_bus_probe() decodes a
 *        device's first into struct device's irq and irq_trigger (for
 *        drivers that need a later one: the Arm generic timer wants its third).
 * @return 0, -ENOENT (no such interrupt) or -EINVAL (malformed, logged)
 */
int fdt_bus_irq(const struct fdt *fdt, int node, unsigned index, unsigned *irq,
                unsigned *trigger);

/**
 * @brief Decode one interrupt specifier of @p ncells cells at @p spec (as
 *        an interrupt-map's parent specifier) for controller node @p ctrl,
 *        the way device interrupts are decoded (GIC SPI n is INTID 32 + n).
 * @param fdt the tree
 * @param ctrl the interrupt controller's node
 * @param spec the specifier's cells (big-endian)
 * @param ncells how many cells @p spec has
 * @param devname who is asking, for messages
 * @param irq receives the interrupt number
 * @param trigger receives the enum irq_trigger
 * @return 0, or -EINVAL (malformed or a cell count @p ctrl does not take; logged)
 */
int fdt_bus_decode_irq(const struct fdt *fdt, int ctrl, const void *spec, unsigned ncells,
                       const char *devname, unsigned *irq, unsigned *trigger);

/** @brief Controller @p ctrl's \#interrupt-cells (1-4), or -EINVAL. */
int fdt_bus_irq_cells(const struct fdt *fdt, int ctrl);

#endif
