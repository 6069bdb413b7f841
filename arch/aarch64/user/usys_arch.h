/* aarch64's half of user/usys.h, for the test programs of user/ (not kernel code). */
/* arm64: SVC #0, number in x8, arguments x0-x5, result x0. */
#include "usys_generic.h"

static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b,
                  x2 __asm__("x2") = c, x3 __asm__("x3") = d, x4 __asm__("x4") = e,
                  x5 __asm__("x5") = f;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
    return x0;
}

__asm__(".globl _start\n_start:\n mov x0, sp\n bl ustart_c\n udf #0\n");

#define ILLEGAL_INSN() __asm__ volatile("udf #0")
