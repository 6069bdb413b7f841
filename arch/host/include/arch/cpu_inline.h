/**
 * @file arch/cpu_inline.h
 * @brief Host unit tests: the inline part of hal/cpu.h for a process that
 *        plays one CPU.
 */
#ifndef ARCH_HOST_CPU_INLINE_H
#define ARCH_HOST_CPU_INLINE_H

#include <stdint.h>

static inline void hal_cpu_relax(void) {}
static inline uint32_t hal_cpu_id(void) { return 0; }

extern void *host_cpu_local; /* arch/host/host_irq.c: the one CPU's struct cpu */
static inline void *hal_cpu_local(void) { return host_cpu_local; }

/* hal/cpu.h: the host's frame records as x86_64 and aarch64 lay them out. */
#define ARCH_FRAME_RECORD_OFFSET 0

#endif
