/* Tests of the FLEE importer, rule set and validation measure: the mali2012
 * instance (place and link counts, closures on the right days, spawned
 * totals equal to the UNHCR-derived totals, determinism across thread
 * counts), FLEE's ARD on a toy instance worked out by hand, and malformed
 * files refused with file:line:column and the column name.
 *
 * mali2012 is found in $MIGFLOW_FLEE_DATA, else in ../shared/flee beside
 * the source tree. */
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

#include "migflow/migflow.h"
#include "engine.h"
#include "tree.h"

#define PATH_SIZE 1024

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The first candidate directory that exists, into out. */
static const char *find_dir(char *out, const char *const *candidates, int n)
{
	for (int i = 0; i < n; i++)
		if (candidates[i] && is_dir(candidates[i])) {
			snprintf(out, PATH_SIZE, "%s", candidates[i]);
			return out;
		}
	return NULL;
}

static const char *mali_dir(char *out)
{
	char env[PATH_SIZE] = "", rel[PATH_SIZE] = "";
	const char *flee = getenv("MIGFLOW_FLEE_DATA");
	const char *data = getenv("MIGFLOW_TEST_DATA"); /* <source>/tests/data */
	if (flee)
		snprintf(env, sizeof(env), "%s/mali2012", flee);
	if (data)
		snprintf(rel, sizeof(rel), "%s/../../../shared/flee/mali2012", data);
	const char *candidates[] = {flee ? env : NULL, data ? rel : NULL, "../shared/flee/mali2012",
				    "../../shared/flee/mali2012"};
	const char *dir = find_dir(out, candidates, 4);
	if (!dir)
		fail_msg("mali2012 not found: set MIGFLOW_FLEE_DATA to the folder holding it");
	return dir;
}

static const char *toy_dir(char *out)
{
	char env[PATH_SIZE] = "";
	const char *data = getenv("MIGFLOW_TEST_DATA");
	if (data)
		snprintf(env, sizeof(env), "%s/flee_toy", data);
	const char *candidates[] = {data ? env : NULL, "tests/data/flee_toy", "../tests/data/flee_toy"};
	const char *dir = find_dir(out, candidates, 3);
	if (!dir)
		fail_msg("tests/data/flee_toy not found: set MIGFLOW_TEST_DATA");
	return dir;
}

static struct mf_flee_instance *load_or_fail(const char *dir, int hasten)
{
	struct mf_error err = {0};
	struct mf_flee_instance *inst = mf_flee_load_scaled(dir, hasten, &err);
	if (!inst) {
		char text[1024];
		fail_msg("%s did not load: %s", dir, mf_error_format(&err, text, sizeof(text)));
	}
	return inst;
}

/* An instance run on the engine: its scenario (rules flee) and simulation. */
struct flee_run {
	struct mf_scenario *scenario;
	struct mf_sim *sim;
	int64_t *agents;          /* [location] at the end of the last day */
};

static struct flee_run *sim_or_fail(const struct mf_flee_instance *inst, int threads,
				    uint32_t replicate)
{
	struct mf_error err = {0};
	struct flee_run *run = calloc(1, sizeof(*run));
	assert_non_null(run);
	run->scenario = mf_flee_scenario_create(inst, 7, &err);
	if (!run->scenario)
		fail_msg("scenario not created: %s", err.message);
	assert_int_equal(run->scenario->rules, MF_RULES_FLEE);
	struct mf_run_options options = {.seed = 7, .replicate = replicate, .threads = threads};
	run->sim = mf_sim_create(run->scenario, &options, &err);
	if (!run->sim)
		fail_msg("simulation not created: %s", err.message);
	run->agents = calloc((size_t)inst->n_locations, sizeof(int64_t));
	assert_non_null(run->agents);
	return run;
}

static void run_destroy(struct flee_run *run)
{
	mf_sim_destroy(run->sim);
	mf_flee_scenario_destroy(run->scenario);
	free(run->agents);
	free(run);
}

/* Steps a day, checks the counts kept by changes against the agent store. */
static void step_or_fail(struct flee_run *run)
{
	struct mf_error err = {0};
	if (mf_sim_step(run->sim, &err) != MF_OK || mf_sim_audit(run->sim, &err) != MF_OK)
		fail_msg("step failed: %s", err.message);
}

