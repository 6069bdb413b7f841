/**
 * @file platform_tests.c
 * @brief In-kernel tests of the boot platform: higher half, direct map,
 *        device mappings, the driver table and the boot memory map.
 */
#include <hal/mmu.h>
#include <hal/platform.h>
#include <kernel/console.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/ktest.h>
#include <kernel/string.h>

extern char __kernel_start[], __kernel_end[];

static volatile uint64_t alias_probe = 0x1234;

KTEST(runs_in_higher_half)
{
    KT_ASSERT((uintptr_t)__kernel_start == KERNEL_VIRT_BASE);
    KT_ASSERT((uintptr_t)&alias_probe >= KERNEL_VIRT_BASE);
    KT_ASSERT((uintptr_t)__builtin_return_address(0) >= KERNEL_VIRT_BASE);
    KT_ASSERT(hal_virt_to_phys(__kernel_start) == platform_boot_info()->kernel_phys);
    KT_ASSERT(hal_virt_to_phys((void *)0x1000) == (uint64_t)-1);
}

/* The direct map and the image map must reach the same RAM: a store through
 * one is seen through the other. */
KTEST(direct_map_aliases_image)
{
    uint64_t pa = hal_virt_to_phys((const void *)&alias_probe);
    KT_ASSERT(pa != (uint64_t)-1);
    KT_ASSERT(hal_direct_mapped(pa, sizeof alias_probe));
    volatile uint64_t *alias = hal_phys_to_virt(pa);
    KT_ASSERT((uintptr_t)alias != (uintptr_t)&alias_probe);
    *alias = 0xfeedfacecafef00dULL;
    KT_ASSERT(alias_probe == 0xfeedfacecafef00dULL);
    alias_probe = 7;
    KT_ASSERT(*alias == 7);
    KT_ASSERT(hal_virt_to_phys((const void *)alias) == pa);
    KT_ASSERT(!hal_direct_mapped(pa, 0));
    KT_ASSERT(!hal_direct_mapped(~0ULL - 8, 64)); /* wraps */
}

KTEST(ioremap_reuses_and_separates)
{
    /* Any physical address works for the bookkeeping; nothing is accessed. */
    uint64_t pa = 0xfe000000ULL + 0x123;
    void *a = hal_ioremap(pa, 0x100), *b = hal_ioremap(pa + 0x10, 4);
    KT_ASSERT(a != NULL && b != NULL);
    KT_ASSERT((uintptr_t)b == (uintptr_t)a + 0x10);
    KT_ASSERT(((uintptr_t)a & 0xfff) == 0x123);
    void *c = hal_ioremap(pa + (4ULL << 20), 4);
    KT_ASSERT(c != NULL && c != a);
    KT_ASSERT(hal_ioremap(pa, 0) == NULL);
    KT_ASSERT(hal_ioremap(~0ULL - 4, 16) == NULL); /* wraps */
}

static int probe_calls;
static int fake_probe(struct device *dev)
{
    probe_calls++;
    return dev->base == 0xbad ? -EIO : 0;
}
static const char *const fake_compat[] = {"ktest,fake-device", NULL};
DRIVER(ktest_fake_driver, .name = "ktest-fake", .compatible = fake_compat, .probe = fake_probe);

KTEST(driver_match_and_probe)
{
    unsigned before = device_count();
    int calls = probe_calls;
    struct device d = {.name = "fake0", .fdt_node = -1};
    KT_ASSERT(device_add_compatible(&d, "vendor,unknown") == 0);
    KT_ASSERT(device_add(&d) == -ENODEV);
    KT_ASSERT(device_add_compatible(&d, "ktest,fake-device") == 0); /* second choice matches */
    d.base = 0xbad;
    KT_ASSERT(device_add(&d) == -EIO && device_count() == before);
    d.base = 0x1000;
    KT_ASSERT(device_add(&d) == 0 && device_count() == before + 1);
    KT_ASSERT(probe_calls == calls + 2);
    const struct device *bound = device_at(before);
    KT_ASSERT(bound && strcmp(bound->name, "fake0") == 0 && bound->driver == &ktest_fake_driver);
    /* the console is a bound device (the boot UART) */
    KT_ASSERT(console_current() != NULL && console_current()->dev->driver != NULL);
}

KTEST(boot_memory_map_sane)
{
    const struct boot_info *bi = platform_boot_info();
    uint64_t usable = 0;
    int kernel_inside = 0;
    for (unsigned i = 0; i < bi->mem_count; i++) {
        const struct mem_range *r = &bi->mem[i];
        KT_ASSERT(r->size != 0 && r->base + r->size > r->base);
        if (r->type != MEM_USABLE)
            continue;
        usable += r->size;
        kernel_inside |= bi->kernel_phys >= r->base && bi->kernel_phys < r->base + r->size;
    }
    KT_ASSERT(usable >= (16ULL << 20));
    KT_ASSERT(kernel_inside);
}
