/**
 * @file interp_body.h
 * @brief The eBPF interpreter's body, included twice by interp.c: with
 *        TAINT 0 as bpf_interp(), with TAINT 1 as bpf_interp_taint().
 *
 * No include guard: each inclusion defines the function INTERP_NAME. The
 * taint code is written inside SHADOW(...) or #if TAINT, so the plain
 * interpreter has none of it.
 */
/* Direct threading: every opcode byte has its own handler, reached through
 * one table lookup and an indirect jump at the end of the previous handler
 * (computed goto, a GNU C extension clang and gcc share), so there is no
 * second decode of class and operation and the branch predictor sees one
 * indirect jump per handler. */
#if TAINT
#define SHADOW(...) __VA_ARGS__ /* taint mode only */
#define INSN_NO ((uint32_t)(in - insn))
#else
#define SHADOW(...)
#endif
#define NEXT()                        \
    do {                              \
        in = &insn[pc++];             \
        goto *dispatch[in->code];     \
    } while (0)
#define dst (&r[in->dst])

#define SRC_X r[in->src]
#define SRC_K ((uint64_t)(int64_t)in->imm)

/* Four handlers per ALU operation: 64/32-bit, register/immediate. */
/* Taint: the result derives from both operands (a move: from its source
 * alone; an immediate derives from nothing). */
#define ALU_OP(name, OP, expr64, expr32)                     \
    alu64_##name##_x : { uint64_t a = *dst, b = SRC_X;       \
        SHADOW(tr[dreg(in)] = (OP == BPF_MOV ? 0 : tr[dreg(in)]) | tr[in->src];) \
        *dst = (expr64); NEXT(); }                           \
    alu64_##name##_k : { uint64_t a = *dst, b = SRC_K;       \
        SHADOW(if (OP == BPF_MOV) tr[dreg(in)] = 0;)          \
        *dst = (expr64); NEXT(); }                           \
    alu32_##name##_x : { uint32_t a = (uint32_t)*dst, b = (uint32_t)SRC_X; \
        SHADOW(tr[dreg(in)] = (OP == BPF_MOV ? 0 : tr[dreg(in)]) | tr[in->src];) \
        *dst = (uint32_t)(expr32); NEXT(); }                 \
    alu32_##name##_k : { uint32_t a = (uint32_t)*dst, b = (uint32_t)in->imm; \
        SHADOW(if (OP == BPF_MOV) tr[dreg(in)] = 0;)          \
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

#if !TAINT /* the JMP_OP types, once */
typedef uint64_t u;
typedef uint32_t u32;
typedef int64_t s;
typedef int32_t s32;
#endif

#define LDX(name, SZ, T)                                                               \
    ldx_##name : { uintptr_t p = (uintptr_t)(r[in->src] + (uint64_t)(int64_t)in->off); T v; \
        __builtin_memcpy(&v, (const void *)p, sizeof v);                              \
        SHADOW(tr[dreg(in)] = taint_load(&ts, p, sizeof v);)                           \
        *dst = (uint64_t)v; NEXT(); }
#define STX(name, SZ, T)                                                               \
    stx_##name : { uintptr_t p = (uintptr_t)(*dst + (uint64_t)(int64_t)in->off); T v = (T)SRC_X; \
        SHADOW(taint_store(&ts, p, sizeof v, tr[in->src], INSN_NO);)                  \
        __builtin_memcpy((void *)p, &v, sizeof v); NEXT(); }                          \
    st_##name : { uintptr_t p = (uintptr_t)(*dst + (uint64_t)(int64_t)in->off); T v = (T)SRC_K; \
        SHADOW(taint_store(&ts, p, sizeof v, 0, INSN_NO);)                            \
        __builtin_memcpy((void *)p, &v, sizeof v); NEXT(); }

#if TAINT
uint64_t INTERP_NAME(const struct bpf_prog *prog, const void *ctx, uint64_t r2, struct bpf_taint *taint)
#else
uint64_t INTERP_NAME(const struct bpf_prog *prog, const void *ctx, uint64_t r2)
#endif
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
#if TAINT
    /* r1 and r10 are kernel addresses; the stack starts clean */
    uint8_t tr[BPF_NREGS] = {[1] = 1, [10] = 1};
    struct taint ts = {(uintptr_t)stack, (uintptr_t)ctx, (uintptr_t)ctx + prog->ctx.size, {0}, taint};
    *taint = (struct bpf_taint){0};
#endif
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
    SHADOW(tr[dreg(in)] = in->src == BPF_PSEUDO_MAP_ID;) /* a map's address */
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
    uintptr_t p = (uintptr_t)(*dst + (uint64_t)(int64_t)in->off);
#if TAINT
    /* the memory's new value derives from both (xchg: from src alone;
     * cmpxchg: from src if it was swapped in); the fetched one, the old */
    uint64_t expected = dw ? r[0] : (uint32_t)r[0];
    uint8_t t_mem = taint_load(&ts, p, dw ? 8 : 4), t_src = tr[in->src];
#endif
    uint64_t old = atomic_op(p, dw, in->imm, r[in->src], &r[0]);
#if TAINT
    uint8_t t_new = in->imm == BPF_XCHG      ? t_src
                    : in->imm == BPF_CMPXCHG ? (old == expected ? t_src : t_mem)
                                             : (uint8_t)(t_mem | t_src);
    taint_store(&ts, p, dw ? 8 : 4, t_new, INSN_NO);
    if (in->imm == BPF_CMPXCHG)
        tr[0] = t_mem;
    else if (in->imm & BPF_FETCH)
        tr[in->src] = t_mem;
#endif
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
        SHADOW(for (int i = 0; i < 4; i++) f->saved_t[i] = tr[6 + i];)
        pc += (uint32_t)in->imm;
        r[10] += prog->stack_depth[subprog_of(prog, pc)];
    } else {
        const struct bpf_helper *h = bpf_helper_get(in->imm);
        SHADOW(taint_helper(&ts, h, r, tr, INSN_NO);)
        r[0] = h->fn(r[1], r[2], r[3], r[4], r[5]);
        SHADOW(tr[0] = h->ret == BPF_RET_MAP_VALUE_OR_NULL && r[0] != 0;)
    }
    NEXT();
exit_:
    if (depth == 0) {
        SHADOW(if (tr[0]) taint_leak(&ts, INSN_NO, "%s", "r0 at exit");)
        return r[0];
    }
    {
        struct frame *f = &frames[--depth];
        r[6] = f->saved[0];
        r[7] = f->saved[1];
        r[8] = f->saved[2];
        r[9] = f->saved[3];
        r[10] = f->r10;
        pc = f->ret_pc;
        SHADOW(for (int i = 0; i < 4; i++) tr[6 + i] = f->saved_t[i];)
    }
    NEXT();
bad: /* not reachable for a verified program */
    return r[0];
}
#undef dst
#undef SRC_X
#undef SRC_K
#undef NEXT
#undef SHADOW
#undef INSN_NO
#undef ALU_OP
#undef ALU_ENTRIES
#undef JMP_OP
#undef JMP_ENTRIES
#undef LDX
#undef STX
