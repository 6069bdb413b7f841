/**
 * @file sysv_shm.c
 * @brief System V shared memory with Linux's system calls: shmget, shmat,
 *        shmdt and shmctl.
 *
 * A segment is a nameless tmpfs file (tmpfs_shmem_file(), what shared
 * anonymous memory is too) with System V's identity: a key, an owner and
 * creator, nine permission bits, and Linux's counts and times. Keys and
 * identifiers are the kernel's (there are no IPC namespaces); an
 * identifier is its slot times SHM_SEQ_MULT plus a sequence number that
 * grows with every segment made, so a stale one is EINVAL rather than
 * another segment's, as on Linux.
 *
 * shmat() maps the file shared (uspace_map_shm(), through a file of its
 * own open read-only or read-write, as the attachment may); each region of it
 * counts as one attachment, as Linux counts its areas: a region that
 * munmap or mprotect splits counts twice, fork's copies count in the
 * child, and execve and exit detach everything. The count changes under
 * the address space's lock (shm_region_opened(), shm_region_closed()),
 * so no lock of an address space is ever taken under shm_lock. IPC_RMID
 * takes the key away at once (IPC_PRIVATE) and the segment itself with its
 * last attachment; until then it can still be attached by its identifier,
 * as Linux allows.
 *
 * Permissions are Linux's ipcperms(): the owner's or creator's bits for
 * the effective user id, the group's for either group, the others' bits
 * otherwise; root (the only privilege here: CAP_IPC_OWNER, CAP_SYS_ADMIN,
 * CAP_IPC_LOCK) passes. Limits are Linux's defaults: SHMMNI segments,
 * SHMMAX and SHMALL so large that only memory bounds a segment (ENOMEM
 * when its page table cannot be made). SHM_LOCK only marks the segment:
 * nothing is ever paged out. SHM_HUGETLB is taken as an ordinary segment.
 */
#include "sys.h"
#include "sysv_shm.h"
#include "uspace.h"
#include <hal/user.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/proc.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <kernel/user.h>
#include <kernel/vfs.h>
#include <kernel/wait.h>

#define SHMMNI 4096
#define SHMMIN 1
#define SHM_LIMIT (~0ul - (1ul << 24)) /* SHMMAX (bytes) and SHMALL (pages) */
#define SHM_SEQ_MULT 32768             /* IPCMNI: identifier = sequence * this + slot */
#define SHM_SEQ_MAX 65535

#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_INFO 3
#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_STAT 13
#define SHM_INFO 14
#define SHM_STAT_ANY 15
#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000
#define SHM_DEST 01000   /* in the mode: removed, going with the last detach */
#define SHM_LOCKED 02000 /* in the mode: SHM_LOCK */
#define RLIMIT_MEMLOCK 8

#ifdef ARCH_SHMLBA
#define SHMLBA ARCH_SHMLBA
#else
#define SHMLBA PAGE_SIZE
#endif

struct shm_seg {
    int32_t key;
    uint32_t uid, gid, cuid, cgid;
    uint32_t mode; /* the nine bits, SHM_DEST, SHM_LOCKED */
    uint16_t seq;
    int idx;
    uint64_t size;
    int64_t atime, dtime, ctime;
    int cpid, lpid;
    unsigned long nattch; /* regions mapping it */
    unsigned pending;     /* shmat() calls between their look-up and their mapping */
    struct file *file;    /* the memory (a reference) */
};

/* struct ipc64_perm and struct shmid64_ds as every 64-bit ABI here has
 * them (x86_64's own shmbuf.h and the generic one agree on 64 bits). */
struct ipc64_perm_u {
    int32_t key;
    uint32_t uid, gid, cuid, cgid, mode;
    uint16_t seq, pad2;
    uint32_t pad3;
    uint64_t unused1, unused2;
};
struct shmid64_ds_u {
    struct ipc64_perm_u perm;
    uint64_t segsz;
    int64_t atime, dtime, ctime;
    int32_t cpid, lpid;
    uint64_t nattch, unused4, unused5;
};
_Static_assert(sizeof(struct ipc64_perm_u) == 48, "struct ipc64_perm");
_Static_assert(sizeof(struct shmid64_ds_u) == 112, "struct shmid64_ds");

