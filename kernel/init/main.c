/**
 * @file main.c
 * @brief kmain: what the portable core does once the arch has booted.
 *
 * Reads like a table of contents: banner, command line, then either the
 * in-kernel tests (ktest mode) or the serial shell.
 */
#include <hal/cpu.h>
#include <kernel/irq.h>
#include <hal/timer.h>
#include <hal/mmu.h>
#include <hal/platform.h>
#include <kernel/bootprof.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/ktest.h>
#include <kernel/proc.h>
#include <kernel/log.h>
#include <kernel/net.h>
#include <kernel/pmm.h>
#include <kernel/sched.h>
#include <kernel/shell.h>
#include <kernel/smp.h>
#include <kernel/socket.h>
#include <kernel/string.h>
#include <kernel/tty.h>
#include <kernel/vfs.h>
#include <kernel/vmalloc.h>
#include <kernel/wait.h>


/* Words we understand on the command line; anything else is reported and ignored. */
static void parse_cmdline(const char *cmdline)
{
    char word[64];
    const char *p = cmdline;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t n = 0;
        while (p[n] && p[n] != ' ')
            n++;
        if (n == 0)
            break;
        if (n == 2 && memcmp(p, "--", 2) == 0) {
            init_set_args(p + 2); /* the rest is init's */
            break;
        }
        if (n == 5 && memcmp(p, "ktest", 5) == 0)
            ktest_mode = 1;
        else if (n > 5 && memcmp(p, "init=", 5) == 0) {
            if (init_set(p + 5, n - 5))
                pr_warn("cmdline: init= path too long; the kernel shell starts instead");
        }
        else if (n > 3 && memcmp(p, "ip=", 3) == 0)
            net_set_ip_option(p + 3, n - 3); /* reports what it does not understand */
        else if (n > 5 && memcmp(p, "root=", 5) == 0)
            vfs_set_root_device(p + 5, n - 5); /* vfs_init() mounts it */
        else if (n == 7 && memcmp(p, "verbose", 7) == 0)
            klog_console_level(LOG_INFO); /* prints the lines logged so far, too */
        else if (n == 8 && memcmp(p, "no_color", 8) == 0)
            klog_color(0); /* the NO_COLOR convention, for a kernel: a word on its command line */
        else if (!hal_cmdline_option(p, n)) {
            strlcpy(word, p, n + 1 < sizeof word ? n + 1 : sizeof word);
            pr_warn("cmdline: unknown word '%s' ignored", word);
        }
        p += n;
    }
}

/* Physical allocator, then the kernel's own page tables (which map all RAM,
 * so RAM the boot map did not reach can join the allocator). */
static void mm_init(const struct boot_info *bi)
{
    if (pmm_init(bi) != 0) {
        pr_err("mm: no memory map, so no page allocator or heap; only the shell runs");
        return;
    }
    boot_stage("page allocator");
    int err = hal_mmu_init(bi);
    if (err)
        pr_err("mmu: cannot build the kernel page tables (%s); staying on the boot tables",
               errno_name(err));
    boot_stage("kernel page tables");
    pmm_add_deferred();
    boot_stage("late RAM");
}

/* The network stack, and buses that scan once memory, threads and
 * timers exist (PCI, virtio): after the prompt, at the shell's priority,
 * so a disk never delays it; commands that list devices wait for this (device_probe_wait()). */
static int probe_thread(void *arg)
{
    (void)arg;
    int err = device_add_boot_fb(&platform_boot_info()->fb); /* the screen, if boot set one up */
    if (err && err != -ENODEV)
        pr_warn("fb0: the boot framebuffer has no console (%s)", errno_name(err));
    net_init(); /* the stack first: interfaces are attached as they register */
    device_run_deferred();
    return 0;
}

/* ktest mode: run every test, then leave QEMU with the verdict. */
static int ktest_thread(void *arg)
{
    (void)arg;
    int failed = ktest_run_all();
    if (failed && hal_poweroff_code(1) == 0)
        hal_halt(); /* not reached */
    hal_poweroff();
}


/* Boot's second half: what the prompt does not need, run by the idle
 * thread once the shell waits. Masked, as boot always ran: the arch sets
 * up interrupt controllers, hal_mmu_init() switches tables, the timer's
 * contract asks for it, smp_init() starts CPUs. */
