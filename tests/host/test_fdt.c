/**
 * @file test_fdt.c
 * @brief Host tests of the FDT reader (kernel/lib/fdt.c), the DTB to
 *        boot_info converter (boot/devicetree.c) and boot_add_range.
 *
 * Trees are built by the small blob builder in fdt_builder.h rather than
 * checked in as binaries, so each test shows the tree it means. Blobs are
 * handed to the parser in malloc'd buffers of exactly their size, so ASan
 * flags any read past the end; malformed and randomly mutated blobs must be
 * rejected or parsed without such a read.
 */
#include <boot/bootinfo.h>
#include <boot/devicetree.h>
#include <hal/smp.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/log.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "fdt_builder.h"

#include "log_capture.h" /* klog(), log_reset(), log_has() */

#include "../../arch/aarch64/dt.h" /* a64_dt_cpus(): aarch64's /cpus over dt_for_each_cpu() */

/* ---- the generic tree used by the API tests ---- */
static void build_api_tree(void)
{
    b_reset();
    b_rsv(0x48000000, 0x100000);
    b_rsv(0x1000000000ull, 0x2000);
    b_word(4); /* NOPs may appear anywhere between tokens */
    b_node("");
    b_u32("#address-cells", 2);
    b_u32("#size-cells", 1);
    b_str("model", "acme board");
    b_word(4);
    B_STRS("compatible", "acme,board\0acme,soc");
    b_node("aliases");
    b_str("serial0", "/soc/uart@1000");
    b_str("relative", "soc/uart@1000");
    b_prop("unterminated", "/soc", 4);
    b_end();
    b_node("chosen");
    b_word(4);
    b_end();
    b_word(4);
    b_node("cpus");
    b_u32("phandle", 0xffffffff); /* never a valid phandle, so never found */
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 0);
    b_node("cpu@0");
    b_u32("reg", 0);
    b_end();
    b_node("cpu@1");
    b_u32("reg", 1);
    b_end();
    b_end();
    b_node("soc");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 1);
    b_node("uart@1000");
    B_STRS("compatible", "ns16550a\0arm,pl011");
    b_cells("reg", 4, 0x1000, 0x100, 0x2000, 0x10);
    b_u32("phandle", 5);
    b_str("status", "okay");
    b_prop("dma-coherent", "", 0);
    b_cells("clock-frequency", 2, 0x1, 0x2);
    b_prop("badstr", "abc", 3);
    b_node("port");
    b_end();
    b_end();
    b_node("uart@2000");
    B_STRS("compatible", "arm,pl011");
    b_cells("reg", 2, 0x2000, 0x1000);
    b_str("status", "disabled");
    b_u32("linux,phandle", 7);
    b_end();
    b_node("intc");
    b_u32("phandle", 9);
    b_prop("fake", "\0\0\0\1x\0\0", 8); /* looks like a BEGIN_NODE token */
    b_prop("fakeprop", "\0\0\0\3\0\0\x10\0\0\0\0", 12); /* a PROP token, len 0x1000 */
    b_end();
    b_end();
    b_node("bus64");
    b_u32("#address-cells", 2);
    b_u32("#size-cells", 2);
    b_node("dev@100000000");
    b_cells("reg", 4, 0x1, 0x0, 0x0, 0x20000);
    b_u32("#address-cells", 5);
    b_prop("#size-cells", "\0\0", 2);
    b_end();
    b_end();
    b_node("memory@80000000");
    b_cells("reg", 3, 0x0, 0x80000000, 0x1000000);
    b_end();
    b_node("weird");
    b_u32("#address-cells", 3);
    b_u32("#size-cells", 1);
    b_node("pci@0");
    b_cells("reg", 4, 0, 0, 0, 1);
    b_end();
    b_end();
    b_node("odd");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 1);
    b_node("partial");
    b_cells("reg", 3, 1, 2, 3);
    b_end();
    b_node("huge");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 3);
    b_node("w");
    b_cells("reg", 4, 1, 0, 0, 1);
    b_end();
    b_end();
    b_end();
    b_end();
    b_finish();
}

static const char *name_of(const struct fdt *f, int node)
{
    const char *n = fdt_node_name(f, node, NULL);
    return n ? n : "(null)";
}

static void test_iteration(const struct fdt *f)
{
    int root = fdt_root(f);
    size_t len = 99;
    CHECK(root >= 0);
    CHECK_EQ_STR(fdt_node_name(f, root, &len), "");
    CHECK_EQ_INT(len, 0);
    static const char *const top[] = {"aliases", "chosen", "cpus", "soc", "bus64",
                                      "memory@80000000", "weird", "odd"};
    int i = 0, n;
    for (n = fdt_first_child(f, root); n >= 0 && i < 8; n = fdt_next_sibling(f, n), i++) {
        CHECK_EQ_STR(name_of(f, n), top[i]);
        CHECK_EQ_INT(fdt_parent(f, n), root);
    }
    CHECK_EQ_INT(i, 8);
    CHECK_EQ_INT(n, -ENOENT);
    CHECK_EQ_INT(fdt_first_child(f, fdt_path(f, "/chosen")), -ENOENT);
    CHECK_EQ_INT(fdt_next_sibling(f, root), -ENOENT);
    CHECK_EQ_INT(fdt_parent(f, root), -ENOENT);
    CHECK_EQ_INT(fdt_parent(f, fdt_path(f, "/soc/uart@1000/port")), fdt_path(f, "/soc/uart@1000"));

    /* document order with depths */
    static const char *const order[] = {"", "aliases", "chosen", "cpus", "cpu@0", "cpu@1", "soc",
                                        "uart@1000", "port", "uart@2000", "intc", "bus64",
                                        "dev@100000000", "memory@80000000", "weird", "pci@0",
                                        "odd", "partial", "huge", "w"};
    static const int depths[] = {0, 1, 1, 1, 2, 2, 1, 2, 3, 2, 2, 1, 2, 1, 1, 2, 1, 2, 2, 3};
    int depth = 0;
    i = 0;
    for (n = root; n >= 0 && i < 20; n = fdt_next_node(f, n, &depth), i++) {
        CHECK_EQ_STR(name_of(f, n), order[i]);
        CHECK_EQ_INT(depth, depths[i]);
    }
    CHECK_EQ_INT(i, 20);
    CHECK_EQ_INT(n, -ENOENT);
    /* a subtree walk stops when it climbs out of the start node */
    int soc = fdt_path(f, "/soc"), count = 0;
    depth = 0;
    for (n = fdt_next_node(f, soc, &depth); n >= 0; n = fdt_next_node(f, n, &depth))
        count++;
    CHECK_EQ_INT(count, 4);

    /* offsets that are not nodes */
    CHECK_EQ_INT(fdt_next_node(f, -1, NULL), -EINVAL);
    CHECK_EQ_INT(fdt_next_node(f, root + 2, NULL), -EINVAL);
    CHECK_EQ_INT(fdt_first_child(f, 1 << 30), -EINVAL);
    CHECK_EQ_INT(fdt_parent(f, fdt_first_prop(f, root)), -EINVAL);
    CHECK(fdt_node_name(f, -ENOENT, NULL) == NULL);
    /* a node-like token inside a property value is not in the tree */
    int fake = fdt_first_prop(f, fdt_path(f, "/soc/intc"));
    fake = fdt_next_prop(f, fake) + 12;
    CHECK_EQ_STR(name_of(f, fake), "x");
    CHECK_EQ_INT(fdt_parent(f, fake), -ENOENT);
    uint64_t base, size;
    CHECK_EQ_INT(fdt_reg(f, fake, 0, &base, &size), -ENOENT);
    /* a property-like token whose value would run past the block */
    int fakeprop = fdt_next_prop(f, fdt_next_prop(f, fdt_first_prop(f, fdt_path(f, "/soc/intc"))));
    CHECK(fdt_prop_at(f, fakeprop + 12, NULL, NULL) == NULL);
    CHECK_EQ_INT(fdt_next_prop(f, fakeprop + 12), -EINVAL);
}

