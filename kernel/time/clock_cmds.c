/**
 * @file clock_cmds.c
 * @brief The shell's `date` (kernel/clock.h).
 */
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/kprintf.h>
#include <kernel/shell.h>

static int cmd_date(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    uint64_t ns;
    if (clock_realtime(&ns))
        return shell_error(-ENODEV, "date: no real-time clock was found; `uptime` has the time since boot");
    uint64_t s = ns / NSEC_PER_SEC;
    char when[32];
    clock_utc_text(s, when, sizeof when);
    kprintf("%s (%lu s since 1970, from %s)\n", when, (unsigned long)s, clock_source());
    return 0;
}
SHELL_COMMAND("date", "date", "the date and time (UTC) from the real-time clock", cmd_date);