/* Agents at each location at the end of the day just stepped. */
static const int64_t *location_agents(struct flee_run *run)
{
	const struct mf_day_counts *d = mf_sim_day_counts(run->sim);
	for (int p = 0; p < run->scenario->graph->n_places; p++)
		run->agents[p] = d->occupancy[p * MF_INTENT_COUNT + MF_INTENT_DISPLACED] /
				 run->scenario->agent_scale;
	return run->agents;
}

static int64_t agents_created(const struct flee_run *run)
{
	struct mf_totals totals;
	mf_sim_totals(run->sim, &totals);
	return totals.spawned / run->scenario->agent_scale;
}

static uint64_t agent_steps(const struct flee_run *run)
{
	struct mf_totals totals;
	mf_sim_totals(run->sim, &totals);
	return totals.agent_steps;
}

/* ---- mali2012 ---- */

static void test_mali_network(void **state)
{
	(void)state;
	char dir[PATH_SIZE];
	struct mf_flee_instance *inst = load_or_fail(mali_dir(dir), 0);
	assert_int_equal(inst->n_locations, 23);
	assert_int_equal(inst->n_routes, 35);
	assert_int_equal(inst->n_countries, 4);
	assert_int_equal(inst->n_camps, 7);
	assert_int_equal(inst->n_closures, 2);
	assert_int_equal(inst->length, 300);
	assert_int_equal(inst->conflict_days, 300);
	assert_int_equal(inst->n_conflict_columns, 23);
	char date[11];
	mf_date_format(inst->start, date);
	assert_string_equal(date, "2012-02-29");
	/* simsetting.yml as shipped. */
	assert_int_equal(inst->settings.hasten, 10);
	assert_true(inst->settings.camp_weight == 5.0);
	assert_true(inst->settings.capacity_buffer == 0.75);
	assert_true(inst->settings.max_move_speed == 200.0);
	assert_int_equal(inst->settings.n_conflict_spawn_decay, 5);
	/* The first row's country is home; camps and their capacities. */
	int kidal = mf_flee_location_index(inst, "Kidal");
	int fassala = mf_flee_location_index(inst, "Fassala-Mbera");
	assert_int_equal(kidal, 0);
	assert_false(inst->locations[kidal].foreign);
	assert_int_equal(inst->locations[kidal].type, MF_FLEE_CONFLICT);
	assert_true(inst->locations[fassala].camp);
	assert_true(inst->locations[fassala].foreign);
	assert_true(inst->locations[fassala].capacity == 7588); /* 75882 / 10 */
	mf_flee_destroy(inst);

	/* At full scale: 23 places and 70 directed links in the output's
	 * network, named as in FLEE. */
	inst = load_or_fail(dir, 1);
	assert_true(inst->locations[fassala].capacity == 75882);
	struct mf_error err = {0};
	struct mf_scenario *scenario = mf_flee_scenario_create(inst, 1, &err);
	assert_non_null(scenario);
	assert_int_equal(scenario->graph->n_places, 23);
	assert_int_equal(scenario->graph->n_links, 70);
	assert_int_equal(scenario->agent_scale, 1);
	assert_string_equal(scenario->graph->places[fassala].id, "Fassala-Mbera");
	assert_string_equal(scenario->graph->places[fassala].name, "Fassala-Mbera");
	assert_int_equal(scenario->graph->places[fassala].kind, MF_PLACE_CAMP);
	mf_flee_scenario_destroy(scenario);
	mf_flee_destroy(inst);
}

/* Whether directed link l joins the two countries. */
static bool link_between(const struct mf_flee_instance *inst, int l, const char *c1, const char *c2)
{
	const struct mf_flee_route *r = &inst->routes[l / 2];
	const char *a = inst->locations[r->a].country, *b = inst->locations[r->b].country;
	return (strcmp(a, c1) == 0 && strcmp(b, c2) == 0) || (strcmp(a, c2) == 0 && strcmp(b, c1) == 0);
}

