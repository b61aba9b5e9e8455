#include "csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

const struct mf_csv_options mf_csv_network = {
	.keep_comments = false,
	.python_quoting = false,
	.drop_bom = false,
};

const struct mf_csv_options mf_csv_flee = {
	.keep_comments = true,
	.python_quoting = true,
	.drop_bom = true,
};

static const char nul_message[] = "NUL byte: this does not look like a text CSV file";

struct mf_csv {
	struct mf_csv_options options;
	char path[4096];
	FILE *file;          /* strict: read line by line into text */
	char *text;          /* strict: the current line; Python: the whole file */
	long length, next;   /* Python: bytes in text, offset of the next line */
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
		if (size > MF_CSV_FILE_BYTES_MAX) {
			mf_error_at(err, path, 0, 0, "", "file larger than %ld bytes",
				    MF_CSV_FILE_BYTES_MAX);
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

struct mf_csv *mf_csv_open(const char *path, const struct mf_csv_options *options,
			   struct mf_error *err)
{
	struct mf_csv *csv = calloc(1, sizeof(*csv));
	if (!csv) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
		return NULL;
	}
	csv->options = *options;
	mf_text_copy(csv->path, sizeof(csv->path), path);
	if (options->python_quoting) {
		csv->text = read_all(path, &csv->length, err);
		if (!csv->text)
			goto fail;
		return csv;
	}
	csv->text = malloc(MF_CSV_LINE_MAX + 1);
	if (!csv->text) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
		goto fail;
	}
	csv->file = fopen(path, "rb");
	if (!csv->file) {
		mf_error_at(err, path, 0, 0, "", "cannot open: %s", strerror(errno));
		if (err)
			err->code = MF_ERR_IO;
		goto fail;
	}
	return csv;
fail:
	mf_csv_close(csv);
	return NULL;
}

void mf_csv_close(struct mf_csv *csv)
{
	if (!csv)
		return;
	if (csv->file)
		fclose(csv->file);
	free(csv->text);
	free(csv->fields);
	free(csv->start);
	free(csv->column);
	free(csv);
}

/* The next physical line without its end of line ("\n" or "\r\n") in *text
 * and *length: 1 when there is one, 0 at the end of the file. Strict, of a
 * line longer than MF_CSV_LINE_MAX + 1 bytes only that many are kept
 * (*length is its full length). */
static int next_line(struct mf_csv *csv, const char **text, long *length)
{
	long n = 0;
	if (csv->file) {
		int c;
		while ((c = fgetc(csv->file)) != EOF && c != '\n') {
			if (n < MF_CSV_LINE_MAX + 1)
				csv->text[n] = (char)c;
			n++;
		}
		if (c == EOF && n == 0)
			return 0;
		*text = csv->text;
		if (n > 0 && n <= MF_CSV_LINE_MAX + 1 && csv->text[n - 1] == '\r')
			n--;
	} else {
		if (csv->next >= csv->length)
			return 0;
		const char *begin = csv->text + csv->next;
		const char *newline = memchr(begin, '\n', (size_t)(csv->length - csv->next));
		n = newline ? newline - begin : csv->length - csv->next;
		csv->next += n + (newline ? 1 : 0);
		*text = begin;
		if (n > 0 && begin[n - 1] == '\r')
			n--;
	}
	csv->line++;
	*length = n;
	return 1;
}

/* Empty lines are skipped (strict, lines of blanks too), and comment lines
 * unless they are kept. */
static bool skipped(const struct mf_csv *csv, const char *text, long n)
{
	long first = 0;
	if (!csv->options.python_quoting)
		while (first < n && (text[first] == ' ' || text[first] == '\t'))
			first++;
	if (first == n)
		return true;
	return !csv->options.keep_comments && text[first] == '#';
}

static int add_field(struct mf_csv *csv, int at, int column)
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

static long skip_blanks(const char *text, long i, long n)
{
	while (i < n && (text[i] == ' ' || text[i] == '\t'))
		i++;
	return i;
}

/* Splits the line text[0 .. n) into fields. Each field takes no more bytes
 * than its text and the comma after it, so n + 1 bytes hold them all. */
