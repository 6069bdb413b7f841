/**
 * @file sys_arch.c
 * @brief lwIP's operating-system layer on the kernel's primitives: heap,
 *        mutex, semaphore and mailbox with timed waits, threads, time,
 *        the short critical sections (SYS_LIGHTWEIGHT_PROT), the core-lock
 *        check and random numbers (the checksum is chksum.c).
 *
 * Timed waits are wait sets with a deadline (kernel/wait.h): the waiter
 * enqueues, re-checks, then blocks, so a post landing in between is not
 * lost. Wakers wake every waiter (there are one or two: the tcpip thread
 * on its mailbox, a caller on a semaphore), since a woken waiter whose
 * deadline passed at the same moment would otherwise swallow the wake.
 */
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/vfs.h>
#include <kernel/wait.h>
#include <stdarg.h>

#include "lwip_port.h"

/* ---- heap: the kernel's, with a cap so a flood of segments or SYNs
 * cannot take all memory ---- */

/* Each block carries its size in front (16 bytes, keeping kmalloc's
 * alignment) for the cap's accounting. */
#define HDR 16u
static size_t heap_used, heap_blocks;
static size_t heap_cap = LWIP_PORT_HEAP_CAP_MIN;

void lwip_port_heap_cap(size_t bytes)
{
    heap_cap = bytes < LWIP_PORT_HEAP_CAP_MIN ? LWIP_PORT_HEAP_CAP_MIN : bytes;
}

/* Small blocks are kept for reuse, not given back: lwIP's cyclic timers
 * free and take a timeout record every few hundred milliseconds in the
 * tcpip thread, and through the kernel heap that churn would move its
 * counts under whoever reads them (a heap test, a leak check) at any
 * moment. The kept blocks (half of them taken at the start) serve it, and
 * the heap stays still. */
#define SMALL 64u
#define SMALL_KEPT 64u
static struct spinlock small_lock = SPINLOCK_INIT("lwip small blocks");
static void *small_free; /* a list through the blocks' first word */
static unsigned small_count;

static uint8_t *block_get(size_t size)
{
    if (size > SMALL)
        return kmalloc(size + HDR);
    irqflags_t f = spin_lock_irqsave(&small_lock);
    uint8_t *b = small_free;
    if (b) {
        small_free = *(void **)b;
        small_count--;
    }
    spin_unlock_irqrestore(&small_lock, f);
    return b ? b : kmalloc(SMALL + HDR);
}

static void block_put(uint8_t *b, size_t size)
{
    if (size <= SMALL) {
        irqflags_t f = spin_lock_irqsave(&small_lock);
        int keep = small_count < SMALL_KEPT;
        if (keep) {
            *(void **)b = small_free;
            small_free = b;
            small_count++;
        }
        spin_unlock_irqrestore(&small_lock, f);
        if (keep)
            return;
    }
    kfree(b);
}

void lwip_port_keep_small(void)
{
    /* Kept from the start, so the timers' churn never reaches the heap
     * after boot, not only once it has peaked. */
    uint8_t *b[SMALL_KEPT / 2];
    unsigned n = 0;
    while (n < SMALL_KEPT / 2 && (b[n] = kmalloc(SMALL + HDR)))
        n++;
    while (n)
        block_put(b[--n], SMALL);
}

void *lwip_port_malloc(size_t size)
{
    size_t used = __atomic_add_fetch(&heap_used, size, __ATOMIC_RELAXED);
    if (used > heap_cap || size > heap_cap) {
        __atomic_sub_fetch(&heap_used, size, __ATOMIC_RELAXED);
        return NULL;
    }
    uint8_t *p = block_get(size);
    if (!p) {
        __atomic_sub_fetch(&heap_used, size, __ATOMIC_RELAXED);
        return NULL;
    }
    *(size_t *)p = size;
    __atomic_add_fetch(&heap_blocks, 1, __ATOMIC_RELAXED);
    return p + HDR;
}

void *lwip_port_calloc(size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size)
        return NULL;
    void *p = lwip_port_malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void lwip_port_free(void *p)
{
    if (!p)
        return;
    uint8_t *b = (uint8_t *)p - HDR;
    size_t size = *(size_t *)b;
    __atomic_sub_fetch(&heap_used, size, __ATOMIC_RELAXED);
    __atomic_sub_fetch(&heap_blocks, 1, __ATOMIC_RELAXED);
    block_put(b, size);
}

void lwip_port_heap(size_t *bytes, size_t *blocks)
{
    *bytes = __atomic_load_n(&heap_used, __ATOMIC_RELAXED);
    *blocks = __atomic_load_n(&heap_blocks, __ATOMIC_RELAXED);
}

/* ---- diagnostics, random numbers ---- */

