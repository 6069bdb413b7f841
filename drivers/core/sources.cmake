# Sources of drivers/core, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  drivers/core/driver.c
  drivers/core/compatible.c
  drivers/core/fdt_bus.c
  drivers/core/driver_cmds.c
)
