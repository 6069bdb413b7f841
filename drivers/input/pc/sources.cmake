# Sources of drivers/input/pc: the PC's keyboard controller (x86_64 lists
# this part in its ARCH_DRIVER_PARTS: no other machine here has one).
list(APPEND CORE_SOURCES
  drivers/input/pc/i8042.c
)
