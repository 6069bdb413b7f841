/**
 * @file kernel/module_arch.h
 * @brief What an architecture gives the module loader: its ELF machine and
 *        its relocations (arch/\<arch\>/module_reloc.c).
 *
 * The loader (kernel/module/module.c) is portable: it checks the object,
 * lays it out, resolves symbols and walks the relocations, checking each
 * one's offset and its room in the section. What a relocation type means is
 * the architecture's: how many bytes it patches, whether a branch may need
 * a veneer (a stub within reach that jumps anywhere), and the patch itself.
 * Each architecture describes that in one `struct module_arch` and names it
 * ARCH_MODULE_RELOC in its <arch/memlayout.h>; the kernel loads modules for
 * that one. The host tests and fuzzers link every architecture's file and
 * hand the loader either, so each arch's relocations are tested on the
 * host. An architecture without one (no ARCH_MODULE_RELOC) loads no modules:
 * modload says so.
 */
#ifndef KERNEL_MODULE_ARCH_H
#define KERNEL_MODULE_ARCH_H

#include <hal/mmu.h> /* <arch/memlayout.h>: ARCH_MODULE_RELOC */
#include <stddef.h>
#include <stdint.h>

/** @brief The loader's state while it links one module (module.c's own). */
struct module_linker;

/** @brief One relocation, checked by the loader, for the arch to apply. */
struct module_reloc {
    uint32_t type; /**< ELF64_R_TYPE */
    uint8_t *loc;  /**< the bytes to patch, in the image being built */
    uint64_t P;    /**< the run address of @p loc */
    uint64_t S;    /**< the symbol's run address */
    int64_t A;     /**< the addend */
    int external;  /**< the symbol is outside the module (resolved from the kernel) */
};

/** @brief An architecture's part of module loading. */
struct module_arch {
    uint16_t machine;   /**< the ELF e_machine it loads (EM_*) */
    /** Bytes a relocation of @p type patches: 0 for one that writes nothing
     *  (NONE); 4 for a type it does not know (apply() refuses it). */
    size_t (*reloc_bytes)(uint32_t type);
    /** Bytes of one veneer (0: the arch needs none, and the two below are NULL). */
    size_t veneer_bytes;
    /** Nonzero for a relocation that may need a veneer (the layout keeps one per such relocation). */
    int (*needs_veneer)(uint32_t type);
    /** Write a veneer that jumps to @p target at @p at (position-independent:
     *  the same bytes for the same target, so the loader shares them). */
    void (*write_veneer)(uint8_t *at, uint64_t target);
    /**
     * Patch @p r->loc, which has room for reloc_bytes(r->type).
     * @retval 0 done
     * @retval -ENOSYS a type this arch does not apply (the loader says so)
     * @retval other an error already described with module_link_fail()
     */
    int (*apply)(struct module_linker *l, const struct module_reloc *r);
};

/** @brief Fail the link with a message for the caller's log; returns @p err. */
__attribute__((format(printf, 3, 4))) int module_link_fail(struct module_linker *l, int err,
                                                           const char *fmt, ...);

/** @brief The run address of a veneer that jumps to @p target (shared per target). */
uint64_t module_link_veneer(struct module_linker *l, uint64_t target);

/**
 * @brief The relocation of @p type at run address @p P in the relocation
 *        section being applied, resolved (its S, A and P; loc NULL): for a
 *        relocation whose value is another's, as RISC-V's PCREL_LO12 takes
 *        the PCREL_HI20 at the auipc its symbol names (lld does the same).
 *        Order-independent; O(entries in the section).
 * @retval 0 found, @p out filled
 * @retval -ENOENT no such relocation in this section
 */
int module_link_find_reloc(struct module_linker *l, uint64_t P, uint32_t type,
                           struct module_reloc *out);

/** @brief Nonzero if every call out of the module goes through a veneer
 *         (module_opts.force_veneers: tests of the veneers). */
int module_link_force_veneers(const struct module_linker *l);

/** @brief Little-endian field access for apply(): @p p may be unaligned. */
static inline uint32_t module_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/** @brief Store @p v little-endian in @p n bytes at @p p (any alignment). */
static inline void module_wr(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/** @brief Nonzero if @p v fits a signed field of @p bits bits. */
static inline int module_fits_s(int64_t v, unsigned bits)
{
    return v >= -(1LL << (bits - 1)) && v < (1LL << (bits - 1));
}

#ifdef ARCH_MODULE_RELOC
/** @brief This kernel's architecture's (named in <arch/memlayout.h>). */
extern const struct module_arch ARCH_MODULE_RELOC;
#endif

#endif
