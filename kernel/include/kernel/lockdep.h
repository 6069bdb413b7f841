/**
 * @file kernel/lockdep.h
 * @brief The lock-order checker: reports two spinlocks taken in both orders.
 *
 * Two code paths that take locks A then B, and B then A, deadlock the day
 * they run at once on two CPUs, however rarely that is. The checker sees the
 * danger the first time the second order happens, on any CPU count: locks
 * are grouped into classes by their name (every "sched" lock is one class,
 * as is every "ramdisk" lock), each CPU keeps the stack of locks it holds,
 * and taking lock L while holding H records the order H -> L with both
 * acquisition sites. An order that closes a cycle (L already leads to H,
 * directly or through other classes) is reported once:
 *
 *     lock order: 'B' taken at f+0x24 while holding 'A' (taken at g+0x10),
 *     but 'A' was taken at h+0x3c while holding 'B' (taken at k+0x18)
 *
 * In the -debug presets (SPIN_LOCKDEP) every spin_lock*() / spin_unlock*()
 * reports to it; in other builds it is still compiled and the ktest drives it
 * directly. Locks without a name and a class nested in itself are ignored.
 * The tables are fixed (LOCKDEP_CLASSES classes, LOCKDEP_ORDERS orders,
 * LOCKDEP_DEPTH held locks per CPU); past them it says so once and stops
 * checking rather than guess.
 */
#ifndef KERNEL_LOCKDEP_H
#define KERNEL_LOCKDEP_H

#include <kernel/spinlock.h>
#include <stdint.h>

#define LOCKDEP_CLASSES 128 /**< lock names told apart (64 ran out with user mode's locks) */
#define LOCKDEP_ORDERS 512  /**< distinct (held, taken) class pairs remembered */
#define LOCKDEP_DEPTH 16   /**< locks one CPU may hold at once and be checked */

/**
 * @brief @p l was just taken at @p site (a return address) by this CPU.
 * @note Any context; masks interrupts on this CPU meanwhile; takes no
 *       spinlock (it is called from inside them).
 */
void lockdep_acquired(const struct spinlock *l, uintptr_t site);

/** @brief @p l is about to be released by this CPU. @note As lockdep_acquired(). */
void lockdep_released(const struct spinlock *l);

/**
 * @brief Forget the class named @p name and every order involving it (for
 *        tests that create their own classes, so they leave nothing behind).
 * @note No lock of that class may be held.
 */
void lockdep_forget(const char *name);

/** @brief Inversions reported since boot (each pair once). */
unsigned lockdep_reports(void);

/** @brief Nonzero if the checker ran out of room and stopped checking. */
int lockdep_full(void);

#endif
