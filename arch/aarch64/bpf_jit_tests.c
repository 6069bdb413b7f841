/**
 * @file bpf_jit_tests.c
 * @brief aarch64-specific eBPF JIT tests: the code paths of arch/aarch64/
 *        bpf_jit.c that the conformance corpus reaches only by chance.
 *        Each program runs under the interpreter and under the JIT; both
 *        must give the value computed here in C.
 *
 * - immediates: every movz/movn/movk shape of mov_imm (64-bit via lddw,
 *   sign-extended 64-bit imm, 32-bit imm), and ALU ops with an imm in x9;
 * - stack offsets below -256: the register-offset form of loads/stores,
 *   incl. sign-extending loads;
 * - helper calls with r6-r9 live (callee-saved x19-x22 across blr);
 * - a local call whose callee overwrites r6-r9 and uses its own stack;
 * - atomics: fetch-add, failing and succeeding cmpxchg (clrex path), 32-bit
 *   xchg with zero-extension.
 */
#include <kernel/bpf.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/ktest.h>
#include <stdint.h>

#define ATOMIC(sz, d, s, o, op) BPF_INSN(BPF_STX | (sz) | BPF_ATOMIC, d, s, o, op)

/* Run @p insns under both engines; 0 and *r_interp, *r_jit on success. */
static int run_both(const char *name, const struct bpf_insn *insns, uint32_t len, uint64_t *r_interp,
                    uint64_t *r_jit)
{
    struct bpf_ctx_desc ctx = {"mem", 0, 1, 1};
    char log[BPF_LOG_MAX];
    for (int no_jit = 1; no_jit >= 0; no_jit--) {
        struct bpf_load_opts opts = {name, &ctx, no_jit};
        struct bpf_prog *p;
        int rc = bpf_prog_load(insns, len, &opts, &p, log, sizeof log);
        if (rc) {
            kprintf("bpf %s: load failed (%d): %s\n", name, rc, log);
            return rc;
        }
        if (!no_jit && !p->jited) {
            kprintf("bpf %s: not JIT-compiled\n", name);
            bpf_prog_free(p);
            return -1;
        }
        uint64_t r = bpf_prog_run(p, NULL, 0);
        bpf_prog_free(p);
        *(no_jit ? r_interp : r_jit) = r;
    }
    return 0;
}

static int check(const char *name, const struct bpf_insn *insns, uint32_t len, uint64_t want)
{
    uint64_t ri = 0, rj = 0;
    if (run_both(name, insns, len, &ri, &rj))
        return 0;
    if (ri != want || rj != want) {
        kprintf("bpf %s: interpreter 0x%lx, JIT 0x%lx, want 0x%lx\n", name, (unsigned long)ri,
                (unsigned long)rj, (unsigned long)want);
        return 0;
    }
    return 1;
}

#define N(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

static const uint64_t consts[] = {
    0, 1, 0xffff, 0x10000, 0xffff0000, 0xffffffff, 0xffffffff00000000ull, ~0ull, ~1ull,
    0xffff0000ffff1234ull, 0x8000000000000000ull, 0x0000ffff0000ffffull, 0x1234ffffffffffffull,
};

/* r0 = r0 * 3 + c, for each constant */
#define MIX(c) BPF_LD_IMM64(BPF_REG_1, c), BPF_ALU64_IMM(BPF_MUL, BPF_REG_0, 3), BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1)

