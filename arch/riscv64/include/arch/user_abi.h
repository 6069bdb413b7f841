/**
 * @file arch/user_abi.h
 * @brief riscv64's Linux user ABI facts for the portable kernel (hal/uregs.h):
 *        its executables' ELF machine, uname's machine, and the generic
 *        system-call table.
 */
#ifndef ARCH_USER_ABI_H
#define ARCH_USER_ABI_H

#include <kernel/unistd_generic.h>

#define ARCH_ELF_MACHINE 243  /**< EM_RISCV */
#define ARCH_UNAME_MACHINE "riscv64"
#define ARCH_O_DIRECTORY 0200000 /**< the generic open() flags */
#define ARCH_O_NOFOLLOW 0400000
/** AT_MINSIGSTKSZ: the signal frame (siginfo and ucontext, 16-aligned), which is Linux's value
 *  (since 6.5) without vector state; arch/riscv64/signal.c checks it. sigaltstack() still asks
 *  for MINSIGSTKSZ (2048). */
#define ARCH_AT_MINSIGSTKSZ 1088

#endif
