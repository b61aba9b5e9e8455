/* Route weights: logit over next links that bring the agent closer to its
 * goal, with insecurity avoidance, closures and fares. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"
#include "sahel/sahel.h"

/* a -> b1 -> d and a -> b2 -> d (two days, then one); b2 is insecure (0.8). */
static const char *diamond_places = PLACES_HEADER
	"a,A,Alpha,R,0,0,origin,0,0,1,test\n"
	"b1,B1,Alpha,R,0,1,town,0,0,1,test\n"
	"b2,B2,Alpha,R,1,1,town,0,0,0.8,test\n"
	"d,D,Beta,R,1,2,destination,0,0,1,test\n"
	"x,X,Alpha,R,5,5,town,0,0,1,test\n";
static const char *diamond_links = LINKS_HEADER
	"a,b1,road,100,2,0,0,,,,,,yes,test\n"
	"a,b2,road,100,2,0,0,,,,,,yes,test\n"
	"b1,d,road,100,1,0,0,,,,,,yes,test\n"
	"b2,d,road,100,1,0,0,,,,,,yes,test\n";
static const char *diamond_yaml =
	"name: diamond\nstart: 2024-01-01\ndays: 10\n"
	"network: {places: places.csv, links: links.csv}\ndestination: d\n"
	"parameters: {insecurity_cost: 5, displaced_insecurity_factor: 3, route_temperature: 0.5,"
	" cost_per_death_risk: 0, cost_per_usd: 0}\n";

struct fixture {
	struct scratch scratch;
	struct mf_scenario *scenario;
	struct mf_sim *sim;
};

static struct fixture *make(const char *places, const char *links, const char *yaml)
{
	struct fixture *f = calloc(1, sizeof(*f));
	scratch_open(&f->scratch);
	f->scenario = scenario_from_text(&f->scratch, places, links, yaml);
	assert_non_null(f->scenario);
	struct mf_run_options options = {.seed = 1, .threads = 1};
	struct mf_error err = {0};
	f->sim = mf_sim_create(f->scenario, &options, &err);
	assert_non_null(f->sim);
	return f;
}

static void destroy(struct fixture *f)
{
	mf_sim_destroy(f->sim);
	mf_scenario_destroy(f->scenario);
	scratch_close(&f->scratch);
	free(f);
}

/* Probability of taking link from -> to when at `from`, heading for goal. */
static double probability(const struct fixture *f, enum mf_intent intent, const char *from,
			  const char *to, const char *goal)
{
	const struct mf_graph *g = f->scenario->graph;
	int p = mf_graph_place_index(g, from), q = mf_graph_place_index(g, to);
	int target = mf_graph_place_index(g, goal);
	const uint32_t *cum = sahel_of(f->sim)->route_cum + ((size_t)intent * g->n_places + target) * g->n_links;
	double previous = 0;
	for (int k = g->out_offset[p]; k < g->out_offset[p + 1]; k++) {
		double here = cum[k] == UINT32_MAX ? 1.0 : ldexp(cum[k], -32);
		if (g->links[g->out_links[k]].to == q)
			return here - previous;
		previous = here;
	}
	fail_msg("no link %s -> %s", from, to);
	return -1;
}

static void insecurity_is_avoided_by_logit(void **state)
{
	struct fixture *f = make(diamond_places, diamond_links, diamond_yaml);
	/* Insecurity is charged per travel day: 5 x (1 - 0.9) x (2 + 1 days)
	 * = 1.5 days more via b2; temperature 0.5. */
	double expected = 1 / (1 + exp(-1.5 / 0.5));
	assert_true(fabs(probability(f, MF_INTENT_ONWARD, "a", "b1", "d") - expected) < 1e-6);
	assert_true(fabs(probability(f, MF_INTENT_ONWARD, "a", "b2", "d") - (1 - expected)) < 1e-6);
	/* The displaced weigh insecurity three times more. */
	double displaced = 1 / (1 + exp(-4.5 / 0.5));
	assert_true(fabs(probability(f, MF_INTENT_DISPLACED, "a", "b1", "d") - displaced) < 1e-6);
	destroy(f);
}

static void routes_never_lead_away_from_the_goal(void **state)
{
	struct fixture *f = make(diamond_places, diamond_links, diamond_yaml);
	assert_true(probability(f, MF_INTENT_ONWARD, "b1", "a", "d") == 0);
	assert_true(probability(f, MF_INTENT_ONWARD, "b1", "d", "d") == 1);
	/* Heading home from d: back through b1 mostly. */
	assert_true(probability(f, MF_INTENT_RETURN, "d", "b1", "a") > 0.99);
	destroy(f);
}

static void detours_through_places_farther_from_the_goal_are_not_taken(void **state)
{
	/* b2 is now so insecure that from b2 the goal is farther than from a:
	 * a -> b2 would be a step away from the goal, which route choice never
	 * takes (so routes cannot cycle). */
	char places[512];
	snprintf(places, sizeof(places), "%s", diamond_places);
	char *level = strstr(places, "0.8,test");
	memcpy(level, "0.2", 3);
	struct fixture *f = make(places, diamond_links, diamond_yaml);
	assert_true(probability(f, MF_INTENT_ONWARD, "a", "b1", "d") == 1);
	assert_true(probability(f, MF_INTENT_ONWARD, "a", "b2", "d") == 0);
	destroy(f);
}

