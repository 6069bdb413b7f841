/**
 * @file virtio_net_tests.c
 * @brief ktests of virtio-net and the interface registry that need a
 *        virtio-net device on QEMU's user network (`-netdev user,restrict=on`:
 *        the guest is 10.0.2.15, the gateway 10.0.2.2, which answers ARP) and
 *        pass, saying so, without one: an ARP request sent through
 *        ops->xmit() is answered, the answer seen through the tap; a burst
 *        of requests is answered in full and counted; with mergeable buffers,
 *        frames split over small buffers arrive whole; nonsense from the
 *        device and frames of impossible lengths are dropped and counted;
 *        a lost transmit notification, receive interrupt or notification
 *        of buffers posted to a device that had run out is repaired by the
 *        driver's watch; netdev_set_tap() returns only after a running
 *        call of the old tap.
 *        No stack is needed: the tap sees every frame first.
 */
#include <hal/timer.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/kprintf.h>
#include <kernel/ktest.h>
#include <kernel/netdev.h>
#include <kernel/sched.h>
#include <kernel/string.h>

#include <virtio/virtio.h>

#include "virtio_net.h"

static const uint8_t guest_ip[4] = {10, 0, 2, 15};
static const uint8_t gw_ip[4] = {10, 0, 2, 2};

/* What the tap saw: ARP replies from the gateway to us, every frame, and
 * frames that came in more than one piece, and any of a length the layer
 * should have dropped. */
struct seen {
    volatile unsigned replies, frames, pieces, bad, badlen;
};

static void tap(struct netdev *d, const struct netseg *seg, unsigned nseg, void *arg)
{
    struct seen *s = arg;
    uint8_t f[64];
    size_t n = 0;
    for (unsigned i = 0; i < nseg && n < sizeof f; i++) {
        size_t c = seg[i].len < sizeof f - n ? seg[i].len : sizeof f - n;
        memcpy(f + n, seg[i].data, c);
        n += c;
    }
    size_t total = 0;
    for (unsigned i = 0; i < nseg; i++)
        total += seg[i].len;
    if (total < ETH_HLEN || total > d->mtu + ETH_HLEN + 4)
        __atomic_add_fetch(&s->badlen, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->frames, 1, __ATOMIC_RELAXED);
    if (nseg > 1)
        __atomic_add_fetch(&s->pieces, 1, __ATOMIC_RELAXED);
    if (n < 42 || f[12] != 0x08 || f[13] != 0x06)
        return;
    /* An ARP reply (op 2) from 10.0.2.2, to our MAC and address. */
    if (f[20] == 0 && f[21] == 2 && memcmp(f + 28, gw_ip, 4) == 0 &&
        memcmp(f + 32, d->mac, ETH_ALEN) == 0 && memcmp(f + 38, guest_ip, 4) == 0 &&
        memcmp(f, d->mac, ETH_ALEN) == 0)
        __atomic_add_fetch(&s->replies, 1, __ATOMIC_RELAXED);
    else if (f[20] == 0 && f[21] == 2)
        __atomic_add_fetch(&s->bad, 1, __ATOMIC_RELAXED);
}

/* The first virtio-net interface, or NULL (said): these tests pass without one. */
static int first_vnet(struct netdev *d, void *arg)
{
    if (!virtio_net_device(d))
        return 0;
    *(struct netdev **)arg = d;
    return 1;
}

static struct netdev *test_netdev(void)
{
    device_probe_wait();
    struct netdev *d = NULL;
    netdev_each(first_vnet, &d);
    return d;
}

/* Why the tests are skipped without one. */
#define NO_NETDEV "no virtio-net device to send on (QEMU: -netdev user,restrict=on,id=n0 -device virtio-net-...,netdev=n0)"

/* Send an ARP request for 10.0.2.2 in two pieces (header, payload), as a
 * stack gathering a frame would. Returns xmit()'s result. */
