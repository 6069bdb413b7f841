/**
 * @file cred.c
 * @brief User and group ids: getuid and the set*id calls, with Linux's rules.
 *
 * A process has a real, an effective, a saved and a file-system user id,
 * the same four group ids and up to CRED_GROUPS_MAX supplementary groups
 * (struct cred, in its fs_ctx, where the VFS's permission checks find
 * them; fork copies them, execve of a set-user-ID file changes them). The
 * privilege Linux calls CAP_SETUID and CAP_SETGID is an effective user id
 * of 0 here: there are no capabilities of their own, so root that sets
 * its effective id elsewhere has no privilege until it sets it back from
 * its saved one, as Linux's capability rules give for ids alone.
 *
 * The ids are the process's, shared by its threads (Linux keeps them per
 * thread and the C library sets every thread's in turn: each later call
 * finds the change made and succeeds the same way).
 */
#include "sys.h"
#include <kernel/errno.h>
#include <kernel/proc.h>
#include <kernel/user.h>
#include <kernel/vfs.h>

#define ID_KEEP 0xffffffffu /* -1: leave this id as it is */

static struct cred *cred(void) { return &proc_current()->fs.cred; }

static long sys_getuid(const uint64_t a[6]) { return (void)a, cred()->uid; }
static long sys_geteuid(const uint64_t a[6]) { return (void)a, cred()->euid; }
static long sys_getgid(const uint64_t a[6]) { return (void)a, cred()->gid; }
static long sys_getegid(const uint64_t a[6]) { return (void)a, cred()->egid; }

/* The four ids of a user or of a group, as one struct's fields. */
struct ids {
    uint32_t *r, *e, *s, *fs;
};

static struct ids user_ids(struct cred *c) { return (struct ids){&c->uid, &c->euid, &c->suid, &c->fsuid}; }
static struct ids group_ids(struct cred *c) { return (struct ids){&c->gid, &c->egid, &c->sgid, &c->fsgid}; }

static int privileged(void) { return cred()->euid == 0; }

/* @p id is one of the real, effective and saved ids. */
static int one_of(struct ids d, uint32_t id) { return id == *d.r || id == *d.e || id == *d.s; }

/* setuid / setgid: privileged, all three; else the effective one, to the
 * real or the saved. */
static long set_id(struct ids d, uint32_t id)
{
    if (id == ID_KEEP)
        return -EINVAL;
    if (privileged())
        *d.r = *d.s = id;
    else if (id != *d.r && id != *d.s)
        return -EPERM;
    *d.e = *d.fs = id;
    return 0;
}

/* setreuid / setregid: the real id to the real or effective one, the
 * effective to any of the three; the saved id follows the effective one
 * when the real one is set, or the effective one moves off the real. */
static long set_re(struct ids d, uint32_t r, uint32_t e)
{
    int priv = privileged();
    if (r != ID_KEEP && !priv && r != *d.r && r != *d.e)
        return -EPERM;
    if (e != ID_KEEP && !priv && !one_of(d, e))
        return -EPERM;
    uint32_t old_r = *d.r;
    if (r != ID_KEEP)
        *d.r = r;
    if (e != ID_KEEP)
        *d.e = e;
    if (r != ID_KEEP || (e != ID_KEEP && e != old_r))
        *d.s = *d.e;
    *d.fs = *d.e;
    return 0;
}

/* setresuid / setresgid: unprivileged, each to one of the three. */
static long set_res(struct ids d, uint32_t r, uint32_t e, uint32_t s)
{
    if (!privileged() &&
        ((r != ID_KEEP && !one_of(d, r)) || (e != ID_KEEP && !one_of(d, e)) || (s != ID_KEEP && !one_of(d, s))))
        return -EPERM;
    if (r != ID_KEEP)
        *d.r = r;
    if (e != ID_KEEP)
        *d.e = e;
    if (s != ID_KEEP)
        *d.s = s;
    *d.fs = *d.e;
    return 0;
}