static void unreachable_goal_has_no_route(void **state)
{
	struct fixture *f = make(diamond_places, diamond_links, diamond_yaml);
	const struct mf_graph *g = f->scenario->graph;
	int x = mf_graph_place_index(g, "x"), a = mf_graph_place_index(g, "a");
	const uint32_t *cum = sahel_of(f->sim)->route_cum + ((size_t)MF_INTENT_ONWARD * g->n_places + x) * g->n_links;
	for (int k = g->out_offset[a]; k < g->out_offset[a + 1]; k++)
		assert_int_equal(cum[k], 0);
	assert_true(isinf(sahel_of(f->sim)->route_dist[((size_t)MF_INTENT_ONWARD * g->n_places + x) * g->n_places + a]));
	destroy(f);
}

static void closure_event_reroutes_on_its_day(void **state)
{
	char yaml[1024];
	snprintf(yaml, sizeof(yaml), "%s%s", diamond_yaml,
		 "events:\n  - {date: 2024-01-03, kind: closure, link: [a, b1]}\n"
		 "  - {date: 2024-01-05, kind: reopen, link: [a, b1]}\n");
	struct fixture *f = make(diamond_places, diamond_links, yaml);
	struct mf_error err = {0};
	for (int day = 0; day < 2; day++)
		assert_int_equal(mf_sim_step(f->sim, &err), MF_OK);
	assert_true(probability(f, MF_INTENT_ONWARD, "a", "b1", "d") > 0.9);
	assert_int_equal(mf_sim_step(f->sim, &err), MF_OK); /* day 2 = 2024-01-03 */
	assert_true(probability(f, MF_INTENT_ONWARD, "a", "b1", "d") == 0);
	assert_true(probability(f, MF_INTENT_ONWARD, "a", "b2", "d") == 1);
	assert_int_equal(mf_sim_step(f->sim, &err), MF_OK);
	assert_int_equal(mf_sim_step(f->sim, &err), MF_OK); /* day 4 = 2024-01-05 */
	assert_true(probability(f, MF_INTENT_ONWARD, "a", "b1", "d") > 0.9);
	destroy(f);
}

static void fares_and_days_enter_the_cost(void **state)
{
	const char *links = LINKS_HEADER
		"a,b1,road,100,1,400,0,,,,,,yes,test\n" /* 400 USD x 0.005 = 2 days */
		"a,b2,road,100,2,0,0,,,,,,yes,test\n"   /* one more day */
		"b1,d,road,100,1,0,0,,,,,,yes,test\n"
		"b2,d,road,100,1,0,0,,,,,,yes,test\n";
	const char *places = PLACES_HEADER
		"a,A,Alpha,R,0,0,origin,0,0,1,test\n"
		"b1,B1,Alpha,R,0,1,town,0,0,1,test\n"
		"b2,B2,Alpha,R,1,1,town,0,0,1,test\n"
		"d,D,Beta,R,1,2,destination,0,0,1,test\n";
	const char *yaml = "name: fares\nstart: 2024-01-01\ndays: 10\n"
			   "network: {places: places.csv, links: links.csv}\ndestination: d\n"
			   "parameters: {cost_per_usd: 0.005, route_temperature: 1}\n";
	struct fixture *f = make(places, links, yaml);
	/* Cost via b1: 1 + 2 + 1 = 4 days; via b2: 2 + 1 = 3 days. */
	double expected = 1 / (1 + exp(-1.0));
	assert_true(fabs(probability(f, MF_INTENT_ONWARD, "a", "b2", "d") - expected) < 1e-6);
	destroy(f);
}

/* mf_route_rank reads up to ROUTE_READ_AHEAD thresholds at once, past the
 * place's own: at every degree from 0 to past that width, with thresholds
 * that repeat, reach UINT32_MAX and sit on either side of 2^31, and with
 * larger and smaller ones after the degree, it counts what the definition
 * counts: the thresholds at or below v. */
static void the_route_rank_counts_the_thresholds_at_or_below_the_draw(void **state)
{
	(void)state;
	enum { WIDTH = ROUTE_READ_AHEAD + 5 };
	static const uint32_t rows[][WIDTH + ROUTE_READ_AHEAD] = {
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 0, 0, 0, 0, 0, 0},
		{100, 100, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, UINT32_MAX, UINT32_MAX,
		 UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, 5, 5, 5, 5, 5, 5, 5, 5},
		{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, UINT32_MAX, UINT32_MAX, UINT32_MAX,
		 UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX},
		{UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX,
		 UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, 0, 0, 0, 0,
		 0, 0, 0, 0},
	};
	static const uint32_t draws[] = {0, 1, 2, 7, 99, 100, 101, 0x7ffffffe, 0x7fffffff,
					 0x80000000, 0x80000001, 0xfffffffd, 0xfffffffe, UINT32_MAX};
	int checked = 0;
	for (size_t r = 0; r < sizeof(rows) / sizeof(*rows); r++)
		for (int degree = 0; degree <= WIDTH; degree++)
			for (int start = 0; start + degree <= WIDTH; start++)
				for (size_t d = 0; d < sizeof(draws) / sizeof(*draws); d++) {
					const uint32_t *cum = rows[r] + start;
					int expected = 0;
					for (int k = 0; k < degree; k++)
						expected += draws[d] >= cum[k];
					assert_int_equal(mf_route_rank(cum, degree, draws[d]), expected);
					checked++;
				}
	assert_int_equal(checked, 4 * 105 * 14);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_route_rank_counts_the_thresholds_at_or_below_the_draw),
		cmocka_unit_test(insecurity_is_avoided_by_logit),
		cmocka_unit_test(routes_never_lead_away_from_the_goal),
		cmocka_unit_test(detours_through_places_farther_from_the_goal_are_not_taken),
		cmocka_unit_test(unreachable_goal_has_no_route),
		cmocka_unit_test(closure_event_reroutes_on_its_day),
		cmocka_unit_test(fares_and_days_enter_the_cost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
