# riscv64's part "initrd" of tests/qemu/CMakeLists.txt (arch_part()).
qemu_test(initrd_none --image ${IMG} --env INITRD=none --send ls --send "cat hello.txt"
  --expect "^ls: no initrd [(]ENOENT[)]$" --expect "^cat: hello.txt: no such file [(]ENOENT[)]$" --send poweroff --status 0)
