/**
 * @file bpf_bench.c
 * @brief eBPF benchmarks: the JIT against the interpreter on loop-heavy
 *        programs, and the JIT's compile time per instruction.
 *
 *   bench: bpf_<prog>_interp_ns <ns per run>
 *   bench: bpf_<prog>_jit_ns <ns per run>
 *   bench: bpf_jit_vs_interp <ratio> x      (the geometric mean over the programs)
 *   bench: bpf_verify_ns_per_insn <ns>       (bpf_prog_load without the JIT:
 *          copy and verify a 1,024-instruction program, after a warm-up so
 *          TCG's first translation is not counted)
 *   bench: bpf_jit_compile_ns_per_insn <ns>  (bpf_jit_compile alone, the same program)
 * Both engines must return the same r0 on every run; a mismatch is printed
 * as a failure instead of a figure.
 */
#include <hal/timer.h>
#include <kernel/bench.h>
#include <kernel/bpf.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>

#define MEM_LEN 4096

/* r0 = the sum of the r2 bytes at r1 (the loop clang makes of a for loop). */
static const struct bpf_insn sum_prog[] = {
    BPF_MOV64_IMM(BPF_REG_0, 0),
    BPF_JMP_IMM(BPF_JEQ, BPF_REG_2, 0, 8),
    BPF_MOV64_IMM(BPF_REG_3, 0),
    BPF_MOV64_REG(BPF_REG_4, BPF_REG_1),
    BPF_ALU64_REG(BPF_ADD, BPF_REG_4, BPF_REG_3),
    BPF_LDX_MEM(BPF_B, BPF_REG_4, BPF_REG_4, 0),
    BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_4),
    BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, 1),
    BPF_JMP_REG(BPF_JGE, BPF_REG_3, BPF_REG_2, 1),
    BPF_JMP_IMM(BPF_JLT, BPF_REG_3, MEM_LEN, -7),
    BPF_EXIT_INSN(),
};

/* FNV-1a-like mixing over 512 u64 words of the context, with shifts,
 * multiplies and 32-bit ops: arithmetic-heavy. */
static const struct bpf_insn hash_prog[] = {
    BPF_LD_IMM64(BPF_REG_0, 0xcbf29ce484222325ULL),
    BPF_MOV64_IMM(BPF_REG_3, 0),
    BPF_MOV64_REG(BPF_REG_4, BPF_REG_1),
    BPF_ALU64_REG(BPF_ADD, BPF_REG_4, BPF_REG_3),
    BPF_LDX_MEM(BPF_DW, BPF_REG_5, BPF_REG_4, 0),
    BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_5),
    BPF_LD_IMM64(BPF_REG_6, 0x100000001b3ULL),
    BPF_ALU64_REG(BPF_MUL, BPF_REG_0, BPF_REG_6),
    BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),
    BPF_ALU64_IMM(BPF_RSH, BPF_REG_7, 29),
    BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_7),
    BPF_MOV32_IMM(BPF_REG_8, 0),
    BPF_ALU32_REG(BPF_ADD, BPF_REG_8, BPF_REG_0),
    BPF_ALU32_IMM(BPF_LSH, BPF_REG_8, 3),
    BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_8),
    BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, 8),
    BPF_JMP_IMM(BPF_JLT, BPF_REG_3, MEM_LEN - 7, -16),
    BPF_EXIT_INSN(),
};

struct bench_prog {
    const char *name;
    const struct bpf_insn *insns;
    uint32_t len;
};

static const struct bench_prog progs[] = {
    {"sum", sum_prog, sizeof sum_prog / sizeof sum_prog[0]},
    {"hash", hash_prog, sizeof hash_prog / sizeof hash_prog[0]},
};

/* ns per run of @p p over @p mem, @p runs times; r0 of the last run in *r0. */
static uint64_t time_runs(const struct bpf_prog *p, const uint8_t *mem, unsigned runs, uint64_t *r0)
{
    uint64_t t0 = hal_time_ns();
    for (unsigned i = 0; i < runs; i++)
        *r0 = bpf_prog_run(p, mem, MEM_LEN);
    return (hal_time_ns() - t0) / runs;
}

/* An integer square root, for the geometric mean of two ratios. */
static uint64_t isqrt(uint64_t v)
{
    uint64_t r = 0;
    for (uint64_t bit = 1ULL << 62; bit; bit >>= 2) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
    }
    return r;
}

#define COMPILE_LEN 1024