static struct mutex shm_lock = {WAITQUEUE_INIT(shm_lock.wq, "sysv shm"), NULL, 0};
static struct shm_seg **segs; /* SHMMNI slots (shm_lock), made with the first segment */
static unsigned nsegs;         /* slots in use */
static uint64_t tot_pages;     /* of every segment: SHMALL's count, SHM_INFO's shm_tot */
static uint16_t next_seq;

static int64_t now_s(void) { return (int64_t)(clock_wall_ns() / NSEC_PER_SEC); }
static struct shm_seg *slot(int i) { return segs ? segs[i] : NULL; }
static int my_pid(void)
{
    struct proc *p = proc_current();
    return p ? p->pid : 0;
}
static const struct cred *my_cred(void)
{
    struct proc *p = proc_current();
    return p ? &p->fs.cred : NULL;
}
static uint64_t pages_of(uint64_t size) { return (size + PAGE_SIZE - 1) / PAGE_SIZE; }

/* Linux's ipcperms(): every bit of @p flag's (rwx in any of its three
 * places) the caller's class of @p s grants. 0 or -EACCES. */
static int may(const struct shm_seg *s, unsigned flag)
{
    const struct cred *c = my_cred();
    if (!c || c->euid == 0)
        return 0;
    unsigned want = (flag >> 6 | flag >> 3 | flag) & 7, bits = s->mode;
    if (c->euid == s->cuid || c->euid == s->uid)
        bits >>= 6;
    else if (cred_in_group(c, s->cgid) || cred_in_group(c, s->gid))
        bits >>= 3;
    return want & ~bits & 7 ? -EACCES : 0;
}

/* The caller owns or made @p s, or is root (IPC_SET, IPC_RMID). */
static int owns(const struct shm_seg *s)
{
    const struct cred *c = my_cred();
    return !c || c->euid == 0 || c->euid == s->uid || c->euid == s->cuid;
}

/* The segment of identifier @p id, or NULL (shm_lock held). */
static struct shm_seg *by_id(int id)
{
    if (id < 0 || id % SHM_SEQ_MULT >= SHMMNI)
        return NULL;
    struct shm_seg *s = slot(id % SHM_SEQ_MULT);
    return s && s->seq == id / SHM_SEQ_MULT ? s : NULL;
}

static int id_of(const struct shm_seg *s) { return s->seq * SHM_SEQ_MULT + s->idx; }

/* The highest slot in use, or -1 (IPC_INFO and SHM_INFO answer it). */
static int max_idx(void)
{
    for (int i = SHMMNI - 1; i >= 0; i--)
        if (slot(i))
            return i;
    return -1;
}

/* Gone: off its slot, its memory let go (what is still mapped of it keeps
 * the file: none, as this comes with the last detach or none at all). */
static void destroy(struct shm_seg *s)
{
    segs[s->idx] = NULL;
    nsegs--;
    tot_pages -= pages_of(s->size);
    file_put(s->file);
    kfree(s);
}

static void destroy_if_done(struct shm_seg *s)
{
    if ((s->mode & SHM_DEST) && !s->nattch && !s->pending)
        destroy(s);
}

void shm_region_opened(struct shm_seg *seg)
{
    mutex_lock(&shm_lock);
    seg->nattch++;
    seg->atime = now_s();
    seg->lpid = my_pid();
    mutex_unlock(&shm_lock);
}

void shm_region_closed(struct shm_seg *seg)
{
    mutex_lock(&shm_lock);
    seg->nattch--;
    seg->dtime = now_s();
    seg->lpid = my_pid();
    destroy_if_done(seg);
    mutex_unlock(&shm_lock);
}

