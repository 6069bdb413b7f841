/**
 * @file shell.c
 * @brief The serial shell: reads lines from the console and runs commands.
 *
 * Runs as the "shell" thread and sleeps until the UART's receive interrupt
 * delivers a byte (kernel/console.h), so background threads get the CPU
 * while nobody types. The prompt ends in "> " at the start of a line so
 * tests can wait for it.
 *
 * This file only reads lines (through the line editor, lineedit.c), splits
 * them into words and finds the command: the commands themselves live with
 * their subsystems and register with SHELL_COMMAND() (kernel/shell.h), so
 * the .shell_cmds linker section is the command table.
 */
#include "lineedit.h"

#include <hal/cpu.h>
#include <kernel/bootprof.h>
#include <kernel/console.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/printf.h>
#include <kernel/shell.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/vmalloc.h>

#define LINE_MAX 4096  /* characters in a line, NUL not counted */
#define ARGS_MAX 32
/* The history arena: a power of two, so the heap's buddy block has no slack.
 * It keeps LE_HIST_MAX lines, or at least 31 of the longest kind. */
#define HIST_BYTES (128u << 10)
_Static_assert(HIST_BYTES >= 16 * (LINE_MAX + 1), "history must keep 16 lines of any length");

/* linker.ld: the SHELL_COMMAND() descriptors. */
#include <kernel/sections.h>

/* The line and the editor's draft: too big for the shell's 16 KiB stack, and
 * only the shell thread uses them. The history arena comes from the heap. */
static char line[LINE_MAX + 1];
static char draft[LINE_MAX + 1];

