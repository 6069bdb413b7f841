/*
 * usysv: System V shared memory against Linux's answers (issue 41), one
 * line each ("ok ..." or "FAIL ..." with what came back and what Linux
 * gives); exits with the number of failures. Every check is Linux's
 * answer: the program also runs on the build host's Linux
 * (cmake/linux_judged.cmake), so its key is made from its pid and every
 * segment it makes is removed at the end.
 *
 * shmget: IPC_PRIVATE, a key (ENOENT without IPC_CREAT, the same segment
 * again, EEXIST with IPC_EXCL, a size past the segment's EINVAL, sizes
 * 0 and past SHMMAX EINVAL); IPC_STAT's struct shmid_ds (size, mode, key,
 * owner and creator, pids, times, attachments); shmat where the kernel
 * likes, at an address, rounded by SHM_RND, EINVAL over a mapping unless
 * SHM_REMAP, read-only (a write is SIGSEGV); the memory shared between
 * two attachments and with a forked child, whose attachments count and
 * go with its exit and at execve; a region split by mprotect counting
 * twice, and shmdt taking all of it; IPC_RMID keeping an attached segment
 * (SHM_DEST, key gone, still attachable by id) until its last detach;
 * IPC_SET; another user's EACCES and EPERM; IPC_INFO, SHM_INFO and
 * SHM_STAT; the bad arguments' errors.
 */
#include "uchild.h"
#include "umem.h"

enum { EPERM = 1, ENOENT = 2, EFAULT = 14, EACCES = 13, EEXIST = 17, EINVAL = 22 };
enum { IPC_PRIVATE = 0, IPC_CREAT = 01000, IPC_EXCL = 02000 };
enum { IPC_RMID = 0, IPC_SET = 1, IPC_STAT = 2, IPC_INFO = 3, SHM_STAT = 13, SHM_INFO = 14 };
enum { SHM_RDONLY = 010000, SHM_RND = 020000, SHM_REMAP = 040000, SHM_DEST = 01000 };
enum { PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20 };
enum { SIGSEGV = 11, PG = 4096 };

#define fails (*ufails())

struct ipc_perm_u {
    int key;
    unsigned uid, gid, cuid, cgid, mode;
    unsigned short seq, pad2;
    unsigned pad3;
    unsigned long unused1, unused2;
};
struct shmid_ds_u {
    struct ipc_perm_u perm;
    unsigned long segsz;
    long atime, dtime, ctime;
    int cpid, lpid;
    unsigned long nattch, unused4, unused5;
};

static long shmget(long key, unsigned long size, long flg) { return sys3(NR_shmget, key, (long)size, flg); }
static long shmat(long id, long addr, long flg) { return sys3(NR_shmat, id, addr, flg); }
static long shmdt(long addr) { return sys1(NR_shmdt, addr); }
static long shmctl(long id, long cmd, void *buf) { return sys3(NR_shmctl, id, cmd, (long)buf); }
static struct shmid_ds_u st(long id)
{
    struct shmid_ds_u ds;
    for (unsigned i = 0; i < sizeof ds; i++)
        ((char *)&ds)[i] = 0; /* (qemu-user writes the mode's low half only) */
    if (shmctl(id, IPC_STAT, &ds) != 0)
        ds.segsz = (unsigned long)-1;
    return ds;
}
static long nattch(long id) { return (long)st(id).nattch; }
static long now_s(void)
{
    long t[2];
    sys3(NR_clock_gettime, 0, (long)t, 0);
    return t[0];
}
/* The earliest second a time stamp taken after now may show. Linux stamps
 * shm times with the tick's idea of the second (ktime_get_real_seconds),
 * which can lag CLOCK_REALTIME by a tick, so across a second boundary the
 * stamp may be one second before the clock read before it. */
static long stamp_floor(void) { return now_s() - 1; }
static int bad(long r) { return (unsigned long)r > -4096ul; }

static long mypid;
static long key; /* this run's */

static void c_writes(long p) { *(volatile int *)p = 7; }

