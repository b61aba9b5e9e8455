/* Output internals, shared by the files of src/output/ (the public API is
 * include/migflow/output.h and include/migflow/reader.h).
 *
 *   hdf5_util.c   HDF5 kept quiet, attributes, the string type, datasets,
 *                 files and groups with creation order tracked
 *   schema.c      dimensions, coordinate tables, series specs, global
 *                 attributes of a run file
 *   writer.c      a run file: create, buffer, write_day, flush, finish,
 *                 discard
 *   statistics.c  ensemble mean and percentiles (summary_<name>)
 *   tables.c      mf_output_add_table, mf_output_add_text_attribute
 *   batch_file.c  mf_output_create_batch, mf_output_add_run (copying)
 *   amend.c       mf_output_amend: results written into a finished file
 *   reader.c      the public reader (migflow/reader.h), mf_output_probe
 *
 * What h5netcdf (and so xarray) needs from a plain HDF5 file: every axis of
 * every variable has an HDF5 dimension scale attached, the scale's dataset
 * name is the dimension name, and link and attribute creation order are
 * tracked and indexed on the file, on every group and on every dataset. */
#ifndef MF_OUTPUT_PRIVATE_H
#define MF_OUTPUT_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "migflow/output.h"

#define MAX_RANK 4
#define MF_H5_DETAIL_SIZE 256

enum dim {
	DIM_TIME,
	DIM_PLACE,
	DIM_LINK,
	DIM_MONITOR,
	DIM_DIRECTION,
	DIM_INTENT,
	DIM_REPLICATE, /* ensembles only */
	DIM_STATISTIC, /* ensembles only */
	DIM_COUNT
};

enum statistic { STAT_MEAN, STAT_P05, STAT_P50, STAT_P95, STAT_COUNT };

/* The variables along time, one row of values per day. */
enum series {
	SERIES_OCCUPANCY,
	SERIES_IN_TRANSIT,
	SERIES_LINK_FLOW,
	SERIES_SPAWNED,
	SERIES_ARRIVALS,
	SERIES_DEATHS,
	SERIES_MONITOR_PASSES,
	SERIES_INTERCEPTIONS,
	SERIES_EXPULSIONS,
	SERIES_RETURNS,
	SERIES_DESTINATION_ARRIVALS,
	SERIES_COUNT
};

struct series_spec {
	const char *name;
	const char *long_name;
	const char *units;
	int rank;              /* of a single run; an ensemble adds replicate */
	enum dim axes[MAX_RANK];
	bool summarised;       /* ensembles: summary_<name> across replicates */
};

/* schema.c */
extern const char *const mf_output_dim_names[DIM_COUNT];
extern const struct series_spec mf_output_series_specs[SERIES_COUNT];

struct series_data {
	hid_t dataset;
	hid_t summary;          /* summary_<name> of an ensemble, or -1 */
	int rank;               /* of the dataset */
	int time_axis;          /* 0, or 1 after the replicate axis */
	hsize_t dims[MAX_RANK]; /* full extent */
	size_t row;             /* values per day: product of the axes after time */
	int block_days;         /* days per buffered block and per chunk */
	int days_flushed;       /* days of the current replicate in the file */
	int64_t *buffer;        /* block_days rows */
};

enum output_kind { OUTPUT_RUN, OUTPUT_BATCH };

struct mf_output {
	enum output_kind kind;
	char *path;
	char *partial;
	hid_t file;
	int days;            /* extent of time */
	int replicates;      /* 0: a single run; N: an ensemble of N */
	int replicates_done; /* replicates whose every day was received */
	int days_written;    /* days received of the current replicate */
	bool failed;         /* a write failed: only discarding is left */
	struct series_data series[SERIES_COUNT];
	char hdf5_detail[MF_H5_DETAIL_SIZE]; /* see struct mf_h5_quiet */
};

/* --- hdf5_util.c ---------------------------------------------------------- */

/* HDF5's automatic error printing, replaced while a public function runs
 * (see mf_h5_quiet_begin). */
struct mf_h5_quiet {
	H5E_auto2_t func;
	void *data;
};

/* Until mf_h5_quiet_end, HDF5 prints nothing and keeps in detail (cleared
 * here) the message nearest the cause of the first failure. */
void mf_h5_quiet_begin(struct mf_h5_quiet *q, char detail[MF_H5_DETAIL_SIZE]);
void mf_h5_quiet_end(const struct mf_h5_quiet *q);

/* Records a failed HDF5 call on the object called name (NULL: the file) of
 * out, with HDF5's own message; returns MF_ERR_IO. */
enum mf_status mf_output_fail(struct mf_error *err, struct mf_output *out,
			      const char *what, const char *name);

