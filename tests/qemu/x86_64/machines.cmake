# x86_64's part "machines" of tests/qemu/CMakeLists.txt (arch_part()).
qemu_test(ktest_pc --image ${KTEST_IMG} --env MACHINE=pc --expect ${KTEST_OK} --status 0)
# QEMU's default CPU (qemu64) has neither SMEP nor SMAP: every ktest, the
# user_* ones among them, again with both, which the kernel turns on.
qemu_test(ktest_smep_smap --image ${KTEST_IMG} --env CPU=qemu64,+smep,+smap
  --expect "x86_64: SMEP and SMAP on" --expect ${KTEST_OK} --status 0)
qemu_test(fault_null --image ${IMG} --send "fault null" --expect "#PF page fault"
  --expect "CR2 0000000000000000: page not present on read, kernel mode"
  --expect "^  #0 [0-9a-f]+ cmd_fault\\+0x[0-9a-f]+$" --halts)
# 256 MiB minus what the firmware keeps (E820 holes below 1 MiB and at the top).
# The framebuffer the Multiboot2 header asks for: GRUB sets it on QEMU's
# standard VGA with its own driver for it.
qemu_test(bootinfo_mem_devices --image ${IMG} --send bootinfo --send mem --send devices
  --send "poweroff 7" --expect "^bootloader: GRUB" --expect "^acpi rsdp:" --reject "^firmware:|^efi memmap:"
  --expect "^framebuffer: 1024x768, 32 bpp \\(red 16:8, green 8:8, blue 0:8\\), pitch 4096, at 0x[0-9a-f]+$"
  --expect "^  0x000000100000-0x[0-9a-f]+ +[0-9]+ KiB  usable$"
  --expect "^total: 2[0-9]{5} KiB usable \\(25[0-5] MiB\\)"
  --expect "^  com1 +ns16550 +port +0x3f8$" --expect "^console: +ns16550 com1$"
  --status ${EXIT7})
# The same ISO through UEFI (Debian's OVMF; grub-mkrescue puts GRUB for BIOS
# and UEFI in it): GRUB's Multiboot2 info then carries the EFI system table,
# the ACPI RSDP (no BIOS area to search) and GOP's framebuffer (in the mode
# OVMF offers nearest the header's ask), and every ktest passes as
# under SeaBIOS. OVMF's own start takes most of the boot (several seconds
# under TCG).
qemu_test(uefi_ktest --image ${IMG} --env UEFI=1 --timeout 120
  --send bootinfo --send ktest --send "poweroff 7"
  --expect "^bootloader: GRUB" --expect "^firmware: +UEFI, system table at 0x[0-9a-f]+$"
  --expect "^efi memmap: [1-9][0-9]* descriptors$"
  --expect "^framebuffer: [0-9]+x[0-9]+, 32 bpp \\(red 16:8, green 8:8, blue 0:8\\), pitch [0-9]+, at 0x[0-9a-f]+$"
  --expect "^acpi rsdp: +(20|36) bytes" --expect "${KTEST_OK}"
  --reject "PANIC" --status ${EXIT7})
# The console on the framebuffer, judged by a screenshot (tests/qemu/screen_test.py):
# the prompt, a command and its output drawn with Debian's font, pixel for
# pixel as the test draws the serial console's text, after the screen has
# scrolled; on GRUB's framebuffer under SeaBIOS (its driver for QEMU's VGA)
# and on GOP's under OVMF.
add_test(NAME ${KERNEL_ARCH}.screen COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/screen_test.py
  --arch ${KERNEL_ARCH} --image ${IMG})
add_test(NAME ${KERNEL_ARCH}.screen_uefi COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/screen_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} --env UEFI=1)
set_tests_properties(${KERNEL_ARCH}.screen ${KERNEL_ARCH}.screen_uefi PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
# The PS/2 keyboard as console input (tests/qemu/keyboard_test.py): keys
# sent with the monitor's sendkey run a command, Shift and the US layout's
# symbols reach the shell as typed, the up arrow recalls a line, Ctrl-C
# stops a running command, Caps Lock; on q35 and on pc.
add_test(NAME ${KERNEL_ARCH}.keyboard COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/keyboard_test.py
  --arch ${KERNEL_ARCH} --image ${IMG})
add_test(NAME ${KERNEL_ARCH}.keyboard_pc COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/keyboard_test.py
  --arch ${KERNEL_ARCH} --image ${IMG} --env MACHINE=pc)
set_tests_properties(${KERNEL_ARCH}.keyboard ${KERNEL_ARCH}.keyboard_pc PROPERTIES TIMEOUT 120)
# Short lines on a slow COM1: 300 baud (QEMU's base clock; the kernel's
# divisor stays 1), where the 16550's character timeout, 4 characters, is
# longer than the shell's 100 ms idle look. A receive interrupt that waits
# for a trigger level above one byte, or for that timeout, leaves each line
# to the look, which says it found bytes with no interrupt; every byte must
# come by the interrupt, on both machines.
foreach(m q35 pc)
  qemu_test(console_rx_short_lines_${m} --image ${IMG} --env MACHINE=${m}
    --send uptime --send version --send uptime --send irqs --send "poweroff 7"
    --expect "console rx by interrupt: 27 bytes, 0 dropped$"
    --reject "no receive interrupt|idle look" --status ${EXIT7}
    -- -serial none -monitor none -chardev stdio,id=com1 -device isa-serial,chardev=com1,baudbase=300)
endforeach()
# The ACPI S5 write on the other machine (PIIX4's power management, not
# ICH9's): QEMU stops the machine from its main loop, late on a busy host,
# and the kernel waits for it by the clock (poweroff_clean is q35's).
qemu_test(poweroff_clean_pc --image ${IMG} --env MACHINE=pc --send poweroff --busy-host
  --reject "${POWEROFF_GAVE_UP}" --status 0)
# A PC without the legacy parts firmware may leave out: q35 with no PIT, no
# 8259, no 8042 (its FADT then says no 8042) and no VGA. Every ktest passes, the two
# that need the PIT saying they are skipped; `reboot` resets through the
# FADT's reset register. pc's FADT (ACPI 1.0) has none: its reset is the
# 8042's (q35's reboot is the generic `reboot` test).
qemu_test(legacy_free --image ${IMG} --env MACHINE=q35,pit=off,pic=off,i8042=off
  --send ktest --send reboot --expect ${KTEST_OK}
  --expect "^ioapic_delivers_pit_irq0: skipped, no PIT answers$"
  --reject "halting|PANIC" --status 0 -- -vga none)
qemu_test(reboot_pc --image ${IMG} --env MACHINE=pc --send uptime --send reboot --reject "halting|PANIC"
  --status 0)
