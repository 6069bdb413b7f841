/**
 * @file bpf_jit_tests.c
 * @brief riscv64-specific eBPF JIT tests: the code paths of arch/riscv64/
 *        bpf_jit.c that the conformance corpus reaches only by chance.
 *
 * Programs are built by hand (no verifier: each is valid by construction)
 * and run under the interpreter and under the JIT, on copies of the same
 * context; both must give the value worked out here in C, and leave the
 * same bytes. Every JITed call goes through a trampoline that checks the
 * psABI callee-saved registers (s0-s11) and sp survive.
 *
 * - encodings: the frame (record at s0 - 16, saves, r10), a short and a
 *   far conditional branch, word for word; the auipc+jalr of a helper call
 *   and the jal of a local call decoded to their targets;
 * - lddw and ALU immediates at every boundary of the lui/addi[w]/slli
 *   building (and its instruction counts), imm forms at +-2048;
 * - division and modulo by zero and INT_MIN / -1 in every width, masked
 *   shift counts, 32-bit zero-extension, MOVSX, byte swaps (the table
 *   every JIT's tests share, kernel/bpf_jit_cases.h);
 * - every conditional jump, 64- and 32-bit, register and immediate, on
 *   values that differ only in their upper halves; gotol; far branches
 *   both ways, and the exact edges of a B-type's reach;
 * - loads and stores of every size, sign-extending loads, offsets beyond
 *   +-2047; every atomic in both widths, near and far offsets;
 * - local calls clobbering r6-r9 and their own stack, helpers with r6-r9
 *   live, symbols;
 * - bad input refused with a reason; random programs against the
 *   interpreter (straight-line, branches and loops, local calls, and blocks
 *   big enough for far branches).
 *
 * (A fault inside JITed code was checked by hand to unwind as
 * `bpf:<prog>.f<insn>`, `bpf:<prog>`, then the C caller: the frames keep
 * the record the unwinder walks, which bpf_jit_rv64_encodings pins.)
 */
#include <kernel/bpf.h>
#include <kernel/bpf_jit_cases.h>
#include <kernel/errno.h>
#include <kernel/jit.h>
#include <kernel/kernel.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/ktest.h>
#include <kernel/string.h>
#include <stdint.h>

#define N(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define EXIT BPF_EXIT_INSN()
#define MOV64(d, i) BPF_MOV64_IMM(d, i)

/* Call JITed code as C does, with s1-s11 set to known values and s0 the
 * trampoline's frame; *bad receives the bits of s0-s11 and sp that differ
 * afterwards (nonzero: the code broke what its C callers rely on). */
uint64_t rv_jit_call_checked(void *fn, const void *ctx, uint64_t r2, uint64_t *bad);
__asm__(".text\n"
        ".globl rv_jit_call_checked\n"
        ".type rv_jit_call_checked, @function\n"
        ".p2align 2\n"
        "rv_jit_call_checked:\n"
        "addi sp, sp, -112\n sd ra, 104(sp)\n sd s0, 96(sp)\n addi s0, sp, 112\n"
        "sd s1, 88(sp)\n sd s2, 80(sp)\n sd s3, 72(sp)\n sd s4, 64(sp)\n sd s5, 56(sp)\n sd s6, 48(sp)\n"
        "sd s7, 40(sp)\n sd s8, 32(sp)\n sd s9, 24(sp)\n sd s10, 16(sp)\n sd s11, 8(sp)\n sd a3, 0(sp)\n"
        "mv t0, a0\n mv a0, a1\n mv a1, a2\n"
        "li s1, 0x1111111111111111\n li s2, 0x2222222222222222\n li s3, 0x3333333333333333\n"
        "li s4, 0x4444444444444444\n li s5, 0x5555555555555555\n li s6, 0x6666666666666666\n"
        "li s7, 0x7777777777777777\n li s8, -0x7777777777777778\n li s9, -0x6666666666666667\n"
        "li s10, -0x5555555555555556\n li s11, -0x4444444444444445\n"
        "jalr t0\n"
        "addi t2, s0, -112\n xor t2, t2, sp\n"
        "li t1, 0x1111111111111111\n xor t1, t1, s1\n or t2, t2, t1\n"
        "li t1, 0x2222222222222222\n xor t1, t1, s2\n or t2, t2, t1\n"
        "li t1, 0x3333333333333333\n xor t1, t1, s3\n or t2, t2, t1\n"
        "li t1, 0x4444444444444444\n xor t1, t1, s4\n or t2, t2, t1\n"
        "li t1, 0x5555555555555555\n xor t1, t1, s5\n or t2, t2, t1\n"
        "li t1, 0x6666666666666666\n xor t1, t1, s6\n or t2, t2, t1\n"
        "li t1, 0x7777777777777777\n xor t1, t1, s7\n or t2, t2, t1\n"
        "li t1, -0x7777777777777778\n xor t1, t1, s8\n or t2, t2, t1\n"
        "li t1, -0x6666666666666667\n xor t1, t1, s9\n or t2, t2, t1\n"
        "li t1, -0x5555555555555556\n xor t1, t1, s10\n or t2, t2, t1\n"
        "li t1, -0x4444444444444445\n xor t1, t1, s11\n or t2, t2, t1\n"
        "ld a3, 0(sp)\n sd t2, 0(a3)\n"
        "ld s11, 8(sp)\n ld s10, 16(sp)\n ld s9, 24(sp)\n ld s8, 32(sp)\n ld s7, 40(sp)\n ld s6, 48(sp)\n"
        "ld s5, 56(sp)\n ld s4, 64(sp)\n ld s3, 72(sp)\n ld s2, 80(sp)\n ld s1, 88(sp)\n"
        "ld s0, 96(sp)\n ld ra, 104(sp)\n addi sp, sp, 112\n ret\n"
        ".size rv_jit_call_checked, . - rv_jit_call_checked\n");

/* ---- Hand-built programs -------------------------------------------------- */

/* A program without the verifier: its function table filled the way the
 * verifier does (main at 0, every local call target, ascending), @p depth
 * bytes of stack each. Freed with hand_free(). */
static struct bpf_prog *hand_prog(const char *name, const struct bpf_insn *insns, uint32_t len, uint16_t depth)
{
    struct bpf_prog *p = kzalloc(sizeof *p);
    if (!p)
        return NULL;
    strlcpy(p->name, name, sizeof p->name);
    p->insns = (struct bpf_insn *)insns;
    p->len = len;
    p->nsubprogs = 1;
    for (uint32_t i = 0; i < len; i++) {
        const struct bpf_insn *in = &insns[i];
        if (in->code != (BPF_JMP | BPF_CALL) || in->src != BPF_PSEUDO_CALL)
            continue;
        uint32_t t = i + 1 + (uint32_t)in->imm, k = 0;
        while (k < p->nsubprogs && p->subprog_start[k] != t)
            k++;
        if (k == p->nsubprogs && k < BPF_MAX_SUBPROGS)
            p->subprog_start[p->nsubprogs++] = t;
    }
    for (uint32_t a = 1; a < p->nsubprogs; a++)
        for (uint32_t b = a; b > 0 && p->subprog_start[b - 1] > p->subprog_start[b]; b--) {
            uint32_t t = p->subprog_start[b];
            p->subprog_start[b] = p->subprog_start[b - 1];
            p->subprog_start[b - 1] = t;
        }
    for (uint32_t k = 0; k < p->nsubprogs; k++)
        p->stack_depth[k] = depth;
    return p;
}

static void hand_free(struct bpf_prog *p)
{
    bpf_jit_free(p);
    kfree(p);
}

static unsigned clobbered_calls;

static uint64_t call_jited(const struct bpf_prog *p, void *ctx, uint64_t r2)
{
    uint64_t bad = 0, r0 = rv_jit_call_checked((void *)p->jited, ctx, r2, &bad);
    if (bad) {
        clobbered_calls++;
        kprintf("bpf rv64 %s: JITed code broke callee-saved registers (%#lx)\n", p->name, (unsigned long)bad);
    }
    return r0;
}

struct both {
    uint64_t interp, jit;
    int jited;     /* the JIT compiled it */
    int mem_equal; /* the context bytes agree afterwards */
};

/* Run a hand-built program in both engines on copies of @p mem (@p mem_len
 * bytes, r2 = mem_len). */
