/**
 * @file arch/board.h
 * @brief The one fixed address riscv64 may use before the DTB is read.
 *
 * Only the earliest console qualifies (docs/porting.md, "Layout"): QEMU
 * virt's ns16550a. The boot tables map it and uart.c drives it until the
 * DT's ns16550 driver takes over.
 */
#ifndef ARCH_RV64_BOARD_H
#define ARCH_RV64_BOARD_H

#define RV64_EARLY_UART_PHYS 0x10000000UL

#endif
