/* Tests of the HDF5 output: write a tiny run by hand, read it back with the
 * HDF5 C API, and check the file lifecycle (exists, force, discard, short
 * runs); ensembles (replicate dimension, statistics), tables, batch
 * files assembled from run files, and results amended into a run file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "migflow/date.h"
#include "migflow/output.h"
#include "migflow/version.h"

#define N_PLACES 3
#define N_LINKS 2
#define N_COUNTRIES 2
#define N_MONITORS 1
#define DAYS 5
#define PATH_SIZE 512

struct fixture {
	char dir[256];
	struct mf_graph graph;
	struct mf_scenario scenario;
	struct mf_output_info info;
	struct mf_day_counts counts;
};

/* The variables along time, in the order of day_row below. */
enum series {
	OCCUPANCY, IN_TRANSIT, LINK_FLOW, SPAWNED, ARRIVALS, DEATHS,
	MONITOR_PASSES, INTERCEPTIONS, EXPULSIONS, RETURNS, DESTINATION_ARRIVALS,
	SERIES_COUNT
};

static const char *const series_names[SERIES_COUNT] = {
	"occupancy", "in_transit", "link_flow", "spawned", "arrivals", "deaths",
	"monitor_passes", "interceptions", "expulsions", "returns",
	"destination_arrivals",
};

