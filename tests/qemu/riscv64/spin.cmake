# riscv64's part "spin" of tests/qemu/CMakeLists.txt (arch_part()).
set(SPIN_VARIANTS "MACHINE=virt")
set(RX_IRQ "ns16550 rx")
