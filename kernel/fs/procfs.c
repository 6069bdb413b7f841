/**
 * @file procfs.c
 * @brief /proc: the processes and the kernel's state as files, in the
 *        format Linux gives them (what busybox's ps, free, uptime and mount
 *        read).
 *
 * Nothing is stored: a lookup makes a fresh inode for the name (freed when
 * its last reference goes), and a read writes the file's text anew and
 * hands out the part at the offset. Inode numbers are fixed by what a node
 * is (a process's directory keeps its number), so `ls -i` and `find` see a
 * stable tree. The names:
 *
 *     /proc/self              a symlink to the caller's pid
 *     /proc/meminfo, uptime, mounts, version
 *     /proc/<pid>/            stat, cmdline, comm, status, exe (a symlink)
 *     /proc/<pid>/maps        its memory map, in Linux's format (as it was
 *                             when looked up: opened)
 *     /proc/<pid>/cwd         its working directory (a magic link)
 *     /proc/<pid>/fd/<n>      each open descriptor (magic links)
 *     /proc/sys/kernel/randomize_va_space
 *                             0, 1 or 2; root may write it (execve's ASLR)
 *     /proc/sys/kernel/threads-max
 *                             processes alive at once, at most; root may
 *                             set it within the kernel's bounds
 *     /proc/sys/kernel/dmesg_restrict
 *                             1 or 0; root may write it (who reads the
 *                             kernel log, syslog(2))
 *     /proc/net/dev, route, if_inet6
 *                             the interfaces' counters, the routes, the
 *                             IPv6 addresses (busybox's ifconfig and route
 *                             read them), written by the network layer
 *                             above (procfs_set_net())
 *
 * A magic link's readlink text names what it stands for (a path, with
 * " (deleted)" once the file has no name; "pipe:[INO]"), but a walk
 * through it reaches the inode itself (inode_ops.follow), as on Linux:
 * opening /proc/self/fd/N opens the same file anew, even one removed, or
 * the same pipe. /dev/fd is a symlink to /proc/self/fd on Linux, so the
 * same holds there once /dev has it.
 */
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/pcache.h>
#include <kernel/pmm.h>
#include <kernel/printf.h>
#include <kernel/task.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/string.h>
#include <kernel/vfs.h>
#include <kernel/vmalloc.h>

enum pkind { P_ROOT, P_SELF, P_MEMINFO, P_UPTIME, P_MOUNTS, P_VERSION, P_PID, P_STAT, P_CMDLINE,
             P_COMM, P_STATUS, P_EXE, P_CWD, P_FD, P_FDLINK, P_SYS, P_SYSKERNEL, P_RANDVA, P_MAPS,
             P_NET, P_NETDEV, P_NETROUTE, P_NETIF6, P_THREADSMAX, P_DMESGR, P_MOUNTINFO };

struct pnode {
    enum pkind kind;
    int pid;
    int fd;           /* a P_FDLINK's */
    char target[256]; /* a symlink's */
    char *text;       /* a P_MAPS's, made at its lookup (which names files: the namespace lock held) */
    long len;         /* its length, or -errno */
};

#define MAPS_MAX (128u * 1024) /* bytes of /proc/<pid>/maps, whole lines */

static const struct {
    const char *name;
    enum pkind kind;
} top_names[] = {{"self", P_SELF}, {"meminfo", P_MEMINFO}, {"uptime", P_UPTIME},
                 {"mounts", P_MOUNTS}, {"version", P_VERSION}, {"sys", P_SYS},
                 {"net", P_NET}},
  pid_names[] = {{"stat", P_STAT}, {"cmdline", P_CMDLINE}, {"comm", P_COMM},
                 {"status", P_STATUS}, {"exe", P_EXE}, {"cwd", P_CWD}, {"fd", P_FD},
                 {"maps", P_MAPS}, {"mounts", P_MOUNTS}, {"mountinfo", P_MOUNTINFO}};
#define NTOP (sizeof top_names / sizeof top_names[0])
#define NPID (sizeof pid_names / sizeof pid_names[0])
#define PID_POS 100 /* readdir positions of pids: PID_POS + pid */

int proc_randomize_va_space = 2;
int proc_dmesg_restrict = 1;

static const struct inode_ops proc_iops;
static const struct file_ops proc_file_ops;
static const struct file_ops proc_dir_ops = {0};
static unsigned proc_dev;
static struct inode *proc_root;

