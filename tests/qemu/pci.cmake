# PCI tests: enumeration with a device behind a PCIe root port (its bus
# number and BAR assigned by us on arm64, by SeaBIOS on x86), and QEMU's
# edu device raising MSI and INTx interrupts through pcitest, twice in one
# boot. (edu cannot be added to an arm64 virt without an MSI controller,
# so its=off is covered by the INTx disk test.)
set(EDU_OK "^  msi \\(irq [0-9]+\\): 5 of 5 interrupts delivered$(?s:.*)^  intx \\(irq [0-9]+\\): 5 of 5 interrupts delivered$(?s:.*)^  msi \\(irq [0-9]+\\): 5 of 5(?s:.*)^  intx \\(irq [0-9]+\\): 5 of 5")
arch_part(pci_bars)
qemu_test(lspci_rootport --image ${IMG} --send lspci --send "poweroff 7"
  --expect "^00:00\\.0 [0-9a-f]{4}:[0-9a-f]{4} class 060000 - irq none$"
  --expect "^01:00\\.0 1234:11e8 class 00ff00 edu irq none$"
  --expect "^  bar0 mem32 0x[0-9a-f]+ size 0x100000 ${BAR_BY}$"
  --expect "^[0-9]+ PCI functions$" --reject "FAILED|PANIC" --status ${EXIT7}
  -- -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1 -device edu,bus=rp1)
if(HAS_MSI) # edu raises both kinds
  qemu_test(pcitest --image ${IMG} --send pcitest --send pcitest --send "poweroff 7"
    --expect "${EDU_OK}" --expect "liveness ok" --reject "WRONG|PANIC" --status ${EXIT7}
    -- -device edu)
endif()
arch_part(pci_machines)
# The PCI ktests see a bridge with a device behind it (on arm64 its bus
# number, BAR and window placed by us), not only the root bus.
qemu_test(pci_ktest_rootport --image ${KTEST_IMG} ${KTEST_ARGS}
  --expect "^ktest pci_functions_reread_their_ids ok$"
  --expect "^ktest pci_bars_aligned_inside_windows_disjoint ok$"
  --expect "^ktest pci_capabilities_agree_with_config_space ok$"
  --expect ${KTEST_OK} --status 0
  -- -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1 -device edu,bus=rp1 -device edu)
# The virtio keyboard (virtio-keyboard-pci) as console input on every arch
# (tests/qemu/keyboard_test.py, as x86_64's PS/2 keyboard test): keys sent
# with the monitor's sendkey run a command, Shift and the US layout's
# symbols reach the shell as typed, the up arrow recalls a line, Ctrl-C
# stops a running command, Caps Lock. (riscv64's machines part has it on
# virtio-mmio too.)
add_test(NAME ${KERNEL_ARCH}.keyboard_virtio COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/keyboard_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} --driver virtio-input -- -device virtio-keyboard-pci)
set_tests_properties(${KERNEL_ARCH}.keyboard_virtio PROPERTIES TIMEOUT 120)
