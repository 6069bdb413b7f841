# The busybox suite (tests/qemu/busybox_suite.py): every shell script of
# tests/busybox/cases, run in the kernel as `run /bin/busybox sh
# /tests/busybox/cases/NN-name.sh`, must print what the same busybox binary
# prints running it on the host, and end with the same exit code. One boot for
# all cases (a case that hangs or panics costs a reboot, not the rest). The
# initrd carries the scripts through cmake/busybox_suite_files.cmake, which
# CMakeLists.txt includes before cmake/initrd.cmake. Skipped, and says why,
# without busybox (scripts/deps check has not fetched or built it) or, for a busybox of another
# machine than the host's, without qemu-user (busybox_suite.py exits 77).
if(BUSYBOX AND NOT BUSYBOX_SUITE_IN_INITRD)
  add_test(NAME ${KERNEL_ARCH}.busybox_suite COMMAND python3 -c
    "import sys; sys.exit('busybox_suite: the cases are not in the initrd: CMakeLists.txt must include cmake/busybox_suite_files.cmake after cmake/busybox.cmake and before cmake/initrd.cmake')")
elseif(BUSYBOX)
  add_test(NAME ${KERNEL_ARCH}.busybox_suite COMMAND ${CMAKE_CURRENT_LIST_DIR}/busybox_suite.py
    --arch ${KERNEL_ARCH} --image ${IMG} --busybox ${BUSYBOX}
    --cases ${PROJECT_SOURCE_DIR}/tests/busybox/cases --case-timeout 120
    --reference-cache ${CMAKE_BINARY_DIR}/busybox-suite-reference)
  # Under TCG: a few minutes of host reference at most (qemu-user; kept in the build
  # tree for the next runs while its inputs stay the same), one boot, the cases.
  set_tests_properties(${KERNEL_ARCH}.busybox_suite PROPERTIES TIMEOUT 2400 SKIP_RETURN_CODE 77)
else()
  add_test(NAME ${KERNEL_ARCH}.busybox_suite COMMAND ${CMAKE_COMMAND} -E echo "skipped: ${BUSYBOX_MISSING}")
  set_tests_properties(${KERNEL_ARCH}.busybox_suite PROPERTIES SKIP_REGULAR_EXPRESSION "skipped:")
endif()
