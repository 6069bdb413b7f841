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

struct frame {
    uint64_t saved[4]; /* the caller's r6-r9 */
    uint64_t r10;      /* the caller's frame pointer */
    uint32_t ret_pc;   /* where the caller goes on */
};

static inline uint64_t sext(uint64_t v, unsigned bits)
{
    unsigned sh = 64 - bits;
    return (uint64_t)((int64_t)(v << sh) >> sh);
}

static inline uint64_t bswap(uint64_t v, int32_t bits)
{
    switch (bits) {
    case 16:
        return __builtin_bswap16((uint16_t)v);
    case 32:
        return __builtin_bswap32((uint32_t)v);
    default:
        return __builtin_bswap64(v);
    }
}

static inline uint64_t trunc_to(uint64_t v, int32_t bits)
{
    return bits == 64 ? v : v & ((1ULL << bits) - 1);
}

/* The result of an ALU operation @p op on @p a and @p b, 64 or 32 bits wide
 * (@p w32: operands already truncated; the caller zero-extends). @p off
 * selects the signed division and the sign-extending move. */
static inline uint64_t alu(uint8_t op, uint64_t a, uint64_t b, int16_t off, int w32)
{
    unsigned mask = w32 ? 31 : 63;
    switch (op) {
    case BPF_ADD:
        return a + b;
    case BPF_SUB:
        return a - b;
    case BPF_MUL:
        return a * b;
    case BPF_DIV:
        if (b == 0)
            return 0;
        if (off == 1) {
            if (w32) {
                int32_t x = (int32_t)a, y = (int32_t)b;
                return (uint32_t)(y == -1 ? (int32_t)(0u - (uint32_t)x) : x / y);
            }
            int64_t x = (int64_t)a, y = (int64_t)b;
            return y == -1 ? 0 - a : (uint64_t)(x / y);
        }
        return a / b;
    case BPF_MOD:
        if (b == 0)
            return a;
        if (off == 1) {
            if (w32) {
                int32_t x = (int32_t)a, y = (int32_t)b;
                return (uint32_t)(y == -1 ? 0 : x % y);
            }
            int64_t x = (int64_t)a, y = (int64_t)b;
            return y == -1 ? 0 : (uint64_t)(x % y);
        }
        return a % b;
    case BPF_OR:
        return a | b;
    case BPF_AND:
        return a & b;
    case BPF_XOR:
        return a ^ b;
    case BPF_LSH:
        return a << (b & mask);
    case BPF_RSH:
        return a >> (b & mask);
    case BPF_ARSH:
        return w32 ? (uint32_t)((int32_t)a >> (b & mask)) : (uint64_t)((int64_t)a >> (b & mask));
    case BPF_NEG:
        return 0 - a;
    case BPF_MOV:
        return off ? sext(b, (unsigned)off) : b;
    default:
        return a; /* unreachable for verified programs */
    }
}

static inline int cond(uint8_t op, uint64_t a, uint64_t b, int w32)
{
    if (w32) {
        a = (uint32_t)a;
        b = (uint32_t)b;
    }
    int64_t sa = w32 ? (int32_t)a : (int64_t)a, sb = w32 ? (int32_t)b : (int64_t)b;
    switch (op) {
    case BPF_JEQ:
        return a == b;
    case BPF_JNE:
        return a != b;
    case BPF_JGT:
        return a > b;
    case BPF_JGE:
        return a >= b;
    case BPF_JLT:
        return a < b;
    case BPF_JLE:
        return a <= b;
    case BPF_JSET:
        return (a & b) != 0;
    case BPF_JSGT:
        return sa > sb;
    case BPF_JSGE:
        return sa >= sb;
    case BPF_JSLT:
        return sa < sb;
    case BPF_JSLE:
        return sa <= sb;
    default:
        return 0;
    }
}

/* Loads and stores go through memcpy: programs may access the context at
 * any offset, aligned or not (both arches allow it for normal memory). */
static inline uint64_t load(uintptr_t addr, uint8_t size)
{
    switch (size) {
    case BPF_B:
        return *(const uint8_t *)addr;
    case BPF_H: {
        uint16_t v;
        __builtin_memcpy(&v, (const void *)addr, 2);
        return v;
    }
    case BPF_W: {
        uint32_t v;
        __builtin_memcpy(&v, (const void *)addr, 4);
        return v;
    }
    default: {
        uint64_t v;
        __builtin_memcpy(&v, (const void *)addr, 8);
        return v;
    }
    }
}

