/*
 * futex.h: futexes (futex.c), for the system-call table and thread exit.
 * Private to kernel/user/.
 */
#ifndef KERNEL_USER_FUTEX_H
#define KERNEL_USER_FUTEX_H

#include <stdint.h>

struct uspace;

/** Wake up to @p n threads waiting on the futex word at @p uaddr of @p us; how many woke. */
int futex_wake(struct uspace *us, uintptr_t uaddr, int n);
/** futex(2). */
long sys_futex(const uint64_t a[6]);

#endif
