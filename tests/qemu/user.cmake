# User mode (kernel/user/, docs/user-mode.md): the built-in programs of
# tests/programs/ run from the shell with `run`, which prints how each ended; what a
# program does wrong kills it alone and the shell goes on; `syscalls`
# counts the calls made and the unimplemented ones (all of them, after the
# fuzzer's many kinds of calls: it once showed only the first 64). The ktests user_* run
# with every ktest (and twice, on every SMP configuration); the fork bomb's there runs
# into a lowered threads-max, so here, once a boot, one fills the table at the limit
# memory gives: more than 800 processes on 256 MiB, its own the only other one.
qemu_test(user_run --image ${IMG}
  --send "run hello a b" --send "run ufault forkbomb" --send "run ufault kread" --send "run ufault kjump" --send "run ufault ill"
  --send "run ufault exit 300" --send "run nosuch" --send "run" --send "run /nosuch/x"
  --send "run usyscalls" --send "run uforkexec" --send "run /bin/ufuzz 3 3000 1" --send "syscalls"
  --send "run hello again"
  --send "poweroff 7"
  --expect "^hello from user mode, pid [0-9]+, argc 3:hello a b$\\n\\[exit 3\\]$"
  --expect "^ufault: forked ([89][0-9][0-9]|[1-9][0-9][0-9][0-9]), then EAGAIN\\nufault: threads-max [0-9]+, held besides the children 1\\n\\[exit 0\\]$"
  --expect "^kernel> run ufault kread\\n\\[signal SIGSEGV\\]$"
  --expect "^kernel> run ufault kjump\\n\\[signal SIGSEGV\\]$"
  --expect "^kernel> run ufault ill\\n\\[signal SIGILL\\]$"
  --expect "^kernel> run ufault exit 300\\n\\[exit 44\\]$"
  --expect "^run: nosuch: no such built-in program"
  --expect "^usage: run <program"
  --expect "^run: /nosuch/x: no such file \\(ENOENT\\)$"
  --expect "^usyscalls: 0 failed$\\n\\[exit 0\\]$"
  --expect "^uforkexec: 0 failed$\\n\\[exit 0\\]$"
  --expect "^ +[0-9]+ +wait4 +([2-9][0-9]|[1-9][0-9][0-9]+)$"
  --expect "^ +[0-9]+ +write +[0-9]+$"
  --expect "^ +- +\\(number out of range\\) +[0-9]+ +ENOSYS$"
  --expect "^hello from user mode, pid [0-9]+, argc 2:hello again$"
  --reject "PANIC|FAIL" --status ${EXIT7})
# Ctrl-C ends the program in the foreground, not the shell: one spinning in
# user mode (reached at its next timer interrupt) and one asleep in the
# kernel; the next command runs.
qemu_test(user_ctrl_c --image ${IMG}
  --send "run uspin" --on "^uspin: spinning" "\\x03"
  --send "run uspin sleep" --on "^uspin: sleeping" "\\x03"
  --send "run hello" --send "poweroff 7"
  --expect "^uspin: spinning\\n(\\^C\\n)?\\[signal SIGINT\\]$"
  --expect "^uspin: sleeping\\n(\\^C\\n)?\\[signal SIGINT\\]$"
  --expect "^hello from user mode, pid [0-9]+, argc 1:hello$"
  --reject "PANIC" --status ${EXIT7})
# The console's line discipline from a program's side (tests/programs/utty.c), twice
# in one boot: canonical lines edited with DEL, Ctrl-W and Ctrl-U, a line
# ended by Ctrl-D, Ctrl-D alone as the end of input; then raw mode through
# TCSETS: VMIN 3 returns three bytes, VMIN 0 with VTIME a read of 0.
set(UTTY_KEYS
  --on "^utty: canonical" "abc\\x7fd\\r" --on "^\\[abd\\^J\\]$" "one two\\x17three\\r"
  --on "^\\[one three\\^J\\]$" "junk\\x15ok\\r" --on "^\\[ok\\^J\\]$" "part\\x04"
  --on "\\[part\\]$" "\\x04" --on "^utty: raw" "xyz")
set(UTTY_OUT "^utty: canonical\\nabc\\x08 \\x08d\\n\\[abd\\^J\\]\\n(?s:.*)\\[one three\\^J\\](?s:.*)\\[ok\\^J\\](?s:.*)^part\\[part\\]\\nok   the canonical part ends with a read of 0\\n(?s:.*)^utty: raw\\n(?s:.*)^\\[xyz\\]\\n(?s:.*)^utty: 0 failed\\n\\[exit 0\\]$")
qemu_test(user_tty --image ${IMG}
  --send "run utty" ${UTTY_KEYS} --send "run utty" ${UTTY_KEYS} --send "poweroff 7"
  --expect "${UTTY_OUT}(?s:.*)${UTTY_OUT}"
  --reject "PANIC|FAIL" --status ${EXIT7})
# The system-call fuzzer (tests/programs/ufuzz.c): eight workers making random and
# hostile calls, twice, on two CPUs; the kernel lives on, every worker is
# reaped (ufuzz exits 0 only then, and only with its tree removed), the
# heap holds what it held after the first round, and no user page is left.
# Millions of calls, many seeds: scripts/fuzz-user.
qemu_test(user_fuzz --image ${IMG} --env SMP=2 --timeout 280
  --send "run /bin/ufuzz 1 20000 8" --send mem --send "run /bin/ufuzz 2 20000 8" --send mem
  --send "poweroff 7"
  --expect "^ufuzz: [0-9]+ calls in 8 workers, [0-9]+ killed by signals, [0-9]+ timed out\\n\\[exit 0\\]$(?s:.*)^ufuzz: [0-9]+ calls in 8 workers, [0-9]+ killed by signals, [0-9]+ timed out\\n\\[exit 0\\]$"
  --expect "^user pages: 0 \\(0 KiB\\)$(?s:.*)^user pages: 0 \\(0 KiB\\)$"
  --same "^heap in use: (.*)$"
  --reject "PANIC|\\[exit [1-9][0-9]*\\]|^\\[signal [A-Z0-9]+\\]" --status ${EXIT7})
