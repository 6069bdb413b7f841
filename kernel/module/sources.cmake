# Sources of kernel/module, appended to the kernel's portable core. module.c
# also builds in the host preset (tests/host/module.cmake).
list(APPEND CORE_SOURCES
  kernel/module/module.c
  kernel/module/kexport.c
  kernel/module/module_cmds.c
  kernel/module/module_tests.c
)