KTEST(bpf_jit_a64_immediates)
{
    const struct bpf_insn prog[] = {
        BPF_MOV64_IMM(BPF_REG_0, 0),
        MIX(0), MIX(1), MIX(0xffff), MIX(0x10000), MIX(0xffff0000), MIX(0xffffffff), MIX(0xffffffff00000000ull),
        MIX(~0ull), MIX(~1ull), MIX(0xffff0000ffff1234ull), MIX(0x8000000000000000ull),
        MIX(0x0000ffff0000ffffull), MIX(0x1234ffffffffffffull),
        /* sign-extended 64-bit imm, 32-bit imm, ALU imm ops through x9 */
        BPF_MOV64_IMM(BPF_REG_2, -0x10001),
        BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_2),
        BPF_MOV32_IMM(BPF_REG_3, -2),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_3),
        BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, -0x80000000),
        BPF_ALU64_IMM(BPF_XOR, BPF_REG_0, 0x7fffffff),
        BPF_ALU32_IMM(BPF_ADD, BPF_REG_3, 0x12345),
        BPF_ALU64_REG(BPF_SUB, BPF_REG_0, BPF_REG_3),
        BPF_EXIT_INSN(),
    };
    uint64_t want = 0;
    for (unsigned i = 0; i < N(consts); i++)
        want = want * 3 + consts[i];
    want ^= (uint64_t)(int64_t)-0x10001;
    want += 0xfffffffeull;
    want += (uint64_t)(int64_t)INT32_MIN;
    want ^= 0x7fffffff;
    want -= (uint32_t)(0xfffffffeu + 0x12345u);
    KT_ASSERT(check("a64_imm", prog, N(prog), want));
}

KTEST(bpf_jit_a64_far_stack_offsets)
{
    const struct bpf_insn prog[] = {
        BPF_LD_IMM64(BPF_REG_1, 0x1122334455667788ull),
        BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -512),
        BPF_ST_MEM(BPF_W, BPF_REG_10, -300, -7),
        BPF_ST_MEM(BPF_B, BPF_REG_10, -257, 0x80),
        BPF_ST_MEM(BPF_H, BPF_REG_10, -258, 0x8001),
        BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -512),
        BPF_LDX_MEMSX(BPF_W, BPF_REG_2, BPF_REG_10, -300),
        BPF_LDX_MEMSX(BPF_B, BPF_REG_3, BPF_REG_10, -257),
        BPF_LDX_MEMSX(BPF_H, BPF_REG_4, BPF_REG_10, -258),
        BPF_LDX_MEM(BPF_W, BPF_REG_5, BPF_REG_10, -300),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_2),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_3),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_4),
        BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_5),
        /* the same slots through a near offset from r10 - 256: a far offset
         * that is off (but consistently so) shows here */
        BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
        BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -256),
        BPF_ST_MEM(BPF_DW, BPF_REG_10, -264, 0x5a5a),
        BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, -8),
        BPF_ST_MEM(BPF_DW, BPF_REG_1, -16, 0x3c3c3),
        BPF_LDX_MEM(BPF_DW, BPF_REG_3, BPF_REG_10, -272),
        BPF_ALU64_IMM(BPF_LSH, BPF_REG_2, 40),
        BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_2),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_3),
        /* positive far offsets (scaled and, at odd ones, register forms) from r10 - 512 */
        BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
        BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -512),
        BPF_ST_MEM(BPF_DW, BPF_REG_1, 264, 0x777),  /* fp - 248 */
        BPF_ST_MEM(BPF_W, BPF_REG_1, 300, -3),      /* fp - 212 */
        BPF_ST_MEM(BPF_H, BPF_REG_1, 310, 0x8002),  /* fp - 202 */
        BPF_ST_MEM(BPF_B, BPF_REG_1, 301, 0x11),    /* fp - 211: byte 1 of the W */
        BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_10, -248),
        BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_10, -212),
        BPF_LDX_MEMSX(BPF_H, BPF_REG_4, BPF_REG_1, 310),
        BPF_LDX_MEMSX(BPF_W, BPF_REG_5, BPF_REG_1, 300),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_2),
        BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_3),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_4),
        BPF_ALU64_IMM(BPF_LSH, BPF_REG_5, 8),
        BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_5),
        BPF_EXIT_INSN(),
    };
    uint64_t want = 0x1122334455667788ull - 7 - 128 - 0x7fff;
    want ^= 0xfffffff9ull;
    want ^= 0x5a5aull << 40;
    want += 0x3c3c3;
    want += 0x777;
    want ^= 0xffff11fdull;
    want += (uint64_t)(int64_t)(int16_t)0x8002;
    want ^= (uint64_t)(int64_t)(int32_t)0xffff11fd << 8;
    KT_ASSERT(check("a64_far_stack", prog, N(prog), want));
}

