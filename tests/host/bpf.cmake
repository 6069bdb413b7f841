# Host unit tests of the eBPF core (included by CMakeLists.txt): the
# verifier, the interpreter, maps and, on an x86_64 build machine, the
# x86_64 JIT in mmap()ed code memory (arch/host/host_jit.c), all under
# ASan+UBSan. The kernel heap runs over the host page backend.
include(${PROJECT_SOURCE_DIR}/kernel/bpf/sources.cmake)
set(BPF_HOST_SOURCES)
foreach(f ${BPF_CORE_SOURCES})
  list(APPEND BPF_HOST_SOURCES ${PROJECT_SOURCE_DIR}/${f})
endforeach()
list(APPEND BPF_HOST_SOURCES ${KMALLOC_HOST_SOURCES} ${PROJECT_SOURCE_DIR}/kernel/lib/format.c
  ${PROJECT_SOURCE_DIR}/kernel/lib/errno.c ${PROJECT_SOURCE_DIR}/arch/host/host_jit.c
  ${PROJECT_SOURCE_DIR}/arch/host/host_time.c)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  list(APPEND BPF_HOST_SOURCES ${PROJECT_SOURCE_DIR}/arch/x86_64/bpf_jit.c)
  set(BPF_HOST_X86_JIT 1)
else()
  list(APPEND BPF_HOST_SOURCES ${PROJECT_SOURCE_DIR}/arch/host/host_nojit.c)
endif()
host_test(test_bpf_core test_bpf_core.c ${BPF_HOST_SOURCES})
host_test(test_bpf_verifier test_bpf_verifier.c ${BPF_HOST_SOURCES})
# The ELF loader on the initrd's eBPF objects (built here by clang-19 too).
include(${PROJECT_SOURCE_DIR}/cmake/bpf_progs.cmake)
add_custom_target(host_bpf_objs DEPENDS ${CMAKE_BINARY_DIR}/bpf/sum.o ${CMAKE_BINARY_DIR}/bpf/blk_latency.o
  ${CMAKE_BINARY_DIR}/bpf/sched_count.o)
host_test(test_bpf_elf test_bpf_elf.c ${BPF_HOST_SOURCES})
add_dependencies(test_bpf_elf host_bpf_objs)
target_link_options(test_bpf_elf PRIVATE ${FAIL_INJECT_LINK_FLAGS})
target_compile_definitions(test_bpf_elf PRIVATE BPF_OBJ_DIR="${CMAKE_BINARY_DIR}/bpf")
# The x86_64 JIT against the interpreter: hand-written corners, the corpus,
# random programs (only where the JIT's code can run).
if(BPF_HOST_X86_JIT)
  host_test(test_bpf_jit test_bpf_jit.c ${BPF_HOST_SOURCES})
endif()
# Our engines against DPDK's BPF library on the same programs (Debian
# dpdk-dev): optimized, no sanitizers, fails only on a wrong result.
# scripts/bench-bpf runs it. Built only where DPDK and our x86_64 JIT are.
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(DPDK QUIET libdpdk)
endif()
find_library(RTE_BPF_LIB rte_bpf)
if(BPF_HOST_X86_JIT AND DPDK_FOUND AND RTE_BPF_LIB)
  add_executable(bench_bpf bench_bpf.c bench_bpf_dpdk.c ${BPF_HOST_SOURCES})
  target_include_directories(bench_bpf PRIVATE ${PROJECT_SOURCE_DIR}/kernel/include
    ${PROJECT_SOURCE_DIR}/hal/include ${PROJECT_SOURCE_DIR}/arch/host/include)
  target_compile_options(bench_bpf PRIVATE -O2 -g -Wall -Wextra -Werror -std=gnu11)
  # DPDK's headers and flags only where they are used
  set_source_files_properties(bench_bpf_dpdk.c PROPERTIES COMPILE_OPTIONS "${DPDK_CFLAGS}")
  target_link_libraries(bench_bpf PRIVATE ${RTE_BPF_LIB} m)
  add_test(NAME bench_bpf COMMAND bench_bpf)
else()
  message(STATUS "bench_bpf: not built (needs an x86_64 host and DPDK: apt-get install dpdk-dev)")
endif()
