/**
 * @file test_ktimer.c
 * @brief Kernel timers against a fake clock and a fake one-shot deadline:
 *        callbacks in deadline order (ties in arming order), re-arming,
 *        cancelling, arming from a callback, the hardware deadline always
 *        tracking the earliest timer; with two fake CPUs, a timer moving
 *        to the CPU that re-arms it and cancelled from the other one.
 */
#include "check.h"
#include "log_capture.h" /* klog(), log_reset(), log_has() */
#include <kernel/kernel.h>
#include <hal/cpu.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/ktimer.h>

const char *ksym_name(uintptr_t addr, char *buf, size_t size)
{
    snprintf(buf, size, "%#lx", (unsigned long)addr);
    return buf;
}

/* Two fake CPUs, each with its queue and its deadline; `cur` is the one
 * "running". Most tests stay on CPU 0. */
static unsigned cur;
static struct ktimer_base bases[2];
static uint64_t now_ns, hw_deadline_of[2];
static int hw_armed_of[2], hw_disarms;
#define hw_deadline hw_deadline_of[cur]
#define hw_armed hw_armed_of[cur]

struct ktimer_base *ktimer_base_this(void) { return &bases[cur]; }
struct ktimer_base *ktimer_base_at(unsigned i) { return i < 2 ? &bases[i] : NULL; }

uint64_t hal_time_ns(void) { return now_ns; }
void hal_timer_arm(uint64_t d) { hw_deadline = d; hw_armed = 1; }
void hal_timer_disarm(void) { hw_armed = 0; hw_disarms++; }

/* Advance the fake clock, delivering the "interrupt" whenever the armed
 * deadline passes, as the hardware would. */
static void run_until(uint64_t t)
{
    while (hw_armed && hw_deadline <= t) {
        if (hw_deadline > now_ns)
            now_ns = hw_deadline;
        hw_armed = 0;
        ktimer_interrupt();
    }
    now_ns = t;
}

static int log_[64], nlog;

static void record(struct ktimer *t, void *arg)
{
    (void)t;
    log_[nlog++] = (int)(intptr_t)arg;
}

static void test_order(void)
{
    struct ktimer t[6];
    uint64_t when[6] = {500, 100, 300, 300, 200, 100};
    nlog = 0;
    for (int i = 0; i < 6; i++) {
        ktimer_init(&t[i], record, (void *)(intptr_t)i);
        CHECK_EQ_INT(ktimer_arm(&t[i], when[i]), 0);
    }
    CHECK_EQ_INT(ktimer_pending(), 6);
    CHECK(hw_armed && hw_deadline == 100);
    run_until(250);
    CHECK_EQ_INT(nlog, 3);
    CHECK_EQ_INT(log_[0], 1); /* 100, armed before 5 */
    CHECK_EQ_INT(log_[1], 5);
    CHECK_EQ_INT(log_[2], 4);
    CHECK(hw_armed && hw_deadline == 300);
    run_until(1000);
    CHECK_EQ_INT(nlog, 6);
    CHECK_EQ_INT(log_[3], 2);
    CHECK_EQ_INT(log_[4], 3);
    CHECK_EQ_INT(log_[5], 0);
    CHECK(!hw_armed);
    CHECK_EQ_INT(ktimer_pending(), 0);
}

static void test_cancel_and_rearm(void)
{
    struct ktimer a, b;
    nlog = 0;
    now_ns = 1000;
    ktimer_init(&a, record, (void *)1);
    ktimer_init(&b, record, (void *)2);
    ktimer_arm(&a, 1100);
    ktimer_arm(&b, 1200);
    CHECK_EQ_INT(ktimer_cancel(&a), 1);
    CHECK_EQ_INT(ktimer_cancel(&a), 0);
    CHECK(hw_deadline == 1200); /* the head moved */
    ktimer_arm(&b, 1050);        /* re-arming moves it, no duplicate */
    CHECK_EQ_INT(ktimer_pending(), 1);
    CHECK(hw_deadline == 1050);
    run_until(2000);
    CHECK_EQ_INT(nlog, 1);
    CHECK_EQ_INT(log_[0], 2);
    CHECK_EQ_INT(ktimer_cancel(&b), 0); /* already fired */
    struct ktimer bad;
    ktimer_init(&bad, NULL, NULL);
    CHECK_EQ_INT(ktimer_arm(&bad, 5), -EINVAL);
}

