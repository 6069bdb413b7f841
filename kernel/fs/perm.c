/**
 * @file perm.c
 * @brief Who may do what to an inode: the owner, group and other bits
 *        checked against the caller's credentials, as Linux checks them.
 *
 * The credentials are the calling process's (its fs_ctx's, found through
 * task_fs()); a kernel thread has none and may do everything. Effective
 * user id 0 is root: it reads and writes anything and searches every
 * directory (Linux's CAP_DAC_OVERRIDE), and runs a file only if some
 * execute bit is set. Everyone else gets the owner's bits if the file's
 * owner is their file-system user id, else the group's if its group is
 * their file-system group or one of their supplementary groups, else the
 * others'. Whether the file system is read-only is for the callers
 * (EROFS comes from them).
 */
#include <kernel/errno.h>
#include <kernel/task.h>
#include <kernel/vfs.h>

const struct cred *vfs_cred(void)
{
    struct fs_ctx *fs = task_fs();
    return fs ? &fs->cred : NULL;
}

/* @p gid is one of @p c's supplementary groups. */
static int in_groups(const struct cred *c, uint32_t gid)
{
    for (uint32_t i = 0; i < c->ngroups && i < CRED_GROUPS_MAX; i++)
        if (c->groups[i] == gid)
            return 1;
    return 0;
}

int cred_in_group(const struct cred *c, uint32_t gid) { return !c || c->fsgid == gid || in_groups(c, gid); }

int cred_may(const struct cred *c, uint32_t uid, uint32_t gid, const struct inode *ino, int mask)
{
    if (!c)
        return 0;
    if (uid == 0) {
        /* root: but exec needs an execute bit somewhere (directories are
         * searched regardless). */
        if ((mask & MAY_EXEC) && !S_ISDIR(ino->mode) && !(ino->mode & 0111))
            return -EACCES;
        return 0;
    }
    uint32_t bits = ino->mode;
    if (ino->uid == uid)
        bits >>= 6;
    else if (gid == ino->gid || in_groups(c, ino->gid))
        bits >>= 3;
    return ((unsigned)mask & ~bits & 7u) ? -EACCES : 0;
}

int vfs_may(const struct inode *ino, int mask)
{
    const struct cred *c = vfs_cred();
    return c ? cred_may(c, c->fsuid, c->fsgid, ino, mask) : 0;
}

int vfs_owns(const struct inode *ino)
{
    const struct cred *c = vfs_cred();
    return !c || c->fsuid == 0 || c->fsuid == ino->uid;
}

int vfs_may_delete(const struct inode *dir, const struct inode *victim)
{
    int e = vfs_may(dir, MAY_WRITE | MAY_EXEC);
    if (e)
        return e;
    /* The sticky bit: only the file's owner, the directory's or root
     * removes or renames a name there (/tmp). */
    const struct cred *c = vfs_cred();
    if ((dir->mode & S_ISVTX) && c && c->fsuid && c->fsuid != victim->uid && c->fsuid != dir->uid)
        return -EPERM;
    return 0;
}

void vfs_own_new(struct inode *dir, struct inode *ino)
{
    const struct cred *c = vfs_cred();
    uint32_t uid = c ? c->fsuid : 0, gid = c ? c->fsgid : 0;
    uint32_t mode = ino->mode;
    if (dir->mode & S_ISGID) {
        gid = dir->gid; /* BSD groups: a set-group-ID directory's group */
        if (S_ISDIR(mode))
            mode |= S_ISGID;
    }
    if (ino->uid == uid && ino->gid == gid && ino->mode == mode)
        return;
    ino->uid = uid;
    ino->gid = gid;
    ino->mode = mode;
    inode_changed(ino);
}
