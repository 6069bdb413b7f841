# riscv64's part "blk" of tests/qemu/blk.cmake (arch_part()).
# Without AIA the PCI disk interrupts through INTx on the PLIC (the DT's
# interrupt-map); virtio-mmio slots are the PLIC's sources 1-8.
blk_test(mmio --scenario crc --bus mmio)
blk_test(mmio_two --scenario two --bus mmio)
# QEMU 7.2's default virtio-mmio is the legacy version 1.
blk_test(mmio_legacy --scenario crc --bus mmio-legacy)
# With AIA the PCI disk has MSI-X through the IMSIC: a vector per queue,
# each routed to its CPU.
blk_test(mq_aia --scenario mq --env SMP=2 --env MACHINE=virt,aia=aplic-imsic)
blk_test(aia_crc --scenario crc --env MACHINE=virt,aia=aplic-imsic)
