/**
 * @file kernel/bench.h
 * @brief In-kernel benchmarks (kernel/test/bench.c).
 */
#ifndef KERNEL_BENCH_H
#define KERNEL_BENCH_H

/** @brief Run every benchmark, one `bench: <name> <value> <unit>` line each. */
void bench_run_all(void);

/** @brief The scheduler and timer benchmarks (kernel/test/sched_bench.c). */
void bench_sched_all(void);

/** @brief The eBPF benchmarks: JIT vs interpreter, compile time (kernel/bpf/bpf_bench.c). */
void bench_bpf_all(void);

#endif
