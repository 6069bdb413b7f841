/**
 * @file test_smp_plan.c
 * @brief smp_plan(): which of the CPUs a firmware table lists get started,
 *        on tables QEMU never produces (duplicate ids, CPUs that cannot be
 *        started, more CPUs than the kernel keeps, a table longer than the
 *        buffer it was read into).
 */
#include <hal/smp.h>
#include <kernel/smp.h>

#include "check.h"
#include "log_capture.h"

static struct hal_cpu_desc cpu(uint32_t hwid) { return (struct hal_cpu_desc){hwid, "psci", NULL}; }

int main(void)
{
    unsigned pick[16], left;

    /* Boot CPU not first, a duplicate, one with no method. */
    struct hal_cpu_desc a[] = {cpu(1), cpu(0), cpu(2), cpu(1), {3, NULL, "enable-method spin-table"},
                               cpu(4)};
    log_reset();
    CHECK_EQ_INT(smp_plan(a, 6, 6, 0, 7, pick, &left), 3);
    CHECK_EQ_INT(pick[0], 0);
    CHECK_EQ_INT(pick[1], 2);
    CHECK_EQ_INT(pick[2], 5);
    CHECK_EQ_INT(left, 0);
    CHECK(log_has("smp: cpu 0x1 listed twice; the second entry is ignored"));
    CHECK(log_has("smp: cpu 0x3 cannot be started: enable-method spin-table"));
    CHECK(!log_has("cpu 0x4"));

    /* A method-less CPU with no reason still gets one. */
    struct hal_cpu_desc b[] = {cpu(0), {9, NULL, NULL}};
    log_reset();
    CHECK_EQ_INT(smp_plan(b, 2, 2, 0, 7, pick, &left), 0);
    CHECK(log_has("cpu 0x9 cannot be started: no method"));

    /* Room for 2 of 5 others; 3 unread entries past the buffer count too. */
    struct hal_cpu_desc c[] = {cpu(0), cpu(1), cpu(2), cpu(3), cpu(4), cpu(5)};
    log_reset();
    CHECK_EQ_INT(smp_plan(c, 6, 9, 0, 2, pick, &left), 2);
    CHECK_EQ_INT(pick[0], 1);
    CHECK_EQ_INT(pick[1], 2);
    CHECK_EQ_INT(left, 3 + 3);

    /* Only the boot CPU; an empty table; the boot CPU listed twice. */
    CHECK_EQ_INT(smp_plan(c, 1, 1, 0, 7, pick, &left), 0);
    CHECK_EQ_INT(left, 0);
    CHECK_EQ_INT(smp_plan(c, 0, 0, 0, 7, pick, &left), 0);
    struct hal_cpu_desc d[] = {cpu(7), cpu(7), cpu(8)};
    log_reset();
    CHECK_EQ_INT(smp_plan(d, 3, 3, 7, 7, pick, &left), 1);
    CHECK_EQ_INT(pick[0], 2);
    return CHECK_DONE("test_smp_plan");
}
