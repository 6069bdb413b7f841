# riscv64's part "pci_machines" of tests/qemu/pci.cmake (arch_part()): one machine only.
