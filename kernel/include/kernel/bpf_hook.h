/**
 * @file kernel/bpf_hook.h
 * @brief Kernel events eBPF programs attach to, and the context each one
 *        passes in r1.
 *
 * A hook site costs one load and a not-taken branch while nothing is
 * attached:
 *
 *     if (bpf_hook_active(BPF_HOOK_IRQ)) {
 *         struct bpf_ctx_irq c = {hal_time_ns(), irq, hal_cpu_id()};
 *         bpf_hook_run(BPF_HOOK_IRQ, &c);
 *     }
 *
 * Programs run where the event happens (a context switch with the run
 * queue locked and interrupts masked, an interrupt handler, a block
 * completion in interrupt or thread context), so they must be quick; the
 * verifier has already proved they end. The context is read-only.
 * Up to BPF_HOOK_SLOTS programs per hook run in the order attached; their
 * results are ignored.
 */
#ifndef KERNEL_BPF_HOOK_H
#define KERNEL_BPF_HOOK_H

#include <stdint.h>

struct bpf_prog;
struct bpf_ctx_desc;

/** @brief The hooks. */
enum bpf_hook_id {
    BPF_HOOK_SCHED_SWITCH, /**< "sched_switch": struct bpf_ctx_sched_switch */
    BPF_HOOK_IRQ,          /**< "irq": struct bpf_ctx_irq, before the handler */
    BPF_HOOK_BLK_COMPLETE, /**< "blk_complete": struct bpf_ctx_blk_complete */
    BPF_HOOK_COUNT,
};

#define BPF_HOOK_SLOTS 4 /**< programs per hook */

/** @brief "sched_switch": the scheduler switches from prev to next. */
struct bpf_ctx_sched_switch {
    uint64_t now_ns;   /**< hal_time_ns() */
    uint32_t prev_tid; /**< thread id switched out */
    uint32_t next_tid; /**< thread id switched in */
    uint32_t cpu;      /**< hal_cpu_id() */
    uint32_t prev_state; /**< enum thread_state of prev (0 running = preempted) */
};

/** @brief "irq": interrupt @c irq arrived and its handler is about to run. */
struct bpf_ctx_irq {
    uint64_t now_ns; /**< hal_time_ns() */
    uint32_t irq; /**< the kernel's interrupt number (`irqs`) */
    uint32_t cpu; /**< hal_cpu_id() */
};

/** @brief "blk_complete": a block request ended. */
struct bpf_ctx_blk_complete {
    uint64_t now_ns;     /**< hal_time_ns() */
    uint64_t lba;        /**< first block */
    uint64_t latency_ns; /**< from submission to the device until now */
    uint32_t count;      /**< blocks */
    uint32_t op;         /**< enum blk_op: 0 read, 1 write, 2 flush */
    int32_t status;      /**< 0 or -EIO, -ETIMEDOUT, -ENODEV */
    uint32_t disk;       /**< the disk's name's first 4 bytes, little-endian ("vda" = 0x616476) */
};

/** @brief Programs attached per hook, for the fast check; read with relaxed loads. */
extern unsigned bpf_hook_count[BPF_HOOK_COUNT];

/** @brief The name of hook @p i (0, 1, ...: `bpf attach <name>`), NULL past the last. */
const char *bpf_hook_name(unsigned i);

/** @brief Whether anything is attached to @p h (one relaxed load). Any context. */
static inline int bpf_hook_active(enum bpf_hook_id h)
{
    return __builtin_expect(__atomic_load_n(&bpf_hook_count[h], __ATOMIC_RELAXED) != 0, 0);
}

/** @brief Run the programs attached to @p h on @p ctx. Any context; never sleeps. */
void bpf_hook_run(enum bpf_hook_id h, const void *ctx);

/**
 * @brief Attach a loaded program to the hook called @p name.
 * @param name "sched_switch", "irq" or "blk_complete"
 * @param prog a program loaded with that hook's context (bpf_hook_ctx());
 *        the hook owns it from now on (bpf_hook_detach() frees it)
 * @param id receives the attachment's id, for `bpf detach`
 * @retval 0 attached
 * @retval -ENOENT no such hook
 * @retval -EINVAL the program was loaded for another context
 * @retval -ENOSPC BPF_HOOK_SLOTS programs already on it
 * @note Thread context.
 */
int bpf_hook_attach(const char *name, struct bpf_prog *prog, unsigned *id);

/**
 * @brief Detach attachment @p id, wait until no CPU is running it, free it.
 * @retval 0 detached; -ENOENT no such attachment
 * @note Thread context; may sleep.
 */
int bpf_hook_detach(unsigned id);

/** @brief The context description programs for hook @p name are loaded with; NULL if none. */
const struct bpf_ctx_desc *bpf_hook_ctx(const char *name);

/** @brief Print the attachments (`bpf list`). Thread context. */
void bpf_hook_list(void);

#endif
