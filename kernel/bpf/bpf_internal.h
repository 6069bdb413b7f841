/**
 * @file kernel/bpf/bpf_internal.h
 * @brief What the eBPF core's files share and nobody else needs.
 */
#ifndef KERNEL_BPF_INTERNAL_H
#define KERNEL_BPF_INTERNAL_H

#include <kernel/bpf.h>

/** @brief Copy a name into a BPF_NAME_MAX buffer, truncating, always terminated
 *  (the core also builds on hosts whose C library has no strlcpy). */
static inline void bpf_copy_name(char dst[BPF_NAME_MAX], const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i < BPF_NAME_MAX - 1; i++)
        dst[i] = src[i];
    dst[i] = 0;
}

/** @brief Whether the @p n bytes at @p s contain a NUL (a name ends inside its table). */
static inline int memchr_nul(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i])
            return 1;
    return 0;
}

#endif
