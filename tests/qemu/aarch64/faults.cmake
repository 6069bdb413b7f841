# aarch64's part "faults" of tests/qemu/CMakeLists.txt (arch_part()).
# The register that holds a faulting address, as the fault report names it.
set(FAULT_REG "FAR_EL1")
set(FAULT_ADDR "FAR_EL1 0*\\1")
set(RX_UNMAPPED_WRITE "translation fault, level [0-3], on write")
set(RX_PROT_WRITE "permission fault, level 3, on write")
set(RX_PROT_EXEC "permission fault, level [23]$")
set(RX_EXEC_EXCEPTION "instruction abort")
