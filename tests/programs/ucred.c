/*
 * ucred: user and group ids and the permissions they give, against Linux's
 * answers, one line each ("ok ..." or "FAIL ..." with what came back and
 * what Linux gives); exits with the number of failures. Every check is
 * Linux's answer: the program also runs on the build host's Linux
 * (cmake/linux_judged.cmake), as root there too.
 *
 * Usage: ucred [DIR]. DIR (default /tmp) is a writable directory; the
 * checks run in a fresh DIR/ucred.<pid> that is removed at the end. It must
 * run as root (it says it skips everything otherwise): a forked child
 * gives root up.
 *
 * The id calls: getresuid/getresgid, setuid (all three ids as root, the
 * effective one alone else), setreuid, setresuid, setfsuid, setgroups and
 * getgroups, with the EPERM and EINVAL cases; then, as user 1000, the
 * permission bits: open for reading, writing and O_TRUNC, faccessat with
 * the real ids, creating, removing and renaming in a directory of root's,
 * searching a directory without x, chdir, truncate, chmod and chown of
 * another's file and of its own (a group it is in, one it is not),
 * utimensat (now needs write permission, a given time ownership), a
 * sticky directory (its own name removed, root's not), a set-group-ID
 * directory (new names take its group, new directories its bit), kill of
 * root's process (EPERM); and root's chown clearing a set-user-ID bit.
 * The kernel log through syslog(2): root's reads, in Linux's "<level>"
 * records, and the errors; a user's EPERM (every action with
 * dmesg_restrict set, as Debian's kernels have it; else all but READ_ALL
 * and SIZE_BUFFER).
 */
#include "usys.h"
#include "ustat.h"
#include "uchild.h"
#include "umem.h" /* memset: clang zeroes structs with it */

enum { AT_FDCWD = -100 };
enum { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT = 0100, O_TRUNC = 01000 };
enum { F_OK = 0, W_OK = 2, R_OK = 4 };
enum { EPERM = 1, ENOENT = 2, EACCES = 13, EFAULT = 14, EEXIST = 17, EINVAL = 22 };
enum { SIGCHLD = 17 };
#define AT_REMOVEDIR 0x200
#define USER 1000
#define GROUP 1000
#define GA 4321 /* a supplementary group of the child's */
#define GB 77   /* another */
#define GX 55   /* one it is not in */


#define fails (*ufails())

static long uopen(const char *p, long fl, long mode) { return sys6(NR_openat, AT_FDCWD, (long)p, fl, mode, 0, 0); }
static long uclose(long fd) { return sys1(NR_close, fd); }
static long umkdir(const char *p, long mode) { return sys3(NR_mkdirat, AT_FDCWD, (long)p, mode); }
static long uunlink(const char *p, long fl) { return sys3(NR_unlinkat, AT_FDCWD, (long)p, fl); }
static long uchmod(const char *p, long mode) { return sys6(NR_fchmodat, AT_FDCWD, (long)p, mode, 0, 0, 0); }
static long uchown(const char *p, long u, long g) { return sys6(NR_fchownat, AT_FDCWD, (long)p, u, g, 0, 0); }
static long uaccess(const char *p, long m) { return sys6(NR_faccessat, AT_FDCWD, (long)p, m, 0, 0, 0); }
static long ustat_(const char *p, struct ustat *st) { return sys6(NR_newfstatat, AT_FDCWD, (long)p, (long)st, 0, 0, 0); }
static long urename(const char *a, const char *b)
{
    return sys6(NR_renameat2, AT_FDCWD, (long)a, AT_FDCWD, (long)b, 0, 0);
}
static long utimes_(const char *p, const void *ts) { return sys6(NR_utimensat, AT_FDCWD, (long)p, (long)ts, 0, 0, 0); }

static void put(const char *p, long mode)
{
    long fd = uopen(p, O_CREAT | O_WRONLY | O_TRUNC, mode);
    sys3(NR_write, fd, (long)"data", 4);
    uclose(fd);
    uchmod(p, mode); /* whatever the umask */
}

