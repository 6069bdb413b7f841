/**
 * @file test_fdt_bus.c
 * @brief Host tests of the device-tree bus walker (kernel/device/fdt_bus.c).
 *
 * fdt_bus_probe() runs over trees built with fdt_builder.h and offers every
 * enabled node with a "compatible" to device_add(). Here device_add() is a
 * fake that records each struct device it is offered: a "driver" matches any
 * compatible string except those starting with "nodrv,", so such a device is
 * offered but not bound. device_add_compatible() mirrors the kernel's
 * (kernel/device/driver.c cannot be linked: it needs the .drivers section).
 * Blobs are handed over in malloc'd buffers of exactly their size, so ASan
 * flags any read past the end, also on ~2000 randomly mutated trees of each
 * kind: the board (buses, reg windows) and an interrupt tree (controllers,
 * specifiers, broken parents).
 */
#include <kernel/irq.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/fdt_bus.h>
#include <kernel/log.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "fdt_builder.h"

#include "log_capture.h" /* klog(), log_reset(), log_has() */


/* strlcpy, which the code under test calls: tests/host/host_strlcpy.c */

/* ---- fake driver core ---- */
#define MAX_OFFERED 64
static struct device offered[MAX_OFFERED]; /* every device_add() call, in order */
static int offered_rc[MAX_OFFERED];
static unsigned noffered, nbound;          /* calls (may exceed MAX_OFFERED), successes */
static int bad_device;                     /* an offered device broke an invariant */
static const struct fdt *cur_fdt;          /* what bus_data must be during device_add */

static void fake_reset(void)
{
    memset(offered, 0, sizeof offered);
    noffered = nbound = 0;
    bad_device = 0;
    log_reset();
}

/* What every device from the walker must look like, whatever the tree. */
static int device_sane(const struct device *d)
{
    if (!memchr(d->name, 0, sizeof d->name) || d->compatible_len > sizeof d->compatible ||
        (d->compatible_len && d->compatible[d->compatible_len - 1] != 0))
        return 0;
    if (d->space != DEV_NONE && d->space != DEV_MMIO)
        return 0;
    if (d->space == DEV_NONE && (d->base || d->size))
        return 0;
    if (d->space == DEV_MMIO && !d->size)
        return 0;
    if (d->reg_shift > 3 || (d->reg_width != 0 && d->reg_width != 1 && d->reg_width != 4))
        return 0;
    /* windows: [0] is base/size, each used one non-empty, the rest zero */
    if (d->nregs > DEV_MAX_REGS || (d->nregs == 0) != (d->space == DEV_NONE))
        return 0;
    if (d->nregs && (d->reg_base[0] != d->base || d->reg_size[0] != d->size))
        return 0;
    for (unsigned i = 0; i < DEV_MAX_REGS; i++)
        if (i < d->nregs ? !d->reg_size[i] : (d->reg_base[i] || d->reg_size[i]))
            return 0;
    if (d->has_irq > 1 || d->irq_trigger > IRQ_TRIGGER_LEVEL)
        return 0;
    if (d->has_irq ? d->irq >= IRQ_NR_MAX : (d->irq || d->irq_trigger))
        return 0;
    if (!d->bus_data || d->bus_data != cur_fdt)
        return 0;
    return d->fdt_node >= 0 && (d->is_stdout == 0 || d->is_stdout == 1) && !d->regs &&
           !d->driver;
}

/* The bus asks first: lists made only of "skip," strings have no driver
 * (so such nodes must never reach device_add); anything else is offered,
 * and the fake device_add below decides, so "nodrv," nodes are still
 * described and offered, as a driver whose probe refuses would see them. */
static int has_driver(const char *compatible, size_t len)
{
    for (size_t pos = 0; pos < len;) {
        const char *z = memchr(compatible + pos, 0, len - pos);
        if (strncmp(compatible + pos, "skip,", 5) != 0)
            return 1;
        pos = z ? (size_t)(z - compatible) + 1 : len;
    }
    return 0;
}

/* "late," strings name a late driver (struct driver::late): the walker
 * only notes such a node and queues its own deferred work, kept here. */
static const struct driver fake_driver = {.name = "fake"};
static const struct driver fake_late = {.name = "late", .late = 1};
static void (*deferred_fn)(void *);
static void *deferred_arg;
static int ndeferred;

const struct driver *driver_find(const char *compatible, size_t len)
{
    if (!has_driver(compatible, len))
        return NULL;
    return strncmp(compatible, "late,", 5) == 0 ? &fake_late : &fake_driver;
}

int device_defer(void (*fn)(void *arg), void *arg)
{
    deferred_fn = fn;
    deferred_arg = arg;
    ndeferred++;
    return 0;
}

/* A driver matches any string not starting with "nodrv,"; like the real
 * match(), a device without strings matches nothing. */
int device_add(const struct device *dev)
{
    int rc = -ENODEV;
    if (!device_sane(dev))
        bad_device = 1;
    for (unsigned pos = 0; pos < dev->compatible_len && pos < sizeof dev->compatible;) {
        const char *c = dev->compatible + pos;
        const char *z = memchr(c, 0, sizeof dev->compatible - pos);
        size_t n = z ? (size_t)(z - c) : sizeof dev->compatible - pos;
        if (strncmp(c, "nodrv,", 6) != 0) {
            rc = 0;
            break;
        }
        pos += (unsigned)n + 1;
    }
    if (noffered < MAX_OFFERED) {
        offered[noffered] = *dev;
        offered_rc[noffered] = rc;
    }
    noffered++;
    if (rc == 0)
        nbound++;
    return rc;
}

/* The offered device named @p name; NULL (and a failed check) if none or several. */
static const struct device *dev_named(const char *name)
{
    const struct device *found = NULL;
    int hits = 0;
    for (unsigned i = 0; i < noffered && i < MAX_OFFERED; i++)
        if (strcmp(offered[i].name, name) == 0)
            found = &offered[i], hits++;
    if (hits != 1)
        fprintf(stderr, "device \"%s\" offered %d times\n", name, hits);
    CHECK_EQ_INT(hits, 1);
    return hits == 1 ? found : NULL;
}

static int offered_named(const char *name)
{
    int hits = 0;
    for (unsigned i = 0; i < noffered && i < MAX_OFFERED; i++)
        hits += strcmp(offered[i].name, name) == 0;
    return hits;
}

static int stdout_count(void)
{
    int n = 0;
    for (unsigned i = 0; i < noffered && i < MAX_OFFERED; i++)
        n += offered[i].is_stdout;
    return n;
}

/* Check one device; @p compat is the expected list with its NULs, @p clen its length. */
#define EXPECT_COMPAT(d, lit) expect_compat(__LINE__, d, lit, sizeof lit - 1)
static void expect_compat(int line, const struct device *d, const char *compat, unsigned clen)
{
    if (d->compatible_len != clen || memcmp(d->compatible, compat, clen) != 0)
        fprintf(stderr, "line %d: %s has the wrong compatible list\n", line, d->name);
    CHECK_EQ_INT(d->compatible_len, clen);
    CHECK(memcmp(d->compatible, compat, clen) == 0);
}

static void expect_mmio(const struct device *d, uint64_t base, uint64_t size)
{
    if (d->space != DEV_MMIO || d->base != base || d->size != size)
        fprintf(stderr, "%s: want MMIO %#jx+%#jx\n", d->name, (uintmax_t)base, (uintmax_t)size);
    CHECK_EQ_INT(d->space, DEV_MMIO);
    CHECK_EQ_HEX(d->base, base);
    CHECK_EQ_HEX(d->size, size);
}