set_tests_properties(${KERNEL_ARCH}.user_fuzz PROPERTIES TIMEOUT 300)
# The user-mode benchmarks (tests/programs/ubench.c; the figures against Linux come
# from scripts/bench-user) run and print every figure: a tenth of the work,
# exec'ing ubench itself (in every initrd, busybox or not).
qemu_test(user_bench_quick --image ${IMG}
  --send "run ubench quick /bin/ubench" --send "poweroff 7"
  --expect "^bench: user_getpid_ns [0-9]+ ns\\nbench: user_fork_exit_wait_us [0-9]+ us\\nbench: user_fork_exec_wait_us [0-9]+ us\\nbench: user_pipe_64k_mbps [0-9]+ MB/s\\nbench: user_pipe_pingpong_us [0-9]+ us\\nbench: user_mmap_8k_ns [0-9]+ ns\\nbench: user_munmap_8k_ns [0-9]+ ns\\nbench: user_clock_gettime_ns [0-9]+ ns\\nbench: user_clock_syscall_ns [0-9]+ ns\\n\\[exit 0\\]$"
  --reject "PANIC|ubench: " --status ${EXIT7})
# The screen console's benchmark program (tests/programs/conbench.c; the
# figures against Linux's fbcon come from scripts/bench-fbcon): 50 lines to
# the console, each whole; a missing device and bad arguments refused.
qemu_test(user_conbench_quick --image ${IMG}
  --send "run /bin/conbench /dev/console 50" --send "run /bin/conbench /dev/nonexistent"
  --send "run /bin/conbench /dev/console 0" --send "poweroff 7"
  --expect "^\\[ +0\\.163544\\] Run /init as init process$"
  --expect "^bench: console_lines_per_s [1-9][0-9]* lines/s\nbench: console_line_us [0-9]+ us\n\\[exit 0\\]$"
  --expect "^conbench: cannot open /dev/nonexistent: -2\n\\[exit 1\\]$"
  --expect "^conbench: lines must be 1 to 1000000\n\\[exit 1\\]$"
  --reject "PANIC" --status ${EXIT7})
