/**
 * @file platform.c
 * @brief aarch64 boot hand-off and the CPU half of the HAL (counter, PSCI,
 *        semihosting exit).
 */
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/platform.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/string.h>

extern char __kernel_start[], __kernel_end[];
int a64_semihost(uint64_t op, uint64_t arg);
int a64_map_ram(uint64_t base, uint64_t size);

/* PSCI 0.2 function ids (Arm DEN0022). */
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
/* Semihosting (Arm IHI0070): SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit. */
#define SEMIHOST_SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

static struct boot_info boot_info;
/* QEMU's PSCI conduit: SMC when the guest owns EL2 (virtualization=on),
 * else HVC. The DTB's /psci "method" says the same; this stage trusts the EL. */
static int psci_use_smc;

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

void hal_halt(void)
{
    for (;;)
        __asm__ volatile("msr daifset, #0xf; wfi");
}

static void psci_call(uint32_t fn)
{
    register uint64_t x0 __asm__("x0") = fn;
    if (psci_use_smc)
        __asm__ volatile("smc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
    else
        __asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
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

void hal_fault_undefined(void)
{
    __asm__ volatile("udf #0");
}

/** Called by entry.S at EL1 with a stack and zeroed .bss. */
__attribute__((noreturn)) void a64_main(uint64_t dtb, uint64_t counter0, uint64_t entry_el)
{
    struct boot_info *bi = &boot_info;
    psci_use_smc = entry_el == 2;
    bi->protocol = "arm64-image";
    bi->boot_counter = counter0;
    bi->kernel_phys = hal_virt_to_phys(__kernel_start);
    bi->kernel_size = (uintptr_t)(__kernel_end - __kernel_start);
    bi->dtb_phys = dtb;
    kprintf("aarch64: entered at EL%lu, DTB at %#lx\n", entry_el, dtb);
    if (dtb == 0 || (dtb & 7)) {
        kprintf("aarch64: no usable DTB pointer in x0 (%#lx); continuing without one\n", dtb);
    } else {
        int err = fdt_chosen_bootargs(hal_phys_to_virt(dtb), 2u << 20, bi->cmdline, sizeof bi->cmdline);
        if (err && err != -ENOENT)
            kprintf("aarch64: DTB at %#lx is malformed (%s); continuing without it\n", dtb,
                    errno_name(err));
    }
    kmain(bi);
}

const struct boot_info *platform_boot_info(void) { return &boot_info; }
