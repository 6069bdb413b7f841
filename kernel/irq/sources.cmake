# Sources of kernel/irq, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  kernel/irq/irq.c
  kernel/irq/msi.c
  kernel/irq/irq_cmds.c
)
