# aarch64's part "spin" of tests/qemu/CMakeLists.txt (arch_part()).
set(SPIN_VARIANTS "GIC=3" "GIC=2")
set(RX_IRQ "pl011 rx")
