# The shell scripts of the busybox suite (tests/busybox/cases/NN-name.sh, run by
# tests/qemu/busybox_suite.py) in the initrd as tests/busybox/cases/NN-name.sh,
# wherever busybox is (BUSYBOX, from cmake/busybox.cmake, included before this
# file). Included from CMakeLists.txt between cmake/busybox.cmake and
# cmake/initrd.cmake: initrd.cmake reads INITRD_FILES when it is included, so a
# registration from tests/qemu (added later) would come too late.
set(BUSYBOX_SUITE_CASES_DIR ${PROJECT_SOURCE_DIR}/tests/busybox/cases)
set(BUSYBOX_SUITE_IN_INITRD 0)
if(BUSYBOX)
  # CONFIGURE_DEPENDS: a new case file re-runs the configure step, so it is packed too.
  file(GLOB bb_suite_cases CONFIGURE_DEPENDS ${BUSYBOX_SUITE_CASES_DIR}/*.sh)
  foreach(f ${bb_suite_cases})
    get_filename_component(n ${f} NAME)
    set_property(GLOBAL APPEND PROPERTY INITRD_FILES "tests/busybox/cases/${n}=${f}")
  endforeach()
  set(BUSYBOX_SUITE_IN_INITRD 1)
endif()
