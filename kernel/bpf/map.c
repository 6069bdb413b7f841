/**
 * @file map.c
 * @brief eBPF maps: arrays and hash tables with every element allocated up
 *        front, so programs in interrupt handlers can use them.
 *
 * Array: max_entries values, zeroed, indexed by a u32 key. Hash: a table
 * of 2^k buckets (at least max_entries) of singly linked chains through a
 * preallocated element pool with a free list; FNV-1a over the key bytes.
 * Each map has a spinlock taken with interrupts masked around every change
 * and chain walk; a lookup returns a pointer into the element, valid while
 * the map lives (an element deleted and reused meanwhile shows its new
 * value, as in other eBPF implementations with preallocated maps).
 */
#include <kernel/bpf.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#include "bpf_internal.h"

#define BPF_MAPS_MAX 64
#define NIL 0xffffffffu

struct map_impl {
    struct spinlock lock;
    unsigned refs;
    uint32_t vstride; /* value bytes rounded up to 8 */
    uint8_t *values;  /* array: max_entries * vstride */
    /* hash */
    uint32_t *buckets; /* element index or NIL */
    uint32_t nbuckets; /* power of two */
    uint32_t estride;  /* element: next (4), pad, key (rounded to 8), value */
    uint8_t *elems;
    uint32_t free_head;
    uint32_t count;
};

static struct bpf_map *maps[BPF_MAPS_MAX];
static uint32_t next_id = 1;
static struct spinlock table_lock = SPINLOCK_INIT("bpf_maps");

static inline struct map_impl *impl(const struct bpf_map *m)
{
    return m->impl;
}

static inline uint32_t round8(uint32_t v)
{
    return (v + 7) & ~7u;
}

static uint32_t *elem_next(struct map_impl *h, uint32_t i)
{
    return (uint32_t *)(h->elems + (size_t)i * h->estride);
}

static uint8_t *elem_key(struct map_impl *h, uint32_t i)
{
    return h->elems + (size_t)i * h->estride + 8;
}

static uint8_t *elem_value(const struct bpf_map *m, uint32_t i)
{
    struct map_impl *h = impl(m);
    return h->elems + (size_t)i * h->estride + 8 + round8(m->key_size);
}