static void test_mali_closures(void **state)
{
	(void)state;
	char dir[PATH_SIZE];
	struct mf_flee_instance *inst = load_or_fail(mali_dir(dir), 10);
	int L = 2 * inst->n_routes;
	int n_burkina = 0, n_niger = 0, n_mauritania = 0;
	for (int l = 0; l < L; l++) {
		n_burkina += link_between(inst, l, "Mali", "Burkina_Faso");
		n_niger += link_between(inst, l, "Mali", "Niger");
		n_mauritania += link_between(inst, l, "Mali", "Mauritania");
	}
	assert_int_equal(n_burkina, 8);
	assert_int_equal(n_niger, 8);
	assert_int_equal(n_mauritania, 2);
	struct flee_run *sim = sim_or_fail(inst, 2, 0);
	int64_t flow_after[2] = {0, 0};
	for (int day = 0; day < 60; day++) {
		step_or_fail(sim);
		const struct mf_day_counts *d = mf_sim_day_counts(sim->sim);
		for (int l = 0; l < L; l++) {
			bool open = mf_flee_link_open(sim->sim, l);
			/* closures.csv: Mali-Burkina_Faso days 0..21, Mali-Niger 0..32. */
			if (link_between(inst, l, "Mali", "Burkina_Faso")) {
				if (open != (day >= 22))
					fail_msg("Mali-Burkina_Faso link %d %s on day %d", l,
						 open ? "open" : "closed", day);
				if (!open)
					assert_int_equal(d->link_flow[l] + d->in_transit[l], 0);
				else
					flow_after[0] += d->link_flow[l];
			} else if (link_between(inst, l, "Mali", "Niger")) {
				if (open != (day >= 33))
					fail_msg("Mali-Niger link %d %s on day %d", l, open ? "open" : "closed",
						 day);
				if (!open)
					assert_int_equal(d->link_flow[l] + d->in_transit[l], 0);
				else
					flow_after[1] += d->link_flow[l];
			} else {
				assert_true(open);
			}
		}
	}
	/* Once open, people cross. */
	assert_true(flow_after[0] > 0);
	assert_true(flow_after[1] > 0);
	run_destroy(sim);
	mf_flee_destroy(inst);
}

static void test_mali_spawned(void **state)
{
	(void)state;
	char dir[PATH_SIZE];
	struct mf_flee_instance *inst = load_or_fail(mali_dir(dir), 1);
	/* Day-0 camp populations after the level-1 corrections, by hand:
	 * Fassala-Mbera 17790 * 54028 / 103731 = 9265.9 -> 9265,
	 * Abala 1175 * 11043 / 18573 = 698.6 -> 698,
	 * Mangaize 1110 * 3435 / 4356 = 875.3 -> 875; the others 0. */
	int64_t initial = 0, *plan = calloc(300, sizeof(int64_t));
	struct mf_error err = {0};
	assert_int_equal(mf_flee_spawn_plan(inst, 300, plan, &initial, &err), MF_OK);
	assert_int_equal(initial, 9265 + 698 + 875);
	struct flee_run *sim = sim_or_fail(inst, 2, 0);
	assert_int_equal(agents_created(sim), 0); /* the camps are filled on day 0 */
	int64_t spawned_persons = 0, data_max = 0;
	for (int day = 0; day < 300; day++) {
		step_or_fail(sim);
		const struct mf_day_counts *d = mf_sim_day_counts(sim->sim);
		for (int p = 0; p < inst->n_locations; p++)
			spawned_persons += d->spawned[p];
		/* The data total of the camps; what has been spawned by a day is
		 * its running maximum (decreases become a debt). */
		int64_t total = 0;
		for (int c = 0; c < inst->n_camps; c++)
			total += mf_flee_camp_data(inst, c, day);
		if (total > data_max)
			data_max = total;
		assert_int_equal(agents_created(sim), data_max);
		assert_int_equal(spawned_persons, data_max);
	}
	/* FLEE's own figure for mali2012 at full scale. */
	assert_int_equal(agents_created(sim), 89991);
	assert_int_equal(mf_sim_agents_alive(sim->sim), 89991);
	free(plan);
	run_destroy(sim);
	mf_flee_destroy(inst);
}

static void run_counts(const struct mf_flee_instance *inst, int threads, uint32_t replicate, int days,
		       int64_t *occupancy)
{
	struct flee_run *sim = sim_or_fail(inst, threads, replicate);
	int P = inst->n_locations;
	for (int day = 0; day < days; day++) {
		step_or_fail(sim);
		memcpy(occupancy + (size_t)day * (size_t)P, location_agents(sim),
		       (size_t)P * sizeof(int64_t));
	}
	run_destroy(sim);
}

