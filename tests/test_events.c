/* Events acting on the world: every kind changes the simulation's tables
 * (the world state and the per-link table the step reads) on its date and
 * not before. The network is tests/data/small, copied into a scratch
 * directory next to a scenario written for each test; the simulation is
 * stepped day by day. Day d of a run that starts 2024-01-01 is
 * 2024-01-(d+1). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>

#include "migflow/rng.h"
#include "support.h"
#include "sahel/sahel.h"

#define HEAD                                                             \
	"name: events\nstart: 2024-01-01\ndays: 40\n"                   \
	"network: {places: places.csv, links: links.csv}\n"             \
	"destination: island\n"

struct run {
	struct scratch scratch;
	struct mf_scenario *scenario;
	struct mf_sim *sim;
};

/* The text of a file of tests/data/small (caller frees). */
static char *small_file(const char *name)
{
	char relative[64], path[1024];
	snprintf(relative, sizeof(relative), "small/%s", name);
	test_data(relative, path, sizeof(path));
	FILE *file = fopen(path, "rb");
	if (!file)
		fail_msg("cannot open %s", path);
	char *text = calloc(1, 1 << 16);
	assert_non_null(text);
	size_t n = fread(text, 1, (1 << 16) - 1, file);
	fclose(file);
	assert_true(n > 0 && n < (1 << 16) - 1);
	return text;
}

/* Each test's run lives in its state, so that the teardown frees it even
 * when an assertion fails half-way. */
static int setup(void **state)
{
	*state = calloc(1, sizeof(struct run));
	return *state ? 0 : -1;
}

static void finish(struct run *r)
{
	mf_sim_destroy(r->sim);
	mf_scenario_destroy(r->scenario);
	if (r->scratch.dir[0])
		scratch_close(&r->scratch);
	memset(r, 0, sizeof(*r));
}

static int teardown(void **state)
{
	finish(*state);
	free(*state);
	return 0;
}

static void start(struct run *r, const char *yaml)
{
	finish(r);
	char *places = small_file("places.csv"), *links = small_file("links.csv");
	scratch_open(&r->scratch);
	r->scenario = scenario_from_text(&r->scratch, places, links, yaml);
	free(places);
	free(links);
	assert_non_null(r->scenario);
	struct mf_run_options options = {.seed = 3, .threads = 1};
	struct mf_error err = {0};
	r->sim = mf_sim_create(r->scenario, &options, &err);
	if (!r->sim) {
		char text[1024];
		fail_msg("mf_sim_create: %s", mf_error_format(&err, text, sizeof(text)));
	}
}

/* Steps until `day` days are done: the events of day `day` not yet applied. */
static void step_to(struct run *r, int day)
{
	struct mf_error err = {0};
	while (mf_sim_days_done(r->sim) < day) {
		enum mf_status status = mf_sim_step(r->sim, &err);
		if (status != MF_OK) {
			char text[1024];
			fail_msg("day %d: %s", mf_sim_days_done(r->sim), mf_error_format(&err, text, sizeof(text)));
		}
	}
}

static int place(const struct run *r, const char *id)
{
	int index = mf_graph_place_index(r->scenario->graph, id);
	if (index < 0)
		fail_msg("no place '%s'", id);
	return index;
}

static int link_of(const struct run *r, const char *from, const char *to)
{
	int index = mf_graph_link_index(r->scenario->graph, place(r, from), place(r, to));
	if (index < 0)
		fail_msg("no link %s -> %s", from, to);
	return index;
}

static void assert_close(double observed, double expected, double tolerance, const char *what)
{
	if (!(fabs(observed - expected) <= tolerance))
		fail_msg("%s: %.12g, expected %.12g (+- %g)", what, observed, expected, tolerance);
}

