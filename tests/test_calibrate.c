/* Calibration: targets files (and their errors), the objective, writing
 * fitted values back into the scenario text, and recovering known
 * parameters from targets the model itself produced. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"

static void recovers_known_parameters(void **state)
{
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
	assert_int_equal(base->n_free, 3);

	/* Synthetic observations: the model at known values. */
	const double truth[3] = {420, 45, 0.012};
	snprintf(text, sizeof(text), TARGETS_TEMPLATE, 1.0, 1.0, 1.0);
	scratch_write(&s, "targets.yaml", text);
	struct mf_targets *targets = mf_targets_load(targets_path, base, &err);
	assert_non_null(targets);
	struct mf_scenario *true_world = mf_scenario_source_build(source, truth, &err);
	assert_non_null(true_world);
	double observed[3], sd[3];
	assert_int_equal(mf_targets_simulate(true_world, targets, 3, 11, 1, observed, sd, &err), MF_OK);
	mf_scenario_destroy(true_world);
	mf_targets_destroy(targets);
	for (int i = 0; i < 3; i++)
		assert_true(observed[i] > 100);
	snprintf(text, sizeof(text), TARGETS_TEMPLATE, observed[0], observed[1], observed[2]);
	scratch_write(&s, "targets.yaml", text);
	targets = mf_targets_load(targets_path, base, &err);
	assert_non_null(targets);

	struct mf_calibration_options options = {
		.replicates = 3, .max_evaluations = 400, .seed = 11, .threads = 1, .tolerance = 1e-4,
	};
	struct mf_calibration_result result;
	assert_int_equal(mf_calibrate(source, targets, &options, &result, &err), MF_OK);
	for (int i = 0; i < 3; i++) {
		double relative = fabs(result.values[i] - truth[i]) / truth[i];
		if (relative > 0.05)
			fail_msg("parameter %d: fitted %g, true %g", i, result.values[i], truth[i]);
		assert_true(fabs(result.mean[i] - observed[i]) / observed[i] < 0.02);
	}
	assert_true(result.evaluations <= 400);
	assert_true(result.objective < 1);

	/* The fitted values go back into the file's text, comments kept. */
	char *written = mf_scenario_source_text(source, result.values);
	assert_non_null(written);
	assert_non_null(strstr(written, "# persons/day: a free parameter"));
	assert_non_null(strstr(written, "# the Beta stay: a free parameter"));
	assert_null(strstr(written, "rate: 300 "));
	scratch_write(&s, "fitted.yaml", written);
	free(written);
	scratch_path(&s, "fitted.yaml", path, sizeof(path));
	struct mf_scenario *fitted = mf_scenario_load(path, &err);
	assert_non_null(fitted);
	assert_true(fabs(fitted->sources[0].rate - result.values[0]) / result.values[0] < 1e-5);
	int beta = mf_graph_country_index(fitted->graph, "Beta");
	assert_true(fabs(fitted->params.stay_days_by_country[beta] - result.values[1]) / result.values[1] < 1e-5);
	assert_true(fabs(fitted->expulsions[0].daily_probability - result.values[2]) / result.values[2] < 1e-4);
	mf_scenario_destroy(fitted);
	mf_calibration_result_free(&result);
	mf_targets_destroy(targets);
	mf_scenario_source_destroy(source);
	scratch_close(&s);
}

static void scaled_values_multiply_every_match(void **state)
{
	struct scratch s;
	scratch_open(&s);
	write_fit_world(&s);
	char path[512];
	scratch_path(&s, "scenario.yaml", path, sizeof(path));
	FILE *f = fopen(path, "a");
	fputs("  - {name: all_rates, scale: 'sources[intent=circular].rate', min: 0.1, max: 10, start: 1}\n", f);
	fclose(f);
	struct mf_error err = {0};
	struct mf_scenario_source *source = mf_scenario_source_load(path, &err);
	assert_non_null(source);
	double values[4] = {300, 60, 0.01, 2.5};
	struct mf_scenario *built = mf_scenario_source_build(source, values, &err);
	assert_non_null(built);
	/* A value named by a `set` and a `scale`: set first, then scaled. */
	assert_true(fabs(built->sources[0].rate - 750) < 1e-9);
	mf_scenario_destroy(built);
	char *text = mf_scenario_source_text(source, values);
	assert_non_null(strstr(text, "rate: 750 "));
	free(text);
	/* The file's values come back after a build. */
	built = mf_scenario_source_build(source, NULL, &err);
	assert_true(fabs(built->sources[0].rate - 300) < 1e-9);
	mf_scenario_destroy(built);
	mf_scenario_source_destroy(source);
	scratch_close(&s);
}

