/* Recovery on the engine (slow): targets simulated at known parameters of
 * the small fit world, 20 data sets with their own truth and seed; the
 * 90 % credible intervals of the posterior must cover the truth between
 * 75 % and 100 % of the time (3 parameters x 20 data sets), and be
 * informative: on average narrower than half the prior's range (on the log
 * scale), so that wide intervals cannot pass by covering all. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"

#ifndef DATA_SETS
#define DATA_SETS 20
#endif
#ifndef BUDGET
#define BUDGET 3000
#endif

static void test_coverage(void **state)
{
	(void)state;
	struct scratch s;
	scratch_open(&s);
	write_fit_world(&s);
	char path[512], targets_path[512], text[2048];
	scratch_path(&s, "scenario.yaml", path, sizeof(path));
	scratch_path(&s, "targets.yaml", targets_path, sizeof(targets_path));
	struct mf_error err = {0};
	struct mf_scenario_source *source = mf_scenario_source_load(path, &err);
	assert_non_null(source);
	const struct mf_scenario *base = mf_scenario_source_scenario(source);
	int covered = 0, intervals = 0, by_parameter[3] = {0};
	double width[3] = {0};
	uint64_t simulations = 0;
	for (int d = 0; d < DATA_SETS; d++) {
		/* The truth: uniform on the log scale over the middle 60 % of each
		 * prior's log range. */
		double truth[3];
		uint64_t key = mf_rng_key(2024, (uint32_t)d);
		for (int j = 0; j < 3; j++) {
			double lo = log(base->free[j].min), hi = log(base->free[j].max);
			double u = 0.2 + 0.6 * mf_rng_uniform(mf_rng_bits(key, (uint64_t)j));
			truth[j] = exp(lo + (hi - lo) * u);
		}
		snprintf(text, sizeof(text), TARGETS_TEMPLATE, 1.0, 1.0, 1.0);
		scratch_write(&s, "targets.yaml", text);
		struct mf_targets *targets = mf_targets_load(targets_path, base, &err);
		assert_non_null(targets);
		struct mf_scenario *world = mf_scenario_source_build(source, truth, &err);
		assert_non_null(world);
		double observed[3], sd[3];
		assert_int_equal(mf_targets_simulate(world, targets, 1, 1000 + (uint64_t)d, 1,
						     observed, sd, &err), MF_OK);
		mf_scenario_destroy(world);
		mf_targets_destroy(targets);
		snprintf(text, sizeof(text), TARGETS_TEMPLATE, observed[0], observed[1], observed[2]);
		scratch_write(&s, "targets.yaml", text);
		targets = mf_targets_load(targets_path, base, &err);
		assert_non_null(targets);

		struct mf_posterior_options options = {
			.particles = 100, .budget = BUDGET, .quantile = 0.5, .max_generations = 30,
			.seed = (uint64_t)d, .threads = 2,
		};
		struct mf_posterior *post = mf_posterior_run(source, targets, &options, &err);
		assert_non_null(post);
		simulations += post->abc->simulations;
		print_message("# data set %2d:", d);
		for (int j = 0; j < 3; j++) {
			const struct mf_abc_summary *m = &post->abc->summary[j];
			bool in = m->q05 <= truth[j] && truth[j] <= m->q95;
			covered += in;
			width[j] += log(m->q95 / m->q05) /
				    log(base->free[j].max / base->free[j].min) / DATA_SETS;
			by_parameter[j] += in;
			intervals++;
			print_message(" %s %.4g in [%.4g, %.4g]%s", base->free[j].name, truth[j],
				      m->q05, m->q95, in ? "" : " MISSED");
		}
		print_message(" (%zu generations, tolerance %.3g)\n", post->abc->n_generations,
			      post->abc->generations[post->abc->n_generations - 1].tolerance);
		mf_posterior_destroy(post);
		mf_targets_destroy(targets);
	}
	double coverage = (double)covered / intervals;
	print_message("# coverage of the 90 %% intervals: %d of %d = %.1f %% (rate %d, stay %d, "
		      "expel %d of %d); %llu simulations\n", covered, intervals, 100 * coverage,
		      by_parameter[0], by_parameter[1], by_parameter[2], DATA_SETS,
		      (unsigned long long)simulations);
	print_message("# mean width of the 90 %% intervals, share of the prior's log range: "
		      "rate %.3f, stay %.3f, expel %.3f\n", width[0], width[1], width[2]);
	assert_true(coverage >= 0.75 && coverage <= 1.0);
	for (int j = 0; j < 3; j++)
		assert_true(width[j] < 0.5);
	mf_scenario_source_destroy(source);
	scratch_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coverage),
	};
	return cmocka_run_group_tests_name("posterior_recovery", tests, NULL, NULL);
}
