# A quick subset of bash's own test suite (tests/bash/subset.txt: run-*
# scripts of Debian's bash 5.2.15 source, each a few seconds under TCG),
# run with Debian's bash-static in the kernel from an ext2 disk and on Linux
# (natively, or the foreign bash under qemu-<arch>-static): each test's class
# (PASS, FAIL, HUNG) must be Linux's. Where Debian 12 has an archive for the
# arch (ARCH_DEBIAN_ROOT: x86_64, aarch64) Debian's own bash-static, as
# scripts/deps check unpacks it; elsewhere (riscv64) the same source built
# here as Debian builds bash-static, with the arch's cross gcc and glibc
# (tests/bash/build-bash-static: target bash_static, made by the test's
# fixture, so only a run of the bash tests builds it, once). Skipped, and
# says why, without .deps/bash-src/. The whole suite is scripts/bash-suite.
set(bash_src "")
file(GLOB bash_srcs ${PROJECT_SOURCE_DIR}/.deps/bash-src/bash-*/configure)
if(bash_srcs)
  list(GET bash_srcs -1 bash_src)
  get_filename_component(bash_src ${bash_src} DIRECTORY)
endif()
set(bash_fixture "")
if(NOT ARCH_DEBIAN_ROOT)
  set(bash_static ${CMAKE_BINARY_DIR}/bash-static/bash)
  if(bash_src)
    add_custom_command(OUTPUT ${bash_static}
      COMMAND ${PROJECT_SOURCE_DIR}/tests/bash/build-bash-static ${KERNEL_ARCH}-linux-gnu ${bash_src}
        ${CMAKE_BINARY_DIR}/bash-static/build ${bash_static}
      DEPENDS ${PROJECT_SOURCE_DIR}/tests/bash/build-bash-static
      COMMENT "bash-static for ${KERNEL_ARCH} from Debian's source (configure and make)" VERBATIM)
    add_custom_target(bash_static DEPENDS ${bash_static})
    add_test(NAME ${KERNEL_ARCH}.bash_static COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR}
      --target bash_static)
    set_tests_properties(${KERNEL_ARCH}.bash_static PROPERTIES TIMEOUT 900 FIXTURES_SETUP bash_static)
    set(bash_fixture bash_static)
  endif()
else()
  set(bash_static ${PROJECT_SOURCE_DIR}/.deps/bash-${ARCH_DEBIAN}/bin/bash-static)
endif()
if(NOT bash_fixture AND NOT EXISTS ${bash_static})
  message(STATUS "bash_subset: no ${bash_static} (scripts/deps check fetches it, or the source for riscv64's)")
else()
  add_test(NAME ${KERNEL_ARCH}.bash_subset COMMAND ${PROJECT_SOURCE_DIR}/tests/bash/bash_suite.py
    --arch ${KERNEL_ARCH} --image ${IMG} --bash ${bash_static}
    --tests ${PROJECT_SOURCE_DIR}/tests/bash/subset.txt --out ${CMAKE_BINARY_DIR}/bash-subset -q)
  set_tests_properties(${KERNEL_ARCH}.bash_subset PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77
    FIXTURES_REQUIRED "${bash_fixture}")
endif()
