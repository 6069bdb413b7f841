# riscv64's part "pci_machines" of tests/qemu/pci.cmake (arch_part()).
# MSIs need AIA: the IMSIC takes them, the APLIC turns the wired sources
# (the UART, INTx) into MSIs too. Without AIA (the PLIC) there are none.
qemu_test(pcitest_aia --image ${IMG} --env MACHINE=virt,aia=aplic-imsic --send pcitest
  --send pcitest --send "poweroff 7" --expect "${EDU_OK}" --expect "liveness ok"
  --reject "WRONG|PANIC" --status ${EXIT7} -- -device edu)
# An APLIC in direct delivery mode (no IMSIC) is not driven: it says so, and
# the shell works, polling the UART.
qemu_test(aplic_direct_refused --image ${IMG} --env MACHINE=virt,aia=aplic --send "sleep 20"
  --send uptime --send "poweroff 7"
  --expect "aplic: aplic@d000000: no msi-parent: direct delivery mode is not supported"
  --expect "^slept [0-9.]+ ms$" --expect "^up [0-9]+\\.[0-9]{6} s$" --reject PANIC --status ${EXIT7})
