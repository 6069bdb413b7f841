/**
 * @file shell.c
 * @brief The serial shell: reads lines from the console and runs commands.
 *
 * Runs as the "shell" thread and sleeps until the UART's receive interrupt
 * delivers a byte (kernel/console.h), so background threads get the CPU
 * while nobody types. The prompt ends in "> " at the start of a line so
 * tests can wait for it.
 */
#include <kernel/bench.h>
#include <kernel/console.h>
#include <kernel/driver.h>
#include <hal/cpu.h>
#include <kernel/irq.h>
#include <hal/mmu.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/ktest.h>
#include <kernel/kmalloc.h>
#include <kernel/pagetable.h>
#include <kernel/pmm.h>
#include <kernel/sched.h>
#include <kernel/shell.h>
#include <kernel/string.h>
#include <kernel/vmalloc.h>

#include <kernel/sections.h>

#define LINE_MAX 128
#define ARGS_MAX 8

struct command {
    const char *name;
    const char *usage;
    int (*fn)(int argc, char **argv);
};

static const struct command *find_command(const char *name);

static int usage(const struct command *c)
{
    kprintf("usage: %s\n", c->usage);
    return -EINVAL;
}

static int cmd_help(int argc, char **argv);

static int cmd_version(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage(find_command("version"));
    kprintf("kernel %s (%s), built with clang %s\n", KERNEL_VERSION, hal_arch_name(),
            __clang_version__);
    return 0;
}

static int cmd_uptime(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage(find_command("uptime"));
    uint64_t us = uptime_us();
    kprintf("up %lu.%06lu s\n", (unsigned long)(us / 1000000), (unsigned long)(us % 1000000));
    return 0;
}

static int cmd_bootinfo(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage(find_command("bootinfo"));
    const struct boot_info *bi = platform_boot_info();
    kprintf("protocol:   %s\nbootloader: %s\ncmdline:    '%s'\n", bi->protocol,
            bi->bootloader[0] ? bi->bootloader : "(unknown)", bi->cmdline);
    kprintf("kernel:     %#lx, %lu KiB\n", (unsigned long)bi->kernel_phys,
            (unsigned long)(bi->kernel_size / 1024));
    if (bi->dtb_phys)
        kprintf("dtb:        %#lx\n", (unsigned long)bi->dtb_phys);
    if (bi->initrd_phys)
        kprintf("initrd:     %#lx, %lu KiB\n", (unsigned long)bi->initrd_phys,
                (unsigned long)(bi->initrd_size / 1024));
    if (bi->stdout_path[0])
        kprintf("stdout:     %s\n", bi->stdout_path);
    if (bi->rsdp_len)
        kprintf("acpi rsdp:  %zu bytes (revision %u)\n", bi->rsdp_len, bi->rsdp[15]);
    const struct console *con = console_current();
    kprintf("console:    %s%s%s\n", con ? con->name : "early", con ? " " : "",
            con ? con->dev->name : "");
    return 0;
}

static const char *const mem_type_names[] = {"?", "usable", "reserved", "acpi-reclaim",
                                             "acpi-nvs", "bad", "no-map"};

/* Prints the ranges and returns their total size. */
static uint64_t print_ranges(const struct mem_range *r, unsigned n)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *type = r[i].type < ARRAY_SIZE(mem_type_names) ? mem_type_names[r[i].type] : "?";
        kprintf("  0x%012lx-0x%012lx %9lu KiB  %s\n", (unsigned long)r[i].base,
                (unsigned long)(r[i].base + r[i].size - 1), (unsigned long)(r[i].size / 1024), type);
        total += r[i].size;
    }
    return total;
}

