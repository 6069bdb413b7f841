/**
 * @file kernel/asid.h
 * @brief Which ASID (PCID) a CPU loads a user address space with, and
 *        whether that ASID's old TLB entries must go first.
 *
 * A TLB whose entries carry an address-space identifier can keep several
 * spaces' translations at once, so a switch between processes need not
 * flush. Each CPU hands out its own ASIDs (1 .. ASID_SLOTS_MAX; 0 is no user
 * space) to the spaces it runs, least recently used first out, and
 * remembers for each which space holds it and how far that space's changes
 * had gone (struct vm_aspace's tlb_gen) when this CPU last flushed or
 * loaded it. No ASID is shared between CPUs, so none needs a kernel-wide
 * allocator, a generation rollover or a broadcast flush: a CPU's entries
 * under an ASID are only ever its own (aarch64 TTBR0.CnP = 0 keeps them
 * private to the PE; RISC-V harts and x86 logical processors keep theirs).
 *
 * Correctness rests on two rules. An ASID given to another space is
 * flushed before the new space is walked under it. And a space changed
 * (an entry unmapped or its rights cut) while this CPU was not running it
 * is flushed when this CPU loads it again: every such change bumps the
 * space's tlb_gen after the change and before any shoot-down, so a CPU
 * either sees the new count (and flushes) or was running the space and
 * gets the shoot-down.
 *
 * Pure bookkeeping (no hardware access): the scheduler calls asid_pick()
 * with interrupts masked and passes the answer to hal_uspace_switch(); the
 * host test (tests/host/test_asid.c) checks it against a model.
 */
#ifndef KERNEL_ASID_H
#define KERNEL_ASID_H

#include <stdint.h>

/** @brief ASIDs a CPU hands out at most, even where the hardware has more. */
#define ASID_SLOTS_MAX 16

/** @brief One CPU's ASIDs: slot i is ASID i + 1. */
struct asid_cpu {
    struct {
        uint64_t id;   /**< the space (vm_aspace.id) that holds it; 0: none yet */
        uint64_t gen;  /**< that space's tlb_gen when this CPU last flushed or loaded it */
        uint64_t used; /**< when it was last loaded (the CPU's own count) */
    } slot[ASID_SLOTS_MAX]; /**< what each ASID holds */
    unsigned nslots;   /**< ASIDs in use here: 0 means the CPU tags nothing */
    uint64_t clock;    /**< loads so far, for `used` */
    uint64_t hits;     /**< loads that kept the ASID's entries */
    uint64_t flushes;  /**< loads that flushed them (another space, or a change) */
};

/**
 * @brief Set up @p c for a CPU that tags its TLB with @p hw_asids
 *        identifiers (0 .. hw_asids - 1); 0 or 1 means none, and every
 *        load flushes.
 */
void asid_cpu_init(struct asid_cpu *c, unsigned hw_asids);

/**
 * @brief The ASID to load space @p id (nonzero) with on the CPU of @p c,
 *        whose changes are counted up to @p gen; sets *@p flush when the
 *        ASID's entries must be dropped first: it held another space, or
 *        this one changed since, or the CPU has no ASIDs (then 0 is
 *        returned).
 * @note Interrupts masked (the CPU's own state); never allocates.
 */
unsigned asid_pick(struct asid_cpu *c, uint64_t id, uint64_t gen, int *flush);

/** @brief A fresh, never reused space identifier for vm_aspace.id (nonzero). */
uint64_t asid_new_space_id(void);

#endif
