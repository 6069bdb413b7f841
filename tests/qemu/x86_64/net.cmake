# x86_64's part "net" of tests/qemu/net.cmake (arch_part()). net_pci runs
# on q35 with MSI-X; here the pc machine (a transitional device on its root
# bus, 1af4:1000) and INTx (vectors=0) through the I/O APIC.
net_test(pc ENV MACHINE=pc QEMU -device virtio-net-pci,netdev=n0,romfile=
  EXPECT "^00:[0-9a-f]{2}\\.0 1af4:1000 class 020000 virtio-pci irq msix")
net_test(pc_intx ENV MACHINE=pc QEMU -device virtio-net-pci,netdev=n0,romfile=,vectors=0
  EXPECT "^00:[0-9a-f]{2}\\.0 1af4:1000 class 020000 virtio-pci irq intx ")
