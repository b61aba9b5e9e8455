/* Errors: how the library reports failure.
 *
 * The library never prints and never exits. A function that can fail returns
 * a status (or NULL) and fills a caller-supplied struct mf_error. Where input
 * is to blame the error names the file, line, column and field. */
#ifndef MIGFLOW_ERROR_H
#define MIGFLOW_ERROR_H

#include <stddef.h>

enum mf_status {
	MF_OK = 0,
	MF_ERR_INPUT = 1,    /* bad scenario, network or command-line input */
	MF_ERR_IO = 2,       /* a file could not be read or written */
	MF_ERR_NOMEM = 3,    /* an allocation failed */
	MF_ERR_EXISTS = 4,   /* output exists and overwriting was not asked for */
	MF_ERR_CANCELLED = 5,/* the run was interrupted */
	MF_ERR_INTERNAL = 6, /* a broken invariant: a bug in migflow */
};

struct mf_error {
	enum mf_status code;
	char file[4096];  /* input file to blame, "" if none */
	int line;         /* 1-based, 0 if unknown */
	int column;       /* 1-based, 0 if unknown */
	char field[64];   /* offending field or key, "" if none */
	char message[512];
};

/* Resets err to "no error". Accepts NULL. */
void mf_error_clear(struct mf_error *err);

/* Records an error without a position; returns code. Accepts err == NULL. */
enum mf_status mf_error_set(struct mf_error *err, enum mf_status code,
			    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records an input error at file:line:column in field; returns MF_ERR_INPUT. */
enum mf_status mf_error_at(struct mf_error *err, const char *file, int line,
			   int column, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Formats "file:line:column: field: message" (parts that are unknown are
 * left out) into buf; returns buf. */
const char *mf_error_format(const struct mf_error *err, char *buf,
			    size_t size);

/* Short name of a status ("input error", "I/O error", ...). */
const char *mf_status_name(enum mf_status code);

#endif
