/* The output tests' fixture (output_fixture.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "migflow/date.h"
#include "output_fixture.h"

const char *const series_names[SERIES_COUNT] = {
	"occupancy", "in_transit", "link_flow", "spawned", "arrivals", "deaths",
	"monitor_passes", "interceptions", "expulsions", "returns",
	"destination_arrivals",
};

const char *const series_dims[SERIES_COUNT][4] = {
	{"time", "place", "intent", NULL},
	{"time", "link", NULL},
	{"time", "link", NULL},
	{"time", "place", NULL},
	{"time", "place", NULL},
	{"time", "link", NULL},
	{"time", "monitoring_point", "direction", NULL},
	{"time", NULL},
	{"time", NULL},
	{"time", NULL},
	{"time", NULL},
};

const char *const table_names[] = {
	"place_name", "place_country", "place_region", "place_kind", "place_lat",
	"place_lon", "place_population", "link_from", "link_to", "link_mode",
	"link_distance_km", "link_travel_days", "link_fare_usd", "monitor_country",
};

int64_t value_of(int series, int day, size_t index)
{
	return (int64_t)(series + 1) * 1000000 + (int64_t)day * 1000 + (int64_t)index;
}

size_t row_length(int series, int n_monitors)
{
	switch (series) {
	case OCCUPANCY: return N_PLACES * MF_INTENT_COUNT;
	case IN_TRANSIT: case LINK_FLOW: case DEATHS: return N_LINKS;
	case SPAWNED: case ARRIVALS: return N_PLACES;
	case MONITOR_PASSES: return (size_t)n_monitors * MF_DIR_COUNT;
	default: return 1;
	}
}

int64_t *day_row(struct mf_day_counts *counts, int series)
{
	switch (series) {
	case OCCUPANCY: return counts->occupancy;
	case IN_TRANSIT: return counts->in_transit;
	case LINK_FLOW: return counts->link_flow;
	case SPAWNED: return counts->spawned;
	case ARRIVALS: return counts->arrivals;
	case DEATHS: return counts->deaths;
	case MONITOR_PASSES: return counts->monitor_passes;
	case INTERCEPTIONS: return &counts->interceptions;
	case EXPULSIONS: return &counts->expulsions;
	case RETURNS: return &counts->returns;
	default: return &counts->destination_arrivals;
	}
}

void fill_day(struct fixture *fx, const struct mf_output_info *info,
	      int day)
{
	fx->counts.day = day;
	for (int s = 0; s < SERIES_COUNT; s++) {
		int64_t *row = day_row(&fx->counts, s);
		size_t n = row_length(s, info->scenario->n_monitors);
		for (size_t i = 0; i < n; i++)
			row[i] = value_of(s, day, i);
	}
}

void path_in(const struct fixture *fx, const char *name, char *path,
	     size_t size)
{
	snprintf(path, size, "%s/%s", fx->dir, name);
}

bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

bool partial_exists(const char *path)
{
	char partial[PATH_SIZE + 16];
	snprintf(partial, sizeof(partial), "%s.partial", path);
	return exists(partial);
}

enum mf_status write_run(struct fixture *fx, const char *path,
			 const struct mf_output_info *info, int written,
			 const struct mf_run_stats *stats,
			 struct mf_error *err)
{
	struct mf_output *out = mf_output_create(path, true, info, err);
	if (!out)
		return err->code;
	for (int day = 0; day < written; day++) {
		fill_day(fx, info, day);
		enum mf_status status = mf_output_write_day(out, &fx->counts, err);
		if (status != MF_OK) {
			mf_output_discard(out);
			return status;
		}
	}
	return mf_output_finish(out, stats, err);
}

static void place(struct mf_place *p, const char *id, const char *name,
		  const char *country, int country_index, enum mf_place_kind kind,
		  double lat, double lon, double population)
{
	snprintf(p->id, sizeof(p->id), "%s", id);
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->country, sizeof(p->country), "%s", country);
	snprintf(p->region, sizeof(p->region), "%s region", name);
	p->country_index = country_index;
	p->kind = kind;
	p->lat = lat;
	p->lon = lon;
	p->population = population;
	p->security = 1.0;
}

int group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	const char *tmp = getenv("TMPDIR");
	snprintf(fx->dir, sizeof(fx->dir), "%s/test_output.XXXXXX",
		 tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;

	struct mf_graph *graph = &fx->graph;
	graph->n_places = N_PLACES;
	graph->n_links = N_LINKS;
	graph->n_countries = N_COUNTRIES;
	graph->places = calloc(N_PLACES, sizeof(*graph->places));
	graph->links = calloc(N_LINKS, sizeof(*graph->links));
	graph->countries = calloc(N_COUNTRIES, sizeof(*graph->countries));
	if (!graph->places || !graph->links || !graph->countries)
		return -1;
	snprintf(graph->countries[0], MF_NAME_MAX, "Niger");
	snprintf(graph->countries[1], MF_NAME_MAX, "Libya");
	place(&graph->places[0], "zinder", "Zinder", "Niger", 0, MF_PLACE_ORIGIN,
	      13.8, 8.99, 350000.0);
	place(&graph->places[1], "agadez", "Agadez", "Niger", 0, MF_PLACE_HUB,
	      16.97, 7.99, 120000.0);
	place(&graph->places[2], "sabha", "Sabha", "Libya", 1, MF_PLACE_HUB,
	      27.04, 14.43, 130000.0);
	graph->links[0] = (struct mf_link){.from = 0, .to = 1, .mode = MF_MODE_ROAD,
		.distance_km = 450.0, .travel_days = 2, .fare_usd = 15.0,
		.intercept_to = -1, .departs_weekday = -1};
	graph->links[1] = (struct mf_link){.from = 1, .to = 2, .mode = MF_MODE_DESERT,
		.distance_km = 950.0, .travel_days = 0, .fare_usd = 300.0,
		.intercept_to = -1, .departs_weekday = -1};

	struct mf_scenario *scenario = &fx->scenario;
	snprintf(scenario->path, sizeof(scenario->path), "scenarios/tiny.yaml");
	snprintf(scenario->name, sizeof(scenario->name), "tiny");
	if (!mf_date_parse("2024-01-01", &scenario->start))
		return -1;
	scenario->days = DAYS;
	scenario->seed = 42;
	scenario->agent_scale = 10;
	scenario->graph = graph;
	scenario->n_monitors = N_MONITORS;
	scenario->monitors = calloc(N_MONITORS, sizeof(*scenario->monitors));
	if (!scenario->monitors)
		return -1;
	snprintf(scenario->monitors[0].name, MF_NAME_MAX, "agadez_fmp");
	scenario->monitors[0].country = 0;
	scenario->resolved_text = strdup("name: tiny\nstart: 2024-01-01\ndays: 5\n");
	if (!scenario->resolved_text)
		return -1;

	fx->info = (struct mf_output_info){.scenario = scenario, .days = DAYS,
		.seed = 42, .replicate = 3, .threads = 4};

	struct mf_day_counts *c = &fx->counts;
	c->occupancy = calloc(N_PLACES * MF_INTENT_COUNT, sizeof(int64_t));
	c->in_transit = calloc(N_LINKS, sizeof(int64_t));
	c->link_flow = calloc(N_LINKS, sizeof(int64_t));
	c->spawned = calloc(N_PLACES, sizeof(int64_t));
	c->arrivals = calloc(N_PLACES, sizeof(int64_t));
	c->deaths = calloc(N_LINKS, sizeof(int64_t));
	c->monitor_passes = calloc(N_MONITORS * MF_DIR_COUNT, sizeof(int64_t));
	if (!c->occupancy || !c->in_transit || !c->link_flow || !c->spawned ||
	    !c->arrivals || !c->deaths || !c->monitor_passes)
		return -1;
	*state = fx;
	return 0;
}

int group_teardown(void **state)
{
	struct fixture *fx = *state;
	if (!fx)
		return 0;
	DIR *dir = opendir(fx->dir);
	if (dir) {
		struct dirent *entry;
		while ((entry = readdir(dir))) {
			if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
				continue;
			char path[PATH_SIZE];
			path_in(fx, entry->d_name, path, sizeof(path));
			unlink(path);
		}
		closedir(dir);
	}
	rmdir(fx->dir);
	free(fx->graph.places);
	free(fx->graph.links);
	free(fx->graph.countries);
	free(fx->scenario.monitors);
	free(fx->scenario.resolved_text);
	struct mf_day_counts *c = &fx->counts;
	free(c->occupancy);
	free(c->in_transit);
	free(c->link_flow);
	free(c->spawned);
	free(c->arrivals);
	free(c->deaths);
	free(c->monitor_passes);
	free(fx);
	return 0;
}

/* --- reading back ------------------------------------------------------ */

