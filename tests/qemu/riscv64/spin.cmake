# riscv64's part "spin" of tests/qemu/CMakeLists.txt (arch_part()).
# The PLIC, and AIA (APLIC and IMSIC).
set(SPIN_VARIANTS "MACHINE=virt" "MACHINE=virt,aia=aplic-imsic")
set(RX_IRQ "ns16550 rx")