static void expect_none(const struct device *d)
{
    if (d->space != DEV_NONE)
        fprintf(stderr, "%s: want no registers\n", d->name);
    CHECK_EQ_INT(d->space, DEV_NONE);
    CHECK_EQ_HEX(d->base, 0);
    CHECK_EQ_HEX(d->size, 0);
}

/* Run fdt_bus_probe on an exact-size copy of the current blob. */
static int probe(const char *stdout_path)
{
    struct fdt f;
    uint8_t *copy = blob_copy(blob_len);
    int rc = -1000, err = fdt_init(&f, copy, blob_len);
    CHECK_EQ_INT(err, 0);
    fake_reset();
    cur_fdt = &f;
    if (err == 0)
        rc = fdt_bus_probe(&f, stdout_path);
    free(copy);
    CHECK(!bad_device);
    return rc;
}

/* Node offset of @p path in the current blob (offsets do not depend on where it sits). */
static int node_at(const char *path)
{
    struct fdt f;
    CHECK_EQ_INT(fdt_init(&f, blob, blob_len), 0);
    return fdt_path(&f, path);
}

#define LONG_NAME "a-node-name-that-is-longer-than-the-device-name-field@0"

/*
 * A QEMU-virt-like board (#address-cells = #size-cells = 2 at the root) with
 * buses that translate, map 1:1, do not map, and are disabled.
 */
static void build_board(void)
{
    b_reset();
    b_node("");
    b_u32("#address-cells", 2);
    b_u32("#size-cells", 2);
    b_str("compatible", "linux,dummy-virt"); /* the root is never a device */
    b_node("aliases");
    b_str("serial0", "/soc/uart@1000");
    b_str("serial1", "/pl011@9000000");
    b_str("gone", "/soc/off@5000");
    b_end();
    b_node("chosen");
    b_str("stdout-path", "serial0:115200n8");
    b_end();
    b_node("memory@40000000"); /* no compatible: not a device */
    b_str("device_type", "memory");
    b_cells("reg", 4, 0x0, 0x40000000, 0x0, 0x8000000);
    b_end();
    b_node("pl011@9000000");
    B_STRS("compatible", "arm,pl011\0arm,primecell");
    b_cells("reg", 8, 0x0, 0x9000000, 0x0, 0x1000, 0x0, 0x9001000, 0x0, 0x1000); /* first wins */
    b_end();

    /* child 0x0.. -> CPU 0x1_0000_0000.. */
    b_node("soc");
    B_STRS("compatible", "simple-bus");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 1);
    b_cells("ranges", 4, 0x0, 0x1, 0x0, 0x10000000);
    b_node("uart@1000");
    B_STRS("compatible", "snps,dw-apb-uart\0ns16550a");
    b_cells("reg", 2, 0x1000, 0x100);
    b_u32("reg-shift", 2);
    b_u32("reg-io-width", 4);
    b_end();
    b_node("outside@20000000"); /* past the end of soc's only window */
    B_STRS("compatible", "acme,outside");
    b_cells("reg", 2, 0x20000000, 0x100);
    b_end();
    b_node("edge@fffff00"); /* the window's last bytes */
    B_STRS("compatible", "acme,edge");
    b_cells("reg", 2, 0xfffff00, 0x100);
    b_u32("reg-shift", 4);  /* too large: ignored */
    b_u32("reg-io-width", 2); /* neither 1 nor 4: ignored */
    b_end();
    b_node("i2c@3000"); /* a bus without ranges: its children are not memory-mapped */
    B_STRS("compatible", "acme,i2c");
    b_cells("reg", 2, 0x3000, 0x100);
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 1);
    b_u32("reg-io-width", 1);
    b_node("eeprom@50");
    B_STRS("compatible", "atmel,24c02");
    b_cells("reg", 2, 0x50, 0x100);
    b_end();
    b_end();
    b_node("nocompat@4000"); /* enabled, has reg, but no compatible */
    b_cells("reg", 2, 0x4000, 0x10);
    b_node("child@10"); /* ... its children are still walked */
    B_STRS("compatible", "acme,orphan");
    b_end();
    b_end();
    b_node("off@5000"); /* disabled leaf */
    B_STRS("compatible", "acme,off");
    b_cells("reg", 2, 0x5000, 0x10);
    b_str("status", "disabled");
    b_end();
    b_node("dead-bus@8000"); /* disabled bus: nothing below it, even if "okay" */
    B_STRS("compatible", "simple-bus");
    b_str("status", "disabled");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 1);
    b_prop("ranges", "", 0);
    b_node("alive@8000");
    B_STRS("compatible", "acme,alive");
    b_cells("reg", 2, 0x8000, 0x10);
    b_str("status", "okay");
    b_end();
    b_node("deeper");
    b_node("alive2");
    B_STRS("compatible", "acme,alive2");
    b_end();
    b_end();
    b_end();
    b_node("after@6000"); /* the sibling after a disabled subtree is walked again */
    B_STRS("compatible", "acme,after");
    b_cells("reg", 2, 0x6000, 0x10);
    b_str("status", "okay");
    b_end();
    b_node("nodrv@7000"); /* offered, but no driver takes it: not counted */
    B_STRS("compatible", "nodrv,thing");
    b_cells("reg", 2, 0x7000, 0x10);
    b_end();
    b_node("undriven@7800"); /* driver_find() says none: neither described nor offered */
    B_STRS("compatible", "skip,thing\0skip,other");
    b_cells("reg", 2, 0x7800, 0x10);
    b_end();
    b_end();

    /* empty ranges: 1:1; a nested bus translating on top of it */
    b_node("soc2");
    B_STRS("compatible", "simple-bus");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 1);
    b_prop("ranges", "", 0);
    b_node("timer@a000000");
    B_STRS("compatible", "acme,timer");
    b_cells("reg", 2, 0xa000000, 0x1000);
    b_str("status", "ok");
    b_end();
    b_node("sub");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 1);
    b_cells("ranges", 3, 0x0, 0x20000000, 0x1000);
    b_node("dev@10");
    B_STRS("compatible", "acme,deep");
    b_cells("reg", 2, 0x10, 0x8);
    b_end();
    b_end();
    b_end();

    /* three windows with 2 address and 2 size cells; the third one's child
     * addresses are the second one's parent addresses, so translating twice
     * at one level would show */
    b_node("soc3");
    B_STRS("compatible", "nodrv,bus\0nodrv,other"); /* a bus no driver wants */
    b_u32("#address-cells", 2);
    b_u32("#size-cells", 2);
    b_cells("ranges", 18, 0x1, 0x0, 0x0, 0x40000000, 0x0, 0x1000,
            0x2, 0x0, 0x0, 0x50000000, 0x0, 0x2000,
            0x0, 0x50000000, 0x0, 0x70000000, 0x0, 0x1000);
    b_node("a@1,ff0");
    B_STRS("compatible", "nodrv,x\0acme,a"); /* a later string matches */
    b_cells("reg", 4, 0x1, 0xff0, 0x0, 0x10);
    b_end();
    b_node("b@2,100");
    B_STRS("compatible", "acme,b");
    b_cells("reg", 4, 0x2, 0x100, 0x0, 0x10);
    b_end();
    b_node("c@0,50000010");
    B_STRS("compatible", "acme,c");
    b_cells("reg", 4, 0x0, 0x50000010, 0x0, 0x10);
    b_end();
    b_node("gap@1,1000"); /* just past the first window, before the second */
    B_STRS("compatible", "acme,gap");
    b_cells("reg", 4, 0x1, 0x1000, 0x0, 0x10);
    b_end();
    b_end();

    /* a 3-cell (PCI-like) bus: nothing below it is translated */
    b_node("pci@30000000");
    B_STRS("compatible", "acme,pci");
    b_cells("reg", 4, 0x0, 0x30000000, 0x0, 0x100000);
    b_u32("#address-cells", 3);
    b_u32("#size-cells", 2);
    b_cells("ranges", 7, 0x02000000, 0x0, 0x0, 0x0, 0x30000000, 0x0, 0x100000);
    b_node("bridge@0"); /* its own reg has 3 cells: not decoded */
    B_STRS("compatible", "acme,bridge");
    b_cells("reg", 5, 0x0, 0x0, 0x0, 0x0, 0x1000);
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 1);
    b_cells("ranges", 5, 0x0, 0x02000000, 0x0, 0x0, 0x1000); /* 1 -> 3 cells */
    b_node("leaf@0");
    B_STRS("compatible", "acme,leaf");
    b_cells("reg", 2, 0x0, 0x100);
    b_end();
    b_end();
    b_end();
    /* 3-cell addresses even where every window would fit 64 bits */
    b_node("wide");
    b_u32("#address-cells", 3);
    b_u32("#size-cells", 1);
    b_prop("ranges", "", 0);
    b_node("narrow@0,0,9a000000");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 1);
    b_cells("ranges", 5, 0x0, 0x0, 0x0, 0x9a000000, 0x1000);
    b_node("x@0");
    B_STRS("compatible", "acme,x");
    b_cells("reg", 2, 0x0, 0x10);
    b_end();
    b_end();
    b_end();

    /* odd properties at the root level */
    b_node("zero@0"); /* a size of 0 is no register window */
    B_STRS("compatible", "acme,zero");
    b_cells("reg", 4, 0x0, 0x0, 0x0, 0x0);
    b_end();
    b_node("partial@0"); /* reg not a whole entry */
    B_STRS("compatible", "acme,partial");
    b_cells("reg", 3, 0x0, 0xb000000, 0x0);
    b_u32("reg-shift", 0);
    b_u32("reg-io-width", 1);
    b_end();
    b_node("failed"); /* any status but okay/ok is disabled */
    B_STRS("compatible", "acme,failed");
    b_str("status", "fail");
    b_end();
    b_node("badstatus"); /* a status that is no string: not available */
    B_STRS("compatible", "acme,badstatus");
    b_prop("status", "okay", 4);
    b_end();
    b_node("long-compat"); /* strings are kept while whole ones fit in 128 bytes */
    B_STRS("compatible", "vendor-one,a-rather-long-compatible-string-number-1\0"
                         "vendor-two,a-rather-long-compatible-string-number-2\0"
                         "short\0"
                         "vendor-three,a-rather-long-compatible-string-no-3\0"
                         "x");
    b_end();
    b_node("unterminated"); /* a final string without its NUL is dropped */
    b_prop("compatible", "acme,a\0acme,b", 13);
    b_end();
    b_node("emptystr"); /* an empty string in the list is still a string */
    b_prop("compatible", "acme,e\0\0acme,f", 15);
    b_end();
    b_node("emptyprop"); /* a zero-length compatible: no driver can want it, not offered */
    b_prop("compatible", "", 0);
    b_end();
    b_node(LONG_NAME);
    B_STRS("compatible", "acme,long");
    b_end();
    b_end();
    b_finish();
}

