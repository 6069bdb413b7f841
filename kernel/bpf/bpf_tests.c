/**
 * @file bpf_tests.c
 * @brief In-kernel eBPF tests: the conformance corpus under the interpreter
 *        and this arch's JIT (same r0, same memory afterwards), the reject
 *        corpus through bpf_prog_load (each refused with its reason), the
 *        taint oracle (its corpus, and the conformance corpus under it),
 *        and a map-using program under both engines.
 */
#include <kernel/bpf.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/ktest.h>
#include <kernel/string.h>

#include "corpus.h"

/* Run one corpus case with one engine; 0 if it loaded and ran. */
static int run_case(const struct bpf_corpus_case *c, int no_jit, uint64_t *r0, uint8_t *mem, int *jited)
{
    struct bpf_ctx_desc ctx = bpf_ctx_mem(c->mem_len);
    struct bpf_load_opts opts = {c->name, &ctx, no_jit};
    struct bpf_prog *p;
    char log[BPF_LOG_MAX];
    int rc = bpf_prog_load(c->insns, c->len, &opts, &p, log, sizeof log);
    if (rc) {
        kprintf("bpf %s: load failed (%d): %s\n", c->name, rc, log);
        return rc;
    }
    if (c->mem_len)
        memcpy(mem, c->mem, c->mem_len);
    *jited = p->jited != NULL;
    *r0 = bpf_prog_run(p, mem, c->mem_len);
    bpf_prog_free(p);
    return 0;
}

KTEST(bpf_conformance_interp_and_jit)
{
    KT_ASSERT(bpf_conformance_count > 0);
    unsigned bad = 0, jited_count = 0;
    for (unsigned i = 0; i < bpf_conformance_count; i++) {
        const struct bpf_corpus_case *c = &bpf_conformance[i];
        uint8_t *m1 = kzalloc(c->mem_len + 1), *m2 = kzalloc(c->mem_len + 1);
        uint64_t r_interp = 0, r_jit = 0;
        int jited = 0, dummy;
        int ok = m1 && m2 && run_case(c, 1, &r_interp, m1, &dummy) == 0 &&
                 run_case(c, 0, &r_jit, m2, &jited) == 0;
        if (ok && (r_interp != c->r0 || r_jit != c->r0 || memcmp(m1, m2, c->mem_len) != 0)) {
            kprintf("bpf %s: expected r0 %#lx, interpreter %#lx, %s %#lx%s\n", c->name, (unsigned long)c->r0,
                    (unsigned long)r_interp, jited ? "JIT" : "interpreter (no JIT)", (unsigned long)r_jit,
                    memcmp(m1, m2, c->mem_len) ? ", memory differs" : "");
            ok = 0;
        }
        bad += !ok;
        jited_count += jited;
        kfree(m1);
        kfree(m2);
    }
    kprintf("bpf: %u conformance cases, %u JIT-compiled, %u failed\n", bpf_conformance_count, jited_count, bad);
    KT_ASSERT(bad == 0);
}

KTEST(bpf_reject_corpus)
{
    KT_ASSERT(bpf_rejects_count > 0);
    unsigned bad = 0;
    for (unsigned i = 0; i < bpf_rejects_count; i++) {
        const struct bpf_reject_case *c = &bpf_rejects[i];
        char log[BPF_LOG_MAX];
        int rc = bpf_reject_load(c, log, sizeof log);
        if (rc == 0) {
            kprintf("bpf reject %s: accepted\n", c->name);
            bad++;
        } else if (!strstr(log, c->reason)) {
            kprintf("bpf reject %s: message '%s' lacks '%s'\n", c->name, log, c->reason);
            bad++;
        }
    }
    KT_ASSERT(bad == 0);
}

/* The taint oracle on this arch: every leak of its corpus reported where it
 * happens (the verifier refuses each, which the runner checks), the clean
 * programs and the whole conformance corpus quiet and computing what the
 * interpreter computes. */
static void say_line(const char *line) { kprintf("bpf %s\n", line); }

KTEST(bpf_taint_oracle)
{
    KT_ASSERT(bpf_taint_cases_count > 0);
    KT_ASSERT(bpf_taint_corpus_check(say_line) == 0);
}

