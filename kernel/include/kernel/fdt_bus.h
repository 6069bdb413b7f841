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
 * @return the number of devices bound to a driver
 */
int fdt_bus_probe(const struct fdt *fdt, const char *stdout_path);

#endif
