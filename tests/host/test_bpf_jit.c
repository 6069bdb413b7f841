/**
 * @file test_bpf_jit.c
 * @brief Host tests of the x86_64 eBPF JIT (arch/x86_64/bpf_jit.c) against
 *        the interpreter, its reference:
 *
 *  - hand-written programs for every corner, each checked against the
 *    value worked out by hand and run by both engines: the table every
 *    JIT's tests share (kernel/bpf_jit_cases.h: division and modulo by 0
 *    and INT_MIN / -1 in all widths, shifts through rcx, rax/rdx as
 *    operands of div, MOVSX, byte swaps, 32-bit jumps, gotol, lddw), and
 *    here sign-extending loads, every atomic, local calls, helper calls
 *    through maps;
 *  - the conformance corpus (kernel/bpf/corpus.h), both engines, same r0
 *    and same context bytes;
 *  - thousands of random programs, valid by construction (registers set
 *    first, stack and context accesses in range, also through pointer
 *    copies in any register, forward branches and bounded loops only,
 *    program-local calls, big ones needing rel32 jumps), from a fixed
 *    seed: same r0 (which folds in every register and stack slot at the
 *    end) and same context bytes;
 *  - every JITed call goes through a trampoline that checks the SysV
 *    callee-saved registers survive;
 *  - symbols, an unsupported instruction, and a speed comparison
 *    (BPF_JIT_DUMP=file writes that program's code for objdump).
 */
#define _POSIX_C_SOURCE 200809L
#include <kernel/bpf.h>
#include <kernel/bpf_jit_cases.h>
#include <kernel/errno.h>
#include <kernel/jit.h>
#include <stdlib.h>
#include <time.h>

#include "../../kernel/bpf/corpus.h"
#include "check.h"
#include <arch/host_pages.h>

#define CTX_LEN 64

/* Fill the function table of a hand-built program the way the verifier
 * does: main at 0, every local call target, ascending; @p depth bytes of
 * stack each. */
static void find_functions(struct bpf_prog *p, uint16_t depth)
{
    p->nsubprogs = 1;
    p->subprog_start[0] = 0;
    for (uint32_t i = 0; i < p->len; i++) {
        const struct bpf_insn *in = &p->insns[i];
        if (in->code == (BPF_JMP | BPF_CALL) && in->src == BPF_PSEUDO_CALL) {
            uint32_t t = i + 1 + (uint32_t)in->imm, k = 0;
            while (k < p->nsubprogs && p->subprog_start[k] != t)
                k++;
            if (k == p->nsubprogs)
                p->subprog_start[p->nsubprogs++] = t;
        }
    }
    for (uint32_t a = 1; a < p->nsubprogs; a++)
        for (uint32_t b = a; b > 0 && p->subprog_start[b - 1] > p->subprog_start[b]; b--) {
            uint32_t t = p->subprog_start[b];
            p->subprog_start[b] = p->subprog_start[b - 1];
            p->subprog_start[b - 1] = t;
        }
    for (uint32_t k = 0; k < p->nsubprogs; k++)
        p->stack_depth[k] = depth;
}

/* Call JITed code the way C does, with rbx, rbp and r12-r15 set to known
 * values first; *bad gets the bits that differ afterwards (nonzero: the code
 * broke the SysV callee-saved registers its C callers rely on). */
uint64_t jit_call_checked(void *fn, const void *ctx, uint64_t r2, uint64_t *bad);
__asm__(".text\n"
        ".globl jit_call_checked\n"
        "jit_call_checked:\n"
        "push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
        "push %rcx\n" /* 7 pushes: rsp 16-byte aligned at the call */
        "mov %rdi, %rax\n mov %rsi, %rdi\n mov %rdx, %rsi\n"
        "movabs $0x1111111111111111, %rbx\n movabs $0x2222222222222222, %rbp\n"
        "movabs $0x3333333333333333, %r12\n movabs $0x4444444444444444, %r13\n"
        "movabs $0x5555555555555555, %r14\n movabs $0x6666666666666666, %r15\n"
        "call *%rax\n"
        "xor %r11d, %r11d\n"
        "movabs $0x1111111111111111, %rdx\n xor %rdx, %rbx\n or %rbx, %r11\n"
        "movabs $0x2222222222222222, %rdx\n xor %rdx, %rbp\n or %rbp, %r11\n"
        "movabs $0x3333333333333333, %rdx\n xor %rdx, %r12\n or %r12, %r11\n"
        "movabs $0x4444444444444444, %rdx\n xor %rdx, %r13\n or %r13, %r11\n"
        "movabs $0x5555555555555555, %rdx\n xor %rdx, %r14\n or %r14, %r11\n"
        "movabs $0x6666666666666666, %rdx\n xor %rdx, %r15\n or %r15, %r11\n"
        "pop %rcx\n mov %r11, (%rcx)\n"
        "pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
        "ret\n");

static unsigned clobbered_calls;

/* The JITed program, through jit_call_checked(); counts broken registers. */
static uint64_t call_jited(const struct bpf_prog *p, const void *ctx, uint64_t r2)
{
    uint64_t bad = 0;
    uint64_t r0 = jit_call_checked((void *)p->jited, ctx, r2, &bad);
    if (bad) {
        clobbered_calls++;
        fprintf(stderr, "JITed %s broke callee-saved registers: %#jx\n", p->name, (uintmax_t)bad);
    }
    return r0;
}

struct both {
    uint64_t interp, jit;
    int jited;     /* the JIT compiled it */
    int mem_equal; /* the context bytes agree afterwards */
};

/* Run a hand-built program (no verifier) in both engines on copies of
 * @p mem; r2 = @p r2. */
