# Sources of kernel/jit (code memory), appended to the kernel's portable core.
list(APPEND CORE_SOURCES
  kernel/jit/jit.c
  kernel/jit/jit_tests.c
)
