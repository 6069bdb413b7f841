/**
 * @file task.c
 * @brief The calling process's file context and signals, as the process
 *        layer lends them to the layers below it (kernel/task.h).
 */
#include <kernel/errno.h>
#include <kernel/task.h>
#include <stddef.h>

static const struct task_ops *ops;

void task_set_ops(const struct task_ops *o) { __atomic_store_n(&ops, o, __ATOMIC_RELEASE); }

static const struct task_ops *lent(void) { return __atomic_load_n(&ops, __ATOMIC_ACQUIRE); }

struct fs_ctx *task_fs(void)
{
    const struct task_ops *o = lent();
    return o ? o->fs() : NULL;
}

struct waitqueue *task_signal_wq(void)
{
    const struct task_ops *o = lent();
    return o ? o->signal_wq() : NULL;
}

int task_signal_pending(void)
{
    const struct task_ops *o = lent();
    return o ? o->signal_pending() : 0;
}

void task_signal_self(int sig)
{
    const struct task_ops *o = lent();
    if (o)
        o->signal_self(sig);
}

int task_ids(struct task_ids *out)
{
    const struct task_ops *o = lent();
    *out = (struct task_ids){0, 0, 0};
    return o ? o->ids(out) : 0;
}

int task_shuns(int sig)
{
    const struct task_ops *o = lent();
    return o ? o->shuns(sig) : 0;
}

void task_kill_group(int pgid, int sig)
{
    const struct task_ops *o = lent();
    if (o)
        o->kill_group(pgid, sig);
}

int task_group_orphaned(int pgid)
{
    const struct task_ops *o = lent();
    return o ? o->group_orphaned(pgid) : 0;
}

int task_group_in_session(int pgid, int sid)
{
    const struct task_ops *o = lent();
    return o ? o->group_in_session(pgid, sid) : 0;
}

int task_proc_info(int pid, struct proc_info *out)
{
    const struct task_ops *o = lent();
    return o ? o->info(pid, out) : -ESRCH;
}

int task_next_pid(int from)
{
    const struct task_ops *o = lent();
    return o ? o->next_pid(from) : 0;
}

int task_proc_state(int pid)
{
    const struct task_ops *o = lent();
    return o ? o->state_of(pid) : -ESRCH;
}

struct file *task_file_of(int pid, int fd)
{
    const struct task_ops *o = lent();
    return o ? o->file_of(pid, fd) : NULL;
}

int task_next_fd(int pid, int from)
{
    const struct task_ops *o = lent();
    return o ? o->next_fd(pid, from) : -1;
}

struct inode *task_cwd_of(int pid)
{
    const struct task_ops *o = lent();
    return o ? o->cwd_of(pid) : NULL;
}

long task_maps_of(int pid, char *buf, size_t size)
{
    const struct task_ops *o = lent();
    return o && o->maps_of ? o->maps_of(pid, buf, size) : -ESRCH;
}

unsigned task_threads_max(void)
{
    const struct task_ops *o = lent();
    return o && o->threads_max ? o->threads_max() : 0;
}

int task_set_threads_max(long n)
{
    const struct task_ops *o = lent();
    return o && o->set_threads_max ? o->set_threads_max(n) : -EINVAL;
}
