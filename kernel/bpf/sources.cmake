# Sources of kernel/bpf, appended to the kernel's portable core (CMakeLists.txt).
# BPF_CORE_SOURCES is what also builds in the host preset (tests/host/bpf.cmake).
set(BPF_CORE_SOURCES
  kernel/bpf/interp.c
  kernel/bpf/verifier.c
  kernel/bpf/map.c
  kernel/bpf/helpers.c
  kernel/bpf/prog.c
  kernel/bpf/jit_common.c
  kernel/bpf/elf.c
  kernel/bpf/corpus_conformance.c
  kernel/bpf/corpus_reject.c
  kernel/bpf/corpus_taint.c
)
# Kernel only: ktests, shell commands, hooks.
set(BPF_KERNEL_SOURCES
  kernel/bpf/bpf_tests.c
  kernel/bpf/bpf_cmds.c
  kernel/bpf/hooks.c
  kernel/bpf/jit_none.c
  kernel/bpf/bpf_bench.c
)
list(APPEND CORE_SOURCES ${BPF_CORE_SOURCES} ${BPF_KERNEL_SOURCES})