static int send_arp(struct netdev *d)
{
    uint8_t eth[ETH_HLEN], arp[28];
    memset(eth, 0xff, ETH_ALEN);
    memcpy(eth + 6, d->mac, ETH_ALEN);
    eth[12] = 0x08, eth[13] = 0x06;
    static const uint8_t fixed[8] = {0, 1, 8, 0, 6, 4, 0, 1}; /* Ethernet, IPv4, request */
    memcpy(arp, fixed, 8);
    memcpy(arp + 8, d->mac, ETH_ALEN);
    memcpy(arp + 14, guest_ip, 4);
    memset(arp + 18, 0, ETH_ALEN);
    memcpy(arp + 24, gw_ip, 4);
    struct netseg seg[2] = {{eth, sizeof eth}, {arp, sizeof arp}};
    return d->ops->xmit(d, seg, 2, NULL, 0, 0);
}

/* Wait (bounded, sleeping so the receive thread runs) until *v >= want. */
static int wait_for(volatile unsigned *v, unsigned want, uint64_t ms)
{
    uint64_t end = hal_time_ns() + ms * 1000000ull;
    while (__atomic_load_n(v, __ATOMIC_ACQUIRE) < want)
        if (hal_time_ns() > end)
            return 0;
        else
            thread_sleep_ms(1);
    return 1;
}

/* Send @p n requests, retrying a full ring (xmit()'s -EAGAIN) a few times;
 * returns how many went out. */
static unsigned burst(struct netdev *d, unsigned n)
{
    unsigned sent = 0;
    for (unsigned i = 0, tries = 0; i < n && tries < 100;) {
        int err = send_arp(d);
        if (err == 0)
            sent++, i++;
        else
            tries++;
    }
    return sent;
}

KTEST(virtio_net_arp_reply_seen_through_tap)
{
    struct netdev *d = test_netdev();
    KT_SKIP_UNLESS(d, NO_NETDEV);
    KT_ASSERT(d->index >= 2);
    KT_ASSERT(netdev_find(d->name) == d);
    KT_ASSERT(netdev_find("nosuch0") == NULL);
    KT_ASSERT(d->name[0] == 'e' && d->name[1] == 't' && d->name[2] == 'h');
    KT_ASSERT(d->mac[0] != 0xff && !(d->mac[0] & 1));
    if (virtio_has(virtio_net_device(d), 16)) /* VIRTIO_NET_F_STATUS: QEMU's link is up */
        KT_ASSERT_EQ(d->link_up, 1);
    static struct seen s;
    memset((void *)&s, 0, sizeof s);
    uint64_t tx0 = d->stats.tx_packets, rx0 = d->stats.rx_packets;
    netdev_set_tap(d, tap, &s);
    int err = send_arp(d);
    int got = wait_for(&s.replies, 1, 3000);
    netdev_set_tap(d, NULL, NULL);
    KT_ASSERT_EQ(err, 0);
    KT_ASSERT(got);
    KT_ASSERT_EQ(s.bad, 0);
    KT_ASSERT(d->stats.tx_packets >= tx0 + 1);
    KT_ASSERT(d->stats.rx_packets >= rx0 + 1);
    /* Once the tap is gone it is not called. */
    unsigned frames = s.frames;
    KT_ASSERT_EQ(send_arp(d), 0);
    thread_sleep_ms(50);
    KT_ASSERT_EQ(s.frames, frames);
}

KTEST(virtio_net_burst_answered_and_counted)
{
    struct netdev *d = test_netdev();
    KT_SKIP_UNLESS(d, NO_NETDEV);
    enum { N = 400 };
    static struct seen s;
    memset((void *)&s, 0, sizeof s);
    uint64_t tx0 = d->stats.tx_packets, txb0 = d->stats.tx_bytes, rx0 = d->stats.rx_packets;
    netdev_set_tap(d, tap, &s);
    unsigned sent = burst(d, N);
    int got = wait_for(&s.replies, N, 5000);
    netdev_set_tap(d, NULL, NULL);
    KT_ASSERT_EQ(sent, N);
    if (!got)
        kprintf("  %u of %u replies\n", s.replies, N);
    KT_ASSERT(got);
    KT_ASSERT_EQ(s.bad, 0);
    KT_ASSERT(d->stats.tx_packets >= tx0 + N);
    KT_ASSERT(d->stats.tx_bytes >= txb0 + 42u * N);
    KT_ASSERT(d->stats.rx_packets >= rx0 + N);
}