char *read_string_attr(hid_t obj, const char *name)
{
	hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
	assert_true(attr >= 0);
	hid_t type = H5Aget_type(attr);
	assert_true(type >= 0);
	assert_int_equal(H5Tget_class(type), H5T_STRING);
	char *text = NULL;
	htri_t variable = H5Tis_variable_str(type);
	assert_true(variable >= 0);
	if (variable) {
		char *value = NULL;
		hid_t memory = H5Tcopy(H5T_C_S1);
		assert_true(memory >= 0);
		assert_true(H5Tset_size(memory, H5T_VARIABLE) >= 0);
		assert_true(H5Tset_cset(memory, H5Tget_cset(type)) >= 0);
		assert_true(H5Aread(attr, memory, &value) >= 0);
		assert_non_null(value);
		text = strdup(value);
		assert_true(H5free_memory(value) >= 0);
		assert_true(H5Tclose(memory) >= 0);
	} else {
		size_t size = H5Tget_size(type);
		text = calloc(size + 1, 1);
		assert_non_null(text);
		assert_true(H5Aread(attr, type, text) >= 0);
	}
	assert_true(H5Tclose(type) >= 0);
	assert_true(H5Aclose(attr) >= 0);
	assert_non_null(text);
	return text;
}

void assert_string_attr(hid_t obj, const char *name, const char *expected)
{
	char *text = read_string_attr(obj, name);
	assert_string_equal(text, expected);
	free(text);
}