/* A periodic timer: the callback re-arms itself. */
static int ticks;
static void periodic(struct ktimer *t, void *arg)
{
    (void)arg;
    if (++ticks < 5)
        ktimer_arm(t, t->deadline + 100);
}

static void test_rearm_from_callback(void)
{
    struct ktimer p;
    now_ns = 10000;
    ticks = 0;
    ktimer_init(&p, periodic, NULL);
    ktimer_arm(&p, 10100);
    run_until(10250);
    CHECK_EQ_INT(ticks, 2);
    run_until(20000);
    CHECK_EQ_INT(ticks, 5);
    CHECK(!hw_armed);
}

/* A deadline already past fires on the next interrupt, with its lateness
 * recorded as the latency. */
static void test_past_deadline(void)
{
    struct ktimer t;
    nlog = 0;
    now_ns = 50000;
    ktimer_init(&t, record, (void *)9);
    ktimer_arm(&t, 49000);
    CHECK(hw_armed && hw_deadline == 49000);
    hw_armed = 0;
    ktimer_interrupt();
    CHECK_EQ_INT(nlog, 1);
    CHECK_EQ_INT(ktimer_last_latency_ns(), 1000);
}

/* A callback that re-arms itself in the past: one interrupt runs a
 * bounded batch and says so, instead of looping forever. */
static unsigned storms;
static void rearm_in_past(struct ktimer *t, void *arg)
{
    (void)arg;
    if (++storms < 5000)
        ktimer_arm(t, 0);
}

static void test_storm_is_bounded(void)
{
    struct ktimer t;
    log_reset();
    storms = 0;
    now_ns = 100000;
    ktimer_init(&t, rearm_in_past, NULL);
    ktimer_arm(&t, 1);
    ktimer_interrupt();
    CHECK_EQ_INT(storms, 1000);
    CHECK(log_has("deferring the rest"));
    CHECK(hw_armed && hw_deadline == 0); /* the rest comes on the next interrupt */
    while (storms < 5000)
        ktimer_interrupt();
    CHECK_EQ_INT(ktimer_pending(), 0);
}

/* Re-arming from the other CPU moves the timer there: it fires in that
 * CPU's interrupt only, and the first CPU's stale deadline, when it comes,
 * finds nothing due and disarms. A cancel from the other CPU takes it off
 * whichever queue it is on. */
static void test_two_cpus(void)
{
    struct ktimer a, b;
    nlog = 0;
    ktimer_init(&a, record, (void *)(intptr_t)1);
    ktimer_init(&b, record, (void *)(intptr_t)2);
    cur = 0;
    CHECK_EQ_INT(ktimer_arm(&a, now_ns + 100), 0);
    CHECK(hw_armed && hw_deadline == now_ns + 100);
    cur = 1;
    CHECK_EQ_INT(ktimer_arm(&a, now_ns + 300), 0); /* moves to CPU 1 */
    CHECK(hw_armed && hw_deadline == now_ns + 300);
    CHECK_EQ_INT(bases[0].pending, 0);
    CHECK_EQ_INT(bases[1].pending, 1);
    CHECK_EQ_INT(ktimer_pending(), 1);
    CHECK_EQ_INT(ktimer_arm(&b, now_ns + 200), 0);
    cur = 0;
    run_until(now_ns + 150); /* CPU 0's stale deadline: nothing due there */
    CHECK_EQ_INT(nlog, 0);
    CHECK(!hw_armed);
    CHECK_EQ_INT(ktimer_cancel(&b), 1); /* armed on CPU 1, cancelled from CPU 0 */
    CHECK_EQ_INT(ktimer_cancel(&b), 0);
    CHECK_EQ_INT(ktimer_pending(), 1);
    cur = 1;
    run_until(now_ns + 400);
    CHECK_EQ_INT(nlog, 1);
    CHECK_EQ_INT(log_[0], 1);
    CHECK(!hw_armed);
    CHECK_EQ_INT(ktimer_pending(), 0);
    cur = 0;
}

int main(void)
{
    ktimer_base_init(&bases[0], 0);
    ktimer_base_init(&bases[1], 1);
    test_order();
    test_cancel_and_rearm();
    test_rearm_from_callback();
    test_past_deadline();
    test_storm_is_bounded();
    test_two_cpus();
    return CHECK_DONE("test_ktimer");
}