# Debian's busybox-static, unmodified (cmake/busybox.cmake), run by the
# shell's `run`: applets that need no files yet. (No ';' in an argument
# here: CMake would split it there.) Without it the test says it
# is skipped, and why (riscv64: Debian 12 builds none).
if(BUSYBOX)
  qemu_test(busybox_applets --image ${IMG}
    --send "run /bin/busybox echo hello from busybox" --send "run /bin/busybox seq 3"
    --send "run /bin/busybox uname -sm" --send "run /bin/busybox false" --send "run /bin/busybox true"
    --send "run /bin/busybox sleep 0.2" --send "run /bin/busybox sh -c false"
    --send "run /bin/busybox sh -c 'echo \"in sh\" && exit 3'"
    --send "run /bin/busybox nosuchapplet" --send "run /bin/busybox sleep 30" --on "sleep 30\\n" "\\x03"
    --send "run /bin/busybox echo again" --send "poweroff 7"
    --expect "^kernel> run /bin/busybox echo hello from busybox\\nhello from busybox\\n\\[exit 0\\]$"
    --expect "^1\\n2\\n3\\n\\[exit 0\\]$"
    --expect "^Linux ${KERNEL_ARCH}\\n\\[exit 0\\]$"
    --expect "^kernel> run /bin/busybox false\\n\\[exit 1\\]$"
    --expect "^kernel> run /bin/busybox true\\n\\[exit 0\\]$"
    --expect "^kernel> run /bin/busybox sleep 0.2\\n\\[exit 0\\]$"
    --expect "^kernel> run /bin/busybox sh -c false\\n\\[exit 1\\]$"
    --expect "^in sh\\n\\[exit 3\\]$"
    --expect "^nosuchapplet: applet not found\\n\\[exit 127\\]$"
    --expect "^kernel> run /bin/busybox sleep 30\\n(\\^C\\n)?\\[signal SIGINT\\]$"
    --expect "^again\\n\\[exit 0\\]$"
    --reject "PANIC" --status ${EXIT7})
  # /proc/<pid>/exe is absolute, as on Linux, however the program was
  # named: relative to the cwd, through "..", through a symlink (glibc's
  # static startup asserts the '/': `run bin/busybox` aborted with SIGABRT).
  qemu_test(busybox_exe_path --image ${IMG}
    --send "run bin/busybox readlink /proc/self/exe"
    --send "run /bin/busybox sh -c 'cd /tmp && ../bin/busybox readlink /proc/self/exe'"
    --send "run /bin/busybox sh -c 'mkdir -p /tmp/x && ln -s ../../bin/busybox /tmp/x/busybox && cd /etc && ../tmp/x/busybox readlink /proc/self/exe && rm -r /tmp/x'"
    --send "poweroff 7"
    --expect "^kernel> run bin/busybox readlink /proc/self/exe\\n/bin/busybox\\n\\[exit 0\\]$"
    --expect "^kernel> run /bin/busybox sh -c 'cd /tmp && \\.\\./bin/busybox readlink /proc/self/exe'\\n/bin/busybox\\n\\[exit 0\\]$"
    --expect "^kernel> run /bin/busybox sh -c 'mkdir .*\\n/bin/busybox\\n\\[exit 0\\]$"
    --reject "PANIC|SIGABRT" --status ${EXIT7})
  # The wall clock from a program: busybox's date (x86_64's glibc asks
  # time(), aarch64's clock_gettime(CLOCK_REALTIME)) and a file's time in
  # tmpfs, with QEMU's RTC set to a leap day.
  qemu_test(busybox_date --image ${IMG}
    --send "run /bin/busybox date -u +%F_%T"
    --send "run /bin/busybox sh -c 'touch /tmp/t && date -u -r /tmp/t +%F && rm /tmp/t'"
    --send "poweroff 7"
    --expect "^kernel> run /bin/busybox date -u \\+%F_%T\\n2032-02-29_12:3[4-5]:[0-9]{2}\\n\\[exit 0\\]$"
    --expect "^kernel> run /bin/busybox sh -c 'touch .*\\n2032-02-29\\n\\[exit 0\\]$"
    --reject "PANIC" --status ${EXIT7}
    -- -rtc base=2032-02-29T12:34:56)
  # The kernel log from a program: busybox's dmesg through syslog(2), in
  # Linux's records ("<6>" an info line), then -c (READ_CLEAR) and nothing
  # from before the clear (ucred checks the errors and a user's EPERM,
  # user_fs_linux with dmesg_restrict 1, here with 0, which root sets; 2
  # is refused), and -n's console levels (1-8; 5 is the kernel's default). (\x5b is a '[' with no ']': CMake keeps a list's ';'
  # inside brackets.)
  qemu_test(busybox_dmesg --image ${IMG}
    --send "run /bin/busybox dmesg -r"
    --send "run /bin/busybox sh -c 'echo 0 > /proc/sys/kernel/dmesg_restrict && cat /proc/sys/kernel/dmesg_restrict'"
    --send "run /bin/ucred /tmp" --send "run /bin/busybox sh -c 'echo 2 > /proc/sys/kernel/dmesg_restrict'"
    --send "run /bin/busybox sh -c 'echo 1 > /proc/sys/kernel/dmesg_restrict && cat /proc/sys/kernel/dmesg_restrict'"
    --send "run /bin/busybox dmesg -c" --send "run /bin/busybox dmesg"
    --send "run /bin/busybox dmesg -n 9" --send "run /bin/busybox dmesg -n 5"
    --send "poweroff 7"
    --expect "^kernel> run /bin/busybox sh -c 'echo 0 [^\\n]*\\n0\\n\\[exit 0\\]$"
    --expect "^ok   syslog SIZE_BUFFER as a user, dmesg_restrict 0$(?s:.*)^ucred: 0 failed\\n\\[exit 0\\]$"
    --expect "^kernel> run /bin/busybox sh -c 'echo 2 [^\\n]*\\n[^\\n]*Invalid argument\\n\\[exit 1\\]$"
    --expect "^kernel> run /bin/busybox sh -c 'echo 1 [^\\n]*\\n1\\n\\[exit 0\\]$"
    --expect "^kernel> run /bin/busybox dmesg -n 9\\ndmesg: klogctl: Invalid argument\\n\\[exit 1\\]$"
    --expect "^kernel> run /bin/busybox dmesg -n 5\\n\\[exit 0\\]$"
    --expect "^kernel> run /bin/busybox dmesg -r\\n(<[3467]>\\x5b[^\\n]*\\n)*<6>\\[ *[0-9.]+\\] kernel [0-9.]+ \\(${KERNEL_ARCH}\\) booting via [^\\n]*\\n(<[3467]>\\x5b[^\\n]*\\n)*\\[exit 0\\]$"
    --expect "^kernel> run /bin/busybox dmesg -c\\n(\\[ *[0-9.]+\\] [^\\n]*\\n)*\\[ *[0-9.]+\\] kernel [0-9.]+ \\(${KERNEL_ARCH}\\) booting via [^\\n]*\\n(\\x5b[^\\n]*\\n)*\\[exit 0\\]$"
    --expect "^kernel> run /bin/busybox dmesg\\n((?![^\\n]*booting via)[^\\n]*\\n)*\\[exit 0\\]$"
    --reject "PANIC" --status ${EXIT7})
  # busybox's interactive shell on the console as its terminal: line
  # editing, a pipeline into a file, Ctrl-C of the foreground job (the
  # shell lives on, $? is 130), Ctrl-Z, jobs and fg of a stopped job, a
  # background job killed by its job number, and exit's code as run's.
  # Keys go once the job has printed, so the shell has given it the
  # terminal (as a person would wait for it). The terminal echoes a signal
  # key as "^C", "^Z" and no newline, as Linux's n_tty does: ash starts a
  # new line after a ^C but not before its Stopped notice.
  qemu_test(busybox_interactive --image ${IMG}
    --send "run /bin/sh -i"
    --on "~ # $" "seq 1 10000 | sort -r | head -2 > /tmp/top\r"
    --on "~ # $" "cat /tmp/top\r"
    --on "~ # $" "sh -c 'echo started && sleep 100'\r" --on "^started" "\\x03"
    --on "~ # $" "echo status $?\r"
    --on "~ # $" "sh -c 'echo began && sleep 2 && echo resumed'\r" --on "^began" "\\x1a"
    --on "~ # $" "jobs\r" --on "~ # $" "fg\r"
    --on "~ # $" "sleep 100 &\r" --on "~ # $" "kill %1\r" --on "~ # $" "wait\r"
    --on "~ # $" "exit 5\r"
    --send "run hello after" --send "poweroff 7"
    --expect "^~ # cat /tmp/top\\n9999\\n9998$"
    --expect "^started\\n\\^C\\n"
    --expect "^status 130$"
    --expect "^began\\n\\^Z\\[1\\]\\+ +Stopped +sh -c"
    --expect "^~ # jobs\\n\\[1\\]\\+ +Stopped +sh -c"
    --expect "^resumed$"
    --expect "Terminated +sleep 100"
    --expect "^~ # exit 5\\n\\[exit 5\\]$"
    --expect "^hello from user mode, pid [0-9]+, argc 2:hello after$"
    --reject "PANIC" --status ${EXIT7})
