/* The comparison of two finished runs (migflow/compare.h) on runs of the
 * small world written by the library: a run against itself, flows over a
 * window as the sum of its parts (what the report's series rely on),
 * single runs without intervals, and errors. tests/test_compare.py checks
 * the numbers of `migflow compare` against numpy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "support.h"

struct fixture {
	struct scratch scratch;
	char ensemble[512], other[512], single[512];
};

static void write_run(const char *path, uint64_t seed, int replicates)
{
	char scenario[512];
	struct mf_error err = {0};
	struct mf_scenario *s = mf_scenario_load(test_data("small/scenario.yaml", scenario,
							   sizeof(scenario)), &err);
	assert_non_null(s);
	struct mf_sink *sink = mf_output_sink_create(path, true, NULL, 0);
	assert_non_null(sink);
	struct mf_ensemble_options options = {.seed = seed, .replicates = replicates, .threads = 1,
					      .days = 40};
	struct mf_sink *sinks[] = {sink};
	assert_int_equal(mf_ensemble_run(s, &options, sinks, 1, NULL, &err), MF_OK);
	mf_output_sink_destroy(sink);
	mf_scenario_destroy(s);
}

static int group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	scratch_open(&fx->scratch);
	scratch_path(&fx->scratch, "ensemble.h5", fx->ensemble, sizeof(fx->ensemble));
	scratch_path(&fx->scratch, "other.h5", fx->other, sizeof(fx->other));
	scratch_path(&fx->scratch, "single.h5", fx->single, sizeof(fx->single));
	write_run(fx->ensemble, 3, 3);
	write_run(fx->other, 4, 3);
	write_run(fx->single, 3, 0);
	*state = fx;
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *fx = *state;
	unlink(fx->ensemble);
	unlink(fx->other);
	unlink(fx->single);
	rmdir(fx->scratch.dir);
	free(fx);
	return 0;
}

static void open_run(struct mf_compare_run *run, const char *path)
{
	struct mf_error err = {0};
	assert_int_equal(mf_compare_run_open(run, path, &err), MF_OK);
}

static void test_itself(void **state)
{
	struct fixture *fx = *state;
	struct mf_compare_run a, b;
	open_run(&a, fx->ensemble);
	open_run(&b, fx->ensemble);
	assert_int_equal(a.replicates, 3);
	assert_int_equal(a.days, 40);
	assert_string_equal(a.scenario_name, "small");
	assert_true(mf_compare_run_has_country(&a, "Beta"));
	assert_false(mf_compare_run_has_country(&a, "Atlantis"));
	struct mf_compare cmp;
	struct mf_error err = {0};
	assert_int_equal(mf_compare_runs(&a, &b, a.start, a.start + 39, "Beta", &cmp, &err), MF_OK);
	assert_int_equal(cmp.paired, 3);
	assert_false(cmp.under_posterior);
	double passes = 0;
	for (int k = 0; k < MF_COMPARE_COUNT; k++) {
		assert_true(cmp.rows[k].has_interval);
		assert_true(cmp.rows[k].base == cmp.rows[k].alt);
		assert_true(cmp.rows[k].difference == 0 && cmp.rows[k].p05 == 0 &&
			    cmp.rows[k].p95 == 0);
		assert_true(cmp.rows[k].base >= 0);
		passes += k <= MF_COMPARE_PASSES_INTERNAL ? cmp.rows[k].base : 0;
	}
	assert_true(passes > 0);
	assert_string_equal(cmp.rows[MF_COMPARE_PRESENT_COUNTRY].label, "present in Beta (end)");
	assert_string_equal(mf_compare_key(MF_COMPARE_DISPLACED), "displaced_present");
	assert_true(mf_compare_is_stock(MF_COMPARE_PRESENT_COUNTRY));
	assert_false(mf_compare_is_stock(MF_COMPARE_DEATHS));
	mf_compare_run_close(&a);
	mf_compare_run_close(&b);
	mf_compare_run_close(NULL);
}

/* A flow over a window is the sum over its parts; a stock is the last
 * part's; the rows are the means over replicates. */