/* Dimension names of each series, NULL-terminated. */
static const char *const series_dims[SERIES_COUNT][4] = {
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

static const char *const table_names[] = {
	"place_name", "place_country", "place_region", "place_kind", "place_lat",
	"place_lon", "place_population", "link_from", "link_to", "link_mode",
	"link_distance_km", "link_travel_days", "link_fare_usd", "monitor_country",
};

static const char *const numeric_tables[] = {
	"place_lat", "place_lon", "place_population", "link_distance_km",
	"link_travel_days", "link_fare_usd",
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* The value every test writes: distinct for each series, day and index. */
static int64_t value_of(int series, int day, size_t index)
{
	return (int64_t)(series + 1) * 1000000 + (int64_t)day * 1000 + (int64_t)index;
}

static size_t row_length(int series, int n_monitors)
{
	switch (series) {
	case OCCUPANCY: return N_PLACES * MF_INTENT_COUNT;
	case IN_TRANSIT: case LINK_FLOW: case DEATHS: return N_LINKS;
	case SPAWNED: case ARRIVALS: return N_PLACES;
	case MONITOR_PASSES: return (size_t)n_monitors * MF_DIR_COUNT;
	default: return 1;
	}
}

static int64_t *day_row(struct mf_day_counts *counts, int series)
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

static void fill_day(struct fixture *fx, const struct mf_output_info *info,
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

static void path_in(const struct fixture *fx, const char *name, char *path,
		    size_t size)
{
	snprintf(path, size, "%s/%s", fx->dir, name);
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static bool partial_exists(const char *path)
{
	char partial[PATH_SIZE + 16];
	snprintf(partial, sizeof(partial), "%s.partial", path);
	return exists(partial);
}

/* Creates path, writes `written` days and finishes with stats. */
static enum mf_status write_run(struct fixture *fx, const char *path,
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

static int group_setup(void **state)
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

static int group_teardown(void **state)
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

/* A string attribute of obj (variable or fixed length); caller frees. */
static char *read_string_attr(hid_t obj, const char *name)
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

static void assert_string_attr(hid_t obj, const char *name, const char *expected)
{
	char *text = read_string_attr(obj, name);
	assert_string_equal(text, expected);
	free(text);
}

static void read_attr(hid_t obj, const char *name, hid_t memory_type, void *value)
{
	hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
	assert_true(attr >= 0);
	assert_true(H5Aread(attr, memory_type, value) >= 0);
	assert_true(H5Aclose(attr) >= 0);
}

/* Reads a whole int64 dataset, checking its shape; caller frees. */
static int64_t *read_int64(hid_t file, const char *name, int rank,
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

/* Reads a one-dimensional string dataset and checks it equals expected. */
static void assert_labels(hid_t file, const char *name, size_t n,
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

static void assert_attached(hid_t file, const char *variable,
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

static void assert_has_attr(hid_t file, const char *object, const char *attr,
			    bool expected)
{
	htri_t found = H5Aexists_by_name(file, object, attr, H5P_DEFAULT);
	assert_true(found >= 0);
	if (expected != (found > 0))
		fail_msg("%s: attribute '%s' %s", object, attr,
			 expected ? "missing" : "unexpected");
}

static char *slurp(const char *path, size_t *size)
{
	FILE *file = fopen(path, "rb");
	assert_non_null(file);
	assert_int_equal(fseek(file, 0, SEEK_END), 0);
	long length = ftell(file);
	assert_true(length >= 0);
	rewind(file);
	char *bytes = malloc((size_t)length + 1);
	assert_non_null(bytes);
	assert_int_equal(fread(bytes, 1, (size_t)length, file), (size_t)length);
	fclose(file);
	*size = (size_t)length;
	return bytes;
}

/* --- tests --------------------------------------------------------------- */

static void test_values_round_trip(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "values.h5", path, sizeof(path));
	struct mf_run_stats stats = {.agent_steps = 123456789012ULL,
		.wall_seconds = 1.25};
	struct mf_error err;
	mf_error_clear(&err);
	assert_int_equal(write_run(fx, path, &fx->info, DAYS, &stats, &err), MF_OK);
	assert_true(exists(path));
	assert_false(partial_exists(path));

	hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	assert_true(file >= 0);
	for (int s = 0; s < SERIES_COUNT; s++) {
		size_t row = row_length(s, N_MONITORS);
		hsize_t dims[3] = {DAYS, 0, 0};
		int rank = 1;
		if (s == OCCUPANCY) {
			dims[1] = N_PLACES;
			dims[2] = MF_INTENT_COUNT;
			rank = 3;
		} else if (s == MONITOR_PASSES) {
			dims[1] = N_MONITORS;
			dims[2] = MF_DIR_COUNT;
			rank = 3;
		} else if (row > 1) {
			dims[1] = row;
			rank = 2;
		}
		int64_t *values = read_int64(file, series_names[s], rank, dims);
		for (int day = 0; day < DAYS; day++)
			for (size_t i = 0; i < row; i++)
				if (values[(size_t)day * row + i] != value_of(s, day, i))
					fail_msg("%s[%d][%zu] = %lld, expected %lld",
						 series_names[s], day, i,
						 (long long)values[(size_t)day * row + i],
						 (long long)value_of(s, day, i));
		free(values);
	}

	/* Chosen cells, spelled out. */
	hsize_t occupancy_dims[3] = {DAYS, N_PLACES, MF_INTENT_COUNT};
	int64_t *occupancy = read_int64(file, "occupancy", 3, occupancy_dims);
	/* day 3, place 2 (sabha), intent 1 (onward) */
	assert_int_equal(occupancy[(3 * N_PLACES + 2) * MF_INTENT_COUNT + 1],
			 1003009);
	free(occupancy);
	hsize_t link_dims[2] = {DAYS, N_LINKS};
	int64_t *link_flow = read_int64(file, "link_flow", 2, link_dims);
	assert_int_equal(link_flow[4 * N_LINKS + 1], 3004001); /* day 4, link 1 */
	free(link_flow);
	hsize_t monitor_dims[3] = {DAYS, N_MONITORS, MF_DIR_COUNT};
	int64_t *passes = read_int64(file, "monitor_passes", 3, monitor_dims);
	assert_int_equal(passes[(2 * N_MONITORS + 0) * MF_DIR_COUNT + 1],
			 7002001); /* day 2, outbound */
	free(passes);
	hsize_t time_dims[1] = {DAYS};
	int64_t *interceptions = read_int64(file, "interceptions", 1, time_dims);
	assert_int_equal(interceptions[0], 8000000);
	assert_int_equal(interceptions[4], 8004000);
	free(interceptions);
	assert_true(H5Fclose(file) >= 0);
}

static void test_metadata(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "metadata.h5", path, sizeof(path));
	struct mf_run_stats stats = {.agent_steps = 777, .wall_seconds = 0.5};
	struct mf_error err;
	mf_error_clear(&err);
	assert_int_equal(write_run(fx, path, &fx->info, DAYS, &stats, &err), MF_OK);

	hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	assert_true(file >= 0);

	/* netCDF-4 needs creation order tracked on the root group. */
	hid_t root = H5Gopen2(file, "/", H5P_DEFAULT);
	assert_true(root >= 0);
	hid_t gcpl = H5Gget_create_plist(root);
	assert_true(gcpl >= 0);
	unsigned order = 0;
	assert_true(H5Pget_link_creation_order(gcpl, &order) >= 0);
	assert_int_equal(order, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
	assert_true(H5Pget_attr_creation_order(gcpl, &order) >= 0);
	assert_int_equal(order, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
	assert_true(H5Pclose(gcpl) >= 0);
	assert_true(H5Gclose(root) >= 0);

	for (int s = 0; s < SERIES_COUNT; s++) {
		assert_has_attr(file, series_names[s], "units", true);
		assert_has_attr(file, series_names[s], "long_name", true);
		assert_has_attr(file, series_names[s], "_FillValue", false);
		assert_attached(file, series_names[s], series_dims[s]);
		hid_t dataset = H5Dopen2(file, series_names[s], H5P_DEFAULT);
		assert_true(dataset >= 0);
		hid_t dcpl = H5Dget_create_plist(dataset);
		assert_true(dcpl >= 0);
		assert_true(H5Pget_attr_creation_order(dcpl, &order) >= 0);
		assert_int_equal(order, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
		assert_true(H5Pclose(dcpl) >= 0);
		assert_true(H5Dclose(dataset) >= 0);
	}
	assert_string_equal(series_names[OCCUPANCY], "occupancy");
	hid_t occupancy = H5Dopen2(file, "occupancy", H5P_DEFAULT);
	assert_true(occupancy >= 0);
	assert_string_attr(occupancy, "units", "1");
	/* netCDF's NC_CHAR: a scalar fixed-length UTF-8 string, not NC_STRING. */
	hid_t units = H5Aopen(occupancy, "units", H5P_DEFAULT);
	assert_true(units >= 0);
	hid_t units_type = H5Aget_type(units);
	assert_true(units_type >= 0);
	assert_int_equal(H5Tis_variable_str(units_type), 0);
	assert_int_equal(H5Tget_size(units_type), 1);
	assert_int_equal(H5Tget_cset(units_type), H5T_CSET_UTF8);
	assert_true(H5Tclose(units_type) >= 0);
	assert_true(H5Aclose(units) >= 0);
	char *coordinates = read_string_attr(occupancy, "coordinates");
	assert_non_null(strstr(coordinates, "place_name"));
	assert_null(strstr(coordinates, "link_from"));
	free(coordinates);
	assert_true(H5Dclose(occupancy) >= 0);

	for (size_t t = 0; t < COUNT_OF(table_names); t++) {
		assert_has_attr(file, table_names[t], "long_name", true);
		const char *dims[2] = {NULL, NULL};
		dims[0] = !strncmp(table_names[t], "place_", 6) ? "place"
			: !strncmp(table_names[t], "link_", 5) ? "link"
			: "monitoring_point";
		assert_attached(file, table_names[t], dims);
	}
	/* Every numeric table has UDUNITS units but the fare: no currency unit. */
	for (size_t t = 0; t < COUNT_OF(numeric_tables); t++)
		assert_has_attr(file, numeric_tables[t], "units",
				strcmp(numeric_tables[t], "link_fare_usd") != 0);

	/* Dimensions: scales named after themselves, holding the labels. */
	const char *const dims[] = {"time", "place", "link", "monitoring_point",
				    "direction", "intent"};
	for (size_t d = 0; d < COUNT_OF(dims); d++) {
		hid_t scale = H5Dopen2(file, dims[d], H5P_DEFAULT);
		assert_true(scale >= 0);
		assert_int_equal(H5DSis_scale(scale), 1);
		char name[64] = "";
		assert_true(H5DSget_scale_name(scale, name, sizeof(name)) > 0);
		assert_string_equal(name, dims[d]);
		assert_has_attr(file, dims[d], "long_name", true);
		assert_true(H5Dclose(scale) >= 0);
	}
	const char *const places[] = {"zinder", "agadez", "sabha"};
	const char *const links[] = {"zinder->agadez", "agadez->sabha"};
	const char *const monitors[] = {"agadez_fmp"};
	const char *const directions[] = {"inbound", "outbound", "internal"};
	const char *const intents[] = {"circular", "onward", "displaced", "return"};
	const char *const kinds[] = {"origin", "hub", "hub"};
	const char *const modes[] = {"road", "desert"};
	const char *const countries[] = {"Niger"};
	assert_labels(file, "place", N_PLACES, places);
	assert_labels(file, "link", N_LINKS, links);
	assert_labels(file, "monitoring_point", N_MONITORS, monitors);
	assert_labels(file, "direction", MF_DIR_COUNT, directions);
	assert_labels(file, "intent", MF_INTENT_COUNT, intents);
	assert_labels(file, "place_kind", N_PLACES, kinds);
	assert_labels(file, "link_mode", N_LINKS, modes);
	assert_labels(file, "monitor_country", N_MONITORS, countries);
	assert_labels(file, "link_to", N_LINKS, &places[1]);

	hid_t time = H5Dopen2(file, "time", H5P_DEFAULT);
	assert_true(time >= 0);
	assert_string_attr(time, "units", "days since 2024-01-01");
	assert_string_attr(time, "calendar", "standard");
	assert_string_attr(time, "standard_name", "time");
	int32_t days[DAYS] = {0};
	assert_true(H5Dread(time, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT,
			    days) >= 0);
	for (int d = 0; d < DAYS; d++)
		assert_int_equal(days[d], d);
	assert_true(H5Dclose(time) >= 0);

	hid_t lat = H5Dopen2(file, "place_lat", H5P_DEFAULT);
	assert_true(lat >= 0);
	assert_string_attr(lat, "units", "degrees_north");
	assert_string_attr(lat, "standard_name", "latitude");
	double lats[N_PLACES] = {0};
	assert_true(H5Dread(lat, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
			    lats) >= 0);
	assert_true(lats[1] == 16.97);
	assert_true(H5Dclose(lat) >= 0);

	/* Global attributes. */
	assert_string_attr(file, "Conventions", "CF-1.8");
	char *history = read_string_attr(file, "history");
	assert_non_null(strstr(history, " migflow "));
	assert_non_null(strstr(history, " run of "));
	free(history);
	assert_has_attr(file, ".", "source", true);
	assert_has_attr(file, ".", "references", true);
	uint64_t agent_steps = 0, seed = 0;
	double wall_seconds = 0.0;
	int32_t complete = 0, threads = 0, n_days = 0, agent_scale = 0;
	uint32_t replicate = 0;
	read_attr(file, "agent_steps", H5T_NATIVE_UINT64, &agent_steps);
	read_attr(file, "wall_seconds", H5T_NATIVE_DOUBLE, &wall_seconds);
	read_attr(file, "complete", H5T_NATIVE_INT32, &complete);
	read_attr(file, "seed", H5T_NATIVE_UINT64, &seed);
	read_attr(file, "replicate", H5T_NATIVE_UINT32, &replicate);
	read_attr(file, "threads", H5T_NATIVE_INT32, &threads);
	read_attr(file, "days", H5T_NATIVE_INT32, &n_days);
	read_attr(file, "agent_scale", H5T_NATIVE_INT32, &agent_scale);
	assert_int_equal(agent_steps, 777);
	assert_true(wall_seconds == 0.5);
	assert_int_equal(complete, 1);
	assert_int_equal(seed, 42);
	assert_int_equal(replicate, 3);
	assert_int_equal(threads, 4);
	assert_int_equal(n_days, DAYS);
	assert_int_equal(agent_scale, 10);
	assert_string_attr(file, "title", "migflow run");
	assert_string_attr(file, "Conventions", "CF-1.8");
	assert_string_attr(file, "engine", "migflow");
	assert_string_attr(file, "engine_version", MF_VERSION);
	assert_string_attr(file, "scenario_name", "tiny");
	assert_string_attr(file, "scenario_path", "scenarios/tiny.yaml");
	assert_string_attr(file, "scenario", fx->scenario.resolved_text);
	assert_string_attr(file, "start_date", "2024-01-01");
	char *created = read_string_attr(file, "created");
	assert_int_equal(strlen(created), 20); /* YYYY-MM-DDTHH:MM:SSZ */
	assert_int_equal(created[10], 'T');
	assert_int_equal(created[19], 'Z');
	free(created);
	assert_true(H5Fclose(file) >= 0);
}

static void test_refuses_existing_without_force(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "exists.h5", path, sizeof(path));
	struct mf_run_stats stats = {.agent_steps = 1, .wall_seconds = 1.0};
	struct mf_error err;
	assert_int_equal(write_run(fx, path, &fx->info, DAYS, &stats, &err), MF_OK);
	size_t size_before, size_after;
	char *before = slurp(path, &size_before);

	mf_error_clear(&err);
	struct mf_output *out = mf_output_create(path, false, &fx->info, &err);
	assert_null(out);
	assert_int_equal(err.code, MF_ERR_EXISTS);
	assert_non_null(strstr(err.message, path));
	assert_non_null(strstr(err.message, "--force"));
	assert_false(partial_exists(path));

	char *after = slurp(path, &size_after);
	assert_int_equal(size_after, size_before);
	assert_memory_equal(after, before, size_before);
	free(before);
	free(after);
}

static void test_force_overwrites(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "force.h5", path, sizeof(path));
	struct mf_run_stats stats = {.agent_steps = 1, .wall_seconds = 1.0};
	struct mf_error err;
	assert_int_equal(write_run(fx, path, &fx->info, DAYS, &stats, &err), MF_OK);

	struct mf_output_info info = fx->info;
	info.seed = 99;
	struct mf_output *out = mf_output_create(path, true, &info, &err);
	assert_non_null(out);
	for (int day = 0; day < DAYS; day++) {
		fill_day(fx, &info, day);
		assert_int_equal(mf_output_write_day(out, &fx->counts, &err), MF_OK);
	}
	stats.agent_steps = 2;
	assert_int_equal(mf_output_finish(out, &stats, &err), MF_OK);
	assert_false(partial_exists(path));

	hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	assert_true(file >= 0);
	uint64_t seed = 0, agent_steps = 0;
	read_attr(file, "seed", H5T_NATIVE_UINT64, &seed);
	read_attr(file, "agent_steps", H5T_NATIVE_UINT64, &agent_steps);
	assert_int_equal(seed, 99);
	assert_int_equal(agent_steps, 2);
	assert_true(H5Fclose(file) >= 0);
}

static void test_discard_removes_everything(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "discard.h5", path, sizeof(path));
	struct mf_error err;
	struct mf_output *out = mf_output_create(path, false, &fx->info, &err);
	assert_non_null(out);
	assert_true(partial_exists(path));
	for (int day = 0; day < 2; day++) {
		fill_day(fx, &fx->info, day);
		assert_int_equal(mf_output_write_day(out, &fx->counts, &err), MF_OK);
	}
	mf_output_discard(out);
	assert_false(exists(path));
	assert_false(partial_exists(path));
	mf_output_discard(NULL);
}

static void test_short_run_is_an_error(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "short.h5", path, sizeof(path));
	struct mf_run_stats stats = {.agent_steps = 1, .wall_seconds = 1.0};
	struct mf_error err;
	mf_error_clear(&err);
	assert_int_equal(write_run(fx, path, &fx->info, 3, &stats, &err),
			 MF_ERR_INTERNAL);
	assert_int_equal(err.code, MF_ERR_INTERNAL);
	assert_non_null(strstr(err.message, "3 of 5 days"));
	assert_false(exists(path));
	assert_false(partial_exists(path));
}

static void test_days_in_order(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "order.h5", path, sizeof(path));
	struct mf_error err;
	struct mf_output *out = mf_output_create(path, false, &fx->info, &err);
	assert_non_null(out);
	fill_day(fx, &fx->info, 0);
	assert_int_equal(mf_output_write_day(out, &fx->counts, &err), MF_OK);
	fill_day(fx, &fx->info, 2);
	assert_int_equal(mf_output_write_day(out, &fx->counts, &err),
			 MF_ERR_INTERNAL);
	/* A failed writer can only be discarded; finish refuses it. */
	struct mf_run_stats stats = {.agent_steps = 1, .wall_seconds = 1.0};
	assert_int_equal(mf_output_finish(out, &stats, &err), MF_ERR_INTERNAL);
	assert_false(exists(path));
	assert_false(partial_exists(path));
}

static void test_too_many_days(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "many.h5", path, sizeof(path));
	struct mf_error err;
	struct mf_output *out = mf_output_create(path, false, &fx->info, &err);
	assert_non_null(out);
	for (int day = 0; day < DAYS; day++) {
		fill_day(fx, &fx->info, day);
		assert_int_equal(mf_output_write_day(out, &fx->counts, &err), MF_OK);
	}
	fill_day(fx, &fx->info, DAYS);
	assert_int_equal(mf_output_write_day(out, &fx->counts, &err),
			 MF_ERR_INTERNAL);
	mf_output_discard(out);
	assert_false(partial_exists(path));
}

/* More days than one block: the writes must land in the right rows. */
static void test_many_blocks(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "blocks.h5", path, sizeof(path));
	struct mf_output_info info = fx->info;
	info.days = 150;
	struct mf_run_stats stats = {.agent_steps = 1, .wall_seconds = 1.0};
	struct mf_error err;
	assert_int_equal(write_run(fx, path, &info, info.days, &stats, &err), MF_OK);

	hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	assert_true(file >= 0);
	hsize_t dims[3] = {150, N_PLACES, MF_INTENT_COUNT};
	int64_t *occupancy = read_int64(file, "occupancy", 3, dims);
	size_t row = N_PLACES * MF_INTENT_COUNT;
	for (int day = 0; day < 150; day++)
		for (size_t i = 0; i < row; i++)
			assert_int_equal(occupancy[(size_t)day * row + i],
					 value_of(OCCUPANCY, day, i));
	free(occupancy);
	int64_t *returns = read_int64(file, "returns", 1, dims);
	for (int day = 0; day < 150; day++)
		assert_int_equal(returns[day], value_of(RETURNS, day, 0));
	free(returns);

	hid_t dataset = H5Dopen2(file, "occupancy", H5P_DEFAULT);
	assert_true(dataset >= 0);
	hid_t dcpl = H5Dget_create_plist(dataset);
	assert_true(dcpl >= 0);
	assert_int_equal(H5Pget_layout(dcpl), H5D_CHUNKED);
	hsize_t chunk[3] = {0};
	assert_int_equal(H5Pget_chunk(dcpl, 3, chunk), 3);
	/* A small row: the whole run in one chunk of at most 1 MiB. */
	assert_int_equal(chunk[0], 150);
	assert_int_equal(chunk[1], N_PLACES);
	assert_int_equal(chunk[2], MF_INTENT_COUNT);
	/* Compressed: shuffle, then deflate. */
	assert_int_equal(H5Pget_nfilters(dcpl), 2);
	unsigned flags = 0, level = 0;
	size_t n_values = 1;
	assert_int_equal(H5Pget_filter2(dcpl, 0, &flags, &n_values, &level, 0, NULL, NULL),
			 H5Z_FILTER_SHUFFLE);
	n_values = 1;
	assert_int_equal(H5Pget_filter2(dcpl, 1, &flags, &n_values, &level, 0, NULL, NULL),
			 H5Z_FILTER_DEFLATE);
	assert_int_equal(level, 1);
	H5D_fill_time_t fill_time;
	assert_true(H5Pget_fill_time(dcpl, &fill_time) >= 0);
	assert_int_equal(fill_time, H5D_FILL_TIME_NEVER);
	assert_true(H5Pclose(dcpl) >= 0);
	assert_true(H5Dclose(dataset) >= 0);
	assert_true(H5Fclose(file) >= 0);
}

/* A large row gets shorter blocks than a small one; both must land right. */
static void test_blocks_differ_between_variables(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "wide.h5", path, sizeof(path));
	enum { WIDE_PLACES = 5000, WIDE_DAYS = 130 };
	struct mf_graph graph = fx->graph;
	graph.n_places = WIDE_PLACES;
	graph.places = calloc(WIDE_PLACES, sizeof(*graph.places));
	assert_non_null(graph.places);
	for (int p = 0; p < WIDE_PLACES; p++) {
		graph.places[p] = fx->graph.places[p % N_PLACES];
		snprintf(graph.places[p].id, MF_ID_MAX, "p%d", p);
	}
	struct mf_scenario scenario = fx->scenario;
	scenario.graph = &graph;
	struct mf_output_info info = fx->info;
	info.scenario = &scenario;
	info.days = WIDE_DAYS;
	size_t row = (size_t)WIDE_PLACES * MF_INTENT_COUNT;
	struct mf_day_counts counts = fx->counts;
	counts.occupancy = calloc(row, sizeof(int64_t));
	counts.spawned = calloc(WIDE_PLACES, sizeof(int64_t));
	counts.arrivals = calloc(WIDE_PLACES, sizeof(int64_t));
	assert_non_null(counts.occupancy);
	assert_non_null(counts.spawned);
	assert_non_null(counts.arrivals);

	struct mf_error err;
	struct mf_output *out = mf_output_create(path, false, &info, &err);
	assert_non_null(out);
	for (int day = 0; day < WIDE_DAYS; day++) {
		counts.day = day;
		for (size_t i = 0; i < row; i++)
			counts.occupancy[i] = value_of(OCCUPANCY, day, i);
		counts.returns = value_of(RETURNS, day, 0);
		assert_int_equal(mf_output_write_day(out, &counts, &err), MF_OK);
	}
	struct mf_run_stats stats = {.agent_steps = 1, .wall_seconds = 1.0};
	assert_int_equal(mf_output_finish(out, &stats, &err), MF_OK);

	hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	assert_true(file >= 0);
	hsize_t dims[3] = {WIDE_DAYS, WIDE_PLACES, MF_INTENT_COUNT};
	int64_t *occupancy = read_int64(file, "occupancy", 3, dims);
	for (int day = 0; day < WIDE_DAYS; day++)
		for (size_t i = 0; i < row; i += 997)
			assert_int_equal(occupancy[(size_t)day * row + i],
					 value_of(OCCUPANCY, day, i));
	assert_int_equal(occupancy[WIDE_DAYS * row - 1],
			 value_of(OCCUPANCY, WIDE_DAYS - 1, row - 1));
	free(occupancy);
	int64_t *returns = read_int64(file, "returns", 1, dims);
	for (int day = 0; day < WIDE_DAYS; day++)
		assert_int_equal(returns[day], value_of(RETURNS, day, 0));
	free(returns);

	const char *const names[] = {"occupancy", "returns"};
	hsize_t chunk_days[2] = {0, 0};
	for (int v = 0; v < 2; v++) {
		hid_t dataset = H5Dopen2(file, names[v], H5P_DEFAULT);
		assert_true(dataset >= 0);
		hid_t dcpl = H5Dget_create_plist(dataset);
		assert_true(dcpl >= 0);
		hsize_t chunk[3] = {0};
		assert_true(H5Pget_chunk(dcpl, 3, chunk) > 0);
		chunk_days[v] = chunk[0];
		if (v == 0) /* about 1 MiB */
			assert_true(chunk[0] * row * sizeof(int64_t) <= ((size_t)1 << 20));
		assert_true(H5Pclose(dcpl) >= 0);
		assert_true(H5Dclose(dataset) >= 0);
	}
	assert_true(chunk_days[0] < chunk_days[1]);
	assert_int_equal(chunk_days[1], WIDE_DAYS); /* returns: the whole run */
	assert_true(H5Fclose(file) >= 0);
	free(counts.occupancy);
	free(counts.spawned);
	free(counts.arrivals);
	free(graph.places);
}

static void test_stale_partial_is_replaced(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE], partial[PATH_SIZE + 16];
	path_in(fx, "stale.h5", path, sizeof(path));
	snprintf(partial, sizeof(partial), "%s.partial", path);
	FILE *junk = fopen(partial, "w");
	assert_non_null(junk);
	fputs("not an HDF5 file\n", junk);
	fclose(junk);
	struct mf_run_stats stats = {.agent_steps = 1, .wall_seconds = 1.0};
	struct mf_error err;
	assert_int_equal(write_run(fx, path, &fx->info, DAYS, &stats, &err), MF_OK);
	assert_true(exists(path));
	assert_false(exists(partial));
	assert_true(H5Fis_hdf5(path) > 0);
}