static void capacity_sets_the_daily_limit(void **state)
{
	struct run *r = *state;
	start(r, HEAD "events:\n"
		  "  - {date: 2024-01-06, kind: capacity, link: [work, coast], per_day: 50}\n"
		  "  - {date: 2024-01-11, kind: capacity, link: [hub, post], per_day: unlimited}\n"
		  "  - {date: 2024-01-16, kind: capacity, link: [work, coast], per_day: unlimited}\n");
	int work_coast = link_of(r, "work", "coast"), hub_post = link_of(r, "hub", "post");
	const struct world *w = &r->sim->world;
	step_to(r, 5);
	assert_true(w->link_capacity[work_coast] == 0);
	assert_int_equal(sahel_of(r->sim)->links[work_coast].limited, 0);
	assert_true(w->link_capacity[hub_post] == 200); /* links.csv */
	assert_int_equal(sahel_of(r->sim)->links[hub_post].limited, 1);
	step_to(r, 6);
	assert_true(w->link_capacity[work_coast] == 50);
	assert_int_equal(sahel_of(r->sim)->links[work_coast].limited, 1);
	assert_true(w->link_capacity[link_of(r, "coast", "work")] == 0); /* one way only */
	step_to(r, 10);
	assert_int_equal(sahel_of(r->sim)->links[hub_post].limited, 1);
	step_to(r, 11);
	assert_true(w->link_capacity[hub_post] == 0);
	assert_int_equal(sahel_of(r->sim)->links[hub_post].limited, 0);
	step_to(r, 15);
	assert_int_equal(sahel_of(r->sim)->links[work_coast].limited, 1);
	step_to(r, 16);
	assert_true(w->link_capacity[work_coast] == 0);
	assert_int_equal(sahel_of(r->sim)->links[work_coast].limited, 0);
}

static void speed_divides_travel_days(void **state)
{
	struct run *r = *state;
	/* home -> hub takes 2 days, post <-> work 3 (links.csv). */
	start(r, HEAD "events:\n"
		  "  - {date: 2024-01-04, kind: speed, link: [home, hub], factor: 0.5}\n"
		  "  - {date: 2024-01-08, kind: speed, link: [home, hub], factor: 2}\n"
		  "  - {date: 2024-01-08, kind: speed, border: [Alpha, Beta], factor: 0.3}\n"
		  "  - {date: 2024-01-12, kind: speed, link: [home, hub], factor: 1}\n");
	int home_hub = link_of(r, "home", "hub"), hub_home = link_of(r, "hub", "home");
	int post_work = link_of(r, "post", "work"), work_post = link_of(r, "work", "post");
	step_to(r, 3);
	assert_int_equal(sahel_of(r->sim)->links[home_hub].days, 2);
	step_to(r, 4);
	assert_int_equal(sahel_of(r->sim)->links[home_hub].days, 4); /* 2 / 0.5 */
	assert_true(r->sim->world.link_speed[home_hub] == 0.5);
	assert_int_equal(sahel_of(r->sim)->links[hub_home].days, 2); /* the other direction is not named */
	step_to(r, 7);
	assert_int_equal(sahel_of(r->sim)->links[home_hub].days, 4);
	assert_int_equal(sahel_of(r->sim)->links[post_work].days, 3);
	step_to(r, 8);
	assert_int_equal(sahel_of(r->sim)->links[home_hub].days, 1); /* 2 / 2: relative to the base */
	assert_int_equal(sahel_of(r->sim)->links[post_work].days, 10); /* ceil(3 / 0.3) */
	assert_int_equal(sahel_of(r->sim)->links[work_post].days, 10);
	step_to(r, 12);
	assert_int_equal(sahel_of(r->sim)->links[home_hub].days, 2);
}

static void fare_multiplies_the_base_or_sets_usd(void **state)
{
	struct run *r = *state;
	/* hub -> post costs 170 USD, post -> hub 100 (links.csv). */
	start(r, HEAD
		  "policies:\n"
		  "  law:\n"
		  "    enforced:\n"
		  "      - {kind: fare, link: [post, hub], multiplier: 2.9}\n"
		  "events:\n"
		  "  - {date: 2024-01-03, kind: fare, link: [hub, post], multiplier: 2}\n"
		  "  - {date: 2024-01-05, kind: fare, link: [hub, post], multiplier: 2}\n"
		  "  - {date: 2024-01-07, kind: fare, link: [hub, post], usd: 55}\n"
		  "  - {date: 2024-01-09, kind: fare, link: [hub, post], multiplier: 1}\n"
		  "  - {date: 2024-01-11, kind: policy, name: law, state: enforced}\n"
		  "  - {date: 2024-01-13, kind: fare, link: [hub, post], multiplier: 3}\n"
		  "  - {date: 2024-01-13, kind: fare, link: [hub, post], usd: 7}\n");
	int hub_post = link_of(r, "hub", "post"), post_hub = link_of(r, "post", "hub");
	const double *fare = r->sim->world.link_fare;
	step_to(r, 2);
	assert_true(fare[hub_post] == 170);
	step_to(r, 3);
	assert_true(fare[hub_post] == 340);
	step_to(r, 5);
	assert_true(fare[hub_post] == 340); /* x2 again is still twice the base */
	step_to(r, 6);
	assert_true(fare[hub_post] == 340);
	step_to(r, 7);
	assert_true(fare[hub_post] == 55);
	step_to(r, 9);
	assert_true(fare[hub_post] == 170); /* multiplier 1 restores the base */
	step_to(r, 10);
	assert_true(fare[post_hub] == 100);
	step_to(r, 11);
	assert_close(fare[post_hub], 290, 1e-9, "fare post -> hub after the policy switch");
	assert_true(fare[hub_post] == 170);
	step_to(r, 13);
	assert_true(fare[hub_post] == 7); /* same day: the later event wins */
}

