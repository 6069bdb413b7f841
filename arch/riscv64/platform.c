/**
 * @file platform.c
 * @brief riscv64 boot hand-off and the CPU half of the HAL (cycle counter,
 *        power-off through the SBI or QEMU's test finisher).
 */
#include <arch/private.h>
#include "dt.h"
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/platform.h>
#include <boot/devicetree.h>
#include <boot/efi.h>
#include <kernel/bootprof.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/fdt_bus.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/sections.h>
#include <kernel/smp.h>

/* SBI System Reset (SRST) types. */
#define SRST_SHUTDOWN 0
#define SRST_COLD_REBOOT 1
/* QEMU's SiFive test finisher (hw/misc/sifive_test.c): a 32-bit write of
 * FAIL | code << 16 exits QEMU with that code, PASS with 0, RESET resets. */
#define FINISHER_FAIL 0x3333
#define FINISHER_PASS 0x5555
#define FINISHER_RESET 0x7777

static struct boot_info boot_info;
static struct fdt dt;
/* The test finisher, from its DT node; NULL until it probed. */
static struct device *finisher;

const char *hal_arch_name(void) { return "riscv64"; }

uint64_t hal_cycles(void)
{
    uint64_t v;
    __asm__ volatile("rdcycle %0" : "=r"(v));
    return v;
}

void hal_halt(void)
{
    for (;;)
        __asm__ volatile("csrw sie, zero\n\tcsrci sstatus, 2\n\twfi");
}

static void finisher_write(uint32_t v)
{
    if (finisher)
        dev_write32(finisher, 0, v);
}

void hal_poweroff(void)
{
    if (sbi_has(SBI_EXT_SRST))
        sbi_call(SBI_EXT_SRST, 0, SRST_SHUTDOWN, 0, 0, 0);
    finisher_write(FINISHER_PASS);
    kprintf("poweroff: neither SBI SRST nor a test finisher powered off; halting\n");
    hal_halt();
}

void hal_reboot(void)
{
    if (sbi_has(SBI_EXT_SRST))
        sbi_call(SBI_EXT_SRST, 0, SRST_COLD_REBOOT, 0, 0, 0);
    finisher_write(FINISHER_RESET);
    kprintf("reboot: neither SBI SRST nor a test finisher reset; halting\n");
    hal_halt();
}

int hal_poweroff_code(int code)
{
    if (!finisher)
        return -ENODEV;
    finisher_write(code == 0 ? FINISHER_PASS : FINISHER_FAIL | (uint32_t)(code & 0xffff) << 16);
    return -EIO; /* only reached if the write did not stop the machine */
}

static int finisher_probe(struct device *dev)
{
    if (dev->nregs < 1 || dev->reg_size[0] < 4)
        return -ENODEV;
    int err = device_map(dev);
    if (err)
        return err;
    finisher = dev;
    return 0;
}

static const char *const finisher_compat[] = {"sifive,test1", "sifive,test0", NULL};
DRIVER(rv_finisher_driver, .name = "sifive-test", .compatible = finisher_compat,
       .probe = finisher_probe);

/* Before the prompt: the blob checked, the clock and the command line. */
static void devicetree_check(struct boot_info *bi, uint64_t dtb)
{
    if (dt_boot_check(&dt, bi, dtb, "a1") != 0)
        return;
    /* Sv48 unless this hart has only Sv39 (entry.S fell back already if it
     * refused Sv48; a DT can also say so of a hart that accepts it). */
    int moved = rv_mmu_choose(rv_dt_mmu_type(&dt, hal_cpu_id()));
    if (moved < 0)
        kprintf("riscv64: the DT says this hart has only Sv39, but it refused Sv39; staying in %s\n",
                rv_mmu_mode());
    rv_timer_read_dt(&dt);
    dt_read_cmdline(&dt, bi);
    boot_stage("dtb check, command line");
}

void hal_platform_init(struct boot_info *bi)
{
    if (!bi->dtb_phys)
        return;
    dt_boot_read(&dt, bi);
    int err = rv_map_ram(bi);
    if (err)
        pr_warn("riscv64: RAM not fully direct-mapped at boot (%s); the rest follows later",
                errno_name(err));
    boot_stage("ram direct map");
    /* Started by the EFI stub: UEFI's memory map (in RAM the device tree's
     * map covers, now mapped) has the firmware's reservations. */
    const struct efi_handoff *efi = efi_handoff();
    if (efi && efi_handoff_memory(efi, bi) == 0)
        boot_stage("uefi memory map");
    rv_smp_read_cpus(&dt, hal_cpu_id());
    fdt_bus_probe(&dt, bi->stdout_path);
    boot_stage("dt drivers");
}

/** Called by entry.S running high, with a stack and zeroed .bss. */
__attribute__((noreturn)) void rv_main(uint64_t dtb, uint64_t counter0, uint64_t hartid)
{
    struct boot_info *bi = &boot_info;
    bi->boot_counter = counter0;
    rv_hart_set(NULL, hartid); /* gp: hal_cpu_id() works from here on */
    smp_early_init();          /* tp: cpu_this() works from here on */
    rv_timer_setup(counter0);
    rv_timer_user_access();
    rv_early_console_init();
    bi->protocol = "riscv-image";
    bi->kernel_phys = hal_virt_to_phys(__kernel_start);
    bi->kernel_size = (uintptr_t)(__kernel_end - __kernel_start);
    devicetree_check(bi, dtb); /* the clock first: boot_stage() times from it */
    const struct efi_handoff *efi = efi_handoff();
    if (efi)
        efi_handoff_early(efi, bi); /* its command line, if any, over the DTB's */
    boot_stage("entry, boot page tables, early console");
    pr_info("riscv64: hart %lu, DTB at %#lx, %s paging%s", hartid, dtb, rv_mmu_mode(),
            efi ? ", by the EFI stub" : "");
    sbi_init();
    kmain(bi);
}

const struct boot_info *platform_boot_info(void) { return &boot_info; }
