# aarch64's part "smp_cpus" of tests/qemu/smp.cmake (arch_part()).
# GICv3 at EL1, GICv3 entered at EL2 (PSCI starts the others at EL2 too,
# so they take the same EL2 -> EL1 path), GICv2 (at most 8 CPUs).
foreach(cfg "gicv3;SMP=4;GIC=3;4;EL1" "el2;SMP=4;MACHINE=virt,gic-version=3,virtualization=on;4;EL2"
            "gicv2;SMP=8;GIC=2;8;EL1")
  list(GET cfg 0 name)
  list(GET cfg 1 smp)
  list(GET cfg 2 machine)
  list(GET cfg 3 n)
  list(GET cfg 4 el)
  math(EXPR last "${n} - 1")
  qemu_test(smp_cpus_${name} --image ${IMG} --env ${smp} --env ${machine}
    --send dmesg --send cpus --send "poweroff 7" --expect "^\\[ *[0-9.]+\\] aarch64: entered at ${el},"
    --expect "^\\[ *[0-9.]+\\] smp: ${n} of ${n} CPUs online$"
    --expect "^ +0 +0 +online +boot "
    --expect "^ +${last} +0x${last} +online +psci +[0-9]+% +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ [^ ]+$"
    --expect "^${n} of ${n} CPUs online$"
    --reject "PANIC|warning: smp|did not come up" --status ${EXIT7})
endforeach()
# /cpus entries that cannot be started, in QEMU's own DTB with four CPU
# nodes added: PSCI CPU_ON refused for an MPIDR QEMU lacks, a CPU listed
# twice, spin-table, no enable-method; each named, CPU 1 still up.
add_test(NAME aarch64.smp_dtb_cpus_refused
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/dtb_cpus_test.py --image ${IMG})
set_tests_properties(aarch64.smp_dtb_cpus_refused PROPERTIES TIMEOUT 120)
smp_ktest_twice(gicv3 4 GIC=3)
smp_ktest_twice(gicv2 4 GIC=2)
smp_ktest_twice(gicv3_smp2 2 GIC=3)
smp_ktest_twice(gicv3_smp8 8 GIC=3)
