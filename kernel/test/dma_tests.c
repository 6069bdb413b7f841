/**
 * @file dma_tests.c
 * @brief In-kernel tests of the DMA sync calls and of where a device's DMA
 *        coherence comes from (the DT `dma-coherent` property).
 *
 * The non-coherent paths run the real cache maintenance over a buffer at
 * every alignment within a line and every length from 1 byte to 3 lines,
 * and check that nothing is lost: the range keeps what the CPU wrote across
 * a clean and the invalidate that follows it, and bytes sharing a line
 * with the range but outside it survive an invalidate (they must be
 * written back, not discarded). Under QEMU's TCG the cache operations do
 * not change memory, so there the data checks cannot fail; they still prove
 * every path runs over every shape of range without faulting, and on
 * hardware they check the partial-line handling for real.
 *
 * The same for dma_sync_single_*() over kmalloc() memory, which must also
 * refuse, on a non-coherent device, a range outside the direct map; and
 * dma_sync_watch() must report exactly the maintenance done, which is
 * what the virtio-blk ktest counts.
 *
 * The DT rule is checked on a small tree built here and, where the
 * platform has a DT, on the live one (QEMU virt: PCIe coherent, PL011 not);
 * on every platform the bound console's flag is compared with what its bus
 * says.
 */
#include <hal/cache.h>
#include <hal/mmu.h>
#include <hal/platform.h>
#include <kernel/console.h>
#include <kernel/dma.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/ktest.h>
#include <kernel/string.h>
#include <kernel/vmalloc.h>

static struct device fake_dev(const char *name, unsigned coherent)
{
    struct device d = {.fdt_node = -1, .dma_coherent = coherent};
    strlcpy(d.name, name, sizeof d.name);
    return d;
}

KTEST(dma_sync_coherent_and_bad_arguments)
{
    struct dma_buf b;
    KT_ASSERT(dma_alloc(8192, 4096, &b) == 0);
    struct device dev = fake_dev("ktest-coherent", 1);
    static const enum dma_dir dirs[] = {DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL};
    int bad = 0;
    for (unsigned i = 0; i < 3; i++) {
        bad |= dma_sync_for_device(&dev, &b, 0, b.size, dirs[i]) != 0;
        bad |= dma_sync_for_cpu(&dev, &b, 0, b.size, dirs[i]) != 0;
        bad |= dma_sync_for_device(&dev, &b, b.size, 0, dirs[i]) != 0; /* empty, at the end */
    }
    /* Misuse is caught on coherent devices too, so a driver developed on
     * QEMU does not first fail on a board that needs the maintenance. */
    struct dma_buf none = {0};
    int e[9] = {
        dma_sync_for_device(&dev, &b, b.size + 1, 0, DMA_TO_DEVICE),       /* starts past the end */
        dma_sync_for_device(&dev, &b, 1, b.size, DMA_TO_DEVICE),           /* runs past the end */
        dma_sync_for_cpu(&dev, &b, 16, SIZE_MAX, DMA_FROM_DEVICE),         /* wraps */
        dma_sync_for_cpu(&dev, &b, SIZE_MAX, 2, DMA_FROM_DEVICE),          /* wraps */
        dma_sync_for_device(&dev, NULL, 0, 1, DMA_TO_DEVICE),              /* no buffer */
        dma_sync_for_device(&dev, &none, 0, 0, DMA_TO_DEVICE),             /* freed buffer */
        dma_sync_for_cpu(NULL, &b, 0, 1, DMA_FROM_DEVICE),                 /* no device */
        dma_sync_for_device(&dev, &b, 0, 1, (enum dma_dir)7),              /* no such direction */
        dma_sync_for_cpu(&dev, &b, 0, 1, (enum dma_dir)-1),
    };
    dma_free(&b);
    KT_ASSERT(!bad);
    for (unsigned i = 0; i < 9; i++)
        KT_ASSERT(e[i] == -EINVAL);
}