/* getresuid or getresgid as one number: r * 10^8 + e * 10^4 + s. */
static long res(long nr)
{
    unsigned r = 7, e = 7, s = 7;
    long x = sys3(nr, (long)&r, (long)&e, (long)&s);
    return x ? x : (long)r * 100000000 + (long)e * 10000 + s;
}
#define RES(r, e, s) ((long)(r) * 100000000 + (long)(e) * 10000 + (s))

static long mode_of(const char *p)
{
    struct ustat st = {0};
    return ustat_(p, &st) ? -1 : (long)(st.mode & 07777);
}
static long gid_of(const char *p)
{
    struct ustat st = {0};
    return ustat_(p, &st) ? -1 : (long)st.gid;
}

/* ---- syslog(2): no call here changes the log or the console (the
 * program also runs as root on the build host) ---- */
enum { SL_CLOSE, SL_READ = 2, SL_READ_ALL, SL_CONSOLE_LEVEL = 8, SL_SIZE_UNREAD, SL_SIZE_BUFFER };

static void syslog_checks_root(void)
{
    static char buf[8192];
    check(sys3(NR_syslog, SL_SIZE_BUFFER, 0, 0) > 0, "syslog SIZE_BUFFER: the log's size");
    long n = sys3(NR_syslog, SL_READ_ALL, (long)buf, sizeof buf);
    check(n > 3 && n <= (long)sizeof buf && buf[0] == '<' && buf[2] == '>' && buf[n - 1] == '\n',
          "syslog READ_ALL: the newest records that fit, each \"<level>text\\n\"");
    uexpect(sys3(NR_syslog, SL_READ_ALL, (long)buf, 0), 0, "syslog READ_ALL of 0 bytes: 0");
    if (!uskip_on_qemu_user("syslog READ_ALL of -1 bytes or into NULL (EINVAL)")) {
        uexpect(sys3(NR_syslog, SL_READ_ALL, (long)buf, -1), -EINVAL, "syslog READ_ALL of -1 bytes: EINVAL");
        uexpect(sys3(NR_syslog, SL_READ_ALL, 0, 100), -EINVAL, "syslog READ_ALL into NULL: EINVAL");
    }
    uexpect(sys3(NR_syslog, SL_READ_ALL, 8, sizeof buf), -EFAULT, "syslog READ_ALL to address 8: EFAULT");
    uexpect(sys3(NR_syslog, SL_CONSOLE_LEVEL, 0, 0), -EINVAL, "syslog CONSOLE_LEVEL 0: EINVAL");
    uexpect(sys3(NR_syslog, SL_CONSOLE_LEVEL, 0, 9), -EINVAL, "syslog CONSOLE_LEVEL 9: EINVAL");
    uexpect(sys3(NR_syslog, 11, 0, 0), -EINVAL, "syslog action 11: EINVAL");
    uexpect(sys3(NR_syslog, -1, 0, 0), -EINVAL, "syslog action -1: EINVAL");
    check(sys3(NR_syslog, SL_SIZE_UNREAD, 0, 0) >= 0, "syslog SIZE_UNREAD: a count");
    if (!uskip_on_linux("syslog READ (it would take lines from the host's log)")) {
        /* To the end of a line an earlier run's READ began (ext2_ufiles runs
         * this twice a boot); a READ with nothing unread would wait. */
        long unread = sys3(NR_syslog, SL_SIZE_UNREAD, 0, 0), k = 0;
        while (k < unread && sys3(NR_syslog, SL_READ, (long)buf, 1) == 1 && buf[0] != '\n')
            k++;
        check(sys3(NR_syslog, SL_SIZE_UNREAD, 0, 0) > 5, "syslog SIZE_UNREAD: lines left after one");
        check(sys3(NR_syslog, SL_READ, (long)buf, 5) == 5 && buf[0] == '<' && buf[2] == '>',
              "syslog READ of 5 bytes: the start of the next line no READ took");
        check(sys3(NR_syslog, SL_READ, (long)buf, 1) == 1 && buf[0] != '<', "the next READ goes on in that line");
    }
}

