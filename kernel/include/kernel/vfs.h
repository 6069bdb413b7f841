/**
 * @file kernel/vfs.h
 * @brief The virtual file system: inodes, path lookup, open files and the
 *        per-process file-descriptor table, with Linux's semantics.
 *
 * The pieces:
 * - An **inode** is a file of any type (regular, directory, symlink,
 *   character device, pipe). Its file system gives it `inode_ops` (the
 *   namespace: lookup, create, unlink, ...) and the `file_ops` an open
 *   file of it uses. It lives while it has a name (`nlink`) or a
 *   reference (`refs`: an open file, a cwd, a lookup in progress): the
 *   last of the two to go frees it, so a file unlinked while open is
 *   still read and written until it is closed.
 * - **Path lookup** walks components from the root or a directory, follows
 *   symlinks (40 in all at most: ELOOP), handles `.` and `..` (never above
 *   the root) and crosses mount points (vfs_mount()).
 * - An open **file** has its offset and flags and is shared by the
 *   descriptors dup() and fork() make of it.
 * - A process's **fd table** maps numbers to files, with close-on-exec.
 *
 * Locking: one mutex, the namespace lock, guards every directory, name and
 * link count (lookup, create, unlink, rename, link, readdir): simple and
 * enough at this size. A regular file's data has its inode's own mutex;
 * pipes and devices lock themselves. All of it is thread context.
 *
 * The root is a tmpfs (kernel/fs/tmpfs.c) filled from the initrd at boot
 * (vfs_init()), with /dev (kernel/fs/devfs.c) and /tmp.
 */
#ifndef KERNEL_VFS_H
#define KERNEL_VFS_H

#include <kernel/wait.h>
#include <stddef.h>
#include <stdint.h>

/** @name st_mode type bits (Linux's) */
/** @{ */
#define S_IFMT 0170000   /**< the type bits */
#define S_IFSOCK 0140000 /**< socket */
#define S_IFLNK 0120000  /**< symbolic link */
#define S_IFREG 0100000  /**< regular file */
#define S_IFBLK 0060000  /**< block device */
#define S_IFDIR 0040000  /**< directory */
#define S_IFCHR 0020000  /**< character device */
#define S_IFIFO 0010000  /**< pipe */
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)  /**< a directory */
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)  /**< a regular file */
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)  /**< a symlink */
#define S_ISUID 04000 /**< set-user-ID on execution */
#define S_ISGID 02000 /**< set-group-ID on execution; a directory's: new names take its group */
#define S_ISVTX 01000 /**< sticky: a directory's names are removed by their owners alone */
/** @} */

/** @name vfs_may() masks: the rwx bits asked for */
/** @{ */
#define MAY_EXEC 1  /**< run a file, search a directory */
#define MAY_WRITE 2 /**< write */
#define MAY_READ 4  /**< read */
/** @} */

/** @name open() flags (Linux's generic values; every arch here uses them) */
/** @{ */
#define O_ACCMODE 00000003 /**< the access mode bits */
#define O_RDONLY 00000000 /**< read only */
#define O_WRONLY 00000001 /**< write only */
#define O_RDWR 00000002 /**< read and write */
#define O_CREAT 00000100 /**< create if missing */
#define O_EXCL 00000200 /**< with O_CREAT: fail if it exists */
#define O_NOCTTY 00000400 /**< ignored (no controlling terminals yet) */
#define O_TRUNC 00001000 /**< empty a regular file */
#define O_APPEND 00002000 /**< every write at the end */
#define O_NONBLOCK 00004000 /**< EAGAIN instead of waiting */
#define O_DSYNC 00010000 /**< ignored (tmpfs has nothing to write back) */
#define O_LARGEFILE_X86 00100000 /**< x86_64's O_LARGEFILE: ignored (always large) */
#define O_CLOEXEC 02000000 /**< close on execve */
#define O_PATH 010000000 /**< a descriptor that only names the file */
/* O_DIRECTORY and O_NOFOLLOW differ between arches (arm64 moved them): the
 * system-call layer turns the arch's (ARCH_O_DIRECTORY, ARCH_O_NOFOLLOW in
 * <arch/user_abi.h>) into these, which no arch uses. */
#define O_DIRECTORY (1u << 30) /**< fail unless a directory */
#define O_NOFOLLOW (1u << 29)  /**< fail on a final symlink (ELOOP) */
/** @brief The kernel's own, never a program's: execve's open of a program or
 *  its interpreter, which asks for execute rights on a regular file (else
 *  EACCES) rather than read rights, and keeps the path for
 *  /proc/PID/maps. */
#define O_FOR_EXEC (1u << 28)
/** @} */

#define VFS_PATH_MAX 4096 /**< bytes of a path, NUL included (PATH_MAX) */
#define VFS_NAME_MAX 255  /**< bytes of one component (NAME_MAX) */

