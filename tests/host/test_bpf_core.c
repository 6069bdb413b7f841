/**
 * @file test_bpf_core.c
 * @brief Host tests of the eBPF core's own parts: maps (array and hash:
 *        update flags, full tables, delete and reuse, iteration), helpers
 *        through programs, program loading errors, and the interpreter on
 *        local calls and map-using programs.
 */
#include <kernel/bpf.h>
#include <kernel/errno.h>
#include <stdlib.h>

#include "../../kernel/bpf/corpus.h"
#include "check.h"
#include <arch/host_pages.h>

static void test_array_map(void)
{
    struct bpf_map *m;
    CHECK_EQ_INT(bpf_map_create(BPF_MAP_TYPE_ARRAY, 8, 8, 4, "a", &m), -EINVAL); /* key must be 4 */
    CHECK_EQ_INT(bpf_map_create(BPF_MAP_TYPE_ARRAY, 4, 0, 4, "a", &m), -EINVAL);
    CHECK_EQ_INT(bpf_map_create(99, 4, 8, 4, "a", &m), -EINVAL);
    CHECK_EQ_INT(bpf_map_create(BPF_MAP_TYPE_ARRAY, 4, 12, 4, "arr", &m), 0);
    uint32_t k = 3, k4 = 4;
    uint8_t v[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    uint8_t *p = bpf_map_lookup(m, &k);
    CHECK(p != NULL);
    CHECK(p && p[0] == 0 && p[11] == 0); /* zeroed */
    CHECK(bpf_map_lookup(m, &k4) == NULL);
    CHECK_EQ_INT(bpf_map_update(m, &k, v, BPF_ANY), 0);
    CHECK(p && memcmp(p, v, 12) == 0);
    CHECK_EQ_INT(bpf_map_update(m, &k, v, BPF_NOEXIST), -EEXIST);
    CHECK_EQ_INT(bpf_map_update(m, &k4, v, BPF_ANY), -EINVAL);
    CHECK_EQ_INT(bpf_map_update(m, &k, v, 7), -EINVAL);
    CHECK_EQ_INT(bpf_map_delete(m, &k), -EINVAL);
    uint32_t next, n = 0;
    const void *prev = NULL;
    uint32_t cur;
    while (bpf_map_next_key(m, prev, &next) == 0) {
        CHECK_EQ_INT(next, n);
        n++;
        cur = next;
        prev = &cur;
    }
    CHECK_EQ_INT(n, 4);
    uint32_t id = m->id;
    struct bpf_map *again = bpf_map_get(id);
    CHECK(again == m);
    bpf_map_put(again);
    bpf_map_put(m);
    CHECK(bpf_map_get(id) == NULL);
}

static void test_hash_map(void)
{
    struct bpf_map *m;
    CHECK_EQ_INT(bpf_map_create(BPF_MAP_TYPE_HASH, 6, 4, 3, "h", &m), 0);
    uint8_t k[3][6] = {{1}, {2}, {3}}, k4[6] = {4};
    for (uint32_t i = 0; i < 3; i++) {
        uint32_t v = 100 + i;
        CHECK_EQ_INT(bpf_map_update(m, k[i], &v, BPF_NOEXIST), 0);
    }
    uint32_t v = 7;
    CHECK_EQ_INT(bpf_map_update(m, k4, &v, BPF_ANY), -E2BIG); /* full */
    CHECK_EQ_INT(bpf_map_update(m, k4, &v, BPF_EXIST), -ENOENT);
    CHECK_EQ_INT(bpf_map_update(m, k[1], &v, BPF_NOEXIST), -EEXIST);
    CHECK_EQ_INT(bpf_map_update(m, k[1], &v, BPF_EXIST), 0);
    uint32_t *p = bpf_map_lookup(m, k[1]);
    CHECK(p && *p == 7);
    CHECK(bpf_map_lookup(m, k4) == NULL);
    /* iteration sees each key once */
    int seen[3] = {0};
    uint8_t cur[6], next[6];
    int rc = bpf_map_next_key(m, NULL, next), count = 0;
    while (rc == 0 && count < 10) {
        CHECK(next[0] >= 1 && next[0] <= 3);
        if (next[0] >= 1 && next[0] <= 3)
            seen[next[0] - 1]++;
        memcpy(cur, next, 6);
        rc = bpf_map_next_key(m, cur, next);
        count++;
    }
    CHECK(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
    CHECK_EQ_INT(bpf_map_delete(m, k[0]), 0);
    CHECK_EQ_INT(bpf_map_delete(m, k[0]), -ENOENT);
    CHECK_EQ_INT(bpf_map_update(m, k4, &v, BPF_NOEXIST), 0); /* the freed element is reused */
    CHECK(bpf_map_lookup(m, k[0]) == NULL);
    CHECK(bpf_map_lookup(m, k4) != NULL);
    /* a key not in the map iterates from the first */
    CHECK_EQ_INT(bpf_map_next_key(m, k[0], next), 0);
    bpf_map_put(m);
}

/* count[key = the u64 context] += 1 in a hash map, through the helpers; returns the new count. */
static void test_map_program(int no_jit)
{
    struct bpf_map *m;
    CHECK_EQ_INT(bpf_map_create(BPF_MAP_TYPE_HASH, 8, 8, 16, "count", &m), 0);
    const struct bpf_insn prog[] = {
        BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, 0),   /* the context: the key */
        BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -8),
        BPF_ST_MEM(BPF_DW, BPF_REG_10, -16, 1),         /* initial value */
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
    struct bpf_ctx_desc ctx = {"count", 8, 0, 0};
    struct bpf_load_opts opts = {"count", &ctx, no_jit};
    struct bpf_prog *p;
    char log[BPF_LOG_MAX];
    int rc = bpf_prog_load(prog, sizeof prog / sizeof prog[0], &opts, &p, log, sizeof log);
    CHECK_EQ_INT(rc, 0);
    if (rc)
        fprintf(stderr, "rejected: %s\n", log);
    if (rc == 0) {
        uint64_t k5 = 5, k9 = 9;
        CHECK_EQ_INT(bpf_prog_run(p, &k5, 0), 1);
        CHECK_EQ_INT(bpf_prog_run(p, &k5, 0), 2);
        CHECK_EQ_INT(bpf_prog_run(p, &k9, 0), 1);
        CHECK_EQ_INT(bpf_prog_run(p, &k5, 0), 3);
        uint64_t key = 5, *val = bpf_map_lookup(m, &key);
        CHECK(val && *val == 3);
        bpf_prog_free(p);
    }
    /* the program's reference is gone: the map goes with ours */
    uint32_t id = m->id;
    bpf_map_put(m);
    CHECK(bpf_map_get(id) == NULL);
}

/* A local call with its own stack; r6 of the caller survives. */
static void test_local_call(int no_jit)
{
    const struct bpf_insn prog[] = {
        BPF_MOV64_IMM(BPF_REG_6, 40),
        BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 1000),
        BPF_MOV64_IMM(BPF_REG_1, 2),
        BPF_CALL_LOCAL(4),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6),
        BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, -8),
        BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1),
        BPF_EXIT_INSN(),
        /* f(x) = x * 3, clobbering r6 and its own stack slot */
        BPF_MOV64_IMM(BPF_REG_6, 7),
        BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 5),
        BPF_MOV64_REG(BPF_REG_0, BPF_REG_1),
        BPF_ALU64_IMM(BPF_MUL, BPF_REG_0, 3),
        BPF_EXIT_INSN(),
    };
    struct bpf_ctx_desc ctx = bpf_ctx_mem(0);
    struct bpf_load_opts opts = {"call", &ctx, no_jit};
    struct bpf_prog *p;
    char log[BPF_LOG_MAX];
    int rc = bpf_prog_load(prog, sizeof prog / sizeof prog[0], &opts, &p, log, sizeof log);
    CHECK_EQ_INT(rc, 0);
    if (rc == 0) {
        CHECK_EQ_INT(p->nsubprogs, 2);
        CHECK_EQ_INT(bpf_prog_run(p, NULL, 0), 6 + 40 + 1000);
        bpf_prog_free(p);
    }
}

