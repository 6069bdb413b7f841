/**
 * @file console.c
 * @brief Route console bytes to the registered driver or the early console.
 */
#include <hal/console.h>
#include <kernel/console.h>
#include <kernel/errno.h>
#include <stddef.h>

#define MAX_CONSOLES 4

static struct console consoles[MAX_CONSOLES];
static unsigned nconsoles;
static const struct console *current;

int console_register(const struct console *con)
{
    if (nconsoles == MAX_CONSOLES)
        return -ENOSPC;
    consoles[nconsoles] = *con;
    current = &consoles[nconsoles++];
    return 0;
}

const struct console *console_current(void) { return current; }

void console_putc(char c)
{
    if (current)
        current->putc(current->dev, c);
    else
        hal_console_putc(c);
}

int console_getc(void)
{
    if (current)
        return current->getc ? current->getc(current->dev) : -1;
    return hal_console_getc();
}
