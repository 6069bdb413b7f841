/**
 * @file kernel/thread_plug.h
 * @brief struct thread_plug alone, for the block layer's plug to embed
 *        without pulling in the scheduler's header (and the HAL under it)
 *        where a host build of the block layer's parsers reads block.h.
 */
#ifndef KERNEL_THREAD_PLUG_H
#define KERNEL_THREAD_PLUG_H

/**
 * @brief Work a thread holds back until it would wait (a block plug:
 *        kernel/block.h): the layer that holds it sets thread->plug, and
 *        the scheduler calls flush() before the thread blocks, sleeps,
 *        yields (@p exiting 0) or exits (@p exiting 1), so that a thread
 *        never waits for work it holds itself. The scheduler names no
 *        function of that layer (docs/architecture.md, "Layers inside
 *        kernel/"), as Linux's schedule() reaches blk_flush_plug() through
 *        current->plug.
 */
struct thread_plug {
    void (*flush)(struct thread_plug *plug, int exiting); /**< send what is held; thread context */
};

#endif