KTEST(virtio_net_frames_over_small_mergeable_buffers)
{
    struct netdev *d = test_netdev();
    KT_SKIP_UNLESS(d, NO_NETDEV);
    if (!virtio_net_mergeable(d)) {
        kprintf("  (the device did not negotiate mergeable buffers)\n");
        KT_ASSERT_EQ(virtio_net_set_rx_len(d, 32), -EINVAL);
        return;
    }
    KT_ASSERT_EQ(virtio_net_set_rx_len(d, 16), -EINVAL);
    KT_ASSERT_EQ(virtio_net_set_rx_len(d, 4096), -EINVAL);
    static struct seen s;
    memset((void *)&s, 0, sizeof s);
    KT_ASSERT_EQ(virtio_net_set_rx_len(d, 32), 0);
    netdev_set_tap(d, tap, &s);
    /* The replies use up the buffers posted before, which come back small. */
    unsigned sent = burst(d, 300);
    int cycled = wait_for(&s.replies, 300, 5000);
    memset((void *)&s, 0, sizeof s);
    unsigned sent2 = burst(d, 20);
    int got = wait_for(&s.replies, 20, 3000);
    virtio_net_set_rx_len(d, 0);
    /* And a burst that brings full-sized buffers back. */
    burst(d, 300);
    thread_sleep_ms(100);
    netdev_set_tap(d, NULL, NULL);
    KT_ASSERT_EQ(sent, 300);
    KT_ASSERT(cycled);
    KT_ASSERT_EQ(sent2, 20);
    KT_ASSERT(got);
    KT_ASSERT_EQ(s.bad, 0);
    KT_ASSERT(s.pieces >= 20); /* 12 + 42 bytes or more: two 32-byte buffers at least */
}

/* Send requests until @p *left (a hook's count) is used up, at most @p n
 * of them a few ms apart; returns how many went out. */
static unsigned send_until(struct netdev *d, volatile unsigned *left, unsigned n)
{
    unsigned sent = 0;
    for (unsigned i = 0; i < n && __atomic_load_n(left, __ATOMIC_ACQUIRE); i++) {
        sent += send_arp(d) == 0;
        thread_sleep_ms(5);
    }
    return sent;
}

/* A transmit notification the device needed is dropped: with EVENT_IDX
 * every later one is skipped too (each is compared with the avail_event
 * the device set before it slept), so without the driver's watch nothing
 * sent from then on leaves the ring. */
KTEST(virtio_net_lost_transmit_notification_repeated)
{
    struct netdev *d = test_netdev();
    KT_SKIP_UNLESS(d, NO_NETDEV);
    struct virtqueue *tq = virtio_net_queue(d, 1);
    KT_ASSERT(tq != NULL);
    KT_ASSERT(virtio_net_queue(d, 2 * d->nqueues) == NULL);
    static struct seen s;
    memset((void *)&s, 0, sizeof s);
    uint64_t k0 = d->stats.kicks_repeated;
    netdev_set_tap(d, tap, &s);
    tq->lose_notify = 1;
    unsigned sent = send_until(d, &tq->lose_notify, 50);
    uint64_t t0 = hal_time_ns();
    int got = wait_for(&s.replies, sent, 3000);
    uint64_t ms = (hal_time_ns() - t0) / 1000000;
    unsigned left = tq->lose_notify;
    tq->lose_notify = 0;
    netdev_set_tap(d, NULL, NULL);
    KT_ASSERT_EQ(left, 0);  /* a notification was lost */
    if (!got)
        kprintf("  %u of %u replies in 3 s\n", s.replies, sent);
    KT_ASSERT(got);
    KT_ASSERT(d->stats.kicks_repeated > k0);
    kprintf("  answered %lu ms after the lost notification\n", (unsigned long)ms);
}

/* A receive interrupt is lost: the device raises no other (the used_event
 * we set was passed), so without the watch the reply, and every frame
 * after it, waits on the ring for good. */
