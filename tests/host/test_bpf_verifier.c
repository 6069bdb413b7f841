/**
 * @file test_bpf_verifier.c
 * @brief Host tests of the eBPF verifier (kernel/bpf/verifier.c): the reject
 *        corpus with its messages, the rules that need maps (NULL checks,
 *        helper argument types, map value bounds), programs it must accept
 *        (bounded loops, masked indexes, spills, pointers passed to
 *        functions), the stack depths and functions it reports, pruning,
 *        and that a rejection leaves nothing allocated.
 */
#include <kernel/bpf.h>
#include <kernel/errno.h>
#include <stdlib.h>

#include "../../kernel/bpf/corpus.h"
#include "check.h"
#include <arch/host_pages.h>


static char last_log[BPF_LOG_MAX];

/* Verify @p insns against a "mem" context of @p mem_len bytes; returns the
 * verdict, the message in last_log, the program (if @p out) for inspection. */
static int verify(const struct bpf_insn *insns, uint32_t len, uint32_t mem_len, struct bpf_prog **out)
{
    struct bpf_ctx_desc ctx = bpf_ctx_mem(mem_len);
    struct bpf_load_opts opts = {"t", &ctx, 1};
    struct bpf_prog *p = NULL;
    last_log[0] = 0;
    int rc = bpf_prog_load(insns, len, &opts, &p, last_log, sizeof last_log);
    if (rc == 0 && out)
        *out = p;
    else if (rc == 0)
        bpf_prog_free(p);
    return rc;
}

#define ACCEPT(mem_len, ...)                                                              \
    do {                                                                                  \
        const struct bpf_insn prog_[] = {__VA_ARGS__};                                    \
        int rc_ = verify(prog_, sizeof prog_ / sizeof prog_[0], mem_len, NULL);           \
        if (rc_)                                                                          \
            fprintf(stderr, "line %d: refused: %s\n", __LINE__, last_log);                \
        CHECK_EQ_INT(rc_, 0);                                                             \
    } while (0)

#define REFUSE(mem_len, why, ...)                                                         \
    do {                                                                                  \
        const struct bpf_insn prog_[] = {__VA_ARGS__};                                    \
        int rc_ = verify(prog_, sizeof prog_ / sizeof prog_[0], mem_len, NULL);           \
        CHECK_EQ_INT(rc_, -EINVAL);                                                       \
        if (!strstr(last_log, why))                                                       \
            fprintf(stderr, "line %d: message '%s' lacks '%s'\n", __LINE__, last_log, why); \
        CHECK(strstr(last_log, why) != NULL);                                             \
    } while (0)

static void test_reject_corpus(void)
{
    CHECK(bpf_rejects_count >= 60);
    for (unsigned i = 0; i < bpf_rejects_count; i++) {
        const struct bpf_reject_case *c = &bpf_rejects[i];
        last_log[0] = 0;
        int rc = bpf_reject_load(c, last_log, sizeof last_log);
        if (rc == 0 || !strstr(last_log, c->reason))
            fprintf(stderr, "reject %s: rc %d, message '%s', wanted '%s'\n", c->name, rc, last_log, c->reason);
        CHECK(rc < 0);
        CHECK(strstr(last_log, c->reason) != NULL);
        CHECK(strncmp(last_log, "insn ", 5) == 0); /* every message names the instruction */
    }
}

/* map_lookup_elem(map, r10 - 8 with the key there) into r0, r6 = r0 */
#define LOOKUP(id)                                                                                 \
    BPF_ST_MEM(BPF_DW, R10, -8, 3), BPF_LD_MAP(R1, id), BPF_MOV64_REG(R2, R10),                    \
        BPF_ALU64_IMM(BPF_ADD, R2, -8), BPF_CALL_HELPER(BPF_FUNC_map_lookup_elem)

