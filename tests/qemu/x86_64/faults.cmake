# x86_64's part "faults" of tests/qemu/CMakeLists.txt (arch_part()).
# The register that holds a faulting address, as the fault report names it.
set(FAULT_REG "CR2")
set(FAULT_ADDR "CR2 0*\\1")
set(RX_UNMAPPED_WRITE "page not present on write, kernel mode")
set(RX_PROT_WRITE "protection violation on write, kernel mode")
set(RX_PROT_EXEC "protection violation on instruction fetch, kernel mode")
set(RX_EXEC_EXCEPTION "#PF page fault")
