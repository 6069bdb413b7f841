# riscv64's part "memory" of tests/qemu/CMakeLists.txt (arch_part()).
set(MEM_64M "65536 KiB usable \\(64 MiB\\)")
set(MEM_512M "524288 KiB usable \\(512 MiB\\)")
set(MEM_4G "4194304 KiB usable \\(4096 MiB\\)")
