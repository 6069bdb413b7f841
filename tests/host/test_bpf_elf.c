/**
 * @file test_bpf_elf.c
 * @brief The eBPF ELF loader (kernel/bpf/elf.c) on the objects clang-19
 *        built for the initrd, and on every truncation and thousands of
 *        corruptions of them: a good object loads and runs (maps created,
 *        .text functions linked), a damaged one is refused with a message
 *        and leaks nothing (ASan and the heap check say); every
 *        single-field corruption, and each allocation failing in turn
 *        (through the verifier and the JIT too), refused with a reason.
 */
#include <kernel/bpf.h>
#include <kernel/bpf_hook.h>
#include <kernel/elf.h>
#include <kernel/errno.h>
#include <stdlib.h>

#include "check.h"
#include "fail_inject.h"
#include "read_file.h"
#include <arch/host_pages.h>

static void test_sum(void)
{
    size_t n;
    uint8_t *o = read_file_in(BPF_OBJ_DIR, "sum.o", &n);
    uint8_t mem[300];
    uint64_t want = 0;
    for (unsigned i = 0; i < sizeof mem; i++)
        want += mem[i] = (uint8_t)(i * 7 + 3);
    struct bpf_ctx_desc ctx = {"mem", sizeof mem, 1, 1};
    for (int no_jit = 0; no_jit < 2; no_jit++) {
        struct bpf_load_opts opts = {NULL, &ctx, no_jit};
        struct bpf_prog *p;
        char log[BPF_LOG_MAX];
        int rc = bpf_elf_load(o, n, NULL, &opts, &p, log, sizeof log);
        CHECK_EQ_INT(rc, 0);
        if (rc == 0) {
            CHECK_EQ_STR(p->name, "sum_bytes");
            CHECK_EQ_INT(bpf_prog_run(p, mem, sizeof mem), want);
            bpf_prog_free(p);
        }
    }
    /* a section that is not there, or not code */
    struct bpf_load_opts opts = {NULL, &ctx, 0};
    struct bpf_prog *p;
    char log[BPF_LOG_MAX];
    CHECK_EQ_INT(bpf_elf_load(o, n, "nosuch", &opts, &p, log, sizeof log), -ENOENT);
    CHECK(strstr(log, "nosuch") != NULL);
    free(o);
}

/* An object at a 4-byte boundary, as cpio lays out the initrd's files: it
 * loads the same (from an aligned copy; UBSan here reports any 8-byte field
 * read in place), and a copy that cannot be allocated is refused with why. */
static void test_misaligned(void)
{
    size_t n;
    uint8_t *o = read_file_in(BPF_OBJ_DIR, "sum.o", &n);
    uint8_t *buf = malloc(n + 4);
    memcpy(buf + 4, o, n);
    uint8_t mem[16] = {1, 2, 3};
    struct bpf_ctx_desc ctx = {"mem", sizeof mem, 1, 1};
    struct bpf_load_opts opts = {NULL, &ctx, 1};
    struct bpf_prog *p;
    char log[BPF_LOG_MAX];
    int rc = bpf_elf_load(buf + 4, n, NULL, &opts, &p, log, sizeof log);
    CHECK_EQ_INT(rc, 0);
    if (rc == 0) {
        CHECK_EQ_STR(p->name, "sum_bytes");
        CHECK_EQ_INT(bpf_prog_run(p, mem, sizeof mem), 6);
        bpf_prog_free(p);
    }
    inject_fail_at(0);
    CHECK_EQ_INT(bpf_elf_load(buf + 4, n, NULL, &opts, &p, log, sizeof log), -ENOMEM);
    inject_fail_at(-1);
    CHECK(strstr(log, "aligned copy") != NULL);
    free(buf);
    free(o);
}

