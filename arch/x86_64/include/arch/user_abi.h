/**
 * @file arch/user_abi.h
 * @brief x86_64's Linux user ABI facts for the portable kernel
 *        (hal/uregs.h): its executables' ELF machine, uname's machine, and
 *        its own system-call numbers (arch/x86/entry/syscalls/syscall_64.tbl
 *        in Linux: x86_64 predates the generic table).
 */
#ifndef ARCH_USER_ABI_H
#define ARCH_USER_ABI_H

#define ARCH_ELF_MACHINE 62 /**< EM_X86_64 */
#define ARCH_SA_RESTORER 1  /**< struct sigaction has sa_restorer (before sa_mask) */
#define ARCH_UNAME_MACHINE "x86_64"

#define SYSNR_read 0
#define SYSNR_write 1
#define SYSNR_close 3
#define SYSNR_fstat 5
#define SYSNR_lseek 8
#define SYSNR_mmap 9
#define SYSNR_mprotect 10
#define SYSNR_munmap 11
#define SYSNR_brk 12
#define SYSNR_rt_sigaction 13
#define SYSNR_rt_sigprocmask 14
#define SYSNR_rt_sigreturn 15
#define SYSNR_rt_sigpending 127
#define SYSNR_rt_sigsuspend 130
#define SYSNR_sigaltstack 131
#define SYSNR_tkill 200
#define SYSNR_tgkill 234
#define SYSNR_ioctl 16
#define SYSNR_pread64 17
#define SYSNR_readv 19
#define SYSNR_writev 20
#define SYSNR_sched_yield 24
#define SYSNR_dup 32
#define SYSNR_nanosleep 35
#define SYSNR_getpid 39
#define SYSNR_clone 56
#define SYSNR_clone_child_tid_arg 3 /**< clone(flags, stack, parent_tid, child_tid, tls) */
#define SYSNR_clone_tls_arg 4
#define SYSNR_fork 57
#define SYSNR_vfork 58
#define SYSNR_execve 59
#define SYSNR_exit 60
#define SYSNR_wait4 61
#define SYSNR_kill 62
#define SYSNR_uname 63
#define SYSNR_fcntl 72
#define SYSNR_getcwd 79
#define SYSNR_chdir 80
#define SYSNR_getuid 102
#define SYSNR_getgid 104
#define SYSNR_geteuid 107
#define SYSNR_getegid 108
#define SYSNR_setpgid 109
#define SYSNR_getppid 110
#define SYSNR_setsid 112
#define SYSNR_getpgid 121
#define SYSNR_arch_prctl 158
#define SYSNR_prctl 157
#define SYSNR_clock_nanosleep 230
#define SYSNR_set_robust_list 273
#define SYSNR_gettid 186
#define SYSNR_futex 202
#define SYSNR_getdents64 217
#define SYSNR_set_tid_address 218
#define SYSNR_clock_gettime 228
#define SYSNR_exit_group 231
#define SYSNR_openat 257
#define SYSNR_mkdirat 258
#define SYSNR_newfstatat 262
#define SYSNR_unlinkat 263
#define SYSNR_readlinkat 267
#define SYSNR_faccessat 269
#define SYSNR_ppoll 271
#define SYSNR_dup3 292
#define SYSNR_pipe2 293
#define SYSNR_prlimit64 302
#define SYSNR_getrandom 318

#endif
