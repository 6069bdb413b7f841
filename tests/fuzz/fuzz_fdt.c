/**
 * @file fuzz_fdt.c
 * @brief libFuzzer target: the FDT reader and the DTB to boot_info converter
 *        on arbitrary blobs. Every accessor runs on every node and property
 *        and on arbitrary offsets; ASan and UBSan watch every read.
 */
#include <boot/devicetree.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/log.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void klog(enum log_level level, const char *fmt, ...)
{
    (void)level;
    (void)fmt;
}

/* Read every byte of a value, so ASan sees a pointer or length that is off. */
static unsigned touch(const void *v, uint32_t len)
{
    unsigned sum = 0;
    for (uint32_t i = 0; v && i < len; i++)
        sum += ((const uint8_t *)v)[i];
    return sum;
}

static void check_boot_info(const uint8_t *blob, size_t size)
{
    struct boot_info bi;
    memset(&bi, 0, sizeof bi);
    int err = dt_boot_info(blob, size, &bi);
    if (err != 0 && err != -EINVAL && err != -ENOENT)
        abort();
    if (bi.mem_count > BOOT_MAX_MEM_RANGES || bi.reserved_count > BOOT_MAX_MEM_RANGES ||
        !memchr(bi.cmdline, 0, sizeof bi.cmdline) || !memchr(bi.stdout_path, 0, sizeof bi.stdout_path))
        abort();
    for (unsigned i = 0; i < bi.mem_count; i++)
        if (bi.mem[i].size == 0 || bi.mem[i].base + bi.mem[i].size < bi.mem[i].base)
            abort(); /* boot_add_range must have refused it */
    err = dt_psci_method(blob, size);
    if (err != DT_PSCI_SMC && err != DT_PSCI_HVC && err != -ENOENT && err != -EINVAL)
        abort();
}

static void walk(const struct fdt *f)
{
    int depth = 0;
    unsigned sum = 0;
    for (int n = fdt_root(f); n >= 0; n = fdt_next_node(f, n, &depth)) {
        size_t len;
        sum += touch(fdt_node_name(f, n, &len), (uint32_t)len + 1);
        uint64_t base, size;
        for (unsigned i = 0; i < 4 && fdt_reg(f, n, i, &base, &size) == 0; i++)
            sum += (unsigned)base;
        sum += (unsigned)fdt_parent(f, n) + (unsigned)fdt_first_child(f, n);
        sum += (unsigned)fdt_next_sibling(f, n) + (unsigned)fdt_node_is_available(f, n);
        for (int p = fdt_first_prop(f, n); p >= 0; p = fdt_next_prop(f, p)) {
            const char *name;
            uint32_t plen;
            sum += touch(fdt_prop_at(f, p, &name, &plen), plen);
            sum += touch(fdt_prop_string(f, n, name), 1);
        }
    }
    for (uint32_t i = 0; i < fdt_rsv_count(f); i++) {
        uint64_t base, size;
        if (fdt_rsv_entry(f, i, &base, &size))
            abort();
    }
    (void)sum;
}

/* Offsets a caller might get wrong: every 4-aligned one in the struct block. */
static void stray_offsets(const struct fdt *f)
{
    for (uint32_t off = 0; off <= f->struct_size && off < 4096; off += 4) {
        uint32_t len = 0;
        uint64_t base, size;
        touch(fdt_getprop(f, (int)off, "compatible", &len), len);
        touch(fdt_prop_at(f, (int)off, NULL, &len), len);
        fdt_reg(f, (int)off, 0, &base, &size);
        fdt_next_sibling(f, (int)off);
        fdt_next_prop(f, (int)off);
    }
}

/* libFuzzer's entry point; it has no header to declare it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: the parser must not read past it. */
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    check_boot_info(copy, size);
    struct fdt f;
    if (fdt_init(&f, copy, size) == 0) {
        walk(&f);
        stray_offsets(&f);
        fdt_resolve_path(&f, "serial0:115200n8");
        fdt_resolve_path(&f, "/chosen");
        fdt_path(&f, "/soc/uart");
        fdt_find_compatible(&f, -1, "arm,pl011");
        fdt_node_by_phandle(&f, 1);
        /* The same walks through the node index. */
        static struct fdt_node_ix ix[256];
        if (fdt_index(&f, ix, 256) == 0) {
            walk(&f);
            stray_offsets(&f);
            fdt_resolve_path(&f, "serial0:115200n8");
            fdt_node_by_phandle(&f, 1);
        }
    }
    free(copy);
    return 0;
}
