# x86_64's part "smp_cpus" of tests/qemu/smp.cmake (arch_part()).
# INIT-SIPI-SIPI through the real-mode trampoline, on both PC machines.
foreach(m q35 pc)
  qemu_test(smp_cpus_${m} --image ${IMG} --env SMP=4 --env MACHINE=${m}
    --send dmesg --send cpus --send "poweroff 7"
    --expect "^\\[ *[0-9.]+\\] smp: 4 of 4 CPUs online$"
    --expect "^ +0 +0 +online +boot "
    --expect "^ +3 +0x3 +online +sipi +[0-9]+% +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ [^ ]+$"
    --expect "^4 of 4 CPUs online$"
    --reject "PANIC|warning: smp|did not come up" --status ${EXIT7})
  smp_ktest_twice(${m} 4 MACHINE=${m})
endforeach()
smp_ktest_twice(q35_smp2 2 MACHINE=q35)
smp_ktest_twice(q35_smp8 8 MACHINE=q35)
