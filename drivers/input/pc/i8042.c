/**
 * @file i8042.c
 * @brief The PC's keyboard controller (8042) and its PS/2 keyboard: its
 *        keys go to keymap.c, which makes a terminal's bytes of them.
 *
 * The controller translates the keyboard's codes to scan code set 1 (its
 * configuration byte's bit 6, as firmware leaves it): one byte per key
 * pressed, the same with bit 7 set when released, 0xE0 before the keys
 * the first PC keyboard did not have. Registers: data at port 0x60,
 * status and command at 0x64 (reg 0 and reg 4 of the device). The mouse
 * port is switched off; a byte from it is read and dropped.
 */
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/log.h>

#include <input/keymap.h>

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

/* Set 1's codes after 0xE0 as Linux numbers those keys; the codes without
 * it are Linux's numbers already (0x01-0x58). */
static const struct {
    uint8_t sc, code;
} extended[] = {
    {0x1c, KEY_KPENTER}, {0x1d, KEY_RIGHTCTRL}, {0x35, KEY_KPSLASH}, {0x38, KEY_RIGHTALT},
    {0x47, KEY_HOME},    {0x48, KEY_UP},        {0x49, KEY_PAGEUP},  {0x4b, KEY_LEFT},
    {0x4d, KEY_RIGHT},   {0x4f, KEY_END},       {0x50, KEY_DOWN},    {0x51, KEY_PAGEDOWN},
    {0x52, KEY_INSERT},  {0x53, KEY_DELETE},
};

static int e0; /* the last byte was the 0xE0 prefix; the interrupt's alone */

static void scan_code(uint8_t b)
{
    if (b == 0xe0) {
        e0 = 1;
        return;
    }
    unsigned sc = b & 0x7f, code = 0;
    if (!e0) {
        code = sc <= 0x58 ? sc : 0;
    } else {
        for (unsigned i = 0; i < sizeof extended / sizeof extended[0]; i++)
            if (extended[i].sc == sc)
                code = extended[i].code;
    }
    e0 = 0;
    if (code)
        keymap_key(code, !(b & 0x80));
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
            scan_code(b);
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
