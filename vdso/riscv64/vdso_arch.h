/* riscv64: the time CSR (U-mode may read it: scounteren.TM, set by
 * arch/riscv64/user.c), converted as arch/riscv64/timer.c does. */
#include <kernel/tickconv.h>
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

static inline uint64_t vdso_ticks_to_ns(const volatile struct vdso_data *d, uint64_t t)
{
    uint64_t npt = d->ns_per_tick;
    if (__builtin_expect(npt != 0, 1)) /* the frequency divides 1e9: a multiply */
        return t * npt;
    uint64_t hz = d->freq;
    __asm__ volatile("" : "+r"(hz)); /* keeps this rare path's constants out of the fast path's loop */
    return tickconv_to_ns(t, hz, 0);
}

static inline long vdso_syscall2(long nr, long a, long b)
{
    register long a7 __asm__("a7") = nr, a0 __asm__("a0") = a, a1 __asm__("a1") = b;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1) : "memory");
    return a0;
}

/* Linux's riscv64 names. */
#define VDSO_EXPORTS(f, n) VDSO_ALIAS(f, __vdso_##n)
