# eBPF in QEMU (included by CMakeLists.txt): programs from the initrd and
# typed as hex under the JIT and the interpreter, hooks filling maps read
# back with `bpf map dump`, rejected programs, and everything twice in one
# boot (programs, maps and attachments leave nothing behind).
qemu_test(bpf_run --image ${IMG}
  --send "bpf run sum.bin 0102030405" --send "bpf run sum.bin 0102030405 --interp"
  --send "bpf run bpf/sum.o ff01" --send "bpf exec b7000000070000009500000000000000"
  --send "bpf exec 61100000000000009500000000000000 2a000000 --interp"
  --send "bpf exec 9500000000000000" --send "bpf exec 01zz" --send "bpf run nosuch.bin"
  --send "bpf run hello.txt" --send "bpf run sum.bin 0102030405"
  --expect "^r0 = 0xf$(?s:.*)^r0 = 0xf$(?s:.*)^r0 = 0x100$(?s:.*)^r0 = 0x7$(?s:.*)^r0 = 0x2a$(?s:.*)^rejected: insn 0: .*r0(?s:.*)^r0 = 0xf$"
  --expect "^bpf: the program must be hex digits"
  --expect "^bpf: nosuch.bin: no such file in the initrd$"
  --expect "^bpf: hello.txt: 166 bytes is not whole instructions"
  --reject "PANIC" --send poweroff --status 0)
# Hooks: switches per thread, interrupts per number, block completions per
# operation (a read-only disk made of the initrd itself), each map dumped
# while attached, then detached; the second round proves detach freed all.
set(BPF_ATTACH_SENDS
  --send "bpf attach sched_switch bpf/sched_count.o" --send "bpf attach irq bpf/irq_count.o"
  --send "bpf attach blk_complete bpf/blk_latency.o" --send "sleep 50" --send "blk crc32 vda 0 8"
  --send "bpf list" --send "bpf map list")
qemu_test(bpf_hooks --image ${IMG} ${BPF_ATTACH_SENDS}
  --send "bpf map dump 1" --send "bpf map dump 2" --send "bpf map dump 4"
  --send "bpf detach 1" --send "bpf detach 2" --send "bpf detach 3" --send "bpf list" --send "bpf map list"
  ${BPF_ATTACH_SENDS} --send "bpf map dump 5" --send "bpf detach 4"
  --expect "^attached count_switches to sched_switch as 1\\x3b map 1 [(]switches[)]$"
  --expect "^attached count_irqs to irq as 2\\x3b map 2 [(]irqs[)]$"
  --expect "^attached blk_latency to blk_complete as 3\\x3b map 3 [(]latency_log2_us[)], map 4 [(]ops[)]$"
  --expect "^ +1  sched_switch  count_switches +[0-9]+  (jit|interp) +[1-9]"
  --expect "^map 1 switches: hash, key 4 bytes, value 8 bytes, 256 entries\n(\\x5b[^\n]*\n)*(  [0-9]+: [1-9][0-9]*\n)+"
  --expect "^map 2 irqs: array(?s:.*)^  [0-9]+: [1-9][0-9]*$"
  --expect "^map 4 ops: hash, key 4 bytes, value 8 bytes, 8 entries\n(\\x5b[^\n]*\n)*  0: [1-9][0-9]*$"
  --expect "^detached 3\n(?s:.*)id  name +type +key +value +entries\n(\\x5b[^\n]*\n)*kernel> "
  --expect "^attached count_switches to sched_switch as 4\\x3b map 5 [(]switches[)]$"
  --expect "^map 5 switches: hash, key 4 bytes, value 8 bytes, 256 entries\n(\\x5b[^\n]*\n)*(  [0-9]+: [1-9][0-9]*\n)+"
  --reject "PANIC|FAIL" --send poweroff --status 0
  -- -drive if=none,id=d0,file=${CMAKE_BINARY_DIR}/initrd.cpio,format=raw,readonly=on
     -device virtio-blk-pci,drive=d0)
