# aarch64's part "fault_other_cpu" of tests/qemu/CMakeLists.txt (arch_part()).
set(RX_UNMAPPED_READ "FAR_EL1 0*\\1: translation fault, level [0-3], on read")
set(OTHER_CPU_CASES _gicv3 _gicv2)
