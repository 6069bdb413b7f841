/**
 * @file stdlib.h
 * @brief lwIP's `#include <stdlib.h>`: netif_find()'s atoi() (mem.c's
 *        malloc() is replaced by mem_clib_malloc, lwipopts.h).
 */
#ifndef LWIP_PORT_STDLIB_H
#define LWIP_PORT_STDLIB_H
#include <stddef.h>

/** @brief The decimal number at the start of @p s (an interface's number). */
static inline int atoi(const char *s)
{
    int neg = *s == '-', v = 0;
    if (*s == '-' || *s == '+')
        s++;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return neg ? -v : v;
}
#endif
