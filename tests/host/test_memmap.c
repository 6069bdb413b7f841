/**
 * @file test_memmap.c
 * @brief Boot memory map -> free ranges: overlaps, holes, exclusions, bad entries.
 */
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/memmap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

static char last_log[256];
static int warnings;

void klog(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_log, sizeof last_log, fmt, ap);
    va_end(ap);
    warnings += level == LOG_WARN;
}

#define R(b, s, t) {(b), (s), (t)}
#define MiB (1ULL << 20)

static void expect(const struct mem_range *got, int n, const uint64_t (*want)[2], int wn)
{
    CHECK_EQ_INT(n, wn);
    for (int i = 0; i < n && i < wn; i++) {
        CHECK_EQ_INT(got[i].base, want[i][0]);
        CHECK_EQ_INT(got[i].base + got[i].size, want[i][1]);
    }
}

/* A PC-like map: low RAM, a reserved hole, RAM with a reserved overlap, high RAM. */
static void test_pc_map(void)
{
    struct mem_range map[] = {
        R(0, 0x9fc00, MEM_USABLE), R(0x9fc00, 0x400, MEM_RESERVED), R(0xf0000, 0x10000, MEM_RESERVED),
        R(0x100000, 0xffdf000 - 0x100000, MEM_USABLE), R(0x8000000, 0x1000, MEM_ACPI_NVS),
        R(0x100000000ULL, 0x80000000ULL, MEM_USABLE),
    };
    struct mem_range excl[] = {R(0, 1 * MiB, MEM_RESERVED), R(0x200000, 0x21234, MEM_RESERVED)};
    struct mem_range out[16];
    int n = memmap_free_ranges(map, 6, excl, 2, out, 16);
    const uint64_t want[][2] = {{0x100000, 0x200000}, {0x222000, 0x8000000}, {0x8001000, 0xffdf000},
                                {0x100000000ULL, 0x180000000ULL}};
    expect(out, n, want, 4);
}

static void test_bad_entries(void)
{
    warnings = 0;
    struct mem_range map[] = {
        R(0x40000000, 0, MEM_USABLE),                     /* zero length */
        R(0xfffffffffffff000ULL, 0x2000, MEM_USABLE),     /* wraps */
        R(0x40000800, 0x1000, MEM_USABLE),                /* less than a page once aligned */
        R(0x50000000, 16 * MiB, MEM_USABLE),
        R(0x50800000, 16 * MiB, MEM_USABLE),              /* overlaps the previous one */
        R(0x51800000, 1 * MiB, MEM_USABLE),               /* adjacent: joins */
        R(0x48000000, 0x1801, MEM_USABLE),                /* shrinks to one page */
        R(0, 0, MEM_RESERVED),                            /* empty exclusion: ignored */
    };
    struct mem_range out[8];
    int n = memmap_free_ranges(map, 8, NULL, 0, out, 8);
    const uint64_t want[][2] = {{0x48000000, 0x48001000}, {0x50000000, 0x51900000}};
    expect(out, n, want, 2);
    CHECK(warnings >= 3); /* zero length, wrap, overlap */
}

static void test_exclusions_and_space(void)
{
    struct mem_range map[] = {R(0x40000000, 256 * MiB, MEM_USABLE)};
    struct mem_range excl[] = {
        R(0x40200000, 0x2a000, MEM_RESERVED),   /* kernel image */
        R(0x48000000, 0x100000, MEM_RESERVED),  /* DTB */
        R(0x3ff00000, 0x200000, MEM_RESERVED),  /* straddles the start */
        R(0x4ffff001, 0x10, MEM_RESERVED),      /* unaligned, at the end: grows to the page */
        R(0x44000000, 0x44000000, MEM_RESERVED) /* runs past the end: cuts the whole tail */
    };
    struct mem_range out[8];
    int n = memmap_free_ranges(map, 1, excl, 5, out, 8);
    const uint64_t want[][2] = {{0x40100000, 0x40200000}, {0x4022a000, 0x44000000}};
    expect(out, n, want, 2);
    /* not enough room for the splits */
    CHECK_EQ_INT(memmap_free_ranges(map, 1, excl, 2, out, 2), -ENOSPC);
    CHECK_EQ_INT(memmap_free_ranges(map, 1, excl, 2, out, 3), 3);
}

/* Random maps: the result is sorted, disjoint, page-aligned, inside some
 * usable entry and outside every exclusion. */
