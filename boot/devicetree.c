/**
 * @file devicetree.c
 * @brief DTB to struct boot_info: RAM, reservations and /chosen.
 *
 * fdt_init() has validated the blob's structure before anything is copied,
 * so a malformed blob leaves boot_info untouched. What can still be wrong
 * after that is one property (a reg with odd cell counts, an unterminated
 * string); such a property is skipped with a warning and the rest is used,
 * because a kernel that boots with a warning beats one that stops.
 */
#include <boot/bootinfo.h>
#include <boot/devicetree.h>
#include <hal/smp.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/log.h>
#include <kernel/string.h>
#include <stdint.h>

/* Append one range; say why not. Returns boot_add_range's result. */
static int add_range(struct mem_range *list, unsigned *count, uint64_t base, uint64_t size,
                     uint32_t type, const char *what)
{
    int err = boot_add_range(list, count, base, size, type);
    if (err == -EINVAL)
        pr_warn("devicetree: %s range %#llx size %#llx is empty or wraps; ignored", what,
                (unsigned long long)base, (unsigned long long)size);
    else if (err == -ENOSPC)
        pr_warn("devicetree: more than %d %s ranges; rest ignored", BOOT_MAX_MEM_RANGES, what);
    return err;
}

/* Append every reg entry of @p node (a child of @p parent); returns how many were added. */
static unsigned add_reg(const struct fdt *fdt, int parent, int node, struct mem_range *list,
                        unsigned *count, uint32_t type, const char *what)
{
    uint64_t base, size;
    unsigned added = 0;
    int err;
    for (unsigned i = 0; (err = fdt_reg_in(fdt, parent, node, i, &base, &size)) == 0; i++) {
        int r = add_range(list, count, base, size, type, what);
        if (r == -ENOSPC)
            break;
        added += r == 0;
    }
    if (err == -EINVAL)
        pr_warn("devicetree: %s node %s has a malformed reg; ignored", what,
                fdt_node_name(fdt, node, NULL));
    return added;
}

static int is_memory_node(const struct fdt *fdt, int node)
{
    if (fdt_getprop(fdt, node, "device_type", NULL)) {
        const char *type = fdt_prop_string(fdt, node, "device_type");
        return type && strcmp(type, "memory") == 0;
    }
    /* Some trees omit device_type; the node name is then the only hint. */
    const char *name = fdt_node_name(fdt, node, NULL);
    return name && (strcmp(name, "memory") == 0 || strncmp(name, "memory@", 7) == 0);
}

/* Memory nodes are children of the root (DT spec 3.4). Returns ranges added. */
static unsigned add_memory(const struct fdt *fdt, struct boot_info *bi)
{
    unsigned added = 0;
    for (int n = fdt_first_child(fdt, fdt_root(fdt)); n >= 0; n = fdt_next_sibling(fdt, n))
        if (is_memory_node(fdt, n) && fdt_node_is_available(fdt, n))
            added += add_reg(fdt, fdt_root(fdt), n, bi->mem, &bi->mem_count, MEM_USABLE, "memory");
    return added;
}

static void add_reservations(const struct fdt *fdt, struct boot_info *bi)
{
    uint64_t base, size;
    for (uint32_t i = 0; fdt_rsv_entry(fdt, i, &base, &size) == 0; i++)
        if (add_range(bi->reserved, &bi->reserved_count, base, size, MEM_RESERVED,
                      "memreserve") == -ENOSPC)
            return;
    int rm = fdt_subnode(fdt, fdt_root(fdt), "reserved-memory");
    if (rm < 0)
        return;
    for (int n = fdt_first_child(fdt, rm); n >= 0; n = fdt_next_sibling(fdt, n)) {
        if (!fdt_node_is_available(fdt, n))
            continue;
        if (!fdt_getprop(fdt, n, "reg", NULL)) {
            /* "size"/"alloc-ranges" ask the OS to place it; we have no allocator yet. */
            pr_warn("devicetree: reserved-memory/%s has no reg; ignored", fdt_node_name(fdt, n, NULL));
            continue;
        }
        /* no-map: not even speculative accesses are allowed (DT spec 3.5.4),
         * so the direct map must leave a hole, not just the allocator. */
        uint32_t type = fdt_getprop(fdt, n, "no-map", NULL) ? MEM_NOMAP : MEM_RESERVED;
        add_reg(fdt, rm, n, bi->reserved, &bi->reserved_count, type, "reserved-memory");
    }
}

/* Copy the first @p n bytes of @p src into @p dst (@p size bytes) with a NUL;
 * returns -E2BIG, copying nothing, if it does not fit. */
static int copy_str(char *dst, size_t size, const char *src, size_t n)
{
    if (n >= size)
        return -E2BIG;
    memcpy(dst, src, n);
    dst[n] = 0;
    return 0;
}

static void read_bootargs(const struct fdt *fdt, int chosen, struct boot_info *bi)
{
    if (!fdt_getprop(fdt, chosen, "bootargs", NULL))
        return;
    const char *args = fdt_prop_string(fdt, chosen, "bootargs");
    if (!args) {
        pr_warn("devicetree: /chosen/bootargs is not a string; ignored");
        return;
    }
    size_t n = strlen(args);
    if (n >= sizeof bi->cmdline) {
        pr_warn("devicetree: command line of %zu bytes cut to %zu", n, sizeof bi->cmdline - 1);
        n = sizeof bi->cmdline - 1;
    }
    copy_str(bi->cmdline, sizeof bi->cmdline, args, n);
}