static struct both run_both(const struct bpf_insn *insns, uint32_t len, const uint8_t *mem, uint32_t mem_len,
                            uint16_t depth)
{
    struct both res = {0};
    uint8_t *a = kzalloc(mem_len + 8), *b = kzalloc(mem_len + 8);
    struct bpf_prog *p = hand_prog("t", insns, len, depth);
    if (a && b && p) {
        if (mem) {
            memcpy(a, mem, mem_len);
            memcpy(b, mem, mem_len);
        }
        res.interp = bpf_interp(p, a, mem_len);
        char log[BPF_LOG_MAX] = "";
        int rc = bpf_jit_compile(p, log, sizeof log);
        if (rc)
            kprintf("bpf rv64: JIT failed (%d): %s\n", rc, log);
        res.jited = rc == 0 && p->jited;
        if (res.jited)
            res.jit = call_jited(p, b, mem_len);
        res.mem_equal = memcmp(a, b, mem_len) == 0;
    }
    if (p)
        hand_free(p);
    kfree(a);
    kfree(b);
    return res;
}

/* One hand-written case, written at @p file:@p line: both engines must
 * give @p want. 1 if they do. */
static int case_ok(const struct bpf_insn *insns, uint32_t len, uint64_t want, const char *file, int line)
{
    struct both r = run_both(insns, len, NULL, 0, 64);
    if (r.jited && r.interp == want && r.jit == want)
        return 1;
    kprintf("bpf rv64 case at %s:%d: interpreter %#lx, JIT %#lx%s, want %#lx\n", file, line, (unsigned long)r.interp,
            (unsigned long)r.jit, r.jited ? "" : " (not compiled)", (unsigned long)want);
    return 0;
}

#define CASE(want, ...)                                                                            \
    do {                                                                                           \
        const struct bpf_insn prog_[] = {__VA_ARGS__};                                             \
        bad += !case_ok(prog_, N(prog_), (uint64_t)(want), "bpf_jit_tests.c", __LINE__);           \
    } while (0)

/* ---- Encodings ---------------------------------------------------------------- */

/* Compile @p insns and compare its code with @p want word for word. */
static int code_is(const char *name, const struct bpf_insn *insns, uint32_t len, uint16_t depth,
                   const uint32_t *want, uint32_t nwant)
{
    struct bpf_prog *p = hand_prog(name, insns, len, depth);
    char log[BPF_LOG_MAX] = "";
    if (!p || bpf_jit_compile(p, log, sizeof log) != 0) {
        kprintf("bpf rv64 %s: not compiled: %s\n", name, log);
        if (p)
            hand_free(p);
        return 0;
    }
    const uint32_t *code = (const uint32_t *)(uintptr_t)p->jited;
    int ok = p->jit_size == nwant * 4;
    for (uint32_t i = 0; ok && i < nwant; i++)
        if (code[i] != want[i]) {
            kprintf("bpf rv64 %s: word %u is %08x, want %08x\n", name, (unsigned)i, code[i], want[i]);
            ok = 0;
        }
    if (p->jit_size != nwant * 4)
        kprintf("bpf rv64 %s: %u bytes of code, want %u\n", name, (unsigned)p->jit_size, (unsigned)nwant * 4);
    hand_free(p);
    return ok;
}

static int32_t sext(uint32_t v, unsigned bits) { return (int32_t)(v << (32 - bits)) >> (32 - bits); }

/* The target of the auipc+jalr pair at @p at. */
static uintptr_t auipc_jalr_target(const uint32_t *at)
{
    int64_t hi = (int32_t)(at[0] & 0xfffff000u), lo = sext(at[1] >> 20, 12);
    return (uintptr_t)at + (uintptr_t)(hi + lo);
}

/* The target of the jal at @p at. */
static uintptr_t jal_target(const uint32_t *at)
{
    uint32_t w = *at;
    uint32_t imm = (w >> 31 & 1) << 20 | (w >> 21 & 0x3ff) << 1 | (w >> 20 & 1) << 11 | (w >> 12 & 0xff) << 12;
    return (uintptr_t)at + (uintptr_t)(int64_t)sext(imm, 21);
}

KTEST(bpf_jit_rv64_encodings)
{
    /* the smallest frame: {s0, ra} at s0 - 16, nothing else */
    const struct bpf_insn one[] = {MOV64(0, 1), EXIT};
    static const uint32_t one_code[] = {
        0xff010113, /* addi sp, sp, -16 */
        0x00113423, /* sd ra, 8(sp) */
        0x00813023, /* sd s0, 0(sp) */
        0x01010413, /* addi s0, sp, 16 */
        0x00100793, /* li a5, 1 */
        0x00813083, /* ld ra, 8(sp) */
        0x00013403, /* ld s0, 0(sp) */
        0x01010113, /* addi sp, sp, 16 */
        0x00078513, /* mv a0, a5 */
        0x00008067, /* ret */
    };
    KT_ASSERT(code_is("enc_one", one, N(one), 0, one_code, N(one_code)));

    /* r6 written, r10 named, 24 bytes of stack: s1 and s5 saved under the
     * record, the stack (32 bytes) under them, s5 = its top */
    const struct bpf_insn frame[] = {
        MOV64(BPF_REG_6, 7),
        BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_6, -24),
        BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -24),
        EXIT,
    };
    static const uint32_t frame_code[] = {
        0xfc010113, /* addi sp, sp, -64 */
        0x02113c23, /* sd ra, 56(sp) */
        0x02813823, /* sd s0, 48(sp) */
        0x04010413, /* addi s0, sp, 64 */
        0x02913423, /* sd s1, 40(sp) */
        0x03513023, /* sd s5, 32(sp) */
        0x02010a93, /* addi s5, sp, 32 */
        0x00700493, /* li s1, 7 */
        0xfe9ab423, /* sd s1, -24(s5) */
        0xfe8ab783, /* ld a5, -24(s5) */
        0x02813483, /* ld s1, 40(sp) */
        0x02013a83, /* ld s5, 32(sp) */
        0x03813083, /* ld ra, 56(sp) */
        0x03013403, /* ld s0, 48(sp) */
        0x04010113, /* addi sp, sp, 64 */
        0x00078513, /* mv a0, a5 */
        0x00008067, /* ret */
    };
    KT_ASSERT(code_is("enc_frame", frame, N(frame), 24, frame_code, N(frame_code)));

    /* a conditional branch in reach: one beq */
    const struct bpf_insn near[] = {MOV64(0, 0), BPF_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 1), MOV64(0, 1), EXIT};
    static const uint32_t near_code[] = {
        0xff010113, 0x00113423, 0x00813023, 0x01010413,
        0x00000793, /* li a5, 0 */
        0x00050463, /* beq a0, zero, +8 */
        0x00100793, /* li a5, 1 */
        0x00813083, 0x00013403, 0x01010113, 0x00078513, 0x00008067,
    };
    KT_ASSERT(code_is("enc_near", near, N(near), 0, near_code, N(near_code)));

    /* the same over 1,000 and 1,100 one-instruction adds: 4,004 bytes is in
     * a B-type's reach, 4,404 is not (bne over a jal) */
    enum { PAD = 1100 };
    struct bpf_insn *far = kmalloc((PAD + 4) * sizeof *far);
    uint32_t *want = kmalloc((PAD + 16) * sizeof *want);
    KT_ASSERT(far && want);
    int ok = 1;
    for (int pad = 1000; pad <= PAD; pad += PAD - 1000) {
        uint32_t n = 0, w = 0;
        far[n++] = MOV64(0, 0);
        far[n++] = BPF_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, (int16_t)pad);
        for (int i = 0; i < pad; i++)
            far[n++] = BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1);
        far[n++] = EXIT;
        memcpy(want, one_code, 4 * sizeof *want);
        w = 4;
        want[w++] = 0x00000793;
        if (pad == 1000) {
            want[w++] = 0x7a0502e3; /* beq a0, zero, +4004 */
        } else {
            want[w++] = 0x00051463; /* bne a0, zero, +8 */
            want[w++] = 0x1340106f; /* jal zero, +4404 */
        }
        for (int i = 0; i < pad; i++)
            want[w++] = 0x00178793; /* addi a5, a5, 1 */
        memcpy(&want[w], &one_code[5], 5 * sizeof *want);
        w += 5;
        ok &= code_is(pad == 1000 ? "enc_b4004" : "enc_b4404", far, n, 0, want, w);
    }
    kfree(far);
    kfree(want);
    KT_ASSERT(ok);

    /* a helper call is auipc+jalr to the helper; a local call a jal to the
     * callee's prologue, named "bpf:<prog>.f<insn>" */
    const struct bpf_insn calls[] = {
        BPF_CALL_HELPER(BPF_FUNC_ktime_get_ns),
        BPF_CALL_LOCAL(1),
        EXIT,
        MOV64(0, 3),
        EXIT,
    };
    struct bpf_prog *p = hand_prog("enc_calls", calls, N(calls), 0);
    char log[BPF_LOG_MAX] = "";
    KT_ASSERT(p && bpf_jit_compile(p, log, sizeof log) == 0);
    const uint32_t *code = (const uint32_t *)(uintptr_t)p->jited;
    uintptr_t helper = (uintptr_t)bpf_helper_get(BPF_FUNC_ktime_get_ns)->fn, off = 1;
    int helper_ok = (code[4] & 0xfff) == 0x097 /* auipc ra */ && (code[5] & 0xfffff) == 0x080e7 /* jalr ra, ra */ &&
                    auipc_jalr_target(&code[4]) == helper && code[6] == 0x00050793; /* mv a5, a0 */
    int local_ok = (code[7] & 0xfff) == 0x0ef; /* jal ra */
    const char *name = local_ok ? ksym_lookup(jal_target(&code[7]), &off) : NULL;
    local_ok = local_ok && name && strcmp(name, "bpf:enc_calls.f3") == 0 && off == 0 &&
               *(const uint32_t *)jal_target(&code[7]) == 0xff010113;
    uint64_t r0 = call_jited(p, NULL, 0);
    hand_free(p);
    KT_ASSERT(helper_ok);
    KT_ASSERT(local_ok);
    KT_ASSERT(r0 == 3);
    KT_ASSERT(clobbered_calls == 0);
}

