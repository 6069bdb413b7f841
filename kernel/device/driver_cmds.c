/**
 * @file driver_cmds.c
 * @brief The `devices` shell command: every device bound to a driver (the
 *        bus's empty slots are counted, not listed).
 *
 * Beside the device table it reads, so a new bus (PCI next) extends the
 * listing by adding devices, not by editing the shell.
 */
#include <kernel/driver.h>
#include <kernel/kprintf.h>
#include <kernel/shell.h>

static int cmd_devices(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    /* The same answer whenever it is typed: PCI and virtio-mmio are probed
     * after the prompt (late drivers), so wait for them as lspci does. */
    device_probe_wait();
    unsigned bound = 0, vacant = 0;
    for (unsigned i = 0; i < device_count(); i++) {
        const struct device *d = device_at(i);
        if (!d->driver)
            continue; /* its probe failed after it had added others */
        if (d->vacant) {
            vacant++;
            continue;
        }
        if (!bound++)
            kprintf("  %-24s %-12s %-5s %s\n", "device", "driver", "space", "registers at");
        if (d->space == DEV_NONE)
            kprintf("  %-24s %-12s %s\n", d->name, d->driver->name, "-");
        else
            kprintf("  %-24s %-12s %-5s %#lx\n", d->name, d->driver->name,
                    d->space == DEV_PIO ? "port" : "mmio", (unsigned long)d->base);
    }
    if (vacant)
        kprintf("%u device%s bound; %u empty slot%s not shown\n", bound, bound == 1 ? "" : "s", vacant,
                vacant == 1 ? "" : "s");
    else
        kprintf("%u device%s bound\n", bound, bound == 1 ? "" : "s");
    return 0;
}
SHELL_COMMAND("devices", "devices", "devices bound to a driver, with their register space",
              cmd_devices);