static void test_mali_determinism(void **state)
{
	(void)state;
	char dir[PATH_SIZE];
	struct mf_flee_instance *inst = load_or_fail(mali_dir(dir), 10);
	size_t n = (size_t)300 * (size_t)inst->n_locations;
	int64_t *one = calloc(n, sizeof(int64_t)), *two = calloc(n, sizeof(int64_t));
	int64_t *other = calloc(n, sizeof(int64_t));
	run_counts(inst, 1, 0, 300, one);
	run_counts(inst, 2, 0, 300, two);
	run_counts(inst, 2, 1, 300, other);
	assert_memory_equal(one, two, n * sizeof(int64_t));
	assert_true(memcmp(one, other, n * sizeof(int64_t)) != 0);
	free(one);
	free(two);
	free(other);
	mf_flee_destroy(inst);
}

/* ---- the toy instance ---- */

/* tests/data/flee_toy, worked out by hand.
 *
 * Data (registration_corrections.csv scales B's points before 2020-01-06
 * by 500/1000): B = 100, 200, 300, 400, 500 and C = 0, 50, 100, 150, 200 on
 * days 0..4, so 100 agents start in B (insert_day0) and 150 are spawned in
 * A on each of days 1..4. They leave A at once along its only route, A-B
 * (300 km): 200 km on the day they spawn, arrival in B the day after.
 * Nobody leaves a camp. At the end of days 0..4:
 *
 *   sim B = 100, 100, 250, 400, 550     sim C = 0 (nobody goes there)
 *   data  = (100, 0) (200, 50) (300, 100) (400, 150) (500, 200)
 *
 *   ARD(t) = (|simB - B| + |0 - C|) / (B + C)
 *          = 0/100, 150/250, 150/400, 150/550, 250/700
 *          = 0, 0.6, 0.375, 0.272727.., 0.357142..      mean 0.3209740..
 *
 * Rescaled, sim B is scaled to the data total (C stays 0):
 *   B' = 100, 250, 400, 550, 700
 *   ARD'(t) = 0/100, (50 + 50)/250, (100 + 100)/400, (150 + 150)/550,
 *             (200 + 200)/700
 *           = 0, 0.4, 0.5, 0.545454.., 0.571428..       mean 0.4033766.. */
static const double toy_ard[5] = {0, 0.6, 0.375, 150.0 / 550.0, 250.0 / 700.0};
static const double toy_ard_rescaled[5] = {0, 0.4, 0.5, 300.0 / 550.0, 400.0 / 700.0};

static void test_toy_data(void **state)
{
	(void)state;
	char dir[PATH_SIZE];
	struct mf_flee_instance *inst = load_or_fail(toy_dir(dir), 0);
	assert_int_equal(inst->n_camps, 2);
	static const long b[5] = {100, 200, 300, 400, 500}, c[5] = {0, 50, 100, 150, 200};
	for (int t = 0; t < 5; t++) {
		assert_int_equal(mf_flee_camp_data(inst, 0, t), b[t]);
		assert_int_equal(mf_flee_camp_data(inst, 1, t), c[t]);
	}
	/* Before the first point the first value, after the last the last. */
	assert_int_equal(mf_flee_camp_data(inst, 0, -3), 100);
	assert_int_equal(mf_flee_camp_data(inst, 0, 40), 500);
	/* Interpolated values are truncated, as FLEE's int(). */
	struct mf_flee_series s = {.n = 2, .day = (int[]){0, 3}, .value = (double[]){0, 10}};
	assert_int_equal(mf_flee_series_value(&s, 1), 3);
	assert_int_equal(mf_flee_series_value(&s, 2), 6);
	int64_t plan[5], initial;
	struct mf_error err = {0};
	assert_int_equal(mf_flee_spawn_plan(inst, 5, plan, &initial, &err), MF_OK);
	assert_int_equal(initial, 100);
	assert_int_equal(plan[0], 0);
	for (int t = 1; t < 5; t++)
		assert_int_equal(plan[t], 150);
	mf_flee_destroy(inst);
}