struct inode;
struct file;
struct pipe;
struct wait_set;

/** @brief A buffer in user or kernel memory (vfs_read() from the kernel, read() from a program). */
struct iobuf {
    uintptr_t addr; /**< where */
    int user;       /**< 1: a user address (copy_*_user), 0: kernel memory */
};

/** @brief Copy @p n bytes to @p b at offset @p off; 0 or -EFAULT. */
int iobuf_put(const struct iobuf *b, size_t off, const void *src, size_t n);
/** @brief Make bytes [@p off, @p off + @p n) of @p b ready for
 *         iobuf_put_prepared() (user memory checked and mapped); 0 or -EFAULT. */
int iobuf_prepare(const struct iobuf *b, size_t off, size_t n);
/** @brief iobuf_put() into a part of @p b that iobuf_prepare() made ready
 *         in this call (a read() copying page after page). */
int iobuf_put_prepared(const struct iobuf *b, size_t off, const void *src, size_t n);
/** @brief Copy @p n bytes from @p b at offset @p off; 0 or -EFAULT. */
int iobuf_get(void *dst, const struct iobuf *b, size_t off, size_t n);

/** @name poll() events (Linux's) */
/** @{ */
#define POLLIN 0x001 /**< data to read */
#define POLLPRI 0x002 /**< urgent data */
#define POLLOUT 0x004 /**< room to write */
#define POLLERR 0x008 /**< an error (a pipe with no reader) */
#define POLLHUP 0x010 /**< hung up (a pipe with no writer) */
#define POLLNVAL 0x020 /**< not an open descriptor */
#define POLLRDNORM 0x040 /**< as POLLIN */
#define POLLWRNORM 0x100 /**< as POLLOUT */
/** @} */

/** @brief What an open file does; a NULL entry: the call fails (EINVAL, or as noted). */
struct file_ops {
    /** Read up to @p n bytes at *@p pos into @p b; bytes read, 0 at the end, -errno. */
    long (*read)(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos);
    /** Write @p n bytes from @p b at *@p pos; bytes written, -errno. */
    long (*write)(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos);
    /** POLL* ready now; with @p ws, also wait_set_add() the queues a change wakes. */
    unsigned (*poll)(struct file *f, struct wait_set *ws);
    /** ioctl(): -ENOTTY if not handled. */
    long (*ioctl)(struct file *f, unsigned cmd, uintptr_t arg);
    /** The last descriptor of the file closed. */
    void (*release)(struct file *f);
    /** Optional: the file @p f was just opened with @p flags (open()'s);
     *  0, or an error that refuses the open (nothing to release then). */
    int (*open)(struct file *f, unsigned flags);
    /** Optional: page @p index of the file (inside its size) as a frame the
     *  file keeps (kernel/file_page.h), with a reference for the caller, for
     *  a private mapping to share until it writes; -ENOENT: a hole, -EIO:
     *  past the end, -ENOMEM. Called without the inode's lock (from a page
     *  fault, which may come from a read() of this same file). */
    int (*page)(struct file *f, uint64_t index, uint64_t *pa);
    /** Optional: of the @p n pages from @p index, those the file has in
     *  memory now, as @c page would give them (each with a reference for the
     *  caller in @p pa[i], 0 for the others, none past the end), without
     *  reading or waiting: a page fault maps them beside the page it faulted
     *  on (fault-around). How many it gave. */
    unsigned (*page_cached)(struct file *f, uint64_t index, unsigned n, uint64_t pa[]);
    /** Optional: page @p index (inside the file) is about to be written
     *  through a shared mapping (MAP_SHARED): back it with blocks and keep
     *  it to be written back while mapped; 0, -ENOSPC, -EIO. Without it a
     *  writable shared mapping is refused (ENODEV). */
    int (*mkwrite)(struct file *f, uint64_t index);
    /** Optional: fsync(): the file's data and inode on the disk; 0 or -EIO. */
    int (*fsync)(struct file *f);
    /** Optional: a descriptor of a file with these ops was closed (close,
     *  dup2 over it, exec, exit), after its reference was put: sockets
     *  collect the files in flight nothing reaches any more. */
    void (*closed)(void);
    int seekable; /**< lseek() moves the offset (else -ESPIPE) */
};

/** @brief A directory entry, as readdir hands it out. */
struct vfs_dirent {
    uint64_t ino;  /**< inode number */
    uint64_t next; /**< the position after it */
    unsigned type; /**< DT_*: the S_IFMT bits >> 12 */
    const char *name; /**< its name (not NUL-terminated) */
    size_t len;       /**< bytes of name */
};

