/**
 * @file panic.c
 * @brief The fatal path: message, backtrace, then halt or (ktest mode) fail QEMU.
 */
#include <hal/cpu.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>

extern char __kernel_start[], __kernel_end[];

int ktest_mode;

/* One line: label, address, and function+offset when the symbol table knows it.
 * @p lookup is the address to symbolize (a return address minus one lies
 * inside the call instruction, so it names the caller even for noreturn calls). */
static void print_frame(const char *label, int depth, uintptr_t shown, uintptr_t lookup)
{
    uintptr_t off;
    const char *name = ksym_lookup(lookup, &off);
    kprintf("  %s", label);
    if (depth >= 0)
        kprintf("%d", depth);
    if (name)
        kprintf(" %016lx %s+0x%lx\n", (unsigned long)shown, name, (unsigned long)(off + (shown - lookup)));
    else
        kprintf(" %016lx ?\n", (unsigned long)shown);
}

void backtrace_from(uintptr_t fp, uintptr_t pc, uintptr_t lr)
{
    kprintf("backtrace:\n");
    print_frame("#", 0, pc, pc);
    /* A leaf function keeps its return address only in the link register. */
    if (lr)
        print_frame("lr", -1, lr, lr - 1);
    /* Frame records (fp, lr) live on the stack; stop at anything that is not
     * a plausible, aligned, increasing frame pointer. Both arches keep frame
     * pointers (-fno-omit-frame-pointer) with the record at [fp]. */
    for (int depth = 1; depth < 32 && fp && (fp & 7) == 0; depth++) {
        const uintptr_t *rec = (const uintptr_t *)fp;
        uintptr_t ret = rec[1];
        if (ret < (uintptr_t)__kernel_start || ret >= (uintptr_t)__kernel_end)
            break;
        print_frame("#", depth, ret, ret - 1);
        if (rec[0] <= fp)
            break;
        fp = rec[0];
    }
}

void panic_finish(void)
{
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
