# aarch64's part "net" of tests/qemu/net.cmake (arch_part()).
# virtio-mmio, modern (version 2) and QEMU 7.2's default legacy version 1;
# the legacy one without mergeable buffers has the 10-byte header.
net_test(mmio QEMU -global virtio-mmio.force-legacy=false -device virtio-net-device,netdev=n0
  EXPECT "^  virtio_mmio@[0-9a-f]+ +virtio-mmio ")
net_test(mmio_legacy PLAIN QEMU -device virtio-net-device,netdev=n0,mrg_rxbuf=off)
# PCI with INTx (no ITS, no GICv2m).
net_test(pci_intx ENV MACHINE=virt,gic-version=3,its=off QEMU -device virtio-net-pci,netdev=n0,romfile=)
