/* The kernel's lwIP options for the host fuzzer (fuzz_lwip.c), with one
 * change: no tcpip thread runs, so the loopback interface is polled by the
 * harness instead of through a message to that thread. */
#ifndef FUZZ_LWIPOPTS_H
#define FUZZ_LWIPOPTS_H
#include <sys/types.h> /* ssize_t: glibc's limits.h has SSIZE_MAX, so lwIP does not define it */
#include "../../../kernel/net/lwip/include/lwipopts.h"
#define LWIP_NETIF_LOOPBACK_MULTITHREADING 0
#endif
