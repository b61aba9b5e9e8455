/* The run file writer: creates a run file, buffers each time-major
 * variable in memory for a block of days (as many as fit in 1 MiB, at
 * least one, at most the run) and writes it a block at a time with one
 * hyperslab; its chunks are the same blocks (one replicate deep in an
 * ensemble), compressed (shuffle and deflate). The file is written as
 * path.partial and renamed over path only once it is complete and closed. */
#include "output_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BLOCK_BYTES ((size_t)1 << 20)
#define PARTIAL_SUFFIX ".partial"

/* Days per block (and chunk) of a series: a block of at most BLOCK_BYTES
 * (chunks of ~1 MiB compress well and read fast; a larger row gets fewer
 * days), at most the run, at least one day. */
static int block_days_for(size_t row, int days)
{
	size_t block = BLOCK_BYTES / ((row ? row : 1) * sizeof(int64_t));
	if (block > (size_t)days)
		block = (size_t)days;
	return block < 1 ? 1 : (int)block;
}

/* Creates summary_<name>(statistic, time, ...) of an ensemble series; it
 * is filled by mf_output_finish. */
static enum mf_status create_summary(struct mf_output *out,
				     const struct series_spec *spec,
				     struct series_data *series,
				     const hid_t scales[DIM_COUNT],
				     const char *coordinates, struct mf_error *err)
{
	char name[96], long_name[256];
	snprintf(name, sizeof(name), "summary_%s", spec->name);
	snprintf(long_name, sizeof(long_name), "%s: statistic across replicates",
		 spec->long_name);
	hsize_t dims[MAX_RANK], chunk[MAX_RANK];
	int rank = spec->rank + 1;
	dims[0] = STAT_COUNT;
	for (int a = 0; a < spec->rank; a++)
		dims[a + 1] = series->dims[series->time_axis + a];
	chunk[0] = STAT_COUNT;
	chunk[1] = (hsize_t)block_days_for(series->row * STAT_COUNT, (int)dims[1]);
	for (int a = 2; a < rank; a++)
		chunk[a] = dims[a];
	series->summary = mf_h5_create_compressed(out->file, name, H5T_IEEE_F64LE, rank,
						  dims, series->row ? chunk : NULL);
	if (series->summary < 0)
		return mf_output_fail(err, out, "create", name);
	if (H5DSattach_scale(series->summary, scales[DIM_STATISTIC], 0) < 0)
		return mf_output_fail(err, out, "attach dimensions to", name);
	for (int a = 0; a < spec->rank; a++)
		if (H5DSattach_scale(series->summary, scales[spec->axes[a]],
				     (unsigned)a + 1) < 0)
			return mf_output_fail(err, out, "attach dimensions to", name);
	if (mf_h5_put_names(series->summary, long_name, spec->units) < 0 ||
	    (coordinates[0] &&
	     mf_h5_put_string_attr(series->summary, "coordinates", coordinates) < 0))
		return mf_output_fail(err, out, "write attributes of", name);
	return MF_OK;
}

