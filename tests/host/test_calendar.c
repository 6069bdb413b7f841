/**
 * @file test_calendar.c
 * @brief Host tests for kernel/lib/calendar.c: known dates, and every day
 *        from 1600 to 2400 against a count kept one day at a time.
 */
#include <kernel/clock.h>

#include "check.h"

static int leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return len[m - 1] + (m == 2 && leap(y));
}

int main(void)
{
    CHECK_EQ_INT(clock_days_from_civil(1970, 1, 1), 0);
    CHECK_EQ_INT(clock_days_from_civil(1969, 12, 31), -1);
    CHECK_EQ_INT(clock_days_from_civil(2000, 3, 1), 11017);  /* after 2000's leap day */
    CHECK_EQ_INT(clock_days_from_civil(2032, 2, 29), 22704); /* QEMU test's -rtc base */
    CHECK_EQ_INT(clock_days_from_civil(2100, 3, 1), 47541);  /* 2100 is no leap year */
    CHECK_EQ_INT(clock_days_from_civil(1600, 1, 1), -135140);
    /* Every day from 1600-01-01 to 2400-12-31, counted one at a time. */
    int64_t n = clock_days_from_civil(1600, 1, 1), bad = 0;
    for (int64_t y = 1600; y <= 2400; y++)
        for (unsigned m = 1; m <= 12; m++)
            for (unsigned d = 1; d <= month_days(y, m); d++, n++) {
                int64_t yy;
                unsigned mm, dd;
                clock_civil_from_days(n, &yy, &mm, &dd);
                if (clock_days_from_civil(y, m, d) != n || yy != y || mm != m || dd != d) {
                    if (bad++ < 5)
                        printf("day %lld: %lld-%u-%u gives %lld and back %lld-%u-%u\n", (long long)n,
                               (long long)y, m, d, (long long)clock_days_from_civil(y, m, d), (long long)yy,
                               mm, dd);
                }
            }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(n, clock_days_from_civil(2401, 1, 1));
    return CHECK_DONE("test_calendar");
}
