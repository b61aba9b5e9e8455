/* Output: one netCDF4-compatible HDF5 file per run or batch (MODEL.md 9).
 *
 * What h5netcdf (and so xarray) needs from a plain HDF5 file: every axis of
 * every variable has an HDF5 dimension scale attached, the scale's dataset
 * name is the dimension name, and link and attribute creation order are
 * tracked and indexed on the file, on every group and on every dataset.
 *
 * Each time-major variable is buffered in memory for a block of days (at
 * most 64, fewer when a day's row is large, so that a block stays within
 * 1 MiB) and written a block at a time with one hyperslab; its chunks are
 * the same blocks (one replicate deep in an ensemble). The file is written
 * as path.partial and renamed over path only once it is complete and
 * closed.
 *
 * Ensemble statistics are computed at the end by reading the replicates
 * back a slab of days at a time (all replicates of a few days, about
 * 4 MiB), so memory stays bounded whatever the length of the run.
 *
 * Batch files are assembled from finished run files by copying objects one
 * by one (H5Ocopy of HDF5 1.10.8 crashes on the densely stored string
 * attributes these files have). */
#include "migflow/output.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "migflow/date.h"
#include "migflow/version.h"

#define BLOCK_BYTES ((size_t)1 << 20)
#define BLOCK_DAYS_MAX 64
#define PARTIAL_SUFFIX ".partial"
#define MAX_RANK 4
#define DETAIL_SIZE 256
#define STAT_READ_BYTES ((size_t)4 << 20)
#define COPY_BYTES ((size_t)4 << 20)
#define REPLICATES_MAX 1000000

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

static const char *const dim_names[DIM_COUNT] = {
	[DIM_TIME] = "time",
	[DIM_PLACE] = "place",
	[DIM_LINK] = "link",
	[DIM_MONITOR] = "monitoring_point",
	[DIM_DIRECTION] = "direction",
	[DIM_INTENT] = "intent",
	[DIM_REPLICATE] = "replicate",
	[DIM_STATISTIC] = "statistic",
};

static const char *const dim_long_names[DIM_COUNT] = {
	[DIM_TIME] = "time",
	[DIM_PLACE] = "place id",
	[DIM_LINK] = "link (from place id -> to place id)",
	[DIM_MONITOR] = "flow monitoring point",
	[DIM_DIRECTION] = "direction of a pass relative to the monitoring point's country",
	[DIM_INTENT] = "intent of the migrants",
	[DIM_REPLICATE] = "replicate (part of the random key; "
		"migflow run --replicate K reruns replicate K alone)",
	[DIM_STATISTIC] = "statistic across replicates: mean, and percentiles "
		"5, 50 and 95 interpolated linearly between order statistics "
		"(numpy's default method)",
};

enum statistic { STAT_MEAN, STAT_P05, STAT_P50, STAT_P95, STAT_COUNT };

static const char *const statistic_names[STAT_COUNT] = {
	"mean", "p05", "p50", "p95",
};

static const double statistic_quantiles[STAT_COUNT] = {0, 0.05, 0.50, 0.95};

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

static const struct series_spec series_specs[SERIES_COUNT] = {
	[SERIES_OCCUPANCY] = {"occupancy",
		"persons at the place at the end of the day, by intent",
		"persons", 3, {DIM_TIME, DIM_PLACE, DIM_INTENT}, true},
	[SERIES_IN_TRANSIT] = {"in_transit",
		"persons on the link at the end of the day",
		"persons", 2, {DIM_TIME, DIM_LINK}},
	[SERIES_LINK_FLOW] = {"link_flow",
		"departures onto the link during the day",
		"persons per day", 2, {DIM_TIME, DIM_LINK}},
	[SERIES_SPAWNED] = {"spawned",
		"new persons entering the model during the day, by place of origin",
		"persons per day", 2, {DIM_TIME, DIM_PLACE}},
	[SERIES_ARRIVALS] = {"arrivals",
		"arrivals at the place over a link during the day",
		"persons per day", 2, {DIM_TIME, DIM_PLACE}},
	[SERIES_DEATHS] = {"deaths",
		"deaths on the link (desert or sea) during the day",
		"persons per day", 2, {DIM_TIME, DIM_LINK}, true},
	[SERIES_MONITOR_PASSES] = {"monitor_passes",
		"passes counted at the flow monitoring point during the day, by direction",
		"persons per day", 3, {DIM_TIME, DIM_MONITOR, DIM_DIRECTION}, true},
	[SERIES_INTERCEPTIONS] = {"interceptions",
		"persons intercepted at sea and returned to the coast during the day",
		"persons per day", 1, {DIM_TIME}, true},
	[SERIES_EXPULSIONS] = {"expulsions",
		"persons moved by expulsion during the day",
		"persons per day", 1, {DIM_TIME}, true},
	[SERIES_RETURNS] = {"returns",
		"persons who reached home and left the model during the day",
		"persons per day", 1, {DIM_TIME}, true},
	[SERIES_DESTINATION_ARRIVALS] = {"destination_arrivals",
		"persons who reached the destination and left the model during the day",
		"persons per day", 1, {DIM_TIME}, true},
};

/* The place, link and monitoring point tables, stored as auxiliary
 * coordinates along their dimension. */
enum table {
	TABLE_PLACE_NAME,
	TABLE_PLACE_COUNTRY,
	TABLE_PLACE_REGION,
	TABLE_PLACE_KIND,
	TABLE_PLACE_LAT,
	TABLE_PLACE_LON,
	TABLE_PLACE_POPULATION,
	TABLE_LINK_FROM,
	TABLE_LINK_TO,
	TABLE_LINK_MODE,
	TABLE_LINK_DISTANCE,
	TABLE_LINK_TRAVEL_DAYS,
	TABLE_LINK_FARE,
	TABLE_MONITOR_COUNTRY,
	TABLE_COUNT
};

enum value_kind { VALUE_STRING, VALUE_DOUBLE, VALUE_INT32 };

struct table_spec {
	const char *name;
	const char *long_name;
	const char *units; /* NULL for strings */
	enum dim dim;
	enum value_kind kind;
};

static const struct table_spec table_specs[TABLE_COUNT] = {
	[TABLE_PLACE_NAME] = {"place_name", "place name", NULL, DIM_PLACE, VALUE_STRING},
	[TABLE_PLACE_COUNTRY] = {"place_country", "country of the place", NULL,
		DIM_PLACE, VALUE_STRING},
	[TABLE_PLACE_REGION] = {"place_region", "region of the place", NULL,
		DIM_PLACE, VALUE_STRING},
	[TABLE_PLACE_KIND] = {"place_kind", "kind of place", NULL, DIM_PLACE,
		VALUE_STRING},
	[TABLE_PLACE_LAT] = {"place_lat", "latitude of the place (WGS84)",
		"degrees_north", DIM_PLACE, VALUE_DOUBLE},
	[TABLE_PLACE_LON] = {"place_lon", "longitude of the place (WGS84)",
		"degrees_east", DIM_PLACE, VALUE_DOUBLE},
	[TABLE_PLACE_POPULATION] = {"place_population",
		"persons living at the place", "persons", DIM_PLACE, VALUE_DOUBLE},
	[TABLE_LINK_FROM] = {"link_from", "place id the link starts at", NULL,
		DIM_LINK, VALUE_STRING},
	[TABLE_LINK_TO] = {"link_to", "place id the link ends at", NULL, DIM_LINK,
		VALUE_STRING},
	[TABLE_LINK_MODE] = {"link_mode", "mode of travel on the link", NULL,
		DIM_LINK, VALUE_STRING},
	[TABLE_LINK_DISTANCE] = {"link_distance_km", "length of the link", "km",
		DIM_LINK, VALUE_DOUBLE},
	[TABLE_LINK_TRAVEL_DAYS] = {"link_travel_days",
		"travel time on the link as given in the network "
		"(0 = derived from distance and mode speed)",
		/* "day", not "days": xarray would decode "days" to timedelta. */
		"day", DIM_LINK, VALUE_INT32},
	[TABLE_LINK_FARE] = {"link_fare_usd", "fare per person on the link", "USD",
		DIM_LINK, VALUE_DOUBLE},
	[TABLE_MONITOR_COUNTRY] = {"monitor_country",
		"country the monitoring point's directions refer to", NULL,
		DIM_MONITOR, VALUE_STRING},
};

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
	char hdf5_detail[DETAIL_SIZE]; /* see struct quiet */
};

/* HDF5 prints its error stack to stderr by default; the library must not
 * print. Instead, while a public function runs, HDF5's automatic error
 * handler is replaced by one that keeps the message nearest the cause of
 * the first failure (e.g. the errno of a failed write) for the error we
 * report: the cleanup calls that follow a failure clear HDF5's error stack.
 * The handler is per thread in this thread-safe build, and the caller's is
 * restored on exit, so no state is left changed. */
struct quiet {
	H5E_auto2_t func;
	void *data;
};

static herr_t innermost_error(unsigned n, const H5E_error2_t *entry,
			      void *data)
{
	char *detail = data;
	(void)n;
	if (entry->desc && entry->desc[0])
		snprintf(detail, DETAIL_SIZE, "%s", entry->desc);
	return 0;
}

