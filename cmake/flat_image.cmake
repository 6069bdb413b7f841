# kernel.elf to kernel.bin, the flat image an arch's boot protocol loads at
# its load address (aarch64's and riscv64's Image headers are its first bytes).
# Rules that turn kernel.elf into what QEMU boots (included from the top level,
# because custom-command outputs are only visible in the directory that defines them).
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/kernel.bin
  COMMAND llvm-objcopy -O binary kernel.elf kernel.bin
  DEPENDS kernel.elf WORKING_DIRECTORY ${CMAKE_BINARY_DIR} VERBATIM)