static void create_checks(void)
{
    uexpect(shmget(IPC_PRIVATE, 0, 0600), -EINVAL, "shmget of size 0 is EINVAL");
    uexpect(shmget(IPC_PRIVATE, ~0ul, 0600), -EINVAL, "shmget past SHMMAX is EINVAL");
    uexpect(shmget(key, 100, 0600), -ENOENT, "shmget of an unknown key without IPC_CREAT is ENOENT");
    long t0 = stamp_floor();
    long id = shmget(key, 100, IPC_CREAT | 0640);
    check(id >= 0, "shmget(key, IPC_CREAT) makes a segment");
    uexpect(shmget(key, 100, IPC_CREAT | 0600), id, "shmget(key, IPC_CREAT) again: the same segment");
    uexpect(shmget(key, 0, 0), id, "shmget(key, 0, 0): the same segment");
    uexpect(shmget(key, 50, 0640), id, "shmget(key) with a smaller size: the same segment");
    uexpect(shmget(key, 100, IPC_CREAT | IPC_EXCL | 0600), -EEXIST, "IPC_CREAT | IPC_EXCL of a key in use is EEXIST");
    uexpect(shmget(key, 200, IPC_CREAT | IPC_EXCL | 0600), -EEXIST, "EEXIST comes before the size's EINVAL");
    uexpect(shmget(key, 101, 0), -EINVAL, "shmget(key) with a size past the segment's is EINVAL");
    long id2 = shmget(IPC_PRIVATE, 100, 0600);
    check(id2 >= 0 && id2 != id, "IPC_PRIVATE makes a new segment each time");
    struct shmid_ds_u ds = st(id);
    uexpect((long)ds.segsz, 100, "IPC_STAT: shm_segsz");
    uexpect(ds.perm.key, key, "IPC_STAT: the key");
    uexpect(ds.perm.mode, 0640, "IPC_STAT: the mode (the nine bits asked)");
    uexpect(ds.perm.uid, sys1(NR_geteuid, 0), "IPC_STAT: the owner is the effective user");
    uexpect(ds.perm.cuid, sys1(NR_geteuid, 0), "IPC_STAT: so is the creator");
    uexpect(ds.perm.gid, sys1(NR_getegid, 0), "IPC_STAT: the group is the effective group");
    uexpect(ds.perm.seq, id / 32768, "IPC_STAT: the sequence number is the id's high part");
    uexpect(ds.cpid, mypid, "IPC_STAT: shm_cpid is the creator's pid");
    uexpect(ds.lpid, 0, "IPC_STAT: no shm_lpid before an attach");
    uexpect((long)ds.nattch, 0, "IPC_STAT: no attachment");
    check(ds.atime == 0 && ds.dtime == 0, "IPC_STAT: no attach or detach time yet");
    check(ds.ctime >= t0 && ds.ctime <= now_s(), "IPC_STAT: shm_ctime is the creation's");
    uexpect(st(id2).perm.key, 0, "IPC_STAT of an IPC_PRIVATE segment: key 0");
    uexpect(shmctl(id2, IPC_RMID, 0), 0, "IPC_RMID of an unattached segment");
    uexpect(shmctl(id2, IPC_STAT, &ds), -EINVAL, "it is gone at once: IPC_STAT is EINVAL");
    uexpect(shmat(id2, 0, 0), -EINVAL, "and shmat EINVAL");
    uexpect(shmctl(id, IPC_RMID, 0), 0, "IPC_RMID of the keyed segment");
    uexpect(shmget(key, 0, 0), -ENOENT, "its key finds nothing after");
}