/* blk_latency.o: two maps, a .text function called from the program. */
static void test_maps_and_calls(void)
{
    size_t n;
    uint8_t *o = read_file_in(BPF_OBJ_DIR, "blk_latency.o", &n);
    struct bpf_ctx_desc ctx = {"blk_complete", sizeof(struct bpf_ctx_blk_complete), 0, 0};
    struct bpf_load_opts opts = {NULL, &ctx, 0};
    struct bpf_prog *p;
    char log[BPF_LOG_MAX];
    int rc = bpf_elf_load(o, n, NULL, &opts, &p, log, sizeof log);
    CHECK_EQ_INT(rc, 0);
    if (rc == 0) {
        CHECK_EQ_INT(p->nmaps, 2);
        CHECK_EQ_INT(p->nsubprogs, 2); /* the program and log2_u64 */
        struct bpf_ctx_blk_complete c = {0, 8, 5000000, 1, 0, 0, 0}; /* 5 ms: log2(5000) = 12 */
        for (int i = 0; i < 3; i++)
            bpf_prog_run(p, &c, 0);
        c.op = 1;
        bpf_prog_run(p, &c, 0);
        struct bpf_map *lat = NULL, *ops = NULL;
        for (uint32_t i = 0; i < p->nmaps; i++) {
            if (!strcmp(p->maps[i]->name, "latency_log2_us"))
                lat = p->maps[i];
            if (!strcmp(p->maps[i]->name, "ops"))
                ops = p->maps[i];
        }
        CHECK(lat && ops);
        if (lat && ops) {
            uint32_t k = 12, op0 = 0, op1 = 1;
            uint64_t *v = bpf_map_lookup(lat, &k);
            CHECK(v && *v == 4);
            v = bpf_map_lookup(ops, &op0);
            CHECK(v && *v == 3);
            v = bpf_map_lookup(ops, &op1);
            CHECK(v && *v == 1);
        }
        bpf_prog_free(p);
    }
    free(o);
}

/* Every prefix, and random corruption: refused cleanly or (if the damage
 * missed everything that matters) loaded; never a crash, never a leak. */
static void test_damage(const char *file, const struct bpf_ctx_desc *ctx)
{
    size_t n;
    uint8_t *o = read_file_in(BPF_OBJ_DIR, file, &n);
    struct bpf_load_opts opts = {NULL, ctx, 0};
    char log[BPF_LOG_MAX];
    unsigned refused = 0;
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *copy = malloc(cut + 1);
        memcpy(copy, o, cut);
        struct bpf_prog *p = NULL;
        int rc = bpf_elf_load(copy, cut, NULL, &opts, &p, log, sizeof log);
        if (rc == 0) {
            bpf_prog_free(p);
        } else {
            refused++;
            CHECK(log[0] != 0);
        }
        free(copy);
    }
    CHECK(refused > n / 2); /* most prefixes lack the section headers at the end */
    srand(11);
    for (int iter = 0; iter < 3000; iter++) {
        uint8_t *copy = malloc(n);
        memcpy(copy, o, n);
        int flips = 1 + rand() % 4;
        for (int f = 0; f < flips; f++)
            copy[(size_t)rand() % n] = (uint8_t)rand();
        struct bpf_prog *p = NULL;
        if (bpf_elf_load(copy, n, NULL, &opts, &p, log, sizeof log) == 0)
            bpf_prog_free(p);
        free(copy);
    }
    free(o);
}

