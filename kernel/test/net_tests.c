/**
 * @file net_tests.c
 * @brief Sockets from the kernel's side (kernel/socket.h): AF_UNIX sockets
 *        sent in their own queues, or in a cycle of two, are collected once
 *        the last descriptor goes, whichever closes first, and every
 *        socket (sock_count()) and heap block comes back.
 */
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/ktest.h>
#include <kernel/socket.h>
#include <kernel/string.h>
#include <kernel/vfs.h>

/* Heap objects in use, all classes. */
static uint64_t heap_objects(void)
{
    static struct kmalloc_stats st;
    kmalloc_stats(&st);
    uint64_t n = st.large_blocks;
    for (unsigned i = 0; i < KMALLOC_CLASSES; i++)
        n += st.cls[i].inuse;
    return n;
}

/* Send one byte on @p from with @p f in flight (SCM_RIGHTS), to @p to (NULL: its peer). */
static long send_file(struct file *from, struct file *f, const struct sockaddr_k *to)
{
    static struct sock_ctl c;
    char byte = 'x';
    struct sock_seg seg = {{(uintptr_t)&byte, 0}, 1};
    struct sock_msg m = {.name = (struct sockaddr_k *)to, .data = {&seg, 1, 1}, .ctl = &c};
    memset(&c, 0, sizeof c);
    c.files[0] = file_get(f);
    c.nfiles = 1;
    struct socket *s = sock_of(from);
    long r = s->ops->sendmsg(s, &m, 0, 1);
    for (unsigned i = 0; i < c.nfiles; i++)
        file_put(c.files[i]); /* what the family did not take */
    return r;
}

static int pair_files(int type, struct file **a, struct file **b)
{
    struct socket *x, *y;
    int e = sock_pair(AF_UNIX, type, 0, &x, &y);
    if (e)
        return e;
    if ((e = sock_file(x, 0, a)) != 0) {
        sock_free(y);
        return e;
    }
    if ((e = sock_file(y, 0, b)) != 0)
        file_put(*a);
    return e;
}

KTEST(unix_sockets_in_flight_are_collected)
{
    uint64_t before = heap_objects();
    unsigned socks = sock_count();
    for (int round = 0; round < 16; round++) {
        struct fdtable *t = fdtable_new();
        KT_ASSERT(t);
        struct file *a, *b;
        KT_ASSERT_EQ(pair_files(round & 1 ? SOCK_DGRAM : SOCK_STREAM, &a, &b), 0);
        int fa = fd_install(t, a, 0, 0, FD_MAX), fb = fd_install(t, b, 0, 0, FD_MAX);
        KT_ASSERT(fa >= 0 && fb >= 0);
        /* a in its own queue (sent by b), b in a's queue too: a cycle. */
        KT_ASSERT_EQ(send_file(b, a, NULL), 1);
        KT_ASSERT_EQ(send_file(a, b, NULL), 1);
        KT_ASSERT_EQ(send_file(b, b, NULL), 1);
        /* Close in either order: the last close leaves only the cycle. */
        KT_ASSERT_EQ(fd_close(t, round & 2 ? fa : fb), 0);
        KT_ASSERT_EQ(fd_close(t, round & 2 ? fb : fa), 0);
        /* A datagram socket bound to an abstract name, sent to itself. */
        struct socket *s;
        KT_ASSERT_EQ(sock_create(AF_UNIX, SOCK_DGRAM, 0, &s), 0);
        struct file *sf;
        KT_ASSERT_EQ(sock_file(s, 0, &sf), 0);
        static unsigned seq;
        unsigned n = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
        struct sockaddr_k name = {.len = 9};
        name.family = AF_UNIX;
        memcpy(name.b + 3, "kt", 2);
        for (int i = 0; i < 4; i++)
            name.b[5 + i] = (uint8_t)('a' + (n >> (4 * i) & 15));
        KT_ASSERT_EQ(s->ops->bind(s, &name), 0);
        KT_ASSERT_EQ(send_file(sf, sf, &name), 1);
        int fs = fd_install(t, sf, 0, 0, FD_MAX);
        KT_ASSERT(fs >= 0);
        fdtable_free(t); /* as at exit */
    }
    /* Every socket, buffer and file is gone (a few blocks of others move). */
    uint64_t after = heap_objects();
    KT_ASSERT(after <= before + 8);
    KT_ASSERT_EQ(sock_count(), socks);
}
