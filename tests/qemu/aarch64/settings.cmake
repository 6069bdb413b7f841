# aarch64's part "settings" of tests/qemu/CMakeLists.txt (arch_part()).
set(KTEST_ARGS --env "APPEND=ktest verbose")
set(KTEST_IMG ${IMG})
# poweroff <code> through semihosting: QEMU exits with the code itself.
set(EXIT7 7)
set(UNDEF_RX "undefined instruction")
# PCI MSI/MSI-X: the GICv2m frame or the GICv3 ITS.
set(HAS_MSI 1)
# init= through -append.
set(INIT_SH_IMG ${IMG})
set(INIT_SH_ARGS --env "APPEND=init=/bin/sh -- -i")
# The keyboard driver of the machine scripts/run's GRAPHIC=1 makes (the
# graphic_keyboard test).
set(GRAPHIC_KEYBOARD_DRIVER virtio-input)