/* No monitoring points: an empty dimension, and no scenario text. */
static void test_no_monitors(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "nomonitor.h5", path, sizeof(path));
	struct mf_scenario scenario = fx->scenario;
	scenario.n_monitors = 0;
	scenario.monitors = NULL;
	scenario.resolved_text = NULL;
	struct mf_output_info info = fx->info;
	info.scenario = &scenario;
	int64_t *passes = fx->counts.monitor_passes;
	fx->counts.monitor_passes = NULL;
	struct mf_run_stats stats = {.agent_steps = 1, .wall_seconds = 1.0};
	struct mf_error err;
	enum mf_status status = write_run(fx, path, &info, DAYS, &stats, &err);
	fx->counts.monitor_passes = passes;
	assert_int_equal(status, MF_OK);

	hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	assert_true(file >= 0);
	hsize_t dims[3] = {DAYS, 0, MF_DIR_COUNT};
	free(read_int64(file, "monitor_passes", 3, dims));
	assert_labels(file, "monitoring_point", 0, NULL);
	assert_attached(file, "monitor_passes", series_dims[MONITOR_PASSES]);
	assert_string_attr(file, "scenario", "");
	assert_true(H5Fclose(file) >= 0);
}

/* A scenario text far larger than HDF5's 64 KiB attribute header limit. */
static void test_large_scenario_text(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "large.h5", path, sizeof(path));
	size_t size = 300000;
	char *text = malloc(size + 1);
	assert_non_null(text);
	for (size_t i = 0; i < size; i++)
		text[i] = i % 61 == 60 ? '\n' : (char)('a' + i % 26);
	text[size] = '\0';
	struct mf_scenario scenario = fx->scenario;
	scenario.resolved_text = text;
	struct mf_output_info info = fx->info;
	info.scenario = &scenario;
	struct mf_run_stats stats = {.agent_steps = 1, .wall_seconds = 1.0};
	struct mf_error err;
	assert_int_equal(write_run(fx, path, &info, DAYS, &stats, &err), MF_OK);
	hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	assert_true(file >= 0);
	assert_string_attr(file, "scenario", text);
	assert_true(H5Fclose(file) >= 0);
	free(text);
}

