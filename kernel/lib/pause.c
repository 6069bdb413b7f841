/**
 * @file pause.c
 * @brief pause_ms(): the scheduler's sleep once it lent it, a wait on the
 *        clock before (kernel/pause.h).
 */
#include <hal/cpu.h>
#include <hal/timer.h>
#include <kernel/pause.h>

static void (*sleep_fn)(uint64_t ns);

void pause_set_sleep(void (*sleep_ns)(uint64_t ns)) { __atomic_store_n(&sleep_fn, sleep_ns, __ATOMIC_RELEASE); }

void pause_ms(uint64_t ms)
{
    void (*sleep)(uint64_t) = __atomic_load_n(&sleep_fn, __ATOMIC_ACQUIRE);
    if (sleep) {
        sleep(ms * 1000000ull);
        return;
    }
    uint64_t end = hal_time_ns() + ms * 1000000ull;
    while (hal_time_ns() < end)
        hal_cpu_relax();
}
