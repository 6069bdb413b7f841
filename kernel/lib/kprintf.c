/**
 * @file kprintf.c
 * @brief kprintf and klog on top of the pure formatter (format.c) and the console.
 */
#include <hal/console.h>
#include <hal/cpu.h>
#include <hal/irq.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/logbuf.h>
#include <kernel/printf.h>
#include <kernel/percpu.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

/* One message at a time on the console, so threads' lines do not interleave
 * character by character. Recursive on the owning CPU: a fault or panic
 * while printing must still be able to print. */
static struct spinlock print_lock = SPINLOCK_INIT("console");
static volatile int print_owner = -1;
static unsigned print_depth;

static volatile int print_lockless; /* kprintf_panic_mode() */

void kprintf_panic_mode(void) { print_lockless = 1; }
int kprintf_panicking(void) { return print_lockless; }

static void mirror_kick(void);

static irqflags_t print_lock_take(void)
{
    irqflags_t f = hal_irq_save();
    if (print_lockless)
        return f;
    /* Masked: this CPU's id cannot change under us. Only this CPU ever
     * stores its own id, so an unlocked read that finds it is ours. */
    const int me = (int)hal_cpu_id();
    if (print_owner == me) {
        print_depth++;
        return f;
    }
    /* Only an NMI (the watchdog's) gets here while this CPU waits for the
     * lock: if that wait has claimed the next release (the hand-over flag,
     * kernel/spinlock.h), no one else, the NMI included, may take it, so
     * waiting would never end. It prints without the lock instead. */
    struct cpu *c = cpu_this();
    if (c->print_waiting || c->print_bust) {
        c->print_bust++;
        return f;
    }
    c->print_waiting = 1;
    spin_lock(&print_lock);
    c->print_waiting = 0;
    print_owner = me;
    print_depth = 1;
    return f;
}

static void print_lock_drop(irqflags_t f)
{
    if (print_lockless) {
        hal_irq_restore(f);
        return;
    }
    struct cpu *c = cpu_this();
    if (c->print_bust) {
        c->print_bust--;
        hal_irq_restore(f);
        return;
    }
    int last = --print_depth == 0;
    if (last) {
        print_owner = -1;
        spin_unlock(&print_lock);
    }
    hal_irq_restore(f);
    if (last && hal_irq_enabled())
        mirror_kick();
}

/* Where bytes go: the early console (hal/console.h) until a console
 * driver registers (kernel/tty/console.c, through kprintf_set_output()). */
static void (*output)(char c);

void kprintf_set_output(void (*putc)(char c)) { __atomic_store_n(&output, putc, __ATOMIC_RELEASE); }

/* A second output, in runs (kprintf_set_mirror()), and the console's last
 * bytes for one that starts late. */
static void (*mirror)(const char *s, size_t n);
static void (*kick)(void);
static int mirror_wrote; /* bytes went to the mirror since the last kick */
static char recent[KPRINTF_RECENT];
static uint64_t recent_total;

static void mirror_kick(void)
{
    void (*k)(void) = __atomic_load_n(&kick, __ATOMIC_ACQUIRE);
    if (k && __atomic_load_n(&mirror_wrote, __ATOMIC_RELAXED) &&
        __atomic_exchange_n(&mirror_wrote, 0, __ATOMIC_ACQ_REL))
        k();
}

void kprintf_mirror_poll(void) { mirror_kick(); }

/* @p s to @p m, each '\n' as "\r\n". */
static void mirror_runs(void (*m)(const char *, size_t), const char *s, size_t n)
{
    for (size_t i = 0, from = 0; i <= n; i++) {
        if (i < n && s[i] != '\n')
            continue;
        if (i > from)
            m(s + from, i - from);
        if (i < n)
            m("\r\n", 2);
        from = i + 1;
    }
}