/** @brief What statfs() tells of a file system (Linux's struct statfs, less its layout). */
struct vfs_statfs {
    uint64_t type;    /**< its magic number (EXT2_SUPER_MAGIC, TMPFS_MAGIC, ...) */
    uint64_t bsize;   /**< bytes per block */
    uint64_t blocks;  /**< blocks in all */
    uint64_t bfree;   /**< free blocks */
    uint64_t bavail;  /**< free blocks an unprivileged user may take */
    uint64_t files;   /**< inodes in all */
    uint64_t ffree;   /**< free inodes */
    uint64_t namelen; /**< longest name */
    int read_only;    /**< mounted read-only (ST_RDONLY) */
};

struct super_ops;

/** @brief What a file system does to its inodes (under the namespace lock). */
struct inode_ops {
    /** The child @p name of directory @p dir (a new reference), or -ENOENT. */
    int (*lookup)(struct inode *dir, const char *name, size_t len, struct inode **out);
    /** A new inode of @p mode (S_IFREG, S_IFDIR, S_IFCHR, S_IFLNK with @p target, ...) named
     *  @p name in @p dir (not there yet); a new reference in *@p out. */
    int (*create)(struct inode *dir, const char *name, size_t len, uint32_t mode, uint32_t rdev,
                  const char *target, struct inode **out);
    /** Another name for @p target (not a directory) in @p dir. */
    int (*link)(struct inode *dir, const char *name, size_t len, struct inode *target);
    /** Remove name @p name (its inode @p victim) from @p dir. */
    int (*unlink)(struct inode *dir, const char *name, size_t len, struct inode *victim);
    /** Move @p name of @p odir to @p nname of @p ndir, replacing what is there (checked by the VFS). */
    int (*rename)(struct inode *odir, const char *name, size_t len, struct inode *ndir,
                  const char *nname, size_t nlen);
    /** The entry at or after position *@p pos (0 and 1 are "." and ".."); 1 filled, 0 at the end. */
    int (*readdir)(struct inode *dir, uint64_t pos, struct vfs_dirent *out);
    /** A symlink's target (NUL-terminated, valid under the namespace lock). */
    const char *(*readlink)(struct inode *ino);
    /** Set a regular file's size (inode lock held). */
    int (*truncate)(struct inode *ino, uint64_t size);
    /** Nothing refers to it and it has no name: free what the file system keeps. */
    void (*evict)(struct inode *ino);
    /** Optional: the VFS changed the inode's mode, owner or times (chmod,
     *  chown, utimensat): store them. */
    void (*changed)(struct inode *ino);
    /** Optional: the storage it holds, in 512-byte units (st_blocks);
     *  without it, its size rounded up. */
    uint64_t (*blocks)(const struct inode *ino);
    /** Optional, a symlink's: a magic link (/proc/PID/fd/N), which a walk
     *  follows to this inode (a new reference) rather than to the text
     *  readlink gives; NULL: follow the text. Namespace lock held. */
    struct inode *(*follow)(struct inode *ino);
    /** Its file system as a whole (struct super_ops), or NULL. */
    const struct super_ops *super;
};

/**
 * @brief What a file system does as a whole, not to one inode (Linux's
 *        super_operations), reached from any of its inodes' inode_ops.
 */
struct super_ops {
    /** Optional, on a mounted root: with @p commit 0, -EBUSY if any inode
     *  of its file system is in use beyond the root's two references (the
     *  mount's and the caller's), else 0; with @p commit 1, after the VFS
     *  let go of it, free the file system. NULL: it cannot be unmounted. */
    int (*unmount)(struct inode *root, int commit);
    /** Optional, on a mounted root: write everything of its file system
     *  back to its device (sync, syncfs); 0 or -EIO. */
    int (*sync)(struct inode *root);
    /** Optional: fill @p st (all but read_only) for @p ino's file system. */
    void (*statfs)(struct inode *ino, struct vfs_statfs *st);
};