static struct both run_both(const struct bpf_insn *insns, uint32_t len, const uint8_t *mem, uint32_t mem_len,
                            uint64_t r2, uint16_t depth)
{
    struct bpf_prog p = {0};
    struct both res = {0};
    uint8_t a[256] = {0}, b[256] = {0};
    if (mem)
        memcpy(a, mem, mem_len), memcpy(b, mem, mem_len);
    strcpy(p.name, "t");
    p.insns = (struct bpf_insn *)insns;
    p.len = len;
    find_functions(&p, depth);
    res.interp = bpf_interp(&p, a, r2);
    char log[BPF_LOG_MAX] = "";
    int rc = bpf_jit_compile(&p, log, sizeof log);
    if (rc != 0)
        fprintf(stderr, "JIT failed: %d %s\n", rc, log);
    res.jited = rc == 0 && p.jited != NULL;
    if (res.jited)
        res.jit = call_jited(&p, b, r2);
    res.mem_equal = memcmp(a, b, sizeof a) == 0;
    bpf_jit_free(&p);
    return res;
}

#define MOV64(d, i) BPF_MOV64_IMM(d, i)

/* The hand-written corners every JIT's tests share (kernel/bpf_jit_cases.h):
 * both engines must give each one's value. */
static void test_cases(void)
{
    for (uint32_t c = 0; c < BPF_JIT_NCASES; c++) {
        const struct bpf_jit_case *k = &bpf_jit_cases[c];
        struct both r = run_both(k->insns, k->len, NULL, 0, 0, 64);
        if (!r.jited || r.interp != k->want || r.jit != k->want)
            fprintf(stderr, "bpf_jit_cases.h:%d: interp %#jx jit %#jx%s want %#jx\n", k->line, (uintmax_t)r.interp,
                    (uintmax_t)r.jit, r.jited ? "" : " (not compiled)", (uintmax_t)k->want);
        CHECK(r.jited);
        CHECK_EQ_HEX(r.interp, k->want);
        CHECK_EQ_HEX(r.jit, k->want);
    }
}

/* A loop: sum 1..1000, with a jump far enough to need rel32. */
static void test_far_loop(void)
{
    struct bpf_insn p[200];
    unsigned n = 0;
    p[n++] = MOV64(0, 0);
    p[n++] = MOV64(2, 1000);
    unsigned top = n;
    p[n++] = BPF_ALU64_REG(BPF_ADD, 0, 2);
    for (int i = 0; i < 60; i++) /* padding: r3 += 0 as 7-byte adds */
        p[n++] = BPF_ALU64_IMM(BPF_ADD, 3, 0x10000);
    p[n++] = BPF_ALU64_IMM(BPF_SUB, 2, 1);
    p[n] = BPF_JMP_IMM(BPF_JNE, 2, 0, (int16_t)((int)top - (int)n - 1));
    n++;
    p[n++] = EXIT;
    struct both r = run_both(p, n, NULL, 0, 0, 0);
    CHECK(r.jited);
    CHECK_EQ_INT(r.interp, 500500);
    CHECK_EQ_INT(r.jit, 500500);
}

static void test_memory(void)
{
    uint8_t mem[CTX_LEN];
    for (unsigned i = 0; i < sizeof mem; i++)
        mem[i] = (uint8_t)(0x80 + i * 0x11);
    uint64_t dw;
    memcpy(&dw, mem + 8, 8);
    struct {
        const char *name;
        struct bpf_insn p[12];
        unsigned n;
        uint64_t expect;
    } cases[] = {
        {"ldxb", {BPF_LDX_MEM(BPF_B, 0, 1, 0), EXIT}, 2, 0x80},
        {"ldxsb", {BPF_LDX_MEMSX(BPF_B, 0, 1, 0), EXIT}, 2, 0xffffffffffffff80ULL},
        {"ldxsh", {BPF_LDX_MEMSX(BPF_H, 0, 1, 0), EXIT}, 2, 0xffffffffffff9180ULL},
        {"ldxsw", {BPF_LDX_MEMSX(BPF_W, 0, 1, 0), EXIT}, 2, 0xffffffffb3a29180ULL},
        {"ldxw", {BPF_LDX_MEM(BPF_W, 0, 1, 0), EXIT}, 2, 0xb3a29180ULL},
        {"ldxdw unaligned", {BPF_LDX_MEM(BPF_DW, 0, 1, 8), EXIT}, 2, dw},
        {"stb from rsi", {MOV64(2, 0x1ff), BPF_STX_MEM(BPF_B, 1, 2, 3), BPF_LDX_MEM(BPF_DW, 0, 1, 0), EXIT}, 4,
         0x0000000000000000ULL},
        {"sth imm", {BPF_ST_MEM(BPF_H, 1, 5, -2), BPF_LDX_MEM(BPF_W, 0, 1, 4), EXIT}, 3, 0},
        {"stdw imm negative", {BPF_ST_MEM(BPF_DW, 1, 16, -5), BPF_LDX_MEM(BPF_DW, 0, 1, 16), EXIT}, 3,
         (uint64_t)-5},
        {"stack", {BPF_ST_MEM(BPF_DW, 10, -8, 11), BPF_ST_MEM(BPF_W, 10, -12, 12), BPF_LDX_MEM(BPF_DW, 0, 10, -8),
                   BPF_LDX_MEM(BPF_W, 2, 10, -12), BPF_ALU64_REG(BPF_ADD, 0, 2), EXIT}, 6, 23},
        {"far stack", {BPF_ST_MEM(BPF_DW, 10, -512, 99), BPF_MOV64_REG(3, 10), BPF_LDX_MEM(BPF_DW, 0, 3, -512), EXIT},
         4, 99},
    };
    /* expectations depending on the bytes: computed from mem, the way the RFC says */
    {
        uint8_t m[CTX_LEN];
        memcpy(m, mem, sizeof m);
        m[3] = 0xff;
        memcpy(&cases[6].expect, m, 8);
        uint32_t w;
        memcpy(m, mem, sizeof m);
        m[5] = 0xfe, m[6] = 0xff;
        memcpy(&w, m + 4, 4);
        cases[7].expect = w;
    }
    for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct both r = run_both(cases[c].p, cases[c].n, mem, sizeof mem, 0, 512);
        CHECK(r.jited);
        CHECK(r.mem_equal);
        if (r.interp != cases[c].expect || r.jit != cases[c].expect)
            fprintf(stderr, "memory case %s: interp %#jx jit %#jx want %#jx\n", cases[c].name, (uintmax_t)r.interp,
                    (uintmax_t)r.jit, (uintmax_t)cases[c].expect);
        CHECK_EQ_HEX(r.interp, cases[c].expect);
        CHECK_EQ_HEX(r.jit, cases[c].expect);
    }
}

