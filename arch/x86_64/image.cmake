# Rules that turn kernel.elf into what QEMU boots (included from the top level,
# because custom-command outputs are only visible in the directory that defines them).
# Three ISOs: kernel.iso boots to the shell; kernel-ktest.iso passes `ktest verbose`
# (a test run's log in full on the console); kernel-init.iso runs busybox's
# shell as pid 1 (`init=/bin/sh -- -i`, docs/user-mode.md). GRUB's menu is
# the only way to a command line here, so each is an ISO of its own.
foreach(flavour IN ITEMS kernel kernel-ktest kernel-init)
  if(flavour STREQUAL "kernel")
    set(args "")
  elseif(flavour STREQUAL "kernel-init")
    set(args "init=\\/bin\\/sh -- -i")
  else()
    set(args "ktest verbose")
  endif()
  set(dir ${CMAKE_BINARY_DIR}/iso-${flavour})
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/${flavour}.iso
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}/boot/grub
    COMMAND ${CMAKE_COMMAND} -E copy kernel.elf ${dir}/boot/kernel.elf
    COMMAND ${CMAKE_COMMAND} -E copy ${INITRD} ${dir}/boot/initrd.cpio
    COMMAND sed "s/@ARGS@/${args}/" ${PROJECT_SOURCE_DIR}/boot/grub.cfg.in > ${dir}/boot/grub/grub.cfg
    COMMAND grub-mkrescue -o ${flavour}.iso ${dir} 2> ${flavour}-mkrescue.log
    DEPENDS kernel.elf ${INITRD} ${PROJECT_SOURCE_DIR}/boot/grub.cfg.in
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR} VERBATIM)
endforeach()
add_custom_target(ktest_iso ALL DEPENDS ${CMAKE_BINARY_DIR}/kernel-ktest.iso ${CMAKE_BINARY_DIR}/kernel-init.iso)
