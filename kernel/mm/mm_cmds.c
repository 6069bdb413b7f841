/**
 * @file mm_cmds.c
 * @brief The `mem` shell command: the boot memory map and what every
 *        allocator (pages, page tables, heap, vmalloc) holds.
 *
 * Only reads the allocators' statistics calls, so it needs no lock of its
 * own; the figures are a snapshot that may be a few pages stale by the
 * time they are printed.
 */
#include <hal/platform.h>
#include <kernel/buddy.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/pagetable.h>
#include <kernel/pcache.h>
#include <kernel/pmm.h>
#include <kernel/shell.h>
#include <kernel/string.h>
#include <kernel/user.h>
#include <kernel/vmalloc.h>

static const char *const mem_type_names[] = {"?", "usable", "reserved", "acpi-reclaim",
                                             "acpi-nvs", "bad", "no-map"};

/* Prints the ranges and returns their total size. */
static uint64_t print_ranges(const struct mem_range *r, unsigned n)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *type = r[i].type < ARRAY_SIZE(mem_type_names) ? mem_type_names[r[i].type] : "?";
        kprintf("  0x%012lx-0x%012lx %9lu KiB  %s\n", (unsigned long)r[i].base,
                (unsigned long)(r[i].base + r[i].size - 1), (unsigned long)(r[i].size / 1024), type);
        total += r[i].size;
    }
    return total;
}

/* mem sites SIZE: who allocated the live objects of one heap class. */
static int mem_sites(const char *arg)
{
    uint64_t size;
    static struct kmalloc_site sites[64]; /* the shell runs one command at a time */
    if (kstrtou64(arg, 10, &size) != 0) {
        kprintf("mem sites: '%s' is not a size class (16, 32, ..., 2048)\n", arg);
        return -EINVAL;
    }
    int n = kmalloc_sites(size, sites, 64);
    if (n == -ENOSYS)
        kprintf("mem sites: the heap records allocation sites in -debug builds only\n");
    else if (n < 0)
        kprintf("mem sites: %lu is not a size class (16, 32, ..., 2048)\n", (unsigned long)size);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++) {
        uintptr_t off;
        const char *fn = ksym_lookup(sites[i].caller, &off);
        kprintf("%8lu  %s+0x%lx\n", (unsigned long)sites[i].objects, fn ? fn : "?",
                (unsigned long)(fn ? off : sites[i].caller));
    }
    return 0;
}

static int cmd_mem(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "sites") == 0)
        return mem_sites(argv[2]);
    if (argc != 1)
        return shell_usage(argv[0]);
    const struct boot_info *bi = platform_boot_info();
    uint64_t usable = 0;
    kprintf("memory map (%s):\n", bi->protocol);
    print_ranges(bi->mem, bi->mem_count);
    for (unsigned i = 0; i < bi->mem_count; i++)
        if (bi->mem[i].type == MEM_USABLE)
            usable += bi->mem[i].size;
    uint64_t reserved = 0;
    if (bi->reserved_count) {
        kprintf("reserved inside RAM:\n");
        reserved = print_ranges(bi->reserved, bi->reserved_count);
    }
    kprintf("total: %lu KiB usable (%lu MiB), %lu KiB reserved inside RAM, kernel image %lu KiB\n",
            (unsigned long)(usable / 1024), (unsigned long)(usable >> 20),
            (unsigned long)(reserved / 1024), (unsigned long)(bi->kernel_size / 1024));

    struct pmm_stats ps;
    pmm_stats(&ps);
    kprintf("pages: %lu managed (%lu KiB), %lu free (%lu KiB), metadata %lu KiB, page tables %lu KiB\n",
            (unsigned long)ps.managed_pages, (unsigned long)(ps.managed_pages * 4),
            (unsigned long)ps.free_pages, (unsigned long)(ps.free_pages * 4),
            (unsigned long)(ps.metadata_bytes >> 10), (unsigned long)(pt_table_pages() * 4));
    if (ps.pending_pages) /* counted as free above; being added after boot */
        kprintf("pages: %lu KiB of the free RAM not set up yet (added on demand and by pmm-fill)\n",
                (unsigned long)(ps.pending_pages * 4));
    kprintf("free blocks by order:");
    for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
        kprintf(" %u:%lu", o, (unsigned long)ps.free_blocks[o]);
    kprintf("\n");

    struct kmalloc_stats hs;
    kmalloc_stats(&hs);
    kprintf("heap:  size  slabs   in use / objects  (free in CPU magazines)\n");
    for (unsigned i = 0; i < KMALLOC_CLASSES; i++)
        kprintf("       %4zu  %5u  %8lu / %-8lu (%lu)\n", hs.cls[i].size, hs.cls[i].slabs,
                (unsigned long)hs.cls[i].inuse, (unsigned long)hs.cls[i].total,
                (unsigned long)hs.cls[i].cached);
    kprintf("heap large: %lu blocks, %lu KiB; errors caught: %lu\n", (unsigned long)hs.large_blocks,
            (unsigned long)(hs.large_bytes >> 10), (unsigned long)hs.errors);
    uint64_t objs = 0, bytes = hs.large_bytes;
    for (unsigned i = 0; i < KMALLOC_CLASSES; i++) {
        objs += hs.cls[i].inuse;
        bytes += hs.cls[i].inuse * hs.cls[i].size;
    }
    /* one line to compare before and after a command: did it leak? */
    kprintf("heap in use: %lu objects and %lu large blocks, %lu bytes\n", (unsigned long)objs,
            (unsigned long)hs.large_blocks, (unsigned long)bytes);

    kprintf("user pages: %lu (%lu KiB)\n", (unsigned long)user_frames_in_use(),
            (unsigned long)(user_frames_in_use() * 4));

    struct pcache_stats pc;
    pcache_stats(&pc);
    kprintf("page cache: %lu pages (%lu KiB), %lu dirty; %lu reads of %lu pages, %lu hits, %lu written, "
            "%lu evicted\n", (unsigned long)pc.pages, (unsigned long)(pc.pages * 4), (unsigned long)pc.dirty,
            (unsigned long)pc.reads, (unsigned long)pc.read_pages, (unsigned long)pc.hits,
            (unsigned long)pc.written, (unsigned long)pc.evicted);

    struct vmalloc_stats vs;
    vmalloc_stats(&vs);
    kprintf("vmalloc: %u areas, %lu KiB mapped, %lu KiB of address space\n", vs.areas,
            (unsigned long)(vs.mapped_bytes >> 10), (unsigned long)(vs.reserved_bytes >> 10));
    return 0;
}
SHELL_COMMAND("mem", "mem [sites <size>]",
              "memory map, pages by order, page tables, heap by size, vmalloc",
              cmd_mem);