/* Devices the board yields, in document order; [i].bound: counted by fdt_bus_probe. */
static const struct {
    const char *name;
    int bound;
} board_devices[] = {
    {"pl011@9000000", 1},
    {"soc", 1}, {"uart@1000", 1}, {"outside@20000000", 1}, {"edge@fffff00", 1},
    {"i2c@3000", 1}, {"eeprom@50", 1}, {"child@10", 1}, {"after@6000", 1}, {"nodrv@7000", 0},
    {"soc2", 1}, {"timer@a000000", 1}, {"dev@10", 1},
    {"soc3", 0}, {"a@1,ff0", 1}, {"b@2,100", 1}, {"c@0,50000010", 1}, {"gap@1,1000", 1},
    {"pci@30000000", 1}, {"bridge@0", 1}, {"leaf@0", 1}, {"x@0", 1},
    {"zero@0", 1}, {"partial@0", 1}, {"long-compat", 1}, {"unterminated", 1},
    {"emptystr", 1},
    {"a-node-name-that-is-longer-than-the-device-name", 1}, /* cut to DEV_NAME_MAX - 1 */
};
#define BOARD_DEVICES (sizeof board_devices / sizeof board_devices[0])

static void test_board_devices(void)
{
    build_board();
    int bound = probe("serial0:115200n8");
    int expect_bound = 0;
    for (unsigned i = 0; i < BOARD_DEVICES; i++)
        expect_bound += board_devices[i].bound;
    CHECK_EQ_INT(bound, expect_bound);
    CHECK_EQ_INT(bound, nbound);
    CHECK_EQ_INT(noffered, BOARD_DEVICES);
    for (unsigned i = 0; i < BOARD_DEVICES && i < noffered; i++) {
        CHECK_EQ_STR(offered[i].name, board_devices[i].name);
        CHECK_EQ_INT(offered_rc[i], board_devices[i].bound ? 0 : -ENODEV);
    }
    /* never offered: no compatible, disabled, or below a disabled bus */
    static const char *const absent[] = {"", "aliases", "chosen", "memory@40000000",
                                         "nocompat@4000", "off@5000", "dead-bus@8000", "wide",
                                         "alive@8000", "deeper", "alive2", "sub", "failed",
                                         "badstatus"};
    for (unsigned i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        if (offered_named(absent[i]))
            fprintf(stderr, "\"%s\" should not be offered\n", absent[i]);
        CHECK_EQ_INT(offered_named(absent[i]), 0);
    }
    CHECK(log_buf[0] == 0); /* nothing to complain about */

    const struct device *d;
    /* a root-level UART in the root's 2/2 cells, the first reg entry */
    if ((d = dev_named("pl011@9000000"))) {
        EXPECT_COMPAT(d, "arm,pl011\0arm,primecell\0");
        expect_mmio(d, 0x9000000, 0x1000);
        CHECK_EQ_INT(d->nregs, 2); /* every window is kept */
        CHECK_EQ_HEX(d->reg_base[1], 0x9001000);
        CHECK_EQ_HEX(d->reg_size[1], 0x1000);
        CHECK_EQ_INT(d->has_irq, 0);
        CHECK_EQ_INT(d->reg_width, 0);
        CHECK_EQ_INT(d->is_stdout, 0);
        CHECK_EQ_INT(d->fdt_node, node_at("/pl011@9000000"));
    }
    /* the bus itself is a device, with no reg */
    if ((d = dev_named("soc"))) {
        EXPECT_COMPAT(d, "simple-bus\0");
        expect_none(d);
        CHECK_EQ_INT(d->fdt_node, node_at("/soc"));
    }
    /* translated through soc's ranges; the stdout-path alias; reg-shift, reg-io-width */
    if ((d = dev_named("uart@1000"))) {
        EXPECT_COMPAT(d, "snps,dw-apb-uart\0ns16550a\0");
        expect_mmio(d, 0x100001000ull, 0x100);
        CHECK_EQ_INT(d->reg_shift, 2);
        CHECK_EQ_INT(d->reg_width, 4);
        CHECK_EQ_INT(d->is_stdout, 1);
        CHECK_EQ_INT(d->fdt_node, node_at("/soc/uart@1000"));
    }
    CHECK_EQ_INT(stdout_count(), 1);
    if ((d = dev_named("outside@20000000"))) {
        EXPECT_COMPAT(d, "acme,outside\0");
        expect_none(d);
        CHECK(d->fdt_node >= 0);
    }
    if ((d = dev_named("edge@fffff00"))) {
        expect_mmio(d, 0x10fffff00ull, 0x100);
        CHECK_EQ_INT(d->reg_shift, 0);
        CHECK_EQ_INT(d->reg_width, 0);
    }
    /* the I2C controller is on soc; its child is not memory-mapped */
    if ((d = dev_named("i2c@3000"))) {
        EXPECT_COMPAT(d, "acme,i2c\0");
        expect_mmio(d, 0x100003000ull, 0x100);
        CHECK_EQ_INT(d->reg_width, 1);
    }
    if ((d = dev_named("eeprom@50"))) {
        EXPECT_COMPAT(d, "atmel,24c02\0");
        expect_none(d);
        CHECK_EQ_INT(d->fdt_node, node_at("/soc/i2c@3000/eeprom@50"));
    }
    if ((d = dev_named("child@10"))) {
        EXPECT_COMPAT(d, "acme,orphan\0");
        expect_none(d); /* no reg */
    }
    if ((d = dev_named("after@6000")))
        expect_mmio(d, 0x100006000ull, 0x10);
    if ((d = dev_named("nodrv@7000"))) {
        EXPECT_COMPAT(d, "nodrv,thing\0");
        expect_mmio(d, 0x100007000ull, 0x10);
    }
    /* 1:1 bus, and a translating bus below it */
    if ((d = dev_named("timer@a000000"))) {
        EXPECT_COMPAT(d, "acme,timer\0");
        expect_mmio(d, 0xa000000, 0x1000);
        CHECK_EQ_INT(d->fdt_node, node_at("/soc2/timer@a000000"));
    }
    if ((d = dev_named("dev@10"))) {
        EXPECT_COMPAT(d, "acme,deep\0");
        expect_mmio(d, 0x20000010, 0x8);
        CHECK_EQ_INT(d->fdt_node, node_at("/soc2/sub/dev@10"));
    }
    /* two windows, 2/2 cells */
    if ((d = dev_named("soc3"))) {
        EXPECT_COMPAT(d, "nodrv,bus\0nodrv,other\0");
        expect_none(d);
    }
    if ((d = dev_named("a@1,ff0"))) {
        EXPECT_COMPAT(d, "nodrv,x\0acme,a\0");
        expect_mmio(d, 0x40000ff0, 0x10);
    }
    if ((d = dev_named("b@2,100")))
        expect_mmio(d, 0x50000100, 0x10);
    if ((d = dev_named("c@0,50000010")))
        expect_mmio(d, 0x70000010, 0x10);
    if ((d = dev_named("gap@1,1000")))
        expect_none(d);
    /* PCI-like: the bus is at the root; below it nothing is translated */
    if ((d = dev_named("pci@30000000")))
        expect_mmio(d, 0x30000000, 0x100000);
    if ((d = dev_named("bridge@0")))
        expect_none(d);
    if ((d = dev_named("leaf@0")))
        expect_none(d);
    if ((d = dev_named("x@0")))
        expect_none(d);
    /* odd properties */
    if ((d = dev_named("zero@0"))) {
        EXPECT_COMPAT(d, "acme,zero\0");
        expect_none(d);
    }
    if ((d = dev_named("partial@0"))) {
        expect_none(d);
        CHECK_EQ_INT(d->reg_shift, 0);
        CHECK_EQ_INT(d->reg_width, 1);
    }
    if ((d = dev_named("long-compat"))) {
        /* 52 + 52 + 6 bytes fit; the 50-byte third long string does not, and
         * copying stops there, so "x" after it is not taken either */
        EXPECT_COMPAT(d, "vendor-one,a-rather-long-compatible-string-number-1\0"
                         "vendor-two,a-rather-long-compatible-string-number-2\0"
                         "short\0");
        CHECK_EQ_INT(d->compatible_len, 110);
        expect_none(d);
    }
    if ((d = dev_named("unterminated")))
        EXPECT_COMPAT(d, "acme,a\0");
    if ((d = dev_named("emptystr")))
        EXPECT_COMPAT(d, "acme,e\0\0acme,f\0");
    CHECK_EQ_INT(offered_named("emptyprop"), 0);
    CHECK_EQ_INT(offered_named("undriven@7800"), 0);
    if ((d = dev_named("a-node-name-that-is-longer-than-the-device-name"))) {
        CHECK_EQ_INT(strlen(d->name), DEV_NAME_MAX - 1);
        CHECK_EQ_INT(d->fdt_node, node_at("/" LONG_NAME));
        EXPECT_COMPAT(d, "acme,long\0");
    }
    for (unsigned i = 0; i < noffered && i < MAX_OFFERED; i++)
        CHECK(offered[i].fdt_node >= 0);
}

