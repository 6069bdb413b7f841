/**
 * @file helpers.c
 * @brief The helper functions eBPF programs may call: the whitelist, with
 *        the argument and result types the verifier checks every call
 *        against. Nothing else in the kernel is callable from a program.
 *
 * Every helper is ISR-safe (hooks run in interrupt handlers) and trusts
 * its arguments only as far as the verifier proved them: a map argument
 * is a live map, a key or value pointer has the map's key or value size.
 */
#include <hal/cpu.h>
#include <hal/timer.h>
#include <kernel/bpf.h>

static uint64_t h_map_lookup(uint64_t map, uint64_t key, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return (uintptr_t)bpf_map_lookup((struct bpf_map *)(uintptr_t)map, (const void *)(uintptr_t)key);
}

static uint64_t h_map_update(uint64_t map, uint64_t key, uint64_t value, uint64_t flags, uint64_t a5)
{
    (void)a5;
    return (uint64_t)(int64_t)bpf_map_update((struct bpf_map *)(uintptr_t)map, (const void *)(uintptr_t)key,
                                             (const void *)(uintptr_t)value, flags);
}

static uint64_t h_map_delete(uint64_t map, uint64_t key, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return (uint64_t)(int64_t)bpf_map_delete((struct bpf_map *)(uintptr_t)map, (const void *)(uintptr_t)key);
}

static uint64_t h_ktime(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return hal_time_ns();
}

/* xorshift64*, one state for all callers: for sampling, not for secrets. */
static uint64_t h_prandom(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    static uint64_t state = 0x9e3779b97f4a7c15ULL;
    uint64_t x = __atomic_load_n(&state, __ATOMIC_RELAXED);
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    __atomic_store_n(&state, x, __ATOMIC_RELAXED);
    return (uint32_t)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

static uint64_t h_cpu(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return hal_cpu_id();
}

static const struct bpf_helper helpers[] = {
    [BPF_FUNC_map_lookup_elem] = {"map_lookup_elem", h_map_lookup, BPF_RET_MAP_VALUE_OR_NULL,
                                  {BPF_ARG_MAP, BPF_ARG_MAP_KEY}},
    [BPF_FUNC_map_update_elem] = {"map_update_elem", h_map_update, BPF_RET_INTEGER,
                                  {BPF_ARG_MAP, BPF_ARG_MAP_KEY, BPF_ARG_MAP_VALUE, BPF_ARG_ANYTHING}},
    [BPF_FUNC_map_delete_elem] = {"map_delete_elem", h_map_delete, BPF_RET_INTEGER,
                                  {BPF_ARG_MAP, BPF_ARG_MAP_KEY}},
    [BPF_FUNC_ktime_get_ns] = {"ktime_get_ns", h_ktime, BPF_RET_INTEGER, {0}},
    [BPF_FUNC_get_prandom_u32] = {"get_prandom_u32", h_prandom, BPF_RET_INTEGER, {0}},
    [BPF_FUNC_get_smp_processor_id] = {"get_smp_processor_id", h_cpu, BPF_RET_INTEGER, {0}},
};

const struct bpf_helper *bpf_helper_get(int32_t id)
{
    if (id <= 0 || (uint32_t)id >= sizeof helpers / sizeof helpers[0] || !helpers[id].fn)
        return NULL;
    return &helpers[id];
}
