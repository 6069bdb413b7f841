/**
 * @file module_reloc.c
 * @brief RISC-V's relocations for the module loader (kernel/module_arch.h),
 *        as the RISC-V ELF psABI defines them for RV64: absolute data
 *        (32, 64), PC-relative data (32_PCREL), the U/I/S-type pairs of both
 *        code models (HI20 with LO12_I/LO12_S, PCREL_HI20 with
 *        PCREL_LO12_I/PCREL_LO12_S), calls (the auipc+jalr pair of CALL and
 *        CALL_PLT), branches and jumps, and their compressed forms.
 *
 * Modules are built with -mno-relax, as the kernel is: no RELAX or ALIGN
 * is acted on (RELAX marks are accepted and skipped, ALIGN refused). An
 * auipc+jalr call reaches +-2 GiB, and every module lies within 128 MiB of
 * the kernel (arch/memlayout.h), so no veneers.
 *
 * A PCREL_LO12 relocation names the label of its auipc, not the target:
 * its value is the low part of what that auipc's PCREL_HI20 computes, which
 * the loader finds in the same relocation section
 * (module_link_find_reloc()), in whatever order the two come.
 *
 * Portable C with no RISC-V instruction executed, so the host tests link it
 * beside the other arches' files and check it.
 */
#include <kernel/elf.h>
#include <kernel/errno.h>
#include <kernel/module_arch.h>

enum {
    R_NONE = 0, R_32 = 1, R_64 = 2, R_BRANCH = 16, R_JAL = 17, R_CALL = 18, R_CALL_PLT = 19,
    R_PCREL_HI20 = 23, R_PCREL_LO12_I = 24, R_PCREL_LO12_S = 25, R_HI20 = 26, R_LO12_I = 27,
    R_LO12_S = 28, R_ALIGN = 43, R_RVC_BRANCH = 44, R_RVC_JUMP = 45, R_RELAX = 51,
    R_32_PCREL = 57,
};

static size_t rv_reloc_bytes(uint32_t type)
{
    switch (type) {
    case R_NONE:
    case R_RELAX:
        return 0;
    case R_64:
    case R_CALL:
    case R_CALL_PLT:
        return 8;
    case R_RVC_BRANCH:
    case R_RVC_JUMP:
        return 2;
    default:
        return 4;
    }
}

static void patch32(uint8_t *loc, uint32_t mask, uint32_t bits)
{
    module_wr(loc, (module_rd32(loc) & ~mask) | (bits & mask), 4);
}

static void patch16(uint8_t *loc, uint16_t mask, uint16_t bits)
{
    uint16_t insn = (uint16_t)(loc[0] | loc[1] << 8);
    module_wr(loc, (uint16_t)((insn & ~mask) | (bits & mask)), 2);
}

/* The upper 20 bits an auipc/lui needs so that adding the sign-extended
 * low 12 gives @p v: (v + 0x800) >> 12. */
static uint32_t hi20(int64_t v) { return (uint32_t)(((uint64_t)v + 0x800) >> 12) << 12; }
static uint32_t lo12(int64_t v) { return (uint32_t)v & 0xfff; }

static uint32_t itype(uint32_t lo) { return lo << 20; }
static uint32_t stype(uint32_t lo) { return (lo >> 5) << 25 | (lo & 0x1f) << 7; }

/* A 32-bit value reaches hi20 + lo12 only if it is a sign-extended 32-bit
 * number (the pair computes in 64 bits, but lui/auipc sign-extend bit 31). */
static int fits_hi_lo(int64_t v) { return v >= INT32_MIN - 0x800LL && v < INT32_MAX - 0x7ffLL; }