static herr_t keep_first_error(hid_t stack, void *data)
{
	char *detail = data;
	if (!detail[0] &&
	    H5Ewalk2(stack, H5E_WALK_DOWNWARD, innermost_error, detail) < 0)
		detail[0] = '\0';
	return 0;
}

static void quiet_begin(struct quiet *q, char detail[DETAIL_SIZE])
{
	detail[0] = '\0';
	if (H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data) < 0) {
		q->func = NULL;
		q->data = NULL;
	}
	/* If this fails HDF5 may print; there is nothing better to do. */
	(void)H5Eset_auto2(H5E_DEFAULT, keep_first_error, detail);
}

static void quiet_end(const struct quiet *q)
{
	(void)H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

/* Records a failed HDF5 call on the object called name (NULL: the file),
 * with HDF5's own message for the first failure since the last one
 * recorded. */
static enum mf_status hdf5_fail(struct mf_error *err, struct mf_output *out,
				const char *what, const char *name)
{
	enum mf_status status = mf_error_set(err, MF_ERR_IO,
		"%s: cannot %s%s%s%s%s%s", out->partial, what, name ? " '" : "",
		name ? name : "", name ? "'" : "", out->hdf5_detail[0] ? ": " : "",
		out->hdf5_detail);
	out->hdf5_detail[0] = '\0';
	return status;
}

/* A variable-length UTF-8 string type; caller closes. */
static hid_t string_type(void)
{
	hid_t type = H5Tcopy(H5T_C_S1);
	if (type < 0)
		return -1;
	if (H5Tset_size(type, H5T_VARIABLE) < 0 ||
	    H5Tset_cset(type, H5T_CSET_UTF8) < 0) {
		H5Tclose(type);
		return -1;
	}
	return type;
}

static herr_t put_attr(hid_t object, const char *name, hid_t file_type,
		       hid_t memory_type, const void *value)
{
	herr_t status = -1;
	hid_t space = H5Screate(H5S_SCALAR);
	if (space < 0)
		return -1;
	hid_t attr = H5Acreate2(object, name, file_type, space, H5P_DEFAULT,
				H5P_DEFAULT);
	if (attr < 0)
		goto close_space;
	status = H5Awrite(attr, memory_type, value);
	if (H5Aclose(attr) < 0)
		status = -1;
close_space:
	if (H5Sclose(space) < 0)
		status = -1;
	return status;
}

static herr_t put_string_attr(hid_t object, const char *name,
			      const char *value)
{
	hid_t type = string_type();
	if (type < 0)
		return -1;
	herr_t status = put_attr(object, name, type, type, &value);
	if (H5Tclose(type) < 0)
		status = -1;
	return status;
}

static herr_t put_int32_attr(hid_t object, const char *name, int32_t value)
{
	return put_attr(object, name, H5T_STD_I32LE, H5T_NATIVE_INT32, &value);
}

static herr_t put_uint32_attr(hid_t object, const char *name, uint32_t value)
{
	return put_attr(object, name, H5T_STD_U32LE, H5T_NATIVE_UINT32, &value);
}

static herr_t put_uint64_attr(hid_t object, const char *name, uint64_t value)
{
	return put_attr(object, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &value);
}

static herr_t put_double_attr(hid_t object, const char *name, double value)
{
	return put_attr(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

/* Creates a dataset whose attributes keep their creation order (netCDF-4
 * needs this). chunk == NULL gives a contiguous layout. Numeric datasets are
 * never prefilled, which also keeps _FillValue away; variable-length ones
 * cannot skip the fill. */
static hid_t create_dataset(hid_t file, const char *name, hid_t type, int rank,
			    const hsize_t *dims, const hsize_t *chunk,
			    bool prefill)
{
	hid_t dataset = -1;
	hid_t dcpl = -1;
	hid_t space = H5Screate_simple(rank, dims, NULL);
	if (space < 0)
		return -1;
	dcpl = H5Pcreate(H5P_DATASET_CREATE);
	if (dcpl < 0)
		goto close_space;
	if (H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED |
					     H5P_CRT_ORDER_INDEXED) < 0 ||
	    H5Pset_obj_track_times(dcpl, false) < 0 ||
	    (!prefill && H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0) ||
	    (chunk && H5Pset_chunk(dcpl, rank, chunk) < 0))
		goto close_dcpl;
	dataset = H5Dcreate2(file, name, type, space, H5P_DEFAULT, dcpl,
			     H5P_DEFAULT);
close_dcpl:
	if (H5Pclose(dcpl) < 0 && dataset >= 0) {
		H5Dclose(dataset);
		dataset = -1;
	}
close_space:
	if (H5Sclose(space) < 0 && dataset >= 0) {
		H5Dclose(dataset);
		dataset = -1;
	}
	return dataset;
}

static herr_t put_names(hid_t dataset, const char *long_name,
			const char *units)
{
	if (units && put_string_attr(dataset, "units", units) < 0)
		return -1;
	return put_string_attr(dataset, "long_name", long_name);
}

static const struct mf_graph *graph_of(const struct mf_output_info *info)
{
	return info->scenario->graph;
}

static hsize_t dim_size(const struct mf_output_info *info, enum dim dim)
{
	switch (dim) {
	case DIM_TIME: return (hsize_t)info->days;
	case DIM_PLACE: return (hsize_t)graph_of(info)->n_places;
	case DIM_LINK: return (hsize_t)graph_of(info)->n_links;
	case DIM_MONITOR: return (hsize_t)info->scenario->n_monitors;
	case DIM_DIRECTION: return MF_DIR_COUNT;
	case DIM_INTENT: return MF_INTENT_COUNT;
	case DIM_REPLICATE: return (hsize_t)info->replicates;
	case DIM_STATISTIC: return STAT_COUNT;
	case DIM_COUNT: break;
	}
	return 0;
}

/* Whether the file has this dimension: the ensemble ones only in
 * ensembles, so that a single run keeps its layout. */
static bool has_dim(const struct mf_output_info *info, enum dim dim)
{
	if (dim == DIM_REPLICATE || dim == DIM_STATISTIC)
		return info->replicates > 0;
	return true;
}

/* Checks what the writer relies on, so that a bad scenario is an error here
 * rather than a read out of bounds later. */
static enum mf_status check_info(const struct mf_output_info *info,
				 struct mf_error *err)
{
	if (!info || !info->scenario || !info->scenario->graph)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: no scenario to describe");
	const struct mf_scenario *scenario = info->scenario;
	const struct mf_graph *graph = scenario->graph;
	if (info->days < 1)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: %d days to write, need at least 1",
				    info->days);
	if (info->replicates < 0 || info->replicates > REPLICATES_MAX)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: %d replicates, expected 0 .. %d",
				    info->replicates, REPLICATES_MAX);
	if (graph->n_places < 0 || graph->n_links < 0 || scenario->n_monitors < 0 ||
	    (graph->n_places > 0 && !graph->places) ||
	    (graph->n_links > 0 && !graph->links) ||
	    (scenario->n_monitors > 0 && !scenario->monitors))
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: inconsistent network sizes");
	for (int l = 0; l < graph->n_links; l++) {
		const struct mf_link *link = &graph->links[l];
		if (link->from < 0 || link->from >= graph->n_places ||
		    link->to < 0 || link->to >= graph->n_places)
			return mf_error_set(err, MF_ERR_INTERNAL,
					    "output: link %d refers to a missing place", l);
	}
	for (int m = 0; m < scenario->n_monitors; m++) {
		int country = scenario->monitors[m].country;
		if (country < 0 || country >= graph->n_countries || !graph->countries)
			return mf_error_set(err, MF_ERR_INTERNAL,
					    "output: monitoring point '%s' has no country",
					    scenario->monitors[m].name);
	}
	return MF_OK;
}

static const char *table_string(const struct mf_output_info *info,
				enum table table, int i)
{
	const struct mf_graph *graph = graph_of(info);
	switch (table) {
	case TABLE_PLACE_NAME: return graph->places[i].name;
	case TABLE_PLACE_COUNTRY: return graph->places[i].country;
	case TABLE_PLACE_REGION: return graph->places[i].region;
	case TABLE_PLACE_KIND: return mf_place_kind_name(graph->places[i].kind);
	case TABLE_LINK_FROM: return graph->places[graph->links[i].from].id;
	case TABLE_LINK_TO: return graph->places[graph->links[i].to].id;
	case TABLE_LINK_MODE: return mf_link_mode_name(graph->links[i].mode);
	case TABLE_MONITOR_COUNTRY:
		return graph->countries[info->scenario->monitors[i].country];
	default: return NULL;
	}
}

static double table_double(const struct mf_output_info *info, enum table table,
			   int i)
{
	const struct mf_graph *graph = graph_of(info);
	switch (table) {
	case TABLE_PLACE_LAT: return graph->places[i].lat;
	case TABLE_PLACE_LON: return graph->places[i].lon;
	case TABLE_PLACE_POPULATION: return graph->places[i].population;
	case TABLE_LINK_DISTANCE: return graph->links[i].distance_km;
	case TABLE_LINK_FARE: return graph->links[i].fare_usd;
	default: return 0.0;
	}
}

