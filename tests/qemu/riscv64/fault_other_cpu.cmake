# riscv64's part "fault_other_cpu" of tests/qemu/CMakeLists.txt (arch_part()).
# The other hart is stopped by the IPI (S-mode has no NMI).
set(RX_UNMAPPED_READ "stval 0*\\1: not mapped, on read")
set(OTHER_CPU_CASES _sbi_ipi)