/** @brief Times as nanoseconds since the epoch (the monotonic clock here: no RTC yet). */
struct inode {
    uint32_t mode;                 /**< S_IFMT | permission bits */
    uint32_t nlink;                /**< names (a directory: 2 + subdirectories) */
    uint32_t uid;                  /**< owner */
    uint32_t gid;                  /**< group */
    uint32_t rdev;                 /**< a device node's (major << 8 | minor) */
    uint64_t ino;                  /**< unique within its file system */
    uint64_t size;                 /**< bytes (regular files, symlinks) */
    uint64_t atime;                /**< last read, ns */
    uint64_t mtime;                /**< last change of the contents, ns */
    uint64_t ctime;                /**< last change of the inode, ns */
    unsigned refs;                 /**< references (guarded by the reference lock) */
    int transient;                 /**< made for one lookup (/proc): freed with its last reference, names or not */
    unsigned dev;                  /**< st_dev: its file system's number */
    const struct inode_ops *ops;   /**< its file system's */
    const struct file_ops *fops;   /**< what an open file of it does */
    struct inode *parent;          /**< a directory's parent (itself for a root) */
    struct inode *mounted;         /**< a directory with a file system mounted on it: that root */
    struct inode *covers;          /**< a mounted root: the directory it is mounted on */
    struct mutex lock;             /**< a regular file's data */
    void *priv;                    /**< the file system's */
    struct pipe *pipe;             /**< a FIFO's pipe while an end is open (pipe.c) */
    int writers;                   /**< open files that may write it (a regular file's) */
    int running;                   /**< files it runs from (vfs_deny_write()): no writer meanwhile */
    /** Regions of address spaces that map it (kernel/user/uspace.c), so a
     *  truncate can take their pages past the new end out (uspace_cut()). */
    struct list_node maps;
    struct mutex maps_lock;        /**< maps, the listed regions' bounds and their pages */
    unsigned cuts;                 /**< twice the truncates that cut pages out, odd while one does (under maps_lock) */
};

/**
 * @brief Have vfs_truncate() call @p cut(ino, new size) after it shrank a
 *        file, to take the pages past the end out of every mapping
 *        (inode->maps): lent by the processes at boot (uspace_cut(),
 *        proc_lend_hooks()), as the file systems sit below them.
 * @note Any context.
 */
void vfs_set_cut_hook(void (*cut)(struct inode *ino, uint64_t size));

/** @brief An open file, shared by every descriptor dup() or fork() made of it. */
struct file {
    unsigned refs;               /**< descriptors (and in-flight calls) holding it */
    unsigned flags;              /**< O_ACCMODE, O_APPEND, O_NONBLOCK, ... */
    uint64_t pos;                /**< the offset */
    struct inode *inode;         /**< what it is open on (a reference) */
    const struct file_ops *ops;  /**< how it reads and writes */
    void *priv;                  /**< the ops' (a pipe end) */
    uint8_t writer;              /**< counted in inode->writers */
    uint8_t runs;                /**< counted in inode->running (vfs_deny_write()) */
    struct inode *dir;           /**< the directory it was opened in (a reference), or NULL */
    char *name;                  /**< its name there (kmalloc'd): /proc/PID/fd's link, or NULL */
    struct epitem *ep_watches;   /**< the epoll instances watching it (kernel/epoll.h), or NULL */
};

#define FD_MAX 1024 /**< descriptors a process may have (RLIMIT_NOFILE's hard cap here) */

/** @brief A process's descriptor table. */
struct fdtable {
    struct spinlock lock; /**< guards the arrays */
    unsigned size;        /**< slots */
    struct file **files;  /**< slot -> file, NULL free */
    uint8_t *cloexec;     /**< slot -> FD_CLOEXEC */
};

#define CRED_GROUPS_MAX 32 /**< supplementary groups a process may have */

/** @brief Who a process is, for the permission checks (Linux's credentials:
 *         all 0 is root). */
struct cred {
    uint32_t uid;   /**< real user id */
    uint32_t euid;  /**< effective user id (0: root) */
    uint32_t suid;  /**< saved user id */
    uint32_t fsuid; /**< file-system user id: the one permissions are checked for */
    uint32_t gid;   /**< real group id */
    uint32_t egid;  /**< effective group id */
    uint32_t sgid;  /**< saved group id */
    uint32_t fsgid; /**< file-system group id */
    uint32_t ngroups;                /**< supplementary groups in groups[] */
    uint32_t groups[CRED_GROUPS_MAX]; /**< the supplementary groups */
};

/** @brief A process's file-system context (kernel/proc.h embeds it). */
struct fs_ctx {
    struct fdtable *fds;  /**< its descriptors */
    struct inode *cwd;    /**< its working directory (a reference) */
    uint32_t umask;       /**< permission bits create() clears */
    struct cred cred;     /**< its credentials (fork copies them) */
};

/* ---- permissions (perm.c) ---- */

/** @brief The caller's credentials, or NULL for a kernel thread (which may do anything). */
const struct cred *vfs_cred(void);
/** @brief Whether @p gid is @p c's file-system group or one of its supplementary groups (NULL: yes). */
int cred_in_group(const struct cred *c, uint32_t gid);
/**
 * @brief Whether @p c, as user @p uid and group @p gid (its file-system ids,
 *        or its real ones for access()), may do @p mask (MAY_*) to @p ino.
 * @return 0, or -EACCES
 */
