/* Output: one netCDF4-compatible HDF5 file per run (MODEL.md 9).
 *
 * What h5netcdf (and so xarray) needs from a plain HDF5 file: every axis of
 * every variable has an HDF5 dimension scale attached, the scale's dataset
 * name is the dimension name, and link and attribute creation order are
 * tracked and indexed on the file and on every dataset.
 *
 * Each time-major variable is buffered in memory for a block of days (at
 * most 64, fewer when a day's row is large, so that a block stays within
 * 1 MiB) and written a block at a time with one hyperslab; its chunks are
 * the same blocks. The file is written as path.partial and renamed over
 * path only once it is complete and closed. */
#include "migflow/output.h"

#include <errno.h>
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
#define MAX_RANK 3
#define DETAIL_SIZE 256

enum dim {
	DIM_TIME,
	DIM_PLACE,
	DIM_LINK,
	DIM_MONITOR,
	DIM_DIRECTION,
	DIM_INTENT,
	DIM_COUNT
};

static const char *const dim_names[DIM_COUNT] = {
	[DIM_TIME] = "time",
	[DIM_PLACE] = "place",
	[DIM_LINK] = "link",
	[DIM_MONITOR] = "monitoring_point",
	[DIM_DIRECTION] = "direction",
	[DIM_INTENT] = "intent",
};

static const char *const dim_long_names[DIM_COUNT] = {
	[DIM_TIME] = "time",
	[DIM_PLACE] = "place id",
	[DIM_LINK] = "link (from place id -> to place id)",
	[DIM_MONITOR] = "flow monitoring point",
	[DIM_DIRECTION] = "direction of a pass relative to the monitoring point's country",
	[DIM_INTENT] = "intent of the migrants",
};

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
	int rank;
	enum dim axes[MAX_RANK];
};

static const struct series_spec series_specs[SERIES_COUNT] = {
	[SERIES_OCCUPANCY] = {"occupancy",
		"persons at the place at the end of the day, by intent",
		"persons", 3, {DIM_TIME, DIM_PLACE, DIM_INTENT}},
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
		"persons per day", 2, {DIM_TIME, DIM_LINK}},
	[SERIES_MONITOR_PASSES] = {"monitor_passes",
		"passes counted at the flow monitoring point during the day, by direction",
		"persons per day", 3, {DIM_TIME, DIM_MONITOR, DIM_DIRECTION}},
	[SERIES_INTERCEPTIONS] = {"interceptions",
		"persons intercepted at sea and returned to the coast during the day",
		"persons per day", 1, {DIM_TIME}},
	[SERIES_EXPULSIONS] = {"expulsions",
		"persons moved by expulsion during the day",
		"persons per day", 1, {DIM_TIME}},
	[SERIES_RETURNS] = {"returns",
		"persons who reached home and left the model during the day",
		"persons per day", 1, {DIM_TIME}},
	[SERIES_DESTINATION_ARRIVALS] = {"destination_arrivals",
		"persons who reached the destination and left the model during the day",
		"persons per day", 1, {DIM_TIME}},
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
	hsize_t dims[MAX_RANK]; /* full extent, dims[0] = days */
	size_t row;             /* values per day: product of dims[1..] */
	int block_days;         /* days per buffered block and per chunk */
	int days_flushed;       /* days written to the file */
	int64_t *buffer;        /* block_days rows */
};

struct mf_output {
	char *path;
	char *partial;
	hid_t file;
	int days;          /* extent of time */
	int days_written;  /* days received */
	bool failed;       /* a write failed: only discarding is left */
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
	case DIM_COUNT: break;
	}
	return 0;
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
		case DIM_TIME:
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

/* Creates the dimension scales, each the coordinate variable of its
 * dimension; leaves them open in scales[] for attaching. */
