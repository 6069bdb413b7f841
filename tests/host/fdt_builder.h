/**
 * @file fdt_builder.h
 * @brief A small flattened-device-tree blob builder for the host tests.
 *
 * Tests build the trees they need token by token rather than checking in
 * binaries, so each test shows the tree it means:
 *
 *     b_reset();
 *     b_node("");                      // root
 *     b_u32("#address-cells", 2);
 *     b_node("uart@1000");
 *     B_STRS("compatible", "ns16550a\0arm,pl011");
 *     b_end();
 *     b_end();
 *     b_finish();                      // blob[0..blob_len) is the DTB
 *
 * Everything is static, so each test binary including this has its own
 * builder state. The functions are static inline only so that a test which
 * does not use one of them gets no unused-function warning.
 */
#ifndef TESTS_HOST_FDT_BUILDER_H
#define TESTS_HOST_FDT_BUILDER_H

#include <kernel/fdt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- blob builder ---- */
enum { H_MAGIC = 0, H_TOTAL = 4, H_OFF_STRUCT = 8, H_OFF_STRINGS = 12, H_OFF_RSV = 16,
       H_VERSION = 20, H_LAST_COMP = 24, H_SIZE_STRINGS = 32, H_SIZE_STRUCT = 36 };

static struct {
    uint8_t st[8192];
    uint32_t st_len;
    char str[2048];
    uint32_t str_len;
    uint64_t rsv[80][2];
    unsigned rsv_n;
    int strings_first; /* lay out strings before the struct block, which then ends the blob */
} B;
static _Alignas(8) uint8_t blob[16384];
static uint32_t blob_len;

static inline void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static inline void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static inline void b_reset(void)
{
    memset(&B, 0, sizeof B);
}

static inline void b_word(uint32_t v)
{
    put_be32(B.st + B.st_len, v);
    B.st_len += 4;
}

static inline void b_node(const char *name)
{
    size_t n = strlen(name) + 1;
    b_word(1);
    memcpy(B.st + B.st_len, name, n);
    B.st_len += (uint32_t)(n + 3) & ~3u;
}

static inline void b_end(void)
{
    b_word(2);
}

static inline uint32_t b_string(const char *name)
{
    for (uint32_t off = 0; off < B.str_len; off += (uint32_t)strlen(B.str + off) + 1)
        if (strcmp(B.str + off, name) == 0)
            return off;
    uint32_t off = B.str_len;
    strcpy(B.str + off, name);
    B.str_len += (uint32_t)strlen(name) + 1;
    return off;
}

/* Returns the property token's offset in the struct block. */
static inline uint32_t b_prop(const char *name, const void *val, uint32_t len)
{
    uint32_t at = B.st_len;
    b_word(3);
    b_word(len);
    b_word(b_string(name));
    memcpy(B.st + B.st_len, val, len);
    B.st_len += (len + 3) & ~3u;
    return at;
}

#define B_STRS(name, lit) b_prop(name, lit, sizeof lit) /* string list literal, NULs inside */

static inline void b_str(const char *name, const char *s)
{
    b_prop(name, s, (uint32_t)strlen(s) + 1);
}

#define B_MAX_CELLS 32 /* per b_cells() call */

static inline void b_cells(const char *name, int n, ...)
{
    uint8_t v[4 * B_MAX_CELLS];
    if (n < 0 || n > B_MAX_CELLS)
        abort();
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        put_be32(v + 4 * i, va_arg(ap, uint32_t));
    va_end(ap);
    b_prop(name, v, 4 * (uint32_t)n);
}

static inline void b_u32(const char *name, uint32_t v)
{
    b_cells(name, 1, v);
}

static inline void b_rsv(uint64_t base, uint64_t size)
{
    B.rsv[B.rsv_n][0] = base;
    B.rsv[B.rsv_n++][1] = size;
}

static inline void hdr_set(uint32_t field, uint32_t v)
{
    put_be32(blob + field, v);
}

static inline uint32_t hdr_get(uint32_t field)
{
    return fdt_be32(blob + field);
}

/* Add FDT_END and lay the blob out: header, rsvmap, struct, strings. */
static inline uint32_t b_finish(void)
{
    b_word(9);
    memset(blob, 0, sizeof blob);
    uint32_t rsv = 40, after_rsv = rsv + 16 * (B.rsv_n + 1);
    for (unsigned i = 0; i < B.rsv_n; i++) {
        put_be64(blob + rsv + 16 * i, B.rsv[i][0]);
        put_be64(blob + rsv + 16 * i + 8, B.rsv[i][1]);
    }
    uint32_t st = after_rsv, str = st + B.st_len;
    if (B.strings_first) {
        str = after_rsv;
        st = (str + B.str_len + 3) & ~3u;
    }
    memcpy(blob + st, B.st, B.st_len);
    memcpy(blob + str, B.str, B.str_len);
    blob_len = B.strings_first ? st + B.st_len : str + B.str_len;
    uint32_t hdr[10] = {0xd00dfeed, blob_len, st, str, rsv, 17, 16, 0, B.str_len, B.st_len};
    for (int i = 0; i < 10; i++)
        hdr_set(4 * i, hdr[i]);
    return blob_len;
}

/* An exact-size heap copy of the blob, so ASan sees any read past its end. */
static inline uint8_t *blob_copy(uint32_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    memcpy(p, blob, len);
    return p;
}

#endif
