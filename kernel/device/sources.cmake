# Sources of kernel/device, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  kernel/device/driver.c
  kernel/device/dma.c
  kernel/device/compatible.c
  kernel/device/fdt_bus.c
  kernel/device/driver_cmds.c
)