static void test_atomics(void)
{
    static const int32_t ops[] = {BPF_ADD, BPF_OR, BPF_AND, BPF_XOR, BPF_ADD | BPF_FETCH, BPF_OR | BPF_FETCH,
                                  BPF_AND | BPF_FETCH, BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG};
    uint8_t mem[CTX_LEN];
    for (unsigned i = 0; i < sizeof mem; i++)
        mem[i] = (uint8_t)(0x5a ^ (i * 37));
    uint64_t old;
    memcpy(&old, mem + 8, 8);
    for (unsigned o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (int dw = 0; dw <= 1; dw++)
            for (int src = 0; src <= 9; src++) {
                if (src == 1 || src == 6) /* r1: the context, r6: the address */
                    continue;
                for (int hit = 0; hit <= 1; hit++) {
                    /* r0 = the value or not (cmpxchg), with junk above bit 31 */
                    uint64_t r0 = hit ? (dw ? old : (old & 0xffffffff) | 0x1234567800000000ULL) : 0x77;
                    uint64_t sv = src == 0 ? r0 : 0xf0f0f0f00ff00ff0ULL;
                    const struct bpf_insn p[] = {
                        BPF_LD_IMM64(0, r0),
                        BPF_LD_IMM64(src, sv),
                        BPF_MOV64_REG(6, 1),
                        BPF_ATOMIC_OP(dw ? BPF_DW : BPF_W, ops[o], 6, src, 8),
                        /* fold r0, the src register and the memory into r0 */
                        BPF_MOV64_REG(7, src),
                        BPF_ALU64_IMM(BPF_MUL, 0, 31),
                        BPF_ALU64_REG(BPF_XOR, 0, 7),
                        BPF_LDX_MEM(BPF_DW, 7, 1, 8),
                        BPF_ALU64_IMM(BPF_MUL, 0, 31),
                        BPF_ALU64_REG(BPF_XOR, 0, 7),
                        EXIT,
                    };
                    struct both r = run_both(p, sizeof p / sizeof p[0], mem, sizeof mem, 0, 0);
                    CHECK(r.jited);
                    CHECK(r.mem_equal);
                    if (r.interp != r.jit)
                        fprintf(stderr, "atomic op %#x dw %d src r%d hit %d: interp %#jx jit %#jx\n",
                                (unsigned)ops[o], dw, src, hit, (uintmax_t)r.interp, (uintmax_t)r.jit);
                    CHECK_EQ_HEX(r.jit, r.interp);
                }
            }
    /* values the RFC gives, checked against both engines */
    uint64_t m64 = 0xff00;
    uint8_t mm[CTX_LEN] = {0};
    memcpy(mm, &m64, 8);
    const struct bpf_insn fetch_or[] = {
        MOV64(2, 0x0ff0), BPF_ATOMIC_OP(BPF_DW, BPF_OR | BPF_FETCH, 1, 2, 0), BPF_LDX_MEM(BPF_DW, 3, 1, 0),
        BPF_MOV64_REG(0, 3), BPF_ALU64_IMM(BPF_LSH, 0, 16), BPF_ALU64_REG(BPF_OR, 0, 2), EXIT,
    };
    struct both r = run_both(fetch_or, 7, mm, sizeof mm, 0, 0);
    CHECK_EQ_HEX(r.interp, 0xfff0ff00ULL);
    CHECK_EQ_HEX(r.jit, 0xfff0ff00ULL);
    const struct bpf_insn cmpxchg_w[] = {
        BPF_LD_IMM64(0, 0xabcdef000000ff00ULL), MOV64(2, 5), BPF_ATOMIC_OP(BPF_W, BPF_CMPXCHG, 1, 2, 0),
        BPF_LDX_MEM(BPF_W, 3, 1, 0), BPF_ALU64_IMM(BPF_LSH, 3, 32), BPF_ALU64_REG(BPF_OR, 0, 3), EXIT,
    };
    r = run_both(cmpxchg_w, 8, mm, sizeof mm, 0, 0);
    CHECK_EQ_HEX(r.interp, 0x000000050000ff00ULL);
    CHECK_EQ_HEX(r.jit, 0x000000050000ff00ULL);
}

/* Local calls: each function has its own stack and r6-r9 survive a call. */
static void test_local_calls(void)
{
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
        /* f at 22: r0 = a1 + a2 + a3 + a4 + a5 + g(7) , clobbering r6-r9 and its slot */
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
        /* g at 38: r0 = r1 * 3 + its own slot */
        MOV64(6, 55),
        BPF_ST_MEM(BPF_DW, 10, -8, 100),
        BPF_MOV64_REG(0, 1), BPF_ALU64_IMM(BPF_MUL, 0, 3),
        BPF_LDX_MEM(BPF_DW, 2, 10, -8), BPF_ALU64_REG(BPF_ADD, 0, 2),
        EXIT,
    };
    _Static_assert(sizeof p / sizeof p[0] == 45, "layout");
    /* f: 150 + (21 + 100) + 7 = 278; main: 278 + 1000 + 1e6 + 2e5 + 3e7 + 4e8 */
    uint64_t expect = 278 + 1000 + 1000000 + 200000 + 30000000 + 400000000;
    struct both r = run_both(p, 45, NULL, 0, 0, 256);
    CHECK(r.jited);
    CHECK_EQ_INT(r.interp, expect);
    CHECK_EQ_INT(r.jit, expect);

    /* symbols: the main function and each local one */
    struct bpf_prog prog = {0};
    strcpy(prog.name, "calls");
    prog.insns = (struct bpf_insn *)p;
    prog.len = 45;
    find_functions(&prog, 16);
    CHECK_EQ_INT(prog.nsubprogs, 3);
    char log[BPF_LOG_MAX];
    CHECK_EQ_INT(bpf_jit_compile(&prog, log, sizeof log), 0);
    if (prog.jited) {
        int seen_main = 0, seen_f = 0, seen_g = 0, other = 0;
        for (uint32_t off = 0; off < prog.jit_size; off++) {
            uintptr_t o;
            const char *s = jit_sym_lookup((uintptr_t)jit_base(prog.jit) + off, &o);
            if (s && !strcmp(s, "bpf:calls"))
                seen_main++;
            else if (s && !strcmp(s, "bpf:calls.f22"))
                seen_f++;
            else if (s && !strcmp(s, "bpf:calls.f38"))
                seen_g++;
            else
                other++;
        }
        CHECK(seen_main > 0 && seen_f > 0 && seen_g > 0);
        CHECK_EQ_INT(other, 0);
        uintptr_t o = 1;
        CHECK(jit_sym_lookup((uintptr_t)prog.jited, &o) && o == 0);
        CHECK_EQ_INT(call_jited(&prog, NULL, 0), expect);
        bpf_jit_free(&prog);
        CHECK(prog.jited == NULL && prog.jit == NULL && prog.jit_size == 0);
    }
}