static enum mf_status create_series(struct mf_output *out,
				    const struct mf_output_info *info,
				    const hid_t scales[DIM_COUNT],
				    struct mf_error *err)
{
	bool ensemble = info->replicates > 0;
	for (int s = 0; s < SERIES_COUNT; s++) {
		const struct series_spec *spec = &mf_output_series_specs[s];
		struct series_data *series = &out->series[s];
		enum dim axes[MAX_RANK];
		series->time_axis = ensemble ? 1 : 0;
		series->rank = spec->rank + series->time_axis;
		if (ensemble)
			axes[0] = DIM_REPLICATE;
		for (int a = 0; a < spec->rank; a++)
			axes[series->time_axis + a] = spec->axes[a];
		series->row = 1;
		for (int a = 0; a < series->rank; a++) {
			series->dims[a] = mf_output_dim_size(info, axes[a]);
			if (a > series->time_axis)
				series->row *= (size_t)series->dims[a];
		}
		series->block_days = block_days_for(series->row, info->days);
		/* A chunk cannot be empty: a variable with no values along some
		 * axis (no monitoring points) is stored contiguous. An ensemble's
		 * chunks are one replicate deep. */
		hsize_t chunk[MAX_RANK];
		bool empty = series->row == 0;
		for (int a = 0; a < series->rank; a++)
			chunk[a] = series->dims[a];
		if (ensemble)
			chunk[0] = 1;
		chunk[series->time_axis] = (hsize_t)series->block_days;
		series->dataset = mf_h5_create_compressed(out->file, spec->name, H5T_STD_I64LE,
							  series->rank, series->dims,
							  empty ? NULL : chunk);
		if (series->dataset < 0)
			return mf_output_fail(err, out, "create", spec->name);
		for (int a = 0; a < series->rank; a++)
			if (H5DSattach_scale(series->dataset, scales[axes[a]],
					     (unsigned)a) < 0)
				return mf_output_fail(err, out,
						      "attach dimensions to", spec->name);
		char coordinates[256];
		mf_output_coordinates_of(spec, coordinates, sizeof(coordinates));
		if (mf_h5_put_names(series->dataset, spec->long_name, spec->units) < 0 ||
		    (coordinates[0] &&
		     mf_h5_put_string_attr(series->dataset, "coordinates", coordinates) < 0))
			return mf_output_fail(err, out, "write attributes of",
					      spec->name);
		if (!empty) {
			series->buffer = calloc((size_t)series->block_days * series->row,
						sizeof(int64_t));
			if (!series->buffer)
				return mf_error_set(err, MF_ERR_NOMEM,
						    "output: no memory to buffer '%s'",
						    spec->name);
		}
	}
	/* The summaries after every series, so that a file reads in order. */
	for (int s = 0; ensemble && s < SERIES_COUNT; s++) {
		if (!mf_output_series_specs[s].summarised)
			continue;
		char coordinates[256];
		const struct series_spec *spec = &mf_output_series_specs[s];
		mf_output_coordinates_of(spec, coordinates, sizeof(coordinates));
		enum mf_status status = create_summary(out, spec,
						       &out->series[s], scales,
						       coordinates, err);
		if (status != MF_OK)
			return status;
	}
	return MF_OK;
}

static enum mf_status write_run_attrs(struct mf_output *out,
				      const struct mf_run_stats *stats,
				      struct mf_error *err)
{
	char created[32] = "";
	time_t now = time(NULL);
	struct tm utc;
	if (now == (time_t)-1 || !gmtime_r(&now, &utc) ||
	    strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &utc) == 0)
		snprintf(created, sizeof(created), "unknown");
	if (mf_h5_put_uint64_attr(out->file, "agent_steps", stats->agent_steps) < 0 ||
	    mf_h5_put_double_attr(out->file, "wall_seconds", stats->wall_seconds) < 0 ||
	    mf_h5_put_string_attr(out->file, "created", created) < 0 ||
	    mf_h5_put_int32_attr(out->file, "complete", 1) < 0)
		return mf_output_fail(err, out, "write the global attributes", NULL);
	return MF_OK;
}

/* Closes every handle; true if all closed cleanly (the file last). */
static bool close_all(struct mf_output *out)
{
	bool ok = true;
	for (int s = 0; s < SERIES_COUNT; s++) {
		struct series_data *series = &out->series[s];
		if (series->dataset >= 0 && H5Dclose(series->dataset) < 0)
			ok = false;
		if (series->summary >= 0 && H5Dclose(series->summary) < 0)
			ok = false;
		series->dataset = -1;
		series->summary = -1;
	}
	if (out->file >= 0 && H5Fclose(out->file) < 0)
		ok = false;
	out->file = -1;
	return ok;
}

static void free_output(struct mf_output *out)
{
	for (int s = 0; s < SERIES_COUNT; s++)
		free(out->series[s].buffer);
	free(out->partial);
	free(out->path);
	free(out);
}

/* Closes, removes the partial file and frees out. */
void mf_output_drop(struct mf_output *out)
{
	/* Failures here have nobody to go to: the caller is already handling
	 * an error or giving up on the file. */
	/* The disk may be full: give the partial file's space back first, so
	 * that closing it (HDF5 flushes its metadata) cannot fail for want of
	 * room. A file HDF5 could not close would be closed again, and crash,
	 * when the library shuts down at exit. */
	if (out->file >= 0)
		(void)truncate(out->partial, 0);
	close_all(out);
	unlink(out->partial);
	free_output(out);
}