static void boot_rest(struct boot_info *bi)
{
    irqflags_t f = hal_irq_save();
    hal_platform_init(bi);
    mm_init(bi);
    int err = hal_timer_init();
    if (err)
        pr_err("timer: %s; no timer interrupts, so no preemption, and sleeping polls", errno_name(err));
    else
        sched_timer_ready();
    boot_stage("timer");
    /* With the timer known (each CPU brings up its own like it, and runs
     * threads only if that works), before any test or command can look at
     * the CPUs. */
    smp_init();
    if (!err && smp_cpus_online() > 1)
        watchdog_cpu_start(); /* the others started theirs; one CPU alone has nobody to watch */
    boot_stage("cpus");
    hal_irq_restore(f);
    boot_done();
}

/* The shell starts before there is a heap: its struct and first stack. */
static struct thread shell_thr;
static uint8_t shell_stack[KSTACK_SIZE] __attribute__((aligned(KSTACK_ALIGN)));
static int shell_started;

void kernel_shell_start(void)
{
    if (__atomic_exchange_n(&shell_started, 1, __ATOMIC_ACQ_REL))
        return;
    int id = thread_create_static(&shell_thr, shell_stack, "shell", shell_thread, NULL, PRIO_DEFAULT,
                                  THREAD_DETACHED);
    if (id < 0)
        panic("sched: cannot start the shell thread (%s)", errno_name(id));
}

void kmain(struct boot_info *bi)
{
    smp_early_init(); /* the arch did it already; kept for a new arch that forgets */
    /* One line, not two: on a polled UART under TCG each line is boot time. */
    pr_info("kernel %s (%s) booting via %s%s%s; command line '%s'", KERNEL_VERSION, hal_arch_name(),
            bi->protocol, bi->bootloader[0] ? " from " : "", bi->bootloader, bi->cmdline);
    parse_cmdline(bi->cmdline);
    tty_register_devices(); /* /dev/console and /dev/tty open the console terminal */
    proc_lend_hooks();      /* what the layers below ask of the processes */
    sock_families_init();   /* socket()'s families, before any process asks */
    boot_stage("banner");
    sched_init(); /* this context becomes the idle thread; it allocates nothing */
    boot_stage("scheduler");
    /* The prompt first, then the rest of boot. Under TCG most of boot is
     * translating code the first time it runs (docs/performance.md, "Boot time"), and
     * the devices and interrupt controllers (hal_platform_init()), the page
     * allocator, the kernel's page tables, the timer and the other CPUs are
     * not needed to print a prompt on the early console: the shell, started
     * here from static memory (there is no heap yet), prints its prompt and
     * waits for the rest (boot_wait()) before it reads a key; the yield
     * runs it that far, and this context, the idle thread, finishes boot
     * meanwhile. This context keeps interrupts off until boot finished;
     * the shell's thread turns them on as it starts, but no source that
     * could interrupt is set up before the prompt (the interrupt path's
     * first run is a lot of code to translate). In ktest mode there is
     * no shell: the tests start once boot finished. */
    if (!ktest_mode && !init_requested()) {
        kernel_shell_start();
        thread_yield();
    }
    boot_rest(bi);
    if (!ktest_mode && init_requested())
        init_start(); /* pid 1; the shell waits for Ctrl-] or its end */
    if (ktest_mode) {
        int id = thread_create("ktest", ktest_thread, NULL, PRIO_DEFAULT, THREAD_DETACHED);
        if (id < 0) {
            hal_irq_enable();
            pr_err("sched: cannot start the ktest thread (%s); running the tests here",
                   errno_name(id));
            ktest_thread(NULL);
        }
    }
    hal_irq_enable();
    int pid = thread_create("probe", probe_thread, NULL, PRIO_DEFAULT, THREAD_DETACHED);
    if (pid < 0) {
        pr_err("driver: no probe thread (%s); probing late devices here", errno_name(pid));
        net_init();
        device_run_deferred();
    }
    /* The RAM pmm_init() left pending is set up by a low-priority thread
     * while the shell waits for input (pmm_fill()). */
    if (pmm_fill_pending()) {
        int fid = thread_create("pmm-fill", pmm_fill, NULL, PRIO_MIN, THREAD_DETACHED);
        if (fid < 0)
            pr_warn("pmm: no background thread (%s); RAM is set up as it is needed", errno_name(fid));
    }
    sched_idle_loop();
}
