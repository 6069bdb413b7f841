/**
 * @file kernel/bootprof.h
 * @brief Where boot time goes: named stages stamped on the way to the prompt.
 *
 * kmain (and anything before it) calls boot_stage("name") when a stage
 * ends; `bootinfo --profile` prints each stage with its length and its end
 * time since the kernel's first instruction, the same clock as log stamps.
 * Stamping costs one counter read and a store, so it stays on in every build.
 */
#ifndef KERNEL_BOOTPROF_H
#define KERNEL_BOOTPROF_H

#include <stdint.h>

#define BOOT_STAGES_MAX 32 /**< stages kept; later ones are counted, not kept */

/** @brief One stage: its name and the time it ended, in us since the first instruction. */
struct boot_stage_rec {
    const char *name; /**< kept by pointer: pass a string literal */
    uint64_t end_us;  /**< when it ended, us since the first instruction */
};

/**
 * @brief Record that stage @p name ended now. Call in boot order; any context,
 *        no allocation, no lock (boot runs on one CPU).
 */
void boot_stage(const char *name);

/** @brief The stages recorded so far; *@p n receives their count. */
const struct boot_stage_rec *boot_stages(unsigned *n);

/**
 * @brief @p ticks of the arch's counter (hal_counter()) in microseconds,
 *        without overflow for any count; 0 while its rate is unknown.
 */
uint64_t counter_ticks_us(uint64_t ticks);

/** @brief Print every stage: start, length and share of the total (for `bootinfo --profile`). */
void boot_profile_print(void);

#endif