int cred_may(const struct cred *c, uint32_t uid, uint32_t gid, const struct inode *ino, int mask);
/** @brief cred_may() for the caller with its file-system ids: 0 or -EACCES. */
int vfs_may(const struct inode *ino, int mask);
/** @brief Whether the caller owns @p ino or is root (chmod, utimes with times given). */
int vfs_owns(const struct inode *ino);
/** @brief Whether the caller may remove or rename @p victim's name in @p dir:
 *         write and search there, and the sticky bit's rule; 0, -EACCES or -EPERM. */
int vfs_may_delete(const struct inode *dir, const struct inode *victim);
/** @brief Give @p ino, just made in @p dir, the caller's file-system ids
 *         (the directory's group, and a new directory its set-group-ID
 *         bit, where @p dir has S_ISGID). */
void vfs_own_new(struct inode *dir, struct inode *ino);

/* ---- the file system as a whole ---- */

/**
 * @brief Make the root tmpfs, /dev and /tmp, and copy the initrd's files
 *        in (directories, files with their modes, symlinks). Idempotent.
 * @return 0, or -ENOMEM (then the root may be partly filled); a damaged
 *         initrd is reported and what came before the damage stays
 */
int vfs_init(void);
/** @brief The root directory (no new reference; it lives for ever). */
struct inode *vfs_root(void);
/** @brief Make @p root (a reference kept for ever) the root directory (vfs_init()). */
void vfs_set_root(struct inode *root);
/**
 * @brief Mount the file system whose root is @p root on the directory
 *        @p path; /proc/mounts then lists "@p source @p path @p type" and
 *        "ro" if @p read_only (the file system refuses writes itself).
 * @return 0, -ENOENT, -ENOTDIR, -EBUSY (something is mounted there already)
 */
int vfs_mount(const char *path, struct inode *root, const char *source, const char *type, int read_only);
/**
 * @brief Unmount the file system mounted on directory @p path (the mounted
 *        root @p path names).
 * @retval 0 done: the directory underneath shows again, /proc/mounts no
 *         longer lists it, the file system is freed
 * @retval -EINVAL nothing is mounted there (or it is the root)
 * @retval -EBUSY one of its files or directories is in use (open, a working
 *         directory, a mount point), or it cannot be unmounted (/proc)
 * @retval -ENOENT, -ENOTDIR as vfs_lookup()
 */
int vfs_umount(const char *path);
/**
 * @brief Make the file system mounted on directory @p path the root
 *        (root=): it leaves its mount point; the old root's /dev and the
 *        /proc mounted in it show at the new root's /dev and /proc (which
 *        it must have: else they are out of reach, with a warning); the old
 *        root's other files are out of reach. At boot, before any process.
 * @retval 0, -EINVAL (nothing is mounted there), or as vfs_lookup()
 */
int vfs_pivot(const char *path);
/** @brief The device node path root= named (the command line's), or NULL. */
const char *vfs_root_device(void);
/** @brief Remember root=@p dev (@p n bytes): vfs_init() mounts it as /. */
void vfs_set_root_device(const char *dev, size_t n);
/** @brief Whether a file system from device node path @p source is mounted. */
int vfs_mounted_from(const char *source);
/** @brief statfs(): @p ino's file system's sizes and counts into @p st (0). */
int vfs_statfs(struct inode *ino, struct vfs_statfs *st);
/** @brief -EROFS if @p ino's file system is mounted read-only, else 0. */
int vfs_read_only(struct inode *ino);
/**
 * @brief Write every mounted file system back to its device (sync()), or
 *        only @p ino's (syncfs(); NULL: all).
 * @return 0, or the first error a file system gave (-EIO)
 */
int vfs_sync(struct inode *ino);
/** @brief /proc/mounts' text into @p buf; its length. */
long vfs_mounts_text(char *buf, size_t size);
/** @brief /proc/self/mountinfo's text (Linux's format: ids, parent ids, the
 *         device numbers stat() gives, root, mount point, options, "-",
 *         type, source) into @p buf; its length. */
long vfs_mountinfo_text(char *buf, size_t size);
/** @brief A new procfs; its root directory (kernel/fs/procfs.c). */
struct inode *procfs_new_root(void);
/** @brief What writes /proc/net/@p name ("dev", "route") into @p buf
 *         (@p size bytes): its length, or -errno. */
typedef long (*procfs_net_fn)(const char *name, char *buf, size_t size);
/** @brief The network layer's writer of /proc/net's files (set once, at boot). */
void procfs_set_net(procfs_net_fn fn);
/** @brief What tells /proc/PID/stat a session's controlling terminal:
 *         its device number in Linux's encoding (0: none) and, in
 *         @p tpgid, its foreground process group (-1: none). */
typedef unsigned (*procfs_ctty_fn)(int sid, int *tpgid);
/** @brief The terminal layer's answer to procfs_ctty_fn (set once, at boot). */
void procfs_set_ctty(procfs_ctty_fn fn);
/** @brief Pages tmpfs files hold (/proc/meminfo's Shmem). */
uint64_t tmpfs_pages(void);