static int split(struct mf_csv *csv, const char *text, long n, struct mf_error *err)
{
	bool strict = !csv->options.python_quoting;
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
		if (strict && csv->n_fields == MF_CSV_FIELDS_MAX)
			return mf_error_at(err, csv->path, csv->line, (int)i + 1, "",
					   "more than %d fields", MF_CSV_FIELDS_MAX), -1;
		long begin = i;
		if (strict)
			i = skip_blanks(text, i, n);
		if (add_field(csv, out, (int)i + 1) < 0)
			return mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", csv->path), -1;
		bool quoted = i < n && text[i] == '"';
		if (quoted) {
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
			if (strict) {
				i = skip_blanks(text, i, n);
				if (i < n && text[i] != ',')
					return mf_error_at(err, csv->path, csv->line, (int)i + 1, "",
							   "expected ',' after a quoted field"), -1;
			}
		} else if (strict && (i == n || text[i] == ',')) {
			/* An empty field is where its blanks start. */
			csv->column[csv->n_fields - 1] = (int)begin + 1;
		}
		/* Unquoted text, or what follows a closing quote (Python keeps it). */
		while (i < n && text[i] != ',') {
			if (strict && text[i] == '"')
				return mf_error_at(err, csv->path, csv->line, (int)i + 1, "",
						   "quote inside an unquoted field"), -1;
			csv->fields[out++] = text[i++];
		}
		if (strict && !quoted) {
			/* Trailing blanks of an unquoted field are not part of it. */
			int field_begin = csv->start[csv->n_fields - 1];
			while (out > field_begin &&
			       (csv->fields[out - 1] == ' ' || csv->fields[out - 1] == '\t'))
				out--;
		}
		csv->fields[out++] = '\0';
		if (i >= n)
			break;
		i++; /* the comma */
	}
	csv->end_column = (int)n + 1;
	return 0;
}

int mf_csv_next(struct mf_csv *csv, struct mf_error *err)
{
	const char *text;
	long n;
	while (next_line(csv, &text, &n)) {
		bool strict = !csv->options.python_quoting;
		if (strict && n > MF_CSV_LINE_MAX)
			return mf_error_at(err, csv->path, csv->line, MF_CSV_LINE_MAX, "",
					   "line longer than %d bytes", MF_CSV_LINE_MAX), -1;
		if (csv->line == 1 && csv->options.drop_bom && n >= 3 &&
		    memcmp(text, "\xef\xbb\xbf", 3) == 0) {
			text += 3;
			n -= 3;
		}
		/* Strict, a NUL byte (a binary file) is said before any other bad byte. */
		const char *nul = strict ? memchr(text, '\0', (size_t)n) : NULL;
		if (nul)
			return mf_error_at(err, csv->path, csv->line, (int)(nul - text) + 1, "",
					   nul_message), -1;
		long bad = mf_text_utf8_error(text, (size_t)n);
		if (bad >= 0)
			return mf_error_at(err, csv->path, csv->line, (int)bad + 1, "",
					   text[bad] == '\0' ? nul_message
							     : "invalid UTF-8 or control character"), -1;
		if (skipped(csv, text, n))
			continue;
		return split(csv, text, n, err) < 0 ? -1 : 1;
	}
	return 0;
}

int mf_csv_count(const struct mf_csv *csv) { return csv->n_fields; }

const char *mf_csv_field(const struct mf_csv *csv, int i)
{
	return i < csv->n_fields ? csv->fields + csv->start[i] : "";
}

int mf_csv_column(const struct mf_csv *csv, int i)
{
	return i < csv->n_fields ? csv->column[i] : csv->end_column;
}

int mf_csv_line(const struct mf_csv *csv) { return csv->line; }
const char *mf_csv_path(const struct mf_csv *csv) { return csv->path; }

bool mf_csv_is_comment(const struct mf_csv *csv)
{
	return csv->n_fields > 0 && mf_csv_field(csv, 0)[0] == '#';
}

const char *mf_csv_trimmed(const struct mf_csv *csv, int i, char *buf, int size)
{
	const char *s = mf_csv_field(csv, i);
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
