/* Tests of batch files: members of a grid and of a Sobol design, parameters
 * applied to the member scenarios, errors with file:line:column, and a
 * member run, found done, and assembled into a batch file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_qrng.h>
#include <hdf5.h>

#include "migflow/batch.h"
#include "support.h"

struct fixture {
	struct scratch scratch;
	char scenario[PATH_MAX]; /* the small test scenario, absolute */
};

static int group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	scratch_open(&fx->scratch);
	/* Absolute, since the batch file is elsewhere. */
	char path[512], cwd[PATH_MAX];
	test_data("small/scenario.yaml", path, sizeof(path));
	if (path[0] == '/')
		snprintf(fx->scenario, sizeof(fx->scenario), "%s", path);
	else if (getcwd(cwd, sizeof(cwd)))
		snprintf(fx->scenario, sizeof(fx->scenario), "%s/%s", cwd, path);
	else
		return -1;
	*state = fx;
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *fx = *state;
	scratch_close(&fx->scratch);
	free(fx);
	return 0;
}

/* Writes batch.yaml (the text with every "SCENARIO" replaced by the small
 * scenario's path) and loads it. */
static struct mf_batch *load(struct fixture *fx, const char *text, struct mf_error *err)
{
	char yaml[16384] = "";
	size_t used = 0;
	for (const char *c = text; *c && used + strlen(fx->scenario) + 1 < sizeof(yaml);) {
		if (strncmp(c, "SCENARIO", 8) == 0) {
			used += (size_t)snprintf(yaml + used, sizeof(yaml) - used, "%s", fx->scenario);
			c += 8;
		} else {
			yaml[used++] = *c++;
			yaml[used] = '\0';
		}
	}
	scratch_write(&fx->scratch, "batch.yaml", yaml);
	char path[512];
	scratch_path(&fx->scratch, "batch.yaml", path, sizeof(path));
	mf_error_clear(err);
	return mf_batch_load(path, err);
}

static void test_grid_members(void **state)
{
	struct fixture *fx = *state;
	struct mf_error err;
	struct mf_batch *batch = load(fx,
		"name: grid\n"
		"scenarios:\n"
		"  - SCENARIO\n"
		"  - {path: SCENARIO, name: other}\n"
		"replicates: 3\n"
		"parameters: {insecurity_cost: 7}\n"
		"sweep:\n"
		"  grid:\n"
		"    retry_after_interception: [0.25, 0.75]\n"
		"    source_rate.home: [1, 1.5, 2]\n", &err);
	if (!batch)
		fail_msg("%s", err.message);
	assert_string_equal(mf_batch_name(batch), "grid");
	assert_int_equal(mf_batch_replicates(batch), 3);
	assert_int_equal(mf_batch_member_count(batch), 12);
	assert_string_equal(mf_batch_member_name(batch, 0), "scenario_p0");
	assert_string_equal(mf_batch_member_name(batch, 5), "scenario_p5");
	assert_string_equal(mf_batch_member_name(batch, 6), "other_p0");
	assert_string_equal(mf_batch_member_scenario_name(batch, 11), "other");
	/* The last parameter varies fastest. */
	assert_string_equal(mf_batch_member_parameters(batch, 0),
			    "{\"insecurity_cost\": 7, \"retry_after_interception\": 0.25, "
			    "\"source_rate.home\": 1}");
	assert_string_equal(mf_batch_member_parameters(batch, 4),
			    "{\"insecurity_cost\": 7, \"retry_after_interception\": 0.75, "
			    "\"source_rate.home\": 1.5}");
	assert_string_equal(mf_batch_member_parameters(batch, 10),
			    mf_batch_member_parameters(batch, 4));
	mf_batch_destroy(batch);

	/* No sweep: one member per scenario, named after the file. */
	batch = load(fx, "scenarios: [SCENARIO]\n", &err);
	assert_non_null(batch);
	assert_int_equal(mf_batch_member_count(batch), 1);
	assert_string_equal(mf_batch_member_name(batch, 0), "scenario");
	assert_string_equal(mf_batch_member_parameters(batch, 0), "{}");
	assert_string_equal(mf_batch_name(batch), "batch");
	assert_int_equal(mf_batch_replicates(batch), 1);
	mf_batch_destroy(batch);
}