static void check_toy_ard(const struct mf_flee_ard *ard)
{
	assert_int_equal(ard->days, 5);
	for (int t = 0; t < 5; t++) {
		if (fabs(ard->ard[t] - toy_ard[t]) > 1e-12 ||
		    fabs(ard->ard_rescaled[t] - toy_ard_rescaled[t]) > 1e-12)
			fail_msg("day %d: ARD %.15g (want %.15g), rescaled %.15g (want %.15g)", t, ard->ard[t],
				 toy_ard[t], ard->ard_rescaled[t], toy_ard_rescaled[t]);
	}
	assert_true(fabs(ard->mean - 1.6048701298701299 / 5) < 1e-12);
	assert_true(fabs(ard->mean_rescaled - 2.0168831168831169 / 5) < 1e-12);
}

static void test_toy_ard(void **state)
{
	(void)state;
	char dir[PATH_SIZE];
	struct mf_flee_instance *inst = load_or_fail(toy_dir(dir), 0);
	int P = inst->n_locations;
	int64_t agents[5 * 3];
	struct flee_run *sim = sim_or_fail(inst, 2, 0);
	for (int t = 0; t < 5; t++) {
		step_or_fail(sim);
		memcpy(agents + t * P, location_agents(sim), (size_t)P * sizeof(int64_t));
	}
	static const int64_t sim_b[5] = {100, 100, 250, 400, 550};
	int b = mf_flee_location_index(inst, "B"), c = mf_flee_location_index(inst, "C");
	for (int t = 0; t < 5; t++) {
		assert_int_equal(agents[t * P + b], sim_b[t]);
		assert_int_equal(agents[t * P + c], 0);
	}
	run_destroy(sim);
	struct mf_flee_ard ard;
	struct mf_error err = {0};
	assert_int_equal(mf_flee_ard_compute(inst, agents, 5, &ard, &err), MF_OK);
	check_toy_ard(&ard);
	mf_flee_ard_free(&ard);
	mf_flee_destroy(inst);
}

/* The toy run written by src/output.c, validated from the file, the ARD
 * stored in it. */
static void test_toy_file(void **state)
{
	(void)state;
	char dir[PATH_SIZE], path[PATH_SIZE], tmp[] = "/tmp/migflow-test-flee-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	snprintf(path, sizeof(path), "%s/toy.h5", tmp);
	struct mf_flee_instance *inst = load_or_fail(toy_dir(dir), 0);
	struct mf_error err = {0};
	struct mf_scenario *scenario = mf_flee_scenario_create(inst, 7, &err);
	assert_non_null(scenario);
	struct flee_run *sim = sim_or_fail(inst, 1, 0);
	struct mf_output_info info = {.scenario = scenario, .days = 5, .seed = 7, .threads = 1};
	struct mf_output *out = mf_output_create(path, false, &info, &err);
	assert_non_null(out);
	for (int t = 0; t < 5; t++) {
		step_or_fail(sim);
		assert_int_equal(mf_output_write_day(out, mf_sim_day_counts(sim->sim), &err), MF_OK);
	}
	struct mf_run_stats stats = {.agent_steps = agent_steps(sim), .wall_seconds = 0.1};
	assert_int_equal(mf_output_finish(out, &stats, &err), MF_OK);
	int scale = 0;
	assert_int_equal(mf_flee_run_agent_scale(path, &scale, &err), MF_OK);
	assert_int_equal(scale, 1);
	struct mf_flee_run_ard ard;
	assert_int_equal(mf_flee_ard_of_run(path, inst, true, &ard, &err), MF_OK);
	assert_int_equal(ard.replicates, 0);
	assert_int_equal(ard.n, 1);
	check_toy_ard(&ard.ard[0]);
	mf_flee_run_ard_free(&ard);
	/* A second validation overwrites rather than fails. */
	assert_int_equal(mf_flee_ard_of_run(path, inst, true, &ard, &err), MF_OK);
	mf_flee_run_ard_free(&ard);
	hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	assert_true(file >= 0);
	double mean = 0, values[5];
	hid_t attr = H5Aopen(file, "ard_mean", H5P_DEFAULT);
	assert_true(attr >= 0);
	assert_true(H5Aread(attr, H5T_NATIVE_DOUBLE, &mean) >= 0);
	H5Aclose(attr);
	assert_true(fabs(mean - 1.6048701298701299 / 5) < 1e-12);
	hid_t dataset = H5Dopen2(file, "ard_rescaled", H5P_DEFAULT);
	assert_true(dataset >= 0);
	assert_true(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0);
	H5Dclose(dataset);
	H5Fclose(file);
	for (int t = 0; t < 5; t++)
		assert_true(fabs(values[t] - toy_ard_rescaled[t]) < 1e-12);
	/* A run of another instance is refused. */
	char mali[PATH_SIZE];
	struct mf_flee_instance *other = load_or_fail(mali_dir(mali), 1);
	assert_int_equal(mf_flee_ard_of_run(path, other, false, &ard, &err), MF_ERR_INPUT);
	mf_flee_destroy(other);
	unlink(path);
	rmdir(tmp);
	run_destroy(sim);
	mf_flee_scenario_destroy(scenario);
	mf_flee_destroy(inst);
}