/* ---- Immediates ------------------------------------------------------------ */

/* lddw of each shape, with how many instructions building it takes */
static const struct {
    uint64_t v;
    unsigned insns;
} lddw_cases[] = {
    {0, 1}, {1, 1}, {2047, 1}, {2048, 2}, {(uint64_t)-2048, 1}, {(uint64_t)-2049, 2}, {0xfff, 2},
    {0x1000, 1}, {0x7ffff7ff, 2}, {0x7ffff800, 2}, {0x7fffffff, 2}, {0x80000000, 2}, {0xffffffff, 3},
    {0x100000000ull, 2}, {0xfffffffffffff800ull, 1}, {0xffffffff80000000ull, 1}, {0xffffffff7fffffffull, 3},
    {0xffffffff00000000ull, 2}, {0x7fffffffffffffffull, 3}, {0x8000000000000000ull, 2},
    {0x7ffffffffffff800ull, 3}, {0x123456789abcdef0ull, 8}, {0xfedcba9876543210ull, 8},
    {0x00000fff00000fffull, 6}, {0x8000000000000800ull, 5}, {0x0000800000000000ull, 2},
};

/* r0 = r0 * 3 + c */
#define MIX(c) \
    BPF_LD_IMM64(BPF_REG_1, c), BPF_ALU64_IMM(BPF_MUL, BPF_REG_0, 3), BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1)

KTEST(bpf_jit_rv64_immediates)
{
    int bad = 0;
    /* each constant alone: its value, and the code's size (10 words of frame) */
    for (unsigned c = 0; c < N(lddw_cases); c++) {
        const struct bpf_insn prog[] = {BPF_LD_IMM64(BPF_REG_0, lddw_cases[c].v), EXIT};
        bad += !case_ok(prog, N(prog), lddw_cases[c].v, "bpf_jit_tests.c", __LINE__);
        struct bpf_prog *p = hand_prog("imm", prog, N(prog), 0);
        char log[BPF_LOG_MAX];
        KT_ASSERT(p && bpf_jit_compile(p, log, sizeof log) == 0);
        if (p->jit_size != (9 + lddw_cases[c].insns) * 4) {
            kprintf("bpf rv64: lddw %#lx takes %u instructions, want %u\n", (unsigned long)lddw_cases[c].v,
                    (unsigned)p->jit_size / 4 - 9, lddw_cases[c].insns);
            bad++;
        }
        hand_free(p);
    }
    /* ALU immediates at the edges of the 12-bit forms, both widths */
    static const int32_t imms[] = {0, 1, -1, 2047, 2048, -2048, -2049, 0x7fffffff, INT32_MIN, 0x12345, -0x12345};
    static const uint8_t ops[] = {BPF_ADD, BPF_SUB, BPF_AND, BPF_OR, BPF_XOR, BPF_MUL, BPF_MOV};
    const uint64_t x = 0x8765432187654321ull;
    for (unsigned o = 0; o < N(ops); o++)
        for (unsigned i = 0; i < N(imms); i++) {
            uint64_t k = (uint64_t)(int64_t)imms[i], w64, w32;
            uint32_t a = (uint32_t)x, b = (uint32_t)imms[i];
            switch (ops[o]) {
            case BPF_ADD: w64 = x + k; w32 = a + b; break;
            case BPF_SUB: w64 = x - k; w32 = a - b; break;
            case BPF_AND: w64 = x & k; w32 = a & b; break;
            case BPF_OR: w64 = x | k; w32 = a | b; break;
            case BPF_XOR: w64 = x ^ k; w32 = a ^ b; break;
            case BPF_MUL: w64 = x * k; w32 = a * b; break;
            default: w64 = k; w32 = b; break;
            }
            CASE(w64, BPF_LD_IMM64(BPF_REG_0, x), BPF_ALU64_IMM(ops[o], BPF_REG_0, imms[i]), EXIT);
            CASE(w32, BPF_LD_IMM64(BPF_REG_0, x), BPF_ALU32_IMM(ops[o], BPF_REG_0, imms[i]), EXIT);
        }
    /* all of them in one program, through another register */
    const struct bpf_insn mix[] = {
        MOV64(0, 0),
        MIX(0), MIX(2048), MIX(0x7ffff800), MIX(0xffffffff), MIX(0xffffffff7fffffffull), MIX(0x123456789abcdef0ull),
        MIX(0x8000000000000800ull), MIX(0x7fffffffffffffffull), MIX(0xfedcba9876543210ull),
        EXIT,
    };
    static const uint64_t mixed[] = {0, 2048, 0x7ffff800, 0xffffffff, 0xffffffff7fffffffull, 0x123456789abcdef0ull,
                                     0x8000000000000800ull, 0x7fffffffffffffffull, 0xfedcba9876543210ull};
    uint64_t want = 0;
    for (unsigned i = 0; i < N(mixed); i++)
        want = want * 3 + mixed[i];
    bad += !case_ok(mix, N(mix), want, "bpf_jit_tests.c", __LINE__);
    KT_ASSERT(bad == 0);
    KT_ASSERT(clobbered_calls == 0);
}

/* ---- The shared cases ------------------------------------------------------- */

/* The hand-written corners every JIT's tests share (kernel/bpf_jit_cases.h):
 * divisions by zero and INT_MIN / -1, shift counts masked to the width,
 * 32-bit zero-extension, MOVSX, byte swaps, lddw, 32-bit compares, gotol. */
KTEST(bpf_jit_rv64_alu)
{
    int bad = 0;
    for (uint32_t c = 0; c < BPF_JIT_NCASES; c++) {
        const struct bpf_jit_case *k = &bpf_jit_cases[c];
        bad += !case_ok(k->insns, k->len, k->want, "bpf_jit_cases.h", k->line);
    }
    KT_ASSERT(bad == 0);
    KT_ASSERT(clobbered_calls == 0);
}

/* ---- Jumps ----------------------------------------------------------------- */

