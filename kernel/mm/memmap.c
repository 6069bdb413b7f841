/**
 * @file memmap.c
 * @brief Boot memory map -> sorted, disjoint, page-aligned free RAM ranges.
 */
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/memmap.h>

#define PAGE_MASK 0xfffULL

static int valid(const struct mem_range *r)
{
    return r->size != 0 && r->base + r->size > r->base;
}

/* Insert [base, end) into the sorted list, merging with what it touches;
 * an overlap is reported if @p warn (a firmware map should not have one). */
static int insert(struct mem_range *out, unsigned *count, unsigned max, uint64_t base, uint64_t end,
                  int warn)
{
    unsigned i = 0, n = *count;
    while (i < n && out[i].base + out[i].size < base)
        i++;
    if (i < n && out[i].base <= end) { /* touches out[i] (and maybe more) */
        uint64_t oend = out[i].base + out[i].size;
        if (warn && base < oend && end > out[i].base)
            pr_warn("memmap: usable ranges overlap at %#lx; merged", (unsigned long)base);
        uint64_t nbase = base < out[i].base ? base : out[i].base;
        uint64_t nend = end > oend ? end : oend;
        unsigned j = i + 1;
        while (j < n && out[j].base <= nend) {
            uint64_t jend = out[j].base + out[j].size;
            nend = jend > nend ? jend : nend;
            j++;
        }
        out[i].base = nbase;
        out[i].size = nend - nbase;
        for (unsigned k = j; k < n; k++)
            out[i + 1 + k - j] = out[k];
        *count = n - (j - i - 1);
        return 0;
    }
    if (n == max)
        return -ENOSPC;
    for (unsigned k = n; k > i; k--)
        out[k] = out[k - 1];
    out[i] = (struct mem_range){base, end - base, MEM_USABLE};
    *count = n + 1;
    return 0;
}

/* Remove [base, end) from every range in the list. */
static int cut(struct mem_range *out, unsigned *count, unsigned max, uint64_t base, uint64_t end)
{
    for (unsigned i = 0; i < *count; i++) {
        uint64_t rb = out[i].base, re = rb + out[i].size;
        if (end <= rb || base >= re)
            continue;
        if (base <= rb && end >= re) { /* covered: drop it */
            for (unsigned k = i + 1; k < *count; k++)
                out[k - 1] = out[k];
            (*count)--;
            i--;
        } else if (base > rb && end < re) { /* inside: split in two */
            if (*count == max)
                return -ENOSPC;
            for (unsigned k = *count; k > i + 1; k--)
                out[k] = out[k - 1];
            out[i].size = base - rb;
            out[i + 1] = (struct mem_range){end, re - end, MEM_USABLE};
            (*count)++;
            i++;
        } else if (base <= rb) { /* overlaps the head */
            out[i].base = end;
            out[i].size = re - end;
        } else { /* overlaps the tail */
            out[i].size = base - rb;
        }
    }
    return 0;
}

static int cut_range(struct mem_range *out, unsigned *count, unsigned max, const struct mem_range *r)
{
    if (!valid(r))
        return 0;
    uint64_t end = r->base + r->size;
    end = end > ~PAGE_MASK ? ~PAGE_MASK : (end + PAGE_MASK) & ~PAGE_MASK; /* round up, no wrap */
    return cut(out, count, max, r->base & ~PAGE_MASK, end);
}

int memmap_free_ranges(const struct mem_range *map, unsigned n, const struct mem_range *excl,
                       unsigned m, struct mem_range *out, unsigned max)
{
    unsigned count = 0;
    for (unsigned i = 0; i < n; i++) {
        if (map[i].type != MEM_USABLE)
            continue;
        if (!valid(&map[i])) {
            pr_warn("memmap: ignoring empty or wrapping range at %#lx", (unsigned long)map[i].base);
            continue;
        }
        uint64_t base = (map[i].base + PAGE_MASK) & ~PAGE_MASK;
        uint64_t end = (map[i].base + map[i].size) & ~PAGE_MASK;
        if (base < map[i].base || base >= end)
            continue; /* less than a page */
        if (insert(out, &count, max, base, end, 1))
            return -ENOSPC;
    }
    for (unsigned i = 0; i < n; i++)
        if (map[i].type != MEM_USABLE && cut_range(out, &count, max, &map[i]))
            return -ENOSPC;
    for (unsigned i = 0; i < m; i++)
        if (cut_range(out, &count, max, &excl[i]))
            return -ENOSPC;
    return (int)count;
}

int memmap_direct_ranges(const struct boot_info *bi, uint64_t limit, struct mem_range *out,
                         unsigned max)
{
    struct mem_range excl[BOOT_MAX_MEM_RANGES + 1];
    unsigned n = 0;
    for (unsigned i = 0; i < bi->reserved_count && i < BOOT_MAX_MEM_RANGES; i++)
        if (bi->reserved[i].type == MEM_NOMAP)
            excl[n++] = bi->reserved[i];
    excl[n++] = (struct mem_range){limit, ~0ULL - limit, MEM_RESERVED};
    struct mem_range mem[BOOT_MAX_MEM_RANGES];
    unsigned count = bi->mem_count < BOOT_MAX_MEM_RANGES ? bi->mem_count : BOOT_MAX_MEM_RANGES;
    for (unsigned i = 0; i < count; i++) {
        mem[i] = bi->mem[i];
        if (mem[i].type == MEM_ACPI_RECLAIM || mem[i].type == MEM_ACPI_NVS)
            mem[i].type = MEM_USABLE; /* mapped, never handed to the page allocator */
    }
    return memmap_free_ranges(mem, count, excl, n, out, max);
}

int memmap_union(const struct mem_range *r, unsigned n, struct mem_range *out, unsigned max)
{
    unsigned count = 0;
    for (unsigned i = 0; i < n; i++)
        if (valid(&r[i]) && insert(out, &count, max, r[i].base, r[i].base + r[i].size, 0))
            return -ENOSPC;
    return (int)count;
}
