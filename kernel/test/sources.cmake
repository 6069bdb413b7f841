# Sources of kernel/test, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  kernel/test/ktest.c
  kernel/test/lib_tests.c
  kernel/test/platform_tests.c
  kernel/test/hal_tests.c
  kernel/test/vm_tests.c
  kernel/test/mm_tests.c
  kernel/test/cache_tests.c
  kernel/test/dma_tests.c
  kernel/test/bench.c
  kernel/test/sched_tests.c
  kernel/test/smp_heap_tests.c
  kernel/test/smp_sched_tests.c
  kernel/test/sched_bench.c
  kernel/test/test_cmds.c
  kernel/test/irq_tests.c
  kernel/test/time_tests.c
  kernel/test/user_tests.c
  kernel/test/vfs_tests.c
  kernel/test/net_tests.c
)
