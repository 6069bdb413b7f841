/**
 * @file kernel/sections.h
 * @brief The symbols every arch's linker script (arch/<a>/linker.ld) defines
 *        around the kernel image and its registration sections.
 *
 * They are addresses, not variables: only their address means anything
 * (`(uintptr_t)__kernel_start`), and the ranges are half open, [start, end).
 * Declared once here, so that a new arch's linker script has one list to
 * match and no file repeats an `extern` with a type of its own choosing.
 * The image is laid out as text, then read-only data (rodata, the symbol
 * table, the test and driver tables), then data and .bss; the kernel maps
 * each part with its own rights (W^X), so the boundaries are page-aligned.
 *
 * Registration sections hold arrays that macros fill at link time: KTEST()
 * (kernel/ktest.h), DRIVER() (kernel/driver.h) and SHELL_COMMAND()
 * (kernel/shell.h); their bounds are declared, typed, in those headers, so
 * that iterating is plain pointer arithmetic and this header, which every
 * layer reads, names no higher layer's types.
 */
#ifndef KERNEL_SECTIONS_H
#define KERNEL_SECTIONS_H

#include <stdint.h>

/** @name The image
 *  All at their link (virtual) addresses; the physical address of the image
 *  is boot_info.kernel_phys. */
/** @{ */
extern char __kernel_start[]; /**< first byte of the image (KERNEL_VIRT_BASE), start of text */
extern char __text_end[];     /**< one past the executable code */
extern char __rodata_start[]; /**< first read-only byte, page-aligned */
extern char __data_start[];   /**< first writable byte (data, then .bss), page-aligned */
extern char __bss_start[];    /**< first byte of .bss (zeroed by the arch's entry code) */
extern char __bss_end[];      /**< one past .bss */
extern char __kernel_end[];   /**< one past the image, .bss included; page-aligned */
/** @} */

/** @name Registration sections */
/** @{ */
/**
 * @brief The symbol table scripts/gensyms.py generates for the final link
 *        (layout in its header). Empty in the first link, which
 *        kernel/debug/ksyms.c copes with.
 */
extern const uint64_t __ksyms_start[];
extern const uint64_t __ksyms_end[];          /**< one past the symbol table */
/** @} */

#endif
