/**
 * @file asid.c
 * @brief Each CPU's ASIDs for the user spaces it runs (kernel/asid.h).
 *
 * Least recently used goes out: a CPU that switches between a few
 * processes keeps all of their entries, and one that meets many flushes
 * only the oldest's ASID. The table is small (ASID_SLOTS_MAX), so a linear
 * search beats anything smarter.
 */
#include <kernel/asid.h>
#include <kernel/string.h>

void asid_cpu_init(struct asid_cpu *c, unsigned hw_asids)
{
    memset(c, 0, sizeof *c);
    /* ASID 0 stays with "no user space" (a kernel thread), which never
     * walks user tables, so it never holds a user entry. */
    c->nslots = hw_asids > ASID_SLOTS_MAX ? ASID_SLOTS_MAX : hw_asids > 1 ? hw_asids - 1 : 0;
}

unsigned asid_pick(struct asid_cpu *c, uint64_t id, uint64_t gen, int *flush)
{
    if (!c->nslots) {
        c->flushes++;
        *flush = 1;
        return 0;
    }
    unsigned i, victim = 0;
    for (i = 0; i < c->nslots && c->slot[i].id != id; i++)
        if (c->slot[i].used < c->slot[victim].used)
            victim = i; /* the least recently loaded, an unused one first */
    if (i < c->nslots) {
        victim = i;
    } else {
        c->slot[victim].id = id;
        c->slot[victim].gen = gen - 1; /* never equal: the new holder flushes */
    }
    /* A count that moved (either way: a space's count only grows, so a
     * smaller one is a stale record) means the space changed since. */
    *flush = c->slot[victim].gen != gen;
    if (*flush)
        c->flushes++;
    else
        c->hits++;
    c->slot[victim].gen = gen;
    c->slot[victim].used = ++c->clock;
    return victim + 1;
}

uint64_t asid_new_space_id(void)
{
    static uint64_t next_id;
    return __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
}