static enum mf_status create_dims(struct mf_output *out,
				  const struct mf_output_info *info,
				  hid_t scales[DIM_COUNT], struct mf_error *err)
{
	enum mf_status status = MF_OK;
	const struct mf_graph *graph = graph_of(info);
	size_t most = MF_DIR_COUNT + MF_INTENT_COUNT;
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
		const char *name = dim_names[d];
		hsize_t size = dim_size(info, (enum dim)d);
		bool is_time = d == DIM_TIME;
		scales[d] = create_dataset(out->file, name,
					   is_time ? H5T_STD_I32LE : type, 1, &size,
					   NULL, !is_time);
		if (scales[d] < 0) {
			status = hdf5_fail(err, out, "create", name);
			goto done;
		}
		if (H5DSset_scale(scales[d], name) < 0) {
			status = hdf5_fail(err, out, "make a dimension of", name);
			goto done;
		}
		if (is_time) {
			status = write_time(out, scales[d], info, err);
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

static enum mf_status create_series(struct mf_output *out,
				    const struct mf_output_info *info,
				    const hid_t scales[DIM_COUNT],
				    struct mf_error *err)
{
	for (int s = 0; s < SERIES_COUNT; s++) {
		const struct series_spec *spec = &series_specs[s];
		struct series_data *series = &out->series[s];
		series->row = 1;
		for (int a = 0; a < spec->rank; a++) {
			series->dims[a] = dim_size(info, spec->axes[a]);
			if (a > 0)
				series->row *= (size_t)series->dims[a];
		}
		series->block_days = block_days_for(series->row, info->days);
		/* A chunk cannot be empty: a variable with no values along some
		 * axis (no monitoring points) is stored contiguous. */
		hsize_t chunk[MAX_RANK];
		bool empty = series->row == 0;
		chunk[0] = (hsize_t)series->block_days;
		for (int a = 1; a < spec->rank; a++)
			chunk[a] = series->dims[a];
		series->dataset = create_dataset(out->file, spec->name, H5T_STD_I64LE,
						 spec->rank, series->dims,
						 empty ? NULL : chunk, false);
		if (series->dataset < 0)
			return hdf5_fail(err, out, "create", spec->name);
		for (int a = 0; a < spec->rank; a++)
			if (H5DSattach_scale(series->dataset, scales[spec->axes[a]],
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
	    put_uint32_attr(root, "replicate", info->replicate) < 0 ||
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
		if (out->series[s].dataset >= 0 && H5Dclose(out->series[s].dataset) < 0)
			ok = false;
		out->series[s].dataset = -1;
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

struct mf_output *mf_output_create(const char *path, bool force,
				   const struct mf_output_info *info,
				   struct mf_error *err)
{
	if (!path || !path[0]) {
		mf_error_set(err, MF_ERR_INTERNAL, "output: no file name");
		return NULL;
	}
	if (check_info(info, err) != MF_OK)
		return NULL;
	struct stat st;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			mf_error_set(err, MF_ERR_IO, "%s: is a directory", path);
			return NULL;
		}
		if (!force) {
			mf_error_set(err, MF_ERR_EXISTS,
				     "%s: file exists; use --force to overwrite it",
				     path);
			return NULL;
		}
	}

	struct mf_output *out = calloc(1, sizeof(*out));
	if (!out) {
		mf_error_set(err, MF_ERR_NOMEM, "output: no memory");
		return NULL;
	}
	out->file = -1;
	for (int s = 0; s < SERIES_COUNT; s++)
		out->series[s].dataset = -1;
	out->days = info->days;
	out->path = concat(path, "");
	out->partial = concat(path, PARTIAL_SUFFIX);
	if (!out->path || !out->partial) {
		mf_error_set(err, MF_ERR_NOMEM, "output: no memory");
		free_output(out);
		return NULL;
	}

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

/* Writes the buffered days of a series (if any) in one hyperslab. */
static enum mf_status flush_series(struct mf_output *out, enum series which,
				   struct mf_error *err)
{
	const struct series_spec *spec = &series_specs[which];
	struct series_data *series = &out->series[which];
	int days = out->days_written - series->days_flushed;
	if (days == 0 || series->row == 0)
		return MF_OK;
	enum mf_status status = MF_OK;
	hsize_t start[MAX_RANK] = {(hsize_t)series->days_flushed, 0, 0};
	hsize_t count[MAX_RANK];
	count[0] = (hsize_t)days;
	for (int a = 1; a < spec->rank; a++)
		count[a] = series->dims[a];
	hid_t memory = -1;
	hid_t space = H5Dget_space(series->dataset);
	if (space < 0 ||
	    H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count,
				NULL) < 0 ||
	    (memory = H5Screate_simple(spec->rank, count, NULL)) < 0 ||
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

static enum mf_status buffer_day(struct mf_output *out,
				 const struct mf_day_counts *counts,
				 struct mf_error *err)
{
	if (!counts)
		return mf_error_set(err, MF_ERR_INTERNAL, "output: no counts");
	if (counts->day != out->days_written)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: day %d given where day %d was due",
				    counts->day, out->days_written);
	if (out->days_written >= out->days)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: day %d is past the %d days of the file",
				    counts->day, out->days);
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
	if (out->failed)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "%s: an earlier write failed", out->partial);
	struct quiet quiet;
	quiet_begin(&quiet, out->hdf5_detail);
	enum mf_status status = buffer_day(out, counts, err);
	if (status == MF_OK)
		status = flush(out, false, err);
	if (status != MF_OK)
		out->failed = true;
	quiet_end(&quiet);
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
	else if (out->days_written != out->days)
		status = mf_error_set(err, MF_ERR_INTERNAL,
				      "%s: %d of %d days written", out->partial,
				      out->days_written, out->days);
	else if (!stats)
		status = mf_error_set(err, MF_ERR_INTERNAL,
				      "output: no run statistics");
	if (status == MF_OK)
		status = flush(out, true, err);
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
