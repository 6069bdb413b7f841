/**
 * @file arch/cc.h
 * @brief lwIP's compiler and platform definitions for this kernel.
 *
 * No C library: lwIP's optional headers (inttypes.h, ctype.h, unistd.h)
 * are replaced by its own fallbacks and the formats below; string.h is
 * kernel/net/lwip/include/string.h. Every architecture is little-endian.
 */
#ifndef LWIP_ARCH_CC_H
#define LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_UNISTD_H 1
#ifndef BYTE_ORDER /* the host fuzzer's C library has it */
#define BYTE_ORDER LITTLE_ENDIAN
#endif

#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

void lwip_port_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void lwip_port_assert(const char *msg, const char *file, int line);
uint32_t lwip_port_rand(void);

/** lwIP's debug output (LWIP_DEBUG builds only): the kernel log. */
#define LWIP_PLATFORM_DIAG(x) do { lwip_port_diag x; } while (0)
/** A broken lwIP invariant is a kernel bug: panic with lwIP's message. */
#define LWIP_PLATFORM_ASSERT(x) lwip_port_assert((x), __FILE__, __LINE__)
/** Initial sequence numbers, ports, DHCP transaction ids: the kernel's random source. */
#define LWIP_RAND() lwip_port_rand()

#endif
