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
target_compile_definitions(test_bpf_elf PRIVATE BPF_OBJ_DIR="${CMAKE_BINARY_DIR}/bpf")
# The x86_64 JIT against the interpreter: hand-written corners, the corpus,
# random programs (only where the JIT's code can run).
if(BPF_HOST_X86_JIT)
  host_test(test_bpf_jit test_bpf_jit.c ${BPF_HOST_SOURCES})
endif()
