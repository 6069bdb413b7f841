# Ctrl-C stops the running command (console_cancelled(), kernel/tty/console.c):
# it prints ^C, the next command runs, nothing it held is left behind (`mem`'s
# heap line the same before and after), and what was typed before the Ctrl-C
# is dropped with the command. --on sends the key as soon as the command's
# first output arrives, whatever the prompt. `sleep 100` before each `mem`
# lets the idle thread free the threads that exited (boot's, ktest's);
# `ktest pmm_pending` first waits for boot's RAM set-up thread (pmm-fill, the
# least urgent) to finish, which on a busy host outlasted the sleep (its
# thread freed between the two `mem`s, x86_64.cancel_ktest in a clean CI).
#
# blk bench on a disk throttled to 200 requests a second: its random phase
# alone would take 100 s, so a test that ends inside its 60 s budget proves
# the bench stopped (in-flight requests completed, buffers freed).
set(SLOW_DISK -drive if=none,id=d0,driver=null-co,size=64M,read-zeroes=on,throttling.iops-total=200
  -device virtio-blk-pci,drive=d0)
qemu_test(cancel_blk_bench --image ${IMG} --timeout 60
  --send lsblk --send "ktest pmm_pending" --send "sleep 100" --send mem --send "blk bench vda" --on "^blk bench vda: " "\\x03"
  --send uptime --send "sleep 100" --send mem --send "poweroff 7"
  --expect "^blk bench vda: .*Ctrl-C stops$\\n(?s:.*)^\\^C$\\nkernel> uptime\\nup [0-9]"
  --reject "blk_rand_read_4k [0-9]+ IOPS" --reject "bench failed"
  --same "^(heap in use: .*)$" --status ${EXIT7}
  -- ${SLOW_DISK})
# blk crc32 of the whole disk, throttled to 20 requests a second: 64 requests
# of 1 MiB, 3 s; Ctrl-C lands between two of them.
qemu_test(cancel_blk_crc32 --image ${IMG} --timeout 60
  --send "blk crc32 vda 0 131072" --on "blk crc32 vda 0 131072\\n" "\\x03"
  --send uptime --send "poweroff 7"
  --expect "^blk: vda: stopped after [0-9]+ of 131072 blocks$\\n\\^C$\\nkernel> uptime\\nup [0-9]"
  --reject "^crc32 " --status ${EXIT7}
  -- -drive if=none,id=d0,driver=null-co,size=64M,read-zeroes=on,throttling.iops-total=20
     -device virtio-blk-pci,drive=d0)
# ktest: stopped between two tests, with how far it got; then a second
# Ctrl-C at an empty prompt and one in the middle of a typed line only drop
# the line. A ktest typed later runs whole (the flag does not stick).
qemu_test(cancel_ktest --image ${IMG} --timeout 90
  --send "ktest pmm_pending" --send "sleep 100" --send mem --send ktest --on "^ktest [a-z0-9_]+ +ok$" "\\x03"
  --type "\\x03" --type "versi\\x03" --send "ktest shell_" --send "sleep 100" --send mem --send "poweroff 7"
  --expect "^ktest: stopped after [1-9][0-9]* tests: [1-9][0-9]* passed, 0 failed$\\n\\^C$"
  --expect "^kernel> versi\\^C$" --expect "^kernel> ktest shell_$\\n(?s:.*)^ktest: [1-9][0-9]* passed, 0 failed$"
  --same "^(heap in use: .*)$" --reject "FAIL" --status ${EXIT7})
# sleep 100 s, stopped at once; the line typed while it slept is dropped
# with it (it would print the version); ktest of a name nothing has says so.
qemu_test(cancel_sleep --image ${IMG} --timeout 30
  --send "sleep 100000" --on "sleep 100000\\n" "version\\r\\x03"
  --send "ktest nosuch" --send uptime --send "poweroff 7"
  --expect "^kernel> sleep 100000\\n\\^C$\\nkernel> ktest nosuch"
  --expect "^ktest: no test's name starts with 'nosuch' \\(ENOENT\\)$\\nkernel> uptime\\nup [0-9]"
  --reject "^kernel [0-9]" --reject "^slept" --status ${EXIT7})
