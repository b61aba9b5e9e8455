/* Tests of the Sobol sensitivity indices: the Saltelli design's layout and
 * scaling, the Ishigami function's analytic indices and bootstrap
 * intervals, determinism and input errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "migflow/sensitivity.h"

/* Base points of the Ishigami test: every index within 0.03 of its
 * analytic value at N = 8192 (the header states the same). */
#define ISHIGAMI_N 8192
#define PI 3.14159265358979323846
#define ISHIGAMI_A 7.0
#define ISHIGAMI_B 0.1
#define RESAMPLES 500

static double ishigami(const double *x)
{
	double s2 = sin(x[1]);
	return sin(x[0]) + ISHIGAMI_A * s2 * s2 +
	       ISHIGAMI_B * pow(x[2], 4) * sin(x[0]);
}

/* The analytic indices (Ishigami & Homma 1990; Sobol' & Levitan 1999). */
static void ishigami_exact(double s1[3], double st[3])
{
	const double a = ISHIGAMI_A, b = ISHIGAMI_B, pi = PI;
	double v1 = 0.5 * pow(1.0 + b * pow(pi, 4) / 5.0, 2);
	double v2 = a * a / 8.0;
	double v13 = pow(b, 2) * pow(pi, 8) * (1.0 / 18.0 - 1.0 / 50.0);
	double v = v1 + v2 + v13;
	s1[0] = v1 / v;
	s1[1] = v2 / v;
	s1[2] = 0.0;
	st[0] = (v1 + v13) / v;
	st[1] = v2 / v;
	st[2] = v13 / v;
}

struct ishigami_run {
	struct mf_sobol_design *design;
	struct mf_sobol_indices *indices;
	double *outputs;
};

/* Evaluates two indicators at every point: Ishigami and 2 * Ishigami + 5
 * (which must have the same indices). */
static void run_ishigami(struct ishigami_run *run, uint64_t seed)
{
	const struct mf_sobol_parameter params[3] = {
		{ -PI, PI, false }, { -PI, PI, false }, { -PI, PI, false },
	};
	struct mf_error err;
	mf_error_clear(&err);
	run->design = mf_sobol_design_create(params, 3, ISHIGAMI_N, &err);
	assert_non_null(run->design);
	assert_int_equal(run->design->n_points, ISHIGAMI_N * 5);
	run->outputs = malloc(run->design->n_points * 2 * sizeof(double));
	assert_non_null(run->outputs);
	for (size_t p = 0; p < run->design->n_points; p++) {
		double f = ishigami(run->design->points + p * 3);
		run->outputs[2 * p] = f;
		run->outputs[2 * p + 1] = 2.0 * f + 5.0;
	}
	struct mf_sobol_options options = { .resamples = RESAMPLES, .level = 0.90,
					    .seed = seed };
	run->indices = mf_sobol_analyse(run->design, run->outputs, 2, &options, &err);
	assert_non_null(run->indices);
}

static void free_run(struct ishigami_run *run)
{
	mf_sobol_indices_destroy(run->indices);
	mf_sobol_design_destroy(run->design);
	free(run->outputs);
}

static void test_ishigami(void **state)
{
	(void)state;
	double s1[3], st[3];
	ishigami_exact(s1, st);
	/* The published rounded values. */
	assert_true(fabs(s1[0] - 0.314) < 5e-4 && fabs(s1[1] - 0.442) < 5e-4);
	assert_true(fabs(st[0] - 0.558) < 5e-4 && fabs(st[2] - 0.244) < 5e-4);

	struct ishigami_run run;
	run_ishigami(&run, 42);
	const struct mf_sobol_indices *ind = run.indices;
	for (size_t m = 0; m < 2; m++) {
		for (size_t i = 0; i < 3; i++) {
			size_t j = m * 3 + i;
			print_message("# indicator %zu x%zu: S1 %.4f [%.4f, %.4f] (exact %.4f)"
				      "  ST %.4f [%.4f, %.4f] (exact %.4f)\n", m, i + 1,
				      ind->s1[j], ind->s1_low[j], ind->s1_high[j], s1[i],
				      ind->st[j], ind->st_low[j], ind->st_high[j], st[i]);
			assert_true(fabs(ind->s1[j] - s1[i]) < 0.03);
			assert_true(fabs(ind->st[j] - st[i]) < 0.03);
			assert_true(ind->s1_low[j] <= s1[i] && s1[i] <= ind->s1_high[j]);
			assert_true(ind->st_low[j] <= st[i] && st[i] <= ind->st_high[j]);
			assert_true(ind->s1_low[j] <= ind->s1[j] + 1e-12);
			assert_true(ind->s1[j] <= ind->s1_high[j] + 1e-12);
		}
	}
	/* An affine transform of the output leaves the indices unchanged. */
	for (size_t i = 0; i < 3; i++) {
		assert_true(fabs(ind->s1[i] - ind->s1[3 + i]) < 1e-9);
		assert_true(fabs(ind->st[i] - ind->st[3 + i]) < 1e-9);
	}
	assert_true(fabs(ind->variance[1] - 4.0 * ind->variance[0]) <
		    1e-9 * ind->variance[1]);
	free_run(&run);
}

