#include "csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

struct mf_csv {
	FILE *file;
	char path[4096];
	int line;
	int n_fields;
	char text[MF_CSV_LINE_MAX + 2];
	char fields[MF_CSV_LINE_MAX + MF_CSV_FIELDS_MAX];
	int start[MF_CSV_FIELDS_MAX];   /* offset of each field in fields */
	int column[MF_CSV_FIELDS_MAX];
	int bad_column;
};

struct mf_csv *mf_csv_open(const char *path, struct mf_error *err)
{
	struct mf_csv *csv = calloc(1, sizeof(*csv));
	if (!csv) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
		return NULL;
	}
	csv->file = fopen(path, "rb");
	if (!csv->file) {
		mf_error_at(err, path, 0, 0, "", "cannot open: %s", strerror(errno));
		if (err)
			err->code = MF_ERR_IO;
		free(csv);
		return NULL;
	}
	mf_text_copy(csv->path, sizeof(csv->path), path);
	return csv;
}

void mf_csv_close(struct mf_csv *csv)
{
	if (!csv)
		return;
	fclose(csv->file);
	free(csv);
}

/* Reads one physical line into csv->text without its end of line. Returns
 * its length, -1 at the end of the file, -2 when too long, -3 on a NUL
 * (its column in csv->bad_column). */
static int read_line(struct mf_csv *csv)
{
	int n = 0, c;
	csv->bad_column = 0;
	while ((c = fgetc(csv->file)) != EOF && c != '\n') {
		if (c == '\0' && !csv->bad_column)
			csv->bad_column = n + 1;
		if (n < MF_CSV_LINE_MAX + 1)
			csv->text[n] = (char)c;
		n++;
	}
	if (c == EOF && n == 0)
		return -1;
	csv->line++;
	if (n > 0 && n <= MF_CSV_LINE_MAX + 1 && csv->text[n - 1] == '\r')
		n--;
	if (n > MF_CSV_LINE_MAX)
		return -2;
	if (csv->bad_column)
		return -3;
	csv->text[n] = '\0';
	return n;
}

static int split(struct mf_csv *csv, int length, struct mf_error *err)
{
	int out = 0, i = 0;
	csv->n_fields = 0;
	for (;;) {
		if (csv->n_fields == MF_CSV_FIELDS_MAX)
			return mf_error_at(err, csv->path, csv->line, i + 1, "",
					   "more than %d fields", MF_CSV_FIELDS_MAX), -1;
		int begin_text = i;
		while (i < length && (csv->text[i] == ' ' || csv->text[i] == '\t'))
			i++;
		csv->start[csv->n_fields] = out;
		csv->column[csv->n_fields] = i + 1;
		csv->n_fields++;
		if (i < length && csv->text[i] == '"') {
			int open_column = i + 1;
			i++;
			for (;;) {
				if (i >= length)
					return mf_error_at(err, csv->path, csv->line, open_column, "",
							   "unterminated quoted field"), -1;
				if (csv->text[i] == '"') {
					if (csv->text[i + 1] == '"') {
						csv->fields[out++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				csv->fields[out++] = csv->text[i++];
			}
			while (i < length && (csv->text[i] == ' ' || csv->text[i] == '\t'))
				i++;
			if (i < length && csv->text[i] != ',')
				return mf_error_at(err, csv->path, csv->line, i + 1, "",
						   "expected ',' after a quoted field"), -1;
		} else {
			if (i == length || csv->text[i] == ',')
				csv->column[csv->n_fields - 1] = begin_text + 1;
			while (i < length && csv->text[i] != ',') {
				if (csv->text[i] == '"')
					return mf_error_at(err, csv->path, csv->line, i + 1, "",
							   "quote inside an unquoted field"), -1;
				csv->fields[out++] = csv->text[i++];
			}
			/* Trailing blanks of an unquoted field are not part of it. */
			int begin = csv->start[csv->n_fields - 1];
			while (out > begin && (csv->fields[out - 1] == ' ' || csv->fields[out - 1] == '\t'))
				out--;
		}
		csv->fields[out++] = '\0';
		if (i >= length)
			return 0;
		i++; /* the comma */
	}
}

int mf_csv_next(struct mf_csv *csv, struct mf_error *err)
{
	for (;;) {
		int length = read_line(csv);
		if (length == -1)
			return 0;
		if (length == -2)
			return mf_error_at(err, csv->path, csv->line, MF_CSV_LINE_MAX, "",
					   "line longer than %d bytes", MF_CSV_LINE_MAX), -1;
		if (length == -3)
			return mf_error_at(err, csv->path, csv->line, csv->bad_column, "",
					   "NUL byte: this does not look like a text CSV file"), -1;
		long bad = mf_text_utf8_error(csv->text, (size_t)length);
		if (bad >= 0)
			return mf_error_at(err, csv->path, csv->line, (int)bad + 1, "",
					   "invalid UTF-8 or control character"), -1;
		int first = 0;
		while (csv->text[first] == ' ' || csv->text[first] == '\t')
			first++;
		if (csv->text[first] == '\0' || csv->text[first] == '#')
			continue;
		if (split(csv, length, err) < 0)
			return -1;
		return 1;
	}
}

int mf_csv_count(const struct mf_csv *csv) { return csv->n_fields; }
const char *mf_csv_field(const struct mf_csv *csv, int index) { return csv->fields + csv->start[index]; }
int mf_csv_column(const struct mf_csv *csv, int index) { return csv->column[index]; }
int mf_csv_line(const struct mf_csv *csv) { return csv->line; }
const char *mf_csv_path(const struct mf_csv *csv) { return csv->path; }
