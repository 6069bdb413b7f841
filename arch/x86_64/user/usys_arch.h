/* x86_64's half of user/usys.h, for the test programs of user/ (not kernel code). */
/* x86_64: SYSCALL, number in rax, arguments rdi rsi rdx r10 r8 r9, result rax. */
#define NR_read 0
#define NR_write 1
#define NR_mmap 9
#define NR_munmap 11
#define NR_brk 12
#define NR_sched_yield 24
#define NR_nanosleep 35
#define NR_getpid 39
#define NR_exit 60
#define NR_kill 62
#define NR_uname 63
#define NR_gettid 186
#define NR_clock_gettime 228
#define NR_exit_group 231
#define NR_getrandom 318
#define NR_clone 56
#define NR_fork 57
#define NR_execve 59
#define NR_wait4 61
#define NR_getppid 110

static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

__asm__(".globl _start\n_start:\n mov %rsp, %rdi\n and $-16, %rsp\n call ustart_c\n ud2\n");

#define ILLEGAL_INSN() __asm__ volatile("ud2")
