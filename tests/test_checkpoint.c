/* Checkpoints of the ensemble entry point (migflow/checkpoint.h) on the
 * small scenario: an ensemble cancelled on a day of either replicate writes
 * a checkpoint, and resuming it gives the sinks every day of every
 * replicate once, in order, with the uninterrupted run's counts; the agents
 * recount to the kept counts (audit) on every day simulated after the
 * resume, on 1 and 2 threads; resuming with another seed or another
 * number of days is refused; the FLEE rules resume as exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"
#include "engine.h"

#define RUNS 2
#define DAYS 120

/* A sink that digests every day's counts and totals, per run. */
struct recorder {
	struct mf_sink sink;
	int days_seen[RUNS], last_day[RUNS], ends;
	uint64_t digest[RUNS];
	int places, links;
};

static uint64_t mix(uint64_t h, int64_t v)
{
	return (h ^ (uint64_t)v) * UINT64_C(0x100000001b3);
}

static enum mf_status rec_begin(struct mf_sink *sink, const struct mf_ensemble_info *info,
				struct mf_error *err)
{
	struct recorder *r = sink->data;
	r->places = info->scenario->graph->n_places;
	r->links = info->scenario->graph->n_links;
	return MF_OK;
}

static enum mf_status rec_day(struct mf_sink *sink, int run, const struct mf_sim *sim,
			      struct mf_error *err)
{
	struct recorder *r = sink->data;
	const struct mf_day_counts *d = mf_sim_day_counts(sim);
	struct mf_totals t;
	mf_sim_totals(sim, &t);
	assert_int_equal(d->day, r->last_day[run] + 1);
	r->last_day[run] = d->day;
	r->days_seen[run]++;
	uint64_t h = r->digest[run] ? r->digest[run] : UINT64_C(0xcbf29ce484222325);
	for (int i = 0; i < r->places * MF_INTENT_COUNT; i++)
		h = mix(h, d->occupancy[i]);
	for (int l = 0; l < r->links; l++)
		h = mix(mix(h, d->link_flow[l]), d->deaths[l]);
	h = mix(mix(mix(h, d->returns), d->interceptions), d->expulsions);
	h = mix(mix(mix(h, t.spawned), t.arrived), (int64_t)t.agent_steps);
	r->digest[run] = h;
	return MF_OK;
}

static enum mf_status rec_end(struct mf_sink *sink, int run, const struct mf_sim *sim,
			      struct mf_error *err)
{
	((struct recorder *)sink->data)->ends++;
	return MF_OK;
}

static const struct mf_sink_impl recorder_impl = {
	.begin = rec_begin, .day = rec_day, .end_replicate = rec_end,
};

static void recorder_init(struct recorder *r)
{
	memset(r, 0, sizeof(*r));
	for (int k = 0; k < RUNS; k++)
		r->last_day[k] = -1;
	r->sink = (struct mf_sink){.impl = &recorder_impl, .data = r};
}

/* Cancels the run on (run, day); audits the agents of every day simulated. */
struct control {
	int stop_run, stop_day;
	bool stop;
	int audited;
};

static void on_progress(void *user, int run, int day, const struct mf_sim *sim)
{
	struct control *c = user;
	struct mf_error err = {0};
	if (mf_sim_audit(sim, &err) != MF_OK)
		fail_msg("run %d day %d: %s", run, day, err.message);
	c->audited++;
	c->stop = run == c->stop_run && day == c->stop_day;
}

static bool on_cancelled(void *user)
{
	return ((struct control *)user)->stop;
}

static struct mf_scenario *load(const char *name)
{
	char path[512];
	struct mf_error err = {0};
	struct mf_scenario *s = mf_scenario_load(test_data(name, path, sizeof(path)), &err);
	if (!s)
		fail_msg("%s", err.message);
	return s;
}

static enum mf_status run(const struct mf_scenario *s, struct mf_ensemble_options *o,
			  struct recorder *r, struct mf_ensemble_result *result, struct mf_error *err)
{
	recorder_init(r);
	struct mf_sink *sinks[] = {&r->sink};
	return mf_ensemble_run(s, o, sinks, 1, result, err);
}

