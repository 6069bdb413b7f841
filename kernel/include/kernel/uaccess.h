/**
 * @file kernel/uaccess.h
 * @brief The kernel's only ways into user memory (kernel/mm/uaccess.c):
 *        the range is checked against user space, pages a program has not
 *        touched yet are faulted in as its own access would, and the copy
 *        itself is the arch's routine whose faults the exception table
 *        recovers (hal/user.h).
 *
 * Below the file systems and the terminal, which copy to and from
 * programs; the address spaces that fault pages in sit above them, and
 * lend the copies their fault-in through uaccess_set_prefault().
 */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H

#include <stddef.h>
#include <stdint.h>

/** @brief Access bits of user_page_fault(). */
#define UFAULT_WRITE 1u   /**< the access was a store */
#define UFAULT_EXEC 2u    /**< an instruction fetch */
#define UFAULT_PRESENT 4u /**< a valid entry refused it (else: nothing mapped) */
#define UFAULT_AGAIN 8u   /**< to the prefault hook: the copy faulted after the last prefault of this range, look at the tables again */

/**
 * @brief Map [@p va, @p va + @p len) of the current process for an access
 *        of kind @p access (UFAULT_*), or say it would fault: what the
 *        process layer lends the copies below (kernel/user/proc.c). It
 *        returns 0 without a current process (the arches' own tests of the
 *        copy routines: their faults alone decide), or -EFAULT.
 * @note Any thread context; set once, before the first process runs.
 */
void uaccess_set_prefault(int (*prefault)(uintptr_t va, size_t len, unsigned access));

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
