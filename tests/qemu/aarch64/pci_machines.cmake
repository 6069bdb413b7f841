# aarch64's part "pci_machines" of tests/qemu/pci.cmake (arch_part()).
qemu_test(pcitest_gicv2m --image ${IMG} --env GIC=2 --send pcitest --send pcitest
  --send "poweroff 7" --expect "${EDU_OK}" --reject "WRONG|PANIC" --status ${EXIT7}
  -- -device edu)
