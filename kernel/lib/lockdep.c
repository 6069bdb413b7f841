/**
 * @file lockdep.c
 * @brief The lock-order checker (see kernel/lockdep.h) and its ktest.
 *
 * Its own state is guarded by a bare atomic flag with interrupts masked, not
 * a spinlock: it runs inside spin_lock*() and would otherwise recurse. It
 * prints after dropping that flag, with this CPU marked busy, so the
 * console's own locks taken while printing are neither checked nor able to
 * re-enter it.
 */
#include <hal/cpu.h>
#include <kernel/kernel.h>
#include <kernel/lockdep.h>
#include <kernel/log.h>

struct order {
    uint8_t from, to;             /* classes: 'to' taken while holding 'from' */
    uintptr_t from_site, to_site; /* where each was taken, the first time */
};

struct held {
    const struct spinlock *lock;
    uint8_t cls;
    uintptr_t site;
};

struct cpu_held {
    uint32_t hwid;
    int used;
    int busy; /* printing a report: ignore this CPU's locks meanwhile */
    unsigned depth;
    struct held h[LOCKDEP_DEPTH];
};

static const char *classes[LOCKDEP_CLASSES];
static unsigned nclasses;
static struct order orders[LOCKDEP_ORDERS];
static unsigned norders;
static struct cpu_held cpus_held[SMP_MAX_CPUS];
static volatile int guard;
static unsigned reports;
static int full;
/* Classes reported taken with interrupts on, a bit each. */
static uint64_t irq_on_seen[(LOCKDEP_CLASSES + 63) / 64];
#define IRQ_ON_WORD(cls) irq_on_seen[(unsigned)(cls) / 64]
#define IRQ_ON_BIT(cls) (1ull << ((unsigned)(cls) % 64))
_Static_assert(LOCKDEP_CLASSES <= 256 && LOCKDEP_ORDERS <= 32767,
               "a class fits a uint8_t, an order an int16_t (struct held, find_path())");

unsigned lockdep_reports(void) { return __atomic_load_n(&reports, __ATOMIC_RELAXED); }

int lockdep_full(void) { return __atomic_load_n(&full, __ATOMIC_RELAXED); }

static void guard_take(void)
{
    while (__atomic_exchange_n(&guard, 1, __ATOMIC_ACQUIRE))
        hal_cpu_relax();
}

static void guard_give(void) { __atomic_store_n(&guard, 0, __ATOMIC_RELEASE); }

/* This CPU's stack of held locks; guard held. NULL when every slot is taken. */
static struct cpu_held *mine(void)
{
    uint32_t id = hal_cpu_id();
    struct cpu_held *free_slot = NULL;
    for (unsigned i = 0; i < SMP_MAX_CPUS; i++) {
        if (cpus_held[i].used && cpus_held[i].hwid == id)
            return &cpus_held[i];
        if (!cpus_held[i].used && !free_slot)
            free_slot = &cpus_held[i];
    }
    if (free_slot) {
        free_slot->used = 1;
        free_slot->hwid = id;
    }
    return free_slot;
}

/* The class of lock name @p name (by pointer: names are literals); -1 when
 * the table is full. Guard held. */
static int class_of(const char *name)
{
    int free_slot = -1;
    for (unsigned i = 0; i < nclasses; i++) {
        if (classes[i] == name)
            return (int)i;
        if (!classes[i] && free_slot < 0)
            free_slot = (int)i;
    }
    if (free_slot >= 0) {
        classes[free_slot] = name;
        return free_slot;
    }
    if (nclasses == LOCKDEP_CLASSES)
        return -1;
    classes[nclasses] = name;
    return (int)nclasses++;
}

static int find_order(unsigned from, unsigned to)
{
    for (unsigned i = 0; i < norders; i++)
        if (orders[i].from == from && orders[i].to == to)
            return (int)i;
    return -1;
}

/*
 * Breadth-first from class @p from over the recorded orders: if @p to is
 * reachable, fill @p path with the order indices from @p from to @p to (at
 * most @p max; the count is returned), else return 0.
 */
static unsigned find_path(unsigned from, unsigned to, int *path, unsigned max)
{
    /* small types: this runs inside spin_lock(), on any stack */
    int16_t via[LOCKDEP_CLASSES]; /* order index that reached each class, -1: not yet */
    uint8_t queue[LOCKDEP_CLASSES];
    unsigned head = 0, tail = 0;
    for (unsigned i = 0; i < LOCKDEP_CLASSES; i++)
        via[i] = -1;
    queue[tail++] = from;
    via[from] = -2;
    while (head < tail && via[to] == -1) {
        unsigned c = queue[head++];
        for (unsigned i = 0; i < norders; i++)
            if (orders[i].from == c && via[orders[i].to] == -1) {
                via[orders[i].to] = (int16_t)i;
                queue[tail++] = orders[i].to;
            }
    }
    if (via[to] == -1)
        return 0;
    unsigned n = 0;
    for (unsigned c = to; via[c] >= 0; c = orders[via[c]].from)
        n++;
    unsigned k = n < max ? n : max, i = n;
    for (unsigned c = to; via[c] >= 0; c = orders[via[c]].from)
        if (--i < k)
            path[i] = via[c];
    return k;
}

