/*
 * netem: put Linux's network emulator (sch_netem) on an interface of the
 * Linux peer, as `tc qdisc replace dev IF root netem ...` would, for the
 * networking tests that judge our TCP on a bad network (tests/qemu/net_pair.py).
 * Debian's busybox `tc` knows no netem, and iproute2 is not static, so this
 * speaks rtnetlink itself (the message layout of linux/rtnetlink.h and
 * linux/pkt_sched.h; tc-netem(8) for what the fields mean).
 *
 *   netem IFNAME LOSS% DUPLICATE% REORDER% DELAY_MS
 *
 * Reordering sends the chosen packets at once and delays the others by
 * DELAY_MS, so it needs a delay (as tc says). Exit status 0 once the kernel
 * acknowledged the change.
 */
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned char msg[1024];

/* Append attribute @type with @len bytes of @data at *@off of msg. */
static struct rtattr *put(size_t *off, int type, const void *data, size_t len)
{
    struct rtattr *a = (struct rtattr *)(msg + *off);
    a->rta_type = type;
    a->rta_len = RTA_LENGTH(len);
    if (len)
        memcpy(RTA_DATA(a), data, len);
    *off += RTA_ALIGN(a->rta_len);
    return a;
}

/* A percentage as netem's 32-bit probability (0 none, ~0 always). */
static unsigned prob(double pct)
{
    if (pct <= 0)
        return 0;
    if (pct >= 100)
        return ~0u;
    return (unsigned)(pct / 100.0 * 4294967295.0);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: netem IFNAME LOSS%% DUPLICATE%% REORDER%% DELAY_MS\n");
        return 2;
    }
    unsigned ifindex = if_nametoindex(argv[1]);
    if (!ifindex) {
        perror(argv[1]);
        return 1;
    }
    double delay_ms = atof(argv[5]), reorder = atof(argv[4]);
    if (reorder > 0 && delay_ms <= 0) {
        fprintf(stderr, "netem: reordering needs a delay\n");
        return 2;
    }
    struct nlmsghdr *h = (struct nlmsghdr *)msg;
    h->nlmsg_type = RTM_NEWQDISC;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
    h->nlmsg_seq = 1;
    struct tcmsg *tc = NLMSG_DATA(h);
    tc->tcm_family = AF_UNSPEC;
    tc->tcm_ifindex = (int)ifindex;
    tc->tcm_parent = TC_H_ROOT;
    size_t off = NLMSG_LENGTH(sizeof *tc);
    put(&off, TCA_KIND, "netem", 6);
    struct tc_netem_qopt q = {0};
    q.latency = (unsigned)(delay_ms * 1e6 / 64); /* psched ticks: 64 ns each */
    q.limit = 1000;
    q.loss = prob(atof(argv[2]));
    q.duplicate = prob(atof(argv[3]));
    q.gap = reorder > 0 ? 1 : 0;
    /* TCA_OPTIONS: the fixed struct, then netem's own attributes after it. */
    struct rtattr *opts = put(&off, TCA_OPTIONS, &q, sizeof q);
    if (reorder > 0) {
        struct tc_netem_reorder r = {prob(reorder), 0};
        put(&off, TCA_NETEM_REORDER, &r, sizeof r);
    }
    opts->rta_len = (unsigned short)(msg + off - (unsigned char *)opts);
    h->nlmsg_len = (unsigned)off;

    int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (fd < 0 || sendto(fd, msg, off, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        perror("netem: rtnetlink");
        return 1;
    }
    unsigned char reply[1024];
    ssize_t n = recv(fd, reply, sizeof reply, 0);
    struct nlmsghdr *r = (struct nlmsghdr *)reply;
    if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) || r->nlmsg_type != NLMSG_ERROR) {
        fprintf(stderr, "netem: no answer from the kernel\n");
        return 1;
    }
    int err = ((struct nlmsgerr *)NLMSG_DATA(r))->error;
    if (err) {
        fprintf(stderr, "netem: %s: %s\n", argv[1], strerror(-err));
        return 1;
    }
    printf("netem on %s: loss %s%%, duplicate %s%%, reorder %s%%, delay %s ms\n", argv[1],
           argv[2], argv[3], argv[4], argv[5]);
    return 0;
}