static void test_load_errors(void)
{
    struct bpf_prog *p = NULL;
    char log[BPF_LOG_MAX];
    const struct bpf_insn ok[] = {BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()};
    CHECK_EQ_INT(bpf_prog_load(ok, 0, NULL, &p, log, sizeof log), -E2BIG);
    CHECK_EQ_INT(bpf_prog_load(ok, BPF_MAX_INSNS + 1, NULL, &p, log, sizeof log), -E2BIG);
    const struct bpf_insn nomap[] = {BPF_LD_MAP(BPF_REG_1, 0x7fff), BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()};
    CHECK_EQ_INT(bpf_prog_load(nomap, 4, NULL, &p, log, sizeof log), -ENOENT);
    CHECK(strstr(log, "insn 0: no map with id 32767") != NULL);
}

/* The taint oracle: it reports every leak of its corpus where it happens,
 * and is quiet on the clean programs and on the whole conformance corpus
 * (where it must also compute what the interpreter computes). */
static void say_line(const char *line) { fprintf(stderr, "%s\n", line); }

static void test_taint_oracle(void)
{
    CHECK(bpf_taint_cases_count >= 20);
    CHECK_EQ_INT(bpf_taint_corpus_check(say_line), 0);
}

int main(void)
{
    host_pages_init(64 << 20);
    test_array_map();
    test_hash_map();
    test_load_errors();
    test_taint_oracle();
    for (int no_jit = 1; no_jit >= 0; no_jit--) {
        test_map_program(no_jit);
        test_local_call(no_jit);
    }
    CHECK(host_heap_empty());
    return CHECK_DONE("test_bpf_core");
}