/* /proc/sys/kernel/dmesg_restrict's 0 or 1. */
static int dmesg_restrict(void)
{
    char c = '?';
    long fd = uopen("/proc/sys/kernel/dmesg_restrict", O_RDONLY, 0);
    sys3(NR_read, fd, (long)&c, 1);
    uclose(fd);
    check(c == '0' || c == '1', "/proc/sys/kernel/dmesg_restrict: 0 or 1");
    return c != '0';
}

static void syslog_checks_user(int restricted)
{
    static char buf[256];
    uexpect(sys3(NR_syslog, SL_SIZE_UNREAD, 0, 0), -EPERM, "syslog SIZE_UNREAD as a user: EPERM");
    uexpect(sys3(NR_syslog, SL_CLOSE, 0, 0), -EPERM, "syslog CLOSE as a user: EPERM");
    if (restricted) {
        uexpect(sys3(NR_syslog, SL_READ_ALL, (long)buf, sizeof buf), -EPERM,
                "syslog READ_ALL as a user, dmesg_restrict 1: EPERM");
        uexpect(sys3(NR_syslog, SL_SIZE_BUFFER, 0, 0), -EPERM, "syslog SIZE_BUFFER as a user, dmesg_restrict 1: EPERM");
    } else {
        check(sys3(NR_syslog, SL_SIZE_BUFFER, 0, 0) > 0, "syslog SIZE_BUFFER as a user, dmesg_restrict 0");
    }
}

/* ---- the child: ids, then the permissions of user USER ---- */
static void id_checks(void)
{
    unsigned g[4] = {GA, GB, 0, 0};
    uexpect(sys3(NR_setgroups, 2, (long)g, 0), 0, "setgroups of two groups, as root");
    uexpect(sys3(NR_getgroups, 0, 0, 0), 2, "getgroups(0) counts them");
    uexpect(sys3(NR_getgroups, 1, (long)g, 0), -EINVAL, "getgroups into a list too small: EINVAL");
    g[0] = g[1] = 0;
    check(sys3(NR_getgroups, 4, (long)g, 0) == 2 && g[0] == GB && g[1] == GA, "getgroups gives them back, sorted as Linux keeps them");
    uexpect(sys3(NR_setresgid, GROUP, GROUP, GROUP), 0, "setresgid(1000, 1000, 1000)");
    uexpect(res(NR_getresgid), RES(GROUP, GROUP, GROUP), "getresgid: all three");
    uexpect(sys3(NR_setresuid, USER, USER, 0), 0, "setresuid(1000, 1000, 0)");
    uexpect(res(NR_getresuid), RES(USER, USER, 0), "getresuid: 1000 1000 0");
    uexpect(sys1(NR_geteuid, 0), USER, "geteuid: 1000");
    uexpect(sys1(NR_setuid, 0), 0, "setuid(0) unprivileged: to the saved id");
    uexpect(res(NR_getresuid), RES(USER, 0, 0), "which sets the effective id alone");
    uexpect(sys3(NR_setresuid, -1, USER, -1), 0, "setresuid(-1, 1000, -1) as effective root");
    uexpect(sys3(NR_setreuid, -1, 0, 0), 0, "setreuid(-1, 0): back to the saved 0");
    uexpect(res(NR_getresuid), RES(USER, 0, 0), "the saved id follows the effective one");
    uexpect(sys1(NR_setuid, USER), 0, "setuid(1000) as effective root");
    uexpect(res(NR_getresuid), RES(USER, USER, USER), "sets all three");
    uexpect(sys1(NR_setuid, 0), -EPERM, "setuid(0) now: EPERM");
    uexpect(sys3(NR_setresuid, 0, -1, -1), -EPERM, "setresuid(0, -1, -1): EPERM");
    uexpect(sys3(NR_setreuid, -1, 0, 0), -EPERM, "setreuid(-1, 0): EPERM");
    uexpect(sys1(NR_setuid, -1), -EINVAL, "setuid(-1): EINVAL");
    uexpect(sys1(NR_setfsuid, 2000), USER, "setfsuid(2000) answers the old 1000");
    uexpect(sys1(NR_setfsuid, -1), USER, "and changed nothing");
    uexpect(sys3(NR_setgroups, 0, 0, 0), -EPERM, "setgroups unprivileged: EPERM");
    uexpect(sys1(NR_getuid, 0), USER, "getuid: 1000");
    uexpect(sys1(NR_getgid, 0), GROUP, "getgid: 1000");
}

