/**
 * @file kernel/ktest.h
 * @brief In-kernel tests: KTEST(name) { ... KT_ASSERT(cond); }
 *
 * Each KTEST places a descriptor in the .ktests linker section; ktest_run_all()
 * walks that section. A failed assertion reports file:line and ends that test.
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include <stdint.h>

/** @brief State of the running test, passed to its body as `ctx`. */
struct ktest_ctx {
    int failed;          /**< nonzero once an assertion failed */
    const char *skipped; /**< why the test did not run (KT_SKIP_UNLESS()), NULL if it ran */
};

/** @brief A registered test: what KTEST() places in the .ktests section. */
struct ktest {
    const char *name;                  /**< the KTEST() name */
    void (*fn)(struct ktest_ctx *ctx); /**< its body */
};

/** @brief The KTEST() descriptors, [start, end): a section each arch's linker script bounds (kernel/sections.h). */
extern const struct ktest __ktests_start[];
extern const struct ktest __ktests_end[]; /**< one past the last KTEST() */

/**
 * @brief Define and register a test: `KTEST(name) { ... KT_ASSERT(...); }`.
 *        The body sees `ctx`; tests run in thread context, one at a time,
 *        and must leave no state behind (they may run twice in one boot).
 */
#define KTEST(tname)                                                               \
    static void ktest_fn_##tname(struct ktest_ctx *ctx);                           \
    static const struct ktest ktest_desc_##tname                                   \
        __attribute__((used, section(".ktests"), aligned(8))) = {#tname, ktest_fn_##tname}; \
    static void ktest_fn_##tname(struct ktest_ctx *ctx)

/**
 * @brief Define a test like KTEST() that runs with every other CPU held
 *        (kt_hold_other_cpus(), released after the body on every path):
 *        for tests that compare global counts (free pages, heap use) or
 *        exhaust a shared resource.
 */
#define KTEST_ALONE(tname)                                                         \
    static void ktest_alone_##tname(struct ktest_ctx *ctx);                        \
    KTEST(tname)                                                                   \
    {                                                                              \
        kt_hold_other_cpus();                                                      \
        ktest_alone_##tname(ctx);                                                  \
        kt_release_other_cpus();                                                   \
    }                                                                              \
    static void ktest_alone_##tname(struct ktest_ctx *ctx)

/** @brief Report a failure at file:line (used by the assertion macros). */
void ktest_fail(struct ktest_ctx *ctx, const char *file, int line, const char *what);

/** @brief Fail the test and return from its body unless @p cond holds. */
#define KT_ASSERT(cond)                                                  \
    do {                                                                 \
        if (!(cond)) {                                                   \
            ktest_fail(ctx, __FILE__, __LINE__, #cond);                  \
            return;                                                      \
        }                                                                \
    } while (0)

/**
 * @brief End the test as skipped, saying @p why, unless @p cond holds: for
 *        a test that needs what a boot may not have (an initrd, a disk).
 *        Skipped tests are counted apart ("ktest: N passed, 0 failed, K
 *        skipped"), never as passed.
 */
#define KT_SKIP_UNLESS(cond, why)                                        \
    do {                                                                 \
        if (!(cond)) {                                                   \
            ctx->skipped = (why);                                        \
            return;                                                      \
        }                                                                \
    } while (0)

/** @brief Report a failed KT_ASSERT_EQ() with both values. */
void ktest_fail_eq(struct ktest_ctx *ctx, const char *file, int line, const char *what, long got, long want);

/**
 * @brief Fail the test and return unless @p got equals @p want, printing
 *        both: a failure seen once in a long run then says what it got.
 */
#define KT_ASSERT_EQ(got, want)                                                    \
    do {                                                                           \
        long kt_got_ = (long)(got), kt_want_ = (long)(want);                       \
        if (kt_got_ != kt_want_) {                                                 \
            ktest_fail_eq(ctx, __FILE__, __LINE__, #got " == " #want, kt_got_, kt_want_); \
            return;                                                                \
        }                                                                          \
    } while (0)

/**
 * @brief Spin until *@p v reaches @p want or @p ns nanoseconds pass, with
 *        interrupts as the caller has them (enabled, to let a handler run).
 *        Every wait in a test is bounded, so a lost interrupt fails the test
 *        instead of hanging it.
 * @return 1 if *@p v reached @p want, 0 on timeout
 */
int kt_wait_for(volatile unsigned *v, unsigned want, uint64_t ns);

/**
 * @brief Route @p irq to every online CPU in turn (irq_set_affinity()),
 *        make it fire with @p fire(@p irq, @p arg) each time, and check
 *        that its handler runs once and on that CPU. A handler of its own
 *        is registered meanwhile (@p irq must have none); at the end the
 *        route is back on CPU 0 and the handler gone.
 * @return how many CPUs were checked, or -1 after printing what went wrong
 *         (routing or firing refused, no run, a run on another CPU)
 */
int kt_irq_route_each_cpu(unsigned irq, int (*fire)(unsigned irq, void *arg), void *arg);

/**
 * @brief Keep the running test (and the threads it creates, which inherit
 *        the mask) on the CPU it runs on now, for tests of one CPU's
 *        scheduling order (priorities, preemption). The runner restores the
 *        affinity after the test.
 * @return the CPU index pinned to
 */
unsigned kt_pin_cpu(void);

/**
 * @brief Keep every other CPU busy with a thread at PRIO_MAX (waiting for
 *        interrupts, not spinning: an emulator's vCPU then gives its host
 *        CPU to the test's), and
 *        the caller pinned to its own CPU at PRIO_MAX without time-slice
 *        turns, so no other thread runs meanwhile unless the caller blocks:
 *        for tests that compare global counts (heap use) before and after.
 *        Interrupts, IPIs included, are still served everywhere. Release
 *        with kt_release_other_cpus() on every path, which gives the caller
 *        its priority back.
 * @return the number of other CPUs held (fewer only if some did not run
 *         the holding thread within 10 s; said on the console)
 */
unsigned kt_hold_other_cpus(void);

/** @brief End kt_hold_other_cpus(): the holding threads are woken (an IPI each), exit and are joined. */
void kt_release_other_cpus(void);

/** @brief Run every registered test; prints "ktest: N passed, M failed". Returns M. */
int ktest_run_all(void);

/**
 * @brief Run the tests whose names start with @p prefix, as ktest_run_all()
 *        does; -ENOENT, saying nothing, when no name does. Stops between
 *        tests at Ctrl-C (console_cancelled()).
 * @param prefix the start of the names to run, or NULL for all
 * @param flags 0: the errors and warnings a test logs stay off the console
 *        (kept in the log; a failed test's are printed after its line);
 *        KTEST_VERBOSE: everything as it comes (ktest_run_all(), `ktest -v`);
 *        KTEST_TIMES: each test's line ends with how long it took (`ktest -v`)
 * @return the number of tests that failed, or -ENOENT
 */
int ktest_run(const char *prefix, int flags);

#define KTEST_VERBOSE 1 /**< ktest_run(): every report on the console as it comes */
#define KTEST_TIMES 2   /**< ktest_run(): "ktest <name> ok in <us> us" */

/** @brief The log's next line number: klog_reports_since(kt_log_mark(), ...)
 *  then counts what a test provoked. */
uint64_t kt_log_mark(void);

/** @brief Free page frames, once the heap's and every CPU's caches have
 *  given theirs back: compare before and after to see pages kept. */
uint64_t kt_free_frames(void);

#endif