void lwip_port_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

void lwip_port_assert(const char *msg, const char *file, int line)
{
    panic("lwip: %s (%s:%d)", msg, file, line);
}

uint32_t lwip_port_rand(void)
{
    uint32_t r;
    random_fill(&r, sizeof r);
    return r;
}

/* ---- time ---- */

void sys_init(void)
{
}

u32_t sys_now(void)
{
    return (u32_t)(hal_time_ns() / 1000000u);
}

/* ---- SYS_LIGHTWEIGHT_PROT: short sections (pool and pbuf bookkeeping)
 * any thread may enter, and re-enter while inside ---- */

static struct spinlock prot_lock = SPINLOCK_INIT("lwip-prot");
static struct thread *prot_owner;
static unsigned prot_depth;

sys_prot_t sys_arch_protect(void)
{
    irqflags_t f = hal_irq_save();
    struct thread *me = thread_current();
    if (prot_owner == me && me) {
        prot_depth++;
    } else {
        spin_lock(&prot_lock);
        prot_owner = me;
        prot_depth = 0;
    }
    return (sys_prot_t)f;
}

void sys_arch_unprotect(sys_prot_t pval)
{
    if (prot_depth) {
        prot_depth--;
    } else {
        prot_owner = NULL;
        spin_unlock(&prot_lock);
    }
    hal_irq_restore((irqflags_t)pval);
}

/* ---- the core lock ---- */

void lwip_port_assert_core_locked(void)
{
    /* NULL until tcpip_init() made it: lwip_init() runs alone before. */
    struct mutex *m = lock_tcpip_core;
    if (m && m->owner != thread_current())
        panic("lwip: core lock not held (called from %p)", __builtin_return_address(0));
}

/* ---- mutex ---- */

err_t sys_mutex_new(sys_mutex_t *mutex)
{
    struct mutex *m = kmalloc(sizeof *m);
    if (!m)
        return ERR_MEM;
    mutex_init(m, "lwip");
    *mutex = m;
    return ERR_OK;
}

void sys_mutex_lock(sys_mutex_t *mutex)
{
    mutex_lock(*mutex);
}

void sys_mutex_unlock(sys_mutex_t *mutex)
{
    if (mutex == &lock_tcpip_core) /* every release, lwIP's own and net_unlock()'s */
        lwip_port_core_unlocking();
    mutex_unlock(*mutex);
}

void sys_mutex_free(sys_mutex_t *mutex)
{
    kfree(*mutex);
    *mutex = NULL;
}

/* ---- timed waits ---- */

/* Wait on @p wq until ready(arg) or @p timeout_ms (0: for ever) passed.
 * ready() is called with @p lock held and consumes what it found; returns
 * the milliseconds waited or SYS_ARCH_TIMEOUT. */
static u32_t wait_for(struct spinlock *lock, struct waitqueue *wq, int (*ready)(void *), void *arg,
                      u32_t timeout_ms)
{
    uint64_t start = hal_time_ns();
    uint64_t deadline = start + (uint64_t)timeout_ms * 1000000u;
    for (;;) {
        struct wait_set ws;
        wait_set_init(&ws);
        wait_set_add(&ws, wq);
        irqflags_t f = spin_lock_irqsave(lock);
        int got = ready(arg);
        spin_unlock_irqrestore(lock, f);
        if (got) {
            wait_set_clear(&ws);
            uint64_t ms = (hal_time_ns() - start) / 1000000u;
            return ms >= SYS_ARCH_TIMEOUT ? SYS_ARCH_TIMEOUT - 1 : (u32_t)ms;
        }
        int late = 0;
        if (timeout_ms)
            late = wait_set_block_until(&ws, deadline);
        else
            wait_set_block(&ws);
        wait_set_clear(&ws);
        if (late) {
            f = spin_lock_irqsave(lock);
            got = ready(arg);
            spin_unlock_irqrestore(lock, f);
            if (!got)
                return SYS_ARCH_TIMEOUT;
            return timeout_ms;
        }
    }
}

/* ---- semaphore ---- */

struct lwip_port_sem {
    struct spinlock lock;
    struct waitqueue wq;
    unsigned count;
};

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
    struct lwip_port_sem *s = kmalloc(sizeof *s);
    if (!s)
        return ERR_MEM;
    s->lock = (struct spinlock)SPINLOCK_INIT("lwip-sem");
    wq_init(&s->wq, "lwip-sem");
    s->count = count;
    *sem = s;
    return ERR_OK;
}

static int sem_take(void *arg)
{
    struct lwip_port_sem *s = arg;
    if (!s->count)
        return 0;
    s->count--;
    return 1;
}

