/**
 * @file fw_cfg.h
 * @brief QEMU's firmware configuration device (fw_cfg): its named files,
 *        and writing one by DMA (how a guest gives QEMU's ramfb its mode).
 */
#ifndef DRIVERS_FIRMWARE_FW_CFG_H
#define DRIVERS_FIRMWARE_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

struct device;

/**
 * @brief Write @p len bytes at @p data to the file selected by @p select on
 *        the fw_cfg device @p dev (a child's parent), by DMA.
 * @retval 0 done
 * @retval -EIO the device reported an error, or did not finish in a second
 * @retval -ENOMEM no memory for the request
 * @note Thread context; sleeps.
 */
int fw_cfg_write(const struct device *dev, uint16_t select, const void *data, size_t len);

#endif
