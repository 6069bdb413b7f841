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
# scripts/run's GRAPHIC=1 (scripts/qemu), with QEMU's window left out
# (GRAPHIC_UI=none: no desktop here): it gives the machine QEMU's ramfb and a virtio keyboard,
# so the screen and keyboard tests pass on what it set up alone.
add_test(NAME ${KERNEL_ARCH}.graphic_screen COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/screen_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} --env GRAPHIC=1 --env GRAPHIC_UI=none)
add_test(NAME ${KERNEL_ARCH}.graphic_keyboard COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/keyboard_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} --driver virtio-input --env GRAPHIC=1 --env GRAPHIC_UI=none)
set_tests_properties(${KERNEL_ARCH}.graphic_screen PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
set_tests_properties(${KERNEL_ARCH}.graphic_keyboard PROPERTIES TIMEOUT 120)