/* HDF5 failures become errors naming the file, and HDF5's own error
 * printing is left as the caller had it. */
static void test_hdf5_failure_is_reported(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "no/such/dir/out.h5", path, sizeof(path));
	H5E_auto2_t func_before = NULL, func_after = NULL;
	void *data_before = NULL, *data_after = NULL;
	assert_true(H5Eget_auto2(H5E_DEFAULT, &func_before, &data_before) >= 0);
	struct mf_error err;
	mf_error_clear(&err);
	assert_null(mf_output_create(path, false, &fx->info, &err));
	assert_int_equal(err.code, MF_ERR_IO);
	assert_non_null(strstr(err.message, path));
	assert_true(H5Eget_auto2(H5E_DEFAULT, &func_after, &data_after) >= 0);
	assert_true(func_after == func_before);
	assert_true(data_after == data_before);

	/* A directory in the way of the output. */
	path_in(fx, "a_directory.h5", path, sizeof(path));
	assert_int_equal(mkdir(path, 0700), 0);
	assert_null(mf_output_create(path, true, &fx->info, &err));
	assert_int_equal(err.code, MF_ERR_IO);
	assert_int_equal(rmdir(path), 0);
}

/* --- ensembles ---------------------------------------------------------------- */

#define REPLICATES 3

