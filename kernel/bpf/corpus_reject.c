/**
 * @file corpus_reject.c
 * @brief Programs the verifier must refuse (kernel/bpf/corpus.h), each with
 *        the words its message must contain: every rule of bpf_verify() is
 *        broken at least once, and each program is otherwise valid, so the
 *        message proves which rule caught it.
 *
 * The context is the "mem" type: r1 points at mem_len writable bytes and
 * r2 holds mem_len. A program that names BPF_CORPUS_MAP gets a map of its
 * own from bpf_reject_load(); more map rules are in the host test
 * (tests/host/test_bpf_verifier.c).
 */
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/string.h>

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

/* ---- A pointer never becomes a number ----
 * Every way a program could turn a kernel address into data it can return,
 * store in a map or the context, or hand to a helper. The first two are
 * the reproducers a differential fuzzer found: a 64-bit atomic on a stack
 * slot holding a spilled pointer left the slot as plain data (then read
 * back), or fetched the address into a register. */
/* stxdw [r10-8], r1; r2 = 0; atomic add [r10-8], r2; r0 = [r10-8]; exit */
REJECT(atomic_add_reads_spilled_ctx, 16, "64-bit atomic add on stack offset -8, which holds a context pointer",
       BPF_STX_MEM(BPF_DW, R10, R1, -8), BPF_MOV64_IMM(R2, 0), BPF_ATOMIC_OP(BPF_DW, BPF_ADD, R10, R2, -8),
       BPF_LDX_MEM(BPF_DW, R0, R10, -8), EXIT);
/* r3 = r10; stxdw [r10-16], r3; r2 = 5; xchg [r10-16], r2; r0 = r2; exit */
REJECT(atomic_xchg_fetches_spilled_stack, 16, "64-bit atomic xchg on stack offset -16, which holds a stack pointer",
       BPF_MOV64_REG(R3, R10), BPF_STX_MEM(BPF_DW, R10, R3, -16), BPF_MOV64_IMM(R2, 5),
       BPF_ATOMIC_OP(BPF_DW, BPF_XCHG, R10, R2, -16), BPF_MOV64_REG(R0, R2), EXIT);
/* Every atomic operation, 64 and 32 bits (the low and the high half), on
 * a spilled context pointer; the result fetched or read back. */
#define ATOMIC_ON_SPILL(nm, sz, off, op, why)                                                          \
    REJECT(nm, 16, why, BPF_STX_MEM(BPF_DW, R10, R1, -8), BPF_MOV64_IMM(R2, 0), BPF_MOV64_IMM(R0, 0), \
           BPF_ATOMIC_OP(sz, op, R10, R2, off), BPF_LDX_MEM(BPF_DW, R0, R10, -8), EXIT)