/* stdout-path as a full path, an alias with and without options, none, or broken. */
static void test_board_stdout(void)
{
    build_board();
    int all = probe("serial0:115200n8");
    const struct device *d;

    CHECK_EQ_INT(probe("/pl011@9000000"), all);
    CHECK_EQ_INT(stdout_count(), 1);
    if ((d = dev_named("pl011@9000000")))
        CHECK_EQ_INT(d->is_stdout, 1);
    if ((d = dev_named("uart@1000")))
        CHECK_EQ_INT(d->is_stdout, 0);

    CHECK_EQ_INT(probe("/pl011@9000000:115200n8"), all);
    if ((d = dev_named("pl011@9000000")))
        CHECK_EQ_INT(d->is_stdout, 1);
    CHECK_EQ_INT(stdout_count(), 1);

    CHECK_EQ_INT(probe("serial1"), all);
    if ((d = dev_named("pl011@9000000")))
        CHECK_EQ_INT(d->is_stdout, 1);
    CHECK_EQ_INT(stdout_count(), 1);

    CHECK_EQ_INT(probe("/soc/uart@1000"), all);
    if ((d = dev_named("uart@1000")))
        CHECK_EQ_INT(d->is_stdout, 1);
    CHECK_EQ_INT(stdout_count(), 1);

    CHECK_EQ_INT(probe("/soc2/sub/dev@10:9600"), all); /* any depth */
    if ((d = dev_named("dev@10")))
        CHECK_EQ_INT(d->is_stdout, 1);
    CHECK_EQ_INT(stdout_count(), 1);

    /* none given: nothing marked, nothing logged */
    CHECK_EQ_INT(probe(""), all);
    CHECK_EQ_INT(stdout_count(), 0);
    CHECK(log_buf[0] == 0);

    /* names no node: a warning, the walk goes on */
    CHECK_EQ_INT(probe("/nope"), all);
    CHECK_EQ_INT(stdout_count(), 0);
    CHECK(log_has("stdout-path '/nope' names no node (ENOENT)"));
    CHECK_EQ_INT(probe("serial9:115200"), all);
    CHECK_EQ_INT(stdout_count(), 0);
    CHECK(log_has("stdout-path 'serial9:115200' names no node (ENOENT)"));

    /* names a disabled node, or one that is not a device: nothing marked, no warning */
    CHECK_EQ_INT(probe("gone"), all);
    CHECK_EQ_INT(stdout_count(), 0);
    CHECK(log_buf[0] == 0);
    CHECK_EQ_INT(probe("/chosen"), all);
    CHECK_EQ_INT(stdout_count(), 0);
}

