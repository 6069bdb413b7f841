/**
 * @file kernel/bpf/corpus.h
 * @brief The eBPF test corpora, shared by the host tests, the fuzzers and
 *        the in-kernel ktests (so every engine on every arch runs the same
 *        programs).
 *
 * A conformance case runs with r1 = a writable copy of @c mem (the context
 * of a "mem" program, BPF_CTX_MEM), r2 = @c mem_len, and must return @c r0
 * under the interpreter and the JIT alike. A reject case must be refused by
 * bpf_prog_load() with a message containing @c reason.
 */
#ifndef KERNEL_BPF_CORPUS_H
#define KERNEL_BPF_CORPUS_H

#include <kernel/bpf.h>

/** @name Short names for the programs the corpora and their tests write
 *  @{ */
#define R0 BPF_REG_0   /**< r0 */
#define R1 BPF_REG_1   /**< r1 */
#define R2 BPF_REG_2   /**< r2 */
#define R3 BPF_REG_3   /**< r3 */
#define R4 BPF_REG_4   /**< r4 */
#define R5 BPF_REG_5   /**< r5 */
#define R6 BPF_REG_6   /**< r6 */
#define R7 BPF_REG_7   /**< r7 */
#define R8 BPF_REG_8   /**< r8 */
#define R9 BPF_REG_9   /**< r9 */
#define R10 BPF_REG_10 /**< r10 */
#define EXIT BPF_EXIT_INSN() /**< exit */
/** @} */

/** @brief A program with its input and expected result. */
struct bpf_corpus_case {
    const char *name;
    const struct bpf_insn *insns;
    uint32_t len;
    const uint8_t *mem; /**< initial context bytes (copied before each run), may be NULL */
    uint32_t mem_len;   /**< context size; 0 = none (r1 still points at a 0-byte buffer) */
    uint64_t r0;        /**< the expected result */
};

/** @brief A program the verifier must refuse, and why. */
struct bpf_reject_case {
    const char *name;
    const struct bpf_insn *insns;
    uint32_t len;
    uint32_t mem_len; /**< context size it is verified against */
    const char *reason; /**< a substring of the log message */
};

/** The conformance corpus (kernel/bpf/corpus_conformance.c). */
extern const struct bpf_corpus_case bpf_conformance[];
extern const unsigned bpf_conformance_count;
/** The reject corpus (kernel/bpf/corpus_reject.c). */
extern const struct bpf_reject_case bpf_rejects[];
extern const unsigned bpf_rejects_count;

/** @brief The "mem" program type with a context of @p len bytes: writable, r2 = @p len. */
static inline struct bpf_ctx_desc bpf_ctx_mem(uint32_t len)
{
    return (struct bpf_ctx_desc){"mem", len, 1, 1};
}

#endif