static void test_maps(void)
{
    struct bpf_map *m;
    CHECK_EQ_INT(bpf_map_create(BPF_MAP_TYPE_HASH, 8, 16, 4, "v", &m), 0);
    int32_t id = (int32_t)m->id;
    /* the valid way: check, then access inside the value */
    ACCEPT(16, LOOKUP(id), BPF_JMP_IMM(BPF_JEQ, R0, 0, 2), BPF_LDX_MEM(BPF_DW, R0, R0, 8), EXIT,
           BPF_MOV64_IMM(R0, 0), EXIT);
    /* a copy made before the check is checked too */
    ACCEPT(16, LOOKUP(id), BPF_MOV64_REG(R6, R0), BPF_JMP_IMM(BPF_JNE, R0, 0, 2), BPF_MOV64_IMM(R0, 0), EXIT,
           BPF_ST_MEM(BPF_W, R6, 12, 1), BPF_MOV64_IMM(R0, 1), EXIT);
    REFUSE(16, "r0 may be NULL", LOOKUP(id), BPF_LDX_MEM(BPF_DW, R0, R0, 0), EXIT);
    /* the NULL branch: r0 is 0 there, dereferencing it is still refused */
    REFUSE(16, "not a pointer", LOOKUP(id), BPF_JMP_IMM(BPF_JNE, R0, 0, 2), BPF_LDX_MEM(BPF_DW, R0, R0, 0), EXIT,
           BPF_MOV64_IMM(R0, 0), EXIT);
    REFUSE(16, "of a map value (16 bytes) is out of bounds", LOOKUP(id), BPF_JMP_IMM(BPF_JEQ, R0, 0, 2),
           BPF_LDX_MEM(BPF_DW, R0, R0, 12), EXIT, BPF_MOV64_IMM(R0, 0), EXIT);
    REFUSE(16, "no arithmetic on it before the NULL check", LOOKUP(id), BPF_ALU64_IMM(BPF_ADD, R0, 8),
           BPF_MOV64_IMM(R0, 0), EXIT);
    REFUSE(16, "would leak a kernel address", LOOKUP(id), BPF_JMP_IMM(BPF_JEQ, R0, 0, 2),
           BPF_STX_MEM(BPF_DW, R0, R10, 0), EXIT, BPF_MOV64_IMM(R0, 0), EXIT);
    REFUSE(16, "r0 is a map value pointer at exit", LOOKUP(id), BPF_JMP_IMM(BPF_JEQ, R0, 0, 1), EXIT,
           BPF_MOV64_IMM(R0, 0), EXIT);
    /* helper arguments */
    REFUSE(16, "map_lookup_elem: r1 must be a map, not a scalar", BPF_ST_MEM(BPF_DW, R10, -8, 3),
           BPF_MOV64_IMM(R1, 1), BPF_MOV64_REG(R2, R10), BPF_ALU64_IMM(BPF_ADD, R2, -8),
           BPF_CALL_HELPER(BPF_FUNC_map_lookup_elem), BPF_MOV64_IMM(R0, 0), EXIT);
    REFUSE(16, "read of uninitialised stack", BPF_LD_MAP(R1, id), BPF_MOV64_REG(R2, R10),
           BPF_ALU64_IMM(BPF_ADD, R2, -8), BPF_CALL_HELPER(BPF_FUNC_map_lookup_elem), BPF_MOV64_IMM(R0, 0), EXIT);
    REFUSE(16, "stack read of 8 bytes at offset -4 is out of bounds", BPF_ST_MEM(BPF_W, R10, -4, 3),
           BPF_LD_MAP(R1, id), BPF_MOV64_REG(R2, R10), BPF_ALU64_IMM(BPF_ADD, R2, -4),
           BPF_CALL_HELPER(BPF_FUNC_map_lookup_elem), BPF_MOV64_IMM(R0, 0), EXIT);
    REFUSE(16, "must point to the stack or a map value, not be a context pointer", BPF_LD_MAP(R2, id),
           BPF_MOV64_REG(R3, R1), BPF_MOV64_REG(R1, R2), BPF_MOV64_REG(R2, R3),
           BPF_CALL_HELPER(BPF_FUNC_map_lookup_elem), BPF_MOV64_IMM(R0, 0), EXIT);
    REFUSE(16, "points at a stored pointer", BPF_STX_MEM(BPF_DW, R10, R1, -8), BPF_LD_MAP(R1, id),
           BPF_MOV64_REG(R2, R10), BPF_ALU64_IMM(BPF_ADD, R2, -8), BPF_CALL_HELPER(BPF_FUNC_map_lookup_elem),
           BPF_MOV64_IMM(R0, 0), EXIT);
    /* update: a 16-byte value from the stack, all of it written */
    ACCEPT(16, BPF_ST_MEM(BPF_DW, R10, -8, 3), BPF_ST_MEM(BPF_DW, R10, -24, 1), BPF_ST_MEM(BPF_DW, R10, -16, 2),
           BPF_LD_MAP(R1, id), BPF_MOV64_REG(R2, R10), BPF_ALU64_IMM(BPF_ADD, R2, -8), BPF_MOV64_REG(R3, R10),
           BPF_ALU64_IMM(BPF_ADD, R3, -24), BPF_MOV64_IMM(BPF_REG_4, 0), BPF_CALL_HELPER(BPF_FUNC_map_update_elem),
           EXIT);
    REFUSE(16, "read of uninitialised stack at offset -16", BPF_ST_MEM(BPF_DW, R10, -8, 3),
           BPF_ST_MEM(BPF_DW, R10, -24, 1), BPF_LD_MAP(R1, id), BPF_MOV64_REG(R2, R10),
           BPF_ALU64_IMM(BPF_ADD, R2, -8), BPF_MOV64_REG(R3, R10), BPF_ALU64_IMM(BPF_ADD, R3, -24),
           BPF_MOV64_IMM(BPF_REG_4, 0), BPF_CALL_HELPER(BPF_FUNC_map_update_elem), EXIT);
    REFUSE(16, "is a map, not memory", BPF_LD_MAP(R1, id), BPF_LDX_MEM(BPF_DW, R0, R1, 0), EXIT);
    bpf_map_put(m);
}