/* Nodes 16 levels down (MAX_DEPTH) are beyond the walker; the rest still work. */
static void test_deep_tree(void)
{
    b_reset();
    b_node("");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 1);
    char name[16];
    for (int d = 1; d <= 18; d++) {
        snprintf(name, sizeof name, "n%d", d);
        b_node(name);
        B_STRS("compatible", "simple-bus");
        b_u32("#address-cells", 1);
        b_u32("#size-cells", 1);
        b_cells("ranges", 3, 0x0, 0x10, 0x100000); /* each level adds 0x10 */
        b_cells("reg", 2, 0x100, 0x10);
    }
    for (int d = 1; d <= 18; d++)
        b_end();
    b_node("tail"); /* back at depth 1 after the deep chain */
    B_STRS("compatible", "acme,tail");
    b_cells("reg", 2, 0x1000, 0x10);
    b_end();
    b_end();
    b_finish();
    CHECK_EQ_INT(probe("/n1/n2/n3/n4/n5/n6/n7/n8/n9/n10/n11/n12/n13/n14/n15"), 16);
    CHECK_EQ_INT(noffered, 16);
    for (int d = 1; d <= 15; d++) {
        snprintf(name, sizeof name, "n%d", d);
        const struct device *dev = dev_named(name);
        /* n<d>'s reg is translated through the d - 1 buses above it */
        if (dev) {
            expect_mmio(dev, 0x100 + 0x10 * (uint64_t)(d - 1), 0x10);
            CHECK_EQ_INT(dev->is_stdout, d == 15);
        }
    }
    CHECK_EQ_INT(offered_named("n16"), 0);
    CHECK_EQ_INT(offered_named("n18"), 0);
    const struct device *t = dev_named("tail");
    if (t)
        expect_mmio(t, 0x1000, 0x10);
}

/* A disabled root hides the whole tree; a tree of just a root has no devices. */
static void test_tiny_trees(void)
{
    b_reset();
    b_node("");
    b_str("status", "disabled");
    b_node("uart@0");
    B_STRS("compatible", "ns16550a");
    b_cells("reg", 3, 0x0, 0x0, 0x100);
    b_end();
    b_end();
    b_finish();
    CHECK_EQ_INT(probe("/uart@0"), 0);
    CHECK_EQ_INT(noffered, 0);

    b_reset();
    b_node("");
    B_STRS("compatible", "acme,board");
    b_end();
    b_finish();
    CHECK_EQ_INT(probe("/"), 0);
    CHECK_EQ_INT(noffered, 0);
    CHECK(log_buf[0] == 0);

    /* a disabled node at depth 1 hides only its own subtree, also its deeper nieces */
    b_reset();
    b_node("");
    b_node("a");
    b_str("status", "disabled");
    b_node("a1");
    b_node("a2");
    B_STRS("compatible", "acme,a2");
    b_end();
    b_end();
    b_end();
    b_node("b");
    b_node("b1");
    b_node("b2");
    B_STRS("compatible", "acme,b2");
    b_end();
    b_end();
    b_end();
    b_end();
    b_finish();
    CHECK_EQ_INT(probe(""), 1);
    CHECK_EQ_INT(offered_named("a2"), 0);
    CHECK_EQ_INT(offered_named("b2"), 1);
}

/* ---- register windows ---- */

static void expect_window(const struct device *d, unsigned i, uint64_t base, uint64_t size)
{
    if (d->reg_base[i] != base || d->reg_size[i] != size)
        fprintf(stderr, "%s: want window %u at %#jx+%#jx\n", d->name, i, (uintmax_t)base,
                (uintmax_t)size);
    CHECK_EQ_HEX(d->reg_base[i], base);
    CHECK_EQ_HEX(d->reg_size[i], size);
}

/* Every window translated like the first, up to DEV_MAX_REGS, and up to the
 * first that cannot be used. */
static void test_reg_windows(void)
{
    b_reset();
    b_node("");
    b_u32("#address-cells", 2);
    b_u32("#size-cells", 2);
    b_node("gic@8000000"); /* QEMU virt GICv3 with virtualization: 5 windows */
    B_STRS("compatible", "arm,gic-v3");
    b_cells("reg", 20, 0x0, 0x8000000, 0x0, 0x10000, 0x0, 0x80a0000, 0x0, 0xf60000,
            0x0, 0x8010000, 0x0, 0x10000, 0x0, 0x8030000, 0x0, 0x10000,
            0x0, 0x8040000, 0x0, 0x10000);
    b_end();
    b_node("soc");
    B_STRS("compatible", "nodrv,bus");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 1);
    b_cells("ranges", 4, 0x0, 0x1, 0x0, 0x100000);
    b_node("two@1000"); /* both translated */
    B_STRS("compatible", "acme,two");
    b_cells("reg", 4, 0x1000, 0x100, 0x80000, 0x40);
    b_end();
    b_node("cut@2000"); /* the second window is outside soc's ranges: one kept */
    B_STRS("compatible", "acme,cut");
    b_cells("reg", 6, 0x2000, 0x100, 0x200000, 0x10, 0x3000, 0x10);
    b_end();
    b_node("hole@3000"); /* an empty second window ends the list */
    B_STRS("compatible", "acme,hole");
    b_cells("reg", 6, 0x3000, 0x100, 0x4000, 0x0, 0x5000, 0x10);
    b_end();
    b_node("ragged@6000"); /* a trailing half entry is not a window */
    B_STRS("compatible", "acme,ragged");
    b_cells("reg", 3, 0x6000, 0x100, 0x7000);
    b_end();
    b_end();
    b_end();
    b_finish();
    CHECK_EQ_INT(probe(""), 5);
    const struct device *d;
    if ((d = dev_named("gic@8000000"))) {
        CHECK_EQ_INT(d->nregs, DEV_MAX_REGS);
        expect_mmio(d, 0x8000000, 0x10000);
        expect_window(d, 1, 0x80a0000, 0xf60000);
        expect_window(d, 2, 0x8010000, 0x10000);
        expect_window(d, 3, 0x8030000, 0x10000);
    }
    if ((d = dev_named("two@1000"))) {
        CHECK_EQ_INT(d->nregs, 2);
        expect_mmio(d, 0x100001000ull, 0x100);
        expect_window(d, 1, 0x100080000ull, 0x40);
    }
    if ((d = dev_named("cut@2000"))) {
        CHECK_EQ_INT(d->nregs, 1);
        expect_mmio(d, 0x100002000ull, 0x100);
    }
    if ((d = dev_named("hole@3000")))
        CHECK_EQ_INT(d->nregs, 1);
    if ((d = dev_named("ragged@6000"))) { /* fdt_reg rejects the whole property */
        CHECK_EQ_INT(d->nregs, 0);
        expect_none(d);
    }
}

/* ---- interrupts ---- */

