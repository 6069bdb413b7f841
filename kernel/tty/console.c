/**
 * @file console.c
 * @brief The console drivers registered (kprintf's output from then on),
 *        and the bytes their receive interrupt queues for readers.
 */
#include <hal/console.h>
#include <hal/timer.h>
#include <kernel/irq.h>
#include <kernel/console.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/kprintf.h>
#include <kernel/ktimer.h>
#include <kernel/log.h>
#include <kernel/sched.h>
#include <kernel/wait.h>
#include <stddef.h>

#define MAX_CONSOLES 4
#define RX_RING 1024 /* a power of two */
#define CTRL_C 0x03

static struct console consoles[MAX_CONSOLES];
static unsigned nconsoles;
static const struct console *current;

/* Filled by the receive interrupt, emptied by console_getc*(); the wait
 * queue's lock guards the ring too. */
static struct waitqueue rx_wq = WAITQUEUE_INIT(rx_wq, "console rx");
static char rx_ring[RX_RING];
static unsigned rx_head, rx_tail;
static int rx_paused; /* the device's receive interrupt is off: the queue filled */
static uint64_t rx_received, rx_dropped, rx_found_idle;

/* The receive handler its driver registered (console_rx_irq()). Every
 * drain of the device, the interrupt's, a resume's, a probe's and the idle
 * look's (rx_kick()), holds rx_drain_lock: two CPUs reading one FIFO at once
 * could each see it non-empty, and the second read an empty one. Taken
 * before rx_wq.lock (the handler pushes under that). */
static void (*rx_fn)(unsigned irq, void *dev);
static struct device *rx_dev;
static struct spinlock rx_drain_lock = SPINLOCK_INIT("console rx drain");

static void rx_isr(unsigned irq, void *dev)
{
    spin_lock(&rx_drain_lock); /* interrupts are masked in a handler */
    rx_fn(irq, dev);
    spin_unlock(&rx_drain_lock);
}

/* kprintf's output once a console driver registered (kernel/kprintf.h). */
static void console_putc(char c) { current->putc(current->dev, c); }

int console_register(const struct console *con)
{
    if (nconsoles == MAX_CONSOLES)
        return -ENOSPC;
    consoles[nconsoles] = *con;
    current = &consoles[nconsoles++];
    kprintf_set_output(console_putc);
    /* Input starts only now that the console can pause it: a driver that
     * turned its receive interrupt on and drained the UART before this
     * point, with a queue filled by keys typed during boot, had nobody to
     * pause it (rx_paused set, the interrupt still on: a level-triggered
     * UART would raise it without end), or, before rx_paused was set for
     * every full queue, left the rest in the FIFO with no interrupt to
     * come and no resume either: input stopped after 1 KiB. So the console
     * starts the device the way it resumes it, or keeps it paused. */
    if (con->rx_irq >= 0 && con->rx_pause) {
        irqflags_t f = spin_lock_irqsave(&rx_drain_lock);
        current->rx_pause(current->dev, __atomic_load_n(&rx_paused, __ATOMIC_RELAXED));
        spin_unlock_irqrestore(&rx_drain_lock, f);
    }
    return 0;
}

const struct console *console_current(void) { return current; }


int console_rx_irq(struct device *dev, void (*fn)(unsigned irq, void *dev), const char *name)
{
    if (!dev->has_irq)
        return -1;
    rx_fn = fn;
    rx_dev = dev;
    int err = device_request_irq(dev, rx_isr, name);
    if (err) {
        rx_fn = NULL;
        pr_warn("%s: %s: irq %u: %s; console input polled", name, dev->name, dev->irq,
                errno_name(err));
        return -1;
    }
    return (int)dev->irq;
}

int console_rx_room(void)
{
    spin_lock(&rx_wq.lock); /* interrupts are masked in a handler */
    int room = rx_head - rx_tail < RX_RING;
    /* Paused even with no console to pause yet (the early console's drain,
     * a probe's): the flag is what makes a reader resume the device once
     * it has made room, and console_register() starts a new console paused. */
    if (!room && !rx_paused) {
        rx_paused = 1;
        if (current && current->rx_pause)
            current->rx_pause(current->dev, 1);
    }
    spin_unlock(&rx_wq.lock);
    return room;
}

/* Ctrl-C while a command runs (console_foreground()): the flag commands
 * poll; read and written by plain loads and stores (one CPU's interrupt
 * sets it, the shell's thread reads it; a late look costs a loop turn). */
static volatile int fg_busy, fg_cancel;

