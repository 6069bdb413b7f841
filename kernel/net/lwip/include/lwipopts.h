/**
 * @file lwipopts.h
 * @brief lwIP's options for this kernel (docs/networking.md says why each).
 *
 * lwIP's defaults are for microcontrollers (536-byte segments, a 2 KiB
 * window, five TCP connections). Here: full-size segments, a scaled window
 * and a large send buffer for throughput, memory from the kernel heap (so
 * the limits below cost nothing until used, and the image carries no
 * pools), the core lock (callers run lwIP in their own thread instead of
 * queueing messages to the tcpip thread) and no netconn or socket API (the
 * kernel's sockets sit on the raw API).
 */
#ifndef LWIPOPTS_H
#define LWIPOPTS_H

/* ---- the OS: threads, the core lock ---- */
#define NO_SYS 0
#define SYS_LIGHTWEIGHT_PROT 1
#define LWIP_TCPIP_CORE_LOCKING 1
/* 0: frames of the loopback interface are posted to the tcpip thread, which
 * already holds the (not recursive) core lock when it polls that interface;
 * a device's frames are fed under the lock by kernel/net/lwip/netif.c. */
#define LWIP_TCPIP_CORE_LOCKING_INPUT 0
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_NETIF_API 0
#define TCPIP_THREAD_NAME "tcpip"
#define TCPIP_THREAD_STACKSIZE 0 /* the kernel's thread stack */
#define TCPIP_THREAD_PRIO 20     /* above the shell's and user threads' 16 */
#define TCPIP_MBOX_SIZE 512

void lwip_port_assert_core_locked(void);
/** Every raw-API entry checks that its caller holds the core lock. */
#define LWIP_ASSERT_CORE_LOCKED() lwip_port_assert_core_locked()

/* ---- memory: the kernel heap, capped (sys_arch.c) ---- */
#define MEM_ALIGNMENT 8
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#include <stddef.h>
void *lwip_port_malloc(size_t size);
void *lwip_port_calloc(size_t n, size_t size);
void lwip_port_free(void *p);
#define mem_clib_malloc lwip_port_malloc
#define mem_clib_calloc lwip_port_calloc
#define mem_clib_free lwip_port_free
#define MEMP_NUM_TCP_PCB 512
#define MEMP_NUM_TCP_PCB_LISTEN 128
#define MEMP_NUM_UDP_PCB 256
#define MEMP_NUM_RAW_PCB 64
#define MEMP_NUM_TCP_SEG 8192
#define MEMP_NUM_PBUF 1024
#define MEMP_NUM_REASSDATA 64
#define MEMP_NUM_FRAG_PBUF 256
#define MEMP_NUM_ARP_QUEUE 256
#define MEMP_NUM_SYS_TIMEOUT 64
#define MEMP_NUM_TCPIP_MSG_INPKT 1024
#define PBUF_POOL_SIZE 512

/* ---- the interfaces ---- */
#define LWIP_ETHERNET 1
#define LWIP_ARP 1
#define ARP_TABLE_SIZE 64
#define ARP_QUEUEING 1
#define ETHARP_TABLE_MATCH_NETIF 1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_EXT_STATUS_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_LOOPBACK_MAX_PBUFS 0
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1

/* ---- IPv4, IPv6 ---- */
#define LWIP_IPV4 1
#define IP_FORWARD 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define IP_REASS_MAX_PBUFS 128
#define IP_DEFAULT_TTL 64
#define LWIP_ICMP 1
#define LWIP_RAW 1
#define LWIP_BROADCAST_PING 0
#define LWIP_DHCP 1
/* No ARP probe of the offered address: it holds binding back a second. */
#define DHCP_DOES_ARP_CHECK 0
#define LWIP_AUTOIP 0
/* Multicast groups joined by sockets (inet_mcast.c): IGMP reports, and
 * only joined groups' datagrams let in; their hop limit, loop and interface. */
#define LWIP_IGMP 1
#define LWIP_MULTICAST_TX_OPTIONS 1
#define LWIP_DNS 0 /* names are resolved in user space, as on Linux */
#define LWIP_IPV6 1
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_MLD 1
#define LWIP_IPV6_FRAG 1
#define LWIP_IPV6_REASS 1
/* Echo replies and errors leave with the default hop limit, 64, as Linux's
 * do (lwIP's default is 255; neighbour discovery keeps its own 255). */
#define LWIP_ICMP6_HL 64
/* 64-bit pointers do not fit in the fragment header lwIP would reuse */
#define IPV6_FRAG_COPYHEADER 1

/* ---- UDP, TCP ---- */
#define LWIP_UDP 1
#define LWIP_UDPLITE 0
#define LWIP_TCP 1
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 5
#define TCP_WND (1024 * 1024)
#define TCP_SND_BUF (1024 * 1024)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
/* writable again (poll) with this much room: lwIP keeps it below 64 KiB */
#define TCP_SNDLOWAT (32 * 1024)
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_SACK_OUT 1
#define LWIP_TCP_MAX_SACK_NUM 4
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 0xff
#define LWIP_TCP_KEEPALIVE 1
#define LWIP_TCP_TIMESTAMPS 0
#define SO_REUSE 1
#define LWIP_CALLBACK_API 1
/* A new SYN on a connection in TIME-WAIT starts a new one, as on Linux (netif.c). */
struct pbuf;
struct netif;
int lwip_port_ip4_input(struct pbuf *p, struct netif *inp);
#define LWIP_HOOK_IP4_INPUT(p, inp) lwip_port_ip4_input(p, inp)
/* A SYN at a listener with a full backlog makes room by dropping its oldest
 * half-open connection (netif.c). */
struct tcp_pcb;
struct tcp_hdr;
signed char lwip_port_tcp_inpacket(struct tcp_pcb *pcb, const struct tcp_hdr *hdr);
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) lwip_port_tcp_inpacket(pcb, hdr)
#define LWIP_EVENT_API 0

/* ---- checksums: ours (sys_arch.c), or the device's (netif.c) ---- */
#include <stdint.h>
uint16_t lwip_port_chksum(const void *data, int len);
/** The unfolded-then-folded 16-bit sum of @p len bytes, in memory order. */
#define LWIP_CHKSUM lwip_port_chksum

/* ---- statistics: the pool counts always (the leak tests and `net` read
 * them), the protocols' only in -debug builds ---- */
#define LWIP_STATS 1
#define MEMP_STATS 1
#define MEM_STATS 1
#define SYS_STATS 0
#define LWIP_STATS_DISPLAY 0
#ifdef NDEBUG
#define LINK_STATS 0
#define ETHARP_STATS 0
#define IP_STATS 0
#define IPFRAG_STATS 0
#define ICMP_STATS 0
#define UDP_STATS 0
#define TCP_STATS 0
#define IP6_STATS 0
#define ICMP6_STATS 0
#define IP6_FRAG_STATS 0
#define MLD6_STATS 0
#define ND6_STATS 0
#endif

#endif