static int cmd_mem(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage(find_command("mem"));
    const struct boot_info *bi = platform_boot_info();
    uint64_t usable = 0;
    kprintf("memory map (%s):\n", bi->protocol);
    print_ranges(bi->mem, bi->mem_count);
    for (unsigned i = 0; i < bi->mem_count; i++)
        if (bi->mem[i].type == MEM_USABLE)
            usable += bi->mem[i].size;
    uint64_t reserved = 0;
    if (bi->reserved_count) {
        kprintf("reserved inside RAM:\n");
        reserved = print_ranges(bi->reserved, bi->reserved_count);
    }
    kprintf("total: %lu KiB usable (%lu MiB), %lu KiB reserved inside RAM, kernel image %lu KiB\n",
            (unsigned long)(usable / 1024), (unsigned long)(usable >> 20),
            (unsigned long)(reserved / 1024), (unsigned long)(bi->kernel_size / 1024));

    struct pmm_stats ps;
    pmm_stats(&ps);
    kprintf("pages: %lu managed (%lu KiB), %lu free (%lu KiB), metadata %lu KiB, page tables %lu KiB\n",
            (unsigned long)ps.managed_pages, (unsigned long)(ps.managed_pages * 4),
            (unsigned long)ps.free_pages, (unsigned long)(ps.free_pages * 4),
            (unsigned long)(ps.metadata_bytes >> 10), (unsigned long)(pt_table_pages() * 4));
    kprintf("free blocks by order:");
    for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
        kprintf(" %u:%lu", o, (unsigned long)ps.free_blocks[o]);
    kprintf("\n");

    struct kmalloc_stats hs;
    kmalloc_stats(&hs);
    kprintf("heap:  size  slabs   in use / objects\n");
    for (unsigned i = 0; i < KMALLOC_CLASSES; i++)
        kprintf("       %4zu  %5u  %8lu / %lu\n", hs.cls[i].size, hs.cls[i].slabs,
                (unsigned long)hs.cls[i].inuse, (unsigned long)hs.cls[i].total);
    kprintf("heap large: %lu blocks, %lu KiB; errors caught: %lu\n", (unsigned long)hs.large_blocks,
            (unsigned long)(hs.large_bytes >> 10), (unsigned long)hs.errors);

    struct vmalloc_stats vs;
    vmalloc_stats(&vs);
    kprintf("vmalloc: %u areas, %lu KiB mapped, %lu KiB of address space\n", vs.areas,
            (unsigned long)(vs.mapped_bytes >> 10), (unsigned long)(vs.reserved_bytes >> 10));
    return 0;
}

static int cmd_devices(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage(find_command("devices"));
    for (unsigned i = 0; i < device_count(); i++) {
        const struct device *d = device_at(i);
        kprintf("  %-24s %-8s %s %#lx\n", d->name, d->driver->name,
                d->space == DEV_PIO ? "port" : d->space == DEV_MMIO ? "mmio" : "-",
                (unsigned long)d->base);
    }
    kprintf("%u devices bound\n", device_count());
    return 0;
}

static int cmd_bench(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage(find_command("bench"));
    bench_run_all();
    return 0;
}

static int cmd_ktest(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage(find_command("ktest"));
    return ktest_run_all() ? -EIO : 0;
}

/* A do-nothing function whose machine code `fault exec-data` copies into
 * .data: if data is (wrongly) executable, the copy simply returns. */
__attribute__((noinline)) static void harmless_function(void)
{
    __asm__ volatile("");
}

static uint8_t exec_data_buf[64] __attribute__((aligned(16))) = {1};
static const volatile uint32_t rodata_probe = 0x600d;

/* Copy harmless_function's code to @p dst and call it there. Not inlined,
 * so the panic's backtrace names it (the tests look for that). */
__attribute__((noinline)) static void jump_to_copy(void *dst, const char *what)
{
    memcpy(dst, (const void *)(uintptr_t)harmless_function, 64);
    kprintf("fault %s: jumping to %p\n", what, dst);
    ((void (*)(void))(uintptr_t)dst)();
    __asm__ volatile("" ::: "memory"); /* keeps the call a call, not a tail jump */
}

__attribute__((noinline)) static void write_to(volatile uint32_t *p, const char *what)
{
    kprintf("fault %s: writing to %p\n", what, (void *)p);
    *p = 0xdead;
}

/* Recurse with a big frame until the stack runs out; the use of buf after
 * the call keeps the compiler from turning it into a loop. (The depth test
 * only tells the compiler the recursion could end; 2^31 frames never fit.) */
__attribute__((noinline)) static unsigned overflow_recurse(unsigned depth)
{
    volatile uint8_t buf[512];
    buf[0] = (uint8_t)depth;
    if (depth == 0x80000000u)
        return 0;
    return overflow_recurse(depth + 1) + buf[0];
}

static void overflow_stack(void *arg)
{
    (void)arg;
    overflow_recurse(0);
}

