# Sources of kernel/lib, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  kernel/lib/format.c
  kernel/lib/string.c
  kernel/lib/crc32.c
  kernel/lib/avltree.c
  kernel/lib/calendar.c
  kernel/lib/kprintf.c
  kernel/lib/logbuf.c
  kernel/lib/bootprof.c
  kernel/lib/errno.c
  kernel/lib/fdt.c
  kernel/lib/spinlock.c
  kernel/lib/percpu.c
  kernel/lib/pause.c
  kernel/lib/lockdep.c
  kernel/lib/lockdep_tests.c
  kernel/lib/arch_defaults.c
)
