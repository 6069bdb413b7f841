/**
 * @file initrd.c
 * @brief The initrd the boot loader handed over (kernel/initrd.h); the
 *        shell's `ls`, `cat` and `hexdump` on its files are initrd_cmds.c.
 */
#include <hal/mmu.h>
#include <hal/platform.h>
#include <kernel/errno.h>
#include <kernel/initrd.h>
#include <kernel/string.h>

int initrd_get(const void **base, size_t *size)
{
    const struct boot_info *bi = platform_boot_info();
    if (!bi->initrd_phys || !bi->initrd_size || !hal_direct_mapped(bi->initrd_phys, bi->initrd_size))
        return -ENOENT;
    *base = hal_phys_to_virt(bi->initrd_phys);
    *size = bi->initrd_size;
    return 0;
}

const char *initrd_strip(const char *path)
{
    for (;;) {
        if (path[0] == '/')
            path++;
        else if (path[0] == '.' && path[1] == '/')
            path += 2;
        else
            return path;
    }
}

int initrd_find(const char *path, const void **data, size_t *size)
{
    const void *base;
    size_t len, pos = 0;
    if (initrd_get(&base, &len) != 0)
        return -ENOENT;
    path = initrd_strip(path);
    size_t plen = strlen(path);
    struct archive_entry e;
    int rc;
    while ((rc = archive_next(base, len, &pos, &e)) == 1) {
        if ((e.mode & ARCHIVE_S_IFMT) == ARCHIVE_S_IFREG && e.name_len == plen &&
            memcmp(e.name, path, plen) == 0) {
            *data = e.data;
            *size = e.size;
            return 0;
        }
    }
    return rc < 0 ? -EINVAL : -ENOENT;
}