static int32_t table_int32(const struct mf_output_info *info, enum table table,
			   int i)
{
	if (table == TABLE_LINK_TRAVEL_DAYS)
		return graph_of(info)->links[i].travel_days;
	return 0;
}

/* Writes a one-dimensional dataset of n values (or none if n == 0). */
static herr_t write_all(hid_t dataset, hid_t memory_type, size_t n,
			const void *values)
{
	if (n == 0)
		return 0;
	return H5Dwrite(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT,
			values);
}

/* Fills the labels of a string dimension. Link labels are built in
 * link_labels (n_links * (2 * MF_ID_MAX + 2) bytes). */
static bool dim_labels(const struct mf_output_info *info, enum dim dim,
		       const char **labels, char *link_labels)
{
	const struct mf_graph *graph = graph_of(info);
	size_t n = (size_t)dim_size(info, dim);
	const size_t link_label_size = 2 * MF_ID_MAX + 2;
	for (size_t i = 0; i < n; i++) {
		switch (dim) {
		case DIM_PLACE:
			labels[i] = graph->places[i].id;
			break;
		case DIM_LINK: {
			const struct mf_link *link = &graph->links[i];
			char *label = link_labels + i * link_label_size;
			snprintf(label, link_label_size, "%s->%s",
				 graph->places[link->from].id,
				 graph->places[link->to].id);
			labels[i] = label;
			break;
		}
		case DIM_MONITOR:
			labels[i] = info->scenario->monitors[i].name;
			break;
		case DIM_DIRECTION:
			labels[i] = mf_direction_name((enum mf_direction)i);
			break;
		case DIM_INTENT:
			labels[i] = mf_intent_name((enum mf_intent)i);
			break;
		case DIM_STATISTIC:
			labels[i] = statistic_names[i];
			break;
		case DIM_TIME:
		case DIM_REPLICATE:
		case DIM_COUNT:
			return false;
		}
		if (!labels[i])
			return false;
	}
	return true;
}

static enum mf_status write_time(struct mf_output *out, hid_t dataset,
				 const struct mf_output_info *info,
				 struct mf_error *err)
{
	enum mf_status status = MF_OK;
	int32_t *values = malloc((size_t)info->days * sizeof(*values));
	if (!values)
		return mf_error_set(err, MF_ERR_NOMEM,
				    "output: no memory for %d days", info->days);
	for (int day = 0; day < info->days; day++)
		values[day] = day;
	if (write_all(dataset, H5T_NATIVE_INT32, (size_t)info->days, values) < 0) {
		status = hdf5_fail(err, out, "write", "time");
		goto free_values;
	}
	char start[11];
	char units[32];
	mf_date_format(info->scenario->start, start);
	snprintf(units, sizeof(units), "days since %s", start);
	if (put_string_attr(dataset, "units", units) < 0 ||
	    put_string_attr(dataset, "calendar", "standard") < 0 ||
	    put_string_attr(dataset, "long_name", dim_long_names[DIM_TIME]) < 0 ||
	    put_string_attr(dataset, "standard_name", "time") < 0 ||
	    put_string_attr(dataset, "axis", "T") < 0)
		status = hdf5_fail(err, out, "write attributes of", "time");
free_values:
	free(values);
	return status;
}

static enum mf_status write_replicates(struct mf_output *out, hid_t dataset,
				       const struct mf_output_info *info,
				       struct mf_error *err)
{
	enum mf_status status = MF_OK;
	int32_t *values = malloc((size_t)info->replicates * sizeof(*values));
	if (!values)
		return mf_error_set(err, MF_ERR_NOMEM,
				    "output: no memory for %d replicates",
				    info->replicates);
	for (int r = 0; r < info->replicates; r++)
		values[r] = r;
	if (write_all(dataset, H5T_NATIVE_INT32, (size_t)info->replicates,
		      values) < 0 ||
	    put_names(dataset, dim_long_names[DIM_REPLICATE], NULL) < 0)
		status = hdf5_fail(err, out, "write", dim_names[DIM_REPLICATE]);
	free(values);
	return status;
}

/* Creates the dimension scales, each the coordinate variable of its
 * dimension; leaves them open in scales[] for attaching. */
static enum mf_status create_dims(struct mf_output *out,
				  const struct mf_output_info *info,
				  hid_t scales[DIM_COUNT], struct mf_error *err)
{
	enum mf_status status = MF_OK;
	const struct mf_graph *graph = graph_of(info);
	size_t most = MF_DIR_COUNT + MF_INTENT_COUNT + STAT_COUNT;
	if ((size_t)graph->n_places > most)
		most = (size_t)graph->n_places;
	if ((size_t)graph->n_links > most)
		most = (size_t)graph->n_links;
	if ((size_t)info->scenario->n_monitors > most)
		most = (size_t)info->scenario->n_monitors;
	const char **labels = calloc(most, sizeof(*labels));
	char *link_labels = calloc((size_t)graph->n_links + 1, 2 * MF_ID_MAX + 2);
	hid_t type = string_type();
	if (!labels || !link_labels) {
		status = mf_error_set(err, MF_ERR_NOMEM, "output: no memory for labels");
		goto done;
	}
	if (type < 0) {
		status = hdf5_fail(err, out, "make the string type for", "place");
		goto done;
	}
	for (int d = 0; d < DIM_COUNT; d++) {
		if (!has_dim(info, (enum dim)d))
			continue;
		const char *name = dim_names[d];
		hsize_t size = dim_size(info, (enum dim)d);
		bool numeric = d == DIM_TIME || d == DIM_REPLICATE;
		scales[d] = create_dataset(out->file, name,
					   numeric ? H5T_STD_I32LE : type, 1, &size,
					   NULL, !numeric);
		if (scales[d] < 0) {
			status = hdf5_fail(err, out, "create", name);
			goto done;
		}
		if (H5DSset_scale(scales[d], name) < 0) {
			status = hdf5_fail(err, out, "make a dimension of", name);
			goto done;
		}
		if (d == DIM_TIME || d == DIM_REPLICATE) {
			status = d == DIM_TIME ? write_time(out, scales[d], info, err)
				: write_replicates(out, scales[d], info, err);
			if (status != MF_OK)
				goto done;
			continue;
		}
		if (!dim_labels(info, (enum dim)d, labels, link_labels)) {
			status = mf_error_set(err, MF_ERR_INTERNAL,
					      "output: no name for an entry of '%s'", name);
			goto done;
		}
		if (write_all(scales[d], type, (size_t)size, labels) < 0 ||
		    put_names(scales[d], dim_long_names[d], NULL) < 0) {
			status = hdf5_fail(err, out, "write", name);
			goto done;
		}
	}
done:
	if (type >= 0 && H5Tclose(type) < 0 && status == MF_OK)
		status = hdf5_fail(err, out, "close the string type for", "place");
	free(link_labels);
	free(labels);
	return status;
}

static enum mf_status write_table(struct mf_output *out,
				  const struct mf_output_info *info,
				  enum table table, const hid_t scales[DIM_COUNT],
				  void *values, struct mf_error *err)
{
	const struct table_spec *spec = &table_specs[table];
	enum mf_status status = MF_OK;
	hsize_t size = dim_size(info, spec->dim);
	size_t n = (size_t)size;
	hid_t file_type, memory_type;
	hid_t type = -1;
	switch (spec->kind) {
	case VALUE_STRING: {
		const char **strings = values;
		for (size_t i = 0; i < n; i++) {
			strings[i] = table_string(info, table, (int)i);
			if (!strings[i])
				return mf_error_set(err, MF_ERR_INTERNAL,
						    "output: no value for '%s' %zu",
						    spec->name, i);
		}
		type = string_type();
		if (type < 0)
			return hdf5_fail(err, out, "make the string type for",
					 spec->name);
		file_type = memory_type = type;
		break;
	}
	case VALUE_DOUBLE: {
		double *numbers = values;
		for (size_t i = 0; i < n; i++)
			numbers[i] = table_double(info, table, (int)i);
		file_type = H5T_IEEE_F64LE;
		memory_type = H5T_NATIVE_DOUBLE;
		break;
	}
	case VALUE_INT32:
	default: {
		int32_t *numbers = values;
		for (size_t i = 0; i < n; i++)
			numbers[i] = table_int32(info, table, (int)i);
		file_type = H5T_STD_I32LE;
		memory_type = H5T_NATIVE_INT32;
		break;
	}
	}
	hid_t dataset = create_dataset(out->file, spec->name, file_type, 1, &size,
				       NULL, spec->kind == VALUE_STRING);
	if (dataset < 0) {
		status = hdf5_fail(err, out, "create", spec->name);
		goto close_type;
	}
	if (write_all(dataset, memory_type, n, values) < 0 ||
	    H5DSattach_scale(dataset, scales[spec->dim], 0) < 0 ||
	    put_names(dataset, spec->long_name, spec->units) < 0)
		status = hdf5_fail(err, out, "write", spec->name);
	if (H5Dclose(dataset) < 0 && status == MF_OK)
		status = hdf5_fail(err, out, "close", spec->name);
close_type:
	if (type >= 0 && H5Tclose(type) < 0 && status == MF_OK)
		status = hdf5_fail(err, out, "close the string type for", spec->name);
	return status;
}