void kprintf_set_mirror(void (*write)(const char *s, size_t n), unsigned lines, void (*kick_fn)(void))
{
    irqflags_t f = print_lock_take();
    if (write) {
        /* Back from the end over @p lines newlines, not past what is kept:
         * the oldest byte kept may be mid-line, so that one is skipped. */
        uint64_t oldest = recent_total > KPRINTF_RECENT ? recent_total - KPRINTF_RECENT : 0;
        uint64_t from = recent_total;
        unsigned seen = 0;
        while (from > oldest && !(recent[(from - 1) % KPRINTF_RECENT] == '\n' && seen++ == lines))
            from--;
        if (from == oldest && oldest) /* ran out of kept bytes mid-line */
            while (from < recent_total && recent[from++ % KPRINTF_RECENT] != '\n')
                ;
        while (from < recent_total) { /* the ring's two pieces, in order */
            size_t at = from % KPRINTF_RECENT, n = KPRINTF_RECENT - at;
            if (n > recent_total - from)
                n = recent_total - from;
            mirror_runs(write, recent + at, n);
            from += n;
        }
    }
    __atomic_store_n(&kick, kick_fn, __ATOMIC_RELEASE);
    __atomic_store_n(&mirror, write, __ATOMIC_RELEASE);
    __atomic_store_n(&mirror_wrote, write != NULL, __ATOMIC_RELEASE);
    print_lock_drop(f);
}

/*
 * Sent before the kernel's first byte: firmware leaves the user's terminal
 * in its own state (SeaBIOS starts with ESC c and ESC[?7l, autowrap off,
 * which outlives QEMU in the user's terminal; GRUB sets colours). Autowrap
 * back on and attributes reset, so long lines wrap and text is plain.
 */
static const char term_reset[] = "\x1b[0m\x1b[?7h";
static int term_reset_sent;

static void console_putc(char c)
{
    if (!term_reset_sent) {
        term_reset_sent = 1;
        for (const char *p = term_reset; *p; p++)
            console_putc(*p);
    }
    void (*put)(char) = __atomic_load_n(&output, __ATOMIC_ACQUIRE);
    if (put)
        put(c);
    else
        hal_console_putc(c);
}

static void console_sink(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            console_putc('\r');
        console_putc(s[i]);
    }
    for (size_t i = 0; i < n; i++)
        recent[recent_total++ % KPRINTF_RECENT] = s[i];
    void (*m)(const char *, size_t) = __atomic_load_n(&mirror, __ATOMIC_ACQUIRE);
    if (m) {
        mirror_runs(m, s, n);
        __atomic_store_n(&mirror_wrote, 1, __ATOMIC_RELAXED);
    }
}

int kvprintf(const char *fmt, va_list ap)
{
    irqflags_t f = print_lock_take();
    int n = kvformat(console_sink, 0, fmt, ap);
    print_lock_drop(f);
    return n;
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}

/* Log lines held back while the shell waits for a key (klog_hold()). */
static char held[4096];
static size_t held_len;
static unsigned held_lost;
static volatile int holding;

void klog_hold(int on)
{
    irqflags_t f = print_lock_take();
    holding = on;
    if (!on) {
        if (held_len)
            kprintf("%.*s", (int)held_len, held);
        if (held_lost)
            kprintf("(%u log lines lost while the shell waited)\n", held_lost);
        held_len = 0;
        held_lost = 0;
    }
    print_lock_drop(f);
}

int klog_held(void)
{
    irqflags_t f = print_lock_take();
    int any = held_len || held_lost;
    print_lock_drop(f);
    return any;
}

/* Every line klog() makes, whatever the console prints, for `dmesg`.
 * 32 KiB keeps a boot's lines many times over. The print lock does not
 * keep it whole on its own: it lets in a second caller on its CPU (an
 * interrupt or NMI arriving in the middle of a klog()) and an NMI whose
 * CPU waits for the lock, and a record appended in the middle of another
 * breaks the ring. So ring_busy is taken as well: appending skips the ring
 * if it is busy (the line still goes to the console; log_skipped counts
 * it), and readers, which run in thread context, wait for it. */
static char log_mem[32768];
static struct logbuf log_ring = {.mem = log_mem, .size = sizeof log_mem};
static int ring_busy;
static unsigned long log_skipped;

static int ring_try_take(void) { return !__atomic_exchange_n(&ring_busy, 1, __ATOMIC_ACQUIRE); }

static void ring_take(void)
{
    while (!ring_try_take())
        hal_cpu_relax();
}

static void ring_drop(void) { __atomic_store_n(&ring_busy, 0, __ATOMIC_RELEASE); }

/* Lines at this level or more urgent go to the console as well. Boot is
 * quiet by default: a line on a polled UART is a visible part of boot
 * under TCG (each register access a trip into QEMU), and more at 115,200
 * baud on hardware, so only errors and warnings print. */
static unsigned console_level = LOG_WARN;
static volatile int quiet;           /* klog_quiet(): errors and warnings kept, not shown */
static unsigned long reports;        /* errors and warnings logged since boot */

static int color = 1; /* klog_color() */

void klog_color(int on) { color = on; }