/* A new segment of @p size bytes for @p key (shm_lock held): its identifier or -errno. */
static long newseg(int32_t key, uint64_t size, unsigned flg)
{
    if (size < SHMMIN || size > SHM_LIMIT)
        return -EINVAL;
    uint64_t np = pages_of(size);
    if (tot_pages + np < tot_pages || tot_pages + np > SHM_LIMIT)
        return -ENOSPC;
    if (nsegs >= SHMMNI)
        return -ENOSPC;
    if (!segs && !(segs = kzalloc(SHMMNI * sizeof *segs)))
        return -ENOMEM;
    int idx = 0;
    while (segs[idx])
        idx++;
    struct shm_seg *s = kzalloc(sizeof *s);
    if (!s)
        return -ENOMEM;
    if (!(s->file = tmpfs_shmem_file(size))) {
        kfree(s);
        return -ENOMEM;
    }
    const struct cred *c = my_cred();
    s->key = key;
    s->uid = s->cuid = c ? c->euid : 0;
    s->gid = s->cgid = c ? c->egid : 0;
    s->mode = flg & 0777;
    s->seq = next_seq;
    next_seq = next_seq == SHM_SEQ_MAX ? 0 : next_seq + 1;
    s->idx = idx;
    s->size = size;
    s->ctime = now_s();
    s->cpid = my_pid();
    segs[idx] = s;
    nsegs++;
    tot_pages += np;
    return id_of(s);
}

/* shmget(key, size, shmflg): the segment of @p key, made with IPC_CREAT
 * (or always, IPC_PRIVATE); Linux's checks in its order: EEXIST, then a
 * size past the segment's (EINVAL), then the permissions asked (EACCES). */
static long sys_shmget(const uint64_t a[6])
{
    int32_t key = (int32_t)a[0];
    uint64_t size = a[1];
    unsigned flg = (unsigned)a[2];
    long r;
    mutex_lock(&shm_lock);
    struct shm_seg *s = NULL;
    if (key != IPC_PRIVATE)
        for (int i = 0; i < SHMMNI && !s; i++)
            if (slot(i) && segs[i]->key == key)
                s = segs[i];
    if (key == IPC_PRIVATE || (!s && (flg & IPC_CREAT)))
        r = newseg(key, size, flg);
    else if (!s)
        r = -ENOENT;
    else if ((flg & IPC_CREAT) && (flg & IPC_EXCL))
        r = -EEXIST;
    else if (size > s->size)
        r = -EINVAL;
    else
        r = may(s, flg & 0777) ? -EACCES : id_of(s);
    mutex_unlock(&shm_lock);
    return r;
}

/* Where an attachment of @p len bytes goes in @p p's space (its lock
 * held): *@p addr as asked (what is there unmapped with SHM_REMAP, else
 * EINVAL), or where the kernel finds room; 0 or -errno. */
static long place(struct proc *p, uintptr_t *addr, size_t len, unsigned prot, unsigned flg)
{
    uintptr_t a = *addr, top = hal_user_top();
    if ((prot & (MMU_WRITE | MMU_EXEC)) == (MMU_WRITE | MMU_EXEC))
        return -EACCES; /* W^X, as mmap() */
    if (a && !(flg & SHM_REMAP) && (a + len < a || uspace_overlaps(p->us, a, len)))
        return -EINVAL;
    if (a && (a + len < a || a + len > top))
        return -ENOMEM;
    uint64_t lim = p->rlim[9].cur; /* RLIMIT_AS: what SHM_REMAP replaces is not added */
    if (lim != RLIM_INFINITY && uspace_mapped(p->us, 0, top) - (a ? uspace_mapped(p->us, a, len) : 0) + len > lim)
        return -ENOMEM;
    if (a)
        return uspace_unmap(p->us, a, len);
    *addr = uspace_find_free(p->us, len, p->us->mmap_top);
    return *addr ? 0 : -ENOMEM;
}

/* shmat(shmid, addr, shmflg): the segment mapped where asked (addr, or
 * rounded down to SHMLBA with SHM_RND; nothing may be there unless
 * SHM_REMAP) or where the kernel finds room (addr 0); read-only with
 * SHM_RDONLY. Its address, or -errno. */
