/**
 * @file uaccess.c
 * @brief The kernel's only ways into user memory (kernel/user.h): the
 *        range is checked against user space here, the access itself is
 *        the arch's routine whose faults the exception table recovers.
 */
#include <hal/user.h>
#include <kernel/errno.h>
#include <kernel/user.h>

/* [p, p + n) lies in user space (n == 0 is always fine). */
static int user_range(const void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p;
    return n == 0 || (a >= 4096 && a + n >= a && a + n <= hal_user_top());
}

int copy_from_user(void *dst, const void *src, size_t n)
{
    if (!user_range(src, n))
        return -EFAULT;
    return n && hal_copy_user(dst, src, n) ? -EFAULT : 0;
}

int copy_to_user(void *dst, const void *src, size_t n)
{
    if (!user_range(dst, n))
        return -EFAULT;
    return n && hal_copy_user(dst, src, n) ? -EFAULT : 0;
}

long strncpy_from_user(char *dst, const char *src, size_t n)
{
    uintptr_t a = (uintptr_t)src, top = hal_user_top();
    if (n == 0)
        return -ENAMETOOLONG;
    if (a < 4096 || a >= top)
        return -EFAULT;
    if (n > top - a)
        n = top - a; /* the string may end before user space does */
    long r = hal_strncpy_user(dst, src, n);
    if (r < 0)
        return r;
    return (size_t)r >= n ? -ENAMETOOLONG : r;
}

/* The arch's user-access instructions and where each continues after a
 * fault (hal/user.h), in the linker script's .ex_table. */
struct extable_entry {
    uintptr_t insn, fixup;
};
extern const struct extable_entry __ex_table_start[], __ex_table_end[];

uintptr_t extable_fixup(uintptr_t pc)
{
    for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++)
        if (e->insn == pc)
            return e->fixup;
    return 0;
}
