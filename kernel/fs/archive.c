/**
 * @file archive.c
 * @brief Reading newc cpio and ustar archives in place (kernel/initrd.h).
 *
 * newc (the "new ASCII" cpio format, magic "070701"): a 110-byte header of
 * 13 eight-digit hex fields after the magic (ino, mode, uid, gid, nlink,
 * mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize,
 * check), the name (namesize bytes, NUL included), padding to 4, the data,
 * padding to 4; the member named "TRAILER!!!" ends the archive.
 * ustar (POSIX.1-1988): 512-byte header blocks with "ustar" at offset 257,
 * name (100 bytes) at 0, prefix (155) at 345, octal mode at 100 and size
 * at 124, type flag at 156; data in 512-byte blocks; two zero blocks end it.
 */
#include <kernel/errno.h>
#include <kernel/initrd.h>
#include <kernel/string.h>

/* Parse @p n hex digits; -1 if any is not one. */
static int64_t hex_field(const char *p, unsigned n)
{
    int64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Parse an octal field of up to @p n bytes, ended by NUL or space; -1 if bad. */
static int64_t oct_field(const char *p, unsigned n)
{
    int64_t v = 0;
    unsigned i = 0;
    while (i < n && p[i] == ' ')
        i++;
    unsigned digits = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++, digits++) {
        if (v > (INT64_MAX >> 3))
            return -1;
        v = v * 8 + (p[i] - '0');
    }
    if (!digits || (i < n && p[i] != 0 && p[i] != ' '))
        return -1;
    return v;
}

static void strip_name(struct archive_entry *e)
{
    for (;;) {
        if (e->name_len >= 2 && e->name[0] == '.' && e->name[1] == '/') {
            e->name += 2;
            e->name_len -= 2;
        } else if (e->name_len >= 1 && e->name[0] == '/') {
            e->name++;
            e->name_len--;
        } else {
            break;
        }
    }
}

static int newc_next(const char *a, size_t size, size_t *pos, struct archive_entry *e)
{
    size_t p = *pos;
    if (size - p < 110)
        return -EINVAL;
    const char *h = a + p;
    int64_t f[13];
    for (int i = 0; i < 13; i++)
        if ((f[i] = hex_field(h + 6 + 8 * i, 8)) < 0)
            return -EINVAL;
    uint64_t mode = (uint64_t)f[1], fsize = (uint64_t)f[6], nsize = (uint64_t)f[11];
    if (nsize == 0 || nsize > size - p - 110)
        return -EINVAL;
    const char *name = h + 110;
    if (name[nsize - 1] != 0)
        return -EINVAL;
    uint64_t data = (p + 110 + nsize + 3) & ~(uint64_t)3;
    if (data > size || fsize > size - data)
        return -EINVAL;
    if (nsize == 11 && memcmp(name, "TRAILER!!!", 11) == 0)
        return 0;
    e->name = name;
    e->name_len = nsize - 1;
    e->data = a + data;
    e->size = fsize;
    e->mode = (uint32_t)mode;
    strip_name(e);
    uint64_t next = (data + fsize + 3) & ~(uint64_t)3;
    *pos = next > size ? size : next;
    return 1;
}

static int ustar_next(const char *a, size_t size, size_t *pos, struct archive_entry *e)
{
    size_t p = *pos;
    if (size - p < 512)
        return -EINVAL;
    const char *h = a + p;
    int64_t mode = oct_field(h + 100, 8), fsize = oct_field(h + 124, 12);
    if (mode < 0 || fsize < 0)
        return -EINVAL;
    uint64_t data = p + 512;
    if ((uint64_t)fsize > size - data)
        return -EINVAL;
    /* The prefix and the name, each NUL-terminated unless full; a prefix
     * is joined with "/", which needs a copy: names with a prefix are
     * reported by name only, as their last 100 bytes (our builder never
     * writes one). */
    e->name = h;
    e->name_len = strnlen(h, 100);
    char type = h[156];
    e->mode = (uint32_t)(mode & 07777) |
              (type == '5' ? ARCHIVE_S_IFDIR : type == '0' || type == 0 ? ARCHIVE_S_IFREG : 0);
    e->data = a + data;
    e->size = (size_t)fsize;
    strip_name(e);
    uint64_t next = data + (((uint64_t)fsize + 511) & ~(uint64_t)511);
    *pos = next > size ? size : next;
    return 1;
}

static int all_zero(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int archive_next(const void *base, size_t size, size_t *pos, struct archive_entry *e)
{
    const char *a = base;
    if (!a || *pos >= size)
        return 0;
    size_t left = size - *pos;
    const char *h = a + *pos;
    if (left >= 6 && memcmp(h, "070701", 6) == 0)
        return newc_next(a, size, pos, e);
    if (left >= 512 && memcmp(h + 257, "ustar", 5) == 0)
        return ustar_next(a, size, pos, e);
    if (left >= 512 && all_zero(h, 512))
        return 0; /* ustar's end-of-archive blocks */
    if (all_zero(h, left < 512 ? left : 512))
        return 0; /* padding after a cpio trailer-less end */
    return -EINVAL;
}
