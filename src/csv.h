/* The CSV reader of every input table: comma separated, a field that starts
 * with '"' is quoted ("" inside is a quote), blank lines skipped, and the
 * line and column of every field kept for error messages. Two dialects:
 *
 * - mf_csv_network (places.csv, links.csv): strict. Blanks around fields are
 *   dropped, '#' lines are comments and skipped, a quote inside an unquoted
 *   field or text after a closing quote is an error; at most
 *   MF_CSV_LINE_MAX bytes a line and MF_CSV_FIELDS_MAX fields a row.
 * - mf_csv_flee (FLEE instances): Python's csv module as FLEE uses it.
 *   Nothing is trimmed, text after a closing quote is kept, no limit on line
 *   length or fields; '#' rows go to the caller (FLEE's '#' header rows name
 *   columns) and a UTF-8 byte order mark is dropped. */
#ifndef MF_CSV_H
#define MF_CSV_H

#include <stdbool.h>
#include "migflow/error.h"

#define MF_CSV_LINE_MAX 4096
#define MF_CSV_FIELDS_MAX 32
#define MF_CSV_FILE_BYTES_MAX ((long)256 << 20)

struct mf_csv_options {
	/* Hand rows whose first field starts with '#' to the caller
	 * (mf_csv_is_comment tells them apart); otherwise a line whose first
	 * non-blank byte is '#' is skipped. */
	bool keep_comments;
	/* Python's csv semantics: nothing trimmed, text after a closing quote
	 * kept, a line of blanks is a row; no limit on line length or fields,
	 * the whole file read at open (at most MF_CSV_FILE_BYTES_MAX bytes).
	 * Otherwise strict, line by line: blanks around fields dropped, stray
	 * quotes refused, lines of blanks skipped, a line longer than
	 * MF_CSV_LINE_MAX or with more than MF_CSV_FIELDS_MAX fields refused,
	 * and a NUL byte reported before any other bad byte of its line. */
	bool python_quoting;
	/* Drop a UTF-8 byte order mark at the start of the file. */
	bool drop_bom;
};

extern const struct mf_csv_options mf_csv_network; /* strict, comments skipped */
extern const struct mf_csv_options mf_csv_flee;    /* Python, comments kept, BOM dropped */

struct mf_csv;

/* Opens path to be read with options (copied). NULL and err filled on
 * failure. Close with mf_csv_close. */
struct mf_csv *mf_csv_open(const char *path, const struct mf_csv_options *options,
			   struct mf_error *err);
/* Accepts NULL. */
void mf_csv_close(struct mf_csv *csv);

/* Reads the next row: 1 when one was read, 0 at the end of the file, -1 on
 * error (err filled with file:line:column). */
int mf_csv_next(struct mf_csv *csv, struct mf_error *err);

int mf_csv_count(const struct mf_csv *csv);
/* Field i of the row, "" for i >= count. */
const char *mf_csv_field(const struct mf_csv *csv, int i);
/* 1-based column of field i (the column just past the row for i >= count). */
int mf_csv_column(const struct mf_csv *csv, int i);
int mf_csv_line(const struct mf_csv *csv); /* 1-based */
const char *mf_csv_path(const struct mf_csv *csv);
/* The row's first field starts with '#'. */
bool mf_csv_is_comment(const struct mf_csv *csv);

/* Field i with blanks (spaces, tabs) around it removed, copied into buf
 * (size bytes, cut to fit); returns buf. */
const char *mf_csv_trimmed(const struct mf_csv *csv, int i, char *buf, int size);

#endif