void sys_sem_signal(sys_sem_t *sem)
{
    struct lwip_port_sem *s = *sem;
    irqflags_t f = spin_lock_irqsave(&s->lock);
    s->count++;
    spin_unlock_irqrestore(&s->lock, f);
    wq_wake_all(&s->wq);
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
    struct lwip_port_sem *s = *sem;
    return wait_for(&s->lock, &s->wq, sem_take, s, timeout);
}

void sys_sem_free(sys_sem_t *sem)
{
    kfree(*sem);
    *sem = NULL;
}

/* ---- mailbox: a ring of pointers ---- */

struct lwip_port_mbox {
    struct spinlock lock;
    struct waitqueue readers; /* waiting for a message */
    struct waitqueue writers; /* waiting for room */
    unsigned size, head, count;
    void **slot;
    void *got; /* mbox_take()'s result */
};

err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
    if (size <= 0)
        size = 64;
    struct lwip_port_mbox *b = kzalloc(sizeof *b);
    void **slot = kmalloc((size_t)size * sizeof(void *));
    if (!b || !slot) {
        kfree(b);
        kfree(slot);
        return ERR_MEM;
    }
    b->lock = (struct spinlock)SPINLOCK_INIT("lwip-mbox");
    wq_init(&b->readers, "lwip-mbox");
    wq_init(&b->writers, "lwip-mbox");
    b->size = (unsigned)size;
    b->slot = slot;
    *mbox = b;
    return ERR_OK;
}

void sys_mbox_free(sys_mbox_t *mbox)
{
    struct lwip_port_mbox *b = *mbox;
    kfree(b->slot);
    kfree(b);
    *mbox = NULL;
}

/* Put @p msg in if there is room (lock held). */
static int mbox_put_locked(struct lwip_port_mbox *b, void *msg)
{
    if (b->count == b->size)
        return 0;
    b->slot[(b->head + b->count) % b->size] = msg;
    b->count++;
    return 1;
}

static err_t mbox_trypost(sys_mbox_t *mbox, void *msg)
{
    struct lwip_port_mbox *b = *mbox;
    irqflags_t f = spin_lock_irqsave(&b->lock);
    int ok = mbox_put_locked(b, msg);
    spin_unlock_irqrestore(&b->lock, f);
    if (!ok)
        return ERR_MEM;
    wq_wake_all(&b->readers);
    return ERR_OK;
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
    return mbox_trypost(mbox, msg);
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
    return mbox_trypost(mbox, msg);
}

struct mbox_post {
    struct lwip_port_mbox *b;
    void *msg;
};

static int mbox_post_ready(void *arg)
{
    struct mbox_post *p = arg;
    return mbox_put_locked(p->b, p->msg);
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
    struct mbox_post p = {*mbox, msg};
    wait_for(&p.b->lock, &p.b->writers, mbox_post_ready, &p, 0);
    wq_wake_all(&p.b->readers);
}

static int mbox_take(void *arg)
{
    struct lwip_port_mbox *b = arg;
    if (!b->count)
        return 0;
    b->got = b->slot[b->head];
    b->head = (b->head + 1) % b->size;
    b->count--;
    return 1;
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout)
{
    struct lwip_port_mbox *b = *mbox;
    /* b->got is the taker's alone: only the tcpip thread reads a mailbox */
    u32_t r = wait_for(&b->lock, &b->readers, mbox_take, b, timeout);
    if (r == SYS_ARCH_TIMEOUT)
        return r;
    if (msg)
        *msg = b->got;
    wq_wake_all(&b->writers);
    return r;
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
    struct lwip_port_mbox *b = *mbox;
    irqflags_t f = spin_lock_irqsave(&b->lock);
    int got = mbox_take(b);
    void *m = b->got;
    spin_unlock_irqrestore(&b->lock, f);
    if (!got)
        return SYS_MBOX_EMPTY;
    if (msg)
        *msg = m;
    wq_wake_all(&b->writers);
    return 0;
}

/* ---- threads ---- */

struct thread_start {
    lwip_thread_fn fn;
    void *arg;
};

static int thread_trampoline(void *arg)
{
    struct thread_start st = *(struct thread_start *)arg;
    kfree(arg);
    st.fn(st.arg);
    return 0;
}

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn thread, void *arg, int stacksize, int prio)
{
    (void)stacksize; /* the kernel's stack size */
    struct thread_start *st = kmalloc(sizeof *st);
    if (!st)
        panic("lwip: no memory for thread %s", name);
    st->fn = thread;
    st->arg = arg;
    int id = thread_create(name, thread_trampoline, st, prio, THREAD_DETACHED);
    if (id < 0)
        panic("lwip: cannot start thread %s (%s)", name, errno_name(id));
    return id;
}