static void hazard_sets_the_daily_death_threshold(void **state)
{
	struct run *r = *state;
	/* hub -> post: 0.001 per day (links.csv); insecurity_hazard is 0. */
	start(r, HEAD "events:\n"
		  "  - {date: 2024-01-05, kind: hazard, link: [hub, post], multiplier: 3}\n"
		  "  - {date: 2024-01-09, kind: hazard, link: [hub, post], death_per_day: 0.05}\n"
		  "  - {date: 2024-01-13, kind: hazard, link: [hub, post], multiplier: 0}\n"
		  "  - {date: 2024-01-17, kind: hazard, link: [hub, post], multiplier: 1}\n");
	int hub_post = link_of(r, "hub", "post");
	const struct link_rt *rt = &sahel_of(r->sim)->links[hub_post];
	step_to(r, 4);
	assert_true(rt->death_day == mf_rng_threshold(0.001));
	step_to(r, 5);
	assert_true(rt->death_day == mf_rng_threshold(3 * 0.001));
	step_to(r, 8);
	assert_true(rt->death_day == mf_rng_threshold(3 * 0.001));
	step_to(r, 9);
	assert_true(rt->death_day == mf_rng_threshold(0.05));
	assert_true(r->sim->world.link_death_day[hub_post] == 0.05);
	step_to(r, 13);
	assert_true(rt->death_day == 0);
	step_to(r, 17);
	assert_true(rt->death_day == mf_rng_threshold(0.001));
}

static void interception_sets_the_lost_share(void **state)
{
	struct run *r = *state;
	/* coast -> island: death 0.03 and interception 0.3 per crossing. */
	start(r, HEAD "events:\n"
		  "  - {date: 2024-01-05, kind: interception, link: [coast, island], probability: 0.6}\n"
		  "  - {date: 2024-01-09, kind: interception, country: Delta, mode: sea, probability: 0}\n");
	const struct link_rt *rt = &sahel_of(r->sim)->links[link_of(r, "coast", "island")];
	step_to(r, 4);
	assert_true(rt->death_crossing == mf_rng_threshold(0.03));
	assert_true(rt->lost_crossing - rt->death_crossing ==
		    mf_rng_threshold(0.03 + 0.3) - mf_rng_threshold(0.03));
	step_to(r, 5);
	assert_true(rt->death_crossing == mf_rng_threshold(0.03));
	assert_true(rt->lost_crossing - rt->death_crossing ==
		    mf_rng_threshold(0.03 + 0.6) - mf_rng_threshold(0.03));
	assert_close((double)(rt->lost_crossing - rt->death_crossing), ldexp(0.6, 32), 2,
		     "interception threshold");
	step_to(r, 8);
	assert_true(rt->lost_crossing - rt->death_crossing ==
		    mf_rng_threshold(0.03 + 0.6) - mf_rng_threshold(0.03));
	step_to(r, 9);
	assert_true(rt->lost_crossing == rt->death_crossing);
}

static void convoy_sets_the_departure_weekday(void **state)
{
	struct run *r = *state;
	/* hub -> post leaves on Mondays (links.csv); home -> hub daily. */
	start(r, HEAD "events:\n"
		  "  - {date: 2024-01-05, kind: convoy, link: [hub, post], departs: daily}\n"
		  "  - {date: 2024-01-05, kind: convoy, link: [home, hub], departs: sun}\n"
		  "  - {date: 2024-01-09, kind: convoy, link: [hub, post], departs: fri}\n");
	const struct link_rt *hub_post = &sahel_of(r->sim)->links[link_of(r, "hub", "post")];
	const struct link_rt *home_hub = &sahel_of(r->sim)->links[link_of(r, "home", "hub")];
	step_to(r, 4);
	assert_int_equal(hub_post->departs_weekday, 0);
	assert_int_equal(home_hub->departs_weekday, -1);
	step_to(r, 5);
	assert_int_equal(hub_post->departs_weekday, -1);
	assert_int_equal(home_hub->departs_weekday, 6);
	step_to(r, 8);
	assert_int_equal(hub_post->departs_weekday, -1);
	step_to(r, 9);
	assert_int_equal(hub_post->departs_weekday, 4);
}

