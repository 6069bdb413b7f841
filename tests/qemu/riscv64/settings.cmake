# riscv64's part "settings" of tests/qemu/CMakeLists.txt (arch_part()).
set(KTEST_ARGS --env "APPEND=ktest verbose")
set(KTEST_IMG ${IMG})
# poweroff <code> through QEMU's SiFive test finisher: QEMU exits with the code itself.
set(EXIT7 7)
set(UNDEF_RX "illegal instruction")
# PCI MSI/MSI-X: none yet: MSIs need AIA (an IMSIC), which this port does not drive yet.
set(HAS_MSI 0)
# init= through -append.
set(INIT_SH_IMG ${IMG})
set(INIT_SH_ARGS --env "APPEND=init=/bin/sh -- -i")
# The keyboard driver of the machine scripts/run's GRAPHIC=1 makes (the
# graphic_keyboard test).
set(GRAPHIC_KEYBOARD_DRIVER virtio-input)
