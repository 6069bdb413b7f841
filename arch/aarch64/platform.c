/**
 * @file platform.c
 * @brief aarch64 boot hand-off and the CPU half of the HAL (counter, cycle
 *        counter, PSCI, semihosting exit).
 */
#include <arch/private.h>
#include <hal/cpu.h>
#include <hal/io.h>
#include <hal/mmu.h>
#include <hal/platform.h>
#include <boot/devicetree.h>
#include <boot/efi.h>
#include <kernel/bootprof.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/fdt_bus.h>
#include <kernel/log.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/smp.h>
#include <kernel/string.h>

#include <kernel/sections.h>
int a64_semihost(uint64_t op, uint64_t arg);

/* PSCI 0.2 function ids (Arm DEN0022). */
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
/* Semihosting (Arm IHI0070): SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit. */
#define SEMIHOST_SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

static struct boot_info boot_info;
/* PSCI conduit from the DTB's /psci "method" or the FADT's ARM boot flags;
 * without either, QEMU's rule: SMC when the guest owns EL2
 * (virtualization=on), else HVC. */
static int psci_use_smc;
/* PMCCNTR_EL0 counts for hal_cycles(); else the generic counter stands in. */
static int pmu_cycles;

const char *hal_arch_name(void) { return "aarch64"; }

uint64_t hal_counter(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
    return v;
}

uint64_t hal_counter_freq(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v;
}

/* PMCR_EL0 bits (Arm ARM D13.4). */
#define PMCR_E (1u << 0)  /* counters on */
#define PMCR_C (1u << 2)  /* cycle counter reset */
#define PMCR_LC (1u << 6) /* cycle counter overflows at 64 bits, not 32 */

/*
 * Start the cycle counter if ID_AA64DFR0_EL1.PMUVer says there is a PMUv3
 * (0: none; 0xf: an IMPLEMENTATION DEFINED one we do not know). A filter of
 * 0 counts EL0 and EL1, not EL2. EL2, if we came from there, left the PMU
 * untrapped (entry.S). Each CPU has its own counter: every CPU runs this
 * (a started one from a64_secondary_main()).
 */
void a64_pmu_init(void)
{
    uint64_t dfr0, pmcr;
    __asm__ volatile("mrs %0, id_aa64dfr0_el1" : "=r"(dfr0));
    unsigned ver = (unsigned)(dfr0 >> 8) & 0xf;
    if (ver == 0 || ver == 0xf)
        return;
    __asm__ volatile("msr pmccfiltr_el0, xzr\n\t"
                     "msr pmcntenset_el0, %0" : : "r"(1ull << 31));
    __asm__ volatile("mrs %0, pmcr_el0" : "=r"(pmcr));
    __asm__ volatile("msr pmcr_el0, %0\n\tisb" : : "r"(pmcr | PMCR_E | PMCR_C | PMCR_LC));
    pmu_cycles = 1;
}

uint64_t hal_cycles(void)
{
    if (!pmu_cycles)
        return hal_counter();
    uint64_t v;
    __asm__ volatile("isb; mrs %0, pmccntr_el0" : "=r"(v));
    return v;
}

void hal_halt(void)
{
    for (;;)
        __asm__ volatile("msr daifset, #0xf; wfi");
}

int64_t a64_psci(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
    /* SMC Calling Convention: arguments in x1-x3, result in x0; x4-x17 may
     * be clobbered by an SMCCC v1.0 implementation. */
    register uint64_t x0 __asm__("x0") = fn;
    register uint64_t x1 __asm__("x1") = a1, x2 __asm__("x2") = a2, x3 __asm__("x3") = a3;
    if (psci_use_smc)
        __asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : :
                         "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
                         "x15", "x16", "x17", "memory");
    else
        __asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : :
                         "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
                         "x15", "x16", "x17", "memory");
    return (int64_t)x0;
}

static void psci_call(uint32_t fn)
{
    a64_psci(fn, 0, 0, 0);
}

void hal_poweroff(void)
{
    psci_call(PSCI_SYSTEM_OFF);
    kprintf("poweroff: PSCI SYSTEM_OFF returned; halting\n");
    hal_halt();
}

