/**
 * @file uprog.c
 * @brief The table of programs built into the kernel (the generated
 *        uprogs.c), which execve finds by name as `run` does.
 */
#include <kernel/proc.h>
#include <kernel/string.h>

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
