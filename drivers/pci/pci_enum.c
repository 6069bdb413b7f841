/**
 * @file pci_enum.c
 * @brief Enumeration, BAR sizing and assignment, capability walks: the
 *        part of the PCI core that runs over any configuration access, so
 *        the host unit test runs it on simulated configuration spaces.
 *
 * Walk: depth first from the host's first bus; function 0 of each slot,
 * functions 1-7 only if function 0 is multi-function; a type-1 header is a
 * PCI-PCI bridge (or PCIe root or switch port) whose secondary bus is
 * walked in turn.
 *
 * Firmware or not: if any BAR below the host already holds an address, or
 * any bridge a bus number, firmware configured the host (x86's SeaBIOS)
 * and nothing is moved; a BAR it left empty is marked PCI_BAR_FAILED. Else
 * (QEMU's arm64 `virt` booted with -kernel) everything is ours: bridges get
 * bus numbers as the walk reaches them, and every BAR an address in the
 * host's windows: memory BARs (32 or 64-bit, prefetchable or not) in the
 * 32-bit memory window, I/O BARs in the I/O window. Each bus's BARs and
 * bridge windows are laid out largest alignment first, so nothing is
 * wasted on padding but the bridge windows' own granularity (1 MiB memory,
 * 4 KiB I/O); a BAR that does not fit is PCI_BAR_FAILED and pci_enable()
 * refuses its device. Bridge prefetchable windows are left closed: every
 * memory BAR sits in the non-prefetchable window, which is legal for a
 * prefetchable BAR.
 */
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/smp.h>
#include <kernel/string.h>

#include "pci_internal.h"

#define BRIDGE_MEM_ALIGN (1u << 20)
#define BRIDGE_IO_ALIGN (1u << 12)

static uint32_t rd(struct pci_host *h, unsigned bus, unsigned devfn, unsigned off, unsigned w)
{
    return h->ops->read(h, bus, devfn, off, w);
}

static void wr(struct pci_host *h, unsigned bus, unsigned devfn, unsigned off, unsigned w,
               uint32_t v)
{
    h->ops->write(h, bus, devfn, off, w, v);
}

static unsigned devfn_of(const struct pci_dev *pd) { return (unsigned)pd->slot << 3 | pd->func; }

uint32_t pci_read32(const struct pci_dev *pd, unsigned off)
{
    return rd(pd->host, pd->bus, devfn_of(pd), off, 4);
}

uint16_t pci_read16(const struct pci_dev *pd, unsigned off)
{
    return (uint16_t)rd(pd->host, pd->bus, devfn_of(pd), off, 2);
}

uint8_t pci_read8(const struct pci_dev *pd, unsigned off)
{
    return (uint8_t)rd(pd->host, pd->bus, devfn_of(pd), off, 1);
}

void pci_write32(const struct pci_dev *pd, unsigned off, uint32_t v)
{
    wr(pd->host, pd->bus, devfn_of(pd), off, 4, v);
}

void pci_write16(const struct pci_dev *pd, unsigned off, uint16_t v)
{
    wr(pd->host, pd->bus, devfn_of(pd), off, 2, v);
}

struct command_write {
    const struct pci_dev *pd;
    uint16_t cmd;
};

static void command_write(void *arg)
{
    const struct command_write *w = arg;
    pci_write16(w->pd, PCI_COMMAND, w->cmd);
}

void pci_write_command(const struct pci_dev *pd, uint16_t cmd)
{
    struct command_write w = {pd, cmd};
    if ((pci_read16(pd, PCI_COMMAND) ^ cmd) & (PCI_CMD_IO | PCI_CMD_MEMORY))
        smp_hold_others(command_write, &w);
    else
        command_write(&w);
}

void pci_write8(const struct pci_dev *pd, unsigned off, uint8_t v)
{
    wr(pd->host, pd->bus, devfn_of(pd), off, 1, v);
}

