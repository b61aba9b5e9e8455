/* Output: one HDF5 file per run or batch, netCDF4-compatible so that
 * xarray.open_dataset(path, engine="h5netcdf") opens it (MODEL.md 9).
 *
 * A run file. Dimensions (HDF5 dimension scales): time, place, link,
 * monitoring_point, direction, intent. Variables: occupancy(time, place,
 * intent), in_transit(time, link), link_flow(time, link), spawned(time,
 * place), arrivals(time, place), deaths(time, link), interceptions(time),
 * expulsions(time), returns(time), destination_arrivals(time),
 * monitor_passes(time, monitoring_point, direction), and the place and link
 * tables. Days are buffered and written in blocks. The file is written under
 * a temporary name (path + ".partial") and renamed on success.
 *
 * An ensemble (mf_output_info.replicates = N >= 1) adds a leading
 * `replicate` dimension (coordinate 0 .. N-1) to every variable along time,
 * and, computed at mf_output_finish, a `statistic` dimension (mean, p05, p50,
 * p95) with summary_<variable>(statistic, time, ...) in float64 for
 * occupancy, deaths, monitor_passes, interceptions, expulsions, returns and
 * destination_arrivals. Percentiles interpolate linearly between order
 * statistics (mf_output_percentile, numpy's default method).
 *
 * A batch file (mf_output_create_batch) holds finished run files copied into
 * groups (mf_output_add_run) and small tables (mf_output_add_table).
 *
 * Files are read back with migflow/reader.h. */
#ifndef MIGFLOW_OUTPUT_H
#define MIGFLOW_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include "migflow/error.h"
#include "migflow/scenario.h"
#include "migflow/sim.h"

struct mf_output;

struct mf_output_info {
	const struct mf_scenario *scenario; /* network, monitors, start, text */
	int days;              /* length of the time dimension */
	uint64_t seed;
	uint32_t replicate;    /* single run: its replicate number */
	int threads;
	/* 0: a single run, no replicate dimension (the `replicate` attribute
	 * says which). N >= 1: replicates 0 .. N-1, written one after the
	 * other (each day 0 .. days-1 in turn); `replicate` is then unused. */
	int replicates;
};

struct mf_run_stats {
	uint64_t agent_steps;  /* agents x days actually stepped (all replicates) */
	double wall_seconds;   /* whole run */
};

/* Starts an output file at path. Refuses (MF_ERR_EXISTS) an existing file
 * unless force. Returns NULL and fills err on failure. Finish it with
 * mf_output_finish or drop it with mf_output_discard. */
struct mf_output *mf_output_create(const char *path, bool force,
				   const struct mf_output_info *info,
				   struct mf_error *err);

/* Buffers one day's counts. Days come in order 0, 1, 2, ... days-1; in an
 * ensemble, replicate 0's days, then replicate 1's, and so on. */
enum mf_status mf_output_write_day(struct mf_output *out,
				   const struct mf_day_counts *counts,
				   struct mf_error *err);

/* A small table along a new dimension, for reports (calibration, batch
 * members). Every column is a variable along `dimension` holding n_rows
 * values; the labels are the dimension's coordinate. */
enum mf_column_kind {
	MF_COLUMN_NUMBER, /* float64 */
	MF_COLUMN_TEXT,   /* variable-length UTF-8 strings */
};

struct mf_table_column {
	const char *name;        /* variable name, unique in the file */
	const char *long_name;   /* required */
	const char *units;       /* NULL: no units attribute */
	enum mf_column_kind kind;
	const double *numbers;   /* MF_COLUMN_NUMBER: n_rows values */
	const char *const *texts;/* MF_COLUMN_TEXT: n_rows strings, none NULL */
};

struct mf_table {
	const char *dimension;   /* name of the new dimension, unique in the file */
	const char *long_name;   /* of the dimension */
	int n_rows;              /* >= 0 */
	const char *const *labels; /* n_rows row labels (the coordinate) */
	int n_columns;
	const struct mf_table_column *columns;
};

/* Writes a table into a run or batch file (any time before
 * mf_output_finish). The data are copied; the caller keeps table. Names
 * must not clash with anything in the file and must not contain '/'
 * (MF_ERR_INTERNAL otherwise). The file stays usable after a failure
 * (MF_ERR_IO, MF_ERR_NOMEM) only in the sense that it can be discarded. */
enum mf_status mf_output_add_table(struct mf_output *out,
				   const struct mf_table *table,
				   struct mf_error *err);

/* Adds a global (root) string attribute, any time before mf_output_finish.
 * A name already written is an error (MF_ERR_INTERNAL). */
enum mf_status mf_output_add_text_attribute(struct mf_output *out,
					    const char *name, const char *value,
					    struct mf_error *err);

/* Flushes, computes the ensemble statistics, writes run statistics, closes
 * and renames the file into place. Frees out in every case; on failure it
 * also removes the partial file. */
