/**
 * @file traps.c
 * @brief Every riscv64 trap: the hart-local interrupts (software, timer,
 *        external) and the decoded report of every exception (scause,
 *        stval, registers, backtrace).
 *
 * The hart's own interrupt controller (the DT's "riscv,cpu-intc", one per
 * hart, with the sie/sip CSRs as its registers) is this arch's: it numbers
 * the local interrupts RV_INTC_BASE + cause, all per-hart. The external
 * controller (PLIC, APLIC) sits behind cause 9 and registers its claim loop
 * with hal_irq_set_root_handler() when it probes.
 */
#include <arch/private.h>
#include <hal/cpu.h>
#include <hal/irq.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/smp.h>
#include <kernel/pagetable.h>
#include <kernel/vm.h>
#include <kernel/vmalloc.h>
#include <stddef.h>
#include <stdint.h>

_Static_assert(sizeof(struct rv_frame) == 36 * 8, "trap.S frame size");
_Static_assert(offsetof(struct rv_frame, sepc) == 256, "trap.S sepc offset");
_Static_assert(offsetof(struct rv_frame, stval) == 280, "trap.S stval offset");
_Static_assert(offsetof(struct rv_hart, scratch) == 8, "trap.S rv_hart.scratch offset");

#define SCAUSE_INTERRUPT (1UL << 63)
#define INTC_SPAN 64

/* Exception codes (privileged spec, table "Supervisor cause register values"). */
static const char *cause_name(uint64_t code)
{
    switch (code) {
    case 0: return "instruction address misaligned";
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 4: return "load address misaligned";
    case 5: return "load access fault";
    case 6: return "store address misaligned";
    case 7: return "store access fault";
    case 8: return "environment call from U-mode";
    case 9: return "environment call from S-mode";
    case 12: return "instruction page fault";
    case 13: return "load page fault";
    case 15: return "store page fault";
    case 18: return "software check";
    case 19: return "hardware error";
    default: return "reserved exception code";
    }
}

/* ---- the hart-local controller ---- */

/*
 * S-mode can make only one local interrupt pending itself: the supervisor
 * software interrupt (sip.SSIP), which is also what the SBI's IPI raises.
 * Several numbers share it, as Linux multiplexes its IPIs: the IPI
 * (RV_INTC_BASE + 1) and eight numbers for tests (RV_INTC_BASE + 32..39).
 * Raising one sets its bit in the target hart's rv_hart.soft_pending and
 * then that hart's SSIP; the handler takes every pending bit that hart has
 * not masked. Masking one of them is this bookkeeping only: sie.SSIE stays
 * on. The other local numbers (timer, external) are the sie bits themselves.
 */
#define SOFT_TEST_FIRST 32u
#define SOFT_TEST_COUNT 8u
#define SOFT_BITS ((1ULL << RV_IRQ_S_SOFT) | (((1ULL << SOFT_TEST_COUNT) - 1) << SOFT_TEST_FIRST))

static struct rv_hart *this_hart(void)
{
    struct rv_hart *h;
    __asm__ volatile("mv %0, gp" : "=r"(h));
    return h;
}

static uint64_t soft_bit(unsigned irq)
{
    unsigned n = irq - RV_INTC_BASE;
    return n < INTC_SPAN && ((SOFT_BITS >> n) & 1) ? 1ULL << n : 0;
}

static void set_ssip(void)
{
    __asm__ volatile("csrs sip, %0" : : "r"(1UL << RV_IRQ_S_SOFT) : "memory");
}

static void intc_mask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    uint64_t soft = soft_bit(irq);
    if (soft)
        this_hart()->soft_masked |= soft;
    else
        __asm__ volatile("csrc sie, %0" : : "r"(1UL << (irq - RV_INTC_BASE)) : "memory");
}

