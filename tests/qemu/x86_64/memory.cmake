# x86_64's part "memory" of tests/qemu/CMakeLists.txt (arch_part()).
set(MEM_64M "6[45][0-9]{3} KiB usable \\(6[34] MiB\\)")
set(MEM_512M "52[0-4][0-9]{3} KiB usable \\(51[0-2] MiB\\)")
set(MEM_4G "419[0-4][0-9]{3} KiB usable \\(409[0-6] MiB\\)")
