/**
 * @file bootfb.c
 * @brief The framebuffer the boot protocol left set up (boot_info.fb:
 *        GRUB's Multiboot2 tag, UEFI's GOP), as a console on screen beside
 *        the UART: everything the console prints is drawn there too
 *        (kprintf_set_mirror()), the lines printed before it started first.
 *
 * The device is described by the boot code (device_add_boot_fb()), with
 * the mode as bus_data; this driver maps it (the MMIO window's mapping,
 * uncached) and starts the screen console on it (screen_start(), also
 * ramfb.c's): the text grid sized from the font, the renderer (fbcon.c).
 *
 * Writes only change the text (they run under the print lock with
 * interrupts masked); a thread of the driver's draws, woken by the print
 * that follows (kprintf_set_mirror()'s kick), at most every DRAW_GAP_MS:
 * moving a screen of pixels up for every line printed cost ktest most of
 * its time under TCG (docs/performance.md, "The screen console"), and kept
 * interrupts masked for as long. It draws a copy
 * taken under the lock (fbcon_take()), so printing goes on meanwhile. A
 * panic draws at once: no thread runs after it.
 */
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/wait.h>

#include "fbcon.h"
#include "screen.h"

#define DRAW_GAP_MS 40 /* 25 draws a second at most */

static struct fbcon screen, drawn; /* the text as written; a copy being drawn */
static struct spinlock screen_lock = SPINLOCK_INIT("fb0 text");
static struct semaphore draw_sem;
static int draw_asked;
static struct device *screen_dev; /* whose framebuffer it is */
static unsigned long draws; /* rounds the drawer drew, for screen_draw_count() */

/* kprintf's mirror: under the print lock, interrupts masked. In a panic,
 * without the text's lock (a CPU stopped while it held it would keep it),
 * drawn at once, all of it the first time (the drawer may have stopped
 * mid-draw). */
static void screen_write(const char *s, size_t n)
{
    static int panic_seen;
    if (kprintf_panicking()) {
        fbcon_write(&screen, s, n);
        if (!panic_seen) {
            fbcon_invalidate(&screen);
            panic_seen = 1;
        }
        fbcon_flush(&screen);
        return;
    }
    spin_lock(&screen_lock);
    fbcon_write(&screen, s, n);
    spin_unlock(&screen_lock);
}

/* After a print, with interrupts on: the drawer wakes once per round. */
static void screen_kick(void)
{
    if (!__atomic_exchange_n(&draw_asked, 1, __ATOMIC_ACQ_REL))
        sem_up(&draw_sem);
}

static int drawer(void *arg)
{
    (void)arg;
    for (;;) {
        sem_down(&draw_sem);
        __atomic_store_n(&draw_asked, 0, __ATOMIC_RELEASE); /* a print from now on asks again */
        irqflags_t f = spin_lock_irqsave(&screen_lock);
        int any = fbcon_pending(&screen);
        if (any)
            fbcon_take(&screen, &drawn);
        spin_unlock_irqrestore(&screen_lock, f);
        if (any) {
            fbcon_flush(&drawn);
            __atomic_fetch_add(&draws, 1, __ATOMIC_RELEASE);
            thread_sleep_ms(DRAW_GAP_MS);
        }
    }
    return 0;
}

int screen_start(struct device *dev, const struct boot_fb *mode, void *fb)
{
    if (screen.fb)
        return -EBUSY; /* one screen: the first found */
    size_t n = fbcon_cells_needed(mode, &fbcon_font);
    if (!n) {
        pr_warn("%s: %ux%u is too small for one %ux%u glyph", dev->name, mode->width, mode->height,
                fbcon_font.width, fbcon_font.height);
        return -EINVAL;
    }
    struct fbcon_cell *cells = kmalloc(2 * n * sizeof *cells); /* the text's, the copy's */
    int err = cells ? fbcon_init(&screen, mode, fb, &fbcon_font, cells, n) : -ENOMEM;
    if (!err) {
        screen.deferred = 1;
        drawn.cells = cells + n;
        sem_init(&draw_sem, 0, "fb0-draw");
        int id = thread_create("fb0-draw", drawer, NULL, PRIO_DEFAULT, THREAD_DETACHED);
        err = id < 0 ? id : 0;
    }
    if (err) {
        kfree(cells);
        screen.fb = NULL;
        pr_warn("%s: no console on the framebuffer (%s)", dev->name, errno_name(err));
        return err;
    }
    screen_dev = dev;
    /* what fits, the line under way below */
    kprintf_set_mirror(screen_write, screen.rows - 1, screen_kick);
    screen_kick(); /* the lines from before: drawn now, not at the next print */
    pr_info("%s: console of %ux%u %s glyphs on the %ux%u framebuffer at %#lx", dev->name, screen.cols,
            screen.rows, fbcon_font.name, mode->width, mode->height, (unsigned long)mode->phys);
    return 0;
}

long screen_draw_count(int *pending)
{
    if (!screen.fb)
        return -1;
    irqflags_t f = spin_lock_irqsave(&screen_lock);
    *pending = fbcon_pending(&screen);
    spin_unlock_irqrestore(&screen_lock, f);
    return (long)__atomic_load_n(&draws, __ATOMIC_ACQUIRE);
}

int screen_in_use(const struct device *dev)
{
    if (!screen.fb)
        return 0;
    pr_info("%s: %s is the screen; this display is left as it is", dev->name, screen_dev->name);
    return 1;
}

static int bootfb_probe(struct device *dev)
{
    const struct boot_fb *mode = dev->bus_data;
    if (!mode)
        return -EINVAL;
    if (screen.fb)
        return -EBUSY;
    int err = device_map(dev);
    return err ? err : screen_start(dev, mode, (void *)dev->regs);
}

static const char *const bootfb_compat[] = {"boot-framebuffer", NULL};
DRIVER(bootfb_driver, .name = "bootfb", .compatible = bootfb_compat, .probe = bootfb_probe);
