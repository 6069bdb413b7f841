# x86_64's part "settings" of tests/qemu/CMakeLists.txt (arch_part()).
set(KTEST_ARGS "")
set(KTEST_IMG ${CMAKE_BINARY_DIR}/kernel-ktest.iso)
# isa-debug-exit: QEMU exits with (code << 1) | 1.
set(EXIT7 15)
set(UNDEF_RX "#UD invalid opcode")
# PCI MSI/MSI-X: the local APIC.
set(HAS_MSI 1)
