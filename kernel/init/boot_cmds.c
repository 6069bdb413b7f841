/**
 * @file boot_cmds.c
 * @brief Shell commands about the boot and the machine as a whole: version,
 *        uptime, bootinfo, dmesg, poweroff, reboot.
 *
 * They read what boot left behind (struct boot_info, the boot stage stamps
 * of kernel/bootprof.h) and call the HAL's power functions, so they live
 * beside kmain rather than in the shell.
 */
#include <hal/cpu.h>
#include <hal/platform.h>
#include <kernel/bootprof.h>
#include <kernel/console.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/logbuf.h>
#include <kernel/shell.h>
#include <kernel/string.h>

static int cmd_version(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    /* __clang_version__ ends in a space ("14.0.6 "): leave it off */
    static const char cc[] = __clang_version__;
    int n = (int)strlen(cc);
    while (n && cc[n - 1] == ' ')
        n--;
    kprintf("kernel %s (%s), built with clang %.*s\n", KERNEL_VERSION, hal_arch_name(), n, cc);
    return 0;
}
SHELL_COMMAND("version", "version", "kernel version, architecture and compiler", cmd_version);

static int cmd_uptime(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    uint64_t us = uptime_us();
    kprintf("up %lu.%06lu s\n", (unsigned long)(us / 1000000), (unsigned long)(us % 1000000));
    return 0;
}
SHELL_COMMAND("uptime", "uptime", "time since the kernel's first instruction", cmd_uptime);

static void print_boot_info(void)
{
    const struct boot_info *bi = platform_boot_info();
    kprintf("protocol:   %s\nbootloader: %s\ncmdline:    '%s'\n", bi->protocol,
            bi->bootloader[0] ? bi->bootloader : "(unknown)", bi->cmdline);
    kprintf("kernel:     %#lx, %lu KiB\n", (unsigned long)bi->kernel_phys,
            (unsigned long)(bi->kernel_size / 1024));
    if (bi->dtb_phys)
        kprintf("dtb:        %#lx\n", (unsigned long)bi->dtb_phys);
    if (bi->initrd_phys)
        kprintf("initrd:     %#lx, %lu KiB\n", (unsigned long)bi->initrd_phys,
                (unsigned long)(bi->initrd_size / 1024));
    if (bi->stdout_path[0])
        kprintf("stdout:     %s\n", bi->stdout_path);
    if (bi->efi_systab)
        kprintf("firmware:   UEFI, system table at %#lx\n", (unsigned long)bi->efi_systab);
    if (bi->efi_mmap_count)
        kprintf("efi memmap: %u descriptors\n", bi->efi_mmap_count);
    if (bi->efi_entry_counter && hal_counter_freq() && bi->boot_counter >= bi->efi_entry_counter)
        /* The counter starts with the machine (QEMU's virt machines), so its
         * value at the stub's entry is the firmware's part of boot. */
        kprintf("efi stub:   entered %lu us after the counter's start, the kernel %lu us later\n",
                (unsigned long)counter_ticks_us(bi->efi_entry_counter),
                (unsigned long)counter_ticks_us(bi->boot_counter - bi->efi_entry_counter));
    if (bi->rsdp_len)
        kprintf("acpi rsdp:  %zu bytes (revision %u)\n", bi->rsdp_len, bi->rsdp[15]);
    const struct boot_fb *fb = &bi->fb;
    if (fb->phys)
        kprintf("framebuffer: %ux%u, %u bpp (red %u:%u, green %u:%u, blue %u:%u), pitch %u, at %#lx\n",
                fb->width, fb->height, fb->bpp, fb->red_pos, fb->red_bits, fb->green_pos, fb->green_bits,
                fb->blue_pos, fb->blue_bits, fb->pitch, (unsigned long)fb->phys);
    const struct console *con = console_current();
    kprintf("console:    %s%s%s\n", con ? con->name : "early", con ? " " : "",
            con ? con->dev->name : "");
}

static int cmd_bootinfo(int argc, char **argv)
{
    if (argc == 1) {
        print_boot_info();
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--profile") == 0) {
        boot_profile_print();
        return 0;
    }
    return shell_usage(argv[0]);
}
SHELL_COMMAND("bootinfo", "bootinfo [--profile]",
              "what the boot loader handed over; --profile: each boot stage's time",
              cmd_bootinfo);

/* The lines logged so far, oldest first; lines logged while it prints
 * (they print themselves if urgent) are left for the next dmesg, so a
 * flood of messages cannot keep it going. */
static int cmd_dmesg(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    uint64_t end;
    struct logbuf_cursor c = klog_oldest(&end);
    char line[KLOG_LINE_MAX];
    unsigned level;
    uint64_t lost;
    while (c.seq < end && klog_read(&c, &level, line, sizeof line, &lost) >= 0) {
        if (lost)
            kprintf("(%lu lines overwritten before they were shown)\n", (unsigned long)lost);
        kprintf("%s\n", line);
    }
    unsigned long skipped = klog_skipped();
    if (skipped)
        kprintf("(%lu lines not kept: logged while the log was busy, from an NMI)\n", skipped);
    return 0;
}
SHELL_COMMAND("dmesg", "dmesg", "the kernel log: every line since boot, as far as 32 KiB holds",
              cmd_dmesg);

static int cmd_poweroff(int argc, char **argv)
{
    if (argc > 2)
        return shell_usage(argv[0]);
    if (argc == 2) {
        uint64_t code;
        if (kstrtou64(argv[1], 0, &code) != 0 || code > 255) {
            return shell_error(-EINVAL, "poweroff: '%s' is not an exit code 0..255", argv[1]);
        }
        if (hal_poweroff_code((int)code) != 0)
            kprintf("poweroff: no test-exit device; powering off cleanly\n");
    }
    hal_poweroff();
}
SHELL_COMMAND("poweroff", "poweroff [exit-code 0..255]",
              "power off (a code: the exit status QEMU's test device reports)", cmd_poweroff);

static int cmd_reboot(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    hal_reboot();
}
SHELL_COMMAND("reboot", "reboot", "restart the machine", cmd_reboot);
