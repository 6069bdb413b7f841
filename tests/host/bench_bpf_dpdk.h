/** @file bench_bpf_dpdk.h @brief bench_bpf.c's view of DPDK's BPF library. */
#ifndef BENCH_BPF_DPDK_H
#define BENCH_BPF_DPDK_H
#include <stddef.h>
#include <stdint.h>
/** DPDK's JITed entry point. */
typedef uint64_t (*dpdk_jit_fn)(void *ctx);
/** @brief rte_bpf_load() with a context of @p ctx_size bytes; NULL if refused. */
void *dpdk_bpf_load(const void *insns, uint32_t n, size_t ctx_size);
/** @brief DPDK's interpreter. */
uint64_t dpdk_bpf_exec(void *bpf, void *ctx);
/** @brief DPDK's JIT output, or NULL. */
dpdk_jit_fn dpdk_bpf_jit(void *bpf);
/** @brief rte_bpf_destroy(). */
void dpdk_bpf_free(void *bpf);
#endif
