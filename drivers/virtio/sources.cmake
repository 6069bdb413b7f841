# Sources of drivers/virtio, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  drivers/virtio/virtio.c
  drivers/virtio/virtq.c
  drivers/virtio/virtio_mmio.c
  drivers/virtio/virtio_pci.c
)