const struct shell_command *shell_find(const char *name)
{
    for (const struct shell_command *c = __shell_cmds_start; c < __shell_cmds_end; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

/* Order by name, then by address, so even two commands of one name are a
 * strict order and the walk visits each once. */
static int before(const struct shell_command *a, const struct shell_command *b)
{
    int d = strcmp(a->name, b->name);
    return d < 0 || (d == 0 && a < b);
}

const struct shell_command *shell_next(const struct shell_command *prev)
{
    /* A selection walk: O(n) per step, and n is a few dozen. The section
     * is read-only, and sorting a copy would need memory we may not have. */
    const struct shell_command *best = NULL;
    for (const struct shell_command *c = __shell_cmds_start; c < __shell_cmds_end; c++)
        if ((!prev || before(prev, c)) && (!best || before(c, best)))
            best = c;
    return best;
}

/* Whether the running command already printed its error (shell_error()).
 * Only the shell thread runs commands; shell_exec() saves and restores it,
 * since a command (ktest) may run others. */
static int error_said;
static int exec_depth; /* shell_exec()s under way */

int shell_error(int err, const char *fmt, ...)
{
    char msg[256]; /* one kprintf, so the line stays whole against other threads' */
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (klog_colored()) /* red, as the log's errors are */
        kprintf("\x1b[31m%s (%s)\x1b[0m\n", msg, errno_name(err));
    else
        kprintf("%s (%s)\n", msg, errno_name(err));
    error_said = 1;
    return err;
}

/* "usage: ..." lines of @p c: one, or one per subcommand from its table. */
static void print_usage(const struct shell_command *c)
{
    if (!c->subs) {
        kprintf("usage: %s\n", c->usage);
        return;
    }
    for (const struct shell_sub *s = c->subs; s->name; s++)
        kprintf("%s %s %s%s%s\n", s == c->subs ? "usage:" : "      ", c->name, s->name, s->args[0] ? " " : "",
                s->args);
}

int shell_usage(const char *name)
{
    const struct shell_command *c = shell_find(name);
    if (c)
        print_usage(c);
    else
        kprintf("usage: %s\n", name);
    error_said = 1; /* the usage lines are the whole answer: no second "EINVAL" line */
    return -EINVAL;
}

/* A SHELL_COMMAND_SUBS() command: find the subcommand, check how many
 * arguments it got, run it with argv[0] its name. */
static int run_sub(const struct shell_command *c, int argc, char **argv)
{
    if (argc >= 2)
        for (const struct shell_sub *s = c->subs; s->name; s++)
            if (strcmp(s->name, argv[1]) == 0) {
                unsigned n = (unsigned)argc - 2;
                if (n < s->min_args || n > s->max_args) {
                    kprintf("usage: %s %s%s%s\n", c->name, s->name, s->args[0] ? " " : "", s->args);
                    error_said = 1;
                    return -EINVAL;
                }
                return s->fn(argc - 1, argv + 1);
            }
    return shell_usage(c->name);
}

static int cmd_help(int argc, char **argv)
{
    if (argc > 2)
        return shell_usage(argv[0]);
    if (argc == 2) {
        const struct shell_command *c = shell_find(argv[1]);
        if (!c)
            return shell_error(-ENOENT, "help: no command '%s' (try 'help')", argv[1]);
        print_usage(c);
        kprintf("  %s\n", c->summary);
        return 0;
    }
    int width = 0;
    for (const struct shell_command *c = __shell_cmds_start; c < __shell_cmds_end; c++)
        if ((int)strlen(c->name) > width)
            width = (int)strlen(c->name);
    for (const struct shell_command *c = shell_next(NULL); c; c = shell_next(c))
        kprintf("  %-*s  %s\n", width, c->name, c->summary);
    kprintf("'help <command>' shows how to use one.\n");
    return 0;
}
SHELL_COMMAND("help", "help [command]", "list the commands, or show how to use one", cmd_help);

/* Split @p s into words at spaces, in place. A word may have quoted parts,
 * '...' or "...", whose spaces stay and whose quotes go, as in sh (no
 * escapes, no expansion): `run /bin/busybox sh -c 'echo a; exit 3'`.
 * Returns the word count, -E2BIG, or -EINVAL (a quote not closed). */
static int split_words(char *s, char **argv, int max)
{
    int argc = 0;
    char *out = s; /* never past s: words only shrink */
    while (*s) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        if (argc == max)
            return -E2BIG;
        argv[argc++] = out;
        char quote = 0;
        while (*s && (quote || *s != ' ')) {
            if (!quote && (*s == '\'' || *s == '"'))
                quote = *s++;
            else if (quote && *s == quote)
                quote = 0, s++;
            else
                *out++ = *s++;
        }
        if (quote)
            return -EINVAL;
        if (*s)
            s++;
        *out++ = 0;
    }
    argv[argc] = NULL;
    return argc;
}

int shell_exec(char *s)
{
    char *argv[ARGS_MAX + 1];
    int argc = split_words(s, argv, ARGS_MAX);
    if (argc == -EINVAL) {
        kprintf("shell: a quote is not closed\n");
        return argc;
    }
    if (argc < 0) {
        kprintf("shell: more than %d arguments\n", ARGS_MAX);
        return argc;
    }
    if (argc == 0)
        return 0;
    const struct shell_command *c = shell_find(argv[0]);
    if (!c) {
        kprintf("%s: unknown command (try 'help')\n", argv[0]);
        return -ENOENT;
    }
    int outer = error_said;
    error_said = 0;
    /* The outermost command is the one Ctrl-C stops (a command such as
     * ktest may run others through here). */
    int top = exec_depth++ == 0;
    if (top)
        console_foreground(1);
    int err = c->subs ? run_sub(c, argc, argv) : c->fn(argc, argv);
    exec_depth--;
    int cancelled = top && console_cancelled();
    if (top)
        console_foreground(0);
    if (cancelled)
        kprintf("^C\n"); /* what it was doing when stopped, it said itself */
    else if (err && !error_said)
        kprintf("%s: %s\n", argv[0], errno_name(err));
    error_said = outer;
    return err;
}

/* Echo goes through kprintf, which keeps it whole against other threads'
 * lines and turns "\n" into CR LF. */
static void echo(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    kprintf("%.*s", (int)n, s);
}

/* The words are the commands' own name pointers, so @p prev leads back to
 * its command even if two commands were (wrongly) given one name. */
/* ---- Tab completion, from the usage text: the word under the cursor is
 * completed from what its place in the usage names: [command] the
 * commands, and a placeholder such as <file>, <dev> or <hook> the words its
 * owner lists (SHELL_WORDS(): the initrd's files, the block devices, the
 * eBPF hooks); the first word is a command, the second a subcommand of a
 * command made of them. ---- */

/* Word @p n (0-based) of @p s, spaces between: its start and length. */
static const char *word_at(const char *s, unsigned n, size_t *len)
{
    for (;;) {
        while (*s == ' ')
            s++;
        if (!*s)
            return NULL;
        size_t l = 0;
        while (s[l] && s[l] != ' ')
            l++;
        if (n-- == 0) {
            *len = l;
            return s;
        }
        s += l;
    }
}

static int word_is(const char *w, size_t n, const char *name) { return w && strlen(name) == n && !memcmp(w, name, n); }

static void add_commands(le_word_fn add, void *acc)
{
    for (const struct shell_command *c = shell_next(NULL); c; c = shell_next(c))
        add(acc, c->name, strlen(c->name));
}

static void shell_words(void *ctx, const char *line, size_t start, le_word_fn add, void *acc)
{
    (void)ctx;
    unsigned argi = 0; /* words before the one being completed */
    for (size_t n; word_at(line, argi, &n) && word_at(line, argi, &n) < line + start;)
        argi++;
    if (argi == 0) {
        add_commands(add, acc);
        return;
    }
    size_t n0;
    const char *w0 = word_at(line, 0, &n0);
    char name[32];
    if (n0 >= sizeof name)
        return;
    memcpy(name, w0, n0);
    name[n0] = 0;
    const struct shell_command *c = shell_find(name);
    if (!c)
        return;
    const char *args = c->usage ? c->usage : ""; /* after the command's name */
    unsigned first = 1;                           /* the line's word args starts at */
    if (c->subs) {
        if (argi == 1) {
            for (const struct shell_sub *s = c->subs; s->name; s++)
                add(acc, s->name, strlen(s->name));
            return;
        }
        size_t n1;
        const char *w1 = word_at(line, 1, &n1);
        args = NULL;
        for (const struct shell_sub *s = c->subs; s->name && !args; s++)
            if (word_is(w1, n1, s->name))
                args = s->args;
        if (!args)
            return;
        first = 2;
    } else {
        size_t un;
        if (!word_at(args, 0, &un))
            return;
        args += un; /* skip the name in "cat <file>" */
    }
    /* the usage word at the same place; an optional [--interp] counts only
     * if it was typed */
    unsigned ui = 0;
    for (unsigned li = first; li < argi; li++) {
        size_t ln, un;
        const char *lw = word_at(line, li, &ln), *uw = word_at(args, ui, &un);
        if (uw && un > 3 && uw[0] == '[' && uw[1] == '-' && !(ln && lw[0] == '-'))
            ui++; /* an optional flag not typed here */
        ui++;
    }
    size_t un;
    const char *uw = word_at(args, ui, &un);
    if (uw && un > 3 && uw[0] == '[' && uw[1] == '-')
        uw = word_at(args, ++ui, &un);
    if (word_is(uw, un, "[command]")) {
        add_commands(add, acc);
        return;
    }
    for (const struct shell_words *w = __shell_words_start; w < __shell_words_end; w++)
        if (word_is(uw, un, w->placeholder))
            w->list(add, acc);
}

int shell_thread(void *arg)
{
    (void)arg;
    shell_run();
}

static volatile int poked;

void shell_poke(void) { poked = 1; }

/* One line from the console (@p started: its prompt is out already); log
 * lines from elsewhere wait until it is finished rather than land in the
 * middle of it (a disk found after the prompt). */
static enum le_result read_line(struct lineedit *le, int started)
{
    if (!started)
        le_start(le);
    klog_hold(1);
    enum le_result r = LE_MORE;
    while (r == LE_MORE) {
        /* A log line that came meanwhile is printed above the prompt, which
         * is drawn again under it with what was typed so far: looked for
         * between keys and every 100 ms while none come. */
        int c = console_getc_timeout(100);
        if (klog_held() || poked) {
            /* A log line came meanwhile, or the console came back to the
             * shell (shell_poke()): the prompt again, with what was typed. */
            poked = 0;
            kprintf("\r\x1b[K");
            klog_hold(0);
            klog_hold(1);
            le_redraw(le);
        }
        if (c >= 0)
            r = le_feed(le, c);
    }
    klog_hold(0);
    return r;
}

static void run_line(enum le_result r)
{
    if (r == LE_TOOLONG)
        kprintf("shell: line longer than %d characters ignored\n", LINE_MAX);
    else if (r == LE_LINE)
        shell_exec(line);
}

static void shell_loop(void *le)
{
    for (int started = 1;; started = 0)
        run_line(read_line(le, started));
}

void shell_run(void)
{
    boot_stage("shell prompt");
    kprintf("bench: boot_to_shell_us %lu us\n", (unsigned long)uptime_us());
    kprintf("Type 'help' for commands, 'dmesg' for the boot log.\n");
    struct lineedit le;
    le_init(&le, &(struct le_config){.buf = line, .draft = draft, .size = sizeof line,
                                     .prompt = "kernel> ", .emit = echo, .words = shell_words});
    le_start(&le);
    /* kmain starts this before the rest of boot: the console's driver,
     * its interrupt and the heap come meanwhile (kmain(), on the idle
     * thread), so wait for them (keys typed meanwhile wait in the UART and QEMU, and
     * the driver keeps what its setup would flush). What boot logged for
     * the console meanwhile (warnings, errors) comes out now, above the
     * prompt drawn again, rather than wait for Enter as later lines do. */
    klog_hold(1);
    boot_wait();
    int held = klog_held();
    if (held)
        kprintf("\r\x1b[K");
    klog_hold(0);
    if (held)
        le_redraw(&le);
    char *hist = kmalloc(HIST_BYTES);
    if (!hist)
        kprintf("shell: no memory for a command history; running without one\n");
    le_set_history(&le, hist, HIST_BYTES);
    /* Until now on kmain's static stack, which has no guard page: lines
     * run on a kstack_alloc() stack, whose guard turns an overflow into a
     * reported fault rather than corruption of whatever lies below. */
    void *stack = kstack_alloc();
    if (stack)
        hal_call_on_stack((uint8_t *)stack + KSTACK_SIZE, shell_loop, &le); /* never returns */
    shell_loop(&le);
    for (;;) /* not reached: shell_loop() never returns */
        ;
}
