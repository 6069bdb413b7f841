/**
 * @file fault_cmds.c
 * @brief The `fault` shell command: raise a CPU fault on purpose.
 *
 * Each kind checks one protection the kernel promises (page 0 unmapped,
 * nothing past the image, a freed page unmapped on every CPU, W^X of text,
 * rodata, data and the direct map,
 * guarded stacks, W^X of code memory and names inside it) and shows the panic report a real bug would get. The
 * QEMU tests assert on the function names here (write_to, jump_to_copy,
 * overflow_recurse, cmd_fault), so keep them.
 */
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/timer.h>
#include <kernel/console.h>
#include <kernel/errno.h>
#include <kernel/initrd.h>
#include <kernel/jit.h>
#include <kernel/module.h>
#include <kernel/kprintf.h>
#include <kernel/pmm.h>
#include <kernel/sched.h>
#include <kernel/shell.h>
#include <kernel/smp.h>
#include <kernel/string.h>
#include <kernel/vmalloc.h>

#include <kernel/sections.h>

/* A do-nothing function whose machine code `fault exec-data` copies into
 * .data: if data is (wrongly) executable, the copy simply returns. */
__attribute__((noinline)) static void harmless_function(void)
{
    __asm__ volatile("");
}

static void write_to(volatile uint32_t *p, const char *what);

/* The body `fault jit` copies into code memory: a store to page 0, which
 * is never mapped. No calls and no globals, so the copy runs anywhere. */
__attribute__((noinline)) static void jit_crash_body(void)
{
    *(volatile uint32_t *)(uintptr_t)8 = 0xdead;
}

/* Code memory holding a copy of @p fn (64 bytes), named "fault:<name>",
 * sealed read+execute unless @p seal is 0. */
static struct jit_region *jit_copy(void (*fn)(void), const char *name, int seal)
{
    struct jit_region *r = jit_alloc(64, "fault");
    if (!r)
        return NULL;
    memcpy(jit_base(r), (const void *)(uintptr_t)fn, 64);
    if (jit_add_symbol(r, name, 0, 64) != 0 || (seal && jit_seal(r) != 0)) {
        jit_free(r);
        return NULL;
    }
    return r;
}

/* The `fault jit*` kinds: a fault inside generated code names its symbol;
 * sealed code is not writable; code not yet sealed is not executable. */
static int fault_jit(const char *kind)
{
    int crash = strcmp(kind, "jit") == 0, write = strcmp(kind, "jit-write") == 0;
    struct jit_region *r = crash ? jit_copy(jit_crash_body, "fault:jit_crash", 1)
                                 : jit_copy(harmless_function, "fault:harmless", write);
    if (!r) {
        return shell_error(-ENOMEM, "fault %s: no code memory", kind);
    }
    if (write) {
        write_to((volatile uint32_t *)jit_base(r), kind);
    } else {
        kprintf("fault %s: jumping to %p\n", kind, jit_base(r));
        ((void (*)(void))(uintptr_t)jit_base(r))();
    }
    jit_free(r);
    return 0;
}

/* `fault module`: a fault inside a loaded module (hello.ko from the
 * initrd, loaded now if it is not) names the module's function. */