static void test_paths(const struct fdt *f)
{
    int uart = fdt_path(f, "/soc/uart@1000");
    CHECK(uart >= 0);
    CHECK_EQ_STR(name_of(f, uart), "uart@1000");
    CHECK_EQ_INT(fdt_path(f, "/"), fdt_root(f));
    CHECK_EQ_INT(fdt_path(f, "/soc/uart"), uart); /* no unit address: first match */
    CHECK_EQ_INT(fdt_path(f, "/soc//uart@1000/"), uart);
    CHECK_EQ_STR(name_of(f, fdt_path(f, "/soc/uart@2000")), "uart@2000");
    CHECK_EQ_INT(fdt_path(f, "/soc/uart@3000"), -ENOENT);
    CHECK_EQ_INT(fdt_path(f, "/soc/uart@10"), -ENOENT);  /* unit address must match whole */
    CHECK_EQ_INT(fdt_path(f, "/so"), -ENOENT);           /* no prefix matches */
    CHECK_EQ_INT(fdt_path(f, "/memory"), fdt_path(f, "/memory@80000000"));
    CHECK_EQ_INT(fdt_path(f, "/soc/intc@0"), -ENOENT);   /* "@" in the path, none in the name */
    CHECK_EQ_INT(fdt_path(f, "/nope/uart@1000"), -ENOENT);
    CHECK_EQ_INT(fdt_path(f, "soc"), -EINVAL);
    CHECK_EQ_INT(fdt_subnode(f, fdt_path(f, "/cpus"), "cpu"), fdt_path(f, "/cpus/cpu@0"));
    CHECK_EQ_INT(fdt_subnode(f, fdt_path(f, "/cpus"), "cpu@1"), fdt_path(f, "/cpus/cpu@1"));

    /* aliases and ":options" */
    CHECK_EQ_INT(fdt_resolve_path(f, "serial0"), uart);
    CHECK_EQ_INT(fdt_resolve_path(f, "serial0:115200n8"), uart);
    CHECK_EQ_INT(fdt_resolve_path(f, "/soc/uart@1000:115200"), uart);
    CHECK_EQ_INT(fdt_resolve_path(f, "serial0/port"), fdt_path(f, "/soc/uart@1000/port"));
    CHECK_EQ_INT(fdt_resolve_path(f, "serial0/nope"), -ENOENT);
    CHECK_EQ_INT(fdt_resolve_path(f, "serial1"), -ENOENT);
    CHECK_EQ_INT(fdt_resolve_path(f, "serial"), -ENOENT); /* alias names match whole */
    CHECK_EQ_INT(fdt_resolve_path(f, ""), -ENOENT);
    CHECK_EQ_INT(fdt_resolve_path(f, ":x"), -ENOENT);
    CHECK_EQ_INT(fdt_resolve_path(f, "relative"), -EINVAL);
    CHECK_EQ_INT(fdt_resolve_path(f, "unterminated"), -EINVAL);
}