static char *concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *text = malloc(la + lb + 1);
	if (text) {
		memcpy(text, a, la);
		memcpy(text + la, b, lb + 1);
	}
	return text;
}

/* Whether a file may be written at path. */
enum mf_status mf_output_check_path(const char *path, bool force,
				    struct mf_error *err)
{
	if (!path || !path[0])
		return mf_error_set(err, MF_ERR_INTERNAL, "output: no file name");
	struct stat st;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return mf_error_set(err, MF_ERR_IO, "%s: is a directory", path);
		if (!force)
			return mf_error_set(err, MF_ERR_EXISTS,
					    "%s: file exists; use --force to overwrite it",
					    path);
	}
	return MF_OK;
}

/* An output with nothing open yet. */
struct mf_output *mf_output_new(const char *path, enum output_kind kind,
				struct mf_error *err)
{
	struct mf_output *out = calloc(1, sizeof(*out));
	if (!out) {
		mf_error_set(err, MF_ERR_NOMEM, "output: no memory");
		return NULL;
	}
	out->kind = kind;
	out->file = -1;
	for (int s = 0; s < SERIES_COUNT; s++) {
		out->series[s].dataset = -1;
		out->series[s].summary = -1;
	}
	out->path = concat(path, "");
	out->partial = concat(path, PARTIAL_SUFFIX);
	if (!out->path || !out->partial) {
		mf_error_set(err, MF_ERR_NOMEM, "output: no memory");
		free_output(out);
		return NULL;
	}
	return out;
}

struct mf_output *mf_output_create(const char *path, bool force,
				   const struct mf_output_info *info,
				   struct mf_error *err)
{
	if (!path || !path[0]) {
		mf_error_set(err, MF_ERR_INTERNAL, "output: no file name");
		return NULL;
	}
	if (mf_output_check_info(info, err) != MF_OK ||
	    mf_output_check_path(path, force, err) != MF_OK)
		return NULL;
	struct mf_output *out = mf_output_new(path, OUTPUT_RUN, err);
	if (!out)
		return NULL;
	out->days = info->days;
	out->replicates = info->replicates;

	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, out->hdf5_detail);
	enum mf_status status = MF_OK;
	hid_t scales[DIM_COUNT];
	for (int d = 0; d < DIM_COUNT; d++)
		scales[d] = -1;
	out->file = mf_h5_create_file(out->partial);
	if (out->file < 0) {
		status = mf_output_fail(err, out, "create the file", NULL);
		goto close_scales;
	}
	status = mf_output_write_global_attrs(out, info, err);
	if (status != MF_OK)
		goto close_scales;
	status = mf_output_create_dims(out, info, scales, err);
	if (status != MF_OK)
		goto close_scales;
	status = mf_output_write_tables(out, info, scales, err);
	if (status != MF_OK)
		goto close_scales;
	status = create_series(out, info, scales, err);
close_scales:
	for (int d = 0; d < DIM_COUNT; d++)
		if (scales[d] >= 0 && H5Dclose(scales[d]) < 0 && status == MF_OK)
			status = mf_output_fail(err, out, "close", mf_output_dim_names[d]);
	if (status != MF_OK) {
		mf_output_drop(out);
		out = NULL;
	}
	mf_h5_quiet_end(&quiet);
	return out;
}

/* Writes the buffered days of a series (if any) in one hyperslab: in an
 * ensemble, into the row of the replicate being received. */
