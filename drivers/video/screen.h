/**
 * @file screen.h
 * @brief The console on a screen: a framebuffer some driver mapped, drawn
 *        by the renderer (fbcon.h) with everything the console prints
 *        (bootfb.c).
 */
#ifndef DRIVERS_VIDEO_SCREEN_H
#define DRIVERS_VIDEO_SCREEN_H

#include <hal/platform.h>

struct device;

/**
 * @brief Make the framebuffer @p fb (mode @p mode, mapped by the caller,
 *        device @p dev's) the screen console: cleared, the last screenful of
 *        what the console printed drawn on it, and from then on all it prints.
 * @retval 0 started
 * @retval -EBUSY there is a screen already (the first found stays)
 * @retval -EINVAL the mode fits no glyph, or is not 16, 24 or 32 bits a pixel
 * @retval -ENOMEM no memory for the text, or no drawing thread
 * @note Thread context.
 */
int screen_start(struct device *dev, const struct boot_fb *mode, void *fb);

/**
 * @brief The device whose framebuffer is the screen console, for a display
 *        driver that would otherwise set a mode on a device already shown.
 * @return the device given to screen_start(), or NULL if there is no screen
 * @note Any context.
 */
struct device *screen_device(void);

#endif