#define SPILL_MSG(bits, name, off) bits "-bit atomic " name " on stack offset " off ", which holds a context pointer"
ATOMIC_ON_SPILL(spill_atomic64_add, BPF_DW, -8, BPF_ADD, SPILL_MSG("64", "add", "-8"));
ATOMIC_ON_SPILL(spill_atomic64_or, BPF_DW, -8, BPF_OR, SPILL_MSG("64", "or", "-8"));
ATOMIC_ON_SPILL(spill_atomic64_and, BPF_DW, -8, BPF_AND, SPILL_MSG("64", "and", "-8"));
ATOMIC_ON_SPILL(spill_atomic64_xor, BPF_DW, -8, BPF_XOR, SPILL_MSG("64", "xor", "-8"));
ATOMIC_ON_SPILL(spill_atomic64_fetch_add, BPF_DW, -8, BPF_ADD | BPF_FETCH, SPILL_MSG("64", "fetch_add", "-8"));
ATOMIC_ON_SPILL(spill_atomic64_fetch_or, BPF_DW, -8, BPF_OR | BPF_FETCH, SPILL_MSG("64", "fetch_or", "-8"));
ATOMIC_ON_SPILL(spill_atomic64_fetch_and, BPF_DW, -8, BPF_AND | BPF_FETCH, SPILL_MSG("64", "fetch_and", "-8"));
ATOMIC_ON_SPILL(spill_atomic64_fetch_xor, BPF_DW, -8, BPF_XOR | BPF_FETCH, SPILL_MSG("64", "fetch_xor", "-8"));
ATOMIC_ON_SPILL(spill_atomic64_xchg, BPF_DW, -8, BPF_XCHG, SPILL_MSG("64", "xchg", "-8"));
ATOMIC_ON_SPILL(spill_atomic64_cmpxchg, BPF_DW, -8, BPF_CMPXCHG, SPILL_MSG("64", "cmpxchg", "-8"));
ATOMIC_ON_SPILL(spill_atomic32_add, BPF_W, -8, BPF_ADD, SPILL_MSG("32", "add", "-8"));
ATOMIC_ON_SPILL(spill_atomic32_or, BPF_W, -4, BPF_OR, SPILL_MSG("32", "or", "-4"));
ATOMIC_ON_SPILL(spill_atomic32_and, BPF_W, -8, BPF_AND, SPILL_MSG("32", "and", "-8"));
ATOMIC_ON_SPILL(spill_atomic32_xor, BPF_W, -4, BPF_XOR, SPILL_MSG("32", "xor", "-4"));
ATOMIC_ON_SPILL(spill_atomic32_fetch_add, BPF_W, -4, BPF_ADD | BPF_FETCH, SPILL_MSG("32", "fetch_add", "-4"));
ATOMIC_ON_SPILL(spill_atomic32_fetch_or, BPF_W, -8, BPF_OR | BPF_FETCH, SPILL_MSG("32", "fetch_or", "-8"));
ATOMIC_ON_SPILL(spill_atomic32_fetch_and, BPF_W, -4, BPF_AND | BPF_FETCH, SPILL_MSG("32", "fetch_and", "-4"));
ATOMIC_ON_SPILL(spill_atomic32_fetch_xor, BPF_W, -8, BPF_XOR | BPF_FETCH, SPILL_MSG("32", "fetch_xor", "-8"));
ATOMIC_ON_SPILL(spill_atomic32_xchg, BPF_W, -8, BPF_XCHG, SPILL_MSG("32", "xchg", "-8"));
ATOMIC_ON_SPILL(spill_atomic32_cmpxchg, BPF_W, -4, BPF_CMPXCHG, SPILL_MSG("32", "cmpxchg", "-4"));
/* the other kinds of pointer: a map and a map value */
REJECT(atomic_on_spilled_map, 16, "64-bit atomic add on stack offset -8, which holds a map spilled there",
       BPF_LD_MAP(R3, BPF_CORPUS_MAP), BPF_STX_MEM(BPF_DW, R10, R3, -8), BPF_MOV64_IMM(R2, 0),
       BPF_ATOMIC_OP(BPF_DW, BPF_ADD, R10, R2, -8), BPF_LDX_MEM(BPF_DW, R0, R10, -8), EXIT);
/* key 0 at r10-8; r0 = lookup; if r0 == 0 exit; spill r0 to -16; fetch_or */
REJECT(atomic_on_spilled_map_value, 16, "64-bit atomic fetch_or on stack offset -16, which holds a map value pointer",
       BPF_ST_MEM(BPF_DW, R10, -8, 0), BPF_LD_MAP(R1, BPF_CORPUS_MAP), BPF_MOV64_REG(R2, R10),
       BPF_ALU64_IMM(BPF_ADD, R2, -8), BPF_CALL_HELPER(BPF_FUNC_map_lookup_elem), BPF_JMP_IMM(BPF_JEQ, R0, 0, 4),
       BPF_STX_MEM(BPF_DW, R10, R0, -16), BPF_MOV64_IMM(R2, 0),
       BPF_ATOMIC_OP(BPF_DW, BPF_OR | BPF_FETCH, R10, R2, -16), BPF_MOV64_REG(R0, R2), EXIT);
/* a spilled pointer read in part, or sign-extended, or after part of it was overwritten */
REJECT(sign_extend_spilled_pointer, 16, "partial read of a pointer", BPF_STX_MEM(BPF_DW, R10, R1, -8),
       BPF_LDX_MEMSX(BPF_W, R0, R10, -8), EXIT);
REJECT(read_top_byte_of_spilled_pointer, 16, "partial read of a pointer", BPF_STX_MEM(BPF_DW, R10, R1, -8),
       BPF_LDX_MEM(BPF_B, R0, R10, -1), EXIT);
REJECT(read_rest_of_overwritten_pointer, 16, "read of uninitialised stack at offset -7",
       BPF_STX_MEM(BPF_DW, R10, R1, -8), BPF_ST_MEM(BPF_B, R10, -8, 0), BPF_LDX_MEM(BPF_DW, R0, R10, -8), EXIT);
