# riscv64's part "watchdog" of tests/qemu/smp.cmake (arch_part()).
# S-mode has no interrupt that masked interrupts let through.
smp_watchdog(without_nmi "${WD_NO_NMI}")
