/**
 * @file pid1.c
 * @brief `init=<path> [-- args]` on the kernel command line: the program
 *        runs as pid 1 with the console as its terminal, instead of the
 *        kernel shell.
 *
 * The kernel shell stays one key away: Ctrl-] (TTY_SWITCH_KEY) gives the
 * console's input to the kernel shell, started on first use, and the next
 * Ctrl-] gives it back to pid 1's terminal. When pid 1 ends, the kernel
 * says how, and the console is the kernel shell's from then on (Linux
 * panics there; a teaching kernel carries on). An init that cannot start
 * (no such file, not an executable) is reported the same way.
 */
#include <kernel/console.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/shell.h>
#include <kernel/string.h>
#include <kernel/user.h>
#include <kernel/tty.h>
#include <kernel/vfs.h>
#include <kernel/vmalloc.h>

#define INIT_ARGS_MAX 16

static char path[128];
static char args[256];          /* the words after "--", NUL-separated */
static char *argv[INIT_ARGS_MAX + 2];
static volatile int shell_wanted;
static volatile int shell_up; /* started: a switch redraws its prompt (its first start draws one) */

int init_set(const char *p, size_t n)
{
    if (!n || n >= sizeof path)
        return -ENAMETOOLONG;
    memcpy(path, p, n);
    path[n] = 0;
    return 0;
}

void init_set_args(const char *rest)
{
    size_t at = 0;
    unsigned n = 0;
    argv[n++] = path;
    while (*rest && n < INIT_ARGS_MAX + 1) {
        while (*rest == ' ')
            rest++;
        size_t len = 0;
        while (rest[len] && rest[len] != ' ')
            len++;
        if (!len || at + len + 1 > sizeof args)
            break;
        memcpy(args + at, rest, len);
        args[at + len] = 0;
        argv[n++] = args + at;
        at += len + 1;
        rest += len;
    }
    argv[n] = NULL;
}

int init_requested(void) { return path[0] != 0; }

/* The switch key, from the receive interrupt: no sleeping here. */
static void on_switch(int to_kernel)
{
    if (to_kernel) {
        shell_wanted = 1;
        kprintf("\n[the kernel shell has the console; Ctrl-] gives it back to pid 1]\n");
        if (shell_up)
            shell_poke();
    } else {
        kprintf("\n[pid 1 has the console; Ctrl-] for the kernel shell]\n");
    }
}

static int shell_to_start(void *arg)
{
    (void)arg;
    return shell_wanted && !shell_up;
}

static int init_thread(void *arg)
{
    (void)arg;
    if (!argv[0])
        init_set_args("");
    char *envp[] = {"PATH=/bin", "HOME=/", "TERM=vt100", NULL};
    struct exec_image img = {0};
    char err[96] = "";
    int pid = 0;
    device_probe_wait(); /* its /dev has the disks, as `run`'s programs do */
    int e = vfs_init();
    if (!e)
        e = sys_find_image(path, &img);
    if (!e) {
        e = proc_spawn_image(path, &img, argv, envp, &pid, err, sizeof err);
        exec_image_put(&img);
    }
    if (!e)
        proc_set_init(pid); /* the orphans' parent from now on */
    if (e) {
        kprintf("init: %s: %s (%s); the kernel shell has the console\n", path,
                err[0] ? err : e == -ENOENT ? "no such file" : e == -EACCES ? "not an executable file" : "cannot start it",
                errno_name(e));
        kernel_shell_start();
        return 0;
    }
    kprintf("init: %s is pid %d; Ctrl-] switches the console between it and the kernel shell\n", path, pid);
    tty_set_switch(on_switch);
    tty_attach(pid, pid, NULL);
    /* on_switch() runs in console_rx_push(), which then wakes the input queue. */
    while (proc_wait_end_or(pid, console_rx_waitqueue(), shell_to_start, NULL) == 0) {
        shell_up = 1;
        kernel_shell_start(); /* once; later switches find it waiting */
    }
    int status = proc_wait(pid);
    tty_set_switch(NULL);
    struct tty_owner none = {0, 0};
    tty_restore(&none);
    kprintf("\n");
    if (status & 0x7f)
        kprintf("init: pid %d (%s) was killed by %s; the kernel shell has the console\n", pid, path,
                signal_name(status & 0x7f));
    else
        kprintf("init: pid %d (%s) exited with status %d; the kernel shell has the console\n", pid, path,
                (status >> 8) & 0xff);
    kernel_shell_start();
    if (shell_up)
        shell_poke(); /* it was waiting with a prompt drawn before pid 1's last words */
    return 0;
}

void init_start(void)
{
    int id = thread_create("init", init_thread, NULL, PRIO_DEFAULT, THREAD_DETACHED);
    if (id < 0) {
        pr_err("init: no thread to start %s (%s); the kernel shell has the console", path, errno_name(id));
        kernel_shell_start();
    }
}
