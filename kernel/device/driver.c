/**
 * @file driver.c
 * @brief Match devices against the DRIVER() tables and keep the device table.
 *
 * device_add() also settles what every driver may rely on without asking
 * the bus: whether the device's DMA is cache-coherent (dev->dma_coherent),
 * read from the DT while the bus's view of the tree is still valid.
 */
#include <kernel/irq.h>
#include <hal/mmu.h>
#include <hal/platform.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/log.h>
#include <kernel/sections.h>
#include <kernel/string.h>
#include <kernel/sched.h>
#include <kernel/wait.h>

#define MAX_DEVICES 128

static struct device devices[MAX_DEVICES];
static unsigned ndevices;

unsigned device_count(void) { return ndevices; }

const struct device *device_at(unsigned i) { return i < ndevices ? &devices[i] : NULL; }

/* First driver with a table entry equal to one of the strings in @p list
 * (NUL-separated, @p len bytes); the list is walked first, so its most
 * specific string wins. A string not terminated within @p len is ignored. */
static const struct driver *match_list(const char *list, size_t len)
{
    for (size_t pos = 0; pos < len;) {
        const char *c = list + pos;
        size_t n = strnlen(c, len - pos);
        if (n == len - pos)
            break;
        for (const struct driver *drv = __drivers_start; drv < __drivers_end; drv++)
            for (const char *const *t = drv->compatible; *t; t++)
                if (strcmp(*t, c) == 0)
                    return drv;
        pos += n + 1;
    }
    return NULL;
}

static const struct driver *match(const struct device *dev)
{
    return match_list(dev->compatible, dev->compatible_len);
}

const struct driver *driver_find(const char *compatible, size_t len)
{
    return match_list(compatible, len);
}

int device_request_irq(struct device *dev, void (*fn)(unsigned irq, void *dev), const char *name)
{
    if (!dev->has_irq)
        return -ENOENT;
    if (dev->irq_trigger != IRQ_TRIGGER_DEFAULT) {
        int err = irq_configure(dev->irq, (enum irq_trigger)dev->irq_trigger);
        if (err && err != -ENOSYS) /* a controller without modes takes what it has */
            return err;
    }
    return irq_register(dev->irq, fn, dev, name);
}

int device_map(struct device *dev)
{
    if (dev->space != DEV_MMIO)
        return 0;
    dev->regs = hal_ioremap(dev->base, dev->size);
    return dev->regs ? 0 : -ENOMEM;
}

int dt_dma_coherent(const struct fdt *fdt, int node)
{
    /* The nearest node that says either way decides; a bus's property
     * covers the devices below it. fdt_parent() fails at the root. */
    for (int n = node; n >= 0; n = fdt_parent(fdt, n)) {
        if (fdt_getprop(fdt, n, "dma-coherent", NULL))
            return 1;
        if (fdt_getprop(fdt, n, "dma-noncoherent", NULL))
            return 0;
    }
    return 0;
}

int device_add(const struct device *desc)
{
    const struct driver *drv = match(desc);
    if (!drv)
        return -ENODEV;
    if (ndevices == MAX_DEVICES) {
        pr_warn("driver: device table full, %s not added", desc->name);
        return -ENOSPC;
    }
    /* The slot is taken before the probe: a bus driver's probe may add
     * the devices it finds (a virtio transport its device), which take the
     * slots after it. */
    unsigned slot = ndevices++;
    struct device *dev = &devices[slot];
    *dev = *desc;
    /* A device on a bus inherits the bus's answer (a PCI function its host
     * bridge's dma-coherent); a DT device comes with the tree (bus_data)
     * and its node; anything else keeps what its describer said (the
     * arch's platform code, which knows its machine). */
    if (desc->parent)
        dev->dma_coherent = desc->parent->dma_coherent;
    else if (desc->bus_data && desc->fdt_node >= 0)
        dev->dma_coherent = (unsigned)dt_dma_coherent(desc->bus_data, desc->fdt_node);
    else
        dev->dma_coherent = desc->dma_coherent != 0;
    dev->driver = drv; /* set before the probe, so devices it adds see a bound parent */
    int err = drv->probe(dev);
    dev->bus_data = NULL; /* the bus's view (e.g. the DT walker's struct fdt) ends with the probe */
    if (err) {
        pr_warn("driver: %s: %s probe failed (%s)", dev->name, drv->name, errno_name(err));
        dev->driver = NULL;
        if (slot == ndevices - 1)
            ndevices--; /* nothing was added after it: give the slot back */
        return err;
    }
    return 0;
}

int device_add_boot_fb(const struct boot_fb *fb)
{
    if (!fb->phys)
        return -ENODEV;
    uint64_t size = (uint64_t)fb->pitch * fb->height;
    struct device d = {.name = "fb0", .space = DEV_MMIO, .base = fb->phys, .size = size,
                       .reg_base = {fb->phys}, .reg_size = {size}, .nregs = 1, .bus_data = fb,
                       .fdt_node = -1};
    device_add_compatible(&d, "boot-framebuffer");
    return device_add(&d);
}

/* ---- deferred probing: buses that scan once memory, threads and timers exist ---- */

static struct {
    void (*fn)(void *arg);
    void *arg;
} deferred[DEVICE_DEFER_MAX];
static unsigned ndeferred;
static struct completion probed = COMPLETION_INIT(probed, "probe");

int device_defer(void (*fn)(void *arg), void *arg)
{
    if (!fn)
        return -EINVAL;
    if (completion_done(&probed) || ndeferred == DEVICE_DEFER_MAX) {
        pr_warn("driver: deferred probe %p not queued (%s)", (void *)fn,
                completion_done(&probed) ? "probing already ran" : "queue full");
        return -ENOSPC;
    }
    deferred[ndeferred].fn = fn;
    deferred[ndeferred].arg = arg;
    ndeferred++;
    return 0;
}

void device_run_deferred(void)
{
    for (unsigned i = 0; i < ndeferred; i++) /* work queued meanwhile runs too */
        deferred[i].fn(deferred[i].arg);
    complete_all(&probed);
}

void device_probe_wait(void)
{
    if (thread_current())
        completion_wait(&probed);
}
