/**
 * @file interp.c
 * @brief The eBPF interpreter: the reference semantics the JITs must match.
 *
 * It runs only programs the verifier accepted, so it does not check memory
 * accesses or registers; what it must get right is every corner RFC 9669
 * defines (see kernel/bpf.h): zero-extension of 32-bit results, masked
 * shift counts, division and modulo by zero, INT_MIN / -1, sign-extending
 * moves and loads, byte swaps, atomics, program-local calls.
 *
 * Dispatch is a switch on the opcode byte; clang turns it into a jump
 * table. Frames of program-local calls (r6-r9, the return address and the
 * caller's r10) are kept in a small array, and every frame's stack is
 * carved from one buffer on the C stack, each function taking the depth
 * the verifier measured for it.
 */
#include <kernel/bpf.h>

#include "bpf_internal.h"

struct frame {
    uint64_t saved[4]; /* the caller's r6-r9 */
    uint64_t r10;      /* the caller's frame pointer */
    uint32_t ret_pc;   /* where the caller goes on */
};

/* An atomic read-modify-write; returns the old value (what FETCH gives). */
static uint64_t atomic_op(uintptr_t addr, int dw, int32_t op, uint64_t v, uint64_t *r0)
{
    if (dw) {
        uint64_t *p = (uint64_t *)addr;
        switch (op & ~BPF_FETCH) {
        case BPF_ADD:
            return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
        case BPF_OR:
            return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);
        case BPF_AND:
            return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST);
        case BPF_XOR:
            return __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST);
        case BPF_XCHG & ~BPF_FETCH:
            return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
        default: { /* CMPXCHG: compare with r0, r0 gets the old value */
            uint64_t expected = *r0;
            __atomic_compare_exchange_n(p, &expected, v, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            *r0 = expected;
            return expected;
        }
        }
    }
    uint32_t *p = (uint32_t *)addr, w = (uint32_t)v;
    switch (op & ~BPF_FETCH) {
    case BPF_ADD:
        return __atomic_fetch_add(p, w, __ATOMIC_SEQ_CST);
    case BPF_OR:
        return __atomic_fetch_or(p, w, __ATOMIC_SEQ_CST);
    case BPF_AND:
        return __atomic_fetch_and(p, w, __ATOMIC_SEQ_CST);
    case BPF_XOR:
        return __atomic_fetch_xor(p, w, __ATOMIC_SEQ_CST);
    case BPF_XCHG & ~BPF_FETCH:
        return __atomic_exchange_n(p, w, __ATOMIC_SEQ_CST);
    default: {
        uint32_t expected = (uint32_t)*r0;
        __atomic_compare_exchange_n(p, &expected, w, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        *r0 = expected; /* zero-extended */
        return expected;
    }
    }
}

/* The function containing instruction @p pc (subprog_start is ascending). */
static unsigned subprog_of(const struct bpf_prog *prog, uint32_t pc)
{
    unsigned i = 0;
    while (i + 1 < prog->nsubprogs && prog->subprog_start[i + 1] <= pc)
        i++;
    return i;
}

/* Direct threading: every opcode byte has its own handler, reached through
 * one table lookup and an indirect jump at the end of the previous handler
 * (computed goto, a GNU C extension clang and gcc share), so there is no
 * second decode of class and operation and the branch predictor sees one
 * indirect jump per handler. */
#define NEXT()                        \
    do {                              \
        in = &insn[pc++];             \
        goto *dispatch[in->code];     \
    } while (0)
#define dst (&r[in->dst])

#define SRC_X r[in->src]
#define SRC_K ((uint64_t)(int64_t)in->imm)

/* Four handlers per ALU operation: 64/32-bit, register/immediate. */
#define ALU_OP(name, OP, expr64, expr32)                     \
    alu64_##name##_x : { uint64_t a = *dst, b = SRC_X;       \
        *dst = (expr64); NEXT(); }                           \
    alu64_##name##_k : { uint64_t a = *dst, b = SRC_K;       \
        *dst = (expr64); NEXT(); }                           \
    alu32_##name##_x : { uint32_t a = (uint32_t)*dst, b = (uint32_t)SRC_X; \
        *dst = (uint32_t)(expr32); NEXT(); }                 \
    alu32_##name##_k : { uint32_t a = (uint32_t)*dst, b = (uint32_t)in->imm; \
        *dst = (uint32_t)(expr32); NEXT(); }
