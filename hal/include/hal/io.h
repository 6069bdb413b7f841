/**
 * @file hal/io.h
 * @brief Port I/O for drivers of devices that live in an I/O port space.
 *
 * x86 has a separate 64 KiB port space (in/out instructions); aarch64 and
 * riscv64 have none. Optional: an arch without a port space defines none of
 * these, and the weak defaults in kernel/lib/arch_defaults.c read all-ones
 * (as a read of an absent device does) and drop writes. Drivers reach registers through the bus accessors
 * in kernel/driver.h, which call these for port-mapped devices.
 *
 * All are ISR-safe, never sleep, take no lock and act on this CPU; a port
 * access is strongly ordered with respect to every earlier and later memory
 * access on x86 (SDM vol. 3A, 9.2.2), so no barrier is needed around them.
 */

/**
 * @defgroup hal_io HAL: io
 * @brief What an architecture provides for hal/io.h. Optional: an arch without a port space defines none of these (the defaults read all-ones).
 * @{
 */
#ifndef HAL_IO_H
#define HAL_IO_H

#include <stdint.h>

/** @brief Read a byte from I/O port @p port (all-ones without a port space). */
uint8_t hal_pio_read8(uint16_t port);
/** @brief Read a 16-bit word from I/O port @p port (all-ones without a port space). */
uint16_t hal_pio_read16(uint16_t port);
/** @brief Read a 32-bit word from I/O port @p port (all-ones without a port space). */
uint32_t hal_pio_read32(uint16_t port);
/** @brief Write a byte to I/O port @p port (ignored without a port space). */
void hal_pio_write8(uint16_t port, uint8_t v);
/** @brief Write a 16-bit word to I/O port @p port (ignored without a port space). */
void hal_pio_write16(uint16_t port, uint16_t v);
/** @brief Write a 32-bit word to I/O port @p port (ignored without a port space). */
void hal_pio_write32(uint16_t port, uint32_t v);

/** @} */

#endif