KTEST(bpf_jit_a64_helper_keeps_r6_r9)
{
    const struct bpf_insn prog[] = {
        BPF_LD_IMM64(BPF_REG_6, 0x0606060606060606ull),
        BPF_LD_IMM64(BPF_REG_7, 0x7070707070707070ull),
        BPF_LD_IMM64(BPF_REG_8, 0x0808080808080808ull),
        BPF_LD_IMM64(BPF_REG_9, 0x9090909090909090ull),
        BPF_CALL_HELPER(BPF_FUNC_ktime_get_ns),
        BPF_CALL_HELPER(BPF_FUNC_get_prandom_u32),
        BPF_MOV64_REG(BPF_REG_0, BPF_REG_6),
        BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 1),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_7),
        BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 1),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_8),
        BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 1),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_9),
        BPF_EXIT_INSN(),
    };
    uint64_t want = ((0x0606060606060606ull * 2 + 0x7070707070707070ull) * 2 + 0x0808080808080808ull) * 2 +
                    0x9090909090909090ull;
    KT_ASSERT(check("a64_helper_regs", prog, N(prog), want));
}

KTEST(bpf_jit_a64_local_call)
{
    const struct bpf_insn prog[] = {
        BPF_MOV64_IMM(BPF_REG_6, 1000),
        BPF_MOV64_IMM(BPF_REG_9, 9),
        BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 77),
        BPF_MOV64_IMM(BPF_REG_1, 5),
        BPF_MOV64_IMM(BPF_REG_2, 7),
        BPF_CALL_LOCAL(5), /* the callee at pc 11 */
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_9),
        BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, -8),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1),
        BPF_EXIT_INSN(),
        /* f(r1, r2): clobbers r6-r9 and its own stack slot, returns r1 * r2 + slot */
        BPF_MOV64_IMM(BPF_REG_6, -1),
        BPF_MOV64_IMM(BPF_REG_9, -1),
        BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 3),
        BPF_MOV64_REG(BPF_REG_0, BPF_REG_1),
        BPF_ALU64_REG(BPF_MUL, BPF_REG_0, BPF_REG_2),
        BPF_LDX_MEM(BPF_DW, BPF_REG_3, BPF_REG_10, -8),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_3),
        BPF_EXIT_INSN(),
    };
    KT_ASSERT(check("a64_local_call", prog, N(prog), 35 + 3 + 1000 + 9 + 77));
}

KTEST(bpf_jit_a64_atomics)
{
    const struct bpf_insn prog[] = {
        BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 10),
        BPF_MOV64_IMM(BPF_REG_1, 5),
        ATOMIC(BPF_DW, BPF_REG_10, BPF_REG_1, -8, BPF_ADD | BPF_FETCH), /* r1 = 10, mem 15 */
        BPF_MOV64_IMM(BPF_REG_0, 99),
        BPF_MOV64_IMM(BPF_REG_2, 42),
        ATOMIC(BPF_DW, BPF_REG_10, BPF_REG_2, -8, BPF_CMPXCHG), /* fails: r0 = 15 */
        BPF_MOV64_REG(BPF_REG_6, BPF_REG_0),
        ATOMIC(BPF_DW, BPF_REG_10, BPF_REG_2, -8, BPF_CMPXCHG), /* succeeds: mem 42, r0 = 15 */
        BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),
        BPF_LDX_MEM(BPF_DW, BPF_REG_8, BPF_REG_10, -8),
        BPF_ST_MEM(BPF_W, BPF_REG_10, -16, -1),
        BPF_LD_IMM64(BPF_REG_3, 0xabcdef0012345678ull),
        ATOMIC(BPF_W, BPF_REG_10, BPF_REG_3, -16, BPF_XCHG), /* r3 = 0xffffffff, mem 0x12345678 */
        BPF_LDX_MEM(BPF_W, BPF_REG_4, BPF_REG_10, -16),
        BPF_MOV64_IMM(BPF_REG_5, 1),
        ATOMIC(BPF_W, BPF_REG_10, BPF_REG_5, -16, BPF_OR), /* mem 0x12345679 */
        BPF_LDX_MEM(BPF_W, BPF_REG_5, BPF_REG_10, -16),
        /* r0 = r1 + r6 * 2^8 + r7 * 2^16 + r8 * 2^24 + r3 ^ r4 ^ (r5 << 32) */
        BPF_MOV64_REG(BPF_REG_0, BPF_REG_1),
        BPF_ALU64_IMM(BPF_LSH, BPF_REG_6, 8),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6),
        BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 16),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_7),
        BPF_ALU64_IMM(BPF_LSH, BPF_REG_8, 24),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_8),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_3),
        BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_4),
        BPF_ALU64_IMM(BPF_LSH, BPF_REG_5, 32),
        BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_5),
        BPF_EXIT_INSN(),
    };
    uint64_t want = 10 + (15ull << 8) + (15ull << 16) + (42ull << 24) + 0xffffffffull;
    want ^= 0x12345678ull;
    want ^= 0x12345679ull << 32;
    KT_ASSERT(check("a64_atomics", prog, N(prog), want));
}