KTEST(virtio_net_lost_receive_interrupt_found)
{
    struct netdev *d = test_netdev();
    KT_SKIP_UNLESS(d, NO_NETDEV);
    struct virtqueue *rq = virtio_net_queue(d, 0);
    KT_ASSERT(rq != NULL);
    volatile unsigned *lose = &rq->lose_irq;
    static struct seen s;
    memset((void *)&s, 0, sizeof s);
    uint64_t m0 = d->stats.irqs_missed;
    netdev_set_tap(d, tap, &s);
    *lose = 1; /* the next interrupt: the thread may be awake for the first replies */
    unsigned sent = send_until(d, lose, 50);
    unsigned left = *lose;
    *lose = 0;
    int got = wait_for(&s.replies, sent, 3000);
    netdev_set_tap(d, NULL, NULL);
    if (!got)
        kprintf("  %u of %u replies in 3 s\n", s.replies, sent);
    KT_ASSERT_EQ(left, 0); /* an interrupt was lost */
    KT_ASSERT(got);
    KT_ASSERT(d->stats.irqs_missed > m0);
}

/* The device runs out of receive buffers (the thread is held) and the
 * notifications of the buffers posted again are lost (every one: without
 * EVENT_IDX the next would repair the first): without the watch the
 * device keeps the rest of the burst queued for good. */
KTEST(virtio_net_lost_refill_notification_repeated)
{
    struct netdev *d = test_netdev();
    KT_SKIP_UNLESS(d, NO_NETDEV);
    enum { N = 400 };
    struct virtqueue *rq = virtio_net_queue(d, 0);
    KT_ASSERT(rq != NULL);
    static struct seen s;
    memset((void *)&s, 0, sizeof s);
    uint64_t k0 = d->stats.kicks_repeated;
    netdev_set_tap(d, tap, &s);
    virtio_net_hold_rx(d, 1);
    unsigned sent = burst(d, N);
    /* The replies fill every buffer and the rest wait in QEMU, which then
     * waits to be told of buffers: once it has taken every request (it
     * answers each as it takes it) and the ring is full. Before that it
     * would find the buffers posted again by itself, needing no kick. */
    struct virtqueue *tq = virtio_net_queue(d, 1);
    uint16_t tx_used = 0, tx_avail = 1;
    for (unsigned i = 0; i < 400 && (virtq_pending(rq) < rq->size || tx_used != tx_avail); i++) {
        thread_sleep_ms(5);
        struct virtq_snapshot st;
        virtq_state(tq, &st); /* a look without the queue's lock, for a test */
        tx_used = st.used_idx, tx_avail = st.avail_idx;
    }
    unsigned full = virtq_pending(rq);
    rq->lose_notify = 1000;
    virtio_net_hold_rx(d, 0);
    int got = wait_for(&s.replies, N, 5000);
    unsigned left = rq->lose_notify;
    rq->lose_notify = 0;
    netdev_set_tap(d, NULL, NULL);
    KT_ASSERT_EQ(sent, N);
    KT_ASSERT_EQ(full, rq->size);
    KT_ASSERT_EQ(tx_used, tx_avail);
    KT_ASSERT(left < 1000);
    if (!got)
        kprintf("  %u of %u replies in 5 s\n", s.replies, N);
    KT_ASSERT(got);
    KT_ASSERT(d->stats.kicks_repeated > k0);
}