enum { PH_GIC = 1, PH_INTC2 = 2, PH_INTC1 = 3, PH_PLAIN = 4, PH_WIDE = 5, PH_ZERO = 6 };

/* A QEMU-virt-like tree: a GICv3 as the root's interrupt-parent, two other
 * controllers, every way of naming a parent, and a device per broken case. */
static void build_irq_tree(void)
{
    b_reset();
    b_node("");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 1);
    b_u32("interrupt-parent", PH_GIC);
    b_node("intc@8000000");
    B_STRS("compatible", "arm,gic-v3");
    b_cells("reg", 4, 0x8000000, 0x10000, 0x80a0000, 0xf60000);
    b_prop("interrupt-controller", "", 0);
    b_u32("#interrupt-cells", 3);
    b_u32("phandle", PH_GIC);
    b_cells("interrupts", 3, 1, 9, 4); /* its own maintenance PPI: parent is itself */
    b_end();
    b_node("timer"); /* secure, non-secure, virtual, hypervisor PPIs; v2 CPU mask bits */
    B_STRS("compatible", "arm,armv8-timer\0arm,armv7-timer");
    b_cells("interrupts", 12, 1, 13, 0xf08, 1, 14, 0xf08, 1, 11, 0xf08, 1, 10, 0xf08);
    b_end();
    b_node("pl011@9000000");
    B_STRS("compatible", "arm,pl011\0arm,primecell");
    b_cells("reg", 2, 0x9000000, 0x1000);
    b_cells("interrupts", 3, 0, 1, 4);
    b_end();
    b_node("edge@1");
    B_STRS("compatible", "acme,edge");
    b_cells("interrupts", 3, 0, 5, 1);
    b_end();
    b_node("fall@2");
    B_STRS("compatible", "acme,fall");
    b_cells("interrupts", 3, 0, 6, 2);
    b_end();
    b_node("low@3");
    B_STRS("compatible", "acme,low");
    b_cells("interrupts", 3, 0, 7, 8);
    b_end();
    b_node("noflags@4");
    B_STRS("compatible", "acme,noflags");
    b_cells("interrupts", 3, 0, 8, 0);
    b_end();
    b_node("lastspi@5"); /* the last SPI a GIC has: INTID 1019 */
    B_STRS("compatible", "acme,lastspi");
    b_cells("interrupts", 3, 0, 987, 4);
    b_end();
    b_node("gic4@6"); /* a four-cell GICv3 controller: the fourth cell is ignored */
    B_STRS("compatible", "acme,gic4");
    b_u32("interrupt-parent", PH_WIDE);
    b_cells("interrupts", 4, 1, 2, 4, 0);
    b_end();
    b_node("intc2@10000"); /* a two-cell controller; its children use it implicitly */
    B_STRS("compatible", "acme,intc2");
    b_cells("reg", 2, 0x10000, 0x100);
    b_prop("interrupt-controller", "", 0);
    b_u32("#interrupt-cells", 2);
    b_u32("phandle", PH_INTC2);
    b_cells("interrupts", 3, 0, 20, 4); /* cascaded into the GIC */
    b_node("kid@0");
    B_STRS("compatible", "acme,kid");
    b_cells("interrupts", 2, 5, 8);
    b_end();
    b_end();
    b_node("intc1@20000"); /* a one-cell controller */
    B_STRS("compatible", "nodrv,intc1");
    b_prop("interrupt-controller", "", 0);
    b_u32("#interrupt-cells", 1);
    b_u32("phandle", PH_INTC1);
    b_end();
    b_node("wide-intc"); /* a GICv3 with #interrupt-cells = 4 */
    B_STRS("compatible", "nodrv,x\0arm,gic-v3");
    b_prop("interrupt-controller", "", 0);
    b_u32("#interrupt-cells", 4);
    b_u32("phandle", PH_WIDE);
    b_end();
    b_node("one@30000");
    B_STRS("compatible", "acme,one");
    b_u32("interrupt-parent", PH_INTC1);
    b_cells("interrupts", 2, 9, 10); /* two interrupts; the first is the device's */
    b_end();
    b_node("bus"); /* interrupt-parent on a bus serves its children */
    B_STRS("compatible", "nodrv,bus");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 1);
    b_prop("ranges", "", 0);
    b_u32("interrupt-parent", PH_INTC2);
    b_node("inbus@40000");
    B_STRS("compatible", "acme,inbus");
    b_cells("reg", 2, 0x40000, 0x100);
    b_cells("interrupts", 2, 4, 4);
    b_end();
    b_node("override@50000"); /* ... unless the child names its own */
    B_STRS("compatible", "acme,override");
    b_u32("interrupt-parent", PH_GIC);
    b_cells("interrupts", 3, 1, 7, 4);
    b_end();
    b_end();
    b_node("ext@60000"); /* interrupts-extended wins over interrupts */
    B_STRS("compatible", "acme,ext");
    b_cells("interrupts-extended", 7, PH_GIC, 0, 3, 4, PH_INTC2, 6, 2);
    b_cells("interrupts", 3, 0, 30, 4);
    b_end();

    /* broken: each device is still offered, with its reg, but no interrupt */
    b_node("short@70000"); /* 2 cells for a 3-cell parent */
    B_STRS("compatible", "acme,short");
    b_cells("reg", 2, 0x70000, 0x100);
    b_cells("interrupts", 2, 0, 1);
    b_end();
    b_node("ragged@71000"); /* 4 cells: one whole specifier and a bit */
    B_STRS("compatible", "acme,ragged");
    b_cells("interrupts", 4, 0, 1, 4, 0);
    b_end();
    b_node("empty@72000");
    B_STRS("compatible", "acme,empty");
    b_prop("interrupts", "", 0);
    b_end();
    b_node("badph@73000");
    B_STRS("compatible", "acme,badph");
    b_u32("interrupt-parent", 0x99);
    b_cells("interrupts", 3, 0, 1, 4);
    b_end();
    b_node("zeroph@74000"); /* phandle 0 is never valid */
    B_STRS("compatible", "acme,zeroph");
    b_u32("interrupt-parent", 0);
    b_cells("interrupts", 3, 0, 1, 4);
    b_end();
    b_node("longph@75000"); /* interrupt-parent of two cells */
    B_STRS("compatible", "acme,longph");
    b_cells("interrupt-parent", 2, PH_GIC, 0);
    b_cells("interrupts", 3, 0, 1, 4);
    b_end();
    b_node("plain"); /* a phandle target that is no interrupt controller */
    B_STRS("compatible", "nodrv,plain");
    b_u32("phandle", PH_PLAIN);
    b_end();
    b_node("notctrl@76000");
    B_STRS("compatible", "acme,notctrl");
    b_u32("interrupt-parent", PH_PLAIN);
    b_cells("interrupts", 1, 3);
    b_end();
    b_node("zero-intc"); /* #interrupt-cells = 0 */
    B_STRS("compatible", "nodrv,zero");
    b_prop("interrupt-controller", "", 0);
    b_u32("#interrupt-cells", 0);
    b_u32("phandle", PH_ZERO);
    b_end();
    b_node("zerocells@77000");
    B_STRS("compatible", "acme,zerocells");
    b_u32("interrupt-parent", PH_ZERO);
    b_cells("interrupts", 1, 3);
    b_end();
    b_node("ppi16@78000"); /* PPIs are 0-15 */
    B_STRS("compatible", "acme,ppi16");
    b_cells("interrupts", 3, 1, 16, 4);
    b_end();
    b_node("espi@79000"); /* GICv3.1 extended SPI: beyond INTID 1019 */
    B_STRS("compatible", "acme,espi");
    b_cells("interrupts", 3, 2, 1, 4);
    b_end();
    b_node("bigspi@7a000"); /* past INTID 1019 */
    B_STRS("compatible", "acme,bigspi");
    b_cells("interrupts", 3, 0, 988, 4);
    b_end();
    b_node("bignum@7b000");
    B_STRS("compatible", "acme,bignum");
    b_u32("interrupt-parent", PH_INTC1);
    b_cells("interrupts", 1, 0xfffffffe);
    b_end();
    b_node("hidden@7b100"); /* all-ones: an entry firmware hides (OpenSBI's PLIC M-mode contexts) */
    B_STRS("compatible", "acme,hidden");
    b_u32("interrupt-parent", PH_INTC1);
    b_cells("interrupts", 1, 0xffffffff);
    b_end();
    b_node("ext-badph@7c000");
    B_STRS("compatible", "acme,ext-badph");
    b_cells("interrupts-extended", 4, 0x77, 0, 3, 4);
    b_end();
    b_node("ext-short@7d000"); /* the controller wants 3 cells, 2 follow */
    B_STRS("compatible", "acme,ext-short");
    b_cells("interrupts-extended", 3, PH_GIC, 0, 3);
    b_end();
    b_node("ext-stub@7e000"); /* less than a phandle */
    B_STRS("compatible", "acme,ext-stub");
    b_prop("interrupts-extended", "\0\0", 2);
    b_end();
    b_node("intc3"); /* a three-cell controller that is no GIC */
    B_STRS("compatible", "nodrv,intc3");
    b_prop("interrupt-controller", "", 0);
    b_u32("#interrupt-cells", 3);
    b_u32("phandle", 7);
    b_end();
    b_node("odd@7f000");
    B_STRS("compatible", "acme,odd");
    b_u32("interrupt-parent", 7);
    b_cells("interrupts", 3, 0, 1, 4);
    b_end();
    b_node("narrow-gic"); /* a GIC with too few cells for its binding */
    B_STRS("compatible", "nodrv,y\0arm,gic-400");
    b_prop("interrupt-controller", "", 0);
    b_u32("#interrupt-cells", 2);
    b_u32("phandle", 8);
    b_end();
    b_node("narrow@7f100");
    B_STRS("compatible", "acme,narrow");
    b_u32("interrupt-parent", 8);
    b_cells("interrupts", 2, 1, 4);
    b_end();
    b_end();
    b_finish();
}

