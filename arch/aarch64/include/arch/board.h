/**
 * @file arch/board.h
 * @brief The few fixed addresses aarch64 may use before the DTB is read.
 *
 * Only the earliest console qualifies (docs/porting.md, "Layout"): QEMU virt's PL011. The
 * early MMU maps it and pl011.c drives it, so both take it from here.
 */
#ifndef ARCH_A64_BOARD_H
#define ARCH_A64_BOARD_H

#define A64_EARLY_UART_PHYS 0x09000000UL

#endif
