/**
 * @file asid_tests.c
 * @brief ktests of the ASIDs the scheduler loads user spaces with
 *        (kernel/asid.h, hal_uspace_switch()), on real spaces and the
 *        copy routines.
 *
 * What can fail under QEMU: with a single ASID for every space, a switch
 * between two spaces writes the same ASID with another root, and QEMU's
 * aarch64 TLB keeps its entries across that write (it flushes only when
 * the ASID field changes), so a flush the kernel forgot shows one space
 * the other's page. A switch between different ASIDs is flushed whole by
 * QEMU on every arch, so for those the tests check the decisions the
 * kernel made (each CPU's hit and flush counts) as well as the pages.
 */
#include "uspace.h"
#include <hal/irq.h>
#include <hal/mmu.h>
#include <hal/user.h>
#include <kernel/ktest.h>
#include <kernel/kprintf.h>
#include <kernel/pmm.h>
#include <kernel/sched.h>

#define SPACES 3
#define ROUNDS 100
#define UVA 0x400000ul

struct asid_fixture {
    struct uspace *us[SPACES];
    uint64_t tag[SPACES];
};

/* Write @p tag into space @p i's page at UVA, through the kernel's map of its frame. */
static int set_tag(struct asid_fixture *f, int i, uint64_t tag)
{
    uint64_t pa;
    if (vm_translate(&f->us[i]->as, UVA, &pa, NULL) != 0)
        return -1;
    *(volatile uint64_t *)hal_phys_to_virt(pa & ~(uint64_t)(PAGE_SIZE - 1)) = tag;
    f->tag[i] = tag;
    return 0;
}

/* A page at UVA in each of SPACES spaces; the test's thread kept on this
 * CPU, whose ASID table the test reads and narrows. */
static int fixture_up(struct asid_fixture *f)
{
    kt_pin_cpu(); /* the runner restores the affinity */
    for (int i = 0; i < SPACES; i++) {
        f->us[i] = uspace_create();
        if (!f->us[i] || uspace_map_anon(f->us[i], UVA, PAGE_SIZE, MMU_WRITE) != 0 ||
            uspace_fault(f->us[i], UVA, UFAULT_WRITE) != 0 || set_tag(f, i, 0x5a5a0000u + i) != 0)
            return -1;
    }
    return 0;
}

static void fixture_down(struct asid_fixture *f)
{
    sched_set_user(NULL, 0);
    /* Back to the CPU's own number of ASIDs; every record goes, so the
     * next load of any space here flushes (kernel/asid.h). */
    irqflags_t fl = hal_irq_save();
    asid_cpu_init(&this_cpu()->asid, hal_uspace_asids());
    this_cpu()->asid_ready = 1;
    hal_irq_restore(fl);
    for (int i = 0; i < SPACES; i++)
        if (f->us[i])
            uspace_destroy(f->us[i]);
}

/* Load space @p i and read its page through the user mapping: 0 if it
 * shows the space's own tag. */
static int load_and_read(struct asid_fixture *f, int i)
{
    sched_set_user(&f->us[i]->as, 0);
    uint64_t v = 0;
    if (hal_copy_user(&v, (const void *)UVA, sizeof v) != 0 || v != f->tag[i]) {
        kprintf("asid_tests: space %d read %#lx, not %#lx\n", i, (unsigned long)v,
                (unsigned long)f->tag[i]);
        return -1;
    }
    return 0;
}

/* One ASID shared by every space: each switch must flush it, or the next
 * space sees the last one's page (aarch64 under QEMU keeps the entry). */
KTEST(user_asid_reused_is_flushed)
{
    if (hal_uspace_asids() < 2) {
        kprintf("user_asid_reused_is_flushed: skipped, this CPU has no ASIDs (every switch "
                "flushes; user_asid_kept_until_the_space_changes checks that)\n");
        return;
    }
    struct asid_fixture f = {0};
    int ok = fixture_up(&f) == 0;
    if (ok) {
        irqflags_t fl = hal_irq_save();
        asid_cpu_init(&this_cpu()->asid, 2); /* ASID 1 for every space */
        this_cpu()->asid_ready = 1;          /* not undone by a first load */
        hal_irq_restore(fl);
        for (int r = 0; r < ROUNDS && ok; r++)
            for (int i = 0; i < SPACES && ok; i++)
                ok = load_and_read(&f, i) == 0;
    }
    fixture_down(&f);
    KT_ASSERT(ok);
}

/* Spaces keep their ASIDs across switches (hits), and a space changed while
 * another was loaded is flushed when it comes back, and reads its new page. */
KTEST(user_asid_kept_until_the_space_changes)
{
    struct asid_fixture f = {0};
    int ok = fixture_up(&f) == 0;
    struct asid_cpu *c = &this_cpu()->asid;
    uint64_t hits = c->hits, flushes = c->flushes;
    for (int r = 0; r < ROUNDS && ok; r++)
        for (int i = 0; i < 2 && ok; i++)
            ok = load_and_read(&f, i) == 0;
    uint64_t hit_loads = c->hits - hits;
    if (ok && c->nslots >= 2 && hit_loads < 2 * ROUNDS - 2) {
        kprintf("asid_tests: %lu of %d loads kept their ASID\n", (unsigned long)hit_loads, 2 * ROUNDS);
        ok = 0;
    }
    if (ok && c->nslots == 0 && hit_loads != 0) {
        kprintf("asid_tests: %lu loads without a flush on a CPU with no ASIDs\n",
                (unsigned long)hit_loads);
        ok = 0;
    }
    /* Space 0 changes while space 1 is loaded: its page goes, another comes. */
    if (ok) {
        flushes = c->flushes;
        ok = uspace_unmap(f.us[0], UVA, PAGE_SIZE) == 0 &&
             uspace_map_anon(f.us[0], UVA, PAGE_SIZE, MMU_WRITE) == 0 &&
             uspace_fault(f.us[0], UVA, UFAULT_WRITE) == 0 && set_tag(&f, 0, 0xc0ffee) == 0 &&
             load_and_read(&f, 0) == 0;
        if (ok && c->flushes == flushes) {
            kprintf("asid_tests: a changed space came back without a flush\n");
            ok = 0;
        }
    }
    fixture_down(&f);
    KT_ASSERT(ok);
}
