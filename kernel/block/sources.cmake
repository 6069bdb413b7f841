# Sources of kernel/block, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  kernel/block/block.c
  kernel/block/partition.c
  kernel/block/blk_cmds.c
  kernel/block/block_tests.c
)
