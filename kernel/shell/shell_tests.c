/**
 * @file shell_tests.c
 * @brief In-kernel tests of the command table and the dispatcher.
 *
 * The table is what the linker gathered from SHELL_COMMAND()s all over the
 * tree, so it can only be checked in the kernel: every command docs/shell.md
 * promises is there, each descriptor is complete, names are unique, and the
 * name-order walk (help, Tab completion) visits each once. shell_exec() is
 * then driven with lines a user could type. Nothing here keeps state, so the
 * tests pass however often they run.
 */
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/ktest.h>
#include <kernel/shell.h>
#include <kernel/string.h>

#include <kernel/sections.h>

KTEST(shell_commands_registered)
{
    static const char *const expected[] = {"help", "version", "uptime", "bootinfo", "mem",
        "devices", "ktest", "bench", "threads", "irqs", "sleep", "spin", "fault", "poweroff",
        "reboot"};
    for (unsigned i = 0; i < ARRAY_SIZE(expected); i++) {
        const struct shell_command *c = shell_find(expected[i]);
        KT_ASSERT(c != NULL && (c->fn != NULL || c->subs != NULL));
    }
    KT_ASSERT(shell_find("nosuch") == NULL && shell_find("") == NULL);
    KT_ASSERT(shell_find("hel") == NULL); /* whole names only */

    unsigned n = (unsigned)(__shell_cmds_end - __shell_cmds_start), walked = 0;
    const struct shell_command *prev = NULL;
    for (const struct shell_command *c = shell_next(NULL); c; c = shell_next(c)) {
        KT_ASSERT(++walked <= n);
        size_t len = strlen(c->name);
        KT_ASSERT(len > 0 && strchr(c->name, ' ') == NULL);
        if (c->subs) { /* a table of subcommands, each with its arguments */
            KT_ASSERT(!c->fn && c->subs[0].name);
            for (const struct shell_sub *s = c->subs; s->name; s++)
                KT_ASSERT(s->args && s->fn && s->min_args <= s->max_args);
        } else {
            KT_ASSERT(strncmp(c->usage, c->name, len) == 0 &&
                      (c->usage[len] == 0 || c->usage[len] == ' '));
            KT_ASSERT(c->fn);
        }
        KT_ASSERT(c->summary && c->summary[0]);
        KT_ASSERT(!prev || strcmp(prev->name, c->name) < 0); /* sorted, no duplicates */
        KT_ASSERT(shell_find(c->name) == c);
        prev = c;
    }
    KT_ASSERT(walked == n && n >= ARRAY_SIZE(expected));
}

/* Run "help x x ... x", @p nwords words in all. */
static int exec_words(unsigned nwords)
{
    char l[4 + 2 * 40 + 1];
    size_t k = 4;
    memcpy(l, "help", 4);
    for (unsigned i = 1; i < nwords && k + 2 < sizeof l; i++) {
        l[k++] = ' ';
        l[k++] = 'x';
    }
    l[k] = 0;
    return shell_exec(l);
}

KTEST(shell_exec_splits_and_dispatches)
{
    char blank[] = "    ";
    KT_ASSERT(shell_exec(blank) == 0);
    char unknown[] = "no-such-command x";
    KT_ASSERT(shell_exec(unknown) == -ENOENT);
    char spaced[] = "  help   uptime  "; /* extra spaces are not words */
    KT_ASSERT(shell_exec(spaced) == 0);
    char bad_arg[] = "uptime now";
    KT_ASSERT(shell_exec(bad_arg) == -EINVAL);
    KT_ASSERT(exec_words(2) == -ENOENT);  /* "help x": no command x */
    KT_ASSERT(exec_words(32) == -EINVAL); /* 32 words reach help, which wants at most 2 */
    KT_ASSERT(exec_words(33) == -E2BIG);  /* 33 never reach a command */
}

/* What help prints fits an 80-column terminal: the list (names padded to
 * the longest, then the summary) and every usage line, one per subcommand
 * for a command made of them. */
KTEST(shell_help_fits_80_columns)
{
    size_t width = 0;
    unsigned wide = 0;
    for (const struct shell_command *c = shell_next(NULL); c; c = shell_next(c))
        if (strlen(c->name) > width)
            width = strlen(c->name);
    for (const struct shell_command *c = shell_next(NULL); c; c = shell_next(c)) {
        size_t list = 2 + width + 2 + strlen(c->summary), worst = list;
        if (c->subs) {
            for (const struct shell_sub *s = c->subs; s->name; s++) {
                size_t u = strlen("usage: ") + strlen(c->name) + 1 + strlen(s->name) + 1 + strlen(s->args);
                worst = u > worst ? u : worst;
            }
        } else if (strlen("usage: ") + strlen(c->usage) > worst) {
            worst = strlen("usage: ") + strlen(c->usage);
        }
        if (worst > 80) {
            kprintf("  help for '%s' is %u columns wide\n", c->name, (unsigned)worst);
            wide++;
        }
    }
    KT_ASSERT(wide == 0);
}