unsigned pci_find_cap(const struct pci_dev *pd, uint8_t id, unsigned prev)
{
    if (!(pci_read16(pd, PCI_STATUS) & 0x10))
        return 0; /* no capability list */
    /* Always walked from the head, so that a list that loops ends even for
     * a caller iterating with @p prev: an offset seen twice is the end. */
    uint32_t seen[8] = {0};
    int past_prev = prev == 0;
    unsigned ptr = pci_read8(pd, PCI_CAP_PTR);
    for (;;) {
        ptr &= 0xfc; /* the low two bits are reserved */
        if (ptr == 0)
            return 0;
        if (ptr < 0x40) {
            pr_warn("pci %02x:%02x.%u: capability pointer %#x points into the header; list ends",
                    pd->bus, pd->slot, pd->func, ptr);
            return 0;
        }
        if (seen[ptr / 32] & 1u << ptr % 32) {
            pr_warn("pci %02x:%02x.%u: capability list loops at %#x; list ends", pd->bus,
                    pd->slot, pd->func, ptr);
            return 0;
        }
        seen[ptr / 32] |= 1u << ptr % 32;
        if (past_prev && pci_read8(pd, ptr) == id)
            return ptr;
        if (ptr == prev)
            past_prev = 1;
        ptr = pci_read8(pd, ptr + 1);
    }
}

/* Size BAR @p i (decoding is off): fills pd->bar[i]; returns the slots it took (1 or 2). */
static unsigned size_bar(struct pci_dev *pd, unsigned i, unsigned nbars)
{
    unsigned off = PCI_BAR0 + 4 * i;
    uint32_t orig = pci_read32(pd, off);
    struct pci_bar *b = &pd->bar[i];
    if (orig & 1) { /* I/O */
        pci_write32(pd, off, 0xffffffff);
        uint32_t mask = pci_read32(pd, off) & 0xfffffffc;
        pci_write32(pd, off, orig);
        if (!mask)
            return 1;
        if (!(mask & 0xffff0000u))
            mask |= 0xffff0000u; /* a 16-bit decoder */
        b->flags = PCI_BAR_IO;
        b->size = (uint32_t)(~mask + 1);
        b->bus_addr = orig & 0xfffffffc;
        return 1;
    }
    unsigned type = (orig >> 1) & 3;
    int is64 = type == 2 && i + 1 < nbars;
    uint32_t orig_hi = is64 ? pci_read32(pd, off + 4) : 0;
    pci_write32(pd, off, 0xffffffff);
    uint32_t lo = pci_read32(pd, off) & 0xfffffff0u, hi = 0xffffffffu;
    pci_write32(pd, off, orig);
    if (is64) {
        pci_write32(pd, off + 4, 0xffffffff);
        hi = pci_read32(pd, off + 4);
        pci_write32(pd, off + 4, orig_hi);
    }
    if (lo == 0 && (!is64 || hi == 0))
        return is64 ? 2 : 1; /* not implemented */
    uint64_t mask = (uint64_t)hi << 32 | lo;
    b->size = ~mask + 1;
    b->flags = (is64 ? PCI_BAR_64 : 0) | (orig & 8 ? PCI_BAR_PREFETCH : 0);
    b->bus_addr = (orig & 0xfffffff0u) | (uint64_t)orig_hi << 32;
    return is64 ? 2 : 1;
}

static int is_bridge(const struct pci_dev *pd) { return pd->header_type == 1; }