static void test_unsupported(void)
{
    const struct bpf_insn p[] = {BPF_INSN(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 0), EXIT};
    struct bpf_prog prog = {0};
    strcpy(prog.name, "abs");
    prog.insns = (struct bpf_insn *)p;
    prog.len = 2;
    find_functions(&prog, 0);
    char log[BPF_LOG_MAX] = "";
    CHECK_EQ_INT(bpf_jit_compile(&prog, log, sizeof log), -ENOTSUP);
    CHECK(strstr(log, "insn 0") != NULL);
    CHECK(prog.jited == NULL && prog.jit == NULL);
}

/* Helpers through maps, loaded with bpf_prog_load in both engines. */
static void test_helpers(void)
{
    struct bpf_map *m;
    CHECK_EQ_INT(bpf_map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 8, "arr", &m), 0);
    /* arr[r2 & 7] += r2; return the new value * 2 + (lookup of index 9 is NULL) */
    const struct bpf_insn prog[] = {
        BPF_MOV64_REG(6, 2),
        BPF_MOV64_REG(7, 2),
        BPF_ALU64_IMM(BPF_AND, 7, 7),
        BPF_STX_MEM(BPF_W, 10, 7, -4),
        BPF_LD_MAP(1, (int32_t)m->id),
        BPF_MOV64_REG(2, 10),
        BPF_ALU64_IMM(BPF_ADD, 2, -4),
        BPF_CALL_HELPER(BPF_FUNC_map_lookup_elem),
        BPF_JMP_IMM(BPF_JEQ, 0, 0, 13),
        BPF_ATOMIC_OP(BPF_DW, BPF_ADD, 0, 6, 0),
        BPF_LDX_MEM(BPF_DW, 8, 0, 0),
        BPF_ALU64_IMM(BPF_LSH, 8, 1),
        BPF_ST_MEM(BPF_W, 10, -8, 9),
        BPF_LD_MAP(1, (int32_t)m->id),
        BPF_MOV64_REG(2, 10),
        BPF_ALU64_IMM(BPF_ADD, 2, -8),
        BPF_CALL_HELPER(BPF_FUNC_map_lookup_elem),
        BPF_JMP_IMM(BPF_JNE, 0, 0, 3),
        BPF_ALU64_IMM(BPF_ADD, 8, 1),
        BPF_MOV64_REG(0, 8),
        EXIT,
        MOV64(0, 0),
        EXIT,
    };
    for (int no_jit = 0; no_jit <= 1; no_jit++) {
        struct bpf_ctx_desc ctx = bpf_ctx_mem(0);
        struct bpf_load_opts opts = {"maps", &ctx, no_jit};
        struct bpf_prog *p;
        char log[BPF_LOG_MAX];
        int rc = bpf_prog_load(prog, sizeof prog / sizeof prog[0], &opts, &p, log, sizeof log);
        CHECK_EQ_INT(rc, 0);
        if (rc)
            continue;
        CHECK(no_jit ? p->jited == NULL : p->jited != NULL);
        CHECK_EQ_INT(bpf_prog_run(p, NULL, 3), 3 * 2 + 1);
        CHECK_EQ_INT(bpf_prog_run(p, NULL, 11), (3 + 11) * 2 + 1);
        CHECK_EQ_INT(bpf_prog_run(p, NULL, 4), 4 * 2 + 1);
        uint32_t k = 3;
        uint64_t *v = bpf_map_lookup(m, &k);
        CHECK(v && *v == 14);
        uint64_t zero = 0;
        bpf_map_update(m, &k, &zero, BPF_ANY);
        k = 4;
        bpf_map_update(m, &k, &zero, BPF_ANY);
        bpf_prog_free(p);
    }
    bpf_map_put(m);
}

/* ---- The conformance corpus ---------------------------------------- */