static void perm_checks(long parent)
{
    long fd;
    uexpect(uopen("r600", O_RDONLY, 0), -EACCES, "open another's 0600 file for reading: EACCES");
    fd = uopen("r644", O_RDONLY, 0);
    check(fd >= 0, "open a 0644 file for reading");
    uclose(fd);
    uexpect(uopen("r644", O_WRONLY, 0), -EACCES, "open it for writing: EACCES");
    uexpect(uopen("r644", O_RDONLY | O_TRUNC, 0), -EACCES, "O_RDONLY|O_TRUNC of it: EACCES");
    fd = uopen("r666", O_RDWR, 0);
    check(fd >= 0, "open a 0666 file for reading and writing");
    uclose(fd);
    uexpect(uaccess("r600", R_OK), -EACCES, "faccessat R_OK of the 0600 file: EACCES");
    uexpect(uaccess("r600", F_OK), 0, "F_OK: it exists");
    uexpect(uaccess("r644", R_OK), 0, "R_OK of the 0644 file");
    uexpect(uaccess("r644", W_OK), -EACCES, "W_OK of it: EACCES");
    uexpect(uopen("new", O_CREAT | O_WRONLY, 0644), -EACCES, "create in root's 0755 directory: EACCES");
    uexpect(umkdir("newd", 0755), -EACCES, "mkdir there: EACCES");
    uexpect(umkdir("r644", 0755), -EEXIST, "mkdir of a name that exists: EEXIST first");
    uexpect(uunlink("r644", 0), -EACCES, "unlink there: EACCES");
    uexpect(urename("r644", "r644b"), -EACCES, "rename there: EACCES");
    struct ustat st;
    uexpect(ustat_("d700/x", &st), -EACCES, "stat through a 0700 directory: EACCES");
    uexpect(ustat_("d700/none", &st), -EACCES, "even of a name that is not there");
    uexpect(sys1(NR_chdir, (long)"d700"), -EACCES, "chdir into it: EACCES");
    uexpect(sys3(NR_truncate, (long)"r644", 0, 0), -EACCES, "truncate the 0644 file: EACCES");
    uexpect(sys3(NR_truncate, (long)"r666", 2, 0), 0, "truncate the 0666 one");
    uexpect(uchmod("r666", 0777), -EPERM, "chmod another's file: EPERM");
    uexpect(uchown("r666", USER, -1), -EPERM, "chown another's file to oneself: EPERM");
    uexpect(utimes_("r666", 0), 0, "utimensat to now of a file one may write");
    uexpect(utimes_("r644", 0), -EACCES, "of one one may not write: EACCES");
    long ts[4] = {1, 0, 1, 0};
    uexpect(utimes_("r666", ts), -EPERM, "a given time on another's file: EPERM");
    /* The sticky directory: one's own names come and go, root's stay. */
    fd = uopen("sticky/mine", O_CREAT | O_WRONLY, 0644);
    check(fd >= 0, "create in the sticky 01777 directory");
    struct ustat mine = {0};
    sys3(NR_fstat, fd, (long)&mine, 0);
    check(mine.uid == USER && mine.gid == GROUP, "the new file is 1000:1000");
    uexpect(sys3(NR_fchown, fd, -1, GB), 0, "fchown of one's file to a group one is in");
    uexpect(sys3(NR_fchown, fd, -1, GX), -EPERM, "to a group one is not in: EPERM");
    uexpect(sys3(NR_fchown, fd, 0, -1), -EPERM, "to another user: EPERM");
    uexpect(sys3(NR_fchmod, fd, 02755, 0), 0, "fchmod 02755 of one's file (its group one's own)");
    uexpect(mode_of("sticky/mine"), 02755, "the set-group-ID bit is kept");
    uclose(fd);
    uexpect(uunlink("sticky/rootf", 0), -EPERM, "unlink root's file in the sticky directory: EPERM");
    uexpect(urename("sticky/rootf", "sticky/x"), -EPERM, "rename it: EPERM");
    uexpect(urename("sticky/mine", "sticky/mine2"), 0, "rename one's own there");
    uexpect(uunlink("sticky/mine2", 0), 0, "unlink one's own there");
    /* The set-group-ID directory: its group for every new name. */
    fd = uopen("sgid/f", O_CREAT | O_WRONLY, 0644);
    uclose(fd);
    uexpect(gid_of("sgid/f"), GA, "a file made in a set-group-ID directory takes its group");
    uexpect(umkdir("sgid/sub", 0755), 0, "mkdir there");
    check(gid_of("sgid/sub") == GA && (mode_of("sgid/sub") & 02000), "a directory made there takes its group and bit");
    uexpect(uunlink("sgid/sub", AT_REMOVEDIR), 0, "rmdir it");
    uexpect(uunlink("sgid/f", 0), 0, "unlink the file");
    uexpect(sys3(NR_kill, parent, 0, 0), -EPERM, "kill(root's process, 0): EPERM");
    uexpect(sys3(NR_kill, sys1(NR_getpid, 0), 0, 0), 0, "kill(itself, 0)");
}