/* Read one function's header; NULL if absent or out of memory. */
static struct pci_dev *probe_fn(struct pci_host *h, unsigned bus, unsigned slot, unsigned fn,
                                struct pci_dev *bridge)
{
    unsigned devfn = slot << 3 | fn;
    uint32_t id = rd(h, bus, devfn, PCI_VENDOR_ID, 4);
    if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
        return NULL;
    if (h->ndevs == PCI_HOST_MAX_FUNCS) {
        pr_warn("pci: %s: more than %d functions; %02x:%02x.%u ignored", h->name,
                PCI_HOST_MAX_FUNCS, bus, slot, fn);
        return NULL;
    }
    struct pci_dev *pd = kzalloc(sizeof *pd);
    if (!pd)
        return NULL;
    pd->host = h;
    pd->bridge = bridge;
    pd->segment = h->segment;
    pd->bus = (uint8_t)bus;
    pd->slot = (uint8_t)slot;
    pd->func = (uint8_t)fn;
    pd->vendor = (uint16_t)id;
    pd->device = (uint16_t)(id >> 16);
    uint32_t cr = pci_read32(pd, PCI_CLASS_REV);
    pd->class_code = cr >> 8;
    pd->revision = (uint8_t)cr;
    pd->header_type = pci_read8(pd, PCI_HEADER_TYPE) & 0x7f;
    h->devs[h->ndevs++] = pd;
    if (pd->header_type > 1) {
        pr_warn("pci %02x:%02x.%u: header type %u not supported; left alone", bus, slot, fn,
                pd->header_type);
        return pd;
    }
    pd->intx_pin = pci_read8(pd, PCI_INTERRUPT_PIN);
    if (pd->intx_pin > 4)
        pd->intx_pin = 0;
    unsigned nbars = is_bridge(pd) ? 2 : 6;
    uint16_t cmd = pci_read16(pd, PCI_COMMAND);
    pci_write_command(pd, cmd & ~(PCI_CMD_IO | PCI_CMD_MEMORY));
    for (unsigned i = 0; i < nbars;)
        i += size_bar(pd, i, nbars);
    pci_write_command(pd, cmd);
    pd->msi_cap = (uint8_t)pci_find_cap(pd, PCI_CAP_MSI, 0);
    pd->msix_cap = (uint8_t)pci_find_cap(pd, PCI_CAP_MSIX, 0);
    pd->pcie_cap = (uint8_t)pci_find_cap(pd, PCI_CAP_PCIE, 0);
    return pd;
}

static void scan_bus(struct pci_host *h, unsigned bus, struct pci_dev *bridge, int depth);

/* A bridge found on @p bus: number its bus (ours) or follow firmware's. */
static void scan_bridge(struct pci_host *h, struct pci_dev *pd, int depth)
{
    if (depth > 32) {
        pr_warn("pci %02x:%02x.%u: bridges nested too deep; not followed", pd->bus, pd->slot,
                pd->func);
        return;
    }
    if (h->firmware < 0)
        return; /* the first look at the root bus only */
    if (h->firmware) {
        unsigned sec = pci_read8(pd, 0x19), sub = pci_read8(pd, 0x1a);
        if (sec <= pd->bus || sec > sub || sub > h->bus_end) {
            pr_warn("pci %02x:%02x.%u: bridge buses %u-%u make no sense; not followed", pd->bus,
                    pd->slot, pd->func, sec, sub);
            return;
        }
        scan_bus(h, sec, pd, depth + 1);
        return;
    }
    if (h->next_bus > h->bus_end) {
        pr_warn("pci %02x:%02x.%u: no bus number left (bus-range ends at %u); not followed",
                pd->bus, pd->slot, pd->func, h->bus_end);
        return;
    }
    unsigned sec = h->next_bus++;
    pci_write8(pd, 0x18, pd->bus);
    pci_write8(pd, 0x19, (uint8_t)sec);
    pci_write8(pd, 0x1a, 0xff); /* everything below, until we know */
    scan_bus(h, sec, pd, depth + 1);
    pci_write8(pd, 0x1a, (uint8_t)(h->next_bus - 1));
}

static void scan_bus(struct pci_host *h, unsigned bus, struct pci_dev *bridge, int depth)
{
    for (unsigned slot = 0; slot < 32; slot++) {
        for (unsigned fn = 0; fn < 8; fn++) {
            struct pci_dev *pd = probe_fn(h, bus, slot, fn, bridge);
            if (!pd) {
                if (fn == 0)
                    break;
                continue;
            }
            if (is_bridge(pd))
                scan_bridge(h, pd, depth);
            if (fn == 0 && !(rd(h, bus, slot << 3, PCI_HEADER_TYPE, 1) & 0x80))
                break; /* single-function */
        }
    }
}

