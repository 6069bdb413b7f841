/**
 * @file exceptions.c
 * @brief Route interrupts to the root interrupt controller; decode and
 *        report every other aarch64 exception (ESR_EL1 class, FAR, registers).
 *
 * The arch names no interrupt controller: whichever driver receives the
 * CPU's IRQ line (the GIC) registers its acknowledge loop with
 * hal_irq_set_root_handler() when it probes.
 */
#include <arch/private.h>
#include <irqchip/gic.h>
#include <hal/irq.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/smp.h>
#include <kernel/vmalloc.h>
#include <stddef.h>
#include <stdint.h>

/* struct a64_frame (arch/private.h) is saved by vectors.S; offsets pinned here. */
_Static_assert(sizeof(struct a64_frame) == 34 * 8, "vectors.S frame size");
_Static_assert(offsetof(struct a64_frame, elr) == 256, "vectors.S elr offset");

extern char a64_semihost_insn[];

static const char *const kind_names[16] = {
    "sync (EL1t)", "IRQ (EL1t)", "FIQ (EL1t)", "SError (EL1t)",
    "sync (EL1h)", "IRQ (EL1h)", "FIQ (EL1h)", "SError (EL1h)",
    "sync (EL0 a64)", "IRQ (EL0 a64)", "FIQ (EL0 a64)", "SError (EL0 a64)",
    "sync (EL0 a32)", "IRQ (EL0 a32)", "FIQ (EL0 a32)", "SError (EL0 a32)",
};

/* ESR_EL1.EC values (Arm ARM D17.2.37). */
static const char *ec_name(unsigned ec)
{
    switch (ec) {
    case 0x00: return "undefined instruction";
    case 0x01: return "WFI/WFE trap";
    case 0x07: return "FP/SIMD access trap";
    case 0x0e: return "illegal execution state";
    case 0x15: return "SVC";
    case 0x16: return "HVC";
    case 0x17: return "SMC";
    case 0x18: return "system register trap";
    case 0x20: return "instruction abort from EL0";
    case 0x21: return "instruction abort";
    case 0x22: return "PC alignment fault";
    case 0x24: return "data abort from EL0";
    case 0x25: return "data abort";
    case 0x26: return "SP alignment fault";
    case 0x2f: return "SError";
    case 0x3c: return "BRK";
    default: return "unknown exception class";
    }
}

/* Data/instruction fault status code (ISS[5:0]). */
static const char *fsc_name(unsigned fsc)
{
    switch (fsc & 0x3c) {
    case 0x04: return "translation fault";
    case 0x08: return "access flag fault";
    case 0x0c: return "permission fault";
    case 0x10: return fsc == 0x10 ? "synchronous external abort" : "external abort on walk";
    case 0x20: return "alignment fault";
    default: return "other fault";
    }
}

static uint64_t read_esr(void) { uint64_t v; __asm__ volatile("mrs %0, esr_el1" : "=r"(v)); return v; }
static uint64_t read_far(void) { uint64_t v; __asm__ volatile("mrs %0, far_el1" : "=r"(v)); return v; }

/* Kinds (vector numbers) of an IRQ taken from EL1, with SP_EL0 or SP_EL1. */
#define KIND_IRQ_EL1T 1
#define KIND_IRQ_EL1H 5

/* An IRQ: the root controller dispatches (cause 0: its acknowledge register
 * says which), then irq_exit() may switch threads. That is safe here: the
 * frame is on the interrupted thread's stack, and vectors.S restores
 * ELR/SPSR from it, not from registers another thread's exception may have
 * overwritten in between. With no controller there is nothing to
 * acknowledge: counted, and the kernel carries on. */
void a64_irq(void)
{
    /* The exception masked FIQ too: open it again, so the watchdog's NMI
     * (a FIQ, see a64_fiq) reaches a CPU stuck in an interrupt handler. */
    __asm__ volatile("msr daifclr, #1" ::: "memory");
    irq_root_dispatch(0);
    irq_exit();
}

