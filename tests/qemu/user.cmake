# User mode (kernel/user/, docs/user-mode.md): the built-in programs of
# user/ run from the shell with `run`, which prints how each ended; what a
# program does wrong kills it alone and the shell goes on; `syscalls`
# counts the calls made and the unimplemented ones. The ktests user_* run
# with every ktest (and twice, on every SMP configuration).
qemu_test(user_run --image ${IMG}
  --send "run hello a b" --send "run ufault kread" --send "run ufault kjump" --send "run ufault ill"
  --send "run ufault exit 300" --send "run nosuch" --send "run" --send "run /nosuch/x"
  --send "run usyscalls" --send "run uforkexec" --send "syscalls" --send "run hello again"
  --send "poweroff 7"
  --expect "^hello from user mode, pid [0-9]+, argc 3:hello a b$\\n\\[exit 3\\]$"
  --expect "^kernel> run ufault kread\\n\\[signal SIGSEGV\\]$"
  --expect "^kernel> run ufault kjump\\n\\[signal SIGSEGV\\]$"
  --expect "^kernel> run ufault ill\\n\\[signal SIGILL\\]$"
  --expect "^kernel> run ufault exit 300\\n\\[exit 44\\]$"
  --expect "^run: nosuch: no such built-in program"
  --expect "^usage: run <program"
  --expect "^run: /nosuch/x: no such file \\(ENOENT\\)$"
  --expect "^usyscalls: 0 failed$\\n\\[exit 0\\]$"
  --expect "^uforkexec: 0 failed$\\n\\[exit 0\\]$"
  --expect "^ +[0-9]+ +wait4 +[2-9][0-9]$"
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
else()
  add_test(NAME ${KERNEL_ARCH}.busybox_applets COMMAND ${CMAKE_COMMAND} -E echo "skipped: ${BUSYBOX_MISSING}")
  set_tests_properties(${KERNEL_ARCH}.busybox_applets PROPERTIES SKIP_REGULAR_EXPRESSION "skipped:")
endif()