#define ALU_ENTRIES(name, OP)                                              \
    [BPF_ALU64 | OP | BPF_X] = &&alu64_##name##_x, [BPF_ALU64 | OP | BPF_K] = &&alu64_##name##_k, \
    [BPF_ALU | OP | BPF_X] = &&alu32_##name##_x, [BPF_ALU | OP | BPF_K] = &&alu32_##name##_k

/* Four handlers per conditional jump: 64/32-bit, register/immediate. */
#define JMP_OP(name, OP, T, cmp)                                                     \
    jmp_##name##_x : { T a = (T)*dst, b = (T)SRC_X; if (a cmp b) pc += (uint32_t)(int32_t)in->off; NEXT(); } \
    jmp_##name##_k : { T a = (T)*dst, b = (T)SRC_K; if (a cmp b) pc += (uint32_t)(int32_t)in->off; NEXT(); } \
    jmp32_##name##_x : { T##32 a = (T##32)*dst, b = (T##32)SRC_X; if (a cmp b) pc += (uint32_t)(int32_t)in->off; NEXT(); } \
    jmp32_##name##_k : { T##32 a = (T##32)*dst, b = (T##32)in->imm; if (a cmp b) pc += (uint32_t)(int32_t)in->off; NEXT(); }
#define JMP_ENTRIES(name, OP)                                                        \
    [BPF_JMP | OP | BPF_X] = &&jmp_##name##_x, [BPF_JMP | OP | BPF_K] = &&jmp_##name##_k, \
    [BPF_JMP32 | OP | BPF_X] = &&jmp32_##name##_x, [BPF_JMP32 | OP | BPF_K] = &&jmp32_##name##_k

typedef uint64_t u;
typedef uint32_t u32;
typedef int64_t s;
typedef int32_t s32;

#define LDX(name, SZ, T)                                                               \
    ldx_##name : { T v; __builtin_memcpy(&v, (const void *)(uintptr_t)(r[in->src] + (uint64_t)(int64_t)in->off), sizeof v); \
        *dst = (uint64_t)v; NEXT(); }
#define STX(name, SZ, T)                                                               \
    stx_##name : { T v = (T)SRC_X; __builtin_memcpy((void *)(uintptr_t)(*dst + (uint64_t)(int64_t)in->off), &v, sizeof v); NEXT(); } \
    st_##name : { T v = (T)SRC_K; __builtin_memcpy((void *)(uintptr_t)(*dst + (uint64_t)(int64_t)in->off), &v, sizeof v); NEXT(); }

