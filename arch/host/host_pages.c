/**
 * @file host_pages.c
 * @brief The host page backend for kernel/mm/kmalloc.c (see arch/host_pages.h).
 */
#include <arch/host_pages.h>

#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kmalloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(HOST_ASAN)
#define HOST_ASAN 1
#endif
#ifdef HOST_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define BLOCK_BYTES (PAGE_SIZE << BUDDY_MAX_ORDER) /* 4 MiB */

static uint8_t *arena;
static size_t arena_bytes;
static struct page *pages;
static struct buddy bud;
static int junk = 1;
static uint64_t backend_errors;
static uint64_t *poisoned;          /* a bit per page: poisoned (ASan builds) */
static int poison_lite;

/* Poison a freed block: all of it, or in lite mode the first
 * HOST_PAGES_LITE_BYTES of its first and its last page. */
static void poison_block(uint8_t *p, unsigned order)
{
#ifdef HOST_ASAN
    size_t first = (size_t)(p - arena) / PAGE_SIZE, n = (size_t)1 << order;
    for (size_t i = 0; i < n; i = !poison_lite || i == n - 1 ? i + 1 : n - 1) {
        POISON(p + i * PAGE_SIZE, poison_lite ? HOST_PAGES_LITE_BYTES : PAGE_SIZE);
        poisoned[(first + i) / 64] |= 1ULL << ((first + i) % 64);
    }
#else
    (void)p;
    (void)order;
#endif
}

/* Unpoison every poisoned page of a block being handed out. */
static void unpoison_block(uint8_t *p, unsigned order)
{
#ifdef HOST_ASAN
    size_t first = (size_t)(p - arena) / PAGE_SIZE, end = first + ((size_t)1 << order);
    for (size_t w = first / 64; w * 64 < end; w++) {
        uint64_t bits = poisoned[w];
        if (first > w * 64) /* blocks are aligned: only order < 6 starts mid-word */
            bits &= ~0ULL << (first - w * 64);
        if (end < w * 64 + 64)
            bits &= ~(~0ULL << (end - w * 64));
        poisoned[w] &= ~bits;
        while (bits) {
            UNPOISON(arena + (w * 64 + (size_t)__builtin_ctzll(bits)) * PAGE_SIZE, PAGE_SIZE);
            bits &= bits - 1;
        }
    }
#else
    (void)p;
    (void)order;
#endif
}

/* No page is the backend's until host_pages_init() (the buddy is empty). */
struct kmem_window kmem_window = {0, 0, &bud};

void host_pages_init(size_t bytes)
{
    if (arena) {
        fprintf(stderr, "host_pages_init: called twice\n");
        abort();
    }
    arena_bytes = (bytes + BLOCK_BYTES - 1) / BLOCK_BYTES * BLOCK_BYTES;
    if (arena_bytes == 0)
        arena_bytes = BLOCK_BYTES;
    arena = aligned_alloc(BLOCK_BYTES, arena_bytes);
    uint64_t npages = arena_bytes / PAGE_SIZE;
    pages = calloc(npages, sizeof *pages);
    poisoned = calloc((npages + 63) / 64, sizeof *poisoned);
    if (!arena || !pages || !poisoned) {
        fprintf(stderr, "host_pages_init: no memory for a %zu-byte arena\n", arena_bytes);
        abort();
    }
    if (junk)
        memset(arena, HOST_PAGES_JUNK, arena_bytes);
    POISON(arena, arena_bytes);
    memset(poisoned, 0xff, (npages + 63) / 64 * sizeof *poisoned);
    buddy_init(&bud, HOST_PAGES_BASE_PFN, npages, pages);
    if (buddy_add_range(&bud, HOST_PAGES_BASE_PFN, npages) != npages) {
        fprintf(stderr, "host_pages_init: buddy_add_range failed\n");
        abort();
    }
    kmem_window = (struct kmem_window){(uintptr_t)arena, HOST_PAGES_BASE_PFN, &bud};
}

uint64_t host_pages_free(void) { return bud.free_pages; }
uint64_t host_pages_total(void) { return bud.managed_pages; }
struct buddy *host_pages_buddy(void) { return &bud; }
void host_pages_junk(int on) { junk = on; }
void host_pages_poison_lite(int on) { poison_lite = on; }
uint64_t host_pages_backend_errors(void) { return backend_errors; }