/* The value of an ensemble test: value_of plus a replicate offset. */
static int64_t replicate_value(int replicate, int series, int day, size_t index)
{
	return value_of(series, day, index) + (int64_t)replicate * 100000000;
}

static void fill_replicate_day(struct fixture *fx, int replicate, int day)
{
	fx->counts.day = day;
	for (int s = 0; s < SERIES_COUNT; s++) {
		int64_t *row = day_row(&fx->counts, s);
		size_t n = row_length(s, N_MONITORS);
		for (size_t i = 0; i < n; i++)
			row[i] = replicate_value(replicate, s, day, i);
	}
}

/* Writes an ensemble of `replicates` with `days` days each; finishes when
 * stats is given. */
static struct mf_output *write_ensemble(struct fixture *fx, const char *path,
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

static void test_replicate_layout(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "ensemble.h5", path, sizeof(path));
	struct mf_output_info info = fx->info;
	info.replicates = REPLICATES;
	info.days = 70; /* more than one block */
	struct mf_error err;
	mf_error_clear(&err);
	struct mf_output *out = write_ensemble(fx, path, &info, &err);
	struct mf_run_stats stats = {.agent_steps = 3000, .wall_seconds = 2.0};
	assert_int_equal(mf_output_finish(out, &stats, &err), MF_OK);
	assert_false(partial_exists(path));

	hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	assert_true(file >= 0);
	for (int s = 0; s < SERIES_COUNT; s++) {
		size_t row = row_length(s, N_MONITORS);
		hsize_t dims[4] = {REPLICATES, 70, 0, 0};
		int rank = 2;
		if (s == OCCUPANCY || s == MONITOR_PASSES) {
			dims[2] = s == OCCUPANCY ? N_PLACES : N_MONITORS;
			dims[3] = s == OCCUPANCY ? MF_INTENT_COUNT : MF_DIR_COUNT;
			rank = 4;
		} else if (row > 1) {
			dims[2] = row;
			rank = 3;
		}
		int64_t *values = read_int64(file, series_names[s], rank, dims);
		for (int r = 0; r < REPLICATES; r++)
			for (int day = 0; day < 70; day++)
				for (size_t i = 0; i < row; i++) {
					int64_t got = values[((size_t)r * 70 + (size_t)day) * row + i];
					if (got != replicate_value(r, s, day, i))
						fail_msg("%s[%d][%d][%zu] = %lld", series_names[s], r, day,
							 i, (long long)got);
				}
		free(values);
		/* replicate, then the single run's dimensions. */
		const char *dims_names[5] = {"replicate", NULL, NULL, NULL, NULL};
		for (int a = 0; series_dims[s][a]; a++)
			dims_names[a + 1] = series_dims[s][a];
		assert_attached(file, series_names[s], dims_names);
		hid_t dataset = H5Dopen2(file, series_names[s], H5P_DEFAULT);
		hid_t dcpl = H5Dget_create_plist(dataset);
		hsize_t chunk[4] = {0};
		assert_int_equal(H5Pget_chunk(dcpl, 4, chunk), rank);
		assert_int_equal(chunk[0], 1);
		assert_true(chunk[1] >= 1);
		size_t chunk_bytes = sizeof(int64_t);
		for (int a = 1; a < rank; a++)
			chunk_bytes *= chunk[a];
		assert_true(chunk_bytes <= ((size_t)1 << 20));
		assert_true(H5Pclose(dcpl) >= 0);
		assert_true(H5Dclose(dataset) >= 0);
	}
	hid_t replicate = H5Dopen2(file, "replicate", H5P_DEFAULT);
	assert_true(replicate >= 0);
	assert_int_equal(H5DSis_scale(replicate), 1);
	int32_t numbers[REPLICATES] = {-1, -1, -1};
	assert_true(H5Dread(replicate, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT,
			    numbers) >= 0);
	for (int r = 0; r < REPLICATES; r++)
		assert_int_equal(numbers[r], r);
	assert_has_attr(file, "replicate", "long_name", true);
	assert_true(H5Dclose(replicate) >= 0);
	const char *const statistics[] = {"mean", "p05", "p50", "p95"};
	assert_labels(file, "statistic", 4, statistics);

	int32_t replicates = 0;
	uint64_t agent_steps = 0;
	read_attr(file, "replicates", H5T_NATIVE_INT32, &replicates);
	read_attr(file, "agent_steps", H5T_NATIVE_UINT64, &agent_steps);
	assert_int_equal(replicates, REPLICATES);
	assert_int_equal(agent_steps, 3000);
	assert_has_attr(file, ".", "replicate", false);
	assert_has_attr(file, ".", "wall_seconds", true);
	assert_true(H5Fclose(file) >= 0);
}

/* A single run has no replicate or statistic dimension and no summaries. */
static void test_single_run_has_no_ensemble_parts(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "single.h5", path, sizeof(path));
	struct mf_run_stats stats = {.agent_steps = 1, .wall_seconds = 1.0};
	struct mf_error err;
	assert_int_equal(write_run(fx, path, &fx->info, DAYS, &stats, &err), MF_OK);
	hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	assert_true(file >= 0);
	const char *const absent[] = {"replicate", "statistic", "summary_occupancy",
				      "summary_deaths"};
	for (size_t i = 0; i < COUNT_OF(absent); i++)
		assert_int_equal(H5Lexists(file, absent[i], H5P_DEFAULT), 0);
	assert_has_attr(file, ".", "replicates", false);
	assert_has_attr(file, ".", "replicate", true);
	assert_true(H5Fclose(file) >= 0);
}

static void test_percentile_is_numpy_linear(void **state)
{
	(void)state;
	/* numpy.percentile(values, q) for these, method "linear" (default). */
	const double four[] = {1, 2, 3, 4};
	assert_true(fabs(mf_output_percentile(four, 4, 0.05) - 1.15) < 1e-12);
	assert_true(mf_output_percentile(four, 4, 0.5) == 2.5);
	assert_true(fabs(mf_output_percentile(four, 4, 0.95) - 3.85) < 1e-12);
	assert_true(mf_output_percentile(four, 4, 0) == 1);
	assert_true(mf_output_percentile(four, 4, 1) == 4);
	const double one[] = {7};
	assert_true(mf_output_percentile(one, 1, 0.05) == 7);
	assert_true(mf_output_percentile(one, 1, 0.95) == 7);
	const double two[] = {0, 10};
	assert_true(mf_output_percentile(two, 2, 0.05) == 0.5);
	assert_true(mf_output_percentile(two, 2, 0.95) == 9.5);
	const double five[] = {0, 10, 20, 30, 40};
	assert_true(mf_output_percentile(five, 5, 0.05) == 2);
	assert_true(mf_output_percentile(five, 5, 0.5) == 20);
	assert_true(mf_output_percentile(five, 5, 0.95) == 38);
	assert_true(isnan(mf_output_percentile(five, 0, 0.5)));
}

