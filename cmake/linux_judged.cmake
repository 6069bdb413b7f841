# The test programs judged by Linux: every check of each encodes Linux's
# answer, so besides running in our kernel (tests/qemu/user.cmake) each runs
# on the build host's Linux and must print "<name>: 0 failed" there too
# (tests/linux_judged.py; docs/testing.md, "Judged by Linux"). A check that
# only makes sense in our kernel is guarded by usys.h's uskip_on_linux(),
# one where qemu-user answers otherwise by uskip_on_qemu_user().
# One program a line:
set(LINUX_JUDGED_PROGRAMS
  ucred
  uepoll
  ufiles
  ufsmore
  uinet
  uinet6
  unetlink
  ulimits
  ulocks
  umq
  ushm
  uproc2
  usched
  usigq
  usysv
  utimers
  uunix
  uvdso
  uvm
)
# Of those, the ones judged only where they run natively (the host preset,
# and the preset of the host's own arch): qemu-user answers otherwise than
# Linux in too many of their checks (uproc2: clone(CLONE_VM) processes and
# waitid; usigq: signalfd4's mask size, and on riscv64 the order queued
# signals come in; utimers: si_timerid, and qemu-user crashes), so their
# foreign builds say they are skipped, and why.
set(LINUX_JUDGED_NATIVE_ONLY
  uproc2
  usigq
  utimers
)

# The tests: in an arch preset, <arch>.linux_<name> runs the arch's own
# build (programs/<name>) natively on a host of that arch, else under
# qemu-user (skipped, saying why, without it); in the host preset,
# linux_<name> builds the program for x86_64 and runs it natively (on an
# x86_64 host only).
set(LINUX_JUDGED ${PROJECT_SOURCE_DIR}/tests/linux_judged.py)
if(KERNEL_ARCH STREQUAL "host")
  if(CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    include(${CMAKE_CURRENT_LIST_DIR}/user_prog_flags.cmake)
    set(judged_src ${PROJECT_SOURCE_DIR}/tests/programs)
    file(GLOB judged_hdrs CONFIGURE_DEPENDS ${judged_src}/*.h ${judged_src}/arch/x86_64/*.h)
    set(judged_elfs)
    foreach(p ${LINUX_JUDGED_PROGRAMS})
      set(elf ${CMAKE_BINARY_DIR}/linux_judged/${p})
      add_custom_command(OUTPUT ${elf}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/linux_judged
        COMMAND ${CMAKE_C_COMPILER} --target=x86_64-none-elf -I${judged_src} -I${judged_src}/arch/x86_64
          ${USER_PROG_FLAGS} ${judged_src}/${p}.c -o ${elf}
        DEPENDS ${judged_src}/${p}.c ${judged_hdrs}
        COMMENT "test program tests/programs/${p}.c -> linux_judged/${p} (x86_64, for the host's Linux)" VERBATIM)
      list(APPEND judged_elfs ${elf})
      add_test(NAME linux_${p} COMMAND python3 ${LINUX_JUDGED} --arch x86_64 --program ${elf})
      set_tests_properties(linux_${p} PROPERTIES TIMEOUT 180 SKIP_RETURN_CODE 77)
    endforeach()
    add_custom_target(linux_judged_progs ALL DEPENDS ${judged_elfs})
  endif()
else()
  foreach(p ${LINUX_JUDGED_PROGRAMS})
    if(NOT EXISTS ${PROJECT_SOURCE_DIR}/tests/programs/${p}.c)
      message(FATAL_ERROR "cmake/linux_judged.cmake names ${p}, but tests/programs/${p}.c is missing")
    endif()
    set(native_only)
    if(p IN_LIST LINUX_JUDGED_NATIVE_ONLY)
      set(native_only --native-only)
    endif()
    add_test(NAME ${KERNEL_ARCH}.linux_${p} COMMAND python3 ${LINUX_JUDGED} --arch ${KERNEL_ARCH}
      --program ${programs_dir}/${p} ${native_only})
    set_tests_properties(${KERNEL_ARCH}.linux_${p} PROPERTIES TIMEOUT 180 SKIP_RETURN_CODE 77)
  endforeach()
endif()
