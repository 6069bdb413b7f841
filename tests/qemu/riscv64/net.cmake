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
# Ours has no packet socket to flood from, so the flood comes from the host:
# unettool built for x86_64 (as the x86_64 preset builds it) writes its
# frames into a third socket netdev on a hub with ours' card. Only an
# x86_64 host runs it; elsewhere net_pair stops, saying it has no host
# unettool.
if(CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  include(${PROJECT_SOURCE_DIR}/cmake/user_prog_flags.cmake)
  set(host_unettool ${CMAKE_BINARY_DIR}/host_programs/unettool)
  set(tp ${PROJECT_SOURCE_DIR}/tests/programs)
  add_custom_command(OUTPUT ${host_unettool}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/host_programs
    COMMAND ${CMAKE_C_COMPILER} --target=x86_64-none-elf -I${tp} -I${tp}/arch/x86_64 ${USER_PROG_FLAGS}
      ${tp}/unettool.c -o ${host_unettool}
    DEPENDS ${tp}/unettool.c ${tp}/usys.h ${tp}/umem.h ${tp}/arch/x86_64/usys_arch.h
    COMMENT "test program tests/programs/unettool.c -> host_programs/unettool (x86_64, for the host)" VERBATIM)
  add_custom_target(host_unettool ALL DEPENDS ${host_unettool})
  set(NET_PAIR_ARGS --host-tool ${host_unettool})
endif()
