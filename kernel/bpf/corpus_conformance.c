/**
 * @file corpus_conformance.c
 * @brief The eBPF conformance corpus (kernel/bpf/corpus.h). Being written.
 */
#include "corpus.h"

const struct bpf_corpus_case bpf_conformance[] = {{0}};
const unsigned bpf_conformance_count = 0;