enum mf_status mf_output_finish(struct mf_output *out,
				const struct mf_run_stats *stats,
				struct mf_error *err);

/* Closes and removes the partial file; frees out. Accepts NULL. */
void mf_output_discard(struct mf_output *out);

/* Starts a batch file at path (path.partial until finished): root
 * attributes title, Conventions, engine, engine_version and
 * migflow_batch = 1; mf_output_finish adds agent_steps, wall_seconds,
 * created and complete = 1. Refuses an existing file unless force. */
struct mf_output *mf_output_create_batch(const char *path, bool force,
					 struct mf_error *err);

/* Copies the finished run file run_path into the batch file as the group
 * group_path ("members/baseline_p0": groups on the way are created):
 * every dataset with its chunking, attributes and dimension scales, and
 * the run's global attributes as the group's attributes, so that
 * xarray.open_dataset(path, group=group_path, engine="h5netcdf") reads it
 * as it reads the run file. Data are copied in bounded blocks. */
enum mf_status mf_output_add_run(struct mf_output *out, const char *group_path,
				 const char *run_path, struct mf_error *err);

/* A float64 variable along dimensions a run file has, for mf_output_amend. */
struct mf_output_variable {
	const char *name;
	const char *long_name;         /* required */
	const char *units;             /* NULL: no units attribute */
	int rank;                      /* 1 .. 4 */
	const char *const *dimensions; /* rank names of dimensions in the file */
	const double *values;          /* row-major, the product of their sizes */
};

/* Writes a float64 variable along dimensions the open file already has
 * (a table's dimension included) before mf_output_finish: e.g. the
 * parameters of each replicate, replicate_parameters(replicate,
 * parameter). A name in use must have the same shape. */
enum mf_status mf_output_add_variable(struct mf_output *out,
				      const struct mf_output_variable *variable,
				      struct mf_error *err);

/* A global attribute for mf_output_amend: text, or a float64 number when
 * text is NULL. */
struct mf_output_attribute {
	const char *name;
	const char *text;
	double number;
};

/* Writes results computed from a finished run file into it (migflow
 * validate's ARD): the variables, in order, then the global attributes,
 * each replacing one of the same name (a variable replaced keeps its
 * dimensions and must keep its shape). The data are copied. MF_ERR_INPUT
 * when path is not an HDF5 file, lacks a dimension or has a variable of
 * the same name but another shape; MF_ERR_IO when it cannot be opened for
 * writing or a write fails, which may leave part of the results written. */
enum mf_status mf_output_amend(const char *path, int n_variables,
			       const struct mf_output_variable *variables,
			       int n_attributes,
			       const struct mf_output_attribute *attributes,
			       struct mf_error *err);

/* Reads what a finished run file says about itself: its agent_steps and
 * wall_seconds into stats (may be NULL) and, when text_name is not NULL, a
 * copy of that string attribute into *text (NULL if absent; caller frees).
 * MF_ERR_INPUT when path is not a complete migflow file, MF_ERR_IO when it
 * cannot be read. */
enum mf_status mf_output_probe(const char *path, const char *text_name,
			       char **text, struct mf_run_stats *stats,
			       struct mf_error *err);

/* For programs, before any other call of the library: HDF5 then does not
 * close files itself when the program exits. A file the disk could not
 * take (disk full) is dropped by mf_output_discard but cannot always be
 * closed; closed again by HDF5 at exit, it would crash the program. */
void mf_output_program_init(void);

/* Percentile q (0 <= q <= 1) of n >= 1 sorted values by linear
 * interpolation between the order statistics at (n - 1) q, computed exactly
 * as numpy.percentile / numpy.quantile do by default (method "linear"). */
double mf_output_percentile(const double *sorted, int n, double q);

/* A sensitivity analysis (migflow/sensitivity.h) of scenario's free
 * parameters on targets, written to path (as path.partial, renamed when
 * complete; an existing file is refused, MF_ERR_EXISTS, unless force).
 * Dimensions indicator (coordinate: target names), parameter (coordinate:
 * free parameter names) and point (0 .. n_points-1); variables
 * first_order, first_order_low, first_order_high, total, total_low,
 * total_high (indicator, parameter), sum_first_order and variance
 * (indicator), design (point, parameter: natural-scale values), outputs
 * (point, indicator), parameter_min, parameter_max, parameter_log_scale
 * (parameter); global attributes record the scenario, the targets, the
 * run's settings and complete = 1. MF_ERR_IO (one line, the path and the
 * reason) when it cannot be written; nothing is then left behind. */
struct mf_sensitivity_result;
struct mf_targets;
enum mf_status mf_output_write_sensitivity(const char *path, bool force,
					   const struct mf_scenario *scenario,
					   const struct mf_targets *targets,
					   const struct mf_sensitivity_result *result,
					   struct mf_error *err);

#endif
