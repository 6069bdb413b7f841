/**
 * @file panic.c
 * @brief The fatal path: message, backtrace, then halt or (ktest mode) fail QEMU.
 */
#include <hal/cpu.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>

extern char __kernel_start[], __kernel_end[];

int ktest_mode;

void backtrace_from(uintptr_t fp, uintptr_t pc)
{
    kprintf("backtrace:\n  #0 pc %016lx\n", (unsigned long)pc);
    /* Frame records (fp, lr) live on the stack; stop at anything that is not
     * a plausible, aligned, increasing frame pointer. Both arches keep frame
     * pointers (-fno-omit-frame-pointer) with the record at [fp]. */
    for (int depth = 1; depth < 32 && fp && (fp & 7) == 0; depth++) {
        const uintptr_t *rec = (const uintptr_t *)fp;
        uintptr_t ret = rec[1];
        if (ret < (uintptr_t)__kernel_start || ret >= (uintptr_t)__kernel_end)
            break;
        kprintf("  #%d pc %016lx\n", depth, (unsigned long)ret);
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
    backtrace_from((uintptr_t)__builtin_frame_address(0), (uintptr_t)__builtin_return_address(0));
    panic_finish();
}
