/**
 * @file corpus_taint.c
 * @brief The taint oracle's own corpus (kernel/bpf/corpus.h): programs
 *        that leak a kernel address in every way the oracle watches, and
 *        valid programs that handle pointers without leaking them.
 *
 * An oracle is only worth what it can see. Each leaking program here is run
 * by bpf_interp_taint() without the verifier (which must refuse it, and the
 * runner checks that too) and must be reported at the right place; each
 * clean one is loaded through the verifier and must run without a report
 * and return its r0. Together they show the oracle neither misses the
 * shapes a verifier hole would take nor cries wolf at spills, maps and
 * calls that keep pointers inside the program.
 *
 * The context is 16 writable bytes (the "mem" type); BPF_CORPUS_MAP names
 * a hash map (8-byte keys, 16-byte values) the runner creates, holding key 0.
 */
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/printf.h>
#include <kernel/string.h>

#include "corpus.h"

#define LEAK(nm, where, ...)                                       \
    static const struct bpf_insn nm##_insns[] = {__VA_ARGS__};     \
    static const struct bpf_taint_case nm = {#nm, nm##_insns, sizeof nm##_insns / sizeof nm##_insns[0], where, 0}
#define CLEAN(nm, r0, ...)                                         \
    static const struct bpf_insn nm##_insns[] = {__VA_ARGS__};     \
    static const struct bpf_taint_case nm = {#nm, nm##_insns, sizeof nm##_insns / sizeof nm##_insns[0], NULL, r0}

/* r0 = lookup(map, &0 at r10-8); if r0 == 0 goto +off */
#define LOOKUP_0(off)                                                                                  \
    BPF_ST_MEM(BPF_DW, R10, -8, 0), BPF_LD_MAP(R1, BPF_CORPUS_MAP), BPF_MOV64_REG(R2, R10),            \
        BPF_ALU64_IMM(BPF_ADD, R2, -8), BPF_CALL_HELPER(BPF_FUNC_map_lookup_elem),                    \
        BPF_JMP_IMM(BPF_JEQ, R0, 0, off)

/* ---- Leaks: through r0, a store, an atomic, a helper ---- */
LEAK(return_frame_pointer, "r0 at exit", BPF_MOV64_REG(R0, R10), EXIT);
LEAK(return_context_plus_4, "r0 at exit", BPF_MOV64_REG(R0, R1), BPF_ALU64_IMM(BPF_ADD, R0, 4), EXIT);
LEAK(return_pointer_bits, "r0 at exit", BPF_ALU64_IMM(BPF_XOR, R1, 0x55), BPF_ALU64_IMM(BPF_RSH, R1, 12),
     BPF_MOV64_REG(R0, R1), EXIT);
LEAK(return_low_half, "r0 at exit", BPF_ALU32_REG(BPF_MOV, R0, R10), EXIT);
LEAK(return_map_address, "r0 at exit", BPF_LD_MAP(R0, BPF_CORPUS_MAP), EXIT);
LEAK(return_half_a_spill, "r0 at exit", BPF_STX_MEM(BPF_DW, R10, R1, -8), BPF_LDX_MEM(BPF_W, R0, R10, -4), EXIT);
/* the two the differential fuzzer found: an atomic on a spilled pointer */
LEAK(atomic_add_on_spill, "r0 at exit", BPF_STX_MEM(BPF_DW, R10, R1, -8), BPF_MOV64_IMM(R2, 0),
     BPF_ATOMIC_OP(BPF_DW, BPF_ADD, R10, R2, -8), BPF_LDX_MEM(BPF_DW, R0, R10, -8), EXIT);
LEAK(atomic_xchg_on_spill, "r0 at exit", BPF_MOV64_REG(R3, R10), BPF_STX_MEM(BPF_DW, R10, R3, -16),
     BPF_MOV64_IMM(R2, 5), BPF_ATOMIC_OP(BPF_DW, BPF_XCHG, R10, R2, -16), BPF_MOV64_REG(R0, R2), EXIT);
LEAK(atomic_cmpxchg_on_spill, "r0 at exit", BPF_STX_MEM(BPF_DW, R10, R1, -8), BPF_MOV64_IMM(R0, 0),
     BPF_MOV64_IMM(R2, 0), BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, R10, R2, -8), EXIT);
LEAK(store_to_context, "a store to the context", BPF_STX_MEM(BPF_DW, R1, R10, 8), BPF_MOV64_IMM(R0, 0), EXIT);
LEAK(atomic_add_to_context, "a store to the context", BPF_ATOMIC_OP(BPF_DW, BPF_ADD, R1, R1, 0),
     BPF_MOV64_IMM(R0, 0), EXIT);
LEAK(cmpxchg_to_context, "a store to the context", BPF_LDX_MEM(BPF_DW, R0, R1, 0), BPF_MOV64_REG(R2, R10),
     BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, R1, R2, 0), BPF_MOV64_IMM(R0, 0), EXIT);
