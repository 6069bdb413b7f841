/**
 * @file boot/devicetree.h
 * @brief A device tree blob to struct boot_info, and boot-time DT facts.
 *
 * The arm64 Image protocol hands the kernel only a DTB; this is where its
 * memory map, reservations and /chosen settings become the struct boot_info
 * the portable core reads. Device discovery (UART, GIC, PCI) uses
 * <kernel/fdt.h> directly.
 */
#ifndef BOOT_DEVICETREE_H
#define BOOT_DEVICETREE_H

#include <hal/platform.h>
#include <stdint.h>

/**
 * @brief Fill @p bi from the DTB at @p blob, of which at most @p avail bytes may be read.
 *
 * Appends to bi->mem the reg ranges of every enabled memory node (a root
 * child with device_type "memory", or without device_type and named
 * "memory" / "memory@..."), and to bi->reserved the /memreserve/ entries and
 * the reg ranges of enabled /reserved-memory children. From /chosen:
 * bootargs (truncated with a warning if too long), linux,initrd-start/-end
 * (one or two cells each) and stdout-path or linux,stdout-path without its
 * ":options". Sets bi->dtb_size to the blob's totalsize; dtb_phys is the
 * caller's. Zero-length, wrapping or malformed ranges are skipped with a warning.
 *
 * @retval 0 parsed
 * @retval -EINVAL malformed blob; @p bi is untouched
 * @retval -ENOENT well formed but no usable memory range (the rest is filled)
 * @note No allocation; reads the blob only.
 */
int dt_boot_info(const void *blob, uint64_t avail, struct boot_info *bi);

struct fdt;

/**
 * @brief dt_boot_info() for a blob fdt_init() has already validated (boot
 *        parses it once), all but the command line: dt_read_cmdline().
 */
int dt_read_boot_info(const struct fdt *fdt, struct boot_info *bi);

/**
 * @brief The command line alone (/chosen/bootargs, cut to fit with a
 *        warning): boot reads it before the prompt, the rest after it.
 * @note No allocation; reads the blob only; a blob without it leaves
 *       bi->cmdline as it was.
 */
void dt_read_cmdline(const struct fdt *fdt, struct boot_info *bi);

/**
 * @brief The DTB pointer an arch's entry was handed, before kmain(): checked
 *        and the blob validated into @p fdt (boot/dt_boot.c).
 *
 * Refuses, saying so on the console, a pointer that is 0 or not 8-byte
 * aligned, a blob whose 2 MiB (the Image protocols' most) the direct map
 * does not cover, and a malformed blob; the kernel then runs without a
 * device tree. On success sets bi->dtb_phys and nothing else: the arch then
 * reads what it needs before the prompt (dt_read_cmdline(), its clock).
 * @param fdt filled with the validated tree
 * @param bi its dtb_phys is set on success
 * @param dtb the physical address the boot protocol passed
 * @param reg the register the pointer came in ("x0", "a1"), for the message
 * @retval 0 @p fdt holds the tree
 * @retval -EINVAL no usable tree (said)
 * @note Boot CPU, before kmain(); no allocation.
 */
int dt_boot_check(struct fdt *fdt, struct boot_info *bi, uint64_t dtb, const char *reg);

/**
 * @brief What hal_platform_init() reads first from a tree dt_boot_check()
 *        accepted: its node index (a warning and no index past 512 nodes),
 *        then the memory map and /chosen (dt_read_boot_info(); a warning
 *        if it has no memory), timed as one boot stage.
 * @note Boot CPU, once; no allocation.
 */
void dt_boot_read(struct fdt *fdt, struct boot_info *bi);

/** @brief How PSCI calls reach the firmware. */
enum dt_psci_method {
    DT_PSCI_SMC = 1, /**< SMC #0 (firmware at EL3) */
    DT_PSCI_HVC = 2, /**< HVC #0 (hypervisor at EL2, e.g. QEMU virt without EL3) */
};

/**
 * @brief The PSCI conduit from the /psci node's "method" property (the node
 *        is found as /psci or by an "arm,psci*" compatible).
 * @return DT_PSCI_SMC or DT_PSCI_HVC
 * @retval -ENOENT no PSCI node, or no known method
 * @retval -EINVAL malformed blob
 */
int dt_psci_method(const void *blob, uint64_t avail);

/** @brief dt_psci_method() for an already validated blob. */
int dt_read_psci_method(const struct fdt *fdt);

struct hal_cpu_desc;

/**
 * @brief The arch's half of dt_for_each_cpu(): how one available CPU
 *        starts, or why it cannot.
 *
 * Sets d->method, or leaves it NULL and sets d->why; may rewrite d->hwid
 * into hal_cpu_id()'s form of @p reg (which may pack more than its low 32 bits).
 * @param fdt the tree dt_for_each_cpu() walks
 * @param node the CPU's node, to read its other properties
 * @param reg its reg: one or two cells, as /cpus's \#address-cells says
 * @param d its entry, hwid = @p reg's low 32 bits, method and why NULL
 * @param arg dt_for_each_cpu()'s @p arg
 */
typedef void (*dt_cpu_fn)(const struct fdt *fdt, int node, uint64_t reg, struct hal_cpu_desc *d,
                          void *arg);

/**
 * @brief The CPUs under /cpus (every child with device_type "cpu"), each
 *        described by @p fn.
 *
 * The walk and what the device tree spec says of every CPU node are here;
 * what its reg means and how it starts (its enable-method, what the
 * firmware offers) are each arch's, in @p fn. A node whose status is not
 * "okay" gets that as its why, without @p fn. A node whose reg is missing
 * or not \#address-cells (1 or 2) cells long is logged and skipped, not
 * counted.
 *
 * @param fdt a blob fdt_init() has validated
 * @param out filled with the first @p max CPUs, in tree order
 * @param max room in @p out
 * @param fn the arch's description of each available CPU
 * @param arg passed to @p fn
 * @return the number of CPUs found (may exceed @p max)
 * @retval -ENOENT no /cpus node
 * @note No allocation; reads the blob only.
 */
int dt_for_each_cpu(const struct fdt *fdt, struct hal_cpu_desc *out, unsigned max, dt_cpu_fn fn,
                    void *arg);

#endif
