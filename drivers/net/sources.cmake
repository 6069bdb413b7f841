# Sources of drivers/net, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  drivers/net/virtio_net.c
  drivers/net/virtio_net_tests.c
)
