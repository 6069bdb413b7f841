# riscv64's part "command_line" of tests/qemu/CMakeLists.txt (arch_part()).
qemu_test(shell_no_colour --image ${IMG} --env "APPEND=no_color"
  --send "sleep 100" --send "blk read nosuch 0" --send "poweroff 7"
  --expect "warning: virtio-pci" --expect "^blk: nosuch: no such device \\(ENODEV\\)$"
  --reject-raw "\\x1b\\\\x5b3[13]m" --status ${EXIT7} -- ${LEGACY_DISK})
