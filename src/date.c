#include "migflow/date.h"

#include <stdio.h>

/* Days from civil date, after H. Hinnant's public-domain algorithm. */
static int days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int z, int *y, int *m, int *d)
{
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_length(int y, int m)
{
	static const int length[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : length[m - 1];
}

static bool digits(const char *s, int n, int *value)
{
	*value = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*value = *value * 10 + (s[i] - '0');
	}
	return true;
}

bool mf_date_parse(const char *text, int *days)
{
	int y, m, d;
	if (!digits(text, 4, &y) || text[4] != '-' || !digits(text + 5, 2, &m) ||
	    text[7] != '-' || !digits(text + 8, 2, &d) || text[10] != '\0')
		return false;
	if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > month_length(y, m))
		return false;
	*days = days_from_civil(y, m, d);
	return true;
}

void mf_date_format(int days, char out[static 11])
{
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	unsigned uy = (unsigned)y % 10000u, um = (unsigned)m % 13u, ud = (unsigned)d % 32u;
	snprintf(out, 11, "%04u-%02u-%02u", uy, um, ud);
}

int mf_date_weekday(int days)
{
	/* 1970-01-01 was a Thursday (3 with Monday = 0). */
	int w = (days + 3) % 7;
	return w < 0 ? w + 7 : w;
}

int mf_date_month(int days)
{
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	return m - 1;
}
