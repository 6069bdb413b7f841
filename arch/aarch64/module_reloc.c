/**
 * @file module_reloc.c
 * @brief AArch64's relocations for the module loader (kernel/module_arch.h),
 *        as the Arm ELF ABI (AAELF64) defines them: absolute and PC-relative
 *        data, ADR/ADRP pages with their LO12 adds and loads, MOVW groups,
 *        and the branches. A B/BL reaches ±128 MiB: a target further away
 *        (or any call out of the module when the tests force it) goes
 *        through a veneer, `ldr x16, #8; br x16; .quad target`, which the
 *        AAPCS64 allows (x16 is IP0, free to clobber across a call).
 *
 * Portable C with no A64 instruction executed, so the host tests link it
 * beside x86_64's and check both.
 */
#include <kernel/elf.h>
#include <kernel/errno.h>
#include <kernel/module_arch.h>

static size_t a64_reloc_bytes(uint32_t type)
{
    if (type == 0 || type == 256) /* NONE */
        return 0;
    return type == 257 || type == 260 ? 8 : type == 259 || type == 262 ? 2 : 4;
}

static int a64_is_branch26(uint32_t type) { return type == 282 || type == 283; } /* JUMP26, CALL26 */

static void a64_write_veneer(uint8_t *at, uint64_t target)
{
    module_wr(at, 0x58000050u, 4);     /* ldr x16, #8 */
    module_wr(at + 4, 0xd61f0200u, 4); /* br x16 */
    module_wr(at + 8, target, 8);
}

/* Put @p bits (already shifted into place) into the instruction at @p loc under @p mask. */
static void patch(uint8_t *loc, uint32_t mask, uint32_t bits)
{
    module_wr(loc, (module_rd32(loc) & ~mask) | (bits & mask), 4);
}

static int a64_apply(struct module_linker *l, const struct module_reloc *r)
{
    uint64_t v = r->S + (uint64_t)r->A, P = r->P;
    uint32_t type = r->type;
    int64_t pc = (int64_t)(v - P);
    switch (type) {
    case 0:
    case 256: /* NONE */
        return 0;
    case 257: /* ABS64 */
        module_wr(r->loc, v, 8);
        return 0;
    case 258: /* ABS32 */
        if ((int64_t)v < INT32_MIN || (int64_t)v > (int64_t)UINT32_MAX)
            return module_link_fail(l, -ERANGE, "ABS32 value %llx does not fit", (unsigned long long)v);
        module_wr(r->loc, v, 4);
        return 0;
    case 259: /* ABS16 */
        if ((int64_t)v < INT16_MIN || (int64_t)v > (int64_t)UINT16_MAX)
            return module_link_fail(l, -ERANGE, "ABS16 value %llx does not fit", (unsigned long long)v);
        module_wr(r->loc, v, 2);
        return 0;
    case 260: /* PREL64 */
        module_wr(r->loc, (uint64_t)pc, 8);
        return 0;
    case 261: /* PREL32 */
        if (!module_fits_s(pc, 32))
            return module_link_fail(l, -ERANGE, "PREL32 out of range");
        module_wr(r->loc, (uint64_t)pc, 4);
        return 0;
    case 262: /* PREL16 */
        if (!module_fits_s(pc, 16))
            return module_link_fail(l, -ERANGE, "PREL16 out of range");
        module_wr(r->loc, (uint64_t)pc, 2);
        return 0;
    case 274:   /* ADR_PREL_LO21 */
    case 275:   /* ADR_PREL_PG_HI21 */
    case 276: { /* ADR_PREL_PG_HI21_NC */
        int64_t imm = type == 274 ? pc : (int64_t)((v & ~0xfffULL) - (P & ~0xfffULL)) >> 12;
        if (type != 276 && !module_fits_s(imm, 21))
            return module_link_fail(l, -ERANGE, "ADR/ADRP target out of range");
        patch(r->loc, 0x60ffffe0u, ((uint32_t)imm & 3) << 29 | (((uint32_t)imm >> 2) & 0x7ffff) << 5);
        return 0;
    }
    case 277: /* ADD_ABS_LO12_NC */
    case 278: /* LDST8_ABS_LO12_NC */
    case 284: /* LDST16 */
    case 285: /* LDST32 */
    case 286: /* LDST64 */
    case 299: { /* LDST128 */
        unsigned shift = type == 284 ? 1 : type == 285 ? 2 : type == 286 ? 3 : type == 299 ? 4 : 0;
        uint32_t lo = (uint32_t)v & 0xfff;
        if (lo & ((1u << shift) - 1))
            return module_link_fail(l, -ERANGE, "misaligned %u-byte access in a LO12 relocation", 1u << shift);
        patch(r->loc, 0x003ffc00u, (lo >> shift) << 10);
        return 0;
    }
    case 282:   /* JUMP26 */
    case 283: { /* CALL26 */
        if ((r->external && module_link_force_veneers(l)) || !module_fits_s(pc, 28)) {
            pc = (int64_t)(module_link_veneer(l, v) - P);
            if (!module_fits_s(pc, 28))
                return module_link_fail(l, -ERANGE, "branch veneer out of range");
        }
        if (pc & 3)
            return module_link_fail(l, -ERANGE, "misaligned branch target");
        patch(r->loc, 0x03ffffffu, (uint32_t)(pc >> 2));
        return 0;
    }
    case 280: /* CONDBR19 */
        if ((pc & 3) || !module_fits_s(pc, 21))
            return module_link_fail(l, -ERANGE, "conditional branch out of range");
        patch(r->loc, 0x00ffffe0u, (uint32_t)(pc >> 2) << 5);
        return 0;
    case 279: /* TSTBR14 */
        if ((pc & 3) || !module_fits_s(pc, 16))
            return module_link_fail(l, -ERANGE, "test-and-branch out of range");
        patch(r->loc, 0x0007ffe0u, (uint32_t)(pc >> 2) << 5);
        return 0;
    case 263: case 264: case 265: case 266: case 267: case 268: case 269: { /* MOVW_UABS_G0..G3 */
        unsigned g = (type - 263) / 2; /* 263 G0, 264 G0_NC, 265 G1, 266 G1_NC, 267 G2, 268 G2_NC, 269 G3 */
        int check = (type - 263) % 2 == 0 && type != 269;
        if (check && g < 3 && (v >> (16 * (g + 1))) != 0)
            return module_link_fail(l, -ERANGE, "MOVW_UABS_G%u value %llx does not fit", g,
                                    (unsigned long long)v);
        patch(r->loc, 0x001fffe0u, (uint32_t)((v >> (16 * g)) & 0xffff) << 5);
        return 0;
    }
    }
    return -ENOSYS;
}

const struct module_arch a64_module_arch = {
    .machine = EM_AARCH64,
    .reloc_bytes = a64_reloc_bytes,
    .veneer_bytes = 16,
    .needs_veneer = a64_is_branch26,
    .write_veneer = a64_write_veneer,
    .apply = a64_apply,
};