KTEST(virtio_net_nonsense_from_device_dropped)
{
    struct netdev *d = test_netdev();
    KT_SKIP_UNLESS(d, NO_NETDEV);
    struct virtio_device *vd = virtio_net_device(d);
    unsigned size = vd->vqs[0]->size;
    uint64_t err0 = d->stats.rx_errors;
    /* Used entries: token 0, a token past the ring, more bytes than any
     * buffer, a frame of 0 or too many buffers. */
    KT_ASSERT_EQ(virtio_net_check_used(d, 0, 100, 1), -EIO);
    KT_ASSERT_EQ(virtio_net_check_used(d, size + 1, 100, 1), -EIO);
    KT_ASSERT_EQ(virtio_net_check_used(d, 1, 0x10000, 1), -EIO);
    KT_ASSERT_EQ(virtio_net_check_used(d, 1, 0, 1), -EIO);
    KT_ASSERT_EQ(virtio_net_check_used(d, 1, 100, 0), -EIO);
    KT_ASSERT_EQ(virtio_net_check_used(d, 1, 100, 1000), -EIO);
    KT_ASSERT(d->stats.rx_errors >= err0 + 5);
    /* Config: a MAC of zeros or a multicast one is replaced, a good one kept. */
    uint8_t m[ETH_ALEN] = {0};
    KT_ASSERT_EQ(virtio_net_check_mac("kt", m), -EINVAL);
    KT_ASSERT(!(m[0] & 1) && (m[0] & 2));
    uint8_t mc[ETH_ALEN] = {0x01, 0x00, 0x5e, 0, 0, 1};
    KT_ASSERT_EQ(virtio_net_check_mac("kt", mc), -EINVAL);
    KT_ASSERT(!(mc[0] & 1));
    uint8_t good[ETH_ALEN] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
    KT_ASSERT_EQ(virtio_net_check_mac("kt", good), 0);
    KT_ASSERT(good[0] == 0x52 && good[5] == 0x56);
    /* Frames of impossible lengths never reach the tap or the stack. */
    static struct seen s;
    memset((void *)&s, 0, sizeof s);
    uint64_t drop0 = d->stats.rx_dropped;
    static uint8_t big[1600];
    struct netseg shortf = {big, ETH_HLEN - 1};
    struct netseg longf[2] = {{big, 1000}, {big, d->mtu + ETH_HLEN + 5 - 1000}};
    netdev_set_tap(d, tap, &s);
    netdev_rx(d, &shortf, 1, 0);
    netdev_rx(d, longf, 2, 0);
    netdev_rx(d, NULL, 0, 0);
    /* And the device still works. */
    int err = send_arp(d);
    int got = wait_for(&s.replies, 1, 3000);
    netdev_set_tap(d, NULL, NULL);
    KT_ASSERT(d->stats.rx_dropped >= drop0 + 3);
    KT_ASSERT_EQ(s.badlen, 0);
    KT_ASSERT_EQ(err, 0);
    KT_ASSERT(got);
    /* xmit() refuses what no device could send. */
    uint64_t txe = d->stats.tx_errors;
    struct netseg tiny = {big, 10};
    KT_ASSERT_EQ(d->ops->xmit(d, &tiny, 1, NULL, 0, 0), -EIO);
    KT_ASSERT_EQ(d->ops->xmit(d, longf, 2, NULL, 0, 0), -EIO);
    KT_ASSERT(d->stats.tx_errors >= txe + 2);
}

/* A tap that stays inside for a while, saying when it is. */
struct slow_tap {
    volatile unsigned entered, inside;
};

static void slow(struct netdev *d, const struct netseg *seg, unsigned nseg, void *arg)
{
    (void)d, (void)seg, (void)nseg;
    struct slow_tap *t = arg;
    __atomic_store_n(&t->inside, 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&t->entered, 1, __ATOMIC_RELEASE);
    thread_sleep_ms(50);
    __atomic_store_n(&t->inside, 0, __ATOMIC_RELEASE);
}

static struct netdev *slow_dev;

/* A frame of a local experimental EtherType (0x88b5), which any stack
 * drops, received from a thread of its own. */
static int rx_one(void *arg)
{
    (void)arg;
    static uint8_t f[60];
    memset(f, 0xff, ETH_ALEN);
    memcpy(f + 6, slow_dev->mac, ETH_ALEN);
    f[12] = 0x88, f[13] = 0xb5;
    struct netseg seg = {f, sizeof f};
    netdev_rx(slow_dev, &seg, 1, 0);
    return 0;
}

KTEST(netdev_set_tap_waits_for_the_old_tap)
{
    struct netdev *d = test_netdev();
    KT_SKIP_UNLESS(d, NO_NETDEV);
    static struct slow_tap t;
    memset((void *)&t, 0, sizeof t);
    slow_dev = d;
    netdev_set_tap(d, slow, &t);
    int tid = thread_create("kt-netdev-rx", rx_one, NULL, PRIO_DEFAULT, 0);
    KT_ASSERT(tid > 0);
    int in = wait_for(&t.entered, 1, 2000);
    netdev_set_tap(d, NULL, NULL);
    unsigned inside_after = t.inside;
    thread_join(tid, NULL);
    KT_ASSERT(in);
    KT_ASSERT_EQ(inside_after, 0); /* the switch waited for the slow call to end */
    KT_ASSERT(d->tap == NULL);
}