static void test_accepts(void)
{
    /* sum of the context's bytes, the loop clang makes (i < r2) */
    ACCEPT(64, BPF_MOV64_IMM(R0, 0), BPF_MOV64_IMM(R3, 0), BPF_MOV64_REG(R4, R1), BPF_ALU64_REG(BPF_ADD, R4, R3),
           BPF_LDX_MEM(BPF_B, R4, R4, 0), BPF_ALU64_REG(BPF_ADD, R0, R4), BPF_ALU64_IMM(BPF_ADD, R3, 1),
           BPF_JMP_REG(BPF_JLT, R3, R2, -6), EXIT);
    /* counting down with 32-bit ops and a signed test */
    ACCEPT(64, BPF_MOV64_IMM(R0, 0), BPF_MOV32_IMM(R3, 63), BPF_MOV64_REG(R4, R1), BPF_ALU64_REG(BPF_ADD, R4, R3),
           BPF_LDX_MEM(BPF_B, R4, R4, 0), BPF_ALU64_REG(BPF_XOR, R0, R4), BPF_ALU32_IMM(BPF_ADD, R3, -1),
           BPF_JMP32_IMM(BPF_JSGE, R3, 0, -6), EXIT);
    /* an index from the data, masked or checked */
    ACCEPT(16, BPF_LDX_MEM(BPF_B, R3, R1, 0), BPF_ALU64_IMM(BPF_AND, R3, 15), BPF_ALU64_REG(BPF_ADD, R1, R3),
           BPF_LDX_MEM(BPF_B, R0, R1, 0), EXIT);
    ACCEPT(16, BPF_LDX_MEM(BPF_W, R3, R1, 0), BPF_JMP_IMM(BPF_JGE, R3, 13, 3), BPF_ALU64_REG(BPF_ADD, R1, R3),
           BPF_LDX_MEM(BPF_W, R0, R1, 0), EXIT, BPF_MOV64_IMM(R0, 0), EXIT);
    ACCEPT(16, BPF_LDX_MEM(BPF_B, R3, R1, 0), BPF_ALU64_IMM(BPF_MOD, R3, 9), BPF_ALU64_IMM(BPF_LSH, R3, 0),
           BPF_ALU64_REG(BPF_ADD, R1, R3), BPF_LDX_MEM(BPF_B, R0, R1, 7), EXIT);
    /* a pointer spilled and filled, then used */
    ACCEPT(16, BPF_STX_MEM(BPF_DW, R10, R1, -16), BPF_MOV64_IMM(R1, 0), BPF_LDX_MEM(BPF_DW, R3, R10, -16),
           BPF_LDX_MEM(BPF_DW, R0, R3, 8), EXIT);
    /* a callee writes its caller's stack through a pointer, and uses its own */
    struct bpf_prog *p = NULL;
    const struct bpf_insn calls[] = {
        BPF_MOV64_REG(R1, R10), BPF_ALU64_IMM(BPF_ADD, R1, -40), BPF_CALL_LOCAL(2),
        BPF_LDX_MEM(BPF_DW, R0, R10, -40), EXIT,
        BPF_ST_MEM(BPF_DW, R10, -8, 7), BPF_LDX_MEM(BPF_DW, R3, R10, -8), BPF_STX_MEM(BPF_DW, R1, R3, 0),
        BPF_MOV64_IMM(R0, 0), EXIT,
    };
    CHECK_EQ_INT(verify(calls, sizeof calls / sizeof calls[0], 0, &p), 0);
    if (p) {
        CHECK_EQ_INT(p->nsubprogs, 2);
        CHECK_EQ_INT(p->subprog_start[1], 5);
        CHECK_EQ_INT(p->stack_depth[0], 40); /* written by the callee, counted for main */
        CHECK_EQ_INT(p->stack_depth[1], 8);
        CHECK_EQ_INT(bpf_prog_run(p, NULL, 0), 7);
        bpf_prog_free(p);
    }
    /* a pointer into a callee's frame must not outlive it */
    REFUSE(0, "a pointer to a callee's stack stored in its caller's frame", BPF_ST_MEM(BPF_DW, R10, -8, 0),
           BPF_MOV64_REG(R1, R10), BPF_ALU64_IMM(BPF_ADD, R1, -8), BPF_CALL_LOCAL(2), BPF_MOV64_IMM(R0, 0), EXIT,
           BPF_STX_MEM(BPF_DW, R1, R10, 0), BPF_MOV64_IMM(R0, 0), EXIT);
    /* the stack of a chain: 512 + 512 is the most */
    ACCEPT(0, BPF_ST_MEM(BPF_DW, R10, -512, 0), BPF_CALL_LOCAL(1), EXIT, BPF_ST_MEM(BPF_DW, R10, -512, 0),
           BPF_MOV64_IMM(R0, 0), EXIT);
    /* eight frames deep is allowed */
    ACCEPT(0, BPF_CALL_LOCAL(1), EXIT, BPF_CALL_LOCAL(1), EXIT, BPF_CALL_LOCAL(1), EXIT, BPF_CALL_LOCAL(1), EXIT,
           BPF_CALL_LOCAL(1), EXIT, BPF_CALL_LOCAL(1), EXIT, BPF_CALL_LOCAL(1), EXIT, BPF_MOV64_IMM(R0, 0), EXIT);
    /* division by zero is defined, not refused */
    ACCEPT(8, BPF_LDX_MEM(BPF_DW, R3, R1, 0), BPF_MOV64_IMM(R0, 5), BPF_ALU64_REG(BPF_DIV, R0, R3),
           BPF_ALU64_REG(BPF_MOD, R0, R3), BPF_ALU32_IMM(BPF_DIV, R0, 0), EXIT);
    /* found by fuzz_bpf: compares of r0 with itself leave it an empty
     * range on a path no value takes, and w0 /= w0 there divided the
     * verifier's own bounds by 0 (UBSan stops the test if it comes back) */
    {
        const struct bpf_insn prog[] = {
            BPF_CALL_HELPER(8), BPF_ALU64_REG(BPF_DIV, R0, R0), BPF_JMP_IMM(BPF_JLT, R0, 2, 0),
            BPF_JMP32_REG(BPF_JGE, R0, R0, 0), BPF_ALU32_REG(BPF_DIV, R0, R0), BPF_JMP_IMM(BPF_JGE, R0, 8, 0),
            EXIT,
        };
        int rc = verify(prog, sizeof prog / sizeof prog[0], 8, NULL);
        CHECK(rc == 0 || rc == -EINVAL);
    }
    /* a branch the bounds decide is not explored: the dead side would fault */
    ACCEPT(16, BPF_LDX_MEM(BPF_B, R3, R1, 0), BPF_JMP_IMM(BPF_JLE, R3, 255, 1), BPF_LDX_MEM(BPF_DW, R0, R2, 0),
           BPF_MOV64_IMM(R0, 0), EXIT);
}

