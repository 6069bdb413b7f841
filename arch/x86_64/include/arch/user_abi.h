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
#define ARCH_ELF_PLATFORM "x86_64" /**< AT_PLATFORM's string */
#define ARCH_ELF_HWCAP2 1 /**< the auxiliary vector has AT_HWCAP2: hal_elf_hwcap2() */
#define ARCH_EPOLL_PACKED 1 /**< struct epoll_event is packed: 12 bytes, not 16 */
/** AT_MINSIGSTKSZ: the most a signal frame takes of a fresh alternate stack, by Linux's sum
 *  (siginfo and ucontext, 15 bytes of alignment, the FP state, 64-byte alignment of it,
 *  rounded up to 16) for our FXSAVE-only frame; arch/x86_64/signal.c checks it. sigaltstack()
 *  still asks for MINSIGSTKSZ (2048), as Linux does. */
#define ARCH_AT_MINSIGSTKSZ 1040

#define SYSNR_read 0
#define SYSNR_write 1
#define SYSNR_close 3
#define SYSNR_fstat 5
#define SYSNR_statfs 137
#define SYSNR_fstatfs 138
#define SYSNR_setxattr 188
#define SYSNR_lsetxattr 189
#define SYSNR_fsetxattr 190
#define SYSNR_getxattr 191
#define SYSNR_lgetxattr 192
#define SYSNR_fgetxattr 193
#define SYSNR_listxattr 194
#define SYSNR_llistxattr 195
#define SYSNR_flistxattr 196
#define SYSNR_removexattr 197
#define SYSNR_lremovexattr 198
#define SYSNR_fremovexattr 199
#define SYSNR_lseek 8
#define SYSNR_mmap 9
#define SYSNR_mprotect 10
#define SYSNR_munmap 11
#define SYSNR_msync 26
#define SYSNR_madvise 28
#define SYSNR_mremap 25
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
#define SYSNR_waitid 247
#define SYSNR_flock 73
#define SYSNR_preadv 295
#define SYSNR_pwritev 296
#define SYSNR_sendfile 40
#define SYSNR_getsockname 51
#define SYSNR_getpeername 52
#define SYSNR_socket 41
#define SYSNR_connect 42
#define SYSNR_accept 43
#define SYSNR_sendto 44
#define SYSNR_recvfrom 45
#define SYSNR_sendmsg 46
#define SYSNR_recvmsg 47
#define SYSNR_shutdown 48
#define SYSNR_bind 49
#define SYSNR_listen 50
#define SYSNR_socketpair 53
#define SYSNR_setsockopt 54
#define SYSNR_getsockopt 55
#define SYSNR_accept4 288
#define SYSNR_recvmmsg 299
#define SYSNR_sendmmsg 307
#define SYSNR_copy_file_range 326
#define SYSNR_preadv2 327
#define SYSNR_pwritev2 328
#define SYSNR_rt_sigtimedwait 128
#define SYSNR_rt_sigqueueinfo 129
#define SYSNR_rt_tgsigqueueinfo 297
#define SYSNR_signalfd 282
#define SYSNR_signalfd4 289
#define SYSNR_kill 62
#define SYSNR_uname 63
#define SYSNR_fcntl 72
#define SYSNR_getcwd 79
#define SYSNR_chdir 80
#define SYSNR_getuid 102
#define SYSNR_getgid 104
#define SYSNR_geteuid 107
#define SYSNR_getegid 108
#define SYSNR_getrusage 98
#define SYSNR_times 100
#define SYSNR_setuid 105
#define SYSNR_setgid 106
#define SYSNR_setreuid 113
#define SYSNR_setregid 114
#define SYSNR_getgroups 115
#define SYSNR_setgroups 116
#define SYSNR_setresuid 117
#define SYSNR_getresuid 118
#define SYSNR_setresgid 119
#define SYSNR_getresgid 120
#define SYSNR_setfsuid 122
#define SYSNR_setfsgid 123
#define SYSNR_setpgid 109
#define SYSNR_getppid 110
#define SYSNR_setsid 112
#define SYSNR_getpgid 121
#define SYSNR_getpgrp 111
#define SYSNR_getsid 124
#define SYSNR_arch_prctl 158
#define SYSNR_prctl 157
#define SYSNR_clock_nanosleep 230
#define SYSNR_pause 34
#define SYSNR_getitimer 36
#define SYSNR_alarm 37
#define SYSNR_setitimer 38
#define SYSNR_timer_create 222
#define SYSNR_timer_settime 223
#define SYSNR_timer_gettime 224
#define SYSNR_timer_getoverrun 225
#define SYSNR_timer_delete 226
#define SYSNR_clock_getres 229
#define SYSNR_timerfd_create 283
#define SYSNR_timerfd_settime 286
#define SYSNR_timerfd_gettime 287
#define SYSNR_mq_open 240
#define SYSNR_mq_unlink 241
#define SYSNR_mq_timedsend 242
#define SYSNR_mq_timedreceive 243
#define SYSNR_mq_notify 244
#define SYSNR_mq_getsetattr 245
#define SYSNR_shmget 29
#define SYSNR_shmat 30
#define SYSNR_shmctl 31
#define SYSNR_shmdt 67
#define SYSNR_set_robust_list 273
#define SYSNR_mount 165
#define SYSNR_umount2 166
#define SYSNR_gettid 186
#define SYSNR_futex 202
#define SYSNR_getdents64 217
#define SYSNR_set_tid_address 218
#define SYSNR_clock_gettime 228
#define SYSNR_gettimeofday 96
#define SYSNR_exit_group 231
#define SYSNR_openat 257
#define SYSNR_mkdirat 258
#define SYSNR_newfstatat 262
#define SYSNR_unlinkat 263
#define SYSNR_readlinkat 267
#define SYSNR_faccessat 269
#define SYSNR_pselect6 270
#define SYSNR_ppoll 271
#define SYSNR_epoll_create 213
#define SYSNR_epoll_wait 232
#define SYSNR_epoll_ctl 233
#define SYSNR_epoll_pwait 281
#define SYSNR_eventfd 284
#define SYSNR_eventfd2 290
#define SYSNR_epoll_create1 291
#define SYSNR_epoll_pwait2 441
#define SYSNR_dup3 292
#define SYSNR_pipe2 293
#define SYSNR_prlimit64 302
#define SYSNR_getrandom 318

