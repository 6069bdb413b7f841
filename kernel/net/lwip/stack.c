/**
 * @file stack.c
 * @brief Starting lwIP: its tcpip thread (timers, loopback frames), the
 *        loopback interface, the heap cap, and the kernel command line's
 *        `ip=`; the helpers kernel/net_internal.h declares.
 */
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "lwip_port.h"
#include "net_internal.h"
#include "stack.h"
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/net.h>
#include <kernel/pmm.h>
#include <kernel/string.h>
#include <kernel/wait.h>

static struct completion ready = COMPLETION_INIT(ready, "net-ready");
static int started;
static int off; /* no memory to run it: a boot without a memory map */

static int running;            /* lwIP runs: net_init() has done */
static void (*on_start)(void); /* net_on_start()'s, until called */

void net_on_start(void (*fn)(void))
{
    __atomic_store_n(&on_start, fn, __ATOMIC_RELEASE);
    /* whichever of this and net_init() takes it calls it */
    if (__atomic_load_n(&running, __ATOMIC_ACQUIRE) && __atomic_exchange_n(&on_start, NULL, __ATOMIC_ACQ_REL))
        fn();
}

static void tcpip_ready(void *arg)
{
    (void)arg;
    complete_all(&ready);
}

void net_init(void)
{
    if (__atomic_exchange_n(&started, 1, __ATOMIC_ACQ_REL))
        return;
    /* A quarter of RAM at most for segments, buffers and connections: a
     * flood then costs packets, not the kernel's memory. */
    uint64_t free_pages, managed;
    pmm_counts(&free_pages, &managed);
    void *probe = kmalloc(64);
    if (!probe) {
        /* lwIP panics on a failed allocation at its start: stay off. */
        pr_err("net: no heap, so no network stack");
        off = 1;
        complete_all(&ready);
        return;
    }
    kfree(probe);
    lwip_port_keep_small();
    lwip_port_heap_cap((size_t)(managed * 4096 / 4));
    tcpip_init(tcpip_ready, NULL);
    completion_wait(&ready);
    lwip_glue_start();
    __atomic_store_n(&running, 1, __ATOMIC_RELEASE);
    void (*fn)(void) = __atomic_exchange_n(&on_start, NULL, __ATOMIC_ACQ_REL);
    if (fn)
        fn();
    pr_info("net: lwIP %s, lo 127.0.0.1", LWIP_VERSION_STRING);
}

int net_wait_ready(void)
{
    /* net_init() may not have begun yet (a test or command right after
     * boot): boot always runs it, so wait for it either way */
    completion_wait(&ready);
    return off ? -ENODEV : 0;
}

struct netif *net_loopif(void)
{
    return netif_get_by_index(1);
}
