# Disk tests (tests/qemu/blk_test.py): images built by the test, read,
# written and checked against the host's own reading of them, for each way
# a disk reaches the kernel: virtio-blk-pci with MSI-X (ITS, GICv2m, the
# local APIC), with INTx (its=off, vectors=0), behind a pcie-root-port
# (modern-only), virtio-mmio; read-only, two disks, partitions, a disk with
# more partitions than are kept, 4 queues, and no disk at all.
set(BT ${CMAKE_CURRENT_SOURCE_DIR}/blk_test.py)
function(blk_test name)
  add_test(NAME ${KERNEL_ARCH}.blk_${name} COMMAND ${BT} --arch ${KERNEL_ARCH} --image ${IMG} ${ARGN})
  set_tests_properties(${KERNEL_ARCH}.blk_${name} PROPERTIES TIMEOUT 120)
endfunction()

blk_test(crc --scenario crc)
blk_test(readonly --scenario readonly)
blk_test(two --scenario two)
blk_test(parts --scenario parts)
# Issue 23: a GPT of 200 partitions beside a second disk, which must still
# register and work; one summary line for what the first disk skipped.
blk_test(manyparts --scenario manyparts)
if(HAS_MSI) # a vector per queue
  blk_test(mq --scenario mq --env SMP=2)
endif()
blk_test(nodisk --scenario nodisk)
blk_test(rootport --scenario two --bus rootport)
arch_part(blk)
# The host half of the disk tests (images, CRCs, our table writers against
# sfdisk's reading of them), no QEMU: a few seconds.
add_test(NAME ${KERNEL_ARCH}.blk_selftest COMMAND ${BT} --selftest)
set_tests_properties(${KERNEL_ARCH}.blk_selftest PROPERTIES TIMEOUT 60)
blk_test(tiny --scenario tiny)
# A legacy-only (pre-1.0) device is reported and left alone, and the kernel
# carries on: no disk, a clean power-off.
qemu_test(blk_legacy --image ${IMG} --send lsblk --send "poweroff 7"
  --expect "legacy-only device.. left alone" --expect "^0 block devices$"
  --reject "PANIC" --status ${EXIT7}
  -- -drive if=none,id=d0,file=/dev/null,format=raw,readonly=on
     -device virtio-blk-pci,drive=d0,disable-modern=on,disable-legacy=off)
# x86_64's q35 and pc machines have no virtio-mmio, so the legacy MMIO
# transport is tested on aarch64 only (blk_mmio_legacy above).
# The in-kernel tests with a disk attached, so those that need one run.
add_test(NAME ${KERNEL_ARCH}.blk_ktest COMMAND ${BT} --arch ${KERNEL_ARCH} --image ${KTEST_IMG}
  ${KTEST_ARGS} --scenario ktest --timeout 110)
set_tests_properties(${KERNEL_ARCH}.blk_ktest PROPERTIES TIMEOUT 120)
