/* A small CSV reader for network files: comma-separated, optional double
 * quotes ("" inside quotes is a quote), '#' lines and blank lines skipped.
 * It keeps the line and column of every field for error messages. */
#ifndef MF_CSV_H
#define MF_CSV_H

#include "migflow/error.h"

#define MF_CSV_LINE_MAX 4096
#define MF_CSV_FIELDS_MAX 32

struct mf_csv;

/* Opens path; NULL and err filled on failure. Close with mf_csv_close. */
struct mf_csv *mf_csv_open(const char *path, struct mf_error *err);
void mf_csv_close(struct mf_csv *csv);

/* Reads the next record: 1 when one was read, 0 at the end of the file,
 * -1 on error (err filled with file:line:column). */
int mf_csv_next(struct mf_csv *csv, struct mf_error *err);

int mf_csv_count(const struct mf_csv *csv);
const char *mf_csv_field(const struct mf_csv *csv, int index);
int mf_csv_column(const struct mf_csv *csv, int index); /* 1-based */
int mf_csv_line(const struct mf_csv *csv);               /* 1-based */
const char *mf_csv_path(const struct mf_csv *csv);

#endif
