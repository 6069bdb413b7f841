# Host unit tests of the block layer (included by CMakeLists.txt).
# The MBR/GPT parser on built images, damaged tables and random bytes.
host_test(test_partition test_partition.c ${PROJECT_SOURCE_DIR}/kernel/block/partition.c
  ${PROJECT_SOURCE_DIR}/kernel/lib/crc32.c ${PROJECT_SOURCE_DIR}/kernel/lib/format.c
  ${PROJECT_SOURCE_DIR}/kernel/lib/errno.c)
