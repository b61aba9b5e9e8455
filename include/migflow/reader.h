/* Reader: a finished run file read back (the files of migflow/output.h).
 *
 * A run is a run file, or a run copied into a group of a batch file by
 * mf_output_add_run, named FILE#GROUP ("sweep.h5#members/baseline_p0").
 * Its dimensions are the HDF5 dimension scales in its group (time, place,
 * link, monitoring_point, direction, intent; replicate and statistic in an
 * ensemble; the dimensions of tables such as member or target); its
 * variables are the datasets in the group, numbers read as doubles or
 * int64 whatever their stored type.
 *
 * On failure every function returns a status (or NULL) and fills err with
 * a message naming the run and the object: MF_ERR_IO when the file cannot
 * be read, MF_ERR_INPUT when it does not hold what was asked for (not an
 * HDF5 file, no such group, variable or attribute, a wrong type or shape),
 * MF_ERR_NOMEM. Nothing is printed; HDF5's own error printing is held off
 * while a function runs. A reader is used by one thread at a time. */
#ifndef MIGFLOW_READER_H
#define MIGFLOW_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "migflow/error.h"

#define MF_READER_RANK_MAX 8

struct mf_reader;

/* The extent of a variable: dims[0 .. rank) (row-major). */
struct mf_shape {
	int rank;
	uint64_t dims[MF_READER_RANK_MAX];
};

struct mf_dimension {
	const char *name;
	uint64_t size;
	bool labelled; /* text labels (mf_reader_labels); else numbers (time, replicate) */
};

/* Opens the run at path: a file, or FILE#GROUP for a group in a file (the
 * last '#' separates them; mf_reader_open_group takes a file name that
 * holds '#'). Returns NULL and fills err on failure. Close with
 * mf_reader_close. */
struct mf_reader *mf_reader_open(const char *path, struct mf_error *err);

/* Opens the run in group (NULL or "/": the root) of file. Errors name it
 * FILE#GROUP. */
struct mf_reader *mf_reader_open_group(const char *file, const char *group,
				       struct mf_error *err);

/* Closes the file and frees reader. Accepts NULL. */
void mf_reader_close(struct mf_reader *reader);

/* The run's name in messages: the file, or FILE#GROUP. */
const char *mf_reader_name(const struct mf_reader *reader);

/* The run's dimensions in the order of the file; *n of them. The array
 * belongs to the reader. */
const struct mf_dimension *mf_reader_dimensions(const struct mf_reader *reader,
						int *n);

/* The length of dimension name (MF_ERR_INPUT if the run has none such). */
enum mf_status mf_reader_dimension_size(struct mf_reader *reader,
					const char *name, uint64_t *size,
					struct mf_error *err);

/* The text of a one-dimensional text variable: the labels of a dimension
 * (place, link, intent, ...) or a table column (place_country). *labels is
 * a NULL-terminated array of *n strings; free it with
 * mf_reader_labels_free. */
enum mf_status mf_reader_labels(struct mf_reader *reader, const char *name,
				char ***labels, size_t *n, struct mf_error *err);

/* Frees what mf_reader_labels gave. Accepts NULL. */
void mf_reader_labels_free(char **labels, size_t n);

/* Whether the run has a variable or group at name (a path below the run's
 * group, such as "members/baseline_p0"). */
bool mf_reader_has(struct mf_reader *reader, const char *name);

/* The shape of variable name. */
enum mf_status mf_reader_shape(struct mf_reader *reader, const char *name,
			       struct mf_shape *shape, struct mf_error *err);

/* Every value of numeric variable name, row-major, and its shape (may be
 * NULL). *values is allocated (at least one element); caller frees. Any
 * stored number reads as a double; only integer variables read as int64
 * (MF_ERR_INPUT for floating-point ones). */
enum mf_status mf_reader_read_doubles(struct mf_reader *reader, const char *name,
				      struct mf_shape *shape, double **values,
				      struct mf_error *err);
enum mf_status mf_reader_read_int64(struct mf_reader *reader, const char *name,
				    struct mf_shape *shape, int64_t **values,
				    struct mf_error *err);

/* The block start[a] .. start[a] + count[a] - 1 along each of the rank
 * axes of variable name, row-major into values (room for the product of
 * count). rank must be the variable's, the block within it. */
enum mf_status mf_reader_read_doubles_block(struct mf_reader *reader,
					    const char *name, int rank,
					    const uint64_t *start,
					    const uint64_t *count, double *values,
					    struct mf_error *err);
enum mf_status mf_reader_read_int64_block(struct mf_reader *reader,
					  const char *name, int rank,
					  const uint64_t *start,
					  const uint64_t *count, int64_t *values,
					  struct mf_error *err);

/* Attributes of variable object, or with object NULL the run's global
 * attributes. */
bool mf_reader_has_attribute(struct mf_reader *reader, const char *object,
			     const char *name);

/* A copy of a text attribute in *text; caller frees. */
enum mf_status mf_reader_text_attribute(struct mf_reader *reader,
					const char *object, const char *name,
					char **text, struct mf_error *err);

/* A number attribute (of any numeric type) as a double. */
enum mf_status mf_reader_double_attribute(struct mf_reader *reader,
					  const char *object, const char *name,
					  double *value, struct mf_error *err);

/* An integer attribute (MF_ERR_INPUT for a floating-point one). */
enum mf_status mf_reader_int_attribute(struct mf_reader *reader,
				       const char *object, const char *name,
				       int64_t *value, struct mf_error *err);

#endif
