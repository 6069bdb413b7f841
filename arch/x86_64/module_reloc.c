/**
 * @file module_reloc.c
 * @brief x86_64's relocations for the module loader (kernel/module_arch.h),
 *        as the System V AMD64 psABI defines them: the ones clang emits for
 *        kernel code built -mcmodel=kernel (absolute 32-bit sign-extended
 *        and 64-bit, PC-relative 32 and 64, PLT32 as PC32: the kernel has no
 *        PLT, and every target is within the ±2 GiB that rel32 reaches).
 *
 * Portable C with no x86 instruction in it, so the host tests link it
 * beside aarch64's and check both.
 */
#include <kernel/elf.h>
#include <kernel/errno.h>
#include <kernel/module_arch.h>

static size_t x64_reloc_bytes(uint32_t type)
{
    return type == 0 ? 0 : type == 1 || type == 24 ? 8 : 4;
}

static int x64_apply(struct module_linker *l, const struct module_reloc *r)
{
    uint64_t v = r->S + (uint64_t)r->A;
    switch (r->type) {
    case 0: /* R_X86_64_NONE */
        return 0;
    case 1: /* R_X86_64_64 */
        module_wr(r->loc, v, 8);
        return 0;
    case 2: /* PC32 */
    case 4: /* PLT32 */
        v -= r->P;
        if (!module_fits_s((int64_t)v, 32))
            return module_link_fail(l, -ERANGE, "PC-relative relocation out of range (%llx from %llx)",
                                    (unsigned long long)(r->S + (uint64_t)r->A),
                                    (unsigned long long)r->P);
        module_wr(r->loc, v, 4);
        return 0;
    case 10: /* R_X86_64_32 */
        if (v > 0xffffffffULL)
            return module_link_fail(l, -ERANGE, "R_X86_64_32 value %llx does not fit", (unsigned long long)v);
        module_wr(r->loc, v, 4);
        return 0;
    case 11: /* R_X86_64_32S */
        if (!module_fits_s((int64_t)v, 32))
            return module_link_fail(l, -ERANGE, "R_X86_64_32S value %llx does not fit", (unsigned long long)v);
        module_wr(r->loc, v, 4);
        return 0;
    case 24: /* PC64 */
        module_wr(r->loc, v - r->P, 8);
        return 0;
    }
    return -ENOSYS;
}

const struct module_arch x64_module_arch = {
    .machine = EM_X86_64,
    .reloc_bytes = x64_reloc_bytes,
    .apply = x64_apply,
};