static void attach_checks(const char *self)
{
    long id = shmget(IPC_PRIVATE, 10000, 0600);
    long t0 = stamp_floor();
    long p = shmat(id, 0, 0);
    check(!bad(p) && p && !(p & (PG - 1)), "shmat(id, NULL) maps it where the kernel likes, page-aligned");
    volatile int *w = (volatile int *)p;
    uexpect(w[100], 0, "a new segment reads as zeros");
    w[100] = 42;
    w[2999] = 43; /* its last page, past what was asked but in the page */
    struct shmid_ds_u ds = st(id);
    uexpect((long)ds.nattch, 1, "shm_nattch 1 after one attach");
    uexpect(ds.lpid, mypid, "shm_lpid: the attacher");
    check(ds.atime >= t0 && ds.atime <= now_s(), "shm_atime: the attach's");
    long q = shmat(id, 0, SHM_RDONLY);
    check(!bad(q) && q != p, "a second attach, read-only, elsewhere");
    uexpect(((volatile int *)q)[100], 42, "both attachments are the same memory");
    uexpect(nattch(id), 2, "shm_nattch 2");
    int status = reap_status(fork_child(c_writes, q + 400));
    uexpect(status & 0x7f, SIGSEGV, "a write to a SHM_RDONLY attachment is SIGSEGV");
    uexpect(sys3(NR_mprotect, q, PG, PROT_READ | PROT_WRITE), -EACCES, "mprotect cannot make it writable (EACCES)");
    in_child(c_writes, p + 400);
    uexpect(w[100], 7, "a forked child's write through its inherited attachment is seen");
    /* The child's attachments count while it lives and go when it ends. */
    long c = sys6(NR_clone, UCHILD_SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        *ufails() = 0;
        uexpect(nattch(id), 4, "in a forked child: shm_nattch 4 (its two attachments and its parent's)");
        uexpect(st(id).lpid, mypid, "fork's copies count as the parent's attaches (shm_lpid)");
        uexit(*ufails());
    }
    reap(c, "the child exits");
    ds = st(id);
    uexpect((long)ds.nattch, 2, "the child's exit detached its attachments");
    uexpect(ds.lpid, c, "shm_lpid: the child, whose exit detached them");
    check(ds.dtime >= t0 && ds.dtime <= now_s(), "shm_dtime: that detach's");
    /* execve detaches too: the new program sees the count without its parent's copy. */
    c = sys6(NR_clone, UCHILD_SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        static char ids[24], *args[] = {0, "exec", ids, "2", 0}, *env[] = {0};
        char *e = ids + sizeof ids;
        *--e = 0;
        for (long v = id; v || e == ids + sizeof ids - 1; v /= 10)
            *--e = (char)('0' + v % 10);
        args[0] = (char *)self;
        args[2] = e;
        sys3(NR_execve, (long)self, (long)args, (long)env);
        uexit(100);
    }
    status = reap_status(c);
    if (!uskip_on_qemu_user("after execve the program is not attached (it cannot execve itself there)"))
        uexpect(status, 0, "after execve the program is not attached (shm_nattch 2 as before the fork)");
    /* shmdt. */
    uexpect(shmdt(p + 1), -EINVAL, "shmdt of an unaligned address is EINVAL");
    uexpect(shmdt(p + PG), -EINVAL, "shmdt inside an attachment is EINVAL");
    uexpect(shmdt(q), 0, "shmdt");
    uexpect(nattch(id), 1, "shm_nattch 1 after it");
    uexpect(shmdt(q), -EINVAL, "shmdt of what is detached already is EINVAL");
    /* A region split in three by mprotect: three attachments, one shmdt. */
    uexpect(sys3(NR_mprotect, p + PG, PG, PROT_READ), 0, "mprotect of the attachment's middle page");
    uexpect(nattch(id), 3, "the split attachment counts three times, as Linux counts its areas");
    uexpect(shmdt(p), 0, "shmdt of the split attachment");
    uexpect(nattch(id), 0, "all of it detached");
    /* At an address: a free 64 KiB-aligned one (SHMLBA divides it on every arch). */
    long m = sys6(NR_mmap, 0, 0x30000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long a = (m + 0xffff) & ~0xffffl;
    sys3(NR_munmap, m, 0x30000, 0);
    uexpect(shmat(id, a + 100, 0), -EINVAL, "shmat at an unaligned address without SHM_RND is EINVAL");
    uexpect(shmat(id, a + 100, SHM_RND), a, "SHM_RND rounds the address down");
    uexpect(((volatile int *)a)[100], 7, "the same memory there");
    uexpect(shmat(id, a, 0), -EINVAL, "shmat over a mapping is EINVAL");
    if (!uskip_on_qemu_user("SHM_REMAP replaces what is mapped there")) {
        uexpect(shmat(id, a, SHM_REMAP), a, "SHM_REMAP replaces what is mapped there");
        uexpect(nattch(id), 1, "the replaced attachment is detached");
    }
    if (!uskip_on_qemu_user("SHM_REMAP without an address is EINVAL"))
        uexpect(shmat(id, 0, SHM_REMAP), -EINVAL, "SHM_REMAP without an address is EINVAL");
    uexpect(shmdt(a), 0, "shmdt");
    /* IPC_RMID while attached. */
    p = shmat(id, 0, 0);
    uexpect(shmctl(id, IPC_RMID, 0), 0, "IPC_RMID of an attached segment");
    ds = st(id);
    uexpect(ds.perm.mode, SHM_DEST | 0600, "it stays, marked SHM_DEST");
    uexpect((long)ds.nattch, 1, "still attached");
    uexpect(((volatile int *)p)[100], 7, "its memory still there");
    q = shmat(id, 0, 0);
    check(!bad(q), "a removed segment can still be attached by its id (as Linux allows)");
    uexpect(shmdt(q), 0, "shmdt of that");
    uexpect(shmdt(p), 0, "the last shmdt");
    uexpect(shmctl(id, IPC_STAT, &ds), -EINVAL, "the segment is gone with its last detach");
}

static long keyed_id;

static void c_other_user(long a)
{
    (void)a;
    struct shmid_ds_u ds;
    uexpect(sys3(NR_setresgid, 1000, 1000, 1000), 0, "the child joins group 1000");
    uexpect(sys3(NR_setresuid, 1000, 1000, 1000), 0, "and becomes user 1000");
    uexpect(shmget(key, 0, 0), keyed_id, "shmget asking no permission finds root's 0640 segment");
    uexpect(shmget(key, 0, 0400), -EACCES, "shmget asking read of it is EACCES (others' bits: none)");
    uexpect(shmat(keyed_id, 0, SHM_RDONLY), -EACCES, "shmat is EACCES");
    uexpect(shmctl(keyed_id, IPC_STAT, &ds), -EACCES, "IPC_STAT is EACCES");
    ds = (struct shmid_ds_u){0};
    uexpect(shmctl(keyed_id, IPC_SET, &ds), -EPERM, "IPC_SET by another user is EPERM");
    uexpect(shmctl(keyed_id, IPC_RMID, 0), -EPERM, "IPC_RMID by another user is EPERM");
}

static void c_reader(long a)
{
    (void)a;
    sys3(NR_setresgid, 1000, 1000, 1000);
    sys3(NR_setresuid, 1000, 1000, 1000);
    long p = shmat(keyed_id, 0, SHM_RDONLY);
    check(!bad(p), "after IPC_SET to 0644 another user attaches it read-only");
    uexpect(shmat(keyed_id, 0, 0), -EACCES, "but not read-write");
    long id = shmget(IPC_PRIVATE, 10, 0600);
    uexpect(st(id).perm.uid, 1000, "its own segment is its own");
    shmctl(id, IPC_RMID, 0);
}

static void perm_checks(void)
{
    keyed_id = shmget(key, 4096, IPC_CREAT | 0640);
    in_child(c_other_user, 0);
    struct shmid_ds_u ds = st(keyed_id);
    ds.perm.mode = 0100644; /* only the nine bits are taken */
    ds.perm.uid = 5;
    uexpect(shmctl(keyed_id, IPC_SET, &ds), 0, "IPC_SET");
    ds = st(keyed_id);
    uexpect(ds.perm.mode, 0644, "IPC_SET: the mode's nine bits");
    uexpect(ds.perm.uid, 5, "IPC_SET: the owner");
    uexpect(ds.perm.cuid, sys1(NR_geteuid, 0), "IPC_SET: the creator stays");
    in_child(c_reader, 0);
    ds.perm.uid = ~0u;
    uexpect(shmctl(keyed_id, IPC_SET, &ds), -EINVAL, "IPC_SET to user -1 is EINVAL");
}

static void misc_checks(void)
{
    struct shmid_ds_u ds;
    unsigned long info[9];
    long id = keyed_id;
    long top = shmctl(0, IPC_INFO, info);
    check(top >= id % 32768, "IPC_INFO answers the highest index in use");
    uexpect((long)info[0], (long)(~0ul - (1ul << 24)), "IPC_INFO: shmmax, Linux's default");
    uexpect((long)info[1], 1, "IPC_INFO: shmmin");
    uexpect((long)info[2], 4096, "IPC_INFO: shmmni");
    struct {
        int used_ids, pad;
        unsigned long tot, rss, swp, a, b;
    } si;
    check(shmctl(0, SHM_INFO, &si) >= id % 32768, "SHM_INFO answers the highest index in use");
    check(si.used_ids >= 1 && si.tot >= 1, "SHM_INFO: a segment of a page at least");
    uexpect(shmctl(id % 32768, SHM_STAT, &ds), id, "SHM_STAT of its index answers its id");
    uexpect((long)ds.segsz, 4096, "SHM_STAT: its size");
    if (!uskip_on_qemu_user("IPC_STAT | IPC_64 is EINVAL on 64-bit ABIs"))
        uexpect(shmctl(id, IPC_STAT | 0x100, &ds), -EINVAL, "IPC_STAT | IPC_64 is EINVAL on 64-bit ABIs");
    uexpect(shmctl(id, 99, &ds), -EINVAL, "an unknown command is EINVAL");
    uexpect(shmctl(-1, IPC_STAT, &ds), -EINVAL, "a negative id is EINVAL");
    uexpect(shmctl(id + 32768, IPC_STAT, &ds), -EINVAL, "a stale id (another sequence number) is EINVAL");
    uexpect(shmctl(id, IPC_STAT, (void *)8), -EFAULT, "IPC_STAT to a bad pointer is EFAULT");
    uexpect(shmctl(id, IPC_SET, (void *)8), -EFAULT, "IPC_SET from a bad pointer is EFAULT");
    uexpect(shmat(-1, 0, 0), -EINVAL, "shmat of a negative id is EINVAL");
    uexpect(shmdt(0x10000), -EINVAL, "shmdt where nothing is attached is EINVAL");
    uexpect(shmctl(id, IPC_RMID, 0), 0, "IPC_RMID");
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    if (argc == 4 && ustreq(argv[1], "exec")) /* the execve check's other side */
        return nattch(uatol(argv[2])) == uatol(argv[3]) ? 0 : 1;
    mypid = sys1(NR_getpid, 0);
    key = 0x53560000 | (mypid & 0xffff);
    create_checks();
    attach_checks(argv[0]);
    perm_checks();
    misc_checks();
    uputs("usysv: "), uputn(fails), uputs(" failed\n");
    return fails > 255 ? 255 : fails;
}
