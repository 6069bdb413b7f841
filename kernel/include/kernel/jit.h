/**
 * @file kernel/jit.h
 * @brief Code memory: the one way to make executable memory after boot.
 *
 * Every code generator (the module loader, the eBPF JITs) goes through it:
 *
 *     struct jit_region *r = jit_alloc(size, "bpf");  // writable, not executable
 *     memcpy(jit_base(r), code, n);                    // write the code
 *     jit_add_symbol(r, "bpf:count", 0, n);            // name it for faults
 *     jit_seal(r);                                     // read+execute, icache synced
 *     ((fn)jit_base(r))(...);
 *     jit_free(r);                                     // unmapped, TLB flushed
 *
 * W^X holds at every moment: a region is mapped read+write and
 * non-executable while it is written, and becomes read+execute (never
 * writable) when sealed; no other mapping of its pages is executable (the
 * direct map never is). jit_protect() gives parts of a region other
 * permissions (a module's rodata R, data RW+NX) and refuses write+execute.
 *
 * Regions live in the module area, within direct-branch range of kernel
 * text (ARCH_MODULE_BASE, ARCH_MODULE_SIZE in <arch/memlayout.h>): x86_64
 * `call rel32` (+-2 GiB) and aarch64 `bl` (+-128 MiB) reach the kernel
 * from any of it. Each region has an unmapped guard page after it.
 *
 * Symbols registered with jit_add_symbol() are what ksym_lookup() answers
 * for addresses inside the region, so panics and backtraces print
 * "bpf:count+0x1c" or "hello:hello_init+0x8".
 *
 * In the host preset the same interface is mmap()/mprotect()
 * (arch/host/host_jit.c), so JIT backends are unit-tested there.
 */
#ifndef KERNEL_JIT_H
#define KERNEL_JIT_H

#include <stddef.h>
#include <stdint.h>

struct jit_region;

/**
 * @brief Reserve @p size bytes (rounded up to pages) of code memory, mapped
 *        read+write, non-executable, zeroed.
 * @param size bytes, > 0
 * @param owner who it is for (for `lsmod`/`mem` and error messages)
 * @return the region, or NULL (size 0 or absurd, no address space, no memory; logged)
 * @note Thread context.
 */
struct jit_region *jit_alloc(size_t size, const char *owner);

/** @brief The region's first byte: where its code runs. */
void *jit_base(const struct jit_region *r);

/** @brief The region's size in bytes (a multiple of the page size). */
size_t jit_size(const struct jit_region *r);

/**
 * @brief Set the permissions of [off, off + len) of the region (page-aligned).
 * @param r the region
 * @param off first byte, a multiple of the page size
 * @param len bytes, a multiple of the page size
 * @param prot MMU_WRITE, MMU_EXEC (hal/mmu.h) or 0 (read-only)
 * @retval 0 done (TLB flushed; for MMU_EXEC, the instruction cache synced)
 * @retval -EPERM MMU_WRITE together with MMU_EXEC
 * @retval -EINVAL not page-aligned, or outside the region
 * @note Thread context.
 */
int jit_protect(struct jit_region *r, size_t off, size_t len, unsigned prot);

/** @brief Make the whole region read+execute and sync the instruction cache. @return jit_protect()'s */
int jit_seal(struct jit_region *r);

/**
 * @brief Name [off, off + size) of the region @p name ("bpf:count",
 *        "hello:hello_init"), for ksym_lookup() and so for every fault report.
 * @retval 0 added
 * @retval -ENOMEM no memory for it
 * @retval -EINVAL outside the region
 * @note Thread context. The name is copied.
 */
int jit_add_symbol(struct jit_region *r, const char *name, size_t off, size_t size);

/**
 * @brief Unmap the region (TLB flushed everywhere), free its pages and
 *        forget its symbols. NULL is ignored.
 * @note Thread context. Nobody may be running its code.
 */
void jit_free(struct jit_region *r);

/**
 * @brief The symbol covering @p addr in a live region, or NULL.
 * @param addr any address
 * @param offset receives @p addr minus the symbol's start
 * @note Any context (fault handlers call it); takes no lock that a fault
 *       could be holding.
 */
const char *jit_sym_lookup(uintptr_t addr, uintptr_t *offset);

/** @brief Whether @p addr lies in a live region (symbol or not). Any context. */
int jit_contains(uintptr_t addr);

#endif