int klog_colored(void) { return color; }

/* One finished line (no newline) to the console, or into the held lines
 * while the shell waits for a key. Errors in red, warnings in yellow, unless
 * klog_color(0); the held ones too, since they are printed as they are. The
 * print lock is held. */
static void console_line(unsigned level, const char *line, size_t len)
{
    const char *on = !color ? "" : level == LOG_ERR ? "\x1b[31m" : level == LOG_WARN ? "\x1b[33m" : "";
    const char *off = on[0] ? "\x1b[0m" : "";
    if (!holding) {
        kprintf("%s%.*s%s\n", on, (int)len, line, off);
        return;
    }
    size_t lon = strlen(on), loff = strlen(off);
    if (held_len + lon + len + loff + 1 <= sizeof held) {
        memcpy(held + held_len, on, lon);
        memcpy(held + held_len + lon, line, len);
        memcpy(held + held_len + lon + len, off, loff);
        held[held_len + lon + len + loff] = '\n';
        held_len += lon + len + loff + 1;
    } else {
        held_lost++;
    }
}

void klog(enum log_level level, const char *fmt, ...)
{
    static const char *const tags[] = {"error: ", "warning: ", "", ""};
    uint64_t us = uptime_us();
    char line[KLOG_LINE_MAX];
    int n = ksnprintf(line, sizeof line, "[%5lu.%06lu] %s", (unsigned long)(us / 1000000),
                      (unsigned long)(us % 1000000), tags[level & 3]);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < sizeof line)
        n += kvsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n;
    if (len >= sizeof line) { /* cut, and say so */
        len = sizeof line - 1;
        memcpy(line + len - 3, "...", 3);
    }
    irqflags_t f = print_lock_take();
    if (ring_try_take()) {
        logbuf_append(&log_ring, (unsigned)level, line, len);
        ring_drop();
    } else {
        __atomic_fetch_add(&log_skipped, 1, __ATOMIC_RELAXED);
    }
    if (level <= LOG_WARN)
        __atomic_fetch_add(&reports, 1, __ATOMIC_RELAXED);
    if ((unsigned)level <= console_level && !quiet)
        console_line((unsigned)level, line, len);
    print_lock_drop(f);
}

void klog_quiet(int on) { quiet = on; }

unsigned long klog_reports(void) { return __atomic_load_n(&reports, __ATOMIC_RELAXED); }

unsigned long klog_reports_since(uint64_t mark, const char *what)
{
    irqflags_t f = print_lock_take();
    struct logbuf_cursor c = klog_oldest(NULL);
    char line[KLOG_LINE_MAX];
    unsigned lvl;
    uint64_t lost;
    unsigned long n = 0;
    for (long len; c.seq < mark && (len = klog_read(&c, &lvl, line, sizeof line, &lost)) >= 0;)
        ; /* to the mark */
    while (klog_read(&c, &lvl, line, sizeof line, &lost) >= 0)
        if (lvl <= LOG_WARN && strstr(line, what))
            n++;
    print_lock_drop(f);
    return n;
}

void klog_console_level(enum log_level level)
{
    irqflags_t f = print_lock_take(); /* recursive: klog_read() takes it again */
    struct logbuf_cursor c = klog_oldest(NULL);
    char line[KLOG_LINE_MAX];
    unsigned lvl;
    uint64_t lost;
    long n;
    while ((n = klog_read(&c, &lvl, line, sizeof line, &lost)) >= 0)
        if (lvl > console_level && lvl <= (unsigned)level)
            console_line(lvl, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    console_level = (unsigned)level;
    print_lock_drop(f);
}

struct logbuf_cursor klog_oldest(uint64_t *next)
{
    irqflags_t f = print_lock_take();
    ring_take();
    struct logbuf_cursor c = logbuf_oldest(&log_ring);
    if (next)
        *next = log_ring.next;
    ring_drop();
    print_lock_drop(f);
    return c;
}

long klog_read(struct logbuf_cursor *c, unsigned *level, char *out, size_t max, uint64_t *lost)
{
    irqflags_t f = print_lock_take();
    ring_take();
    long n = logbuf_read(&log_ring, c, level, out, max, lost);
    ring_drop();
    print_lock_drop(f);
    return n;
}

size_t klog_size(void) { return sizeof log_mem; }

enum log_level klog_console_level_now(void) { return (enum log_level)console_level; }

unsigned long klog_skipped(void)
{
    return __atomic_load_n(&log_skipped, __ATOMIC_RELAXED);
}