/* ---- assignment ---- */

enum { RES_IO, RES_MEM };
static uint64_t up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

static int is_kind(const struct pci_bar *b, int kind)
{
    return b->size && ((b->flags & PCI_BAR_IO) != 0) == (kind == RES_IO);
}

static uint64_t need(struct pci_host *h, unsigned bus, int kind, int depth);

/* One thing to place on a bus: a BAR, or a bridge's window for a kind. */
struct item {
    struct pci_dev *pd;
    int bar;          /* BAR index, or -1 for a bridge window */
    uint64_t size, align;
};

/*
 * Visit what sits on @p bus for @p kind, largest alignment first: BARs
 * (aligned to their size) and the windows of bridges (to their granule,
 * sized by what is behind them). No array is kept, so the recursion
 * through nested bridges costs a few words of stack a level. @p fn returns
 * nonzero to stop.
 */
static void each_item(struct pci_host *h, unsigned bus, int kind, int depth,
                      int (*fn)(struct item *it, void *ctx), void *ctx)
{
    uint64_t g = kind == RES_IO ? BRIDGE_IO_ALIGN : BRIDGE_MEM_ALIGN;
    for (int shift = 63; shift >= 2; shift--) {
        uint64_t align = 1ull << shift;
        for (unsigned i = 0; i < h->ndevs; i++) {
            struct pci_dev *pd = h->devs[i];
            if (pd->bus != bus)
                continue;
            for (unsigned b = 0; b < 6; b++) {
                if (!is_kind(&pd->bar[b], kind) || pd->bar[b].size != align)
                    continue;
                struct item it = {pd, (int)b, align, align};
                if (fn(&it, ctx))
                    return;
            }
            if (is_bridge(pd) && align == g && depth < 32) {
                unsigned sec = pci_read8(pd, 0x19);
                uint64_t sz = sec > bus ? up(need(h, sec, kind, depth + 1), g) : 0;
                struct item it = {pd, -1, sz, g};
                if (sz && fn(&it, ctx))
                    return;
            }
        }
    }
}

static int add_need(struct item *it, void *ctx)
{
    uint64_t *at = ctx;
    *at = up(*at, it->align) + it->size;
    return 0;
}

/* Bytes the BARs and bridges on @p bus need for @p kind, laid out from an aligned base. */
static uint64_t need(struct pci_host *h, unsigned bus, int kind, int depth)
{
    uint64_t at = 0;
    each_item(h, bus, kind, depth, add_need, &at);
    return at;
}

static void write_bar(struct pci_dev *pd, unsigned b, uint64_t bus_addr)
{
    pci_write32(pd, PCI_BAR0 + 4 * b, (uint32_t)bus_addr);
    if (pd->bar[b].flags & PCI_BAR_64)
        pci_write32(pd, PCI_BAR0 + 4 * b + 4, (uint32_t)(bus_addr >> 32));
}

static void bridge_window(struct pci_dev *br, int kind, uint64_t base, uint64_t size)
{
    if (kind == RES_IO) {
        uint64_t lim = size ? base + size - 1 : 0;
        if (!size)
            base = 0x1000; /* closed: base above limit */
        pci_write8(br, 0x1c, (uint8_t)((base >> 8) & 0xf0));
        pci_write8(br, 0x1d, (uint8_t)((lim >> 8) & 0xf0));
        pci_write16(br, 0x30, (uint16_t)(base >> 16));
        pci_write16(br, 0x32, (uint16_t)(lim >> 16));
    } else {
        uint64_t lim = size ? base + size - 1 : 0;
        if (!size)
            base = 0x100000;
        pci_write16(br, 0x20, (uint16_t)((base >> 16) & 0xfff0));
        pci_write16(br, 0x22, (uint16_t)((lim >> 16) & 0xfff0));
        /* The prefetchable window stays closed (see the file comment). */
        pci_write16(br, 0x24, 0xfff0);
        pci_write16(br, 0x26, 0x0000);
        pci_write32(br, 0x28, 0);
        pci_write32(br, 0x2c, 0);
    }
}

