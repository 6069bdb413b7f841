/**
 * @file module_tests.c
 * @brief ktests of the module loader on the real modules in the initrd:
 *        hello.ko loads, its module_init ran with every section relocated,
 *        its pages have the permissions of their contents, its functions
 *        are named for faults, and unloading leaves nothing mapped; bad
 *        objects are refused and the kernel carries on; the damaged
 *        copies the build packs as bad/<shape>.ko are refused by name
 *        with their reason and leave the heap as it was; every module
 *        loaded can be unloaded by its name.
 */
#include <hal/mmu.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/initrd.h>
#include <kernel/jit.h>
#include <kernel/kmalloc.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/ktest.h>
#include <kernel/module.h>
#include <kernel/printf.h>
#include <kernel/string.h>
#include <kernel/vm.h>

/* The modules come in the initrd; a boot without one (riscv64 under U-Boot's
 * UEFI, INITRD=none) has none to load. */
#define NO_MODULES "no initrd with hello.ko"

static int prot_of(uintptr_t va, unsigned *prot)
{
    uint64_t pa;
    return vm_translate(vm_kernel_aspace(), va, &pa, prot);
}

KTEST(module_hello_loads_runs_and_unloads)
{
    const void *elf;
    size_t size;
    KT_SKIP_UNLESS(initrd_find("hello.ko", &elf, &size) == 0, NO_MODULES);
    struct module *m;
    char log[160];
    /* someone typed `modload hello.ko` before: unload it now, load it again at the end */
    int was_loaded = module_find("hello") != NULL;
    if (was_loaded)
        KT_ASSERT(module_unload("hello") == 0);
    KT_ASSERT(module_load(elf, size, module_kernel_opts(), &m, log, sizeof log) == 0);
    KT_ASSERT(strcmp(m->name, "hello") == 0 && module_find("hello") == m);
    /* module_init ran: .data counted, .bss filled through the pointer table */
    int *loads = module_symbol(m, "hello_loads");
    uint32_t (*sum)(void) = (uint32_t(*)(void))module_symbol(m, "hello_sum");
    KT_ASSERT(loads && *loads == 101);
    uint32_t want = 0;
    for (uint32_t i = 0; i < 16; i++)
        want += (i & 1) ? 2 * i : i * i;
    KT_ASSERT(sum && sum() == want);
    /* permissions: code r-x, rodata r--, data rw- */
    unsigned prot;
    KT_ASSERT(prot_of((uintptr_t)sum, &prot) == 0 && (prot & MMU_EXEC) && !(prot & MMU_WRITE));
    KT_ASSERT(prot_of((uintptr_t)module_symbol(m, "module_name"), &prot) == 0 && !(prot & MMU_EXEC) &&
              !(prot & MMU_WRITE));
    KT_ASSERT(prot_of((uintptr_t)loads, &prot) == 0 && (prot & MMU_WRITE) && !(prot & MMU_EXEC));
    /* named for faults and backtraces */
    uintptr_t off;
    const char *name = ksym_lookup((uintptr_t)sum + 4, &off);
    KT_ASSERT(name && strcmp(name, "hello:hello_sum") == 0 && off == 4);
    /* a second copy under the same name is refused */
    struct module *m2;
    KT_ASSERT(module_load(elf, size, module_kernel_opts(), &m2, log, sizeof log) == -EEXIST);
    uintptr_t base = m->base;
    KT_ASSERT(module_unload("hello") == 0);
    KT_ASSERT(module_find("hello") == NULL);
    KT_ASSERT(prot_of(base, &prot) != 0); /* unmapped */
    KT_ASSERT(module_unload("hello") == -ENOENT);
    if (was_loaded)
        KT_ASSERT(module_load(elf, size, module_kernel_opts(), &m, log, sizeof log) == 0);
}

/* The initrd (cpio) aligns a file to 4 bytes only: an object at 4 mod 8 is
 * loaded from an aligned copy, where the linker itself refuses it. */
KTEST(module_loads_from_a_misaligned_object)
{
    const void *elf;
    size_t size;
    KT_SKIP_UNLESS(initrd_find("hello.ko", &elf, &size) == 0, NO_MODULES);
    int was_loaded = module_find("hello") != NULL;
    if (was_loaded)
        KT_ASSERT(module_unload("hello") == 0);
    uint8_t *buf = kmalloc(size + 4);
    KT_ASSERT(buf != NULL);
    uint8_t *odd = buf + ((uintptr_t)buf % 8 == 4 ? 0 : 4);
    memcpy(odd, elf, size);
    struct module *m = NULL;
    char log[160];
    int rc = module_load(odd, size, module_kernel_opts(), &m, log, sizeof log);
    int ran = rc == 0 && module_symbol(m, "hello_loads") && *(int *)module_symbol(m, "hello_loads") > 100;
    int unloaded = rc == 0 && module_unload("hello") == 0;
    char why[160] = "";
    size_t n = module_image_size(odd, size, module_kernel_opts(), why, sizeof why);
    kfree(buf);
    if (was_loaded)
        KT_ASSERT(module_load(elf, size, module_kernel_opts(), &m, log, sizeof log) == 0);
    KT_ASSERT((uintptr_t)odd % 8 == 4);
    KT_ASSERT(rc == 0 && ran && unloaded);
    KT_ASSERT(n == 0 && strstr(why, "8-byte aligned"));
}

