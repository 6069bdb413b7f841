/* riscv64's half of user/usys.h, for the test programs of user/ (not kernel code). */
/* riscv64: ecall, number in a7, arguments a0-a5, result a0. */
#include "usys_generic.h"

static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
    register long a7 __asm__("a7") = n, a0 __asm__("a0") = a, a1 __asm__("a1") = b,
                  a2 __asm__("a2") = c, a3 __asm__("a3") = d, a4 __asm__("a4") = e,
                  a5 __asm__("a5") = f;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5) : "memory");
    return a0;
}

/* gp is not set up: nothing here is linked with relaxation against it. */
__asm__(".globl _start\n_start:\n mv a0, sp\n call ustart_c\n unimp\n");

#define ILLEGAL_INSN() __asm__ volatile("unimp")
