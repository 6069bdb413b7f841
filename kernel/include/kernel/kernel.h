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

/**
 * @brief What panic and symbol lookup need of the layers above them, which
 *        they cannot name (debug sits below them all: docs/architecture.md,
 *        "Layers inside kernel/"). Each member may stay NULL.
 */
struct debug_hooks {
    /** Stop every other CPU (kernel/smp.h, smp_stop_others()). */
    int (*stop_others)(unsigned *left);
    /** Halt here if another CPU's panic asked (smp_stop_if_asked()). */
    void (*stop_if_asked)(void);
    /** This CPU's index, for the panic's last lines. */
    unsigned (*cpu_index)(void);
};

/**
 * @brief The CPUs' part of the panic path, registered by the scheduler as
 *        the per-CPU data comes up (smp_early_init()); before that a panic
 *        stops no other CPU, as none runs.
 * @note Any context; the table must outlive the kernel.
 */
void debug_set_cpu_hooks(const struct debug_hooks *hooks);

/**
 * @brief Code outside the image that backtraces walk and name: the JIT's
 *        regions (kernel/jit.h), registered by the JIT when it makes its
 *        first one. @p lookup names an address as ksym_lookup() does, or
 *        returns NULL; @p contains says whether an address is such code.
 * @note Any context.
 */
void ksym_set_code_lookup(const char *(*lookup)(uintptr_t addr, uintptr_t *offset),
                          int (*contains)(uintptr_t addr));

/** @brief Whether @p addr is in code ksym_set_code_lookup() registered. @note Any context. */
int ksym_code_contains(uintptr_t addr);

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

/** @brief Boot finished: boot_wait() returns from now on (kmain, once). @note Thread context. */
void boot_done(void);

#endif
