/**
 * @file corpus_reject.c
 * @brief Programs the verifier must refuse (kernel/bpf/corpus.h), each with
 *        the words its message must contain: every rule of bpf_verify() is
 *        broken at least once, and each program is otherwise valid, so the
 *        message proves which rule caught it.
 *
 * The context is the "mem" type: r1 points at mem_len writable bytes and
 * r2 holds mem_len. Programs needing a map are in the host test
 * (tests/host/test_bpf_verifier.c), which creates the maps first.
 */
#include "corpus.h"

#define RET0 BPF_MOV64_IMM(R0, 0), EXIT

#define REJECT(nm, mem, why, ...)                           \
    static const struct bpf_insn nm##_insns[] = {__VA_ARGS__}; \
    static const char nm##_why[] = why;                      \
    enum { nm##_mem = mem }
#define E(nm) {#nm, nm##_insns, sizeof nm##_insns / sizeof nm##_insns[0], nm##_mem, nm##_why}

/* ---- Encoding ---- */
REJECT(unknown_opcode, 16, "unknown opcode 0xff", BPF_INSN(0xff, 0, 0, 0, 0), RET0);
REJECT(unknown_alu_op, 16, "unknown opcode 0xe7", BPF_INSN(BPF_ALU64 | 0xe0, R0, 0, 0, 1), RET0);
REJECT(legacy_packet_load, 16, "unknown opcode 0x20", BPF_INSN(BPF_LD | BPF_W | BPF_ABS, 0, 0, 0, 0), RET0);
REJECT(ldx_dw_sign_extend, 16, "unknown opcode", BPF_LDX_MEMSX(BPF_DW, R0, R1, 0), EXIT);
REJECT(atomic_byte, 16, "unknown opcode", BPF_MOV64_IMM(R0, 1),
       BPF_ATOMIC_OP(BPF_B, BPF_ADD, R1, R0, 0), EXIT);
REJECT(unknown_atomic_op, 16, "unknown atomic operation", BPF_MOV64_IMM(R0, 1),
       BPF_ATOMIC_OP(BPF_DW, BPF_SUB, R1, R0, 0), EXIT);
REJECT(bad_register, 16, "invalid register r11", BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_K, 11, 0, 0, 0), RET0);
REJECT(write_r10, 16, "r10 is read-only", BPF_MOV64_IMM(R10, 0), RET0);
REJECT(load_into_r10, 16, "r10 is read-only", BPF_LDX_MEM(BPF_DW, R10, R1, 0), RET0);
REJECT(alu_k_with_src, 16, "reserved field (src)", BPF_INSN(BPF_ALU64 | BPF_ADD | BPF_K, R0, 3, 0, 1), RET0);
REJECT(alu_x_with_imm, 16, "reserved field (imm)", BPF_MOV64_IMM(R0, 0),
       BPF_INSN(BPF_ALU64 | BPF_ADD | BPF_X, R0, R0, 0, 7), EXIT);
REJECT(add_with_offset, 16, "bad offset 1", BPF_MOV64_IMM(R0, 0),
       BPF_INSN(BPF_ALU64 | BPF_ADD | BPF_K, R0, 0, 1, 1), EXIT);
REJECT(movsx32_from_32, 16, "bad offset 32", BPF_MOV64_IMM(R0, 0),
       BPF_INSN(BPF_ALU | BPF_MOV | BPF_X, R0, R0, 32, 0), EXIT);
REJECT(bswap_24, 16, "bad byte swap", BPF_MOV64_IMM(R0, 0), BPF_INSN(BPF_ALU64 | BPF_END, R0, 0, 0, 24), EXIT);
REJECT(exit_with_fields, 16, "reserved fields of exit", BPF_MOV64_IMM(R0, 0),
       BPF_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 1));
REJECT(call_in_jmp32, 16, "unknown opcode 0x86", BPF_INSN(BPF_JMP32 | BPF_CALL, 0, 0, 0, 5), RET0);
REJECT(unknown_helper, 16, "unknown helper 9999", BPF_CALL_HELPER(9999), EXIT);
REJECT(helper_zero, 16, "unknown helper 0", BPF_CALL_HELPER(0), EXIT);

/* ---- Shape ---- */
REJECT(lddw_at_the_end, 16, "lddw cut in half", BPF_MOV64_IMM(R0, 0),
       BPF_INSN(BPF_LD | BPF_DW | BPF_IMM, R0, 0, 0, 1));
REJECT(lddw_second_slot_not_zero, 16, "lddw cut in half", BPF_INSN(BPF_LD | BPF_DW | BPF_IMM, R0, 0, 0, 1),
       BPF_MOV64_IMM(R0, 2), EXIT);