static int jump_taken(uint8_t op, int w64, uint64_t a, uint64_t b)
{
    if (!w64) {
        a = (uint32_t)a;
        b = (uint32_t)b;
    }
    int64_t sa = w64 ? (int64_t)a : (int32_t)a, sb = w64 ? (int64_t)b : (int32_t)b;
    switch (op) {
    case BPF_JEQ: return a == b;
    case BPF_JNE: return a != b;
    case BPF_JGT: return a > b;
    case BPF_JGE: return a >= b;
    case BPF_JLT: return a < b;
    case BPF_JLE: return a <= b;
    case BPF_JSGT: return sa > sb;
    case BPF_JSGE: return sa >= sb;
    case BPF_JSLT: return sa < sb;
    case BPF_JSLE: return sa <= sb;
    default: return (a & b) != 0; /* JSET */
    }
}

/* Every condition, 64- and 32-bit, register and immediate, over pairs of
 * values that differ in sign, in magnitude and only in their upper halves:
 * one program per form, each pair's outcome one bit of r0. */
KTEST(bpf_jit_rv64_jumps)
{
    static const uint64_t vals[] = {0, 1, (uint64_t)-1, 0x7fffffff, 0x80000000, 0x100000005ull, 0xffffffff00000000ull,
                                    (uint64_t)-2048};
    static const uint8_t ops[] = {BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE,
                                  BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET};
    enum { NV = sizeof vals / sizeof vals[0], MAXLEN = NV * NV * 8 + 2 };
    struct bpf_insn *p = kmalloc(MAXLEN * sizeof *p);
    KT_ASSERT(p);
    int bad = 0;
    for (unsigned o = 0; o < N(ops); o++)
        for (int w64 = 0; w64 <= 1; w64++)
            for (int x = 0; x <= 1; x++) {
                uint32_t n = 0;
                uint64_t want = 0;
                p[n++] = MOV64(0, 0);
                for (unsigned a = 0; a < NV; a++)
                    for (unsigned b = 0; b < NV; b++) {
                        uint64_t bv = x ? vals[b] : (uint64_t)(int64_t)(int32_t)vals[b];
                        const struct bpf_insn ld[] = {BPF_LD_IMM64(BPF_REG_2, vals[a]), BPF_LD_IMM64(BPF_REG_3, bv)};
                        for (unsigned k = 0; k < (x ? 4u : 2u); k++)
                            p[n++] = ld[k];
                        p[n++] = BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 1);
                        p[n++] = BPF_INSN((w64 ? BPF_JMP : BPF_JMP32) | ops[o] | (x ? BPF_X : BPF_K), BPF_REG_2,
                                          x ? BPF_REG_3 : 0, 1, x ? 0 : (int32_t)vals[b]);
                        p[n++] = BPF_JMP_A(1);
                        p[n++] = BPF_ALU64_IMM(BPF_OR, BPF_REG_0, 1);
                        want = want << 1 | (uint64_t)jump_taken(ops[o], w64, vals[a], bv);
                    }
                p[n++] = EXIT;
                if (!case_ok(p, n, want, "bpf_jit_tests.c", __LINE__)) {
                    kprintf("  (op %#x, %s, %s)\n", ops[o], w64 ? "64-bit" : "32-bit", x ? "register" : "immediate");
                    bad++;
                }
            }
    kfree(p);
    KT_ASSERT(bad == 0);
    KT_ASSERT(clobbered_calls == 0);
}

/* Conditional branches beyond a B-type's +-4 KiB, forward and backward, in
 * both widths and directions: a loop whose body is ~6 KiB of lddw. */
KTEST(bpf_jit_rv64_far_jumps)
{
    enum { PAD = 200, MAXLEN = 2 * PAD + 32 };
    struct bpf_insn *p = kmalloc(MAXLEN * sizeof *p);
    KT_ASSERT(p);
    int bad = 0;
    for (int w64 = 0; w64 <= 1; w64++)
        for (int taken = 0; taken <= 1; taken++) {
            uint32_t n = 0;
            p[n++] = MOV64(0, 0);
            p[n++] = MOV64(6, 10);                    /* rounds */
            uint32_t top = n;
            p[n++] = BPF_ALU64_IMM(BPF_ADD, 0, 1000);
            /* forward over the padding when taken (r1 is the context: never 0) */
            p[n++] = BPF_INSN((w64 ? BPF_JMP : BPF_JMP32) | (taken ? BPF_JNE : BPF_JEQ) | BPF_K, BPF_REG_1, 0,
                              (int16_t)(2 * PAD), 0);
            for (int i = 0; i < PAD; i++) {
                const struct bpf_insn ld[] = {BPF_LD_IMM64(BPF_REG_3, 0x123456789abcdef0ull + (uint64_t)i)};
                p[n++] = ld[0];
                p[n++] = ld[1];
            }
            p[n++] = BPF_ALU64_IMM(BPF_ADD, 0, 1);
            p[n++] = BPF_ALU64_IMM(BPF_SUB, 6, 1);
            p[n] = BPF_INSN((w64 ? BPF_JMP : BPF_JMP32) | BPF_JSGT | BPF_K, BPF_REG_6, 0,
                            (int16_t)((int)top - (int)n - 1), 0);
            n++;
            p[n++] = EXIT;
            struct both r = run_both(p, n, (const uint8_t *)"ctx", 4, 0);
            uint64_t want = 10 * 1000 + 10;
            if (!r.jited || r.interp != want || r.jit != want) {
                kprintf("bpf rv64 far jump (%s, %s): interpreter %lu, JIT %lu, want %lu\n", w64 ? "64" : "32",
                        taken ? "taken" : "not taken", (unsigned long)r.interp, (unsigned long)r.jit,
                        (unsigned long)want);
                bad++;
            }
        }
    kfree(p);
    KT_ASSERT(bad == 0);
    KT_ASSERT(clobbered_calls == 0);
}

/* The edges of a B-type's reach: +4,092 and -4,096 bytes are one branch,
 * +4,096 and -4,100 the inverted branch over a jal (one word more), and
 * the programs still compute what the interpreter does. */
KTEST(bpf_jit_rv64_branch_reach)
{
    enum { MAXPAD = 1025 };
    struct bpf_insn *p = kmalloc((MAXPAD + 4) * sizeof *p);
    KT_ASSERT(p);
    static const struct {
        int backward, pad;
        uint32_t words; /* branch words */
    } cases[] = {{0, 1021, 1}, {0, 1022, 2}, {1, 1024, 1}, {1, 1025, 2}};
    int bad = 0;
    for (unsigned c = 0; c < N(cases); c++) {
        uint32_t n = 0;
        int pad = cases[c].pad;
        p[n++] = MOV64(0, 0);
        if (!cases[c].backward) /* beq a0, zero at word 5 to the exit at 7 + pad: (pad + 2) * 4 */
            p[n++] = BPF_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, (int16_t)pad);
        for (int i = 0; i < pad; i++)
            p[n++] = BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1);
        if (cases[c].backward) /* at word 5 + pad, back to word 5: -pad * 4; never taken */
            p[n] = BPF_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, (int16_t)-(pad + 1)), n++;
        p[n++] = EXIT;
        struct bpf_prog *prog = hand_prog("reach", p, n, 0);
        char log[BPF_LOG_MAX] = "";
        KT_ASSERT(prog);
        if (bpf_jit_compile(prog, log, sizeof log) != 0 ||
            prog->jit_size != (4 + 1 + cases[c].words + (uint32_t)pad + 5) * 4) {
            kprintf("bpf rv64 reach %u: %u bytes (%s)\n", c, (unsigned)prog->jit_size, log);
            bad++;
        } else {
            uint8_t ctx[8];
            bad += call_jited(prog, ctx, 0) != (uint64_t)pad;
        }
        hand_free(prog);
    }
    kfree(p);
    KT_ASSERT(bad == 0);
    KT_ASSERT(clobbered_calls == 0);
}

/* ---- Memory -------------------------------------------------------------------------- */

/* Loads and stores of every size, sign-extending loads, at offsets in a
 * 12-bit immediate and beyond it, through the context, a pointer moved
 * past it, and the stack. */