else()
  foreach(t busybox_applets busybox_interactive busybox_exe_path busybox_date)
    add_test(NAME ${KERNEL_ARCH}.${t} COMMAND ${CMAKE_COMMAND} -E echo "skipped: ${BUSYBOX_MISSING}")
    set_tests_properties(${KERNEL_ARCH}.${t} PROPERTIES SKIP_REGULAR_EXPRESSION "skipped:")
  endforeach()
endif()
# The kernel shell's ps and kill on a process left in the background (a
# child of `uspin detach`, pid 2 in a fresh boot): its state as the signals
# stop, continue and end it; bad arguments are refused with a reason.
qemu_test(user_ps_kill --image ${IMG}
  --send "run uspin detach" --send "ps" --send "kill -STOP 2" --send "ps" --send "kill -CONT 2"
  --send "ps" --send "kill -BOGUS 2" --send "kill 99" --send "kill x" --send "kill -9 -1234" --send "kill -9 2"
  --send "ps" --send "poweroff 7"
  --expect "^uspin: left child 2 sleeping\\n\\[exit 0\\]$"
  --expect "^kernel> ps\\n +PID +PPID +PGID S .*COMMAND\\n +2 +0 +1 [RS] .* uspin detach\\nkernel> kill -STOP 2$"
  --expect "^kernel> ps\\n +PID .*\\n +2 +0 +1 T .* uspin detach\\nkernel> kill -CONT 2$"
  --expect "^kernel> kill -CONT 2\\nkernel> ps\\n +PID .*\\n +2 +0 +1 [RS] .* uspin detach$"
  --expect "^kill: BOGUS: no such signal \\(EINVAL\\)$"
  --expect "^kill: 99: no such process \\(ESRCH\\)$"
  --expect "^kill: x: not a pid \\(or -pgid\\) \\(EINVAL\\)$"
  --expect "^kill: -1234: no such process group \\(ESRCH\\)$"
  --expect "^kernel> kill -9 2\\nkernel> ps\\n +PID +PPID +PGID S +TIME +MEM\\(KiB\\) COMMAND\\nkernel> poweroff 7$"
  --reject "PANIC" --status ${EXIT7})
# (No ';' or unpaired brackets in an argument: CMake's lists split or
# join there.)
# init=/bin/sh -- -i: busybox's shell is pid 1 on the console; Ctrl-]
# gives the console to the kernel shell (which sees pid 1 in ps) and back;
# pid 1's exit is reported and the kernel shell carries on. Without busybox
# (an image built without .deps/busybox-*) the same command line names a missing file: the kernel says so
# and the kernel shell has the console.
if(BUSYBOX)
  qemu_test(init_pid1 --image ${INIT_SH_IMG} ${INIT_SH_ARGS}
    --on "~ # $" "echo pid $$\\r" --on "^pid 1" "\\x1d" --send "ps"
    --on "kernel> $" "\\x1d" --on "pid 1 has the console" "\\r" --on "~ # $" "exit 3\\r"
    --send "ps" --send "poweroff 7"
    --expect "^init: /bin/sh is pid 1. Ctrl-. switches the console between it and the kernel shell$"
    --expect "^pid 1$"
    --expect "^.the kernel shell has the console. Ctrl-. gives it back to pid 1.$"
    --expect "^ +1 +0 +1 [RS] .* /bin/sh -i$"
    --expect "^.pid 1 has the console. Ctrl-. for the kernel shell.$"
    --expect "^init: pid 1 \\(/bin/sh\\) exited with status 3. the kernel shell has the console$"
    --expect "^kernel> ps\\n +PID +PPID +PGID S +TIME +MEM\\(KiB\\) COMMAND\\nkernel> poweroff 7$"
    --reject "PANIC" --status ${EXIT7})
else()
  qemu_test(init_pid1 --image ${INIT_SH_IMG} ${INIT_SH_ARGS}
    --send "run hello after" --send "poweroff 7"
    --expect "^init: /bin/sh: no such file \\(ENOENT\\). the kernel shell has the console$"
    --expect "^hello from user mode, pid [0-9]+, argc 2:hello after$"
    --reject "PANIC" --status ${EXIT7})