REJECT(jump_into_lddw, 16, "jump into the middle of lddw", BPF_JMP_IMM(BPF_JEQ, R2, 0, 1), BPF_LD_IMM64(R0, 5),
       EXIT);
REJECT(jump_past_the_end, 16, "jump out of range", BPF_MOV64_IMM(R0, 0), BPF_JMP_A(5), EXIT);
REJECT(jump_before_the_start, 16, "jump out of range", BPF_MOV64_IMM(R0, 0), BPF_JMP_IMM(BPF_JEQ, R2, 1, -3),
       EXIT);
REJECT(gotol_out_of_range, 16, "jump out of range", BPF_MOV64_IMM(R0, 0), BPF_JMP32_A(100000), EXIT);
REJECT(falls_off_the_end, 16, "falls off the end", BPF_MOV64_IMM(R0, 0));
REJECT(falls_off_after_branch, 16, "falls off the end", BPF_MOV64_IMM(R0, 0), BPF_JMP_IMM(BPF_JEQ, R2, 3, 1),
       EXIT, BPF_MOV64_IMM(R0, 1));
REJECT(unreachable_code, 16, "unreachable", BPF_MOV64_IMM(R0, 0), BPF_JMP_A(1), BPF_MOV64_IMM(R0, 1), EXIT);
REJECT(recursion, 16, "recursive call", BPF_CALL_LOCAL(1), EXIT, BPF_CALL_LOCAL(-1), EXIT);
REJECT(mutual_recursion, 16, "recursive call", BPF_CALL_LOCAL(1), EXIT, BPF_CALL_LOCAL(1), EXIT,
       BPF_CALL_LOCAL(-3), EXIT);
REJECT(call_into_main, 16, "recursive call", BPF_MOV64_IMM(R0, 0), BPF_CALL_LOCAL(-2), EXIT);
REJECT(jump_out_of_function, 16, "jump out of its function", BPF_CALL_LOCAL(1), EXIT, BPF_JMP_A(-2), EXIT);
REJECT(falls_into_function, 16, "falls through into the next function", BPF_CALL_LOCAL(1), BPF_MOV64_IMM(R0, 0),
       BPF_MOV64_IMM(R0, 1), EXIT);
/* nine nested frames: main and f1..f8, each calling the next */
REJECT(calls_too_deep, 16, "call chain of 9 frames", BPF_CALL_LOCAL(1), EXIT, BPF_CALL_LOCAL(1), EXIT,
       BPF_CALL_LOCAL(1), EXIT, BPF_CALL_LOCAL(1), EXIT, BPF_CALL_LOCAL(1), EXIT, BPF_CALL_LOCAL(1), EXIT,
       BPF_CALL_LOCAL(1), EXIT, BPF_CALL_LOCAL(1), EXIT, RET0);

/* ---- Registers ---- */
REJECT(r0_not_set, 16, "r0 is not initialised", EXIT);
REJECT(read_uninit, 16, "r3 is not initialised", BPF_MOV64_REG(R0, R3), EXIT);
REJECT(uninit_on_one_path, 16, "r4 is not initialised", BPF_JMP_IMM(BPF_JGT, R2, 8, 1), BPF_MOV64_IMM(R4, 1),
       BPF_MOV64_REG(R0, R4), EXIT);
REJECT(add_to_uninit, 16, "r5 is not initialised", BPF_ALU64_IMM(BPF_ADD, BPF_REG_5, 1), RET0);
REJECT(helper_clobbers_r1_r5, 16, "r3 is not initialised", BPF_MOV64_IMM(R3, 7),
       BPF_CALL_HELPER(BPF_FUNC_ktime_get_ns), BPF_MOV64_REG(R0, R3), EXIT);
REJECT(call_clobbers_r1_r5, 16, "r2 is not initialised", BPF_CALL_LOCAL(2), BPF_MOV64_REG(R0, R2), EXIT, RET0);
REJECT(callee_sees_no_r6, 16, "r6 is not initialised", BPF_MOV64_IMM(R6, 1), BPF_CALL_LOCAL(1), EXIT,
       BPF_MOV64_REG(R0, R6), EXIT);
REJECT(return_pointer, 16, "r0 is a context pointer at exit", BPF_MOV64_REG(R0, R1), EXIT);
REJECT(return_stack_pointer, 16, "r0 is a stack pointer at exit", BPF_MOV64_REG(R0, R10), EXIT);