static enum mf_status flush_series(struct mf_output *out, enum series which,
				   struct mf_error *err)
{
	const struct series_spec *spec = &mf_output_series_specs[which];
	struct series_data *series = &out->series[which];
	int days = out->days_written - series->days_flushed;
	if (days == 0 || series->row == 0)
		return MF_OK;
	enum mf_status status = MF_OK;
	hsize_t start[MAX_RANK] = {0}, count[MAX_RANK];
	for (int a = 0; a < series->rank; a++)
		count[a] = series->dims[a];
	if (series->time_axis > 0) {
		start[0] = (hsize_t)out->replicates_done;
		count[0] = 1;
	}
	start[series->time_axis] = (hsize_t)series->days_flushed;
	count[series->time_axis] = (hsize_t)days;
	hid_t memory = -1;
	hid_t space = H5Dget_space(series->dataset);
	if (space < 0 ||
	    H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count,
				NULL) < 0 ||
	    (memory = H5Screate_simple(series->rank, count, NULL)) < 0 ||
	    H5Dwrite(series->dataset, H5T_NATIVE_INT64, memory, space,
		     H5P_DEFAULT, series->buffer) < 0)
		status = mf_output_fail(err, out, "write", spec->name);
	if (memory >= 0 && H5Sclose(memory) < 0 && status == MF_OK)
		status = mf_output_fail(err, out, "write", spec->name);
	if (space >= 0 && H5Sclose(space) < 0 && status == MF_OK)
		status = mf_output_fail(err, out, "write", spec->name);
	if (status == MF_OK)
		series->days_flushed = out->days_written;
	return status;
}

/* Writes the series whose block is full, or all of them at the end. */
static enum mf_status flush(struct mf_output *out, bool all,
			    struct mf_error *err)
{
	for (int s = 0; s < SERIES_COUNT; s++) {
		const struct series_data *series = &out->series[s];
		if (!all && out->days_written - series->days_flushed < series->block_days)
			continue;
		enum mf_status status = flush_series(out, (enum series)s, err);
		if (status != MF_OK)
			return status;
	}
	return MF_OK;
}

/* The row of one series in a day's counts; NULL if missing. */
static const int64_t *day_row(const struct mf_day_counts *counts,
			      enum series series)
{
	switch (series) {
	case SERIES_OCCUPANCY: return counts->occupancy;
	case SERIES_IN_TRANSIT: return counts->in_transit;
	case SERIES_LINK_FLOW: return counts->link_flow;
	case SERIES_SPAWNED: return counts->spawned;
	case SERIES_ARRIVALS: return counts->arrivals;
	case SERIES_DEATHS: return counts->deaths;
	case SERIES_MONITOR_PASSES: return counts->monitor_passes;
	case SERIES_INTERCEPTIONS: return &counts->interceptions;
	case SERIES_EXPULSIONS: return &counts->expulsions;
	case SERIES_RETURNS: return &counts->returns;
	case SERIES_DESTINATION_ARRIVALS: return &counts->destination_arrivals;
	case SERIES_COUNT: break;
	}
	return NULL;
}

/* Replicates the file holds: 1 for a single run. */
static int replicates_expected(const struct mf_output *out)
{
	return out->replicates > 0 ? out->replicates : 1;
}

static enum mf_status buffer_day(struct mf_output *out,
				 const struct mf_day_counts *counts,
				 struct mf_error *err)
{
	if (!counts)
		return mf_error_set(err, MF_ERR_INTERNAL, "output: no counts");
	if (out->replicates_done >= replicates_expected(out)) {
		if (out->replicates == 0)
			return mf_error_set(err, MF_ERR_INTERNAL,
					    "output: day %d is past the %d days of the file",
					    counts->day, out->days);
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: day %d is past the last of %d replicates",
				    counts->day, out->replicates);
	}
	if (counts->day != out->days_written)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: day %d given where day %d was due",
				    counts->day, out->days_written);
	const int64_t *rows[SERIES_COUNT];
	for (int s = 0; s < SERIES_COUNT; s++) {
		rows[s] = day_row(counts, (enum series)s);
		if (out->series[s].row > 0 && !rows[s])
			return mf_error_set(err, MF_ERR_INTERNAL,
					    "output: day %d has no '%s' counts",
					    counts->day, mf_output_series_specs[s].name);
	}
	for (int s = 0; s < SERIES_COUNT; s++) {
		struct series_data *series = &out->series[s];
		if (series->row == 0 || !rows[s])
			continue;
		size_t slot = (size_t)(out->days_written - series->days_flushed);
		memcpy(series->buffer + slot * series->row, rows[s],
		       series->row * sizeof(int64_t));
	}
	out->days_written++;
	return MF_OK;
}