static void child(long parent)
{
    int restricted = dmesg_restrict();
    id_checks();
    perm_checks(parent);
    syslog_checks_user(restricted);
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    if (sys1(NR_getuid, 0) != 0 || sys1(NR_geteuid, 0) != 0) {
        uputs("skip every check: ucred must run as root\nucred: 0 failed\n");
        return 0;
    }
    char top[40] = "ucred.";
    char *q = top + 6;
    char num[24], *n = num + sizeof num;
    *--n = 0;
    for (long v = sys1(NR_getpid, 0); v; v /= 10)
        *--n = (char)('0' + v % 10);
    while ((*q++ = *n++))
        ;
    sys1(NR_umask, 022);
    if (sys1(NR_chdir, (long)dir) != 0 || umkdir(top, 0755) != 0 || sys1(NR_chdir, (long)top) != 0) {
        check(0, "mkdirat DIR/ucred.<pid>, chdir into it");
        uputs("ucred: 1 failed\n");
        return 1;
    }
    uexpect(res(NR_getresuid), 0, "getresuid: root's 0 0 0");
    syslog_checks_root();
    put("r600", 0600);
    put("r644", 0644);
    put("r666", 0666);
    umkdir("d700", 0700);
    put("d700/x", 0644);
    umkdir("sticky", 0777);
    uexpect(uchmod("sticky", 01777), 0, "chmod 01777");
    put("sticky/rootf", 0644);
    umkdir("sgid", 0777);
    uexpect(uchown("sgid", 0, GA), 0, "chown a directory to group 4321");
    uexpect(uchmod("sgid", 02777), 0, "chmod 02777");
    in_child(child, sys1(NR_getpid, 0));
    /* Root's chown: a set-user-ID file loses the bit. */
    put("suid", 04755);
    uexpect(mode_of("suid"), 04755, "chmod 04755 as root");
    uexpect(uchown("suid", USER, GROUP), 0, "root chowns it");
    uexpect(mode_of("suid"), 0755, "which clears the set-user-ID bit");
    const char *files[] = {"r600", "r644", "r666", "d700/x", "sticky/rootf", "suid"};
    for (unsigned i = 0; i < sizeof files / sizeof files[0]; i++)
        uunlink(files[i], 0);
    uunlink("d700", AT_REMOVEDIR);
    uunlink("sticky", AT_REMOVEDIR);
    uunlink("sgid", AT_REMOVEDIR);
    sys1(NR_chdir, (long)"..");
    uexpect(uunlink(top, AT_REMOVEDIR), 0, "remove DIR/ucred.<pid>");
    uputs("ucred: "), uputn(fails), uputs(" failed\n");
    return fails > 255 ? 255 : fails;
}
