# Sources of drivers/serial, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  drivers/serial/pl011.c
  drivers/serial/ns16550.c
)
