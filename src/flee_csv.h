/* A CSV reader with the semantics of Python's csv module as FLEE uses it:
 * comma separated, a field that starts with '"' is quoted ("" inside is a
 * quote), nothing is trimmed, and there is no limit on the number of fields.
 * Unlike src/csv.c it hands '#' rows to the caller (FLEE's '#' header rows
 * name extra columns) and keeps the line and column of every field.
 * Blank lines are skipped; a UTF-8 byte order mark is dropped. */
#ifndef MF_FLEE_CSV_H
#define MF_FLEE_CSV_H

#include <stdbool.h>
#include "migflow/error.h"

struct flee_csv;

/* Opens path (read whole into memory). NULL and err filled on failure. */
struct flee_csv *flee_csv_open(const char *path, struct mf_error *err);
void flee_csv_close(struct flee_csv *csv);

/* Next row, comment rows included: 1 when read, 0 at the end, -1 on error
 * (err has file:line:column). */
int flee_csv_next(struct flee_csv *csv, struct mf_error *err);

int flee_csv_count(const struct flee_csv *csv);
/* Field i of the row, "" for i >= count. */
const char *flee_csv_field(const struct flee_csv *csv, int i);
/* 1-based column of field i (the column just past the row for i >= count). */
int flee_csv_column(const struct flee_csv *csv, int i);
int flee_csv_line(const struct flee_csv *csv);
const char *flee_csv_path(const struct flee_csv *csv);
/* The row's first field starts with '#'. */
bool flee_csv_is_comment(const struct flee_csv *csv);

/* Field i with blanks around it removed, copied into buf (size bytes). */
const char *flee_csv_trimmed(const struct flee_csv *csv, int i, char *buf, int size);

#endif