endif()
# What a program learns of the CPU (AT_HWCAP, AT_HWCAP2, AT_PLATFORM, ...,
# and arm64's ID registers read with MRS), tests/programs/ucpu in our
# kernel and under Debian's Linux in the same QEMU, line for line; arm64
# also with -cpu max (tests/qemu/hwcap_linux_test.py). Debian 12 has no
# riscv64 kernel: there qemu-riscv64-static's Linux ABI judges.
add_test(NAME ${KERNEL_ARCH}.hwcap_linux COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/hwcap_linux_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} --prog ${CMAKE_BINARY_DIR}/programs/ucpu)
set_tests_properties(${KERNEL_ARCH}.hwcap_linux PROPERTIES TIMEOUT 300)
# AF_PACKET as Linux answers for it, and busybox udhcpc taking a lease
# through it (tests/programs/upacket, tests/qemu/packet_linux_test.py): our
# kernel and Debian's Linux in the same QEMU on QEMU's user network, line for
# line; riscv64 against Linux's lines from the other arches.
add_test(NAME ${KERNEL_ARCH}.packet_linux COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/packet_linux_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} --prog ${CMAKE_BINARY_DIR}/programs/upacket)
set_tests_properties(${KERNEL_ARCH}.packet_linux PROPERTIES TIMEOUT 300)
# ext2 read from an MBR and a GPT partition (1 and 4 KiB blocks), every
# file's CRC-32 against the host's, the mount's refusals; with busybox also
# a file past 4 GiB and writes refused (EROFS). Images by mke2fs -d.
set(EXT2_BUSYBOX)
if(BUSYBOX)
  set(EXT2_BUSYBOX --busybox)
endif()
add_test(NAME ${KERNEL_ARCH}.ext2_read COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ext2_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} ${EXT2_BUSYBOX})
set_tests_properties(${KERNEL_ARCH}.ext2_read PROPERTIES TIMEOUT 180)
# ext2 written by the kernel: a seeded script of several hundred operations
# run in the kernel and on a copy of the tree on the host (busybox sh on
# both where the arch has busybox, else kernel shell commands and Python),
# on 1 and 4 KiB blocks; e2fsck -fn must call both disks clean (one synced,
# one unmounted) and debugfs must read back the host's tree. A seed per
# arch on one CPU, so CI covers three (101 deletes the first entry of a block
# and makes its name again, which debugfs lists twice: once live, once with
# inode 0); the writer is portable code, and each seed's run is a minute of
# TCG. Any seed on any arch: ext2_write_test.py --seed N.
set(EXT2_MODEL)
if(BUSYBOX)
  set(EXT2_MODEL --busybox ${PROJECT_SOURCE_DIR}/.deps/busybox-amd64/bin/busybox)
endif()
set(EXT2_SEED_x86_64 5)
set(EXT2_SEED_aarch64 101)
set(EXT2_SEED_riscv64 27)
foreach(seed ${EXT2_SEED_${KERNEL_ARCH}})
  add_test(NAME ${KERNEL_ARCH}.ext2_write_${seed} COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ext2_write_test.py
    --arch ${KERNEL_ARCH} --image ${IMG} --seed ${seed} ${EXT2_MODEL})
  set_tests_properties(${KERNEL_ARCH}.ext2_write_${seed} PROPERTIES TIMEOUT 300)
endforeach()
# Seed 27 on two CPUs on every arch: write-back in the background (sync and the
# flusher start many files' writes at once) ends on whichever CPU the
# disk's interrupt reaches, while the writer goes on.
add_test(NAME ${KERNEL_ARCH}.ext2_write_27_smp2 COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ext2_write_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} --seed 27 ${EXT2_MODEL})
set_tests_properties(${KERNEL_ARCH}.ext2_write_27_smp2 PROPERTIES TIMEOUT 300 ENVIRONMENT SMP=2)
# root=/dev/vda1: an ext2 partition (with busybox on it, where the arch has
# one) becomes /, with the kernel's /dev and /proc on it, written and synced
# (e2fsck and debugfs judge it); root= naming no partition, or one with no
# ext2, leaves the initrd's tmpfs as / and says why.
set(ROOT_BUSYBOX)
if(BUSYBOX)
  set(ROOT_BUSYBOX --busybox ${BUSYBOX})
endif()
add_test(NAME ${KERNEL_ARCH}.ext2_root COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ext2_root_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} ${ROOT_BUSYBOX})
set_tests_properties(${KERNEL_ARCH}.ext2_root PROPERTIES TIMEOUT 300)
# A disk that fails requests (QEMU's blkdebug): a file's read is EIO, a
# failed write-back makes sync EIO, a read-write mount of a disk that
# cannot be written is EIO; the kernel goes on and e2fsck calls it clean.
add_test(NAME ${KERNEL_ARCH}.ext2_eio COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ext2_eio_test.py
  --arch ${KERNEL_ARCH} --image ${IMG})
set_tests_properties(${KERNEL_ARCH}.ext2_eio PROPERTIES TIMEOUT 120)
# Damaged disks, made from a seed by mke2fs and patched by the test, one
# boot for six: a file with no links, one of a negative size, a fast
# symlink past a block (each EUCLEAN with its reason), descriptors whose
# inode table leaves its group or whose inode bitmap lies in its table
# (read-only, the reason said), inodes per group that do not match the
# count (refused); the undamaged files read back on the host as written.
add_test(NAME ${KERNEL_ARCH}.ext2_damage COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ext2_damage_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} --seed 41)
set_tests_properties(${KERNEL_ARCH}.ext2_damage PROPERTIES TIMEOUT 120)
# sync after 2,000 small files are created: the block plug sends their
# writes sorted, neighbours as one request, so QEMU's counters (its
# monitor's info blockstats) show fewer than 500 write requests (about 40;
# one per file without the plug); e2fsck -fn calls the disk clean.
add_test(NAME ${KERNEL_ARCH}.ext2_sync_merges COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ext2_merge_test.py
  --arch ${KERNEL_ARCH} --image ${IMG})
set_tests_properties(${KERNEL_ARCH}.ext2_sync_merges PROPERTIES TIMEOUT 180)
# The page cache under memory pressure: on a 128 MiB guest, crc32 of a
# 512 MiB file (clean pages evicted before the allocator fails, a user
# program still starts) and two 48 MiB copies (past the dirty limit).
add_test(NAME ${KERNEL_ARCH}.ext2_pressure COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ext2_pressure_test.py
  --arch ${KERNEL_ARCH} --image ${IMG})
