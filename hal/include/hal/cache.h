/**
 * @file hal/cache.h
 * @brief Cache maintenance the portable kernel needs: making freshly written
 *        code executable, and cleaning / invalidating data for DMA with
 *        devices that do not snoop the CPU caches.
 *
 * Two clients, two problems:
 *
 *  - **Generated code** (the JIT, module loader). Instructions are fetched
 *    through an instruction cache that, on aarch64, is not kept coherent
 *    with data stores: bytes just written sit in the D-cache while the
 *    I-cache may still hold the old contents of those addresses. Code
 *    written as data becomes executable only after hal_icache_sync().
 *    x86_64 snoops its instruction caches, but the pipeline may already have
 *    fetched and decoded old bytes, so it still needs a synchronising step.
 *  - **DMA with non-coherent devices.** A device that does not snoop reads
 *    RAM, not the CPU's dirty lines, and the CPU may keep reading stale lines
 *    after the device wrote RAM. The DMA layer (kernel/dma.h) calls the
 *    hal_dcache_* operations around each transfer for devices whose DT node
 *    lacks `dma-coherent`; drivers call dma_sync_for_device() /
 *    dma_sync_for_cpu(). Calling these directly is for memory a device
 *    reads outside the DMA API's buffers' model, such as an interrupt
 *    controller's tables when it reports them non-shareable.
 *
 * Line sizes are read from the hardware (aarch64 CTR_EL0, x86_64 CPUID),
 * never assumed. Every function here is ISR-safe, never sleeps, never
 * allocates, and takes no lock. The range must be mapped for the duration
 * of the call (readable for the clean and icache operations, writable for
 * the invalidate); an unmapped byte faults like any other access.
 *
 * Scope: the operations act "by virtual address to the point of coherency
 * (DMA) or unification (code)". On aarch64 these are broadcast in the
 * inner-shareable domain (all CPUs of the system), so no IPI is needed to
 * reach other CPUs' caches; each CPU that may execute the new code must
 * still pass a context synchronisation event (an exception return, or the
 * `isb` hal_icache_sync() ends with on the calling CPU) before it runs it.
 */

/**
 * @defgroup hal_cache HAL: cache
 * @brief What an architecture provides for hal/cache.h. Required: all six functions.
 * @{
 */
#ifndef HAL_CACHE_H
#define HAL_CACHE_H

#include <stddef.h>

/**
 * @brief Make the instructions just written at [@p addr, @p addr + @p len)
 *        visible to instruction fetch on this CPU.
 *
 * Call it after the last write and after sealing the memory executable
 * (vm_protect(.., MMU_EXEC), kernel/vm.h), before the first call into the code.
 * aarch64 (Arm ARM DDI 0487, B2.4.4 "Implication of caches for the
 * application programmer", and the CTR_EL0 description in D19): `dc cvau`
 * over the range by CTR_EL0.DminLine, `dsb ish`, `ic ivau` by
 * CTR_EL0.IminLine, `dsb ish`, `isb`; the clean is skipped when
 * CTR_EL0.IDC says the D-cache need not be cleaned to the point of
 * unification, the invalidate when CTR_EL0.DIC says the I-cache is coherent.
 * x86_64 (SDM vol. 3A, "Handling Self- and Cross-Modifying Code", 8.1.3 in
 * older editions, and "Self-Modifying Code", 11.6): a serializing
 * instruction (CPUID). A jump alone suffices only when the code is written
 * through the linear address it runs at; the processor checks prefetched
 * instructions against stores by linear address, so code written through
 * another mapping (a writable alias, the direct map) needs the serializing
 * step, and this function always takes it.
 *
 * The maintenance reaches every CPU's caches (inner shareable); other CPUs
 * about to run the code must still take an exception return or an `isb`.
 *
 * @param addr first byte of the code, at the address it will run at (the
 *        I-cache is invalidated by that address; any alignment)
 * @param len bytes; 0 does nothing
 * @retval 0 done
 * @retval -EINVAL @p addr is NULL with @p len > 0, or the range wraps
 * @note ISR-safe, never sleeps. The range must be mapped readable.
 */
int hal_icache_sync(const void *addr, size_t len);

/**
 * @brief Write dirty data cache lines covering [@p addr, @p addr + @p len)
 *        back to RAM (the point of coherency), keeping them cached.
 *
 * Before a non-coherent device reads the buffer. aarch64: `dc cvac` by
 * CTR_EL0.DminLine, then `dsb sy`. x86_64: DMA is cache-coherent (the
 * caches snoop bus-master accesses), so this is only a compiler barrier;
 * `clflush` would do it for a non-snooping agent, should one ever appear.
 * @retval 0 done
 * @retval -EINVAL NULL with @p len > 0, or the range wraps
 * @note ISR-safe, never sleeps. The range must be mapped readable.
 */
int hal_dcache_clean(const void *addr, size_t len);

/**
 * @brief Discard the data cache lines covering [@p addr, @p addr + @p len),
 *        so later reads come from RAM (what a device wrote).
 *
 * Lines only partly inside the range are cleaned and invalidated instead
 * (their other bytes belong to someone else and may be dirty). A device
 * must not write a line the CPU also writes during the transfer: give DMA
 * buffers their own lines (dma_alloc() buffers are page-aligned).
 * aarch64: `dc ivac` (partial lines: `dc civac`), then `dsb sy`. x86_64:
 * a compiler barrier (coherent DMA, see hal_dcache_clean()).
 * @retval 0 done
 * @retval -EINVAL NULL with @p len > 0, or the range wraps
 * @note ISR-safe, never sleeps. The range must be mapped writable.
 */
int hal_dcache_inval(void *addr, size_t len);

/**
 * @brief Clean, then invalidate, the lines covering [@p addr, @p addr + @p len):
 *        RAM gets the CPU's data and the CPU's next read comes from RAM.
 *
 * For buffers both sides write (DMA_BIDIRECTIONAL): the device gets the
 * CPU's data, and no line is left to be evicted later over what it writes.
 * aarch64: `dc civac`, then `dsb sy`. x86_64: a compiler barrier.
 * @retval 0 done
 * @retval -EINVAL NULL with @p len > 0, or the range wraps
 * @note ISR-safe, never sleeps. The range must be mapped readable.
 */
int hal_dcache_clean_inval(void *addr, size_t len);

/**
 * @brief The smallest data cache line the maintenance operations act on, in
 *        bytes (aarch64: 4 << CTR_EL0.DminLine; x86_64: CPUID.01H:EBX[15:8]
 *        * 8, the CLFLUSH line size). A power of two.
 * @note ISR-safe.
 */
size_t hal_dcache_line_size(void);

/**
 * @brief The smallest instruction cache line, in bytes (aarch64:
 *        4 << CTR_EL0.IminLine; x86_64: the CLFLUSH line size, as x86 does
 *        not report one separately). A power of two.
 * @note ISR-safe.
 */
size_t hal_icache_line_size(void);

/** @} */

#endif
