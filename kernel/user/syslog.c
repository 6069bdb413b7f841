/**
 * @file syslog.c
 * @brief syslog(2), glibc's klogctl(): the kernel log as util-linux's and
 *        busybox's `dmesg` and klogd read it.
 *
 * Each log line comes out as Linux's records do, "<level>[seconds] text\n",
 * with syslog's numbers for the levels (3 errors, 4 warnings, 6 info, 7
 * debug). READ_ALL copies the newest lines that fit, from the last CLEAR
 * on, and leaves them; READ takes the lines no READ took yet, waiting for
 * one if there are none. Every action is root's while
 * /proc/sys/kernel/dmesg_restrict is 1 (the default, as Debian's kernels
 * set it: a user's `dmesg` gets EPERM there too); with 0, users may
 * READ_ALL and SIZE_BUFFER, as on Linux.
 */
#include "sys.h"
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/logbuf.h>
#include <kernel/proc.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <kernel/vfs.h>
#include <kernel/wait.h>

enum {
    SYSLOG_CLOSE,
    SYSLOG_OPEN,
    SYSLOG_READ,
    SYSLOG_READ_ALL,
    SYSLOG_READ_CLEAR,
    SYSLOG_CLEAR,
    SYSLOG_CONSOLE_OFF,
    SYSLOG_CONSOLE_ON,
    SYSLOG_CONSOLE_LEVEL,
    SYSLOG_SIZE_UNREAD,
    SYSLOG_SIZE_BUFFER,
};

#define REC_MAX (KLOG_LINE_MAX + 8) /* "<7>" + the line + "\n" */

static struct mutex syslog_lock = {WAITQUEUE_INIT(syslog_lock.wq, "syslog"), NULL, 0};
static uint64_t clear_seq; /* READ_ALL starts here (CLEAR moves it) */
static uint64_t read_seq;  /* the line READ gives next */
static size_t read_part;   /* bytes of that line a short READ gave already */
static int saved_level = -1; /* the console's level before CONSOLE_OFF, -1: none saved */

/* The line at @p c as a record, into @p rec; its length, or -1 past the last. */
static long next_record(struct logbuf_cursor *c, char rec[REC_MAX])
{
    static const char prio[] = {'3', '4', '6', '7'}; /* LOG_ERR .. LOG_DEBUG */
    char line[KLOG_LINE_MAX];
    unsigned level;
    uint64_t lost;
    long n = klog_read(c, &level, line, sizeof line, &lost);
    if (n < 0)
        return -1;
    if ((size_t)n >= sizeof line)
        n = sizeof line - 1;
    rec[0] = '<';
    rec[1] = prio[level < sizeof prio ? level : sizeof prio - 1];
    rec[2] = '>';
    memcpy(rec + 3, line, (size_t)n);
    rec[3 + n] = '\n';
    return n + 4;
}

/* A cursor at the first line numbered @p seq or later that the log still holds. */
static struct logbuf_cursor cursor_at(uint64_t seq)
{
    struct logbuf_cursor c = klog_oldest(NULL);
    char rec[REC_MAX];
    while (c.seq < seq && next_record(&c, rec) >= 0)
        ;
    return c;
}

/* The bytes the lines numbered @p seq to @p end (not included) take as records. */
static size_t bytes_between(uint64_t seq, uint64_t end)
{
    struct logbuf_cursor c = cursor_at(seq);
    char rec[REC_MAX];
    size_t total = 0;
    for (long n; c.seq < end && (n = next_record(&c, rec)) >= 0;)
        total += (size_t)n;
    return total;
}

/* READ_ALL: the newest whole records from clear_seq on that fit in @p len. */
static long read_all(char *ubuf, size_t len, int clear)
{
    uint64_t next;
    klog_oldest(&next); /* lines logged from here on are not copied */
    size_t total = bytes_between(clear_seq, next);
    struct logbuf_cursor c = cursor_at(clear_seq);
    char rec[REC_MAX];
    for (long n; total > len && c.seq < next && (n = next_record(&c, rec)) >= 0;)
        total -= (size_t)n; /* the oldest go first */
    size_t done = 0;
    for (long n; c.seq < next && done < len && (n = next_record(&c, rec)) >= 0;) {
        if (done + (size_t)n > len)
            break; /* a line logged since the count was overwritten meanwhile */
        if (copy_to_user(ubuf + done, rec, (size_t)n))
            return -EFAULT;
        done += (size_t)n;
    }
    if (clear)
        clear_seq = next;
    return (long)done;
}