/* r0 = r0 * 31 + r2 */
#define ACC BPF_ALU64_IMM(BPF_MUL, BPF_REG_0, 31), BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_2)
/* if (r4 op imm) r0 |= bit */
#define TAKEN(cls, op, imm, bit) \
    BPF_INSN(cls | (op) | BPF_K, BPF_REG_4, 0, 1, imm), BPF_JMP_A(1), BPF_ALU64_IMM(BPF_OR, BPF_REG_0, bit)

/* The one-instruction imm forms: add/sub imm12 (either sign, and just out of
 * range), shifts by 0 and by the width - 1 (ubfm/sbfm), cmp/cmn #imm. */
KTEST(bpf_jit_a64_short_immediates)
{
    const struct bpf_insn prog[] = {
        BPF_MOV64_IMM(BPF_REG_0, 0),
        BPF_LD_IMM64(BPF_REG_1, 0x8000000180000001ull),
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_1), BPF_ALU64_IMM(BPF_LSH, BPF_REG_2, 63), ACC,
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_1), BPF_ALU64_IMM(BPF_ARSH, BPF_REG_2, 63), ACC,
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_1), BPF_ALU64_IMM(BPF_RSH, BPF_REG_2, 63), ACC,
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_1), BPF_ALU64_IMM(BPF_ARSH, BPF_REG_2, 0), ACC,
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_1), BPF_ALU64_IMM(BPF_LSH, BPF_REG_2, 4), ACC,
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_1), BPF_ALU32_IMM(BPF_LSH, BPF_REG_2, 31), ACC,
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_1), BPF_ALU32_IMM(BPF_ARSH, BPF_REG_2, 31), ACC,
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_1), BPF_ALU32_IMM(BPF_RSH, BPF_REG_2, 31), ACC,
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_1), BPF_ALU32_IMM(BPF_LSH, BPF_REG_2, 0), ACC,
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_1), BPF_ALU32_IMM(BPF_ARSH, BPF_REG_2, 3), ACC,
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_1), BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4095), ACC,
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_1), BPF_ALU64_IMM(BPF_SUB, BPF_REG_2, -4095), ACC,
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_1), BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, 4096), ACC,
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_1), BPF_ALU32_IMM(BPF_ADD, BPF_REG_2, -2), ACC,
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_1), BPF_ALU32_IMM(BPF_SUB, BPF_REG_2, 4095), ACC,
        BPF_MOV64_IMM(BPF_REG_4, -5),
        TAKEN(BPF_JMP, BPF_JSLT, -4, 1 << 0),
        TAKEN(BPF_JMP, BPF_JEQ, -5, 1 << 1),
        TAKEN(BPF_JMP32, BPF_JEQ, -5, 1 << 2),
        TAKEN(BPF_JMP, BPF_JGT, -6, 1 << 3),
        TAKEN(BPF_JMP, BPF_JGE, 4095, 1 << 4),
        TAKEN(BPF_JMP32, BPF_JSGT, -4095, 1 << 5),
        TAKEN(BPF_JMP, BPF_JLT, 4095, 1 << 6),
        TAKEN(BPF_JMP32, BPF_JSLE, -4096, 1 << 7),
        TAKEN(BPF_JMP, BPF_JNE, 0, 1 << 8),
        TAKEN(BPF_JMP32, BPF_JLE, 0, 1 << 9),
        BPF_EXIT_INSN(),
    };
    const uint64_t x = 0x8000000180000001ull;
    const uint32_t w = (uint32_t)x;
    const uint64_t v[] = {
        x << 63, (uint64_t)((int64_t)x >> 63), x >> 63, x, x << 4,
        (uint32_t)(w << 31), (uint32_t)((int32_t)w >> 31), w >> 31, w, (uint32_t)((int32_t)w >> 3),
        x - 4095, x + 4095, x + 4096, (uint32_t)(w - 2), (uint32_t)(w - 4095),
    };
    uint64_t want = 0;
    for (unsigned i = 0; i < N(v); i++)
        want = want * 31 + v[i];
    /* r4 = -5: s< -4, == -5, w == -5, u> -6, not u>= 4095, w s> -4095,
     * not u< 4095, not w s<= -4096, != 0, not w u<= 0 */
    want |= 1 << 0 | 1 << 1 | 1 << 2 | 1 << 3 | 1 << 5 | 1 << 8;
    KT_ASSERT(check("a64_short_imm", prog, N(prog), want));
}

