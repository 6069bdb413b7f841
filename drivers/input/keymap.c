/**
 * @file keymap.c
 * @brief Keys (Linux's input event codes) to a terminal's bytes in the US
 *        layout, with the modifiers' state; one state for all keyboards.
 */
#include <kernel/console.h>
#include <kernel/spinlock.h>

#include "keymap.h"

/* Codes 0-57 (the main block, which Linux numbers as the PC's scan code set
 * 1 does), without and with Shift. */
static const char plain[58] = {
    0,   0x1b, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', 0x7f, '\t',
    'q', 'w',  'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\r', 0,  'a', 's',
    'd', 'f',  'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0,  '\\', 'z', 'x', 'c', 'v',
    'b', 'n',  'm', ',', '.', '/', 0,   '*', 0,   ' '};
static const char shifted[58] = {
    0,   0x1b, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', 0x7f, '\t',
    'Q', 'W',  'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\r', 0,  'A', 'S',
    'D', 'F',  'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0,  '|', 'Z', 'X', 'C', 'V',
    'B', 'N',  'M', '<', '>', '?', 0,   '*', 0,   ' '};

static const struct {
    unsigned char code;
    const char *seq;
} grey[] = {
    {KEY_UP, "\x1b[A"},     {KEY_DOWN, "\x1b[B"},      {KEY_RIGHT, "\x1b[C"},   {KEY_LEFT, "\x1b[D"},
    {KEY_HOME, "\x1b[H"},   {KEY_END, "\x1b[F"},       {KEY_INSERT, "\x1b[2~"}, {KEY_DELETE, "\x1b[3~"},
    {KEY_PAGEUP, "\x1b[5~"}, {KEY_PAGEDOWN, "\x1b[6~"}, {KEY_KPENTER, "\r"},     {KEY_KPSLASH, "/"},
};

static struct spinlock lock = SPINLOCK_INIT("keymap");
static unsigned shift, ctrl, alt; /* held: a bit for the left key, one for the right */
static int caps;

static void send(const char *s)
{
    for (; *s && console_rx_room(); s++)
        console_rx_push(*s);
}

static void key_locked(unsigned code, int down)
{
    unsigned *mod = code == KEY_LEFTSHIFT || code == KEY_RIGHTSHIFT ? &shift
                    : code == KEY_LEFTCTRL || code == KEY_RIGHTCTRL  ? &ctrl
                    : code == KEY_LEFTALT || code == KEY_RIGHTALT    ? &alt
                                                                     : 0;
    if (mod) {
        unsigned bit = code == KEY_RIGHTSHIFT || code == KEY_RIGHTCTRL || code == KEY_RIGHTALT ? 2 : 1;
        *mod = down ? *mod | bit : *mod & ~bit;
        return;
    }
    if (!down)
        return;
    for (unsigned i = 0; i < sizeof grey / sizeof grey[0]; i++)
        if (grey[i].code == code) {
            send(grey[i].seq);
            return;
        }
    if (code == KEY_CAPSLOCK) {
        if (down == 1) /* not each repeat */
            caps = !caps;
        return;
    }
    if (code >= sizeof plain || !plain[code])
        return; /* function keys, the keypad, what a terminal here has no byte for */
    char c = shift ? shifted[code] : plain[code];
    if (caps && c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    else if (caps && c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
    if (ctrl) {
        if (c >= '@' && c <= '_')
            c = (char)(c - '@');
        else if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 1);
        else if (c == ' ')
            c = 0;
    }
    char out[3] = {0x1b, c, 0};
    if (c == 0) { /* Ctrl-Space: a NUL, which send() cannot carry in a string */
        if (console_rx_room())
            console_rx_push(0);
        return;
    }
    send(alt ? out : out + 1);
}

void keymap_key(unsigned code, int down)
{
    irqflags_t f = spin_lock_irqsave(&lock);
    key_locked(code, down);
    spin_unlock_irqrestore(&lock, f);
}
