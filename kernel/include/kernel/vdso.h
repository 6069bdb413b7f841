/**
 * @file kernel/vdso.h
 * @brief The vDSO (kernel/user/vdso.c, vdso/): a small shared object built
 *        with the kernel and mapped into every program, whose clock calls
 *        read a data page the kernel keeps current instead of entering the
 *        kernel, and which holds the signal return code.
 *
 * A program's view, from its AT_SYSINFO_EHDR upward: the data page
 * (struct vdso_data, read-only, `[vvar]`), then the image (read and
 * execute, `[vdso]`). The image finds the data page one page below its
 * ELF header.
 */
#ifndef KERNEL_VDSO_H
#define KERNEL_VDSO_H

#include <stdint.h>

/** @brief Clock ids below this may be answered from the data page (struct vdso_data.clock). */
#define VDSO_CLOCKS 8

/** @brief How the data page answers one clock id (struct vdso_data.clock). */
struct vdso_clock {
    uint64_t on;    /**< nonzero: the page answers this clock; 0: its calls make the system call */
    int64_t offset; /**< ns added to monotonic time: wall-clock ns minus monotonic ns for a wall clock, else 0 */
};

/**
 * @brief The data page, shared by the kernel (which writes it) and the vDSO
 *        (which reads it): what hal_time_ns() and the wall clock compute
 *        time from. A reader retries while @c seq is odd or changed.
 *
 * Laid out for the vDSO's fast path: a clock's entry in @c clock says
 * whether the page answers it at all (no clock is on when user mode may
 * not read the counter) and what to add to the counter's monotonic time,
 * so no clock needs a branch of its own.
 */
struct vdso_data {
    uint32_t seq;         /**< odd while the kernel writes the rest */
    uint32_t has_wall;    /**< an RTC set the wall clock: realtime = monotonic + the wall clock's offset */
    uint64_t counter0;    /**< the counter value at which monotonic time is @c ns0 */
    uint64_t ns0;         /**< monotonic ns at @c counter0 */
    uint64_t freq;        /**< the counter's Hz (tickconv.h's arithmetic) */
    uint64_t ns_per_tick; /**< tickconv_ns_per_tick(freq) */
    uint64_t mult;        /**< x86_64: ns = ((ticks * mult) >> shift), saturating */
    uint64_t shift;       /**< x86_64: see @c mult (1 to 64) */
    struct vdso_clock clock[VDSO_CLOCKS]; /**< by clock id */
};

struct uspace;
struct uregion;

/**
 * @brief Map the data page and the image into @p us below @p below (the
 *        highest free range there); the image's address in *@p base and
 *        its signal return code's in *@p sigreturn.
 * @retval 0, -ENOMEM
 */
int vdso_map(struct uspace *us, uintptr_t below, uintptr_t *base, uintptr_t *sigreturn);
/** @brief "[vdso]" or "[vvar]" for the regions vdso_map() made (and what fork copied of them), else NULL. */
const char *vdso_region_name(const struct uregion *r);

#endif
