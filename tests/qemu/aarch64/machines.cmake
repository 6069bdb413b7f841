# aarch64's part "machines" of tests/qemu/CMakeLists.txt (arch_part()).
# Every ktest on each CPU model; cortex-a72, scripts/qemu's default, is the
# `ktest` test's.
foreach(cpu cortex-a53 cortex-a57 max)
  qemu_test(ktest_${cpu} --image ${IMG} --env APPEND=ktest --env CPU=${cpu}
    --expect ${KTEST_OK} --status 0)
endforeach()
qemu_test(fault_null --image ${IMG} --send "fault null" --expect "data abort"
  --expect "FAR_EL1 0000000000000000: translation fault, level [0-3], on read"
  --expect "^  #0 [0-9a-f]+ cmd_fault\\+0x[0-9a-f]+$" --halts)
# `verbose` prints the log lines made before the command line was read,
# then every line as it comes (the boot is quiet without it).
qemu_test(ktest_gic2 --image ${IMG} --env "APPEND=ktest verbose" --env GIC=2 --expect "gic: .* gicv2 at"
  --expect ${KTEST_OK} --status 0)
# MACHINE replaces scripts/qemu's gic-version, and virtualization=on alone
# means GICv2 to QEMU: test EL2 entry with both GICs explicitly.
foreach(gic 2 3)
  qemu_test(ktest_el2_gic${gic} --image ${IMG} --env "APPEND=ktest verbose"
    --env MACHINE=virt,virtualization=on,gic-version=${gic}
    --expect "entered at EL2" --expect "gic: .* gicv${gic} at" --expect ${KTEST_OK} --status 0)
endforeach()
# Entered at EL1 is the default machine's: the `ktest` test runs every ktest there.
qemu_test(boot_el1 --image ${IMG} --env "APPEND=verbose" --send "poweroff 7" --expect "entered at EL1"
  --status ${EXIT7})
# The word after the unknown one still counts: `verbose` puts the boot's
# info lines on the console. A boot to the shell, not the ktests.
qemu_test(cmdline_unknown_word --image ${IMG} --env "APPEND=frobnicate verbose" --send "poweroff 7"
  --expect "warning: cmdline: unknown word 'frobnicate' ignored" --expect "aarch64: entered at EL[12]" --status ${EXIT7})
# QEMU passes 256 MiB at 0x40000000 in /memory; the PL011 comes from stdout-path.
qemu_test(mem_devices --image ${IMG} --send mem --send devices --send bootinfo --send dmesg
  --send "poweroff 7"
  --expect "^  0x000040000000-0x00004fffffff +262144 KiB  usable$"
  --expect "^total: 262144 KiB usable \\(256 MiB\\)"
  --expect "^  pl011@9000000 +pl011 +mmio +0x9000000$" --expect "^stdout: +/pl011@9000000$"
  --expect "^console: +pl011 pl011@9000000$" --expect "pl011: pl011@9000000 at 0x9000000, console"
  --status ${EXIT7})
# Entered with x0 = 0: a clear message, the early console, and a working
# shell, although there is no interrupt controller, so no timer interrupt
# and no receive interrupt (sleeping and reading poll, and say so).
qemu_test(no_dtb --image ${IMG} --env NODTB=1 --send mem --send "poweroff 7"
  --expect "no usable DTB pointer in x0 \\(0\\). continuing without one"
  --expect "^total: 0 KiB usable" --expect "no page allocator or heap"
  --expect "timer: no interrupt controller delivers INTID 27"
  --expect "console: no receive interrupt. polling the UART" --status ${EXIT7})
qemu_test(no_semihosting_exit_falls_back --image ${IMG} --send "poweroff 7"
  --expect "no test-exit device" --status 0 -- -semihosting-config enable=off)
# The console on QEMU's ramfb (`-device ramfb`, set up through fw_cfg's DMA)
# and on the PCI VGA's Bochs interface (`-device VGA`, drivers/video/bochs.c),
# judged by a screenshot as x86_64's on GRUB's framebuffer
# (tests/qemu/screen_test.py). riscv64 has bochs-display only: Debian 12's
# QEMU refuses ramfb there (its virt machine makes fw_cfg after the devices,
# so ramfb finds none with DMA).
add_test(NAME ${KERNEL_ARCH}.screen_ramfb COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/screen_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} -- -device ramfb)
add_test(NAME ${KERNEL_ARCH}.screen_vga COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/screen_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} -- -device VGA)
set_tests_properties(${KERNEL_ARCH}.screen_ramfb ${KERNEL_ARCH}.screen_vga PROPERTIES TIMEOUT 120
  SKIP_RETURN_CODE 77)
