/* Link travel: days on the link, daily death risk in the desert, death and
 * interception at the end of a sea crossing, insecurity hazard. Counts are
 * compared with their binomial expectation (5 standard deviations; the
 * draws are deterministic for the fixed seed). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"

struct run {
	struct scratch scratch;
	struct mf_scenario *scenario;
	struct mf_sim *sim;
};

static void start(struct run *r, const char *places, const char *links, const char *yaml)
{
	scratch_open(&r->scratch);
	r->scenario = scenario_from_text(&r->scratch, places, links, yaml);
	assert_non_null(r->scenario);
	struct mf_run_options options = {.seed = 11, .threads = 2};
	struct mf_error err = {0};
	r->sim = mf_sim_create(r->scenario, &options, &err);
	assert_non_null(r->sim);
}

static void finish(struct run *r)
{
	mf_sim_destroy(r->sim);
	mf_scenario_destroy(r->scenario);
	scratch_close(&r->scratch);
}

static void assert_binomial(int64_t observed, double n, double p)
{
	double mean = n * p, sd = sqrt(n * p * (1 - p));
	if (fabs((double)observed - mean) > 5 * sd + 1e-9)
		fail_msg("observed %lld, expected %.1f +- %.1f", (long long)observed, mean, 5 * sd);
}

static const char *desert_places = PLACES_HEADER
	"a,A,Alpha,R,0,0,origin,0,0,1,test\n"
	"b,B,Beta,R,0,1,destination,0,0,1,test\n";

static void desert_deaths_accumulate_per_day(void **state)
{
	struct run r;
	start(&r, desert_places,
	      LINKS_HEADER "a,b,desert,1200,4,0,0.01,,,,,,no,test\n",
	      "name: desert\nstart: 2024-01-01\ndays: 10\n"
	      "network: {places: places.csv, links: links.csv}\ndestination: b\n"
	      "parameters: {wait_days: {origin: 0}}\n"
	      "initial: [{place: a, intent: onward, persons: 100000}]\n");
	struct mf_error err = {0};
	int64_t deaths = 0, arrived = 0;
	for (int day = 0; day < 10; day++) {
		assert_int_equal(mf_sim_step(r.sim, &err), MF_OK);
		const struct mf_day_counts *d = mf_sim_day_counts(r.sim);
		deaths += d->deaths[0];
		arrived += d->destination_arrivals;
		if (day == 0)
			assert_int_equal(d->link_flow[0], 100000);
		/* Everyone still alive arrives on day 4, nobody before or after. */
		if (day != 4)
			assert_int_equal(d->destination_arrivals, 0);
		if (day >= 1 && day <= 3)
			assert_true(d->in_transit[0] > 0);
	}
	/* Four days at risk: days 1 to 4. */
	assert_binomial(deaths, 100000, 1 - pow(0.99, 4));
	assert_int_equal(deaths + arrived, 100000);
	struct mf_totals t;
	mf_sim_totals(r.sim, &t);
	assert_int_equal(t.dead, deaths);
	finish(&r);
}

static void travel_days_derive_from_distance_and_speed(void **state)
{
	struct run r;
	start(&r, desert_places,
	      LINKS_HEADER "a,b,desert,900,,0,0,,,,,,no,test\n",
	      "name: speed\nstart: 2024-01-01\ndays: 6\n"
	      "network: {places: places.csv, links: links.csv}\ndestination: b\n"
	      "parameters: {wait_days: {origin: 0}, speed_km_per_day: {desert: 300}}\n"
	      "initial: [{place: a, intent: onward, persons: 1000}]\n");
	struct mf_error err = {0};
	for (int day = 0; day < 6; day++) {
		assert_int_equal(mf_sim_step(r.sim, &err), MF_OK);
		assert_int_equal(mf_sim_day_counts(r.sim)->destination_arrivals, day == 3 ? 1000 : 0);
	}
	finish(&r);
}

