/**
 * @file uaccess_tests.c
 * @brief ktest of every arch's copy routine (hal_copy_user()) against a
 *        real user space: copies long enough for the routines' multi-word
 *        steps, running into an unmapped page at every offset, in both
 *        directions, equally and unequally aligned, each say exactly how
 *        many bytes they did not copy and copy exactly the others.
 *
 * Beside uaccess.c because it builds an address space (uspace.h, private
 * to kernel/user).
 */
#include "uspace.h"
#include <hal/mmu.h>
#include <hal/user.h>
#include <kernel/kmalloc.h>
#include <kernel/ktest.h>
#include <kernel/kprintf.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/vmalloc.h>

KTEST(user_copy_counts_exactly_in_long_copies)
{
    const uintptr_t va = 0x400000; /* one page, then nothing */
    struct uspace *us = uspace_create();
    KT_ASSERT(us != NULL);
    KT_ASSERT(uspace_map_anon(us, va, PAGE_SIZE, MMU_WRITE) == 0);
    KT_ASSERT(uspace_fault(us, va, UFAULT_WRITE) == 0);
    uint64_t pa;
    KT_ASSERT(vm_translate(&us->as, va, &pa, NULL) == 0);
    uint8_t *kpage = hal_phys_to_virt(pa & ~(uint64_t)(PAGE_SIZE - 1));
    uint8_t *buf = kmalloc(2 * 320);
    KT_ASSERT(buf != NULL);
    struct thread *self = thread_current();
    sched_set_user(&us->as, (uintptr_t)self->stack + KSTACK_SIZE);
    static const size_t sizes[] = {64, 65, 127, 128, 129, 200, 320};
    int bad = 0;
    for (unsigned si = 0; si < sizeof sizes / sizeof sizes[0] && bad < 3; si++) {
        size_t n = sizes[si];
        for (size_t tail = 0; tail <= n && bad < 3; tail++) {
            for (unsigned skew = 0; skew < 2; skew++) { /* kernel side aligned as the user side, or not */
                uint8_t *user = (uint8_t *)(va + PAGE_SIZE - tail), *kb = buf + skew;
                for (unsigned i = 0; i < PAGE_SIZE; i++)
                    kpage[i] = (uint8_t)(i * 7 + 1);
                memset(buf, 0, 2 * 320);
                size_t left = hal_copy_user(kb, user, n);
                if (left != n - tail || memcmp(kb, kpage + PAGE_SIZE - tail, tail) != 0 ||
                    (tail < n && kb[tail] != 0)) {
                    kprintf("uaccess_tests: from user, %zu bytes, %zu before the hole, skew %u: %zu left\n",
                            n, tail, skew, left);
                    bad++;
                }
                memset(buf, 0xa5, 2 * 320);
                left = hal_copy_user(user, kb, n);
                int stored = 1;
                for (size_t i = 0; i < tail; i++)
                    stored &= kpage[PAGE_SIZE - tail + i] == 0xa5;
                if (tail < PAGE_SIZE)
                    stored &= kpage[PAGE_SIZE - tail - 1] == (uint8_t)((PAGE_SIZE - tail - 1) * 7 + 1);
                if (left != n - tail || !stored) {
                    kprintf("uaccess_tests: to user, %zu bytes, %zu before the hole, skew %u: %zu left\n", n,
                            tail, skew, left);
                    bad++;
                }
            }
        }
    }
    sched_set_user(NULL, 0);
    kfree(buf);
    uspace_destroy(us);
    KT_ASSERT(bad == 0);
}
