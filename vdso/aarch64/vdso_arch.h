/* aarch64: CNTVCT_EL0 (EL0 may read it: CNTKCTL_EL1.EL0VCTEN, set by
 * arch/aarch64/user.c), converted as arch/aarch64/timer.c does. */
/* Seconds from ns with UDIV (vdso.c, split()). */
#define VDSO_DIVIDE 1
#define VDSO_NR_gettimeofday 169
#define VDSO_NR_clock_gettime 113
#define VDSO_NR_clock_getres 114

static inline uint64_t vdso_counter(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
    return v;
}

static inline long vdso_syscall2(long nr, long a, long b)
{
    register long x8 __asm__("x8") = nr, x0 __asm__("x0") = a, x1 __asm__("x1") = b;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1) : "memory");
    return x0;
}

/* Linux's arm64 names. */
#define VDSO_EXPORTS(f, n) VDSO_ALIAS(f, __kernel_##n)