set_tests_properties(${KERNEL_ARCH}.ext2_pressure PROPERTIES TIMEOUT 600)
# Issue 41's file-system answers (tests/programs/ufsmore.c: open's corners,
# modes under the umask, a removed directory, EFAULT and partial writes,
# st_blocks, preadv/pwritev, sendfile, copy_file_range, FIONREAD, pipe
# sizes, /proc/self/fd and cwd) and file locks (ulocks.c: fcntl record
# locks between processes, F_SETLKW's wait, EINTR and EDEADLK, OFD locks,
# flock), in /tmp (tmpfs); both are judged by Linux too (linux_ufsmore,
# linux_ulocks: cmake/linux_judged.cmake), and user and group ids with the
# permissions they give (ucred.c, linux_ucred). On ext2: ext2_ufiles. All
# are in the initrd only (cmake/user_progs.cmake).
qemu_test(user_fs_linux --image ${IMG}
  --send "run /bin/ufsmore /tmp" --send "run /bin/ulocks /tmp" --send "run /bin/ucred /tmp" --send "poweroff 7"
  --expect "^ufsmore: 0 failed\\n\\[exit 0\\]$" --expect "^ulocks: 0 failed\\n\\[exit 0\\]$"
  --expect "^ucred: 0 failed\\n\\[exit 0\\]$"
  --reject "PANIC|^FAIL" --status ${EXIT7})
# Shared memory (tests/programs/ushm.c, judged by Linux too: linux_ushm):
# MAP_SHARED anonymous, /dev/zero and tmpfs memory across fork, truncate's
# SIGBUS, /dev/shm as shm_open and sem_open use it, process-shared futexes,
# and no page left behind; then the shell's `mem`: no user page either (the
# mappings gone with their processes). In the initrd only.
qemu_test(user_shm --image ${IMG}
  --send "run /bin/ushm /tmp" --send "mem" --send "poweroff 7"
  --expect "^ushm: 0 failed\\n\\[exit 0\\]$" --expect "^user pages: 0 "
  --reject "PANIC|^FAIL" --status ${EXIT7})
# System V shared memory (tests/programs/usysv.c, judged by Linux too:
# linux_usysv): shmget's keys and errors, shmat and shmdt, attachments
# counted across fork, exit, execve and a split region, IPC_RMID's
# deferred removal, permissions, IPC_SET and the INFO and STAT commands;
# then the shell's `mem`: no user page left. In the initrd only.
qemu_test(user_sysv_shm --image ${IMG}
  --send "run /bin/usysv" --send "mem" --send "poweroff 7"
  --expect "^usysv: 0 failed\\n\\[exit 0\\]$" --expect "^user pages: 0 "
  --reject "PANIC|^FAIL" --status ${EXIT7})
# Resource limits, CPU affinity, close_range, fadvise64, get_robust_list
# (tests/programs/ulimits.c, judged by Linux too: linux_ulimits), with two
# CPUs so that a thread pinned to one is seen running there. In the initrd
# only.
qemu_test(user_limits --image ${IMG} --env SMP=2
  --send "run /bin/ulimits" --send "poweroff 7"
  --expect "^ulimits: 0 failed\\n\\[exit 0\\]$"
  --reject "PANIC|^FAIL" --status ${EXIT7})
# execve's argument limits and the growing stack (tests/programs/uvm.c,
# judged by Linux too: linux_uvm): strings up to a quarter of RLIMIT_STACK
# and 32 pages each, E2BIG past them; a stack growing to 6 MiB, SIGSEGV
# past RLIMIT_STACK and at the guard gap above a mapping below it; then
# madvise, /proc/<pid>/maps and mremap as Linux has them (the checks are
# added with each); then the shell's `mem`: no user page left. In the initrd
# only.
qemu_test(user_vm --image ${IMG}
  --send "run /bin/uvm" --send "mem" --send "poweroff 7"
  --expect "^uvm: 0 failed\\n\\[exit 0\\]$" --expect "^user pages: 0 "
  --reject "PANIC|^FAIL" --status ${EXIT7})
# Scheduling policies and memory locking (tests/programs/usched.c, judged
# by Linux too: linux_usched): the calls and their errors, and what the
# real-time policies mean on the one CPU: a more urgent SCHED_FIFO child
# runs first and through, SCHED_RR equals take turns, SCHED_FIFO equals do
# not; and a runaway SCHED_FIFO 99 program still ends at Ctrl-C, after which
# the shell runs again. In the initrd only (cmake/user_progs.cmake).
qemu_test(user_sched --image ${IMG} --send "run /bin/usched"
  --send "run /bin/usched spin" --on "^usched: spinning at SCHED_FIFO 99" "\\x03"
  --send "run hello" --send "poweroff 7"
  --expect "^usched: 0 failed\\n\\[exit 0\\]$"
  --expect "^usched: spinning at SCHED_FIFO 99\\n(\\^C\\n)?\\[signal SIGINT\\]$"
  --expect "^hello from user mode, pid [0-9]+, argc 1:hello$"
  --reject "PANIC|^FAIL" --status ${EXIT7})
# tests/programs/ufiles (Linux's file-system semantics, about 250 checks) and ufsmore on ext2, 1 and
# 4 KiB blocks, each then unmounted and judged by e2fsck -fn.
add_test(NAME ${KERNEL_ARCH}.ext2_ufiles COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ext2_ufiles_test.py
  --arch ${KERNEL_ARCH} --image ${IMG})
