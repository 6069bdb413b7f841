/**
 * @file fuzz_bpf.c
 * @brief libFuzzer target: the verifier and every engine on raw
 *        instructions. The input is a program (8 bytes an instruction) for
 *        a 64-byte writable context, with a hash map (8-byte keys, 16-byte
 *        values, key 0 present) that `lddw rX, map BPF_CORPUS_MAP` names.
 *
 * Whatever the verifier accepts must
 *  - run under the interpreter, the taint oracle (bpf_interp_taint()) and
 *    the x86_64 JIT (on an x86_64 host) without a fault (ASan watches the
 *    context and the stack), with the same r0, context and map value;
 *  - leak no kernel address: the oracle's report is a verifier hole (the
 *    check that found atomics on spilled pointers; a fault-only fuzzer
 *    cannot see a leak, since a leaked address is just a number);
 *  - end: a hang is a verifier bug too (libFuzzer's -timeout).
 * Whatever it refuses must say why. The seed corpus (bpf_seeds.c) is the
 * conformance, reject and taint corpora: valid programs, the near misses
 * beside each rule, and every leak shape the oracle knows.
 *
 * Mutation works on instructions half the time (LLVMFuzzerCustomMutator):
 * insert, replace or delete whole instructions drawn from every
 * instruction of the seeds, retarget a register, move a stack offset,
 * change an access size or an atomic operation; splice two programs at
 * instruction boundaries. Byte flips alone rarely turn one valid
 * instruction into another valid one, and a verifier hole is a sequence
 * of valid instructions in an order nobody wrote down: spilling a pointer
 * from one seed, an atomic on that slot from a second, a load back from a
 * third is what found the atomics hole, from seeds that hold none of it.
 */
#include <dirent.h>
#include <kernel/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel/bpf/corpus.h"
#include <arch/host_pages.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
                                 size_t max_out, unsigned int seed);

/* Every distinct instruction of the seed files: what the mutator inserts. */
#define VOCAB_MAX 16384
static struct bpf_insn vocab[VOCAB_MAX];
static unsigned nvocab;

static void vocab_add_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct bpf_insn in;
    while (f && fread(&in, sizeof in, 1, f) == 1 && nvocab < VOCAB_MAX) {
        unsigned k = 0;
        while (k < nvocab && memcmp(&vocab[k], &in, sizeof in))
            k++;
        if (k == nvocab)
            vocab[nvocab++] = in;
    }
    if (f)
        fclose(f);
}

/* -seed_inputs=@LIST: LIST holds the seed files' paths, comma-separated. */
static void vocab_add_list(const char *list)
{
    FILE *f = fopen(list, "r");
    char path[4096];
    size_t n = 0;
    for (int c; f;) {
        c = fgetc(f);
        if (c == ',' || c == '\n' || c == EOF) {
            path[n] = 0;
            if (n)
                vocab_add_file(path);
            n = 0;
            if (c == EOF)
                break;
        } else if (n + 1 < sizeof path) {
            path[n++] = (char)c;
        }
    }
    if (f)
        fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    host_pages_init(64 << 20);
    static const char opt[] = "-seed_inputs=@";
    for (int i = 1; i < *argc; i++)
        if (!strncmp((*argv)[i], opt, sizeof opt - 1))
            vocab_add_list((*argv)[i] + sizeof opt - 1);
    if (!nvocab)
        vocab[nvocab++] = (struct bpf_insn)BPF_EXIT_INSN();
    fprintf(stderr, "fuzz_bpf: %u distinct instructions from the seeds for the mutator\n", nvocab);
    return 0;
}

