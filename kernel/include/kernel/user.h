/**
 * @file kernel/user.h
 * @brief What an architecture's user-mode entry code calls in the portable
 *        kernel (hal/user.h describes the whole contract); the checked
 *        access to user memory is kernel/uaccess.h, the signal numbers
 *        kernel/signo.h.
 */
#ifndef KERNEL_USER_H
#define KERNEL_USER_H

#include <hal/user.h>
#include <kernel/signo.h>
#include <kernel/uaccess.h>
#include <stddef.h>
#include <stdint.h>



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


#endif