static void test_props(const struct fdt *f)
{
    int root = fdt_root(f), uart = fdt_path(f, "/soc/uart@1000");
    uint32_t len = 0, v32 = 0;
    uint64_t v64 = 0;
    const char *model = fdt_getprop(f, root, "model", &len);
    CHECK(model && len == 11 && strcmp(model, "acme board") == 0);
    CHECK_EQ_STR(fdt_prop_string(f, root, "model"), "acme board");
    CHECK(fdt_getprop(f, root, "mode", NULL) == NULL);
    CHECK(fdt_getprop(f, root, "model2", NULL) == NULL);
    CHECK(fdt_getprop(f, -EINVAL, "model", NULL) == NULL);
    const void *empty = fdt_getprop(f, uart, "dma-coherent", &len);
    CHECK(empty != NULL);
    CHECK_EQ_INT(len, 0);
    CHECK(fdt_prop_string(f, uart, "dma-coherent") == NULL);
    CHECK(fdt_prop_string(f, uart, "badstr") == NULL);     /* no NUL inside the value */
    CHECK_EQ_INT(fdt_prop_u32(f, uart, "phandle", &v32), 0);
    CHECK_EQ_INT(v32, 5);
    CHECK_EQ_INT(fdt_prop_u32(f, uart, "reg", &v32), -EINVAL);
    CHECK_EQ_INT(fdt_prop_u32(f, uart, "absent", &v32), -ENOENT);
    CHECK_EQ_INT(fdt_prop_num(f, uart, "clock-frequency", &v64), 0);
    CHECK_EQ_HEX(v64, 0x100000002ull);
    CHECK_EQ_INT(fdt_prop_num(f, uart, "phandle", &v64), 0);
    CHECK_EQ_HEX(v64, 5);
    CHECK_EQ_INT(fdt_prop_num(f, uart, "badstr", &v64), -EINVAL);

    /* property iteration in order */
    static const char *const names[] = {"compatible", "reg", "phandle", "status", "dma-coherent",
                                        "clock-frequency", "badstr"};
    int i = 0, p;
    for (p = fdt_first_prop(f, uart); p >= 0 && i < 7; p = fdt_next_prop(f, p), i++) {
        const char *name = NULL;
        CHECK(fdt_prop_at(f, p, &name, &len) != NULL);
        CHECK_EQ_STR(name ? name : "", names[i]);
    }
    CHECK_EQ_INT(i, 7);
    CHECK_EQ_INT(p, -ENOENT);
    CHECK_EQ_INT(fdt_first_prop(f, fdt_path(f, "/chosen")), -ENOENT);
    CHECK_EQ_INT(fdt_next_prop(f, uart), -EINVAL);
    CHECK(fdt_prop_at(f, uart, NULL, NULL) == NULL);

    /* compatible string lists */
    CHECK(fdt_node_is_compatible(f, uart, "arm,pl011"));
    CHECK(fdt_node_is_compatible(f, uart, "ns16550a"));
    CHECK(!fdt_node_is_compatible(f, uart, "arm,pl01"));
    CHECK(!fdt_node_is_compatible(f, fdt_path(f, "/soc/intc"), "arm,pl011"));
    CHECK(fdt_stringlist_contains("a\0bc\0", 5, "bc"));
    CHECK(!fdt_stringlist_contains("a\0bc", 4, "bc")); /* unterminated tail ignored */
    CHECK(fdt_stringlist_contains("\0x\0", 3, ""));
    CHECK(!fdt_stringlist_contains("", 0, ""));
    int first = fdt_find_compatible(f, -1, "arm,pl011");
    CHECK_EQ_INT(first, uart);
    int second = fdt_find_compatible(f, first, "arm,pl011");
    CHECK_EQ_INT(second, fdt_path(f, "/soc/uart@2000"));
    CHECK_EQ_INT(fdt_find_compatible(f, second, "arm,pl011"), -ENOENT);
    CHECK_EQ_INT(fdt_find_compatible(f, -1, "acme,soc"), root);
    CHECK(fdt_node_is_available(f, uart));
    CHECK(!fdt_node_is_available(f, second));
    CHECK(fdt_node_is_available(f, root));

    /* phandles */
    CHECK_EQ_INT(fdt_node_by_phandle(f, 5), uart);
    CHECK_EQ_INT(fdt_node_by_phandle(f, 7), second); /* legacy linux,phandle */
    CHECK_EQ_INT(fdt_node_by_phandle(f, 9), fdt_path(f, "/soc/intc"));
    CHECK_EQ_INT(fdt_node_by_phandle(f, 42), -ENOENT);
    CHECK_EQ_INT(fdt_node_by_phandle(f, 0), -ENOENT);
    CHECK_EQ_INT(fdt_node_by_phandle(f, 0xffffffff), -ENOENT);
}

static void test_reg(const struct fdt *f)
{
    uint64_t base = 0, size = 0;
    int uart = fdt_path(f, "/soc/uart@1000");
    CHECK_EQ_INT(fdt_addr_cells(f, fdt_root(f)), 2);
    CHECK_EQ_INT(fdt_size_cells(f, fdt_root(f)), 1);
    CHECK_EQ_INT(fdt_addr_cells(f, uart), 2); /* defaults */
    CHECK_EQ_INT(fdt_size_cells(f, uart), 1);
    CHECK_EQ_INT(fdt_addr_cells(f, fdt_path(f, "/weird")), 3);
    CHECK_EQ_INT(fdt_size_cells(f, fdt_path(f, "/odd/huge")), 3);
    CHECK_EQ_INT(fdt_addr_cells(f, fdt_path(f, "/bus64/dev")), -EINVAL); /* 5 > 4 */
    CHECK_EQ_INT(fdt_size_cells(f, fdt_path(f, "/bus64/dev")), -EINVAL); /* 2-byte property */
    CHECK_EQ_INT(fdt_addr_cells(f, -ENOENT), -EINVAL);
    /* 1/1 */
    CHECK_EQ_INT(fdt_reg(f, uart, 0, &base, &size), 0);
    CHECK_EQ_HEX(base, 0x1000);
    CHECK_EQ_HEX(size, 0x100);
    CHECK_EQ_INT(fdt_reg(f, uart, 1, &base, &size), 0);
    CHECK_EQ_HEX(base, 0x2000);
    CHECK_EQ_HEX(size, 0x10);
    CHECK_EQ_INT(fdt_reg(f, uart, 2, &base, &size), -ENOENT);
    /* 1/0 */
    CHECK_EQ_INT(fdt_reg(f, fdt_path(f, "/cpus/cpu@1"), 0, &base, &size), 0);
    CHECK_EQ_HEX(base, 1);
    CHECK_EQ_HEX(size, 0);
    /* 2/1 */
    CHECK_EQ_INT(fdt_reg(f, fdt_path(f, "/memory"), 0, &base, &size), 0);
    CHECK_EQ_HEX(base, 0x80000000);
    CHECK_EQ_HEX(size, 0x1000000);
    /* 2/2 */
    CHECK_EQ_INT(fdt_reg(f, fdt_path(f, "/bus64/dev"), 0, &base, &size), 0);
    CHECK_EQ_HEX(base, 0x100000000ull);
    CHECK_EQ_HEX(size, 0x20000);
    /* bad: 3 address cells, 3 size cells, a partial entry, no reg, the root, not a node */
    CHECK_EQ_INT(fdt_reg(f, fdt_path(f, "/weird/pci@0"), 0, &base, &size), -EINVAL);
    CHECK_EQ_INT(fdt_reg(f, fdt_path(f, "/odd/huge/w"), 0, &base, &size), -EINVAL);
    CHECK_EQ_INT(fdt_reg(f, fdt_path(f, "/odd/partial"), 0, &base, &size), -EINVAL);
    CHECK_EQ_INT(fdt_reg(f, fdt_path(f, "/soc/intc"), 0, &base, &size), -ENOENT);
    CHECK_EQ_INT(fdt_reg(f, fdt_root(f), 0, &base, &size), -ENOENT);
    CHECK_EQ_INT(fdt_reg(f, fdt_first_prop(f, fdt_root(f)), 0, &base, &size), -EINVAL);
}

static void test_rsvmap(const struct fdt *f)
{
    uint64_t base = 0, size = 0;
    CHECK_EQ_INT(fdt_rsv_count(f), 2);
    CHECK_EQ_INT(fdt_rsv_entry(f, 0, &base, &size), 0);
    CHECK_EQ_HEX(base, 0x48000000);
    CHECK_EQ_HEX(size, 0x100000);
    CHECK_EQ_INT(fdt_rsv_entry(f, 1, &base, &size), 0);
    CHECK_EQ_HEX(base, 0x1000000000ull);
    CHECK_EQ_HEX(size, 0x2000);
    CHECK_EQ_INT(fdt_rsv_entry(f, 2, &base, &size), -ENOENT);
}

