/* What a run file holds: its dimensions (coordinate variables), the place,
 * link and monitoring point tables along them, the series written along
 * time, and the global attributes known when the run starts (MODEL.md 9). */
#include "output_private.h"

#include <stdio.h>
#include <stdlib.h>

#include "migflow/date.h"
#include "migflow/version.h"

#define REPLICATES_MAX 1000000

const char *const mf_output_dim_names[DIM_COUNT] = {
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

static const char *const statistic_names[STAT_COUNT] = {
	"mean", "p05", "p50", "p95",
};

const struct series_spec mf_output_series_specs[SERIES_COUNT] = {
	[SERIES_OCCUPANCY] = {"occupancy",
		"persons at the place at the end of the day, by intent",
		"1", 3, {DIM_TIME, DIM_PLACE, DIM_INTENT}, true},
	[SERIES_IN_TRANSIT] = {"in_transit",
		"persons on the link at the end of the day",
		"1", 2, {DIM_TIME, DIM_LINK}, false},
	[SERIES_LINK_FLOW] = {"link_flow",
		"departures onto the link during the day (persons per day)",
		"day-1", 2, {DIM_TIME, DIM_LINK}, false},
	[SERIES_SPAWNED] = {"spawned",
		"new persons entering the model during the day, by place of origin (persons per day)",
		"day-1", 2, {DIM_TIME, DIM_PLACE}, false},
	[SERIES_ARRIVALS] = {"arrivals",
		"arrivals at the place over a link during the day (persons per day)",
		"day-1", 2, {DIM_TIME, DIM_PLACE}, false},
	[SERIES_DEATHS] = {"deaths",
		"deaths on the link (desert or sea) during the day (persons per day)",
		"day-1", 2, {DIM_TIME, DIM_LINK}, true},
	[SERIES_MONITOR_PASSES] = {"monitor_passes",
		"passes counted at the flow monitoring point during the day, by direction (persons per day)",
		"day-1", 3, {DIM_TIME, DIM_MONITOR, DIM_DIRECTION}, true},
	[SERIES_INTERCEPTIONS] = {"interceptions",
		"persons intercepted at sea and returned to the coast during the day (persons per day)",
		"day-1", 1, {DIM_TIME}, true},
	[SERIES_EXPULSIONS] = {"expulsions",
		"persons moved by expulsion during the day (persons per day)",
		"day-1", 1, {DIM_TIME}, true},
	[SERIES_RETURNS] = {"returns",
		"persons who reached home and left the model during the day (persons per day)",
		"day-1", 1, {DIM_TIME}, true},
	[SERIES_DESTINATION_ARRIVALS] = {"destination_arrivals",
		"persons who reached the destination and left the model during the day (persons per day)",
		"day-1", 1, {DIM_TIME}, true},
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
		"persons living at the place", "1", DIM_PLACE, VALUE_DOUBLE},
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
	/* No UDUNITS unit for a currency: the long name says it. */
	[TABLE_LINK_FARE] = {"link_fare_usd", "fare per person on the link in US dollars", NULL,
		DIM_LINK, VALUE_DOUBLE},
	[TABLE_MONITOR_COUNTRY] = {"monitor_country",
		"country the monitoring point's directions refer to", NULL,
		DIM_MONITOR, VALUE_STRING},
};

static const struct mf_graph *graph_of(const struct mf_output_info *info)
{
	return info->scenario->graph;
}

