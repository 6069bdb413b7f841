/**
 * @file test_cmds.c
 * @brief The `ktest` and `bench` shell commands.
 *
 * The same test and benchmark runs the `ktest` command line starts, typed
 * at the prompt instead: the tests must not assume a fresh boot or a quiet
 * keyboard, and may be run more than once.
 */
#include <kernel/bench.h>
#include <kernel/console.h>
#include <kernel/errno.h>
#include <kernel/ktest.h>
#include <kernel/shell.h>
#include <kernel/string.h>
#include <stddef.h>

static int cmd_ktest(int argc, char **argv)
{
    int verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    if (argc > 2 + verbose)
        return shell_usage(argv[0]);
    const char *prefix = argc == 2 + verbose ? argv[1 + verbose] : NULL;
    int failed = ktest_run(prefix, verbose ? KTEST_VERBOSE | KTEST_TIMES : 0);
    if (console_cancelled())
        return -EINTR;
    if (failed == -ENOENT)
        return shell_error(-ENOENT, "ktest: no test's name starts with '%s'", prefix);
    return failed ? shell_error(-EIO, "ktest: %d test%s failed", failed, failed == 1 ? "" : "s") : 0;
}
SHELL_COMMAND("ktest", "ktest [-v] [name-prefix]",
              "run the in-kernel tests (by name prefix); -v: every report and time",
              cmd_ktest);

static int cmd_bench(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    bench_run_all();
    return console_cancelled() ? -EINTR : 0;
}
SHELL_COMMAND("bench", "bench", "run the in-kernel benchmarks", cmd_bench);
