/**
 * @file kernel/bpf_jit_cases.h
 * @brief Hand-written eBPF programs with the value each must return: the
 *        table every JIT's tests run through the interpreter and the JIT.
 *
 * The JITs' tests (tests/host/test_bpf_jit.c on the host, an arch's
 * bpf_jit_tests.c in the kernel) had each written these corners out, half
 * of them twice. The values are the RFC's (RFC 9669), not any arch's, so
 * one table serves every JIT; a corner one backend makes hard (a divide
 * with fixed registers, a fixed shift-count register, short immediates) is
 * a corner to check on the others too.
 * Each case runs as a whole program with no context (r1 = NULL, r2 = 0)
 * and 64 bytes of stack. Test code only: included by tests, never by the
 * kernel proper.
 */
#ifndef KERNEL_BPF_JIT_CASES_H
#define KERNEL_BPF_JIT_CASES_H

#include <kernel/bpf.h>
#include <stdint.h>

/** @brief Most instruction slots in one case (lddw takes two). */
#define BPF_JIT_CASE_MAX 12

/** @brief One program and the r0 both engines must return. */
struct bpf_jit_case {
    int line;                                /**< where it is written here, for the failure message */
    uint64_t want;                           /**< r0 per RFC 9669 */
    uint32_t len;                            /**< slots in insns */
    struct bpf_insn insns[BPF_JIT_CASE_MAX]; /**< the program */
};

/** @brief A case: @p want, then the program's instructions. */
#define BPF_JIT_CASE(want, ...)                                                                   \
    {__LINE__, (uint64_t)(want),                                                                  \
     (uint32_t)(sizeof((struct bpf_insn[]){__VA_ARGS__}) / sizeof(struct bpf_insn)), {__VA_ARGS__}}

/** @brief A byte swap: r0 = @p v, then (@p cls | BPF_END | @p src, @p bits) must leave @p want. */
#define BPF_JIT_SWAP(want, v, cls, src, bits) \
    BPF_JIT_CASE(want, BPF_LD_IMM64(0, v), BPF_INSN((cls) | BPF_END | (src), 0, 0, 0, bits), BPF_EXIT_INSN())