/* ---- malformed instances ---- */

/* The toy instance's files, to write into a scratch directory. */
struct toy_file {
	const char *name, *text;
};

static const struct toy_file toy_files[] = {
	{"input_csv/locations.csv",
	 "#name,region,country,lat,lon,location_type,conflict_date,population\n"
	 "A,RegionA,Xland,10.0,1.0,conflict_zone,0,1000\n"
	 "B,RegionB,Yland,11.0,2.0,camp,,0\n"
	 "C,RegionC,Yland,12.0,3.0,camp,,0\n"},
	{"input_csv/routes.csv", "#name1,name2,distance,forced_redirection\nA,B,300,0\nB,C,100,0\n"},
	{"input_csv/closures.csv", "#closure_type,name1,name2,closure_start,closure_end\n"},
	{"input_csv/conflicts.csv", "#Day,A\n0,1\n1,1\n2,1\n3,1\n4,1\n"},
	{"input_csv/sim_period.csv", "StartDate,2020-01-01\nLength,5\n"},
	{"input_csv/registration_corrections.csv", "B,2020-01-06,normalize\n"},
	{"source_data/data_layout.csv", "total,refugees.csv\nB,toy-b.csv\nC,toy-c.csv\n"},
	{"source_data/refugees.csv", "Date,Refugee_numbers\n2020-01-01,100\n2020-01-05,700\n"},
	{"source_data/toy-b.csv", "DateTime,refugees\n2020-01-01,200\n2020-01-05,1000\n2020-01-06,500\n"},
	{"source_data/toy-c.csv", "#DateTime,refugees\n2020-01-01,0\n2020-01-05,200\n"},
	{"simsetting.yml", "move_rules:\n  max_move_speed: 200.0\n  camp_movechance: 0.0\n"},
};

struct scratch {
	char dir[64];
};

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[PATH_SIZE];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Writes the toy instance into a new scratch directory, with file `name`
 * replaced by `text` (none when name is NULL). */
