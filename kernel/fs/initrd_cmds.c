/**
 * @file initrd_cmds.c
 * @brief The shell's `ls`, `cat` and `hexdump` on the initrd's files
 *        (kernel/initrd.h).
 */
#include <kernel/errno.h>
#include <kernel/initrd.h>
#include <kernel/kprintf.h>
#include <kernel/shell.h>
#include <kernel/string.h>

static int has_slash(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/')
            return 1;
    return 0;
}

static int cmd_ls(int argc, char **argv)
{
    if (argc > 2)
        return shell_usage(argv[0]);
    const char *dir = argc == 2 ? initrd_strip(argv[1]) : "";
    size_t dlen = strlen(dir);
    while (dlen && dir[dlen - 1] == '/')
        dlen--;
    const void *base;
    size_t len, pos = 0;
    if (initrd_get(&base, &len) != 0) {
        return shell_error(-ENOENT, "ls: no initrd");
    }
    struct archive_entry e;
    int rc, shown = 0;
    while ((rc = archive_next(base, len, &pos, &e)) == 1) {
        /* the members directly in dir (or everything at the top for "") */
        if (e.name_len == 0 || (e.name_len == 1 && e.name[0] == '.'))
            continue;
        const char *n = e.name;
        size_t nl = e.name_len;
        if (dlen) {
            if (nl <= dlen + 1 || memcmp(n, dir, dlen) != 0 || n[dlen] != '/')
                continue;
            n += dlen + 1;
            nl -= dlen + 1;
        }
        if (has_slash(n, nl))
            continue;
        int is_dir = (e.mode & ARCHIVE_S_IFMT) == ARCHIVE_S_IFDIR;
        kprintf("%8lu  %.*s%s\n", (unsigned long)e.size, (int)nl, n, is_dir ? "/" : "");
        shown++;
    }
    if (rc < 0) {
        return shell_error(-EINVAL, "ls: the initrd is damaged at byte %lu", (unsigned long)pos);
    }
    if (!shown && dlen) {
        return shell_error(-ENOENT, "ls: %s: no such directory", argv[1]);
    }
    return 0;
}
SHELL_COMMAND("ls", "ls [dir]", "list the initrd's files", cmd_ls);

/* Look up argv[1] for cat/hexdump, saying why not. */
static int open_file(const char *cmd, const char *path, const void **data, size_t *size)
{
    int rc = initrd_find(path, data, size);
    if (rc == -ENOENT)
        return shell_error(rc, "%s: %s: no such file", cmd, path);
    if (rc)
        return shell_error(rc, "%s: the initrd is damaged", cmd);
    return 0;
}

static int cmd_cat(int argc, char **argv)
{
    if (argc != 2)
        return shell_usage(argv[0]);
    const void *data;
    size_t size;
    int rc = open_file(argv[0], argv[1], &data, &size);
    if (rc)
        return rc;
    const char *p = data;
    for (size_t i = 0; i < size; i++)
        kprintf("%c", p[i] == '\n' || (p[i] >= 32 && p[i] < 127) ? p[i] : '.');
    if (size && p[size - 1] != '\n')
        kprintf("\n");
    return 0;
}
SHELL_COMMAND("cat", "cat <file>", "print an initrd file (bytes that are not text as '.')", cmd_cat);

static int cmd_hexdump(int argc, char **argv)
{
    if (argc < 2 || argc > 4)
        return shell_usage(argv[0]);
    const void *data;
    size_t size;
    uint64_t off = 0, len = 256;
    if ((argc > 2 && kstrtou64(argv[2], 0, &off)) || (argc > 3 && kstrtou64(argv[3], 0, &len)))
        return shell_usage(argv[0]);
    int rc = open_file(argv[0], argv[1], &data, &size);
    if (rc)
        return rc;
    if (off > size) {
        return shell_error(-ERANGE, "hexdump: offset %lu is past the end (%lu bytes)", (unsigned long)off, (unsigned long)size);
    }
    if (len > size - off)
        len = size - off;
    const uint8_t *p = (const uint8_t *)data + off;
    for (uint64_t i = 0; i < len; i += 16) {
        kprintf("%08lx ", (unsigned long)(off + i));
        for (uint64_t k = i; k < i + 16; k++)
            if (k < len)
                kprintf(" %02x", p[k]);
            else
                kprintf("   ");
        kprintf("  |");
        for (uint64_t k = i; k < i + 16 && k < len; k++)
            kprintf("%c", p[k] >= 32 && p[k] < 127 ? p[k] : '.');
        kprintf("|\n");
    }
    return 0;
}
SHELL_COMMAND("hexdump", "hexdump <file> [offset] [length]", "show an initrd file's bytes in hex (256 by default)",
              cmd_hexdump);

/* <file> in a usage: the initrd's regular files, for tab completion. */
static void initrd_words(shell_word_fn add, void *acc)
{
    const void *base;
    size_t size, pos = 0;
    struct archive_entry e;
    if (initrd_get(&base, &size) == 0)
        while (archive_next(base, size, &pos, &e) == 1)
            if ((e.mode & ARCHIVE_S_IFMT) == ARCHIVE_S_IFREG)
                add(acc, e.name, e.name_len);
}
SHELL_WORDS("<file>", initrd_words);
