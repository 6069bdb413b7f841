# riscv64's part "faults" of tests/qemu/CMakeLists.txt (arch_part()).
# A page fault's scause says only load, store or fetch; traps.c reads the
# tables to say whether the page was mapped at all.
# The register that holds a faulting address, as the fault report names it.
set(FAULT_REG "stval")
set(FAULT_ADDR "stval 0*\\1")
set(RX_UNMAPPED_WRITE "not mapped, on write")
set(RX_PROT_WRITE "permission fault \\(mapped r-[-x][^)]*\\), on write")
set(RX_PROT_EXEC "permission fault \\(mapped r[-w]-[^)]*\\), on execute")
set(RX_EXEC_EXCEPTION "instruction page fault")
