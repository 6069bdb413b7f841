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

/** @brief A program for the taint oracle (kernel/bpf/corpus_taint.c). */
struct bpf_taint_case {
    const char *name;
    const struct bpf_insn *insns;
    uint32_t len;
    const char *leak; /**< a substring of the report's `where`; NULL: a valid program that leaks nothing */
    uint64_t r0;      /**< a clean program's result */
};

/** The taint oracle's corpus. */
extern const struct bpf_taint_case *const bpf_taint_cases[];
extern const unsigned bpf_taint_cases_count;

/**
 * @brief Run taint case @p c under bpf_interp_taint(): a leaking one
 *        unverified (after checking the verifier refuses it), a clean one
 *        as loaded (after checking the verifier accepts it).
 * @param t   receives the oracle's report
 * @param r0  receives the program's result
 * @param log receives what went wrong when the result is not 0
 * @retval 0 it ran (the caller compares @p t with @c c->leak)
 * @retval -EINVAL the verifier's verdict was not the expected one
 * @retval -ENOMEM no memory
 * @note Thread context; creates and frees a map of its own.
 */
int bpf_taint_case_run(const struct bpf_taint_case *c, struct bpf_taint *t, uint64_t *r0, char *log,
                       size_t logsz);

/**
 * @brief The taint oracle's whole check, shared by the host test and the
 *        ktest: every case of its corpus through bpf_taint_case_run() (each
 *        leak reported where the case says, each clean program quiet with
 *        its result), then every conformance program loaded and run under
 *        the oracle, quiet and computing what bpf_interp() computes, memory
 *        included.
 * @param say called with one line per failure
 * @return the number of failures (0: all held)
 * @note Thread context.
 */
unsigned bpf_taint_corpus_check(void (*say)(const char *line));

/** @brief The map id a reject case names with `BPF_LD_MAP(r, BPF_CORPUS_MAP)`:
 *  bpf_reject_load() creates a hash map (8-byte keys, 16-byte values, 4
 *  entries) for the case and puts its real id there. */
#define BPF_CORPUS_MAP 0x7fff0000

/**
 * @brief Load reject case @p c as its test does: against a "mem" context of
 *        its size, with a fresh map where it names BPF_CORPUS_MAP.
 * @param log receives the refusal
 * @retval 0 accepted (a failure of the case; the program is already freed)
 * @return otherwise bpf_prog_load()'s refusal, or -ENOMEM
 * @note Thread context; allocates, and frees all it allocated.
 */
int bpf_reject_load(const struct bpf_reject_case *c, char *log, size_t logsz);

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
