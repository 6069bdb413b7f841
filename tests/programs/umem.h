/*
 * umem.h: the memory functions the compiler may call in a test program
 * (struct copies, zeroing) and the two byte helpers the file tests use;
 * included by the programs that need them, once each (no C library).
 */
#ifndef UMEM_H
#define UMEM_H

#include "usys.h"

void *memset(void *d, int c, size_t n)
{
    while (n--)
        ((volatile char *)d)[n] = (char)c;
    return d;
}
void *memcpy(void *d, const void *s, size_t n)
{
    while (n--)
        ((volatile char *)d)[n] = ((const char *)s)[n];
    return d;
}
static inline int memeq(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return 0;
    return 1;
}
static inline char *ucpy(char *d, const char *s)
{
    while ((*d = *s++))
        d++;
    return d;
}

#endif
