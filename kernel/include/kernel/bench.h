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
/**
 * @brief Heap churn on every CPU at once against one CPU (kernel/test/
 *        smp_heap_tests.c): sets the CPUs used, the per-operation time on one
 *        CPU and the speed-up times 100 (N * T1 / TN, ideally N * 100);
 *        returns 0 (nothing set) with fewer than two CPUs.
 */
int smp_bench_heap_churn(unsigned *cpus, uint64_t *ns_one, uint64_t *scaling_x100);

/** @brief The eBPF benchmarks: JIT vs interpreter, compile time (kernel/bpf/bpf_bench.c). */
void bench_bpf_all(void);

#endif
