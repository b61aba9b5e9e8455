/* The ensemble entry point (migflow/ensemble.h) on the small scenario and
 * the FLEE toy instance: sinks see every day of every replicate in order;
 * a parameter override gives the run of a scenario with that value;
 * unknown or out-of-range overrides are refused by name; replicates side
 * by side give the values of replicates one after the other; cancelling
 * stops the run with MF_ERR_CANCELLED and every sink discards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"

#define DAYS_MAX 400

/* A sink that records what it is called with and a digest of every day. */
struct recorder {
	struct mf_sink sink;
	int begins, ends, finishes, discards;
	int days_seen[4];
	int last_day[4];
	uint64_t digest[4];   /* of the day counts, per run */
	int places;
};

static uint64_t mix(uint64_t h, int64_t v)
{
	return (h ^ (uint64_t)v) * UINT64_C(0x100000001b3);
}

static enum mf_status rec_begin(struct mf_sink *sink, const struct mf_ensemble_info *info,
				struct mf_error *err)
{
	struct recorder *r = sink->data;
	r->begins++;
	r->places = info->scenario->graph->n_places;
	return MF_OK;
}

static enum mf_status rec_day(struct mf_sink *sink, int run, const struct mf_sim *sim,
			      struct mf_error *err)
{
	struct recorder *r = sink->data;
	const struct mf_day_counts *d = mf_sim_day_counts(sim);
	assert_true(run >= 0 && run < 4);
	assert_int_equal(d->day, r->last_day[run] + 1); /* days in order */
	r->last_day[run] = d->day;
	r->days_seen[run]++;
	uint64_t h = r->digest[run] ? r->digest[run] : UINT64_C(0xcbf29ce484222325);
	for (int i = 0; i < r->places * MF_INTENT_COUNT; i++)
		h = mix(h, d->occupancy[i]);
	h = mix(h, d->returns);
	h = mix(h, d->interceptions);
	r->digest[run] = h;
	return MF_OK;
}

static enum mf_status rec_end(struct mf_sink *sink, int run, const struct mf_sim *sim,
			      struct mf_error *err)
{
	((struct recorder *)sink->data)->ends++;
	return MF_OK;
}

static enum mf_status rec_finish(struct mf_sink *sink, const struct mf_ensemble_result *result,
				 struct mf_error *err)
{
	((struct recorder *)sink->data)->finishes++;
	return MF_OK;
}

static void rec_discard(struct mf_sink *sink)
{
	((struct recorder *)sink->data)->discards++;
}

static const struct mf_sink_impl recorder_impl = {
	.begin = rec_begin,
	.day = rec_day,
	.end_replicate = rec_end,
	.finish = rec_finish,
	.discard = rec_discard,
	.concurrent = true,
};

static void recorder_init(struct recorder *r)
{
	memset(r, 0, sizeof(*r));
	for (int k = 0; k < 4; k++)
		r->last_day[k] = -1;
	r->sink = (struct mf_sink){.impl = &recorder_impl, .data = r};
}

static struct mf_scenario *load(const char *name)
{
	char path[512];
	struct mf_error err = {0};
	struct mf_scenario *s = mf_scenario_load(test_data(name, path, sizeof(path)), &err);
	if (!s) {
		char text[1024];
		fail_msg("%s", mf_error_format(&err, text, sizeof(text)));
	}
	return s;
}

static enum mf_status run(const struct mf_scenario *s, const struct mf_ensemble_options *o,
			  struct recorder *r, struct mf_error *err)
{
	recorder_init(r);
	struct mf_sink *sinks[] = {&r->sink};
	return mf_ensemble_run(s, o, sinks, 1, NULL, err);
}

static void sinks_see_every_day(void **state)
{
	struct mf_scenario *s = load("small/scenario.yaml");
	struct mf_ensemble_options o = {.seed = 3, .replicates = 3, .threads = 2, .days = 40};
	struct recorder r;
	struct mf_error err = {0};
	assert_int_equal(run(s, &o, &r, &err), MF_OK);
	assert_int_equal(r.begins, 1);
	assert_int_equal(r.finishes, 1);
	assert_int_equal(r.discards, 0);
	assert_int_equal(r.ends, 3);
	for (int k = 0; k < 3; k++)
		assert_int_equal(r.days_seen[k], 40);
	/* Replicates differ from one another. */
	assert_true(r.digest[0] != r.digest[1] && r.digest[1] != r.digest[2]);
	/* Side by side (a thread each) gives the same runs. */
	struct recorder side;
	o.side_by_side = true;
	assert_int_equal(run(s, &o, &side, &err), MF_OK);
	for (int k = 0; k < 3; k++)
		assert_true(side.digest[k] == r.digest[k]);
	mf_scenario_destroy(s);
}