static void read_initrd(const struct fdt *fdt, int chosen, struct boot_info *bi)
{
    uint64_t start = 0, end = 0;
    int err_start = fdt_prop_num(fdt, chosen, "linux,initrd-start", &start);
    int err_end = fdt_prop_num(fdt, chosen, "linux,initrd-end", &end);
    if (err_start == -ENOENT && err_end == -ENOENT)
        return;
    if (err_start || err_end || end <= start) {
        pr_warn("devicetree: bad /chosen/linux,initrd-start/-end; initrd ignored");
        return;
    }
    bi->initrd_phys = start;
    bi->initrd_size = end - start;
}

static void read_stdout_path(const struct fdt *fdt, int chosen, struct boot_info *bi)
{
    const char *path = fdt_prop_string(fdt, chosen, "stdout-path");
    if (!path)
        path = fdt_prop_string(fdt, chosen, "linux,stdout-path");
    if (!path)
        return;
    /* "serial0:115200n8": what follows ':' configures the UART, not the path. */
    size_t n = 0;
    while (path[n] && path[n] != ':')
        n++;
    if (copy_str(bi->stdout_path, sizeof bi->stdout_path, path, n))
        pr_warn("devicetree: stdout-path longer than %zu bytes; ignored", sizeof bi->stdout_path - 1);
}

void dt_read_cmdline(const struct fdt *fdt, struct boot_info *bi)
{
    int chosen = fdt_subnode(fdt, fdt_root(fdt), "chosen");
    if (chosen >= 0)
        read_bootargs(fdt, chosen, bi);
}

int dt_read_boot_info(const struct fdt *fdt, struct boot_info *bi)
{
    bi->dtb_size = fdt->size;
    unsigned ram = add_memory(fdt, bi);
    add_reservations(fdt, bi);
    int chosen = fdt_subnode(fdt, fdt_root(fdt), "chosen");
    if (chosen >= 0) {
        read_initrd(fdt, chosen, bi);
        read_stdout_path(fdt, chosen, bi);
    }
    if (ram == 0) {
        pr_err("devicetree: no usable memory node");
        return -ENOENT;
    }
    return 0;
}

int dt_boot_info(const void *blob, uint64_t avail, struct boot_info *bi)
{
    struct fdt fdt;
    if (fdt_init(&fdt, blob, avail)) {
        pr_err("devicetree: malformed blob (header, block bounds or structure)");
        return -EINVAL;
    }
    dt_read_cmdline(&fdt, bi);
    return dt_read_boot_info(&fdt, bi);
}

int dt_psci_method(const void *blob, uint64_t avail)
{
    struct fdt fdt;
    return fdt_init(&fdt, blob, avail) ? -EINVAL : dt_read_psci_method(&fdt);
}

int dt_read_psci_method(const struct fdt *fdt)
{
    static const char *const compat[] = {"arm,psci-1.0", "arm,psci-0.2", "arm,psci"};
    int node = fdt_path(fdt, "/psci");
    for (unsigned i = 0; node < 0 && i < sizeof compat / sizeof compat[0]; i++)
        node = fdt_find_compatible(fdt, -1, compat[i]);
    const char *method = fdt_prop_string(fdt, node, "method");
    if (method && strcmp(method, "smc") == 0)
        return DT_PSCI_SMC;
    if (method && strcmp(method, "hvc") == 0)
        return DT_PSCI_HVC;
    return -ENOENT;
}

int dt_for_each_cpu(const struct fdt *fdt, struct hal_cpu_desc *out, unsigned max, dt_cpu_fn fn,
                    void *arg)
{
    int cpus = fdt_path(fdt, "/cpus");
    if (cpus < 0)
        return -ENOENT;
    int ac = fdt_addr_cells(fdt, cpus);
    int n = 0;
    for (int node = fdt_first_child(fdt, cpus); node >= 0; node = fdt_next_sibling(fdt, node)) {
        const char *type = fdt_prop_string(fdt, node, "device_type");
        if (!type || strcmp(type, "cpu") != 0)
            continue; /* cpu-map, caches and the like */
        size_t nlen;
        const char *name = fdt_node_name(fdt, node, &nlen);
        uint32_t len;
        const void *reg = fdt_getprop(fdt, node, "reg", &len);
        if ((ac != 1 && ac != 2) || !reg || len != (uint32_t)ac * 4) {
            pr_warn("dt: /cpus/%.*s: no usable reg (#address-cells %d); left off", (int)nlen,
                    name ? name : "?", ac);
            continue;
        }
        if ((unsigned)n < max) {
            uint64_t r = fdt_read_cells(reg, ac);
            struct hal_cpu_desc *d = &out[n];
            d->hwid = (uint32_t)r;
            d->method = NULL;
            d->why = NULL;
            /* A CPU the tree switched off is never the arch's to start. */
            if (!fdt_node_is_available(fdt, node))
                d->why = "its status is not \"okay\"";
            else
                fn(fdt, node, r, d, arg);
        }
        n++;
    }
    return n;
}
