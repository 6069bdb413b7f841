/**
 * @file netdev.c
 * @brief The registry of network interfaces (kernel/netdev.h): names and
 *        indices, carrier changes, and the path of a received frame from
 *        the driver through the tap to the stack.
 *
 * Interfaces are never removed, so the list only grows: a new node is
 * linked completely before the release store that publishes it, and
 * netdev_find(), netdev_at() and netdev_each() walk it without a lock.
 *
 * The stack hears of a device's frames and carrier once its attach() has
 * set d->stack (its netif): before that there is nothing to give them to.
 *
 * The tap is called outside any lock (it may take its own). A caller of
 * netdev_set_tap() must know when the old function is no longer running
 * (a test's tap lives on its stack): calls are counted in one of two
 * phases, and netdev_set_tap() switches the phase, then waits for the
 * count of the old one to drain. Calls that start after the switch count
 * in the new phase, so the wait ends however busy the receive threads are.
 */
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/netdev.h>
#include <kernel/printf.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/wait.h>

static struct list_node devices = LIST_INIT(devices);
static unsigned ndevices;
static const struct netdev_stack *volatile stack;
/* Serialises registration with netdev_set_stack(): each device is attached
 * exactly once, by whichever of the two comes second. */
static struct mutex reg_lock = {WAITQUEUE_INIT(reg_lock.wq, "netdev-reg"), NULL, 0};

static struct spinlock tap_lock = SPINLOCK_INIT("netdev-tap");
static unsigned tap_phase;       /* which of tap_calls new calls count in */
static unsigned tap_calls[2];    /* tap calls running, per phase */
static struct mutex tap_switch = {WAITQUEUE_INIT(tap_switch.wq, "netdev-tap-set"), NULL, 0};

static void count(uint64_t *c, uint64_t n)
{
    __atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

static void mac_str(const uint8_t *m, char *out, size_t n)
{
    ksnprintf(out, n, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

int netdev_register(struct netdev *d)
{
    if (!d || !d->ops || !d->ops->xmit)
        return -EINVAL;
    mutex_lock(&reg_lock);
    ksnprintf(d->name, sizeof d->name, "eth%u", ndevices);
    d->index = 2 + (int)ndevices; /* 1 is lo */
    if (d->mtu == 0)
        d->mtu = 1500;
    if (d->nqueues == 0)
        d->nqueues = 1;
    d->stack = NULL;
    d->tap = NULL;
    d->tap_arg = NULL;
    memset(&d->stats, 0, sizeof d->stats);
    ndevices++;
    /* Complete before it is reachable: readers walk without the lock. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    list_add_tail(&devices, &d->node);
    char mac[18];
    mac_str(d->mac, mac, sizeof mac);
    klog(LOG_INFO, "%s: %s on %s, mtu %u, %u queue%s%s%s, link %s", d->name, mac,
         d->bus ? d->bus : "?", d->mtu, d->nqueues, d->nqueues == 1 ? "" : "s",
         d->features & NETDEV_F_TX_CSUM ? ", tx-csum" : "",
         d->features & NETDEV_F_RX_CSUM ? ", rx-csum" : "", d->link_up ? "up" : "down");
    const struct netdev_stack *s = stack;
    if (s && s->attach)
        s->attach(d);
    mutex_unlock(&reg_lock);
    return 0;
}

void netdev_set_link(struct netdev *d, int up)
{
    up = up != 0;
    int was = __atomic_exchange_n(&d->link_up, up, __ATOMIC_ACQ_REL);
    if (was == up)
        return;
    klog(LOG_INFO, "%s: link %s", d->name[0] ? d->name : "net", up ? "up" : "down");
    const struct netdev_stack *s = stack;
    if (s && s->link && __atomic_load_n(&d->stack, __ATOMIC_ACQUIRE))
        s->link(d, up);
}

void netdev_rx(struct netdev *d, const struct netseg *seg, unsigned nseg, unsigned flags)
{
    size_t len = 0;
    for (unsigned i = 0; i < nseg; i++)
        len += seg[i].len;
    if (len < ETH_HLEN || len > (size_t)d->mtu + ETH_HLEN + 4) {
        count(&d->stats.rx_dropped, 1);
        return;
    }
    count(&d->stats.rx_packets, 1);
    count(&d->stats.rx_bytes, len);
    if (__atomic_load_n(&d->tap, __ATOMIC_RELAXED)) {
        irqflags_t f = spin_lock_irqsave(&tap_lock);
        netdev_tap_fn fn = d->tap;
        void *arg = d->tap_arg;
        unsigned ph = tap_phase;
        if (fn)
            tap_calls[ph]++;
        spin_unlock_irqrestore(&tap_lock, f);
        if (fn) {
            fn(d, seg, nseg, arg);
            f = spin_lock_irqsave(&tap_lock);
            tap_calls[ph]--;
            spin_unlock_irqrestore(&tap_lock, f);
        }
    }
    const struct netdev_stack *s = stack;
    if (s && s->input && __atomic_load_n(&d->stack, __ATOMIC_ACQUIRE))
        s->input(d, seg, nseg, flags);
}

void netdev_rx_end(struct netdev *d)
{
    const struct netdev_stack *s = stack;
    if (s && s->rx_end && __atomic_load_n(&d->stack, __ATOMIC_ACQUIRE))
        s->rx_end(d);
}

void netdev_set_stack(const struct netdev_stack *s)
{
    mutex_lock(&reg_lock);
    stack = s;
    if (s && s->attach)
        list_for_each(n, &devices)
            s->attach(container_of(n, struct netdev, node));
    mutex_unlock(&reg_lock);
}

void netdev_set_tap(struct netdev *d, netdev_tap_fn fn, void *arg)
{
    mutex_lock(&tap_switch);
    irqflags_t f = spin_lock_irqsave(&tap_lock);
    d->tap_arg = arg;
    __atomic_store_n(&d->tap, fn, __ATOMIC_RELEASE);
    unsigned old = tap_phase;
    tap_phase ^= 1;
    spin_unlock_irqrestore(&tap_lock, f);
    /* Only calls that began before the switch count in the old phase. */
    while (__atomic_load_n(&tap_calls[old], __ATOMIC_ACQUIRE))
        thread_sleep_ms(1);
    mutex_unlock(&tap_switch);
}

struct netdev *netdev_find(const char *name)
{
    if (!name)
        return NULL;
    list_for_each(n, &devices) {
        struct netdev *d = container_of(n, struct netdev, node);
        if (strcmp(d->name, name) == 0)
            return d;
    }
    return NULL;
}

struct netdev *netdev_at(int index)
{
    list_for_each(n, &devices) {
        struct netdev *d = container_of(n, struct netdev, node);
        if (d->index == index)
            return d;
    }
    return NULL;
}

int netdev_each(int (*fn)(struct netdev *d, void *arg), void *arg)
{
    list_for_each(n, &devices) {
        int r = fn(container_of(n, struct netdev, node), arg);
        if (r)
            return r;
    }
    return 0;
}
