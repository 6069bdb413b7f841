/**
 * @file fs_cmds.c
 * @brief Shell commands over the VFS: `mount` (list, or mount an ext2
 *        file system), `umount`, `sync`, `crc32` (a file's CRC-32 and size,
 *        to check a file against the host's copy: Python's zlib.crc32 gives
 *        the same), and the few commands that change files (`cp`, `mkdir`,
 *        `rm`, `mv`, `ln`, `truncate`), so a disk can be written on an
 *        architecture without busybox, and the kernel shell is useful
 *        on its own.
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

/* Copy regular file @p from to @p to (created or emptied), 64 KiB a read. */
static int cmd_cp(int argc, char **argv)
{
    if (argc != 3)
        return shell_usage(argv[0]);
    struct file *in, *out;
    int err = vfs_init();
    if (!err)
        err = vfs_open(NULL, argv[1], O_RDONLY, 0, &in);
    if (err)
        return err;
    if ((err = vfs_open(NULL, argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644, &out)) != 0) {
        file_put(in);
        return err;
    }
    uint8_t *buf = kmalloc(64 * 1024);
    long n = buf ? 1 : -ENOMEM;
    while (n > 0) {
        n = vfs_read(in, &(struct iobuf){(uintptr_t)buf, 0}, 64 * 1024, NULL);
        for (long done = 0, w; n > 0 && done < n; done += w)
            if ((w = vfs_write(out, &(struct iobuf){(uintptr_t)buf + (uintptr_t)done, 0}, (size_t)(n - done),
                               NULL)) <= 0) {
                n = w ? w : -EIO;
                break;
            }
    }
    kfree(buf);
    file_put(in);
    file_put(out);
    return n < 0 ? (int)n : 0;
}
SHELL_COMMAND("cp", "cp <file> <new file>", "copy a regular file", cmd_cp);

static int cmd_mkdir(int argc, char **argv)
{
    if (argc != 2)
        return shell_usage(argv[0]);
    int err = vfs_init();
    return err ? err : vfs_create(NULL, argv[1], S_IFDIR | 0755, 0, NULL);
}
SHELL_COMMAND("mkdir", "mkdir <dir>", "make a directory", cmd_mkdir);

static int cmd_rm(int argc, char **argv)
{
    int dir = argc == 3 && !strcmp(argv[1], "-d");
    if (argc != 2 + dir)
        return shell_usage(argv[0]);
    int err = vfs_init();
    return err ? err : vfs_unlink(NULL, argv[1 + dir], dir);
}
SHELL_COMMAND("rm", "rm [-d] <path>", "remove a name (-d: an empty directory)", cmd_rm);

static int cmd_mv(int argc, char **argv)
{
    if (argc != 3)
        return shell_usage(argv[0]);
    int err = vfs_init();
    return err ? err : vfs_rename(NULL, argv[1], NULL, argv[2]);
}
SHELL_COMMAND("mv", "mv <path> <new path>", "rename (over a file, or an empty directory)", cmd_mv);

static int cmd_ln(int argc, char **argv)
{
    int sym = argc == 4 && !strcmp(argv[1], "-s");
    if (argc != 3 + sym)
        return shell_usage(argv[0]);
    int err = vfs_init();
    if (err)
        return err;
    return sym ? vfs_create(NULL, argv[3], S_IFLNK | 0777, 0, argv[2]) : vfs_link(NULL, argv[1], NULL, argv[2], 0);
}
SHELL_COMMAND("ln", "ln [-s] <target> <new name>", "a hard link, or (-s) a symbolic link", cmd_ln);

static int cmd_truncate(int argc, char **argv)
{
    uint64_t size;
    if (argc != 3 || kstrtou64(argv[2], 0, &size))
        return shell_usage(argv[0]);
    struct inode *ino;
    int err = vfs_init();
    if (!err)
        err = vfs_lookup(NULL, argv[1], 1, &ino);
    if (err)
        return err;
    err = vfs_truncate(ino, size);
    inode_put(ino);
    return err;
}
SHELL_COMMAND("truncate", "truncate <file> <bytes>", "set a regular file's size", cmd_truncate);

/* Each mount's size and use, from /proc/mounts' lines and statfs(). */
static int cmd_df(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return shell_usage("df");
    int err = vfs_init();
    char *buf = err ? NULL : kmalloc(4096);
    if (!buf)
        return err ? err : -ENOMEM;
    long n = vfs_mounts_text(buf, 4096);
    buf[n > 0 && n < 4096 ? n : 0] = '\0';
    kprintf("%-12s %12s %12s %12s %8s %s\n", "Filesystem", "1K-blocks", "Used", "Available", "Inodes", "Mounted on");
    for (char *line = buf, *next; *line; line = next) {
        next = strchr(line, '\n');
        *next++ = '\0'; /* every line ends in one */
        char *source = line, *path = strchr(source, ' ');
        if (!path)
            break;
        *path++ = '\0';
        char *end = strchr(path, ' ');
        if (end)
            *end = '\0';
        struct inode *ino;
        struct vfs_statfs st;
        if (vfs_lookup(NULL, path, 1, &ino))
            continue;
        vfs_statfs(ino, &st);
        inode_put(ino);
        uint64_t k = st.bsize / 1024 ? st.bsize / 1024 : 1;
        kprintf("%-12s %12lu %12lu %12lu %8lu %s\n", source, (unsigned long)(st.blocks * k),
                (unsigned long)((st.blocks - st.bfree) * k), (unsigned long)(st.bavail * k),
                (unsigned long)st.files, path);
    }
    kfree(buf);
    return 0;
}
SHELL_COMMAND("df", "df", "each mounted file system's size, use and room (statfs)", cmd_df);