static void expect_irq(const char *name, unsigned irq, unsigned trigger)
{
    const struct device *d = dev_named(name);
    if (!d)
        return;
    if (!d->has_irq || d->irq != irq || d->irq_trigger != trigger)
        fprintf(stderr, "%s: want irq %u trigger %u, have %u/%u/%u\n", name, irq, trigger,
                d->has_irq, d->irq, d->irq_trigger);
    CHECK_EQ_INT(d->has_irq, 1);
    CHECK_EQ_INT(d->irq, irq);
    CHECK_EQ_INT(d->irq_trigger, trigger);
}

static void expect_no_irq(const char *name, const char *warning)
{
    const struct device *d = dev_named(name);
    if (d)
        CHECK_EQ_INT(d->has_irq, 0);
    if (warning && !log_has(warning))
        fprintf(stderr, "%s: no warning \"%s\" in:\n%s\n", name, warning, log_buf);
    CHECK(!warning || log_has(warning));
}

/* Interrupt @p index of the node at @p path through fdt_bus_irq(). */
static int irq_at(const char *path, unsigned index, unsigned *irq, unsigned *trigger)
{
    struct fdt f;
    uint8_t *copy = blob_copy(blob_len);
    int rc = -1000;
    if (fdt_init(&f, copy, blob_len) == 0)
        rc = fdt_bus_irq(&f, fdt_path(&f, path), index, irq, trigger);
    free(copy);
    return rc;
}

static void test_interrupts(void)
{
    build_irq_tree();
    probe("");
    const unsigned E = IRQ_TRIGGER_EDGE, L = IRQ_TRIGGER_LEVEL;
    expect_irq("intc@8000000", 16 + 9, L);
    expect_irq("timer", 16 + 13, L); /* the first; the CPU mask bits do not leak */
    expect_irq("pl011@9000000", 33, L);
    expect_irq("edge@1", 37, E);
    expect_irq("fall@2", 38, E);
    expect_irq("low@3", 39, L);
    expect_irq("noflags@4", 40, IRQ_TRIGGER_DEFAULT);
    expect_irq("lastspi@5", 1019, L);
    expect_irq("gic4@6", 18, L);
    expect_irq("intc2@10000", 52, L);
    expect_irq("kid@0", 5, L);
    expect_irq("one@30000", 9, IRQ_TRIGGER_DEFAULT);
    expect_irq("inbus@40000", 4, L);
    expect_irq("override@50000", 23, L);
    expect_irq("ext@60000", 35, L);
    const struct device *d;
    if ((d = dev_named("pl011@9000000")))
        expect_mmio(d, 0x9000000, 0x1000);
    if ((d = dev_named("wide-intc")))
        CHECK_EQ_INT(d->has_irq, 0); /* no interrupts of its own */

    /* later interrupts, as the timer driver asks for its virtual one */
    unsigned irq = 0, trig = 0;
    CHECK_EQ_INT(irq_at("/timer", 2, &irq, &trig), 0);
    CHECK_EQ_INT(irq, 27);
    CHECK_EQ_INT(trig, L);
    CHECK_EQ_INT(irq_at("/timer", 3, &irq, &trig), 0);
    CHECK_EQ_INT(irq, 26);
    CHECK_EQ_INT(irq_at("/timer", 4, &irq, &trig), -ENOENT);
    CHECK_EQ_INT(irq_at("/one@30000", 1, &irq, &trig), 0);
    CHECK_EQ_INT(irq, 10);
    CHECK_EQ_INT(irq_at("/ext@60000", 1, &irq, &trig), 0);
    CHECK_EQ_INT(irq, 6);
    CHECK_EQ_INT(trig, E);
    CHECK_EQ_INT(irq_at("/ext@60000", 2, &irq, &trig), -ENOENT);
    CHECK_EQ_INT(irq_at("/bus/inbus@40000", 0, &irq, &trig), 0); /* parent found upwards */
    CHECK_EQ_INT(irq, 4);
    CHECK_EQ_INT(irq_at("/intc2@10000/kid@0", 0, &irq, &trig), 0);
    CHECK_EQ_INT(irq, 5);
    CHECK_EQ_INT(irq_at("/plain", 0, &irq, &trig), -ENOENT); /* none */
    CHECK_EQ_INT(irq_at("/", 0, &irq, &trig), -ENOENT);
    CHECK_EQ_INT(irq_at("/short@70000", 0, &irq, &trig), -EINVAL);
    CHECK_EQ_INT(fdt_bus_irq(&(struct fdt){0}, -ENOENT, 0, &irq, &trig), -EINVAL);
}

