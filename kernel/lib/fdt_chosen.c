/**
 * @file fdt_chosen.c
 * @brief Just enough flattened-device-tree reading to find /chosen/bootargs.
 *
 * Every read is checked against the blob's declared and available size, so
 * a malformed blob gives -EINVAL, never a wild read. (The full FDT parser
 * with node/property iteration is the next step; see the README roadmap.)
 */
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/string.h>
#include <stdint.h>

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int fdt_chosen_bootargs(const void *blob, uint64_t avail, char *out, unsigned outsz)
{
    const uint8_t *b = blob;
    if (avail < 40 || be32(b) != FDT_MAGIC)
        return -EINVAL;
    uint32_t total = be32(b + 4), off_struct = be32(b + 8), off_str = be32(b + 12);
    uint32_t size_str = be32(b + 32), size_struct = be32(b + 36);
    if (total > avail || total < 40 || off_struct > total || size_struct > total - off_struct ||
        off_str > total || size_str > total - off_str)
        return -EINVAL;
    const uint8_t *s = b + off_struct;
    uint32_t pos = 0, depth = 0;
    int in_chosen = 0;
    while (pos + 4 <= size_struct) {
        uint32_t tok = be32(s + pos);
        pos += 4;
        if (tok == FDT_BEGIN_NODE) {
            uint32_t n = 0;
            while (pos + n < size_struct && s[pos + n])
                n++;
            if (pos + n >= size_struct)
                return -EINVAL;
            depth++;
            in_chosen = depth == 2 && n == 6 && memcmp(s + pos, "chosen", 6) == 0;
            pos = (pos + n + 1 + 3) & ~3u;
        } else if (tok == FDT_END_NODE) {
            if (depth == 0)
                return -EINVAL;
            depth--;
            in_chosen = 0;
        } else if (tok == FDT_PROP) {
            if (pos + 8 > size_struct)
                return -EINVAL;
            uint32_t len = be32(s + pos), nameoff = be32(s + pos + 4);
            pos += 8;
            if (len > size_struct - pos || nameoff >= size_str)
                return -EINVAL;
            const char *name = (const char *)b + off_str + nameoff;
            if (in_chosen && strnlen(name, size_str - nameoff) == 8 &&
                memcmp(name, "bootargs", 8) == 0) {
                if (len == 0 || s[pos + len - 1] != 0 || len > outsz)
                    return -EINVAL;
                memcpy(out, s + pos, len);
                return 0;
            }
            pos = (pos + len + 3) & ~3u;
        } else if (tok == FDT_NOP) {
            continue;
        } else if (tok == FDT_END) {
            return -ENOENT;
        } else {
            return -EINVAL;
        }
    }
    return -EINVAL;
}
