# Host unit tests of the virtio code (included by CMakeLists.txt).
