/* Tests of ensembles in a run file: the replicate dimension, a single run
 * without it, and the statistics over replicates (numpy's linear
 * percentile). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "migflow/output.h"
#include "output_fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replicate_layout),
		cmocka_unit_test(test_single_run_has_no_ensemble_parts),
		cmocka_unit_test(test_percentile_is_numpy_linear),
		cmocka_unit_test(test_replicate_statistics),
		cmocka_unit_test(test_replicates_in_order),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