static long get_res(struct ids d, const uint64_t a[6])
{
    uint32_t *v[3] = {d.r, d.e, d.s};
    for (int i = 0; i < 3; i++)
        if (copy_to_user((void *)(uintptr_t)a[i], v[i], sizeof(uint32_t)))
            return -EFAULT;
    return 0;
}

/* setfsuid / setfsgid: the old id, whether or not it changed. */
static long set_fs(struct ids d, uint32_t id)
{
    uint32_t old = *d.fs;
    if (id != ID_KEEP && (privileged() || one_of(d, id) || id == *d.fs))
        *d.fs = id;
    return old;
}

static long sys_setuid(const uint64_t a[6]) { return set_id(user_ids(cred()), (uint32_t)a[0]); }
static long sys_setgid(const uint64_t a[6]) { return set_id(group_ids(cred()), (uint32_t)a[0]); }
static long sys_setreuid(const uint64_t a[6]) { return set_re(user_ids(cred()), (uint32_t)a[0], (uint32_t)a[1]); }
static long sys_setregid(const uint64_t a[6]) { return set_re(group_ids(cred()), (uint32_t)a[0], (uint32_t)a[1]); }
static long sys_setresuid(const uint64_t a[6])
{
    return set_res(user_ids(cred()), (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}
static long sys_setresgid(const uint64_t a[6])
{
    return set_res(group_ids(cred()), (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}
static long sys_getresuid(const uint64_t a[6]) { return get_res(user_ids(cred()), a); }
static long sys_getresgid(const uint64_t a[6]) { return get_res(group_ids(cred()), a); }
static long sys_setfsuid(const uint64_t a[6]) { return set_fs(user_ids(cred()), (uint32_t)a[0]); }
static long sys_setfsgid(const uint64_t a[6]) { return set_fs(group_ids(cred()), (uint32_t)a[0]); }

/* getgroups(size, list): with size 0 how many; a list too small is EINVAL. */
static long sys_getgroups(const uint64_t a[6])
{
    struct cred *c = cred();
    int size = (int)a[0];
    if (size < 0)
        return -EINVAL;
    if (!size)
        return c->ngroups;
    if ((uint32_t)size < c->ngroups)
        return -EINVAL;
    if (c->ngroups && copy_to_user((void *)(uintptr_t)a[1], c->groups, c->ngroups * sizeof c->groups[0]))
        return -EFAULT;
    return c->ngroups;
}

/* setgroups(size, list): root's alone; more than CRED_GROUPS_MAX is
 * EINVAL here (Linux takes 65536). */
static long sys_setgroups(const uint64_t a[6])
{
    int size = (int)a[0];
    if (!privileged())
        return -EPERM;
    if (size < 0 || size > CRED_GROUPS_MAX)
        return -EINVAL;
    uint32_t g[CRED_GROUPS_MAX];
    if (size && copy_from_user(g, (const void *)(uintptr_t)a[1], (size_t)size * sizeof g[0]))
        return -EFAULT;
    /* Sorted, as Linux keeps them (getgroups answers in that order). */
    for (int i = 1; i < size; i++)
        for (int j = i; j > 0 && g[j - 1] > g[j]; j--) {
            uint32_t t = g[j];
            g[j] = g[j - 1];
            g[j - 1] = t;
        }
    struct cred *c = cred();
    for (int i = 0; i < size; i++)
        c->groups[i] = g[i];
    c->ngroups = (uint32_t)size;
    return 0;
}

const struct sysent sys_cred_table[] = {
    SYSENT(getuid),    SYSENT(geteuid),   SYSENT(getgid),    SYSENT(getegid),   SYSENT(setuid),
    SYSENT(setgid),    SYSENT(setreuid),  SYSENT(setregid),  SYSENT(setresuid), SYSENT(setresgid),
    SYSENT(getresuid), SYSENT(getresgid), SYSENT(setfsuid),  SYSENT(setfsgid),  SYSENT(getgroups),
    SYSENT(setgroups),
};

const unsigned sys_cred_count = sizeof sys_cred_table / sizeof sys_cred_table[0];