static void test_sobol_members(void **state)
{
	struct fixture *fx = *state;
	struct mf_error err;
	struct mf_batch *batch = load(fx,
		"scenarios: [SCENARIO]\n"
		"sweep:\n"
		"  sobol:\n"
		"    points: 8\n"
		"    bounds:\n"
		"      displacement_rate: [0.0001, 0.001]\n"
		"      stay_days.Beta: [20, 80]\n", &err);
	if (!batch)
		fail_msg("%s", err.message);
	assert_int_equal(mf_batch_member_count(batch), 8);
	gsl_qrng *sobol = gsl_qrng_alloc(gsl_qrng_sobol, 2);
	assert_non_null(sobol);
	for (int i = 0; i < 8; i++) {
		double u[2];
		gsl_qrng_get(sobol, u);
		double rate = 0.0001 + u[0] * (0.001 - 0.0001), stay = 20 + u[1] * 60;
		double got_rate = -1, got_stay = -1;
		assert_int_equal(sscanf(mf_batch_member_parameters(batch, i),
					"{\"displacement_rate\": %lf, \"stay_days.Beta\": %lf}",
					&got_rate, &got_stay), 2);
		assert_true(got_rate == rate);
		assert_true(got_stay == stay);
		assert_true(got_rate >= 0.0001 && got_rate <= 0.001);
		assert_true(got_stay >= 20 && got_stay <= 80);
	}
	gsl_qrng_free(sobol);
	mf_batch_destroy(batch);
}

static void test_parameters_applied(void **state)
{
	struct fixture *fx = *state;
	struct mf_error err;
	struct mf_batch *batch = load(fx,
		"scenarios: [SCENARIO]\n"
		"agent_scale: 7\n"
		"parameters:\n"
		"  displacement_rate: 0.002\n"
		"  speed_km_per_day.sea: 150\n"
		"  wait_days.hub.onward: 9\n"
		"  wait_days.coast: 3\n"
		"  stay_days.Gamma: 45\n"
		"  source_rate.home.onward: 3\n"
		"  source_rate: 0.5\n", &err);
	if (!batch)
		fail_msg("%s", err.message);
	struct mf_scenario *original = mf_scenario_load(fx->scenario, &err);
	assert_non_null(original);
	struct mf_scenario *s = mf_batch_member_scenario(batch, 0, &err);
	assert_non_null(s);
	assert_int_equal(s->agent_scale, 7);
	assert_true(s->params.displacement_rate == 0.002);
	assert_true(s->params.speed_km_per_day[MF_MODE_SEA] == 150);
	assert_true(s->params.speed_km_per_day[MF_MODE_ROAD] ==
		    original->params.speed_km_per_day[MF_MODE_ROAD]);
	assert_true(s->params.wait_days[MF_PLACE_HUB][MF_INTENT_ONWARD] == 9);
	assert_true(s->params.wait_days[MF_PLACE_HUB][MF_INTENT_CIRCULAR] ==
		    original->params.wait_days[MF_PLACE_HUB][MF_INTENT_CIRCULAR]);
	for (int i = 0; i < MF_INTENT_COUNT; i++)
		assert_true(s->params.wait_days[MF_PLACE_COAST][i] == 3);
	int gamma = mf_graph_country_index(s->graph, "Gamma");
	assert_true(gamma >= 0);
	assert_true(s->params.stay_days_by_country[gamma] == 45);
	assert_int_equal(s->n_sources, original->n_sources);
	for (int i = 0; i < s->n_sources; i++) {
		double factor = 0.5 * (s->sources[i].intent == MF_INTENT_ONWARD ? 3 : 1);
		assert_true(fabs(s->sources[i].rate - original->sources[i].rate * factor) < 1e-9);
	}
	mf_scenario_destroy(s);
	mf_scenario_destroy(original);
	mf_batch_destroy(batch);
}

