/*
 * A module to copy when writing one (docs/modules-and-ebpf.md): it names
 * itself, starts a thread that sleeps and counts under a lock, and stops it
 * and frees what it took when unloaded. Build: copy this folder to
 * modules/<name>/<name>.c, rename module_name, `ninja -C build/<arch>`;
 * `modload <name>.ko`, `lsmod`, `modunload <name>`. It calls only the
 * kernel's exports (`ksyms --exports` lists them).
 */
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/module.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>

/* The name lsmod shows and modunload takes: printable, 1-31 characters. */
const char module_name[] = "template";

struct state {
    struct spinlock lock;
    unsigned ticks;
    volatile int stop;
    int thread;
};

static struct state *st;

static int ticker(void *arg)
{
    struct state *s = arg;
    while (!s->stop) {
        thread_sleep_ns(10 * 1000000ull);
        spin_lock(&s->lock);
        s->ticks++;
        spin_unlock(&s->lock);
    }
    return (int)s->ticks;
}

/* Run by modload once the module is in place; nonzero refuses the load. */
int module_init(void)
{
    st = kzalloc(sizeof *st);
    if (!st)
        return -ENOMEM;
    spin_init(&st->lock, "template");
    st->thread = thread_create("template", ticker, st, PRIO_DEFAULT, 0);
    if (st->thread < 0) {
        int err = st->thread;
        kfree(st);
        return err;
    }
    kprintf("template: loaded, thread %d ticking every 10 ms\n", st->thread);
    return 0;
}

/* Run by modunload before the module's memory goes: undo module_init. */
void module_exit(void)
{
    st->stop = 1;
    int ticks = 0;
    thread_join(st->thread, &ticks);
    kprintf("template: unloaded after %d ticks\n", ticks);
    kfree(st);
}
