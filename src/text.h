/* Strict text-to-value conversions and spelling suggestions shared by the
 * CSV and YAML readers. */
#ifndef MF_TEXT_H
#define MF_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses a finite decimal number, the whole string (no trailing junk, no
 * "nan", "inf", hex or empty text). */
bool mf_text_double(const char *text, double *value);

/* Parses a whole-string integer in [min, max]. */
bool mf_text_long(const char *text, long min, long max, long *value);

/* Whether text is valid UTF-8 of length n with no control characters other
 * than tab. */
bool mf_text_utf8_valid(const char *text, size_t n);

/* Offset of the first byte of text that is not valid UTF-8 or is a control
 * character other than tab, or -1 when there is none. */
long mf_text_utf8_error(const char *text, size_t n);

/* The candidate closest to word (edit distance at most 2 or a third of its
 * length), or NULL. */
const char *mf_text_suggest(const char *word, const char *const *candidates,
			    int n_candidates);

/* Copies src into dst of size n, truncating; returns false if truncated. */
bool mf_text_copy(char *dst, size_t n, const char *src);

/* FNV-1a over bytes, or over a text (NULL as ""), continuing hash; start
 * from MF_TEXT_HASH_START. */
#define MF_TEXT_HASH_START UINT64_C(0xcbf29ce484222325)
uint64_t mf_text_hash_bytes(uint64_t hash, const void *data, size_t n);
uint64_t mf_text_hash(uint64_t hash, const char *text);

#endif
