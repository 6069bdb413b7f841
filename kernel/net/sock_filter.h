/* Classic BPF socket filters (SO_ATTACH_FILTER): the check a program must
 * pass to be attached, and the machine that runs it on a packet
 * (sock_filter.c). Portable: no lock, no allocation but the check's. */
#ifndef NET_SOCK_FILTER_H
#define NET_SOCK_FILTER_H

#include <stdint.h>

/* One instruction, as struct sock_filter of <linux/filter.h>. */
struct sock_filter {
    uint16_t code;
    uint8_t jt, jf;
    uint32_t k;
};

#define SOCK_FILTER_MAX 4096 /* instructions, Linux's BPF_MAXINSNS */

/* What a program runs on: the frame, where the socket's view of it starts
 * (0, or the network header for a SOCK_DGRAM packet socket), where its
 * network header is, and what the ancillary loads give. */
struct sock_filter_pkt {
    const uint8_t *frame;
    uint32_t frame_len;
    uint32_t start;    /* the program's offset 0 */
    uint32_t net;      /* the network header's offset in the frame */
    uint16_t protocol; /* SKF_AD_PROTOCOL: the frame's ethertype, host order */
    uint8_t pkttype;   /* SKF_AD_PKTTYPE: PACKET_HOST, ... */
    uint16_t hatype;   /* SKF_AD_HATYPE: ARPHRD_ETHER */
    uint32_t ifindex;  /* SKF_AD_IFINDEX */
    uint32_t cpu;      /* SKF_AD_CPU */
    uint32_t random;   /* SKF_AD_RANDOM */
};

/* 0 if the @p n instructions at @p f may be attached, as Linux's checks
 * have it: 1 to SOCK_FILTER_MAX of them, known opcodes, jumps forward and
 * inside the program, scratch words 0 to 15 and none read before it is
 * written on every path, no division or remainder by a constant 0, no
 * shift by 32 or more, known ancillary loads, and a RET last; else -EINVAL. */
int sock_filter_check(const struct sock_filter *f, uint32_t n);

/* Run the checked program @p f of @p n instructions on @p p: how many of
 * the packet's bytes to keep (0: drop it). A load past the packet's end,
 * or a division or remainder by an X of 0, ends the run with 0. */
uint32_t sock_filter_run(const struct sock_filter *f, uint32_t n, const struct sock_filter_pkt *p);

#endif
