# Sources of kernel/debug, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  kernel/debug/panic.c
  kernel/debug/ksyms.c
  kernel/debug/fault_cmds.c
)
