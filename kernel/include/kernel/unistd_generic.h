/**
 * @file kernel/unistd_generic.h
 * @brief Linux's generic system-call numbers (include/uapi/asm-generic/
 *        unistd.h's table, the one arm64 and riscv64 use), as SYSNR_*.
 *
 * Facts of the ABI, for an arch whose <arch/user_abi.h> takes this table.
 * Only the calls the kernel implements or counts by name are listed; the
 * generic table has no open/stat/fork of its own (only the *at forms and
 * clone).
 */
#ifndef KERNEL_UNISTD_GENERIC_H
#define KERNEL_UNISTD_GENERIC_H

#include <stdint.h>

/** @cond LINUX_ABI */
#define SYSNR_getcwd 17
#define SYSNR_dup 23
#define SYSNR_dup3 24
#define SYSNR_fcntl 25
#define SYSNR_ioctl 29
#define SYSNR_mkdirat 34
#define SYSNR_unlinkat 35
#define SYSNR_umount2 39
#define SYSNR_mount 40
#define SYSNR_faccessat 48
#define SYSNR_chdir 49
#define SYSNR_openat 56
#define SYSNR_close 57
#define SYSNR_pipe2 59
#define SYSNR_getdents64 61
#define SYSNR_lseek 62
#define SYSNR_read 63
#define SYSNR_write 64
#define SYSNR_readv 65
#define SYSNR_writev 66
#define SYSNR_pread64 67
#define SYSNR_pselect6 72
#define SYSNR_ppoll 73
#define SYSNR_eventfd2 19
#define SYSNR_epoll_create1 20
#define SYSNR_epoll_ctl 21
#define SYSNR_epoll_pwait 22
#define SYSNR_epoll_pwait2 441
#define SYSNR_readlinkat 78
#define SYSNR_prctl 167
#define SYSNR_clock_nanosleep 115
#define SYSNR_getitimer 102
#define SYSNR_setitimer 103
#define SYSNR_timer_create 107
#define SYSNR_timer_gettime 108
#define SYSNR_timer_getoverrun 109
#define SYSNR_timer_settime 110
#define SYSNR_timer_delete 111
#define SYSNR_clock_getres 114
#define SYSNR_timerfd_create 85
#define SYSNR_timerfd_settime 86
#define SYSNR_timerfd_gettime 87
#define SYSNR_mq_open 180
#define SYSNR_mq_unlink 181
#define SYSNR_mq_timedsend 182
#define SYSNR_mq_timedreceive 183
#define SYSNR_mq_notify 184
#define SYSNR_mq_getsetattr 185
#define SYSNR_shmget 194
#define SYSNR_shmctl 195
#define SYSNR_shmat 196
#define SYSNR_shmdt 197
#define SYSNR_set_robust_list 99
#define SYSNR_newfstatat 79
#define SYSNR_fstat 80
#define SYSNR_statfs 43
#define SYSNR_fstatfs 44
#define SYSNR_setxattr 5
#define SYSNR_lsetxattr 6
#define SYSNR_fsetxattr 7
#define SYSNR_getxattr 8
#define SYSNR_lgetxattr 9
#define SYSNR_fgetxattr 10
#define SYSNR_listxattr 11
#define SYSNR_llistxattr 12
#define SYSNR_flistxattr 13
#define SYSNR_removexattr 14
#define SYSNR_lremovexattr 15
#define SYSNR_fremovexattr 16
#define SYSNR_exit 93
#define SYSNR_exit_group 94
#define SYSNR_set_tid_address 96
#define SYSNR_futex 98
#define SYSNR_nanosleep 101
#define SYSNR_clock_gettime 113
#define SYSNR_gettimeofday 169
#define SYSNR_sched_yield 124
#define SYSNR_kill 129
#define SYSNR_rt_sigaction 134
#define SYSNR_rt_sigprocmask 135
#define SYSNR_rt_sigreturn 139
#define SYSNR_rt_sigpending 136
#define SYSNR_rt_sigsuspend 133
#define SYSNR_sigaltstack 132
#define SYSNR_tkill 130
#define SYSNR_tgkill 131
#define SYSNR_setpgid 154
#define SYSNR_getpgid 155
#define SYSNR_getsid 156
#define SYSNR_setsid 157
#define SYSNR_uname 160
#define SYSNR_sysinfo 179
#define SYSNR_syslog 116
#define SYSNR_getpid 172
#define SYSNR_getppid 173
#define SYSNR_setregid 143
#define SYSNR_setgid 144
#define SYSNR_setreuid 145
#define SYSNR_setuid 146
#define SYSNR_setresuid 147
#define SYSNR_getresuid 148
#define SYSNR_setresgid 149
#define SYSNR_getresgid 150
#define SYSNR_setfsuid 151
#define SYSNR_setfsgid 152
#define SYSNR_getgroups 158
#define SYSNR_setgroups 159
#define SYSNR_times 153
#define SYSNR_getrusage 165
#define SYSNR_getuid 174
#define SYSNR_geteuid 175
#define SYSNR_getgid 176
#define SYSNR_getegid 177
#define SYSNR_gettid 178
#define SYSNR_brk 214
#define SYSNR_munmap 215
#define SYSNR_clone 220
#define SYSNR_clone_child_tid_arg 4 /**< clone(flags, stack, parent_tid, tls, child_tid) */
#define SYSNR_clone_tls_arg 3
#define SYSNR_execve 221
#define SYSNR_mmap 222
#define SYSNR_mprotect 226
#define SYSNR_msync 227
#define SYSNR_madvise 233
#define SYSNR_mremap 216
#define SYSNR_wait4 260
#define SYSNR_waitid 95
#define SYSNR_flock 32
#define SYSNR_preadv 69
#define SYSNR_pwritev 70
#define SYSNR_sendfile 71
#define SYSNR_getsockname 204
#define SYSNR_getpeername 205
#define SYSNR_socket 198
#define SYSNR_socketpair 199
#define SYSNR_bind 200
#define SYSNR_listen 201
#define SYSNR_accept 202
#define SYSNR_connect 203
#define SYSNR_sendto 206
#define SYSNR_recvfrom 207
#define SYSNR_setsockopt 208
#define SYSNR_getsockopt 209
#define SYSNR_shutdown 210
#define SYSNR_sendmsg 211
#define SYSNR_recvmsg 212
#define SYSNR_accept4 242
#define SYSNR_recvmmsg 243
#define SYSNR_sendmmsg 269
#define SYSNR_copy_file_range 285
#define SYSNR_preadv2 286
#define SYSNR_pwritev2 287
#define SYSNR_rt_sigtimedwait 137
#define SYSNR_rt_sigqueueinfo 138
#define SYSNR_rt_tgsigqueueinfo 240
#define SYSNR_signalfd4 74
#define SYSNR_prlimit64 261
#define SYSNR_getrandom 278
#define SYSNR_mknodat 33
#define SYSNR_symlinkat 36
#define SYSNR_linkat 37
#define SYSNR_truncate 45
#define SYSNR_ftruncate 46
#define SYSNR_fchdir 50
#define SYSNR_fchmod 52
#define SYSNR_fchmodat 53
#define SYSNR_fchownat 54
#define SYSNR_fchown 55
#define SYSNR_pwrite64 68
#define SYSNR_sync 81
#define SYSNR_fsync 82
#define SYSNR_fdatasync 83
#define SYSNR_syncfs 267
#define SYSNR_utimensat 88
#define SYSNR_umask 166
#define SYSNR_renameat2 276
#define SYSNR_statx 291
#define SYSNR_faccessat2 439
/** @endcond */