static void test_corpus(void)
{
    unsigned jited = 0;
    for (unsigned c = 0; c < bpf_conformance_count; c++) {
        const struct bpf_corpus_case *k = &bpf_conformance[c];
        uint8_t mem[2][512];
        uint64_t r0[2] = {0, 0};
        int ok = 1;
        for (int no_jit = 0; no_jit <= 1; no_jit++) {
            memset(mem[no_jit], 0, sizeof mem[no_jit]);
            if (k->mem && k->mem_len <= sizeof mem[no_jit])
                memcpy(mem[no_jit], k->mem, k->mem_len);
            struct bpf_ctx_desc ctx = bpf_ctx_mem(k->mem_len);
            struct bpf_load_opts opts = {k->name, &ctx, no_jit};
            struct bpf_prog *p;
            char log[BPF_LOG_MAX] = "";
            int rc = bpf_prog_load(k->insns, k->len, &opts, &p, log, sizeof log);
            if (rc) {
                fprintf(stderr, "corpus %s: load failed %d: %s\n", k->name, rc, log);
                ok = 0;
                continue;
            }
            if (!no_jit) {
                if (!p->jited)
                    fprintf(stderr, "corpus %s: not JITed: %s\n", k->name, log);
                CHECK(p->jited != NULL);
                jited += p->jited != NULL;
            }
            r0[no_jit] = bpf_prog_run(p, mem[no_jit], k->mem_len);
            bpf_prog_free(p);
        }
        CHECK(ok);
        if (r0[0] != k->r0 || r0[1] != k->r0)
            fprintf(stderr, "corpus %s: jit %#jx interp %#jx want %#jx\n", k->name, (uintmax_t)r0[0],
                    (uintmax_t)r0[1], (uintmax_t)k->r0);
        CHECK_EQ_HEX(r0[0], k->r0);
        CHECK_EQ_HEX(r0[1], k->r0);
        CHECK(memcmp(mem[0], mem[1], sizeof mem[0]) == 0);
    }
    printf("corpus: %u cases, %u JITed\n", bpf_conformance_count, jited);
}

/* ---- Random programs ------------------------------------------------ */

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned rndn(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* Data registers: r1 holds the context and r10 the frame, never written. */
static const uint8_t data_regs[] = {0, 2, 3, 4, 5, 6, 7, 8, 9};

#define MAX_UNITS 1800
#define STACK_USED 64
#define CTX_SLOT (-72) /* a copy of r1, below the compared slots */
#define RANDOM_DEPTH 128

struct gen {
    struct bpf_insn slot[2 * MAX_UNITS + 64];
    uint32_t unit_slot[MAX_UNITS + 1]; /* first slot of each unit */
    int32_t jump_to[MAX_UNITS];        /* target unit of a jump unit, or -1 */
    uint8_t no_target[MAX_UNITS + 1];  /* inside a group no jump may land in */
    unsigned nunits, nslots;
    int forbid;                        /* a register the current block must not write (-1: none) */
    int helpers;                       /* helper calls allowed (the context pointer is at CTX_SLOT) */
};

static uint8_t pick_reg(struct gen *g)
{
    for (;;) {
        uint8_t r = data_regs[rndn(sizeof data_regs)];
        if (r != g->forbid)
            return r;
    }
}

static uint8_t any_reg(void)
{
    return data_regs[rndn(sizeof data_regs)];
}

static int32_t pick_imm(void)
{
    static const int32_t interesting[] = {0, 1, -1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 0x7f, 0x80, 0xff,
                                          0x7fff, 0x8000, 0xffff, INT32_MAX, INT32_MIN, -2, -128, 255, 1 << 20};
    if (rndn(3) == 0)
        return (int32_t)(uint32_t)rnd();
    return interesting[rndn(sizeof interesting / sizeof interesting[0])];
}

static void put(struct gen *g, struct bpf_insn in, int32_t jump_to)
{
    if (g->nunits + 1 >= MAX_UNITS)
        abort(); /* the generator's sizes are wrong */
    g->unit_slot[g->nunits] = g->nslots;
    g->jump_to[g->nunits] = jump_to;
    g->no_target[g->nunits] = 0;
    g->slot[g->nslots++] = in;
    g->nunits++;
}

static void put_lddw(struct gen *g, uint8_t dst, uint64_t v)
{
    if (g->nunits + 1 >= MAX_UNITS)
        abort();
    struct bpf_insn two[2] = {BPF_LD_IMM64(dst, v)};
    g->unit_slot[g->nunits] = g->nslots;
    g->jump_to[g->nunits] = -1;
    g->no_target[g->nunits] = 0;
    g->slot[g->nslots++] = two[0];
    g->slot[g->nslots++] = two[1];
    g->nunits++;
}

/* A random ALU instruction on @p dst (a data register; -1: any). */
static void gen_alu_on(struct gen *g, int dst_reg)
{
    static const uint8_t ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG,
                                  BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH, BPF_END};
    uint8_t cls = rndn(2) ? BPF_ALU64 : BPF_ALU;
    uint8_t op = ops[rndn(sizeof ops)];
    uint8_t dst = dst_reg >= 0 ? (uint8_t)dst_reg : pick_reg(g), src = any_reg();
    int x = rndn(2);
    int16_t off = 0;
    int32_t imm = x ? 0 : pick_imm();
    if (op == BPF_END) {
        static const int32_t bits[] = {16, 32, 64};
        put(g, BPF_INSN(cls | BPF_END | (cls == BPF_ALU && rndn(2) ? BPF_TO_BE : BPF_TO_LE), dst, 0, 0, bits[rndn(3)]),
            -1);
        return;
    }
    if (op == BPF_NEG) {
        put(g, BPF_INSN(cls | BPF_NEG, dst, 0, 0, 0), -1);
        return;
    }
    if ((op == BPF_DIV || op == BPF_MOD) && rndn(2))
        off = 1;
    if (op == BPF_MOV && x && rndn(2)) {
        static const int16_t sx[] = {8, 16, 32};
        off = sx[rndn(cls == BPF_ALU64 ? 3 : 2)];
    }
    put(g, BPF_INSN(cls | op | (x ? BPF_X : BPF_K), dst, x ? src : 0, off, imm), -1);
}