/* READ: what no READ took yet, up to @p len bytes, waiting for a line. The
 * wait looks again every 50 ms: klog() runs in any context, NMIs among
 * them, where it cannot wake a thread. */
static long read_new(char *ubuf, size_t len)
{
    char rec[REC_MAX];
    for (;;) {
        struct logbuf_cursor c = cursor_at(read_seq);
        if (c.seq != read_seq)
            read_part = 0; /* the line went: start at the oldest one left */
        size_t done = 0;
        long n;
        while (done < len && (n = next_record(&c, rec)) >= 0) {
            size_t take = (size_t)n - read_part;
            if (take > len - done)
                take = len - done;
            if (copy_to_user(ubuf + done, rec + read_part, take))
                return done ? (long)done : -EFAULT;
            done += take;
            if (read_part + take < (size_t)n) {
                read_part += take;
                read_seq = c.seq - 1;
                return (long)done;
            }
            read_part = 0;
            read_seq = c.seq;
        }
        if (done)
            return (long)done;
        mutex_unlock(&syslog_lock);
        int e = signal_sleep_ns(50000000ull, NULL);
        mutex_lock(&syslog_lock);
        if (e)
            return -ERESTARTSYS;
    }
}

static long sys_syslog(const uint64_t a[6])
{
    int type = (int)a[0], len = (int)a[2];
    char *buf = (char *)(uintptr_t)a[1];
    if (type < SYSLOG_CLOSE || type > SYSLOG_SIZE_BUFFER)
        return -EINVAL;
    if (proc_current()->fs.cred.euid != 0 &&
        (__atomic_load_n(&proc_dmesg_restrict, __ATOMIC_RELAXED) ||
         (type != SYSLOG_READ_ALL && type != SYSLOG_SIZE_BUFFER)))
        return -EPERM;
    switch (type) {
    case SYSLOG_READ:
    case SYSLOG_READ_ALL:
    case SYSLOG_READ_CLEAR:
        if (!buf || len < 0)
            return -EINVAL;
        if (!len)
            return 0;
        break;
    case SYSLOG_CONSOLE_LEVEL:
        if (len < 1 || len > 8)
            return -EINVAL;
        break;
    case SYSLOG_SIZE_BUFFER:
        return (long)klog_size();
    default:
        break;
    }
    mutex_lock(&syslog_lock);
    long r = 0;
    switch (type) {
    case SYSLOG_READ:
        r = read_new(buf, (size_t)len);
        break;
    case SYSLOG_READ_ALL:
    case SYSLOG_READ_CLEAR:
        r = read_all(buf, (size_t)len, type == SYSLOG_READ_CLEAR);
        break;
    case SYSLOG_CLEAR:
        klog_oldest(&clear_seq);
        break;
    case SYSLOG_CONSOLE_OFF: /* the most urgent lines only; ON puts the level back */
        if (saved_level < 0)
            saved_level = (int)klog_console_level_now();
        klog_console_level(LOG_ERR);
        break;
    case SYSLOG_CONSOLE_ON:
        if (saved_level >= 0)
            klog_console_level((enum log_level)saved_level);
        saved_level = -1;
        break;
    case SYSLOG_CONSOLE_LEVEL:
        /* syslog's level @len: lines of a priority below it are printed
         * (errors 3, warnings 4, info 6, debug 7) */
        klog_console_level(len <= 4 ? LOG_ERR : len <= 6 ? LOG_WARN : len == 7 ? LOG_INFO : LOG_DEBUG);
        saved_level = -1;
        break;
    case SYSLOG_SIZE_UNREAD: {
        size_t n = bytes_between(read_seq, UINT64_MAX);
        r = (long)(n > read_part ? n - read_part : 0);
        break;
    }
    default:
        break;
    }
    mutex_unlock(&syslog_lock);
    return r;
}

const struct sysent sys_syslog_table[] = {
    SYSENT(syslog),
};
const unsigned sys_syslog_count = sizeof sys_syslog_table / sizeof sys_syslog_table[0];
