# x86_64's part "watchdog" of tests/qemu/smp.cmake (arch_part()).
smp_watchdog(names_a_stuck_cpu "${WD_NMI}")
