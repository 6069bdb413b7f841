# riscv64's part "pci_bars" of tests/qemu/pci.cmake (arch_part()).
set(BAR_BY "assigned")
