# aarch64's part "watchdog" of tests/qemu/smp.cmake (arch_part()).
smp_watchdog(names_a_stuck_cpu "${WD_NMI}" GIC=3)
smp_watchdog(gicv2_without_nmi "${WD_NO_NMI}" GIC=2)
