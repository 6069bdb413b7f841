/**
 * @file arch/cpu.h
 * @brief x86_64 MSR, CPUID and TSC instructions, and TSC calibration:
 *        private to arch/x86_64.
 *
 * Drivers never include this (no driver includes an <arch/...> header): what
 * the local APIC driver needs from these registers, the arch does for it
 * through the services declared in arch/x86_64/apic/lapic.h.
 */
#ifndef ARCH_X64_CPU_H
#define ARCH_X64_CPU_H

#include <stdint.h>

#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

/** @brief CPUID leaf @p leaf, subleaf 0: r[0..3] = EAX, EBX, ECX, EDX. */
static inline void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* RDTSC is not ordered against earlier loads; LFENCE makes it so (SDM
 * vol. 2B, RDTSC), which a timestamp taken after a check needs. */
static inline uint64_t rdtsc_ordered(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return (uint64_t)hi << 32 | lo;
}

/**
 * @brief Calibrate the TSC against the HPET (else the PIT), so that
 *        hal_time_ns() and hal_counter_freq() work. Called once by the
 *        platform code before any timestamp or deadline is needed.
 * @note Boot context; busy-waits the calibration window.
 */
void x64_time_init(void);

#endif
