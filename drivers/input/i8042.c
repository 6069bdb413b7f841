/**
 * @file i8042.c
 * @brief The PC's keyboard controller (8042) and its PS/2 keyboard, as
 *        console input: each key becomes the bytes a terminal sends for
 *        it (US layout; Shift, Ctrl, Alt as ESC prefix, Caps Lock; the
 *        arrows, Home, End and Delete as ANSI sequences), queued where the
 *        serial console's bytes go (console_rx_push()), so the shell, the
 *        line editor and a program's terminal read both alike; Ctrl-C is
 *        0x03 there, with its usual meaning.
 *
 * The controller translates the keyboard's codes to scan code set 1 (its
 * configuration byte's bit 6, as firmware leaves it): one byte per key
 * pressed, the same with bit 7 set when released, 0xE0 before the keys
 * the first PC keyboard did not have. Registers: data at port 0x60,
 * status and command at 0x64 (reg 0 and reg 4 of the device). The mouse
 * port is switched off; a byte from it is read and dropped.
 */
#include <kernel/console.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/log.h>

#define REG_DATA 0
#define REG_CMD 4 /* status when read */

#define ST_OUT_FULL 0x01
#define ST_IN_FULL 0x02
#define ST_AUX 0x20

#define CMD_READ_CONFIG 0x20
#define CMD_WRITE_CONFIG 0x60
#define CMD_AUX_OFF 0xa7
#define CMD_KBD_OFF 0xad
#define CMD_KBD_ON 0xae

#define CFG_KBD_IRQ 0x01
#define CFG_AUX_IRQ 0x02
#define CFG_KBD_CLOCK_OFF 0x10
#define CFG_TRANSLATE 0x40

/* Set 1 codes 0x00-0x39 in the US layout, without and with Shift. */
static const char plain[0x3a] = {
    0,   0x1b, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', 0x7f, '\t',
    'q', 'w',  'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\r', 0,  'a', 's',
    'd', 'f',  'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0,  '\\', 'z', 'x', 'c', 'v',
    'b', 'n',  'm', ',', '.', '/', 0,   '*', 0,   ' '};
static const char shifted[0x3a] = {
    0,   0x1b, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', 0x7f, '\t',
    'Q', 'W',  'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\r', 0,  'A', 'S',
    'D', 'F',  'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0,  '|', 'Z', 'X', 'C', 'V',
    'B', 'N',  'M', '<', '>', '?', 0,   '*', 0,   ' '};

#define SC_LCTRL 0x1d
#define SC_LSHIFT 0x2a
#define SC_RSHIFT 0x36
#define SC_LALT 0x38
#define SC_CAPS 0x3a

static struct {
    int e0;                 /* the last byte was the 0xE0 prefix */
    int shift, ctrl, alt;   /* held: a bit for left, one for right */
    int caps;               /* Caps Lock on */
} kb;

/* Queue @p s for the console's readers, as far as there is room. */
static void send(const char *s, unsigned n)
{
    for (unsigned i = 0; i < n && console_rx_room(); i++)
        console_rx_push(s[i]);
}

