/**
 * @file vfs_tests.c
 * @brief The VFS from the kernel's side (kernel/vfs.h): names, links and
 *        symlinks, an unlinked file that stays open, readdir across
 *        changes, pipes between threads, and every page and heap block
 *        back once the files are gone. Each test works in a directory of
 *        its own under /tmp, so it runs twice in one boot and next to
 *        programs.
 */
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/printf.h>
#include <kernel/ktest.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/vfs.h>

static unsigned seq;

/* A fresh directory /tmp/kt-<test>-<n>. */
static void fresh_dir(char *buf, size_t n, const char *test)
{
    ksnprintf(buf, n, "/tmp/kt-%s-%u", test, __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
}

static long kwrite(struct file *f, const void *p, size_t n)
{
    struct iobuf b = {(uintptr_t)p, 0};
    return vfs_write(f, &b, n, NULL);
}

static long kread(struct file *f, void *p, size_t n)
{
    struct iobuf b = {(uintptr_t)p, 0};
    return vfs_read(f, &b, n, NULL);
}

static int write_file(const char *path, const char *text)
{
    struct file *f;
    int e = vfs_open(NULL, path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &f);
    if (e)
        return e;
    long r = kwrite(f, text, strlen(text));
    file_put(f);
    return r == (long)strlen(text) ? 0 : -EIO;
}

/* The file's contents equal @p text. */
static int file_is(const char *path, const char *text)
{
    struct file *f;
    char buf[128];
    if (vfs_open(NULL, path, O_RDONLY, 0, &f))
        return 0;
    long r = kread(f, buf, sizeof buf);
    file_put(f);
    return r == (long)strlen(text) && memcmp(buf, text, (size_t)r) == 0;
}

KTEST(vfs_names_links_and_symlinks)
{
    KT_ASSERT(vfs_init() == 0);
    char d[64], p[128], q[128];
    fresh_dir(d, sizeof d, "names");
    KT_ASSERT(vfs_create(NULL, d, S_IFDIR | 0755, 0, NULL) == 0);
    KT_ASSERT(vfs_create(NULL, d, S_IFDIR | 0755, 0, NULL) == -EEXIST);
    ksnprintf(p, sizeof p, "%s/a", d);
    KT_ASSERT(write_file(p, "alpha") == 0);
    KT_ASSERT(file_is(p, "alpha"));
    /* a hard link: the same inode, two names */
    ksnprintf(q, sizeof q, "%s/b", d);
    KT_ASSERT(vfs_link(NULL, p, NULL, q, 0) == 0);
    struct inode *ia, *ib;
    KT_ASSERT(vfs_lookup(NULL, p, 1, &ia) == 0 && vfs_lookup(NULL, q, 1, &ib) == 0);
    KT_ASSERT(ia == ib && ia->nlink == 2);
    inode_put(ia);
    inode_put(ib);
    /* rename between two links of one file does nothing (POSIX); over
     * another file it replaces it */
    KT_ASSERT(vfs_rename(NULL, p, NULL, q) == 0);
    KT_ASSERT(vfs_lookup(NULL, p, 1, &ia) == 0);
    inode_put(ia);
    KT_ASSERT(vfs_unlink(NULL, p, 0) == 0);
    ksnprintf(p, sizeof p, "%s/c", d);
    KT_ASSERT(write_file(p, "gamma") == 0);
    KT_ASSERT(vfs_rename(NULL, p, NULL, q) == 0);
    KT_ASSERT(vfs_lookup(NULL, p, 1, &ia) == -ENOENT);
    KT_ASSERT(file_is(q, "gamma"));
    /* symlinks: relative, through a directory, a loop, a dangling one */
    ksnprintf(p, sizeof p, "%s/l", d);
    KT_ASSERT(vfs_create(NULL, p, S_IFLNK | 0777, 0, "b") == 0);
    KT_ASSERT(file_is(p, "gamma"));
    ksnprintf(p, sizeof p, "%s/loop1", d);
    ksnprintf(q, sizeof q, "%s/loop2", d);
    KT_ASSERT(vfs_create(NULL, p, S_IFLNK | 0777, 0, "loop2") == 0);
    KT_ASSERT(vfs_create(NULL, q, S_IFLNK | 0777, 0, "loop1") == 0);
    KT_ASSERT(vfs_lookup(NULL, p, 1, &ia) == -ELOOP);
    KT_ASSERT(vfs_lookup(NULL, p, 0, &ia) == 0 && S_ISLNK(ia->mode));
    inode_put(ia);
    /* "..": above the root is the root; a file in the middle is ENOTDIR */
    KT_ASSERT(vfs_lookup(NULL, "/../../tmp/..", 1, &ia) == 0 && ia == vfs_root());
    inode_put(ia);
    ksnprintf(p, sizeof p, "%s/b/x", d);
    KT_ASSERT(vfs_lookup(NULL, p, 1, &ia) == -ENOTDIR);
    /* getcwd's path of a nested directory */
    ksnprintf(p, sizeof p, "%s/sub", d);
    KT_ASSERT(vfs_create(NULL, p, S_IFDIR | 0755, 0, NULL) == 0);
    KT_ASSERT(vfs_lookup(NULL, p, 1, &ia) == 0);
    char path[128];
    KT_ASSERT(vfs_path_of(ia, path, sizeof path) == (long)strlen(p) && strcmp(path, p) == 0);
    KT_ASSERT(vfs_path_of(ia, path, 8) == -ERANGE);
    inode_put(ia);
    /* rmdir: not empty, then empty; a directory into itself */
    KT_ASSERT(vfs_unlink(NULL, d, 1) == -ENOTEMPTY);
    ksnprintf(q, sizeof q, "%s/sub/inner", d);
    KT_ASSERT(vfs_rename(NULL, p, NULL, q) == -EINVAL);
    KT_ASSERT(vfs_unlink(NULL, p, 0) == -EISDIR);
    KT_ASSERT(vfs_unlink(NULL, p, 1) == 0);
    static const char *const names[] = {"b", "l", "loop1", "loop2"};
    for (unsigned i = 0; i < 4; i++) {
        ksnprintf(p, sizeof p, "%s/%s", d, names[i]);
        KT_ASSERT(vfs_unlink(NULL, p, 0) == 0);
    }
    KT_ASSERT(vfs_unlink(NULL, d, 1) == 0);
    KT_ASSERT(vfs_lookup(NULL, d, 1, &ia) == -ENOENT);
}

/* What /proc/<pid>/exe shows: the absolute path, through "..", symlinked
 * directories and a final symlink (relative or absolute); errors for a
 * missing name, a loop and a buffer too small. */
KTEST(vfs_real_path_resolves_dots_and_symlinks)
{
    KT_ASSERT(vfs_init() == 0);
    char d[64], p[128], q[128], r[128];
    fresh_dir(d, sizeof d, "real");
    KT_ASSERT(vfs_create(NULL, d, S_IFDIR | 0755, 0, NULL) == 0);
    ksnprintf(p, sizeof p, "%s/sub", d);
    KT_ASSERT(vfs_create(NULL, p, S_IFDIR | 0755, 0, NULL) == 0);
    ksnprintf(p, sizeof p, "%s/sub/f", d);
    KT_ASSERT(write_file(p, "f") == 0);
    ksnprintf(q, sizeof q, "%s/dl", d); /* a directory's symlink */
    KT_ASSERT(vfs_create(NULL, q, S_IFLNK | 0777, 0, "sub") == 0);
    ksnprintf(q, sizeof q, "%s/fl", d); /* a file's, through the other */
    KT_ASSERT(vfs_create(NULL, q, S_IFLNK | 0777, 0, "dl/../sub/./f") == 0);
    ksnprintf(q, sizeof q, "%s/al", d); /* absolute, to a symlink */
    KT_ASSERT(vfs_create(NULL, q, S_IFLNK | 0777, 0, p) == 0);
    char *const ends[] = {"sub/f", "dl/f", "fl", "al", "sub/../dl/./f"};
    for (unsigned i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        ksnprintf(q, sizeof q, "%s/%s", d, ends[i]);
        KT_ASSERT(vfs_real_path(NULL, q, r, sizeof r) == (long)strlen(p));
        KT_ASSERT(strcmp(r, p) == 0);
    }
    /* relative to a base directory; a directory itself */
    struct inode *dir;
    KT_ASSERT(vfs_lookup(NULL, d, 1, &dir) == 0);
    KT_ASSERT(vfs_real_path(dir, "fl", r, sizeof r) == (long)strlen(p) && strcmp(r, p) == 0);
    ksnprintf(q, sizeof q, "%s/sub", d);
    KT_ASSERT(vfs_real_path(dir, "dl/.", r, sizeof r) == (long)strlen(q) && strcmp(r, q) == 0);
    KT_ASSERT(vfs_real_path(dir, "..", r, sizeof r) == 4 && strcmp(r, "/tmp") == 0);
    KT_ASSERT(vfs_real_path(dir, "/", r, sizeof r) == 1 && strcmp(r, "/") == 0);
    KT_ASSERT(vfs_real_path(dir, "nosuch", r, sizeof r) == -ENOENT);
    KT_ASSERT(vfs_real_path(dir, "sub/f/", r, sizeof r) == -ENOTDIR);
    KT_ASSERT(vfs_real_path(dir, "fl", r, 8) == -ERANGE);
    KT_ASSERT(vfs_create(dir, "loop", S_IFLNK | 0777, 0, "loop") == 0);
    KT_ASSERT(vfs_real_path(dir, "loop", r, sizeof r) == -ELOOP);
    static const char *const names[] = {"loop", "al", "fl", "dl", "sub/f"};
    for (unsigned i = 0; i < 5; i++)
        KT_ASSERT(vfs_unlink(dir, names[i], 0) == 0);
    KT_ASSERT(vfs_unlink(dir, "sub", 1) == 0);
    inode_put(dir);
    KT_ASSERT(vfs_unlink(NULL, d, 1) == 0);
}

/* A file unlinked while open is read and written until closed; a readdir
 * interrupted by unlinks and creates sees every name that stayed once. */
KTEST(vfs_unlinked_open_file_and_readdir_across_changes)
{
    KT_ASSERT(vfs_init() == 0);
    char d[64], p[128];
    fresh_dir(d, sizeof d, "open");
    KT_ASSERT(vfs_create(NULL, d, S_IFDIR | 0755, 0, NULL) == 0);
    ksnprintf(p, sizeof p, "%s/f", d);
    struct file *f;
    KT_ASSERT(vfs_open(NULL, p, O_RDWR | O_CREAT, 0600, &f) == 0);
    KT_ASSERT(vfs_unlink(NULL, p, 0) == 0);
    KT_ASSERT(kwrite(f, "still here", 10) == 10);
    KT_ASSERT(vfs_lseek(f, 0, 0) == 0);
    char buf[16];
    KT_ASSERT(kread(f, buf, sizeof buf) == 10 && memcmp(buf, "still here", 10) == 0);
    KT_ASSERT(f->inode->nlink == 0);
    file_put(f);
    /* 40 names; read the directory 7 entries at a time, unlinking one
     * not yet seen and creating one each round. */
    for (int i = 0; i < 40; i++) {
        ksnprintf(p, sizeof p, "%s/n%02d", d, i);
        KT_ASSERT(write_file(p, "x") == 0);
    }
    struct file *dir;
    KT_ASSERT(vfs_open(NULL, d, O_RDONLY | O_DIRECTORY, 0, &dir) == 0);
    uint8_t seen[64] = {0};
    int removed = 39, made = 0, total = 0;
    uint8_t rec[7 * 32];
    for (;;) {
        struct iobuf b = {(uintptr_t)rec, 0};
        long n = vfs_getdents(dir, &b, sizeof rec);
        KT_ASSERT(n >= 0);
        if (n == 0)
            break;
        for (long off = 0; off < n;) {
            uint16_t reclen;
            memcpy(&reclen, rec + off + 16, 2);
            const char *name = (const char *)rec + off + 19;
            if (name[0] == 'n') {
                int k = (name[1] - '0') * 10 + (name[2] - '0');
                KT_ASSERT(k >= 0 && k < 64 && !seen[k]);
                seen[k] = 1;
            }
            total++;
            off += reclen;
        }
        if (removed > 30 && !seen[removed]) { /* unlink the highest, not yet seen */
            ksnprintf(p, sizeof p, "%s/n%02d", d, removed--);
            KT_ASSERT(vfs_unlink(NULL, p, 0) == 0);
            ksnprintf(p, sizeof p, "%s/n%02d", d, 50 + made++);
            KT_ASSERT(write_file(p, "y") == 0);
        }
    }
    file_put(dir);
    for (int i = 0; i <= removed; i++)
        KT_ASSERT(seen[i]); /* every name that stayed, once */
    for (int i = removed + 1; i < 40; i++)
        KT_ASSERT(!seen[i]); /* unlinked before readdir reached it */
    for (int i = 0; i < 40 + made; i++) {
        int k = i < 40 ? i : 50 + (i - 40);
        ksnprintf(p, sizeof p, "%s/n%02d", d, k);
        int e = vfs_unlink(NULL, p, 0);
        KT_ASSERT(e == 0 || (k > removed && k < 40 && e == -ENOENT));
    }
    KT_ASSERT(vfs_unlink(NULL, d, 1) == 0);
}

/* A writer thread and the test thread through a pipe: every byte, in order. */
struct pipe_job {
    struct file *w;
    size_t bytes;
};

static int pipe_writer(void *arg)
{
    struct pipe_job *j = arg;
    uint8_t buf[1000];
    for (size_t done = 0; done < j->bytes;) {
        size_t c = j->bytes - done < sizeof buf ? j->bytes - done : sizeof buf;
        for (size_t i = 0; i < c; i++)
            buf[i] = (uint8_t)((done + i) * 7 + 3);
        long r = kwrite(j->w, buf, c);
        if (r <= 0)
            return 1;
        done += (size_t)r;
    }
    file_put(j->w); /* the reader then sees the end */
    return 0;
}

KTEST(vfs_pipe_between_threads)
{
    struct file *r, *w;
    KT_ASSERT(pipe_create(0, &r, &w) == 0);
    struct pipe_job j = {w, 300000};
    int tid = thread_create("pipe writer", pipe_writer, &j, PRIO_DEFAULT, 0);
    KT_ASSERT(tid >= 0);
    size_t got = 0;
    int bad = 0;
    uint8_t buf[777];
    for (;;) {
        long n = kread(r, buf, sizeof buf);
        if (n <= 0) {
            KT_ASSERT(n == 0);
            break;
        }
        for (long i = 0; i < n; i++)
            bad += buf[i] != (uint8_t)((got + (size_t)i) * 7 + 3);
        got += (size_t)n;
    }
    int ret = -1;
    thread_join(tid, &ret);
    KT_ASSERT(ret == 0);
    KT_ASSERT(got == j.bytes && bad == 0);
    /* No reader left: EPIPE (a kernel thread gets no SIGPIPE). */
    KT_ASSERT(pipe_create(O_NONBLOCK, &r, &w) == 0);
    file_put(r);
    KT_ASSERT(kwrite(w, "x", 1) == -EPIPE);
    file_put(w);
    /* Non-blocking: an empty pipe is EAGAIN, a full one too. */
    KT_ASSERT(pipe_create(O_NONBLOCK, &r, &w) == 0);
    KT_ASSERT(kread(r, buf, 1) == -EAGAIN);
    static uint8_t big[8192];
    long total = 0, n;
    while ((n = kwrite(w, big, sizeof big)) > 0)
        total += n;
    KT_ASSERT(n == -EAGAIN && total == 65536);
    file_put(r);
    file_put(w);
}

/* Files made, grown sparse, truncated and removed: every page back. */
KTEST(vfs_files_return_every_page)
{
    KT_ASSERT(vfs_init() == 0);
    char d[64], p[128];
    fresh_dir(d, sizeof d, "pages");
    KT_ASSERT(vfs_create(NULL, d, S_IFDIR | 0755, 0, NULL) == 0);
    uint64_t before = kt_free_frames();
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 8; i++) {
            ksnprintf(p, sizeof p, "%s/f%d", d, i);
            struct file *f;
            KT_ASSERT(vfs_open(NULL, p, O_RDWR | O_CREAT, 0644, &f) == 0);
            static uint8_t chunk[3000];
            for (int k = 0; k < 30; k++)
                KT_ASSERT(kwrite(f, chunk, sizeof chunk) == sizeof chunk);
            uint64_t far = 5u << 20; /* a hole of 5 MiB costs nothing */
            struct iobuf b = {(uintptr_t)chunk, 0};
            KT_ASSERT(vfs_write(f, &b, 10, &far) == 10);
            KT_ASSERT(f->inode->size == far + 10);
            KT_ASSERT(vfs_truncate(f->inode, 1000) == 0);
            uint8_t c[8];
            uint64_t at = 999;
            KT_ASSERT(vfs_read(f, &(struct iobuf){(uintptr_t)c, 0}, 8, &at) == 1);
            file_put(f);
        }
        for (int i = 0; i < 8; i++) {
            ksnprintf(p, sizeof p, "%s/f%d", d, i);
            KT_ASSERT(vfs_unlink(NULL, p, 0) == 0);
        }
    }
    uint64_t after = kt_free_frames();
    /* 24 files of 23 pages each came and went: a lost page per file would
     * be 24 at least; the heap's caches move a few. */
    KT_ASSERT(after + 4 >= before);
    KT_ASSERT(vfs_unlink(NULL, d, 1) == 0);
}