struct placing {
    struct pci_host *h;
    int kind, depth;
    uint64_t at, end;
    const struct pci_window *w;
};

static void place(struct pci_host *h, unsigned bus, int kind, uint64_t base, uint64_t size,
                  const struct pci_window *w, int depth);

static int place_one(struct item *it, void *ctx)
{
    struct placing *pl = ctx;
    uint64_t a = up(pl->at, it->align);
    int fits = a >= pl->at && a <= pl->end && it->size <= pl->end - a;
    struct pci_dev *pd = it->pd;
    if (it->bar >= 0) {
        struct pci_bar *b = &pd->bar[it->bar];
        if (!fits) {
            b->flags |= PCI_BAR_FAILED;
            pr_warn("pci %02x:%02x.%u: BAR%d of %#lx bytes does not fit the %s window; "
                    "device not enabled", pd->bus, pd->slot, pd->func, it->bar,
                    (unsigned long)b->size, pl->kind == RES_IO ? "I/O" : "memory");
            return 0;
        }
        b->bus_addr = a;
        b->cpu_addr = a - pl->w->bus + pl->w->cpu;
        b->flags |= PCI_BAR_ASSIGNED;
        write_bar(pd, (unsigned)it->bar, a);
    } else {
        unsigned sec = pci_read8(pd, 0x19);
        if (!fits) {
            pr_warn("pci %02x:%02x.%u: bridge %s window of %#lx bytes does not fit; "
                    "devices behind it not enabled", pd->bus, pd->slot, pd->func,
                    pl->kind == RES_IO ? "I/O" : "memory", (unsigned long)it->size);
            bridge_window(pd, pl->kind, 0, 0);
            place(pl->h, sec, pl->kind, 0, 0, pl->w, pl->depth + 1); /* every BAR behind: FAILED */
            return 0;
        }
        bridge_window(pd, pl->kind, a, it->size);
        place(pl->h, sec, pl->kind, a, it->size, pl->w, pl->depth + 1);
    }
    pl->at = a + it->size;
    return 0;
}

/* Place everything on @p bus for @p kind in [base, base + size). */
static void place(struct pci_host *h, unsigned bus, int kind, uint64_t base, uint64_t size,
                  const struct pci_window *w, int depth)
{
    struct placing pl = {h, kind, depth, base, base + size, w};
    each_item(h, bus, kind, depth, place_one, &pl);
}

/* Bridges with nothing of a kind behind them get that window closed. */
static void close_unused(struct pci_host *h)
{
    for (unsigned i = 0; i < h->ndevs; i++) {
        struct pci_dev *pd = h->devs[i];
        if (!is_bridge(pd))
            continue;
        unsigned sec = pci_read8(pd, 0x19);
        for (int kind = RES_IO; kind <= RES_MEM; kind++)
            if (sec <= pd->bus || need(h, sec, kind, 0) == 0)
                bridge_window(pd, kind, 0, 0);
    }
}

/* Did firmware configure this host? (Any BAR address or bridge bus number.) */
static int configured_by_firmware(struct pci_host *h)
{
    for (unsigned i = 0; i < h->ndevs; i++) {
        struct pci_dev *pd = h->devs[i];
        if (is_bridge(pd) && pci_read8(pd, 0x19) != 0)
            return 1;
        for (unsigned b = 0; b < 6; b++)
            if (pd->bar[b].size && pd->bar[b].bus_addr)
                return 1;
    }
    return 0;
}

