# x86_64's part "fault_other_cpu" of tests/qemu/CMakeLists.txt (arch_part()).
set(RX_UNMAPPED_READ "CR2 0*\\1: page not present on read, kernel mode")
set(OTHER_CPU_CASES _q35)
