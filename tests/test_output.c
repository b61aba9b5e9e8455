/* Tests of the run file writer: write a tiny run by hand, read it back with
 * the HDF5 C API, and check the file lifecycle (exists, force, discard,
 * short runs, stale partial files, HDF5 failures). Ensembles and their
 * statistics are in test_statistics.c, tables, batch files and amended
 * results in test_tables.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "migflow/output.h"
#include "migflow/version.h"
#include "output_fixture.h"

static const char *const numeric_tables[] = {
	"place_lat", "place_lon", "place_population", "link_distance_km",
	"link_travel_days", "link_fare_usd",
};

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
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
