/**
 * @file user_cmds.c
 * @brief Shell commands of user mode: `run` starts a program in the
 *        foreground, `syscalls` shows which system calls programs made and
 *        which they wanted that are missing.
 */
#include "signal.h"
#include "exec.h"
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/initrd.h>
#include <kernel/console.h>
#include <kernel/kprintf.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/shell.h>
#include <kernel/string.h>
#include <kernel/user.h>
#include <kernel/tty.h>
#include <kernel/vfs.h>
#include <kernel/vmalloc.h>
#include <kernel/wait.h>

/* A Ctrl-C the terminal did not make a signal of, not yet passed on
 * (console_rx_push() wakes the console's input queue for it). */
static int ctrl_c_unsent(void *sent) { return !*(int *)sent && console_cancelled(); }

static int cmd_run(int argc, char **argv)
{
    if (argc < 2)
        return shell_usage(argv[0]);
    /* A program sees the machine's disks in /dev whether it was started
     * at the first prompt or later: they are found by the probing that
     * runs after the prompt (as Linux starts init after its drivers). */
    device_probe_wait();
    struct exec_image img = {0};
    const char *path = argv[1];
    if (strchr(path, '/')) {
        int e = vfs_init();
        e = e ? e : sys_find_image(path, &img);
        if (e)
            return shell_error(e, "run: %s: %s", path,
                               e == -ENOENT ? "no such file" : e == -EACCES ? "not an executable file" : "cannot read it");
    } else {
        const struct uprog *u = uprog_find(path);
        if (!u)
            return shell_error(-ENOENT, "run: %s: no such built-in program (`run` lists them)", path);
        img.data = u->image;
        img.len = (size_t)(u->end - u->image);
    }
    char *envp[] = {"PATH=/bin", "HOME=/", "TERM=vt100", NULL};
    char err[96];
    int pid;
    int e = proc_spawn_image(path, &img, argv + 1, envp, &pid, err, sizeof err);
    exec_image_put(&img);
    if (e)
        return shell_error(e, "run: %s: %s", path, err[0] ? err : "cannot start it");
    /* The console is its terminal, its group in the foreground: Ctrl-C
     * goes to it (and its children) from the terminal itself. */
    struct tty_owner prev;
    tty_attach(pid, pid, &prev);
    /* Ctrl-C (console_cancelled()) interrupts the program, not the shell. */
    int sent = 0;
    while (proc_wait_end_or(pid, console_rx_waitqueue(), ctrl_c_unsent, &sent) == 0) {
        proc_kill(pid, SIGINT);
        sent = 1;
    }
    int status = proc_wait(pid);
    tty_restore(&prev);
    /* As bash does for a job a signal key ended: a new line first, after
     * the terminal's echo of the key ("^C"; not when the shell's own
     * Ctrl-C sent it, which says "^C" after). */
    if (!sent && ((status & 0x7f) == SIGINT || (status & 0x7f) == SIGQUIT))
        kprintf("\n");
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
    /* A page of rows at a time: the unimplemented calls come last, and a
     * program like python makes more distinct calls than one page holds. */
    struct syscall_stat st[32];
    unsigned n = syscall_stats(st, 32, 0);
    if (n == 0) {
        kprintf("no system calls yet\n");
        return 0;
    }
    kprintf("  nr  name                 calls\n");
    for (unsigned first = 0; first < n; first += 32) {
        if (first)
            syscall_stats(st, 32, first);
        for (unsigned i = 0; i < 32 && first + i < n; i++) {
            if (st[i].nr < 0)
                kprintf("   -  (number out of range) %8llu  ENOSYS\n", (unsigned long long)st[i].count);
            else
                kprintf("%4ld  %-20s %8llu%s\n", st[i].nr, st[i].name ? st[i].name : "(unimplemented)",
                        (unsigned long long)st[i].count, st[i].name ? "" : "  ENOSYS");
        }
    }
    return 0;
}

SHELL_COMMAND("syscalls", "syscalls", "system calls made so far, and the unimplemented ones seen",
              cmd_syscalls);

static int cmd_ps(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    kprintf("  PID  PPID  PGID S     TIME  MEM(KiB) COMMAND\n");
    for (int pid = proc_next_pid(1); pid; pid = proc_next_pid(pid + 1)) {
        struct proc_info pi;
        if (proc_info(pid, &pi))
            continue;
        /* The command line with its NULs as spaces. */
        for (size_t i = 0; i + 1 < pi.cmdline_len; i++)
            if (!pi.cmdline[i])
                pi.cmdline[i] = ' ';
        if (!pi.cmdline_len)
            strlcpy(pi.cmdline, pi.name, sizeof pi.cmdline);
        pi.cmdline[sizeof pi.cmdline - 1] = 0;
        unsigned long ms = (unsigned long)(pi.cpu_ns / 1000000u);
        kprintf("%5d %5d %5d %c %5lu.%03lu %9llu %s\n", pi.pid, pi.ppid, (int)proc_getid(pid, 0), pi.state,
                ms / 1000, ms % 1000, (unsigned long long)(pi.mem_bytes / 1024), pi.cmdline);
    }
    return 0;
}

SHELL_COMMAND("ps", "ps", "user processes: pid, parent, group, state, time, memory", cmd_ps);

/* A signal by number or name ("9", "KILL", "SIGKILL"); 0 if neither. */
static int parse_signal(const char *s)
{
    uint64_t n;
    if (kstrtou64(s, 10, &n) == 0)
        return n <= NSIG_MAX ? (int)n : 0;
    if (strncmp(s, "SIG", 3) == 0)
        s += 3;
    for (int sig = 1; sig <= 31; sig++) {
        const char *name = signal_name(sig);
        if (strncmp(name, "SIG", 3) == 0 && strcmp(name + 3, s) == 0)
            return sig;
    }
    return 0;
}

/* A signal takes effect when its target next returns to user mode: for
 * the ones that change its state, wait (up to 2 s) until it has stopped,
 * continued or ended, so a `ps` typed next shows the result. */
static void settle(int pid, int sig)
{
    for (int i = 0; i < 400; i++) {
        struct proc_info pi;
        if (proc_info(pid, &pi) || pi.state == 'Z')
            return;
        if ((sig == SIGSTOP || sig == SIGTSTP) ? pi.state == 'T'
            : sig == SIGCONT                  ? pi.state != 'T'
                                              : sig != SIGKILL)
            return;
        thread_sleep_ms(5);
    }
}

static int cmd_kill(int argc, char **argv)
{
    int sig = SIGTERM, first = 1;
    if (argc > 1 && argv[1][0] == '-' && argv[1][1] && (argv[1][1] < '0' || argv[1][1] > '9' || argc > 2)) {
        sig = parse_signal(argv[1] + 1);
        if (!sig)
            return shell_error(-EINVAL, "kill: %s: no such signal", argv[1] + 1);
        first = 2;
    }
    if (argc <= first)
        return shell_usage(argv[0]);
    int err = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        int group = a[0] == '-';
        uint64_t n;
        if (kstrtou64(a + group, 10, &n) || n == 0 || n > 0x7fffffff) {
            err = shell_error(-EINVAL, "kill: %s: not a pid (or -pgid)", a);
            continue;
        }
        int e = group ? proc_kill_group((int)n, sig) : proc_kill((int)n, sig);
        if (e)
            err = shell_error(e, "kill: %s: no such %s", a, group ? "process group" : "process");
        else if (!group)
            settle((int)n, sig);
    }
    return err;
}

SHELL_COMMAND("kill", "kill [-SIG] <pid|-pgid>...", "signal processes or groups (TERM by default)",
              cmd_kill);