/* Reads a whole float64 dataset of n values; caller frees. */
static double *read_doubles(hid_t file, const char *name, size_t n)
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

/* Five replicates whose values at every cell are a shuffle of
 * 0, 10, 20, 30, 40 (plus the cell's own offset), so the statistics are
 * known: mean 20, p05 2, p50 20, p95 38 above the offset. */
static void test_replicate_statistics(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "statistics.h5", path, sizeof(path));
	struct mf_output_info info = fx->info;
	info.replicates = 5;
	info.days = 3;
	static const int order[5] = {3, 0, 4, 1, 2};
	struct mf_error err;
	struct mf_output *out = mf_output_create(path, false, &info, &err);
	assert_non_null(out);
	for (int r = 0; r < 5; r++)
		for (int day = 0; day < info.days; day++) {
			fx->counts.day = day;
			for (int s = 0; s < SERIES_COUNT; s++) {
				int64_t *row = day_row(&fx->counts, s);
				for (size_t i = 0; i < row_length(s, N_MONITORS); i++)
					row[i] = value_of(s, day, i) + 10 * order[r];
			}
			assert_int_equal(mf_output_write_day(out, &fx->counts, &err), MF_OK);
		}
	struct mf_run_stats stats = {.agent_steps = 5, .wall_seconds = 1.0};
	assert_int_equal(mf_output_finish(out, &stats, &err), MF_OK);

	hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	assert_true(file >= 0);
	const int summarised[] = {OCCUPANCY, DEATHS, MONITOR_PASSES, INTERCEPTIONS,
				  EXPULSIONS, RETURNS, DESTINATION_ARRIVALS};
	const double above[4] = {20, 2, 20, 38};
	for (size_t k = 0; k < COUNT_OF(summarised); k++) {
		int s = summarised[k];
		char name[64];
		snprintf(name, sizeof(name), "summary_%s", series_names[s]);
		size_t row = row_length(s, N_MONITORS);
		double *values = read_doubles(file, name, 4 * 3 * row);
		for (int stat = 0; stat < 4; stat++)
			for (int day = 0; day < 3; day++)
				for (size_t i = 0; i < row; i++) {
					double got = values[((size_t)stat * 3 + (size_t)day) * row + i];
					double expected = (double)value_of(s, day, i) + above[stat];
					if (got != expected)
						fail_msg("%s[%d][%d][%zu] = %.17g, expected %.17g", name,
							 stat, day, i, got, expected);
				}
		free(values);
		assert_has_attr(file, name, "units", true);
		assert_has_attr(file, name, "long_name", true);
		const char *dims[5] = {"statistic", NULL, NULL, NULL, NULL};
		for (int a = 0; series_dims[s][a]; a++)
			dims[a + 1] = series_dims[s][a];
		assert_attached(file, name, dims);
	}
	/* Not every variable is summarised. */
	assert_int_equal(H5Lexists(file, "summary_link_flow", H5P_DEFAULT), 0);
	assert_true(H5Fclose(file) >= 0);
}

static void test_replicates_in_order(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "ensemble_short.h5", path, sizeof(path));
	struct mf_output_info info = fx->info;
	info.replicates = 3;
	struct mf_error err;
	mf_error_clear(&err);
	struct mf_output *out = mf_output_create(path, true, &info, &err);
	assert_non_null(out);
	for (int r = 0; r < 2; r++)
		for (int day = 0; day < DAYS; day++) {
			fill_replicate_day(fx, r, day);
			assert_int_equal(mf_output_write_day(out, &fx->counts, &err), MF_OK);
		}
	fill_replicate_day(fx, 2, 0);
	assert_int_equal(mf_output_write_day(out, &fx->counts, &err), MF_OK);
	struct mf_run_stats stats = {.agent_steps = 1, .wall_seconds = 1.0};
	assert_int_equal(mf_output_finish(out, &stats, &err), MF_ERR_INTERNAL);
	assert_non_null(strstr(err.message, "2 of 3 replicates"));
	assert_false(exists(path));
	assert_false(partial_exists(path));

	/* A replicate's days in order; nothing after the last replicate. */
	info.replicates = 1;
	out = mf_output_create(path, true, &info, &err);
	assert_non_null(out);
	for (int day = 0; day < DAYS; day++) {
		fill_replicate_day(fx, 0, day);
		assert_int_equal(mf_output_write_day(out, &fx->counts, &err), MF_OK);
	}
	fill_replicate_day(fx, 1, 0);
	assert_int_equal(mf_output_write_day(out, &fx->counts, &err), MF_ERR_INTERNAL);
	assert_non_null(strstr(err.message, "last of 1 replicates"));
	mf_output_discard(out);
	assert_false(partial_exists(path));

	info.replicates = -1;
	assert_null(mf_output_create(path, true, &info, &err));
	assert_int_equal(err.code, MF_ERR_INTERNAL);
}

/* --- tables and attributes ----------------------------------------------------- */

static void test_table(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "table.h5", path, sizeof(path));
	struct mf_error err;
	mf_error_clear(&err);
	struct mf_output *out = mf_output_create(path, false, &fx->info, &err);
	assert_non_null(out);
	const char *const labels[] = {"niger_outbound", "sea_arrivals", "libya_stock"};
	const double observed[] = {1.5e6, 42279, 824131};
	const double simulated[] = {1.49e6, 40000.5, 800000};
	const char *const sources[] = {"IOM flow monitoring", "Ministero dell'Interno",
				       "IOM DTM Libya \xc3\xa9t\xc3\xa9"};
	const struct mf_table_column columns[] = {
		{"target_observed", "observed value", "persons", MF_COLUMN_NUMBER, observed, NULL},
		{"target_simulated", "replicate mean", "persons", MF_COLUMN_NUMBER, simulated, NULL},
		{"target_source", "where the observation comes from", NULL, MF_COLUMN_TEXT, NULL,
		 sources},
	};
	struct mf_table table = {"target", "calibration target", 3, labels, 3, columns};
	assert_int_equal(mf_output_add_table(out, &table, &err), MF_OK);
	assert_int_equal(mf_output_add_text_attribute(out, "calibration", "nelder-mead", &err),
			 MF_OK);
	for (int day = 0; day < DAYS; day++) {
		fill_day(fx, &fx->info, day);
		assert_int_equal(mf_output_write_day(out, &fx->counts, &err), MF_OK);
	}
	struct mf_run_stats stats = {.agent_steps = 1, .wall_seconds = 1.0};
	assert_int_equal(mf_output_finish(out, &stats, &err), MF_OK);

	hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	assert_true(file >= 0);
	assert_labels(file, "target", 3, labels);
	assert_labels(file, "target_source", 3, sources);
	double *values = read_doubles(file, "target_simulated", 3);
	for (int i = 0; i < 3; i++)
		assert_true(values[i] == simulated[i]);
	free(values);
	const char *const dims[] = {"target", NULL};
	for (size_t c = 0; c < COUNT_OF(columns); c++) {
		assert_attached(file, columns[c].name, dims);
		assert_has_attr(file, columns[c].name, "long_name", true);
		assert_has_attr(file, columns[c].name, "units", columns[c].units != NULL);
	}
	hid_t scale = H5Dopen2(file, "target", H5P_DEFAULT);
	assert_int_equal(H5DSis_scale(scale), 1);
	assert_string_attr(scale, "long_name", "calibration target");
	assert_true(H5Dclose(scale) >= 0);
	hid_t observed_set = H5Dopen2(file, "target_observed", H5P_DEFAULT);
	assert_string_attr(observed_set, "units", "persons");
	assert_true(H5Dclose(observed_set) >= 0);
	assert_string_attr(file, "calibration", "nelder-mead");
	assert_true(H5Fclose(file) >= 0);
}