static void closure_and_reopen_switch_links(void **state)
{
	struct run *r = *state;
	start(r, HEAD "events:\n"
		  "  - {date: 2024-01-05, kind: closure, link: [work, coast]}\n"
		  "  - {date: 2024-01-07, kind: closure, border: [Alpha, Beta]}\n"
		  "  - {date: 2024-01-09, kind: reopen, link: [work, coast]}\n"
		  "  - {date: 2024-01-11, kind: reopen, country: Beta, mode: desert}\n");
	int work_coast = link_of(r, "work", "coast"), coast_work = link_of(r, "coast", "work");
	int post_work = link_of(r, "post", "work"), work_post = link_of(r, "work", "post");
	const struct link_rt *links = sahel_of(r->sim)->links;
	step_to(r, 4);
	for (int l = 0; l < r->scenario->graph->n_links; l++)
		assert_int_equal(links[l].open, 1);
	step_to(r, 5);
	assert_int_equal(links[work_coast].open, 0);
	assert_int_equal(links[coast_work].open, 1);
	assert_false(r->sim->world.link_open_event[work_coast]);
	step_to(r, 6);
	assert_int_equal(links[post_work].open, 1);
	step_to(r, 7);
	assert_int_equal(links[post_work].open, 0);
	assert_int_equal(links[work_post].open, 0);
	step_to(r, 9);
	assert_int_equal(links[work_coast].open, 1);
	assert_int_equal(links[post_work].open, 0);
	step_to(r, 11);
	assert_int_equal(links[post_work].open, 1);
	assert_int_equal(links[work_post].open, 1);
	int closed = 0;
	for (int l = 0; l < r->scenario->graph->n_links; l++)
		closed += !links[l].open;
	assert_int_equal(closed, 0);
}

static void security_steps_and_ramps_linearly(void **state)
{
	struct run *r = *state;
	/* unrest starts at 0.3 and camp at 1 (places.csv). A ramp of 6 days
	 * from day 5 reaches its level on day 5 + 6 = 11, linearly. */
	start(r, HEAD "events:\n"
		  "  - {date: 2024-01-04, kind: security, where: camp, level: 0.4}\n"
		  "  - {date: 2024-01-06, kind: security, where: unrest, level: 0.9, ramp_days: 6}\n"
		  "  - {date: 2024-01-21, kind: security, where: unrest, level: 0.5, ramp_days: 1}\n");
	int unrest = place(r, "unrest"), camp = place(r, "camp");
	const double *security = r->sim->world.security;
	for (int day = 1; day <= 5; day++) {
		step_to(r, day);
		assert_true(security[unrest] == 0.3);
		assert_true(security[camp] == (day <= 3 ? 1 : 0.4));
	}
	char observed[512] = "";
	bool linear = true;
	for (int k = 0; k <= 6; k++) {
		step_to(r, 5 + k + 1); /* day 5 + k done */
		double expected = 0.3 + (0.9 - 0.3) * k / 6.0;
		size_t used = strlen(observed);
		snprintf(observed + used, sizeof(observed) - used, " day 5+%d: %.4f (expected %.4f);", k,
			 security[unrest], expected);
		linear &= fabs(security[unrest] - expected) <= 1e-12;
	}
	if (!linear)
		fail_msg("security of unrest during a 6-day ramp from 0.3 to 0.9 on day 5:%s", observed);
	step_to(r, 20);
	assert_close(security[unrest], 0.9, 1e-12, "security of unrest after the ramp");
	/* A ramp of one day is not a step: the level is reached a day later. */
	step_to(r, 21);
	assert_close(security[unrest], 0.9, 1e-12, "security of unrest on the first day of a 1-day ramp");
	step_to(r, 22);
	assert_close(security[unrest], 0.5, 1e-12, "security of unrest after a 1-day ramp");
}

/* Means of spawned at places a and b over days [from, to). */
static void mean_spawned(struct run *r, int a, int b, int from, int to, double *mean_a, double *mean_b)
{
	struct mf_error err = {0};
	*mean_a = *mean_b = 0;
	step_to(r, from);
	for (int day = from; day < to; day++) {
		assert_int_equal(mf_sim_step(r->sim, &err), MF_OK);
		*mean_a += (double)mf_sim_day_counts(r->sim)->spawned[a] / (to - from);
		*mean_b += (double)mf_sim_day_counts(r->sim)->spawned[b] / (to - from);
	}
}

