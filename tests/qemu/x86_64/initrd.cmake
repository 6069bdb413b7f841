# x86_64's part "initrd" of tests/qemu/CMakeLists.txt (arch_part()).
# Nothing: the initrd is a GRUB module inside the ISO, so there is no boot without one.
