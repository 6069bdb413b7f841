# x86_64's part "faults" of tests/qemu/CMakeLists.txt (arch_part()).
set(FAULT_ADDR "CR2 0*\\1")
set(RX_UNMAPPED_WRITE "page not present on write, kernel mode")
set(RX_PROT_WRITE "protection violation on write, kernel mode")
set(RX_PROT_EXEC "protection violation on instruction fetch, kernel mode")
set(RX_EXEC_EXCEPTION "#PF page fault")
