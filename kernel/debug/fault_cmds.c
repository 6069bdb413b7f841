/**
 * @file fault_cmds.c
 * @brief The `fault` shell command: raise a CPU fault on purpose.
 *
 * Each kind checks one protection the kernel promises (page 0 unmapped,
 * nothing past the image, W^X of text, rodata, data and the direct map,
 * guarded stacks, W^X of code memory and names inside it) and shows the panic report a real bug would get. The
 * QEMU tests assert on the function names here (write_to, jump_to_copy,
 * overflow_recurse, cmd_fault), so keep them.
 */
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <kernel/errno.h>
#include <kernel/initrd.h>
#include <kernel/jit.h>
#include <kernel/module.h>
#include <kernel/kprintf.h>
#include <kernel/pmm.h>
#include <kernel/shell.h>
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
        kprintf("fault %s: no code memory\n", kind);
        return -ENOMEM;
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
            kprintf("fault module: no hello.ko in the initrd\n");
            return -ENOENT;
        }
        int rc = module_load(elf, size, module_kernel_opts(), &m, log, sizeof log);
        if (rc) {
            kprintf("fault module: %s\n", log);
            return rc;
        }
    }
    void (*f)(void) = (void (*)(void))module_symbol(m, "hello_fault");
    if (!f) {
        kprintf("fault module: hello has no hello_fault\n");
        return -ENOENT;
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

static int cmd_fault(int argc, char **argv)
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
    kprintf("fault %s: no fault was raised; memory protection is broken\n", kind);
    return -ENOSYS;
}
SHELL_COMMAND("fault",
              "fault undef|null|unmapped-write|write-text|write-rodata|exec-data|exec-directmap|stack-overflow|jit|jit-write|jit-exec|module",
              "raise a CPU fault on purpose and see the panic report", cmd_fault);
