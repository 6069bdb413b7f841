# Sources of drivers/virtio, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
)