static void intc_unmask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    uint64_t soft = soft_bit(irq);
    if (soft) {
        struct rv_hart *h = this_hart();
        h->soft_masked &= ~soft;
        if (__atomic_load_n(&h->soft_pending, __ATOMIC_ACQUIRE) & soft)
            set_ssip(); /* raised while masked: deliver it now */
    } else {
        __asm__ volatile("csrs sie, %0" : : "r"(1UL << (irq - RV_INTC_BASE)) : "memory");
    }
}

static int intc_raise(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    uint64_t soft = soft_bit(irq);
    if (!soft)
        return -EINVAL;
    __atomic_fetch_or(&this_hart()->soft_pending, soft, __ATOMIC_RELEASE);
    set_ssip();
    return 0;
}

static int intc_send_ipi(const struct irq_chip *chip, unsigned irq, uint32_t hwid)
{
    (void)chip;
    uint64_t soft = soft_bit(irq);
    struct rv_hart *h = rv_hart_of(hwid);
    if (!soft || !h)
        return -EINVAL;
    /* The bit is visible before the interrupt: the SBI call is an ecall,
     * and the release orders the store before it. */
    __atomic_fetch_or(&h->soft_pending, soft, __ATOMIC_RELEASE);
    return sbi_ipi(hwid);
}

/* A started hart: software interrupts (the IPI) and the external line. */
static int intc_cpu_init(const struct irq_chip *chip, unsigned ipi)
{
    (void)chip;
    (void)ipi;
    rv_imsic_cpu_init();
    rv_plic_cpu_init();
    __asm__ volatile("csrs sie, %0" : : "r"((1UL << RV_IRQ_S_SOFT) | (1UL << RV_IRQ_S_EXT))
                     : "memory");
    return 0;
}

/* The supervisor software interrupt: every unmasked number pending here. */
static void soft_interrupt(void)
{
    __asm__ volatile("csrc sip, %0" : : "r"(1UL << RV_IRQ_S_SOFT) : "memory");
    struct rv_hart *h = this_hart();
    for (;;) {
        uint64_t take = __atomic_load_n(&h->soft_pending, __ATOMIC_ACQUIRE) & ~h->soft_masked;
        if (!take)
            break;
        __atomic_fetch_and(&h->soft_pending, ~take, __ATOMIC_ACQ_REL);
        for (unsigned n = 0; n < INTC_SPAN; n++)
            if ((take >> n) & 1)
                irq_handle(RV_INTC_BASE + n);
    }
}

static const struct irq_chip intc_chip = {
    .name = "riscv-intc",
    .mask = intc_mask,
    .unmask = intc_unmask,
    .raise = intc_raise,
    .send_ipi = intc_send_ipi,
    .cpu_init = intc_cpu_init,
    .percpu_end = RV_INTC_BASE + INTC_SPAN,
};

/* The DT has one "riscv,cpu-intc" per hart; they are all this one chip. */
static int intc_registered;

static int intc_probe(struct device *dev)
{
    (void)dev;
    if (intc_registered)
        return 0;
    int err = irq_chip_register(&intc_chip, RV_INTC_BASE, INTC_SPAN);
    if (err)
        return err;
    intc_registered = 1;
    irq_set_ipi(&intc_chip, RV_INTC_BASE + RV_IRQ_S_SOFT);
    irq_set_test_numbers(RV_INTC_BASE + SOFT_TEST_FIRST, SOFT_TEST_COUNT);
    /* The boot hart's lines; a started hart's come with cpu_init. */
    intc_cpu_init(&intc_chip, RV_INTC_BASE + RV_IRQ_S_SOFT);
    pr_info("riscv-intc: local interrupts %u-%u (IPI %u, timer %u, external %u, tests %u-%u)",
            RV_INTC_BASE, RV_INTC_BASE + INTC_SPAN - 1, RV_INTC_BASE + RV_IRQ_S_SOFT,
            RV_INTC_BASE + RV_IRQ_S_TIMER, RV_INTC_BASE + RV_IRQ_S_EXT,
            RV_INTC_BASE + SOFT_TEST_FIRST, RV_INTC_BASE + SOFT_TEST_FIRST + SOFT_TEST_COUNT - 1);
    return 0;
}