int host_pages_contains(const void *p)
{
    uintptr_t a = (uintptr_t)p, base = (uintptr_t)arena;
    return arena && a >= base && a - base < arena_bytes;
}

void *kmem_pages_alloc(unsigned order)
{
    int64_t pfn = buddy_alloc(&bud, order);
    if (pfn < 0)
        return NULL;
    uint8_t *p = arena + (uint64_t)(pfn - (int64_t)HOST_PAGES_BASE_PFN) * PAGE_SIZE;
    unpoison_block(p, order);
    return p;
}

void kmem_pages_free(void *p, unsigned order)
{
    if (!host_pages_contains(p) || ((uintptr_t)p & (PAGE_SIZE - 1))) {
        fprintf(stderr, "kmem_pages_free(%p, %u): not an arena page\n", p, order);
        backend_errors++;
        return;
    }
    uint64_t pfn = ((uintptr_t)p - (uintptr_t)arena) / PAGE_SIZE + HOST_PAGES_BASE_PFN;
    struct page *pg = buddy_page(&bud, pfn);
    if (pg->state != PAGE_USED || pg->order != order) {
        fprintf(stderr, "kmem_pages_free(%p, %u): not an allocated block of that order\n", p,
                order);
        backend_errors++;
        return;
    }
    if (junk)
        memset(p, HOST_PAGES_JUNK, PAGE_SIZE << order);
    poison_block(p, order);
    int err = buddy_free(&bud, pfn, order);
    if (err) {
        fprintf(stderr, "kmem_pages_free(%p, %u): buddy_free says %d\n", p, order, err);
        backend_errors++;
    }
}

/* ---- huge blocks: aligned_alloc with a table ---- */

static struct {
    void *p;
    size_t size, cap, poisoned; /* poisoned: bytes from p, while cached */
} huge[HOST_HUGE_MAX], cache[HOST_HUGE_CACHE];
static unsigned huge_n, cache_n;
static size_t huge_total, huge_limit = 64u << 20;

void host_huge_set_limit(size_t bytes) { huge_limit = bytes; }
unsigned host_huge_count(void) { return huge_n; }
size_t host_huge_bytes(void) { return huge_total; }

void *kmem_huge_alloc(size_t size)
{
    size_t rounded = (size + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1);
    if (size == 0 || rounded < size || huge_n == HOST_HUGE_MAX || huge_total > huge_limit ||
        rounded > huge_limit - huge_total)
        return NULL;
    void *p = NULL;
    size_t cap = rounded;
    for (unsigned i = 0; i < cache_n && !p; i++)
        if (cache[i].cap >= rounded) {
            p = cache[i].p;
            cap = cache[i].cap;
            UNPOISON(p, cache[i].poisoned);
            cache[i] = cache[--cache_n];
        }
    if (!p) {
        /* a power of two, so the block fits later requests once cached */
        while (cap & (cap - 1))
            cap += cap & -cap;
        p = aligned_alloc(PAGE_SIZE, cap);
    }
    if (!p)
        return NULL;
    huge[huge_n].p = p;
    huge[huge_n].size = rounded;
    huge[huge_n].cap = cap;
    huge_n++;
    huge_total += rounded;
    return p;
}

static int huge_find(const void *p)
{
    for (unsigned i = 0; i < huge_n; i++)
        if (huge[i].p == p)
            return (int)i;
    return -1;
}

int kmem_huge_free(void *p)
{
    int i = huge_find(p);
    if (i < 0)
        return -EINVAL;
    if (cache_n < HOST_HUGE_CACHE) {
        cache[cache_n].p = p;
        cache[cache_n].cap = huge[i].cap;
        cache[cache_n].poisoned = poison_lite ? HOST_PAGES_LITE_BYTES : huge[i].cap;
        POISON(p, cache[cache_n].poisoned);
        cache_n++;
    } else {
        free(p);
    }
    huge_total -= huge[i].size;
    huge[i] = huge[--huge_n];
    return 0;
}