static void test_table_errors(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "table_errors.h5", path, sizeof(path));
	struct mf_error err;
	const char *const labels[] = {"a", "b"};
	const double numbers[] = {1, 2};
	struct mf_table_column column = {"value", "a value", "1", MF_COLUMN_NUMBER, numbers, NULL};
	struct mf_table table = {"row", "a row", 2, labels, 1, &column};

	/* A name already in the file: the place dimension. */
	struct mf_output *out = mf_output_create(path, true, &fx->info, &err);
	assert_non_null(out);
	table.dimension = "place";
	assert_int_equal(mf_output_add_table(out, &table, &err), MF_ERR_INTERNAL);
	assert_non_null(strstr(err.message, "already in the file"));
	mf_output_discard(out);

	/* A slash in a name, a column named as its dimension, a missing text. */
	out = mf_output_create(path, true, &fx->info, &err);
	table.dimension = "a/b";
	assert_int_equal(mf_output_add_table(out, &table, &err), MF_ERR_INTERNAL);
	mf_output_discard(out);
	out = mf_output_create(path, true, &fx->info, &err);
	table.dimension = "value";
	assert_int_equal(mf_output_add_table(out, &table, &err), MF_ERR_INTERNAL);
	assert_non_null(strstr(err.message, "used twice"));
	mf_output_discard(out);
	out = mf_output_create(path, true, &fx->info, &err);
	const char *const texts[] = {"x", NULL};
	struct mf_table_column text = {"note", "a note", NULL, MF_COLUMN_TEXT, NULL, texts};
	table.dimension = "row";
	table.columns = &text;
	assert_int_equal(mf_output_add_table(out, &table, &err), MF_ERR_INTERNAL);
	mf_output_discard(out);

	/* The same attribute twice. */
	out = mf_output_create(path, true, &fx->info, &err);
	assert_int_equal(mf_output_add_text_attribute(out, "seed", "1", &err), MF_ERR_INTERNAL);
	mf_output_discard(out);
	assert_false(partial_exists(path));

	/* An empty table is fine. */
	out = mf_output_create(path, true, &fx->info, &err);
	struct mf_table empty = {"nothing", "no rows", 0, NULL, 0, NULL};
	assert_int_equal(mf_output_add_table(out, &empty, &err), MF_OK);
	mf_output_discard(out);
}

/* --- batch files ------------------------------------------------------------------ */

/* Every dataset of a (whole file or group) with its values, compared. */
static void assert_same_dataset(hid_t a_group, hid_t b_group, const char *name)
{
	hid_t a = H5Dopen2(a_group, name, H5P_DEFAULT), b = H5Dopen2(b_group, name, H5P_DEFAULT);
	assert_true(a >= 0);
	assert_true(b >= 0);
	hid_t a_type = H5Dget_type(a), b_type = H5Dget_type(b);
	assert_true(H5Tequal(a_type, b_type) > 0);
	hid_t a_space = H5Dget_space(a), b_space = H5Dget_space(b);
	assert_int_equal(H5Sget_simple_extent_npoints(a_space), H5Sget_simple_extent_npoints(b_space));
	size_t n = (size_t)H5Sget_simple_extent_npoints(a_space);
	if (H5Tget_class(a_type) != H5T_STRING && n > 0) {
		hid_t memory = H5Tget_native_type(a_type, H5T_DIR_ASCEND);
		size_t size = H5Tget_size(memory);
		char *x = calloc(n, size), *y = calloc(n, size);
		assert_true(H5Dread(a, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) >= 0);
		assert_true(H5Dread(b, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, y) >= 0);
		assert_memory_equal(x, y, n * size);
		free(x);
		free(y);
		H5Tclose(memory);
	}
	hid_t a_plist = H5Dget_create_plist(a), b_plist = H5Dget_create_plist(b);
	assert_int_equal(H5Pget_layout(a_plist), H5Pget_layout(b_plist));
	H5Pclose(a_plist);
	H5Pclose(b_plist);
	H5Sclose(a_space);
	H5Sclose(b_space);
	H5Tclose(a_type);
	H5Tclose(b_type);
	H5Dclose(a);
	H5Dclose(b);
}