static void resume_gives_every_day_once(void **state)
{
	struct mf_scenario *s = load("small/scenario.yaml");
	struct scratch dir;
	scratch_open(&dir);
	char path[512];
	scratch_path(&dir, "state.h5", path, sizeof(path));
	struct mf_ensemble_options o = {.seed = 5, .replicates = RUNS, .threads = 1, .days = DAYS};
	struct recorder full, part, resumed;
	struct mf_error err = {0};
	assert_int_equal(run(s, &o, &full, NULL, &err), MF_OK);
	/* Stops after (run, day): in the first replicate, at its last day, and
	 * in the second, on 1 and 2 threads. */
	const int stops[][3] = {{0, 37, 1}, {0, DAYS - 1, 2}, {1, 1, 2}, {1, 90, 1}};
	for (size_t k = 0; k < sizeof(stops) / sizeof(*stops); k++) {
		struct control c = {.stop_run = stops[k][0], .stop_day = stops[k][1]};
		struct mf_checkpoint_options save = {.path = path, .on_cancel = true};
		o.threads = stops[k][2];
		o.progress = on_progress;
		o.cancelled = on_cancelled;
		o.user = &c;
		o.checkpoint = &save;
		struct mf_ensemble_result result = {0};
		assert_int_equal(run(s, &o, &part, &result, &err), MF_ERR_CANCELLED);
		assert_int_equal(result.checkpoints, 1);
		assert_int_equal(result.checkpoint_day, c.stop_day);
		/* Resume on the other thread count, auditing every day after. */
		struct control after = {.stop_run = -1};
		struct mf_checkpoint_options resume = {.path = path, .on_cancel = true, .resume = path};
		o.threads = 3 - stops[k][2];
		o.user = &after;
		o.checkpoint = &resume;
		assert_int_equal(run(s, &o, &resumed, &result, &err), MF_OK);
		assert_int_equal(resumed.ends, RUNS);
		for (int r = 0; r < RUNS; r++) {
			assert_int_equal(resumed.days_seen[r], DAYS);
			assert_true(resumed.digest[r] == full.digest[r]);
		}
		assert_int_equal(after.audited, (RUNS - c.stop_run) * DAYS - c.stop_day);
	}
	/* Another seed, or another length, is another run. */
	struct mf_checkpoint_options resume = {.resume = path};
	o.checkpoint = &resume;
	o.progress = NULL;
	o.cancelled = NULL;
	o.seed = 6;
	assert_int_equal(run(s, &o, &resumed, NULL, &err), MF_ERR_INPUT);
	assert_non_null(strstr(err.message, "saved by another run"));
	o.seed = 5;
	o.days = DAYS - 10;
	assert_int_equal(run(s, &o, &resumed, NULL, &err), MF_ERR_INPUT);
	assert_non_null(strstr(err.message, "saved by another run"));
	scratch_close(&dir);
	mf_scenario_destroy(s);
}

/* FLEE's mali2012 instance (../shared/flee beside the checkout, or
 * $MIGFLOW_FLEE_DATA): 300 days of conflicts starting, camps and border
 * closures ending. */
static const char *mali_dir(char *out, size_t size)
{
	const char *flee = getenv("MIGFLOW_FLEE_DATA");
	char data[512];
	if (flee)
		snprintf(out, size, "%s/mali2012", flee);
	else
		snprintf(out, size, "%s/../../../shared/flee/mali2012", test_data(".", data, sizeof(data)));
	return out;
}

/* The FLEE rules resume as exactly, their locations' state (conflicts,
 * camps, capacities, populations, closures) in the checkpoint: stops
 * while the Mali-Niger border is closed, as it opens, and late. */
static void flee_rules_resume(void **state)
{
	char dir[512];
	struct mf_error err = {0};
	struct mf_flee_instance *inst = mf_flee_load(mali_dir(dir, sizeof(dir)), &err);
	if (!inst)
		fail_msg("%s", err.message);
	struct mf_scenario *s = mf_flee_scenario_create(inst, 20, &err);
	assert_non_null(s);
	struct scratch scratch;
	scratch_open(&scratch);
	char path[512];
	scratch_path(&scratch, "flee.h5", path, sizeof(path));
	struct mf_ensemble_options o = {.seed = 4, .replicates = RUNS, .threads = 1};
	struct recorder full, part, resumed;
	assert_int_equal(run(s, &o, &full, NULL, &err), MF_OK);
	int days = full.days_seen[0];
	assert_int_equal(days, 300);
	const int stops[] = {20, 33, 150, 290};
	for (size_t k = 0; k < sizeof(stops) / sizeof(*stops); k++) {
		int stop = stops[k];
		struct control c = {.stop_run = 1, .stop_day = stop};
		struct mf_checkpoint_options save = {.path = path, .on_cancel = true};
		o.progress = on_progress;
		o.cancelled = on_cancelled;
		o.user = &c;
		o.checkpoint = &save;
		assert_int_equal(run(s, &o, &part, NULL, &err), MF_ERR_CANCELLED);
		struct control after = {.stop_run = -1};
		struct mf_checkpoint_options resume = {.path = path, .resume = path};
		o.user = &after;
		o.checkpoint = &resume;
		o.threads = 2;
		assert_int_equal(run(s, &o, &resumed, NULL, &err), MF_OK);
		o.threads = 1;
		for (int r = 0; r < RUNS; r++) {
			assert_int_equal(resumed.days_seen[r], days);
			assert_true(resumed.digest[r] == full.digest[r]);
		}
	}
	scratch_close(&scratch);
	mf_flee_scenario_destroy(s);
	mf_flee_destroy(inst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resume_gives_every_day_once),
		cmocka_unit_test(flee_rules_resume),
	};
	return cmocka_run_group_tests_name("checkpoint", tests, NULL, NULL);
}
