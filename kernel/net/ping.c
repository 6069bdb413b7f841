/**
 * @file ping.c
 * @brief ICMP echo over lwIP's raw API (ping.h).
 *
 * The receive callback runs under the core lock in whichever thread fed
 * lwIP the reply: it only records the reply and wakes the waiter. Every
 * ICMP packet reaches a raw ICMP pcb before lwIP's own ICMP: the callback
 * takes only echo replies carrying our identifier, and leaves the rest
 * (echo requests to us among them) to lwIP.
 */
#include "ping.h"
#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/prot/ip4.h"
#include "lwip/raw.h"
#include "net_internal.h"
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/vfs.h>

static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    (void)pcb;
    struct pinger *pg = arg;
    struct icmp_echo_hdr eh;
    const struct ip_hdr *iph = p->payload;
    if (p->len < IP_HLEN || !ip_addr_cmp(addr, &pg->to))
        return 0;
    u16_t hl = (u16_t)IPH_HL_BYTES(iph);
    if (pbuf_copy_partial(p, &eh, sizeof eh, hl) != sizeof eh || eh.type != ICMP_ER ||
        eh.id != lwip_htons(pg->id))
        return 0;
    pg->reply_ttl = IPH_TTL(iph);
    pg->reply_ns = hal_time_ns();
    pg->reply_seq = lwip_htons(eh.seqno);
    pg->replies++;
    pbuf_free(p);
    wq_wake_all(&pg->wq);
    return 1;
}

int ping_open(struct pinger *pg, const char *addr)
{
    memset(pg, 0, sizeof *pg);
    if (!ipaddr_aton(addr, &pg->to) || !IP_IS_V4(&pg->to))
        return -EINVAL;
    uint16_t id;
    random_fill(&id, sizeof id);
    pg->id = id;
    pg->reply_seq = -1;
    wq_init(&pg->wq, "ping");
    net_lock();
    pg->pcb = raw_new(IP_PROTO_ICMP);
    if (pg->pcb)
        raw_recv(pg->pcb, ping_recv, pg);
    net_unlock();
    return pg->pcb ? 0 : -ENOMEM;
}

int ping_send(struct pinger *pg, uint16_t seq, unsigned payload)
{
    if (payload > 1400)
        payload = 1400;
    struct pbuf *p = pbuf_alloc(PBUF_IP, (u16_t)(sizeof(struct icmp_echo_hdr) + payload), PBUF_RAM);
    if (!p)
        return -ENOMEM;
    struct icmp_echo_hdr *eh = p->payload;
    eh->type = ICMP_ECHO;
    eh->code = 0;
    eh->chksum = 0;
    eh->id = lwip_htons(pg->id);
    eh->seqno = lwip_htons(seq);
    uint8_t *d = (uint8_t *)(eh + 1);
    for (unsigned i = 0; i < payload; i++)
        d[i] = (uint8_t)(0x10 + i); /* as Linux's ping fills its pattern */
    eh->chksum = inet_chksum(eh, p->len);
    net_lock();
    err_t e = raw_sendto(pg->pcb, p, &pg->to);
    net_unlock();
    pbuf_free(p);
    return e == ERR_OK ? 0 : e == ERR_MEM || e == ERR_BUF ? -ENOMEM : -EIO;
}

int ping_wait(struct pinger *pg, uint16_t seq, uint64_t deadline, int (*cancel)(void))
{
    for (;;) {
        struct wait_set ws;
        wait_set_init(&ws);
        wait_set_add(&ws, &pg->wq);
        if (pg->reply_seq == seq) {
            wait_set_clear(&ws);
            return 1;
        }
        if (cancel && cancel()) {
            wait_set_clear(&ws);
            return -EINTR;
        }
        uint64_t now = hal_time_ns(), slice = now + 20000000u; /* Ctrl-C within 20 ms */
        int late = wait_set_block_until(&ws, slice < deadline ? slice : deadline);
        wait_set_clear(&ws);
        if (late && hal_time_ns() >= deadline)
            return pg->reply_seq == seq;
    }
}

void ping_close(struct pinger *pg)
{
    if (!pg->pcb)
        return;
    net_lock();
    raw_remove(pg->pcb);
    net_unlock();
    pg->pcb = NULL;
}
