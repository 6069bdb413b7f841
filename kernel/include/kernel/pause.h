/**
 * @file kernel/pause.h
 * @brief Waiting a moment for work on other CPUs to drain, from a layer
 *        below the scheduler (a detached eBPF program's last runs).
 *
 * Sleeping is the scheduler's (docs/architecture.md, "Layers inside
 * kernel/"); it lends its sleep from sched_init(). Before that there is one
 * thread and nothing else runs, so a pause is a wait on the clock.
 */
#ifndef KERNEL_PAUSE_H
#define KERNEL_PAUSE_H

#include <stdint.h>

/** @brief Let other threads run for about @p ms milliseconds. @note Thread context. */
void pause_ms(uint64_t ms);

/** @brief Lend pause_ms() the scheduler's sleep (thread_sleep_ns()). @note Any context. */
void pause_set_sleep(void (*sleep_ns)(uint64_t ns));

#endif
