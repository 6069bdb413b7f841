/**
 * @file fuzz_mb2.c
 * @brief libFuzzer target: the Multiboot2 parser must reject or accept any
 *        byte string without reading outside it (ASan watches).
 */
#include <boot/multiboot2.h>
#include <kernel/log.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void klog(enum log_level level, const char *fmt, ...)
{
    (void)level;
    (void)fmt;
}

/* libFuzzer's entry point; it has no header to declare it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The parser requires 8-byte alignment, as Multiboot2 guarantees. */
    uint8_t *copy = aligned_alloc(8, (size + 15) & ~(size_t)7);
    memcpy(copy, data, size);
    struct boot_info bi;
    memset(&bi, 0, sizeof bi);
    int err = mb2_parse(copy, size, &bi);
    if (err == 0 && bi.mem_count > BOOT_MAX_MEM_RANGES)
        abort();
    /* a framebuffer taken is one that can be drawn on (boot_set_fb()) */
    const struct boot_fb *fb = &bi.fb;
    if (fb->phys && ((fb->bpp != 16 && fb->bpp != 24 && fb->bpp != 32) || !fb->width || !fb->height ||
                     fb->pitch < (uint64_t)fb->width * (fb->bpp / 8) ||
                     (uint64_t)fb->pitch * fb->height > UINT64_MAX - fb->phys))
        abort();
    free(copy);
    return 0;
}
