# Modules in QEMU (included by CMakeLists.txt): load hello.ko from the
# initrd, list it, unload it, load it again in the same boot; a file that
# is not a module and one that is not there are refused and the shell goes on.
qemu_test(module_load --image ${IMG}
  --send "modload hello.ko" --send "lsmod" --send "modload hello.ko" --send "modunload hello"
  --send "lsmod" --send "modunload hello" --send "modload hello.txt" --send "modload nosuch.ko"
  --send "modload hello.ko" --send "lsmod" --send "modunload hello"
  --expect "^hello: module_init [(]101[)]$(?s:.*)^modload: hello loaded at 0xffffffff84"
  --expect "^hello +0xffffffff84[0-9a-f]+ +4096 +4096 +4096$"
  --expect "^modload: hello.ko: module 'hello' is already loaded$"
  --expect "^hello: module_exit$(?s:.*)kernel> lsmod\nmodule +address +text +rodata +data\nkernel> "
  --expect "^modunload: hello: no such module$"
  --expect "^modload: hello.txt: not an ELF object [(]bad magic[)]$"
  --expect "^modload: nosuch.ko: no such file in the initrd$"
  --expect "module_exit(?s:.*)hello: module_init [(]101[)](?s:.*)module_exit"
  --reject "PANIC" --send poweroff --status 0)
