/*
 * umsg.h: the Linux ABI's message structures for sendmsg() and recvmsg()
 * (struct iovec, msghdr, mmsghdr, cmsghdr and the CMSG_ sizes), for the
 * test programs that pass descriptors or read control messages.
 */
#ifndef UMSG_H
#define UMSG_H

#include "usys.h"

struct iovec {
    void *base;
    size_t len;
};
struct msghdr {
    void *name;
    int namelen;
    struct iovec *iov;
    size_t iovlen;
    void *control;
    size_t controllen;
    int flags;
};
struct mmsghdr {
    struct msghdr hdr;
    unsigned len;
};
struct cmsghdr {
    size_t len;
    int level, type;
};

#define CMSG_LEN(n) (sizeof(struct cmsghdr) + (n))
#define CMSG_SPACE(n) (sizeof(struct cmsghdr) + (((n) + 7) & ~7ul))

#endif