/* Damaged copies of hello.ko: refused with a message, the heap as before. */
KTEST(module_bad_objects_refused)
{
    const void *elf;
    size_t size;
    KT_SKIP_UNLESS(initrd_find("hello.ko", &elf, &size) == 0, NO_MODULES);
    uint8_t *copy = kmalloc(size);
    KT_ASSERT(copy != NULL);
    struct module *m;
    char log[160];
    struct module_opts o = *module_kernel_opts();
    /* truncated */
    log[0] = 0;
    KT_ASSERT(module_load(elf, 40, &o, &m, log, sizeof log) == -ENOEXEC && log[0]);
    /* another machine */
    memcpy(copy, elf, size);
    copy[18] ^= 0x80;
    KT_ASSERT(module_load(copy, size, &o, &m, log, sizeof log) == -ENOEXEC && strstr(log, "machine"));
    /* nothing exported: kprintf is undefined */
    o.resolve = NULL;
    KT_ASSERT(module_load(elf, size, &o, &m, log, sizeof log) == -ENOENT && strstr(log, "kprintf"));
    kfree(copy);
}

static int heap_same(const struct kmalloc_stats *a, const struct kmalloc_stats *b)
{
    for (unsigned c = 0; c < KMALLOC_CLASSES; c++)
        if (a->cls[c].inuse != b->cls[c].inuse)
            return 0;
    return a->large_blocks == b->large_blocks;
}

/* The shapes issue 23's fuzzing found (modules/CMakeLists.txt builds them
 * from hello.ko): each refused with its reason, nothing loaded, the heap
 * as before. Before, the first two loaded as "" and "T\x03" (names no
 * modunload could give) and the last failed with an empty reason. */
KTEST(module_damaged_names_and_sizes_refused_with_a_reason)
{
    static const struct {
        const char *file, *why;
        int rc;
    } bad[] = {
        {"bad/name-nobits.ko", "module_name is in section .rodata, which has no bytes in the file (NOBITS)", -ENOEXEC},
        {"bad/name-reloc.ko", "writes into module_name", -ENOEXEC},
        {"bad/name-ctrl.ko", "module_name \"T\\x03\" has byte 0x03 at 1", -ENOEXEC},
        {"bad/symsize.ko", "(18446744073709551615 bytes at ", -ENOEXEC},
    };
    const void *any;
    size_t any_size;
    KT_SKIP_UNLESS(initrd_find(bad[0].file, &any, &any_size) == 0, NO_MODULES);
    /* The heap is everyone's: typed at the first prompt, this would count
     * the probe thread's allocations too (it scans PCI after the prompt). */
    device_probe_wait();
    struct module *first = module_next(NULL);
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const void *elf;
        size_t size;
        KT_ASSERT(initrd_find(bad[i].file, &elf, &size) == 0);
        struct module *m = NULL;
        char log[200] = "";
        struct kmalloc_stats before, after;
        int rc;
        /* Up to three tries: another CPU may free meanwhile what an earlier
         * test left for a timer (lwIP's connections in TIME-WAIT come from
         * the heap); a load that leaks moves the counts every time. */
        for (int t = 0; t < 3; t++) {
            m = NULL;
            log[0] = 0;
            kmalloc_stats(&before);
            rc = module_load(elf, size, module_kernel_opts(), &m, log, sizeof log);
            kmalloc_stats(&after);
            if (heap_same(&before, &after))
                break;
        }
        if (rc != bad[i].rc || !strstr(log, bad[i].why))
            kprintf("%s: %d '%s'\n", bad[i].file, rc, log);
        KT_ASSERT(rc == bad[i].rc && strstr(log, bad[i].why));
        KT_ASSERT(module_next(NULL) == first);
        KT_ASSERT(heap_same(&before, &after));
    }
}

/* A module's name is a shell word and unique, so every module loaded can
 * be unloaded by it: a second hello.ko is refused by name, and unloading
 * each listed module by the name lsmod shows empties the list. */
KTEST(module_every_loaded_module_unloads_by_name)
{
    const void *elf;
    size_t size;
    KT_SKIP_UNLESS(initrd_find("hello.ko", &elf, &size) == 0, NO_MODULES);
    int was_loaded = module_find("hello") != NULL;
    struct module *m;
    char log[200];
    if (!was_loaded)
        KT_ASSERT(module_load(elf, size, module_kernel_opts(), &m, log, sizeof log) == 0);
    log[0] = 0;
    KT_ASSERT(module_load(elf, size, module_kernel_opts(), &m, log, sizeof log) == -EEXIST);
    KT_ASSERT(strcmp(log, "a module named 'hello' is already loaded") == 0);
    char names[8][MODULE_NAME_MAX];
    unsigned n = 0;
    for (struct module *p = module_next(NULL); p && n < 8; p = module_next(p)) {
        size_t len = strlen(p->name);
        KT_ASSERT(len > 0 && len < MODULE_NAME_MAX);
        for (size_t i = 0; i < len; i++)
            KT_ASSERT(p->name[i] > 0x20 && p->name[i] < 0x7f);
        memcpy(names[n++], p->name, len + 1);
    }
    for (unsigned i = 0; i < n; i++)
        KT_ASSERT(module_unload(names[i]) == 0);
    KT_ASSERT(module_next(NULL) == NULL);
    /* what was loaded before comes back, so the shell sees no difference */
    for (unsigned i = 0; i < n; i++) {
        char file[MODULE_NAME_MAX + 4];
        ksnprintf(file, sizeof file, "%s.ko", names[i]);
        if ((strcmp(names[i], "hello") != 0 || was_loaded) && initrd_find(file, &elf, &size) == 0)
            module_load(elf, size, module_kernel_opts(), &m, log, sizeof log);
    }
}
