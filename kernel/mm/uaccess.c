/**
 * @file uaccess.c
 * @brief The kernel's only ways into user memory (kernel/uaccess.h): the
 *        range is checked against user space here, the access itself is
 *        the arch's routine whose faults the exception table recovers.
 */
#include <hal/user.h>
#include <kernel/errno.h>
#include <kernel/uaccess.h>

/* [p, p + n) lies in user space (n == 0 is always fine). */
static int user_range(const void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p;
    return n == 0 || (a >= 4096 && a + n >= a && a + n <= hal_user_top());
}

/* Pages come when first touched and fork's are shared until written
 * (kernel/user/uspace.c): map [a, a + n) for the copy as a program's own
 * access would, or refuse it as that access would be (-EFAULT): a
 * PROT_NONE page is mapped for the kernel only, which the copy could read.
 * The process layer lends the fault-in (uaccess_set_prefault()); without
 * it, or a process, the copy's faults alone decide. A retry after the
 * copy faulted says so (UFAULT_AGAIN): the hook may have answered from
 * what it remembered, and must look at the tables this time. */
static int (*prefault_fn)(uintptr_t va, size_t len, unsigned access);

void uaccess_set_prefault(int (*prefault)(uintptr_t va, size_t len, unsigned access))
{
    __atomic_store_n(&prefault_fn, prefault, __ATOMIC_RELEASE);
}

static int prefault(uintptr_t a, size_t n, unsigned access)
{
    int (*fn)(uintptr_t, size_t, unsigned) = __atomic_load_n(&prefault_fn, __ATOMIC_ACQUIRE);
    return fn && n ? fn(a, n, access) : 0;
}

int copy_from_user(void *dst, const void *src, size_t n)
{
    if (!user_range(src, n))
        return -EFAULT;
    /* A thread of the same process may take a page away between the
     * prefault and the copy (a fork making it copy-on-write, an munmap):
     * the copy then faults and is tried again, a few times. */
    for (int tries = 0; tries < 4; tries++) {
        if (prefault((uintptr_t)src, n, tries ? UFAULT_AGAIN : 0))
            return -EFAULT;
        if (!n || !hal_copy_user(dst, src, n))
            return 0;
    }
    return -EFAULT;
}

int copy_to_user(void *dst, const void *src, size_t n)
{
    if (!user_range(dst, n))
        return -EFAULT;
    for (int tries = 0; tries < 4; tries++) {
        if (prefault((uintptr_t)dst, n, UFAULT_WRITE | (tries ? UFAULT_AGAIN : 0)))
            return -EFAULT;
        if (!n || !hal_copy_user(dst, src, n))
            return 0;
    }
    return -EFAULT;
}

int user_prepare_write(void *dst, size_t n)
{
    return user_range(dst, n) ? prefault((uintptr_t)dst, n, UFAULT_WRITE) : -EFAULT;
}

int copy_to_user_prepared(void *dst, const void *src, size_t n)
{
    if (user_range(dst, n) && (!n || !hal_copy_user(dst, src, n)))
        return 0;
    return copy_to_user(dst, src, n);
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
    /* A page at a time, each prefaulted before it is read. */
    for (size_t done = 0; done < n;) {
        size_t chunk = 4096 - ((a + done) & 4095);
        if (chunk > n - done)
            chunk = n - done;
        if (prefault(a + done, 1, 0))
            return -EFAULT;
        long r = hal_strncpy_user(dst + done, src + done, chunk);
        if (r < 0)
            return r;
        if ((size_t)r < chunk)
            return (long)(done + (size_t)r);
        done += chunk;
    }
    return -ENAMETOOLONG;
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