#define SYSNR_open 2
#define SYSNR_time 201
#define SYSNR_stat 4
#define SYSNR_lstat 6
#define SYSNR_poll 7
#define SYSNR_select 23
#define SYSNR_pwrite64 18
#define SYSNR_access 21
#define SYSNR_pipe 22
#define SYSNR_dup2 33
#define SYSNR_fsync 74
#define SYSNR_fdatasync 75
#define SYSNR_syncfs 306
#define SYSNR_truncate 76
#define SYSNR_ftruncate 77
#define SYSNR_fchdir 81
#define SYSNR_rename 82
#define SYSNR_mkdir 83
#define SYSNR_rmdir 84
#define SYSNR_creat 85
#define SYSNR_link 86
#define SYSNR_unlink 87
#define SYSNR_symlink 88
#define SYSNR_readlink 89
#define SYSNR_chmod 90
#define SYSNR_fchmod 91
#define SYSNR_chown 92
#define SYSNR_fchown 93
#define SYSNR_lchown 94
#define SYSNR_umask 95
#define SYSNR_sysinfo 99
#define SYSNR_syslog 103
#define SYSNR_sync 162
#define SYSNR_mknodat 259
#define SYSNR_fchownat 260
#define SYSNR_renameat 264
#define SYSNR_linkat 265
#define SYSNR_symlinkat 266
#define SYSNR_fchmodat 268
#define SYSNR_utimensat 280
#define SYSNR_renameat2 316
#define SYSNR_statx 332
#define SYSNR_faccessat2 439

#define ARCH_O_DIRECTORY 0200000 /**< x86_64 keeps the generic open() flags */
#define ARCH_O_NOFOLLOW 0400000

#include <stdint.h>
/** @cond LINUX_ABI */
/* x86_64's struct stat (arch/x86/include/uapi/asm/stat.h). */
struct linux_stat {
    uint64_t st_dev, st_ino, st_nlink;
    uint32_t st_mode, st_uid, st_gid, pad0;
    uint64_t st_rdev;
    int64_t st_size, st_blksize, st_blocks;
    int64_t st_atime_sec;
    uint64_t st_atime_nsec;
    int64_t st_mtime_sec;
    uint64_t st_mtime_nsec;
    int64_t st_ctime_sec;
    uint64_t st_ctime_nsec;
    int64_t unused[3];
};
/** @endcond */

/** @cond LINUX_ABI */
#define SYSNR_sched_setparam 142
#define SYSNR_sched_getparam 143
#define SYSNR_sched_setscheduler 144
#define SYSNR_sched_getscheduler 145
#define SYSNR_sched_get_priority_max 146
#define SYSNR_sched_get_priority_min 147
#define SYSNR_sched_rr_get_interval 148
#define SYSNR_mlock 149
#define SYSNR_munlock 150
#define SYSNR_mlockall 151
#define SYSNR_munlockall 152
#define SYSNR_mlock2 325
#define SYSNR_sched_setaffinity 203
#define SYSNR_sched_getaffinity 204
#define SYSNR_getcpu 309
#define SYSNR_getrlimit 97
#define SYSNR_setrlimit 160
#define SYSNR_close_range 436
#define SYSNR_fadvise64 221
#define SYSNR_get_robust_list 274
/** @endcond */

#endif
