/**
 * @file kernel/calendar.h
 * @brief Days since 1970 and dates, both ways (kernel/lib/calendar.c):
 *        plain arithmetic, below the clock that uses it.
 */
#ifndef KERNEL_CALENDAR_H
#define KERNEL_CALENDAR_H

#include <stdint.h>

/** @brief Days from 1970-01-01 to @p year-@p month-@p day (proleptic Gregorian; month 1-12). */
int64_t clock_days_from_civil(int64_t year, unsigned month, unsigned day);

/** @brief The date of day @p days since 1970-01-01: *@p year, *@p month (1-12), *@p day (1-31). */
void clock_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);

#endif
