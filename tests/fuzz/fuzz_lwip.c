/*
 * libFuzzer target: Ethernet frames into the kernel's lwIP glue
 * (kernel/net/lwip/netif.c) and lwIP behind it, built for the host.
 *
 * One interface with the address 10.0.2.15/24 (ip=), checksum offload on
 * (so both the device-vouched and the checked paths run), a TCP listener
 * on port 80 and a UDP echo on port 7. Each input is one frame: byte 0
 * says into how many pieces it is cut (as a driver's mergeable buffers),
 * whether the device vouched for its checksum, and whether the harness
 * fixes its IPv4 and TCP/UDP/ICMP checksums first (else mutations rarely
 * get past them), and whether the driver's receive pass goes on (the ACKs
 * lwIP sends stay held) or ends after it; byte 1 how many milliseconds/16 pass before it (lwIP's
 * timers run); the rest is the frame (lwip_seeds.py writes the seeds).
 * Frames the registry would drop (shorter than a header, longer than the
 * MTU allows) are dropped here too. lwIP's state lives on between inputs,
 * as in a kernel; its heap is capped as the kernel's is.
 *
 * The OS layer is the harness's: one thread, so the mutex is a flag the
 * core-lock check reads, and nothing ever waits.
 */
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "lwip_port.h"
#include "net_internal.h"
#include "stack.h"
#include <kernel/log.h>
#include <kernel/net.h>
#include <kernel/netdev.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- what the glue takes from the kernel ---- */

void *kmalloc(size_t n);
void *kzalloc(size_t n);
void kfree(void *p);
unsigned thread_cpu(void);

void *kmalloc(size_t n) { return malloc(n); }
void *kzalloc(size_t n) { return calloc(1, n); }
void kfree(void *p) { free(p); }
unsigned thread_cpu(void) { return 0; }
void klog(enum log_level level, const char *fmt, ...)
{
    (void)level;
    (void)fmt;
}

static const struct netdev_stack *stack;
void netdev_set_stack(const struct netdev_stack *s) { stack = s; }

/* ---- lwIP's port, for one thread ---- */

#define HEAP_CAP (64u << 20)
static size_t heap_used;
static int core_locked;
static u32_t now_ms;
static uint32_t rand_state = 1;

void *lwip_port_malloc(size_t size)
{
    if (size > HEAP_CAP || heap_used + size > HEAP_CAP)
        return NULL;
    size_t *p = malloc(size + 16);
    if (!p)
        return NULL;
    *p = size;
    heap_used += size;
    return (char *)p + 16;
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
    size_t *b = (size_t *)((char *)p - 16);
    heap_used -= *b;
    free(b);
}
void lwip_port_diag(const char *fmt, ...) { (void)fmt; }
void lwip_port_assert(const char *msg, const char *file, int line)
{
    fprintf(stderr, "lwip assertion: %s (%s:%d)\n", msg, file, line);
    abort();
}
uint32_t lwip_port_rand(void)
{
    rand_state = rand_state * 1103515245u + 12345u;
    return rand_state >> 1;
}
void lwip_port_assert_core_locked(void)
{
    if (lock_tcpip_core && !core_locked)
        lwip_port_assert("core lock not held", __FILE__, __LINE__);
}

void sys_init(void) {}
u32_t sys_now(void) { return now_ms; }
sys_prot_t sys_arch_protect(void) { return 0; }
void sys_arch_unprotect(sys_prot_t pval) { (void)pval; }

static char the_mutex;
err_t sys_mutex_new(sys_mutex_t *m)
{
    *m = (struct mutex *)&the_mutex; /* one: the core lock */
    return ERR_OK;
}
void sys_mutex_lock(sys_mutex_t *m)
{
    (void)m;
    if (core_locked++)
        lwip_port_assert("core lock taken twice", __FILE__, __LINE__);
}
void sys_mutex_unlock(sys_mutex_t *m)
{
    if (m == &lock_tcpip_core)
        lwip_port_core_unlocking();
    core_locked--;
}
void sys_mutex_free(sys_mutex_t *m) { *m = NULL; }

