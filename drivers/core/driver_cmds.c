/**
 * @file driver_cmds.c
 * @brief The `devices` shell command: every device bound to a driver.
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
    unsigned bound = 0;
    for (unsigned i = 0; i < device_count(); i++) {
        const struct device *d = device_at(i);
        if (!d->driver)
            continue; /* its probe failed after it had added others */
        bound++;
        kprintf("  %-24s %-8s %s %#lx\n", d->name, d->driver->name,
                d->space == DEV_PIO ? "port" : d->space == DEV_MMIO ? "mmio" : "-",
                (unsigned long)d->base);
    }
    kprintf("%u devices bound\n", bound);
    return 0;
}
SHELL_COMMAND("devices", "devices", "devices bound to a driver, with their register space",
              cmd_devices);
