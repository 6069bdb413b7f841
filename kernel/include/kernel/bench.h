/**
 * @file kernel/bench.h
 * @brief In-kernel benchmarks (kernel/test/bench.c).
 */
#ifndef KERNEL_BENCH_H
#define KERNEL_BENCH_H

#include <stdint.h>

/** @brief Run every benchmark, one `bench: <name> <value> <unit>` line each. */
void bench_run_all(void);

/** @brief The scheduler and timer benchmarks (kernel/test/sched_bench.c). */
void bench_sched_all(void);

/**
 * @brief Nanoseconds per round trip between a thread on the first CPU that
 *        runs threads and one on the second (a semaphore each way: a wakeup
 *        on the other CPU and back), averaged over @p rounds; 0 with fewer
 *        than two such CPUs (kernel/test/smp_sched_tests.c).
 */
uint64_t smp_bench_yield_roundtrip_cross_cpu_ns(unsigned rounds);

/** @brief The eBPF benchmarks: JIT vs interpreter, compile time (kernel/bpf/bpf_bench.c). */
void bench_bpf_all(void);

#endif