KTEST(bpf_jit_rv64_memory)
{
    enum { LEN = 8200 };
    uint8_t *mem = kmalloc(LEN);
    KT_ASSERT(mem);
    for (unsigned i = 0; i < LEN; i++)
        mem[i] = (uint8_t)(0x80 + i * 0x11);
    static const int16_t offs[] = {0, 1, 2047, 2048, 4096, 8191 - 8};
    static const uint8_t sizes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};
    static const unsigned bytes[] = {1, 2, 4, 8};
    int bad = 0;
    for (unsigned o = 0; o < N(offs); o++)
        for (unsigned s = 0; s < N(sizes); s++)
            for (int sx = 0; sx <= (sizes[s] != BPF_DW); sx++) {
                int16_t off = offs[o];
                uint64_t v = 0;
                memcpy(&v, mem + off, bytes[s]);
                if (sx)
                    v = bytes[s] == 1 ? (uint64_t)(int64_t)(int8_t)v
                        : bytes[s] == 2 ? (uint64_t)(int64_t)(int16_t)v : (uint64_t)(int64_t)(int32_t)v;
                /* load through r1 at off, and through r2 = r1 + 4096 at off - 4096 */
                const struct bpf_insn prog[] = {
                    BPF_INSN(BPF_LDX | sizes[s] | (sx ? BPF_MEMSX : BPF_MEM), BPF_REG_0, BPF_REG_1, off, 0),
                    BPF_MOV64_REG(BPF_REG_2, BPF_REG_1),
                    BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, 4096),
                    BPF_INSN(BPF_LDX | sizes[s] | (sx ? BPF_MEMSX : BPF_MEM), BPF_REG_3, BPF_REG_2,
                             (int16_t)(off - 4096), 0),
                    BPF_ALU64_REG(BPF_SUB, BPF_REG_0, BPF_REG_3),
                    BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_3), /* r0 again, if r3 was right */
                    BPF_JMP_REG(BPF_JEQ, BPF_REG_0, BPF_REG_3, 1),
                    MOV64(0, 0x5bad),
                    /* stores of each form: a register, an immediate, near and far */
                    BPF_INSN(BPF_STX | sizes[s] | BPF_MEM, BPF_REG_1, BPF_REG_0, (int16_t)(8191 - 8 - off), 0),
                    BPF_INSN(BPF_ST | sizes[s] | BPF_MEM, BPF_REG_2, 0, (int16_t)(off - 4096 + 1), -0x1234567),
                    BPF_INSN(BPF_ST | sizes[s] | BPF_MEM, BPF_REG_1, 0, (int16_t)(off / 2), 0),
                    EXIT,
                };
                struct both r = run_both(prog, N(prog), mem, LEN, 0);
                if (!r.jited || r.interp != v || r.jit != v || !r.mem_equal) {
                    kprintf("bpf rv64 memory: size %u%s at %d: interpreter %#lx, JIT %#lx, want %#lx%s\n",
                            bytes[s], sx ? " signed" : "", off, (unsigned long)r.interp, (unsigned long)r.jit,
                            (unsigned long)v, r.mem_equal ? "" : ", memory differs");
                    bad++;
                }
            }
    kfree(mem);
    /* the stack: every size, its bottom at -512 (a 512-byte frame), through r10 and a copy */
    const struct bpf_insn stack[] = {
        BPF_LD_IMM64(BPF_REG_1, 0x1122334455667788ull),
        BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -512),
        BPF_ST_MEM(BPF_W, BPF_REG_10, -300, -7),
        BPF_ST_MEM(BPF_B, BPF_REG_10, -257, 0x80),
        BPF_ST_MEM(BPF_H, BPF_REG_10, -258, 0x8001),
        BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -512),
        BPF_LDX_MEMSX(BPF_W, BPF_REG_2, BPF_REG_10, -300),
        BPF_LDX_MEMSX(BPF_B, BPF_REG_3, BPF_REG_10, -257),
        BPF_MOV64_REG(BPF_REG_6, BPF_REG_10),
        BPF_LDX_MEMSX(BPF_H, BPF_REG_4, BPF_REG_6, -258),
        BPF_LDX_MEM(BPF_B, BPF_REG_5, BPF_REG_6, -257),
        BPF_LDX_MEM(BPF_H, BPF_REG_7, BPF_REG_6, -300),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_2),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_3),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_4),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_5),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_7),
        EXIT,
    };
    uint64_t want = 0x1122334455667788ull - 7 - 128 - 0x7fff + 0x80 + 0xfff9;
    struct both r = run_both(stack, N(stack), NULL, 0, 512);
    if (!r.jited || r.interp != want || r.jit != want) {
        kprintf("bpf rv64 stack: interpreter %#lx, JIT %#lx, want %#lx\n", (unsigned long)r.interp,
                (unsigned long)r.jit, (unsigned long)want);
        bad++;
    }
    KT_ASSERT(bad == 0);
    KT_ASSERT(clobbered_calls == 0);
}

/* ---- Atomics -------------------------------------------------------------------- */

KTEST(bpf_jit_rv64_atomics)
{
    static const int32_t ops[] = {BPF_ADD, BPF_OR, BPF_AND, BPF_XOR, BPF_ADD | BPF_FETCH, BPF_OR | BPF_FETCH,
                                  BPF_AND | BPF_FETCH, BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG};
    static const uint8_t srcs[] = {0, 2, 5, 7, 9};
    static const int16_t offs[] = {0, 8, 2056};
    enum { LEN = 2072 };
    uint8_t *mem = kmalloc(LEN);
    KT_ASSERT(mem);
    for (unsigned i = 0; i < LEN; i++)
        mem[i] = (uint8_t)(0x5a ^ (i * 37));
    int bad = 0;
    for (unsigned o = 0; o < N(ops); o++)
        for (int dw = 0; dw <= 1; dw++)
            for (unsigned si = 0; si < N(srcs); si++)
                for (unsigned fi = 0; fi < N(offs); fi++)
                    for (int hit = 0; hit <= 1; hit++) {
                        if (ops[o] != BPF_CMPXCHG && hit)
                            continue;
                        int src = srcs[si];
                        int16_t off = offs[fi];
                        uint64_t old;
                        memcpy(&old, mem + off, 8);
                        /* r0 = the value or not (cmpxchg), with junk above bit 31 */
                        uint64_t r0 = hit ? (dw ? old : (old & 0xffffffff) | 0x1234567800000000ull) : 0x77;
                        uint64_t sv = src == 0 ? r0 : 0xf0f0f0f08ff00ff0ull;
                        const struct bpf_insn p[] = {
                            BPF_LD_IMM64(0, r0),
                            BPF_LD_IMM64(src, sv),
                            BPF_MOV64_REG(6, 1),
                            BPF_ATOMIC_OP(dw ? BPF_DW : BPF_W, ops[o], 6, src, off),
                            /* fold r0, the src register and the memory into r0 */
                            BPF_MOV64_REG(7, src),
                            BPF_ALU64_IMM(BPF_MUL, 0, 31),
                            BPF_ALU64_REG(BPF_XOR, 0, 7),
                            BPF_LDX_MEM(BPF_DW, 7, 1, off),
                            BPF_ALU64_IMM(BPF_MUL, 0, 31),
                            BPF_ALU64_REG(BPF_XOR, 0, 7),
                            EXIT,
                        };
                        struct both r = run_both(p, N(p), mem, LEN, 0);
                        if (!r.jited || r.interp != r.jit || !r.mem_equal) {
                            kprintf("bpf rv64 atomic %#x %s src r%d off %d%s: interpreter %#lx, JIT %#lx%s\n",
                                    (unsigned)ops[o], dw ? "dw" : "w", src, off, hit ? " (equal)" : "",
                                    (unsigned long)r.interp, (unsigned long)r.jit,
                                    r.mem_equal ? "" : ", memory differs");
                            bad++;
                        }
                    }
    kfree(mem);
    /* values the RFC gives */
    CASE(0xfff0ff00ull, MOV64(2, 0x0ff0), BPF_ST_MEM(BPF_DW, 10, -8, 0xff00),
         BPF_ATOMIC_OP(BPF_DW, BPF_OR | BPF_FETCH, 10, 2, -8), BPF_LDX_MEM(BPF_DW, 3, 10, -8), BPF_MOV64_REG(0, 3),
         BPF_ALU64_IMM(BPF_LSH, 0, 16), BPF_ALU64_REG(BPF_OR, 0, 2), EXIT);
    CASE(0x000000050000ff00ull, BPF_ST_MEM(BPF_DW, 10, -8, 0xff00), BPF_LD_IMM64(0, 0xabcdef000000ff00ull), MOV64(2, 5),
         BPF_ATOMIC_OP(BPF_W, BPF_CMPXCHG, 10, 2, -8), BPF_LDX_MEM(BPF_W, 3, 10, -8), BPF_ALU64_IMM(BPF_LSH, 3, 32),
         BPF_ALU64_REG(BPF_OR, 0, 3), EXIT);
    CASE(0xffffffff, BPF_ST_MEM(BPF_W, 10, -4, -1), MOV64(2, 1), BPF_ATOMIC_OP(BPF_W, BPF_ADD | BPF_FETCH, 10, 2, -4),
         BPF_MOV64_REG(0, 2), EXIT);
    KT_ASSERT(bad == 0);
    KT_ASSERT(clobbered_calls == 0);
}