set_tests_properties(${KERNEL_ARCH}.ext2_ufiles PROPERTIES TIMEOUT 300)
# Debian's dynamically linked programs (tests/dyn/udyn.c, PIE and not,
# built here against Debian's glibc) on an ext2 root with ld.so, libc and
# libm at Debian's paths: run by their PT_INTERP and through the loader
# run directly, printing what they print on Linux (qemu-user for foreign
# arches), the PIE at a new address each run; execve's errors for bad
# interpreters and ETXTBSY as Linux's (udynbad.c); on riscv64 the
# dynamically linked busybox built from Debian's source, its applets judged
# by qemu-riscv64-static.
add_test(NAME ${KERNEL_ARCH}.dyn_exec COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/dyn_exec_test.py
  --arch ${KERNEL_ARCH} --image ${IMG})
set_tests_properties(${KERNEL_ARCH}.dyn_exec PROPERTIES TIMEOUT 240)
# Debian's own programs on scripts/mkroot's Debian root (build/<arch>/debian.img,
# built by the test when missing or older than scripts/mkroot), judged by
# Linux (tests/qemu/debian_root_test.py, tests/debian/): in one boot a bash
# script, coreutils over an ext2 tree, python3's standard library and
# e2fsck -fn of a damaged disk print byte for byte what the same programs
# print on Linux (the host's own on x86_64, the image's under
# qemu-aarch64-static on aarch64); the unimplemented calls they make are
# the test's allowlist's. riscv64: Debian 12 has no riscv64 archive, so no
# image and no test.
if(ARCH_DEBIAN_ROOT) # set by the arches Debian 12 has an archive for
  add_test(NAME ${KERNEL_ARCH}.debian_root COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/debian_root_test.py
    --arch ${KERNEL_ARCH} --image ${IMG})
  set_tests_properties(${KERNEL_ARCH}.debian_root PROPERTIES TIMEOUT 400)
  # `scripts/run <arch> DEBIAN=1`'s boot (root=/dev/vda init=/bin/bash, a
  # login shell on the console) and a user at it (tests/qemu/debian_login_test.py,
  # the same image): Tab completion and a double Tab listing, Up-arrow
  # history, Ctrl-Z, jobs, bg, fg, Ctrl-C, kill %1's Terminated notice,
  # read -t; the transcript line for line the host's bash's given the
  # same keys in a pseudo-terminal.
  add_test(NAME ${KERNEL_ARCH}.debian_login COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/debian_login_test.py
    --arch ${KERNEL_ARCH} --image ${IMG})
  set_tests_properties(${KERNEL_ARCH}.debian_login PROPERTIES TIMEOUT 180)
  # Debian's iproute2 on the same image with a virtio-net card
  # (tests/qemu/debian_ip_test.py): `ip monitor` sees each change `ip`
  # makes (addresses, routes, the link down and up) as Linux tells it;
  # `ip addr` with lifetimes, `ip route`, `ip -s link show eth0`.
  add_test(NAME ${KERNEL_ARCH}.debian_ip COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/debian_ip_test.py
    --arch ${KERNEL_ARCH} --image ${IMG})
  set_tests_properties(${KERNEL_ARCH}.debian_ip PROPERTIES TIMEOUT 180)
endif()
# Clocks and timers from the program's side (tests/programs/utimers.c, each
# check Linux's answer): clock_getres, setitimer and alarm, `alarm(1);
# pause()` (and the C library's way where there is no pause), POSIX timers
# and their overruns, timers through fork and execve, SIGSEGV's si_code,
# futex errors, MAP_FIXED_NOREPLACE; on two CPUs, the timers' signals
# coming from either one's interrupt. utimers is in the initrd only
# (cmake/user_progs.cmake).
qemu_test(user_timers --image ${IMG} --env SMP=2
  --send "run /bin/utimers" --send "poweroff 7"
  --expect "^utimers: 0 failed$\\n\\[exit 0\\]$"
  --reject "PANIC|FAIL" --status ${EXIT7})
# The vDSO (tests/programs/uvdso.c, judged by Linux too: linux_uvdso):
# first 500 clock_gettime calls through it and the shell's `syscalls`
# (every call since boot): no clock_gettime system call among them; then
# the checks: found from AT_SYSINFO_EHDR, its symbols at Linux's versions
# read from its own tables, its clock calls between two system calls, in a
# forked child too, a handler returning through its signal return. In the
# initrd only.
qemu_test(user_vdso --image ${IMG}
  --send "run /bin/uvdso loop 500" --send "syscalls" --send "run /bin/uvdso" --send "poweroff 7"
  --expect "^uvdso: 500 calls, 0 backwards\\n\\[exit 0\\]$" --expect "^ +[0-9]+ +exit_group +1$"
  --expect "^uvdso: 0 failed\\n\\[exit 0\\]$"
  --reject "PANIC|FAIL|^ +[0-9]+ +clock_gettime " --status ${EXIT7})
# glibc through the vDSO (tests/qemu/vdso_glibc_test.py): a static glibc
# program's clock_gettime, gettimeofday and time make no system call, and
# its handler (no sa_restorer on arm64 and riscv64) returns through it.
add_test(NAME ${KERNEL_ARCH}.vdso_glibc COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/vdso_glibc_test.py
  --arch ${KERNEL_ARCH} --image ${IMG})