/* ---- Memory ---- */
REJECT(ctx_read_past_end, 16, "out of bounds", BPF_LDX_MEM(BPF_DW, R0, R1, 12), EXIT);
REJECT(ctx_read_before_start, 16, "out of bounds", BPF_LDX_MEM(BPF_B, R0, R1, -1), EXIT);
REJECT(ctx_write_past_end, 16, "out of bounds", BPF_ST_MEM(BPF_W, R1, 16, 0), RET0);
REJECT(ctx_empty, 0, "out of bounds", BPF_LDX_MEM(BPF_B, R0, R1, 0), EXIT);
/* the loop runs i = 0..r2 inclusive: one byte too many */
REJECT(loop_one_past_the_end, 32, "out of bounds", BPF_MOV64_IMM(R0, 0), BPF_MOV64_IMM(R3, 0),
       BPF_MOV64_REG(R4, R1), BPF_ALU64_REG(BPF_ADD, R4, R3), BPF_LDX_MEM(BPF_B, R4, R4, 0),
       BPF_ALU64_REG(BPF_ADD, R0, R4), BPF_ALU64_IMM(BPF_ADD, R3, 1), BPF_JMP_REG(BPF_JLE, R3, R2, -6), EXIT);
/* an index from the context, checked against the wrong bound */
REJECT(index_checked_too_loosely, 16, "out of bounds", BPF_LDX_MEM(BPF_B, R3, R1, 0),
       BPF_JMP_IMM(BPF_JGT, R3, 16, 3), BPF_ALU64_REG(BPF_ADD, R1, R3), BPF_LDX_MEM(BPF_B, R0, R1, 0), EXIT,
       RET0);
REJECT(unbounded_index, 16, "unbounded value", BPF_LDX_MEM(BPF_DW, R3, R1, 0), BPF_ALU64_REG(BPF_ADD, R1, R3),
       BPF_LDX_MEM(BPF_B, R0, R1, 0), EXIT);
REJECT(stack_below_frame, 16, "stack read of 8 bytes at offset -520 is out of bounds",
       BPF_LDX_MEM(BPF_DW, R0, R10, -520), EXIT);
REJECT(stack_above_frame, 16, "stack write of 4 bytes at offset -2 is out of bounds",
       BPF_ST_MEM(BPF_W, R10, -2, 0), RET0);
REJECT(stack_uninit_read, 16, "read of uninitialised stack at offset -8", BPF_LDX_MEM(BPF_DW, R0, R10, -8), EXIT);
REJECT(stack_partly_init, 16, "read of uninitialised stack at offset -4", BPF_ST_MEM(BPF_W, R10, -8, 1),
       BPF_LDX_MEM(BPF_DW, R0, R10, -8), EXIT);
REJECT(stack_variable_offset, 16, "variable offset into the stack", BPF_LDX_MEM(BPF_B, R3, R1, 0),
       BPF_ALU64_IMM(BPF_AND, R3, 7), BPF_MOV64_REG(R4, R10), BPF_ALU64_IMM(BPF_ADD, R4, -8),
       BPF_ALU64_REG(BPF_SUB, R4, R3), BPF_ST_MEM(BPF_B, R4, 0, 0), RET0);
REJECT(deref_scalar, 16, "r2 is not a pointer", BPF_LDX_MEM(BPF_DW, R0, R2, 0), EXIT);
REJECT(store_to_scalar, 16, "r0 is not a pointer", BPF_MOV64_IMM(R0, 0x1000), BPF_ST_MEM(BPF_DW, R0, 0, 1), EXIT);
REJECT(leak_pointer_to_ctx, 16, "would leak a kernel address", BPF_STX_MEM(BPF_DW, R1, R10, 0), RET0);
REJECT(partial_pointer_spill, 16, "partial store of a pointer", BPF_STX_MEM(BPF_W, R10, R1, -8), RET0);
REJECT(read_half_a_spilled_pointer, 16, "partial read of a pointer", BPF_STX_MEM(BPF_DW, R10, R1, -8),
       BPF_LDX_MEM(BPF_W, R0, R10, -8), EXIT);
REJECT(atomic_misaligned, 16, "misaligned atomic", BPF_MOV64_IMM(R0, 1),
       BPF_ATOMIC_OP(BPF_DW, BPF_ADD, R1, R0, 4), EXIT);
REJECT(atomic_uninit_stack, 16, "read of uninitialised stack", BPF_MOV64_IMM(R0, 1),
       BPF_ATOMIC_OP(BPF_DW, BPF_ADD, R10, R0, -8), EXIT);
REJECT(atomic_leaks_pointer, 16, "would leak", BPF_ATOMIC_OP(BPF_DW, BPF_ADD, R1, R10, 0), RET0);

/* ---- Pointer arithmetic ---- */
REJECT(multiply_pointer, 16, "only adding a scalar", BPF_ALU64_IMM(BPF_MUL, R1, 2), RET0);
REJECT(pointer_32bit_add, 16, "only adding a scalar", BPF_ALU32_IMM(BPF_ADD, R1, 2), RET0);
REJECT(pointer_minus_pointer, 16, "only adding a scalar", BPF_MOV64_REG(R0, R10),
       BPF_ALU64_REG(BPF_SUB, R0, R1), EXIT);
