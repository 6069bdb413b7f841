/**
 * @file host_strlcpy.c
 * @brief The kernel's strlcpy (kernel/lib/string.c) for host tests and
 *        fuzzers of code that calls it: glibc before 2.38 lacks it, and
 *        string.c itself cannot be linked unprefixed next to glibc (it
 *        defines memcpy and friends too). Same contract: copies at most
 *        size - 1 bytes, terminates when size > 0, returns strlen(s).
 */
#include <string.h>

size_t strlcpy(char *d, const char *s, size_t size);
size_t strlcpy(char *d, const char *s, size_t size)
{
    size_t len = strlen(s);
    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return len;
}
