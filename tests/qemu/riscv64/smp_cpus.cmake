# riscv64's part "smp_cpus" of tests/qemu/smp.cmake (arch_part()).
# OpenSBI's boot hart is whichever hart wins its lottery, not always hart 0.
# Every smp warning fails it but OpenSBI 1.1's own hart_start race (below),
# which the kernel survives and says so: it came once in a clean CI run.
qemu_test(smp_cpus_hsm --image ${IMG} --env SMP=4
  --send dmesg --send cpus --send "poweroff 7"
  --expect "^\\[ *[0-9.]+\\] smp: 4 of 4 CPUs online$"
  --expect "^ +0 +(0|0x[0-3]) +online +boot "
  --expect "^ +3 +(0|0x[0-3]) +online +sbi-hsm +[0-9]+% +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ [^ ]+$"
  --expect "^4 of 4 CPUs online$"
  --reject "PANIC|warning: smp: (?!hart [0-3] came in at the wrong address)|did not come up" --status ${EXIT7})
smp_ktest_twice(hsm 4 MACHINE=virt)
smp_ktest_twice(hsm_smp2 2 MACHINE=virt)
smp_ktest_twice(hsm_smp8 8 MACHINE=virt)
smp_ktest_twice(aia 4 MACHINE=virt,aia=aplic-imsic)
# The MMU mode from the DT's mmu-type: Sv39-only harts make the kernel run
# Sv39 (every ktest there), Sv57 harts run Sv48, and a hart narrower than the
# boot hart's mode is named and left off (tests/qemu/riscv64/dtb_test.py).
foreach(mode sv39 sv57 mixed)
  add_test(NAME riscv64.smp_dtb_mmu_${mode}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/riscv64/dtb_test.py --image ${IMG} --case ${mode})
  set_tests_properties(riscv64.smp_dtb_mmu_${mode} PROPERTIES TIMEOUT 300)
endforeach()
# OpenSBI before v1.3 (QEMU 7.2 has v1.1) marks a hart START_PENDING before
# it writes the address and argument hart_start gave it; a hart whose wfi
# returns in between leaves with the old ones: the kernel's own entry, the
# DTB. The kernel must neither boot twice (a second banner, .bss zeroed
# under the running kernel) nor lose the hart: riscv.hsm_misdirect sends
# harts 1 and 3 to the entry and hart 2 with the DTB on purpose (the race
# itself cost one boot in one of four clean CI runs, on `blk_mq_aia`).
qemu_test(smp_cpus_hsm_misdirect --image ${IMG} --env SMP=4 --env MACHINE=virt,aia=aplic-imsic
  --env APPEND=riscv.hsm_misdirect
  --send dmesg --send cpus --send "poweroff 7"
  --expect "^\\[ *[0-9.]+\\] warning: smp: hart [0-3] came in at the wrong address or with the wrong argument"
  --expect "^\\[ *[0-9.]+\\] smp: 4 of 4 CPUs online$"
  --expect "^ +3 +(0|0x[0-3]) +online +sbi-hsm "
  --expect "^4 of 4 CPUs online$"
  --reject "PANIC|did not come up|Type 'help'[^\\n]*\\n[\\s\\S]*Type 'help'"
  --status ${EXIT7})