#define PATH_MAX_SHOWN 4

struct report {
    struct order now;
    int path[PATH_MAX_SHOWN];
    unsigned n;
};

static void print_report(const struct report *r)
{
    char a[KSYM_NAME_MAX], b[KSYM_NAME_MAX];
    pr_err("lock order: '%s' taken at %s while holding '%s' (taken at %s),",
           classes[r->now.to], ksym_name(r->now.to_site, a, sizeof a), classes[r->now.from],
           ksym_name(r->now.from_site, b, sizeof b));
    for (unsigned i = 0; i < r->n; i++) {
        const struct order *o = &orders[r->path[i]];
        pr_err("  %s '%s' was taken at %s while holding '%s' (taken at %s)",
               i == 0 ? "but" : "and", classes[o->to], ksym_name(o->to_site, a, sizeof a),
               classes[o->from], ksym_name(o->from_site, b, sizeof b));
    }
}

static void out_of_room(const char *what)
{
    if (!__atomic_exchange_n(&full, 1, __ATOMIC_RELAXED))
        pr_warn("lockdep: out of room for %s; lock-order checking stops here", what);
}

void lockdep_acquired(const struct spinlock *l, uintptr_t site)
{
    if (!l->name || lockdep_full())
        return;
    int irqs_on = hal_irq_enabled();
    irqflags_t f = hal_irq_save();
    guard_take();
    struct cpu_held *c = mine();
    if (!c || c->busy) {
        guard_give();
        hal_irq_restore(f);
        return;
    }
    const char *room = NULL;
    struct report r;
    int reported = 0;
    int cls = class_of(l->name);
    if (cls < 0)
        room = "lock classes";
    /* Every lock is held with interrupts masked (kernel/spinlock.h): a
     * handler on this CPU that takes it would otherwise spin for ever. */
    int irq_report = irqs_on && cls >= 0 && !(IRQ_ON_WORD(cls) & IRQ_ON_BIT(cls));
    if (irq_report)
        IRQ_ON_WORD(cls) |= IRQ_ON_BIT(cls);
    for (unsigned i = 0; cls >= 0 && i < c->depth && !room; i++) {
        const struct held *h = &c->h[i];
        if (h->cls == cls || find_order(h->cls, (unsigned)cls) >= 0)
            continue;
        if (!reported) {
            r.n = find_path((unsigned)cls, h->cls, r.path, PATH_MAX_SHOWN);
            if (r.n) {
                r.now = (struct order){h->cls, (uint8_t)cls, h->site, site};
                reported = 1;
            }
        }
        if (norders == LOCKDEP_ORDERS)
            room = "lock orders";
        else
            orders[norders++] = (struct order){h->cls, (uint8_t)cls, h->site, site};
    }
    if (cls >= 0 && !room) {
        if (c->depth == LOCKDEP_DEPTH)
            room = "locks held at once";
        else
            c->h[c->depth++] = (struct held){l, (uint8_t)cls, site};
    }
    if (reported || irq_report)
        c->busy = 1;
    guard_give();
    if (room)
        out_of_room(room);
    if (irq_report) {
        char a[KSYM_NAME_MAX];
        __atomic_fetch_add(&reports, 1, __ATOMIC_RELAXED);
        pr_err("lock '%s' taken at %s with interrupts on: a handler on this CPU that takes it "
               "would spin for ever", classes[cls], ksym_name(site, a, sizeof a));
    }
    if (reported) {
        __atomic_fetch_add(&reports, 1, __ATOMIC_RELAXED);
        print_report(&r);
    }
    if (reported || irq_report)
        c->busy = 0;
    hal_irq_restore(f);
}

void lockdep_released(const struct spinlock *l)
{
    if (!l->name)
        return;
    irqflags_t f = hal_irq_save();
    guard_take();
    struct cpu_held *c = mine();
    if (c && !c->busy) {
        /* Usually the top; locks handed over or released out of order are
         * found further down. Not found: taken before checking began. */
        for (unsigned i = c->depth; i-- > 0;)
            if (c->h[i].lock == l) {
                for (unsigned j = i; j + 1 < c->depth; j++)
                    c->h[j] = c->h[j + 1];
                c->depth--;
                break;
            }
    }
    guard_give();
    hal_irq_restore(f);
}

void lockdep_forget(const char *name)
{
    irqflags_t f = hal_irq_save();
    guard_take();
    for (unsigned i = 0; i < nclasses; i++) {
        if (classes[i] != name)
            continue;
        unsigned k = 0;
        for (unsigned j = 0; j < norders; j++)
            if (orders[j].from != i && orders[j].to != i)
                orders[k++] = orders[j];
        norders = k;
        classes[i] = NULL; /* free for class_of() to reuse */
        IRQ_ON_WORD(i) &= ~IRQ_ON_BIT(i);
    }
    guard_give();
    hal_irq_restore(f);
}