/** @brief The cases: ALU corners in every width, then jumps. */
static const struct bpf_jit_case bpf_jit_cases[] = {
    /* by zero: DIV gives 0, MOD leaves the dividend (32-bit: its low half) */
    BPF_JIT_CASE(0, BPF_MOV64_IMM(0, 7), BPF_MOV64_IMM(3, 0), BPF_ALU64_REG(BPF_DIV, 0, 3), BPF_EXIT_INSN()),
    BPF_JIT_CASE(7, BPF_MOV64_IMM(0, 7), BPF_MOV64_IMM(3, 0), BPF_ALU64_REG(BPF_MOD, 0, 3), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_LD_IMM64(0, 0xffffffff00000007ull), BPF_MOV64_IMM(3, 0), BPF_ALU32_REG(BPF_DIV, 0, 3),
                 BPF_EXIT_INSN()),
    BPF_JIT_CASE(7, BPF_LD_IMM64(0, 0xffffffff00000007ull), BPF_MOV64_IMM(3, 0), BPF_ALU32_REG(BPF_MOD, 0, 3),
                 BPF_EXIT_INSN()),
    BPF_JIT_CASE(7, BPF_LD_IMM64(0, 0xffffffff00000007ull), BPF_ALU32_IMM(BPF_MOD, 0, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xffffffff00000007ull, BPF_LD_IMM64(0, 0xffffffff00000007ull), BPF_ALU64_IMM(BPF_MOD, 0, 0),
                 BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_LD_IMM64(0, 0xffffffff00000007ull), BPF_ALU64_IMM(BPF_DIV, 0, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_LD_IMM64(0, 0xffffffff00000007ull), BPF_ALU32_IMM(BPF_DIV, 0, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_MOV64_IMM(0, -7), BPF_MOV64_IMM(3, 0), BPF_INSN(BPF_ALU64 | BPF_DIV | BPF_X, 0, 3, 1, 0),
                 BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_MOV64_IMM(0, -7), BPF_MOV64_IMM(3, 0), BPF_INSN(BPF_ALU | BPF_DIV | BPF_X, 0, 3, 1, 0),
                 BPF_EXIT_INSN()),
    BPF_JIT_CASE((uint64_t)-7, BPF_MOV64_IMM(0, -7), BPF_MOV64_IMM(3, 0),
                 BPF_INSN(BPF_ALU64 | BPF_MOD | BPF_X, 0, 3, 1, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xfffffff9, BPF_MOV64_IMM(0, -7), BPF_MOV64_IMM(3, 0),
                 BPF_INSN(BPF_ALU | BPF_MOD | BPF_X, 0, 3, 1, 0), BPF_EXIT_INSN()),
    /* a 32-bit divisor whose low half is 0, a 64-bit one whose low half is */
    BPF_JIT_CASE(9, BPF_MOV64_IMM(0, 9), BPF_LD_IMM64(3, 0x100000000ull), BPF_ALU32_REG(BPF_MOD, 0, 3),
                 BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_MOV64_IMM(0, 9), BPF_LD_IMM64(3, 0x100000000ull), BPF_ALU32_REG(BPF_DIV, 0, 3),
                 BPF_EXIT_INSN()),
    BPF_JIT_CASE(9, BPF_MOV64_IMM(0, 9), BPF_LD_IMM64(3, 0x100000000ull), BPF_ALU64_REG(BPF_DIV, 0, 3),
                 BPF_ALU64_IMM(BPF_ADD, 0, 9), BPF_EXIT_INSN()),
    BPF_JIT_CASE(2, BPF_LD_IMM64(0, 0x100000004ull), BPF_LD_IMM64(3, 0x700000002ull), BPF_ALU32_REG(BPF_DIV, 0, 3),
                 BPF_EXIT_INSN()),
    /* signed: INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0, in each width and form */
    BPF_JIT_CASE(0x8000000000000000ull, BPF_LD_IMM64(0, 0x8000000000000000ull), BPF_MOV64_IMM(2, -1),
                 BPF_INSN(BPF_ALU64 | BPF_DIV | BPF_X, 0, 2, 1, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_LD_IMM64(0, 0x8000000000000000ull), BPF_MOV64_IMM(2, -1),
                 BPF_INSN(BPF_ALU64 | BPF_MOD | BPF_X, 0, 2, 1, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x8000000000000000ull, BPF_LD_IMM64(0, 0x8000000000000000ull),
                 BPF_INSN(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 1, -1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_LD_IMM64(0, 0x8000000000000000ull), BPF_INSN(BPF_ALU64 | BPF_MOD | BPF_K, 0, 0, 1, -1),
                 BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x80000000, BPF_MOV64_IMM(0, INT32_MIN), BPF_MOV64_IMM(2, -1),
                 BPF_INSN(BPF_ALU | BPF_DIV | BPF_X, 0, 2, 1, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_MOV64_IMM(0, INT32_MIN), BPF_MOV64_IMM(2, -1),
                 BPF_INSN(BPF_ALU | BPF_MOD | BPF_X, 0, 2, 1, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x80000000, BPF_MOV64_IMM(0, INT32_MIN), BPF_INSN(BPF_ALU | BPF_DIV | BPF_K, 0, 0, 1, -1),
                 BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_MOV64_IMM(0, INT32_MIN), BPF_INSN(BPF_ALU | BPF_MOD | BPF_K, 0, 0, 1, -1), BPF_EXIT_INSN()),
    BPF_JIT_CASE((uint64_t)-3, BPF_MOV64_IMM(0, -7), BPF_MOV64_IMM(4, 2),
                 BPF_INSN(BPF_ALU64 | BPF_DIV | BPF_X, 0, 4, 1, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE((uint64_t)-1, BPF_MOV64_IMM(0, -7), BPF_INSN(BPF_ALU64 | BPF_MOD | BPF_K, 0, 0, 1, 2),
                 BPF_EXIT_INSN()),
    BPF_JIT_CASE((uint32_t)-3, BPF_MOV64_IMM(0, -7), BPF_INSN(BPF_ALU | BPF_DIV | BPF_K, 0, 0, 1, 2), BPF_EXIT_INSN()),
    BPF_JIT_CASE((uint32_t)-1, BPF_MOV64_IMM(0, -7), BPF_INSN(BPF_ALU | BPF_MOD | BPF_K, 0, 0, 1, 2), BPF_EXIT_INSN()),
    /* a divisor in r5 */
    BPF_JIT_CASE(0, BPF_MOV64_IMM(0, 5), BPF_MOV64_IMM(5, 0), BPF_INSN(BPF_ALU64 | BPF_DIV | BPF_X, 0, 5, 1, 0),
                 BPF_EXIT_INSN()),
    BPF_JIT_CASE(5, BPF_MOV64_IMM(0, 5), BPF_MOV64_IMM(5, 0), BPF_INSN(BPF_ALU64 | BPF_MOD | BPF_X, 0, 5, 1, 0),
                 BPF_EXIT_INSN()),
    /* unsigned by a sign-extended immediate; a register by itself */
    BPF_JIT_CASE(1, BPF_MOV64_IMM(0, -1), BPF_ALU64_IMM(BPF_DIV, 0, -1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_MOV64_IMM(0, 5), BPF_ALU64_IMM(BPF_DIV, 0, -1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x33333333, BPF_MOV64_IMM(0, -1), BPF_ALU32_IMM(BPF_DIV, 0, 5), BPF_EXIT_INSN()),
    BPF_JIT_CASE(1, BPF_MOV64_IMM(0, 77), BPF_ALU64_REG(BPF_DIV, 0, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_MOV64_IMM(3, 77), BPF_ALU32_REG(BPF_MOD, 3, 3), BPF_MOV64_REG(0, 3), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_MOV64_IMM(3, 0), BPF_ALU64_REG(BPF_DIV, 3, 3), BPF_MOV64_REG(0, 3), BPF_EXIT_INSN()),
    /* a dividend in r3 with r0 live, and the other way round (where a divide uses fixed registers) */
    BPF_JIT_CASE(103, BPF_MOV64_IMM(0, 100), BPF_MOV64_IMM(3, 17), BPF_MOV64_IMM(4, 5),
                 BPF_ALU64_REG(BPF_DIV, 3, 4), BPF_ALU64_REG(BPF_ADD, 0, 3), BPF_EXIT_INSN()),
    BPF_JIT_CASE(32, BPF_MOV64_IMM(0, 100), BPF_MOV64_IMM(3, 17), BPF_ALU64_REG(BPF_MOD, 0, 3),
                 BPF_ALU64_REG(BPF_ADD, 0, 3), BPF_EXIT_INSN()),
    BPF_JIT_CASE(18917, BPF_MOV64_IMM(0, 100), BPF_MOV64_IMM(3, 17), BPF_ALU64_REG(BPF_MOD, 3, 0),
                 BPF_ALU64_IMM(BPF_MUL, 3, 1000), BPF_ALU64_REG(BPF_ADD, 0, 3), BPF_ALU64_IMM(BPF_ADD, 0, 1917),
                 BPF_ALU64_IMM(BPF_SUB, 0, 100), BPF_EXIT_INSN()),
    /* shifts: counts masked to the width, 32-bit results zero-extended */
    BPF_JIT_CASE(0x10, BPF_MOV64_IMM(0, 1), BPF_MOV64_IMM(4, 68), BPF_ALU64_REG(BPF_LSH, 0, 4), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x10, BPF_MOV64_IMM(0, 1), BPF_MOV64_IMM(4, 36), BPF_ALU32_REG(BPF_LSH, 0, 4), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x80000000, BPF_LD_IMM64(0, 0xffffffff80000000ull), BPF_MOV32_IMM(2, 0),
                 BPF_ALU32_REG(BPF_LSH, 0, 2), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x80000000, BPF_LD_IMM64(0, 0xffffffff80000000ull), BPF_ALU32_IMM(BPF_RSH, 0, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x80000000, BPF_LD_IMM64(0, 0xffffffff80000000ull), BPF_ALU32_IMM(BPF_LSH, 0, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xf8000000, BPF_MOV32_IMM(0, INT32_MIN), BPF_ALU32_IMM(BPF_ARSH, 0, 4), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x80000000, BPF_MOV32_IMM(0, INT32_MIN), BPF_ALU32_IMM(BPF_ARSH, 0, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xffffffff, BPF_MOV32_IMM(0, INT32_MIN), BPF_ALU32_IMM(BPF_ARSH, 0, 31), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xfffffffff8000000ull, BPF_MOV64_IMM(0, INT32_MIN), BPF_ALU64_IMM(BPF_ARSH, 0, 4), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x0fffffff, BPF_MOV32_IMM(0, -1), BPF_MOV64_IMM(4, 36), BPF_ALU32_REG(BPF_RSH, 0, 4), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x1, BPF_LD_IMM64(0, 0x1ffffffffull), BPF_ALU32_IMM(BPF_RSH, 0, 31), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x80000000, BPF_LD_IMM64(0, 0x3ffffffffull), BPF_ALU32_IMM(BPF_LSH, 0, 31), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xffffffff, BPF_LD_IMM64(4, 0xfffffffffffffff0ull), BPF_MOV64_IMM(2, 0x44),
                 BPF_ALU32_REG(BPF_ARSH, 4, 2), BPF_MOV64_REG(0, 4), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x8000000000000000ull, BPF_MOV64_IMM(0, 1), BPF_ALU64_IMM(BPF_LSH, 0, 63), BPF_EXIT_INSN()),
    BPF_JIT_CASE((uint64_t)-1, BPF_MOV64_IMM(0, INT32_MIN), BPF_ALU64_IMM(BPF_ARSH, 0, 63), BPF_EXIT_INSN()),
    BPF_JIT_CASE(1, BPF_MOV64_IMM(0, -1), BPF_ALU64_IMM(BPF_RSH, 0, 63), BPF_EXIT_INSN()),
    /* shifts: count in r4 and elsewhere, dst r4 (where a shift takes its count in a fixed register) */
    BPF_JIT_CASE(32, BPF_MOV64_IMM(4, 3), BPF_MOV64_IMM(0, 1), BPF_ALU64_REG(BPF_LSH, 0, 4),
                 BPF_ALU64_REG(BPF_LSH, 4, 4), BPF_ALU64_REG(BPF_ADD, 0, 4), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x10007, BPF_MOV64_IMM(4, 1), BPF_MOV64_IMM(5, 16), BPF_MOV64_IMM(0, 7),
                 BPF_ALU64_REG(BPF_LSH, 4, 5), BPF_ALU64_REG(BPF_ADD, 0, 4), BPF_EXIT_INSN()),
    /* 0x20041 >> (0x41 & 63 = 1) */
    BPF_JIT_CASE(0x10024, BPF_MOV64_IMM(4, 4), BPF_MOV64_IMM(6, 0x20000), BPF_ALU64_IMM(BPF_ADD, 6, 65),
                 BPF_ALU64_REG(BPF_RSH, 6, 6), BPF_MOV64_REG(0, 6), BPF_ALU64_REG(BPF_ADD, 0, 4), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x80000000, BPF_LD_IMM64(0, 0xffffffff80000000ull), BPF_ALU32_IMM(BPF_RSH, 0, 32), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x0fffffff, BPF_MOV32_IMM(0, -1), BPF_MOV64_IMM(3, 36), BPF_ALU32_REG(BPF_RSH, 0, 3), BPF_EXIT_INSN()),
    /* 32-bit results are zero-extended */
    BPF_JIT_CASE(0xfffffffe, BPF_MOV64_IMM(0, -1), BPF_ALU32_IMM(BPF_ADD, 0, -1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xffffffff, BPF_MOV64_IMM(0, 1), BPF_ALU32_IMM(BPF_NEG, 0, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE((uint64_t)-1, BPF_MOV64_IMM(0, 1), BPF_ALU64_IMM(BPF_NEG, 0, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x1, BPF_MOV64_IMM(0, -1), BPF_ALU32_REG(BPF_MUL, 0, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xfffffffe, BPF_MOV64_IMM(0, -1), BPF_MOV64_IMM(2, 2), BPF_ALU32_REG(BPF_MUL, 0, 2), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x7fffffff, BPF_MOV64_IMM(0, -1), BPF_MOV64_IMM(2, 0x7fffffff), BPF_ALU32_REG(BPF_AND, 0, 2),
                 BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xffffffff, BPF_MOV64_IMM(0, -1), BPF_MOV32_IMM(2, 0), BPF_ALU32_REG(BPF_OR, 0, 2), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xfffffffe, BPF_MOV64_IMM(0, -1), BPF_MOV64_IMM(2, 1), BPF_ALU32_REG(BPF_XOR, 0, 2), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xffffffff, BPF_MOV64_IMM(0, 0), BPF_MOV64_IMM(2, 1), BPF_ALU32_REG(BPF_SUB, 0, 2), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x2, BPF_MOV64_IMM(0, -1), BPF_MOV64_REG(7, 0), BPF_ALU32_REG(BPF_MOV, 7, 7),
                 BPF_ALU64_IMM(BPF_RSH, 7, 31), BPF_MOV64_REG(0, 7), BPF_ALU64_IMM(BPF_SUB, 0, -1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xffffffff, BPF_MOV32_IMM(0, -1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xfffff800, BPF_MOV32_IMM(0, -2048), BPF_EXIT_INSN()),
    BPF_JIT_CASE((uint64_t)-6, BPF_MOV64_IMM(8, -3), BPF_ALU64_IMM(BPF_MUL, 8, 2), BPF_MOV64_REG(0, 8),
                 BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xffffffffffffff00ull, BPF_LD_IMM64(0, 0x00ffffffffffffffull),
                 BPF_ALU64_IMM(BPF_AND, 0, 0xffffff00), /* imm sign-extended */
                 BPF_LD_IMM64(3, 0xffffff0000000000ull), BPF_ALU64_REG(BPF_OR, 0, 3), BPF_EXIT_INSN()),
    /* MOVSX, into 64 and 32 bits */
    BPF_JIT_CASE(0xffffffffffffff80ull, BPF_MOV64_IMM(2, 0x180), BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_X, 0, 2, 8, 0),
                 BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xffffff80, BPF_MOV64_IMM(6, 0x180), BPF_INSN(BPF_ALU | BPF_MOV | BPF_X, 0, 6, 8, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x7f, BPF_MOV64_IMM(6, 0x17f), BPF_INSN(BPF_ALU | BPF_MOV | BPF_X, 0, 6, 8, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xffffffffffff8000ull, BPF_MOV64_IMM(1, 0x18000),
                 BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 16, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xffff8000, BPF_MOV64_IMM(1, 0x18000), BPF_INSN(BPF_ALU | BPF_MOV | BPF_X, 0, 1, 16, 0),
                 BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xffffffff80000000ull, BPF_LD_IMM64(9, 0x180000000ull),
                 BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_X, 0, 9, 32, 0), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x7fffffff, BPF_LD_IMM64(9, 0xf7fffffffull), BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_X, 0, 9, 32, 0),
                 BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x7f, BPF_MOV64_IMM(2, 0x7f), BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 2, 8, 0),
                 BPF_MOV64_REG(0, 2), BPF_EXIT_INSN()),
    /* byte swaps: to big-endian swaps, to little-endian truncates, ALU64 always swaps */
    BPF_JIT_SWAP(0x8807, 0x0182038405860788ull, BPF_ALU, BPF_TO_BE, 16),
    BPF_JIT_SWAP(0x88078605, 0x0182038405860788ull, BPF_ALU, BPF_TO_BE, 32),
    BPF_JIT_SWAP(0x8807860584038201ull, 0x0182038405860788ull, BPF_ALU, BPF_TO_BE, 64),
    BPF_JIT_SWAP(0x0788, 0x0182038405860788ull, BPF_ALU, BPF_TO_LE, 16),
    BPF_JIT_SWAP(0x05860788, 0x0182038405860788ull, BPF_ALU, BPF_TO_LE, 32),
    BPF_JIT_SWAP(0x0182038405860788ull, 0x0182038405860788ull, BPF_ALU, BPF_TO_LE, 64),
    BPF_JIT_SWAP(0x8807, 0x0182038405860788ull, BPF_ALU64, BPF_TO_LE, 16),
    BPF_JIT_SWAP(0x88078605, 0x0182038405860788ull, BPF_ALU64, BPF_TO_LE, 32),
    BPF_JIT_SWAP(0x8807860584038201ull, 0x0182038405860788ull, BPF_ALU64, BPF_TO_LE, 64),
    /* one bit per byte: a byte not masked on its way shows in another */
    BPF_JIT_SWAP(0x0102, 0x8040201008040201ull, BPF_ALU, BPF_TO_BE, 16),
    BPF_JIT_SWAP(0x01020408, 0x8040201008040201ull, BPF_ALU, BPF_TO_BE, 32),
    BPF_JIT_SWAP(0x0102040810204080ull, 0x8040201008040201ull, BPF_ALU, BPF_TO_BE, 64),
    BPF_JIT_SWAP(0x0102, 0x8040201008040201ull, BPF_ALU64, BPF_TO_LE, 16),
    BPF_JIT_SWAP(0x01020408, 0x8040201008040201ull, BPF_ALU64, BPF_TO_LE, 32),
    BPF_JIT_SWAP(0x0102040810204080ull, 0x8040201008040201ull, BPF_ALU64, BPF_TO_LE, 64),
    BPF_JIT_CASE(0x0201, BPF_MOV64_IMM(6, 0x30102), BPF_INSN(BPF_ALU64 | BPF_END, 6, 0, 0, 16),
                 BPF_MOV64_REG(0, 6), BPF_EXIT_INSN()),
    /* distinct bytes */
    BPF_JIT_SWAP(0x0807, 0x0102030405060708ull, BPF_ALU, BPF_TO_BE, 16),
    BPF_JIT_SWAP(0x08070605, 0x0102030405060708ull, BPF_ALU, BPF_TO_BE, 32),
    BPF_JIT_SWAP(0x0807060504030201ull, 0x0102030405060708ull, BPF_ALU, BPF_TO_BE, 64),
    BPF_JIT_SWAP(0x0708, 0x0102030405060708ull, BPF_ALU, BPF_TO_LE, 16),
    BPF_JIT_SWAP(0x05060708, 0x0102030405060708ull, BPF_ALU, BPF_TO_LE, 32),
    BPF_JIT_SWAP(0x0102030405060708ull, 0x0102030405060708ull, BPF_ALU, BPF_TO_LE, 64),
    BPF_JIT_SWAP(0x0807, 0x0102030405060708ull, BPF_ALU64, BPF_TO_LE, 16),
    BPF_JIT_SWAP(0x08070605, 0x0102030405060708ull, BPF_ALU64, BPF_TO_LE, 32),
    BPF_JIT_SWAP(0x0807060504030201ull, 0x0102030405060708ull, BPF_ALU64, BPF_TO_LE, 64),
    /* lddw of each kind of constant */
    BPF_JIT_CASE(0x123456789abcdef0ull, BPF_LD_IMM64(0, 0x123456789abcdef0ull), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xffffffff, BPF_LD_IMM64(0, 0xffffffffull), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0xffffffff80000000ull, BPF_LD_IMM64(0, 0xffffffff80000000ull), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0x7fffffffffffffffull, BPF_LD_IMM64(0, 0x7fffffffffffffffull), BPF_EXIT_INSN()),
    /* 32-bit compares look at the low halves only */
    BPF_JIT_CASE(1, BPF_LD_IMM64(2, 0x100000005ull), BPF_MOV64_IMM(0, 0), BPF_JMP32_IMM(BPF_JEQ, 2, 5, 1),
                 BPF_EXIT_INSN(), BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_LD_IMM64(2, 0x100000005ull), BPF_MOV64_IMM(0, 0), BPF_JMP_IMM(BPF_JEQ, 2, 5, 1),
                 BPF_EXIT_INSN(), BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(1, BPF_LD_IMM64(2, 0x1ffffffffull), BPF_MOV64_IMM(0, 0), BPF_JMP32_IMM(BPF_JSLT, 2, 0, 1),
                 BPF_EXIT_INSN(), BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_LD_IMM64(2, 0x1ffffffffull), BPF_MOV64_IMM(0, 0), BPF_JMP_IMM(BPF_JSLT, 2, 0, 1),
                 BPF_EXIT_INSN(), BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(1, BPF_MOV64_IMM(2, -1), BPF_MOV64_IMM(3, 1), BPF_MOV64_IMM(0, 0), BPF_JMP_REG(BPF_JGT, 2, 3, 1),
                 BPF_EXIT_INSN(), BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_MOV64_IMM(2, -1), BPF_MOV64_IMM(3, 1), BPF_MOV64_IMM(0, 0), BPF_JMP_REG(BPF_JSGT, 2, 3, 1),
                 BPF_EXIT_INSN(), BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(1, BPF_MOV64_IMM(2, 6), BPF_MOV64_IMM(0, 0), BPF_JMP_IMM(BPF_JSET, 2, 4, 1), BPF_EXIT_INSN(),
                 BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_MOV64_IMM(2, 6), BPF_MOV64_IMM(0, 0), BPF_JMP_IMM(BPF_JSET, 2, 9, 1), BPF_EXIT_INSN(),
                 BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(1, BPF_LD_IMM64(2, 0x100000000ull), BPF_MOV64_IMM(0, 0), BPF_JMP_IMM(BPF_JSET, 2, -1, 1),
                 BPF_EXIT_INSN(), BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_LD_IMM64(2, 0x100000000ull), BPF_MOV64_IMM(0, 0), BPF_JMP32_IMM(BPF_JSET, 2, -1, 1),
                 BPF_EXIT_INSN(), BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(1, BPF_MOV64_IMM(2, -2), BPF_MOV64_IMM(0, 0), BPF_JMP_IMM(BPF_JSLE, 2, -2, 1), BPF_EXIT_INSN(),
                 BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(1, BPF_MOV64_IMM(2, 3), BPF_MOV64_IMM(0, 0), BPF_JMP_IMM(BPF_JLE, 2, 3, 1), BPF_EXIT_INSN(),
                 BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_MOV64_IMM(2, 3), BPF_MOV64_IMM(0, 0), BPF_JMP_IMM(BPF_JLT, 2, 3, 1), BPF_EXIT_INSN(),
                 BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(1, BPF_MOV64_IMM(2, 3), BPF_MOV64_IMM(0, 0), BPF_JMP_IMM(BPF_JGE, 2, 3, 1), BPF_EXIT_INSN(),
                 BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(1, BPF_MOV64_IMM(2, 0), BPF_MOV64_IMM(0, 0), BPF_JMP_IMM(BPF_JSGE, 2, 0, 1), BPF_EXIT_INSN(),
                 BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(0, BPF_MOV64_IMM(2, -1), BPF_MOV64_IMM(0, 0), BPF_JMP_IMM(BPF_JSGE, 2, 0, 1), BPF_EXIT_INSN(),
                 BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    BPF_JIT_CASE(1, BPF_MOV64_IMM(2, -1), BPF_MOV64_IMM(0, 0), BPF_JMP_IMM(BPF_JNE, 2, 0, 1), BPF_EXIT_INSN(),
                 BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    /* 32-bit JSET looks at the low halves only */
    BPF_JIT_CASE(1, BPF_LD_IMM64(2, 0x100001000ull), BPF_MOV64_IMM(0, 0), BPF_JMP32_IMM(BPF_JSET, 2, 0x3000, 1),
                 BPF_EXIT_INSN(), BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()),
    /* gotol and ja over code */
    BPF_JIT_CASE(5, BPF_MOV64_IMM(0, 5), BPF_JMP32_A(1), BPF_MOV64_IMM(0, 6), BPF_EXIT_INSN()),
    BPF_JIT_CASE(6, BPF_MOV64_IMM(0, 5), BPF_JMP_A(0), BPF_MOV64_IMM(0, 6), BPF_EXIT_INSN()),
    BPF_JIT_CASE(3, BPF_MOV64_IMM(0, 0), BPF_JMP_A(2), BPF_ALU64_IMM(BPF_ADD, 0, 1), BPF_EXIT_INSN(),
                 BPF_ALU64_IMM(BPF_ADD, 0, 2), BPF_JMP32_A(-4)),
};

/** @brief Entries in bpf_jit_cases. */
#define BPF_JIT_NCASES ((uint32_t)(sizeof bpf_jit_cases / sizeof bpf_jit_cases[0]))

#endif