/** @cond LINUX_ABI */
/* Linux's generic struct stat (asm-generic/stat.h), which arm64 and riscv64 use. */
struct linux_stat {
    uint64_t st_dev, st_ino;
    uint32_t st_mode, st_nlink, st_uid, st_gid;
    uint64_t st_rdev, pad1;
    int64_t st_size;
    int32_t st_blksize, pad2;
    int64_t st_blocks;
    int64_t st_atime_sec;
    uint64_t st_atime_nsec;
    int64_t st_mtime_sec;
    uint64_t st_mtime_nsec;
    int64_t st_ctime_sec;
    uint64_t st_ctime_nsec;
    uint32_t unused[2];
};
/** @endcond */

/** @cond LINUX_ABI */
#define SYSNR_sched_setparam 118
#define SYSNR_sched_getparam 121
#define SYSNR_sched_setscheduler 119
#define SYSNR_sched_getscheduler 120
#define SYSNR_sched_get_priority_max 125
#define SYSNR_sched_get_priority_min 126
#define SYSNR_sched_rr_get_interval 127
#define SYSNR_mlock 228
#define SYSNR_munlock 229
#define SYSNR_mlockall 230
#define SYSNR_munlockall 231
#define SYSNR_mlock2 284
#define SYSNR_sched_setaffinity 122
#define SYSNR_sched_getaffinity 123
#define SYSNR_getcpu 168
#define SYSNR_getrlimit 163
#define SYSNR_setrlimit 164
#define SYSNR_close_range 436
#define SYSNR_fadvise64 223
#define SYSNR_get_robust_list 100
/** @endcond */

#endif
