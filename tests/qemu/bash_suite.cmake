# A quick subset of bash's own test suite (tests/bash/subset.txt: run-*
# scripts of Debian's bash 5.2.15 source, each a few seconds under TCG),
# run with Debian's bash-static in the kernel from an ext2 disk and on Linux
# (natively, or the arm64 bash under qemu-aarch64-static): each test's class
# (PASS, FAIL, HUNG) must be Linux's. Where Debian has a bash-static
# (x86_64, aarch64; Debian 12 has no riscv64 archive), as scripts/deps check
# unpacks it; skipped, and says why, without .deps/bash-src/. The whole suite
# is scripts/bash-suite.
set(bash_static ${PROJECT_SOURCE_DIR}/.deps/bash-${ARCH_DEBIAN}/bin/bash-static)
if(NOT EXISTS ${bash_static})
  message(STATUS "bash_subset: no ${bash_static} (scripts/deps check fetches it where Debian has one)")
else()
  add_test(NAME ${KERNEL_ARCH}.bash_subset COMMAND ${PROJECT_SOURCE_DIR}/tests/bash/bash_suite.py
    --arch ${KERNEL_ARCH} --image ${IMG} --tests ${PROJECT_SOURCE_DIR}/tests/bash/subset.txt
    --out ${CMAKE_BINARY_DIR}/bash-subset -q)
  set_tests_properties(${KERNEL_ARCH}.bash_subset PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)
endif()