enum mf_status mf_output_write_day(struct mf_output *out,
				   const struct mf_day_counts *counts,
				   struct mf_error *err)
{
	if (!out)
		return mf_error_set(err, MF_ERR_INTERNAL, "output: not open");
	if (out->kind != OUTPUT_RUN)
		return mf_error_set(err, MF_ERR_INTERNAL, "%s: a batch file has no days to write",
				    out->partial);
	if (out->failed)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "%s: an earlier write failed", out->partial);
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, out->hdf5_detail);
	enum mf_status status = buffer_day(out, counts, err);
	bool last_day = out->days_written == out->days;
	if (status == MF_OK)
		status = flush(out, last_day, err);
	if (status == MF_OK && last_day) {
		/* The replicate is in the file: the next day 0 is the next one's. */
		out->replicates_done++;
		out->days_written = 0;
		for (int s = 0; s < SERIES_COUNT; s++)
			out->series[s].days_flushed = 0;
	}
	if (status != MF_OK)
		out->failed = true;
	mf_h5_quiet_end(&quiet);
	return status;
}

enum mf_status mf_output_finish(struct mf_output *out,
				const struct mf_run_stats *stats,
				struct mf_error *err)
{
	if (!out)
		return mf_error_set(err, MF_ERR_INTERNAL, "output: not open");
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, out->hdf5_detail);
	enum mf_status status = MF_OK;
	if (out->failed)
		status = mf_error_set(err, MF_ERR_INTERNAL,
				      "%s: an earlier write failed", out->partial);
	else if (out->kind == OUTPUT_RUN && out->replicates == 0 &&
		 out->replicates_done == 0)
		status = mf_error_set(err, MF_ERR_INTERNAL,
				      "%s: %d of %d days written", out->partial,
				      out->days_written, out->days);
	else if (out->kind == OUTPUT_RUN &&
		 out->replicates_done < replicates_expected(out))
		status = mf_error_set(err, MF_ERR_INTERNAL,
				      "%s: %d of %d replicates written (then %d of %d days)",
				      out->partial, out->replicates_done, out->replicates,
				      out->days_written, out->days);
	else if (!stats)
		status = mf_error_set(err, MF_ERR_INTERNAL,
				      "output: no run statistics");
	for (int s = 0; s < SERIES_COUNT && status == MF_OK; s++)
		status = mf_output_summarise(out, (enum series)s, err);
	if (status == MF_OK)
		status = write_run_attrs(out, stats, err);
	if (status != MF_OK)
		goto fail;
	if (!close_all(out)) {
		status = mf_output_fail(err, out, "close the file", NULL);
		goto fail;
	}
	if (rename(out->partial, out->path) < 0) {
		status = mf_error_set(err, MF_ERR_IO, "%s: cannot rename to %s: %s",
				      out->partial, out->path, strerror(errno));
		goto fail;
	}
	free_output(out);
	mf_h5_quiet_end(&quiet);
	return MF_OK;
fail:
	mf_output_drop(out);
	mf_h5_quiet_end(&quiet);
	return status;
}

void mf_output_program_init(void)
{
	(void)H5dont_atexit();
}

void mf_output_discard(struct mf_output *out)
{
	if (!out)
		return;
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, out->hdf5_detail);
	mf_output_drop(out);
	mf_h5_quiet_end(&quiet);
}

/* Runs a writing step on an open output with HDF5 kept quiet; a failure
 * leaves the output good only for discarding. */
enum mf_status mf_output_guarded(struct mf_output *out, struct mf_error *err,
				 enum mf_status (*step)(struct mf_output *, const void *,
							struct mf_error *),
				 const void *arg)
{
	if (!out)
		return mf_error_set(err, MF_ERR_INTERNAL, "output: not open");
	if (out->failed)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "%s: an earlier write failed", out->partial);
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, out->hdf5_detail);
	enum mf_status status = step(out, arg, err);
	if (status != MF_OK)
		out->failed = true;
	mf_h5_quiet_end(&quiet);
	return status;
}
