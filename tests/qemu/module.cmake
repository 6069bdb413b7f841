# Modules in QEMU (included by CMakeLists.txt): load hello.ko from the
# initrd, list it, unload it, load it again in the same boot; a file that
# is not a module and one that is not there are refused, each error on one
# line "<cmd>: <what>: <reason> (<ENAME>)", and the shell goes on.
# Where a pattern spans lines, "(\x5b[^\n]*\n)*" lets kernel log lines in
# ("[" written as \x5b: an unbalanced bracket stops CMake splitting the
# arguments that follow): the PCI probe thread logs after the prompt, in
# the middle of whatever the shell is printing (a CI run failed on that).
qemu_test(module_load --image ${IMG}
  --send "modload hello.ko" --send "lsmod" --send "modload hello.ko" --send "modunload hello"
  --send "lsmod" --send "modunload hello" --send "modload hello.txt" --send "modload nosuch.ko"
  --send "modload hello.ko" --send "lsmod" --send "modunload hello"
  --expect "^hello: module_init [(]101[)]$(?s:.*)^modload: hello loaded at 0xffffffff84"
  --expect "^hello +0xffffffff84[0-9a-f]+ +4096 +4096 +4096$"
  --expect "^modload: hello.ko: a module named 'hello' is already loaded [(]EEXIST[)]$"
  --expect "^hello: module_exit$(?s:.*)kernel> lsmod\n(\\x5b[^\n]*\n)*no modules loaded\n(\\x5b[^\n]*\n)*kernel> "
  --expect "^modunload: hello: no such module [(]ENOENT[)]$"
  --expect "^modload: hello.txt: not an ELF object [(]bad magic[)] [(]ENOEXEC[)]$"
  --expect "^modload: nosuch.ko: no such file in the initrd [(]ENOENT[)]$"
  --expect "module_exit(?s:.*)hello: module_init [(]101[)](?s:.*)module_exit"
  --reject "^(modload|modunload|lsmod): E[A-Z0-9]+$"
  --reject "PANIC" --send poweroff --status 0)
# Issue 23: the damaged copies of hello.ko the build packs as bad/<shape>.ko
# (modules/CMakeLists.txt) are refused, each with its reason on exactly one
# line (the prompt, or a kernel log line, comes next: no second
# "modload: ENOEXEC" line), and none is listed; a second hello.ko is
# refused by name; every module loaded is unloaded by the name lsmod shows.
set(ONE_LINE "\n(\\x5b[^\n]*\n)*kernel> ")
qemu_test(module_names --image ${IMG}
  --send "modload bad/name-nobits.ko" --send "modload bad/name-reloc.ko" --send "modload bad/name-ctrl.ko"
  --send "modload bad/symsize.ko" --send "lsmod"
  --send "modload hello.ko" --send "modload ramdisk.ko" --send "modload hello.ko" --send "lsmod"
  --send "modunload hello" --send "modunload ramdisk" --send "modunload hello" --send "lsmod"
  --expect "^modload: bad/name-nobits.ko: module_name is in section .rodata, which has no bytes in the file [(]NOBITS[)] [(]ENOEXEC[)]${ONE_LINE}"
  --expect "^modload: bad/name-reloc.ko: relocation [0-9]+ in [.]rela[.][a-z.]+ writes into module_name [(]it must be a char array holding the name[)] [(]ENOEXEC[)]${ONE_LINE}"
  --expect "^modload: bad/name-ctrl.ko: module_name \"T\\\\x03\" has byte 0x03 at 1 [(]a name is printable ASCII, no spaces[)] [(]ENOEXEC[)]${ONE_LINE}"
  --expect "^modload: bad/symsize.ko: symbol '[a-z_]+' [(]18446744073709551615 bytes at [0-9]+[)] runs past the end of [.]text [(][0-9]+ bytes[)] [(]ENOEXEC[)]${ONE_LINE}"
  --expect "kernel> lsmod\n(\\x5b[^\n]*\n)*no modules loaded${ONE_LINE}modload hello.ko"
  --expect "^modload: hello.ko: a module named 'hello' is already loaded [(]EEXIST[)]${ONE_LINE}lsmod\n(\\x5b[^\n]*\n)*module +address +text +rodata +data\n(\\x5b[^\n]*\n)*(ramdisk|hello) +0x[^\n]*\n(\\x5b[^\n]*\n)*(ramdisk|hello) +0x[^\n]*${ONE_LINE}"
  --expect "^modunload: hello: no such module [(]ENOENT[)]${ONE_LINE}lsmod\n(\\x5b[^\n]*\n)*no modules loaded${ONE_LINE}"
  --reject "^(modload|modunload|lsmod): E[A-Z0-9]+$"
  --reject "PANIC" --send poweroff --status 0)
