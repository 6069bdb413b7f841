/**
 * @file net_cmds.c
 * @brief Shell commands of the network: `net` (interfaces, addresses,
 *        counters, then connections as `ss` lists them) and `ping`.
 *
 * `net` copies what it shows into a buffer under the stack's lock and
 * prints it after: printing to a serial console is slow, and the lock
 * holds up every packet.
 */
#include "lwip/dhcp.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "lwip_port.h"
#include "net_internal.h"
#include "ping.h"
#include <hal/timer.h>
#include <kernel/console.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/net.h>
#include <kernel/printf.h>
#include <kernel/sched.h>
#include <kernel/shell.h>
#include <kernel/string.h>
#include <stdarg.h>

/* A text being built: what does not fit is cut and said so. */
struct text {
    char *buf;
    size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void tprintf(struct text *t, const char *fmt, ...)
{
    if (t->len >= t->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len = n < 0 ? t->len : t->len + (size_t)n > t->cap - 1 ? t->cap - 1 : t->len + (size_t)n;
}

/* The socket layer's count of live sockets (kernel/socket.h), the line
 * the host tests read to see that nothing was left behind; weak until
 * the socket layer that keeps it is linked in. */
unsigned sock_count(void) __attribute__((weak));

static const char *const tcp_states[] = {
    "CLOSED", "LISTEN", "SYN-SENT", "SYN-RECV", "ESTAB", "FIN-WAIT-1",
    "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT",
};

static int show_netif(struct netif *nif, void *arg)
{
    struct text *t = arg;
    struct netdev *d = net_netdev_of(nif);
    char a[IPADDR_STRLEN_MAX];
    tprintf(t, "%-6s", d ? d->name : "lo");
    if (d)
        tprintf(t, " %02x:%02x:%02x:%02x:%02x:%02x", d->mac[0], d->mac[1], d->mac[2], d->mac[3],
                d->mac[4], d->mac[5]);
    tprintf(t, " mtu %u %s link %s", nif->mtu ? nif->mtu : 65535u, netif_is_up(nif) ? "up" : "down",
            netif_is_link_up(nif) ? "up" : "down");
    tprintf(t, d && d->bus ? " (%s)\n" : "\n", d ? d->bus : "");
    if (!ip4_addr_isany_val(*netif_ip4_addr(nif))) {
        ip4addr_ntoa_r(netif_ip4_addr(nif), a, sizeof a);
        tprintf(t, "       inet %s/%d", a, __builtin_popcount(ip4_addr_get_u32(netif_ip4_netmask(nif))));
        if (d && !ip4_addr_isany_val(*netif_ip4_gw(nif))) {
            ip4addr_ntoa_r(netif_ip4_gw(nif), a, sizeof a);
            tprintf(t, " gateway %s", a);
        }
        tprintf(t, "%s\n", dhcp_supplied_address(nif) ? " (dhcp)" : "");
    } else if (d) {
        tprintf(t, "       inet none%s\n", netif_dhcp_data(nif) ? " (dhcp: waiting)" : "");
    }
    for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
        if (!ip6_addr_isvalid(netif_ip6_addr_state(nif, i)))
            continue;
        ip6addr_ntoa_r(netif_ip6_addr(nif, i), a, sizeof a);
        for (char *c = a; *c; c++) /* lwIP writes hex digits in capitals */
            *c = *c >= 'A' && *c <= 'F' ? (char)(*c - 'A' + 'a') : *c;
        tprintf(t, "       inet6 %s\n", a);
    }
    if (d) {
        const struct netdev_stats *s = &d->stats;
        tprintf(t, "       rx %lu packets %lu bytes %lu dropped %lu errors\n",
                (unsigned long)s->rx_packets, (unsigned long)s->rx_bytes,
                (unsigned long)s->rx_dropped, (unsigned long)s->rx_errors);
        tprintf(t, "       tx %lu packets %lu bytes %lu dropped %lu errors\n",
                (unsigned long)s->tx_packets, (unsigned long)s->tx_bytes,
                (unsigned long)s->tx_dropped, (unsigned long)s->tx_errors);
        if (s->kicks_repeated || s->irqs_missed)
            tprintf(t, "       device: %lu notifications repeated, %lu interrupts missed "
                    "(found by the driver's watch)\n",
                    (unsigned long)s->kicks_repeated, (unsigned long)s->irqs_missed);
    }
    return 0;
}

/* "addr:port" of an endpoint ("*" for any) */
static void endpoint(char *out, size_t n, const ip_addr_t *ip, u16_t port)
{
    char a[IPADDR_STRLEN_MAX];
    if (ip_addr_isany(ip))
        strlcpy(a, "*", sizeof a);
    else
        ipaddr_ntoa_r(ip, a, sizeof a);
    if (port)
        ksnprintf(out, n, IP_IS_V6(ip) ? "[%s]:%u" : "%s:%u", a, port);
    else
        ksnprintf(out, n, "%s:*", a);
}

/* Segments and bytes on a TCP queue. */
static void queued(const struct tcp_seg *s, unsigned *segs, unsigned long *bytes)
{
    *segs = 0, *bytes = 0;
    for (; s; s = s->next)
        (*segs)++, *bytes += s->len;
}

/* `net -v`: what a stalled connection needs looked at (as `ss -ti`): the
 * windows, what is queued and in flight, and the timers that would move it. */
static void show_tcp_state(struct text *t, const struct tcp_pcb *pcb)
{
    unsigned su, sa, so;
    unsigned long bu, ba, bo;
    queued(pcb->unsent, &su, &bu);
    queued(pcb->unacked, &sa, &ba);
#if TCP_QUEUE_OOSEQ
    queued(pcb->ooseq, &so, &bo);
#else
    so = 0, bo = 0;
#endif
    tprintf(t, "      snd: wnd %lu cwnd %lu ssthresh %lu buf %lu queuelen %u unsent %u/%lu unacked %u/%lu"
               " in flight %lu\n",
            (unsigned long)pcb->snd_wnd, (unsigned long)pcb->cwnd, (unsigned long)pcb->ssthresh,
            (unsigned long)pcb->snd_buf, (unsigned)pcb->snd_queuelen, su, bu, sa, ba,
            (unsigned long)(pcb->snd_nxt - pcb->lastack));
    tprintf(t, "      rcv: wnd %lu announced %lu ooseq %u/%lu; rto %d rtime %d nrtx %u persist %u/%u probes %u"
               " flags 0x%x (ticks of 500 ms)\n",
            (unsigned long)pcb->rcv_wnd, (unsigned long)pcb->rcv_ann_wnd, so, bo, pcb->rto, pcb->rtime,
            (unsigned)pcb->nrtx, (unsigned)pcb->persist_cnt, (unsigned)pcb->persist_backoff,
            (unsigned)pcb->persist_probe, (unsigned)pcb->flags);
}

static void show_tcp(struct text *t, struct tcp_pcb *pcb, int verbose)
{
    for (; pcb; pcb = pcb->next) {
        char l[IPADDR_STRLEN_MAX + 8], r[IPADDR_STRLEN_MAX + 8];
        endpoint(l, sizeof l, &pcb->local_ip, pcb->local_port);
        endpoint(r, sizeof r, &pcb->remote_ip, pcb->remote_port);
        tprintf(t, "tcp   %-11s %-26s %-26s\n", tcp_states[pcb->state], l, r);
        if (verbose)
            show_tcp_state(t, pcb);
    }
}

static void show_pcbs(struct text *t, int verbose)
{
    tprintf(t, "proto state       local                      remote\n");
    for (struct tcp_pcb_listen *lp = tcp_listen_pcbs.listen_pcbs; lp; lp = lp->next) {
        char l[IPADDR_STRLEN_MAX + 8];
        endpoint(l, sizeof l, &lp->local_ip, lp->local_port);
        tprintf(t, "tcp   %-11s %-26s %-26s\n", "LISTEN", l, "*:*");
    }
    show_tcp(t, tcp_active_pcbs, verbose);
    show_tcp(t, tcp_tw_pcbs, 0);
    show_tcp(t, tcp_bound_pcbs, 0);
    for (struct udp_pcb *u = udp_pcbs; u; u = u->next) {
        char l[IPADDR_STRLEN_MAX + 8], r[IPADDR_STRLEN_MAX + 8];
        endpoint(l, sizeof l, &u->local_ip, u->local_port);
        endpoint(r, sizeof r, &u->remote_ip, u->remote_port);
        tprintf(t, "udp   %-11s %-26s %-26s\n", u->flags & UDP_FLAGS_CONNECTED ? "ESTAB" : "UNCONN", l, r);
    }
}

static int cmd_net(int argc, char **argv)
{
    int verbose = argc == 2 && strcmp(argv[1], "-v") == 0;
    if (argc != 1 && !verbose)
        return shell_usage(argv[0]);
    if (net_wait_ready())
        return shell_error(-ENODEV, "net: the network stack did not start");
    size_t cap = verbose ? 131072 : 16384; /* -v: 3 lines a connection */
    struct text t = {kmalloc(cap), 0, cap};
    if (!t.buf)
        return -ENOMEM;
    size_t bytes, blocks;
    /* The totals before the connections, whose list a busy server makes
     * longer than the buffer. */
    net_lock();
    net_each_netif(show_netif, &t);
    lwip_port_heap(&bytes, &blocks);
    tprintf(&t, "stack memory: %lu KiB in %lu blocks\n", (unsigned long)(bytes / 1024),
            (unsigned long)blocks);
    if (sock_count)
        tprintf(&t, "sockets: %u in use\n", sock_count());
    tprintf(&t, "transmit retries: %lu (sends a device had no room for, offered again)\n",
            net_tx_retries());
    tprintf(&t, "half-open dropped: %lu (to make room for a SYN at a full listener)\n",
            net_syn_evictions());
    show_pcbs(&t, verbose);
    net_unlock();
    kprintf("%s", t.buf);
    if (t.len == t.cap - 1)
        kprintf("... (cut)\n");
    kfree(t.buf);
    return 0;
}
SHELL_COMMAND("net", "net [-v]", "interfaces, addresses, counters, connections (-v: TCP state)", cmd_net);

static void ms3(uint64_t ns, unsigned long *ms, unsigned long *frac)
{
    *ms = (unsigned long)(ns / 1000000);
    *frac = (unsigned long)(ns / 1000 % 1000);
}

static int cmd_ping(int argc, char **argv)
{
    uint64_t count = 0; /* 0: until Ctrl-C */
    const char *addr = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            if (kstrtou64(argv[++i], 10, &count) || count == 0 || count > 1000000)
                return shell_error(-EINVAL, "ping: '%s' is not a count (1..1000000)", argv[i]);
        } else if (!addr && argv[i][0] != '-') {
            addr = argv[i];
        } else {
            return shell_usage(argv[0]);
        }
    }
    if (!addr)
        return shell_usage(argv[0]);
    if (net_wait_ready())
        return shell_error(-ENODEV, "ping: the network stack did not start");
    struct pinger pg;
    int e = ping_open(&pg, addr);
    if (e == -EINVAL)
        return shell_error(e, "ping: '%s' is not an IPv4 address", addr);
    if (e)
        return e;
    kprintf("PING %s: 56 data bytes\n", addr);
    unsigned sent = 0, got = 0;
    uint64_t min = ~0ull, max = 0, sum = 0;
    int err = 0;
    for (uint64_t seq = 1; !count || seq <= count; seq++) {
        uint64_t t0 = hal_time_ns();
        e = ping_send(&pg, (uint16_t)seq, 56);
        if (e == -EIO) {
            err = shell_error(e, "ping: %s: no route to the host", addr);
            break;
        }
        if (!e)
            sent++;
        int r = ping_wait(&pg, (uint16_t)seq, t0 + 1000000000ull, console_cancelled);
        if (r == 1) {
            uint64_t rtt = pg.reply_ns - t0;
            unsigned long ms, frac;
            ms3(rtt, &ms, &frac);
            kprintf("64 bytes from %s: icmp_seq=%lu ttl=%d time=%lu.%03lu ms\n", addr,
                    (unsigned long)seq, pg.reply_ttl, ms, frac);
            got++;
            sum += rtt;
            min = rtt < min ? rtt : min;
            max = rtt > max ? rtt : max;
            /* the rest of the second, as ping(8) paces its requests */
            while ((!count || seq < count) && hal_time_ns() < t0 + 1000000000ull &&
                   !console_cancelled())
                thread_sleep_ms(20);
            if (console_cancelled())
                r = -EINTR;
        }
        if (r < 0) {
            err = -EINTR; /* Ctrl-C: the summary still */
            break;
        }
    }
    ping_close(&pg);
    if (err && err != -EINTR)
        return err;
    kprintf("--- %s ping statistics ---\n%u packets transmitted, %u received, %u%% packet loss\n",
            addr, sent, got, sent ? (sent - got) * 100 / sent : 0);
    if (got) {
        unsigned long a, af, b, bf, c, cf;
        ms3(min, &a, &af);
        ms3(sum / got, &b, &bf);
        ms3(max, &c, &cf);
        kprintf("rtt min/avg/max = %lu.%03lu/%lu.%03lu/%lu.%03lu ms\n", a, af, b, bf, c, cf);
    }
    return err ? err : got || !sent ? 0 : -ETIMEDOUT;
}
SHELL_COMMAND("ping", "ping [-c <count>] <addr>",
              "ICMP echo requests to an IPv4 address, one a second", cmd_ping);