static void test_api(void)
{
    struct fdt f;
    build_api_tree();
    uint8_t *copy = blob_copy(blob_len);
    CHECK_EQ_INT(fdt_init(&f, copy, blob_len), 0);
    CHECK_EQ_INT(f.size, blob_len);
    test_iteration(&f);
    test_paths(&f);
    test_props(&f);
    test_reg(&f);
    test_rsvmap(&f);
    free(copy);

    /* the same blob at an odd address, strings block first, version 16 */
    B.strings_first = 1;
    B.st_len -= 4; /* drop FDT_END: b_finish adds it again */
    b_finish();
    hdr_set(H_VERSION, 16);
    hdr_set(H_SIZE_STRUCT, 0xffffffff); /* not part of a v16 header: ignored */
    uint8_t *odd = malloc(blob_len + 1);
    memcpy(odd + 1, blob, blob_len);
    CHECK_EQ_INT(fdt_init(&f, odd + 1, blob_len), 0);
    test_iteration(&f);
    test_paths(&f);
    test_props(&f);
    test_reg(&f);
    test_rsvmap(&f);
    free(odd);
}

/* ---- dt_boot_info ---- */
static void build_virt_tree(const char *bootargs, const char *stdout_path, int initrd_cells)
{
    b_reset();
    b_rsv(0x4f000000, 0x200000);
    b_node("");
    b_u32("#address-cells", 2);
    b_u32("#size-cells", 2);
    b_str("compatible", "linux,dummy-virt");
    b_node("psci");
    B_STRS("compatible", "arm,psci-1.0\0arm,psci-0.2\0arm,psci");
    b_str("method", "hvc");
    b_end();
    b_node("memory@40000000");
    b_str("device_type", "memory");
    b_cells("reg", 4, 0x0, 0x40000000, 0x0, 0x8000000);
    b_end();
    b_node("reserved-memory");
    b_u32("#address-cells", 2);
    b_u32("#size-cells", 2);
    b_prop("ranges", "", 0);
    b_node("fw@48000000");
    b_cells("reg", 4, 0x0, 0x48000000, 0x0, 0x10000);
    b_prop("no-map", "", 0);
    b_end();
    b_node("pool");
    b_cells("size", 2, 0x0, 0x100000);
    b_end();
    b_node("off@49000000");
    b_str("status", "disabled");
    b_cells("reg", 4, 0x0, 0x49000000, 0x0, 0x1000);
    b_end();
    b_end();
    b_node("aliases");
    b_str("serial0", "/pl011@9000000");
    b_end();
    b_node("pl011@9000000");
    B_STRS("compatible", "arm,pl011\0arm,primecell");
    b_cells("reg", 4, 0x0, 0x9000000, 0x0, 0x1000);
    b_end();
    b_node("chosen");
    if (bootargs)
        b_str("bootargs", bootargs);
    if (stdout_path)
        b_str("stdout-path", stdout_path);
    if (initrd_cells == 1) {
        b_u32("linux,initrd-start", 0x48100000);
        b_u32("linux,initrd-end", 0x48180000);
    } else if (initrd_cells == 2) {
        b_cells("linux,initrd-start", 2, 0x1, 0x0);
        b_cells("linux,initrd-end", 2, 0x1, 0x4000);
    }
    b_end();
    b_end();
    b_finish();
}

static int run_boot_info(struct boot_info *bi)
{
    memset(bi, 0, sizeof *bi);
    bi->dtb_phys = 0x48000000; /* the caller's; must survive */
    uint8_t *copy = blob_copy(blob_len);
    log_reset();
    int err = dt_boot_info(copy, blob_len, bi);
    free(copy);
    return err;
}

static void test_boot_info_virt(void)
{
    struct boot_info bi;
    build_virt_tree("console=ttyAMA0 ktest", "/pl011@9000000:115200", 1);
    CHECK_EQ_INT(run_boot_info(&bi), 0);
    CHECK_EQ_INT(bi.mem_count, 1);
    CHECK_EQ_HEX(bi.mem[0].base, 0x40000000);
    CHECK_EQ_HEX(bi.mem[0].size, 0x8000000);
    CHECK_EQ_INT(bi.mem[0].type, MEM_USABLE);
    CHECK_EQ_INT(bi.reserved_count, 2);
    CHECK_EQ_HEX(bi.reserved[0].base, 0x4f000000);
    CHECK_EQ_HEX(bi.reserved[0].size, 0x200000);
    CHECK_EQ_INT(bi.reserved[0].type, MEM_RESERVED);
    CHECK_EQ_HEX(bi.reserved[1].base, 0x48000000);
    CHECK_EQ_HEX(bi.reserved[1].size, 0x10000);
    CHECK_EQ_INT(bi.reserved[1].type, MEM_NOMAP); /* the node has no-map */
    CHECK(log_has("reserved-memory/pool has no reg"));
    CHECK_EQ_STR(bi.cmdline, "console=ttyAMA0 ktest");
    CHECK_EQ_STR(bi.stdout_path, "/pl011@9000000");
    CHECK_EQ_HEX(bi.initrd_phys, 0x48100000);
    CHECK_EQ_HEX(bi.initrd_size, 0x80000);
    CHECK_EQ_HEX(bi.dtb_phys, 0x48000000);
    CHECK_EQ_INT(bi.dtb_size, blob_len);
    CHECK_EQ_STR(bi.bootloader, "");
    CHECK_EQ_INT(bi.rsdp_len, 0);
    CHECK_EQ_INT(dt_psci_method(blob, blob_len), DT_PSCI_HVC);

    /* the console driver's path from stdout-path to its registers */
    struct fdt f;
    CHECK_EQ_INT(fdt_init(&f, blob, blob_len), 0);
    uint64_t base = 0, size = 0;
    int uart = fdt_resolve_path(&f, bi.stdout_path);
    CHECK(fdt_node_is_compatible(&f, uart, "arm,pl011"));
    CHECK_EQ_INT(fdt_reg(&f, uart, 0, &base, &size), 0);
    CHECK_EQ_HEX(base, 0x9000000);
    CHECK_EQ_HEX(size, 0x1000);

    /* two-cell initrd, stdout through an alias, no bootargs */
    build_virt_tree(NULL, "serial0:115200n8", 2);
    CHECK_EQ_INT(run_boot_info(&bi), 0);
    CHECK_EQ_HEX(bi.initrd_phys, 0x100000000ull);
    CHECK_EQ_HEX(bi.initrd_size, 0x4000);
    CHECK_EQ_STR(bi.stdout_path, "serial0");
    CHECK_EQ_STR(bi.cmdline, "");
    CHECK_EQ_INT(fdt_init(&f, blob, blob_len), 0);
    CHECK_EQ_INT(fdt_resolve_path(&f, "serial0:115200n8"), fdt_path(&f, "/pl011@9000000"));
}