static void test_batch_file(void **state)
{
	struct fixture *fx = *state;
	char run[PATH_SIZE], ensemble[PATH_SIZE], batch[PATH_SIZE];
	path_in(fx, "member_run.h5", run, sizeof(run));
	path_in(fx, "member_ensemble.h5", ensemble, sizeof(ensemble));
	path_in(fx, "batch.h5", batch, sizeof(batch));
	struct mf_error err;
	mf_error_clear(&err);
	/* A member whose scenario text is larger than an attribute header. */
	size_t size = 100000;
	char *text = malloc(size + 1);
	assert_non_null(text);
	for (size_t i = 0; i < size; i++)
		text[i] = (char)('a' + i % 26);
	text[size] = '\0';
	struct mf_scenario scenario = fx->scenario;
	scenario.resolved_text = text;
	struct mf_output_info info = fx->info;
	info.scenario = &scenario;
	struct mf_run_stats stats = {.agent_steps = 11, .wall_seconds = 0.25};
	assert_int_equal(write_run(fx, run, &info, DAYS, &stats, &err), MF_OK);
	info.replicates = REPLICATES;
	struct mf_output *out = write_ensemble(fx, ensemble, &info, &err);
	assert_int_equal(mf_output_add_text_attribute(out, "batch_key", "key 1", &err), MF_OK);
	stats.agent_steps = 33;
	assert_int_equal(mf_output_finish(out, &stats, &err), MF_OK);

	struct mf_run_stats probed = {0};
	char *key = NULL;
	assert_int_equal(mf_output_probe(ensemble, "batch_key", &key, &probed, &err), MF_OK);
	assert_string_equal(key, "key 1");
	free(key);
	assert_int_equal(probed.agent_steps, 33);
	assert_true(probed.wall_seconds == 0.25);
	assert_int_equal(mf_output_probe(run, "batch_key", &key, NULL, &err), MF_OK);
	assert_null(key);

	out = mf_output_create_batch(batch, false, &err);
	assert_non_null(out);
	assert_int_equal(mf_output_add_run(out, "members/single", run, &err), MF_OK);
	assert_int_equal(mf_output_add_run(out, "members/ensemble", ensemble, &err), MF_OK);
	stats.agent_steps = 44;
	assert_int_equal(mf_output_finish(out, &stats, &err), MF_OK);
	assert_false(partial_exists(batch));

	hid_t file = H5Fopen(batch, H5F_ACC_RDONLY, H5P_DEFAULT);
	assert_true(file >= 0);
	int32_t flag = 0;
	read_attr(file, "migflow_batch", H5T_NATIVE_INT32, &flag);
	assert_int_equal(flag, 1);
	assert_string_attr(file, "title", "migflow batch");
	const char *const members[] = {"members/single", "members/ensemble"};
	const char *const sources[] = {run, ensemble};
	for (int m = 0; m < 2; m++) {
		hid_t group = H5Gopen2(file, members[m], H5P_DEFAULT);
		assert_true(group >= 0);
		hid_t gcpl = H5Gget_create_plist(group);
		unsigned order = 0;
		assert_true(H5Pget_link_creation_order(gcpl, &order) >= 0);
		assert_int_equal(order, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
		H5Pclose(gcpl);
		hid_t source = H5Fopen(sources[m], H5F_ACC_RDONLY, H5P_DEFAULT);
		assert_true(source >= 0);
		for (int s = 0; s < SERIES_COUNT; s++) {
			assert_same_dataset(source, group, series_names[s]);
			const char *dims[5] = {NULL, NULL, NULL, NULL, NULL};
			int first = m == 1 ? 1 : 0;
			if (m == 1)
				dims[0] = "replicate";
			for (int a = 0; series_dims[s][a]; a++)
				dims[first + a] = series_dims[s][a];
			assert_attached(group, series_names[s], dims);
			assert_has_attr(group, series_names[s], "units", true);
		}
		for (size_t t = 0; t < COUNT_OF(table_names); t++)
			assert_same_dataset(source, group, table_names[t]);
		assert_labels(group, "place", N_PLACES,
			      (const char *const[]){"zinder", "agadez", "sabha"});
		assert_string_attr(group, "scenario", text);
		uint64_t steps = 0;
		read_attr(group, "agent_steps", H5T_NATIVE_UINT64, &steps);
		assert_int_equal(steps, m == 0 ? 11 : 33);
		if (m == 1) {
			assert_same_dataset(source, group, "summary_occupancy");
			assert_string_attr(group, "batch_key", "key 1");
			const char *dims[] = {"statistic", "time", "place", "intent", NULL};
			assert_attached(group, "summary_occupancy", dims);
		}
		H5Fclose(source);
		H5Gclose(group);
	}
	assert_true(H5Fclose(file) >= 0);
	free(text);

	/* A group twice, a missing run, a run file that is not complete. */
	out = mf_output_create_batch(batch, true, &err);
	assert_non_null(out);
	assert_int_equal(mf_output_add_run(out, "members/x", run, &err), MF_OK);
	assert_int_equal(mf_output_add_run(out, "members/x", run, &err), MF_ERR_INTERNAL);
	mf_output_discard(out);
	out = mf_output_create_batch(batch, true, &err);
	char missing[PATH_SIZE];
	path_in(fx, "missing.h5", missing, sizeof(missing));
	assert_int_equal(mf_output_add_run(out, "members/y", missing, &err), MF_ERR_IO);
	mf_output_discard(out);
	assert_true(exists(batch)); /* the finished one is untouched */
	assert_false(partial_exists(batch));
	assert_int_equal(mf_output_probe(missing, NULL, NULL, NULL, &err), MF_ERR_IO);
	/* An HDF5 file without `complete = 1`, as a killed writer leaves. */
	char incomplete[PATH_SIZE];
	path_in(fx, "incomplete.h5", incomplete, sizeof(incomplete));
	hid_t bare = H5Fcreate(incomplete, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	assert_true(bare >= 0);
	assert_true(H5Fclose(bare) >= 0);
	assert_int_equal(mf_output_probe(incomplete, NULL, NULL, NULL, &err), MF_ERR_INPUT);
	assert_non_null(strstr(err.message, "not a complete migflow file"));
	unlink(incomplete);
	/* A batch file refuses to become a run, and the other way round. */
	out = mf_output_create_batch(batch, true, &err);
	fill_day(fx, &fx->info, 0);
	assert_int_equal(mf_output_write_day(out, &fx->counts, &err), MF_ERR_INTERNAL);
	mf_output_discard(out);
	out = mf_output_create(missing, false, &fx->info, &err);
	assert_int_equal(mf_output_add_run(out, "members/z", run, &err), MF_ERR_INTERNAL);
	mf_output_discard(out);
}

/* Results written into a finished run: variables along its dimensions and
 * global attributes; a second amend replaces them (same dimensions, same
 * attribute order); a missing dimension or another shape is refused. */
static void test_amend(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE];
	path_in(fx, "amended.h5", path, sizeof(path));
	struct mf_error err;
	mf_error_clear(&err);
	struct mf_run_stats stats = {.agent_steps = 1, .wall_seconds = 0.5};
	assert_int_equal(write_run(fx, path, &fx->info, DAYS, &stats, &err), MF_OK);
	static const char *const along[] = {"time", "place"};
	double score[DAYS * N_PLACES], total[DAYS];
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < DAYS * N_PLACES; i++)
			score[i] = 0.5 * i + pass;
		for (int day = 0; day < DAYS; day++)
			total[day] = -day - 10.0 * pass;
		const struct mf_output_variable variables[] = {
			{"score", "a score by day and place", "1", 2, along, score},
			{"total", "a total by day", NULL, 1, along, total},
		};
		const struct mf_output_attribute attributes[] = {
			{"score_mean", NULL, 0.25 + pass},
			{"score_note", pass ? "second" : "first", 0},
		};
		assert_int_equal(mf_output_amend(path, 2, variables, 2, attributes, &err), MF_OK);
	}
	hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	assert_true(file >= 0);
	assert_attached(file, "score", (const char *const[]){"time", "place", NULL});
	assert_attached(file, "total", (const char *const[]){"time", NULL});
	assert_string_attr(file, "score_note", "second");
	double mean = 0, values[DAYS * N_PLACES];
	read_attr(file, "score_mean", H5T_NATIVE_DOUBLE, &mean);
	assert_true(mean == 1.25);
	hid_t dataset = H5Dopen2(file, "score", H5P_DEFAULT);
	assert_true(dataset >= 0);
	assert_true(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
			    values) >= 0);
	for (int i = 0; i < DAYS * N_PLACES; i++)
		assert_true(values[i] == 0.5 * i + 1);
	/* Attributes in creation order: the dimension list, units, long_name. */
	static const char *const order[] = {"DIMENSION_LIST", "units", "long_name"};
	for (hsize_t i = 0; i < 3; i++) {
		char name[32] = "";
		assert_true(H5Aget_name_by_idx(dataset, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i,
					       name, sizeof(name), H5P_DEFAULT) > 0);
		assert_string_equal(name, order[i]);
	}
	assert_string_attr(dataset, "units", "1");
	assert_string_attr(dataset, "long_name", "a score by day and place");
	assert_true(H5Dclose(dataset) >= 0);
	assert_has_attr(file, "total", "units", false);
	assert_true(H5Fclose(file) >= 0);

	static const char *const nowhere[] = {"nowhere"};
	const struct mf_output_variable lost = {"lost", "lost", NULL, 1, nowhere, total};
	assert_int_equal(mf_output_amend(path, 1, &lost, 0, NULL, &err), MF_ERR_INPUT);
	assert_non_null(strstr(err.message, "no dimension 'nowhere'"));
	assert_non_null(strstr(err.message, path));
	const struct mf_output_variable reshaped = {"total", "total", NULL, 1, along + 1, total};
	assert_int_equal(mf_output_amend(path, 1, &reshaped, 0, NULL, &err), MF_ERR_INPUT);
	assert_non_null(strstr(err.message, "'total' is in the file with another shape"));
	char missing[PATH_SIZE];
	path_in(fx, "missing.h5", missing, sizeof(missing));
	assert_int_equal(mf_output_amend(missing, 1, &lost, 0, NULL, &err), MF_ERR_IO);
	assert_non_null(strstr(err.message, missing));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_round_trip),
		cmocka_unit_test(test_metadata),
		cmocka_unit_test(test_refuses_existing_without_force),
		cmocka_unit_test(test_force_overwrites),
		cmocka_unit_test(test_discard_removes_everything),
		cmocka_unit_test(test_short_run_is_an_error),
		cmocka_unit_test(test_days_in_order),
		cmocka_unit_test(test_too_many_days),
		cmocka_unit_test(test_many_blocks),
		cmocka_unit_test(test_blocks_differ_between_variables),
		cmocka_unit_test(test_stale_partial_is_replaced),
		cmocka_unit_test(test_no_monitors),
		cmocka_unit_test(test_large_scenario_text),
		cmocka_unit_test(test_hdf5_failure_is_reported),
		cmocka_unit_test(test_replicate_layout),
		cmocka_unit_test(test_single_run_has_no_ensemble_parts),
		cmocka_unit_test(test_percentile_is_numpy_linear),
		cmocka_unit_test(test_replicate_statistics),
		cmocka_unit_test(test_replicates_in_order),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_errors),
		cmocka_unit_test(test_batch_file),
		cmocka_unit_test(test_amend),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