static int cmd_fault(int argc, char **argv)
{
    if (argc != 2)
        return usage(find_command("fault"));
    const char *kind = argv[1];
    if (strcmp(kind, "undef") == 0) {
        hal_fault_undefined();
    } else if (strcmp(kind, "null") == 0) {
        volatile int *p = (volatile int *)(uintptr_t)0;
        kprintf("fault null: read %d\n", *p);
    } else if (strcmp(kind, "unmapped-write") == 0) {
        /* The page right after the image: both arches map the image exactly. */
        write_to((volatile uint32_t *)(uintptr_t)__kernel_end, kind);
    } else if (strcmp(kind, "write-text") == 0) {
        write_to((volatile uint32_t *)(uintptr_t)harmless_function, kind);
    } else if (strcmp(kind, "write-rodata") == 0) {
        write_to((volatile uint32_t *)(uintptr_t)&rodata_probe, kind);
    } else if (strcmp(kind, "exec-data") == 0) {
        jump_to_copy(exec_data_buf, kind);
    } else if (strcmp(kind, "stack-overflow") == 0) {
        void *stack = kstack_alloc();
        if (!stack) {
            kprintf("fault stack-overflow: no stack to overflow\n");
            return -ENOMEM;
        }
        kprintf("fault stack-overflow: recursing on the stack at %p-%p\n", stack,
                (void *)((uintptr_t)stack + KSTACK_SIZE - 1));
        hal_call_on_stack((uint8_t *)stack + KSTACK_SIZE, overflow_stack, NULL);
    } else if (strcmp(kind, "exec-directmap") == 0) {
        uint64_t pa = pmm_alloc(0);
        if (!pa) {
            kprintf("fault exec-directmap: no free page to try it with\n");
            return -ENOMEM;
        }
        jump_to_copy(hal_phys_to_virt(pa), kind);
    } else {
        return usage(find_command("fault"));
    }
    kprintf("fault %s: no fault was raised; memory protection is broken\n", kind);
    return -ENOSYS;
}

static int cmd_threads(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage(find_command("threads"));
    enum { MAX = 64 };
    static struct thread_info info[MAX]; /* only the shell thread runs this */
    unsigned n = thread_list(info, MAX);
    kprintf("  id  name             state     prio   cpu ms  switches\n");
    for (unsigned i = 0; i < n && i < MAX; i++)
        kprintf("%4d  %-15s  %-8s  %4d  %7lu  %8lu\n", info[i].id, info[i].name,
                thread_state_name(info[i].state), info[i].prio,
                (unsigned long)(info[i].cpu_ns / 1000000), (unsigned long)info[i].switches);
    if (n > MAX)
        kprintf("  ... and %u more\n", n - MAX);
    kprintf("%u threads, %lu context switches\n", n, (unsigned long)sched_switches());
    return 0;
}

/* Parse a duration in milliseconds, 0..1 hour: long enough for any demo,
 * short enough that a typo cannot park a thread for a week. */
static int parse_ms(const char *cmd, const char *arg, uint64_t *ms)
{
    if (kstrtou64(arg, 10, ms) != 0 || *ms > 3600000) {
        kprintf("%s: '%s' is not a duration in milliseconds (0..3600000)\n", cmd, arg);
        return -EINVAL;
    }
    return 0;
}

static int cmd_sleep(int argc, char **argv)
{
    uint64_t ms;
    if (argc != 2)
        return usage(find_command("sleep"));
    int err = parse_ms("sleep", argv[1], &ms);
    if (err)
        return err;
    uint64_t t0 = hal_time_ns();
    thread_sleep_ms(ms);
    kprintf("slept %lu.%03lu ms\n", (unsigned long)((hal_time_ns() - t0) / 1000000),
            (unsigned long)((hal_time_ns() - t0) / 1000 % 1000));
    return 0;
}

/* `spin`: burn the CPU without sleeping or yielding; only preemption lets
 * anyone else (the shell) run meanwhile. */
static int spin_thread(void *arg)
{
    uint64_t end = hal_time_ns() + (uint64_t)(uintptr_t)arg * 1000000ull;
    volatile uint64_t loops = 0;
    while (hal_time_ns() < end)
        loops++;
    return 0;
}

static int cmd_spin(int argc, char **argv)
{
    uint64_t ms;
    if (argc != 2)
        return usage(find_command("spin"));
    int err = parse_ms("spin", argv[1], &ms);
    if (err)
        return err;
    int id = thread_create("spin", spin_thread, (void *)(uintptr_t)ms, PRIO_DEFAULT, THREAD_DETACHED);
    if (id < 0)
        return id;
    kprintf("spin: thread %d burns the CPU for %lu ms\n", id, (unsigned long)ms);
    return 0;
}

