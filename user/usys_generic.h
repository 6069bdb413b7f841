/* Linux's generic system-call numbers (arm64, riscv64). */
#define NR_read 63
#define NR_write 64
#define NR_exit 93
#define NR_exit_group 94
#define NR_nanosleep 101
#define NR_clock_gettime 113
#define NR_sched_yield 124
#define NR_kill 129
#define NR_uname 160
#define NR_getpid 172
#define NR_gettid 178
#define NR_brk 214
#define NR_munmap 215
#define NR_mmap 222
#define NR_getrandom 278
#define NR_clone 220
#define NR_execve 221
#define NR_wait4 260
#define NR_getppid 173
#define UCLONE_TLS(flags, tls) sys6(NR_clone, (flags), 0, 0, (long)(tls), 0, 0)
#define NR_rt_sigaction 134
#define NR_rt_sigprocmask 135
#define NR_rt_sigreturn 139
#define NR_rt_sigpending 136
#define NR_rt_sigsuspend 133
#define NR_sigaltstack 132
#define NR_tgkill 131
