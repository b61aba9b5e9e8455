/* Capacity-limited links accept requests with probability capacity /
 * requests, each agent by its own draw; convoys leave on their weekday. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"

static const char *places = PLACES_HEADER
	"a,A,Alpha,R,0,0,origin,0,0,1,test\n"
	"b,B,Beta,R,0,1,destination,0,0,1,test\n";

static void start(struct text_run *r, const char *links, const char *yaml, int threads)
{
	assert_true(text_run_start(r, places, links, yaml, 5, threads));
}

static const char *yaml_20000 =
	"name: capacity\nstart: 2024-01-01\ndays: 5\n"
	"network: {places: places.csv, links: links.csv}\ndestination: b\n"
	"parameters: {wait_days: {origin: 0}}\n"
	"initial: [{place: a, intent: onward, persons: 20000}]\n";

static void requests_over_capacity_are_thinned(void **state)
{
	struct text_run r;
	start(&r, LINKS_HEADER "a,b,road,100,1,0,0,,,,1000,,no,test\n", yaml_20000, 2);
	struct mf_error err = {0};
	int64_t waiting = 20000;
	for (int day = 0; day < 5; day++) {
		assert_int_equal(mf_sim_step(r.sim, &err), MF_OK);
		const struct mf_day_counts *d = mf_sim_day_counts(r.sim);
		double p = 1000.0 / (double)waiting;
		double sd = sqrt((double)waiting * p * (1 - p));
		assert_true(fabs((double)d->link_flow[0] - 1000) <= 5 * sd);
		/* The rejected stay where they are. */
		waiting -= d->link_flow[0];
		assert_int_equal(d->occupancy[0 * MF_INTENT_COUNT + MF_INTENT_ONWARD], waiting);
	}
	text_run_finish(&r);
}

static void requests_under_capacity_all_go(void **state)
{
	struct text_run r;
	start(&r, LINKS_HEADER "a,b,road,100,1,0,0,,,,50000,,no,test\n", yaml_20000, 2);
	struct mf_error err = {0};
	assert_int_equal(mf_sim_step(r.sim, &err), MF_OK);
	assert_int_equal(mf_sim_day_counts(r.sim)->link_flow[0], 20000);
	text_run_finish(&r);
}

static void acceptance_is_the_same_for_any_thread_count(void **state)
{
	int64_t flows[2][5];
	for (int run = 0; run < 2; run++) {
		struct text_run r;
		start(&r, LINKS_HEADER "a,b,road,100,1,0,0,,,,1000,,no,test\n", yaml_20000, run ? 2 : 1);
		struct mf_error err = {0};
		for (int day = 0; day < 5; day++) {
			assert_int_equal(mf_sim_step(r.sim, &err), MF_OK);
			flows[run][day] = mf_sim_day_counts(r.sim)->link_flow[0];
		}
		text_run_finish(&r);
	}
	assert_memory_equal(flows[0], flows[1], sizeof(flows[0]));
}

static void convoys_leave_on_their_weekday(void **state)
{
	struct text_run r;
	/* 2024-01-03 is a Wednesday; the first Monday is day 5. */
	start(&r, LINKS_HEADER "a,b,desert,600,2,0,0,,,,,mon,no,test\n",
	      "name: convoy\nstart: 2024-01-03\ndays: 14\n"
	      "network: {places: places.csv, links: links.csv}\ndestination: b\n"
	      "parameters: {wait_days: {origin: 0}}\n"
	      "initial: [{place: a, intent: onward, persons: 5000}]\n"
	      "sources: [{place: a, intent: onward, rate: 100}]\n",
	      2);
	struct mf_error err = {0};
	int64_t departed = 0;
	for (int day = 0; day < 14; day++) {
		assert_int_equal(mf_sim_step(r.sim, &err), MF_OK);
		int64_t flow = mf_sim_day_counts(r.sim)->link_flow[0];
		if (day == 5 || day == 12)
			assert_true(flow > 0);
		else
			assert_int_equal(flow, 0);
		departed += flow;
	}
	struct mf_totals t;
	mf_sim_totals(r.sim, &t);
	/* Everyone who was waiting on a Monday left on it (wait_days 0). */
	assert_true(departed >= 5000);
	text_run_finish(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(requests_over_capacity_are_thinned),
		cmocka_unit_test(requests_under_capacity_all_go),
		cmocka_unit_test(acceptance_is_the_same_for_any_thread_count),
		cmocka_unit_test(convoys_leave_on_their_weekday),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