static enum mf_status write_tables(struct mf_output *out,
				   const struct mf_output_info *info,
				   const hid_t scales[DIM_COUNT],
				   struct mf_error *err)
{
	enum mf_status status = MF_OK;
	size_t most = 1;
	for (int d = DIM_PLACE; d <= DIM_MONITOR; d++)
		if ((size_t)dim_size(info, (enum dim)d) > most)
			most = (size_t)dim_size(info, (enum dim)d);
	/* Room for the largest table of any kind. */
	size_t slot = sizeof(double);
	if (sizeof(const char *) > slot)
		slot = sizeof(const char *);
	void *values = calloc(most, slot);
	if (!values)
		return mf_error_set(err, MF_ERR_NOMEM, "output: no memory for tables");
	for (int t = 0; t < TABLE_COUNT && status == MF_OK; t++)
		status = write_table(out, info, (enum table)t, scales, values, err);
	free(values);
	return status;
}

/* The CF `coordinates` attribute of a series: the tables along its axes, so
 * that xarray shows them as coordinates. Writes "" when there are none. */
static void coordinates_of(const struct series_spec *spec, char *text,
			   size_t size)
{
	size_t used = 0;
	text[0] = '\0';
	for (int t = 0; t < TABLE_COUNT; t++) {
		bool along = false;
		for (int a = 1; a < spec->rank; a++)
			along = along || spec->axes[a] == table_specs[t].dim;
		if (!along)
			continue;
		int n = snprintf(text + used, size - used, "%s%s", used ? " " : "",
				 table_specs[t].name);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
}

/* Days per block of a series: at most BLOCK_DAYS_MAX and the block at most
 * BLOCK_BYTES, but at least one day. */
static int block_days_for(size_t row, int days)
{
	size_t block = BLOCK_BYTES / ((row ? row : 1) * sizeof(int64_t));
	if (block > BLOCK_DAYS_MAX)
		block = BLOCK_DAYS_MAX;
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
	series->summary = create_dataset(out->file, name, H5T_IEEE_F64LE, rank,
					 dims, series->row ? chunk : NULL, false);
	if (series->summary < 0)
		return hdf5_fail(err, out, "create", name);
	if (H5DSattach_scale(series->summary, scales[DIM_STATISTIC], 0) < 0)
		return hdf5_fail(err, out, "attach dimensions to", name);
	for (int a = 0; a < spec->rank; a++)
		if (H5DSattach_scale(series->summary, scales[spec->axes[a]],
				     (unsigned)a + 1) < 0)
			return hdf5_fail(err, out, "attach dimensions to", name);
	if (put_names(series->summary, long_name, spec->units) < 0 ||
	    (coordinates[0] &&
	     put_string_attr(series->summary, "coordinates", coordinates) < 0))
		return hdf5_fail(err, out, "write attributes of", name);
	return MF_OK;
}

static enum mf_status create_series(struct mf_output *out,
				    const struct mf_output_info *info,
				    const hid_t scales[DIM_COUNT],
				    struct mf_error *err)
{
	bool ensemble = info->replicates > 0;
	for (int s = 0; s < SERIES_COUNT; s++) {
		const struct series_spec *spec = &series_specs[s];
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
			series->dims[a] = dim_size(info, axes[a]);
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
		series->dataset = create_dataset(out->file, spec->name, H5T_STD_I64LE,
						 series->rank, series->dims,
						 empty ? NULL : chunk, false);
		if (series->dataset < 0)
			return hdf5_fail(err, out, "create", spec->name);
		for (int a = 0; a < series->rank; a++)
			if (H5DSattach_scale(series->dataset, scales[axes[a]],
					     (unsigned)a) < 0)
				return hdf5_fail(err, out,
						 "attach dimensions to", spec->name);
		char coordinates[256];
		coordinates_of(spec, coordinates, sizeof(coordinates));
		if (put_names(series->dataset, spec->long_name, spec->units) < 0 ||
		    (coordinates[0] &&
		     put_string_attr(series->dataset, "coordinates", coordinates) < 0))
			return hdf5_fail(err, out, "write attributes of",
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
		if (!series_specs[s].summarised)
			continue;
		char coordinates[256];
		coordinates_of(&series_specs[s], coordinates, sizeof(coordinates));
		enum mf_status status = create_summary(out, &series_specs[s],
						       &out->series[s], scales,
						       coordinates, err);
		if (status != MF_OK)
			return status;
	}
	return MF_OK;
}

static enum mf_status write_global_attrs(struct mf_output *out,
					 const struct mf_output_info *info,
					 struct mf_error *err)
{
	const struct mf_scenario *scenario = info->scenario;
	char start[11];
	mf_date_format(scenario->start, start);
	hid_t root = out->file;
	if (put_string_attr(root, "title", "migflow run") < 0 ||
	    put_string_attr(root, "Conventions", "CF-1.8") < 0 ||
	    put_string_attr(root, "engine", "migflow") < 0 ||
	    put_string_attr(root, "engine_version", MF_VERSION) < 0 ||
	    put_string_attr(root, "scenario_name", scenario->name) < 0 ||
	    put_string_attr(root, "scenario_path", scenario->path) < 0 ||
	    put_string_attr(root, "scenario",
			    scenario->resolved_text ? scenario->resolved_text : "") < 0 ||
	    put_string_attr(root, "scenario_sources",
			    scenario->source_text ? scenario->source_text : "") < 0 ||
	    put_uint64_attr(root, "seed", info->seed) < 0 ||
	    (info->replicates == 0 &&
	     put_uint32_attr(root, "replicate", info->replicate) < 0) ||
	    (info->replicates > 0 &&
	     put_int32_attr(root, "replicates", info->replicates) < 0) ||
	    put_int32_attr(root, "threads", info->threads) < 0 ||
	    put_string_attr(root, "start_date", start) < 0 ||
	    put_int32_attr(root, "days", info->days) < 0 ||
	    put_int32_attr(root, "agent_scale", scenario->agent_scale) < 0)
		return hdf5_fail(err, out, "write the global attributes", NULL);
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
	if (put_uint64_attr(out->file, "agent_steps", stats->agent_steps) < 0 ||
	    put_double_attr(out->file, "wall_seconds", stats->wall_seconds) < 0 ||
	    put_string_attr(out->file, "created", created) < 0 ||
	    put_int32_attr(out->file, "complete", 1) < 0)
		return hdf5_fail(err, out, "write the global attributes", NULL);
	return MF_OK;
}

/* Creates the partial file: netCDF-4 needs link and attribute creation order
 * tracked and indexed on the root group; the 1.8 format at least keeps large
 * attribute sets efficient. A strong close degree makes a successful
 * H5Fclose mean the file really is closed and flushed. */
static hid_t create_file(const char *name)
{
	hid_t file = -1;
	hid_t fapl = -1;
	hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
	if (fcpl < 0)
		return -1;
	if (H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED |
					     H5P_CRT_ORDER_INDEXED) < 0 ||
	    H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED |
					     H5P_CRT_ORDER_INDEXED) < 0 ||
	    H5Pset_obj_track_times(fcpl, false) < 0)
		goto close_fcpl;
	fapl = H5Pcreate(H5P_FILE_ACCESS);
	if (fapl < 0)
		goto close_fcpl;
	if (H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) < 0 ||
	    H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0)
		goto close_fapl;
	file = H5Fcreate(name, H5F_ACC_TRUNC, fcpl, fapl);
close_fapl:
	if (H5Pclose(fapl) < 0 && file >= 0) {
		H5Fclose(file);
		file = -1;
	}