size_t kmem_huge_size(const void *p)
{
    int i = huge_find(p);
    return i < 0 ? 0 : huge[i].size;
}

/* ---- leak accounting ---- */

static unsigned slab_order(size_t size) { return size <= 512 ? 0 : size == 1024 ? 1 : 2; }

static uint64_t slab_pages(const struct kmalloc_stats *st)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < KMALLOC_CLASSES; i++)
        n += (uint64_t)st->cls[i].slabs << slab_order(st->cls[i].size);
    return n;
}

uint64_t host_heap_slab_pages(void)
{
    struct kmalloc_stats st;
    kmalloc_stats(&st);
    return slab_pages(&st);
}

int host_heap_empty(void)
{
    struct kmalloc_stats st;
    kmalloc_drain(); /* every fake CPU's magazines back into the slabs */
    kmalloc_stats(&st);
    int ok = 1;
    for (unsigned i = 0; i < KMALLOC_CLASSES; i++)
        if (st.cls[i].inuse != 0 || st.cls[i].slabs > 1) {
            fprintf(stderr, "heap: class %zu has %llu objects in use, %u slabs\n", st.cls[i].size,
                    (unsigned long long)st.cls[i].inuse, st.cls[i].slabs);
            ok = 0;
        }
    if (st.large_blocks || st.large_bytes) {
        fprintf(stderr, "heap: %llu large blocks (%llu bytes) still live\n",
                (unsigned long long)st.large_blocks, (unsigned long long)st.large_bytes);
        ok = 0;
    }
    if (huge_n) {
        fprintf(stderr, "heap: %u huge blocks still live\n", huge_n);
        ok = 0;
    }
    uint64_t slab = slab_pages(&st);
    if (bud.free_pages + slab != bud.managed_pages) {
        fprintf(stderr, "heap: %llu free + %llu slab pages != %llu managed (leak)\n",
                (unsigned long long)bud.free_pages, (unsigned long long)slab,
                (unsigned long long)bud.managed_pages);
        ok = 0;
    }
    if (backend_errors) {
        fprintf(stderr, "heap: the backend refused %llu frees\n", (unsigned long long)backend_errors);
        ok = 0;
    }
    return ok;
}

/* ---- klog ---- */

static char last_log[512];
static unsigned log_counts[LOG_DEBUG + 1];
static int echo = -1, format = 1;
static const char *last_fmt; /* the last message, unformatted (format off) */

void klog(enum log_level level, const char *fmt, ...)
{
    if ((unsigned)level <= LOG_DEBUG)
        log_counts[level]++;
    if (echo < 0) {
        const char *e = getenv("HOST_LOG");
        echo = e && *e == '1';
    }
    if (!format && !echo) {
        last_fmt = fmt;
        return;
    }
    last_fmt = NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_log, sizeof last_log, fmt, ap);
    va_end(ap);
    if (echo)
        fprintf(stderr, "klog(%d): %s\n", (int)level, last_log);
}

const char *host_log_last(void) { return last_fmt ? last_fmt : last_log; }

unsigned host_log_count(enum log_level level)
{
    return (unsigned)level <= LOG_DEBUG ? log_counts[level] : 0;
}

void host_log_reset(void)
{
    last_log[0] = 0;
    last_fmt = NULL;
    memset(log_counts, 0, sizeof log_counts);
}

void host_log_echo(int on) { echo = on; }
void host_log_format(int on) { format = on; }

/* ---- ksym_lookup ---- */

static struct {
    const char *name;
    uintptr_t addr;
} syms[32];
static unsigned nsyms;

void host_ksym_add(const char *name, uintptr_t fn)
{
    if (nsyms < sizeof syms / sizeof syms[0]) {
        syms[nsyms].name = name;
        syms[nsyms].addr = fn;
        nsyms++;
    }
}

const char *ksym_lookup(uintptr_t addr, uintptr_t *offset)
{
    int best = -1;
    for (unsigned i = 0; i < nsyms; i++)
        if (syms[i].addr <= addr && addr - syms[i].addr < 0x10000 &&
            (best < 0 || syms[i].addr > syms[best].addr))
            best = (int)i;
    if (best < 0)
        return NULL;
    *offset = addr - syms[best].addr;
    return syms[best].name;
}
