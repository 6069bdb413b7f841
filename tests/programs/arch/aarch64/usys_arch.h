/* aarch64's half of usys.h, for the test programs of tests/programs/ (not kernel code); the
 * build's -I for aarch64 makes it the usys_arch.h that usys.h includes. */
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

/* sys6() for a call that makes a child (fork, clone): the child (0 returned)
 * calls exit(0) at once, touching no memory; the parent gets the result. */
static inline long sys6_child_exits(long n, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b, x2 __asm__("x2") = c,
                  x3 __asm__("x3") = d, x4 __asm__("x4") = e, x5 __asm__("x5") = f;
    __asm__ volatile("svc #0\n cbnz x0, 1f\n mov x8, #93\n svc #0\n udf #0\n1:"
                     : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
    return x0;
}
/* rt_sigreturn with the stack pointer at @p sp (never returns). */
#define USYS_SIGRETURN_ON(sp) __asm__ volatile("mov sp, %0\n mov x8, #139\n svc #0\n udf #0" : : "r"(sp))

__asm__(".globl _start\n_start:\n mov x0, sp\n bl ustart_c\n udf #0\n");

#define ILLEGAL_INSN() __asm__ volatile("udf #0")

/* ufp_store() names every register it reads as clobbered too: otherwise
 * the compiler may set one up for later code before the store runs. */
/* The FP/SIMD registers a thread owns, as UFP_WORDS words: V0-V31 (two
 * words each), then FPCR. And its thread pointer, TPIDR_EL0. */
#define UFP_WORDS 65
#define UFP_CONTROL_INIT 0ul /* FPCR: round to nearest, no traps */
static inline void ufp_load(const unsigned long *w)
{
    __asm__ volatile("ldp q0, q1, [%0, #0]\n"
                     "ldp q2, q3, [%0, #32]\n"
                     "ldp q4, q5, [%0, #64]\n"
                     "ldp q6, q7, [%0, #96]\n"
                     "ldp q8, q9, [%0, #128]\n"
                     "ldp q10, q11, [%0, #160]\n"
                     "ldp q12, q13, [%0, #192]\n"
                     "ldp q14, q15, [%0, #224]\n"
                     "ldp q16, q17, [%0, #256]\n"
                     "ldp q18, q19, [%0, #288]\n"
                     "ldp q20, q21, [%0, #320]\n"
                     "ldp q22, q23, [%0, #352]\n"
                     "ldp q24, q25, [%0, #384]\n"
                     "ldp q26, q27, [%0, #416]\n"
                     "ldp q28, q29, [%0, #448]\n"
                     "ldp q30, q31, [%0, #480]\n"
                     "ldr x9, [%0, #512]\n"
                     "msr fpcr, x9"
                     : : "r"(w) : "memory", "x9", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31");
}
static inline void ufp_store(unsigned long *w)
{
    __asm__ volatile("stp q0, q1, [%0, #0]\n"
                     "stp q2, q3, [%0, #32]\n"
                     "stp q4, q5, [%0, #64]\n"
                     "stp q6, q7, [%0, #96]\n"
                     "stp q8, q9, [%0, #128]\n"
                     "stp q10, q11, [%0, #160]\n"
                     "stp q12, q13, [%0, #192]\n"
                     "stp q14, q15, [%0, #224]\n"
                     "stp q16, q17, [%0, #256]\n"
                     "stp q18, q19, [%0, #288]\n"
                     "stp q20, q21, [%0, #320]\n"
                     "stp q22, q23, [%0, #352]\n"
                     "stp q24, q25, [%0, #384]\n"
                     "stp q26, q27, [%0, #416]\n"
                     "stp q28, q29, [%0, #448]\n"
                     "stp q30, q31, [%0, #480]\n"
                     "mrs x9, fpcr\n"
                     "str x9, [%0, #512]"
                     : : "r"(w) : "memory", "x9", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31");
}
/* A valid FPCR from @p seed: the rounding mode (bits 23:22) varied. */
static inline unsigned long ufp_control(unsigned long seed) { return (seed & 3) << 22; }
static inline long utls_set(void *p)
{
    __asm__ volatile("msr tpidr_el0, %0" : : "r"(p));
    return 0;
}
static inline unsigned long utls_word0(void)
{
    unsigned long *p;
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(p));
    return *p;
}

/* struct sigaction has sa_restorer, but arm64 programs pass none (glibc
 * has no stub): handlers return through the kernel's trampoline page. */
#define USA_HAS_RESTORER 1

/* arm64 moved O_DIRECTORY (ufiles.c; the generic value is 0200000). */
#define UO_DIRECTORY 040000
/* and O_NOFOLLOW (ufsmore.c; the generic value is 0400000). */
#define UO_NOFOLLOW 0100000

/* uthread_clone(flags, stack, ptid, tls, ctid, fn, arg): clone() of a
 * thread that runs fn(arg) on @stack and exits with its result; the
 * parent gets the tid. */
__asm__(".globl uthread_clone\nuthread_clone:\n"
        " sub x1, x1, #16\n stp x5, x6, [x1]\n mov x8, #220\n svc #0\n cbnz x0, 1f\n"
        " ldp x5, x0, [sp], #16\n blr x5\n mov x8, #93\n svc #0\n brk #0\n"
        "1: ret\n");

/* The vDSO (uvdso.c): Linux's names and version here, and the signal
 * return every handler comes back through. */
#define UVDSO_VERSION "LINUX_2.6.39"
#define UVDSO_CLOCK_GETTIME "__kernel_clock_gettime"
#define UVDSO_GETTIMEOFDAY "__kernel_gettimeofday"
#define UVDSO_CLOCK_GETRES "__kernel_clock_getres"
#define UVDSO_SIGRETURN "__kernel_rt_sigreturn"

/* ucpu.c: the ID registers a program reads with MRS once AT_HWCAP has
 * HWCAP_CPUID (bit 11): EL0 may not read them, and Linux emulates the
 * read of Op0=3, Op1=0, CRn=0, CRm=0 and 2-7 (its cpu-feature-registers
 * ABI). Each is reported as put(name, value), after a read into XZR.
 * UCPU_MRS_OUTSIDE() reads one outside that space (ID_PFR0_EL1, CRm=1) and
 * UCPU_MSR_ID() writes ID_AA64ISAR0_EL1: each is SIGILL. */
#define UCPU_HWCAP_IDREGS (1ul << 11)
#define UCPU_MRS(put, name, enc)                                \
    do {                                                        \
        unsigned long v_;                                       \
        __asm__ volatile("mrs %0, " enc : "=r"(v_));            \
        put(name, v_);                                          \
    } while (0)
static inline void ucpu_idregs(void (*put)(const char *, unsigned long))
{
    __asm__ volatile("mrs xzr, s3_0_c0_c6_0");
    UCPU_MRS(put, "MIDR_EL1", "s3_0_c0_c0_0");
    UCPU_MRS(put, "MPIDR_EL1", "s3_0_c0_c0_5");
    UCPU_MRS(put, "REVIDR_EL1", "s3_0_c0_c0_6");
    UCPU_MRS(put, "ID_ISAR0_EL1", "s3_0_c0_c2_0");
    UCPU_MRS(put, "ID_ISAR5_EL1", "s3_0_c0_c2_5");
    UCPU_MRS(put, "ID_ISAR6_EL1", "s3_0_c0_c2_7");
    UCPU_MRS(put, "MVFR0_EL1", "s3_0_c0_c3_0");
    UCPU_MRS(put, "MVFR1_EL1", "s3_0_c0_c3_1");
    UCPU_MRS(put, "MVFR2_EL1", "s3_0_c0_c3_2");
    UCPU_MRS(put, "ID_PFR2_EL1", "s3_0_c0_c3_4");
    UCPU_MRS(put, "ID_AA64PFR0_EL1", "s3_0_c0_c4_0");
    UCPU_MRS(put, "ID_AA64PFR1_EL1", "s3_0_c0_c4_1");
    UCPU_MRS(put, "ID_AA64ZFR0_EL1", "s3_0_c0_c4_4");
    UCPU_MRS(put, "ID_AA64DFR0_EL1", "s3_0_c0_c5_0");
    UCPU_MRS(put, "ID_AA64DFR1_EL1", "s3_0_c0_c5_1");
    UCPU_MRS(put, "ID_AA64ISAR0_EL1", "s3_0_c0_c6_0");
    UCPU_MRS(put, "ID_AA64ISAR1_EL1", "s3_0_c0_c6_1");
    UCPU_MRS(put, "ID_AA64ISAR2_EL1", "s3_0_c0_c6_2");
    UCPU_MRS(put, "ID_AA64MMFR0_EL1", "s3_0_c0_c7_0");
    UCPU_MRS(put, "ID_AA64MMFR1_EL1", "s3_0_c0_c7_1");
    UCPU_MRS(put, "ID_AA64MMFR2_EL1", "s3_0_c0_c7_2");
    UCPU_MRS(put, "s3_0_c0_c7_7 (reserved)", "s3_0_c0_c7_7");
}
#define UCPU_MRS_OUTSIDE()                                                  \
    do {                                                                    \
        unsigned long v_;                                                   \
        __asm__ volatile("mrs %0, s3_0_c0_c1_0" : "=r"(v_));                \
    } while (0)
#define UCPU_MSR_ID() __asm__ volatile("msr s3_0_c0_c6_0, xzr")