static inline void store(uintptr_t addr, uint8_t size, uint64_t v)
{
    switch (size) {
    case BPF_B:
        *(uint8_t *)addr = (uint8_t)v;
        break;
    case BPF_H: {
        uint16_t w = (uint16_t)v;
        __builtin_memcpy((void *)addr, &w, 2);
        break;
    }
    case BPF_W: {
        uint32_t w = (uint32_t)v;
        __builtin_memcpy((void *)addr, &w, 4);
        break;
    }
    default:
        __builtin_memcpy((void *)addr, &v, 8);
        break;
    }
}

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

uint64_t bpf_interp(const struct bpf_prog *prog, const void *ctx, uint64_t r2)
{
    _Alignas(16) uint8_t stack[BPF_STACK_TOTAL];
    struct frame frames[BPF_MAX_FRAMES];
    unsigned depth = 0;
    uint64_t r[BPF_NREGS] = {0};
    const struct bpf_insn *insn = prog->insns;
    uint32_t pc = 0;

    r[1] = (uintptr_t)ctx;
    r[2] = r2;
    r[10] = (uintptr_t)(stack + prog->stack_depth[0]);

    for (;;) {
        const struct bpf_insn *in = &insn[pc++];
        uint8_t code = in->code;
        uint8_t cls = BPF_CLASS(code);
        uint64_t *dst = &r[in->dst];

        switch (cls) {
        case BPF_ALU64:
        case BPF_ALU: {
            int w32 = cls == BPF_ALU;
            uint8_t op = BPF_OP(code);
            if (op == BPF_END) {
                if (!w32) /* ALU64: unconditional swap */
                    *dst = bswap(*dst, in->imm);
                else if (BPF_SRC(code) == BPF_TO_BE) /* this CPU is little-endian */
                    *dst = bswap(*dst, in->imm);
                else
                    *dst = trunc_to(*dst, in->imm);
                break;
            }
            uint64_t b = BPF_SRC(code) == BPF_X ? r[in->src] : (uint64_t)(int64_t)in->imm;
            uint64_t a = *dst;
            if (w32) {
                a = (uint32_t)a;
                b = (uint32_t)b;
                if (op == BPF_MOV && in->off) /* MOVSX 8/16 into 32 bits */
                    b = (uint32_t)sext(b, (unsigned)in->off);
                *dst = (uint32_t)alu(op, a, b, op == BPF_MOV ? 0 : in->off, 1);
            } else {
                *dst = alu(op, a, b, in->off, 0);
            }
            break;
        }
        case BPF_LDX: {
            uint64_t v = load((uintptr_t)(r[in->src] + (int64_t)in->off), BPF_SIZE(code));
            if (BPF_MODE(code) == BPF_MEMSX)
                v = sext(v, BPF_SIZE(code) == BPF_B ? 8 : BPF_SIZE(code) == BPF_H ? 16 : 32);
            *dst = v;
            break;
        }
        case BPF_ST:
            store((uintptr_t)(*dst + (int64_t)in->off), BPF_SIZE(code), (uint64_t)(int64_t)in->imm);
            break;
        case BPF_STX: {
            uintptr_t addr = (uintptr_t)(*dst + (int64_t)in->off);
            if (BPF_MODE(code) == BPF_ATOMIC) {
                int dw = BPF_SIZE(code) == BPF_DW;
                uint64_t old = atomic_op(addr, dw, in->imm, r[in->src], &r[0]);
                if ((in->imm & BPF_FETCH) && in->imm != BPF_CMPXCHG)
                    r[in->src] = dw ? old : (uint32_t)old;
            } else {
                store(addr, BPF_SIZE(code), r[in->src]);
            }
            break;
        }
        case BPF_LD: /* lddw: the only BPF_LD the verifier lets through */
            *dst = (uint64_t)(uint32_t)in->imm | ((uint64_t)(uint32_t)in[1].imm << 32);
            pc++;
            break;
        case BPF_JMP:
        case BPF_JMP32: {
            uint8_t op = BPF_OP(code);
            if (op == BPF_JA) {
                pc += cls == BPF_JMP32 ? (uint32_t)in->imm : (uint32_t)(int32_t)in->off;
                break;
            }
            if (op == BPF_CALL) {
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
                    break;
                }
                const struct bpf_helper *h = bpf_helper_get(in->imm);
                r[0] = h->fn(r[1], r[2], r[3], r[4], r[5]);
                break;
            }
            if (op == BPF_EXIT) {
                if (depth == 0)
                    return r[0];
                struct frame *f = &frames[--depth];
                r[6] = f->saved[0];
                r[7] = f->saved[1];
                r[8] = f->saved[2];
                r[9] = f->saved[3];
                r[10] = f->r10;
                pc = f->ret_pc;
                break;
            }
            uint64_t b = BPF_SRC(code) == BPF_X ? r[in->src] : (uint64_t)(int64_t)in->imm;
            if (cond(op, *dst, b, cls == BPF_JMP32))
                pc += (uint32_t)(int32_t)in->off;
            break;
        }
        }
    }
}
