# x86_64's part "settings" of tests/qemu/CMakeLists.txt (arch_part()).
set(KTEST_ARGS "")
set(KTEST_IMG ${CMAKE_BINARY_DIR}/kernel-ktest.iso)
# isa-debug-exit: QEMU exits with (code << 1) | 1.
set(EXIT7 15)
set(UNDEF_RX "#UD invalid opcode")
# PCI MSI/MSI-X: the local APIC.
set(HAS_MSI 1)
# init=/bin/sh -- -i: an ISO of its own (arch/x86_64/image.cmake).
set(INIT_SH_IMG ${CMAKE_BINARY_DIR}/kernel-init.iso)
set(INIT_SH_ARGS "")
# The keyboard driver of the machine scripts/run's GRAPHIC=1 makes (the
# graphic_keyboard test).
set(GRAPHIC_KEYBOARD_DRIVER i8042)
