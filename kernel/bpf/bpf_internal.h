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

/** @brief @p v's low @p bits bits, sign-extended to 64. */
static inline uint64_t bpf_sext(uint64_t v, unsigned bits)
{
    unsigned sh = 64 - bits;
    return (uint64_t)((int64_t)(v << sh) >> sh);
}

/** @brief @p v's low @p bits (16, 32 or 64) bits, byte-swapped. */
static inline uint64_t bpf_bswap(uint64_t v, int32_t bits)
{
    switch (bits) {
    case 16:
        return __builtin_bswap16((uint16_t)v);
    case 32:
        return __builtin_bswap32((uint32_t)v);
    default:
        return __builtin_bswap64(v);
    }
}

/** @brief @p v truncated to @p bits (16, 32 or 64) bits. */
static inline uint64_t bpf_trunc(uint64_t v, int32_t bits)
{
    return bits == 64 ? v : v & ((1ULL << bits) - 1);
}

/** @brief RFC 9669's result of ALU operation @p op on @p a and @p b, 64 or
 *  32 bits wide (@p w32: operands already truncated; the caller
 *  zero-extends). @p off selects the signed division and modulo and the
 *  sign-extending move (of @p b). The interpreter runs it and the verifier
 *  folds constants with it, so both know the same arithmetic. */
static inline uint64_t bpf_alu(uint8_t op, uint64_t a, uint64_t b, int16_t off, int w32)
{
    unsigned mask = w32 ? 31 : 63;
    switch (op) {
    case BPF_ADD:
        return a + b;
    case BPF_SUB:
        return a - b;
    case BPF_MUL:
        return a * b;
    case BPF_DIV:
        if (b == 0)
            return 0;
        if (off == 1) {
            if (w32) {
                int32_t x = (int32_t)a, y = (int32_t)b;
                return (uint32_t)(y == -1 ? (int32_t)(0u - (uint32_t)x) : x / y);
            }
            int64_t x = (int64_t)a, y = (int64_t)b;
            return y == -1 ? 0 - a : (uint64_t)(x / y);
        }
        return a / b;
    case BPF_MOD:
        if (b == 0)
            return a;
        if (off == 1) {
            if (w32) {
                int32_t x = (int32_t)a, y = (int32_t)b;
                return (uint32_t)(y == -1 ? 0 : x % y);
            }
            int64_t x = (int64_t)a, y = (int64_t)b;
            return y == -1 ? 0 : (uint64_t)(x % y);
        }
        return a % b;
    case BPF_OR:
        return a | b;
    case BPF_AND:
        return a & b;
    case BPF_XOR:
        return a ^ b;
    case BPF_LSH:
        return a << (b & mask);
    case BPF_RSH:
        return a >> (b & mask);
    case BPF_ARSH:
        return w32 ? (uint32_t)((int32_t)a >> (b & mask)) : (uint64_t)((int64_t)a >> (b & mask));
    case BPF_NEG:
        return 0 - a;
    case BPF_MOV:
        return off ? bpf_sext(b, (unsigned)off) : b;
    default:
        return a; /* unreachable for verified programs */
    }
}

#endif