REJECT(pointer_to_32bit, 16, "32-bit move", BPF_ALU32_REG(BPF_MOV, R0, R1), EXIT);
REJECT(pointer_compare, 16, "comparison of a context pointer with a stack pointer",
       BPF_JMP_REG(BPF_JGT, R1, R10, 0), RET0);
REJECT(pointer_compare_scalar, 16, "pointers may only be compared with 0", BPF_JMP_IMM(BPF_JGT, R1, 5, 0), RET0);
REJECT(pointer_far_away, 16, "pointer offset out of range", BPF_LD_IMM64(R3, 1ULL << 28),
       BPF_ALU64_REG(BPF_ADD, R1, R3), BPF_ALU64_REG(BPF_ADD, R1, R3), BPF_ALU64_REG(BPF_ADD, R1, R3), RET0);

/* ---- Termination ---- */
/* r2 is 16: the jump to itself is always taken */
REJECT(self_loop, 16, "infinite loop", BPF_MOV64_IMM(R0, 0), BPF_JMP_IMM(BPF_JEQ, R2, 16, -1), EXIT);
REJECT(loop_without_progress, 16, "infinite loop", BPF_MOV64_IMM(R0, 0), BPF_ALU64_IMM(BPF_MOV, R3, 1),
       BPF_JMP_IMM(BPF_JNE, R3, 0, -2), EXIT);
/* counts up by one from 0 until it wraps: 2^64 rounds */
REJECT(loop_too_long, 16, "too complex", BPF_MOV64_IMM(R0, 0), BPF_ALU64_IMM(BPF_ADD, R0, 1),
       BPF_JMP_IMM(BPF_JNE, R0, 0, -2), EXIT);
/* a context value that is never 0 after the first test: endless for some inputs */
REJECT(loop_on_data, 16, "infinite loop", BPF_LDX_MEM(BPF_B, R0, R1, 0), BPF_JMP_IMM(BPF_JNE, R0, 0, -1), EXIT);

/* ---- Stack size ---- */
/* main uses 512 bytes and calls f, which uses 512 more: 1,024 is fine, but
 * f calls g with 8 more */
REJECT(call_chain_stack, 16, "needs 1032 bytes of stack", BPF_ST_MEM(BPF_DW, R10, -512, 0), BPF_CALL_LOCAL(1),
       EXIT, BPF_ST_MEM(BPF_DW, R10, -512, 0), BPF_CALL_LOCAL(1), EXIT, BPF_ST_MEM(BPF_DW, R10, -8, 0), RET0);

const struct bpf_reject_case bpf_rejects[] = {
    E(unknown_opcode), E(unknown_alu_op), E(legacy_packet_load), E(ldx_dw_sign_extend), E(atomic_byte),
    E(unknown_atomic_op), E(bad_register), E(write_r10), E(load_into_r10), E(alu_k_with_src), E(alu_x_with_imm),
    E(add_with_offset), E(movsx32_from_32), E(bswap_24), E(exit_with_fields), E(call_in_jmp32),
    E(unknown_helper), E(helper_zero), E(lddw_at_the_end), E(lddw_second_slot_not_zero), E(jump_into_lddw),
    E(jump_past_the_end), E(jump_before_the_start), E(gotol_out_of_range), E(falls_off_the_end),
    E(falls_off_after_branch), E(unreachable_code), E(recursion), E(mutual_recursion), E(call_into_main),
    E(jump_out_of_function), E(falls_into_function), E(calls_too_deep), E(r0_not_set), E(read_uninit),
    E(uninit_on_one_path), E(add_to_uninit), E(helper_clobbers_r1_r5), E(call_clobbers_r1_r5),
    E(callee_sees_no_r6), E(return_pointer), E(return_stack_pointer), E(ctx_read_past_end),
    E(ctx_read_before_start), E(ctx_write_past_end), E(ctx_empty), E(loop_one_past_the_end),
    E(index_checked_too_loosely), E(unbounded_index), E(stack_below_frame), E(stack_above_frame),
    E(stack_uninit_read), E(stack_partly_init), E(stack_variable_offset), E(deref_scalar), E(store_to_scalar),
    E(leak_pointer_to_ctx), E(partial_pointer_spill), E(read_half_a_spilled_pointer), E(atomic_misaligned),
    E(atomic_uninit_stack), E(atomic_leaks_pointer), E(multiply_pointer), E(pointer_32bit_add),
    E(pointer_minus_pointer), E(pointer_to_32bit), E(pointer_compare), E(pointer_compare_scalar),
    E(pointer_far_away), E(self_loop), E(loop_without_progress), E(loop_too_long), E(loop_on_data),
    E(call_chain_stack),
};
const unsigned bpf_rejects_count = sizeof bpf_rejects / sizeof bpf_rejects[0];
