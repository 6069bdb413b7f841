/**
 * @file user_cmds.c
 * @brief Shell commands of user mode: `run` starts a program in the
 *        foreground, `syscalls` shows which system calls programs made and
 *        which they wanted that are missing; and the table of built-in
 *        programs (the generated uprogs.c).
 */
#include "sys.h"
#include <kernel/errno.h>
#include <kernel/initrd.h>
#include <kernel/console.h>
#include <kernel/kprintf.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/shell.h>
#include <kernel/string.h>
#include <kernel/user.h>
#include <kernel/vfs.h>
#include <kernel/vmalloc.h>
#include <kernel/wait.h>

extern const struct uprog uprogs[];

const struct uprog *uprog_next(const struct uprog *prev)
{
    const struct uprog *u = prev ? prev + 1 : uprogs;
    return u->name ? u : NULL;
}

const struct uprog *uprog_find(const char *name)
{
    for (const struct uprog *u = uprog_next(NULL); u; u = uprog_next(u))
        if (strcmp(u->name, name) == 0)
            return u;
    return NULL;
}

static int cmd_run(int argc, char **argv)
{
    if (argc < 2)
        return shell_usage(argv[0]);
    const void *image;
    size_t len;
    void *tofree = NULL;
    const char *path = argv[1];
    if (strchr(path, '/')) {
        int e = vfs_init();
        e = e ? e : sys_find_image(path, &image, &len, &tofree);
        if (e)
            return shell_error(e, "run: %s: %s", path,
                               e == -ENOENT ? "no such file" : e == -EACCES ? "not an executable file" : "cannot read it");
    } else {
        const struct uprog *u = uprog_find(path);
        if (!u)
            return shell_error(-ENOENT, "run: %s: no such built-in program (`run` lists them)", path);
        image = u->image;
        len = (size_t)(u->end - u->image);
    }
    char *envp[] = {"PATH=/bin", "HOME=/", "TERM=vt100", NULL};
    char err[96];
    int pid;
    int e = proc_spawn(path, image, len, argv + 1, envp, &pid, err, sizeof err);
    vfree(tofree);
    if (e)
        return shell_error(e, "run: %s: %s", path, err[0] ? err : "cannot start it");
    /* The console is its terminal, its group in the foreground: Ctrl-C
     * goes to it (and its children) from the terminal itself. */
    tty_attach(pid, pid);
    /* Ctrl-C (console_cancelled()) interrupts the program, not the shell. */
    int sent = 0;
    while (proc_state_of(pid) == PROC_RUNNING) {
        if (!sent && console_cancelled()) {
            proc_kill(pid, SIGINT);
            sent = 1;
        }
        thread_sleep_ms(5);
    }
    int status = proc_wait(pid);
    tty_detach(pid);
    if (status & 0x7f)
        kprintf("[signal %s]\n", signal_name(status & 0x7f));
    else
        kprintf("[exit %d]\n", (status >> 8) & 0xff);
    return 0;
}

SHELL_COMMAND("run", "run <program|/path> [args...]",
              "run a user program in the foreground; Ctrl-C interrupts it", cmd_run);

static int cmd_syscalls(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    struct syscall_stat st[64];
    unsigned n = syscall_stats(st, 64);
    if (n == 0) {
        kprintf("no system calls yet\n");
        return 0;
    }
    kprintf("  nr  name                 calls\n");
    for (unsigned i = 0; i < n && i < 64; i++) {
        if (st[i].nr < 0)
            kprintf("   -  (number out of range) %8llu  ENOSYS\n", (unsigned long long)st[i].count);
        else
            kprintf("%4ld  %-20s %8llu%s\n", st[i].nr, st[i].name ? st[i].name : "(unimplemented)",
                    (unsigned long long)st[i].count, st[i].name ? "" : "  ENOSYS");
    }
    return 0;
}

SHELL_COMMAND("syscalls", "syscalls", "system calls made so far, and the unimplemented ones seen",
              cmd_syscalls);