close_fcpl:
	if (H5Pclose(fcpl) < 0 && file >= 0) {
		H5Fclose(file);
		file = -1;
	}
	return file;
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
static void drop(struct mf_output *out)
{
	/* Failures here have nobody to go to: the caller is already handling
	 * an error or giving up on the file. */
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
static enum mf_status check_path(const char *path, bool force,
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
static struct mf_output *new_output(const char *path, enum output_kind kind,
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
	if (check_info(info, err) != MF_OK || check_path(path, force, err) != MF_OK)
		return NULL;
	struct mf_output *out = new_output(path, OUTPUT_RUN, err);
	if (!out)
		return NULL;
	out->days = info->days;
	out->replicates = info->replicates;

	struct quiet quiet;
	quiet_begin(&quiet, out->hdf5_detail);
	enum mf_status status = MF_OK;
	hid_t scales[DIM_COUNT];
	for (int d = 0; d < DIM_COUNT; d++)
		scales[d] = -1;
	out->file = create_file(out->partial);
	if (out->file < 0) {
		status = hdf5_fail(err, out, "create the file", NULL);
		goto close_scales;
	}
	status = write_global_attrs(out, info, err);
	if (status != MF_OK)
		goto close_scales;
	status = create_dims(out, info, scales, err);
	if (status != MF_OK)
		goto close_scales;
	status = write_tables(out, info, scales, err);
	if (status != MF_OK)
		goto close_scales;
	status = create_series(out, info, scales, err);
close_scales:
	for (int d = 0; d < DIM_COUNT; d++)
		if (scales[d] >= 0 && H5Dclose(scales[d]) < 0 && status == MF_OK)
			status = hdf5_fail(err, out, "close", dim_names[d]);
	if (status != MF_OK) {
		drop(out);
		out = NULL;
	}
	quiet_end(&quiet);
	return out;
}

struct mf_output *mf_output_create_batch(const char *path, bool force,
					 struct mf_error *err)
{
	if (check_path(path, force, err) != MF_OK)
		return NULL;
	struct mf_output *out = new_output(path, OUTPUT_BATCH, err);
	if (!out)
		return NULL;
	struct quiet quiet;
	quiet_begin(&quiet, out->hdf5_detail);
	enum mf_status status = MF_OK;
	out->file = create_file(out->partial);
	if (out->file < 0)
		status = hdf5_fail(err, out, "create the file", NULL);
	else if (put_string_attr(out->file, "title", "migflow batch") < 0 ||
		 put_string_attr(out->file, "Conventions", "CF-1.8") < 0 ||
		 put_string_attr(out->file, "engine", "migflow") < 0 ||
		 put_string_attr(out->file, "engine_version", MF_VERSION) < 0 ||
		 put_int32_attr(out->file, "migflow_batch", 1) < 0)
		status = hdf5_fail(err, out, "write the global attributes", NULL);
	if (status != MF_OK) {
		drop(out);
		out = NULL;
	}
	quiet_end(&quiet);
	return out;
}

/* Writes the buffered days of a series (if any) in one hyperslab: in an
 * ensemble, into the row of the replicate being received. */
static enum mf_status flush_series(struct mf_output *out, enum series which,
				   struct mf_error *err)
{
	const struct series_spec *spec = &series_specs[which];
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
		status = hdf5_fail(err, out, "write", spec->name);
	if (memory >= 0 && H5Sclose(memory) < 0 && status == MF_OK)
		status = hdf5_fail(err, out, "write", spec->name);
	if (space >= 0 && H5Sclose(space) < 0 && status == MF_OK)
		status = hdf5_fail(err, out, "write", spec->name);
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
					    counts->day, series_specs[s].name);
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
	struct quiet quiet;
	quiet_begin(&quiet, out->hdf5_detail);
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
	quiet_end(&quiet);
	return status;
}

double mf_output_percentile(const double *sorted, int n, double q)
{
	if (n < 1)
		return NAN;
	/* numpy's "linear" method: virtual index (n - 1) q, clipped to the
	 * ends, and its _lerp, which interpolates from the nearer end. */
	double index = (double)(n - 1) * q;
	if (!(index > 0))
		return sorted[0];
	if (index >= (double)(n - 1))
		return sorted[n - 1];
	double below = floor(index);
	int i = (int)below;
	double t = index - below;
	double a = sorted[i], b = sorted[i + 1], diff = b - a;
	return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Reads (write = false) or writes a slab [first, first + count) along the
 * first axis and [day, day + days) along the second of a dataset whose
 * further axes are dims[2..rank). */
static herr_t slab_io(hid_t dataset, bool write, hid_t memory_type, int rank,
		      const hsize_t *dims, hsize_t first, hsize_t count_first,
		      hsize_t day, hsize_t days, void *values)
{
	hsize_t start[MAX_RANK] = {0}, count[MAX_RANK];
	for (int a = 0; a < rank; a++)
		count[a] = dims[a];
	start[0] = first;
	count[0] = count_first;
	start[1] = day;
	count[1] = days;
	herr_t status = -1;
	hid_t memory = -1;
	hid_t space = H5Dget_space(dataset);
	if (space < 0)
		return -1;
	if (H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) < 0)
		goto close_space;
	memory = H5Screate_simple(rank, count, NULL);
	if (memory < 0)
		goto close_space;
	status = write ? H5Dwrite(dataset, memory_type, memory, space, H5P_DEFAULT, values)
		: H5Dread(dataset, memory_type, memory, space, H5P_DEFAULT, values);
	if (H5Sclose(memory) < 0)
		status = -1;
close_space:
	if (H5Sclose(space) < 0)
		status = -1;
	return status;
}

/* Fills summary_<name> of one series from the replicates in the file, a
 * slab of days at a time: all replicates of as many days as fit in
 * STAT_READ_BYTES (at least one). */
static enum mf_status summarise_series(struct mf_output *out, enum series which,
				       struct mf_error *err)
{
	struct series_data *series = &out->series[which];
	const char *name = series_specs[which].name;
	if (series->summary < 0 || series->row == 0)
		return MF_OK;
	enum mf_status status = MF_OK;
	size_t replicates = (size_t)out->replicates;
	size_t row = series->row;
	size_t slab = STAT_READ_BYTES / (replicates * row * sizeof(int64_t));
	if (slab < 1)
		slab = 1;
	if (slab > (size_t)out->days)
		slab = (size_t)out->days;
	int64_t *values = malloc(replicates * slab * row * sizeof(*values));
	double *stats = malloc(STAT_COUNT * slab * row * sizeof(*stats));
	double *sorted = malloc(replicates * sizeof(*sorted));
	if (!values || !stats || !sorted) {
		status = mf_error_set(err, MF_ERR_NOMEM,
				      "output: no memory to summarise '%s'", name);
		goto done;
	}
	hsize_t summary_dims[MAX_RANK];
	summary_dims[0] = STAT_COUNT;
	for (int a = 1; a < series->rank; a++)
		summary_dims[a] = series->dims[a];
	for (size_t day = 0; day < (size_t)out->days; day += slab) {
		size_t days = slab;
		if (days > (size_t)out->days - day)
			days = (size_t)out->days - day;
		if (slab_io(series->dataset, false, H5T_NATIVE_INT64, series->rank,
			    series->dims, 0, replicates, day, days, values) < 0) {
			status = hdf5_fail(err, out, "read back", name);
			goto done;
		}
		size_t cells = days * row;
		for (size_t c = 0; c < cells; c++) {
			double sum = 0;
			for (size_t r = 0; r < replicates; r++) {
				sorted[r] = (double)values[r * cells + c];
				sum += sorted[r];
			}
			qsort(sorted, replicates, sizeof(*sorted), compare_doubles);
			stats[STAT_MEAN * cells + c] = sum / (double)replicates;
			for (int k = STAT_P05; k < STAT_COUNT; k++)
				stats[(size_t)k * cells + c] = mf_output_percentile(
					sorted, (int)replicates, statistic_quantiles[k]);
		}
		if (slab_io(series->summary, true, H5T_NATIVE_DOUBLE, series->rank,
			    summary_dims, 0, STAT_COUNT, day, days, stats) < 0) {
			status = hdf5_fail(err, out, "write the summary of", name);
			goto done;
		}
	}
done:
	free(sorted);
	free(stats);
	free(values);
	return status;
}

enum mf_status mf_output_finish(struct mf_output *out,
				const struct mf_run_stats *stats,
				struct mf_error *err)
{
	if (!out)
		return mf_error_set(err, MF_ERR_INTERNAL, "output: not open");
	struct quiet quiet;
	quiet_begin(&quiet, out->hdf5_detail);
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
		status = summarise_series(out, (enum series)s, err);
	if (status == MF_OK)
		status = write_run_attrs(out, stats, err);
	if (status != MF_OK)
		goto fail;
	if (!close_all(out)) {
		status = hdf5_fail(err, out, "close the file", NULL);
		goto fail;
	}
	if (rename(out->partial, out->path) < 0) {
		status = mf_error_set(err, MF_ERR_IO, "%s: cannot rename to %s: %s",
				      out->partial, out->path, strerror(errno));
		goto fail;
	}
	free_output(out);
	quiet_end(&quiet);
	return MF_OK;
fail:
	drop(out);
	quiet_end(&quiet);
	return status;
}

void mf_output_discard(struct mf_output *out)
{
	if (!out)
		return;
	struct quiet quiet;
	quiet_begin(&quiet, out->hdf5_detail);
	drop(out);
	quiet_end(&quiet);
}

/* --- tables and attributes ------------------------------------------------ */

/* A name HDF5 and netCDF take for a variable, dimension or attribute. */
static bool valid_name(const char *name)
{
	return name && name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strlen(name) < 256;
}

/* Whether the root of the file has a link called name (-1 on failure). */
static int has_link(struct mf_output *out, const char *name)
{
	htri_t found = H5Lexists(out->file, name, H5P_DEFAULT);
	return found < 0 ? -1 : found > 0;
}

static enum mf_status check_table(struct mf_output *out,
				  const struct mf_table *table,
				  struct mf_error *err)
{
	if (!table || !valid_name(table->dimension) || !table->long_name ||
	    table->n_rows < 0 || table->n_columns < 0 ||
	    (table->n_rows > 0 && !table->labels) ||
	    (table->n_columns > 0 && !table->columns))
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: malformed table '%s'",
				    table && table->dimension ? table->dimension : "");
	for (int i = 0; i < table->n_rows; i++)
		if (!table->labels[i])
			return mf_error_set(err, MF_ERR_INTERNAL,
					    "output: table '%s': row %d has no label",
					    table->dimension, i);
	const char *names[1 + 256];
	if (table->n_columns > 256)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: table '%s': more than 256 columns",
				    table->dimension);
	names[0] = table->dimension;
	for (int c = 0; c < table->n_columns; c++) {
		const struct mf_table_column *column = &table->columns[c];
		bool number = column->kind == MF_COLUMN_NUMBER;
		if (!valid_name(column->name) || !column->long_name ||
		    (column->kind != MF_COLUMN_NUMBER && column->kind != MF_COLUMN_TEXT) ||
		    (table->n_rows > 0 && number && !column->numbers) ||
		    (table->n_rows > 0 && !number && !column->texts))
			return mf_error_set(err, MF_ERR_INTERNAL,
					    "output: table '%s': malformed column %d ('%s')",
					    table->dimension, c,
					    column->name ? column->name : "");
		for (int i = 0; !number && i < table->n_rows; i++)
			if (!column->texts[i])
				return mf_error_set(err, MF_ERR_INTERNAL,
						    "output: table '%s': column '%s' has no text in row %d",
						    table->dimension, column->name, i);
		names[c + 1] = column->name;
	}
	for (int i = 0; i <= table->n_columns; i++) {
		for (int j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return mf_error_set(err, MF_ERR_INTERNAL,
						    "output: table '%s': name '%s' used twice",
						    table->dimension, names[i]);
		int found = has_link(out, names[i]);
		if (found < 0)
			return hdf5_fail(err, out, "look for", names[i]);
		if (found)
			return mf_error_set(err, MF_ERR_INTERNAL,
					    "output: table '%s': '%s' is already in the file",
					    table->dimension, names[i]);
	}
	return MF_OK;
}