static unsigned rnd(unsigned *s, unsigned n) /* 0..n-1 */
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) % n;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    unsigned s = seed, n = (unsigned)(size / 8), max = (unsigned)(max_size / 8);
    struct bpf_insn *p = (struct bpf_insn *)data; /* libFuzzer's buffers are malloc()ed: aligned */
    if (n == 0 || rnd(&s, 2) == 0)
        return LLVMFuzzerMutate(data, size, max_size);
    unsigned at = rnd(&s, n);
    static const uint8_t sizes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};
    static const int32_t atomic_ops[] = {BPF_ADD, BPF_OR, BPF_AND, BPF_XOR, BPF_ADD | BPF_FETCH, BPF_OR | BPF_FETCH,
                                         BPF_AND | BPF_FETCH, BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG};
    switch (rnd(&s, 9)) {
    case 7: /* insert a pointer-and-stack idiom: where pointer holes are */
    case 8: {
        int16_t o8 = (int16_t)(-8 * (int)(1 + rnd(&s, 2))), o = rnd(&s, 2) ? o8 : (int16_t)(o8 + 4);
        uint8_t sz = o == o8 && rnd(&s, 2) ? BPF_DW : BPF_W;
        uint8_t ptr = rnd(&s, 2) ? R1 : R10;
        struct bpf_insn perturb[] = {
            BPF_ATOMIC_OP(sz, atomic_ops[rnd(&s, 10)], R10, R2, o), BPF_ST_MEM(BPF_B, R10, (int16_t)(o8 + rnd(&s, 8)), 0),
            BPF_STX_MEM(BPF_W, R10, R2, o),
        };
        struct bpf_insn g[][4] = {
            {BPF_STX_MEM(BPF_DW, R10, ptr, o8)},                   /* spill a pointer */
            {BPF_MOV64_IMM(R2, (int32_t)rnd(&s, 3)), perturb[0]}, /* an atomic with a number */
            {BPF_LDX_MEM(BPF_DW, R0, R10, o8)},                    /* read a slot back */
            {BPF_MOV64_REG(R0, R2)},                               /* what an atomic fetched */
            {BPF_LDX_MEM(BPF_DW, R3, R10, o8), BPF_STX_MEM(BPF_DW, R1, R3, 0)}, /* a slot to the context */
            /* the round trip that spill tracking must get right: spill,
             * change the slot some way, read it back */
            {BPF_STX_MEM(BPF_DW, R10, ptr, o8), BPF_MOV64_IMM(R2, (int32_t)rnd(&s, 3)), perturb[rnd(&s, 3)],
             BPF_LDX_MEM(BPF_DW, R0, R10, o8)},
        };
        unsigned k = rnd(&s, sizeof g / sizeof g[0]), len = 1;
        while (len < 4 && g[k][len].code)
            len++;
        if (n + len <= max) {
            memmove(&p[at + len], &p[at], (n - at) * sizeof *p);
            memcpy(&p[at], g[k], len * sizeof *p);
            n += len;
        }
        break;
    }
    case 0: /* insert */
        if (n < max) {
            memmove(&p[at + 1], &p[at], (n - at) * sizeof *p);
            p[at] = vocab[rnd(&s, nvocab)];
            n++;
        }
        break;
    case 1: /* replace */
        p[at] = vocab[rnd(&s, nvocab)];
        break;
    case 2: /* delete */
        if (n > 1) {
            memmove(&p[at], &p[at + 1], (n - at - 1) * sizeof *p);
            n--;
        }
        break;
    case 3: /* another register */
        if (rnd(&s, 2))
            p[at].dst = (uint8_t)rnd(&s, 11);
        else
            p[at].src = (uint8_t)rnd(&s, 11);
        break;
    case 4: /* another stack slot, or a byte of one */
        p[at].off = (int16_t)(rnd(&s, 2) ? -8 * (int)(1 + rnd(&s, 8)) : -(int)(1 + rnd(&s, 16)));
        break;
    case 5: /* another access size */
        if (BPF_CLASS(p[at].code) == BPF_LDX || BPF_CLASS(p[at].code) == BPF_ST || BPF_CLASS(p[at].code) == BPF_STX)
            p[at].code = (uint8_t)((p[at].code & ~0x18) | sizes[rnd(&s, 4)]);
        break;
    case 6: /* another atomic operation */
        if (BPF_CLASS(p[at].code) == BPF_STX && BPF_MODE(p[at].code) == BPF_ATOMIC)
            p[at].imm = atomic_ops[rnd(&s, sizeof atomic_ops / sizeof atomic_ops[0])];
        break;
    }
    return (size_t)n * 8;
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
                                 size_t max_out, unsigned int seed)
{
    unsigned s = seed, n1 = (unsigned)(s1 / 8), n2 = (unsigned)(s2 / 8), max = (unsigned)(max_out / 8);
    if (!n1 || !n2 || !max)
        return 0;
    unsigned a = rnd(&s, n1 + 1), b = rnd(&s, n2); /* d1's first a, then d2 from b */
    if (a > max)
        a = max;
    unsigned m = n2 - b < max - a ? n2 - b : max - a;
    memcpy(out, d1, (size_t)a * 8);
    memcpy(out + (size_t)a * 8, d2 + (size_t)b * 8, (size_t)m * 8);
    return (size_t)(a + m) * 8;
}