/* ---- inodes ---- */

/** @brief A new inode of file system @p dev with @p ops, one reference. */
struct inode *inode_alloc(unsigned dev, const struct inode_ops *ops, uint32_t mode);
/** @brief Another reference to @p ino. */
struct inode *inode_get(struct inode *ino);
/** @brief Drop a reference; the last one of an inode with no name frees it. */
void inode_put(struct inode *ino);
/** @brief Another reference to @p ino, unless its last one went and it is
 *         being freed (NULL): for a file system's table of inodes in use. */
struct inode *inode_tryget(struct inode *ino);
/** @brief Tell @p ino's file system that the VFS changed its mode, owner or times. */
void inode_changed(struct inode *ino);
/** @brief Drop a name (the file system's unlink()); with no references left too, free it. */
void inode_drop_link(struct inode *ino);
/** @brief A new inode number of file system @p dev. */
uint64_t inode_next_ino(void);
/** @brief A file system number (st_dev). */
unsigned vfs_new_dev(void);
/** @brief The time for inode timestamps, ns. */
uint64_t vfs_now(void);

/* ---- paths ---- */

#define AT_FDCWD -100            /**< relative to the working directory */
#define AT_SYMLINK_NOFOLLOW 0x100 /**< do not follow a final symlink */
#define AT_REMOVEDIR 0x200        /**< unlinkat(): remove a directory */
#define AT_SYMLINK_FOLLOW 0x400   /**< linkat(): follow a final symlink */
#define AT_EMPTY_PATH 0x1000      /**< an empty path means the descriptor itself */

/**
 * @brief The inode @p path names, relative to @p base (NULL: the root for
 *        an absolute path, the caller's cwd otherwise).
 * @param base   the directory a relative path starts from, or NULL
 * @param path   the path
 * @param follow follow a final symlink
 * @param out    a new reference
 * @return 0, -ENOENT, -ENOTDIR, -ELOOP, -ENAMETOOLONG
 */
int vfs_lookup(struct inode *base, const char *path, int follow, struct inode **out);

/** @brief open(): a new file on @p path with @p flags and creation @p mode. */
int vfs_open(struct inode *base, const char *path, unsigned flags, uint32_t mode, struct file **out);
/** @brief A new file open on @p ino (a new reference is taken) with @p flags. */
int vfs_open_inode(struct inode *ino, unsigned flags, struct file **out);
/** @brief mkdir(), mknod() (@p mode's type: S_IFREG, S_IFCHR, S_IFIFO), symlink() (S_IFLNK and @p target). */
int vfs_create(struct inode *base, const char *path, uint32_t mode, uint32_t rdev, const char *target);
/** @brief unlink() (@p rmdir 0) or rmdir() (1). */
int vfs_unlink(struct inode *base, const char *path, int rmdir);
/** @brief rename(). */
int vfs_rename(struct inode *obase, const char *opath, struct inode *nbase, const char *npath);
/** @brief link(): @p npath becomes another name of what @p opath names. */
int vfs_link(struct inode *obase, const char *opath, struct inode *nbase, const char *npath, int follow);
/** @brief readlink(): up to @p n bytes of the target (no NUL) into @p b; length, or -errno. */
long vfs_readlink(struct inode *base, const char *path, const struct iobuf *b, size_t n);
/** @brief The absolute path of directory @p dir into @p buf (NUL-terminated); its length or -ERANGE. */
long vfs_path_of(struct inode *dir, char *buf, size_t size);
/** @brief vfs_path_of() for a file system's lookup, which holds the namespace lock (procfs). */
long vfs_dir_path_locked(struct inode *dir, char *buf, size_t size);
/**
 * @brief What /proc/PID/fd/N's link says of open file @p f, into @p buf
 *        (NUL-terminated): a directory's path, a file's path where it was
 *        opened (" (deleted)" after once it has no name; the name it was
 *        opened by, even if renamed since), "pipe:[INO]", or
 *        "anon_inode:[INO]"; its length, or -errno.
 * @note The namespace lock held (a file system's lookup, procfs).
 */
long vfs_file_link_text(struct file *f, char *buf, size_t size);
/**
 * @brief The absolute path of what @p path names from @p base (NULL: the
 *        caller's cwd), its directories and a final symlink resolved, as
 *        Linux names a program in /proc/self/exe: into @p buf
 *        (NUL-terminated); its length, or -errno (-ENOENT, -ELOOP, -ERANGE).
 */
long vfs_real_path(struct inode *base, const char *path, char *buf, size_t size);
/** @brief Fill up to @p n bytes of getdents64 records from directory file @p f. */
long vfs_getdents(struct file *f, const struct iobuf *b, size_t n);