static void write_toy(struct scratch *s, const char *name, const char *text)
{
	snprintf(s->dir, sizeof(s->dir), "/tmp/migflow-test-flee-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	char path[PATH_SIZE];
	snprintf(path, sizeof(path), "%s/input_csv", s->dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/source_data", s->dir);
	mkdir(path, 0755);
	for (size_t i = 0; i < sizeof(toy_files) / sizeof(*toy_files); i++)
		write_text(s->dir, toy_files[i].name,
			   name && strcmp(name, toy_files[i].name) == 0 ? text : toy_files[i].text);
}

/* Loads the toy with one file replaced (strictly or not) and checks the
 * error: the file named, its line and column, and the field. */
static void expect_error_when(bool strict, const char *name, const char *text, int line, int column,
			      const char *field, const char *message_part)
{
	struct scratch s;
	write_toy(&s, name, text);
	struct mf_error err = {0};
	struct mf_flee_load_options options = {.strict = strict};
	struct mf_flee_instance *inst = mf_flee_load_with(s.dir, &options, &err);
	char formatted[1024];
	mf_error_format(&err, formatted, sizeof(formatted));
	if (inst)
		fail_msg("%s accepted:\n%s", name, text);
	char suffix[256];
	snprintf(suffix, sizeof(suffix), "/%s", name);
	size_t n = strlen(err.file), m = strlen(suffix);
	if (err.code != MF_ERR_INPUT || n < m || strcmp(err.file + n - m, suffix) != 0 ||
	    err.line != line || (column > 0 && err.column != column) || strcmp(err.field, field) != 0 ||
	    !strstr(err.message, message_part))
		fail_msg("%s: expected line %d column %d field '%s' (\"%s\"), got: %s", name, line, column,
			 field, message_part, formatted);
	remove_tree(s.dir);
}

static void expect_error(const char *name, const char *text, int line, int column, const char *field,
			 const char *message_part)
{
	expect_error_when(false, name, text, line, column, field, message_part);
}

/* Loads the toy with one file replaced: FLEE runs it, so it loads with
 * exactly one lenient warning at the position given; loaded strictly, the
 * same position is an error. */
static void expect_lenient(const char *name, const char *text, int line, int column, const char *field,
			   const char *message_part)
{
	struct scratch s;
	write_toy(&s, name, text);
	struct mf_error err = {0};
	struct mf_flee_instance *inst = mf_flee_load(s.dir, &err);
	if (!inst)
		fail_msg("%s refused: %s", name, err.message);
	int lenient = 0;
	const struct mf_flee_warning *found = NULL;
	for (int i = 0; i < inst->n_warnings; i++)
		if (inst->warnings[i].kind == MF_FLEE_LENIENT) {
			lenient++;
			found = &inst->warnings[i];
		}
	assert_int_equal(lenient, 1);
	if (!found)
		fail_msg("no warning");
	char suffix[256];
	snprintf(suffix, sizeof(suffix), "/%s", name);
	size_t n = strlen(found->file), m = strlen(suffix);
	if (n < m || strcmp(found->file + n - m, suffix) != 0 || found->line != line ||
	    found->column != column || strcmp(found->field, field) != 0 ||
	    !strstr(found->message, message_part))
		fail_msg("%s: expected a warning at %d:%d '%s' (\"%s\"), got %s:%d:%d '%s': %s", name, line,
			 column, field, message_part, found->file, found->line, found->column, found->field,
			 found->message);
	mf_flee_destroy(inst);
	remove_tree(s.dir);
	expect_error_when(true, name, text, line, column, field, message_part);
}

static void test_malformed(void **state)
{
	(void)state;
	/* The unmodified toy loads. */
	struct scratch s;
	write_toy(&s, NULL, NULL);
	struct mf_error err = {0};
	struct mf_flee_instance *inst = mf_flee_load(s.dir, &err);
	assert_non_null(inst);
	mf_flee_destroy(inst);
	remove_tree(s.dir);

	expect_error("input_csv/locations.csv",
		     "#name,region,country,lat,lon,location_type,conflict_date,population\n"
		     "A,RegionA,Xland,10.0,1.0,conflict_zone,0,1000\n"
		     "B,RegionB,Yland,11.0,2.0,refuge,,0\n"
		     "C,RegionC,Yland,12.0,3.0,camp,,0\n",
		     3, 26, "location_type", "unknown location type 'refuge'");
	expect_error("input_csv/locations.csv",
		     "#name,region,country,lat,lon,location_type,conflict_date,population\n"
		     "A,RegionA,Xland,10.0,1.0,conflict_zone,0,1x00\n"
		     "B,RegionB,Yland,11.0,2.0,camp,,0\n"
		     "C,RegionC,Yland,12.0,3.0,camp,,0\n",
		     2, 42, "population", "whole number");
	expect_error("input_csv/locations.csv",
		     "#name,region,country,lat,lon,location_type,conflict_date,population\n"
		     "A,RegionA,Xland,10.0,1.0,conflict_zone,0,1000\n"
		     "B,RegionB,Yland,north,2.0,camp,,0\n"
		     "C,RegionC,Yland,12.0,3.0,camp,,0\n",
		     3, 17, "lat", "expected a number");
	expect_error("input_csv/locations.csv",
		     "#name,region,country,lat,lon,location_type,conflict_date,population\n"
		     "A,RegionA,Xland,10.0,1.0,conflict_zone,0,1000\n"
		     "\"B,RegionB,Yland,11.0,2.0,camp,,0\n"
		     "C,RegionC,Yland,12.0,3.0,camp,,0\n",
		     3, 1, "", "unterminated quoted field");
	expect_error("input_csv/locations.csv",
		     "#name,region,country,lat,lon,location_type,conflict_date,population\n"
		     "A,RegionA,Xland,10.0,1.0,conflict_zone,0,1000\n"
		     "B,RegionB,Yland,11.0,2.0,camp,,0\n"
		     "B,RegionC,Yland,12.0,3.0,camp,,0\n",
		     4, 1, "name", "given twice (first on line 3)");
	expect_error("input_csv/routes.csv", "#name1,name2,distance,forced_redirection\nA,B,300,0\nB,D,100,0\n",
		     3, 3, "name2", "no location named 'D'");
	expect_error("input_csv/routes.csv", "#name1,name2,distance,forced_redirection\nA,B,-300,0\nB,C,100,0\n",
		     2, 5, "distance", "expected a number in");
	expect_error("input_csv/closures.csv",
		     "#closure_type,name1,name2,closure_start,closure_end\nborder,Xland,Yland,0,3\n", 2, 1,
		     "closure_type", "unknown closure type 'border'");
	expect_error("input_csv/closures.csv",
		     "#closure_type,name1,name2,closure_start,closure_end\ncountry,Xland,Zland,0,3\n", 2, 15,
		     "name2", "no location in country 'Zland'");
	expect_error("input_csv/conflicts.csv", "#Day,A\n0,1\n1,1\n2,high\n3,1\n4,1\n", 4, 3, "A",
		     "expected a number");
	/* What FLEE runs with: warnings, errors when strict (the five
	 * classes of scenarios/FLEE.md). */
	expect_lenient("input_csv/conflicts.csv", "#Day,A,Isale\n0,1,1\n1,1,1\n2,1,0\n3,1,0\n4,1,0\n", 1,
		       8, "column 3", "column 'Isale' ignored: no such location");
	expect_lenient("input_csv/conflicts.csv", "#Day,A,\n0,1\n1,1,\n2,1\n3,1\n4,1\n", 1, 8,
		       "column 3", "empty location name in the header");
	expect_lenient("input_csv/conflicts.csv", "#Day,A\n0,1\n1,1\n2,1\n", 4, 1, "",
		       "3 days of data, fewer than the 5 days");
	expect_lenient("source_data/data_layout.csv",
		       "total,refugees.csv\nB,toy-b.csv\nC,toy-c.csv\nBossobolo,toy-c.csv\n", 4, 1, "label",
		       "no location named 'Bossobolo'");
	expect_lenient("source_data/toy-c.csv", "#DateTime,refugees\n2020-01-01,0\n2020-01-05,200\n"
		       "2019-01-06,210\n", 4, 1, "date", "row dropped");
	/* Still errors: a value under an ignored column beyond the header,
	 * a column given twice, rows beyond the header. */
	expect_error("input_csv/conflicts.csv", "#Day,A,A\n0,1,1\n", 1, 8, "column 3",
		     "location 'A' given twice");
	expect_error("input_csv/conflicts.csv", "#Day,A\n0,1\n1,1,1\n2,1\n3,1\n4,1\n", 3, 5, "",
		     "expected 1 values after the day");
	expect_error("input_csv/sim_period.csv", "StartDate,2020-02-30\nLength,5\n", 1, 11, "StartDate",
		     "expected a date");
	expect_error("input_csv/registration_corrections.csv", "B,2020-01-04,normalize\n", 1, 3, "date",
		     "not a date of B's validation series");
	expect_error("source_data/data_layout.csv", "total,refugees.csv\nB,toy-b.csv\n", 0, 0, "label",
		     "camp 'C' (locations.csv line 4) has no row");
	expect_error("source_data/toy-c.csv", "#DateTime,refugees\n2020-01-01,0\n2020-13-05,200\n", 3, 1,
		     "date", "expected a date");
	expect_error("simsetting.yml", "move_rules:\n  max_move_speed: 200.0\n  camp_weight: heavy\n", 3, 16,
		     "move_rules.camp_weight", "expected a finite number");
	expect_error("simsetting.yml", "move_rules:\n  default_movechance: 1.5\n", 2, 23,
		     "move_rules.default_movechance", "expected a number in [0, 1]");
	expect_error("simsetting.yml", "move_rules:\n  stay_close_to_home: True\n", 2, 23,
		     "move_rules.stay_close_to_home", "not supported");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mali_network),
		cmocka_unit_test(test_mali_closures),
		cmocka_unit_test(test_mali_spawned),
		cmocka_unit_test(test_mali_determinism),
		cmocka_unit_test(test_toy_data),
		cmocka_unit_test(test_toy_ard),
		cmocka_unit_test(test_toy_file),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests_name("flee", tests, NULL, NULL);
}
