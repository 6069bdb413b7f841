# Debian 12's busybox-static, unmodified, for the arch (ARCH_DEBIAN, set by
# arch/<arch>/CMakeLists.txt: amd64, arm64, riscv64), as scripts/deps unpacks
# it, or for riscv64, which Debian 12 has no archive for, builds it from
# Debian's source package with that package's static config:
# .deps/busybox-<debian arch>/bin/busybox. In the initrd as bin/busybox;
# BUSYBOX is its path, or empty (then its tests say they are skipped, and why).
set(BUSYBOX "")
set(BUSYBOX_MISSING "no Debian arch for ${KERNEL_ARCH}: its user mode is tested with tests/programs/")
if(ARCH_DEBIAN)
  set(bb ${PROJECT_SOURCE_DIR}/.deps/busybox-${ARCH_DEBIAN}/bin/busybox)
  if(EXISTS ${bb})
    set(BUSYBOX ${bb})
    set_property(GLOBAL APPEND PROPERTY INITRD_FILES "bin/busybox=${bb}")
    # Its applets as links in /bin (busybox runs the one its argv[0] names;
    # the list is `busybox --list` of Debian 12's build, the same for every arch).
    set_property(GLOBAL APPEND PROPERTY INITRD_FILES "bin/*->busybox@${PROJECT_SOURCE_DIR}/initrd/busybox-applets.txt")
    set_property(GLOBAL APPEND PROPERTY INITRD_DEPENDS ${PROJECT_SOURCE_DIR}/initrd/busybox-applets.txt)
  else()
    set(BUSYBOX_MISSING "no ${bb}: scripts/deps check fetches it")
    message(STATUS "busybox: ${BUSYBOX_MISSING}")
  endif()
endif()
