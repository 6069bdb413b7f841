# aarch64's part "blk" of tests/qemu/blk.cmake (arch_part()).
blk_test(gicv2m --scenario crc --env GIC=2)
blk_test(intx --scenario crc --env MACHINE=virt,gic-version=3,its=off)
blk_test(mmio --scenario crc --bus mmio)
blk_test(mmio_two --scenario two --bus mmio)
# QEMU 7.2's default virtio-mmio is the legacy version 1: the same tests
# through its registers (QueuePFN, GuestPageSize, 32 feature bits).
blk_test(mmio_legacy --scenario crc --bus mmio-legacy)
blk_test(mmio_legacy_two --scenario two --bus mmio-legacy)
# Every ktest with a disk, booted as an EFI application under AAVMF
# (tests/qemu/aarch64/machines.cmake says how): the disk's virtio-pci BARs
# are the firmware's.
add_test(NAME ${KERNEL_ARCH}.uefi_ktest COMMAND ${BT} --arch ${KERNEL_ARCH} --image ${KTEST_IMG}
  ${KTEST_ARGS} --env UEFI=1 --scenario ktest --timeout 110)
set_tests_properties(${KERNEL_ARCH}.uefi_ktest PROPERTIES TIMEOUT 120)
# The same from ACPI alone, no device tree (machines.cmake's uefi_acpi_only
# says how): every ktest on two CPUs with the ITS, and the disk tests with
# the ITS and with a GICv2's v2m frame; the disks' BARs are the firmware's,
# their interrupts MSI-X.
add_test(NAME ${KERNEL_ARCH}.uefi_acpi_ktest COMMAND ${BT} --arch ${KERNEL_ARCH} --image ${KTEST_IMG}
  ${KTEST_ARGS} --env UEFI=1 --env ACPI=1 --env SMP=2 --scenario ktest --timeout 110)
set_tests_properties(${KERNEL_ARCH}.uefi_acpi_ktest PROPERTIES TIMEOUT 120)
blk_test(uefi_acpi_crc --scenario crc --env UEFI=1 --env ACPI=1)
blk_test(uefi_acpi_gicv2 --scenario two --env UEFI=1 --env ACPI=1 --env GIC=2)