static long sys_shmat(const uint64_t a[6])
{
    int id = (int)a[0];
    uintptr_t addr = a[1];
    unsigned flg = (unsigned)a[2];
    if (id < 0)
        return -EINVAL;
    if (addr) {
        if (addr & (SHMLBA - 1)) {
            if (flg & SHM_RND) {
                addr &= ~(uintptr_t)(SHMLBA - 1);
                if (!addr && (flg & SHM_REMAP))
                    return -EINVAL;
            } else if (addr & (PAGE_SIZE - 1)) {
                return -EINVAL;
            }
        }
        if (!addr)
            return -EINVAL; /* rounded to page 0, which nothing maps here */
    } else if (flg & SHM_REMAP) {
        return -EINVAL;
    }
    unsigned acc = flg & SHM_RDONLY ? 0444 : 0666, prot = flg & SHM_RDONLY ? 0 : MMU_WRITE;
    if (flg & SHM_EXEC)
        acc |= 0111, prot |= MMU_EXEC;
    mutex_lock(&shm_lock);
    struct shm_seg *s = by_id(id);
    long e = !s ? -EINVAL : may(s, acc);
    if (!e)
        s->pending++; /* it stays till this call is done with it */
    mutex_unlock(&shm_lock);
    if (e)
        return e;
    size_t len = pages_of(s->size) * PAGE_SIZE;
    struct proc *p = proc_current();
    /* A file of its own, open for what the attachment may do: a read-only
     * one cannot be made writable by mprotect (EACCES, as Linux). */
    struct file *f = NULL;
    e = vfs_open_inode(s->file->inode, flg & SHM_RDONLY ? O_RDONLY : O_RDWR, &f);
    uspace_lock(p->us);
    if (!e)
        e = place(p, &addr, len, prot, flg);
    if (!e)
        e = uspace_map_shm(p->us, addr, len, prot, f, s);
    uspace_unlock(p->us);
    file_put(f); /* the region holds its own */
    mutex_lock(&shm_lock);
    s->pending--;
    destroy_if_done(s); /* removed meanwhile, and this mapping failed */
    mutex_unlock(&shm_lock);
    return e ? e : (long)addr;
}

/* shmdt(addr): the segment attached at @p addr detached, every region of
 * it that still lies where that attachment put it (a split one is several
 * regions); EINVAL if no attachment starts there. */
static long sys_shmdt(const uint64_t a[6])
{
    uintptr_t addr = a[0];
    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    struct uspace *us = proc_current()->us;
    long e = -EINVAL;
    uspace_lock(us);
    struct uregion *r = uspace_region_from(us, addr);
    while (r && !(r->shm && r->start >= addr && r->start - addr == r->off))
        r = uregion_next(r);
    if (r) {
        struct file *f = r->file;
        uint64_t size = pages_of(r->shm->size) * PAGE_SIZE; /* fixed for the segment's life */
        uintptr_t at = r->start;
        e = uspace_unmap(us, r->start, r->end - r->start);
        /* The rest of it: regions from there on while they end within the segment's size. */
        for (;;) {
            r = uspace_region_from(us, at); /* nothing spans at: it ended a region */
            if (!r || r->end - addr > size)
                break;
            at = r->end;
            if (r->shm && r->file == f && r->start - addr == r->off)
                uspace_unmap(us, r->start, r->end - r->start);
        }
    }
    uspace_unlock(us);
    return e;
}

/* The segment @p s as struct shmid64_ds. */
static void stat_of(const struct shm_seg *s, struct shmid64_ds_u *ds)
{
    memset(ds, 0, sizeof *ds);
    ds->perm = (struct ipc64_perm_u){.key = s->key, .uid = s->uid, .gid = s->gid, .cuid = s->cuid,
                                     .cgid = s->cgid, .mode = s->mode, .seq = s->seq};
    ds->segsz = s->size;
    ds->atime = s->atime, ds->dtime = s->dtime, ds->ctime = s->ctime;
    ds->cpid = s->cpid, ds->lpid = s->lpid;
    ds->nattch = s->nattch;
}

/* shmctl(shmid, cmd, buf): IPC_STAT, SHM_STAT, SHM_STAT_ANY (an index for
 * the identifier, which is the answer), IPC_SET (owner, group, the nine
 * bits), IPC_RMID, IPC_INFO and SHM_INFO (the highest index in use is the
 * answer), SHM_LOCK and SHM_UNLOCK. The 64-bit ABIs take no IPC_64 in the
 * command (EINVAL, as Linux). */