static void objective_weighs_errors_by_tolerance(void **state)
{
	struct mf_target t[2] = {
		{.observed = 100, .tolerance = 0.1, .weight = 2},
		{.observed = 50, .tolerance = 0.5, .weight = 1, .at_least = true},
	};
	struct mf_targets targets = {.n = 2, .targets = t};
	double simulated[2] = {110, 80};
	/* (0.1 / 0.1)^2 x 2 + 0 (above an at-least bound) */
	assert_true(fabs(mf_targets_objective(&targets, simulated) - 2) < 1e-12);
	simulated[1] = 25;
	assert_true(fabs(mf_targets_objective(&targets, simulated) - 3) < 1e-12);
	assert_true(fabs(mf_target_error(&t[1], 25) + 0.5) < 1e-12);
}

struct bad_target {
	const char *text;
	int line, column;
	const char *field, *message;
};

static void bad_targets_are_refused_with_position(void **state)
{
	struct scratch s;
	scratch_open(&s);
	write_fit_world(&s);
	char path[512], targets_path[512];
	scratch_path(&s, "scenario.yaml", path, sizeof(path));
	scratch_path(&s, "targets.yaml", targets_path, sizeof(targets_path));
	struct mf_error err = {0};
	struct mf_scenario *scenario = mf_scenario_load(path, &err);
	assert_non_null(scenario);
	const char *head = "targets:\n  - name: a\n";
	const struct bad_target cases[] = {
		{"    quantity: monitor_pases\n    from: 2024-01-01\n    to: 2024-02-01\n    observed: 5\n    source: x y\n",
		 3, 15, "targets[0].quantity", "did you mean 'monitor_passes'"},
		{"    quantity: expulsions\n    from: 2024-01-01\n    to: 2024-02-01\n    observed: -5\n    source: x y\n",
		 6, 15, "targets[0].observed", "expected a number in [0"},
		{"    quantity: expulsions\n    from: 2024-03-01\n    to: 2024-02-01\n    observed: 5\n    source: x y\n",
		 5, 9, "targets[0].to", "ends before it starts"},
		{"    quantity: expulsions\n    from: 2023-03-01\n    to: 2024-02-01\n    observed: 5\n    source: x y\n",
		 4, 11, "targets[0].from", "outside the scenario's run"},
		{"    quantity: expulsions\n    from: 2024-01-01\n    to: 2024-02-01\n    observed: 5\n",
		 2, 5, "targets[0].source", "every target names its source"},
		{"    quantity: present\n    country: Betta\n    at: 2024-02-01\n    observed: 5\n    source: x y\n",
		 4, 14, "targets[0].country", "did you mean 'Beta'"},
		{"    quantity: expulsions\n    country: Beta\n    from: 2024-01-01\n    to: 2024-02-01\n    observed: 5\n    source: x y\n",
		 4, 14, "targets[0].country", "does not apply"},
		{"    quantity: present\n    at: 2024-02-30\n    observed: 5\n    source: x y\n",
		 4, 9, "targets[0].at", "real date"},
		{"    quantity: expulsions\n    from: 2024-01-01\n    to: 2024-02-01\n    observed: 5days\n    source: x y\n",
		 6, 15, "targets[0].observed", "finite number"},
		{"    quantity: arrivals\n    place: islnd\n    from: 2024-01-01\n    to: 2024-02-01\n    observed: 5\n    source: x y\n",
		 4, 12, "targets[0].place", "did you mean 'island'"},
		{"    quantity: deaths\n    mode: air\n    from: 2024-01-01\n    to: 2024-02-01\n    observed: 5\n    source: x y\n",
		 4, 11, "targets[0].mode", "unknown value 'air'; expected one of: road, desert, sea"},
		{"    quantity: sea_deaths\n    mode: sea\n    from: 2024-01-01\n    to: 2024-02-01\n    observed: 5\n    source: x y\n",
		 4, 11, "targets[0].mode", "'mode' does not apply to quantity 'sea_deaths'"},
		{"    quantity: in_transit\n    from: 2024-01-01\n    observed: 5\n    source: x y\n",
		 4, 11, "targets[0].from", "'from' does not apply to quantity 'in_transit'"},
		{"    quantity: returns\n    at: 2024-01-01\n    observed: 5\n    source: x y\n",
		 4, 9, "targets[0].at", "'at' does not apply to quantity 'returns'"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char text[1024];
		snprintf(text, sizeof(text), "%s%s", head, cases[i].text);
		scratch_write(&s, "targets.yaml", text);
		struct mf_targets *t = mf_targets_load(targets_path, scenario, &err);
		if (t)
			fail_msg("case %zu accepted", i);
		if (err.line != cases[i].line || err.column != cases[i].column ||
		    strcmp(err.field, cases[i].field) != 0 || !strstr(err.message, cases[i].message))
			fail_msg("case %zu: got %d:%d '%s' %s", i, err.line, err.column, err.field, err.message);
		assert_int_equal(err.code, MF_ERR_INPUT);
		assert_string_equal(err.file, targets_path);
	}
	mf_scenario_destroy(scenario);
	scratch_close(&s);
}

/* Validation targets: skill against a reference, the validation_only flag
 * (refused for fits, at the key) and the not_represented list. */
static void validation_targets(void **state)
{
	assert_true(fabs(mf_target_skill(0.1, 0.4) - 0.75) < 1e-12);
	assert_true(fabs(mf_target_skill(-0.2, 0.1) + 1) < 1e-12);
	assert_true(fabs(mf_target_skill(0, -0.3) - 1) < 1e-12);
	assert_true(isnan(mf_target_skill(0.2, 0)));
	struct scratch s;
	scratch_open(&s);
	write_fit_world(&s);
	char path[512], targets_path[512];
	scratch_path(&s, "scenario.yaml", path, sizeof(path));
	scratch_path(&s, "targets.yaml", targets_path, sizeof(targets_path));
	struct mf_error err = {0};
	struct mf_scenario *scenario = mf_scenario_load(path, &err);
	assert_non_null(scenario);
	const char *target = "targets:\n  - name: a\n    quantity: expulsions\n    from: 2024-01-01\n"
			     "    to: 2024-02-01\n    observed: 5\n    source: x y\n";
	const char *unrepresented = "not_represented:\n  - name: by_air\n    observed: 12\n"
				    "    period: '2024'\n    source: s t\n    reason: no airports\n";
	char text[1024];
	snprintf(text, sizeof(text), "%s%s", target, unrepresented);
	scratch_write(&s, "targets.yaml", text);
	struct mf_targets *t = mf_targets_load(targets_path, scenario, &err);
	assert_non_null(t);
	assert_false(t->validation_only);
	assert_int_equal(mf_targets_refuse_validation(t, "calibrate", &err), 0);
	assert_int_equal(t->n_unrepresented, 1);
	assert_string_equal(t->unrepresented[0].name, "by_air");
	assert_string_equal(t->unrepresented[0].reason, "no airports");
	assert_string_equal(t->unrepresented[0].period, "2024");
	assert_true(t->unrepresented[0].observed == 12);
	mf_targets_destroy(t);

	snprintf(text, sizeof(text), "# validation\nvalidation_only: true\n%s", target);
	scratch_write(&s, "targets.yaml", text);
	assert_non_null(t = mf_targets_load(targets_path, scenario, &err));
	assert_true(t->validation_only);
	assert_int_equal(mf_targets_refuse_validation(t, "posterior", &err), -1);
	assert_int_equal(err.code, MF_ERR_INPUT);
	assert_string_equal(err.file, targets_path);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 18);
	assert_string_equal(err.field, "validation_only");
	assert_non_null(strstr(err.message, "posterior must not fit them"));
	mf_targets_destroy(t);

	const struct bad_target cases[] = {
		{"validation_only: maybe\n", 1, 18, "validation_only", "expected one of: false, true"},
		{"not_represented:\n  - name: x\n    observed: 1\n    period: '2024'\n    source: s t\n",
		 2, 5, "not_represented[0].reason", "say why the model cannot represent it"},
		{"not_represented:\n  - name: x\n    observed: 1\n    period: '2024'\n    source: s t\n"
		 "    reason: r\n    when: 2024\n", 7, 5, "not_represented[0].when", "unknown key"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		snprintf(text, sizeof(text), "%s%s", cases[i].text, target);
		scratch_write(&s, "targets.yaml", text);
		if ((t = mf_targets_load(targets_path, scenario, &err)))
			fail_msg("case %zu accepted", i);
		if (err.line != cases[i].line || err.column != cases[i].column ||
		    strcmp(err.field, cases[i].field) != 0 ||
		    !strstr(err.message, cases[i].message))
			fail_msg("case %zu: got %d:%d '%s' %s", i, err.line, err.column, err.field, err.message);
	}
	mf_scenario_destroy(scenario);
	scratch_close(&s);
}

static void free_parameters_are_checked(void **state)
{
	struct scratch s;
	scratch_open(&s);
	write_fit_world(&s);
	char path[512];
	scratch_path(&s, "scenario.yaml", path, sizeof(path));
	FILE *f = fopen(path, "a");
	fputs("  - {name: nothing, set: 'sources[7].rate', min: 1, max: 2, start: 1}\n", f);
	fclose(f);
	struct mf_error err = {0};
	assert_null(mf_scenario_load(path, &err));
	assert_int_equal(err.line, 24);
	assert_string_equal(err.field, "calibrate[3].set");
	assert_non_null(strstr(err.message, "names no value"));
	scratch_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(objective_weighs_errors_by_tolerance),
		cmocka_unit_test(bad_targets_are_refused_with_position),
		cmocka_unit_test(validation_targets),
		cmocka_unit_test(free_parameters_are_checked),
		cmocka_unit_test(scaled_values_multiply_every_match),
		cmocka_unit_test(recovers_known_parameters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