/* The files root may write (p_write()). */
static int is_setting(enum pkind k) { return k == P_RANDVA || k == P_THREADSMAX || k == P_DMESGR; }
static int is_link(enum pkind k) { return k == P_SELF || k == P_EXE || k == P_CWD || k == P_FDLINK; }
static int is_dir(enum pkind k)
{
    return k == P_ROOT || k == P_PID || k == P_FD || k == P_SYS || k == P_SYSKERNEL || k == P_NET;
}

/* /proc/net's files, and who writes them (the network layer, above). */
static const struct {
    const char *name;
    enum pkind kind;
} net_names[] = {{"dev", P_NETDEV}, {"route", P_NETROUTE}, {"if_inet6", P_NETIF6}};
#define NNET (sizeof net_names / sizeof net_names[0])
static procfs_net_fn net_fn;

void procfs_set_net(procfs_net_fn fn) { net_fn = fn; }

/* Who knows the controlling terminals (the terminal layer, above). */
static procfs_ctty_fn ctty_fn;

void procfs_set_ctty(procfs_ctty_fn fn) { __atomic_store_n(&ctty_fn, fn, __ATOMIC_RELEASE); }

/* /proc/sys's directories' names: the @p i th in @p dir, or NULL past the last. */
static const struct {
    const char *name;
    enum pkind kind;
} sys_names[] = {{"kernel", P_SYSKERNEL}}, sys_kernel_names[] = {{"randomize_va_space", P_RANDVA},
                                                                 {"threads-max", P_THREADSMAX},
                                                                 {"dmesg_restrict", P_DMESGR}};

static const char *sys_child(enum pkind dir, unsigned i, enum pkind *kind)
{
    unsigned n = dir == P_SYS ? sizeof sys_names / sizeof sys_names[0]
                              : sizeof sys_kernel_names / sizeof sys_kernel_names[0];
    if (i >= n)
        return NULL;
    *kind = dir == P_SYS ? sys_names[i].kind : sys_kernel_names[i].kind;
    return dir == P_SYS ? sys_names[i].name : sys_kernel_names[i].name;
}

/* The inode number of what @p kind names in process @p pid (@p fd: a descriptor's). */
static uint64_t ino_of(enum pkind kind, int pid, int fd)
{
    if (kind == P_FDLINK)
        return (2ull << 40) | ((uint64_t)pid << 12) | (uint64_t)fd; /* FD_MAX is 1024 */
    return ((uint64_t)pid << 8) | (uint64_t)kind | (1ull << 40);
}

static struct inode *make_fd(enum pkind kind, int pid, int fd);
static struct inode *make(enum pkind kind, int pid) { return make_fd(kind, pid, 0); }

static struct inode *make_fd(enum pkind kind, int pid, int fd)
{
    int dir = is_dir(kind), link = is_link(kind);
    uint32_t mode = dir ? S_IFDIR | 0555 : kind == P_FDLINK ? S_IFLNK | 0700 : link ? S_IFLNK | 0777
                  : is_setting(kind) ? S_IFREG | 0644 : S_IFREG | 0444;
    struct inode *ino = inode_alloc(proc_dev, &proc_iops, mode);
    struct pnode *pn = ino ? kzalloc(sizeof *pn) : NULL;
    if (!pn) {
        inode_put(ino);
        return NULL;
    }
    pn->kind = kind;
    pn->pid = pid;
    pn->fd = fd;
    ino->priv = pn;
    ino->ino = ino_of(kind, pid, fd);
    ino->fops = dir ? &proc_dir_ops : link ? NULL : &proc_file_ops;
    ino->nlink = dir ? 2 : 1;
    ino->parent = kind == P_PID || kind == P_SYS || kind == P_NET ? proc_root : kind == P_FD ? make(P_PID, pid)
                : kind == P_SYSKERNEL ? make(P_SYS, 0) : NULL; /* P_FD's, P_SYSKERNEL's: its own */
    if (kind == P_SELF) {
        struct task_ids me;
        task_ids(&me);
        ksnprintf(pn->target, sizeof pn->target, "%d", me.pid);
    } else if (kind == P_EXE) {
        struct proc_info pi;
        if (task_proc_info(pid, &pi) == 0)
            strlcpy(pn->target, pi.exe, sizeof pn->target);
    } else if (kind == P_CWD) {
        struct inode *cwd = task_cwd_of(pid);
        if (!cwd || vfs_dir_path_locked(cwd, pn->target, sizeof pn->target) < 0)
            pn->target[0] = 0;
        inode_put(cwd);
    } else if (kind == P_MAPS) {
        pn->text = vmalloc(MAPS_MAX);
        pn->len = pn->text ? task_maps_of(pid, pn->text, MAPS_MAX) : -ENOMEM;
    } else if (kind == P_FDLINK) {
        struct file *f = task_file_of(pid, fd);
        if (!f || vfs_file_link_text(f, pn->target, sizeof pn->target) < 0)
            pn->target[0] = 0;
        file_put(f);
    }
    ino->size = link ? strlen(pn->target) : 0;
    ino->transient = 1; /* made for this lookup: the last reference frees it */
    return ino;
}

