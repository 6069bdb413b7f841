/*
 * ucpu: what a program learns of the CPU from the kernel, one "ucpu: NAME
 * VALUE" line each, for tests/qemu/hwcap_linux_test.py to compare with
 * what the same program prints under Debian's Linux in the same QEMU: the
 * auxiliary vector's AT_HWCAP, AT_HWCAP2, AT_PLATFORM, AT_PAGESZ,
 * AT_CLKTCK, and where the arch has them (arm64, with HWCAP_CPUID) the ID
 * registers read by MRS, and how a read outside the ones the kernel
 * emulates, and a write to one, end a program (the signal's number). Exits 0, or 1 if the vector lacks a value every
 * arch gives.
 */
#include "usys.h"
#include "uchild.h"

enum { AT_PAGESZ = 6, AT_HWCAP = 16, AT_CLKTCK = 17, AT_PLATFORM = 15, AT_HWCAP2 = 26 };

static unsigned long auxv(char **envp, unsigned long key, int *found)
{
    while (*envp)
        envp++;
    for (unsigned long *a = (unsigned long *)(envp + 1); a[0] != 0; a += 2)
        if (a[0] == key) {
            *found = 1;
            return a[1];
        }
    *found = 0;
    return 0;
}

static void puthex(unsigned long v)
{
    char b[19], *p = b + sizeof b;
    *--p = 0;
    do
        *--p = "0123456789abcdef"[v & 15];
    while (v >>= 4);
    *--p = 'x';
    *--p = '0';
    uputs(p);
}

static void put(const char *name, unsigned long v)
{
    uputs("ucpu: "), uputs(name), uputs(" "), puthex(v), uputs("\n");
}

#ifdef UCPU_HWCAP_IDREGS
static void outside(long arg)
{
    if (arg)
        UCPU_MSR_ID();
    else
        UCPU_MRS_OUTSIDE();
}
#endif

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv;
    static const struct { const char *name; unsigned long key; int needed; } keys[] = {
        {"AT_HWCAP", AT_HWCAP, 1}, {"AT_HWCAP2", AT_HWCAP2, 0},
        {"AT_PAGESZ", AT_PAGESZ, 1}, {"AT_CLKTCK", AT_CLKTCK, 1},
    };
    int bad = 0, found;
    for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        unsigned long v = auxv(envp, keys[i].key, &found);
        if (found)
            put(keys[i].name, v);
        else
            uputs("ucpu: "), uputs(keys[i].name), uputs(" absent\n"), bad |= keys[i].needed;
    }
    const char *plat = (const char *)auxv(envp, AT_PLATFORM, &found);
    uputs("ucpu: AT_PLATFORM "), uputs(found ? plat : "absent"), uputs("\n");
#ifdef UCPU_HWCAP_IDREGS
    unsigned long hwcap = auxv(envp, AT_HWCAP, &found);
    if (hwcap & UCPU_HWCAP_IDREGS) {
        ucpu_idregs(put);
        int st = reap_status(fork_child(outside, 0));
        uputs("ucpu: signal_of_mrs_outside "), uputn(st & 0x7f), uputs("\n");
        st = reap_status(fork_child(outside, 1));
        uputs("ucpu: signal_of_msr_id "), uputn(st & 0x7f), uputs("\n");
    }
#endif
    return bad;
}