static void gen_mem(struct gen *g)
{
    static const uint8_t sizes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};
    static const int bytes[] = {1, 2, 4, 8};
    unsigned si = rndn(4);
    uint8_t sz = sizes[si];
    int n = bytes[si];
    int ctx = rndn(2);
    int kind = rndn(5); /* 0,1 ldx, 2 st, 3 stx, 4 atomic */
    if (kind == 4 && n < 4) {
        si = 2 + rndn(2);
        sz = sizes[si];
        n = bytes[si];
    }
    uint8_t base = ctx ? 1 : 10;
    int16_t off;
    if (kind == 4) /* aligned */
        off = ctx ? (int16_t)(rndn(CTX_LEN / n) * n) : (int16_t)(-(int)(rndn(STACK_USED / n) + 1) * n);
    else
        off = ctx ? (int16_t)rndn(CTX_LEN - n + 1) : (int16_t)(-(int)rndn(STACK_USED - n + 1) - n);
    /* Sometimes through a copy of the pointer in a data register (every
     * base register encoding: rbx, r13, r15, ...), moved by a delta, and
     * overwritten with a constant right after so no address is compared. */
    int ptr = -1;
    unsigned first = g->nunits;
    if (rndn(3) == 0) {
        ptr = pick_reg(g);
        put(g, BPF_MOV64_REG(ptr, base), -1);
        if (rndn(2)) {
            int16_t delta = (int16_t)(rndn(2) ? 32 : -32);
            put(g, BPF_ALU64_IMM(BPF_ADD, ptr, delta), -1);
            off = (int16_t)(off - delta);
        }
        base = (uint8_t)ptr;
    }
    uint8_t val;
    do
        val = any_reg();
    while (val == ptr);
    switch (kind) {
    case 0:
    case 1:
        put(g, BPF_INSN(BPF_LDX | sz | (sz != BPF_DW && rndn(2) ? BPF_MEMSX : BPF_MEM), pick_reg(g), base, off, 0), -1);
        break;
    case 2:
        put(g, BPF_INSN(BPF_ST | sz | BPF_MEM, base, 0, off, pick_imm()), -1);
        break;
    case 3:
        put(g, BPF_INSN(BPF_STX | sz | BPF_MEM, base, val, off, 0), -1);
        break;
    default: {
        static const int32_t aops[] = {BPF_ADD, BPF_OR, BPF_AND, BPF_XOR, BPF_ADD | BPF_FETCH, BPF_OR | BPF_FETCH,
                                       BPF_AND | BPF_FETCH, BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG};
        int32_t op = aops[rndn(10)];
        while ((op & BPF_FETCH) && val == g->forbid) /* fetch writes val */
            do
                val = any_reg();
            while (val == ptr);
        if (op == BPF_CMPXCHG && (g->forbid == 0 || ptr == 0))
            op = BPF_ADD;
        put(g, BPF_INSN(BPF_STX | sz | BPF_ATOMIC, base, val, off, op), -1);
        break;
    }
    }
    if (ptr >= 0) {
        put(g, BPF_MOV64_IMM(ptr, pick_imm()), -1);
        for (unsigned u = first + 1; u < g->nunits; u++) /* jumps land before or after it */
            g->no_target[u] = 1;
    }
}

static void gen_jump(struct gen *g, unsigned units_left)
{
    static const uint8_t ops[] = {BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT, BPF_JSGE,
                                  BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE, BPF_JA};
    /* forward, to a unit in (this, this + units_left] (the block's end included) */
    int32_t to = (int32_t)(g->nunits + 1 + rndn(units_left + 1));
    uint8_t op = ops[rndn(sizeof ops)];
    uint8_t cls = rndn(2) ? BPF_JMP : BPF_JMP32;
    if (op == BPF_JA) {
        put(g, BPF_INSN(cls | BPF_JA, 0, 0, 0, 0), to);
        return;
    }
    int x = rndn(2);
    put(g, BPF_INSN(cls | op | (x ? BPF_X : BPF_K), any_reg(), x ? any_reg() : 0, 0, x ? 0 : pick_imm()), to);
}

/* @p n units of straight code with forward jumps that stay inside them
 * (or land just after). */
static void gen_alu(struct gen *g)
{
    gen_alu_on(g, -1);
}

/* A helper call (get_smp_processor_id: the same answer in both engines),
 * after which r1-r5 are undefined: r1 comes back from CTX_SLOT, r2-r5 get
 * constants. r6-r9 must survive it, r0 is the result. */
static void gen_helper(struct gen *g)
{
    unsigned first = g->nunits;
    put(g, BPF_CALL_HELPER(BPF_FUNC_get_smp_processor_id), -1);
    put(g, BPF_LDX_MEM(BPF_DW, 1, 10, CTX_SLOT), -1);
    for (uint8_t r = 2; r <= 5; r++)
        put(g, BPF_MOV64_IMM(r, pick_imm()), -1);
    for (unsigned u = first + 1; u < g->nunits; u++)
        g->no_target[u] = 1;
}

/* An ALU instruction and a test of its result against 0, which the JIT may
 * answer from the ALU's flags, sometimes with a jump landing between them
 * (where it may not). */
static void gen_flags_pair(struct gen *g, unsigned units_left)
{
    uint8_t d = pick_reg(g);
    int landing = rndn(2);
    if (landing) {
        uint8_t op = rndn(2) ? BPF_JEQ : BPF_JSGT;
        put(g, BPF_INSN((rndn(2) ? BPF_JMP : BPF_JMP32) | op | BPF_K, any_reg(), 0, 0, (int32_t)rndn(3) - 1),
            (int32_t)(g->nunits + 2));
        units_left--;
    }
    gen_alu_on(g, d);
    units_left--;
    int32_t to = (int32_t)(g->nunits + 1 + rndn(units_left + 1));
    uint8_t op = rndn(2) ? BPF_JEQ : BPF_JNE;
    put(g, BPF_INSN((rndn(2) ? BPF_JMP : BPF_JMP32) | op | BPF_K, d, 0, 0, 0), to);
}