void read_attr(hid_t obj, const char *name, hid_t memory_type, void *value)
{
	hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
	assert_true(attr >= 0);
	assert_true(H5Aread(attr, memory_type, value) >= 0);
	assert_true(H5Aclose(attr) >= 0);
}

int64_t *read_int64(hid_t file, const char *name, int rank,
		    const hsize_t *dims)
{
	hid_t dataset = H5Dopen2(file, name, H5P_DEFAULT);
	assert_true(dataset >= 0);
	hid_t space = H5Dget_space(dataset);
	assert_true(space >= 0);
	assert_int_equal(H5Sget_simple_extent_ndims(space), rank);
	hsize_t got[4] = {0};
	assert_true(H5Sget_simple_extent_dims(space, got, NULL) >= 0);
	size_t n = 1;
	for (int a = 0; a < rank; a++) {
		assert_int_equal(got[a], dims[a]);
		n *= (size_t)dims[a];
	}
	hid_t type = H5Dget_type(dataset);
	assert_true(type >= 0);
	assert_true(H5Tequal(type, H5T_STD_I64LE) > 0);
	int64_t *values = calloc(n ? n : 1, sizeof(*values));
	assert_non_null(values);
	if (n > 0)
		assert_true(H5Dread(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL,
				    H5P_DEFAULT, values) >= 0);
	assert_true(H5Tclose(type) >= 0);
	assert_true(H5Sclose(space) >= 0);
	assert_true(H5Dclose(dataset) >= 0);
	return values;
}

