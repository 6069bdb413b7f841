/**
 * @file test_pci.c
 * @brief The PCI core's enumeration and BAR assignment (drivers/pci/pci_enum.c)
 *        over simulated configuration spaces.
 *
 * The simulation behaves as hardware does where the code depends on it:
 * absent functions read all ones; a BAR keeps only the address bits its
 * size allows (so writing all ones reads back the size mask) and its
 * read-only type bits; a function sits behind a bridge and answers on
 * whatever bus number that bridge's secondary register holds now.
 */
#include <stdlib.h>
#include <string.h>

#include <kernel/kmalloc.h>
#include <kernel/smp.h>

#include "../../drivers/pci/pci_internal.h"
#include "check.h"
#include "log_capture.h"

void *kzalloc(size_t n) { return calloc(1, n); }
void kfree(void *p) { free(p); }

/* One CPU here: holding the others is calling fn, marked so that sim_write()
 * can see every change to what a function decodes is made while held. */
static int held;
static unsigned unheld_decode_changes, held_calls;
void smp_hold_others(void (*fn)(void *arg), void *arg)
{
    held = 1;
    held_calls++;
    fn(arg);
    held = 0;
}

#define MAXF 16

struct sim_fn {
    int present;
    int parent;          /* index of the bridge it sits behind, -1: root bus */
    unsigned devfn;
    uint8_t cfg[4096];
    uint64_t bar_size[6]; /* 0: not implemented */
    uint32_t bar_type[6]; /* low bits: 1 I/O, 0x4 64-bit, 0x8 prefetchable */
};

