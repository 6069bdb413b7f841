/**
 * @file hal/console.h
 * @brief The arch's early console: a UART found at boot.
 */
#ifndef HAL_CONSOLE_H
#define HAL_CONSOLE_H

/** @brief Write one byte, waiting while the transmitter is full. ISR-safe. */
void hal_console_putc(char c);

/** @brief Read one byte if one is waiting. @retval -1 nothing received. */
int hal_console_getc(void);

#endif
