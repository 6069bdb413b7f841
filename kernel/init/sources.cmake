# Sources of kernel/init, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  kernel/init/main.c
  kernel/init/pid1.c
  kernel/init/boot_cmds.c
)