static void test_bad_headers(void)
{
    size_t n;
    uint8_t *o = read_file_in(BPF_OBJ_DIR, "sum.o", &n);
    struct bpf_ctx_desc ctx = {"mem", 8, 1, 1};
    struct bpf_load_opts opts = {NULL, &ctx, 0};
    struct bpf_prog *p;
    char log[BPF_LOG_MAX];
    uint8_t *c = malloc(n);
    struct {
        size_t off;
        uint8_t val;
        const char *msg;
    } cases[] = {
        {0, 0x7e, "bad magic"},
        {4, 1, "64-bit little-endian"},
        {5, 2, "64-bit little-endian"},
        {18, EM_X86_64, "relocatable BPF object"},
        {16, 2, "relocatable BPF object"},
        {58, 32, "section header table"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(c, o, n);
        c[cases[i].off] = cases[i].val;
        CHECK_EQ_INT(bpf_elf_load(c, n, NULL, &opts, &p, log, sizeof log), -ENOEXEC);
        if (!strstr(log, cases[i].msg))
            fprintf(stderr, "case %u: '%s'\n", i, log);
        CHECK(strstr(log, cases[i].msg) != NULL);
    }
    free(c);
    free(o);
}

/* One load of a corrupted object: loaded and run (then freed) or refused
 * with a reason; either way nothing is left, maps included. */
static unsigned walk_one(const uint8_t *o, size_t n, const struct bpf_load_opts *opts, const char *file, size_t at)
{
    char log[BPF_LOG_MAX];
    uint8_t mem[64] = {0};
    struct bpf_prog *p = NULL;
    log[0] = 0;
    int rc = bpf_elf_load(o, n, NULL, opts, &p, log, sizeof log);
    if (rc == 0) {
        bpf_prog_run(p, mem, sizeof mem);
        bpf_prog_free(p);
    } else if (!log[0]) {
        fprintf(stderr, "%s at %zu: refused (%d) without a reason\n", file, at, rc);
        CHECK(log[0]);
    }
    if (bpf_map_next_id(0) != 0 || inject_regions() || !host_heap_empty()) {
        fprintf(stderr, "%s at %zu: left something behind (rc %d '%s')\n", file, at, rc, log);
        CHECK(0);
    }
    return rc != 0;
}

/* Every single-field corruption, at every offset: a byte set to 0, 0xff or
 * with its top bit flipped, every aligned 32- and 64-bit field all ones. */
static void test_walk(const char *file, const struct bpf_ctx_desc *ctx)
{
    size_t n;
    uint8_t *good = read_file_in(BPF_OBJ_DIR, file, &n);
    uint8_t *o = malloc(n);
    struct bpf_load_opts opts = {NULL, ctx, 0};
    unsigned refused = 0, runs = 0;
    for (size_t at = 0; at < n; at++) {
        const uint8_t bytes[3] = {0, 0xff, (uint8_t)(good[at] ^ 0x80)};
        for (unsigned k = 0; k < 3; k++) {
            memcpy(o, good, n);
            o[at] = bytes[k];
            refused += walk_one(o, n, &opts, file, at);
            runs++;
        }
        for (size_t w = 4; w <= 8; w += 4)
            if (at % w == 0 && at + w <= n) {
                memcpy(o, good, n);
                memset(o + at, 0xff, w);
                refused += walk_one(o, n, &opts, file, at);
                runs++;
            }
    }
    CHECK(refused > runs / 10);
    free(o);
    free(good);
}

/* Each allocation failing in turn (the loader's, the maps', the
 * verifier's, the JIT's): a refusal with a reason and nothing left, or,
 * where only the JIT was refused, the program loaded for the interpreter. */
static void test_out_of_memory(const char *file, const struct bpf_ctx_desc *ctx)
{
    size_t n;
    uint8_t *o = read_file_in(BPF_OBJ_DIR, file, &n);
    struct bpf_load_opts opts = {NULL, ctx, 0};
    long k = 0;
    unsigned refusals = 0;
    for (;; k++) {
        char log[BPF_LOG_MAX];
        struct bpf_prog *p = NULL;
        log[0] = 0;
        inject_fail_at(k);
        int rc = bpf_elf_load(o, n, NULL, &opts, &p, log, sizeof log);
        int fired = inject_fired();
        inject_fail_at(-1);
        if (rc == 0)
            bpf_prog_free(p);
        if (!fired) {
            CHECK_EQ_INT(rc, 0);
            break;
        }
        if (rc) {
            refusals++;
            if (rc != -ENOMEM || !strstr(log, "out of memory")) {
                fprintf(stderr, "%s: allocation %ld failing: rc %d, '%s'\n", file, k, rc, log);
                CHECK(0);
            }
        }
        CHECK_EQ_INT(bpf_map_next_id(0), 0);
        CHECK_EQ_INT(inject_regions(), 0);
        CHECK(host_heap_empty());
    }
    CHECK(refusals >= 5); /* the instructions, a map, the program, the verifier's state */
    free(o);
}

int main(void)
{
    host_pages_init(64 << 20);
    test_sum();
    test_misaligned();
    test_maps_and_calls();
    test_bad_headers();
    struct bpf_ctx_desc mem = {"mem", 64, 1, 1};
    struct bpf_ctx_desc blk = {"blk_complete", sizeof(struct bpf_ctx_blk_complete), 0, 0};
    test_damage("sum.o", &mem);
    test_damage("blk_latency.o", &blk);
    struct bpf_ctx_desc sched = {"sched_switch", sizeof(struct bpf_ctx_sched_switch), 0, 0};
    test_walk("sum.o", &mem);
    test_walk("blk_latency.o", &blk);
    test_walk("sched_count.o", &sched);
    test_out_of_memory("sum.o", &mem);
    test_out_of_memory("blk_latency.o", &blk);
    test_out_of_memory("sched_count.o", &sched);
    /* every map the loads created is gone with its program */
    CHECK_EQ_INT(bpf_map_next_id(0), 0);
    CHECK(host_heap_empty());
    return CHECK_DONE("test_bpf_elf");
}