struct bad_case {
	const char *yaml;
	int line, column;
	const char *field, *message;
};

static void test_errors_name_line_and_column(void **state)
{
	struct fixture *fx = *state;
	static const struct bad_case cases[] = {
		{"scenarios: [SCENARIO]\nsweeps: {}\n", 2, 1, "sweeps", "sweep"},
		{"scenarios: [SCENARIO]\nsweep:\n  grid:\n    retry_after_intercepton: [0.1]\n", 4, 5,
		 "sweep.grid.retry_after_intercepton", "did you mean 'retry_after_interception'"},
		{"scenarios: [SCENARIO]\nsweep:\n  grid:\n    displacement_rate: [0.1, 2]\n", 4, 30,
		 "sweep.grid.displacement_rate[1]", "[0, 1]"},
		{"scenarios: [SCENARIO]\nsweep:\n  grid:\n    insecurity_cost: 3\n", 4, 22,
		 "sweep.grid.insecurity_cost", "expected a list"},
		{"scenarios: [SCENARIO]\nparameters:\n  source_rate.atlantis: 2\n", 3, 3,
		 "parameters.source_rate.atlantis", "no place 'atlantis'"},
		{"scenarios: [SCENARIO]\nparameters:\n  source_rate.hub: 2\n", 3, 3,
		 "parameters.source_rate.hub", "no source matches"},
		{"scenarios: [SCENARIO]\nparameters:\n  stay_days.Narnia: 2\n", 3, 3,
		 "parameters.stay_days.Narnia", "no country 'Narnia'"},
		{"scenarios: [SCENARIO]\nparameters:\n  speed_km_per_day.air: 900\n", 3, 3,
		 "parameters.speed_km_per_day.air", "road, desert or sea"},
		{"scenarios: [SCENARIO]\nparameters:\n  route_temperature: 0\n", 3, 22,
		 "parameters.route_temperature", "expected a number in"},
		{"scenarios: [SCENARIO]\nparameters: {insecurity_cost: 1}\nsweep:\n  grid:\n"
		 "    insecurity_cost: [1, 2]\n", 5, 5, "sweep.grid", "given twice"},
		{"scenarios: [SCENARIO]\nsweep:\n  sobol:\n    points: 4\n    bounds:\n"
		 "      insecurity_cost: [5, 1]\n", 6, 24, "sweep.sobol.bounds.insecurity_cost",
		 "above high bound"},
		{"scenarios: [SCENARIO]\nsweep:\n  sobol:\n    points: 0\n    bounds: {insecurity_cost: [1, 2]}\n",
		 4, 13, "sweep.sobol.points", "whole number in"},
		{"scenarios: [SCENARIO]\nsweep:\n  grid: {insecurity_cost: [1]}\n  sobol: {points: 1}\n", 3, 3,
		 "sweep", "either"},
		{"scenarios:\n  - SCENARIO\n  - SCENARIO\n", 3, 5, "scenarios[1]", "two scenarios are called"},
		{"scenarios: [nowhere.yaml]\n", 1, 13, "scenarios[0]", "nowhere.yaml"},
		{"scenarios: [SCENARIO]\nreplicates: 0\n", 2, 13, "replicates", "whole number in"},
		{"scenarios: []\n", 1, 12, "scenarios", "at least one"},
		{"days: 5\n", 1, 1, "scenarios", "required key missing"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct bad_case *c = &cases[i];
		struct mf_error err;
		struct mf_batch *batch = load(fx, c->yaml, &err);
		if (batch)
			fail_msg("case %zu loaded: %s", i, c->yaml);
		char text[1200];
		mf_error_format(&err, text, sizeof(text));
		if (err.code != MF_ERR_INPUT || !strstr(err.message, c->message) ||
		    (c->line && (err.line != c->line || err.column != c->column ||
				 strcmp(err.field, c->field) != 0 || !strstr(err.file, "batch.yaml"))))
			fail_msg("case %zu: got '%s' (%d:%d field '%s'), expected %d:%d '%s' with '%s'",
				 i, text, err.line, err.column, err.field, c->line, c->column, c->field,
				 c->message);
	}
}

static bool never(void *user)
{
	(void)user;
	return false;
}

static bool always(void *user)
{
	(void)user;
	return true;
}

static void test_run_resume_assemble(void **state)
{
	struct fixture *fx = *state;
	struct mf_error err;
	struct mf_batch *batch = load(fx,
		"scenarios: [SCENARIO]\ndays: 4\nreplicates: 2\nagent_scale: 5\n"
		"sweep: {grid: {retry_after_interception: [0.2, 0.8]}}\n", &err);
	if (!batch)
		fail_msg("%s", err.message);
	char work[600];
	scratch_path(&fx->scratch, "out.h5.work", work, sizeof(work));
	char out[600];
	scratch_path(&fx->scratch, "out.h5", out, sizeof(out));
	char *expected_work = mf_batch_work_dir(out);
	assert_string_equal(expected_work, work);
	free(expected_work);
	assert_int_equal(mkdir(work, 0777), 0);
	assert_false(mf_batch_member_done(batch, 0, work));

	/* Cancelled: nothing left. */
	struct mf_batch_run_options options = {.threads = 1, .cancelled = always};
	assert_int_equal(mf_batch_run_member(batch, 0, work, &options, NULL, &err),
			 MF_ERR_CANCELLED);
	assert_false(mf_batch_member_done(batch, 0, work));
	char *member = mf_batch_member_path(batch, 0, work);
	char partial[700];
	snprintf(partial, sizeof(partial), "%s.partial", member);
	assert_int_equal(access(member, F_OK), -1);
	assert_int_equal(access(partial, F_OK), -1);

	options.cancelled = never;
	struct mf_run_stats stats = {0};
	assert_int_equal(mf_batch_run_member(batch, 0, work, &options, &stats, &err), MF_OK);
	assert_true(stats.agent_steps > 0);
	assert_true(mf_batch_member_done(batch, 0, work));
	assert_false(mf_batch_member_done(batch, 1, work));
	/* Assembling needs every member. */
	assert_int_equal(mf_batch_assemble(batch, work, out, false, &err), MF_ERR_INTERNAL);
	assert_int_equal(access(out, F_OK), -1);

	/* The same member of a batch described otherwise is not done. */
	struct mf_batch *other = load(fx,
		"scenarios: [SCENARIO]\ndays: 5\nreplicates: 2\nagent_scale: 5\n"
		"sweep: {grid: {retry_after_interception: [0.2, 0.8]}}\n", &err);
	assert_non_null(other);
	assert_false(mf_batch_member_done(other, 0, work));
	mf_batch_destroy(other);

	assert_int_equal(mf_batch_run_member(batch, 1, work, &options, NULL, &err), MF_OK);
	assert_int_equal(mf_batch_assemble(batch, work, out, false, &err), MF_OK);
	hid_t file = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
	assert_true(file >= 0);
	assert_true(H5Lexists(file, "members", H5P_DEFAULT) > 0);
	assert_true(H5Lexists(file, "members/scenario_p0", H5P_DEFAULT) > 0);
	assert_true(H5Lexists(file, "members/scenario_p1/occupancy", H5P_DEFAULT) > 0);
	assert_true(H5Lexists(file, "member", H5P_DEFAULT) > 0);
	assert_true(H5Lexists(file, "parameter_retry_after_interception", H5P_DEFAULT) > 0);
	assert_true(H5Fclose(file) >= 0);
	/* An existing output is refused unless forced. */
	assert_int_equal(mf_batch_assemble(batch, work, out, false, &err), MF_ERR_EXISTS);
	assert_int_equal(mf_batch_assemble(batch, work, out, true, &err), MF_OK);

	assert_int_equal(mf_batch_remove_work_dir(work), 0);
	assert_int_equal(access(work, F_OK), -1);
	free(member);
	mf_batch_destroy(batch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grid_members),
		cmocka_unit_test(test_sobol_members),
		cmocka_unit_test(test_parameters_applied),
		cmocka_unit_test(test_errors_name_line_and_column),
		cmocka_unit_test(test_run_resume_assemble),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
