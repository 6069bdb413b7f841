/**
 * @file kernel/memmap.h
 * @brief Turn a boot memory map into the list of free RAM ranges.
 */
#ifndef KERNEL_MEMMAP_H
#define KERNEL_MEMMAP_H

#include <hal/platform.h>

/**
 * @brief Free RAM: the usable ranges of @p map, minus every non-usable range
 *        of @p map and every range of @p excl.
 *
 * Usable ranges shrink to whole pages, exclusions grow to whole pages; the
 * result is sorted and disjoint. Zero-length and wrapping entries are ignored
 * and overlapping usable ranges merged, each with a warning in the log.
 * @return the number of ranges written to @p out, or -ENOSPC if more than
 *         @p max would be needed
 */
int memmap_free_ranges(const struct mem_range *map, unsigned n, const struct mem_range *excl,
                       unsigned m, struct mem_range *out, unsigned max);

/**
 * @brief The RAM a direct map of @p limit bytes of physical space covers:
 *        @p bi's usable memory and its ACPI tables' (ACPI-reclaim and NVS
 *        ranges: the tables are read through the direct map) minus its
 *        "no-map" reservations (firmware's own
 *        memory: OpenSBI's, a DT's `no-map` nodes) and minus everything at
 *        or above @p limit. The boot tables and the kernel's tables of an
 *        arch that maps RAM from its boot_info both use it, so the two cover
 *        the same RAM (aarch64 and riscv64).
 * @return as memmap_free_ranges()
 */
int memmap_direct_ranges(const struct boot_info *bi, uint64_t limit, struct mem_range *out,
                         unsigned max);

/**
 * @brief The union of @p n ranges (their types ignored): sorted, disjoint,
 *        ranges that overlap or touch merged, without a warning.
 *
 * For a caller that lists overlapping ranges on purpose (the x86_64 direct
 * map: the first MiB, then every range of the firmware's map). Empty and
 * wrapping ranges are skipped. No rounding: pass whole pages if whole pages
 * are wanted.
 * @return the number of ranges written to @p out, or -ENOSPC if more than
 *         @p max would be needed
 */
int memmap_union(const struct mem_range *r, unsigned n, struct mem_range *out, unsigned max);

#endif