/* ---- files ---- */

/** @brief Another reference to @p f. */
struct file *file_get(struct file *f);
/**
 * @brief An open file on a fresh nameless inode (mode 0600) of device
 *        *@p dev (given a number on first use) with @p iops: what signalfd,
 *        timerfd and the like hand out. @p fops, @p flags and @p priv are the
 *        file's; its release frees @p priv.
 * @return the file (one reference), or NULL without memory (@p priv untouched)
 */
struct file *file_anon(unsigned *dev, const struct inode_ops *iops, const struct file_ops *fops, unsigned flags,
                       void *priv);
/** @brief Drop a reference; the last one releases the file and its inode. */
void file_put(struct file *f);
/** @brief read() at the file's offset (or @p pos if not NULL: pread). */
long vfs_read(struct file *f, const struct iobuf *b, size_t n, const uint64_t *pos);
/** @brief write() at the file's offset (or @p pos: pwrite); O_APPEND writes at the end. */
long vfs_write(struct file *f, const struct iobuf *b, size_t n, const uint64_t *pos);
/** @brief lseek(). */
long vfs_lseek(struct file *f, int64_t off, int whence);
/** @brief truncate a regular file (write access checked by the caller). */
int vfs_truncate(struct inode *ino, uint64_t size);

/**
 * @brief Mark @p f as a file a program runs from, whose pages its
 *        processes read when they first touch them: until @p f's last
 *        reference goes, opening its inode for writing and truncating it
 *        fail with -ETXTBSY, as Linux does for a running executable.
 * @retval 0 marked
 * @retval -ETXTBSY the inode is open for writing now
 */
int vfs_deny_write(struct file *f);

/* ---- descriptor tables ---- */

/** @brief An empty table. */
struct fdtable *fdtable_new(void);
/** @brief fork(): a table with the same files (shared offsets) and flags. */
struct fdtable *fdtable_clone(struct fdtable *t);
/** @brief Close every descriptor and free the table. */
void fdtable_free(struct fdtable *t);
/** @brief execve(): close the close-on-exec descriptors. */
void fdtable_exec(struct fdtable *t);
/** @brief The lowest free descriptor >= @p min for @p f (the table takes the caller's reference). */
int fd_install(struct fdtable *t, struct file *f, int min, int cloexec, unsigned limit);
/** @brief Put @p f at descriptor @p fd, closing what was there (dup2/dup3). */
int fd_install_at(struct fdtable *t, int fd, struct file *f, int cloexec, unsigned limit);
/** @brief The file at @p fd with a new reference, or NULL. */
struct file *fd_get(struct fdtable *t, int fd);
/** @brief The lowest open descriptor >= @p from of @p t (NULL: none), or -1. */
int fd_next(struct fdtable *t, int from);
/** @brief close(): 0 or -EBADF. */
int fd_close(struct fdtable *t, int fd);
/** @brief FD_CLOEXEC of @p fd (get: @p set < 0), or -EBADF. */
int fd_cloexec(struct fdtable *t, int fd, int set);
/** @brief Descriptors in use. */
unsigned fdtable_count(struct fdtable *t);

/* ---- tmpfs (kernel/fs/tmpfs.c) ---- */

/** @brief A new, empty tmpfs; its root directory (one reference). */
struct inode *tmpfs_new_root(void);
/** @brief An empty tmpfs regular file takes @p size bytes at @p data (kept
 *         by the caller for ever: the initrd) as its contents, until changed. */
int tmpfs_set_borrowed(struct inode *ino, const void *data, size_t size);
/**
 * @brief A nameless tmpfs file of @p size bytes (zeros), open O_RDWR: the
 *        memory of a shared anonymous mapping (MAP_SHARED|MAP_ANONYMOUS,
 *        /dev/zero), which every process that maps it shares; freed with
 *        its last reference.
 * @return the file (one reference), or NULL without memory
 */
struct file *tmpfs_shmem_file(uint64_t size);

/* ---- pipes and devices ---- */

/** @brief A new pipe: *@p rd reads what *@p wr writes. @p flags: O_NONBLOCK. */
int pipe_create(unsigned flags, struct file **rd, struct file **wr);
/* ---- advisory locks (locks.c): fcntl() record locks and flock() ---- */

#define VFS_LOCK_NONE 0  /**< unlock, or (vfs_lock_test()) nothing in the way */
#define VFS_LOCK_READ 1  /**< shared */
#define VFS_LOCK_WRITE 2 /**< exclusive */

