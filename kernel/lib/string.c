/**
 * @file string.c
 * @brief Freestanding implementations of the kernel/string.h primitives.
 *
 * Written byte-at-a-time for clarity: these are not hot paths in a hobby
 * kernel, and simple loops are easy to verify.  The file is built with
 * -fno-builtin so the compiler does not turn these loops back into calls to
 * themselves.  Host tests build it with -DKSTRING_PREFIX (see string.h).
 */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <stdbool.h>

void *KSTR(memcpy)(void *restrict d, const void *restrict s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
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
