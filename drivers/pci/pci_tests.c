/**
 * @file drivers/pci/pci_tests.c
 * @brief In-kernel tests of the PCI core: what enumeration recorded agrees
 *        with the hardware, on whatever machine the kernel booted.
 *
 * The host unit test (tests/host/test_pci.c) checks the enumeration over
 * simulated configuration spaces; these check the real one: every function
 * still answers with the ids it was found with, every BAR is naturally
 * aligned, still holds the address recorded, lies inside its host's window
 * (when we placed it) and overlaps no other, and the capabilities recorded
 * are the ones a fresh walk finds. They only read configuration space, so
 * they leave nothing behind and pass any number of times.
 */
#include "pci_internal.h"

#include <kernel/ktest.h>

/* The address BAR @p b of @p pd holds now (memory or I/O bits only). */
static uint64_t bar_reads_back(const struct pci_dev *pd, unsigned b)
{
    uint32_t lo = pci_read32(pd, PCI_BAR0 + 4 * b);
    if (pd->bar[b].flags & PCI_BAR_IO)
        return lo & 0xfffffffcu;
    uint64_t a = lo & 0xfffffff0u;
    if (pd->bar[b].flags & PCI_BAR_64)
        a |= (uint64_t)pci_read32(pd, PCI_BAR0 + 4 * b + 4) << 32;
    return a;
}

static int in_window(const struct pci_window *w, const struct pci_bar *bar)
{
    return w->size && bar->bus_addr >= w->bus && bar->size <= w->size &&
           bar->bus_addr - w->bus <= w->size - bar->size;
}

/* A BAR that decodes somewhere: implemented and given an address. */
static int bar_live(const struct pci_bar *bar)
{
    return bar->size && !(bar->flags & PCI_BAR_FAILED) && bar->bus_addr;
}

KTEST(pci_functions_reread_their_ids)
{
    device_probe_wait();
    for (unsigned i = 0; i < pci_count(); i++) {
        const struct pci_dev *pd = pci_at(i);
        KT_ASSERT(pd != NULL);
        KT_ASSERT(pci_read16(pd, PCI_VENDOR_ID) == pd->vendor);
        KT_ASSERT(pci_read16(pd, PCI_DEVICE_ID) == pd->device);
        KT_ASSERT(pci_read32(pd, PCI_CLASS_REV) >> 8 == pd->class_code);
        KT_ASSERT((pci_read8(pd, PCI_HEADER_TYPE) & 0x7f) == pd->header_type);
        KT_ASSERT(pd->slot < 32 && pd->func < 8);
        if (pd->bridge)
            KT_ASSERT(pci_read8(pd->bridge, 0x19) == pd->bus); /* secondary bus */
    }
    KT_ASSERT(pci_at(pci_count()) == NULL);
}

KTEST(pci_bars_aligned_inside_windows_disjoint)
{
    device_probe_wait();
    unsigned n = pci_count();
    for (unsigned i = 0; i < n; i++) {
        const struct pci_dev *pd = pci_at(i);
        for (unsigned b = 0; b < 6; b++) {
            const struct pci_bar *bar = &pd->bar[b];
            if (!bar->size)
                continue;
            /* Sizes are powers of two; a 64-bit BAR leaves its upper slot empty. */
            KT_ASSERT((bar->size & (bar->size - 1)) == 0);
            if ((bar->flags & PCI_BAR_64) && b < 5)
                KT_ASSERT(pd->bar[b + 1].size == 0);
            if (!bar_live(bar))
                continue;
            KT_ASSERT(bar->bus_addr % bar->size == 0);
            KT_ASSERT(bar_reads_back(pd, b) == bar->bus_addr);
            if (bar->flags & PCI_BAR_ASSIGNED) {
                const struct pci_host *h = pd->host;
                if (bar->flags & PCI_BAR_IO)
                    KT_ASSERT(in_window(&h->io, bar));
                else
                    KT_ASSERT(in_window(&h->mem, bar) || in_window(&h->mem64, bar));
            }
            /* No other BAR of the same space overlaps it. */
            for (unsigned j = i; j < n; j++) {
                const struct pci_dev *po = pci_at(j);
                for (unsigned c = (j == i ? b + 1 : 0); c < 6; c++) {
                    const struct pci_bar *o = &po->bar[c];
                    if (!bar_live(o) || (o->flags & PCI_BAR_IO) != (bar->flags & PCI_BAR_IO) ||
                        po->host != pd->host)
                        continue;
                    KT_ASSERT(o->bus_addr + o->size <= bar->bus_addr ||
                              bar->bus_addr + bar->size <= o->bus_addr);
                }
            }
        }
    }
}

KTEST(pci_capabilities_agree_with_config_space)
{
    device_probe_wait();
    static const uint8_t ids[] = {PCI_CAP_MSI, PCI_CAP_MSIX, PCI_CAP_PCIE};
    for (unsigned i = 0; i < pci_count(); i++) {
        const struct pci_dev *pd = pci_at(i);
        KT_ASSERT(pci_find_cap(pd, PCI_CAP_MSI, 0) == pd->msi_cap);
        KT_ASSERT(pci_find_cap(pd, PCI_CAP_MSIX, 0) == pd->msix_cap);
        KT_ASSERT(pci_find_cap(pd, PCI_CAP_PCIE, 0) == pd->pcie_cap);
        for (unsigned k = 0; k < sizeof ids; k++) {
            /* Every capability found carries its id, and the walk ends. */
            unsigned steps = 0;
            for (unsigned off = pci_find_cap(pd, ids[k], 0); off;
                 off = pci_find_cap(pd, ids[k], off)) {
                KT_ASSERT(off >= 0x40 && off <= 0xfc && (off & 3) == 0);
                KT_ASSERT(pci_read8(pd, off) == ids[k]);
                KT_ASSERT(++steps <= 48);
            }
        }
        /* No status capability bit: no list at all. */
        if (!(pci_read16(pd, PCI_STATUS) & 0x10))
            KT_ASSERT(!pd->msi_cap && !pd->msix_cap && !pd->pcie_cap);
    }
}
