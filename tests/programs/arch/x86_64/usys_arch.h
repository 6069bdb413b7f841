/* x86_64's half of usys.h, for the test programs of tests/programs/ (not kernel code); the
 * build's -I for x86_64 makes it the usys_arch.h that usys.h includes. */
/* x86_64: SYSCALL, number in rax, arguments rdi rsi rdx r10 r8 r9, result rax. */
#define NR_read 0
#define NR_write 1
#define NR_mmap 9
#define NR_munmap 11
#define NR_mremap 25
#define NR_madvise 28
#define NR_brk 12
#define NR_sched_yield 24
#define NR_nanosleep 35
#define NR_getpid 39
#define NR_exit 60
#define NR_kill 62
#define NR_setpgid 109
#define NR_uname 63
#define NR_gettid 186
#define NR_futex 202
#define NR_set_tid_address 218
#define NR_clock_gettime 228
#define NR_gettimeofday 96
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

/* sys6() for a call that makes a child (fork, clone): the child (0 returned)
 * calls exit(0) at once, touching no memory; the parent gets the result. */
static inline long sys6_child_exits(long n, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
    __asm__ volatile("syscall\n test %%rax, %%rax\n jnz 1f\n mov $60, %%eax\n xor %%edi, %%edi\n syscall\n ud2\n1:"
                     : "+a"(n) : "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
    return n;
}
/* rt_sigreturn with the stack pointer at @p sp (never returns). */
#define USYS_SIGRETURN_ON(sp) __asm__ volatile("mov %0, %%rsp\n mov $15, %%eax\n syscall\n ud2" : : "r"(sp))

__asm__(".globl _start\n_start:\n mov %rsp, %rdi\n and $-16, %rsp\n call ustart_c\n ud2\n");

#define ILLEGAL_INSN() __asm__ volatile("ud2")

/* ufp_store() names every register it reads as clobbered too: otherwise
 * the compiler may set one up for later code before the store runs. */
/* The FP/SIMD registers a thread owns, as UFP_WORDS words: XMM0-15 (two
 * words each), then MXCSR. And its thread pointer, the FS base. */
#define UFP_WORDS 33
#define UFP_CONTROL_INIT 0x1f80ul /* MXCSR at reset: every exception masked */
#define NR_arch_prctl 158
#define UCLONE_TLS(flags, tls) sys6(NR_clone, (flags), 0, 0, 0, (long)(tls), 0)
static inline void ufp_load(const unsigned long *w)
{
    __asm__ volatile("movdqu 0(%0), %%xmm0\n"
                     "movdqu 16(%0), %%xmm1\n"
                     "movdqu 32(%0), %%xmm2\n"
                     "movdqu 48(%0), %%xmm3\n"
                     "movdqu 64(%0), %%xmm4\n"
                     "movdqu 80(%0), %%xmm5\n"
                     "movdqu 96(%0), %%xmm6\n"
                     "movdqu 112(%0), %%xmm7\n"
                     "movdqu 128(%0), %%xmm8\n"
                     "movdqu 144(%0), %%xmm9\n"
                     "movdqu 160(%0), %%xmm10\n"
                     "movdqu 176(%0), %%xmm11\n"
                     "movdqu 192(%0), %%xmm12\n"
                     "movdqu 208(%0), %%xmm13\n"
                     "movdqu 224(%0), %%xmm14\n"
                     "movdqu 240(%0), %%xmm15\n"
                     "ldmxcsr 256(%0)"
                     : : "r"(w) : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
                       "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}
static inline void ufp_store(unsigned long *w)
{
    w[32] = 0;
    __asm__ volatile("movdqu %%xmm0, 0(%0)\n"
                     "movdqu %%xmm1, 16(%0)\n"
                     "movdqu %%xmm2, 32(%0)\n"
                     "movdqu %%xmm3, 48(%0)\n"
                     "movdqu %%xmm4, 64(%0)\n"
                     "movdqu %%xmm5, 80(%0)\n"
                     "movdqu %%xmm6, 96(%0)\n"
                     "movdqu %%xmm7, 112(%0)\n"
                     "movdqu %%xmm8, 128(%0)\n"
                     "movdqu %%xmm9, 144(%0)\n"
                     "movdqu %%xmm10, 160(%0)\n"
                     "movdqu %%xmm11, 176(%0)\n"
                     "movdqu %%xmm12, 192(%0)\n"
                     "movdqu %%xmm13, 208(%0)\n"
                     "movdqu %%xmm14, 224(%0)\n"
                     "movdqu %%xmm15, 240(%0)\n"
                     "stmxcsr 256(%0)"
                     : : "r"(w) : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}
/* A valid control word from @p seed: exceptions masked, rounding mode varied. */
static inline unsigned long ufp_control(unsigned long seed) { return 0x1f80 | (seed & 3) << 13; }
static inline long utls_set(void *p) { return sys6(NR_arch_prctl, 0x1002 /* ARCH_SET_FS */, (long)p, 0, 0, 0, 0); }
/* The first word at the thread pointer, read through the register itself. */
static inline unsigned long utls_word0(void)
{
    unsigned long v;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(v));
    return v;
}

#define NR_mprotect 10
#define NR_prlimit64 302
#define NR_rt_sigaction 13
#define NR_rt_sigprocmask 14
#define NR_rt_sigreturn 15
#define NR_rt_sigpending 127
#define NR_rt_sigsuspend 130
#define NR_sigaltstack 131
#define NR_tgkill 234
/* struct sigaction has sa_restorer, and programs pass one (glibc does):
 * this one, with SA_RESTORER. */
#define USA_HAS_RESTORER 1
#define USA_RESTORER usig_restorer
void usig_restorer(void);
__asm__(".globl usig_restorer\nusig_restorer:\n mov $15, %eax\n syscall\n ud2\n");
/* Files, directories, descriptors, pipes (ufiles.c). */
#define NR_close 3
#define NR_fstat 5
#define NR_lseek 8
#define NR_pread64 17
#define NR_pwrite64 18
#define NR_readv 19
#define NR_writev 20
#define NR_dup 32
#define NR_fcntl 72
#define NR_getcwd 79
#define NR_chdir 80
#define NR_umask 95
#define NR_getdents64 217
#define NR_openat 257
#define NR_mkdirat 258
#define NR_newfstatat 262
#define NR_unlinkat 263
#define NR_linkat 265
#define NR_symlinkat 266
#define NR_readlinkat 267
#define NR_faccessat 269
#define NR_ppoll 271
/* struct epoll_event is packed here: 12 bytes, not 16 */
#define USYS_EPOLL_PACKED 1
#define NR_epoll_create 213
#define NR_epoll_wait 232
#define NR_epoll_ctl 233
#define NR_epoll_pwait 281
#define NR_eventfd 284
#define NR_eventfd2 290
#define NR_epoll_create1 291
#define NR_epoll_pwait2 441
#define NR_pselect6 270
#define NR_select 23
#define NR_dup3 292
#define NR_pipe2 293
#define NR_renameat2 316
/* struct stat: x86_64's own layout, not the generic one (ufiles.c). */
#define USTAT_X86_64 1
/* ufuzz.c */
#define NR_mknodat 259
#define NR_fchmodat 268
#define NR_open 2
#define NR_stat 4
#define NR_lstat 6
#define NR_poll 7
#define NR_ioctl 16
#define NR_access 21
#define NR_pipe 22
#define NR_dup2 33
#define NR_vfork 58
#define NR_fsync 74
#define NR_fdatasync 75
#define NR_msync 26
#define NR_fstatfs 138
#define NR_setxattr 188
#define NR_lsetxattr 189
#define NR_fsetxattr 190
#define NR_getxattr 191
#define NR_lgetxattr 192
#define NR_fgetxattr 193
#define NR_listxattr 194
#define NR_llistxattr 195
#define NR_flistxattr 196
#define NR_removexattr 197
#define NR_lremovexattr 198
#define NR_fremovexattr 199
#define NR_truncate 76
#define NR_ftruncate 77
#define NR_fchdir 81
#define NR_rename 82
#define NR_mkdir 83
#define NR_rmdir 84
#define NR_creat 85
#define NR_link 86
#define NR_unlink 87
#define NR_symlink 88
#define NR_readlink 89
#define NR_chmod 90
#define NR_fchmod 91
#define NR_chown 92
#define NR_fchown 93
#define NR_lchown 94
#define NR_sysinfo 99
#define NR_syslog 103
#define NR_getuid 102
#define NR_getgid 104
#define NR_geteuid 107
#define NR_getegid 108
#define NR_getrusage 98
#define NR_times 100
#define NR_setuid 105
#define NR_unshare 272
#define NR_setgid 106
#define NR_setreuid 113
#define NR_setregid 114
#define NR_getgroups 115
#define NR_setgroups 116
#define NR_setresuid 117
#define NR_getresuid 118
#define NR_setresgid 119
#define NR_getresgid 120
#define NR_setfsuid 122
#define NR_setfsgid 123
#define NR_getpgrp 111
#define NR_setsid 112
#define NR_getpgid 121
#define NR_getsid 124
#define NR_prctl 157
#define NR_sync 162
#define NR_tkill 200
#define NR_clock_nanosleep 230
#define NR_fchownat 260
#define NR_renameat 264
#define NR_set_robust_list 273
#define NR_utimensat 280
#define NR_statx 332
#define NR_faccessat2 439
/* ufsmore.c, ulocks.c */
#define NR_sendfile 40
#define NR_getsockname 51
#define NR_socket 41
#define NR_connect 42
#define NR_accept 43
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_shutdown 48
#define NR_bind 49
#define NR_listen 50
#define NR_socketpair 53
#define NR_setsockopt 54
#define NR_getsockopt 55
#define NR_accept4 288
#define NR_recvmmsg 299
#define NR_sendmmsg 307
#define NR_getpeername 52
#define NR_flock 73
#define NR_preadv 295
#define NR_pwritev 296
#define NR_copy_file_range 326
#define NR_preadv2 327
#define NR_pwritev2 328

/* utimers.c */
#define NR_pause 34
#define NR_getitimer 36
#define NR_alarm 37
#define NR_setitimer 38
#define NR_timer_create 222
#define NR_timer_settime 223
#define NR_timer_gettime 224
#define NR_timer_getoverrun 225
#define NR_timer_delete 226
#define NR_clock_getres 229
#define NR_timerfd_create 283
#define NR_timerfd_settime 286
#define NR_timerfd_gettime 287

/* uthread_clone(flags, stack, ptid, tls, ctid, fn, arg): clone() of a
 * thread that runs fn(arg) on @stack and exits with its result; the
 * parent gets the tid. x86_64's clone takes (flags, stack, ptid, ctid, tls). */
__asm__(".globl uthread_clone\nuthread_clone:\n"
        " mov 8(%rsp), %rax\n sub $16, %rsi\n mov %r9, (%rsi)\n mov %rax, 8(%rsi)\n"
        " mov %r8, %r10\n mov %rcx, %r8\n mov $56, %eax\n syscall\n test %rax, %rax\n jnz 1f\n"
        " pop %rax\n pop %rdi\n and $-16, %rsp\n call *%rax\n mov %eax, %edi\n mov $60, %eax\n syscall\n hlt\n"
        "1: ret\n");
/* umq.c */
#define NR_mq_open 240
#define NR_mq_unlink 241
#define NR_mq_timedsend 242
#define NR_mq_timedreceive 243
#define NR_mq_notify 244
#define NR_mq_getsetattr 245
#define NR_shmget 29
#define NR_shmat 30
#define NR_shmctl 31
#define NR_shmdt 67
/* uproc2.c, usigq.c */
#define NR_waitid 247
#define NR_rt_sigtimedwait 128
#define NR_rt_sigqueueinfo 129
#define NR_rt_tgsigqueueinfo 297
#define NR_signalfd4 289
#define UVFORK() sys6(NR_vfork, 0, 0, 0, 0, 0, 0)

/* scheduling policies and memory locking (usched.c) */
#define NR_sched_setparam 142
#define NR_sched_getparam 143
#define NR_sched_setscheduler 144
#define NR_sched_getscheduler 145
#define NR_sched_get_priority_max 146
#define NR_sched_get_priority_min 147
#define NR_sched_rr_get_interval 148
#define NR_sched_setaffinity 203
#define NR_mlock 149
#define NR_munlock 150
#define NR_mlockall 151
#define NR_munlockall 152
#define NR_mlock2 325
#define NR_getrlimit 97
#define NR_setrlimit 160
#define NR_sched_getaffinity 204
#define NR_getcpu 309
#define NR_close_range 436
#define NR_fadvise64 221
#define NR_get_robust_list 274

/* The vDSO (uvdso.c): Linux's names and version here; x86_64 has time()
 * there, and no signal return (programs pass sa_restorer). */
#define UVDSO_VERSION "LINUX_2.6"
#define UVDSO_CLOCK_GETTIME "__vdso_clock_gettime"
#define UVDSO_GETTIMEOFDAY "__vdso_gettimeofday"
#define UVDSO_CLOCK_GETRES "__vdso_clock_getres"
#define UVDSO_TIME "__vdso_time"
#define UVDSO_GETCPU "__vdso_getcpu"
#define NR_time 201