static int p_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
    struct pnode *pn = dir->priv;
    if (pn->kind == P_ROOT) {
        for (unsigned i = 0; i < NTOP; i++)
            if (strlen(top_names[i].name) == len && memcmp(top_names[i].name, name, len) == 0) {
                *out = make(top_names[i].kind, 0);
                return *out ? 0 : -ENOMEM;
            }
        int pid = 0;
        for (size_t i = 0; i < len; i++) {
            if (name[i] < '0' || name[i] > '9' || pid > 100000000)
                return -ENOENT;
            pid = pid * 10 + (name[i] - '0');
        }
        if (!pid || task_proc_state(pid) < 0)
            return -ENOENT;
        *out = make(P_PID, pid);
        return *out ? 0 : -ENOMEM;
    }
    if (pn->kind == P_NET) {
        for (unsigned i = 0; i < NNET; i++)
            if (strlen(net_names[i].name) == len && memcmp(net_names[i].name, name, len) == 0) {
                *out = make(net_names[i].kind, 0);
                return *out ? 0 : -ENOMEM;
            }
        return -ENOENT;
    }
    if (pn->kind == P_SYS || pn->kind == P_SYSKERNEL) {
        enum pkind k;
        const char *n;
        for (unsigned i = 0; (n = sys_child(pn->kind, i, &k)) != NULL; i++)
            if (strlen(n) == len && memcmp(n, name, len) == 0) {
                *out = make(k, 0);
                return *out ? 0 : -ENOMEM;
            }
        return -ENOENT;
    }
    if (task_proc_state(pn->pid) < 0)
        return -ENOENT; /* the process went */
    if (pn->kind == P_FD) {
        int fd = 0;
        for (size_t i = 0; i < len; i++) {
            if (name[i] < '0' || name[i] > '9' || fd > 100000 || (i == 0 && name[i] == '0' && len > 1))
                return -ENOENT;
            fd = fd * 10 + (name[i] - '0');
        }
        struct file *f = len ? task_file_of(pn->pid, fd) : NULL;
        if (!f)
            return -ENOENT;
        file_put(f);
        *out = make_fd(P_FDLINK, pn->pid, fd);
        return *out ? 0 : -ENOMEM;
    }
    for (unsigned i = 0; i < NPID; i++)
        if (strlen(pid_names[i].name) == len && memcmp(pid_names[i].name, name, len) == 0) {
            *out = make(pid_names[i].kind, pn->pid);
            return *out ? 0 : -ENOMEM;
        }
    return -ENOENT;
}