static void dump_frame(const struct a64_frame *f)
{
    kprintf("ELR %016lx  SPSR %016lx  SP %016lx\n", f->elr, f->spsr, f->sp);
    for (int i = 0; i < 31; i++)
        kprintf("x%-2d %016lx%s", i, f->x[i], (i % 4 == 3 || i == 30) ? "\n" : "  ");
    backtrace_from(f->x[29], f->elr, f->x[30]);
}

/* A FIQ: the only Group 0 interrupt is the GICv3 NMI SGI the watchdog sends
 * a CPU that stopped taking interrupts (hal_cpu_nmi()); FIQs stay unmasked
 * where IRQs are masked. Report what it runs, and let it go on. (Or another
 * CPU's panic stops this one: smp_stop_others().) */
void a64_fiq(const struct a64_frame *f)
{
    unsigned intid = gic_nmi_ack();
    if (intid == GIC_SGI_NMI) {
        /* Another CPU's panic stops this one here (never to end the SGI:
         * nothing else is taken on a halted CPU). */
        smp_stop_if_asked();
        kprintf("\nwatchdog: CPU %u (NMI): what it is running\n", cpu_this()->index);
        dump_frame(f);
    }
    gic_nmi_eoi(intid);
}

void a64_exception(struct a64_frame *f, unsigned kind)
{
    if (kind == KIND_IRQ_EL1H || kind == KIND_IRQ_EL1T) {
        a64_irq();
        return;
    }
    if (kind == KIND_IRQ_EL1H + 1 || kind == KIND_IRQ_EL1T + 1) { /* FIQ */
        a64_fiq(f);
        return;
    }
    uint64_t esr = read_esr();
    unsigned ec = (unsigned)(esr >> 26) & 0x3f;

    /* The semihosting probe: without -semihosting, HLT is UNDEFINED. Skip it
     * and return -1 so the caller falls back (see a64_semihost). */
    if (kind == 4 && ec == 0 && f->elr == (uint64_t)a64_semihost_insn) {
        f->x[0] = (uint64_t)-1;
        f->elr += 4;
        return;
    }

    /* A user access of the copy routines (uaccess.S) that faulted: resolved,
     * or continued at its exception-table fixup. Any other fault on a user
     * address is the kernel's bug, and reported below. */
    if (kind == 4 && ec == 0x25 && a64_user_access_fault(&f->elr, f->spsr, esr, read_far()))
        return;

    if (kind & 16) { /* from vectors.S: SP had run into a guard region */
        uint64_t v;
        __asm__ volatile("mrs %0, tpidrro_el0" : "=r"(v));
        f->sp = (v & ~15ULL) + sizeof *f;
        kprintf("\n*** PANIC: kernel stack overflow: SP %016lx ran off the bottom of its stack\n",
                f->sp);
    }
    kprintf("%sCPU exception: %s, %s\n", kind & 16 ? "" : "\n*** PANIC: ", kind_names[kind & 15],
            ec_name(ec));
    kprintf("ESR_EL1 %016lx (EC 0x%02x IL %u ISS 0x%07lx)\n", esr, ec,
            (unsigned)(esr >> 25) & 1, esr & 0x1ffffff);
    if (ec == 0x20 || ec == 0x21 || ec == 0x24 || ec == 0x25) {
        unsigned fsc = esr & 0x3f;
        kprintf("FAR_EL1 %016lx: %s, level %u%s\n", read_far(), fsc_name(fsc), fsc & 3,
                (ec >= 0x24 && (esr & (1u << 6))) ? ", on write" : (ec >= 0x24 ? ", on read" : ""));
        vmalloc_report_fault(read_far());
    }
    /* clang's -fsanitize-trap=undefined (the -debug presets) emits BRK #0x55xx. */
    if (ec == 0x3c && (esr & 0xff00) == 0x5500)
        kprintf("undefined behaviour caught by UBSan (check kind %lu) at the ELR below\n", esr & 0xff);
    dump_frame(f);
    panic_finish();
}