static struct sim_fn sim[MAXF];
static unsigned nsim;

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void put(uint8_t *p, uint32_t v, unsigned w)
{
    for (unsigned i = 0; i < w; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get(const uint8_t *p, unsigned w)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < w; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static int bus_of(int i)
{
    return sim[i].parent < 0 ? 0 : sim[sim[i].parent].cfg[0x19];
}

static struct sim_fn *find(unsigned bus, unsigned devfn)
{
    for (unsigned i = 0; i < nsim; i++) {
        if (!sim[i].present || sim[i].devfn != devfn)
            continue;
        /* Behind a bridge: only reachable when that bridge forwards the bus. */
        if (sim[i].parent >= 0 && sim[sim[i].parent].cfg[0x19] == 0)
            continue;
        if ((unsigned)bus_of((int)i) == bus)
            return &sim[i];
    }
    return NULL;
}

static uint32_t sim_read(struct pci_host *h, unsigned bus, unsigned devfn, unsigned off,
                         unsigned w)
{
    (void)h;
    struct sim_fn *f = find(bus, devfn);
    if (!f)
        return w == 4 ? 0xffffffffu : w == 2 ? 0xffff : 0xff;
    return get(f->cfg + off, w);
}

static void sim_write(struct pci_host *h, unsigned bus, unsigned devfn, unsigned off, unsigned w,
                      uint32_t v)
{
    (void)h;
    struct sim_fn *f = find(bus, devfn);
    if (!f)
        return;
    unsigned nb = (f->cfg[0x0e] & 0x7f) == 1 ? 2 : 6;
    if (off >= 0x10 && off < 0x10 + 4 * nb && w == 4) {
        unsigned b = (off - 0x10) / 4;
        /* The upper half of a 64-bit BAR. */
        if (b > 0 && (f->bar_type[b - 1] & 4) && f->bar_size[b - 1]) {
            uint64_t mask = ~(f->bar_size[b - 1] - 1);
            put(f->cfg + off, v & (uint32_t)(mask >> 32), 4);
            return;
        }
        if (!f->bar_size[b]) {
            put(f->cfg + off, 0, 4);
            return;
        }
        uint32_t mask = (uint32_t)~(f->bar_size[b] - 1);
        put(f->cfg + off, (v & mask & (f->bar_type[b] & 1 ? ~3u : ~15u)) | f->bar_type[b], 4);
        return;
    }
    if (off < 4)
        return; /* ids are read-only */
    if (off == 4 && ((get16(f->cfg + 4) ^ v) & 3) && !held)
        unheld_decode_changes++;
    put(f->cfg + off, v, w);
}

static const struct pci_cfg_ops sim_ops = {sim_read, sim_write};

static int add_fn(int parent, unsigned slot, unsigned fn, uint16_t vendor, uint16_t device,
                  uint32_t class_code, unsigned header)
{
    struct sim_fn *f = &sim[nsim];
    memset(f, 0, sizeof *f);
    f->present = 1;
    f->parent = parent;
    f->devfn = slot << 3 | fn;
    put(f->cfg, vendor, 2);
    put(f->cfg + 2, device, 2);
    put(f->cfg + 8, class_code << 8 | 1, 4);
    f->cfg[0x0e] = (uint8_t)header;
    return (int)nsim++;
}

static void add_bar(int i, unsigned b, uint64_t size, uint32_t type, uint64_t fw_addr)
{
    sim[i].bar_size[b] = size;
    sim[i].bar_type[b] = type;
    put(sim[i].cfg + 0x10 + 4 * b, (uint32_t)fw_addr | type, 4);
    if (type & 4)
        put(sim[i].cfg + 0x14 + 4 * b, (uint32_t)(fw_addr >> 32), 4);
}

static struct pci_host host;

static void new_host(void)
{
    for (unsigned i = 0; i < host.ndevs; i++)
        free(host.devs[i]);
    memset(&host, 0, sizeof host);
    host.ops = &sim_ops;
    host.bus_end = 255;
    host.mem = (struct pci_window){0x10000000, 0x10000000, 0x2eff0000};
    host.io = (struct pci_window){0, 0x3eff0000, 0x10000};
    host.fdt_node = -1;
    host.name = "sim";
    nsim = 0;
    log_reset();
}

static struct pci_dev *dev_at(unsigned bus, unsigned slot, unsigned fn)
{
    for (unsigned i = 0; i < host.ndevs; i++)
        if (host.devs[i]->bus == bus && host.devs[i]->slot == slot && host.devs[i]->func == fn)
            return host.devs[i];
    return NULL;
}

/* Every assigned BAR inside its window, aligned to its size, none overlapping. */
static int layout_ok(void)
{
    for (unsigned i = 0; i < host.ndevs; i++)
        for (unsigned b = 0; b < 6; b++) {
            const struct pci_bar *x = &host.devs[i]->bar[b];
            if (!(x->flags & PCI_BAR_ASSIGNED))
                continue;
            const struct pci_window *w = x->flags & PCI_BAR_IO ? &host.io : &host.mem;
            if (x->bus_addr < w->bus || x->bus_addr + x->size > w->bus + w->size)
                return 0;
            if (x->bus_addr & (x->size - 1))
                return 0;
            if (x->cpu_addr != x->bus_addr - w->bus + w->cpu)
                return 0;
            for (unsigned j = 0; j < host.ndevs; j++)
                for (unsigned c = 0; c < 6; c++) {
                    const struct pci_bar *y = &host.devs[j]->bar[c];
                    if ((i == j && b == c) || !(y->flags & PCI_BAR_ASSIGNED) ||
                        (y->flags & PCI_BAR_IO) != (x->flags & PCI_BAR_IO))
                        continue;
                    if (x->bus_addr < y->bus_addr + y->size && y->bus_addr < x->bus_addr + x->size)
                        return 0;
                }
        }
    return 1;
}

static uint64_t bar_reg(const struct sim_fn *f, unsigned b)
{
    uint64_t v = get(f->cfg + 0x10 + 4 * b, 4) & ~15u;
    if (f->bar_type[b] & 4)
        v |= (uint64_t)get(f->cfg + 0x14 + 4 * b, 4) << 32;
    return v;
}

static void test_assignment_behind_bridges(void)
{
    new_host();
    add_fn(-1, 0, 0, 0x1b36, 0x0008, 0x060000, 0);                 /* host bridge */
    int a = add_fn(-1, 1, 0, 0x1af4, 0x1001, 0x010000, 0);
    add_bar(a, 0, 0x80, 1, 0);                                      /* I/O */
    add_bar(a, 1, 0x1000, 0, 0);                                    /* mem32 */
    add_bar(a, 4, 0x4000, 0x4 | 0x8, 0);                            /* mem64 prefetchable */
    int br = add_fn(-1, 2, 0, 0x1b36, 0x000c, 0x060400, 1);         /* root port */
    int c = add_fn(br, 0, 0, 0x1af4, 0x1042, 0x010000, 0);
    add_bar(c, 0, 0x100000, 0, 0);
    add_bar(c, 1, 0x20, 1, 0);
    int br2 = add_fn(br, 1, 0, 0x1b36, 0x000c, 0x060400, 1);        /* a second level */
    int d = add_fn(br2, 3, 0, 0x1234, 0x11e8, 0x00ff00, 0x80);      /* multi-function */
    add_bar(d, 0, 0x10000, 0, 0);
    int d1 = add_fn(br2, 3, 1, 0x1234, 0x11e9, 0x00ff00, 0);
    add_bar(d1, 2, 0x800, 0, 0);
    CHECK_EQ_INT(pci_enumerate(&host), 7);
    CHECK_EQ_INT(host.firmware, 0);
    /* Bus numbers, depth first. */
    CHECK_EQ_INT(sim[br].cfg[0x18], 0);
    CHECK_EQ_INT(sim[br].cfg[0x19], 1);
    CHECK_EQ_INT(sim[br].cfg[0x1a], 2);
    CHECK_EQ_INT(sim[br2].cfg[0x18], 1);
    CHECK_EQ_INT(sim[br2].cfg[0x19], 2);
    CHECK_EQ_INT(sim[br2].cfg[0x1a], 2);
    CHECK(dev_at(2, 3, 0) && dev_at(2, 3, 1) && dev_at(1, 0, 0));
    /* Sizes as the BARs say. */
    struct pci_dev *pa = dev_at(0, 1, 0);
    CHECK(pa && pa->bar[0].size == 0x80 && (pa->bar[0].flags & PCI_BAR_IO));
    CHECK(pa && pa->bar[4].size == 0x4000 && (pa->bar[4].flags & PCI_BAR_64) &&
          (pa->bar[4].flags & PCI_BAR_PREFETCH));
    CHECK(pa && pa->bar[5].size == 0); /* the upper half of BAR4 */
    CHECK(layout_ok());
    /* The registers hold what the structures say. */
    for (unsigned i = 0; i < host.ndevs; i++) {
        struct pci_dev *pd = host.devs[i];
        struct sim_fn *f = find(pd->bus, (unsigned)pd->slot << 3 | pd->func);
        for (unsigned b = 0; f && b < 6; b++)
            if (pd->bar[b].flags & PCI_BAR_ASSIGNED)
                CHECK_EQ_HEX(bar_reg(f, b), pd->bar[b].bus_addr);
    }
    /* The first bridge's memory window covers everything behind it and
     * nothing on the root bus. */
    uint64_t base = (uint64_t)(get16(sim[br].cfg + 0x20) & 0xfff0) << 16;
    uint64_t lim = ((uint64_t)(get16(sim[br].cfg + 0x22) & 0xfff0) << 16) | 0xfffff;
    struct pci_dev *pc = dev_at(1, 0, 0), *pd = dev_at(2, 3, 0), *pd1 = dev_at(2, 3, 1);
    CHECK(pc && pc->bar[0].bus_addr >= base && pc->bar[0].bus_addr + pc->bar[0].size - 1 <= lim);
    CHECK(pd && pd->bar[0].bus_addr >= base && pd->bar[0].bus_addr + pd->bar[0].size - 1 <= lim);
    CHECK(pd1 && pd1->bar[2].bus_addr >= base && pd1->bar[2].bus_addr <= lim);
    CHECK(pa && (pa->bar[1].bus_addr < base || pa->bar[1].bus_addr > lim));
    /* I/O behind the bridge is forwarded too; prefetchable windows closed. */
    unsigned iob = (unsigned)(sim[br].cfg[0x1c] & 0xf0) << 8, iol = (unsigned)(sim[br].cfg[0x1d] & 0xf0) << 8 | 0xfff;
    CHECK(pc && pc->bar[1].bus_addr >= iob && pc->bar[1].bus_addr <= iol);
    CHECK(get16(sim[br].cfg + 0x24) > get16(sim[br].cfg + 0x26));
    /* Bridges forward memory, I/O and DMA. */
    CHECK_EQ_HEX(get16(sim[br].cfg + 4) & 7, 7);
    CHECK(pc && pc->bar[1].cpu_addr == 0x3eff0000 + pc->bar[1].bus_addr);
    /* Enumerating again gives the same layout (a second scan is harmless). */
    uint64_t before = pd ? pd->bar[0].bus_addr : 0;
    for (unsigned i = 0; i < host.ndevs; i++)
        free(host.devs[i]);
    host.ndevs = 0;
    int again = pci_enumerate(&host);
    CHECK_EQ_INT(again, 7);
    CHECK(host.firmware == 1); /* now it looks configured, and is left alone */
    pd = dev_at(2, 3, 0);
    CHECK(pd && pd->bar[0].bus_addr == before && (pd->bar[0].flags & PCI_BAR_FIRMWARE));
}

static void test_bar_too_large(void)
{
    new_host();
    int a = add_fn(-1, 0, 0, 0x1234, 0x0001, 0x020000, 0);
    add_bar(a, 0, 0x80000000u, 0, 0); /* 2 GiB: more than the 32-bit window */
    add_bar(a, 1, 0x1000, 0, 0);
    int b = add_fn(-1, 1, 0, 0x1234, 0x0002, 0x020000, 0);
    add_bar(b, 0, 0x1000, 0, 0);
    CHECK_EQ_INT(pci_enumerate(&host), 2);
    struct pci_dev *pa = dev_at(0, 0, 0), *pb = dev_at(0, 1, 0);
    CHECK(pa && (pa->bar[0].flags & PCI_BAR_FAILED) && !(pa->bar[0].flags & PCI_BAR_ASSIGNED));
    CHECK(pa && (pa->bar[1].flags & PCI_BAR_ASSIGNED));
    CHECK(pb && (pb->bar[0].flags & PCI_BAR_ASSIGNED));
    CHECK(log_has("does not fit the memory window"));
    CHECK(layout_ok());
}

static void test_firmware_left_alone(void)
{
    new_host();
    int a = add_fn(-1, 1, 0, 0x8086, 0x100e, 0x020000, 0);
    add_bar(a, 0, 0x20000, 0, 0xfeb40000);
    add_bar(a, 1, 0x40, 1, 0xc000);
    int b = add_fn(-1, 2, 0, 0x1234, 0x11e8, 0x00ff00, 0);
    add_bar(b, 0, 0x100000, 0, 0); /* firmware skipped it */
    host.mem = (struct pci_window){0, 0, 0}; /* a PC: no windows described */
    host.io = (struct pci_window){0, 0, 0};
    CHECK_EQ_INT(pci_enumerate(&host), 2);
    CHECK_EQ_INT(host.firmware, 1);
    struct pci_dev *pa = dev_at(0, 1, 0), *pb = dev_at(0, 2, 0);
    CHECK(pa && pa->bar[0].bus_addr == 0xfeb40000 && pa->bar[0].cpu_addr == 0xfeb40000 &&
          (pa->bar[0].flags & PCI_BAR_FIRMWARE));
    CHECK(pa && pa->bar[1].bus_addr == 0xc000 && (pa->bar[1].flags & PCI_BAR_IO));
    CHECK_EQ_HEX(bar_reg(&sim[a], 0), 0xfeb40000); /* not moved */
    CHECK(pb && (pb->bar[0].flags & PCI_BAR_FAILED));
    CHECK(log_has("firmware left BAR0 unassigned"));
}

static void test_capabilities(void)
{
    new_host();
    int a = add_fn(-1, 0, 0, 0x1af4, 0x1042, 0x010000, 0);
    uint8_t *c = sim[a].cfg;
    c[6] = 0x10;                     /* status: capability list */
    c[0x34] = 0x40;
    c[0x40] = PCI_CAP_MSIX, c[0x41] = 0x50;
    c[0x50] = PCI_CAP_VENDOR, c[0x51] = 0x60;
    c[0x60] = PCI_CAP_VENDOR, c[0x61] = 0x40; /* back to the start: a loop */
    int b = add_fn(-1, 1, 0, 0x1af4, 0x1042, 0x010000, 0);
    uint8_t *d = sim[b].cfg;
    d[6] = 0x10;
    d[0x34] = 0x40;
    d[0x40] = PCI_CAP_VENDOR, d[0x41] = 0x20; /* into the header */
    CHECK_EQ_INT(pci_enumerate(&host), 2);
    struct pci_dev *pa = dev_at(0, 0, 0), *pb = dev_at(0, 1, 0);
    CHECK(pa && pa->msix_cap == 0x40 && pa->msi_cap == 0);
    CHECK(log_has("loops"));
    log_reset();
    unsigned first = pa ? pci_find_cap(pa, PCI_CAP_VENDOR, 0) : 0;
    unsigned second = pa ? pci_find_cap(pa, PCI_CAP_VENDOR, first) : 0;
    unsigned third = pa ? pci_find_cap(pa, PCI_CAP_VENDOR, second) : 1;
    CHECK_EQ_INT(first, 0x50);
    CHECK_EQ_INT(second, 0x60);
    CHECK_EQ_INT(third, 0);
    CHECK(pb && pci_find_cap(pb, PCI_CAP_MSI, 0) == 0);
    CHECK(log_has("points into the header"));
    /* No capability bit in the status register: no list at all. */
    c[6] = 0;
    CHECK(pa && pci_find_cap(pa, PCI_CAP_MSIX, 0) == 0);
}

static void test_no_bus_numbers_left(void)
{
    new_host();
    host.bus_end = 1; /* room for one bridge only */
    int br = add_fn(-1, 0, 0, 0x1b36, 0x000c, 0x060400, 1);
    int br2 = add_fn(br, 0, 0, 0x1b36, 0x000c, 0x060400, 1);
    add_fn(br2, 0, 0, 0x1234, 0x11e8, 0x00ff00, 0);
    CHECK_EQ_INT(pci_enumerate(&host), 2);
    CHECK(log_has("no bus number left"));
}

int main(void)
{
    test_assignment_behind_bridges();
    test_bar_too_large();
    test_firmware_left_alone();
    test_capabilities();
    test_no_bus_numbers_left();
    /* Sizing turns decoding off and back on: each such change went through
     * pci_write_command() with the other CPUs held. */
    CHECK(held_calls > 0);
    CHECK_EQ_INT(unheld_decode_changes, 0);
    for (unsigned i = 0; i < host.ndevs; i++)
        free(host.devs[i]);
    return CHECK_DONE("test_pci");
}
