/* riscv64's half of usys.h, for the test programs of tests/programs/ (not kernel code); the
 * build's -I for riscv64 makes it the usys_arch.h that usys.h includes. */
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

/* sys6() for a call that makes a child (fork, clone): the child (0 returned)
 * calls exit(0) at once, touching no memory; the parent gets the result. */
static inline long sys6_child_exits(long n, long a, long b, long c, long d, long e, long f)
{
    register long a7 __asm__("a7") = n, a0 __asm__("a0") = a, a1 __asm__("a1") = b, a2 __asm__("a2") = c,
                  a3 __asm__("a3") = d, a4 __asm__("a4") = e, a5 __asm__("a5") = f;
    __asm__ volatile("ecall\n bnez a0, 1f\n li a7, 93\n ecall\n unimp\n1:"
                     : "+r"(a0) : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5) : "memory");
    return a0;
}
/* rt_sigreturn with the stack pointer at @p sp (never returns). */
#define USYS_SIGRETURN_ON(sp) __asm__ volatile("mv sp, %0\n li a7, 139\n ecall\n unimp" : : "r"(sp))

/* gp is not set up: nothing here is linked with relaxation against it. */
__asm__(".globl _start\n_start:\n mv a0, sp\n call ustart_c\n unimp\n");

#define ILLEGAL_INSN() __asm__ volatile("unimp")

/* ufp_store() names every register it reads as clobbered too: otherwise
 * the compiler may set one up for later code before the store runs. */
/* The FP registers a thread owns, as UFP_WORDS words: f0-f31, then fcsr.
 * And its thread pointer, tp. */
#define UFP_WORDS 33
#define UFP_CONTROL_INIT 0ul /* fcsr: round to nearest, no flags */
static inline void ufp_load(const unsigned long *w)
{
    __asm__ volatile("fld f0, 0(%0)\n"
                     "fld f1, 8(%0)\n"
                     "fld f2, 16(%0)\n"
                     "fld f3, 24(%0)\n"
                     "fld f4, 32(%0)\n"
                     "fld f5, 40(%0)\n"
                     "fld f6, 48(%0)\n"
                     "fld f7, 56(%0)\n"
                     "fld f8, 64(%0)\n"
                     "fld f9, 72(%0)\n"
                     "fld f10, 80(%0)\n"
                     "fld f11, 88(%0)\n"
                     "fld f12, 96(%0)\n"
                     "fld f13, 104(%0)\n"
                     "fld f14, 112(%0)\n"
                     "fld f15, 120(%0)\n"
                     "fld f16, 128(%0)\n"
                     "fld f17, 136(%0)\n"
                     "fld f18, 144(%0)\n"
                     "fld f19, 152(%0)\n"
                     "fld f20, 160(%0)\n"
                     "fld f21, 168(%0)\n"
                     "fld f22, 176(%0)\n"
                     "fld f23, 184(%0)\n"
                     "fld f24, 192(%0)\n"
                     "fld f25, 200(%0)\n"
                     "fld f26, 208(%0)\n"
                     "fld f27, 216(%0)\n"
                     "fld f28, 224(%0)\n"
                     "fld f29, 232(%0)\n"
                     "fld f30, 240(%0)\n"
                     "fld f31, 248(%0)\n"
                     "ld t0, 256(%0)\n"
                     "fscsr t0"
                     : : "r"(w) : "memory", "t0", "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12", "f13", "f14", "f15", "f16", "f17", "f18", "f19", "f20", "f21", "f22", "f23", "f24", "f25", "f26", "f27", "f28", "f29", "f30", "f31");
}
static inline void ufp_store(unsigned long *w)
{
    __asm__ volatile("fsd f0, 0(%0)\n"
                     "fsd f1, 8(%0)\n"
                     "fsd f2, 16(%0)\n"
                     "fsd f3, 24(%0)\n"
                     "fsd f4, 32(%0)\n"
                     "fsd f5, 40(%0)\n"
                     "fsd f6, 48(%0)\n"
                     "fsd f7, 56(%0)\n"
                     "fsd f8, 64(%0)\n"
                     "fsd f9, 72(%0)\n"
                     "fsd f10, 80(%0)\n"
                     "fsd f11, 88(%0)\n"
                     "fsd f12, 96(%0)\n"
                     "fsd f13, 104(%0)\n"
                     "fsd f14, 112(%0)\n"
                     "fsd f15, 120(%0)\n"
                     "fsd f16, 128(%0)\n"
                     "fsd f17, 136(%0)\n"
                     "fsd f18, 144(%0)\n"
                     "fsd f19, 152(%0)\n"
                     "fsd f20, 160(%0)\n"
                     "fsd f21, 168(%0)\n"
                     "fsd f22, 176(%0)\n"
                     "fsd f23, 184(%0)\n"
                     "fsd f24, 192(%0)\n"
                     "fsd f25, 200(%0)\n"
                     "fsd f26, 208(%0)\n"
                     "fsd f27, 216(%0)\n"
                     "fsd f28, 224(%0)\n"
                     "fsd f29, 232(%0)\n"
                     "fsd f30, 240(%0)\n"
                     "fsd f31, 248(%0)\n"
                     "frcsr t0\n"
                     "sd t0, 256(%0)"
                     : : "r"(w) : "memory", "t0", "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12", "f13", "f14", "f15", "f16", "f17", "f18", "f19", "f20", "f21", "f22", "f23", "f24", "f25", "f26", "f27", "f28", "f29", "f30", "f31");
}
/* A valid fcsr from @p seed: the rounding mode (frm, bits 7:5, 0-4) varied. */
static inline unsigned long ufp_control(unsigned long seed) { return (seed % 5) << 5; }
static inline long utls_set(void *p)
{
    __asm__ volatile("mv tp, %0" : : "r"(p));
    return 0;
}
static inline unsigned long utls_word0(void)
{
    unsigned long *p;
    __asm__ volatile("mv %0, tp" : "=r"(p));
    return *p;
}

/* uthread_clone(flags, stack, ptid, tls, ctid, fn, arg): clone() of a
 * thread that runs fn(arg) on @stack and exits with its result; the
 * parent gets the tid. */
__asm__(".globl uthread_clone\nuthread_clone:\n"
        " addi a1, a1, -16\n sd a5, 0(a1)\n sd a6, 8(a1)\n li a7, 220\n ecall\n bnez a0, 1f\n"
        " ld a5, 0(sp)\n ld a0, 8(sp)\n addi sp, sp, 16\n jalr a5\n li a7, 93\n ecall\n unimp\n"
        "1: ret\n");

/* The vDSO (uvdso.c): Linux's names and version here, and the signal
 * return every handler comes back through. */
#define UVDSO_VERSION "LINUX_4.15"
#define UVDSO_CLOCK_GETTIME "__vdso_clock_gettime"
#define UVDSO_GETTIMEOFDAY "__vdso_gettimeofday"
#define UVDSO_CLOCK_GETRES "__vdso_clock_getres"
#define UVDSO_SIGRETURN "__vdso_rt_sigreturn"
#define UVDSO_GETCPU "__vdso_getcpu"
