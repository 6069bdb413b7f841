# eBPF in QEMU (included by CMakeLists.txt): programs from the initrd and
# typed as hex under the JIT and the interpreter, hooks filling maps read
# back with `bpf map dump`, rejected programs, and everything twice in one
# boot (programs, maps and attachments leave nothing behind).
# Hostile programs (issue 23's reproducers): an atomic on a spilled context
# pointer read back, an xchg fetching a spilled stack pointer, a map id
# that names no map, 14 bytes: each refused in one line. bpf_hooks repeats
# them while maps exist, with a spilled map address too (map 5, made by the second round of attachments).
set(BPF_HOSTILE_SENDS
  --send "bpf exec 7b1af8ff00000000b702000000000000db2af8ff0000000079a0f8ff000000009500000000000000 0011223344556677"
  --send "bpf exec bfa30000000000007b3af0ff00000000b702000005000000db2af0ffe1000000bf200000000000009500000000000000"
  --send "bpf exec 18110000ff7f00000000000000000000b7000000000000009500000000000000"
  --send "bpf exec 9500000000000000b70000000000")
set(BPF_HOSTILE_EXPECTS
  --expect "^rejected: insn 2: 64-bit atomic add on stack offset -8, which holds a context pointer spilled there \\(EINVAL\\)$"
  --expect "^rejected: insn 3: 64-bit atomic xchg on stack offset -16, which holds a stack pointer spilled there \\(EINVAL\\)$"
  --expect "^rejected: insn 0: no map with id 32767 \\(ENOENT\\)$"
  --expect "^rejected: exec: 14 bytes is not whole instructions \\(8 bytes each\\) \\(EINVAL\\)$")
qemu_test(bpf_run --image ${IMG}
  --send "bpf run sum.bin 0102030405" --send "bpf run sum.bin 0102030405 --interp"
  --send "bpf run bpf/sum.o ff01" --send "bpf exec b7000000070000009500000000000000"
  --send "bpf exec 61100000000000009500000000000000 2a000000 --interp"
  --send "bpf exec 9500000000000000" --send "bpf exec 01zz" --send "bpf run nosuch.bin"
  --send "bpf run hello.txt" --send "bpf run sum.bin 0102030405" --send "bpf run bpf/sched_count.o"
  --send "bpf run bpf/blk_latency.o"
  ${BPF_HOSTILE_SENDS}
  --expect "^r0 = 0xf$(?s:.*)^r0 = 0xf$(?s:.*)^r0 = 0x100$(?s:.*)^r0 = 0x7$(?s:.*)^r0 = 0x2a$(?s:.*)^rejected: insn 0: .*r0(?s:.*)^r0 = 0xf$"
  --expect "^bpf: the program must be hex digits.* \\(EINVAL\\)$"
  --expect "^bpf: nosuch.bin: no such file in the initrd \\(ENOENT\\)$"
  --expect "^rejected: hello.txt: 166 bytes is not whole instructions \\(8 bytes each\\) \\(EINVAL\\)$"
  --expect "^bpf: sched_count.o is a program for the sched_switch hook: bpf attach sched_switch bpf/sched_count.o \\(EINVAL\\)$"
  --expect "^bpf: blk_latency.o is a program for the blk_complete hook: bpf attach blk_complete bpf/blk_latency.o \\(EINVAL\\)$"
  ${BPF_HOSTILE_EXPECTS}
  --reject "PANIC|^bpf: E[A-Z0-9]+$" --send poweroff --status 0)
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
  ${BPF_ATTACH_SENDS} --send "bpf map dump 5" ${BPF_HOSTILE_SENDS}
  --send "bpf exec 181300000500000000000000000000007b3af8ff00000000b702000000000000db2af8ff0000000079a0f8ff000000009500000000000000"
  --send "bpf detach 4"
  --expect "^attached count_switches to sched_switch as 1\\x3b map 1 [(]switches[)]$"
  --expect "^attached count_irqs to irq as 2\\x3b map 2 [(]irqs[)]$"
  --expect "^attached blk_latency to blk_complete as 3\\x3b map 3 [(]latency_log2_us[)], map 4 [(]ops[)]$"
  --expect "^ +1  sched_switch  count_switches +[0-9]+  (jit|interp) +[1-9]"
  --expect "^map 1 switches: hash, key 4 bytes, value 8 bytes, 256 entries\n(\\x5b[^\n]*\n)*(  [0-9]+: [1-9][0-9]*\n)+"
  --expect "^map 2 irqs: array(?s:.*)^  [0-9]+: [1-9][0-9]*$"
  --expect "^map 4 ops: hash, key 4 bytes, value 8 bytes, 8 entries\n(\\x5b[^\n]*\n)*  0: [1-9][0-9]*$"
  --expect "^detached 3\n(?s:.*)kernel> bpf list\n(\\x5b[^\n]*\n)*no programs attached\n(?s:.*)kernel> bpf map list\n(\\x5b[^\n]*\n)*no maps\n(\\x5b[^\n]*\n)*kernel> "
  --expect "^attached count_switches to sched_switch as 4\\x3b map 5 [(]switches[)]$"
  --expect "^map 5 switches: hash, key 4 bytes, value 8 bytes, 256 entries\n(\\x5b[^\n]*\n)*(  [0-9]+: [1-9][0-9]*\n)+"
  ${BPF_HOSTILE_EXPECTS}
  --expect "^rejected: insn 4: 64-bit atomic add on stack offset -8, which holds a map spilled there \\(EINVAL\\)$"
  --reject "PANIC|FAIL|^bpf: E[A-Z0-9]+$" --send poweroff --status 0
  -- -drive if=none,id=d0,file=${CMAKE_BINARY_DIR}/initrd.cpio,format=raw,readonly=on
     -device virtio-blk-pci,drive=d0)
