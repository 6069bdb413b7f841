/**
 * @file host_time.c
 * @brief hal_time_ns() for host programs that need a real clock (the eBPF
 *        core's ktime helper): CLOCK_MONOTONIC.
 */
#define _POSIX_C_SOURCE 200809L
#include <hal/timer.h>
#include <time.h>

uint64_t hal_time_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