/* The JIT's cost per instruction on a long straight-line program. */
static void bench_compile(void)
{
    struct bpf_insn *p = kmalloc(COMPILE_LEN * sizeof *p);
    if (!p)
        return;
    static const uint8_t ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_OR, BPF_AND, BPF_XOR, BPF_LSH, BPF_RSH};
    p[0] = BPF_MOV64_IMM(BPF_REG_0, 1);
    p[1] = BPF_MOV64_IMM(BPF_REG_3, 3);
    for (unsigned i = 2; i < COMPILE_LEN - 1; i++)
        p[i] = i % 2 ? BPF_ALU64_REG(ops[i % 8], BPF_REG_0, BPF_REG_3) : BPF_ALU32_IMM(ops[i % 8], BPF_REG_3, (int32_t)i % 31);
    p[COMPILE_LEN - 1] = BPF_EXIT_INSN();
    struct bpf_ctx_desc ctx = {"mem", 0, 1, 1};
    struct bpf_load_opts o = {"compile", &ctx, 1};
    uint64_t load_ns = 0, jit_ns = 0;
    for (int run = -1; run < 10; run++) { /* run -1 warms up */
        struct bpf_prog *prog;
        char log[BPF_LOG_MAX];
        uint64_t t0 = hal_time_ns();
        if (bpf_prog_load(p, COMPILE_LEN, &o, &prog, log, sizeof log) != 0) {
            kprintf("bench: bpf_jit_compile FAILED to load: %s\n", log);
            kfree(p);
            return;
        }
        uint64_t t1 = hal_time_ns();
        int rc = bpf_jit_compile(prog, log, sizeof log);
        uint64_t t2 = hal_time_ns();
        bpf_prog_free(prog);
        if (rc != 0) {
            kprintf("bench: bpf_jit_compile FAILED: %s\n", log);
            kfree(p);
            return;
        }
        if (run >= 0)
            load_ns += t1 - t0, jit_ns += t2 - t1;
    }
    kprintf("bench: bpf_verify_ns_per_insn %lu ns\n", (unsigned long)(load_ns / 10 / COMPILE_LEN));
    kprintf("bench: bpf_jit_compile_ns_per_insn %lu ns\n", (unsigned long)(jit_ns / 10 / COMPILE_LEN));
    kfree(p);
}

void bench_bpf_all(void)
{
    uint8_t *mem = kmalloc(MEM_LEN);
    if (!mem)
        return;
    for (unsigned i = 0; i < MEM_LEN; i++)
        mem[i] = (uint8_t)(i * 37 + 11);
    struct bpf_ctx_desc ctx = {"mem", MEM_LEN, 1, 1};
    uint64_t ratio_product = 1;
    unsigned ratios = 0;
    for (unsigned k = 0; k < sizeof progs / sizeof progs[0]; k++) {
        struct bpf_prog *pi, *pj;
        char log[BPF_LOG_MAX];
        struct bpf_load_opts oi = {progs[k].name, &ctx, 1}, oj = {progs[k].name, &ctx, 0};
        if (bpf_prog_load(progs[k].insns, progs[k].len, &oi, &pi, log, sizeof log) != 0) {
            kprintf("bench: bpf_%s FAILED to load: %s\n", progs[k].name, log);
            continue;
        }
        int rc = bpf_prog_load(progs[k].insns, progs[k].len, &oj, &pj, log, sizeof log);
        if (rc != 0) {
            bpf_prog_free(pi);
            continue;
        }
        uint64_t ri = 0, rj = 0;
        uint64_t ns_i = time_runs(pi, mem, 20, &ri), ns_j = time_runs(pj, mem, 200, &rj);
        if (ri != rj) {
            kprintf("bench: bpf_%s FAILED: interpreter r0 %#lx, JIT r0 %#lx\n", progs[k].name,
                    (unsigned long)ri, (unsigned long)rj);
        } else {
            kprintf("bench: bpf_%s_interp_ns %lu ns\n", progs[k].name, (unsigned long)ns_i);
            kprintf("bench: bpf_%s_%s_ns %lu ns\n", progs[k].name, pj->jited ? "jit" : "nojit", (unsigned long)ns_j);
            if (pj->jited && ns_j) {
                ratio_product *= ns_i * 100 / ns_j; /* ratio x 100 */
                ratios++;
            }
        }
        bpf_prog_free(pi);
        bpf_prog_free(pj);
    }
    if (ratios == 2) {
        uint64_t g = isqrt(ratio_product); /* x 100 */
        kprintf("bench: bpf_jit_vs_interp %lu.%02lu x\n", (unsigned long)(g / 100), (unsigned long)(g % 100));
    } else {
        kprintf("bench: bpf_jit_vs_interp: no JIT on this arch\n");
    }
    kfree(mem);
    bench_compile();
}
