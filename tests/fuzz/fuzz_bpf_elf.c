/**
 * @file fuzz_bpf_elf.c
 * @brief libFuzzer target: the eBPF ELF loader (kernel/bpf/elf.c) and the
 *        verifier behind it, on objects clang-19 built for the initrd with
 *        the fuzzer's bytes patched into them.
 *
 * The input is a choice of object and a list of patches (a 16-bit offset
 * and a byte each), so mutations land in headers, symbol tables, map
 * definitions, relocations and instructions of a real object instead of
 * in a random byte string the loader refuses at its first check. Whatever
 * loads must run under the interpreter and the JIT (on an x86_64 host)
 * with the same result and without a fault, and every load, accepted or
 * not, must give back all it allocated.
 *
 * Its seeds (scripts/elf-shapes.py, built into corpus/fuzz_bpf_elf/ of the
 * build tree) are damaged objects in the shapes issue 23's campaign found:
 * NOBITS sections (maps, program, symbol names), a symbol whose size wraps,
 * a relocation and a map symbol at offset ~0.
 */
#include <kernel/bpf.h>
#include <kernel/bpf_hook.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read_file.h"
#include <arch/host_pages.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

struct object {
    const char *file;
    struct bpf_ctx_desc ctx;
    uint8_t *bytes;
    size_t size;
};

static struct object objects[] = {
    {"blk_latency.o", {"blk_complete", sizeof(struct bpf_ctx_blk_complete), 0, 0}, NULL, 0},
    {"sched_count.o", {"sched_switch", sizeof(struct bpf_ctx_sched_switch), 0, 0}, NULL, 0},
    {"sum.o", {"mem", 64, 1, 1}, NULL, 0},
};
#define NOBJ (sizeof objects / sizeof objects[0])

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    host_pages_init(64 << 20);
    for (unsigned i = 0; i < NOBJ; i++)
        objects[i].bytes = read_file_in(BPF_OBJ_DIR, objects[i].file, &objects[i].size);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct object *o = &objects[data[0] % NOBJ];
    size_t n = o->size;
    if (data[0] & 0x80) /* truncated too */
        n = size >= 3 ? (data[1] | (size_t)data[2] << 8) % (n + 1) : n;
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, o->bytes, n);
    for (size_t i = 3; i + 3 <= size; i += 3) {
        size_t off = data[i] | (size_t)data[i + 1] << 8;
        if (n)
            copy[off % n] = data[i + 2];
    }
    char log[BPF_LOG_MAX];
    struct bpf_prog *p[2] = {NULL, NULL};
    uint64_t r0[2] = {0, 0};
    uint8_t ctx[2][64];
    for (int no_jit = 0; no_jit <= 1; no_jit++) {
        struct bpf_load_opts opts = {NULL, &o->ctx, no_jit};
        if (bpf_elf_load(copy, n, NULL, &opts, &p[no_jit], log, sizeof log) != 0) {
            if (!log[0] || no_jit)
                abort(); /* a refusal says why, and does not depend on the engine */
            p[no_jit] = NULL;
            break;
        }
        memset(ctx[no_jit], 0x5a, sizeof ctx[no_jit]);
        r0[no_jit] = bpf_prog_run(p[no_jit], ctx[no_jit], o->ctx.size);
    }
    /* both loads created their own maps, so the runs start alike */
    if (p[0] && (r0[0] != r0[1] || memcmp(ctx[0], ctx[1], sizeof ctx[0]) != 0))
        abort();
    bpf_prog_free(p[0]);
    bpf_prog_free(p[1]);
    free(copy);
    if (!host_heap_empty())
        abort();
    return 0;
}