void console_foreground(int busy)
{
    irqflags_t f = spin_lock_irqsave(&rx_wq.lock);
    fg_cancel = 0;
    fg_busy = busy;
    /* A Ctrl-C typed ahead, after the command's line but before it started
     * (all of it queued while boot finished, say), stops it too: what came
     * before it goes, what came after stays. */
    for (unsigned i = rx_tail; busy && i != rx_head; i++)
        if (rx_ring[i % RX_RING] == CTRL_C) {
            fg_cancel = 1;
            rx_tail = i + 1;
        }
    spin_unlock_irqrestore(&rx_wq.lock, f);
}

int console_cancelled(void) { return fg_cancel; }

static int (*input_hook)(char c);
static volatile int user_owned; /* see console_set_user() */

void console_set_input_hook(int (*hook)(char c)) { __atomic_store_n(&input_hook, hook, __ATOMIC_RELEASE); }

void console_rx_push(char c)
{
    spin_lock(&rx_wq.lock); /* interrupts are masked in a handler */
    int (*hook)(char) = __atomic_load_n(&input_hook, __ATOMIC_ACQUIRE);
    int took = hook ? hook(c) : 0;
    if (took == 3) { /* the switch key: the input changes hands */
        user_owned = !user_owned;
        rx_tail = rx_head;
        rx_received++;
    } else if (took == 1) {
        /* The terminal made a signal of it (a program's Ctrl-C): what was
         * typed ahead goes with it, as a terminal's interrupt key flushes. */
        rx_tail = rx_head;
        rx_received++;
    } else if (c == CTRL_C && fg_busy && !took) {
        /* What was typed ahead of it is dropped with the command, as a
         * terminal's interrupt key flushes its input. */
        fg_cancel = 1;
        rx_tail = rx_head;
        rx_received++;
    } else if (rx_head - rx_tail < RX_RING) {
        rx_ring[rx_head++ % RX_RING] = c;
        rx_received++;
    } else {
        rx_dropped++; /* a driver that did not ask console_rx_room() */
    }
    wq_wake_all_locked(&rx_wq);
    spin_unlock(&rx_wq.lock);
}

void console_rx_drain(void (*fn)(unsigned irq, void *dev), struct device *dev)
{
    irqflags_t f = spin_lock_irqsave(&rx_drain_lock);
    fn(dev->irq, dev);
    spin_unlock_irqrestore(&rx_drain_lock, f);
}

void console_rx_stats(uint64_t *received, uint64_t *dropped, uint64_t *found_idle)
{
    *received = rx_received;
    *dropped = rx_dropped;
    *found_idle = rx_found_idle;
}

/*
 * The idle look: a reader that waited its whole timeout for a byte runs
 * the receive handler itself, once, unless the device is paused (the queue
 * is full: nothing to look for). Bytes it finds waited in the UART with no
 * interrupt to say so. That was seen twice on aarch64 under a heavily
 * loaded host: the shell's reader stopped after exactly one full queue
 * (1 KiB) of a 4 KiB line, QEMU holding the rest. The likely cause, since
 * fixed: the queue filling in the driver's start-up drain, before it was
 * the console, where no pause was recorded and so no resume came (see
 * console_register()). On x86_64 it warned of short lines that a 16550
 * at a 14-byte trigger level announced only at its character timeout,
 * late rather than lost (see ns16550_probe()). The look stays as a guard: a lost receive
 * interrupt costs the shell 100 ms instead of its input; `irqs` counts
 * what it found and the log says it once.
 */
static void rx_kick(void)
{
    if (!rx_fn || __atomic_load_n(&rx_paused, __ATOMIC_RELAXED))
        return;
    irqflags_t f = spin_lock_irqsave(&rx_drain_lock);
    uint64_t before = __atomic_load_n(&rx_received, __ATOMIC_RELAXED);
    rx_fn(rx_dev->irq, rx_dev);
    uint64_t found = __atomic_load_n(&rx_received, __ATOMIC_RELAXED) - before;
    spin_unlock_irqrestore(&rx_drain_lock, f);
    if (found && __atomic_fetch_add(&rx_found_idle, found, __ATOMIC_RELAXED) == 0)
        pr_warn("console: %lu bytes waited in the UART with no receive interrupt; "
                "the shell's idle look took them", (unsigned long)found);
}

/* Interrupt-driven: the driver registered its receive interrupt and a
 * controller delivers it. */
static int rx_by_irq(void)
{
    return current && current->rx_irq >= 0 && irq_routed((unsigned)current->rx_irq);
}

/* Take a byte; *resume is set when a paused device should restart (once
 * the queue is half empty, so it does not flap byte by byte). */
static int rx_pop_locked(int *resume)
{
    int c = rx_head != rx_tail ? (unsigned char)rx_ring[rx_tail++ % RX_RING] : -1;
    if (rx_paused && rx_head - rx_tail <= RX_RING / 2) {
        rx_paused = 0;
        *resume = 1;
    }
    return c;
}