LEAK(store_to_map_value, "a store to a map value", LOOKUP_0(1), BPF_STX_MEM(BPF_DW, R0, R10, 0),
     BPF_MOV64_IMM(R0, 0), EXIT);
LEAK(pointer_in_update_value, "map_update_elem's key or value memory", BPF_STX_MEM(BPF_DW, R10, R1, -24),
     BPF_ST_MEM(BPF_DW, R10, -16, 0), BPF_ST_MEM(BPF_DW, R10, -8, 0), BPF_LD_MAP(R1, BPF_CORPUS_MAP),
     BPF_MOV64_REG(R2, R10), BPF_ALU64_IMM(BPF_ADD, R2, -8), BPF_MOV64_REG(R3, R10),
     BPF_ALU64_IMM(BPF_ADD, R3, -24), BPF_MOV64_IMM(R4, 0), BPF_CALL_HELPER(BPF_FUNC_map_update_elem),
     BPF_MOV64_IMM(R0, 0), EXIT);
LEAK(pointer_as_update_flags, "a number argument of map_update_elem", BPF_ST_MEM(BPF_DW, R10, -8, 0),
     BPF_ST_MEM(BPF_DW, R10, -16, 0), BPF_ST_MEM(BPF_DW, R10, -24, 0), BPF_LD_MAP(R1, BPF_CORPUS_MAP),
     BPF_MOV64_REG(R2, R10), BPF_ALU64_IMM(BPF_ADD, R2, -8), BPF_MOV64_REG(R3, R10),
     BPF_ALU64_IMM(BPF_ADD, R3, -24), BPF_MOV64_REG(R4, R10), BPF_CALL_HELPER(BPF_FUNC_map_update_elem),
     BPF_MOV64_IMM(R0, 0), EXIT);
LEAK(return_map_value, "r0 at exit", LOOKUP_0(0), EXIT);
/* through program-local calls: the result, and r6 kept across one */
LEAK(callee_returns_pointer, "r0 at exit", BPF_CALL_LOCAL(1), EXIT, BPF_MOV64_REG(R0, R10), EXIT);
LEAK(pointer_kept_in_r6, "r0 at exit", BPF_MOV64_REG(R6, R1), BPF_CALL_LOCAL(2), BPF_MOV64_REG(R0, R6), EXIT,
     BPF_MOV64_IMM(R6, 0), BPF_MOV64_IMM(R0, 0), EXIT);

/* ---- Clean: pointers used, never leaked ---- */
CLEAN(spill_reload_and_read, 0x81, BPF_STX_MEM(BPF_DW, R10, R1, -8), BPF_LDX_MEM(BPF_DW, R3, R10, -8),
      BPF_LDX_MEM(BPF_B, R0, R3, 0), EXIT);
CLEAN(register_overwritten, 7, BPF_MOV64_REG(R0, R10), BPF_MOV64_IMM(R0, 7), EXIT);
CLEAN(spill_overwritten, 5, BPF_STX_MEM(BPF_DW, R10, R1, -8), BPF_ST_MEM(BPF_DW, R10, -8, 5),
      BPF_LDX_MEM(BPF_DW, R0, R10, -8), EXIT);
CLEAN(xchg_on_stack_number, 3, BPF_ST_MEM(BPF_DW, R10, -8, 3), BPF_MOV64_IMM(R2, 4),
      BPF_ATOMIC_OP(BPF_DW, BPF_XCHG, R10, R2, -8), BPF_MOV64_REG(R0, R2), EXIT);
CLEAN(map_counter, 1, LOOKUP_0(4), BPF_MOV64_IMM(R3, 1), BPF_ATOMIC_OP(BPF_DW, BPF_ADD, R0, R3, 0),
      BPF_LDX_MEM(BPF_DW, R0, R0, 0), EXIT, BPF_MOV64_IMM(R0, 99), EXIT);