static int p_readdir(struct inode *dir, uint64_t pos, struct vfs_dirent *out)
{
    struct pnode *pn = dir->priv;
    static char numbers[8][12]; /* the pid names handed out; valid under the namespace lock */
    static unsigned turn;
    if (pn->kind == P_PID) {
        if (pos - 2 >= NPID)
            return 0;
        unsigned i = (unsigned)(pos - 2);
        enum pkind k = pid_names[i].kind;
        *out = (struct vfs_dirent){ino_of(k, pn->pid, 0), pos + 1,
                                   is_link(k) ? S_IFLNK >> 12 : k == P_FD ? S_IFDIR >> 12 : S_IFREG >> 12,
                                   pid_names[i].name, strlen(pid_names[i].name)};
        return 1;
    }
    if (pn->kind == P_NET) {
        if (pos - 2 >= NNET)
            return 0;
        unsigned i = (unsigned)(pos - 2);
        *out = (struct vfs_dirent){ino_of(net_names[i].kind, 0, 0), pos + 1, S_IFREG >> 12, net_names[i].name,
                                   strlen(net_names[i].name)};
        return 1;
    }
    if (pn->kind == P_SYS || pn->kind == P_SYSKERNEL) {
        enum pkind k;
        const char *n = pos >= 2 ? sys_child(pn->kind, (unsigned)(pos - 2), &k) : NULL;
        if (!n)
            return 0;
        *out = (struct vfs_dirent){ino_of(k, 0, 0), pos + 1, is_dir(k) ? S_IFDIR >> 12 : S_IFREG >> 12, n,
                                   strlen(n)};
        return 1;
    }
    if (pn->kind == P_FD) { /* position 2 + fd */
        int fd = task_next_fd(pn->pid, (int)(pos - 2));
        if (fd < 0)
            return 0;
        char *num = numbers[turn++ % 8];
        int len = ksnprintf(num, 12, "%d", fd);
        *out = (struct vfs_dirent){ino_of(P_FDLINK, pn->pid, fd), 2 + (uint64_t)fd + 1, S_IFLNK >> 12, num,
                                   (size_t)len};
        return 1;
    }
    if (pos - 2 < NTOP) {
        unsigned i = (unsigned)(pos - 2);
        enum pkind k = top_names[i].kind;
        *out = (struct vfs_dirent){(uint64_t)k | (1ull << 40), pos + 1,
                                   k == P_SELF ? S_IFLNK >> 12 : is_dir(k) ? S_IFDIR >> 12 : S_IFREG >> 12,
                                   top_names[i].name,
                                   strlen(top_names[i].name)};
        return 1;
    }
    int from = pos < PID_POS ? 1 : (int)(pos - PID_POS);
    int pid = task_next_pid(from);
    if (!pid)
        return 0;
    char *num = numbers[turn++ % 8];
    int len = ksnprintf(num, 12, "%d", pid);
    *out = (struct vfs_dirent){((uint64_t)pid << 8) | P_PID | (1ull << 40), PID_POS + (uint64_t)pid + 1,
                               S_IFDIR >> 12, num, (size_t)len};
    return 1;
}

static const char *p_readlink(struct inode *ino) { return ((struct pnode *)ino->priv)->target; }

/* A magic link's inode: the descriptor's file's, the working directory. */
static struct inode *p_follow(struct inode *ino)
{
    struct pnode *pn = ino->priv;
    if (pn->kind == P_CWD)
        return task_cwd_of(pn->pid);
    if (pn->kind != P_FDLINK)
        return NULL; /* self, exe: their text */
    struct file *f = task_file_of(pn->pid, pn->fd);
    struct inode *to = f ? inode_get(f->inode) : NULL;
    file_put(f);
    return to;
}

static void p_evict(struct inode *ino)
{
    struct pnode *pn = ino->priv;
    if (pn && (pn->kind == P_FD || pn->kind == P_SYSKERNEL))
        inode_put(ino->parent);
    if (pn)
        vfree(pn->text);
    kfree(pn);
}