static void assert_poisson_mean(double mean, double rate, int days, const char *what)
{
	double sd = sqrt(rate / days);
	if (fabs(mean - rate) > 5 * sd)
		fail_msg("%s: mean %.1f per day, expected %.1f +- %.1f", what, mean, rate, 5 * sd);
}

static void source_rate_scales_spawning(void **state)
{
	struct run *r = *state;
	/* From day 15 onward sources at home spawn 3 times their rate; the
	 * circular source there and the onward one at unrest are not matched. */
	start(r, HEAD
		  "parameters: {wait_days: {origin: 1000, town: 1000}}\n"
		  "sources:\n"
		  "  - {place: home, intent: onward, rate: 3000}\n"
		  "  - {place: home, intent: circular, rate: 500, goals: {work: 1}}\n"
		  "  - {place: unrest, intent: onward, rate: 1000}\n"
		  "events:\n"
		  "  - {date: 2024-01-16, kind: source_rate, place: home, intent: onward, multiplier: 3}\n");
	int home = place(r, "home"), unrest = place(r, "unrest");
	struct mf_error err = {0};
	double before_home = 0, before_unrest = 0, after_home = 0, after_unrest = 0;
	for (int day = 0; day < 30; day++) {
		assert_int_equal(mf_sim_step(r->sim, &err), MF_OK);
		const struct mf_day_counts *d = mf_sim_day_counts(r->sim);
		assert_int_equal(d->day, day);
		if (day < 15) {
			before_home += (double)d->spawned[home] / 15;
			before_unrest += (double)d->spawned[unrest] / 15;
		} else {
			after_home += (double)d->spawned[home] / 15;
			after_unrest += (double)d->spawned[unrest] / 15;
		}
		if (day == 14)
			assert_true(r->sim->world.source_multiplier[0] == 1);
		if (day == 15) {
			assert_true(r->sim->world.source_multiplier[0] == 3);
			assert_true(r->sim->world.source_multiplier[1] == 1);
			assert_true(r->sim->world.source_multiplier[2] == 1);
		}
	}
	assert_poisson_mean(before_home, 3000 + 500, 15, "home before");
	assert_poisson_mean(after_home, 3 * 3000 + 500, 15, "home after");
	assert_poisson_mean(before_unrest, 1000, 15, "unrest before");
	assert_poisson_mean(after_unrest, 1000, 15, "unrest after");

	/* Without filters every source is scaled, and multiplier 1 restores. */
	start(r, HEAD
		  "parameters: {wait_days: {origin: 1000, town: 1000}}\n"
		  "sources:\n"
		  "  - {place: home, intent: onward, rate: 2000}\n"
		  "  - {place: unrest, intent: onward, rate: 1000}\n"
		  "events:\n"
		  "  - {date: 2024-01-11, kind: source_rate, multiplier: 0.5}\n"
		  "  - {date: 2024-01-21, kind: source_rate, multiplier: 1}\n");
	home = place(r, "home");
	unrest = place(r, "unrest");
	const double factors[3] = {1, 0.5, 1};
	for (int window = 0; window < 3; window++) {
		double at_home, at_unrest;
		char what[64];
		mean_spawned(r, home, unrest, 10 * window, 10 * window + 10, &at_home, &at_unrest);
		snprintf(what, sizeof(what), "home, days %d-%d", 10 * window, 10 * window + 9);
		assert_poisson_mean(at_home, 2000 * factors[window], 10, what);
		snprintf(what, sizeof(what), "unrest, days %d-%d", 10 * window, 10 * window + 9);
		assert_poisson_mean(at_unrest, 1000 * factors[window], 10, what);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(capacity_sets_the_daily_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(speed_divides_travel_days, setup, teardown),
		cmocka_unit_test_setup_teardown(fare_multiplies_the_base_or_sets_usd, setup, teardown),
		cmocka_unit_test_setup_teardown(hazard_sets_the_daily_death_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(interception_sets_the_lost_share, setup, teardown),
		cmocka_unit_test_setup_teardown(convoy_sets_the_departure_weekday, setup, teardown),
		cmocka_unit_test_setup_teardown(closure_and_reopen_switch_links, setup, teardown),
		cmocka_unit_test_setup_teardown(security_steps_and_ramps_linearly, setup, teardown),
		cmocka_unit_test_setup_teardown(source_rate_scales_spawning, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
