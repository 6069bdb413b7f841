/**
 * @file calendar.c
 * @brief Days since 1970 and dates, both ways (kernel/calendar.h), for the
 *        RTCs that count in dates and for `date`.
 *
 * The Gregorian rule (a leap year every 4, not every 100, every 400) for
 * any year, before 1970 too: leap years are counted with divisions that
 * round down (toward minus infinity), so negative years work as well.
 */
#include <kernel/calendar.h>

/* @p a / @p b rounded down (b > 0). */
static int64_t div_floor(int64_t a, int64_t b) { return a / b - (a % b < 0); }

static int is_leap(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

/* Leap years from year 1 up to, not including, @p year (negative below 1). */
static int64_t leaps_before(int64_t year)
{
    int64_t y = year - 1;
    return div_floor(y, 4) - div_floor(y, 100) + div_floor(y, 400);
}

/* Days in a common year before each month's first. */
static const uint16_t before_month[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

static int64_t days_to_year(int64_t year) { return 365 * (year - 1970) + leaps_before(year) - leaps_before(1970); }

int64_t clock_days_from_civil(int64_t year, unsigned month, unsigned day)
{
    if (month < 1 || month > 12)
        month = 1; /* callers check; a wrong month must not index past the table */
    return days_to_year(year) + before_month[month - 1] + (month > 2 && is_leap(year)) + (int64_t)day - 1;
}

void clock_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    /* A guess from the mean year (146,097 days per 400 years), then the
     * year whose first day is the last one not after @p days. */
    int64_t y = 1970 + div_floor(days * 400, 146097);
    while (days_to_year(y) > days)
        y--;
    while (days_to_year(y + 1) <= days)
        y++;
    int64_t doy = days - days_to_year(y); /* 0-365 */
    int leap = is_leap(y);
    unsigned m = 12;
    while (m > 1 && doy < before_month[m - 1] + (m > 2 && leap))
        m--;
    *year = y;
    *month = m;
    *day = (unsigned)(doy - before_month[m - 1] - (m > 2 && leap) + 1);
}