set_tests_properties(${KERNEL_ARCH}.vdso_glibc PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
# POSIX message queues as Linux answers for them (tests/programs/umq.c,
# linux_umq): open and create, the attribute checks, priority order,
# O_NONBLOCK, timeouts, EMSGSIZE and EBADF, the status line, mq_notify's
# signal, a queue across fork, a receive interrupted by a signal, unlink
# while open. In the initrd only.
qemu_test(user_mq --image ${IMG}
  --send "run /bin/umq" --send "poweroff 7"
  --expect "^umq: 0 failed$\\n\\[exit 0\\]$"
  --reject "PANIC|FAIL" --status ${EXIT7})
# AF_INET sockets over 127.0.0.1 as Linux answers for them
# (tests/programs/uinet.c, linux_uinet): a TCP echo between processes,
# EADDRINUSE and SO_REUSEADDR, refused and nonblocking connects, EPIPE and
# SIGPIPE, MSG_PEEK, UDP, options, an ICMP echo socket. In the initrd only.
qemu_test(user_inet --image ${IMG}
  --send "run /bin/uinet" --send "poweroff 7"
  --expect "^uinet: 0 failed$\\n\\[exit 0\\]$"
  --reject "PANIC|FAIL" --status ${EXIT7})
# AF_INET6 sockets over ::1 and 127.0.0.1 as Linux answers for them
# (tests/programs/uinet6.c, linux_uinet6): a TCP echo, a dual-stack
# listener taking IPv4 (IPv4-mapped), IPV6_V6ONLY, UDP both families,
# the hop limit and traffic class, bad addresses, ICMPv6 echo and raw
# sockets. In the initrd only. Then Debian busybox's ping -6 over ::1 (as
# root: its raw ICMPv6 socket, ICMP6_FILTER and IPV6_CHECKSUM).
qemu_test(user_inet6 --image ${IMG}
  --send "run /bin/uinet6" --send "run /bin/busybox ping -6 -c 2 ::1" --send "poweroff 7"
  --expect "^uinet6: 0 failed$\\n\\[exit 0\\]$"
  --expect "^2 packets transmitted, 2 packets received, 0% packet loss$(?s:.*)^\\[exit 0\\]$"
  --reject "PANIC|FAIL" --status ${EXIT7})
# AF_NETLINK's NETLINK_ROUTE as Linux answers for it
# (tests/programs/unetlink.c, linux_unetlink): port ids, the link, address
# and route dumps well formed (lo with 127.0.0.1/8), NLMSG_ERROR and acks,
# what Linux ignores, MSG_PEEK and MSG_TRUNC, EFAULT, a user's EPERM. In
# the initrd only.
qemu_test(user_netlink --image ${IMG}
  --send "run /bin/unetlink" --send "poweroff 7"
  --expect "^unetlink: 0 failed$\\n\\[exit 0\\]$"
  --reject "PANIC|FAIL" --status ${EXIT7})
# AF_INET as busybox uses it (tests/qemu/inet_httpd_test.py), one boot on
# QEMU's user network (restrict=on) with a hostfwd on 127.0.0.1: the host
# fetches files from busybox's httpd checksummed, 20 at once, one client
# vanishing mid-transfer; in the guest wget over 127.0.0.1, ping, ifconfig
# (down, up) and route (the default route added).
add_test(NAME ${KERNEL_ARCH}.inet_httpd COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/inet_httpd_test.py
  --arch ${KERNEL_ARCH} --image ${IMG})
set_tests_properties(${KERNEL_ARCH}.inet_httpd PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
# AF_UNIX sockets and the socket calls as Linux answers for them
# (tests/programs/uunix.c, linux_uunix): a stream echo under load between
# the parent and three children, socketpair, SCM_RIGHTS passing a pipe,
# datagram boundaries, abstract and file-system names, EFAULT for every
# bad pointer, EAGAIN, SIGPIPE, shutdown, EINTR, peer credentials. In the
# initrd only.
qemu_test(user_unix --image ${IMG}
  --send "run /bin/uunix" --send "poweroff 7"
  --expect "^uunix: 0 failed$\\n\\[exit 0\\]$"
  --reject "PANIC|FAIL" --status ${EXIT7})
# epoll, eventfd and poll as Linux answers for them (tests/programs/uepoll.c,
# linux_uepoll): eventfd's counter and semaphore mode, epoll_ctl's errors,
# level- and edge-triggered reports, one-shot and its re-arm, a watch
# dropped with its file's last descriptor, epoll in epoll and in poll,
# epoll_pwait's mask, and 1000 descriptors with few active, by epoll and
# ppoll, each sleeping while it waits. Twice on two CPUs, the heap the same
# after each (no watch, instance or wait-set chunk left). In the initrd only.
qemu_test(user_epoll --image ${IMG} --env SMP=2
  --send "run /bin/uepoll" --send mem --send "run /bin/uepoll" --send mem --send "poweroff 7"
  --expect "^uepoll: 0 failed$\\n\\[exit 0\\]$(?s:.*)^uepoll: 0 failed$\\n\\[exit 0\\]$"
  --same "^heap in use: (.*)$"
  --reject "PANIC|FAIL" --status ${EXIT7})
# Processes and queued signals as Linux answers for them (issue 41;
# tests/programs/uproc2.c and usigq.c print "0 failed" on Linux too):
# orphans reparented to a subreaper or init and reaped, kill of a zombie,
# vfork and clone(CLONE_VM) as processes sharing memory, the clone flags
# Linux refuses, waitid; rt_sigqueueinfo and its queue limit,
# rt_sigtimedwait.
qemu_test(user_proc_linux --image ${IMG} --env SMP=2
  --send "run /bin/uproc2" --send "run /bin/usigq" --send "poweroff 7"
  --expect "^uproc2: 0 failed$\\n\\[exit 0\\]$"
  --expect "^usigq: 0 failed$\\n\\[exit 0\\]$"
  --reject "PANIC|FAIL" --status ${EXIT7})