static uint32_t hash_key(const void *key, uint32_t len)
{
    const uint8_t *p = key;
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void map_destroy(struct bpf_map *m)
{
    struct map_impl *h = impl(m);
    if (h) {
        kfree(h->values);
        kfree(h->buckets);
        kfree(h->elems);
        kfree(h);
    }
    kfree(m);
}

int bpf_map_create(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
                   const char *name, struct bpf_map **out)
{
    if ((type != BPF_MAP_TYPE_ARRAY && type != BPF_MAP_TYPE_HASH) || key_size == 0 ||
        key_size > 64 || value_size == 0 || value_size > 4096 || max_entries == 0 ||
        max_entries > 65536 || (type == BPF_MAP_TYPE_ARRAY && key_size != 4))
        return -EINVAL;
    struct bpf_map *m = kzalloc(sizeof *m);
    struct map_impl *h = kzalloc(sizeof *h);
    if (!m || !h) {
        kfree(m);
        kfree(h);
        return -ENOMEM;
    }
    *m = (struct bpf_map){0, type, key_size, value_size, max_entries, {0}, h};
    bpf_copy_name(m->name, name);
    spin_init(&h->lock, "bpf_map");
    h->refs = 1;
    h->vstride = round8(value_size);
    if (type == BPF_MAP_TYPE_ARRAY) {
        h->values = kzalloc((size_t)max_entries * h->vstride);
        if (!h->values) {
            map_destroy(m);
            return -ENOMEM;
        }
    } else {
        h->nbuckets = 1;
        while (h->nbuckets < max_entries)
            h->nbuckets <<= 1;
        h->estride = 8 + round8(key_size) + h->vstride;
        h->buckets = kmalloc((size_t)h->nbuckets * sizeof *h->buckets);
        h->elems = kzalloc((size_t)max_entries * h->estride);
        if (!h->buckets || !h->elems) {
            map_destroy(m);
            return -ENOMEM;
        }
        for (uint32_t i = 0; i < h->nbuckets; i++)
            h->buckets[i] = NIL;
        for (uint32_t i = 0; i < max_entries; i++)
            *elem_next(h, i) = i + 1 < max_entries ? i + 1 : NIL;
        h->free_head = 0;
    }
    irqflags_t f = spin_lock_irqsave(&table_lock);
    int slot = -1;
    for (int i = 0; i < BPF_MAPS_MAX; i++)
        if (!maps[i]) {
            slot = i;
            break;
        }
    if (slot >= 0) {
        m->id = next_id++;
        maps[slot] = m;
    }
    spin_unlock_irqrestore(&table_lock, f);
    if (slot < 0) {
        map_destroy(m);
        return -ENOSPC;
    }
    *out = m;
    return 0;
}

struct bpf_map *bpf_map_get(uint32_t id)
{
    struct bpf_map *m = NULL;
    irqflags_t f = spin_lock_irqsave(&table_lock);
    for (int i = 0; i < BPF_MAPS_MAX; i++)
        if (maps[i] && maps[i]->id == id) {
            m = maps[i];
            impl(m)->refs++;
            break;
        }
    spin_unlock_irqrestore(&table_lock, f);
    return m;
}

void bpf_map_put(struct bpf_map *m)
{
    if (!m)
        return;
    irqflags_t f = spin_lock_irqsave(&table_lock);
    int last = --impl(m)->refs == 0;
    if (last)
        for (int i = 0; i < BPF_MAPS_MAX; i++)
            if (maps[i] == m)
                maps[i] = NULL;
    spin_unlock_irqrestore(&table_lock, f);
    if (last)
        map_destroy(m);
}

uint32_t bpf_map_next_id(uint32_t prev)
{
    uint32_t best = 0;
    irqflags_t f = spin_lock_irqsave(&table_lock);
    for (int i = 0; i < BPF_MAPS_MAX; i++)
        if (maps[i] && maps[i]->id > prev && (!best || maps[i]->id < best))
            best = maps[i]->id;
    spin_unlock_irqrestore(&table_lock, f);
    return best;
}

/* The element holding @p key in a hash map, or NIL; lock held. */
static uint32_t hash_find(const struct bpf_map *m, const void *key, uint32_t *bucket)
{
    struct map_impl *h = impl(m);
    uint32_t b = hash_key(key, m->key_size) & (h->nbuckets - 1);
    if (bucket)
        *bucket = b;
    for (uint32_t i = h->buckets[b]; i != NIL; i = *elem_next(h, i))
        if (memcmp(elem_key(h, i), key, m->key_size) == 0)
            return i;
    return NIL;
}

void *bpf_map_lookup(struct bpf_map *m, const void *key)
{
    struct map_impl *h = impl(m);
    if (m->type == BPF_MAP_TYPE_ARRAY) {
        uint32_t idx;
        memcpy(&idx, key, 4);
        return idx < m->max_entries ? h->values + (size_t)idx * h->vstride : NULL;
    }
    irqflags_t f = spin_lock_irqsave(&h->lock);
    uint32_t i = hash_find(m, key, NULL);
    spin_unlock_irqrestore(&h->lock, f);
    return i == NIL ? NULL : elem_value(m, i);
}

int bpf_map_update(struct bpf_map *m, const void *key, const void *value, uint64_t flags)
{
    struct map_impl *h = impl(m);
    if (flags > BPF_EXIST)
        return -EINVAL;
    if (m->type == BPF_MAP_TYPE_ARRAY) {
        uint32_t idx;
        memcpy(&idx, key, 4);
        if (idx >= m->max_entries)
            return -EINVAL;
        if (flags == BPF_NOEXIST)
            return -EEXIST; /* every array element exists */
        irqflags_t f = spin_lock_irqsave(&h->lock);
        memcpy(h->values + (size_t)idx * h->vstride, value, m->value_size);
        spin_unlock_irqrestore(&h->lock, f);
        return 0;
    }
    int rc = 0;
    uint32_t b;
    irqflags_t f = spin_lock_irqsave(&h->lock);
    uint32_t i = hash_find(m, key, &b);
    if (i != NIL) {
        if (flags == BPF_NOEXIST)
            rc = -EEXIST;
        else
            memcpy(elem_value(m, i), value, m->value_size);
    } else if (flags == BPF_EXIST) {
        rc = -ENOENT;
    } else if (h->free_head == NIL) {
        rc = -E2BIG;
    } else {
        i = h->free_head;
        h->free_head = *elem_next(h, i);
        memcpy(elem_key(h, i), key, m->key_size);
        memcpy(elem_value(m, i), value, m->value_size);
        *elem_next(h, i) = h->buckets[b];
        h->buckets[b] = i;
        h->count++;
    }
    spin_unlock_irqrestore(&h->lock, f);
    return rc;
}

int bpf_map_delete(struct bpf_map *m, const void *key)
{
    struct map_impl *h = impl(m);
    if (m->type == BPF_MAP_TYPE_ARRAY)
        return -EINVAL;
    int rc = -ENOENT;
    irqflags_t f = spin_lock_irqsave(&h->lock);
    uint32_t b = hash_key(key, m->key_size) & (h->nbuckets - 1);
    for (uint32_t *link = &h->buckets[b]; *link != NIL; link = elem_next(h, *link)) {
        uint32_t i = *link;
        if (memcmp(elem_key(h, i), key, m->key_size) == 0) {
            *link = *elem_next(h, i);
            *elem_next(h, i) = h->free_head;
            h->free_head = i;
            h->count--;
            rc = 0;
            break;
        }
    }
    spin_unlock_irqrestore(&h->lock, f);
    return rc;
}

int bpf_map_next_key(struct bpf_map *m, const void *key, void *next)
{
    struct map_impl *h = impl(m);
    if (m->type == BPF_MAP_TYPE_ARRAY) {
        uint32_t idx = 0;
        if (key) {
            memcpy(&idx, key, 4);
            idx = idx >= m->max_entries ? 0 : idx + 1;
        }
        if (idx >= m->max_entries)
            return -ENOENT;
        memcpy(next, &idx, 4);
        return 0;
    }
    int rc = -ENOENT;
    irqflags_t f = spin_lock_irqsave(&h->lock);
    uint32_t b = 0, i = NIL;
    if (key && (i = hash_find(m, key, &b)) != NIL) {
        i = *elem_next(h, i); /* the next in its chain, else the next bucket's */
        if (i == NIL)
            b++;
    } else {
        b = 0; /* no key, or not in the map: start at the first */
    }
    for (; i == NIL && b < h->nbuckets; b++)
        if (h->buckets[b] != NIL) {
            i = h->buckets[b];
            break;
        }
    if (i != NIL) {
        memcpy(next, elem_key(h, i), m->key_size);
        rc = 0;
    }
    spin_unlock_irqrestore(&h->lock, f);
    return rc;
}