/* Byte @p i of the range for one (offset, length) case, and of the bytes
 * around it, before and after they are rewritten. */
static uint8_t in_byte(size_t off, size_t len, size_t i) { return (uint8_t)(off * 7 + len * 13 + i); }
#define AROUND_OLD 0xa5
#define AROUND_NEW 0x5a

/* One range: fill it, sync every way round, check the data. 0 or the step
 * that failed (for the assertion message). */
static int sync_one_range(const struct device *dev, const struct dma_buf *b, size_t off,
                          size_t len, size_t line)
{
    uint8_t *p = b->virt;
    size_t lo = off & ~(line - 1), hi = (off + len + line - 1) & ~(line - 1);
    memset(p + lo, AROUND_OLD, hi - lo);
    for (size_t i = 0; i < len; i++)
        p[off + i] = in_byte(off, len, i);
    if (dma_sync_for_device(dev, b, off, len, DMA_TO_DEVICE)) /* clean */
        return 1;
    /* The neighbours in the range's first and last lines change after the
     * clean, so those lines are dirty when the invalidate comes. */
    memset(p + lo, AROUND_NEW, off - lo);
    memset(p + off + len, AROUND_NEW, hi - (off + len));
    if (dma_sync_for_device(dev, b, off, len, DMA_FROM_DEVICE) ||
        dma_sync_for_cpu(dev, b, off, len, DMA_FROM_DEVICE) ||
        dma_sync_for_device(dev, b, off, len, DMA_BIDIRECTIONAL) ||
        dma_sync_for_cpu(dev, b, off, len, DMA_BIDIRECTIONAL) ||
        dma_sync_for_cpu(dev, b, off, len, DMA_TO_DEVICE))
        return 2;
    for (size_t i = 0; i < len; i++)
        if (p[off + i] != in_byte(off, len, i))
            return 3; /* the range lost what was cleaned to RAM */
    for (size_t i = lo; i < off; i++)
        if (p[i] != AROUND_NEW)
            return 4; /* a partial first line was discarded, not written back */
    for (size_t i = off + len; i < hi; i++)
        if (p[i] != AROUND_NEW)
            return 5; /* the same for the last line */
    return 0;
}

KTEST(dma_sync_noncoherent_every_alignment_and_length)
{
    size_t line = hal_dcache_line_size();
    struct dma_buf b;
    KT_ASSERT(line >= 16 && line <= 2048);
    KT_ASSERT(dma_alloc(8 * line, 4096, &b) == 0);
    struct device dev = fake_dev("ktest-noncoherent", 0);
    int failed = 0;
    size_t bad_off = 0, bad_len = 0;
    /* Ranges start in the second line, so each has a line before it too. */
    for (size_t a = 0; a < line && !failed; a++) {
        for (size_t len = 1; len <= 3 * line && !failed; len++) {
            failed = sync_one_range(&dev, &b, line + a, len, line);
            bad_off = line + a;
            bad_len = len;
        }
    }
    dma_free(&b);
    if (failed)
        kprintf("  dma sync: step %d failed at offset %zu, length %zu\n", failed, bad_off, bad_len);
    KT_ASSERT(failed == 0);
}

/* ---- ordinary kernel memory: dma_sync_single_*() ---- */