/* a missing key: the NULL the helper returns is no address */
CLEAN(lookup_miss_returns_null, 0, BPF_ST_MEM(BPF_DW, R10, -8, 7), BPF_LD_MAP(R1, BPF_CORPUS_MAP),
      BPF_MOV64_REG(R2, R10), BPF_ALU64_IMM(BPF_ADD, R2, -8), BPF_CALL_HELPER(BPF_FUNC_map_lookup_elem),
      BPF_JMP_IMM(BPF_JNE, R0, 0, 1), EXIT, BPF_MOV64_IMM(R0, 1), EXIT);
CLEAN(update_with_numbers, 0, BPF_ST_MEM(BPF_DW, R10, -8, 2), BPF_ST_MEM(BPF_DW, R10, -16, 9),
      BPF_ST_MEM(BPF_DW, R10, -24, 8), BPF_LD_MAP(R1, BPF_CORPUS_MAP), BPF_MOV64_REG(R2, R10),
      BPF_ALU64_IMM(BPF_ADD, R2, -8), BPF_MOV64_REG(R3, R10), BPF_ALU64_IMM(BPF_ADD, R3, -24),
      BPF_MOV64_IMM(R4, BPF_ANY), BPF_CALL_HELPER(BPF_FUNC_map_update_elem), EXIT);
CLEAN(callee_writes_through_pointer, 0x42, BPF_ST_MEM(BPF_DW, R10, -8, 0), BPF_MOV64_REG(R1, R10),
      BPF_ALU64_IMM(BPF_ADD, R1, -8), BPF_MOV64_REG(R6, R1), BPF_CALL_LOCAL(2), BPF_LDX_MEM(BPF_DW, R0, R6, 0),
      EXIT, BPF_ST_MEM(BPF_DW, R1, 0, 0x42), BPF_MOV64_IMM(R0, 0), EXIT);

const struct bpf_taint_case *const bpf_taint_cases[] = {
    &return_frame_pointer, &return_context_plus_4, &return_pointer_bits, &return_low_half,
    &return_map_address, &return_half_a_spill, &atomic_add_on_spill, &atomic_xchg_on_spill,
    &atomic_cmpxchg_on_spill, &store_to_context, &atomic_add_to_context, &cmpxchg_to_context,
    &store_to_map_value, &pointer_in_update_value, &pointer_as_update_flags, &return_map_value,
    &callee_returns_pointer, &pointer_kept_in_r6, &spill_reload_and_read, &register_overwritten,
    &spill_overwritten, &xchg_on_stack_number, &map_counter, &lookup_miss_returns_null,
    &update_with_numbers, &callee_writes_through_pointer,
};
const unsigned bpf_taint_cases_count = sizeof bpf_taint_cases / sizeof bpf_taint_cases[0];

/* A leaking program as the verifier never lets one be: its functions found
 * from the local calls (ascending), each given an equal share of the stack. */
static struct bpf_prog *unverified(const struct bpf_insn *insns, uint32_t len)
{
    struct bpf_prog *p = kzalloc(sizeof *p);
    if (!p)
        return NULL;
    p->insns = (struct bpf_insn *)insns;
    p->len = len;
    p->ctx = bpf_ctx_mem(16);
    p->nsubprogs = 1;
    for (uint32_t i = 0; i < len; i++)
        if (insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src == BPF_PSEUDO_CALL && p->nsubprogs < 2)
            p->subprog_start[p->nsubprogs++] = i + 1 + (uint32_t)insns[i].imm; /* the corpus has one callee */
    for (uint32_t k = 0; k < p->nsubprogs; k++)
        p->stack_depth[k] = (uint16_t)(BPF_STACK_TOTAL / p->nsubprogs);
    return p;
}