hsize_t mf_output_dim_size(const struct mf_output_info *info, enum dim dim)
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
enum mf_status mf_output_check_info(const struct mf_output_info *info,
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

/* Fills the labels of a string dimension. Link labels are built in
 * link_labels (n_links * (2 * MF_ID_MAX + 2) bytes). */
static bool dim_labels(const struct mf_output_info *info, enum dim dim,
		       const char **labels, char *link_labels)
{
	const struct mf_graph *graph = graph_of(info);
	size_t n = (size_t)mf_output_dim_size(info, dim);
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
	if (mf_h5_write_all(dataset, H5T_NATIVE_INT32, (size_t)info->days, values) < 0) {
		status = mf_output_fail(err, out, "write", "time");
		goto free_values;
	}
	char start[11];
	char units[32];
	mf_date_format(info->scenario->start, start);
	snprintf(units, sizeof(units), "days since %s", start);
	if (mf_h5_put_string_attr(dataset, "units", units) < 0 ||
	    mf_h5_put_string_attr(dataset, "calendar", "standard") < 0 ||
	    mf_h5_put_string_attr(dataset, "long_name", dim_long_names[DIM_TIME]) < 0 ||
	    mf_h5_put_string_attr(dataset, "standard_name", "time") < 0 ||
	    mf_h5_put_string_attr(dataset, "axis", "T") < 0)
		status = mf_output_fail(err, out, "write attributes of", "time");
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
	if (mf_h5_write_all(dataset, H5T_NATIVE_INT32, (size_t)info->replicates,
			    values) < 0 ||
	    mf_h5_put_names(dataset, dim_long_names[DIM_REPLICATE], NULL) < 0)
		status = mf_output_fail(err, out, "write", mf_output_dim_names[DIM_REPLICATE]);
	free(values);
	return status;
}

/* Creates the dimension scales, each the coordinate variable of its
 * dimension; leaves them open in scales[] for attaching. */
enum mf_status mf_output_create_dims(struct mf_output *out,
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
	hid_t type = mf_h5_string_type();
	if (!labels || !link_labels) {
		status = mf_error_set(err, MF_ERR_NOMEM, "output: no memory for labels");
		goto done;
	}
	if (type < 0) {
		status = mf_output_fail(err, out, "make the string type for", "place");
		goto done;
	}
	for (int d = 0; d < DIM_COUNT; d++) {
		if (!has_dim(info, (enum dim)d))
			continue;
		const char *name = mf_output_dim_names[d];
		hsize_t size = mf_output_dim_size(info, (enum dim)d);
		bool numeric = d == DIM_TIME || d == DIM_REPLICATE;
		scales[d] = mf_h5_create_dataset(out->file, name,
						 numeric ? H5T_STD_I32LE : type, 1, &size,
						 NULL, !numeric);
		if (scales[d] < 0) {
			status = mf_output_fail(err, out, "create", name);
			goto done;
		}
		if (H5DSset_scale(scales[d], name) < 0) {
			status = mf_output_fail(err, out, "make a dimension of", name);
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
		if (mf_h5_write_all(scales[d], type, (size_t)size, labels) < 0 ||
		    mf_h5_put_names(scales[d], dim_long_names[d], NULL) < 0) {
			status = mf_output_fail(err, out, "write", name);
			goto done;
		}
	}
done:
	if (type >= 0 && H5Tclose(type) < 0 && status == MF_OK)
		status = mf_output_fail(err, out, "close the string type for", "place");
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
	hsize_t size = mf_output_dim_size(info, spec->dim);
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
		type = mf_h5_string_type();
		if (type < 0)
			return mf_output_fail(err, out, "make the string type for",
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
	hid_t dataset = mf_h5_create_dataset(out->file, spec->name, file_type, 1, &size,
					     NULL, spec->kind == VALUE_STRING);
	if (dataset < 0) {
		status = mf_output_fail(err, out, "create", spec->name);
		goto close_type;
	}
	if (mf_h5_write_all(dataset, memory_type, n, values) < 0 ||
	    H5DSattach_scale(dataset, scales[spec->dim], 0) < 0 ||
	    mf_h5_put_names(dataset, spec->long_name, spec->units) < 0 ||
	    (table == TABLE_PLACE_LAT &&
	     mf_h5_put_string_attr(dataset, "standard_name", "latitude") < 0) ||
	    (table == TABLE_PLACE_LON &&
	     mf_h5_put_string_attr(dataset, "standard_name", "longitude") < 0))
		status = mf_output_fail(err, out, "write", spec->name);
	if (H5Dclose(dataset) < 0 && status == MF_OK)
		status = mf_output_fail(err, out, "close", spec->name);
close_type:
	if (type >= 0 && H5Tclose(type) < 0 && status == MF_OK)
		status = mf_output_fail(err, out, "close the string type for", spec->name);
	return status;
}

enum mf_status mf_output_write_tables(struct mf_output *out,
				      const struct mf_output_info *info,
				      const hid_t scales[DIM_COUNT],
				      struct mf_error *err)
{
	enum mf_status status = MF_OK;
	size_t most = 1;
	for (int d = DIM_PLACE; d <= DIM_MONITOR; d++)
		if ((size_t)mf_output_dim_size(info, (enum dim)d) > most)
			most = (size_t)mf_output_dim_size(info, (enum dim)d);
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
void mf_output_coordinates_of(const struct series_spec *spec, char *text,
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

enum mf_status mf_output_write_global_attrs(struct mf_output *out,
					    const struct mf_output_info *info,
					    struct mf_error *err)
{
	const struct mf_scenario *scenario = info->scenario;
	char start[11];
	mf_date_format(scenario->start, start);
	hid_t root = out->file;
	if (mf_h5_put_string_attr(root, "title", "migflow run") < 0 ||
	    mf_h5_put_string_attr(root, "Conventions", "CF-1.8") < 0 ||
	    mf_h5_put_provenance(root, info->replicates > 0 ? "ensemble run" : "run",
				 scenario->path) < 0 ||
	    mf_h5_put_string_attr(root, "engine", "migflow") < 0 ||
	    mf_h5_put_string_attr(root, "engine_version", MF_VERSION) < 0 ||
	    mf_h5_put_string_attr(root, "scenario_name", scenario->name) < 0 ||
	    mf_h5_put_string_attr(root, "scenario_path", scenario->path) < 0 ||
	    mf_h5_put_string_attr(root, "scenario",
				  scenario->resolved_text ? scenario->resolved_text : "") < 0 ||
	    mf_h5_put_string_attr(root, "scenario_sources",
				  scenario->source_text ? scenario->source_text : "") < 0 ||
	    mf_h5_put_uint64_attr(root, "seed", info->seed) < 0 ||
	    (info->replicates == 0 &&
	     mf_h5_put_uint32_attr(root, "replicate", info->replicate) < 0) ||
	    (info->replicates > 0 &&
	     mf_h5_put_int32_attr(root, "replicates", info->replicates) < 0) ||
	    mf_h5_put_int32_attr(root, "threads", info->threads) < 0 ||
	    mf_h5_put_string_attr(root, "start_date", start) < 0 ||
	    mf_h5_put_int32_attr(root, "days", info->days) < 0 ||
	    mf_h5_put_int32_attr(root, "agent_scale", scenario->agent_scale) < 0)
		return mf_output_fail(err, out, "write the global attributes", NULL);
	return MF_OK;
}
