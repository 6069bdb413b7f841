/**
 * @file kernel/kernel.h
 * @brief Entry into the portable core, panic, and small helpers.
 */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <hal/platform.h>
#include <stddef.h>
#include <stdint.h>

#define SMP_MAX_CPUS 8 /**< CPUs the kernel keeps data for (kernel/smp.h) */

/** @brief Number of elements of the array (not pointer) @p a. */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/**
 * @brief The portable core's main; the arch calls it as soon as it has what
 *        the shell's prompt needs (boot page tables, the early console, a
 *        clock, the command line in @p bi). The rest of the arch's boot
 *        comes later, from kmain() once the shell waits: hal_platform_init().
 */
__attribute__((noreturn)) void kmain(struct boot_info *bi);

/**
 * @brief Print the message and halt; in ktest mode power QEMU off with a
 *        failing status. For broken invariants and CPU faults only.
 */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

/** @brief Finish a panic the arch has already printed details for. */
__attribute__((noreturn)) void panic_finish(void);

/** @brief Whether the kernel was booted with `ktest` (faults then exit QEMU with failure). */
extern int ktest_mode;

/**
 * @brief Print a symbolized frame-pointer backtrace from @p pc and frame pointer @p fp.
 * @param fp frame pointer of the innermost frame
 * @param pc where that frame was executing
 * @param lr link register at the fault (aarch64), or 0 where the return address is on the stack.
 */
void backtrace_from(uintptr_t fp, uintptr_t pc, uintptr_t lr);

/** @brief Function containing @p addr, or NULL; *offset gets addr minus its start. */
const char *ksym_lookup(uintptr_t addr, uintptr_t *offset);

/** @brief Room for a ksym_name() result. */
#define KSYM_NAME_MAX 80

/** @brief "function+0xoff" for @p addr, or "0x<addr>" if no symbol covers it; returns @p buf. */
const char *ksym_name(uintptr_t addr, char *buf, size_t size);

/** @brief The caller of the current function, as ksym_name() text (for warnings). */
#define CALLER_NAME(buf) ksym_name((uintptr_t)__builtin_return_address(0), (buf), sizeof(buf))

/** @brief Microseconds since the kernel's first instruction. */
uint64_t uptime_us(void);

/**
 * @brief Wait until boot has finished: the arch's devices and interrupt
 *        controllers (hal_platform_init()), the page allocator, the kernel's
 *        page tables, the timer and the other CPUs, which kmain() brings up
 *        after the shell has printed its prompt. Anything that needs them
 *        and may run earlier (the shell, before it reads a key) waits here.
 *        Returns at once once boot finished, and when called before there
 *        are threads.
 * @note Thread context.
 */
void boot_wait(void);

/** @brief 1 once boot has finished (boot_wait() returns at once); any context. */
int boot_finished(void);

#endif