/* A hash map counting keys, driven by a program under each engine. */
KTEST(bpf_map_program)
{
    struct bpf_map *m;
    KT_ASSERT(bpf_map_create(BPF_MAP_TYPE_HASH, 8, 8, 8, "ktest", &m) == 0);
    const struct bpf_insn prog[] = {
        BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, 0), /* the key: the u64 context */
        BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -8),
        BPF_ST_MEM(BPF_DW, BPF_REG_10, -16, 1),
        BPF_LD_MAP(BPF_REG_1, (int32_t)m->id),
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
        BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),
        BPF_CALL_HELPER(BPF_FUNC_map_lookup_elem),
        BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 4),
        BPF_MOV64_IMM(BPF_REG_1, 1),
        BPF_ATOMIC_OP(BPF_DW, BPF_ADD | BPF_FETCH, BPF_REG_0, BPF_REG_1, 0),
        BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, 1),
        BPF_JMP_A(9),
        BPF_LD_MAP(BPF_REG_1, (int32_t)m->id),
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
        BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),
        BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
        BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -16),
        BPF_MOV64_IMM(BPF_REG_4, BPF_NOEXIST),
        BPF_CALL_HELPER(BPF_FUNC_map_update_elem),
        BPF_MOV64_IMM(BPF_REG_1, 1),
        BPF_MOV64_REG(BPF_REG_0, BPF_REG_1),
        BPF_EXIT_INSN(),
    };
    struct bpf_ctx_desc pctx = {"count", 8, 0, 0};
    int ok = 1;
    uint64_t k5 = 5, k9 = 9, k10 = 10;
    for (int no_jit = 1; no_jit >= 0; no_jit--) {
        struct bpf_load_opts opts = {"count", &pctx, no_jit};
        struct bpf_prog *p;
        char log[BPF_LOG_MAX];
        if (bpf_prog_load(prog, sizeof prog / sizeof prog[0], &opts, &p, log, sizeof log) != 0) {
            kprintf("bpf_map_program: %s\n", log);
            ok = 0;
            break;
        }
        uint64_t base = no_jit ? 0 : 3; /* the JIT run continues the interpreter's counts */
        ok &= bpf_prog_run(p, &k5, 0) == base + 1;
        ok &= bpf_prog_run(p, &k5, 0) == base + 2;
        ok &= bpf_prog_run(p, no_jit ? &k10 : &k9, 0) == 1;
        ok &= bpf_prog_run(p, &k5, 0) == base + 3;
        bpf_prog_free(p);
    }
    uint64_t key = 5, *v = bpf_map_lookup(m, &key);
    ok &= v && *v == 6;
    bpf_map_put(m);
    KT_ASSERT(ok);
}

/* JITed code is named: the entry is "bpf:<name>", a local function
 * "bpf:<name>.f<insn>", so a fault or backtrace inside it says which
 * program (kernel/jit.h). The symbol goes when the program does. */
KTEST(bpf_jit_symbols)
{
    const struct bpf_insn prog[] = {
        BPF_MOV64_IMM(BPF_REG_1, 20),
        BPF_CALL_LOCAL(2),
        BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1),
        BPF_EXIT_INSN(),
        BPF_MOV64_REG(BPF_REG_0, BPF_REG_1),
        BPF_ALU64_IMM(BPF_MUL, BPF_REG_0, 2),
        BPF_EXIT_INSN(),
    };
    if (!bpf_jit_available()) {
        kprintf("  (no eBPF JIT on this architecture: no code to name)\n");
        return;
    }
    struct bpf_ctx_desc pctx = bpf_ctx_mem(0);
    struct bpf_load_opts opts = {"symtest", &pctx, 0};
    struct bpf_prog *p;
    char log[BPF_LOG_MAX];
    KT_ASSERT(bpf_prog_load(prog, sizeof prog / sizeof prog[0], &opts, &p, log, sizeof log) == 0);
    KT_ASSERT(bpf_prog_run(p, NULL, 0) == 41);
    if (!p->jited) {
        kprintf("bpf_jit_symbols: no JIT (%s); nothing to name\n", log);
        bpf_prog_free(p);
        KT_ASSERT(0);
    }
    uintptr_t entry = (uintptr_t)p->jited, off;
    const char *name = ksym_lookup(entry + 1, &off);
    int entry_ok = name && strcmp(name, "bpf:symtest") == 0 && off == 1;
    /* somewhere after the entry function lies the callee's symbol */
    int callee_ok = 0;
    for (uintptr_t a = entry; a < entry + p->jit_size; a++) {
        name = ksym_lookup(a, &off);
        if (name && strcmp(name, "bpf:symtest.f4") == 0 && off == 0) {
            callee_ok = 1;
            break;
        }
    }
    bpf_prog_free(p);
    KT_ASSERT(entry_ok);
    KT_ASSERT(callee_ok);
    KT_ASSERT(ksym_lookup(entry + 1, &off) == NULL);
}