static enum mf_status write_column(struct mf_output *out,
				   const struct mf_table *table,
				   const struct mf_table_column *column,
				   hid_t scale, hid_t string, struct mf_error *err)
{
	hsize_t size = (hsize_t)table->n_rows;
	bool number = column->kind == MF_COLUMN_NUMBER;
	enum mf_status status = MF_OK;
	hid_t dataset = create_dataset(out->file, column->name,
				       number ? H5T_IEEE_F64LE : string, 1, &size,
				       NULL, !number);
	if (dataset < 0)
		return hdf5_fail(err, out, "create", column->name);
	if (write_all(dataset, number ? H5T_NATIVE_DOUBLE : string,
		      (size_t)table->n_rows,
		      number ? (const void *)column->numbers
			     : (const void *)column->texts) < 0 ||
	    H5DSattach_scale(dataset, scale, 0) < 0 ||
	    put_names(dataset, column->long_name, column->units) < 0)
		status = hdf5_fail(err, out, "write", column->name);
	if (H5Dclose(dataset) < 0 && status == MF_OK)
		status = hdf5_fail(err, out, "close", column->name);
	return status;
}

static enum mf_status write_user_table(struct mf_output *out,
				       const struct mf_table *table,
				       struct mf_error *err)
{
	enum mf_status status = check_table(out, table, err);
	if (status != MF_OK)
		return status;
	hsize_t size = (hsize_t)table->n_rows;
	hid_t string = string_type();
	if (string < 0)
		return hdf5_fail(err, out, "make the string type for", table->dimension);
	hid_t scale = create_dataset(out->file, table->dimension, string, 1, &size,
				     NULL, true);
	if (scale < 0) {
		status = hdf5_fail(err, out, "create", table->dimension);
		goto close_string;
	}
	if (H5DSset_scale(scale, table->dimension) < 0 ||
	    write_all(scale, string, (size_t)table->n_rows, table->labels) < 0 ||
	    put_names(scale, table->long_name, NULL) < 0) {
		status = hdf5_fail(err, out, "write", table->dimension);
		goto close_scale;
	}
	for (int c = 0; c < table->n_columns && status == MF_OK; c++)
		status = write_column(out, table, &table->columns[c], scale, string, err);
close_scale:
	if (H5Dclose(scale) < 0 && status == MF_OK)
		status = hdf5_fail(err, out, "close", table->dimension);
close_string:
	if (H5Tclose(string) < 0 && status == MF_OK)
		status = hdf5_fail(err, out, "close the string type for", table->dimension);
	return status;
}

/* Runs a writing step on an open output with HDF5 kept quiet; a failure
 * leaves the output good only for discarding. */
static enum mf_status guarded(struct mf_output *out, struct mf_error *err,
			      enum mf_status (*step)(struct mf_output *, const void *,
						     struct mf_error *),
			      const void *arg)
{
	if (!out)
		return mf_error_set(err, MF_ERR_INTERNAL, "output: not open");
	if (out->failed)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "%s: an earlier write failed", out->partial);
	struct quiet quiet;
	quiet_begin(&quiet, out->hdf5_detail);
	enum mf_status status = step(out, arg, err);
	if (status != MF_OK)
		out->failed = true;
	quiet_end(&quiet);
	return status;
}

static enum mf_status table_step(struct mf_output *out, const void *arg,
				 struct mf_error *err)
{
	return write_user_table(out, arg, err);
}

enum mf_status mf_output_add_table(struct mf_output *out,
				   const struct mf_table *table,
				   struct mf_error *err)
{
	return guarded(out, err, table_step, table);
}

struct text_attribute {
	const char *name, *value;
};

static enum mf_status text_attribute_step(struct mf_output *out, const void *arg,
					  struct mf_error *err)
{
	const struct text_attribute *attribute = arg;
	if (!valid_name(attribute->name) || !attribute->value)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: malformed attribute '%s'",
				    attribute->name ? attribute->name : "");
	htri_t found = H5Aexists(out->file, attribute->name);
	if (found < 0)
		return hdf5_fail(err, out, "look for attribute", attribute->name);
	if (found > 0)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: attribute '%s' is already in the file",
				    attribute->name);
	if (put_string_attr(out->file, attribute->name, attribute->value) < 0)
		return hdf5_fail(err, out, "write attribute", attribute->name);
	return MF_OK;
}

enum mf_status mf_output_add_text_attribute(struct mf_output *out,
					    const char *name, const char *value,
					    struct mf_error *err)
{
	struct text_attribute attribute = {name, value};
	return guarded(out, err, text_attribute_step, &attribute);
}

/* --- copying a run file into a batch file -------------------------------- */

struct names {
	char **items;
	int n, capacity;
	bool failed;
};

static void names_free(struct names *names)
{
	for (int i = 0; i < names->n; i++)
		free(names->items[i]);
	free(names->items);
}

static herr_t collect_link(hid_t group, const char *name, const H5L_info_t *info,
			   void *data)
{
	struct names *names = data;
	(void)group;
	if (info->type != H5L_TYPE_HARD)
		return 0;
	if (names->n == names->capacity) {
		int capacity = names->capacity ? 2 * names->capacity : 32;
		char **items = realloc(names->items, (size_t)capacity * sizeof(*items));
		if (!items) {
			names->failed = true;
			return -1;
		}
		names->items = items;
		names->capacity = capacity;
	}
	names->items[names->n] = concat(name, "");
	if (!names->items[names->n]) {
		names->failed = true;
		return -1;
	}
	names->n++;
	return 0;
}

/* Attributes the dimension-scale API keeps on datasets (object references
 * into the file they are in): rebuilt, not copied. */
static bool scale_bookkeeping(const char *name)
{
	return !strcmp(name, "DIMENSION_LIST") || !strcmp(name, "REFERENCE_LIST") ||
	       !strcmp(name, "CLASS") || !strcmp(name, "NAME");
}

struct attribute_copy {
	hid_t target;
	bool skip_scales;
	bool failed;
	char failed_name[256];
};

/* The type to read a value of stored type `type` into: variable-length
 * strings as char *, the rest as the native equivalent. Caller closes. */
static hid_t memory_type_of(hid_t type, bool *variable_string)
{
	htri_t variable = H5Tis_variable_str(type);
	*variable_string = variable > 0;
	if (variable < 0)
		return -1;
	if (!variable)
		return H5Tget_native_type(type, H5T_DIR_ASCEND);
	H5T_cset_t cset = H5Tget_cset(type);
	hid_t memory = string_type();
	if (memory >= 0 && cset >= 0 && H5Tset_cset(memory, cset) < 0) {
		H5Tclose(memory);
		return -1;
	}
	return memory;
}