void assert_labels(hid_t file, const char *name, size_t n,
		   const char *const *expected)
{
	hid_t dataset = H5Dopen2(file, name, H5P_DEFAULT);
	assert_true(dataset >= 0);
	hid_t space = H5Dget_space(dataset);
	assert_true(space >= 0);
	assert_int_equal(H5Sget_simple_extent_npoints(space), n);
	hid_t type = H5Tcopy(H5T_C_S1);
	assert_true(type >= 0);
	assert_true(H5Tset_size(type, H5T_VARIABLE) >= 0);
	assert_true(H5Tset_cset(type, H5T_CSET_UTF8) >= 0);
	hid_t stored = H5Dget_type(dataset);
	assert_true(stored >= 0);
	assert_int_equal(H5Tget_cset(stored), H5T_CSET_UTF8);
	assert_true(H5Tis_variable_str(stored) > 0);
	if (n > 0) {
		char **labels = calloc(n, sizeof(*labels));
		assert_non_null(labels);
		assert_true(H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT,
				    labels) >= 0);
		for (size_t i = 0; i < n; i++)
			assert_string_equal(labels[i], expected[i]);
		assert_true(H5Dvlen_reclaim(type, space, H5P_DEFAULT, labels) >= 0);
		free(labels);
	}
	assert_true(H5Tclose(stored) >= 0);
	assert_true(H5Tclose(type) >= 0);
	assert_true(H5Sclose(space) >= 0);
	assert_true(H5Dclose(dataset) >= 0);
}

void assert_attached(hid_t file, const char *variable,
		     const char *const *dims)
{
	hid_t dataset = H5Dopen2(file, variable, H5P_DEFAULT);
	assert_true(dataset >= 0);
	for (unsigned axis = 0; dims[axis]; axis++) {
		hid_t scale = H5Dopen2(file, dims[axis], H5P_DEFAULT);
		assert_true(scale >= 0);
		assert_int_equal(H5DSis_scale(scale), 1);
		char name[64] = "";
		assert_true(H5DSget_scale_name(scale, name, sizeof(name)) > 0);
		assert_string_equal(name, dims[axis]);
		assert_int_equal(H5DSis_attached(dataset, scale, axis), 1);
		assert_int_equal(H5DSget_num_scales(dataset, axis), 1);
		assert_true(H5Dclose(scale) >= 0);
	}
	assert_true(H5Dclose(dataset) >= 0);
}

void assert_has_attr(hid_t file, const char *object, const char *attr,
		     bool expected)
{
	htri_t found = H5Aexists_by_name(file, object, attr, H5P_DEFAULT);
	assert_true(found >= 0);
	if (expected != (found > 0))
		fail_msg("%s: attribute '%s' %s", object, attr,
			 expected ? "missing" : "unexpected");
}

/* --- ensembles ---------------------------------------------------------------- */

int64_t replicate_value(int replicate, int series, int day, size_t index)
{
	return value_of(series, day, index) + (int64_t)replicate * 100000000;
}

void fill_replicate_day(struct fixture *fx, int replicate, int day)
{
	fx->counts.day = day;
	for (int s = 0; s < SERIES_COUNT; s++) {
		int64_t *row = day_row(&fx->counts, s);
		size_t n = row_length(s, N_MONITORS);
		for (size_t i = 0; i < n; i++)
			row[i] = replicate_value(replicate, s, day, i);
	}
}

struct mf_output *write_ensemble(struct fixture *fx, const char *path,
				 const struct mf_output_info *info,
				 struct mf_error *err)
{
	struct mf_output *out = mf_output_create(path, true, info, err);
	assert_non_null(out);
	for (int r = 0; r < info->replicates; r++)
		for (int day = 0; day < info->days; day++) {
			fill_replicate_day(fx, r, day);
			assert_int_equal(mf_output_write_day(out, &fx->counts, err), MF_OK);
		}
	return out;
}

double *read_doubles(hid_t file, const char *name, size_t n)
{
	hid_t dataset = H5Dopen2(file, name, H5P_DEFAULT);
	assert_true(dataset >= 0);
	hid_t type = H5Dget_type(dataset);
	assert_true(H5Tequal(type, H5T_IEEE_F64LE) > 0);
	hid_t space = H5Dget_space(dataset);
	assert_int_equal(H5Sget_simple_extent_npoints(space), n);
	double *values = calloc(n ? n : 1, sizeof(*values));
	assert_non_null(values);
	if (n)
		assert_true(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
				    values) >= 0);
	H5Sclose(space);
	H5Tclose(type);
	H5Dclose(dataset);
	return values;
}