int bpf_taint_case_run(const struct bpf_taint_case *c, struct bpf_taint *t, uint64_t *r0, char *log, size_t logsz)
{
    struct bpf_insn *insns = kmalloc((size_t)c->len * sizeof *insns);
    struct bpf_map *map = NULL;
    int rc = insns ? bpf_map_create(BPF_MAP_TYPE_HASH, 8, 16, 4, "taint", &map) : -ENOMEM;
    uint64_t zero_key = 0;
    uint8_t zero_value[16] = {0};
    if (rc == 0)
        rc = bpf_map_update(map, &zero_key, zero_value, BPF_ANY);
    if (rc) {
        ksnprintf(log, logsz, "%s: no memory for the case", c->name);
        goto out;
    }
    /* the verifier's view: leaks refused, clean programs accepted */
    memcpy(insns, c->insns, (size_t)c->len * sizeof *insns);
    for (uint32_t i = 0; i + 1 < c->len; i++)
        if (insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) && insns[i].src == BPF_PSEUDO_MAP_ID)
            insns[i].imm = (int32_t)map->id;
    struct bpf_ctx_desc ctx = bpf_ctx_mem(16);
    struct bpf_load_opts opts = {c->name, &ctx, 1};
    struct bpf_prog *p = NULL;
    char vlog[BPF_LOG_MAX];
    rc = bpf_prog_load(insns, c->len, &opts, &p, vlog, sizeof vlog);
    if ((rc == 0) != (c->leak == NULL)) {
        ksnprintf(log, logsz, "%s: the verifier %s it%s%s", c->name, rc ? "refused" : "accepted",
                  rc ? ": " : "", rc ? vlog : "");
        bpf_prog_free(p);
        rc = -EINVAL;
        goto out;
    }
    if (!p) { /* a leak: run it as the verifier would never have */
        for (uint32_t i = 0; i + 1 < c->len; i++)
            if (insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) && insns[i].src == BPF_PSEUDO_MAP_ID) {
                uint64_t a = (uintptr_t)map;
                insns[i].imm = (int32_t)(uint32_t)a;
                insns[i + 1].imm = (int32_t)(uint32_t)(a >> 32);
            }
        if (!(p = unverified(insns, c->len))) {
            ksnprintf(log, logsz, "%s: no memory for the case", c->name);
            rc = -ENOMEM;
            goto out;
        }
    }
    uint8_t mem[16];
    for (int i = 0; i < 16; i++)
        mem[i] = (uint8_t)(0x81 + i);
    *r0 = bpf_interp_taint(p, mem, sizeof mem, t);
    if (p->insns == insns)
        kfree(p); /* the unverified one borrows insns */
    else
        bpf_prog_free(p);
    log[0] = 0;
    rc = 0;
out:
    bpf_map_put(map);
    kfree(insns);
    return rc;
}

unsigned bpf_taint_corpus_check(void (*say)(const char *line))
{
    char line[BPF_LOG_MAX + 160];
    unsigned bad = 0;
    for (unsigned i = 0; i < bpf_taint_cases_count; i++) {
        const struct bpf_taint_case *c = bpf_taint_cases[i];
        struct bpf_taint t = {0};
        uint64_t r0 = 0;
        char log[BPF_LOG_MAX];
        if (bpf_taint_case_run(c, &t, &r0, log, sizeof log) != 0) {
            ksnprintf(line, sizeof line, "taint %s: %s", c->name, log);
            say(line), bad++;
        } else if (c->leak ? !t.leaked || !strstr(t.where, c->leak) : t.leaked || r0 != c->r0) {
            ksnprintf(line, sizeof line, "taint %s: leaked %d at insn %u (%s), r0 %#lx; wanted %s", c->name,
                      t.leaked, (unsigned)t.insn, t.where, (unsigned long)r0, c->leak ? c->leak : "no leak");
            say(line), bad++;
        }
    }
    for (unsigned i = 0; i < bpf_conformance_count; i++) {
        const struct bpf_corpus_case *c = &bpf_conformance[i];
        struct bpf_ctx_desc ctx = bpf_ctx_mem(c->mem_len);
        struct bpf_load_opts opts = {c->name, &ctx, 1};
        struct bpf_prog *p = NULL;
        char log[BPF_LOG_MAX] = "no memory";
        uint8_t *a = kzalloc(c->mem_len + 1), *b = kzalloc(c->mem_len + 1);
        if (!a || !b || bpf_prog_load(c->insns, c->len, &opts, &p, log, sizeof log) != 0) {
            ksnprintf(line, sizeof line, "taint on %s: not loaded: %s", c->name, log);
            say(line), bad++;
        } else {
            if (c->mem_len) {
                memcpy(a, c->mem, c->mem_len);
                memcpy(b, c->mem, c->mem_len);
            }
            struct bpf_taint t = {0};
            uint64_t rt = bpf_interp_taint(p, a, c->mem_len, &t), ri = bpf_interp(p, b, c->mem_len);
            if (t.leaked || rt != c->r0 || ri != rt || memcmp(a, b, c->mem_len)) {
                ksnprintf(line, sizeof line, "taint on %s: leaked %d (%s), r0 %#lx, interpreter %#lx, expected %#lx",
                          c->name, t.leaked, t.where, (unsigned long)rt, (unsigned long)ri, (unsigned long)c->r0);
                say(line), bad++;
            }
        }
        bpf_prog_free(p);
        kfree(a);
        kfree(b);
    }
    return bad;
}