static void test_boot_info_chosen_edges(void)
{
    struct boot_info bi;
    char longargs[400];
    memset(longargs, 'a', sizeof longargs - 1);
    longargs[sizeof longargs - 1] = 0;
    longargs[0] = 'X';
    build_virt_tree(longargs, NULL, 0);
    CHECK_EQ_INT(run_boot_info(&bi), 0);
    CHECK_EQ_INT(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
    CHECK(bi.cmdline[0] == 'X');
    CHECK(log_has("command line of 399 bytes cut to 255"));
    CHECK_EQ_INT(bi.initrd_phys, 0);
    CHECK_EQ_STR(bi.stdout_path, "");

    char longpath[100];
    memset(longpath, 'p', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = 0;
    build_virt_tree("", longpath, 0);
    CHECK_EQ_INT(run_boot_info(&bi), 0);
    CHECK_EQ_STR(bi.stdout_path, "");
    CHECK(log_has("stdout-path longer than 63"));

    /* linux,stdout-path, bad bootargs, initrd end before start */
    b_reset();
    b_node("");
    b_node("memory");
    b_cells("reg", 3, 0x0, 0x1000, 0x1000);
    b_end();
    b_node("chosen");
    b_prop("bootargs", "abc", 3);
    b_str("linux,stdout-path", "/uart");
    b_u32("linux,initrd-start", 0x2000);
    b_u32("linux,initrd-end", 0x1000);
    b_end();
    b_end();
    b_finish();
    CHECK_EQ_INT(run_boot_info(&bi), 0);
    CHECK_EQ_STR(bi.cmdline, "");
    CHECK(log_has("bootargs is not a string"));
    CHECK_EQ_STR(bi.stdout_path, "/uart");
    CHECK_EQ_INT(bi.initrd_phys, 0);
    CHECK(log_has("initrd ignored"));
    CHECK_EQ_INT(bi.mem_count, 1); /* found by name without device_type */
}

static void test_boot_info_memory(void)
{
    struct boot_info bi;
    b_reset();
    b_rsv(0x5000, 0); /* zero-length: skipped */
    b_node("");
    b_node("memory@0");
    b_str("device_type", "memory");
    b_cells("reg", 9, 0x0, 0x0, 0x1000, 0x0, 0x2000, 0x0, 0xffffffff, 0xfffff000, 0x2000);
    b_end();
    b_node("memory@100000");
    b_str("device_type", "cpu"); /* named memory but typed otherwise: not RAM */
    b_cells("reg", 3, 0x0, 0x100000, 0x1000);
    b_end();
    b_node("ram");
    b_str("device_type", "memory");
    b_cells("reg", 3, 0x1, 0x0, 0x10000);
    b_end();
    b_node("memory@200000");
    b_str("status", "disabled");
    b_cells("reg", 3, 0x0, 0x200000, 0x1000);
    b_end();
    b_node("memory@300000");
    b_cells("reg", 2, 0x0, 0x300000); /* not a whole entry */
    b_end();
    b_node("soc");
    b_node("memory@400000"); /* not a child of the root */
    b_str("device_type", "memory");
    b_cells("reg", 3, 0x0, 0x400000, 0x1000);
    b_end();
    b_end();
    b_end();
    b_finish();
    CHECK_EQ_INT(run_boot_info(&bi), 0);
    CHECK_EQ_INT(bi.mem_count, 2);
    CHECK_EQ_HEX(bi.mem[0].base, 0x0);
    CHECK_EQ_HEX(bi.mem[0].size, 0x1000);
    CHECK_EQ_HEX(bi.mem[1].base, 0x100000000ull);
    CHECK_EQ_HEX(bi.mem[1].size, 0x10000);
    CHECK(log_has("memory range 0x2000 size 0 is empty or wraps"));
    CHECK(log_has("memory range 0xfffffffffffff000 size 0x2000 is empty or wraps"));
    CHECK(log_has("memory node memory@300000 has a malformed reg"));
    CHECK_EQ_INT(bi.reserved_count, 0);
    CHECK(log_has("memreserve range 0x5000 size 0"));

    /* no RAM at all */
    b_reset();
    b_node("");
    b_node("chosen");
    b_str("bootargs", "x");
    b_end();
    b_end();
    b_finish();
    CHECK_EQ_INT(run_boot_info(&bi), -ENOENT);
    CHECK_EQ_STR(bi.cmdline, "x"); /* the rest is still filled */
    CHECK(log_has("no usable memory"));

    /* more reservations than boot_info holds */
    b_reset();
    for (int i = 0; i < 70; i++)
        b_rsv(0x100000ull * (i + 1), 0x1000);
    b_node("");
    b_node("memory");
    b_cells("reg", 3, 0x0, 0x0, 0x1000);
    b_end();
    b_end();
    b_finish();
    CHECK_EQ_INT(run_boot_info(&bi), 0);
    CHECK_EQ_INT(bi.reserved_count, BOOT_MAX_MEM_RANGES);
    CHECK_EQ_HEX(bi.reserved[BOOT_MAX_MEM_RANGES - 1].base, 0x100000ull * BOOT_MAX_MEM_RANGES);
    CHECK(log_has("more than 64 memreserve ranges"));
}

static void test_psci(void)
{
    b_reset();
    b_node("");
    b_node("firmware-psci");
    B_STRS("compatible", "arm,psci-0.2");
    b_str("method", "smc");
    b_end();
    b_end();
    b_finish();
    CHECK_EQ_INT(dt_psci_method(blob, blob_len), DT_PSCI_SMC);
    b_reset();
    b_node("");
    b_node("psci");
    b_str("method", "svc");
    b_end();
    b_end();
    b_finish();
    CHECK_EQ_INT(dt_psci_method(blob, blob_len), -ENOENT);
    b_reset();
    b_node("");
    b_end();
    b_finish();
    CHECK_EQ_INT(dt_psci_method(blob, blob_len), -ENOENT);
    CHECK_EQ_INT(dt_psci_method(blob, blob_len - 1), -EINVAL);
}

/* Put one cpu node: reg of @p cells cells, an enable-method unless NULL,
 * and a status unless NULL. */
static void cpu_node(const char *name, int cells, uint64_t reg, const char *method,
                     const char *status)
{
    b_node(name);
    b_str("device_type", "cpu");
    B_STRS("compatible", "arm,cortex-a72");
    if (cells == 1)
        b_u32("reg", (uint32_t)reg);
    else if (cells == 2)
        b_cells("reg", 2, (uint32_t)(reg >> 32), (uint32_t)reg);
    if (method)
        b_str("enable-method", method);
    if (status)
        b_str("status", status);
    b_end();
}

static int run_cpus(struct hal_cpu_desc *out, unsigned max)
{
    struct fdt f;
    if (fdt_init(&f, blob, blob_len) != 0)
        return -999;
    return a64_dt_cpus(&f, out, max);
}

/* /cpus as QEMU virt writes it (one cell, psci), the cases the kernel must
 * refuse by name, and two-cell regs with Aff3 packed into bits 31:24. */
static void test_cpus(void)
{
    struct hal_cpu_desc d[8];
    b_reset();
    b_node("");
    b_node("cpus");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 0);
    cpu_node("cpu@0", 1, 0, "psci", NULL);
    cpu_node("cpu@1", 1, 0x1, "psci", NULL);
    cpu_node("cpu@100", 1, 0x100, "spin-table", NULL);
    cpu_node("cpu@2", 1, 0x2, NULL, NULL);
    cpu_node("cpu@3", 1, 0x3, "psci", "disabled");
    cpu_node("cpu@4", 1, 0x4, "acme,magic", NULL);
    cpu_node("cpu@5", 0, 0, "psci", NULL); /* no reg: skipped, not counted */
    b_node("cpu-map");                     /* not a cpu */
    b_end();
    b_end();
    b_end();
    b_finish();
    log_reset();
    CHECK_EQ_INT(run_cpus(d, 8), 6);
    CHECK(log_has("/cpus/cpu@5: no usable reg"));
    CHECK_EQ_HEX(d[0].hwid, 0);
    CHECK(d[0].method && strcmp(d[0].method, "psci") == 0);
    CHECK_EQ_HEX(d[1].hwid, 1);
    CHECK_EQ_HEX(d[2].hwid, 0x100);
    CHECK(!d[2].method && d[2].why && strstr(d[2].why, "spin-table"));
    CHECK(!d[3].method && d[3].why && strstr(d[3].why, "no enable-method"));
    CHECK(!d[4].method && d[4].why && strstr(d[4].why, "status"));
    CHECK(!d[5].method && d[5].why && strstr(d[5].why, "unknown enable-method"));
    /* Fewer slots than CPUs: the count is still all of them. */
    memset(d, 0, sizeof d);
    CHECK_EQ_INT(run_cpus(d, 2), 6);
    CHECK_EQ_HEX(d[1].hwid, 1);
    CHECK_EQ_HEX(d[2].hwid, 0);

    b_reset();
    b_node("");
    b_node("cpus");
    b_u32("#address-cells", 2);
    b_u32("#size-cells", 0);
    cpu_node("cpu@0", 2, 0, "psci", NULL);
    cpu_node("cpu@100000203", 2, 0x100000203ull, "psci", NULL);
    cpu_node("cpu@1", 1, 0x1, "psci", NULL); /* one cell where two are due */
    b_end();
    b_end();
    b_finish();
    log_reset();
    CHECK_EQ_INT(run_cpus(d, 8), 2);
    CHECK_EQ_HEX(d[1].hwid, 0x01000203);
    CHECK(log_has("/cpus/cpu@1: no usable reg (#address-cells 2)"));

    b_reset();
    b_node("");
    b_end();
    b_finish();
    CHECK_EQ_INT(run_cpus(d, 8), -ENOENT);
}

static void test_add_range(void)
{
    struct mem_range list[BOOT_MAX_MEM_RANGES];
    unsigned n = 0;
    CHECK_EQ_INT(boot_add_range(list, &n, 0x1000, 0, MEM_USABLE), -EINVAL);
    CHECK_EQ_INT(boot_add_range(list, &n, UINT64_MAX - 0xfff, 0x1000, MEM_USABLE), -EINVAL);
    CHECK_EQ_INT(boot_add_range(list, &n, 0x10, UINT64_MAX, MEM_USABLE), -EINVAL);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(boot_add_range(list, &n, UINT64_MAX - 0xfff, 0xfff, MEM_RESERVED), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(list[0].type, MEM_RESERVED);
    while (n < BOOT_MAX_MEM_RANGES)
        CHECK_EQ_INT(boot_add_range(list, &n, n * 0x1000ull, 0x1000, MEM_USABLE), 0);
    CHECK_EQ_INT(boot_add_range(list, &n, 0, 0x1000, MEM_USABLE), -ENOSPC);
    CHECK_EQ_INT(n, BOOT_MAX_MEM_RANGES);
}

/* ---- malformed blobs ---- */

/* The blob as it stands must be refused by fdt_init and dt_boot_info, leaving
 * boot_info exactly as it was. @p avail is how much may be read. */
static void expect_bad(const char *what, uint32_t avail)
{
    struct fdt f;
    struct boot_info bi, before;
    memset(&bi, 0x5a, sizeof bi);
    bi.mem_count = bi.reserved_count = 0;
    memcpy(&before, &bi, sizeof bi);
    uint8_t *copy = blob_copy(avail);
    int err = fdt_init(&f, copy, avail), err2 = dt_boot_info(copy, avail, &bi);
    if (err != -EINVAL || err2 != -EINVAL)
        fprintf(stderr, "malformed case \"%s\" accepted\n", what);
    CHECK_EQ_INT(err, -EINVAL);
    CHECK_EQ_INT(err2, -EINVAL);
    CHECK(memcmp(&bi, &before, sizeof bi) == 0);
    free(copy);
}

/* A small valid tree; returns the struct-block offset of its "bootargs" property. */
static uint32_t build_small(void)
{
    b_reset();
    b_rsv(0x1000, 0x1000);
    b_node("");
    b_node("memory@0");
    b_str("device_type", "memory");
    b_cells("reg", 3, 0x0, 0x0, 0x1000);
    b_end();
    b_node("chosen");
    uint32_t at = B.st_len;
    b_str("bootargs", "quiet");
    b_end();
    b_end();
    b_finish();
    return at;
}

static void test_malformed_header(void)
{
    struct fdt f;
    build_small();
    uint32_t total = blob_len;
    uint8_t *copy = blob_copy(total);
    CHECK_EQ_INT(fdt_init(&f, copy, total), 0);
    free(copy);

    build_small(); hdr_set(H_MAGIC, 0xd00dfeee); expect_bad("bad magic", total);
    build_small(); expect_bad("totalsize > avail", total - 1);
    build_small(); expect_bad("avail below a header", 20);
    build_small(); hdr_set(H_TOTAL, 39); expect_bad("totalsize below the header", total);
    build_small(); hdr_set(H_VERSION, 15); expect_bad("version 15", total);
    build_small(); hdr_set(H_LAST_COMP, 18); expect_bad("last_comp_version 18", total);
    build_small(); hdr_set(H_OFF_STRUCT, total + 4); expect_bad("struct offset past end", total);
    build_small(); hdr_set(H_SIZE_STRUCT, total - hdr_get(H_OFF_STRUCT) + 4); expect_bad("struct size past end", total);
    build_small(); hdr_set(H_OFF_STRUCT, 0xfffffff0); hdr_set(H_SIZE_STRUCT, 0x20);
    expect_bad("struct offset + size wraps", total);
    build_small(); hdr_set(H_OFF_STRUCT, hdr_get(H_OFF_STRUCT) + 2); expect_bad("struct block misaligned", total);
    build_small(); hdr_set(H_OFF_STRUCT, 8); expect_bad("struct block inside the header", total);
    build_small(); hdr_set(H_OFF_STRINGS, total - 2); expect_bad("strings past end", total);
    build_small(); hdr_set(H_SIZE_STRINGS, 0xffffffff); expect_bad("strings size huge", total);
    build_small(); hdr_set(H_OFF_RSV, total + 8); expect_bad("rsvmap past end", total);
    build_small(); hdr_set(H_OFF_RSV, 44); expect_bad("rsvmap misaligned", total);
    /* rsvmap with no 0,0 terminator before the end of the blob */
    build_small(); hdr_set(H_OFF_RSV, (total - 8) & ~7u); expect_bad("rsvmap unterminated", total);
    expect_bad("empty blob", 0);
}

static void test_malformed_structure(void)
{
    uint32_t at;
    /* struct block: [BEGIN ""] [BEGIN "memory@0"] ... ; token offsets from build_small() */
    at = build_small();
    uint32_t st = hdr_get(H_OFF_STRUCT), total = blob_len;
    put_be32(blob + st + at + 4, 0x7fffffff);
    expect_bad("prop len past block", total);
    at = build_small();
    put_be32(blob + st + at + 4, 0xfffffffe);
    expect_bad("prop len wraps", total);
    at = build_small();
    put_be32(blob + st + at + 8, hdr_get(H_SIZE_STRINGS));
    expect_bad("nameoff past strings", total);
    at = build_small();
    put_be32(blob + st + at + 8, 0xffffffff);
    expect_bad("nameoff huge", total);
    build_small();
    hdr_set(H_SIZE_STRINGS, hdr_get(H_SIZE_STRINGS) - 1); /* "bootargs" is last: its NUL cut off */
    expect_bad("strings block missing its last NUL", total);
    at = build_small();
    put_be32(blob + st + at, 5);
    expect_bad("unknown token 5", total);
    at = build_small();
    put_be32(blob + st + at, 0);
    expect_bad("token 0", total);
    build_small();
    hdr_set(H_SIZE_STRUCT, hdr_get(H_SIZE_STRUCT) - 4);
    expect_bad("missing FDT_END", total);
    at = build_small();
    put_be32(blob + st + at, 9); /* END inside /chosen */
    expect_bad("FDT_END at depth 2", total);

    /* unbalanced END_NODE (one too many before END) */
    b_reset();
    b_node("");
    b_end();
    b_end();
    b_finish();
    expect_bad("extra END_NODE", blob_len);
    /* an END_NODE below the root, then a node at depth 0 again */
    b_reset();
    b_node("");
    b_end();
    b_end();
    b_node("x");
    b_finish();
    expect_bad("END_NODE below the root", blob_len);
    /* END_NODE first */
    b_reset();
    b_end();
    b_finish();
    expect_bad("END_NODE at depth 0", blob_len);
    /* missing END_NODE */
    b_reset();
    b_node("");
    b_node("a");
    b_end();
    b_finish();
    expect_bad("missing END_NODE", blob_len);
    /* no root */
    b_reset();
    b_finish();
    expect_bad("no root", blob_len);
    /* two roots */
    b_reset();
    b_node("");
    b_end();
    b_node("");
    b_end();
    b_finish();
    expect_bad("two roots", blob_len);
    /* property outside any node */
    b_reset();
    b_str("x", "y");
    b_node("");
    b_end();
    b_finish();
    expect_bad("property before root", blob_len);

    /* node name running to the very end of the blob (struct block last) */
    b_reset();
    B.strings_first = 1;
    b_node("");
    b_node("abcdefghijklmnop");
    b_end();
    b_end();
    b_finish();
    uint32_t name_end = hdr_get(H_OFF_STRUCT) + 8 + 10; /* cut inside the child's name */
    hdr_set(H_TOTAL, name_end);
    hdr_set(H_SIZE_STRUCT, name_end - hdr_get(H_OFF_STRUCT));
    expect_bad("truncated node name", name_end);
    /* property value running to the very end of the blob */
    b_reset();
    B.strings_first = 1;
    b_node("");
    b_str("bootargs", "0123456789abcdef");
    b_end();
    b_finish();
    uint32_t cut = hdr_get(H_OFF_STRUCT) + 8 + 12 + 6;
    hdr_set(H_TOTAL, cut);
    hdr_set(H_SIZE_STRUCT, cut - hdr_get(H_OFF_STRUCT));
    expect_bad("truncated property value", cut);
    /* property header cut */
    hdr_set(H_TOTAL, cut - 12);
    hdr_set(H_SIZE_STRUCT, cut - 12 - hdr_get(H_OFF_STRUCT));
    expect_bad("truncated property header", cut - 12);
}

/* ---- randomized mutation: parse everything, never read out of bounds ---- */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Read every byte of a value, so ASan sees a bad pointer or length. */
static unsigned touch(const void *v, uint32_t len)
{
    unsigned sum = 0;
    for (uint32_t i = 0; v && i < len; i++)
        sum += ((const uint8_t *)v)[i];
    return sum;
}

/* Call every accessor on every node and property, and on random offsets. */
static void exercise(const uint8_t *p, uint32_t len)
{
    struct fdt f;
    struct boot_info bi;
    memset(&bi, 0, sizeof bi);
    int err = dt_boot_info(p, len, &bi);
    CHECK(err == 0 || err == -EINVAL || err == -ENOENT);
    CHECK(bi.mem_count <= BOOT_MAX_MEM_RANGES && bi.reserved_count <= BOOT_MAX_MEM_RANGES);
    CHECK(memchr(bi.cmdline, 0, sizeof bi.cmdline) != NULL);
    err = dt_psci_method(p, len);
    CHECK(err == DT_PSCI_SMC || err == DT_PSCI_HVC || err == -ENOENT || err == -EINVAL);
    if (fdt_init(&f, p, len))
        return;
    int depth = 0, nodes = 0;
    for (int n = fdt_root(&f); n >= 0; n = fdt_next_node(&f, n, &depth), nodes++) {
        uint64_t base, size;
        unsigned i = 0;
        while (i < 4 && fdt_reg(&f, n, i, &base, &size) == 0)
            i++;
        fdt_parent(&f, n);
        fdt_node_is_available(&f, n);
        for (int pr = fdt_first_prop(&f, n); pr >= 0; pr = fdt_next_prop(&f, pr)) {
            const char *name;
            uint32_t plen;
            const void *v = fdt_prop_at(&f, pr, &name, &plen);
            CHECK(v != NULL);
            touch(v, plen);
            touch(name, (uint32_t)strlen(name));
            fdt_prop_string(&f, n, name);
        }
    }
    CHECK(nodes >= 1);
    fdt_resolve_path(&f, "serial0:115200");
    fdt_resolve_path(&f, "/chosen");
    fdt_find_compatible(&f, -1, "arm,pl011");
    fdt_node_by_phandle(&f, 5);
    for (int i = 0; i < 8; i++) {
        int off = (int)(rnd() % (f.struct_size + 16));
        uint64_t base, size;
        uint32_t plen;
        fdt_reg(&f, off, 0, &base, &size);
        fdt_next_sibling(&f, off);
        touch(fdt_getprop(&f, off, "reg", &plen), plen);
        touch(fdt_prop_at(&f, off, NULL, &plen), plen);
        fdt_next_prop(&f, off);
        touch(fdt_node_name(&f, off, NULL), 1);
    }
}

/*
 * The index must not change a single answer: compare every tree walk with
 * and without it at every offset of the structure block (nodes, properties,
 * fake nodes inside values, misaligned and out-of-range offsets), with
 * fresh depth counters of 0 and 1, and every phandle up to 40.
 */
static void compare_indexed(const struct fdt *plain)
{
    static struct fdt_node_ix ix[512];
    struct fdt f = *plain;
    if (fdt_index(&f, ix, 512) != 0) {
        CHECK(f.ix == NULL);
        return;
    }
    CHECK(f.ix == ix && f.nix >= 1);
    for (int off = -8; off < (int)f.struct_size + 16; off++) {
        CHECK_EQ_INT(fdt_parent(&f, off), fdt_parent(plain, off));
        CHECK_EQ_INT(fdt_first_child(&f, off), fdt_first_child(plain, off));
        CHECK_EQ_INT(fdt_next_sibling(&f, off), fdt_next_sibling(plain, off));
        CHECK_EQ_INT(fdt_next_node(&f, off, NULL), fdt_next_node(plain, off, NULL));
        static const char *const names[] = {"compatible", "reg", "status", "phandle", "",
                                            "#address-cells", "interrupts", "comp"};
        for (unsigned k = 0; k < sizeof names / sizeof names[0]; k++) {
            uint32_t la = 0xdead, lb = 0xdead;
            const void *va = fdt_getprop(&f, off, names[k], &la);
            CHECK(va == fdt_getprop(plain, off, names[k], &lb));
            if (va) /* *len means something only when the property is there */
                CHECK_EQ_INT(la, lb);
        }
        for (int d0 = 0; d0 < 2; d0++) {
            int da = d0, db = d0;
            CHECK_EQ_INT(fdt_next_node(&f, off, &da), fdt_next_node(plain, off, &db));
            CHECK_EQ_INT(da, db);
        }
    }
    /* Whole walks with depth tracking, as the DT bus does. */
    int da = 0, db = 0, a = fdt_root(&f), b = fdt_root(plain);
    while (a >= 0 && b >= 0) {
        CHECK_EQ_INT(a, b);
        a = fdt_next_node(&f, a, &da);
        b = fdt_next_node(plain, b, &db);
        CHECK_EQ_INT(da, db);
    }
    CHECK_EQ_INT(a, b);
    for (uint32_t ph = 0; ph <= 40; ph++)
        CHECK_EQ_INT(fdt_node_by_phandle(&f, ph), fdt_node_by_phandle(plain, ph));
    CHECK_EQ_INT(fdt_node_by_phandle(&f, 0xffffffffu), -ENOENT);
}

/* The three trees the index and mutation tests go over: QEMU-virt-like, the
 * API tree, a small one. */
static void build_round(int round)
{
    if (round == 0)
        build_virt_tree("console=ttyAMA0", "serial0:115200", 2);
    else if (round == 1)
        build_api_tree();
    else
        build_small();
}

static void test_index(void)
{
    struct fdt f;
    for (int round = 0; round < 3; round++) {
        build_round(round);
        uint8_t *copy = blob_copy(blob_len);
        CHECK_EQ_INT(fdt_init(&f, copy, blob_len), 0);
        CHECK(f.ix == NULL); /* fdt_init alone does not index */
        compare_indexed(&f);
        /* The API tests again, on the indexed tree. */
        if (round == 1) {
            static struct fdt_node_ix ix[64];
            CHECK_EQ_INT(fdt_index(&f, ix, 64), 0);
            test_iteration(&f);
            test_paths(&f);
            test_props(&f);
            test_reg(&f);
            /* Too little room: -ENOSPC, and the tree still answers unindexed. */
            struct fdt g = f;
            CHECK_EQ_INT(fdt_index(&g, ix, 2), -ENOSPC);
            CHECK(g.ix == NULL && g.nix == 0);
            test_iteration(&g);
        }
        free(copy);
    }
}

static void test_mutations(void)
{
    uint8_t base[16384];
    uint32_t len;
    for (int round = 0; round < 3; round++) {
        build_round(round);
        len = blob_len;
        memcpy(base, blob, len);
        for (int iter = 0; iter < 4000; iter++) {
            uint8_t *m = malloc(len);
            memcpy(m, base, len);
            int flips = 1 + (int)(rnd() % 4);
            for (int k = 0; k < flips; k++) {
                /* favour the header and token words, where damage matters most */
                uint32_t at = rnd() % 3 == 0 ? rnd() % 40 : rnd() % len;
                static const uint8_t vals[] = {0, 1, 2, 3, 4, 9, 0x7f, 0x80, 0xff};
                m[at] = rnd() % 2 ? vals[rnd() % sizeof vals] : (uint8_t)rnd();
            }
            exercise(m, len);
            struct fdt f;
            if (fdt_init(&f, m, len) == 0 && iter % 8 == 0)
                compare_indexed(&f); /* damaged but valid trees: duplicate phandles, odd nesting */
            free(m);
        }
    }
}

int main(void)
{
    test_api();
    test_boot_info_virt();
    test_boot_info_chosen_edges();
    test_boot_info_memory();
    test_psci();
    test_cpus();
    test_add_range();
    test_malformed_header();
    test_malformed_structure();
    test_index();
    test_mutations();
    return CHECK_DONE("test_fdt");
}