/* The file's text into @p buf (@p size bytes); its length, or -errno. */
static long render(const struct pnode *pn, char *buf, size_t size)
{
    struct proc_info pi;
    if (pn->pid && task_proc_info(pn->pid, &pi))
        return -ESRCH;
    uint64_t now = hal_time_ns();
    switch (pn->kind) {
    case P_MEMINFO: {
        struct pmm_stats st;
        struct pcache_stats pc;
        pmm_stats(&st);
        pcache_stats(&pc);
        /* Cached: tmpfs files and the page cache; the page cache's clean
         * pages can be evicted, so they count as available. */
        uint64_t total = st.managed_pages * 4, free = st.free_pages * 4, shmem = tmpfs_pages() * 4;
        uint64_t cached = pc.pages * 4, dirty = pc.dirty * 4;
        return ksnprintf(buf, size,
                         "MemTotal:       %8llu kB\nMemFree:        %8llu kB\nMemAvailable:   %8llu kB\n"
                         "Buffers:        %8llu kB\nCached:         %8llu kB\nSwapCached:     %8llu kB\n"
                         "SwapTotal:      %8llu kB\nSwapFree:       %8llu kB\nDirty:          %8llu kB\n"
                         "Shmem:          %8llu kB\n",
                         (unsigned long long)total, (unsigned long long)free,
                         (unsigned long long)(free + cached - dirty), 0ull, (unsigned long long)(shmem + cached),
                         0ull, 0ull, 0ull, (unsigned long long)dirty, (unsigned long long)shmem);
    }
    case P_UPTIME: {
        /* Seconds up, and seconds the CPUs spent idle (summed, as Linux
         * does: with two CPUs it may exceed the first). */
        uint64_t idle = 0;
        struct sched_cpu_info si;
        for (unsigned i = 0; i < smp_cpu_slots(); i++)
            if (sched_cpu_info(i, &si) == 0) /* a CPU that runs threads */
                idle += si.idle_ns;
        return ksnprintf(buf, size, "%llu.%02llu %llu.%02llu\n", (unsigned long long)(now / 1000000000u),
                         (unsigned long long)(now / 10000000u % 100),
                         (unsigned long long)(idle / 1000000000u),
                         (unsigned long long)(idle / 10000000u % 100));
    }
    case P_MOUNTS:
        return vfs_mounts_text(buf, size);
    case P_MOUNTINFO:
        return vfs_mountinfo_text(buf, size);
    case P_VERSION:
        return ksnprintf(buf, size, "Linux version 6.1.0-kernel-%s (this kernel, offering the Linux ABI)\n",
                         KERNEL_VERSION);
    case P_STAT: {
        /* Linux's field order (proc(5)); times in clock ticks of 100 Hz. */
        unsigned long long ticks = pi.cpu_ns / 10000000u, start = pi.start_ns / 10000000u;
        /* tty_nr and tpgid: the session's controlling terminal and its
         * foreground group, as Linux's (ps's TTY column). */
        int tpgid = -1;
        procfs_ctty_fn cf = __atomic_load_n(&ctty_fn, __ATOMIC_ACQUIRE);
        unsigned tty_nr = cf ? cf(pi.sid, &tpgid) : 0;
        return ksnprintf(buf, size,
                         "%d (%s) %c %d %d %d %u %d 0 0 0 0 0 %llu 0 0 0 20 0 %u 0 %llu %llu %llu "
                         "0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
                         pi.pid, pi.name, pi.state, pi.ppid, pi.pgid, pi.sid, tty_nr, tpgid, ticks, pi.threads,
                         start,
                         (unsigned long long)pi.mem_bytes, (unsigned long long)(pi.mem_bytes / 4096));
    }
    case P_CMDLINE:
        if (pi.cmdline_len > size)
            pi.cmdline_len = size;
        memcpy(buf, pi.cmdline, pi.cmdline_len);
        return (long)pi.cmdline_len;
    case P_COMM:
        return ksnprintf(buf, size, "%s\n", pi.name);
    case P_NETDEV:
    case P_NETROUTE:
    case P_NETIF6: {
        procfs_net_fn fn = __atomic_load_n(&net_fn, __ATOMIC_ACQUIRE);
        for (unsigned i = 0; fn && i < NNET; i++)
            if (net_names[i].kind == pn->kind)
                return fn(net_names[i].name, buf, size);
        return -ENOENT;
    }
    case P_RANDVA:
        return ksnprintf(buf, size, "%d\n", __atomic_load_n(&proc_randomize_va_space, __ATOMIC_RELAXED));
    case P_THREADSMAX:
        return ksnprintf(buf, size, "%u\n", task_threads_max());
    case P_DMESGR:
        return ksnprintf(buf, size, "%d\n", __atomic_load_n(&proc_dmesg_restrict, __ATOMIC_RELAXED));
    case P_STATUS:
        return ksnprintf(buf, size,
                         "Name:\t%s\nState:\t%c\nTgid:\t%d\nPid:\t%d\nPPid:\t%d\nUid:\t0\t0\t0\t0\n"
                         "Gid:\t0\t0\t0\t0\nVmLck:\t%llu kB\nVmRSS:\t%llu kB\nThreads:\t%u\n",
                         pi.name, pi.state, pi.pid, pi.pid, pi.ppid, (unsigned long long)(pi.locked_bytes / 1024),
                         (unsigned long long)(pi.mem_bytes / 1024), pi.threads);
    default:
        return -EINVAL;
    }
}