/* ---- Calls -------------------------------------------------------------------------- */

KTEST(bpf_jit_rv64_calls)
{
    /* local calls: each function has its own stack, r6-r9 come back */
    const struct bpf_insn p[] = {
        /* main */
        MOV64(6, 1), MOV64(7, 2), MOV64(8, 3), MOV64(9, 4),
        BPF_ST_MEM(BPF_DW, 10, -8, 1000),
        MOV64(1, 10), MOV64(2, 20), MOV64(3, 30), MOV64(4, 40), MOV64(5, 50),
        BPF_CALL_LOCAL(11),                             /* f(10,20,30,40,50) at 22 */
        BPF_LDX_MEM(BPF_DW, 1, 10, -8),                 /* main's slot is intact */
        BPF_ALU64_REG(BPF_ADD, 0, 1),
        BPF_ALU64_IMM(BPF_MUL, 6, 1000000), BPF_ALU64_REG(BPF_ADD, 0, 6),
        BPF_ALU64_IMM(BPF_MUL, 7, 100000), BPF_ALU64_REG(BPF_ADD, 0, 7),
        BPF_ALU64_IMM(BPF_MUL, 8, 10000000), BPF_ALU64_REG(BPF_ADD, 0, 8),
        BPF_ALU64_IMM(BPF_MUL, 9, 100000000), BPF_ALU64_REG(BPF_ADD, 0, 9),
        EXIT,
        /* f at 22: r0 = a1 + ... + a5 + g(7), clobbering r6-r9 and its slot */
        MOV64(6, 0), MOV64(7, 0), MOV64(8, 0), MOV64(9, 0),
        BPF_ST_MEM(BPF_DW, 10, -8, 7),
        BPF_MOV64_REG(6, 1), BPF_ALU64_REG(BPF_ADD, 6, 2), BPF_ALU64_REG(BPF_ADD, 6, 3),
        BPF_ALU64_REG(BPF_ADD, 6, 4), BPF_ALU64_REG(BPF_ADD, 6, 5),
        BPF_LDX_MEM(BPF_DW, 1, 10, -8),
        BPF_CALL_LOCAL(4),                              /* g at 38 */
        BPF_ALU64_REG(BPF_ADD, 0, 6),
        BPF_LDX_MEM(BPF_DW, 2, 10, -8),                 /* 7 still */
        BPF_ALU64_REG(BPF_ADD, 0, 2),
        EXIT,
        /* g at 38: r0 = r1 * 3 + its own slot, after a helper (r6 live) */
        MOV64(6, 55),
        BPF_ST_MEM(BPF_DW, 10, -8, 100),
        BPF_MOV64_REG(7, 1),
        BPF_CALL_HELPER(BPF_FUNC_get_prandom_u32),
        BPF_MOV64_REG(0, 7), BPF_ALU64_IMM(BPF_MUL, 0, 3),
        BPF_LDX_MEM(BPF_DW, 2, 10, -8), BPF_ALU64_REG(BPF_ADD, 0, 2),
        EXIT,
    };
    _Static_assert(sizeof p / sizeof p[0] == 47, "layout");
    uint64_t want = 278 + 1000 + 1000000 + 200000 + 30000000 + 400000000;
    struct both r = run_both(p, N(p), NULL, 0, 256);
    KT_ASSERT(r.jited && r.interp == want && r.jit == want);

    /* every code byte is named, by its function */
    struct bpf_prog *prog = hand_prog("calls", p, N(p), 16);
    char log[BPF_LOG_MAX];
    KT_ASSERT(prog && bpf_jit_compile(prog, log, sizeof log) == 0);
    unsigned seen[3] = {0, 0, 0}, other = 0;
    static const char *const names[3] = {"bpf:calls", "bpf:calls.f22", "bpf:calls.f38"};
    for (uint32_t off = 0; off < prog->jit_size; off += 4) {
        uintptr_t o;
        const char *s = ksym_lookup((uintptr_t)prog->jited + off, &o);
        unsigned k = 0;
        while (k < 3 && !(s && strcmp(s, names[k]) == 0))
            k++;
        if (k < 3)
            seen[k]++;
        else
            other++;
    }
    uint64_t r0 = call_jited(prog, NULL, 0);
    hand_free(prog);
    KT_ASSERT(seen[0] && seen[1] && seen[2] && other == 0);
    KT_ASSERT(r0 == want);

    /* helpers keep r6-r9 (s1-s4) and give r0 */
    const struct bpf_insn h[] = {
        BPF_LD_IMM64(BPF_REG_6, 0x0606060606060606ull),
        BPF_LD_IMM64(BPF_REG_7, 0x7070707070707070ull),
        BPF_LD_IMM64(BPF_REG_8, 0x0808080808080808ull),
        BPF_LD_IMM64(BPF_REG_9, 0x9090909090909090ull),
        BPF_CALL_HELPER(BPF_FUNC_ktime_get_ns),
        BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 8), /* the clock has started: r0 != 0 */
        BPF_CALL_HELPER(BPF_FUNC_get_prandom_u32),
        BPF_MOV64_REG(BPF_REG_0, BPF_REG_6),
        BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 1),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_7),
        BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 1),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_8),
        BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 1),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_9),
        EXIT,
    };
    want = ((0x0606060606060606ull * 2 + 0x7070707070707070ull) * 2 + 0x0808080808080808ull) * 2 +
           0x9090909090909090ull;
    r = run_both(h, N(h), NULL, 0, 0);
    KT_ASSERT(r.jited && r.interp == want && r.jit == want);
    KT_ASSERT(clobbered_calls == 0);
}

/* ---- Bad input ----------------------------------------------------------------------- */

/* bpf_jit_compile() on what the verifier would refuse: each refused with
 * -ENOTSUP and a reason naming the instruction, nothing left behind. */