static void test_random(void)
{
    srand(7);
    for (int iter = 0; iter < 20000; iter++) {
        struct mem_range map[12], excl[6], out[40];
        unsigned n = 1 + (unsigned)rand() % 12, m = (unsigned)rand() % 6;
        for (unsigned i = 0; i < n; i++)
            map[i] = (struct mem_range){(uint64_t)(rand() % 4096) << 16, (uint64_t)(rand() % 512) << 14,
                                        1 + (uint32_t)(rand() % 3)};
        for (unsigned i = 0; i < m; i++)
            excl[i] = (struct mem_range){(uint64_t)(rand() % 4096) << 16, (uint64_t)(rand() % 256) << 12,
                                         MEM_RESERVED};
        int k = memmap_free_ranges(map, n, excl, m, out, 40);
        if (k == -ENOSPC)
            continue;
        CHECK(k >= 0);
        for (int i = 0; i < k; i++) {
            CHECK(out[i].size > 0 && (out[i].base & 0xfff) == 0 && (out[i].size & 0xfff) == 0);
            if (i > 0)
                CHECK(out[i].base > out[i - 1].base + out[i - 1].size - 1);
            uint64_t b = out[i].base, e = b + out[i].size;
            int inside = 0;
            for (unsigned j = 0; j < n; j++)
                inside |= map[j].type == MEM_USABLE && map[j].base <= b && e <= map[j].base + map[j].size;
            /* merged neighbours may span two entries; check each page's start instead */
            for (uint64_t p = b; !inside && p < e; p += 0x1000) {
                int page_in = 0;
                for (unsigned j = 0; j < n; j++)
                    page_in |= map[j].type == MEM_USABLE && map[j].base <= p && p + 0x1000 <= map[j].base + map[j].size;
                CHECK(page_in);
                if (!page_in)
                    break;
            }
            for (unsigned j = 0; j < n; j++)
                if (map[j].type != MEM_USABLE && map[j].size)
                    CHECK(e <= map[j].base || b >= map[j].base + map[j].size);
            for (unsigned j = 0; j < m; j++)
                if (excl[j].size)
                    CHECK(e <= excl[j].base || b >= excl[j].base + excl[j].size);
        }
    }
}

/* The x86_64 direct map's input: the first MiB, then a PC's firmware map,
 * which overlaps it on purpose. Merged silently; touching ranges join; a
 * gap stays a gap; types do not matter; too little room is -ENOSPC. */
static void test_union(void)
{
    warnings = 0;
    struct mem_range want[] = {
        R(0, 1 * MiB, MEM_USABLE),
        R(0, 0x9f000, MEM_USABLE),
        R(0x9f000, 0x1000, MEM_RESERVED),
        R(0xf0000, 0x10000, MEM_RESERVED),
        R(0x100000, 511 * MiB, MEM_USABLE),
        R(0xfeffc000, 0x4000, MEM_RESERVED),
        R(0x40000000, 0, MEM_USABLE), /* empty: skipped */
    };
    struct mem_range out[4];
    int n = memmap_union(want, 7, out, 4);
    const uint64_t expected[][2] = {{0, 512 * MiB}, {0xfeffc000, 0xff000000}};
    expect(out, n, expected, 2);
    CHECK(warnings == 0);
    CHECK(memmap_union(want, 7, out, 1) == -ENOSPC);
}

/* The direct map's RAM (aarch64, riscv64): OpenSBI's no-map region and
 * everything past the direct map's reach left out; plain reservations (the
 * DTB, the initrd) stay mapped. */
static void test_direct_ranges(void)
{
    struct boot_info bi = {0};
    bi.mem[0] = (struct mem_range)R(0x80000000ULL, 256 * MiB, MEM_USABLE);
    bi.mem[1] = (struct mem_range)R(0x200000000ULL, 8ULL << 30, MEM_USABLE);
    bi.mem_count = 2;
    bi.reserved[0] = (struct mem_range)R(0x80000000ULL, 512 * 1024, MEM_NOMAP);
    bi.reserved[1] = (struct mem_range)R(0x8fe00000ULL, 64 * 1024, MEM_RESERVED);
    bi.reserved_count = 2;
    struct mem_range out[4];
    int n = memmap_direct_ranges(&bi, 0x280000000ULL, out, 4);
    const uint64_t expected[][2] = {{0x80080000ULL, 0x90000000ULL}, {0x200000000ULL, 0x280000000ULL}};
    expect(out, n, expected, 2);
    CHECK(memmap_direct_ranges(&bi, 0x280000000ULL, out, 1) == -ENOSPC);
    /* UEFI's map: ACPI's tables (reclaim, NVS) are mapped, read through
     * the direct map; runtime services' memory is not. */
    struct boot_info efi = {0};
    efi.mem[0] = (struct mem_range)R(0x40000000ULL, 16 * MiB, MEM_USABLE);
    efi.mem[1] = (struct mem_range)R(0x41000000ULL, 64 * 1024, MEM_ACPI_RECLAIM);
    efi.mem[2] = (struct mem_range)R(0x41010000ULL, 64 * 1024, MEM_RESERVED);
    efi.mem[3] = (struct mem_range)R(0x41020000ULL, 4096, MEM_ACPI_NVS);
    efi.mem_count = 4;
    n = memmap_direct_ranges(&efi, 0x280000000ULL, out, 4);
    const uint64_t with_acpi[][2] = {{0x40000000ULL, 0x41010000ULL}, {0x41020000ULL, 0x41021000ULL}};
    expect(out, n, with_acpi, 2);
}

int main(void)
{
    test_union();
    test_direct_ranges();
    test_pc_map();
    test_bad_entries();
    test_exclusions_and_space();
    test_random();
    return CHECK_DONE("test_memmap");
}