KTEST(dma_sync_single_coherent_and_bad_arguments)
{
    uint8_t *p = kmalloc(256);
    KT_ASSERT(p);
    struct device dev = fake_dev("ktest-coherent", 1);
    int bad = 0;
    for (unsigned d = DMA_TO_DEVICE; d <= DMA_BIDIRECTIONAL; d++) {
        bad |= dma_sync_single_for_device(&dev, p, 256, (enum dma_dir)d) != 0;
        bad |= dma_sync_single_for_cpu(&dev, p + 1, 17, (enum dma_dir)d) != 0;
        bad |= dma_sync_single_for_device(&dev, p, 0, (enum dma_dir)d) != 0;
    }
    int e[5] = {
        dma_sync_single_for_device(NULL, p, 1, DMA_TO_DEVICE),              /* no device */
        dma_sync_single_for_cpu(&dev, NULL, 1, DMA_FROM_DEVICE),            /* no address */
        dma_sync_single_for_device(&dev, p, SIZE_MAX, DMA_TO_DEVICE),       /* wraps */
        dma_sync_single_for_device(&dev, p, 1, (enum dma_dir)3),            /* no such direction */
        dma_sync_single_for_cpu(&dev, p, 1, (enum dma_dir)-1),
    };
    kfree(p);
    KT_ASSERT(!bad);
    for (unsigned i = 0; i < 5; i++)
        KT_ASSERT(e[i] == -EINVAL);
}

/* What dma_sync_watch() reported, for the fake device only. */
static struct {
    const struct device *dev;
    const void *virt;
    size_t len;
    enum dma_dir dir;
    int for_cpu;
    unsigned n;
} seen;

static void record(const struct device *dev, const void *virt, size_t len, enum dma_dir dir,
                   int for_cpu)
{
    if (dev != seen.dev)
        return;
    seen.virt = virt, seen.len = len, seen.dir = dir, seen.for_cpu = for_cpu;
    seen.n++;
}

KTEST(dma_sync_single_noncoherent_keeps_data_and_is_watched)
{
    size_t line = hal_dcache_line_size();
    uint8_t *p = kmalloc_aligned(4 * line, line);
    uint8_t *v = vmalloc(4096);
    KT_ASSERT(p && v);
    struct device dev = fake_dev("ktest-noncoherent", 0), coh = fake_dev("ktest-coherent", 1);
    seen.dev = &dev, seen.n = 0;
    dma_sync_watch_fn prev = dma_sync_watch(record);
    /* A range across a line boundary, its neighbours dirtied after the clean. */
    size_t off = line - 3, len = line + 5;
    memset(p, 0xa5, 4 * line);
    for (size_t i = 0; i < len; i++)
        p[off + i] = (uint8_t)(i * 7);
    int e1 = dma_sync_single_for_device(&dev, p + off, len, DMA_TO_DEVICE);
    int clean_seen = seen.n == 1 && seen.virt == p + off && seen.len == len &&
                     seen.dir == DMA_TO_DEVICE && !seen.for_cpu;
    memset(p, 0x5a, off);
    memset(p + off + len, 0x5a, 4 * line - off - len);
    int e2 = dma_sync_single_for_device(&dev, p + off, len, DMA_FROM_DEVICE);
    int e3 = dma_sync_single_for_cpu(&dev, p + off, len, DMA_FROM_DEVICE);
    int inval_seen = seen.n == 3 && seen.for_cpu && seen.dir == DMA_FROM_DEVICE;
    /* Nothing to do, nothing reported: the CPU half of DMA_TO_DEVICE, an
     * empty range, a coherent device. */
    int e4 = dma_sync_single_for_cpu(&dev, p + off, len, DMA_TO_DEVICE);
    int e5 = dma_sync_single_for_device(&dev, p + off, 0, DMA_FROM_DEVICE);
    seen.dev = &coh;
    int e6 = dma_sync_single_for_device(&coh, p + off, len, DMA_BIDIRECTIONAL);
    int quiet = seen.n == 3;
    seen.dev = &dev;
    /* Outside the direct map: refused (checked only when there is work). */
    int e7 = dma_sync_single_for_device(&dev, v, 64, DMA_TO_DEVICE);
    int e8 = dma_sync_single_for_device(&coh, v, 64, DMA_TO_DEVICE);
    int kept = 1;
    for (size_t i = 0; i < len; i++)
        kept &= p[off + i] == (uint8_t)(i * 7);
    for (size_t i = 0; i < off; i++)
        kept &= p[i] == 0x5a;
    for (size_t i = off + len; i < 4 * line; i++)
        kept &= p[i] == 0x5a;
    dma_sync_watch_fn mine = dma_sync_watch(prev);
    seen.dev = NULL;
    kfree(p);
    vfree(v);
    KT_ASSERT(prev == NULL && mine == record);
    KT_ASSERT(e1 == 0 && e2 == 0 && e3 == 0 && e4 == 0 && e5 == 0 && e6 == 0);
    KT_ASSERT(clean_seen);
    KT_ASSERT(inval_seen);
    KT_ASSERT(quiet);
    KT_ASSERT(e7 == -EINVAL); /* a vmalloc address */
    KT_ASSERT(e8 == 0);       /* a coherent device: no check, nothing to do */
    KT_ASSERT(kept);
}

