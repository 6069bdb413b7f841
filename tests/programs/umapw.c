/*
 * umapw: umapw FILE OFFSET TEXT writes TEXT at byte OFFSET of FILE through
 * a shared mapping (MAP_SHARED) and exits with the mapping still there:
 * no msync, no munmap, no write(). What the kernel owes it is to write the
 * page back all the same (on sync, unmount, or by its flusher), which a
 * test then reads on the disk. Exits 0, or 1 with the call that failed.
 */
#include "usys.h"

enum { AT_FDCWD = -100, O_RDWR = 2, PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, PAGE = 4096 };

static int fail(const char *what, long r)
{
    uputs("umapw: ");
    uputs(what);
    uputs(" failed: ");
    uputn(r);
    uputs("\n");
    return 1;
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    if (argc != 4) {
        uputs("usage: umapw FILE OFFSET TEXT\n");
        return 1;
    }
    long off = uatol(argv[2]), len = (long)ustrlen(argv[3]);
    long fd = sys6(NR_openat, AT_FDCWD, (long)argv[1], O_RDWR, 0, 0, 0);
    if (fd < 0)
        return fail("open", fd);
    long at = off & ~(long)(PAGE - 1), span = (off - at + len + PAGE - 1) & ~(long)(PAGE - 1);
    long m = sys6(NR_mmap, 0, span, PROT_READ | PROT_WRITE, MAP_SHARED, fd, at);
    if (m < 0 && m > -4096)
        return fail("mmap", m);
    sys1(NR_close, fd);
    char *p = (char *)m + (off - at);
    for (long i = 0; i < len; i++)
        p[i] = argv[3][i];
    return 0;
}