static void gen_block(struct gen *g, unsigned n, int jumps)
{
    unsigned end = g->nunits + n;
    while (g->nunits < end) {
        unsigned r = rndn(10);
        if (jumps && r == 0 && g->nunits + 4 < end)
            gen_flags_pair(g, end - g->nunits - 1);
        else if (g->helpers && r == 1 && rndn(4) == 0)
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

/* Fold @p r into r0: r0 = r0 * 0x01000193 ^ r */
static void fold(struct gen *g, uint8_t r)
{
    put(g, BPF_ALU64_IMM(BPF_MUL, 0, 0x01000193), -1);
    put(g, BPF_ALU64_REG(BPF_XOR, 0, r), -1);
}

/* @p big: blocks of hundreds of units, so jumps need rel32 and the pass
 * loop has long chains of jumps whose sizes depend on each other. */
static uint32_t gen_program(struct gen *g, int branches, int big)
{
    g->nunits = g->nslots = 0;
    g->forbid = -1;
    g->helpers = 1;
    put(g, BPF_STX_MEM(BPF_DW, 10, 1, CTX_SLOT), -1);
    for (unsigned i = 0; i < sizeof data_regs; i++)
        put_lddw(g, data_regs[i], rnd());
    for (int k = 1; k <= STACK_USED / 8; k++)
        put(g, BPF_ST_MEM(BPF_DW, 10, (int16_t)(-8 * k), (int32_t)rnd()), -1);
    unsigned blocks = 1 + rndn(4);
    for (unsigned b = 0; b < blocks; b++) {
        if (branches && rndn(3) == 0) {
            /* a loop of 1..6 rounds on r9, which the body may not write */
            put(g, MOV64(9, (int32_t)(1 + rndn(6))), -1);
            unsigned top = g->nunits;
            g->forbid = 9;
            gen_block(g, big ? 50 + rndn(200) : 4 + rndn(20), 1);
            g->forbid = -1;
            put(g, BPF_ALU64_IMM(BPF_SUB, 9, 1), -1);
            put(g, BPF_INSN((rndn(2) ? BPF_JMP : BPF_JMP32) | BPF_JNE | BPF_K, 9, 0, 0, 0), (int32_t)top);
        } else {
            gen_block(g, big ? 50 + rndn(300) : 5 + rndn(40), branches);
        }
    }
    for (int k = 1; k <= STACK_USED / 8; k++) {
        put(g, BPF_LDX_MEM(BPF_DW, 2, 10, (int16_t)(-8 * k)), -1);
        fold(g, 2);
        if (k == 1)
            for (unsigned i = 2; i < sizeof data_regs; i++)
                fold(g, data_regs[i]);
    }
    put(g, EXIT, -1);
    g->unit_slot[g->nunits] = g->nslots;
    g->no_target[g->nunits] = 0;
    /* resolve the jumps to slot offsets */
    for (unsigned u = 0; u < g->nunits; u++) {
        if (g->jump_to[u] < 0)
            continue;
        struct bpf_insn *in = &g->slot[g->unit_slot[u]];
        uint32_t to = (uint32_t)g->jump_to[u];
        while (g->no_target[to])
            to++;
        int32_t rel = (int32_t)g->unit_slot[to] - (int32_t)g->unit_slot[u] - 1;
        if (in->code == (BPF_JMP32 | BPF_JA))
            in->imm = rel;
        else
            in->off = (int16_t)rel;
    }
    return g->nslots;
}

/* Random program-local calls: main and two functions, each with its own
 * initialised stack slots and random blocks; main calls either, the first
 * calls the second. The callee sees and leaves r0-r5 as the caller's code
 * left them in both engines (r6-r9 come back), so everything stays
 * comparable. */
static uint32_t gen_program_calls(struct gen *g)
{
    unsigned fstart[3];
    g->nunits = g->nslots = 0;
    g->forbid = -1;
    g->helpers = 0; /* the functions have no copy of the context pointer */
    for (unsigned f = 0; f < 3; f++) {
        fstart[f] = g->nunits;
        if (f == 0)
            for (unsigned i = 0; i < sizeof data_regs; i++)
                put_lddw(g, data_regs[i], rnd());
        for (int k = 1; k <= STACK_USED / 8; k++)
            put(g, BPF_ST_MEM(BPF_DW, 10, (int16_t)(-8 * k), (int32_t)rnd()), -1);
        unsigned blocks = 1 + rndn(3);
        for (unsigned b = 0; b < blocks; b++) {
            gen_block(g, 3 + rndn(20), 1);
            if (f < 2 && rndn(2))
                put(g, BPF_CALL_LOCAL(0), -2 - (int32_t)(f == 0 ? 1 + rndn(2) : 2));
        }
        for (int k = 1; k <= STACK_USED / 8; k++) {
            put(g, BPF_LDX_MEM(BPF_DW, 3, 10, (int16_t)(-8 * k)), -1);
            fold(g, 3);
        }
        for (unsigned i = 2; i < sizeof data_regs; i++)
            fold(g, data_regs[i]);
        put(g, EXIT, -1);
    }
    g->unit_slot[g->nunits] = g->nslots;
    g->no_target[g->nunits] = 0;
    for (unsigned u = 0; u < g->nunits; u++) {
        if (g->jump_to[u] == -1)
            continue;
        struct bpf_insn *in = &g->slot[g->unit_slot[u]];
        uint32_t to = g->jump_to[u] >= 0 ? (uint32_t)g->jump_to[u] : fstart[-2 - g->jump_to[u]];
        while (g->no_target[to])
            to++;
        int32_t rel = (int32_t)g->unit_slot[to] - (int32_t)g->unit_slot[u] - 1;
        if (in->code == (BPF_JMP32 | BPF_JA) || in->code == (BPF_JMP | BPF_CALL))
            in->imm = rel;
        else
            in->off = (int16_t)rel;
    }
    return g->nslots;
}

/* @p kind 0: straight-line, 1: forward branches and loops, 2: local calls,
 * 3: like 1, bigger */
static void test_random(unsigned count, int kind)
{
    static struct gen g;
    uint8_t mem[CTX_LEN];
    unsigned bad = 0, notjit = 0, refused = 0, unreachable = 0, complex = 0;
    int branches = kind != 0;
    for (unsigned n = 0; n < count; n++) {
        for (unsigned i = 0; i < sizeof mem; i++)
            mem[i] = (uint8_t)rnd();
        uint32_t len = kind == 2 ? gen_program_calls(&g) : gen_program(&g, branches, kind == 3);
        if (kind != 2) {
            /* valid by construction, so the verifier must take it (the
             * call programs read r0-r5 across calls, which the verifier
             * rightly refuses: they are not checked here) */
            struct bpf_prog vp = {0};
            char log[BPF_LOG_MAX] = "";
            vp.insns = g.slot;
            vp.len = len;
            vp.ctx = bpf_ctx_mem(CTX_LEN);
            int rc = bpf_verify(&vp, log, sizeof log);
            if (rc != 0 && strstr(log, "unreachable instruction"))
                unreachable++; /* a random ja skips code: refused as it should be */
            else if (rc != 0 && strstr(log, "too complex"))
                complex++; /* branches on data in loops: more paths than the budget */
            else if (rc != 0 && refused++ < 3)
                fprintf(stderr, "random program %u (kind %d) refused: %s\n", n, kind, log);
        }
        struct both r = run_both(g.slot, len, mem, sizeof mem, 0, RANDOM_DEPTH);
        notjit += !r.jited;
        if (r.jited && (r.interp != r.jit || !r.mem_equal)) {
            if (bad++ < 3) {
                fprintf(stderr, "random program %u (kind %d) differs: interp %#jx jit %#jx mem %s\n", n,
                        kind, (uintmax_t)r.interp, (uintmax_t)r.jit, r.mem_equal ? "same" : "differs");
                for (uint32_t i = 0; i < len; i++)
                    fprintf(stderr, "  %3u: %02x %u %u %d %d\n", i, g.slot[i].code, g.slot[i].dst, g.slot[i].src,
                            g.slot[i].off, g.slot[i].imm);
            }
        }
    }
    CHECK_EQ_INT(notjit, 0);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(refused, 0);
    CHECK(complex * 100 <= count); /* the verifier's known limit, kept rare */
    printf("random (kind %d): %u programs, %u differ, %u with unreachable code, %u too complex to verify\n", kind, count, bad,
           unreachable, complex);
}

/* ---- Speed ---------------------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_speed(void)
{
    /* an xorshift-and-sum loop of 200000 rounds over the stack */
    const struct bpf_insn p[] = {
        MOV64(0, 0), MOV64(2, 12345), MOV64(3, 200000), BPF_ST_MEM(BPF_DW, 10, -8, 0),
        BPF_MOV64_REG(4, 2), BPF_ALU64_IMM(BPF_LSH, 4, 13), BPF_ALU64_REG(BPF_XOR, 2, 4),
        BPF_MOV64_REG(4, 2), BPF_ALU64_IMM(BPF_RSH, 4, 7), BPF_ALU64_REG(BPF_XOR, 2, 4),
        BPF_MOV64_REG(4, 2), BPF_ALU64_IMM(BPF_LSH, 4, 17), BPF_ALU64_REG(BPF_XOR, 2, 4),
        BPF_LDX_MEM(BPF_DW, 5, 10, -8), BPF_ALU64_REG(BPF_ADD, 5, 2), BPF_STX_MEM(BPF_DW, 10, 5, -8),
        BPF_ALU64_REG(BPF_ADD, 0, 2), BPF_ALU32_IMM(BPF_AND, 0, 0xfffff),
        BPF_ALU64_IMM(BPF_SUB, 3, 1), BPF_JMP_IMM(BPF_JNE, 3, 0, -16),
        BPF_LDX_MEM(BPF_DW, 5, 10, -8), BPF_ALU64_REG(BPF_XOR, 0, 5), EXIT,
    };
    struct bpf_prog prog = {0};
    strcpy(prog.name, "speed");
    prog.insns = (struct bpf_insn *)p;
    prog.len = sizeof p / sizeof p[0];
    find_functions(&prog, 8);
    char log[BPF_LOG_MAX];
    CHECK_EQ_INT(bpf_jit_compile(&prog, log, sizeof log), 0);
    if (!prog.jited)
        return;
    const char *dump = getenv("BPF_JIT_DUMP"); /* objdump -D -b binary -mi386:x86-64 FILE */
    if (dump) {
        FILE *f = fopen(dump, "wb");
        if (f) {
            fwrite(jit_base(prog.jit), 1, prog.jit_size, f);
            fclose(f);
        }
    }
    double t0 = now();
    uint64_t a = bpf_interp(&prog, NULL, 0);
    double t1 = now();
    uint64_t b = prog.jited(NULL, 0);
    double t2 = now();
    CHECK_EQ_HEX(a, b);
    printf("speed: interpreter %.2f ms, JIT %.2f ms (%.1fx), %u bytes of code\n", (t1 - t0) * 1e3,
           (t2 - t1) * 1e3, (t1 - t0) / (t2 - t1 > 0 ? t2 - t1 : 1e-9), (unsigned)prog.jit_size);
    bpf_jit_free(&prog);
}

int main(void)
{
    host_pages_init(64 << 20);
    test_cases();
    test_far_loop();
    test_memory();
    test_atomics();
    test_local_calls();
    test_unsupported();
    test_helpers();
    test_corpus();
    test_random(3000, 0);
    test_random(3000, 1);
    test_random(2000, 2);
    test_random(300, 3);
    test_speed();
    CHECK_EQ_INT(clobbered_calls, 0);
    CHECK(host_heap_empty());
    return CHECK_DONE("test_bpf_jit");
}