static int rv_apply(struct module_linker *l, const struct module_reloc *r)
{
    uint64_t v = r->S + (uint64_t)r->A, P = r->P;
    int64_t pc = (int64_t)(v - P);
    switch (r->type) {
    case R_NONE:
    case R_RELAX:
        return 0;
    case R_64:
        module_wr(r->loc, v, 8);
        return 0;
    case R_32:
        if ((int64_t)v < INT32_MIN || (int64_t)v > (int64_t)UINT32_MAX)
            return module_link_fail(l, -ERANGE, "R_RISCV_32 value %llx does not fit",
                                    (unsigned long long)v);
        module_wr(r->loc, v, 4);
        return 0;
    case R_32_PCREL:
        if (!module_fits_s(pc, 32))
            return module_link_fail(l, -ERANGE, "R_RISCV_32_PCREL out of range");
        module_wr(r->loc, (uint64_t)pc, 4);
        return 0;
    case R_CALL:
    case R_CALL_PLT: /* auipc ra, hi; jalr ra, lo(ra) */
        if (!fits_hi_lo(pc))
            return module_link_fail(l, -ERANGE, "call target %llx out of reach",
                                    (unsigned long long)v);
        patch32(r->loc, 0xfffff000u, hi20(pc));
        patch32(r->loc + 4, 0xfff00000u, itype(lo12(pc)));
        return 0;
    case R_JAL:
        if ((pc & 1) || !module_fits_s(pc, 21))
            return module_link_fail(l, -ERANGE, "jal out of range");
        patch32(r->loc, 0xfffff000u,
                (uint32_t)((pc >> 20) & 1) << 31 | (uint32_t)((pc >> 1) & 0x3ff) << 21 |
                    (uint32_t)((pc >> 11) & 1) << 20 | (uint32_t)((pc >> 12) & 0xff) << 12);
        return 0;
    case R_BRANCH:
        if ((pc & 1) || !module_fits_s(pc, 13))
            return module_link_fail(l, -ERANGE, "branch out of range");
        patch32(r->loc, 0xfe000f80u,
                (uint32_t)((pc >> 12) & 1) << 31 | (uint32_t)((pc >> 5) & 0x3f) << 25 |
                    (uint32_t)((pc >> 1) & 0xf) << 8 | (uint32_t)((pc >> 11) & 1) << 7);
        return 0;
    case R_RVC_BRANCH: /* c.beqz / c.bnez: offset[8|4:3] in 12:10, [7:6|2:1|5] in 6:2 */
        if ((pc & 1) || !module_fits_s(pc, 9))
            return module_link_fail(l, -ERANGE, "compressed branch out of range");
        patch16(r->loc, 0x1c7c,
                (uint16_t)(((pc >> 8) & 1) << 12 | ((pc >> 3) & 3) << 10 | ((pc >> 6) & 3) << 5 |
                           ((pc >> 1) & 3) << 3 | ((pc >> 5) & 1) << 2));
        return 0;
    case R_RVC_JUMP: /* c.j: offset[11|4|9:8|10|6|7|3:1|5] in 12:2 */
        if ((pc & 1) || !module_fits_s(pc, 12))
            return module_link_fail(l, -ERANGE, "compressed jump out of range");
        patch16(r->loc, 0x1ffc,
                (uint16_t)(((pc >> 11) & 1) << 12 | ((pc >> 4) & 1) << 11 | ((pc >> 8) & 3) << 9 |
                           ((pc >> 10) & 1) << 8 | ((pc >> 6) & 1) << 7 | ((pc >> 7) & 1) << 6 |
                           ((pc >> 1) & 7) << 3 | ((pc >> 5) & 1) << 2));
        return 0;
    case R_HI20: /* lui: absolute, medlow */
        if (!fits_hi_lo((int64_t)v))
            return module_link_fail(l, -ERANGE, "R_RISCV_HI20 value %llx does not fit",
                                    (unsigned long long)v);
        patch32(r->loc, 0xfffff000u, hi20((int64_t)v));
        return 0;
    case R_LO12_I:
        patch32(r->loc, 0xfff00000u, itype(lo12((int64_t)v)));
        return 0;
    case R_LO12_S:
        patch32(r->loc, 0xfe000f80u, stype(lo12((int64_t)v)));
        return 0;
    case R_PCREL_HI20:
        if (!fits_hi_lo(pc))
            return module_link_fail(l, -ERANGE, "R_RISCV_PCREL_HI20 target out of reach");
        patch32(r->loc, 0xfffff000u, hi20(pc));
        return 0;
    case R_PCREL_LO12_I:
    case R_PCREL_LO12_S: {
        /* S is the auipc's address; the value is its PCREL_HI20's. */
        struct module_reloc hi;
        if (module_link_find_reloc(l, r->S, R_PCREL_HI20, &hi) != 0)
            return module_link_fail(l, -EINVAL,
                                    "R_RISCV_PCREL_LO12 at %llx names no PCREL_HI20 (at %llx)",
                                    (unsigned long long)P, (unsigned long long)r->S);
        uint32_t lo = lo12((int64_t)(hi.S + (uint64_t)hi.A - hi.P));
        if (r->type == R_PCREL_LO12_I)
            patch32(r->loc, 0xfff00000u, itype(lo));
        else
            patch32(r->loc, 0xfe000f80u, stype(lo));
        return 0;
    }
    }
    return -ENOSYS;
}

const struct module_arch rv64_module_arch = {
    .machine = EM_RISCV,
    .reloc_bytes = rv_reloc_bytes,
    .veneer_bytes = 0,
    .apply = rv_apply,
};
