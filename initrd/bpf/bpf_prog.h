/*
 * What the eBPF programs in the initrd share: section and map definition
 * macros, the helpers they may call (ids from kernel/bpf.h) and the hook
 * contexts (kernel/bpf_hook.h). Built with clang-19 -target bpf -O2.
 */
#ifndef INITRD_BPF_PROG_H
#define INITRD_BPF_PROG_H

#include <kernel/bpf_hook.h>
#include <stdint.h>

#define SEC(name) __attribute__((section(name), used))

/* A map, as the loader reads it from the "maps" section (kernel/bpf/elf.c). */
struct bpf_map_def {
    uint32_t type, key_size, value_size, max_entries, map_flags;
};
#define MAP_HASH 1
#define MAP_ARRAY 2
#define BPF_ANY 0
#define BPF_NOEXIST 1

static void *(*map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*map_update_elem)(void *map, const void *key, const void *value, uint64_t flags) = (void *)2;
static long (*map_delete_elem)(void *map, const void *key) = (void *)3;
static uint64_t (*ktime_get_ns)(void) = (void *)5;

/* *map[key] += add, creating the entry if it is not there yet. */
static inline __attribute__((always_inline)) void map_add(void *map, const void *key, uint64_t add)
{
    uint64_t *v = map_lookup_elem(map, key);
    if (v) {
        __sync_fetch_and_add(v, add);
        return;
    }
    map_update_elem(map, key, &add, BPF_NOEXIST);
}

#endif
