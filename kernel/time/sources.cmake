# Sources of kernel/time, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  kernel/time/ktimer.c
  kernel/time/clock.c
  kernel/time/clock_cmds.c
)