/** @brief A lock asked for or found: bytes [start, end] of @c ino (end UINT64_MAX: to the end, however far). */
struct vfs_lock {
    struct inode *ino; /**< the file locked */
    uintptr_t owner; /**< a process (POSIX record locks) or an open file (OFD, flock) */
    int pid;         /**< the owner's pid, as F_GETLK tells it (-1: an open file's) */
    int flock;       /**< a flock() lock; record locks and these never conflict */
    int type;        /**< VFS_LOCK_* */
    uint64_t start;  /**< its first byte */
    uint64_t end;    /**< its last byte (UINT64_MAX: however far the file grows) */
};

/** @brief F_GETLK: the first lock of another owner in the way of @p want to *@p out, or type VFS_LOCK_NONE. */
int vfs_lock_test(const struct vfs_lock *want, struct vfs_lock *out);
/**
 * @brief Take, change or (VFS_LOCK_NONE) give up a lock; with @p wait,
 *        sleep while another owner's is in the way.
 * @return 0; -EAGAIN (in the way, no @p wait); -EDEADLK (@p detect_deadlock:
 *         the wait would close a circle); -ERESTARTSYS (a signal); -ENOLCK
 */
int vfs_lock_set(const struct vfs_lock *want, int wait, int detect_deadlock);
/** @brief Give up @p owner's locks on @p ino (NULL: on every inode). */
void vfs_locks_release(struct inode *ino, uintptr_t owner);

/** @brief st_blocks of @p ino: 512-byte units of storage it holds (holes hold none). */
uint64_t vfs_blocks(const struct inode *ino);

/** @brief F_GETPIPE_SZ (@p want 0) and F_SETPIPE_SZ: the pipe's capacity; -EBADF if @p f is no pipe, -EPERM past the largest. */
long pipe_capacity(struct file *f, uint64_t want);
/**
 * @brief Open FIFO @p ino: every open of it meets one pipe while an end is
 *        open. O_RDONLY waits for a writer, O_WRONLY for a reader (unless
 *        O_NONBLOCK: a reader goes on, a writer gets -ENXIO); O_RDWR never
 *        waits. -ERESTARTSYS when a signal ends the wait; -ENFILE out of memory.
 */
int fifo_open(struct inode *ino, unsigned flags, struct file **out);

/** @brief A character device's operations by its number, or NULL. */
const struct file_ops *chrdev_ops(uint32_t rdev);
/**
 * @brief The console terminal's operations for /dev/console, /dev/tty and
 *        /dev/tty0 (the tty layer's, which registers them: kernel/tty.h,
 *        tty_register_devices()); until then those nodes open nothing (-ENXIO).
 * @note Any context; @p ops must outlive the kernel.
 */
void dev_set_console_ops(const struct file_ops *ops);
struct blkdev;
/** @brief The block device a block device node's number (rdev) names, or NULL. */
struct blkdev *blkdev_of(uint32_t rdev);
/**
 * @brief Mount the ext2 file system on block device node @p source
 *        ("/dev/vda1") on directory @p path (kernel/fs/ext2/ext2_super.c),
 *        read-write unless @p read_only, the device is read-only, or the
 *        file system has features this kernel would not keep right (then
 *        read-only, with a message).
 * @retval 0 mounted; /proc/mounts lists it
 * @retval -ENOTBLK @p source is not a block device node
 * @retval -ENXIO no device behind it
 * @retval -EINVAL no ext2 file system there, or one this kernel cannot read
 *         (the reason is logged)
 * @retval -EUCLEAN its root directory is damaged
 * @retval -EIO the device failed
 * @retval -EBUSY @p source is mounted already, or as vfs_mount()
 * @retval -ENOENT, -ENOTDIR as vfs_mount()
 * @note Thread context; reads (and for a read-write mount writes) the device.
 */
int ext2_mount(const char *source, const char *path, int read_only);
/** @brief A block device node's operations by its number, or NULL. */
const struct file_ops *blkdev_ops_of(uint32_t rdev);
/**
 * @brief Make /dev's block device nodes match the block layer's devices
 *        (a node for each disk and partition, none for one that went).
 *        The block layer calls it when its table changes. Thread context.
 */
void dev_blk_sync(void);
/** @brief Create the device nodes in directory /dev. */
int dev_populate(void);
/** @brief Fill @p n bytes with pseudo-random bytes (getrandom(), /dev/urandom). */
void random_fill(void *buf, size_t n);
/** @brief /proc/sys/kernel/randomize_va_space: 0 places programs, their
 *  interpreters and stacks at fixed addresses; 1 and 2 (the default)
 *  randomise them (execve, exec.c). */
extern int proc_randomize_va_space;
/** @brief /proc/sys/kernel/dmesg_restrict: 1 (the default, as Debian's
 *  kernels set it) keeps the kernel log from users other than root; 0 lets
 *  them read it (syslog(2)'s READ_ALL and SIZE_BUFFER, syslog.c). */
extern int proc_dmesg_restrict;

#endif
