# riscv64's part "net" of tests/qemu/net.cmake (arch_part()). Without AIA
# the PCI device of net_pci interrupts through INTx on the PLIC; with AIA
# it has MSI-X through the IMSIC.
net_test(pci_aia ENV MACHINE=virt,aia=aplic-imsic QEMU -device virtio-net-pci,netdev=n0,romfile=)
# virtio-mmio, modern (version 2) and QEMU 7.2's default legacy version 1;
# the legacy one without mergeable buffers has the 10-byte header.
net_test(mmio QEMU -global virtio-mmio.force-legacy=false -device virtio-net-device,netdev=n0
  EXPECT "^  virtio_mmio@[0-9a-f]+ +virtio-mmio ")
net_test(mmio_legacy PLAIN QEMU -device virtio-net-device,netdev=n0,mrg_rxbuf=off)
# net_pair: Debian 12 has no riscv64 kernel to judge our TCP with, so two of
# ours meet on the socket network.
set(NET_PEER ours)
