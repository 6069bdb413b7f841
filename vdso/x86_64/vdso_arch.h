/* x86_64: the TSC, scaled as arch/x86_64/timer.c's hal_time_ns() does. */
#define VDSO_PAGE 4096
#define VDSO_HAS_TIME 1
#define VDSO_NR_gettimeofday 96
#define VDSO_NR_time 201
#define VDSO_NR_clock_gettime 228
#define VDSO_NR_clock_getres 229
#define VDSO_NR_getcpu 309

static inline uint64_t vdso_counter(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return (uint64_t)hi << 32 | lo;
}

/* (t * mult) >> shift, saturating as the kernel's apply(). */
static inline uint64_t vdso_ticks_to_ns(const volatile struct vdso_data *d, uint64_t t)
{
    unsigned __int128 p = ((unsigned __int128)t * d->mult) >> d->shift;
    return p >> 64 ? UINT64_MAX : (uint64_t)p;
}

static inline long vdso_syscall2(long nr, long a, long b)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
    return r;
}

/* Linux's x86_64 names, and the plain ones it exports too. */
#define VDSO_EXPORTS(f, n) VDSO_ALIAS(f, __vdso_##n) VDSO_ALIAS(f, n)
