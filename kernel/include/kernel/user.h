/**
 * @file kernel/user.h
 * @brief What an architecture's user-mode entry code calls in the portable
 *        kernel (hal/user.h describes the whole contract), and the kernel's
 *        checked access to user memory.
 */
#ifndef KERNEL_USER_H
#define KERNEL_USER_H

#include <hal/user.h>
#include <stddef.h>
#include <stdint.h>

/* Signal numbers and codes of the Linux ABI (the same on every arch here). */
/** @cond LINUX_ABI */
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGSYS 31
/** @endcond */

#define SEGV_MAPERR 1 /**< no mapping at the address */
#define SEGV_ACCERR 2 /**< mapped, but not for this access */
#define BUS_ADRALN 1  /**< misaligned */
#define BUS_ADRERR 2  /**< no object at the address (a file mapping past the file's end) */
#define BUS_OBJERR 3  /**< a hardware error at the address */
#define ILL_ILLOPC 1  /**< illegal opcode */
#define FPE_INTDIV 1  /**< integer division by zero */
#define FPE_FLTDIV 3  /**< floating-point division by zero */
#define FPE_FLTOVF 4  /**< floating-point overflow */
#define FPE_FLTUND 5  /**< floating-point underflow */
#define FPE_FLTRES 6  /**< floating-point inexact result */
#define FPE_FLTINV 7  /**< floating-point invalid operation */
#define TRAP_BRKPT 1  /**< breakpoint */
#define TRAP_TRACE 2  /**< a single step */
#define SI_KERNEL 0x80 /**< sent by the kernel, no address (x86_64's general protection fault) */

/** @brief Access bits of user_page_fault(). */
#define UFAULT_WRITE 1u   /**< the access was a store */
#define UFAULT_EXEC 2u    /**< an instruction fetch */
#define UFAULT_PRESENT 4u /**< a valid entry refused it (else: nothing mapped) */

/**
 * @brief A system call: the arch's entry saved the user's registers in
 *        @p frame; the result goes back into it (uregs_set_return()).
 * @note Thread context, interrupts on.
 */
void user_syscall(struct uregs *frame);

/** @brief Frames the programs' pages hold now (every address space's, a
 *         frame shared copy-on-write once): 0 when no program is alive. */
uint64_t user_frames_in_use(void);

/**
 * @brief A page fault at user address @p addr, taken in user mode or by a
 *        copy routine: the kernel resolves it if it can (copy-on-write,
 *        demand-zero, a file's page).
 * @retval 0 resolved: retry the access
 * @retval <0 not resolvable: from user mode the arch calls
 *         user_page_fault_signal(), in a copy routine it takes the
 *         exception table's continuation
 * @note Thread context with interrupts as the fault left them.
 */
int user_page_fault(uintptr_t addr, unsigned access);

/**
 * @brief user_fault() for a page fault user_page_fault() did not resolve
 *        (@p err): SIGBUS (BUS_ADRERR) for a file mapping's page past the
 *        file's end (-EIO), SIGKILL when no frame was left (-ENOMEM), else SIGSEGV, SEGV_ACCERR if a valid entry
 *        refused @p access (UFAULT_PRESENT), SEGV_MAPERR if none.
 */
void user_page_fault_signal(struct uregs *frame, int err, unsigned access, uintptr_t addr);

/**
 * @brief An exception in user mode the kernel does not resolve: the process
 *        gets signal @p sig with code @p code for address @p addr (the
 *        faulting data address, or the pc). Without a handler (or with the
 *        signal blocked or ignored) that ends it.
 * @note Returns only if the process goes on: its handler runs on the way
 *       back (user_return()).
 */
void user_fault(struct uregs *frame, int sig, int code, uintptr_t addr);

/**
 * @brief Last work before returning to user mode, interrupts masked: a
 *        pending reschedule, then signals (a default action, or a
 *        handler's frame written into @p frame; a system call restarted).
 *        May switch threads and return later.
 */
void user_return(struct uregs *frame);

struct inode;
/**
 * @brief A truncate cut @p ino to @p size bytes: every address space's
 *        pages mapping it from the first page wholly past @p size on are
 *        unmapped (shared, private, and private copies alike, as Linux), so
 *        the next touch is SIGBUS, or reads what the file holds there again
 *        once it grows back. Called after the file system published the
 *        new size, with the inode's lock held and none of the file
 *        system's; it takes the inode's mappings lock (struct inode's maps_lock).
 */
void uspace_cut(struct inode *ino, uint64_t size);

/**
 * @brief The continuation for a fault at kernel address @p pc, if @p pc is
 *        a user-memory access listed in the exception table.
 * @return the address to continue at, or 0 (a real kernel fault)
 */
uintptr_t extable_fixup(uintptr_t pc);

/** @brief Copy from user memory; -EFAULT if [src, src + n) is not all user memory that can be read. */
int copy_from_user(void *dst, const void *src, size_t n);
/** @brief User address @p base + @p off, computed as integers: a program's
 *         pointer may sit anywhere, and C pointer arithmetic that wraps is
 *         undefined (the -debug kernels trap on it); the copy checks it. */
static inline void *user_at(uint64_t base, uint64_t off) { return (void *)(uintptr_t)(base + off); }
/** @brief Copy to user memory; -EFAULT if [dst, dst + n) is not all user memory that can be written. */
int copy_to_user(void *dst, const void *src, size_t n);
/** @brief Check and map [@p dst, @p dst + @p n) for writing, as copy_to_user()
 *         would, for copies into it by copy_to_user_prepared(); 0 or -EFAULT. */
int user_prepare_write(void *dst, size_t n);
/** @brief copy_to_user() into part of a range user_prepare_write() took in
 *         this call: the copy alone (no page-table walk per copy); if a page
 *         went meanwhile (another thread's munmap), the whole way. */
int copy_to_user_prepared(void *dst, const void *src, size_t n);
/**
 * @brief A NUL-terminated user string, at most @p n bytes with its NUL.
 * @return its length, -EFAULT (bad address), -ENAMETOOLONG (no NUL in @p n bytes)
 */
long strncpy_from_user(char *dst, const char *src, size_t n);

#endif