static void sea_crossing_ends_in_death_interception_or_arrival(void **state)
{
	struct run r;
	start(&r,
	      PLACES_HEADER "home,Home,Alpha,R,0,0,origin,0,0,1,test\n"
			    "coast,Coast,Beta,R,0,1,coast,0,0,1,test\n"
			    "jail,Jail,Beta,R,0,2,detention,0,0,1,test\n"
			    "island,Island,Gamma,R,1,1,destination,0,0,1,test\n",
	      LINKS_HEADER "home,coast,road,100,1,0,0,,,,,,yes,test\n"
			   "jail,coast,road,10,1,0,0,,,,,,yes,test\n"
			   "coast,island,sea,290,1,0,,0.02,0.3,jail,,,no,test\n",
	      "name: sea\nstart: 2024-01-01\ndays: 3\n"
	      "network: {places: places.csv, links: links.csv}\ndestination: island\n"
	      "parameters: {wait_days: {coast: 0, detention: 1000}, retry_after_interception: 0.25}\n"
	      "initial: [{place: coast, intent: onward, persons: 100000, homes: {home: 1}}]\n");
	struct mf_error err = {0};
	const struct mf_graph *g = r.scenario->graph;
	int sea = mf_graph_link_index(g, mf_graph_place_index(g, "coast"), mf_graph_place_index(g, "island"));
	int jail = mf_graph_place_index(g, "jail");
	assert_int_equal(mf_sim_step(r.sim, &err), MF_OK);
	assert_int_equal(mf_sim_day_counts(r.sim)->link_flow[sea], 100000);
	assert_int_equal(mf_sim_step(r.sim, &err), MF_OK);
	const struct mf_day_counts *d = mf_sim_day_counts(r.sim);
	assert_binomial(d->deaths[sea], 100000, 0.02);
	assert_binomial(d->interceptions, 100000, 0.3);
	assert_int_equal(d->deaths[sea] + d->interceptions + d->destination_arrivals, 100000);
	/* The intercepted are landed at the jail; a quarter keep trying. */
	int64_t onward = d->occupancy[jail * MF_INTENT_COUNT + MF_INTENT_ONWARD];
	int64_t going_home = d->occupancy[jail * MF_INTENT_COUNT + MF_INTENT_RETURN];
	assert_int_equal(onward + going_home, d->interceptions);
	assert_binomial(onward, (double)d->interceptions, 0.25);
	finish(&r);
}

static void insecurity_adds_hazard_on_adjacent_links(void **state)
{
	struct run r;
	start(&r,
	      PLACES_HEADER "a,A,Alpha,R,0,0,origin,0,0,1,test\n"
			    "b,B,Beta,R,0,1,destination,0,0,0.5,test\n",
	      LINKS_HEADER "a,b,road,1000,2,0,0,,,,,,no,test\n",
	      "name: insecure\nstart: 2024-01-01\ndays: 4\n"
	      "network: {places: places.csv, links: links.csv}\ndestination: b\n"
	      "parameters: {wait_days: {origin: 0}, insecurity_hazard: 0.02}\n"
	      "initial: [{place: a, intent: onward, persons: 100000}]\n");
	struct mf_error err = {0};
	int64_t deaths = 0;
	for (int day = 0; day < 4; day++) {
		assert_int_equal(mf_sim_step(r.sim, &err), MF_OK);
		deaths += mf_sim_day_counts(r.sim)->deaths[0];
	}
	/* 0.02 x (1 - 0.5) = 1 % a day, two days. */
	assert_binomial(deaths, 100000, 1 - pow(0.99, 2));
	finish(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(desert_deaths_accumulate_per_day),
		cmocka_unit_test(travel_days_derive_from_distance_and_speed),
		cmocka_unit_test(sea_crossing_ends_in_death_interception_or_arrival),
		cmocka_unit_test(insecurity_adds_hazard_on_adjacent_links),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
