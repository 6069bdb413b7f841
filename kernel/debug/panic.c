/**
 * @file panic.c
 * @brief The fatal path: message, backtrace, then halt or (ktest mode) fail QEMU.
 */
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/printf.h>
#include <kernel/sections.h>

int ktest_mode;

/* One line: label, address, and function+offset when the symbol table knows it.
 * A return address is looked up as addr - 1, which lies inside the call
 * instruction, so a call to a noreturn function still names its caller. */
static void print_frame(const char *label, uintptr_t addr, int is_return)
{
    uintptr_t off;
    const char *name = ksym_lookup(addr - (is_return ? 1 : 0), &off);
    if (name)
        kprintf("  %s %016lx %s+0x%lx\n", label, (unsigned long)addr, name,
                (unsigned long)(off + (is_return ? 1 : 0)));
    else
        kprintf("  %s %016lx ?\n", label, (unsigned long)addr);
}

void backtrace_from(uintptr_t fp, uintptr_t pc, uintptr_t lr)
{
    kprintf("backtrace:\n");
    print_frame("#0", pc, 0);
    /* A return address not yet in a frame record: a leaf function's link
     * register (aarch64), or the word a call to a bad address left at RSP. */
    if (lr)
        print_frame("ret", lr, 1);
    /* Frame records (fp, lr) live on the stack; stop at anything that is not
     * a plausible, aligned, increasing frame pointer. Every arch keeps frame
     * pointers (-fno-omit-frame-pointer), with the record at
     * fp + ARCH_FRAME_RECORD_OFFSET (hal/cpu.h). */
    for (int depth = 1; depth < 32 && (fp & 7) == 0 &&
                        hal_virt_to_phys((void *)(fp + ARCH_FRAME_RECORD_OFFSET + 8)) != (uint64_t)-1;
         depth++) {
        const uintptr_t *rec = (const uintptr_t *)(fp + ARCH_FRAME_RECORD_OFFSET);
        uintptr_t ret = rec[1];
        if ((ret < (uintptr_t)__kernel_start || ret >= (uintptr_t)__kernel_end) && !ksym_code_contains(ret))
            break;
        char label[8];
        ksnprintf(label, sizeof label, "#%d", depth);
        print_frame(label, ret, 1);
        if (rec[0] <= fp)
            break;
        fp = rec[0];
    }
}

static const struct debug_hooks *cpu_hooks;

void debug_set_cpu_hooks(const struct debug_hooks *hooks)
{
    __atomic_store_n(&cpu_hooks, hooks, __ATOMIC_RELEASE);
}

void panic_finish(void)
{
    /* The other CPUs stop where they are, so nothing runs on past a panic.
     * If another CPU panicked first, it is stopping this one: halt. */
    const struct debug_hooks *h = __atomic_load_n(&cpu_hooks, __ATOMIC_ACQUIRE);
    unsigned left = 0;
    int asked = h && h->stop_others ? h->stop_others(&left) : 0;
    if (asked == -EBUSY && h->stop_if_asked)
        h->stop_if_asked();
    kprintf_panic_mode(); /* a stopped CPU may hold the console lock */
    unsigned me = h && h->cpu_index ? h->cpu_index() : 0;
    if (asked > 0 && !left)
        kprintf("panic on CPU %u: the other %d CPU(s) stopped\n", me, asked);
    else if (asked > 0)
        kprintf("panic on CPU %u: %u of the other %d CPU(s) did not stop (interrupts masked, and no NMI here)\n",
                me, left, asked);
    if (ktest_mode) {
        kprintf("panic in ktest mode: powering off with failure\n");
        if (hal_poweroff_code(1) != 0)
            hal_poweroff();
    }
    kprintf("System halted.\n");
    hal_halt();
}

void panic(const char *fmt, ...)
{
    va_list ap;
    kprintf("\n*** PANIC: ");
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    backtrace_from((uintptr_t)__builtin_frame_address(0), (uintptr_t)__builtin_return_address(0), 0);
    panic_finish();
}
