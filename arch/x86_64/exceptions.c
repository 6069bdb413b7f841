/**
 * @file exceptions.c
 * @brief Decode and report every x86_64 CPU exception (vector, error code, CR2).
 */
#include <arch/private.h>
#include <arch/frame.h>
#include <hal/mmu.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/smp.h>
#include <kernel/vmalloc.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/sections.h>

static const char *const names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
    "coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
    "#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
    "#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
    "#VE virtualization", "#CP control protection", "reserved 22", "reserved 23",
    "reserved 24", "reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
    "#VC VMM communication", "#SX security", "reserved 31",
};

/* The registers and a backtrace of the interrupted code. */
static void dump_frame(const struct x64_frame *f)
{
    kprintf("RIP %016lx  CS %04lx  RFLAGS %016lx  RSP %016lx  SS %04lx\n", f->rip, f->cs,
            f->rflags, f->rsp, f->ss);
    kprintf("RAX %016lx  RBX %016lx  RCX %016lx  RDX %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
    kprintf("RSI %016lx  RDI %016lx  RBP %016lx  R8  %016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
    kprintf("R9  %016lx  R10 %016lx  R11 %016lx  R12 %016lx\n", f->r9, f->r10, f->r11, f->r12);
    kprintf("R13 %016lx  R14 %016lx  R15 %016lx\n", f->r13, f->r14, f->r15);
    /* RIP outside the text: most likely a call through a bad pointer, whose
     * return address is still on top of the stack. */
    uintptr_t ret = 0, off;
    int in_text = f->rip >= (uintptr_t)__kernel_start && f->rip < (uintptr_t)__text_end;
    if (!in_text && hal_virt_to_phys((void *)f->rsp) != (uint64_t)-1)
        ret = *(const uint64_t *)f->rsp;
    /* Stopped (an NMI, a fault) in a function's prologue, before `mov %rsp,
     * %rbp`: RBP is still the caller's, so the frame walk would skip the
     * caller. Its return address is on top of the stack (at the first
     * instruction) or just above the pushed RBP (after `push %rbp`). */
    else if (in_text && ksym_lookup(f->rip, &off) && off < 4 &&
             hal_virt_to_phys((void *)(f->rsp + 8)) != (uint64_t)-1) {
        const uint8_t *fn = (const uint8_t *)(f->rip - off);
        if (off == 0)
            ret = *(const uint64_t *)f->rsp;
        else if (fn[0] == 0x55) /* push %rbp */
            ret = *(const uint64_t *)(f->rsp + 8);
    }
    backtrace_from(f->rbp, f->rip, ret);
}

void x64_exception(struct x64_frame *f)
{
    kprintf("\n*** PANIC: CPU exception %lu: %s, error code %#lx\n", f->vector,
            names[f->vector & 31], f->error);
    if (f->vector == 14) {
        uint64_t cr2;
        __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
        uintptr_t base;
        size_t size;
        if (vmalloc_guard_of(cr2, &base, &size) == 1 && f->rsp <= cr2 + 4096 && f->rsp + 4096 >= cr2)
            kprintf("kernel stack overflow: RSP %016lx ran off the bottom of its stack\n", f->rsp);
        kprintf("CR2 %016lx: %s on %s, %s mode%s\n", cr2,
                (f->error & 1) ? "protection violation" : "page not present",
                (f->error & 16) ? "instruction fetch" : (f->error & 2) ? "write" : "read",
                (f->error & 4) ? "user" : "kernel", (f->error & 8) ? ", reserved bit set" : "");
        vmalloc_report_fault(cr2);
    }
    dump_frame(f);
    panic_finish();
}

/* An NMI: the watchdog asks a CPU that stopped taking interrupts what it
 * is doing (hal_cpu_nmi()). Report, and let it go on. (Or another CPU's
 * panic stops this one: smp_stop_others().) */
void x64_nmi(struct x64_frame *f)
{
    smp_stop_if_asked(); /* another CPU's panic stops this one here */
    kprintf("\nwatchdog: CPU %u (NMI): what it is running\n", cpu_this()->index);
    dump_frame(f);
}