/* Thirty diamonds in a row, each branching on the data and joining with
 * the same state: 2^30 paths, which only pruning makes verifiable. */
static void test_pruning(void)
{
    struct bpf_insn prog[4 + 30 * 5 + 2];
    uint32_t n = 0;
    prog[n++] = BPF_LDX_MEM(BPF_DW, R6, R1, 0);
    prog[n++] = BPF_MOV64_IMM(R0, 0);
    for (int i = 0; i < 30; i++) {
        prog[n++] = BPF_JMP_IMM(BPF_JSET, R6, 1 << (i % 16), 2);
        prog[n++] = BPF_MOV64_IMM(R3, 1);
        prog[n++] = BPF_JMP_A(1);
        prog[n++] = BPF_MOV64_IMM(R3, 2);
        prog[n++] = BPF_ALU64_REG(BPF_ADD, R0, R3); /* r0 grows: states differ only in r0 */
    }
    prog[n++] = BPF_ALU64_IMM(BPF_AND, R0, 0);
    prog[n++] = EXIT;
    /* r0's sums make states differ (31 values a step): many states, but far
     * fewer than the paths; the run must stay within the budget */
    CHECK_EQ_INT(verify(prog, n, 8, NULL), 0);
    if (last_log[0])
        fprintf(stderr, "pruning: %s\n", last_log);
    /* with r0 the same on both sides, each diamond joins into one state */
    for (uint32_t i = 0; i < n; i++)
        if (prog[i].code == (BPF_ALU64 | BPF_ADD | BPF_X))
            prog[i] = BPF_ALU64_REG(BPF_MOV, R7, R3);
    CHECK_EQ_INT(verify(prog, n, 8, NULL), 0);
}

int main(void)
{
    host_pages_init(64 << 20);
    test_reject_corpus();
    test_maps();
    test_accepts();
    test_pruning();
    CHECK(host_heap_empty()); /* rejections free everything */
    return CHECK_DONE("test_bpf_verifier");
}
