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

#define SCREEN_WIDTH 1024 /**< the mode a display driver that chooses one sets (ramfb, Bochs) */
#define SCREEN_HEIGHT 768 /**< its lines */

/**
 * @brief The mode ramfb and the Bochs displays are set to: SCREEN_WIDTH x
 *        SCREEN_HEIGHT, 32 bits a pixel, blue lowest (XRGB8888), unpadded
 *        lines, its first pixel at @p phys.
 */
static inline struct boot_fb screen_xrgb_mode(uint64_t phys)
{
    return (struct boot_fb){.phys = phys, .width = SCREEN_WIDTH, .height = SCREEN_HEIGHT,
                            .pitch = SCREEN_WIDTH * 4, .bpp = 32, .red_pos = 16, .red_bits = 8,
                            .green_pos = 8, .green_bits = 8, .blue_pos = 0, .blue_bits = 8};
}

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
 * @brief Whether there is a screen console already, for a display driver
 *        that would otherwise set a mode on a display already shown (the
 *        PC's VGA under GRUB's mode, ramfb under UEFI's GOP): if so, it says
 *        in the log that @p dev is left as it is.
 * @return 1 if there is a screen (the driver leaves @p dev alone), else 0
 * @note Thread context (a probe).
 */
int screen_in_use(const struct device *dev);

/**
 * @brief How many rounds the screen's drawer has drawn, and in @p pending
 *        whether text waits to be drawn (for tests).
 * @return the count, or -1 if there is no screen
 * @note Any context.
 */
long screen_draw_count(int *pending);

#endif
