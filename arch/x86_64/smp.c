/**
 * @file smp.c
 * @brief x86_64 half of hal/smp.h: the CPUs the MADT lists, started with
 *        INIT-SIPI-SIPI through a real-mode trampoline, and the GS base as
 *        the per-CPU pointer.
 *
 * The trampoline (trampoline.S) is copied to X64_TRAMP_PHYS, in the first
 * MiB that boot keeps away from the page allocator, with its page tables in
 * the three pages after it: a PML4 whose upper half is the kernel's (so the
 * kernel's image, heap and stacks are where they always are) and whose
 * entry 0 maps the low 2 MiB to themselves, for the instructions that run
 * at the low address after paging is on. Each start then:
 *
 *   1. fills the trampoline's stack, argument and entry fields;
 *   2. sends INIT, waits 10 ms, sends a Startup IPI, and a second one if
 *      the CPU has not left the trampoline 200 us later (SDM vol. 3A,
 *      9.4.4.1; the second is for CPUs that miss the first);
 *   3. the CPU runs x64_ap_main() on its stack, which loads the kernel's
 *      CR3, CR0/CR4/EFER as the boot CPU has them, its own GDT and TSS (IST
 *      stacks from here) and the shared IDT, its GS base and its part of
 *      user mode (SYSCALL's MSRs, SMEP/SMAP), says it has left the
 *      trampoline, and calls smp_secondary_main().
 *
 * The trampoline has one set of fields, so a CPU must have left it before
 * the next is started; one that never did (it did not answer in time and
 * may still arrive) blocks further starts with -EBUSY rather than let two
 * CPUs share it. The MADT keeps the first MADT_MAX_CPUS processors and
 * counts them all; hal_smp_enumerate() returns the count, so the portable
 * side reports the ones past its table.
 */
#include <arch/cpu.h>
#include <arch/private.h>
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/platform.h>
#include <hal/smp.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/smp.h>
#include <kernel/string.h>
#include <kernel/pagetable.h>
#include <kernel/vm.h>

#include <acpi/madt.h>
#include "apic/lapic.h"

#define MSR_GS_BASE 0xc0000101u
#define MSR_EFER 0xc0000080u
#define X64_TRAMP_PHYS 0x8000u    /* code page; PML4, PDPT and PD follow */
#define X64_TRAMP_PAGES 4
#define PTE_PW 0x3ull             /* present, writable */
#define PTE_PW_2M 0x83ull         /* present, writable, 2 MiB page */

/* Indices into x64_tramp_offsets (trampoline.S). */
enum tramp_off {
    OFF_GDT, OFF_GDTR_BASE, OFF_JMP32, OFF_CODE32, OFF_CR3, OFF_JMP64, OFF_CODE64,
    OFF_STACK, OFF_ARG, OFF_ENTRY,
};

extern const uint8_t x64_tramp_start[], x64_tramp_end[];
extern const uint64_t x64_tramp_offsets[];

/* What a starting CPU needs once it runs high; from the heap, never freed
 * for a CPU that may still arrive. */
struct x64_ap_boot {
    uint64_t cr0, cr3, cr4, efer;
    void *arg;
    struct x64_cpu_tables tables;
    uint8_t ist[X64_IST_COUNT][X64_IST_SIZE] __attribute__((aligned(16)));
};

static uint8_t *tramp;            /* the copy, through the direct map; NULL until set up */
static volatile int tramp_in_use; /* a started CPU has not left it yet */

int hal_smp_enumerate(struct hal_cpu_desc *out, unsigned max)
{
    const struct madt_info *m = acpi_madt();
    if (!m)
        return -ENOENT;
    for (unsigned i = 0; i < m->ncpus && i < MADT_MAX_CPUS && i < max; i++) {
        uint32_t id = m->cpus[i].apic_id;
        out[i] = (struct hal_cpu_desc){id, "sipi", NULL};
        if (id > 0xfe)
            out[i] = (struct hal_cpu_desc){id, NULL, "an x2APIC id (above 254) needs x2APIC mode"};
    }
    return (int)m->ncpus;
}

static void put32(unsigned off, uint32_t v) { memcpy(tramp + off, &v, 4); }
static void put64(unsigned off, uint64_t v) { memcpy(tramp + off, &v, 8); }

/* The RAM range [X64_TRAMP_PHYS, + 4 pages) must be usable RAM in the boot
 * memory map (the first MiB is held back from the allocator as a whole). */
static int tramp_ram_ok(void)
{
    const struct boot_info *bi = platform_boot_info();
    uint64_t lo = X64_TRAMP_PHYS, hi = lo + X64_TRAMP_PAGES * 4096ull;
    for (unsigned i = 0; i < bi->mem_count; i++)
        if (bi->mem[i].base <= lo && hi <= bi->mem[i].base + bi->mem[i].size)
            return hal_direct_mapped(lo, hi - lo);
    return 0;
}

