/*
 * futex.h: futexes (futex.c), for the system-call table and thread exit.
 * Private to kernel/user/.
 */
#ifndef KERNEL_USER_FUTEX_H
#define KERNEL_USER_FUTEX_H

#include <stdint.h>

struct uspace;
struct uthread;

/** Wake up to @p n threads waiting on the futex word at @p uaddr of @p us; how many woke. */
int futex_wake(struct uspace *us, uintptr_t uaddr, int n);
/** The robust futexes thread @p u of a process with space @p us still holds
 *  (set_robust_list(2)) get FUTEX_OWNER_DIED, a waiter of each is woken;
 *  the list is forgotten. Called at the thread's end and at execve(), in
 *  the thread, its space still loaded. */
void futex_exit_robust(struct uspace *us, struct uthread *u);
/** futex(2). */
long sys_futex(const uint64_t a[6]);

#endif
