/**
 * @file hal/uregs.h
 * @brief The user frame (hal/user.h): struct uregs, defined by the arch in
 *        <arch/uregs.h>, and the static inline accessors the portable
 *        kernel reads and changes it with, which that header defines.
 *
 * The arch's <arch/user_abi.h> completes the ABI: ARCH_ELF_MACHINE (the
 * e_machine of its executables), ARCH_UNAME_MACHINE (uname's machine) and
 * the Linux system-call numbers (SYSNR_*), kernel/unistd_generic.h's for
 * an arch on the generic table.
 */
#ifndef HAL_UREGS_H
#define HAL_UREGS_H

#include <stdint.h>

struct uregs;

/** @brief A frame that starts user mode at @p pc with stack @p sp, every other register zero (interrupts on). */
static inline void uregs_init(struct uregs *r, uintptr_t pc, uintptr_t sp);
/** @brief The user program counter. */
static inline uintptr_t uregs_pc(const struct uregs *r);
/** @brief The user stack pointer. */
static inline uintptr_t uregs_sp(const struct uregs *r);
/** @brief Change the user stack pointer (clone's new stack). */
static inline void uregs_set_sp(struct uregs *r, uintptr_t sp);
/** @brief The system call's number, in the arch's Linux numbering. */
static inline long uregs_syscall_nr(const struct uregs *r);
/** @brief System-call argument @p i, 0 to 5, in the Linux ABI's registers. */
static inline uint64_t uregs_syscall_arg(const struct uregs *r, int i);
/** @brief Set the value the system call returns (a negative errno for an error). */
static inline void uregs_set_return(struct uregs *r, long v);
/** @brief The value in the return register (rt_sigreturn returns it, so the restored register stays). */
static inline long uregs_return(const struct uregs *r);
/**
 * @brief Make the return to user mode run the system call again (a restart
 *        after a signal): pc back to the system-call instruction, number
 *        @p nr and first argument @p arg0 back in their registers (the
 *        result overwrote one of them).
 */
static inline void uregs_restart_syscall(struct uregs *r, long nr, uint64_t arg0);

#include <arch/uregs.h>
#include <arch/user_abi.h>

/** @brief The bytes a user thread's kernel stack keeps free at its top for the frame. */
#define UREGS_RESERVE ((sizeof(struct uregs) + 15) & ~(size_t)15)
/** @brief The bytes above the frame for the thread's struct ustate (hal/user.h). */
#define USTATE_RESERVE ((sizeof(struct ustate) + 63) & ~(size_t)63)
/** @cond STATIC_CHECKS */
_Static_assert(sizeof(struct uregs) % 16 == 0, "the frame at a 16-aligned stack top stays 16-aligned");
/** @endcond */

#endif
