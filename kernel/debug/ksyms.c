/**
 * @file ksyms.c
 * @brief Address to "function+0xoffset" from the table embedded at link time.
 *
 * scripts/gensyms.py writes the table (see its header for the layout); the
 * linker script brackets it with __ksyms_start/__ksyms_end. The first link
 * has no table, so every lookup must cope with an empty or missing one.
 */
#include <kernel/kernel.h>
#include <kernel/printf.h>
#include <kernel/sections.h>
#include <stdint.h>

static const char *image_lookup(uintptr_t addr, uintptr_t *offset);

static const char *(*code_lookup)(uintptr_t addr, uintptr_t *offset);
static int (*code_contains)(uintptr_t addr);

void ksym_set_code_lookup(const char *(*lookup)(uintptr_t addr, uintptr_t *offset),
                          int (*contains)(uintptr_t addr))
{
    __atomic_store_n(&code_contains, contains, __ATOMIC_RELEASE);
    __atomic_store_n(&code_lookup, lookup, __ATOMIC_RELEASE);
}

int ksym_code_contains(uintptr_t addr)
{
    int (*contains)(uintptr_t) = __atomic_load_n(&code_contains, __ATOMIC_ACQUIRE);
    return contains && contains(addr);
}

/* The image's table first, then the code memory regions (modules, JITed
 * programs), whose symbols are "owner:function". */
const char *ksym_lookup(uintptr_t addr, uintptr_t *offset)
{
    const char *name = image_lookup(addr, offset);
    const char *(*lookup)(uintptr_t, uintptr_t *) = __atomic_load_n(&code_lookup, __ATOMIC_ACQUIRE);
    return name || !lookup ? name : lookup(addr, offset);
}

static const char *image_lookup(uintptr_t addr, uintptr_t *offset)
{
    size_t words = (size_t)(__ksyms_end - __ksyms_start);
    if (words < 1)
        return 0;
    uint64_t count = __ksyms_start[0];
    if (count == 0 || 1 + 2 * count > words || addr >= (uintptr_t)__text_end)
        return 0;
    const uint64_t *ent = __ksyms_start + 1;
    const char *names = (const char *)(ent + 2 * count);
    if (addr < ent[0])
        return 0;
    size_t lo = 0, hi = count - 1; /* last entry with ent.addr <= addr */
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        if (ent[2 * mid] <= addr)
            lo = mid;
        else
            hi = mid - 1;
    }
    *offset = addr - ent[2 * lo];
    return names + ent[2 * lo + 1];
}

const char *ksym_name(uintptr_t addr, char *buf, size_t size)
{
    uintptr_t off;
    const char *name = ksym_lookup(addr, &off);
    if (name)
        ksnprintf(buf, size, "%s+%#lx", name, (unsigned long)off);
    else
        ksnprintf(buf, size, "%#lx", (unsigned long)addr);
    return buf;
}