KTEST(bpf_jit_rv64_bad_input)
{
    static const struct {
        struct bpf_insn p[3];
        uint32_t len;
        const char *why;
    } cases[] = {
        {{BPF_INSN(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 0), EXIT}, 2, "insn 0"},
        {{MOV64(0, 0), BPF_INSN(BPF_LDX | BPF_MEMSX | BPF_DW, 0, 1, 0, 0), EXIT}, 3, "insn 1"},
        {{MOV64(0, 0), BPF_CALL_HELPER(9999), EXIT}, 3, "insn 1"},
        {{MOV64(0, 0), BPF_JMP_A(5), EXIT}, 3, "insn 1"},
        {{MOV64(0, 0), BPF_JMP_IMM(BPF_JEQ, 0, 0, -3), EXIT}, 3, "insn 1"},
        {{BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_K, 11, 0, 0, 0), EXIT}, 2, "no such register"},
        {{BPF_INSN(BPF_ALU64 | 0xe0 | BPF_X, 0, 1, 0, 0), EXIT}, 2, "insn 0"},
        {{BPF_INSN(BPF_ALU | BPF_END, 0, 0, 0, 8), EXIT}, 2, "insn 0"},
        {{MOV64(0, 0), BPF_ATOMIC_OP(BPF_DW, BPF_DIV | BPF_FETCH, 10, 1, -8), EXIT}, 3, "insn 1"},
        {{BPF_INSN(BPF_JMP32 | BPF_EXIT, 0, 0, 0, 0)}, 1, "insn 0"},
        {{MOV64(0, 0), BPF_LD_IMM64(0, 1)}, 2, "insn 1"}, /* lddw cut short */
    };
    int bad = 0;
    for (unsigned c = 0; c < N(cases); c++) {
        struct bpf_prog *p = hand_prog("bad", cases[c].p, cases[c].len, 8);
        KT_ASSERT(p);
        char log[BPF_LOG_MAX] = "";
        int rc = bpf_jit_compile(p, log, sizeof log);
        if (rc != -ENOTSUP || !strstr(log, cases[c].why) || !strstr(log, "riscv64 JIT") || p->jited || p->jit) {
            kprintf("bpf rv64 bad input %u: %d '%s'\n", c, rc, log);
            bad++;
        }
        hand_free(p);
    }
    /* no functions, a table that does not start at 0, too deep a frame, no instructions */
    struct bpf_prog *p = hand_prog("bad", cases[0].p, 2, 0);
    KT_ASSERT(p);
    char log[BPF_LOG_MAX] = "";
    p->nsubprogs = 0;
    bad += bpf_jit_compile(p, log, sizeof log) != -ENOTSUP || !strstr(log, "no functions");
    p->nsubprogs = 1;
    p->subprog_start[0] = 1;
    bad += bpf_jit_compile(p, log, sizeof log) != -ENOTSUP;
    p->subprog_start[0] = 0;
    p->stack_depth[0] = BPF_STACK_SIZE + 8; /* a frame beyond the verifier's limit */
    bad += bpf_jit_compile(p, log, sizeof log) != -ENOTSUP || !strstr(log, "bytes of stack");
    p->stack_depth[0] = 0;
    p->len = 0;
    bad += bpf_jit_compile(p, log, sizeof log) != -ENOTSUP;
    bad += p->jited != NULL;
    hand_free(p);
    /* a local call to what is not a function */
    const struct bpf_insn notfn[] = {BPF_CALL_LOCAL(1), EXIT, MOV64(0, 1), EXIT};
    p = hand_prog("bad", notfn, N(notfn), 0);
    KT_ASSERT(p);
    p->nsubprogs = 1;
    bad += bpf_jit_compile(p, log, sizeof log) != -ENOTSUP || !strstr(log, "insn 0");
    hand_free(p);
    KT_ASSERT(bad == 0);
}

/* ---- Random programs --------------------------------------------------------------- */

/* Programs valid by construction, from a fixed seed: every data register
 * and stack slot set first, context and stack accesses in range (also
 * through a copy of the pointer moved near or far), forward branches inside
 * their block and loops counted down in r9, which their body may not write,
 * helper calls after which r1-r5 are set again, local calls. r0 folds in
 * every register and stack slot at the end, so both engines must agree on
 * it and on the context's bytes. */
static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned rndn(unsigned n) { return (unsigned)(rnd() % n); }

#define R_CTX 64       /* context bytes */
#define R_STACK 64     /* stack bytes set first: [-64, 0) */
#define R_SLOT (-72)   /* a copy of r1, for after helper calls */
#define R_DEPTH 128
#define R_UNITS 1200

static const uint8_t data_regs[] = {0, 2, 3, 4, 5, 6, 7, 8, 9}; /* r1 is the context, r10 the frame */

struct gen {
    struct bpf_insn slot[3 * R_UNITS + 64];
    uint32_t unit_slot[R_UNITS + 1];
    int32_t jump_to[R_UNITS]; /* the unit a jump goes to; -1 none; -2 - k: function k */
    uint32_t nslots, nunits;
    int forbid; /* a register the code may not write (a loop's counter), or -1 */
};

/* A unit of @p n slots (a jump target as a whole); @p to: see jump_to. */
static void put_n(struct gen *g, const struct bpf_insn *in, uint32_t n, int32_t to)
{
    if (g->nunits >= R_UNITS || g->nslots + n > N(g->slot))
        return; /* full: the rest is left out, the program stays valid */
    g->unit_slot[g->nunits] = g->nslots;
    g->jump_to[g->nunits++] = to;
    for (uint32_t i = 0; i < n; i++)
        g->slot[g->nslots++] = in[i];
}

static void put(struct gen *g, struct bpf_insn in, int32_t to) { put_n(g, &in, 1, to); }

static void put_lddw(struct gen *g, uint8_t d, uint64_t v)
{
    const struct bpf_insn ld[] = {BPF_LD_IMM64(d, v)};
    put_n(g, ld, 2, -1);
}

static uint8_t any_reg(void) { return data_regs[rndn(sizeof data_regs)]; }

static uint8_t pick_reg(const struct gen *g)
{
    uint8_t r;
    do
        r = any_reg();
    while (r == g->forbid);
    return r;
}

static int32_t pick_imm(void)
{
    static const int32_t edges[] = {0, 1, -1, 2047, 2048, -2048, -2049, 31, 32, 63, 64,
                                    INT32_MIN, INT32_MAX, 0x800, 0xfff};
    switch (rndn(3)) {
    case 0: return edges[rndn(N(edges))];
    case 1: return (int32_t)rndn(64) - 32;
    default: return (int32_t)rnd();
    }
}

static void gen_alu(struct gen *g)
{
    static const uint8_t ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH,
                                  BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH, BPF_END};
    uint8_t op = ops[rndn(N(ops))], cls = rndn(2) ? BPF_ALU64 : BPF_ALU, d = pick_reg(g);
    int x = rndn(2);
    if (op == BPF_END) {
        static const int32_t bits[] = {16, 32, 64};
        int be = cls == BPF_ALU && rndn(2);
        put(g, BPF_INSN(cls | BPF_END | (be ? BPF_TO_BE : BPF_TO_LE), d, 0, 0, bits[rndn(3)]), -1);
        return;
    }
    if (op == BPF_NEG) {
        put(g, BPF_INSN(cls | BPF_NEG, d, 0, 0, 0), -1);
        return;
    }
    int16_t off = 0;
    if ((op == BPF_DIV || op == BPF_MOD) && rndn(2))
        off = 1;
    if (op == BPF_MOV && x && rndn(2)) {
        static const int16_t sx[] = {8, 16, 32};
        off = sx[rndn(cls == BPF_ALU64 ? 3 : 2)];
    }
    put(g, BPF_INSN(cls | op | (x ? BPF_X : BPF_K), d, x ? any_reg() : 0, off, x ? 0 : pick_imm()), -1);
}

static void gen_mem(struct gen *g)
{
    static const uint8_t sizes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};
    unsigned si = rndn(4), kind = rndn(5); /* 0, 1 load, 2 st, 3 stx, 4 atomic */
    if (kind == 4)
        si = 2 + rndn(2);
    int n = 1 << (si == 3 ? 3 : si == 2 ? 2 : si == 1 ? 1 : 0);
    uint8_t sz = sizes[si], base = rndn(2) ? 1 : 10;
    int off;
    if (kind == 4)
        off = base == 1 ? (int)rndn(R_CTX / n) * n : -(int)(rndn(R_STACK / n) + 1) * n;
    else
        off = base == 1 ? (int)rndn(R_CTX - n + 1) : -(int)rndn(R_STACK - n + 1) - n;
    struct bpf_insn u[4];
    uint32_t k = 0;
    int ptr = -1;
    if (rndn(3) == 0) { /* through a copy of the pointer, moved near or far */
        static const int16_t deltas[] = {0, 32, -32, 3000, -3000};
        int16_t delta = deltas[rndn(N(deltas))];
        ptr = pick_reg(g);
        u[k++] = BPF_MOV64_REG(ptr, base);
        u[k++] = BPF_ALU64_IMM(BPF_ADD, ptr, delta);
        off -= delta;
        base = (uint8_t)ptr;
    }
    uint8_t val;
    do
        val = any_reg();
    while (val == ptr);
    if (kind <= 1) {
        u[k++] = BPF_INSN(BPF_LDX | sz | (sz != BPF_DW && rndn(2) ? BPF_MEMSX : BPF_MEM), pick_reg(g), base,
                          (int16_t)off, 0);
    } else if (kind == 2) {
        u[k++] = BPF_INSN(BPF_ST | sz | BPF_MEM, base, 0, (int16_t)off, pick_imm());
    } else if (kind == 3) {
        u[k++] = BPF_INSN(BPF_STX | sz | BPF_MEM, base, val, (int16_t)off, 0);
    } else {
        static const int32_t aops[] = {BPF_ADD, BPF_OR, BPF_AND, BPF_XOR, BPF_ADD | BPF_FETCH, BPF_OR | BPF_FETCH,
                                       BPF_AND | BPF_FETCH, BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG};
        int32_t op = aops[rndn(N(aops))];
        if ((op & BPF_FETCH) && op != BPF_CMPXCHG && val == g->forbid)
            op = BPF_ADD; /* a fetch writes val */
        if (op == BPF_CMPXCHG && (g->forbid == 0 || ptr == 0))
            op = BPF_XOR; /* cmpxchg writes r0 */
        u[k++] = BPF_INSN(BPF_STX | sz | BPF_ATOMIC, base, val, (int16_t)off, op);
    }
    if (ptr >= 0)
        u[k++] = BPF_MOV64_IMM(ptr, pick_imm()); /* no address stays behind */
    put_n(g, u, k, -1);
}