static int cmd_irqs(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage(find_command("irqs"));
    enum { MAX = 32 };
    struct irq_stat st[MAX];
    unsigned n = irq_stats(st, MAX);
    kprintf("  irq  controller  handler          count  \n");
    for (unsigned i = 0; i < n && i < MAX; i++)
        kprintf("%5u  %-10s  %-15s  %8lu%s\n", st[i].irq, st[i].chip, st[i].name,
                (unsigned long)st[i].count, st[i].masked ? "  (masked)" : "");
    uint64_t rx, dropped;
    console_rx_stats(&rx, &dropped);
    kprintf("spurious: %lu; timer: %s; console rx by interrupt: %lu bytes, %lu dropped\n",
            (unsigned long)irq_spurious_count(), hal_timer_name(), (unsigned long)rx,
            (unsigned long)dropped);
    return 0;
}

static int cmd_poweroff(int argc, char **argv)
{
    if (argc > 2)
        return usage(find_command("poweroff"));
    if (argc == 2) {
        uint64_t code;
        if (kstrtou64(argv[1], 0, &code) != 0 || code > 255) {
            kprintf("poweroff: '%s' is not an exit code 0..255\n", argv[1]);
            return -EINVAL;
        }
        if (hal_poweroff_code((int)code) != 0)
            kprintf("poweroff: no test-exit device; powering off cleanly\n");
    }
    hal_poweroff();
}

static int cmd_reboot(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage(find_command("reboot"));
    hal_reboot();
}

static const struct command commands[] = {
    {"help", "help", cmd_help},
    {"version", "version", cmd_version},
    {"uptime", "uptime", cmd_uptime},
    {"bootinfo", "bootinfo", cmd_bootinfo},
    {"mem", "mem", cmd_mem},
    {"devices", "devices", cmd_devices},
    {"ktest", "ktest", cmd_ktest},
    {"bench", "bench", cmd_bench},
    {"threads", "threads", cmd_threads},
    {"irqs", "irqs", cmd_irqs},
    {"sleep", "sleep <ms>", cmd_sleep},
    {"spin", "spin <ms>", cmd_spin},
    {"fault",
     "fault undef|null|unmapped-write|write-text|write-rodata|exec-data|exec-directmap|stack-overflow",
     cmd_fault},
    {"poweroff", "poweroff [exit-code 0..255]", cmd_poweroff},
    {"reboot", "reboot", cmd_reboot},
};

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return 0;
}

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        kprintf("  %s\n", commands[i].usage);
    return 0;
}

/* Read one line with backspace handling; over-long lines are discarded whole. */
static int read_line(char *buf, size_t size)
{
    size_t n = 0;
    int overflow = 0;
    for (;;) {
        int c = console_getc_wait();
        if (c == '\r' || c == '\n') {
            kprintf("\n");
            buf[n] = 0;
            if (overflow) {
                kprintf("shell: line longer than %zu characters ignored\n", size - 1);
                return -E2BIG;
            }
            return (int)n;
        }
        if (c == 0x7f || c == 0x08) {
            if (n > 0) {
                n--;
                kprintf("\b \b");
            }
            continue;
        }
        if (c < 0x20 || c > 0x7e)
            continue;
        if (n + 1 >= size) {
            overflow = 1;
            continue;
        }
        buf[n++] = (char)c;
        console_putc((char)c);
    }
}

static void run_line(char *line)
{
    char *argv[ARGS_MAX + 1];
    int argc = 0;
    char *p = line;
    while (*p) {
        while (*p == ' ')
            *p++ = 0;
        if (!*p)
            break;
        if (argc == ARGS_MAX) {
            kprintf("shell: more than %d arguments\n", ARGS_MAX);
            return;
        }
        argv[argc++] = p;
        while (*p && *p != ' ')
            p++;
    }
    if (argc == 0)
        return;
    argv[argc] = 0;
    const struct command *c = find_command(argv[0]);
    if (!c) {
        kprintf("%s: unknown command (try 'help')\n", argv[0]);
        return;
    }
    int err = c->fn(argc, argv);
    if (err)
        kprintf("%s: %s\n", argv[0], errno_name(err));
}

int shell_thread(void *arg)
{
    (void)arg;
    shell_run();
}

void shell_run(void)
{
    char line[LINE_MAX];
    kprintf("bench: boot_to_shell_us %lu us\n", (unsigned long)uptime_us());
    kprintf("Type 'help' for commands.\n");
    for (;;) {
        kprintf("kernel> ");
        if (read_line(line, sizeof line) >= 0)
            run_line(line);
    }
}
