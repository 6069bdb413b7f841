# x86_64's part "command_line" of tests/qemu/CMakeLists.txt (arch_part()).
# Nothing: the command line is the ISO's grub.cfg, which a test cannot change at boot.
