/**
 * @file arch/user_abi.h
 * @brief aarch64's Linux user ABI facts for the portable kernel
 *        (hal/uregs.h): its executables' ELF machine, uname's machine, and
 *        the generic system-call table (arm64 has no table of its own).
 */
#ifndef ARCH_USER_ABI_H
#define ARCH_USER_ABI_H

#include <kernel/unistd_generic.h>

#define ARCH_ELF_MACHINE 183 /**< EM_AARCH64 */
#define ARCH_SA_RESTORER 1   /**< struct sigaction has sa_restorer (before sa_mask) */
#define ARCH_MINSIGSTKSZ 5120 /**< the smallest alternate stack: its signal frame is ~4.7 KiB */
#define ARCH_UNAME_MACHINE "aarch64"
#define ARCH_ELF_PLATFORM "aarch64" /**< AT_PLATFORM's string */
#define ARCH_ELF_HWCAP2 1 /**< the auxiliary vector has AT_HWCAP2: hal_elf_hwcap2() */
#define ARCH_O_DIRECTORY 040000 /**< arm64 moved O_DIRECTORY and O_NOFOLLOW (asm/fcntl.h) */
#define ARCH_O_NOFOLLOW 0100000
#define ARCH_SHMLBA (4 * 4096) /**< shmat()'s SHM_RND rounds to 16 KiB on arm64 (asm/shmparam.h) */
#define SYSNR_renameat 38 /**< the generic table keeps it for arm64; riscv64 has only renameat2 */

#endif
