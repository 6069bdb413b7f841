# x86_64's part "pci_machines" of tests/qemu/pci.cmake (arch_part()).
qemu_test(pcitest_pc --image ${IMG} --env MACHINE=pc --send pcitest --send pcitest
  --send "poweroff 7" --expect "${EDU_OK}" --reject "WRONG|PANIC" --status ${EXIT7}
  -- -device edu)
