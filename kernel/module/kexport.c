/**
 * @file kexport.c
 * @brief The kernel's exports: the only symbols a module can link against
 *        (kernel/module.h), and this kernel's module options.
 *
 * One list here rather than KEXPORT() lines beside each definition: what
 * modules may use is an interface, and it reads best in one place. Add a
 * line when a module needs a kernel function; everything else stays
 * private to the kernel.
 */
#include <hal/cpu.h>
#include <hal/timer.h>
#include <kernel/block.h>
#include <kernel/crc32.h>
#include <kernel/driver.h>
#include <kernel/elf.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/lockdep.h>
#include <kernel/ktimer.h>
#include <kernel/log.h>
#include <kernel/module.h>
#include <kernel/module_arch.h>
#include <kernel/printf.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/wait.h>

/* printing */
KEXPORT(kprintf);
KEXPORT(klog);
KEXPORT(ksnprintf);
/* memory */
KEXPORT(kmalloc);
KEXPORT(kzalloc);
KEXPORT(kfree);
KEXPORT(memcpy);
KEXPORT(memmove);
KEXPORT(memset);
KEXPORT(memcmp);
KEXPORT(strlen);
KEXPORT(strcmp);
/* time and locks */
KEXPORT(hal_time_ns);
KEXPORT(ktimer_init);
KEXPORT(ktimer_arm);
KEXPORT(ktimer_cancel);
KEXPORT(spin_lock_slow);
KEXPORT(spin_smp);
KEXPORT(lockdep_acquired); /* called by spin_lock*() in modules built with SPIN_LOCKDEP */
KEXPORT(lockdep_released);
/* threads and waiting (kernel/sched.h, kernel/wait.h) */
KEXPORT(thread_create);
KEXPORT(thread_join);
KEXPORT(thread_exit);
KEXPORT(thread_yield);
KEXPORT(thread_sleep_ns);
KEXPORT(mutex_init);
KEXPORT(mutex_lock);
KEXPORT(mutex_unlock);
KEXPORT(sem_init);
KEXPORT(sem_down);
KEXPORT(sem_up);
KEXPORT(cond_init);
KEXPORT(cond_wait);
KEXPORT(cond_signal);
KEXPORT(cond_broadcast);
/* devices (kernel/driver.h): a module's driver offered a device it describes */
KEXPORT(device_add);
KEXPORT(device_map);
KEXPORT(device_request_irq);
/* the block layer: a module can be a disk */
KEXPORT(blk_register);
KEXPORT(blk_unregister);
KEXPORT(blk_complete);
KEXPORT(blk_read);
KEXPORT(blk_write);
KEXPORT(crc32);

extern const struct kexport __kexports_start[], __kexports_end[];

const void *kexport_lookup(const char *name)
{
    for (const struct kexport *e = __kexports_start; e < __kexports_end; e++)
        if (strcmp(e->name, name) == 0)
            return e->addr;
    return NULL;
}

const char *kexport_next(const char *after)
{
    const char *best = NULL;
    for (const struct kexport *e = __kexports_start; e < __kexports_end; e++)
        if (strcmp(e->name, after) > 0 && (!best || strcmp(e->name, best) < 0))
            best = e->name;
    return best;
}

const struct module_opts *module_kernel_opts(void)
{
    static struct module_opts o;
#ifdef ARCH_MODULE_RELOC
    o.arch = &ARCH_MODULE_RELOC; /* named by <arch/memlayout.h> */
#else
    o.arch = NULL; /* this arch has no relocations for modules: module_load() says so */
#endif
    o.resolve = kexport_lookup;
    return &o;
}
