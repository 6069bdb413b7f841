/*
 * The part of the two ext2 fuzzers (fuzz_ext2.c reads, fuzz_ext2_write.c
 * writes) that is the same: a base image from ext2_base.h unpacked whole,
 * the 32-bit values worth writing over one of its fields, and a patch of
 * 5 input bytes (which metadata region, where in it, how wide, what)
 * applied to the working copy. Each fuzzer keeps its own record of what a
 * patch touched. Include after ext2_base.h.
 */
#ifndef EXT2_FUZZ_IMAGE_H
#define EXT2_FUZZ_IMAGE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* @p b's bytes into a new *@p pristine (its zero runs left zero) and a
 * copy into a new *@p work; @p interesting gets the values a field is
 * worth setting to: edges of 8, 16 and 32 bits, and of the image's own
 * counts (blocks, inodes, block size, pointers per block). */
static void ext2_fuzz_unpack(const struct ext2_base *b, uint8_t **pristine, uint8_t **work,
                             uint32_t interesting[32])
{
    *pristine = calloc(1, b->size);
    *work = malloc(b->size);
    if (!*pristine || !*work)
        abort();
    const uint8_t *src = b->bytes;
    for (unsigned r = 0; r < b->nruns; r++) {
        memcpy(*pristine + b->runs[r].off, src, b->runs[r].len);
        src += b->runs[r].len;
    }
    memcpy(*work, *pristine, b->size);
    const uint8_t *sb = *pristine + 1024;
    uint32_t bs = b->block_size, blocks = le32(sb + 4), inodes = le32(sb), per = bs / 4;
    const uint32_t v[32] = {0, 1, 2, 3, 4, 7, 8, 11, 12, 0x7f, 0x80, 0xff, 0x100, 0xffff,
                            0x10000, 0x7fffffff, 0x80000000u, 0xfffffffeu, 0xffffffffu,
                            blocks - 1, blocks, blocks + 1, inodes, inodes + 1, bs,
                            bs - 1, per, per * per, 12 + per, le32(sb + 20), le32(sb + 40),
                            b->size / bs};
    memcpy(interesting, v, sizeof v);
}

/* Where patch @p p of @p b goes: 1 and *@p off, *@p width (1, 2 or 4
 * bytes), or 0 if it would run past the image's end. */
static int ext2_fuzz_patch_at(const struct ext2_base *b, const uint8_t *p, uint32_t *off, unsigned *width)
{
    const struct ext2_base_region *rg = &b->meta[p[0] % b->nmeta];
    unsigned op = p[3] & 3;
    *off = rg->off + (uint32_t)(p[1] | p[2] << 8) % rg->len;
    *width = op == 0 ? 1 : op == 1 ? 2 : 4;
    return *off + *width <= b->size;
}

/* Patch @p p at @p off of @p work: a byte set, a 16-bit field moved by a
 * small signed delta, a 32-bit field moved by it or set to one of
 * @p interesting. */
static void ext2_fuzz_patch_apply(uint8_t *work, const uint8_t *p, uint32_t off, const uint32_t interesting[32])
{
    unsigned op = p[3] & 3;
    int8_t delta = (int8_t)p[4];
    uint8_t *at = work + off;
    if (op == 0) {
        at[0] = p[4];
    } else if (op == 1) {
        uint16_t v = (uint16_t)((at[0] | at[1] << 8) + delta);
        at[0] = (uint8_t)v;
        at[1] = (uint8_t)(v >> 8);
    } else {
        put_le32(at, op == 2 ? le32(at) + (uint32_t)(int32_t)delta : interesting[p[4] & 31]);
    }
}

#endif
