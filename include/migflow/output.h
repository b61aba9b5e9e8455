/* Output: one HDF5 file per run, netCDF4-compatible so that
 * xarray.open_dataset(path, engine="h5netcdf") opens it (MODEL.md 9).
 *
 * Dimensions (HDF5 dimension scales): time, place, link, monitoring_point,
 * direction, intent. Variables: occupancy(time, place, intent),
 * in_transit(time, link), link_flow(time, link), spawned(time, place),
 * arrivals(time, place), deaths(time, link), interceptions(time),
 * expulsions(time), returns(time), destination_arrivals(time),
 * monitor_passes(time, monitoring_point, direction), and the place and link
 * tables. Days are buffered and written in blocks. The file is written under
 * a temporary name (path + ".partial") and renamed on success. */
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
	uint32_t replicate;
	int threads;
};

struct mf_run_stats {
	uint64_t agent_steps;  /* agents x days actually stepped */
	double wall_seconds;   /* whole run */
};

/* Starts an output file at path. Refuses (MF_ERR_EXISTS) an existing file
 * unless force. Returns NULL and fills err on failure. Finish it with
 * mf_output_finish or drop it with mf_output_discard. */
struct mf_output *mf_output_create(const char *path, bool force,
				   const struct mf_output_info *info,
				   struct mf_error *err);

/* Buffers one day's counts (days must come in order 0, 1, 2, ...). */
enum mf_status mf_output_write_day(struct mf_output *out,
				   const struct mf_day_counts *counts,
				   struct mf_error *err);

/* Flushes, writes run statistics, closes and renames the file into place.
 * Frees out in every case; on failure it also removes the partial file. */
enum mf_status mf_output_finish(struct mf_output *out,
				const struct mf_run_stats *stats,
				struct mf_error *err);

/* Closes and removes the partial file; frees out. Accepts NULL. */
void mf_output_discard(struct mf_output *out);

#endif
