# x86_64's part "spin" of tests/qemu/CMakeLists.txt (arch_part()).
set(SPIN_VARIANTS "MACHINE=q35" "MACHINE=pc")
set(RX_IRQ "ns16550 rx")
