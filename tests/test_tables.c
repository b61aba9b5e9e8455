/* Tests of what is added to run files beyond the series: tables and text
 * attributes, batch files assembled from run files, and results amended
 * into a finished run file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "migflow/output.h"
#include "output_fixture.h"

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

/* --- results amended into a run file ---------------------------------------- */

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
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_errors),
		cmocka_unit_test(test_batch_file),
		cmocka_unit_test(test_amend),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