#define RENDER_MAX 4096

static long p_read(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    const struct pnode *pn = f->inode->priv;
    if (pn->kind == P_MAPS) {
        if (pn->len < 0)
            return pn->len;
        if (*pos >= (uint64_t)pn->len)
            return 0;
        size_t c = (size_t)pn->len - *pos < n ? (size_t)pn->len - *pos : n;
        if (iobuf_put(b, 0, pn->text + *pos, c))
            return -EFAULT;
        *pos += c;
        return (long)c;
    }
    char *buf = kmalloc(RENDER_MAX);
    if (!buf)
        return -ENOMEM;
    long len = render(f->inode->priv, buf, RENDER_MAX);
    if (len > RENDER_MAX)
        len = RENDER_MAX;
    long r = len;
    if (len >= 0) {
        if (*pos >= (uint64_t)len)
            r = 0;
        else {
            size_t c = (size_t)len - *pos < n ? (size_t)len - *pos : n;
            r = iobuf_put(b, 0, buf + *pos, c) ? -EFAULT : (long)c;
            if (r > 0)
                *pos += (uint64_t)r;
        }
    }
    kfree(buf);
    return r;
}

static void proc_statfs(struct inode *ino, struct vfs_statfs *st)
{
    (void)ino;
    st->type = 0x9fa0; /* PROC_SUPER_MAGIC; no blocks, no inodes to count */
}

static const struct super_ops proc_super = {.statfs = proc_statfs};

/* A shell's `echo 0 > setting` opens with O_TRUNC: a setting has nothing
 * to cut, and the write that follows says all (Linux's /proc/sys ignores
 * the truncate too). */
static int p_truncate(struct inode *ino, uint64_t size)
{
    (void)size;
    return is_setting(((struct pnode *)ino->priv)->kind) ? 0 : -EINVAL;
}

static const struct inode_ops proc_iops = {
    .super = &proc_super,
    .truncate = p_truncate,
    .lookup = p_lookup,
    .readdir = p_readdir,
    .readlink = p_readlink,
    .follow = p_follow,
    .evict = p_evict,
};

/* A write to a setting (randomize_va_space, threads-max, dmesg_restrict,
 * the writable files; their mode lets only root open them for writing): a
 * decimal number as Linux takes it (blanks before, a newline or blanks
 * after), randomize_va_space 0 to 2, threads-max within the kernel's
 * bounds, dmesg_restrict 0 or 1, else EINVAL. */
static long p_write(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    struct pnode *pn = f->inode->priv;
    char text[24];
    if (!is_setting(pn->kind))
        return -EINVAL;
    size_t c = n < sizeof text - 1 ? n : sizeof text - 1;
    if (iobuf_get(text, b, 0, c))
        return -EFAULT;
    text[c] = 0;
    size_t i = 0;
    while (text[i] == ' ' || text[i] == '\t')
        i++;
    int neg = text[i] == '-';
    i += (size_t)neg;
    if (text[i] < '0' || text[i] > '9')
        return -EINVAL;
    long v = 0;
    for (; text[i] >= '0' && text[i] <= '9'; i++)
        v = v > 100000000 ? v : v * 10 + (text[i] - '0'); /* stays out of range, no overflow */
    v = neg ? -v : v;
    while (text[i] == ' ' || text[i] == '\n' || text[i] == '\t')
        i++;
    if (text[i] || n > c)
        return -EINVAL;
    if (pn->kind == P_THREADSMAX) {
        int e = task_set_threads_max(v);
        if (e)
            return e;
    } else {
        int *setting = pn->kind == P_DMESGR ? &proc_dmesg_restrict : &proc_randomize_va_space;
        if (v < 0 || v > (pn->kind == P_DMESGR ? 1 : 2))
            return -EINVAL;
        __atomic_store_n(setting, (int)v, __ATOMIC_RELAXED);
    }
    *pos += n;
    return (long)n;
}

static const struct file_ops proc_file_ops = {.read = p_read, .write = p_write, .seekable = 1};

struct inode *procfs_new_root(void)
{
    if (proc_root)
        return proc_root;
    proc_dev = vfs_new_dev();
    struct inode *r = make(P_ROOT, 0);
    if (!r)
        return NULL;
    r->transient = 0; /* kept for ever */
    r->parent = r;
    proc_root = r;
    return r;
}