static long sys_shmctl(const uint64_t a[6])
{
    int id = (int)a[0], cmd = (int)a[1];
    void *buf = (void *)(uintptr_t)a[2];
    if (id < 0 || cmd < 0)
        return -EINVAL;
    struct shmid64_ds_u ds;
    if (cmd == IPC_SET && copy_from_user(&ds, buf, sizeof ds))
        return -EFAULT;
    long r = 0;
    mutex_lock(&shm_lock);
    struct shm_seg *s = NULL;
    switch (cmd) {
    case IPC_INFO: {
        uint64_t info[9] = {SHM_LIMIT, SHMMIN, SHMMNI, SHMMNI, SHM_LIMIT}; /* max, min, mni, seg, all */
        int m = max_idx();
        mutex_unlock(&shm_lock);
        return copy_to_user(buf, info, sizeof info) ? -EFAULT : m < 0 ? 0 : m;
    }
    case SHM_INFO: {
        struct {
            int32_t used_ids, pad;
            uint64_t tot, rss, swp, swap_attempts, swap_successes;
        } info = {(int32_t)nsegs, 0, tot_pages, 0, 0, 0, 0};
        for (int i = 0; i < SHMMNI; i++)
            if (slot(i))
                info.rss += vfs_blocks(segs[i]->file->inode) / (PAGE_SIZE / 512);
        int m = max_idx();
        mutex_unlock(&shm_lock);
        return copy_to_user(buf, &info, sizeof info) ? -EFAULT : m < 0 ? 0 : m;
    }
    case SHM_STAT:
    case SHM_STAT_ANY:
        s = id < SHMMNI ? slot(id) : NULL;
        break;
    default:
        s = by_id(id);
        break;
    }
    if (!s) {
        mutex_unlock(&shm_lock);
        return -EINVAL;
    }
    const struct cred *c = my_cred();
    switch (cmd) {
    case IPC_STAT:
    case SHM_STAT:
    case SHM_STAT_ANY:
        if (cmd != SHM_STAT_ANY && may(s, 0444)) {
            r = -EACCES;
            break;
        }
        stat_of(s, &ds);
        r = cmd == IPC_STAT ? 0 : id_of(s);
        mutex_unlock(&shm_lock);
        return copy_to_user(buf, &ds, sizeof ds) ? -EFAULT : r;
    case IPC_SET:
        if (!owns(s))
            r = -EPERM;
        else if (ds.perm.uid == ~0u || ds.perm.gid == ~0u)
            r = -EINVAL; /* no such id */
        else {
            s->uid = ds.perm.uid, s->gid = ds.perm.gid;
            s->mode = (s->mode & ~0777u) | (ds.perm.mode & 0777);
            s->ctime = now_s();
        }
        break;
    case IPC_RMID:
        if (!owns(s)) {
            r = -EPERM;
        } else {
            s->mode |= SHM_DEST;
            s->key = IPC_PRIVATE; /* no shmget() finds it now */
            destroy_if_done(s);
        }
        break;
    case SHM_LOCK:
    case SHM_UNLOCK:
        if (c && c->euid != 0 && c->euid != s->uid && c->euid != s->cuid)
            r = -EPERM;
        else if (cmd == SHM_LOCK && c && c->euid != 0 && !proc_current()->rlim[RLIMIT_MEMLOCK].cur)
            r = -EPERM;
        else if (cmd == SHM_LOCK && c && c->euid != 0 && s->size > proc_current()->rlim[RLIMIT_MEMLOCK].cur)
            r = -ENOMEM;
        else if (cmd == SHM_LOCK)
            s->mode |= SHM_LOCKED;
        else
            s->mode &= ~(uint32_t)SHM_LOCKED;
        break;
    default:
        r = -EINVAL;
        break;
    }
    mutex_unlock(&shm_lock);
    return r;
}

const struct sysent sys_shm_table[] = {SYSENT(shmget), SYSENT(shmat), SYSENT(shmdt), SYSENT(shmctl)};
const unsigned sys_shm_count = sizeof sys_shm_table / sizeof sys_shm_table[0];