/* Context offsets past the scaled-immediate range: a byte at 4,096 and a
 * halfword at 8,192 need the register form, a word at 8,192 still fits
 * (8,192 / 4 < 4,096); loads and a store, against the bytes themselves. */
KTEST(bpf_jit_a64_far_context_offsets)
{
    enum { LEN = 8200 };
    uint8_t *mem[2] = {kzalloc(LEN), kzalloc(LEN)};
    KT_ASSERT(mem[0] && mem[1]);
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < LEN; i++)
            mem[k][i] = (uint8_t)(i * 13 + 5);
    const struct bpf_insn prog[] = {
        BPF_ST_MEM(BPF_B, BPF_REG_1, 4100, 0x5a),
        BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_1, 4096),
        BPF_LDX_MEM(BPF_H, BPF_REG_3, BPF_REG_1, 8192),
        BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 16),
        BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_3),
        BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_1, 8192),
        BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 32),
        BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_3),
        BPF_EXIT_INSN(),
    };
    uint8_t *m = mem[0];
    uint64_t h = (uint64_t)m[8192] | (uint64_t)m[8193] << 8;
    uint64_t w = h | (uint64_t)m[8194] << 16 | (uint64_t)m[8195] << 24;
    uint64_t want = (((uint64_t)m[4096] << 16 | h) << 32) ^ w;
    struct bpf_ctx_desc cdesc = {"mem", LEN, 1, 1};
    uint64_t r[2] = {0, 0};
    int ok = 1;
    for (int no_jit = 1; no_jit >= 0; no_jit--) {
        struct bpf_load_opts opts = {"far_ctx", &cdesc, no_jit};
        struct bpf_prog *p;
        char log[BPF_LOG_MAX];
        if (bpf_prog_load(prog, N(prog), &opts, &p, log, sizeof log) != 0) {
            kprintf("bpf far_ctx: %s\n", log);
            ok = 0;
            break;
        }
        ok &= no_jit || p->jited != NULL;
        r[no_jit] = bpf_prog_run(p, mem[no_jit], LEN);
        bpf_prog_free(p);
    }
    ok &= r[0] == want && r[1] == want && mem[0][4100] == 0x5a && mem[1][4100] == 0x5a;
    kfree(mem[0]);
    kfree(mem[1]);
    KT_ASSERT(ok);
}