static void key(uint8_t sc)
{
    if (sc == 0xe0) {
        kb.e0 = 1;
        return;
    }
    int up = sc & 0x80, e0 = kb.e0;
    sc &= 0x7f;
    kb.e0 = 0;
    int bit = e0 ? 2 : 1; /* right-hand modifiers come with 0xE0 */
    if (sc == SC_LCTRL || sc == SC_LALT || (!e0 && (sc == SC_LSHIFT || sc == SC_RSHIFT))) {
        int *m = sc == SC_LCTRL ? &kb.ctrl : sc == SC_LALT ? &kb.alt : &kb.shift;
        int b = sc == SC_RSHIFT ? 2 : bit;
        *m = up ? *m & ~b : *m | b;
        return;
    }
    if (up)
        return;
    if (e0) { /* the grey keys: what an xterm sends */
        static const struct {
            uint8_t sc;
            const char *seq;
        } grey[] = {{0x48, "\x1b[A"}, {0x50, "\x1b[B"}, {0x4d, "\x1b[C"}, {0x4b, "\x1b[D"},
                    {0x47, "\x1b[H"}, {0x4f, "\x1b[F"}, {0x53, "\x1b[3~"}, {0x1c, "\r"},
                    {0x35, "/"}};
        for (unsigned i = 0; i < sizeof grey / sizeof grey[0]; i++)
            if (grey[i].sc == sc) {
                const char *q = grey[i].seq;
                unsigned n = 0;
                while (q[n])
                    n++;
                send(q, n);
            }
        return;
    }
    if (sc == SC_CAPS) {
        kb.caps = !kb.caps;
        return;
    }
    if (sc >= sizeof plain || !plain[sc])
        return; /* function keys, the keypad, what a terminal here has no byte for */
    char c = kb.shift ? shifted[sc] : plain[sc];
    if (kb.caps && c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    else if (kb.caps && c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
    if (kb.ctrl) {
        if (c >= '@' && c <= '_')
            c = (char)(c - '@');
        else if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 1);
        else if (c == ' ')
            c = 0;
    }
    char out[2] = {0x1b, c};
    if (kb.alt)
        send(out, 2);
    else
        send(&c, 1);
}

static void i8042_irq(unsigned irq, void *arg)
{
    (void)irq;
    struct device *dev = arg;
    for (int i = 0; i < 16; i++) { /* what is there now; a flood waits for the next interrupt */
        uint8_t st = dev_read8(dev, REG_CMD);
        if (!(st & ST_OUT_FULL))
            break;
        uint8_t b = dev_read8(dev, REG_DATA);
        if (!(st & ST_AUX))
            key(b);
    }
}

/* Wait for the controller to take a byte (its input buffer empty). */
static int ready_to_write(struct device *dev)
{
    for (int i = 0; i < 100000; i++)
        if (!(dev_read8(dev, REG_CMD) & ST_IN_FULL))
            return 0;
    return -ETIMEDOUT;
}

static int ready_to_read(struct device *dev)
{
    for (int i = 0; i < 100000; i++)
        if (dev_read8(dev, REG_CMD) & ST_OUT_FULL)
            return 0;
    return -ETIMEDOUT;
}

static int command(struct device *dev, uint8_t cmd)
{
    int err = ready_to_write(dev);
    if (!err)
        dev_write8(dev, REG_CMD, cmd);
    return err;
}

static int i8042_probe(struct device *dev)
{
    if (!dev->has_irq)
        return -ENODEV; /* polled keys would wait on the shell's 100 ms look: not worth it */
    /* Both ports off while the configuration changes, and what they sent dropped. */
    int err = command(dev, CMD_KBD_OFF);
    if (!err)
        err = command(dev, CMD_AUX_OFF);
    for (int i = 0; !err && i < 32 && (dev_read8(dev, REG_CMD) & ST_OUT_FULL); i++)
        (void)dev_read8(dev, REG_DATA);
    if (!err)
        err = command(dev, CMD_READ_CONFIG);
    if (!err)
        err = ready_to_read(dev);
    if (err) {
        pr_warn("%s: the keyboard controller does not answer (status %#x): no keyboard", dev->name,
                dev_read8(dev, REG_CMD));
        return err;
    }
    uint8_t cfg = dev_read8(dev, REG_DATA);
    cfg = (uint8_t)((cfg | CFG_KBD_IRQ | CFG_TRANSLATE) & ~(CFG_AUX_IRQ | CFG_KBD_CLOCK_OFF));
    err = command(dev, CMD_WRITE_CONFIG);
    if (!err)
        err = ready_to_write(dev);
    if (!err)
        dev_write8(dev, REG_DATA, cfg);
    if (!err)
        err = device_request_irq(dev, i8042_irq, "i8042");
    if (!err)
        err = command(dev, CMD_KBD_ON);
    return err;
}

static const char *const i8042_compat[] = {"pnp,i8042", NULL};
DRIVER(i8042_driver, .name = "i8042", .compatible = i8042_compat, .probe = i8042_probe);