static int tramp_setup(void)
{
    size_t len = (size_t)(x64_tramp_end - x64_tramp_start);
    if (len > 4096 || !tramp_ram_ok())
        return -ENOMEM;
    tramp = hal_phys_to_virt(X64_TRAMP_PHYS);
    memset(tramp, 0, X64_TRAMP_PAGES * 4096);
    memcpy(tramp, x64_tramp_start, len);
    const uint64_t *o = x64_tramp_offsets;
    put32(o[OFF_GDTR_BASE], X64_TRAMP_PHYS + (uint32_t)o[OFF_GDT]);
    put32(o[OFF_JMP32], X64_TRAMP_PHYS + (uint32_t)o[OFF_CODE32]);
    put32(o[OFF_JMP64], X64_TRAMP_PHYS + (uint32_t)o[OFF_CODE64]);
    put32(o[OFF_CR3], X64_TRAMP_PHYS + 4096);
    uint64_t *pml4 = (uint64_t *)(tramp + 4096), *pdpt = pml4 + 512, *pd = pdpt + 512;
    const uint64_t *kpml4 = hal_phys_to_virt(vm_kernel_aspace()->root);
    for (int i = 256; i < 512; i++)
        pml4[i] = kpml4[i];
    pml4[0] = (X64_TRAMP_PHYS + 2 * 4096) | PTE_PW;
    pdpt[0] = (X64_TRAMP_PHYS + 3 * 4096) | PTE_PW;
    pd[0] = 0 | PTE_PW_2M;
    return 0;
}

/* Wait up to @p ns for the CPU to leave the trampoline. */
static int left_within(uint64_t ns)
{
    uint64_t end = hal_time_ns() + ns;
    while (__atomic_load_n(&tramp_in_use, __ATOMIC_ACQUIRE)) {
        if (hal_time_ns() > end)
            return 0;
        hal_cpu_relax();
    }
    return 1;
}

__attribute__((noreturn)) void x64_ap_main(struct x64_ap_boot *b);

int hal_smp_start(const struct hal_cpu_desc *cpu, void *stack_top, void *arg)
{
    if (!cpu->method || strcmp(cpu->method, "sipi") != 0)
        return -ENOSYS;
    if (__atomic_load_n(&tramp_in_use, __ATOMIC_ACQUIRE))
        return -EBUSY; /* an earlier CPU never left the trampoline */
    if (!tramp) {
        int err = tramp_setup();
        if (err) {
            pr_warn("smp: no usable RAM at %#x for the start-up trampoline", X64_TRAMP_PHYS);
            return err;
        }
    }
    struct x64_ap_boot *b = kmalloc_aligned(sizeof *b, 64);
    if (!b)
        return -ENOMEM;
    uint64_t cr0, cr4;
    __asm__ volatile("mov %%cr0, %0; mov %%cr4, %1" : "=r"(cr0), "=r"(cr4));
    b->cr0 = cr0;
    b->cr3 = vm_kernel_aspace()->root;
    b->cr4 = cr4;
    b->efer = rdmsr(MSR_EFER);
    b->arg = arg;
    const uint64_t *o = x64_tramp_offsets;
    put64(o[OFF_STACK], (uintptr_t)stack_top);
    put64(o[OFF_ARG], (uintptr_t)b);
    put64(o[OFF_ENTRY], (uintptr_t)x64_ap_main);
    __atomic_store_n(&tramp_in_use, 1, __ATOMIC_RELEASE);

    int err = lapic_send_ipi(cpu->hwid, LAPIC_IPI_INIT);
    uint64_t until = hal_time_ns() + 10000000;
    while (!err && hal_time_ns() < until)
        hal_cpu_relax();
    for (int i = 0; i < 2 && !err; i++) {
        err = lapic_send_ipi(cpu->hwid, LAPIC_IPI_STARTUP(X64_TRAMP_PHYS >> 12));
        if (!err && left_within(200000))
            break;
    }
    if (err) {
        /* The IPI never went out, so the CPU cannot be in the trampoline. */
        __atomic_store_n(&tramp_in_use, 0, __ATOMIC_RELEASE);
        kfree(b);
        pr_warn("smp: cpu %#x: the local APIC did not send the start-up IPIs (%s)", cpu->hwid,
                errno_name(err));
        return err;
    }
    return 0; /* the caller waits for it to report in */
}

/* The started CPU, from the trampoline: high, on its stack, CR3 still the
 * trampoline's. Takes no lock and prints nothing (kernel/smp.h). */
void x64_ap_main(struct x64_ap_boot *b)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(b->cr3) : "memory");
    __asm__ volatile("mov %0, %%cr4" : : "r"(b->cr4) : "memory");
    wrmsr(MSR_EFER, b->efer);
    __asm__ volatile("mov %0, %%cr0" : : "r"(b->cr0) : "memory");
    x64_cpu_load_tables(&b->tables, b->ist);
    hal_cpu_local_set(b->arg);
    x64_user_cpu_init();
    __atomic_store_n(&tramp_in_use, 0, __ATOMIC_RELEASE);
    smp_secondary_main(b->arg);
}

void hal_cpu_local_set(void *p)
{
    wrmsr(MSR_GS_BASE, (uintptr_t)p);
}


int hal_cpu_nmi(uint32_t hwid)
{
    return lapic_send_ipi(hwid, LAPIC_IPI_NMI);
}