/* moves and arithmetic that would make a number of it */
REJECT(sign_extending_move_of_pointer, 16, "sign-extending move", BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_X, R0, R1, 32, 0),
       EXIT);
REJECT(xor_pointer, 16, "only adding a scalar", BPF_ALU64_IMM(BPF_XOR, R1, 0), BPF_MOV64_REG(R0, R1), EXIT);
REJECT(and_pointer, 16, "only adding a scalar", BPF_ALU64_IMM(BPF_AND, R1, 0xfff), RET0);
REJECT(shift_pointer, 16, "only adding a scalar", BPF_ALU64_IMM(BPF_RSH, R1, 12), RET0);
REJECT(negate_pointer, 16, "only adding a scalar", BPF_INSN(BPF_ALU64 | BPF_NEG, R1, 0, 0, 0), RET0);
REJECT(byte_swap_pointer, 16, "only adding a scalar", BPF_INSN(BPF_ALU64 | BPF_END, R1, 0, 0, 64), RET0);
REJECT(pointer_minus_itself, 16, "only adding a scalar", BPF_MOV64_REG(R0, R1), BPF_ALU64_REG(BPF_SUB, R0, R1),
       EXIT);
/* comparisons that would reveal its bits */
REJECT(pointer_jset, 16, "pointers may only be compared with 0", BPF_JMP_IMM(BPF_JSET, R1, 1, 0), RET0);
REJECT(pointer_compare_32bit, 16, "pointers may only be compared with 0", BPF_JMP32_IMM(BPF_JEQ, R1, 0, 0), RET0);
REJECT(pointer_compare_greater_than_0, 16, "pointers may only be compared with 0", BPF_JMP_IMM(BPF_JGT, R1, 0, 0),
       RET0);
REJECT(scalar_compared_with_pointer, 16, "comparison of a scalar with a context pointer", BPF_MOV64_IMM(R3, 0),
       BPF_JMP_REG(BPF_JEQ, R3, R1, 0), RET0);
/* stores that would put one where it can be read out */
REJECT(cmpxchg_stores_pointer, 16, "a 64-bit atomic cmpxchg would store it", BPF_MOV64_REG(R0, R10),
       BPF_MOV64_IMM(R2, 0), BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, R1, R2, 0), RET0);
REJECT(xchg_stores_pointer, 16, "storing it with a 64-bit atomic xchg would leak", BPF_MOV64_REG(R2, R10),
       BPF_ATOMIC_OP(BPF_DW, BPF_XCHG, R1, R2, 0), RET0);
REJECT(map_stored_to_ctx, 16, "r3 is a map: storing it outside the stack", BPF_LD_MAP(R3, BPF_CORPUS_MAP),
       BPF_STX_MEM(BPF_DW, R1, R3, 0), RET0);
REJECT(pointer_stored_to_map_value, 16, "r10 is a stack pointer: storing it outside the stack",
       BPF_ST_MEM(BPF_DW, R10, -8, 0), BPF_LD_MAP(R1, BPF_CORPUS_MAP), BPF_MOV64_REG(R2, R10),
       BPF_ALU64_IMM(BPF_ADD, R2, -8), BPF_CALL_HELPER(BPF_FUNC_map_lookup_elem), BPF_JMP_IMM(BPF_JEQ, R0, 0, 1),
       BPF_STX_MEM(BPF_DW, R0, R10, 0), RET0);
/* helpers: a pointer as a number argument, a key or value holding one */
REJECT(pointer_as_helper_flags, 16, "map_update_elem: r4 must be a scalar, not a stack pointer",
       BPF_ST_MEM(BPF_DW, R10, -8, 0), BPF_ST_MEM(BPF_DW, R10, -16, 0), BPF_ST_MEM(BPF_DW, R10, -24, 0),
       BPF_LD_MAP(R1, BPF_CORPUS_MAP), BPF_MOV64_REG(R2, R10), BPF_ALU64_IMM(BPF_ADD, R2, -8),
       BPF_MOV64_REG(R3, R10), BPF_ALU64_IMM(BPF_ADD, R3, -24), BPF_MOV64_REG(R4, R10),
       BPF_CALL_HELPER(BPF_FUNC_map_update_elem), EXIT);