# The Image as an EFI application (boot/efi_stub.c) under AAVMF (UEFI=1:
# scripts/qemu gives QEMU's -kernel, -initrd and -append to the firmware,
# which starts the image with them, on a machine with acpi=off so that the
# firmware hands over the device tree). Every ktest passes with a disk, as
# after -kernel: the command line comes from the load options, the memory
# map from UEFI's (bootinfo_uefi), the disk through the PCI BARs the
# firmware placed (its first I/O BAR at bus address 0): uefi_ktest, in
# tests/qemu/aarch64/blk.cmake.
qemu_test(bootinfo_uefi --image ${IMG} --env UEFI=1 --env "APPEND=verbose" --timeout 100
  --send bootinfo --send mem --send "run /bin/busybox echo hello from busybox" --send "poweroff 7"
  --expect "aarch64: entered at EL1, DTB at 0x[0-9a-f]+, by the EFI stub"
  --expect "^protocol: +uefi$" --expect "^cmdline: +'verbose'$"
  --expect "^firmware: +UEFI, system table at 0x[0-9a-f]+$" --expect "^efi memmap: [1-9][0-9]* descriptors$"
  --expect "^efi stub: +entered [1-9][0-9]* us after the counter's start, the kernel [0-9]+ us later$"
  --expect "^initrd: +0x[0-9a-f]+, [1-9][0-9]* KiB$" --expect "^memory map \\(uefi\\):$"
  --expect "^total: 2[0-9]{5} KiB usable" --expect "^hello from busybox$"
  --reject "PANIC|warning: uefi" --status ${EXIT7})
set_tests_properties(${KERNEL_ARCH}.bootinfo_uefi PROPERTIES TIMEOUT 120)
# Firmware at EL2 (virtualization=on): the stub leaves it with EL2's MMU
# off, and the image's entry drops to EL1 as after -kernel at EL2.
qemu_test(uefi_el2 --image ${IMG} --env UEFI=1 --env MACHINE=virt,gic-version=3,acpi=off,virtualization=on
  --env APPEND=verbose --timeout 100 --send "run /bin/busybox echo hello from busybox" --send "poweroff 7"
  --expect "aarch64: entered at EL2, DTB at 0x[0-9a-f]+, by the EFI stub" --expect "^hello from busybox$"
  --reject "PANIC" --status ${EXIT7})
set_tests_properties(${KERNEL_ARCH}.uefi_el2 PROPERTIES TIMEOUT 120)
# With QEMU's ACPI tables AAVMF hands over ACPI and no device tree, as an
# arm64 server's firmware does: the kernel boots from the tables alone
# (arch/aarch64/acpi.c): memory from UEFI's map, the CPUs and PSCI from the
# MADT and FADT, the GIC, timer, console and PCI from the MADT, GTDT, SPCR
# and MCFG. The ktests and disk tests of such a boot are uefi_acpi_* in
# tests/qemu/aarch64/blk.cmake.
qemu_test(uefi_acpi_only --image ${IMG} --env UEFI=1 --env ACPI=1 --env SMP=2
  --env APPEND=verbose --timeout 100
  --send bootinfo --send devices --send cpus --send "run /bin/busybox echo hello from busybox"
  --send "poweroff 7"
  --expect "aarch64: no device tree. the firmware's ACPI tables describe this machine"
  --expect "aarch64: booted from ACPI: CPUs 2, GICv3, ITSs 1, GICv2m frames 0"
  --expect "^acpi rsdp: +36 bytes \\(revision 2\\)$" --expect "^console: +pl011 pl011@9000000$"
  --expect "^ +gic@8000000 +gicv3 +mmio +0x8000000$" --expect "^ +timer +armv8-timer"
  --expect "^ +its@8080000 +its +mmio" --expect "^ +pcie-mcfg +pci-mcfg"
  --expect "^ +1 +0x1 +online +psci " --expect "^2 of 2 CPUs online$"
  --expect "^hello from busybox$" --reject "PANIC|warning: (uefi|acpi|aarch64)" --status ${EXIT7})
set_tests_properties(${KERNEL_ARCH}.uefi_acpi_only PROPERTIES TIMEOUT 120)
# Booted from ACPI, the screen is GOP's (ramfb's own driver needs fw_cfg,
# which only the DSDT describes) and the keyboard a virtio one on PCI,
# interrupting through the ITS.
add_test(NAME ${KERNEL_ARCH}.screen_uefi_acpi COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/screen_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} --env UEFI=1 --env ACPI=1 --timeout 100 -- -device ramfb)
set_tests_properties(${KERNEL_ARCH}.screen_uefi_acpi PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
add_test(NAME ${KERNEL_ARCH}.keyboard_uefi_acpi COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/keyboard_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} --driver virtio-input --env UEFI=1 --env ACPI=1 --timeout 100
  -- -device virtio-keyboard-pci)
set_tests_properties(${KERNEL_ARCH}.keyboard_uefi_acpi PROPERTIES TIMEOUT 120)
# The console on UEFI's GOP framebuffer (AAVMF's driver for ramfb), handed
# over by the stub as the boot framebuffer: ramfb's own driver leaves it be.
add_test(NAME ${KERNEL_ARCH}.screen_uefi COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/screen_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} --env UEFI=1 --timeout 100 -- -device ramfb)
set_tests_properties(${KERNEL_ARCH}.screen_uefi PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