static const char *const intc_compat[] = {"riscv,cpu-intc", NULL};
DRIVER(rv_intc_driver, .name = "riscv-intc", .compatible = intc_compat, .probe = intc_probe);

void rv_interrupt(uint64_t cause)
{
    if (cause == RV_IRQ_S_EXT) {
        /* No controller to claim from: counted as spurious, and the line
         * masked, or it would fire forever. */
        if (irq_root_dispatch(cause) != 0)
            intc_mask(&intc_chip, RV_INTC_BASE + RV_IRQ_S_EXT);
    } else if (cause == RV_IRQ_S_SOFT) {
        soft_interrupt();
    } else if (cause < INTC_SPAN) {
        irq_handle(RV_INTC_BASE + (unsigned)cause);
    } else {
        irq_spurious();
    }
    irq_exit();
}

static void dump_frame(const struct rv_frame *f)
{
    static const char *const names[32] = {
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",
        "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
        "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
    };
    kprintf("sepc %016lx  sstatus %016lx  scause %016lx  stval %016lx\n", f->sepc, f->sstatus,
            f->scause, f->stval);
    for (int i = 1; i < 32; i++)
        kprintf("%-4s %016lx%s", names[i], f->x[i], (i % 4 == 0 || i == 31) ? "\n" : "  ");
    backtrace_from(f->x[8], f->sepc, f->x[1]);
}

void rv_trap(struct rv_frame *f)
{
    if (f->scause & SCAUSE_INTERRUPT) {
        rv_interrupt(f->scause & ~SCAUSE_INTERRUPT);
        return;
    }
    uint64_t code = f->scause;
    /* A copy routine's fault on user memory: resolved, or its fixup. */
    if (f->x[0] == 0 && rv_uaccess_fault(f))
        return;
    if (f->x[0] == 1)
        kprintf("\n*** PANIC: kernel stack overflow: SP %016lx ran off the bottom of its stack\n",
                f->x[2]);
    else if (f->x[0] == 2)
        kprintf("\n*** PANIC: a trap from S-mode found sscratch set (it is 0 while the kernel runs)\n");
    kprintf("%sCPU exception: %s (scause %lu)\n", f->x[0] ? "" : "\n*** PANIC: ", cause_name(code),
            (unsigned long)code);
    if (code == 12 || code == 13 || code == 15 || code == 1 || code == 5 || code == 7 ||
        code == 4 || code == 6 || code == 0) {
        const char *access = code == 13 || code == 5 || code == 4   ? ", on read"
                             : code == 15 || code == 7 || code == 6 ? ", on write"
                                                                    : ", on execute";
        uint64_t pa;
        unsigned prot;
        /* A page fault does not say why; the tables do: nothing there, or
         * a mapping without the right. */
        if (code >= 12 && vm_translate(vm_kernel_aspace(), f->stval, &pa, &prot) == 0)
            kprintf("stval %016lx: permission fault (mapped r%c%c%s)%s\n", f->stval,
                    prot & MMU_WRITE ? 'w' : '-', prot & MMU_EXEC ? 'x' : '-',
                    prot & MMU_DEVICE ? ", device" : "", access);
        else
            kprintf("stval %016lx: %s%s\n", f->stval, code >= 12 ? "not mapped" : cause_name(code),
                    access);
        vmalloc_report_fault(f->stval);
    }
    /* clang's -fsanitize-trap=undefined (the -debug presets) ends each
     * check in an unimp (or c.unimp: stval 0). */
    if (code == 2 && (f->stval == 0 || f->stval == 0xc0001073))
        kprintf("an unimp instruction: a trap (UBSan's in the -debug presets, or a deliberate one) at the sepc below\n");
    dump_frame(f);
    panic_finish();
}

void hal_fault_undefined(void)
{
    __asm__ volatile("unimp");
}
