/**
 * @file string.c
 * @brief Freestanding implementations of the kernel/string.h primitives.
 *
 * Byte-at-a-time for clarity, except memset and memcpy: they zero every
 * page table, kernel stack and slab and copy heap blocks, so they store
 * aligned 64-bit words (8 per iteration: the loop's own instructions are
 * then a third of the total, which is what TCG and -icount pay for)
 * between byte-wise head and tail; memcpy between buffers whose addresses
 * differ mod 8 (a file's bytes at any offset of an initrd) stores aligned
 * words made of two aligned loads each.
 * Only aligned word accesses: this also runs with the MMU off (aarch64
 * early boot, where memory is Device and unaligned accesses fault), and no
 * DC ZVA for the same reason. The file is built with -fno-builtin so the
 * compiler does not turn these loops back into calls to themselves.  Host
 * tests build it with -DKSTRING_PREFIX (see string.h).
 */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <stdbool.h>
#include <stdint.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "memcpy's shifted words assume little-endian (every arch so far)"
#endif

/* A word the compiler may alias with anything (the buffers are char data). */
typedef uint64_t __attribute__((may_alias)) word_t;
#define WORD_MASK (sizeof(word_t) - 1)

void *KSTR(memcpy)(void *restrict d, const void *restrict s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    if ((((uintptr_t)dp ^ (uintptr_t)sp) & WORD_MASK) == 0) { /* can both be aligned */
        while (n && ((uintptr_t)dp & WORD_MASK)) {
            *dp++ = *sp++;
            n--;
        }
        word_t *wd = (word_t *)dp;
        const word_t *ws = (const word_t *)sp;
        for (; n >= 8 * sizeof(word_t); n -= 8 * sizeof(word_t), wd += 8, ws += 8) {
            word_t a = ws[0], b = ws[1], c = ws[2], e = ws[3];
            wd[0] = a, wd[1] = b, wd[2] = c, wd[3] = e;
            a = ws[4], b = ws[5], c = ws[6], e = ws[7];
            wd[4] = a, wd[5] = b, wd[6] = c, wd[7] = e;
        }
        for (; n >= sizeof(word_t); n -= sizeof(word_t))
            *wd++ = *ws++;
        dp = (unsigned char *)wd;
        sp = (const unsigned char *)ws;
    } else if (n >= 3 * sizeof(word_t)) { /* different alignments: aligned loads, shifted together */
        while ((uintptr_t)dp & WORD_MASK) {
            *dp++ = *sp++;
            n--;
        }
        /* Each word stored is the tail of one aligned source word and the
         * head of the next (little-endian: the lower address is the lower
         * byte). A load never reaches past the source's last byte (n >= 16
         * before each), nor before the aligned word holding its first. */
        unsigned off = (uintptr_t)sp & WORD_MASK, lo = 8 * off, hi = 64 - lo;
        const word_t *ws = (const word_t *)(sp - off);
        word_t *wd = (word_t *)dp, cur = *ws++;
        for (; n >= 2 * sizeof(word_t); n -= sizeof(word_t)) {
            word_t next = *ws++;
            *wd++ = cur >> lo | next << hi;
            cur = next;
        }
        dp = (unsigned char *)wd;
        sp = (const unsigned char *)ws - sizeof(word_t) + off;
    }
    while (n--)
        *dp++ = *sp++;
    return d;
}

void *KSTR(memmove)(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    if ((uintptr_t)dp < (uintptr_t)sp) {
        while (n--)
            *dp++ = *sp++;
    } else if ((uintptr_t)dp > (uintptr_t)sp) {
        while (n--)
            dp[n] = sp[n];
    }
    return d;
}

void *KSTR(memset)(void *d, int c, size_t n)
{
    unsigned char *dp = d;
    while (n && ((uintptr_t)dp & WORD_MASK)) {
        *dp++ = (unsigned char)c;
        n--;
    }
    word_t w = 0x0101010101010101ull * (unsigned char)c, *wd = (word_t *)dp;
    for (; n >= 8 * sizeof(word_t); n -= 8 * sizeof(word_t), wd += 8) {
        wd[0] = w, wd[1] = w, wd[2] = w, wd[3] = w;
        wd[4] = w, wd[5] = w, wd[6] = w, wd[7] = w;
    }
    for (; n >= sizeof(word_t); n -= sizeof(word_t))
        *wd++ = w;
    dp = (unsigned char *)wd;
    while (n--)
        *dp++ = (unsigned char)c;
    return d;
}

int KSTR(memcmp)(const void *a, const void *b, size_t n)
{
    const unsigned char *ap = a, *bp = b;
    for (size_t i = 0; i < n; i++) {
        if (ap[i] != bp[i])
            return ap[i] < bp[i] ? -1 : 1;
    }
    return 0;
}

size_t KSTR(strlen)(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t KSTR(strnlen)(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int KSTR(strcmp)(const char *a, const char *b)
{
    const unsigned char *ap = (const unsigned char *)a, *bp = (const unsigned char *)b;
    while (*ap && *ap == *bp) {
        ap++;
        bp++;
    }
    return (*ap > *bp) - (*ap < *bp);
}

int KSTR(strncmp)(const char *a, const char *b, size_t n)
{
    const unsigned char *ap = (const unsigned char *)a, *bp = (const unsigned char *)b;
    for (size_t i = 0; i < n; i++) {
        if (ap[i] != bp[i])
            return ap[i] < bp[i] ? -1 : 1;
        if (!ap[i])
            break;
    }
    return 0;
}

char *KSTR(strchr)(const char *s, int c)
{
    char ch = (char)c;
    for (;; s++) {
        if (*s == ch)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}

char *KSTR(strstr)(const char *hay, const char *needle)
{
    size_t n = KSTR(strlen)(needle);
    for (;; hay++) {
        if (KSTR(strncmp)(hay, needle, n) == 0)
            return (char *)hay;
        if (!*hay)
            return NULL;
    }
}

size_t KSTR(strlcpy)(char *d, const char *s, size_t size)
{
    size_t len = KSTR(strlen)(s);
    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        KSTR(memcpy)(d, s, n);
        d[n] = '\0';
    }
    return len;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

int KSTR(kstrtou64)(const char *s, unsigned base, uint64_t *out)
{
    if (base == 0) {
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
            base = 16;
            s += 2;
        } else {
            base = 10;
        }
    }
    if (base < 2 || base > 36 || !*s)
        return -EINVAL;
    uint64_t v = 0;
    bool overflow = false;
    for (; *s; s++) {
        int d = digit_value(*s);
        if ((unsigned)d >= base)
            return -EINVAL;
        if (v > (UINT64_MAX - (unsigned)d) / base)
            overflow = true;
        v = v * base + (unsigned)d;
    }
    if (overflow)
        return -ERANGE;
    *out = v;
    return 0;
}