/* The AF_PACKET taps (kernel/net/packet.c) copy each frame the glue takes in
 * or sends, with the length the glue says it has: read it all here, so the
 * sanitizers see a length past the pbuf or one that outlives it. */
void packet_tap(struct netdev *d, struct pbuf *p, unsigned len, int outgoing)
{
    static uint8_t frame[0x10000];
    (void)d, (void)outgoing;
    if (len > p->tot_len)
        lwip_port_assert("a tap's frame is longer than its pbuf", __FILE__, __LINE__);
    pbuf_copy_partial(p, frame, (u16_t)len, 0);
}

/* Semaphores and mailboxes are the tcpip thread's, which does not run. */
err_t sys_sem_new(sys_sem_t *s, u8_t count)
{
    (void)s, (void)count;
    return ERR_MEM;
}
void sys_sem_signal(sys_sem_t *s) { (void)s; }
u32_t sys_arch_sem_wait(sys_sem_t *s, u32_t t)
{
    (void)s, (void)t;
    return SYS_ARCH_TIMEOUT;
}
void sys_sem_free(sys_sem_t *s) { (void)s; }
err_t sys_mbox_new(sys_mbox_t *b, int size)
{
    (void)b, (void)size;
    return ERR_MEM;
}
void sys_mbox_post(sys_mbox_t *b, void *m) { (void)b, (void)m; }
err_t sys_mbox_trypost(sys_mbox_t *b, void *m)
{
    (void)b, (void)m;
    return ERR_MEM;
}
err_t sys_mbox_trypost_fromisr(sys_mbox_t *b, void *m) { return sys_mbox_trypost(b, m); }
u32_t sys_arch_mbox_fetch(sys_mbox_t *b, void **m, u32_t t)
{
    (void)b, (void)m, (void)t;
    return SYS_ARCH_TIMEOUT;
}
u32_t sys_arch_mbox_tryfetch(sys_mbox_t *b, void **m)
{
    (void)b, (void)m;
    return SYS_MBOX_EMPTY;
}
void sys_mbox_free(sys_mbox_t *b) { (void)b; }
sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize, int prio)
{
    (void)name, (void)fn, (void)arg, (void)stacksize, (void)prio;
    abort();
}

/* ---- the device and the stack's users ---- */

static unsigned long sent, unflushed; /* unflushed: sent with NETDEV_XMIT_MORE since flush() */
static int xmit(struct netdev *d, const struct netseg *seg, unsigned nseg,
                const struct netdev_csum *csum, unsigned queue, unsigned flags)
{
    size_t len = 0;
    (void)queue;
    for (unsigned i = 0; i < nseg; i++)
        len += seg[i].len;
    if (len < ETH_HLEN || len > d->mtu + ETH_HLEN)
        abort(); /* the glue never sends such a frame */
    if (csum && (size_t)csum->start + csum->offset + 2 > len)
        abort(); /* nor asks for a checksum outside it */
    if (!core_locked)
        abort(); /* xmit() runs under the stack's lock */
    sent++;
    unflushed += (flags & NETDEV_XMIT_MORE) != 0;
    return 0;
}
static void flush(struct netdev *d)
{
    (void)d;
    unflushed = 0;
}
static const struct netdev_ops ops = {.xmit = xmit, .flush = flush};
static struct netdev dev = {
    .ops = &ops, .mac = {0x52, 0x54, 0, 0x12, 0x34, 0x56}, .mtu = 1500,
    .features = NETDEV_F_TX_CSUM | NETDEV_F_RX_CSUM | NETDEV_F_RX_BATCH, .nqueues = 1, .name = "eth0",
    .index = 2,
};

static err_t http_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg, (void)err;
    if (!p) {
        tcp_recv(pcb, NULL);
        tcp_close(pcb);
        return ERR_OK;
    }
    tcp_recved(pcb, p->tot_len);
    tcp_write(pcb, "HTTP/1.0 200 OK\r\n\r\n", 19, TCP_WRITE_FLAG_COPY);
    pbuf_free(p);
    return ERR_OK;
}
static err_t http_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    tcp_recv(pcb, http_recv);
    return ERR_OK;
}
static void echo(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    (void)arg;
    udp_sendto(pcb, p, addr, port);
    pbuf_free(p);
}

