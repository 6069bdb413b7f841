/**
 * @file test_msi.c
 * @brief The generic MSI layer (kernel/irq/msi.c) against fake controllers:
 *        which controller msi-map / msi-parent pick for a requester ID (and
 *        the DeviceID they translate it to), malformed maps, the argument
 *        checks around allocation, and refusing to free an interrupt that
 *        still has a handler.
 */
#include "check.h"
#include "fdt_builder.h"
#include "log_capture.h"
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/kernel.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/sched.h>
#include <stdlib.h>

/* What irq.c needs from the rest of the kernel. */
void sched_irq_exit(void) {}
void kprintf_mirror_poll(void) {}
void *kzalloc(size_t size) { return calloc(1, size); }
void kfree(void *p) { free(p); }
const char *ksym_name(uintptr_t addr, char *buf, size_t size)
{
    snprintf(buf, size, "%#lx", (unsigned long)addr);
    return buf;
}

/* A fake MSI controller handing out numbers base..base+7 from a bitmap. */
struct fake {
    unsigned base, used;
    uint32_t last_devid;
};
static int fake_alloc(struct msi_chip *c, uint32_t devid, unsigned n, unsigned *irqs,
                      struct msi_msg *msgs)
{
    struct fake *f = c->priv;
    unsigned got = 0;
    for (unsigned i = 0; i < 8 && got < n; i++)
        if (!(f->used & 1u << i))
            got++;
    if (got < n)
        return -ENOSPC;
    for (unsigned i = 0, k = 0; i < 8 && k < n; i++)
        if (!(f->used & 1u << i)) {
            f->used |= 1u << i;
            irqs[k] = f->base + i;
            msgs[k] = (struct msi_msg){0x1000 + f->base, i};
            k++;
        }
    f->last_devid = devid;
    return 0;
}
static int fake_free(struct msi_chip *c, uint32_t devid, const unsigned *irqs, unsigned n)
{
    struct fake *f = c->priv;
    (void)devid;
    for (unsigned i = 0; i < n; i++)
        if (irqs[i] < f->base || irqs[i] >= f->base + 8 || !(f->used & 1u << (irqs[i] - f->base)))
            return -ENOENT;
    for (unsigned i = 0; i < n; i++)
        f->used &= ~(1u << (irqs[i] - f->base));
    return 0;
}
static struct fake fa = {.base = 100}, fb = {.base = 200};
static struct msi_chip chip_a = {.name = "a", .alloc = fake_alloc, .free = fake_free, .phandle = 5, .priv = &fa};
static struct msi_chip chip_b = {.name = "b", .alloc = fake_alloc, .free = fake_free, .phandle = 9, .priv = &fb};

static void nop(unsigned irq, void *arg) { (void)irq, (void)arg; }
static void nop_mask(const struct irq_chip *c, unsigned irq) { (void)c, (void)irq; }
static const struct irq_chip table_chip = {.name = "t", .mask = nop_mask, .unmask = nop_mask};

