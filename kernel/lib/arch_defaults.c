/**
 * @file arch_defaults.c
 * @brief What an architecture gets when it leaves out an optional hook:
 *        weak definitions its own (strong) ones replace at link time.
 *
 * docs/porting.md lists which hooks are optional. These are:
 *  - port I/O (hal/io.h): without an I/O port space (aarch64, riscv64)
 *    reads return all-ones, as a read of an absent device does, and writes
 *    are dropped;
 *  - a ranged TLB flush (hal/pte.h): page by page;
 *  - the eBPF JIT: kernel/bpf/jit_none.c, with the rest of eBPF;
 *  - command-line words of the arch's own (hal/platform.h): none;
 *  - hal_user_kstack_set() (hal/user.h): nothing, for an arch whose entry
 *    from user mode finds the kernel stack as it left it.
 */
#include <hal/io.h>
#include <hal/platform.h>
#include <hal/pte.h>
#include <hal/user.h>

#define WEAK __attribute__((weak))

WEAK uint8_t hal_pio_read8(uint16_t port) { (void)port; return 0xff; }
WEAK uint16_t hal_pio_read16(uint16_t port) { (void)port; return 0xffff; }
WEAK uint32_t hal_pio_read32(uint16_t port) { (void)port; return 0xffffffff; }
WEAK void hal_pio_write8(uint16_t port, uint8_t v) { (void)port; (void)v; }
WEAK void hal_pio_write16(uint16_t port, uint16_t v) { (void)port; (void)v; }
WEAK void hal_pio_write32(uint16_t port, uint32_t v) { (void)port; (void)v; }

WEAK void hal_tlb_flush_range(uintptr_t va, uint64_t size)
{
    for (uint64_t off = 0; off < size; off += 4096)
        hal_tlb_flush_page(va + off);
}

WEAK int hal_cmdline_option(const char *word, size_t len)
{
    (void)word;
    (void)len;
    return 0;
}

WEAK void hal_user_kstack_set(uintptr_t kstack_top) { (void)kstack_top; }
