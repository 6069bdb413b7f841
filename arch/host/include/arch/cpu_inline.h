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

#endif