int main(void)
{
    /* Nothing registered: no default, and bad chips are refused. */
    CHECK(msi_chip_find(0) == NULL);
    uint32_t devid = 1234;
    CHECK(msi_chip_for_rid(NULL, -1, 8, &devid) == NULL);
    struct msi_chip bad = {.name = "bad", .alloc = fake_alloc};
    CHECK_EQ_INT(msi_chip_register(&bad), -EINVAL);
    CHECK_EQ_INT(msi_chip_register(&chip_a), 0);
    CHECK_EQ_INT(msi_chip_register(&chip_a), -EBUSY);
    CHECK_EQ_INT(msi_chip_register(&chip_b), 0);
    CHECK(msi_chip_find(0) == &chip_a); /* the first registered is the default */
    CHECK(msi_chip_find(9) == &chip_b);
    CHECK(msi_chip_find(77) == NULL);
    CHECK(msi_chip_for_rid(NULL, -1, 8, &devid) == &chip_a && devid == 8);

    /* A tree: one host bridge with msi-map (two ranges, a mask), one with
     * msi-parent, one under a bus whose msi-parent it inherits, one with a
     * map naming an unknown controller, one with a torn map. */
    b_reset();
    b_node("");
    b_node("pcie@0");
    b_cells("msi-map", 8, 0x0000, 5, 0x10000, 0x100, 0x0100, 9, 0x0, 0x100);
    b_u32("msi-map-mask", 0xffff);
    b_end();
    b_node("pcie@1");
    b_u32("msi-parent", 9);
    b_end();
    b_node("bus@2");
    b_u32("msi-parent", 5);
    b_node("pcie@3");
    b_end();
    b_end();
    b_node("pcie@4");
    b_cells("msi-map", 4, 0, 77, 0, 0x10000);
    b_end();
    b_node("pcie@5");
    b_cells("msi-map", 3, 0, 5, 0);
    b_end();
    b_end();
    b_finish();
    struct fdt fdt;
    CHECK_EQ_INT(fdt_init(&fdt, blob, blob_len), 0);
    int root = fdt_root(&fdt);
    int n0 = fdt_subnode(&fdt, root, "pcie@0"), n1 = fdt_subnode(&fdt, root, "pcie@1");
    int nb = fdt_subnode(&fdt, root, "bus@2"), n3 = fdt_subnode(&fdt, nb, "pcie@3");
    int n4 = fdt_subnode(&fdt, root, "pcie@4"), n5 = fdt_subnode(&fdt, root, "pcie@5");
    CHECK(n0 >= 0 && n1 >= 0 && n3 >= 0 && n4 >= 0 && n5 >= 0);

    CHECK(msi_chip_for_rid(&fdt, n0, 0x0008, &devid) == &chip_a && devid == 0x10008);
    CHECK(msi_chip_for_rid(&fdt, n0, 0x0108, &devid) == &chip_b && devid == 0x08);
    CHECK(msi_chip_for_rid(&fdt, n0, 0x30008, &devid) == &chip_a && devid == 0x10008); /* masked */
    log_reset();
    CHECK(msi_chip_for_rid(&fdt, n0, 0x0208, &devid) == NULL);
    CHECK(log_has("does not cover requester 0x208"));
    CHECK(msi_chip_for_rid(&fdt, n1, 0x42, &devid) == &chip_b && devid == 0x42);
    CHECK(msi_chip_for_rid(&fdt, n3, 0x43, &devid) == &chip_a && devid == 0x43);
    log_reset();
    CHECK(msi_chip_for_rid(&fdt, n4, 1, &devid) == NULL);
    CHECK(log_has("phandle 0x4d, which is no MSI controller"));
    log_reset();
    CHECK(msi_chip_for_rid(&fdt, n5, 1, &devid) == NULL);
    CHECK(log_has("not whole"));
    CHECK(msi_chip_for_rid(&fdt, root, 7, &devid) == &chip_a && devid == 7); /* no description */

    /* Allocation: argument checks, the controller's answer passed on. */
    unsigned irqs[MSI_MAX_VECTORS + 1];
    struct msi_msg msgs[MSI_MAX_VECTORS + 1];
    log_reset();
    CHECK_EQ_INT(irq_alloc_msi(NULL, 1, 1, irqs, msgs), -EINVAL);
    CHECK_EQ_INT(irq_alloc_msi(&chip_a, 1, 0, irqs, msgs), -EINVAL);
    CHECK_EQ_INT(irq_alloc_msi(&chip_a, 1, MSI_MAX_VECTORS + 1, irqs, msgs), -EINVAL);
    CHECK_EQ_INT(irq_alloc_msi(&chip_a, 1, 1, NULL, msgs), -EINVAL);
    CHECK(log_has("bad arguments"));
    CHECK_EQ_INT(irq_alloc_msi(&chip_a, 0x77, 3, irqs, msgs), 0);
    CHECK(irqs[0] == 100 && irqs[1] == 101 && irqs[2] == 102 && fa.last_devid == 0x77);
    CHECK(msgs[2].address == 0x1064 && msgs[2].data == 2);
    log_reset();
    CHECK_EQ_INT(irq_alloc_msi(&chip_a, 0x77, 6, irqs + 3, msgs + 3), -ENOSPC);
    CHECK(log_has("cannot give device 0x77 6 interrupts (ENOSPC)"));
    CHECK_EQ_INT(fa.used, 0x7); /* nothing half-allocated */

    /* Free: refused while a handler is registered, nothing freed; the
     * controller's double-free answer is passed on. */
    CHECK_EQ_INT(irq_chip_register(&table_chip, 100, 8), 0);
    CHECK_EQ_INT(irq_register(101, nop, NULL, "dev"), 0);
    log_reset();
    CHECK_EQ_INT(irq_free_msi(&chip_a, 0x77, irqs, 3), -EBUSY);
    CHECK(log_has("interrupt 101 still has a handler"));
    CHECK_EQ_INT(fa.used, 0x7);
    CHECK(irq_has_handler(101)); /* the refusal changed nothing */
    CHECK_EQ_INT(irq_unregister(101), 0);
    unsigned twice[2] = {irqs[0], irqs[0]};
    log_reset();
    CHECK_EQ_INT(irq_free_msi(&chip_a, 0x77, twice, 2), -ENOENT);
    CHECK(log_has("interrupt 100 listed twice"));
    CHECK_EQ_INT(fa.used, 0x7);
    CHECK_EQ_INT(irq_free_msi(&chip_a, 0x77, irqs, 3), 0);
    CHECK_EQ_INT(fa.used, 0);
    log_reset();
    CHECK_EQ_INT(irq_free_msi(&chip_a, 0x77, irqs, 1), -ENOENT);
    CHECK(log_has("does not hold (ENOENT)"));
    CHECK_EQ_INT(irq_free_msi(&chip_a, 0x77, NULL, 1), -EINVAL);
    CHECK_EQ_INT(irq_free_msi(&chip_a, 0x77, irqs, 0), -EINVAL);
    return CHECK_DONE("test_msi");
}
