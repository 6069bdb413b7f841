# Sources of drivers/input: keys as a terminal's bytes (keymap.c), and the
# virtio keyboard, on every arch. The PC's keyboard controller is x86_64's
# own part (drivers/input/pc).
list(APPEND CORE_SOURCES
  drivers/input/keymap.c
  drivers/input/virtio_input.c
)
