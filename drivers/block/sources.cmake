# Sources of drivers/block, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  drivers/block/virtio_blk.c
  drivers/block/virtio_blk_tests.c
)
