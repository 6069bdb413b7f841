# The Open POSIX test suite's fast subset (tests/posix/subset.txt: a few dozen
# quick tests of what the kernel claims: signals, fork and wait, file I/O,
# mmap, threads, clocks), built static for this arch from Debian's source in
# .deps/posixtestsuite/ and run in the kernel from an ext2 disk: each test's
# result must be the one the same binary gives on Linux, run in the same test
# (natively, or under qemu-user), but the known differences of
# tests/posix/known-differences.txt, which must still differ. Skipped, and
# says why, without the suite's source or qemu-user (posix_suite.py exits 77).
# The whole suite is scripts/posix-suite.
add_test(NAME ${KERNEL_ARCH}.posix_subset COMMAND ${PROJECT_SOURCE_DIR}/tests/posix/posix_suite.py
  --arch ${KERNEL_ARCH} --image ${IMG} --tests ${PROJECT_SOURCE_DIR}/tests/posix/subset.txt
  --known ${PROJECT_SOURCE_DIR}/tests/posix/known-differences.txt --out ${CMAKE_BINARY_DIR}/posix-subset
  --timeout 20 -q)
# Under TCG: the build (seconds once built), Linux's runs, one boot.
set_tests_properties(${KERNEL_ARCH}.posix_subset PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)
