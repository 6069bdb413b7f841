# x86_64's part "blk" of tests/qemu/blk.cmake (arch_part()).
blk_test(intx --scenario crc --devopt vectors=0)
blk_test(pc --scenario crc --env MACHINE=pc)
blk_test(pc_intx --scenario two --env MACHINE=pc --devopt vectors=0)
# Tables written by sfdisk and sgdisk rather than by the test's own
# writers; the parser is portable code, so one arch runs it.
blk_test(parts_tools --scenario parts --tools)
