/* riscv64: the time CSR (U-mode may read it: scounteren.TM, set by
 * arch/riscv64/user.c), converted as arch/riscv64/timer.c does. */
#define VDSO_NR_gettimeofday 169
#define VDSO_NR_clock_gettime 113
#define VDSO_NR_clock_getres 114
#define VDSO_NR_getcpu 168

static inline uint64_t vdso_counter(void)
{
    uint64_t v;
    __asm__ volatile("rdtime %0" : "=r"(v) : : "memory");
    return v;
}

static inline long vdso_syscall2(long nr, long a, long b)
{
    register long a7 __asm__("a7") = nr, a0 __asm__("a0") = a, a1 __asm__("a1") = b;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1) : "memory");
    return a0;
}

/* Linux's riscv64 names. */
#define VDSO_EXPORTS(f, n) VDSO_ALIAS(f, __vdso_##n)
