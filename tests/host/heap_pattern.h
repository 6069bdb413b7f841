/**
 * @file heap_pattern.h
 * @brief Fill a heap block with a pattern derived from a tag, and check it:
 *        two blocks that overlap, a block handed out twice or a heap that
 *        writes into a live block show up as a wrong pattern.
 *
 * Word i of the block holds pattern_word(tag, i); the bytes after the last
 * whole word hold its low bytes. Blocks of any size and alignment work.
 */
#ifndef TESTS_HOST_HEAP_PATTERN_H
#define TESTS_HOST_HEAP_PATTERN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Extra attributes for these helpers; fuzz_heap.c keeps libFuzzer's
 * comparison tracing out of them with no_sanitize("coverage"). */
#ifndef PATTERN_ATTR
#define PATTERN_ATTR
#endif

PATTERN_ATTR static inline uint64_t pattern_word(uint64_t tag, size_t i)
{
    uint64_t x = (tag + 1) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)i * 0xbf58476d1ce4e5b9ULL;
    return x ^ (x >> 29);
}

/** @brief Fill the first @p n bytes of @p p with the pattern of @p tag. */
PATTERN_ATTR static inline void pattern_fill(void *p, size_t n, uint64_t tag)
{
    uint8_t *b = p;
    size_t words = n / 8;
    for (size_t i = 0; i < words; i++) {
        uint64_t w = pattern_word(tag, i);
        memcpy(b + i * 8, &w, 8);
    }
    uint64_t w = pattern_word(tag, words);
    for (size_t i = words * 8; i < n; i++, w >>= 8)
        b[i] = (uint8_t)w;
}

/** @brief Whether the first @p n bytes of @p p hold the pattern of @p tag. */
PATTERN_ATTR static inline int pattern_check(const void *p, size_t n, uint64_t tag)
{
    const uint8_t *b = p;
    size_t words = n / 8;
    for (size_t i = 0; i < words; i++) {
        uint64_t w;
        memcpy(&w, b + i * 8, 8);
        if (w != pattern_word(tag, i))
            return 0;
    }
    uint64_t w = pattern_word(tag, words);
    for (size_t i = words * 8; i < n; i++, w >>= 8)
        if (b[i] != (uint8_t)w)
            return 0;
    return 1;
}

/** @brief xorshift64: a small deterministic generator (state must not be 0). */
static inline uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

#endif