/* ---- where dma_coherent comes from ---- */

/* A tree built token by token (DT spec, chapter 5), just big enough:
 *   / { bus { dma-coherent; dev {}; nc { dma-noncoherent; }; }; plain {}; }; */
static struct {
    _Alignas(8) uint8_t blob[512];
    uint32_t len;
} tree;

static void be32_at(uint32_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        tree.blob[off + i] = (uint8_t)(v >> (24 - 8 * i));
}
static void tok(uint32_t v) { be32_at(tree.len, v), tree.len += 4; }
static void begin_node(const char *name)
{
    tok(1); /* FDT_BEGIN_NODE, the name NUL-padded to 4 bytes */
    size_t n = strlen(name) + 1;
    memcpy(tree.blob + tree.len, name, n);
    tree.len += (uint32_t)(n + 3) & ~3u;
}
static void empty_prop(uint32_t name_off) { tok(3), tok(0), tok(name_off); } /* FDT_PROP */

static const char tree_strings[] = "dma-coherent\0dma-noncoherent";

static int build_tree(struct fdt *fdt)
{
    memset(&tree, 0, sizeof tree);
    tree.len = 40 + 16; /* header, then one empty reservation entry */
    uint32_t struct_off = tree.len;
    begin_node("");
    begin_node("bus");
    empty_prop(0);
    begin_node("dev");
    tok(2);
    begin_node("nc");
    empty_prop(13);
    tok(2);
    tok(2); /* end bus */
    begin_node("plain");
    tok(2);
    tok(2); /* end root */
    tok(9); /* FDT_END */
    uint32_t struct_size = tree.len - struct_off, strings_off = tree.len;
    memcpy(tree.blob + tree.len, tree_strings, sizeof tree_strings);
    tree.len += sizeof tree_strings;
    uint32_t hdr[10] = {0xd00dfeed, tree.len, struct_off, strings_off, 40, 17, 16, 0,
                        sizeof tree_strings, struct_size};
    for (int i = 0; i < 10; i++)
        be32_at(4u * (uint32_t)i, hdr[i]);
    return fdt_init(fdt, tree.blob, tree.len);
}

KTEST(dma_coherent_from_device_tree)
{
    struct fdt fdt;
    KT_ASSERT(build_tree(&fdt) == 0);
    int root = fdt_root(&fdt), bus = fdt_path(&fdt, "/bus"), dev = fdt_path(&fdt, "/bus/dev");
    int nc = fdt_path(&fdt, "/bus/nc"), plain = fdt_path(&fdt, "/plain");
    KT_ASSERT(root >= 0 && bus >= 0 && dev >= 0 && nc >= 0 && plain >= 0);
    KT_ASSERT(dt_dma_coherent(&fdt, bus) == 1);   /* its own property */
    KT_ASSERT(dt_dma_coherent(&fdt, dev) == 1);   /* inherited from the bus */
    KT_ASSERT(dt_dma_coherent(&fdt, nc) == 0);    /* the nearer property wins */
    KT_ASSERT(dt_dma_coherent(&fdt, plain) == 0); /* nothing said: not coherent */
    KT_ASSERT(dt_dma_coherent(&fdt, root) == 0);
    KT_ASSERT(dt_dma_coherent(&fdt, -1) == 0 && dt_dma_coherent(&fdt, 3) == 0); /* not nodes */
}

