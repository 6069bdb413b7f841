/**
 * @file hal/context.h
 * @brief Switching kernel threads: each arch's context.S.
 *
 * A switched-out thread is just its stack pointer: hal_context_switch()
 * pushes the callee-saved registers (the C ABI says the rest are already
 * dead at a call) and the return address on the old stack, stores SP, loads
 * the new one and pops. Interrupt state is not part of the context: the
 * scheduler switches with interrupts masked, and each thread restores its
 * own flags when it returns from schedule().
 */

/**
 * @defgroup hal_context HAL: context
 * @brief What an architecture provides for hal/context.h. Required: both functions.
 * @{
 */
#ifndef HAL_CONTEXT_H
#define HAL_CONTEXT_H

/**
 * @brief Save the running context, storing its stack pointer in *@p save_sp,
 *        and resume the one whose stack pointer is @p new_sp.
 *        Returns when something switches back to *@p save_sp.
 * @param save_sp where the outgoing thread's stack pointer is stored
 * @param new_sp a stack pointer stored by an earlier switch or returned by
 *        hal_context_init()
 * @note Scheduler only: thread context with interrupts masked and the run
 *       queue lock held by the caller; this CPU only. Touches no memory but
 *       the two stacks and *@p save_sp, so it needs no lock of its own.
 */
void hal_context_switch(void **save_sp, void *new_sp);

/**
 * @brief Prepare a fresh stack so that switching to the returned stack
 *        pointer calls @p entry(@p arg) (which must never return).
 * @param stack_top one past the highest byte, 16-byte aligned
 * @param entry the thread's first function, entered with interrupts masked
 *        as hal_context_switch() left them (the scheduler's thread start
 *        code unmasks)
 * @param arg passed to @p entry unchanged
 * @return the stack pointer to pass to hal_context_switch()
 * @note Any context; writes only below @p stack_top; no allocation.
 */
void *hal_context_init(void *stack_top, void (*entry)(void *), void *arg);

/** @} */

#endif