/* A variable-length UTF-8 string type; caller closes. */
hid_t mf_h5_string_type(void);

/* Scalar attributes; a negative value on failure. */
herr_t mf_h5_put_string_attr(hid_t object, const char *name, const char *value);
herr_t mf_h5_put_int32_attr(hid_t object, const char *name, int32_t value);
herr_t mf_h5_put_uint32_attr(hid_t object, const char *name, uint32_t value);
herr_t mf_h5_put_uint64_attr(hid_t object, const char *name, uint64_t value);
herr_t mf_h5_put_double_attr(hid_t object, const char *name, double value);

/* CF global attributes history ("<UTC time> migflow <version> <what> of
 * <subject>", subject may be NULL), source and references. */
herr_t mf_h5_put_provenance(hid_t file, const char *what, const char *subject);

/* units (when not NULL), then long_name. */
herr_t mf_h5_put_names(hid_t dataset, const char *long_name, const char *units);

/* A dataset whose attributes keep their creation order; chunk NULL: a
 * contiguous layout; prefill false: never filled (no _FillValue). */
hid_t mf_h5_create_dataset(hid_t file, const char *name, hid_t type, int rank,
			   const hsize_t *dims, const hsize_t *chunk, bool prefill);

/* The deflate level of the numeric time series (after the shuffle filter).
 * Measured on the baseline (full scale, 2 threads, migflow-bench end to
 * end): no filter 10.8 MiB; level 1 1.2 MiB, HDF5 1.1-1.5 % of the run;
 * level 4 1.1 MiB, 1.9 %; level 6 1.1 MiB, 2.5-2.8 % (target: 3 %). */
#define MF_H5_DEFLATE_LEVEL 1

/* As mf_h5_create_dataset, never prefilled, and when chunked (chunk not
 * NULL) compressed: shuffle then deflate at MF_H5_DEFLATE_LEVEL. For
 * numeric data only. */
hid_t mf_h5_create_compressed(hid_t file, const char *name, hid_t type, int rank,
			      const hsize_t *dims, const hsize_t *chunk);

/* Writes all n values of a dataset (nothing if n == 0). */
herr_t mf_h5_write_all(hid_t dataset, hid_t memory_type, size_t n,
		       const void *values);

/* A new file (truncating) and a new group, netCDF-4 style. */
hid_t mf_h5_create_file(const char *name);
hid_t mf_h5_create_group(hid_t parent, const char *name);

/* The type to read a value of stored type `type` into; caller closes. */
hid_t mf_h5_memory_type_of(hid_t type, bool *variable_string);

/* --- schema.c ------------------------------------------------------------- */

hsize_t mf_output_dim_size(const struct mf_output_info *info, enum dim dim);

/* Checks what the writer relies on in info (MF_ERR_INTERNAL otherwise). */
enum mf_status mf_output_check_info(const struct mf_output_info *info,
				    struct mf_error *err);

/* The dimension scales, left open in scales[] (the others -1). */
enum mf_status mf_output_create_dims(struct mf_output *out,
				     const struct mf_output_info *info,
				     hid_t scales[DIM_COUNT], struct mf_error *err);

/* The place, link and monitoring point tables. */
enum mf_status mf_output_write_tables(struct mf_output *out,
				      const struct mf_output_info *info,
				      const hid_t scales[DIM_COUNT],
				      struct mf_error *err);

/* The CF `coordinates` attribute of a series: the tables along its axes
 * ("" when there are none). */
void mf_output_coordinates_of(const struct series_spec *spec, char *text,
			      size_t size);

/* The global attributes known when a run starts. */
enum mf_status mf_output_write_global_attrs(struct mf_output *out,
					    const struct mf_output_info *info,
					    struct mf_error *err);

/* --- writer.c ------------------------------------------------------------- */

/* Whether a file may be written at path. */
enum mf_status mf_output_check_path(const char *path, bool force,
				    struct mf_error *err);

/* An output of this kind with nothing open yet. */
struct mf_output *mf_output_new(const char *path, enum output_kind kind,
				struct mf_error *err);

/* Closes, removes the partial file and frees out. */
void mf_output_drop(struct mf_output *out);

/* Runs step on an open output with HDF5 kept quiet; a failure leaves the
 * output good only for discarding. */
enum mf_status mf_output_guarded(struct mf_output *out, struct mf_error *err,
				 enum mf_status (*step)(struct mf_output *, const void *,
							struct mf_error *),
				 const void *arg);

/* --- statistics.c --------------------------------------------------------- */

/* Fills summary_<name> of one series of an ensemble from its replicates. */
enum mf_status mf_output_summarise(struct mf_output *out, enum series which,
				   struct mf_error *err);

#endif