void hal_reboot(void)
{
    psci_call(PSCI_SYSTEM_RESET);
    kprintf("reboot: PSCI SYSTEM_RESET returned; halting\n");
    hal_halt();
}

int hal_poweroff_code(int code)
{
    uint64_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint64_t)(int64_t)code};
    a64_semihost(SEMIHOST_SYS_EXIT_EXTENDED, (uint64_t)(uintptr_t)block);
    return -ENODEV; /* only reached without -semihosting */
}

/* No I/O port space: hal_pio_* are the defaults of kernel/lib/arch_defaults.c. */

void hal_fault_undefined(void)
{
    __asm__ volatile("udf #0");
}

/* The DTB, once a64_main() found it well-formed (boot_info.dtb_phys is
 * set then, and only then). Everything reads through it, the late drivers
 * after the prompt too (fdt_bus_probe()), so it lives as long as the
 * kernel. */
static struct fdt dt;

/* Before the prompt: the blob checked, and the command line (kmain() needs
 * it to know whether this is a ktest boot). The rest waits for
 * hal_platform_init(). */
static void devicetree_check(struct boot_info *bi, uint64_t dtb)
{
    if (dt_boot_check(&dt, bi, dtb, "x0") != 0)
        return;
    dt_read_cmdline(&dt, bi);
    boot_stage("dtb check, command line");
}

/* Everything else the DTB says: memory map, /chosen, PSCI conduit, devices. */
void hal_platform_init(struct boot_info *bi)
{
    if (!bi->dtb_phys) { /* started by the EFI stub with ACPI only: acpi.c */
        if (efi_handoff())
            a64_acpi_platform_init(bi, &psci_use_smc);
        return;
    }
    dt_boot_read(&dt, bi);
    int err = a64_map_ram(bi);
    if (err)
        pr_warn("aarch64: RAM not fully direct-mapped at boot (%s); the rest follows later",
                errno_name(err));
    boot_stage("ram direct map");
    /* Started by the EFI stub: UEFI's memory map (in RAM the device tree's
     * map covers, now mapped) has the firmware's reservations. */
    const struct efi_handoff *efi = efi_handoff();
    if (efi && efi_handoff_memory(efi, bi) == 0)
        boot_stage("uefi memory map");
    a64_smp_read_cpus(&dt);
    int method = dt_read_psci_method(&dt);
    if (method > 0)
        psci_use_smc = method == DT_PSCI_SMC;
    else
        pr_warn("aarch64: no PSCI method in the DTB (%s); using %s", errno_name(method),
                psci_use_smc ? "smc" : "hvc");
    fdt_bus_probe(&dt, bi->stdout_path);
    boot_stage("dt drivers");
}

/** Called by entry.S at EL1, running high, with a stack and zeroed .bss. */
__attribute__((noreturn)) void a64_main(uint64_t dtb, uint64_t counter0, uint64_t entry_el)
{
    struct boot_info *bi = &boot_info;
    bi->boot_counter = counter0;
    smp_early_init(); /* TPIDR_EL1 (UNKNOWN at reset): cpu_this() works from here on */
    a64_timer_setup(counter0); /* hal_time_ns() counts from our first instruction */
    boot_stage("entry, boot page tables");
    a64_early_console_init();
    a64_pmu_init();
    a64_user_cpu_init(); /* PAN, EL0 rights: before any thread can enter user mode */
    bi->protocol = "arm64-image";
    bi->kernel_phys = hal_virt_to_phys(__kernel_start);
    bi->kernel_size = (uintptr_t)(__kernel_end - __kernel_start);
    psci_use_smc = entry_el == 2; /* QEMU's rule, if the DTB cannot tell us */
    const struct efi_handoff *efi = efi_handoff();
    pr_info("aarch64: entered at EL%lu, DTB at %#lx%s", entry_el, dtb, efi ? ", by the EFI stub" : "");
    boot_stage("early console");
    if (efi && !dtb)
        kprintf("aarch64: no device tree; the firmware's ACPI tables describe this machine\n");
    else
        devicetree_check(bi, dtb);
    if (efi)
        efi_handoff_early(efi, bi); /* its command line over the DTB's */
    kmain(bi);
}

const struct boot_info *platform_boot_info(void) { return &boot_info; }