static void test_parts(void **state)
{
	struct fixture *fx = *state;
	struct mf_compare_run a, b;
	open_run(&a, fx->ensemble);
	open_run(&b, fx->other);
	struct mf_error err = {0};
	struct mf_compare cmp;
	int first = a.start + 5, last = a.start + 34, middle = a.start + 17;
	assert_int_equal(mf_compare_runs(&a, &b, first, last, "Beta", &cmp, &err), MF_OK);
	double sum[MF_COMPARE_COUNT] = {0};
	for (int r = 0; r < 3; r++) {
		double whole[MF_COMPARE_COUNT], early[MF_COMPARE_COUNT], late[MF_COMPARE_COUNT];
		assert_int_equal(mf_compare_run_indicators(&a, r, first, last, "Beta", whole, &err),
				 MF_OK);
		assert_int_equal(mf_compare_run_indicators(&a, r, first, middle, "Beta", early, &err),
				 MF_OK);
		assert_int_equal(mf_compare_run_indicators(&a, r, middle + 1, last, "Beta", late,
							   &err), MF_OK);
		for (int k = 0; k < MF_COMPARE_COUNT; k++) {
			bool stock = mf_compare_is_stock((enum mf_compare_indicator)k);
			assert_true(whole[k] == (stock ? late[k] : early[k] + late[k]));
			assert_true(whole[k] == a.values[r * MF_COMPARE_COUNT + k]);
			sum[k] += whole[k];
		}
	}
	for (int k = 0; k < MF_COMPARE_COUNT; k++) {
		assert_true(sum[k] / 3 == cmp.rows[k].base);
		assert_true(cmp.rows[k].p05 <= cmp.rows[k].p95);
	}
	mf_compare_run_close(&a);
	mf_compare_run_close(&b);
}

static void test_single(void **state)
{
	struct fixture *fx = *state;
	struct mf_compare_run a, s;
	open_run(&a, fx->ensemble);
	open_run(&s, fx->single);
	assert_int_equal(s.replicates, 0);
	struct mf_error err = {0};
	struct mf_compare cmp;
	assert_int_equal(mf_compare_runs(&a, &s, a.start, a.start + 39, "Libya", &cmp, &err), MF_OK);
	assert_int_equal(cmp.paired, 0);
	for (int k = 0; k < MF_COMPARE_COUNT; k++)
		assert_false(cmp.rows[k].has_interval);
	/* The single run is replicate 0 of the same seed. */
	double zero[MF_COMPARE_COUNT];
	assert_int_equal(mf_compare_run_indicators(&a, 0, a.start, a.start + 39, "Libya", zero,
						   &err), MF_OK);
	for (int k = 0; k < MF_COMPARE_COUNT; k++)
		assert_true(zero[k] == cmp.rows[k].alt);
	mf_compare_run_close(&a);
	mf_compare_run_close(&s);
}

static void test_errors(void **state)
{
	struct fixture *fx = *state;
	struct mf_compare_run a, b, missing;
	struct mf_error err = {0};
	open_run(&a, fx->ensemble);
	open_run(&b, fx->other);
	struct mf_compare cmp;
	assert_int_equal(mf_compare_runs(&a, &b, a.start - 1, a.start + 10, "Beta", &cmp, &err),
			 MF_ERR_INPUT);
	assert_non_null(strstr(err.message, "covers"));
	double out[MF_COMPARE_COUNT];
	assert_int_equal(mf_compare_run_indicators(&a, 3, a.start, a.start, "Beta", out, &err),
			 MF_ERR_INPUT);
	assert_int_equal(mf_compare_run_indicators(&a, 0, a.start + 2, a.start + 1, "Beta", out,
						   &err), MF_ERR_INPUT);
	char path[600];
	snprintf(path, sizeof(path), "%s/none.h5", fx->scratch.dir);
	assert_int_not_equal(mf_compare_run_open(&missing, path, &err), MF_OK);
	mf_compare_run_close(&missing);
	snprintf(path, sizeof(path), "%s#", fx->ensemble);
	assert_int_equal(mf_compare_run_open(&missing, path, &err), MF_ERR_INPUT);
	mf_compare_run_close(&missing);
	mf_compare_run_close(&a);
	mf_compare_run_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_itself),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