uint16_t pci_decode_bits(const struct pci_dev *pd)
{
    uint16_t bits = 0;
    for (unsigned b = 0; b < 6; b++)
        if (pd->bar[b].size)
            bits |= pd->bar[b].flags & PCI_BAR_IO ? PCI_CMD_IO : PCI_CMD_MEMORY;
    return bits;
}

static const struct pci_window *window_of(struct pci_host *h, const struct pci_bar *b)
{
    if (b->flags & PCI_BAR_IO)
        return &h->io;
    if (h->mem64.size && b->bus_addr >= h->mem64.bus && b->bus_addr - h->mem64.bus < h->mem64.size)
        return &h->mem64;
    return &h->mem;
}

int pci_enumerate(struct pci_host *h)
{
    h->ndevs = 0;
    h->next_bus = h->bus_start + 1u;
    /* A first look at the root bus, following no bridge, tells whether
     * firmware configured the host; the walk proper then follows its bus
     * numbers or gives its own. */
    h->firmware = -1;
    scan_bus(h, h->bus_start, NULL, 0);
    int fw = configured_by_firmware(h);
    for (unsigned i = 0; i < h->ndevs; i++)
        kfree(h->devs[i]);
    h->ndevs = 0;
    h->next_bus = h->bus_start + 1u;
    h->firmware = fw;
    if (!fw) {
        h->next_bus = h->bus_start + 1u;
        scan_bus(h, h->bus_start, NULL, 0);
        place(h, h->bus_start, RES_MEM, h->mem.bus, h->mem.size, &h->mem, 0);
        place(h, h->bus_start, RES_IO, h->io.bus, h->io.size, &h->io, 0);
        close_unused(h);
        /* Bridges forward memory, I/O and their children's DMA. */
        for (unsigned i = 0; i < h->ndevs; i++)
            if (is_bridge(h->devs[i]))
                pci_write_command(h->devs[i], pci_read16(h->devs[i], PCI_COMMAND) | PCI_CMD_IO |
                                                  PCI_CMD_MEMORY | PCI_CMD_MASTER);
        return (int)h->ndevs;
    }
    scan_bus(h, h->bus_start, NULL, 0);
    const struct pci_window *zero_taken[2] = {NULL, NULL}; /* windows whose address 0 a BAR has */
    for (unsigned i = 0; i < h->ndevs; i++) {
        struct pci_dev *pd = h->devs[i];
        for (unsigned b = 0; b < 6; b++) {
            struct pci_bar *bar = &pd->bar[b];
            if (!bar->size)
                continue;
            /* Address 0 is a real one where the host's window starts at bus
             * address 0: the I/O window of arm64's and riscv64's virt
             * machines, whose first I/O BAR UEFI places there. Firmware
             * gives it to one BAR at most, so the first BAR at 0 of such a
             * window is placed, and any other one was left alone. */
            if ((bar->flags & PCI_BAR_IO) && h->io_unknown) {
                pr_info("pci %02x:%02x.%u: BAR%u is I/O space, whose place for the CPU the "
                        "firmware's tables do not say (the DSDT's _CRS); left off", pd->bus,
                        pd->slot, pd->func, b);
                bar->size = 0;
                continue;
            }
            const struct pci_window *w = window_of(h, bar);
            unsigned k = !(bar->flags & PCI_BAR_IO);
            if (!bar->bus_addr && w->size && w->bus == 0 && !zero_taken[k])
                zero_taken[k] = w;
            else if (!bar->bus_addr) {
                bar->flags |= PCI_BAR_FAILED;
                pr_warn("pci %02x:%02x.%u: firmware left BAR%u unassigned; device not enabled",
                        pd->bus, pd->slot, pd->func, b);
                continue;
            }
            bar->cpu_addr = w->size ? bar->bus_addr - w->bus + w->cpu : bar->bus_addr;
            bar->flags |= PCI_BAR_FIRMWARE;
        }
    }
    return (int)h->ndevs;
}