static void setup(void)
{
    lwip_init();
    sys_mutex_new(&lock_tcpip_core);
    static const char ip[] = "10.0.2.15/24:10.0.2.2";
    if (net_set_ip_option(ip, sizeof ip - 1))
        abort();
    lwip_glue_start();
    dev.link_up = 1;
    stack->attach(&dev);
    if (!dev.stack)
        abort();
    net_lock();
    /* no tcpip thread: loopback frames go straight to IP (netif_poll_all()) */
    netif_get_by_index(1)->input = ip_input;
    struct tcp_pcb *l = tcp_new();
    if (!l || tcp_bind(l, IP_ANY_TYPE, 80) != ERR_OK || !(l = tcp_listen(l)))
        abort();
    tcp_accept(l, http_accept);
    struct udp_pcb *u = udp_new();
    if (!u || udp_bind(u, IP_ANY_TYPE, 7) != ERR_OK)
        abort();
    udp_recv(u, echo, NULL);
    net_unlock();
}

uint16_t lwip_port_chksum(const void *data, int len);

/* The ones' complement of the sum of @p n bytes plus @p acc. */
static uint16_t csum(uint32_t acc, const uint8_t *p, size_t n)
{
    acc += lwip_port_chksum(p, (int)n);
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

/* Make the IPv4 header's and its TCP, UDP or ICMP checksum right. */
static void fix_checksums(uint8_t *f, size_t len)
{
    if (len < ETH_HLEN + 20 || f[12] != 0x08 || f[13] != 0x00)
        return;
    uint8_t *ip = f + ETH_HLEN;
    size_t hl = (ip[0] & 15u) * 4u, total = (size_t)ip[2] << 8 | ip[3];
    if (hl < 20 || ETH_HLEN + hl > len)
        return;
    ip[10] = ip[11] = 0;
    uint16_t c = csum(0, ip, hl);
    memcpy(ip + 10, &c, 2);
    if (total < hl || ETH_HLEN + total > len || (ip[6] & 0x3f) || ip[7])
        return; /* cut short, or a fragment */
    uint8_t *l4 = ip + hl;
    size_t l4len = total - hl, at = ip[9] == 6 ? 16 : ip[9] == 17 ? 6 : ip[9] == 1 ? 2 : 0;
    if (!at || l4len < at + 2)
        return;
    l4[at] = l4[at + 1] = 0;
    uint32_t pseudo = 0;
    if (ip[9] != 1) {
        uint8_t ph[12];
        memcpy(ph, ip + 12, 8);
        ph[8] = 0;
        ph[9] = ip[9];
        ph[10] = (uint8_t)(l4len >> 8);
        ph[11] = (uint8_t)l4len;
        pseudo = lwip_port_chksum(ph, 12);
    }
    c = csum(pseudo, l4, l4len);
    memcpy(l4 + at, &c, 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    if (size < 2)
        return 0;
    unsigned flags0 = data[0], pieces = 1 + (flags0 & 7), flags = flags0 & 8 ? NETDEV_RX_CSUM_OK : 0;
    now_ms += data[1] * 16u; /* up to 4 s: retransmissions and timeouts run */
    data += 2;
    size -= 2;
    net_lock();
    sys_check_timeouts();
    net_unlock();
    if (size >= ETH_HLEN && size <= dev.mtu + ETH_HLEN + 4) {
        static uint8_t frame[2048];
        memcpy(frame, data, size);
        if (flags0 & 0x10)
            fix_checksums(frame, size);
        data = frame;
        struct netseg seg[8];
        size_t at = 0;
        for (unsigned i = 0; i < pieces; i++) {
            size_t n = i + 1 == pieces ? size - at : size / pieces;
            seg[i].data = data + at;
            seg[i].len = n;
            at += n;
        }
        stack->input(&dev, seg, pieces, flags);
    }
    if (!(flags0 & 0x20)) /* else the receive pass goes on with the next input */
        stack->rx_end(&dev);
    net_lock();
    netif_poll_all(); /* what the frame sent to our own addresses */
    net_unlock();
    if (unflushed)
        abort(); /* a frame the device was never told of: the glue lost a flush */
    return 0;
}