/* Broken interrupt descriptions: the device loses its interrupt, with a warning. */
static void test_interrupts_broken(void)
{
    build_irq_tree();
    int bound = probe("");
    CHECK_EQ_INT(bound, (int)nbound);
    expect_no_irq("short@70000", "short@70000: interrupts is 8 bytes, not a multiple of 12");
    const struct device *d;
    if ((d = dev_named("short@70000")))
        expect_mmio(d, 0x70000, 0x100); /* the rest of the device is intact */
    expect_no_irq("ragged@71000", "ragged@71000: interrupts is 16 bytes");
    expect_no_irq("empty@72000", "empty@72000: interrupts is 0 bytes");
    expect_no_irq("badph@73000", "badph@73000: interrupt-parent <0x99> names no node");
    expect_no_irq("zeroph@74000", "zeroph@74000: interrupt-parent <0> names no node");
    expect_no_irq("longph@75000", "longph@75000: interrupt-parent is not one cell");
    expect_no_irq("notctrl@76000", "notctrl@76000: its interrupt parent plain has no usable");
    expect_no_irq("zerocells@77000", "its interrupt parent zero-intc has no usable");
    expect_no_irq("ppi16@78000", "ppi16@78000: GIC interrupt <1 16> not supported");
    expect_no_irq("espi@79000", "espi@79000: GIC interrupt <2 1> not supported");
    expect_no_irq("bigspi@7a000", "bigspi@7a000: GIC interrupt <0 988> not supported");
    expect_no_irq("bignum@7b000", "bignum@7b000: interrupt 4294967294 out of range");
    expect_no_irq("hidden@7b100", NULL);
    CHECK(!log_has("hidden@7b100"));
    expect_no_irq("ext-badph@7c000", "ext-badph@7c000: interrupts-extended names no controller");
    expect_no_irq("ext-short@7d000", "ext-short@7d000: interrupts-extended is cut short");
    expect_no_irq("ext-stub@7e000", "ext-stub@7e000: interrupts-extended names no controller");
    expect_no_irq("odd@7f000", "odd@7f000: 3-cell interrupts of intc3 not understood");
    expect_no_irq("narrow@7f100", "narrow@7f100: 2-cell interrupts of narrow-gic not understood");
    unsigned irq, trig;
    CHECK_EQ_INT(irq_at("/badph@73000", 0, &irq, &trig), -EINVAL);
    /* no parent anywhere: a tree without the root's interrupt-parent */
    b_reset();
    b_node("");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 1);
    b_node("orphan@1000");
    B_STRS("compatible", "acme,orphan");
    b_cells("reg", 2, 0x1000, 0x10);
    b_cells("interrupts", 3, 0, 1, 4);
    b_end();
    b_node("quiet@2000"); /* no interrupts: nothing to say */
    B_STRS("compatible", "acme,quiet");
    b_end();
    b_end();
    b_finish();
    CHECK_EQ_INT(probe(""), 2);
    expect_no_irq("orphan@1000", "orphan@1000: has interrupts but no interrupt-parent");
    CHECK_EQ_INT(irq_at("/orphan@1000", 0, &irq, &trig), -EINVAL);
    CHECK(!log_has("quiet"));
    if ((d = dev_named("orphan@1000")))
        expect_mmio(d, 0x1000, 0x10);
}

/* ---- randomized mutation: whatever fdt_init accepts must be walked safely ---- */
static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static void test_mutations(void (*build)(void), const char *what)
{
    static const char *const paths[] = {"serial0:115200n8", "/soc/uart@1000", "", "serial1",
                                        "/pl011@9000000:x", "gone"};
    uint8_t base[sizeof blob];
    int accepted = 0, runs = 0;
    build();
    uint32_t len = blob_len;
    memcpy(base, blob, len);
    uint32_t st = hdr_get(H_OFF_STRUCT), st_len = hdr_get(H_SIZE_STRUCT);
    for (int iter = 0; iter < 20000 && accepted < 2000; iter++) {
        uint8_t *m = malloc(len);
        memcpy(m, base, len);
        int flips = 1 + (int)(rnd() % 4);
        for (int k = 0; k < flips; k++) {
            /* mostly the structure block (cells, lengths, names, tokens) */
            uint32_t at = rnd() % 4 == 0 ? rnd() % len : st + rnd() % st_len;
            static const uint8_t vals[] = {0, 1, 2, 3, 4, 9, 0x7f, 0x80, 0xff};
            m[at] = rnd() % 2 ? vals[rnd() % sizeof vals] : (uint8_t)rnd();
        }
        struct fdt f;
        if (fdt_init(&f, m, len) == 0) {
            accepted++;
            for (unsigned p = 0; p < sizeof paths / sizeof paths[0]; p += 1 + rnd() % 3) {
                fake_reset();
                cur_fdt = &f;
                int bound = fdt_bus_probe(&f, paths[p]);
                runs++;
                CHECK_EQ_INT(bound, nbound);
                CHECK(!bad_device);
                CHECK(stdout_count() <= 1);
            }
        }
        free(m);
    }
    CHECK_EQ_INT(accepted, 2000);
    printf("test_fdt_bus: %d mutated %s trees accepted, %d walks\n", accepted, what, runs);
}

/* Late nodes: not described or offered by the walk, then offered, fully
 * described (reg translated through a bus, interrupt decoded), by the one
 * deferred function the walk queued. Runs first: the walker notes late
 * nodes once per boot. */
static void test_late(void)
{
    b_reset();
    b_node("");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 1);
    b_node("intc@100");
    B_STRS("compatible", "acme,intc");
    b_prop("interrupt-controller", "", 0);
    b_u32("#interrupt-cells", 1);
    b_u32("phandle", 7);
    b_end();
    b_node("bus");
    B_STRS("compatible", "simple-bus");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 1);
    b_cells("ranges", 3, 0x0, 0x40000000, 0x10000);
    b_node("slot@200");
    B_STRS("compatible", "late,slot");
    b_cells("reg", 2, 0x200, 0x200);
    b_u32("interrupt-parent", 7);
    b_cells("interrupts", 1, 48);
    b_end();
    b_end();
    b_node("uart@300");
    B_STRS("compatible", "acme,uart");
    b_cells("reg", 2, 0x300, 0x100);
    b_end();
    b_end();
    b_finish();
    struct fdt f;
    uint8_t *copy = blob_copy(blob_len);
    CHECK_EQ_INT(fdt_init(&f, copy, blob_len), 0);
    fake_reset();
    cur_fdt = &f;
    fdt_bus_probe(&f, "");
    CHECK(!offered_named("slot@200"));
    CHECK(offered_named("uart@300") && offered_named("bus"));
    CHECK_EQ_INT(ndeferred, 1);
    CHECK(deferred_fn && deferred_arg == &f);
    if (deferred_fn)
        deferred_fn(deferred_arg);
    const struct device *d = dev_named("slot@200");
    CHECK(d != NULL);
    if (d) {
        expect_mmio(d, 0x40000200, 0x200);
        CHECK_EQ_INT(d->has_irq, 1);
        CHECK_EQ_INT(d->irq, 48);
        CHECK_EQ_INT(d->fdt_node, fdt_path(&f, "/bus/slot@200"));
    }
    CHECK(!bad_device);
    free(copy);
}

int main(void)
{
    test_late();
    test_board_devices();
    test_board_stdout();
    test_deep_tree();
    test_tiny_trees();
    test_reg_windows();
    test_interrupts();
    test_interrupts_broken();
    test_mutations(build_board, "board");
    test_mutations(build_irq_tree, "interrupt");
    return CHECK_DONE("test_fdt_bus");
}
