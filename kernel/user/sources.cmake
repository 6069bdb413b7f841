# Sources of kernel/user (processes, the ELF loader, system calls, user
# memory access), appended to the kernel's portable core.
list(APPEND CORE_SOURCES
  kernel/user/asid_tests.c
  kernel/user/cred.c
  kernel/user/epoll.c
  kernel/user/eventfd.c
  kernel/user/exec.c
  kernel/user/exec_elf.c
  kernel/user/exec_tests.c
  kernel/user/fs_copy.c
  kernel/user/fs_syscalls.c
  kernel/user/futex.c
  kernel/user/mqueue.c
  kernel/user/net_calls.c
  kernel/user/poll.c
  kernel/user/proc.c
  kernel/user/rusage.c
  kernel/user/sched_calls.c
  kernel/user/signal.c
  kernel/user/signalfd.c
  kernel/user/syscall.c
  kernel/user/syslog.c
  kernel/user/sysv_shm.c
  kernel/user/timers.c
  kernel/user/timerfd.c
  kernel/user/uaccess_tests.c
  kernel/user/uprog.c
  kernel/user/user_cmds.c
  kernel/user/uspace.c
  kernel/user/uspace_tests.c
  kernel/user/vdso.c
)