# A module that does real work: a RAM disk registered with the block layer,
# read through `blk crc32` (the pattern's CRC-32 computed independently:
# byte i is (i * 7 + i / 512) & 0xff), written, unloaded (gone from lsblk),
# and loaded again with its pattern back.
qemu_test(module_ramdisk --image ${IMG}
  --send "modload ramdisk.ko" --send "lsblk" --send "blk crc32 rama 0 16" --send "blk crc32 rama 0 2048"
  --send "blk write rama 3 0xab 1" --send "blk crc32 rama 3 1" --send "modunload ramdisk" --send "lsblk"
  --send "modload ramdisk.ko" --send "blk crc32 rama 3 1" --send "modunload ramdisk"
  --expect "^ramdisk: rama, 2048 blocks of 512 bytes$"
  --expect "^rama +2048 +512 "
  --expect "blk crc32 rama 0 16\n(\\x5b[^\n]*\n)*crc32 cb746792$"
  --expect "blk crc32 rama 0 2048\n(\\x5b[^\n]*\n)*crc32 dc8c9935$"
  --expect "blk crc32 rama 3 1\n(\\x5b[^\n]*\n)*crc32 3fabe07a$"
  --expect "^ramdisk: rama removed$\nkernel> lsblk\n(\\x5b[^\n]*\n)*[^\n]*\n(\\x5b[^\n]*\n)*0 block devices"
  --reject "PANIC|crc32 3fabe07a(?s:.*)modload(?s:.*)crc32 3fabe07a" --send poweroff --status 0)
# The templates docs/modules-and-ebpf.md starts from, both built only
# because they were dropped in (modules/template/, initrd/bpf/template.c):
# the module's thread ticks while it is loaded and is joined at unload; the
# program counts high bytes; ksyms --exports lists what a module may call.
qemu_test(module_template --image ${IMG}
  --send lsmod --send "modload template.ko" --send "sleep 100" --send lsmod --send "modunload template"
  --send lsmod --send "bpf run bpf/template.o 01ff80" --send "ksyms --exports thread_"
  --send "ksyms --exports nosuch" --send "modload template.ko" --send "modunload template"
  --expect "^kernel> lsmod\nno modules loaded$"
  --expect "^template: loaded, thread [0-9]+ ticking every 10 ms$"
  --expect "^template +0xffffffff84"
  --expect "^template: unloaded after [1-9][0-9]* ticks$(?s:.*)^kernel> lsmod\nno modules loaded$"
  --expect "^r0 = 0x2$"
  --expect "^  thread_create +0x[0-9a-f]+\n  thread_exit +0x[0-9a-f]+\n  thread_join +0x[0-9a-f]+\n  thread_sleep_ns +0x[0-9a-f]+\n  thread_yield +0x[0-9a-f]+\n5 exports"
  --expect "^ksyms: no export starts with 'nosuch' \\(ENOENT\\)$"
  --reject "PANIC|^[a-z]+: E[A-Z0-9]+$" --send poweroff --status 0)
# Nothing to list by hand: every initrd/bpf/*.c and modules/<name>/ is in
# the initrd this build packed, and the exports documented are the exports.
add_test(NAME ${KERNEL_ARCH}.dropins COMMAND python3 ${PROJECT_SOURCE_DIR}/tests/check_dropins.py
  --root ${PROJECT_SOURCE_DIR} --initrd ${CMAKE_BINARY_DIR}/initrd.cpio)
# A dropped program or module that does not compile stops the build, which
# names its file (in a scratch copy of the tree; a program that compiles,
# dropped beside it, is built).
add_test(NAME ${KERNEL_ARCH}.dropin_errors COMMAND python3 ${PROJECT_SOURCE_DIR}/tests/check_dropin_errors.py
  --root ${PROJECT_SOURCE_DIR} --preset ${KERNEL_ARCH})
set_tests_properties(${KERNEL_ARCH}.dropin_errors PROPERTIES TIMEOUT 120)
