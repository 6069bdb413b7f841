/**
 * @file bench_bpf_dpdk.c
 * @brief DPDK's BPF library (librte_bpf) behind a plain interface for
 *        bench_bpf.c: its headers define BPF names of their own, so they
 *        stay out of the file that includes kernel/bpf.h.
 */
#include <rte_bpf.h>
#include <rte_errno.h>

#include "bench_bpf_dpdk.h"

void *dpdk_bpf_load(const void *insns, uint32_t n, size_t ctx_size)
{
    struct rte_bpf_prm prm = {
        .ins = insns,
        .nb_ins = n,
        .prog_arg = {.type = RTE_BPF_ARG_PTR, .size = ctx_size},
    };
    return rte_bpf_load(&prm);
}

uint64_t dpdk_bpf_exec(void *bpf, void *ctx)
{
    return rte_bpf_exec(bpf, ctx);
}

dpdk_jit_fn dpdk_bpf_jit(void *bpf)
{
    struct rte_bpf_jit j = {0};
    if (rte_bpf_get_jit(bpf, &j) != 0)
        return NULL;
    return j.func;
}

void dpdk_bpf_free(void *bpf)
{
    rte_bpf_destroy(bpf);
}
