#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool mf_text_double(const char *text, double *value)
{
	const char *p = text;
	/* Only plain decimal notation: sign, digits, point, exponent. This
	 * refuses "nan", "inf", "0x10" and leading spaces. */
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return false;
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q) && *q != '.' && *q != 'e' && *q != 'E' &&
		    *q != '+' && *q != '-')
			return false;
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
		return false;
	*value = v;
	return true;
}

bool mf_text_long(const char *text, long min, long max, long *value)
{
	const char *p = text;
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (*end != '\0' || errno == ERANGE || v < min || v > max)
		return false;
	*value = v;
	return true;
}

bool mf_text_utf8_valid(const char *text, size_t n)
{
	return mf_text_utf8_error(text, n) < 0;
}

long mf_text_utf8_error(const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		int extra;
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return (long)i;
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0 && c >= 0xc2) {
			extra = 1;
		} else if ((c & 0xf0) == 0xe0) {
			extra = 2;
		} else if ((c & 0xf8) == 0xf0 && c <= 0xf4) {
			extra = 3;
		} else {
			return (long)i;
		}
		for (int k = 1; k <= extra; k++)
			if (i + (size_t)k >= n || (s[i + k] & 0xc0) != 0x80)
				return (long)i;
		/* Overlong three-byte forms and surrogates. */
		if (extra == 2 && ((c == 0xe0 && s[i + 1] < 0xa0) ||
				   (c == 0xed && s[i + 1] >= 0xa0)))
			return (long)i;
		if (extra == 3 && ((c == 0xf0 && s[i + 1] < 0x90) ||
				   (c == 0xf4 && s[i + 1] >= 0x90)))
			return (long)i;
		i += (size_t)extra + 1;
	}
	return -1;
}

static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 99;
	int row[64];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diagonal = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int above = row[j];
			int cost = tolower((unsigned char)a[i - 1]) !=
				   tolower((unsigned char)b[j - 1]);
			int best = diagonal + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diagonal = above;
		}
	}
	return row[lb];
}

const char *mf_text_suggest(const char *word, const char *const *candidates,
			    int n_candidates)
{
	const char *best = NULL;
	int best_distance = 99;
	int limit = (int)strlen(word) / 3;
	if (limit < 2)
		limit = 2;
	for (int i = 0; i < n_candidates; i++) {
		int d = edit_distance(word, candidates[i]);
		if (d < best_distance) {
			best_distance = d;
			best = candidates[i];
		}
	}
	return best_distance <= limit ? best : NULL;
}

bool mf_text_copy(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);
	if (len >= n) {
		memcpy(dst, src, n - 1);
		dst[n - 1] = '\0';
		return false;
	}
	memcpy(dst, src, len + 1);
	return true;
}

uint64_t mf_text_hash_bytes(uint64_t hash, const void *data, size_t n)
{
	const unsigned char *c = data;
	for (size_t i = 0; i < n; i++) {
		hash ^= c[i];
		hash *= UINT64_C(0x100000001b3);
	}
	return hash;
}

uint64_t mf_text_hash(uint64_t hash, const char *text)
{
	return mf_text_hash_bytes(hash, text ? text : "", text ? strlen(text) : 0);
}
