/**
 * @file fs_cmds.c
 * @brief Shell commands over the VFS: `mount` (list, or mount an ext2
 *        file system) and `crc32` (a file's CRC-32 and size, to check a
 *        file against the host's copy: Python's zlib.crc32 gives the same).
 */
#include <kernel/crc32.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/shell.h>
#include <kernel/string.h>
#include <kernel/vfs.h>

static int cmd_mount(int argc, char **argv)
{
    int err = vfs_init(); /* the root, /dev and /proc, made on first use */
    if (err)
        return err;
    if (argc == 1) {
        char *buf = kmalloc(4096);
        if (!buf)
            return -ENOMEM;
        long n = vfs_mounts_text(buf, 4096);
        kprintf("%.*s", (int)(n > 0 ? n : 0), buf);
        kfree(buf);
        return 0;
    }
    int ro = argc == 4 && !strcmp(argv[1], "-r");
    if (argc != 3 + ro)
        return shell_usage(argv[0]);
    return ext2_mount(argv[1 + ro], argv[2 + ro], ro);
}
SHELL_COMMAND("mount", "mount [[-r] <block device> <dir>]",
              "list what is mounted, or mount an ext2 file system (-r: read-only)", cmd_mount);

static int cmd_sync(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return shell_usage("sync");
    int err = vfs_init();
    return err ? err : vfs_sync(NULL);
}
SHELL_COMMAND("sync", "sync", "write every mounted file system back to its disk", cmd_sync);

static int cmd_umount(int argc, char **argv)
{
    if (argc != 2)
        return shell_usage(argv[0]);
    int err = vfs_init();
    return err ? err : vfs_umount(argv[1]);
}
SHELL_COMMAND("umount", "umount <dir>", "unmount the file system mounted on a directory", cmd_umount);

static int cmd_crc32(int argc, char **argv)
{
    if (argc != 2)
        return shell_usage(argv[0]);
    struct file *f;
    int err = vfs_init();
    if (!err)
        err = vfs_open(NULL, argv[1], O_RDONLY, 0, &f);
    if (err)
        return err;
    uint8_t *buf = kmalloc(64 * 1024);
    uint32_t crc = 0;
    uint64_t total = 0;
    long n = buf ? 1 : -ENOMEM;
    while (n > 0) {
        n = vfs_read(f, &(struct iobuf){(uintptr_t)buf, 0}, 64 * 1024, NULL);
        if (n > 0) {
            crc = crc32(crc, buf, (size_t)n);
            total += (uint64_t)n;
        }
    }
    kfree(buf);
    file_put(f);
    if (n < 0)
        return (int)n;
    kprintf("%08x %lu %s\n", crc, (unsigned long)total, argv[1]);
    return 0;
}
SHELL_COMMAND("crc32", "crc32 <file>", "a file's CRC-32 (zlib's) and size in bytes", cmd_crc32);