/* An override is the run of the scenario with that value. */
static void overrides_set_parameters(void **state)
{
	struct mf_scenario *s = load("small/scenario.yaml");
	struct mf_override retry = {"retry_after_interception", 0.95};
	struct mf_ensemble_options o = {.seed = 5, .threads = 1, .days = 60,
					.overrides = &retry, .n_overrides = 1};
	struct recorder with_override, edited, plain;
	struct mf_error err = {0};
	assert_int_equal(run(s, &o, &with_override, &err), MF_OK);
	struct mf_ensemble_options none = o;
	none.overrides = NULL;
	none.n_overrides = 0;
	assert_int_equal(run(s, &none, &plain, &err), MF_OK);
	s->params.retry_after_interception = 0.95;
	assert_int_equal(run(s, &none, &edited, &err), MF_OK);
	assert_true(with_override.digest[0] == edited.digest[0]);
	assert_true(with_override.digest[0] != plain.digest[0]);
	/* Unknown names are refused by name, and the sinks discard. */
	struct mf_override unknown = {"retry_after_interceptoin", 0.5};
	o.overrides = &unknown;
	struct recorder refused;
	assert_int_equal(run(s, &o, &refused, &err), MF_ERR_INPUT);
	assert_non_null(strstr(err.message, "retry_after_interceptoin"));
	assert_int_equal(refused.discards, 1);
	assert_int_equal(refused.begins, 0);
	mf_scenario_destroy(s);
}

static bool stop_now(void *user)
{
	int *calls = user;
	return ++*calls > 5;
}

static void cancelling_discards(void **state)
{
	struct mf_scenario *s = load("small/scenario.yaml");
	int calls = 0;
	struct mf_ensemble_options o = {.seed = 1, .replicates = 2, .threads = 1, .days = 30,
					.cancelled = stop_now, .user = &calls};
	struct recorder r;
	struct mf_error err = {0};
	assert_int_equal(run(s, &o, &r, &err), MF_ERR_CANCELLED);
	assert_non_null(strstr(err.message, "interrupted on day 5"));
	assert_int_equal(r.days_seen[0], 5);
	assert_int_equal(r.finishes, 0);
	assert_int_equal(r.discards, 1);
	mf_scenario_destroy(s);
}

/* A FLEE rule parameter as an override equals the instance with that
 * setting; out of range it is refused with its range. */
static void flee_overrides(void **state)
{
	char dir[512];
	struct mf_error err = {0};
	struct mf_flee_instance *inst = mf_flee_load(test_data("flee_toy", dir, sizeof(dir)), &err);
	assert_non_null(inst);
	struct mf_scenario *s = mf_flee_scenario_create(inst, 2, &err);
	assert_non_null(s);
	struct mf_override leave = {"flee.max_move_speed", 100}; /* 3 days to the camp, not 2 */
	struct mf_ensemble_options o = {.seed = 2, .threads = 1, .overrides = &leave, .n_overrides = 1};
	struct recorder with_override, edited, plain;
	assert_int_equal(run(s, &o, &with_override, &err), MF_OK);
	struct mf_ensemble_options none = {.seed = 2, .threads = 1};
	assert_int_equal(run(s, &none, &plain, &err), MF_OK);
	inst->settings.max_move_speed = 100;
	assert_int_equal(run(s, &none, &edited, &err), MF_OK);
	assert_true(with_override.digest[0] == edited.digest[0]);
	assert_true(with_override.digest[0] != plain.digest[0]);
	struct mf_override bad = {"flee.camp_movechance", 1.5};
	o.overrides = &bad;
	struct recorder refused;
	assert_int_equal(run(s, &o, &refused, &err), MF_ERR_INPUT);
	assert_non_null(strstr(err.message, "outside 0..1"));
	mf_flee_scenario_destroy(s);
	mf_flee_destroy(inst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sinks_see_every_day),
		cmocka_unit_test(overrides_set_parameters),
		cmocka_unit_test(cancelling_discards),
		cmocka_unit_test(flee_overrides),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