/* A forward conditional jump or ja to a unit in (this, this + left]. */
static void gen_jump(struct gen *g, unsigned left)
{
    static const uint8_t ops[] = {BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT, BPF_JSGE,
                                  BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE, BPF_JA};
    int32_t to = (int32_t)(g->nunits + 1 + rndn(left + 1));
    uint8_t op = ops[rndn(N(ops))], cls = rndn(2) ? BPF_JMP : BPF_JMP32;
    int x = rndn(2);
    if (op == BPF_JA)
        put(g, BPF_INSN(cls | BPF_JA, 0, 0, 0, 0), to);
    else
        put(g, BPF_INSN(cls | op | (x ? BPF_X : BPF_K), any_reg(), x ? any_reg() : 0, 0, x ? 0 : pick_imm()), to);
}

/* A helper call (its result dropped: the CPU may change between engines),
 * then r1 from its copy and r0, r2-r5 set: r6-r9 must survive it. */
static void gen_helper(struct gen *g)
{
    struct bpf_insn u[7] = {BPF_CALL_HELPER(BPF_FUNC_get_smp_processor_id), BPF_LDX_MEM(BPF_DW, 1, 10, R_SLOT)};
    for (uint8_t r = 0; r <= 5; r++)
        if (r != 1)
            u[r < 1 ? 2 : r + 1] = BPF_MOV64_IMM(r, pick_imm());
    put_n(g, u, 7, -1);
}

static void gen_block(struct gen *g, unsigned n, int jumps, int helpers)
{
    unsigned end = g->nunits + n;
    while (g->nunits < end && g->nunits < R_UNITS - 64 && g->nslots < N(g->slot) - 400) {
        unsigned r = rndn(10);
        if (helpers && r == 1 && rndn(4) == 0)
            gen_helper(g);
        else if (jumps && r < 2 && g->nunits + 1 < end)
            gen_jump(g, end - g->nunits - 1);
        else if (r < 5)
            gen_mem(g);
        else if (r == 5)
            put_lddw(g, pick_reg(g), rnd());
        else
            gen_alu(g);
    }
}

/* r0 = r0 * 0x01000193 ^ r */
static void fold(struct gen *g, uint8_t r)
{
    put(g, BPF_ALU64_IMM(BPF_MUL, 0, 0x01000193), -1);
    put(g, BPF_ALU64_REG(BPF_XOR, 0, r), -1);
}

/* One function's body: @p blocks blocks, some of them loops on r9, each
 * followed by a call to function @p callee (> 0) half the time. */
static void gen_function(struct gen *g, int kind, int callee, int helpers)
{
    int branches = kind != 0, big = kind == 3;
    for (int k = 1; k <= R_STACK / 8; k++)
        put(g, BPF_ST_MEM(BPF_DW, 10, (int16_t)(-8 * k), (int32_t)rnd()), -1);
    unsigned blocks = 1 + rndn(4);
    for (unsigned b = 0; b < blocks; b++) {
        if (branches && rndn(3) == 0) {
            put(g, MOV64(9, (int32_t)(1 + rndn(6))), -1);
            int32_t top = (int32_t)g->nunits;
            g->forbid = 9;
            gen_block(g, big ? 50 + rndn(200) : 4 + rndn(20), 1, helpers);
            g->forbid = -1;
            put(g, BPF_ALU64_IMM(BPF_SUB, 9, 1), -1);
            put(g, BPF_INSN((rndn(2) ? BPF_JMP : BPF_JMP32) | BPF_JNE | BPF_K, 9, 0, 0, 0), top);
        } else {
            gen_block(g, big ? 50 + rndn(300) : 5 + rndn(40), branches, helpers);
        }
        if (callee > 0 && rndn(2))
            put(g, BPF_CALL_LOCAL(0), -2 - callee);
    }
    for (int k = 1; k <= R_STACK / 8; k++) {
        put(g, BPF_LDX_MEM(BPF_DW, 2, 10, (int16_t)(-8 * k)), -1);
        fold(g, 2);
    }
    for (unsigned i = 1; i < sizeof data_regs; i++)
        fold(g, data_regs[i]);
    put(g, EXIT, -1);
}

/* @p kind 0: straight-line, 1: branches and loops, 2: local calls (main
 * calls f1 or f2, f1 calls f2), 3: like 1 with blocks of hundreds of units */
static uint32_t gen_program(struct gen *g, int kind)
{
    uint32_t fstart[3] = {0, 0, 0};
    g->nunits = g->nslots = 0;
    g->forbid = -1;
    put(g, BPF_STX_MEM(BPF_DW, 10, 1, R_SLOT), -1);
    for (unsigned i = 0; i < sizeof data_regs; i++)
        put_lddw(g, data_regs[i], rnd());
    if (kind != 2) {
        gen_function(g, kind, 0, 1);
    } else {
        for (int f = 0; f < 3; f++) {
            fstart[f] = g->nunits;
            gen_function(g, 1, f == 0 ? 1 + (int)rndn(2) : f == 1 ? 2 : 0, 0);
        }
    }
    g->unit_slot[g->nunits] = g->nslots;
    for (uint32_t u = 0; u < g->nunits; u++) {
        if (g->jump_to[u] == -1)
            continue;
        struct bpf_insn *in = &g->slot[g->unit_slot[u]];
        uint32_t to = g->jump_to[u] >= 0 ? (uint32_t)g->jump_to[u] : fstart[-2 - g->jump_to[u]];
        if (to > g->nunits)
            to = g->nunits - 1; /* cut short by a full table: the final exit */
        int32_t rel = (int32_t)g->unit_slot[to] - (int32_t)g->unit_slot[u] - 1;
        if (in->code == (BPF_JMP32 | BPF_JA) || in->code == (BPF_JMP | BPF_CALL))
            in->imm = rel;
        else
            in->off = (int16_t)rel;
    }
    return g->nslots;
}

KTEST(bpf_jit_rv64_random)
{
    static const unsigned counts[4] = {150, 250, 150, 25};
    struct gen *g = kmalloc(sizeof *g);
    uint8_t *mem = kmalloc(R_CTX);
    KT_ASSERT(g && mem);
    unsigned bad = 0, notjit = 0;
    for (int kind = 0; kind < 4; kind++)
        for (unsigned n = 0; n < counts[kind]; n++) {
            for (unsigned i = 0; i < R_CTX; i++)
                mem[i] = (uint8_t)rnd();
            uint32_t len = gen_program(g, kind);
            struct both r = run_both(g->slot, len, mem, R_CTX, R_DEPTH);
            notjit += !r.jited;
            if (r.jited && (r.interp != r.jit || !r.mem_equal) && bad++ < 2) {
                kprintf("bpf rv64 random program %u (kind %d) differs: interpreter %#lx, JIT %#lx, memory %s\n",
                        n, kind, (unsigned long)r.interp, (unsigned long)r.jit, r.mem_equal ? "same" : "differs");
                for (uint32_t i = 0; i < len; i++)
                    kprintf("  %3u: %02x %u %u %d %d\n", (unsigned)i, g->slot[i].code, g->slot[i].dst,
                            g->slot[i].src, g->slot[i].off, (int)g->slot[i].imm);
            }
        }
    kfree(g);
    kfree(mem);
    KT_ASSERT(notjit == 0);
    KT_ASSERT(bad == 0);
    KT_ASSERT(clobbered_calls == 0);
}
