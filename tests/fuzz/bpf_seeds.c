/**
 * @file bpf_seeds.c
 * @brief Writes fuzz_bpf's seed corpus: every program of the conformance,
 *        reject and taint corpora (kernel/bpf/corpus.h), one file each, as
 *        the raw instructions fuzz_bpf takes.
 *
 * Usage: bpf_seeds <dir>. Also writes <dir>/seeds.txt, the files' paths
 * comma-separated, for libFuzzer's -seed_inputs=@<dir>/seeds.txt (the form
 * fuzz_seeds() in CMakeLists.txt gives every seeded fuzzer). Programs that
 * name BPF_CORPUS_MAP keep that id; fuzz_bpf gives it to the map it creates
 * for each run. The corpora are
 * C data shared with the tests, so the seeds are made at build time from
 * them rather than kept as binary files beside them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../kernel/bpf/corpus.h"

static FILE *list; /* <dir>/seeds.txt */
static int nlisted;

static int write_seed(const char *dir, const char *kind, const char *name, const struct bpf_insn *insns,
                      uint32_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s_%s.bin", dir, kind, name);
    FILE *f = fopen(path, "wb");
    int bad = !f || fwrite(insns, sizeof *insns, len, f) != len;
    if ((f && fclose(f) != 0) || bad) {
        perror(path);
        return 1;
    }
    fprintf(list, "%s%s", nlisted++ ? "," : "", path);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bpf_seeds <dir>\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/seeds.txt", argv[1]);
    list = fopen(path, "w");
    if (!list) {
        perror(path);
        return 1;
    }
    int bad = 0;
    for (unsigned i = 0; i < bpf_conformance_count; i++)
        bad |= write_seed(argv[1], "ok", bpf_conformance[i].name, bpf_conformance[i].insns, bpf_conformance[i].len);
    for (unsigned i = 0; i < bpf_rejects_count; i++)
        bad |= write_seed(argv[1], "reject", bpf_rejects[i].name, bpf_rejects[i].insns, bpf_rejects[i].len);
    for (unsigned i = 0; i < bpf_taint_cases_count; i++)
        bad |= write_seed(argv[1], "taint", bpf_taint_cases[i]->name, bpf_taint_cases[i]->insns,
                          bpf_taint_cases[i]->len);
    if (fclose(list) != 0) {
        perror(path);
        bad = 1;
    }
    return bad;
}
