/**
 * @file corpus_reject.c
 * @brief Programs the verifier must reject (kernel/bpf/corpus.h). Being written.
 */
#include "corpus.h"

const struct bpf_reject_case bpf_rejects[] = {{0}};
const unsigned bpf_rejects_count = 0;
