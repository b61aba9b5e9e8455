#include "flee_csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define FILE_BYTES_MAX ((long)256 << 20)

struct flee_csv {
	char path[256];
	char *text;          /* the whole file, NUL-terminated */
	long length, next;   /* bytes, offset of the next line */
	int line;            /* line of the current row */
	int n_fields, fields_capacity;
	char *fields;        /* the row's fields, each NUL-terminated */
	long fields_size;
	int *start, *column; /* [field] offset in fields, 1-based column */
	int end_column;      /* column just past the row */
};

static char *read_all(const char *path, long *length, struct mf_error *err)
{
	FILE *file = fopen(path, "rb");
	if (!file) {
		mf_error_at(err, path, 0, 0, "", "cannot open: %s", strerror(errno));
		if (err)
			err->code = MF_ERR_IO;
		return NULL;
	}
	char *text = NULL;
	long size = 0, capacity = 0;
	for (;;) {
		if (capacity - size < 65536) {
			capacity = capacity ? 2 * capacity : 65536;
			char *bigger = realloc(text, (size_t)capacity + 1);
			if (!bigger) {
				mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
				goto fail;
			}
			text = bigger;
		}
		size_t got = fread(text + size, 1, (size_t)(capacity - size), file);
		size += (long)got;
		if (size > FILE_BYTES_MAX) {
			mf_error_at(err, path, 0, 0, "", "file larger than %ld bytes", FILE_BYTES_MAX);
			goto fail;
		}
		if (got == 0)
			break;
	}
	if (ferror(file)) {
		mf_error_at(err, path, 0, 0, "", "cannot read: %s", strerror(errno));
		if (err)
			err->code = MF_ERR_IO;
		goto fail;
	}
	fclose(file);
	text[size] = '\0';
	*length = size;
	return text;
fail:
	free(text);
	fclose(file);
	return NULL;
}

struct flee_csv *flee_csv_open(const char *path, struct mf_error *err)
{
	struct flee_csv *csv = calloc(1, sizeof(*csv));
	if (!csv) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
		return NULL;
	}
	mf_text_copy(csv->path, sizeof(csv->path), path);
	csv->text = read_all(path, &csv->length, err);
	if (!csv->text) {
		free(csv);
		return NULL;
	}
	if (csv->length >= 3 && memcmp(csv->text, "\xef\xbb\xbf", 3) == 0)
		csv->next = 3;
	return csv;
}

void flee_csv_close(struct flee_csv *csv)
{
	if (!csv)
		return;
	free(csv->text);
	free(csv->fields);
	free(csv->start);
	free(csv->column);
	free(csv);
}

static int add_field(struct flee_csv *csv, int at, int column)
{
	if (csv->n_fields == csv->fields_capacity) {
		int capacity = csv->fields_capacity ? 2 * csv->fields_capacity : 32;
		int *start = realloc(csv->start, (size_t)capacity * sizeof(int));
		if (start)
			csv->start = start;
		int *col = realloc(csv->column, (size_t)capacity * sizeof(int));
		if (col)
			csv->column = col;
		if (!start || !col)
			return -1;
		csv->fields_capacity = capacity;
	}
	csv->start[csv->n_fields] = at;
	csv->column[csv->n_fields] = column;
	csv->n_fields++;
	return 0;
}

/* Splits the line text[0 .. n) into fields. */
static int split(struct flee_csv *csv, const char *text, long n, struct mf_error *err)
{
	if (csv->fields_size < n + 1) {
		char *bigger = realloc(csv->fields, (size_t)n + 1);
		if (!bigger)
			return mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", csv->path), -1;
		csv->fields = bigger;
		csv->fields_size = n + 1;
	}
	csv->n_fields = 0;
	int out = 0;
	long i = 0;
	for (;;) {
		if (add_field(csv, out, (int)i + 1) < 0)
			return mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", csv->path), -1;
		if (i < n && text[i] == '"') {
			long open = i++;
			for (;;) {
				if (i >= n)
					return mf_error_at(err, csv->path, csv->line, (int)open + 1, "",
							   "unterminated quoted field"), -1;
				if (text[i] == '"') {
					if (i + 1 < n && text[i + 1] == '"') {
						csv->fields[out++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				csv->fields[out++] = text[i++];
			}
		}
		/* Unquoted text, or what follows a closing quote (Python keeps it). */
		while (i < n && text[i] != ',')
			csv->fields[out++] = text[i++];
		csv->fields[out++] = '\0';
		if (i >= n)
			break;
		i++; /* the comma */
	}
	csv->end_column = (int)n + 1;
	return 0;
}

int flee_csv_next(struct flee_csv *csv, struct mf_error *err)
{
	while (csv->next < csv->length) {
		const char *begin = csv->text + csv->next;
		const char *newline = memchr(begin, '\n', (size_t)(csv->length - csv->next));
		long n = newline ? newline - begin : csv->length - csv->next;
		csv->next += n + (newline ? 1 : 0);
		csv->line++;
		if (n > 0 && begin[n - 1] == '\r')
			n--;
		long bad = mf_text_utf8_error(begin, (size_t)n);
		if (bad >= 0)
			return mf_error_at(err, csv->path, csv->line, (int)bad + 1, "",
					   begin[bad] == '\0' ? "NUL byte: this does not look like a text CSV file"
							      : "invalid UTF-8 or control character"), -1;
		if (n == 0)
			continue;
		if (split(csv, begin, n, err) < 0)
			return -1;
		return 1;
	}
	return 0;
}

int flee_csv_count(const struct flee_csv *csv) { return csv->n_fields; }

const char *flee_csv_field(const struct flee_csv *csv, int i)
{
	return i < csv->n_fields ? csv->fields + csv->start[i] : "";
}

int flee_csv_column(const struct flee_csv *csv, int i)
{
	return i < csv->n_fields ? csv->column[i] : csv->end_column;
}

int flee_csv_line(const struct flee_csv *csv) { return csv->line; }
const char *flee_csv_path(const struct flee_csv *csv) { return csv->path; }

bool flee_csv_is_comment(const struct flee_csv *csv)
{
	return csv->n_fields > 0 && flee_csv_field(csv, 0)[0] == '#';
}

const char *flee_csv_trimmed(const struct flee_csv *csv, int i, char *buf, int size)
{
	const char *s = flee_csv_field(csv, i);
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= (size_t)size)
		n = (size_t)size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}