/* Empty the map, then key 0 with a zero value: each engine starts alike. */
static void map_reset(struct bpf_map *m)
{
    uint64_t key, zero = 0;
    uint8_t value[16] = {0};
    while (bpf_map_next_key(m, NULL, &key) == 0)
        bpf_map_delete(m, &key);
    bpf_map_update(m, &zero, value, BPF_ANY);
}

/* One engine's run from the same start: r0, the context and key 0's value after. */
struct outcome {
    uint64_t r0;
    uint8_t ctx[64];
    uint8_t value[16];
};

static void run(const struct bpf_prog *p, struct bpf_map *m, int engine, struct outcome *o, struct bpf_taint *t)
{
    uint8_t *ctx = malloc(64); /* exactly the context: ASan sees a byte past it */
    for (int i = 0; i < 64; i++)
        ctx[i] = (uint8_t)(i * 37 + 1);
    map_reset(m);
    if (engine == 0)
        o->r0 = bpf_interp(p, ctx, 64);
    else if (engine == 1)
        o->r0 = bpf_interp_taint(p, ctx, 64, t);
    else
        o->r0 = p->jited(ctx, 64);
    memcpy(o->ctx, ctx, 64);
    uint64_t zero = 0;
    const void *v = bpf_map_lookup(m, &zero);
    memset(o->value, 0, sizeof o->value);
    if (v)
        memcpy(o->value, v, sizeof o->value);
    free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t n = (uint32_t)(size / sizeof(struct bpf_insn));
    if (n == 0 || n > 512)
        return 0;
    struct bpf_map *m;
    if (bpf_map_create(BPF_MAP_TYPE_HASH, 8, 16, 4, "fuzz", &m))
        abort();
    struct bpf_insn *insns = malloc(n * sizeof *insns);
    memcpy(insns, data, n * sizeof *insns);
    int same_inputs = 1; /* the clock and the random helper differ from run to run */
    for (uint32_t i = 0; i < n; i++) {
        if (insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) && insns[i].src == BPF_PSEUDO_MAP_ID &&
            insns[i].imm == BPF_CORPUS_MAP)
            insns[i].imm = (int32_t)m->id;
        if (insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src == 0 &&
            (insns[i].imm == BPF_FUNC_ktime_get_ns || insns[i].imm == BPF_FUNC_get_prandom_u32))
            same_inputs = 0;
    }
    struct bpf_ctx_desc cd = {"mem", 64, 1, 1};
    struct bpf_load_opts o = {"fuzz", &cd, 0};
    struct bpf_prog *p;
    char log[BPF_LOG_MAX];
    if (bpf_prog_load(insns, n, &o, &p, log, sizeof log) == 0) {
        struct outcome a, b, c;
        struct bpf_taint t;
        run(p, m, 0, &a, NULL);
        run(p, m, 1, &b, &t);
        if (t.leaked) {
            fprintf(stderr, "fuzz_bpf: the verifier accepted a program that leaks a kernel address: "
                            "insn %u, %s\n", (unsigned)t.insn, t.where);
            abort();
        }
        if (p->jited)
            run(p, m, 2, &c, NULL);
        else
            c = b;
        if (same_inputs && (a.r0 != b.r0 || a.r0 != c.r0 || memcmp(&a, &b, sizeof a) || memcmp(&a, &c, sizeof a)))
            abort(); /* the engines disagree */
        bpf_prog_free(p);
    } else if (!log[0]) {
        abort(); /* a refusal says why */
    }
    free(insns);
    bpf_map_put(m);
    if (!host_heap_empty())
        abort();
    return 0;
}