int console_rx_lose_interrupt(void)
{
    if (!rx_fn || !current || !current->rx_pause || !rx_by_irq())
        return -ENODEV;
    irqflags_t f = spin_lock_irqsave(&rx_drain_lock);
    current->rx_pause(current->dev, 1); /* rx_paused stays 0: nothing will resume it */
    spin_unlock_irqrestore(&rx_drain_lock, f);
    return 0;
}

/* Outside the queue's lock: the driver's restart queues what waited. */
static void rx_resume(void)
{
    irqflags_t f = spin_lock_irqsave(&rx_drain_lock);
    if (current && current->rx_pause)
        current->rx_pause(current->dev, 0);
    spin_unlock_irqrestore(&rx_drain_lock, f);
}

/* A queued byte, or -1. With @p w, an empty queue enqueues @p w as a
 * waiter under the same lock, so a byte arriving after the check wakes it. */
static int rx_take(struct waiter *w)
{
    int resume = 0;
    irqflags_t f = spin_lock_irqsave(&rx_wq.lock);
    int c = rx_pop_locked(&resume);
    if (c < 0 && w)
        wq_add_locked(&rx_wq, w);
    spin_unlock_irqrestore(&rx_wq.lock, f);
    if (resume)
        rx_resume();
    return c;
}

/* A program's terminal owns the input (console_set_user()): the kernel's
 * readers (the shell) get nothing meanwhile, the terminal everything. */

void console_set_user(int on)
{
    irqflags_t f = spin_lock_irqsave(&rx_wq.lock);
    user_owned = on;
    wq_wake_all_locked(&rx_wq); /* whoever may read now looks again */
    spin_unlock_irqrestore(&rx_wq.lock, f);
}

int console_user_owned(void) { return user_owned; }

/* A byte from the queue or the device, whoever owns the input. */
static int getc_any(void)
{
    int c = rx_take(NULL);
    if (c >= 0)
        return c;
    if (current)
        return current->getc ? current->getc(current->dev) : -1;
    return hal_console_getc();
}

int console_getc(void) { return user_owned ? -1 : getc_any(); }

/* With a receive interrupt, only what it queued: a byte read from the
 * device directly would pass by the input hook (the terminal's signal and
 * switch keys). Polled, the terminal runs the hook itself. */
int console_getc_user(void)
{
    if (!user_owned)
        return -1;
    return rx_by_irq() ? rx_take(NULL) : getc_any();
}

/* The timeout of console_getc_timeout(): wake the readers so they look. */
static void rx_timeout(struct ktimer *t, void *arg)
{
    (void)t;
    (void)arg;
    irqflags_t f = spin_lock_irqsave(&rx_wq.lock);
    wq_wake_all_locked(&rx_wq);
    spin_unlock_irqrestore(&rx_wq.lock, f);
}

int console_getc_timeout(uint64_t ms)
{
    static int warned;
    uint64_t end = ms ? hal_time_ns() + ms * 1000000ull : 0;
    for (;;) {
        if (!rx_by_irq() || !thread_current()) {
            if (!warned && thread_current()) {
                warned = 1;
                pr_warn("console: no receive interrupt; polling the UART every 10 ms");
            }
            int c = console_getc();
            if (c >= 0)
                return c;
            if (end && hal_time_ns() >= end)
                return -1;
            thread_sleep_ms(10);
            continue;
        }
        struct waiter w;
        int c;
        if (user_owned) { /* wait until the kernel has the input again */
            irqflags_t f = spin_lock_irqsave(&rx_wq.lock);
            wq_add_locked(&rx_wq, &w);
            int still = user_owned;
            if (!still)
                wq_remove_locked(&rx_wq, &w);
            spin_unlock_irqrestore(&rx_wq.lock, f);
            if (!still)
                continue;
            c = -1;
        } else {
            c = rx_take(&w);
        }
        if (c >= 0)
            return c;
        struct ktimer t;
        if (end) {
            if (hal_time_ns() >= end) {
                irqflags_t f = spin_lock_irqsave(&rx_wq.lock);
                wq_remove_locked(&rx_wq, &w);
                spin_unlock_irqrestore(&rx_wq.lock, f);
                return -1;
            }
            ktimer_init(&t, rx_timeout, NULL);
            ktimer_arm(&t, end);
        }
        wq_block(&w);
        if (end) {
            ktimer_cancel(&t);
            if (hal_time_ns() >= end)
                rx_kick(); /* what it finds, the next turn takes */
        }
    }
}

int console_getc_wait(void) { return console_getc_timeout(0); }

struct waitqueue *console_rx_waitqueue(void) { return &rx_wq; }

int console_rx_polled(void) { return !rx_by_irq(); }
