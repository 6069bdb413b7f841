# riscv64's part "machines" of tests/qemu/CMakeLists.txt (arch_part()).
# The default CPU has Sstc (stimecmp), and the `ktest` test runs every
# ktest on it: here only that the timer is Sstc's. Without Sstc the
# deadline goes through the SBI's TIME extension: every ktest again.
qemu_test(timer_sstc --image ${IMG} --env "APPEND=verbose" --send "poweroff 7"
  --expect "timer: sstc stimecmp" --status ${EXIT7})
qemu_test(ktest_sbi_timer --image ${IMG} --env "APPEND=ktest verbose" --env CPU=rv64,sstc=off
  --expect "timer: sbi set_timer" --expect ${KTEST_OK} --status 0)
qemu_test(ktest_aia --image ${IMG} --env "APPEND=ktest verbose" --env MACHINE=virt,aia=aplic-imsic
  --expect "imsic: imsics@28000000" --expect "aplic: aplic@d000000 at 0xd000000, 96 sources"
  --expect ${KTEST_OK} --status 0)
qemu_test(fault_null --image ${IMG} --send "fault null" --expect "load page fault"
  --expect "stval 0000000000000000: not mapped, on read"
  --expect "^  #0 [0-9a-f]+ cmd_fault\\+0x[0-9a-f]+$" --halts)
# The word after the unknown one still counts: `verbose` puts the boot's
# info lines on the console. A boot to the shell, not the ktests.
qemu_test(cmdline_unknown_word --image ${IMG} --env "APPEND=frobnicate verbose" --send "poweroff 7"
  --expect "warning: cmdline: unknown word 'frobnicate' ignored" --expect "timer: sstc stimecmp" --status ${EXIT7})
# QEMU passes 256 MiB at 0x80000000 in /memory, OpenSBI keeps its first
# 512 KiB (a no-map reservation); the UART comes from stdout-path.
qemu_test(mem_devices --image ${IMG} --send mem --send devices --send bootinfo --send dmesg
  --send "poweroff 7"
  --expect "^total: 262144 KiB usable \\(256 MiB\\)"
  --expect "^  serial@10000000 +ns16550 +mmio +0x10000000$" --expect "^stdout: +/soc/serial@10000000$"
  --expect "riscv64: SBI 1\\.0, OpenSBI" --expect "plic: plic@c000000 at 0xc000000, 96 sources"
  --status ${EXIT7})
# The virtio keyboard on virtio-mmio (virtio-keyboard-device), as
# keyboard_virtio has it on PCI (tests/qemu/keyboard_test.py).
add_test(NAME ${KERNEL_ARCH}.keyboard_virtio_mmio COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/keyboard_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} --driver virtio-input -- -device virtio-keyboard-device)
set_tests_properties(${KERNEL_ARCH}.keyboard_virtio_mmio PROPERTIES TIMEOUT 120)
# The console on QEMU's bochs-display (PCI; drivers/video/bochs.c), judged by
# a screenshot as the other arches' screens are (tests/qemu/screen_test.py):
# the one display Debian 12's QEMU gives this machine that needs no GPU
# driver, since it refuses ramfb here (its virt machine makes fw_cfg after
# the command line's devices, so ramfb finds no fw_cfg with DMA).
add_test(NAME ${KERNEL_ARCH}.screen_bochs COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/screen_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} -- -device bochs-display)
set_tests_properties(${KERNEL_ARCH}.screen_bochs PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
# The image as an EFI application (boot/efi_stub.c) under U-Boot's UEFI
# (UEFI=1: OpenSBI starts Debian's U-Boot, whose distro boot finds the
# image as EFI/BOOT/BOOTRISCV64.EFI on the EFI system partition
# scripts/qemu makes, vda). Two harts, so the boot hart's id must come
# from RISC-V's EFI boot protocol (OpenSBI picks either to boot). No
# initrd: U-Boot offers none to EFI applications, so the module ktests,
# whose objects are in it, say they are skipped; every other ktest passes.
qemu_test(uefi_ktest --image ${IMG} --env UEFI=1 --env SMP=2 --env "APPEND=ktest verbose" --timeout 110
  --expect "riscv64: hart [01], DTB at 0x[0-9a-f]+, Sv[34]8 paging, by the EFI stub"
  --expect "^ktest module_hello_loads_runs_and_unloads +skipped: no initrd with hello.ko$"
  --expect "^ktest: [1-9][0-9]* passed, 0 failed, [1-9][0-9]* skipped$" --reject "PANIC" --status 0)
qemu_test(bootinfo_uefi --image ${IMG} --env UEFI=1 --env "APPEND=verbose" --timeout 100
  --send bootinfo --send mem --send lsblk --send "poweroff 7"
  --expect "^protocol: +uefi$" --expect "^cmdline: +'verbose'$"
  --expect "^firmware: +UEFI, system table at 0x[0-9a-f]+$" --expect "^efi memmap: [1-9][0-9]* descriptors$"
  --expect "^efi stub: +entered [1-9][0-9]* us after the counter's start, the kernel [0-9]+ us later$"
  --expect "^memory map \\(uefi\\):$" --expect "^total: 2[0-9]{5} KiB usable"
  --expect "^vda1 +30720 +512 +15.0MiB ro "
  --reject "PANIC|warning: uefi" --status ${EXIT7})
# The console on bochs-display when U-Boot started the kernel through UEFI
# (U-Boot hands over no framebuffer: our driver sets the display up).
add_test(NAME ${KERNEL_ARCH}.screen_uefi_bochs COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/screen_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} --env UEFI=1 --timeout 100 -- -device bochs-display)
set_tests_properties(${KERNEL_ARCH}.screen_uefi_bochs PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