/* device_add() fills dma_coherent before the probe: this driver records it
 * and declines, so the test leaves no device behind. */
static int seen_coherent = -1;
static int dma_probe(struct device *dev)
{
    seen_coherent = (int)dev->dma_coherent;
    return -ENODEV;
}
static const char *const dma_probe_compat[] = {"ktest,dma-probe", NULL};
DRIVER(ktest_dma_probe_driver, .name = "ktest-dma", .compatible = dma_probe_compat,
       .probe = dma_probe);

KTEST(device_add_sets_dma_coherent)
{
    struct fdt fdt;
    KT_ASSERT(build_tree(&fdt) == 0);
    struct device d = {.name = "ktest-dma", .bus_data = &fdt, .dma_coherent = 1};
    KT_ASSERT(device_add_compatible(&d, "ktest,dma-probe") == 0);
    unsigned before = device_count();
    int results[3];
    d.fdt_node = fdt_path(&fdt, "/bus/dev");
    seen_coherent = -1;
    results[0] = device_add(&d) == -ENODEV ? seen_coherent : -1;
    d.fdt_node = fdt_path(&fdt, "/plain"); /* the bus's 1 is replaced by what the DT says */
    seen_coherent = -1;
    results[1] = device_add(&d) == -ENODEV ? seen_coherent : -1;
    /* Not from a DT and on no bus: what the describer said stands, either way
     * (no arch's answer is assumed for another's). */
    d.bus_data = NULL, d.fdt_node = -1, d.dma_coherent = 0;
    seen_coherent = -1;
    results[2] = device_add(&d) == -ENODEV ? seen_coherent : -1;
    d.dma_coherent = 1;
    seen_coherent = -1;
    int described = device_add(&d) == -ENODEV ? seen_coherent : -1;
    KT_ASSERT(device_count() == before);
    KT_ASSERT(results[0] == 1 && results[1] == 0 && results[2] == 0 && described == 1);
}

/* The live platform: QEMU virt's DT marks the PCIe host coherent and not
 * the PL011; a PC has no DT and its console is coherent by definition. The
 * console is always a bound device, so this checks every platform. */
KTEST(dma_coherent_of_platform_devices)
{
    const struct boot_info *bi = platform_boot_info();
    const struct console *con = console_current();
    KT_ASSERT(con && con->dev);
    const struct device *cdev = con->dev;
    if (!bi->dtb_phys) {
        /* Described without a DT: a PC's COM port is coherent (a PC's DMA
         * is snooped); a PL011 from ACPI's SPCR is not, as QEMU virt's DT
         * says of it (it does no DMA, and no _CCA is read for it). */
        int pl011 = strcmp(cdev->compatible, "arm,pl011") == 0;
        KT_ASSERT(cdev->dma_coherent == (pl011 ? 0u : 1u));
        return;
    }
    struct fdt fdt;
    KT_ASSERT(fdt_init(&fdt, hal_phys_to_virt(bi->dtb_phys), bi->dtb_size) == 0);
    KT_ASSERT(cdev->fdt_node >= 0);
    KT_ASSERT(cdev->dma_coherent == (unsigned)dt_dma_coherent(&fdt, cdev->fdt_node));
    int pl011 = fdt_find_compatible(&fdt, -1, "arm,pl011");
    int pcie = fdt_find_compatible(&fdt, -1, "pci-host-ecam-generic");
    if (pl011 >= 0)
        KT_ASSERT(dt_dma_coherent(&fdt, pl011) == 0);
    if (pcie >= 0)
        KT_ASSERT(dt_dma_coherent(&fdt, pcie) == 1);
    KT_ASSERT(pl011 >= 0 || pcie >= 0); /* a virt-like tree, or say what this board is */
}
