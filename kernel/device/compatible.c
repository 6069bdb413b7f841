/**
 * @file compatible.c
 * @brief Building a device's compatible list: what buses do before
 *        device_add(). Apart from driver.c, which needs the linker's
 *        .drivers section, so host tests of the buses can link it.
 */
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/string.h>

int device_add_compatible(struct device *dev, const char *compat)
{
    size_t n = strlen(compat) + 1;
    if (n > sizeof dev->compatible - dev->compatible_len)
        return -ENOSPC;
    memcpy(dev->compatible + dev->compatible_len, compat, n);
    dev->compatible_len += n;
    return 0;
}