REJECT(pointer_in_map_value_argument, 16, "map_update_elem: r3 points at a stored pointer",
       BPF_ST_MEM(BPF_DW, R10, -8, 0), BPF_STX_MEM(BPF_DW, R10, R1, -24), BPF_ST_MEM(BPF_DW, R10, -16, 0),
       BPF_LD_MAP(R1, BPF_CORPUS_MAP), BPF_MOV64_REG(R2, R10), BPF_ALU64_IMM(BPF_ADD, R2, -8),
       BPF_MOV64_REG(R3, R10), BPF_ALU64_IMM(BPF_ADD, R3, -24), BPF_MOV64_IMM(R4, 0),
       BPF_CALL_HELPER(BPF_FUNC_map_update_elem), EXIT);
REJECT(pointer_in_map_key_argument, 16, "map_lookup_elem: r2 points at a stored pointer",
       BPF_STX_MEM(BPF_DW, R10, R1, -8), BPF_LD_MAP(R1, BPF_CORPUS_MAP), BPF_MOV64_REG(R2, R10),
       BPF_ALU64_IMM(BPF_ADD, R2, -8), BPF_CALL_HELPER(BPF_FUNC_map_lookup_elem), RET0);
REJECT(return_map, 16, "r0 is a map at exit", BPF_LD_MAP(R0, BPF_CORPUS_MAP), EXIT);

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
    E(call_chain_stack), E(atomic_add_reads_spilled_ctx), E(atomic_xchg_fetches_spilled_stack),
    E(spill_atomic64_add), E(spill_atomic64_or), E(spill_atomic64_and), E(spill_atomic64_xor),
    E(spill_atomic64_fetch_add), E(spill_atomic64_fetch_or), E(spill_atomic64_fetch_and),
    E(spill_atomic64_fetch_xor), E(spill_atomic64_xchg), E(spill_atomic64_cmpxchg), E(spill_atomic32_add),
    E(spill_atomic32_or), E(spill_atomic32_and), E(spill_atomic32_xor), E(spill_atomic32_fetch_add),
    E(spill_atomic32_fetch_or), E(spill_atomic32_fetch_and), E(spill_atomic32_fetch_xor), E(spill_atomic32_xchg),
    E(spill_atomic32_cmpxchg), E(atomic_on_spilled_map), E(atomic_on_spilled_map_value),
    E(sign_extend_spilled_pointer), E(read_top_byte_of_spilled_pointer), E(read_rest_of_overwritten_pointer),
    E(sign_extending_move_of_pointer), E(xor_pointer), E(and_pointer), E(shift_pointer), E(negate_pointer),
    E(byte_swap_pointer), E(pointer_minus_itself), E(pointer_jset), E(pointer_compare_32bit),
    E(pointer_compare_greater_than_0), E(scalar_compared_with_pointer), E(cmpxchg_stores_pointer),
    E(xchg_stores_pointer), E(map_stored_to_ctx), E(pointer_stored_to_map_value), E(pointer_as_helper_flags),
    E(pointer_in_map_value_argument), E(pointer_in_map_key_argument), E(return_map),
};
const unsigned bpf_rejects_count = sizeof bpf_rejects / sizeof bpf_rejects[0];

int bpf_reject_load(const struct bpf_reject_case *c, char *log, size_t logsz)
{
    struct bpf_insn *insns = kmalloc((size_t)c->len * sizeof *insns);
    if (!insns)
        return -ENOMEM;
    memcpy(insns, c->insns, (size_t)c->len * sizeof *insns);
    struct bpf_map *map = NULL;
    int rc = 0;
    for (uint32_t i = 0; i < c->len && rc == 0; i++)
        if (insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) && insns[i].src == BPF_PSEUDO_MAP_ID &&
            insns[i].imm == BPF_CORPUS_MAP) {
            if (!map)
                rc = bpf_map_create(BPF_MAP_TYPE_HASH, 8, 16, 4, "corpus", &map);
            if (map)
                insns[i].imm = (int32_t)map->id;
        }
    if (rc == 0) {
        struct bpf_ctx_desc ctx = bpf_ctx_mem(c->mem_len);
        struct bpf_load_opts opts = {c->name, &ctx, 1};
        struct bpf_prog *p = NULL;
        rc = bpf_prog_load(insns, c->len, &opts, &p, log, logsz);
        if (rc == 0)
            bpf_prog_free(p);
    }
    bpf_map_put(map);
    kfree(insns);
    return rc;
}