static void test_deterministic(void **state)
{
	(void)state;
	struct ishigami_run one, two, other;
	run_ishigami(&one, 7);
	run_ishigami(&two, 7);
	run_ishigami(&other, 8);
	size_t count = 6;
	for (size_t j = 0; j < count; j++) {
		assert_true(one.indices->s1[j] == two.indices->s1[j]);
		assert_true(one.indices->st[j] == two.indices->st[j]);
		assert_true(one.indices->s1_low[j] == two.indices->s1_low[j]);
		assert_true(one.indices->s1_high[j] == two.indices->s1_high[j]);
		assert_true(one.indices->st_low[j] == two.indices->st_low[j]);
		assert_true(one.indices->st_high[j] == two.indices->st_high[j]);
		/* The point estimates do not depend on the bootstrap seed. */
		assert_true(one.indices->s1[j] == other.indices->s1[j]);
	}
	int differ = 0;
	for (size_t j = 0; j < count; j++)
		differ += one.indices->s1_low[j] != other.indices->s1_low[j];
	assert_true(differ > 0);
	free_run(&one);
	free_run(&two);
	free_run(&other);
}

static void test_design_layout(void **state)
{
	(void)state;
	const struct mf_sobol_parameter params[2] = {
		{ 1.0, 3.0, false }, { 0.01, 100.0, true },
	};
	struct mf_error err;
	mf_error_clear(&err);
	struct mf_sobol_design *d = mf_sobol_design_create(params, 2, 64, &err);
	assert_non_null(d);
	assert_int_equal(d->n_points, 64 * 4);
	size_t n = d->n_base, k = d->n_params;
	size_t below = 0;
	for (size_t row = 0; row < n; row++) {
		const double *a = d->points + row * k, *b = d->points + (n + row) * k;
		for (size_t i = 0; i < k; i++) {
			const double *ab = d->points + ((2 + i) * n + row) * k;
			for (size_t j = 0; j < k; j++)
				assert_true(ab[j] == (j == i ? b[j] : a[j]));
		}
		assert_true(a[0] >= 1.0 && a[0] < 3.0);
		assert_true(a[1] >= 0.01 && a[1] < 100.0);
		/* Log scale: half the points below the geometric midpoint 1. */
		below += a[1] < 1.0;
	}
	assert_int_equal(below, n / 2);
	mf_sobol_design_destroy(d);

	assert_null(mf_sobol_design_create(params, 0, 64, &err));
	assert_int_equal(err.code, MF_ERR_INPUT);
	const struct mf_sobol_parameter bad[1] = { { -1.0, 1.0, true } };
	mf_error_clear(&err);
	assert_null(mf_sobol_design_create(bad, 1, 64, &err));
	assert_int_equal(err.code, MF_ERR_INPUT);
	mf_sobol_design_destroy(NULL);
	mf_sobol_indices_destroy(NULL);
}

static void test_bad_outputs(void **state)
{
	(void)state;
	const struct mf_sobol_parameter params[1] = { { 0.0, 1.0, false } };
	struct mf_error err;
	mf_error_clear(&err);
	struct mf_sobol_design *d = mf_sobol_design_create(params, 1, 16, &err);
	assert_non_null(d);
	double *out = calloc(d->n_points, sizeof(double));
	assert_non_null(out);
	struct mf_sobol_options options = { .resamples = 100, .level = 0.9, .seed = 1 };
	/* Constant output: NaN indices, no failure. */
	struct mf_sobol_indices *ind = mf_sobol_analyse(d, out, 1, &options, &err);
	assert_non_null(ind);
	assert_true(isnan(ind->s1[0]) && isnan(ind->st[0]));
	mf_sobol_indices_destroy(ind);
	out[3] = NAN;
	assert_null(mf_sobol_analyse(d, out, 1, &options, &err));
	assert_int_equal(err.code, MF_ERR_INPUT);
	free(out);
	mf_sobol_design_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ishigami),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_design_layout),
		cmocka_unit_test(test_bad_outputs),
	};
	return cmocka_run_group_tests_name("sensitivity", tests, NULL, NULL);
}