static herr_t copy_attribute(hid_t object, const char *name,
			     const H5A_info_t *info, void *data)
{
	struct attribute_copy *copy = data;
	(void)info;
	if (copy->skip_scales && scale_bookkeeping(name))
		return 0;
	herr_t status = -1;
	bool variable = false;
	void *values = NULL;
	hid_t memory = -1, space = -1, type = -1, target = -1;
	hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
	if (attribute < 0)
		goto done;
	if ((type = H5Aget_type(attribute)) < 0 ||
	    (space = H5Aget_space(attribute)) < 0 ||
	    (memory = memory_type_of(type, &variable)) < 0)
		goto done;
	hssize_t n = H5Sget_simple_extent_npoints(space);
	size_t size = H5Tget_size(memory);
	if (n < 0 || size == 0 || !(values = calloc(n > 0 ? (size_t)n : 1, size)))
		goto done;
	if (H5Aread(attribute, memory, values) < 0)
		goto done;
	target = H5Acreate2(copy->target, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
	if (target >= 0 && H5Awrite(target, memory, values) >= 0)
		status = 0;
	if (variable && H5Dvlen_reclaim(memory, space, H5P_DEFAULT, values) < 0)
		status = -1;
done:
	free(values);
	if (target >= 0 && H5Aclose(target) < 0)
		status = -1;
	if (memory >= 0 && H5Tclose(memory) < 0)
		status = -1;
	if (space >= 0 && H5Sclose(space) < 0)
		status = -1;
	if (type >= 0 && H5Tclose(type) < 0)
		status = -1;
	if (attribute >= 0 && H5Aclose(attribute) < 0)
		status = -1;
	if (status < 0) {
		copy->failed = true;
		snprintf(copy->failed_name, sizeof(copy->failed_name), "%s", name);
	}
	return status;
}

/* Copies every attribute of source to target, in creation order when the
 * source tracks it. */
static herr_t copy_attributes(hid_t source, hid_t create_plist, hid_t target,
			      bool skip_scales)
{
	unsigned order = 0;
	H5_index_t index = H5_INDEX_NAME;
	if (create_plist >= 0 && H5Pget_attr_creation_order(create_plist, &order) >= 0 &&
	    (order & H5P_CRT_ORDER_TRACKED))
		index = H5_INDEX_CRT_ORDER;
	struct attribute_copy copy = {.target = target, .skip_scales = skip_scales};
	if (H5Aiterate2(source, index, H5_ITER_INC, NULL, copy_attribute, &copy) < 0 ||
	    copy.failed)
		return -1;
	return 0;
}

/* Copies the values of a dataset, a slab of about COPY_BYTES along its
 * first axis at a time (strings all at once). */
static herr_t copy_values(hid_t source, hid_t target, hid_t type, hid_t space)
{
	herr_t status = -1;
	bool variable = false;
	void *values = NULL;
	hid_t memory = memory_type_of(type, &variable);
	if (memory < 0)
		return -1;
	int rank = H5Sget_simple_extent_ndims(space);
	hsize_t dims[H5S_MAX_RANK];
	hssize_t points = H5Sget_simple_extent_npoints(space);
	size_t size = H5Tget_size(memory);
	if (rank < 0 || points < 0 || size == 0 ||
	    H5Sget_simple_extent_dims(space, dims, NULL) < 0)
		goto done;
	if (points == 0) {
		status = 0;
		goto done;
	}
	if (variable || rank == 0) {
		values = calloc((size_t)points, size);
		if (values && H5Dread(source, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0) {
			status = H5Dwrite(target, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
			if (variable && H5Dvlen_reclaim(memory, space, H5P_DEFAULT, values) < 0)
				status = -1;
		}
		goto done;
	}
	size_t row_bytes = size;
	for (int a = 1; a < rank; a++)
		row_bytes *= (size_t)dims[a];
	hsize_t rows = COPY_BYTES / row_bytes;
	if (rows < 1)
		rows = 1;
	if (rows > dims[0])
		rows = dims[0];
	values = malloc((size_t)rows * row_bytes);
	if (!values)
		goto done;
	status = 0;
	for (hsize_t first = 0; first < dims[0] && status >= 0; first += rows) {
		hsize_t start[H5S_MAX_RANK] = {0}, count[H5S_MAX_RANK];
		for (int a = 0; a < rank; a++)
			count[a] = dims[a];
		start[0] = first;
		count[0] = rows < dims[0] - first ? rows : dims[0] - first;
		hid_t memory_space = H5Screate_simple(rank, count, NULL);
		hid_t source_space = H5Scopy(space), target_space = H5Scopy(space);
		if (memory_space < 0 || source_space < 0 || target_space < 0 ||
		    H5Sselect_hyperslab(source_space, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
		    H5Sselect_hyperslab(target_space, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
		    H5Dread(source, memory, memory_space, source_space, H5P_DEFAULT, values) < 0 ||
		    H5Dwrite(target, memory, memory_space, target_space, H5P_DEFAULT, values) < 0)
			status = -1;
		if (memory_space >= 0 && H5Sclose(memory_space) < 0)
			status = -1;
		if (source_space >= 0 && H5Sclose(source_space) < 0)
			status = -1;
		if (target_space >= 0 && H5Sclose(target_space) < 0)
			status = -1;
	}
done:
	free(values);
	if (H5Tclose(memory) < 0)
		status = -1;
	return status;
}

/* Copies dataset name from source to target (a group): type, shape,
 * creation properties (chunks, fill, attribute order), values, attributes
 * and, for a dimension scale, its scale name. */
static enum mf_status copy_dataset(struct mf_output *out, hid_t source_group,
				   hid_t target_group, const char *name,
				   struct mf_error *err)
{
	enum mf_status status = MF_OK;
	hid_t type = -1, space = -1, dcpl = -1, target = -1;
	hid_t source = H5Dopen2(source_group, name, H5P_DEFAULT);
	if (source < 0)
		return hdf5_fail(err, out, "open (only datasets are copied)", name);
	if ((type = H5Dget_type(source)) < 0 || (space = H5Dget_space(source)) < 0 ||
	    (dcpl = H5Dget_create_plist(source)) < 0) {
		status = hdf5_fail(err, out, "read the layout of", name);
		goto done;
	}
	target = H5Dcreate2(target_group, name, type, space, H5P_DEFAULT, dcpl,
			    H5P_DEFAULT);
	if (target < 0) {
		status = hdf5_fail(err, out, "create", name);
		goto done;
	}
	htri_t scale = H5DSis_scale(source);
	if (scale > 0) {
		char scale_name[256] = "";
		ssize_t length = H5DSget_scale_name(source, scale_name, sizeof(scale_name));
		if (H5DSset_scale(target, length > 0 ? scale_name : NULL) < 0) {
			status = hdf5_fail(err, out, "make a dimension of", name);
			goto done;
		}
	}
	if (scale < 0 || copy_values(source, target, type, space) < 0) {
		status = hdf5_fail(err, out, "copy the values of", name);
		goto done;
	}
	if (copy_attributes(source, dcpl, target, true) < 0)
		status = hdf5_fail(err, out, "copy the attributes of", name);
done:
	if (target >= 0 && H5Dclose(target) < 0 && status == MF_OK)
		status = hdf5_fail(err, out, "close", name);
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (space >= 0)
		H5Sclose(space);
	if (type >= 0)
		H5Tclose(type);
	H5Dclose(source);
	return status;
}

/* The name (last path component) of the first scale attached to an axis. */
static herr_t first_scale_name(hid_t dataset, unsigned axis, hid_t scale, void *data)
{
	char *name = data;
	char path[512];
	(void)dataset;
	(void)axis;
	ssize_t length = H5Iget_name(scale, path, sizeof(path));
	if (length <= 0 || (size_t)length >= sizeof(path))
		return -1;
	const char *last = strrchr(path, '/');
	snprintf(name, 256, "%s", last ? last + 1 : path);
	return 1;
}

/* Attaches to dataset name in target the scales (found by name in target)
 * that its source has on each axis. */
static enum mf_status copy_scales(struct mf_output *out, hid_t source_group,
				  hid_t target_group, const char *name,
				  struct mf_error *err)
{
	enum mf_status status = MF_OK;
	hid_t target = -1, space = -1;
	hid_t source = H5Dopen2(source_group, name, H5P_DEFAULT);
	if (source < 0)
		return hdf5_fail(err, out, "open", name);
	htri_t scale = H5DSis_scale(source);
	if (scale != 0) {
		if (scale < 0)
			status = hdf5_fail(err, out, "read the dimensions of", name);
		goto done;
	}
	target = H5Dopen2(target_group, name, H5P_DEFAULT);
	space = H5Dget_space(source);
	int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
	if (target < 0 || rank < 0) {
		status = hdf5_fail(err, out, "open", name);
		goto done;
	}
	for (int axis = 0; axis < rank && status == MF_OK; axis++) {
		int n = H5DSget_num_scales(source, (unsigned)axis);
		if (n <= 0)
			continue;
		char scale_name[256] = "";
		if (H5DSiterate_scales(source, (unsigned)axis, NULL, first_scale_name,
				       scale_name) < 0) {
			status = hdf5_fail(err, out, "read the dimensions of", name);
			break;
		}
		hid_t target_scale = H5Dopen2(target_group, scale_name, H5P_DEFAULT);
		if (target_scale < 0 ||
		    H5DSattach_scale(target, target_scale, (unsigned)axis) < 0)
			status = hdf5_fail(err, out, "attach dimensions to", name);
		if (target_scale >= 0)
			H5Dclose(target_scale);
	}
done:
	if (space >= 0)
		H5Sclose(space);
	if (target >= 0 && H5Dclose(target) < 0 && status == MF_OK)
		status = hdf5_fail(err, out, "close", name);
	H5Dclose(source);
	return status;
}

/* A group created with link and attribute creation order tracked (netCDF-4
 * needs it on every group). */
static hid_t create_group(hid_t parent, const char *name)
{
	hid_t group = -1;
	hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
	if (gcpl < 0)
		return -1;
	if (H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED |
					     H5P_CRT_ORDER_INDEXED) >= 0 &&
	    H5Pset_attr_creation_order(gcpl, H5P_CRT_ORDER_TRACKED |
					     H5P_CRT_ORDER_INDEXED) >= 0 &&
	    H5Pset_obj_track_times(gcpl, false) >= 0)
		group = H5Gcreate2(parent, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
	if (H5Pclose(gcpl) < 0 && group >= 0) {
		H5Gclose(group);
		group = -1;
	}
	return group;
}

/* Opens the groups on the way to path (creating those missing) and
 * creates its last component, which must not exist yet. */
static hid_t make_group_path(struct mf_output *out, const char *path,
			     struct mf_error *err)
{
	char *copy = concat(path, "");
	if (!copy) {
		mf_error_set(err, MF_ERR_NOMEM, "output: no memory");
		return -1;
	}
	hid_t group = -1;
	hid_t parent = H5Gopen2(out->file, "/", H5P_DEFAULT);
	char *saveptr = NULL;
	char *part = strtok_r(copy, "/", &saveptr);
	while (parent >= 0 && part) {
		char *next = strtok_r(NULL, "/", &saveptr);
		htri_t found = H5Lexists(parent, part, H5P_DEFAULT);
		if (found < 0) {
			hdf5_fail(err, out, "look for group", path);
			break;
		}
		if (found && !next) {
			mf_error_set(err, MF_ERR_INTERNAL, "%s: group '%s' exists already",
				     out->partial, path);
			break;
		}
		hid_t child = found ? H5Gopen2(parent, part, H5P_DEFAULT)
			: create_group(parent, part);
		if (child < 0) {
			hdf5_fail(err, out, "create group", path);
			break;
		}
		if (!next) {
			group = child;
			break;
		}
		H5Gclose(parent);
		parent = child;
		part = next;
	}
	if (parent >= 0)
		H5Gclose(parent);
	free(copy);
	return group;
}

static bool valid_group_path(const char *path)
{
	if (!path || !path[0] || path[0] == '/' || path[strlen(path) - 1] == '/' ||
	    strstr(path, "//"))
		return false;
	for (const char *part = path; part; part = strchr(part, '/')) {
		if (*part == '/')
			part++;
		if (part[0] == '.' && (part[1] == '/' || part[1] == '\0'))
			return false;
	}
	return true;
}

struct run_copy {
	const char *group_path, *run_path;
};

static enum mf_status copy_run(struct mf_output *out, const void *arg,
			       struct mf_error *err)
{
	const struct run_copy *what = arg;
	if (out->kind != OUTPUT_BATCH)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: runs are copied into batch files only");
	if (!valid_group_path(what->group_path) || !what->run_path)
		return mf_error_set(err, MF_ERR_INTERNAL, "output: bad group name '%s'",
				    what->group_path ? what->group_path : "");
	enum mf_status status = MF_OK;
	struct names names = {0};
	hid_t group = -1, root = -1, gcpl = -1;
	hid_t source = H5Fopen(what->run_path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (source < 0) {
		status = mf_error_set(err, MF_ERR_IO, "%s: cannot open%s%s",
				      what->run_path, out->hdf5_detail[0] ? ": " : "",
				      out->hdf5_detail);
		out->hdf5_detail[0] = '\0';
		return status;
	}
	root = H5Gopen2(source, "/", H5P_DEFAULT);
	gcpl = root >= 0 ? H5Gget_create_plist(root) : -1;
	if (gcpl < 0) {
		status = hdf5_fail(err, out, "read", what->run_path);
		goto done;
	}
	unsigned order = 0;
	H5_index_t index = H5Pget_link_creation_order(gcpl, &order) >= 0 &&
		(order & H5P_CRT_ORDER_TRACKED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
	if (H5Literate(root, index, H5_ITER_INC, NULL, collect_link, &names) < 0) {
		status = names.failed ? mf_error_set(err, MF_ERR_NOMEM, "output: no memory")
			: hdf5_fail(err, out, "list the contents of", what->run_path);
		goto done;
	}
	group = make_group_path(out, what->group_path, err);
	if (group < 0) {
		status = err ? err->code : MF_ERR_IO;
		goto done;
	}
	if (copy_attributes(root, gcpl, group, false) < 0) {
		status = hdf5_fail(err, out, "copy the global attributes into",
				   what->group_path);
		goto done;
	}
	for (int i = 0; i < names.n && status == MF_OK; i++)
		status = copy_dataset(out, root, group, names.items[i], err);
	for (int i = 0; i < names.n && status == MF_OK; i++)
		status = copy_scales(out, root, group, names.items[i], err);
done:
	names_free(&names);
	if (group >= 0 && H5Gclose(group) < 0 && status == MF_OK)
		status = hdf5_fail(err, out, "close group", what->group_path);
	if (gcpl >= 0)
		H5Pclose(gcpl);
	if (root >= 0)
		H5Gclose(root);
	H5Fclose(source);
	return status;
}

enum mf_status mf_output_add_run(struct mf_output *out, const char *group_path,
				 const char *run_path, struct mf_error *err)
{
	struct run_copy what = {group_path, run_path};
	return guarded(out, err, copy_run, &what);
}

/* --- reading a finished file --------------------------------------------- */

/* A copy of a string attribute (caller frees), or NULL. */
static char *read_text_attribute(hid_t object, const char *name)
{
	char *text = NULL;
	bool variable = false;
	hid_t memory = -1, type = -1;
	hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
	if (attribute < 0)
		return NULL;
	type = H5Aget_type(attribute);
	if (type < 0 || H5Tget_class(type) != H5T_STRING ||
	    (memory = memory_type_of(type, &variable)) < 0)
		goto done;
	if (variable) {
		char *value = NULL;
		if (H5Aread(attribute, memory, &value) >= 0 && value) {
			text = concat(value, "");
			H5free_memory(value);
		}
	} else {
		size_t size = H5Tget_size(type);
		char *value = calloc(size + 1, 1);
		if (value && H5Aread(attribute, type, value) >= 0)
			text = value;
		else
			free(value);
	}
done:
	if (memory >= 0)
		H5Tclose(memory);
	if (type >= 0)
		H5Tclose(type);
	H5Aclose(attribute);
	return text;
}

static herr_t read_number_attribute(hid_t object, const char *name,
				    hid_t memory_type, void *value)
{
	hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
	if (attribute < 0)
		return -1;
	herr_t status = H5Aread(attribute, memory_type, value);
	if (H5Aclose(attribute) < 0)
		status = -1;
	return status;
}

enum mf_status mf_output_probe(const char *path, const char *text_name,
			       char **text, struct mf_run_stats *stats,
			       struct mf_error *err)
{
	if (text)
		*text = NULL;
	if (!path)
		return mf_error_set(err, MF_ERR_INTERNAL, "output: no file name");
	char detail[DETAIL_SIZE];
	struct quiet quiet;
	quiet_begin(&quiet, detail);
	enum mf_status status = MF_OK;
	hid_t file = -1;
	if (access(path, R_OK) < 0) {
		status = mf_error_set(err, MF_ERR_IO, "%s: cannot read: %s", path,
				      strerror(errno));
		goto done;
	}
	if (H5Fis_hdf5(path) <= 0) {
		status = mf_error_set(err, MF_ERR_INPUT, "%s: not an HDF5 file", path);
		goto done;
	}
	file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (file < 0) {
		status = mf_error_set(err, MF_ERR_IO, "%s: cannot open%s%s", path,
				      detail[0] ? ": " : "", detail);
		goto done;
	}
	int32_t complete = 0;
	if (H5Aexists(file, "complete") <= 0 ||
	    read_number_attribute(file, "complete", H5T_NATIVE_INT32, &complete) < 0 ||
	    complete != 1) {
		status = mf_error_set(err, MF_ERR_INPUT,
				      "%s: not a complete migflow file", path);
		goto done;
	}
	if (stats) {
		stats->agent_steps = 0;
		stats->wall_seconds = 0;
		if ((H5Aexists(file, "agent_steps") > 0 &&
		     read_number_attribute(file, "agent_steps", H5T_NATIVE_UINT64,
					   &stats->agent_steps) < 0) ||
		    (H5Aexists(file, "wall_seconds") > 0 &&
		     read_number_attribute(file, "wall_seconds", H5T_NATIVE_DOUBLE,
					   &stats->wall_seconds) < 0)) {
			status = mf_error_set(err, MF_ERR_IO,
					      "%s: cannot read the run statistics", path);
			goto done;
		}
	}
	if (text_name && text && H5Aexists(file, text_name) > 0) {
		*text = read_text_attribute(file, text_name);
		if (!*text)
			status = mf_error_set(err, MF_ERR_IO,
					      "%s: cannot read attribute '%s'", path,
					      text_name);
	}
done:
	if (file >= 0 && H5Fclose(file) < 0 && status == MF_OK)
		status = mf_error_set(err, MF_ERR_IO, "%s: cannot close", path);
	quiet_end(&quiet);
	return status;
}