static int fault_module(void)
{
    struct module *m = module_find("hello");
    if (!m) {
        const void *elf;
        size_t size;
        char log[160];
        if (initrd_find("hello.ko", &elf, &size) != 0) {
            return shell_error(-ENOENT, "fault module: no hello.ko in the initrd");
        }
        int rc = module_load(elf, size, module_kernel_opts(), &m, log, sizeof log);
        if (rc) {
            return shell_error(rc, "fault module: %s", log);
        }
    }
    void (*f)(void) = (void (*)(void))module_symbol(m, "hello_fault");
    if (!f) {
        return shell_error(-ENOENT, "fault module: hello has no hello_fault");
    }
    kprintf("fault module: calling %p\n", (void *)f);
    f();
    return 0;
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

struct far_reader {
    const volatile uint64_t *p;
    volatile uint64_t reads;
    volatile int stop;
};

/* Read the page over and over on the CPU this thread is pinned to, so its
 * translation stays in that CPU's TLB, until told to stop. */
__attribute__((noinline)) static int read_until_stopped(void *arg)
{
    struct far_reader *r = arg;
    while (!r->stop) {
        (void)*r->p;
        r->reads++;
    }
    return 0;
}

/* `fault unmapped-on-other-cpu`: another CPU reads a vmalloc page over and
 * over (its TLB holds the translation) while this CPU frees it; that CPU's
 * next read must fault. A CPU the TLB shoot-down missed would go on
 * reading the freed page: 1,000 reads later (or after 100 ms) that is
 * reported instead. The shell thread stays on its CPU meanwhile. */
static int fault_other_cpu(const char *kind)
{
    /* The shell on the boot CPU, the reader on the first other CPU that
     * runs threads: the one with the fewest other threads to switch to
     * (a switch may flush the TLB, which would hide a missed shoot-down). */
    struct thread *self = thread_current();
    uint32_t mask = self->affinity, cpus = sched_cpu_mask();
    const unsigned here = 0;
    int other = cpus & ~1u ? __builtin_ctz(cpus & ~1u) : -1;
    if (other < 0) {
        return shell_error(-ENODEV, "fault %s: needs a second CPU running threads (SMP=2 or more)", kind);
    }
    int err = thread_set_affinity(self->id, 1u << here);
    if (err) {
        return shell_error(err, "fault %s: could not move to CPU %u", kind, here);
    }
    static struct far_reader r;
    volatile uint64_t *p = vmalloc(PAGE_SIZE);
    int id = -1;
    if (p) {
        *p = 0x5afe5afe5afe5afeull;
        r = (struct far_reader){.p = p};
        id = thread_create_on("far-reader", read_until_stopped, &r, PRIO_DEFAULT, 0, 1u << other);
    }
    if (id <= 0) {
        vfree((void *)p);
        thread_set_affinity(self->id, mask);
        return shell_error(-ENOMEM, "fault %s: no memory for the page or the reader", kind);
    }
    uint64_t deadline = hal_time_ns() + 1000000000ull;
    while (r.reads < 1000 && hal_time_ns() < deadline)
        thread_yield();
    kprintf("fault %s: CPU %u frees %p, which CPU %d is reading\n", kind, here, (void *)p, other);
    vfree((void *)p);
    /* The shoot-down is done when vfree() returns: the next read faults.
     * Wait for 1,000 more reads (a few microseconds of a missed one: soon
     * enough that nothing else, a switch, a TLB refill, flushes it first)
     * or 100 ms. */
    uint64_t after = r.reads;
    deadline = hal_time_ns() + 100000000ull;
    while (r.reads < after + 1000 && hal_time_ns() < deadline)
        hal_cpu_relax();
    r.stop = 1;
    thread_join(id, NULL);
    thread_set_affinity(self->id, mask);
    kprintf("fault %s: CPU %d read the freed page %lu times after the free\n", kind, other,
            (unsigned long)(r.reads - after));
    return 0;
}

/* noinline: the panics name it (the fault tests look for cmd_fault in the
 * backtrace), although only fault_sub() calls it. */
__attribute__((noinline)) static int cmd_fault(int argc, char **argv)
{
    if (argc != 2)
        return shell_usage(argv[0]);
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
            return shell_error(-ENOMEM, "fault stack-overflow: no stack to overflow");
        }
        kprintf("fault stack-overflow: recursing on the stack at %p-%p\n", stack,
                (void *)((uintptr_t)stack + KSTACK_SIZE - 1));
        hal_call_on_stack((uint8_t *)stack + KSTACK_SIZE, overflow_stack, NULL);
    } else if (strcmp(kind, "exec-directmap") == 0) {
        uint64_t pa = pmm_alloc(0);
        if (!pa) {
            return shell_error(-ENOMEM, "fault exec-directmap: no free page to try it with");
        }
        jump_to_copy(hal_phys_to_virt(pa), kind);
    } else if (strcmp(kind, "unmapped-on-other-cpu") == 0) {
        int rc = fault_other_cpu(kind);
        if (rc)
            return rc;
    } else if (strcmp(kind, "console-rx") == 0) {
        /* Not a CPU fault: the lost receive interrupt the console's idle
         * look (kernel/tty/console.c) recovers from, made on purpose. */
        int rc = console_rx_lose_interrupt();
        if (rc)
            return shell_error(rc, "fault console-rx: the console's input is polled: no interrupt to lose");
        kprintf("fault console-rx: the UART raises no receive interrupt now, as if one were lost; "
                "the shell reads by its idle look\n");
        return 0;
    } else if (strcmp(kind, "module") == 0) {
        int rc = fault_module();
        if (rc)
            return rc;
    } else if (strncmp(kind, "jit", 3) == 0 && (!kind[3] || !strcmp(kind + 3, "-write") || !strcmp(kind + 3, "-exec"))) {
        int rc = fault_jit(kind);
        if (rc)
            return rc;
    } else {
        return shell_usage(argv[0]);
    }
    return shell_error(-ENOSYS, "fault %s: no fault was raised; memory protection is broken", kind);
}
/* One subcommand per kind, so help lists them a line each; each goes to
 * cmd_fault() with the whole line (argv[-1] is "fault"). */
static int fault_sub(int argc, char **argv) { return cmd_fault(argc + 1, argv - 1); }

static const struct shell_sub fault_subs[] = {
    {"undef", "", 0, 0, fault_sub},          {"null", "", 0, 0, fault_sub},
    {"unmapped-write", "", 0, 0, fault_sub}, {"unmapped-on-other-cpu", "", 0, 0, fault_sub},
    {"write-text", "", 0, 0, fault_sub},     {"write-rodata", "", 0, 0, fault_sub},
    {"exec-data", "", 0, 0, fault_sub},      {"exec-directmap", "", 0, 0, fault_sub},
    {"stack-overflow", "", 0, 0, fault_sub}, {"jit", "", 0, 0, fault_sub},
    {"jit-write", "", 0, 0, fault_sub},      {"jit-exec", "", 0, 0, fault_sub},
    {"module", "", 0, 0, fault_sub},         {"console-rx", "", 0, 0, fault_sub},
    {NULL, NULL, 0, 0, NULL},
};
SHELL_COMMAND_SUBS("fault", "raise a CPU fault on purpose and see the panic report", fault_subs);
