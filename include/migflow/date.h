/* Calendar dates as days since 1970-01-01 (proleptic Gregorian). */
#ifndef MIGFLOW_DATE_H
#define MIGFLOW_DATE_H

#include <stdbool.h>

/* Parses a strict ISO date "YYYY-MM-DD" into days since 1970-01-01.
 * Returns false for anything else (trailing text, impossible dates). */
bool mf_date_parse(const char *text, int *days);

/* Writes "YYYY-MM-DD" (11 bytes with the terminator) into out. */
void mf_date_format(int days, char out[static 11]);

/* Day of the week, 0 = Monday ... 6 = Sunday. */
int mf_date_weekday(int days);

/* Month of the year, 0 = January ... 11 = December. */
int mf_date_month(int days);

#endif
