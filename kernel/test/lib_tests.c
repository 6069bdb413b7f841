/**
 * @file lib_tests.c
 * @brief In-kernel tests of kernel/lib, run on the real target (both arches).
 */
#include <hal/cpu.h>
#include <kernel/crc32.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/ktest.h>
#include <kernel/printf.h>
#include <kernel/string.h>

KTEST(printf_formats)
{
    char buf[64];
    KT_ASSERT(ksnprintf(buf, sizeof buf, "%d|%5u|%-3x|%08lx|%s|%c", -42, 7u, 0xau, 0xbeefUL, "hi", 'z') == 27);
    KT_ASSERT(strcmp(buf, "-42|    7|a  |0000beef|hi|z") == 0);
    KT_ASSERT(ksnprintf(buf, 4, "%s", "abcdef") == 6 && strcmp(buf, "abc") == 0);
}

KTEST(string_ops)
{
    char a[16] = "hello";
    memmove(a + 1, a, 5);
    KT_ASSERT(memcmp(a, "hhello", 6) == 0);
    uint64_t v;
    KT_ASSERT(kstrtou64("0x1f", 0, &v) == 0 && v == 31);
    KT_ASSERT(kstrtou64("12a", 0, &v) == -EINVAL);
}

KTEST(crc32_check_value)
{
    KT_ASSERT(crc32(0, "123456789", 9) == 0xCBF43926u);
}

static int bss_probe[64];
static int data_probe = 5;

/* The classic "globals that don't stick": .bss must be zeroed and writable,
 * .data must hold its initializer and be writable. */
KTEST(bss_and_data_stick)
{
    for (int i = 0; i < 64; i++)
        KT_ASSERT(bss_probe[i] == 0);
    for (int i = 0; i < 64; i++)
        bss_probe[i] = i * 3;
    for (int i = 0; i < 64; i++)
        KT_ASSERT(*(volatile int *)&bss_probe[i] == i * 3);
    KT_ASSERT(data_probe == 5);
    data_probe = 6;
    KT_ASSERT(*(volatile int *)&data_probe == 6);
    /* As the image had them, so a second run in this boot checks the same. */
    memset(bss_probe, 0, sizeof bss_probe);
    data_probe = 5;
}

KTEST(counter_advances)
{
    uint64_t a = hal_counter();
    for (volatile int i = 0; i < 100000; i++)
        ;
    KT_ASSERT(hal_counter() > a);
    KT_ASSERT(hal_counter_freq() > 1000000);
}
