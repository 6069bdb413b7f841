/**
 * @file file_page.c
 * @brief Frames of files' pages, shared by the file system and the address
 *        spaces that map them (kernel/file_page.h).
 */
#include <hal/mmu.h>
#include <kernel/file_page.h>
#include <kernel/pmm.h>
#include <kernel/string.h>

static uint64_t in_use;

static uintptr_t *refs(uint64_t pa) { return (uintptr_t *)&pmm_page(pa)->owner; }

uint64_t file_page_new(void)
{
    uint64_t pa = file_page_new_raw();
    if (pa)
        memset(hal_phys_to_virt(pa), 0, PAGE_SIZE);
    return pa;
}

uint64_t file_page_new_raw(void)
{
    uint64_t pa = pmm_alloc(0);
    if (!pa)
        return 0;
    pmm_page(pa)->flags = PG_FILE;
    __atomic_store_n(refs(pa), 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&in_use, 1, __ATOMIC_RELAXED);
    return pa;
}

void file_page_get(uint64_t pa) { __atomic_add_fetch(refs(pa), 1, __ATOMIC_RELAXED); }

void file_page_put(uint64_t pa)
{
    if (__atomic_sub_fetch(refs(pa), 1, __ATOMIC_ACQ_REL) == 0) {
        struct page *pg = pmm_page(pa);
        pg->flags = 0;
        pg->owner = NULL;
        pmm_free(pa, 0);
        __atomic_sub_fetch(&in_use, 1, __ATOMIC_RELAXED);
    }
}

void file_page_written(uint64_t pa)
{
    /* After the bytes: a mapping that synced before them syncs again. */
    __atomic_and_fetch(&pmm_page(pa)->flags, (uint16_t)~PG_ICLEAN, __ATOMIC_RELEASE);
}

int file_page_is(uint64_t pa) { return (pmm_page(pa)->flags & PG_FILE) != 0; }

uint64_t file_pages_in_use(void) { return __atomic_load_n(&in_use, __ATOMIC_RELAXED); }
