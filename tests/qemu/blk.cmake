# QEMU tests of the blk code (included by CMakeLists.txt).
