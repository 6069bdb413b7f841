/* x86_64: the TSC, scaled as arch/x86_64/timer.c's hal_time_ns() does. */
#define VDSO_HAS_TIME 1
/* Its own vdso_ticks_to_ns(): the TSC's rate is measured, not a round frequency. */
#define VDSO_OWN_TICKS_TO_NS 1
#define VDSO_NR_gettimeofday 96
#define VDSO_NR_time 201
#define VDSO_NR_clock_gettime 228
#define VDSO_NR_clock_getres 229
#define VDSO_NR_getcpu 309

static inline uint64_t vdso_counter(void)
{
    uint64_t v;
    /* RDTSC clears the upper halves of RAX and RDX. */
    __asm__ volatile("lfence; rdtsc; shlq $32, %%rdx; orq %%rdx, %%rax" : "=a"(v) : : "rdx", "memory");
    return v;
}

/* (t * mult) >> shift, saturating as the kernel's apply(); shift is 1 to
 * 64, and at 64 (a TSC above 1 GHz) the product's high half is the answer
 * and cannot saturate. */
static inline uint64_t vdso_ticks_to_ns(const volatile struct vdso_data *d, uint64_t t)
{
    unsigned __int128 p = (unsigned __int128)t * d->mult;
    uint64_t hi = (uint64_t)(p >> 64);
    unsigned s = d->shift;
    if (s >= 64)
        return hi;
    if (__builtin_expect(hi >> s != 0, 0))
        return UINT64_MAX;
    uint64_t lo = (uint64_t)p;
    __asm__("shrdq %%cl, %1, %0" : "+r"(lo) : "r"(hi), "c"(s)); /* (hi:lo) >> s, 0 < s < 64 */
    return lo;
}

static inline long vdso_syscall2(long nr, long a, long b)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
    return r;
}

/* Linux's x86_64 names, and the plain ones it exports too. */
#define VDSO_EXPORTS(f, n) VDSO_ALIAS(f, __vdso_##n) VDSO_ALIAS(f, n)