uint64_t bpf_interp(const struct bpf_prog *prog, const void *ctx, uint64_t r2)
{
/* every slot defaults to `bad`, then the opcodes override theirs */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Winitializer-overrides"
    static const void *const dispatch[256] = {
        [0 ... 255] = &&bad,
        ALU_ENTRIES(add, BPF_ADD), ALU_ENTRIES(sub, BPF_SUB), ALU_ENTRIES(mul, BPF_MUL),
        ALU_ENTRIES(or, BPF_OR), ALU_ENTRIES(and, BPF_AND), ALU_ENTRIES(xor, BPF_XOR),
        ALU_ENTRIES(lsh, BPF_LSH), ALU_ENTRIES(rsh, BPF_RSH), ALU_ENTRIES(arsh, BPF_ARSH),
        ALU_ENTRIES(div, BPF_DIV), ALU_ENTRIES(mod, BPF_MOD), ALU_ENTRIES(mov, BPF_MOV),
        [BPF_ALU64 | BPF_NEG] = &&alu64_neg, [BPF_ALU | BPF_NEG] = &&alu32_neg,
        [BPF_ALU | BPF_END | BPF_TO_LE] = &&end_le, [BPF_ALU | BPF_END | BPF_TO_BE] = &&end_swap,
        [BPF_ALU64 | BPF_END] = &&end_swap,
        JMP_ENTRIES(jeq, BPF_JEQ), JMP_ENTRIES(jne, BPF_JNE), JMP_ENTRIES(jgt, BPF_JGT),
        JMP_ENTRIES(jge, BPF_JGE), JMP_ENTRIES(jlt, BPF_JLT), JMP_ENTRIES(jle, BPF_JLE),
        JMP_ENTRIES(jsgt, BPF_JSGT), JMP_ENTRIES(jsge, BPF_JSGE), JMP_ENTRIES(jslt, BPF_JSLT),
        JMP_ENTRIES(jsle, BPF_JSLE), JMP_ENTRIES(jset, BPF_JSET),
        [BPF_JMP | BPF_JA] = &&ja, [BPF_JMP32 | BPF_JA] = &&gotol,
        [BPF_JMP | BPF_CALL] = &&call, [BPF_JMP | BPF_EXIT] = &&exit_,
        [BPF_LD | BPF_DW | BPF_IMM] = &&lddw,
        [BPF_LDX | BPF_MEM | BPF_B] = &&ldx_b, [BPF_LDX | BPF_MEM | BPF_H] = &&ldx_h,
        [BPF_LDX | BPF_MEM | BPF_W] = &&ldx_w, [BPF_LDX | BPF_MEM | BPF_DW] = &&ldx_dw,
        [BPF_LDX | BPF_MEMSX | BPF_B] = &&ldx_sb, [BPF_LDX | BPF_MEMSX | BPF_H] = &&ldx_sh,
        [BPF_LDX | BPF_MEMSX | BPF_W] = &&ldx_sw,
        [BPF_STX | BPF_MEM | BPF_B] = &&stx_b, [BPF_STX | BPF_MEM | BPF_H] = &&stx_h,
        [BPF_STX | BPF_MEM | BPF_W] = &&stx_w, [BPF_STX | BPF_MEM | BPF_DW] = &&stx_dw,
        [BPF_ST | BPF_MEM | BPF_B] = &&st_b, [BPF_ST | BPF_MEM | BPF_H] = &&st_h,
        [BPF_ST | BPF_MEM | BPF_W] = &&st_w, [BPF_ST | BPF_MEM | BPF_DW] = &&st_dw,
        [BPF_STX | BPF_ATOMIC | BPF_W] = &&atomic, [BPF_STX | BPF_ATOMIC | BPF_DW] = &&atomic,
    };
#pragma clang diagnostic pop
    _Alignas(16) uint8_t stack[BPF_STACK_TOTAL];
    struct frame frames[BPF_MAX_FRAMES];
    unsigned depth = 0;
    uint64_t r[BPF_NREGS] = {0};
    const struct bpf_insn *insn = prog->insns, *in;
    uint32_t pc = 0;

    r[1] = (uintptr_t)ctx;
    r[2] = r2;
    r[10] = (uintptr_t)(stack + prog->stack_depth[0]);
    NEXT();

    ALU_OP(add, BPF_ADD, a + b, a + b)
    ALU_OP(sub, BPF_SUB, a - b, a - b)
    ALU_OP(mul, BPF_MUL, a * b, a * b)
    ALU_OP(or, BPF_OR, a | b, a | b)
    ALU_OP(and, BPF_AND, a & b, a & b)
    ALU_OP(xor, BPF_XOR, a ^ b, a ^ b)
    ALU_OP(lsh, BPF_LSH, a << (b & 63), a << (b & 31))
    ALU_OP(rsh, BPF_RSH, a >> (b & 63), a >> (b & 31))
    ALU_OP(arsh, BPF_ARSH, (uint64_t)((int64_t)a >> (b & 63)), (uint32_t)((int32_t)a >> (b & 31)))
    ALU_OP(div, BPF_DIV, bpf_alu(BPF_DIV, a, b, in->off, 0), bpf_alu(BPF_DIV, a, b, in->off, 1))
    ALU_OP(mod, BPF_MOD, bpf_alu(BPF_MOD, a, b, in->off, 0), bpf_alu(BPF_MOD, a, b, in->off, 1))
    /* MOV: off 8/16/32 is MOVSX (into 32 bits: sign-extend to 32, then zero-extend) */
    ALU_OP(mov, BPF_MOV, ((void)a, in->off ? bpf_sext(b, (unsigned)in->off) : b),
           ((void)a, in->off ? (uint32_t)bpf_sext(b, (unsigned)in->off) : b))
alu64_neg:
    *dst = 0 - *dst;
    NEXT();
alu32_neg:
    *dst = (uint32_t)(0 - (uint32_t)*dst);
    NEXT();
end_le: /* this CPU is little-endian: truncate */
    *dst = bpf_trunc(*dst, in->imm);
    NEXT();
end_swap:
    *dst = bpf_bswap(*dst, in->imm);
    NEXT();

    JMP_OP(jeq, BPF_JEQ, u, ==)
    JMP_OP(jne, BPF_JNE, u, !=)
    JMP_OP(jgt, BPF_JGT, u, >)
    JMP_OP(jge, BPF_JGE, u, >=)
    JMP_OP(jlt, BPF_JLT, u, <)
    JMP_OP(jle, BPF_JLE, u, <=)
    JMP_OP(jsgt, BPF_JSGT, s, >)
    JMP_OP(jsge, BPF_JSGE, s, >=)
    JMP_OP(jslt, BPF_JSLT, s, <)
    JMP_OP(jsle, BPF_JSLE, s, <=)
jmp_jset_x:
    if (*dst & SRC_X)
        pc += (uint32_t)(int32_t)in->off;
    NEXT();
jmp_jset_k:
    if (*dst & SRC_K)
        pc += (uint32_t)(int32_t)in->off;
    NEXT();
jmp32_jset_x:
    if ((uint32_t)*dst & (uint32_t)SRC_X)
        pc += (uint32_t)(int32_t)in->off;
    NEXT();
jmp32_jset_k:
    if ((uint32_t)*dst & (uint32_t)in->imm)
        pc += (uint32_t)(int32_t)in->off;
    NEXT();
ja:
    pc += (uint32_t)(int32_t)in->off;
    NEXT();
gotol:
    pc += (uint32_t)in->imm;
    NEXT();
lddw:
    *dst = (uint64_t)(uint32_t)in->imm | ((uint64_t)(uint32_t)in[1].imm << 32);
    pc++;
    NEXT();

    LDX(b, BPF_B, uint8_t)
    LDX(h, BPF_H, uint16_t)
    LDX(w, BPF_W, uint32_t)
    LDX(dw, BPF_DW, uint64_t)
    /* Sign-extending loads (BPF_MEMSX): the same, with a signed T, whose
     * conversion to uint64_t sign-extends. */
    LDX(sb, BPF_B, int8_t)
    LDX(sh, BPF_H, int16_t)
    LDX(sw, BPF_W, int32_t)
    STX(b, BPF_B, uint8_t)
    STX(h, BPF_H, uint16_t)
    STX(w, BPF_W, uint32_t)
    STX(dw, BPF_DW, uint64_t)
atomic: {
    int dw = BPF_SIZE(in->code) == BPF_DW;
    uint64_t old = atomic_op((uintptr_t)(*dst + (uint64_t)(int64_t)in->off), dw, in->imm, r[in->src], &r[0]);
    if ((in->imm & BPF_FETCH) && in->imm != BPF_CMPXCHG)
        r[in->src] = dw ? old : (uint32_t)old;
    NEXT();
}
call:
    if (in->src == BPF_PSEUDO_CALL) {
        struct frame *f = &frames[depth++];
        f->saved[0] = r[6];
        f->saved[1] = r[7];
        f->saved[2] = r[8];
        f->saved[3] = r[9];
        f->r10 = r[10];
        f->ret_pc = pc;
        pc += (uint32_t)in->imm;
        r[10] += prog->stack_depth[subprog_of(prog, pc)];
    } else {
        const struct bpf_helper *h = bpf_helper_get(in->imm);
        r[0] = h->fn(r[1], r[2], r[3], r[4], r[5]);
    }
    NEXT();
exit_:
    if (depth == 0)
        return r[0];
    {
        struct frame *f = &frames[--depth];
        r[6] = f->saved[0];
        r[7] = f->saved[1];
        r[8] = f->saved[2];
        r[9] = f->saved[3];
        r[10] = f->r10;
        pc = f->ret_pc;
    }
    NEXT();
bad: /* not reachable for a verified program */
    return r[0];
}
#undef dst
