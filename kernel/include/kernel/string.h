/**
 * @file kernel/string.h
 * @brief Memory and string primitives for a freestanding kernel.
 *
 * The kernel cannot link a C library, but the compiler still emits calls to
 * memcpy/memset/memmove/memcmp for struct copies and the like, so we must
 * provide them ourselves.  The same source is also unit-tested on the host
 * next to glibc; defining KSTRING_PREFIX renames every function to k_<name>
 * so that the two implementations can coexist in one test binary.
 */
#ifndef KERNEL_STRING_H
#define KERNEL_STRING_H

#include <stddef.h>
#include <stdint.h>

#ifdef KSTRING_PREFIX
#define KSTR(name) k_##name
#else
/** @brief The name a string function has: `name`, or `k_name` in host tests
 *  (KSTRING_PREFIX) so the C library's stays usable beside it. */
#define KSTR(name) name
#endif

/** @brief Copy n bytes from s to d; regions must not overlap. Returns d. */
void *KSTR(memcpy)(void *restrict d, const void *restrict s, size_t n);
/** @brief Copy n bytes from s to d; regions may overlap. Returns d. */
void *KSTR(memmove)(void *d, const void *s, size_t n);
/** @brief Fill n bytes at d with (unsigned char)c. Returns d. */
void *KSTR(memset)(void *d, int c, size_t n);
/** @brief Compare n bytes as unsigned char; <0, 0 or >0. */
int KSTR(memcmp)(const void *a, const void *b, size_t n);
/** @brief Length of NUL-terminated s, excluding the NUL. */
size_t KSTR(strlen)(const char *s);
/** @brief Like strlen but never reads more than max bytes; returns <= max. */
size_t KSTR(strnlen)(const char *s, size_t max);
/** @brief Compare two strings as unsigned char; <0, 0 or >0. */
int KSTR(strcmp)(const char *a, const char *b);
/** @brief Compare at most n chars of two strings as unsigned char. */
int KSTR(strncmp)(const char *a, const char *b, size_t n);
/** @brief First occurrence of (char)c in s (c == 0 finds the NUL), or NULL. */
char *KSTR(strchr)(const char *s, int c);
/** @brief First occurrence of @p needle in @p hay (hay itself for ""), or NULL. */
char *KSTR(strstr)(const char *hay, const char *needle);
/** @brief Copy s into d (size bytes), always NUL-terminating if size > 0;
 *  returns strlen(s), so truncation happened iff the result >= size. */
size_t KSTR(strlcpy)(char *d, const char *s, size_t size);
/** @brief Parse the whole of s as an unsigned 64-bit number in base 2..36,
 *  or base 0 = "0x"/"0X" prefix for hex, else decimal. Returns 0 and sets
 *  *out, -EINVAL for empty/invalid text, -ERANGE on overflow. */
int KSTR(kstrtou64)(const char *s, unsigned base, uint64_t *out);

#endif
