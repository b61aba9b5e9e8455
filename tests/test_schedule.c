/* Scheduled decisions (src/world.h): an agent at a place draws its next
 * decision day once, from the geometric distribution of a bound H of its
 * daily chances, instead of drawing every day. These tests check that the
 * days come out with the daily probabilities of the model: stays at a goal
 * and waits on the way shrink geometrically, day by day, and a convoy
 * event that changes the bound reschedules those already waiting. Every
 * day the counts kept by changes are checked against a recount of the
 * agent store (mf_sim_audit). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"
#include "sahel/sahel.h"

static const char *places = PLACES_HEADER
	"home,Home,Alpha,R,0,0,origin,0,0,1,test\n"
	"work,Work,Beta,R,0,1,town,0,0,1,test\n"
	"far,Far,Beta,R,0,2,destination,0,0,1,test\n";

static const char *links = LINKS_HEADER
	"work,home,road,100,1,0,0,,,,,,no,test\n"
	"home,far,road,100,1,0,0,,,,,,no,test\n";

static void start(struct text_run *r, const char *yaml, int threads)
{
	assert_true(text_run_start(r, places, links, yaml, 11, threads));
}

static void step(struct text_run *r)
{
	struct mf_error err = {0};
	char text[1024];
	if (mf_sim_step(r->sim, &err) != MF_OK || mf_sim_audit(r->sim, &err) != MF_OK)
		fail_msg("%s", mf_error_format(&err, text, sizeof(text)));
}

/* |observed - n p| within 5 standard deviations of Binomial(n, p). */
static void assert_binomial(int64_t observed, double n, double p)
{
	double sd = sqrt(n * p * (1 - p));
	if (fabs((double)observed - n * p) > 5 * sd + 1e-9)
		fail_msg("observed %lld, expected %.1f (n %.0f, p %.5f, sd %.1f)", (long long)observed,
			 n * p, n, p, sd);
}

/* Circular migrants at their goal end their stay with probability
 * 1 / (1 + stay_days) each day, the first chance on the day they appear:
 * after day t, Binomial(N, (1 - h)^(t + 1)) of them are still there. */
static void stays_at_the_goal_end_geometrically(void **state)
{
	for (int threads = 1; threads <= 2; threads++) {
		struct text_run r;
		start(&r,
		      "name: stay\nstart: 2024-01-01\ndays: 40\n"
		      "network: {places: places.csv, links: links.csv}\ndestination: far\n"
		      "parameters: {stay_days: {Beta: 9, default: 9}, wait_days: {town: 100000}}\n"
		      "initial: [{place: work, intent: circular, persons: 100000, homes: {home: 1}}]\n",
		      threads);
		const double n = 100000, h = 0.1;
		int work = 1;
		for (int day = 0; day < 40; day++) {
			step(&r);
			const struct mf_day_counts *d = mf_sim_day_counts(r.sim);
			assert_binomial(d->occupancy[work * MF_INTENT_COUNT + MF_INTENT_CIRCULAR], n,
					pow(1 - h, day + 1));
		}
		text_run_finish(&r);
	}
}

/* Onward migrants waiting on their way leave with probability
 * 1 / (1 + wait_days) each day: Binomial(N, (1 - l)^(t + 1)) still wait. */
static void waits_on_the_way_end_geometrically(void **state)
{
	struct text_run r;
	start(&r,
	      "name: wait\nstart: 2024-01-01\ndays: 30\n"
	      "network: {places: places.csv, links: links.csv}\ndestination: far\n"
	      "parameters: {wait_days: {origin: {onward: 4}}}\n"
	      "initial: [{place: home, intent: onward, persons: 100000, homes: {home: 1}}]\n",
	      2);
	const double n = 100000, leave = 0.2;
	int home = 0;
	for (int day = 0; day < 30; day++) {
		step(&r);
		const struct mf_day_counts *d = mf_sim_day_counts(r.sim);
		assert_binomial(d->occupancy[home * MF_INTENT_COUNT + MF_INTENT_ONWARD], n, pow(1 - leave, day + 1));
	}
	text_run_finish(&r);
}

/* The link out of `home` turns into a Monday convoy on day 10 (2024-01-11,
 * a Thursday) and back to daily departures on day 24. A convoy raises the
 * bound of those waiting from the daily chance l to a week's chance
 * 1 - (1 - l)^7, and daily departures lower it again: the agents already
 * waiting are rescheduled both times, so each day's departures are
 * Binomial(waiting, chance of that day) throughout. */
static void a_convoy_event_reschedules_the_waiting(void **state)
{
	struct text_run r;
	start(&r,
	      "name: convoy\nstart: 2024-01-01\ndays: 40\n"
	      "network: {places: places.csv, links: links.csv}\ndestination: far\n"
	      "parameters: {wait_days: {origin: {onward: 20}}}\n"
	      "initial: [{place: home, intent: onward, persons: 200000, homes: {home: 1}}]\n"
	      "events:\n"
	      "  - {date: 2024-01-11, kind: convoy, link: [home, far], departs: mon}\n"
	      "  - {date: 2024-01-25, kind: convoy, link: [home, far], departs: daily}\n",
	      2);
	const double daily = 1.0 / 21, weekly = 1 - pow(1 - daily, 7);
	int home = 0, road = 1, mondays = 0;
	double waiting = 200000;
	for (int day = 0; day < 40; day++) {
		step(&r);
		const struct mf_day_counts *d = mf_sim_day_counts(r.sim);
		bool convoy = day >= 10 && day < 24;
		bool monday = (day - 7) % 7 == 0; /* 2024-01-08 is a Monday */
		double p = !convoy ? daily : monday ? weekly : 0;
		mondays += convoy && monday;
		assert_binomial(d->link_flow[road], waiting, p);
		waiting = (double)d->occupancy[home * MF_INTENT_COUNT + MF_INTENT_ONWARD];
	}
	assert_int_equal(mondays, 2);
	text_run_finish(&r);
}

/* `parameter` events change a model parameter mid-run: the mean wait of
 * onward migrants at their origin drops from 20 days to 4 on day 10 and goes
 * back to 20 on day 20. Those already waiting are rescheduled both times, so
 * each day's departures are Binomial(waiting, 1 / (1 + wait)) throughout. */
static void a_parameter_event_changes_the_daily_chances(void **state)
{
	struct text_run r;
	start(&r,
	      "name: parameter\nstart: 2024-01-01\ndays: 30\n"
	      "network: {places: places.csv, links: links.csv}\ndestination: far\n"
	      "parameters: {wait_days: {origin: {onward: 20}}}\n"
	      "initial: [{place: home, intent: onward, persons: 200000, homes: {home: 1}}]\n"
	      "events:\n"
	      "  - {date: 2024-01-11, kind: parameter, name: wait_days.origin.onward, value: 4}\n"
	      "  - {date: 2024-01-21, kind: parameter, name: wait_days.origin, value: 20}\n",
	      2);
	int home = 0, road = 1;
	double waiting = 200000;
	for (int day = 0; day < 30; day++) {
		step(&r);
		const struct mf_day_counts *d = mf_sim_day_counts(r.sim);
		assert_binomial(d->link_flow[road], waiting, day >= 10 && day < 20 ? 0.2 : 1.0 / 21);
		waiting = (double)d->occupancy[home * MF_INTENT_COUNT + MF_INTENT_ONWARD];
	}
	assert_true(r.sim->params.wait_days[MF_PLACE_ORIGIN][MF_INTENT_ONWARD] == 20);
	assert_true(r.scenario->params.wait_days[MF_PLACE_ORIGIN][MF_INTENT_ONWARD] == 20);
	text_run_finish(&r);
}

/* People living at a place whose security falls flee like its residents:
 * each day with probability displacement_rate x (starting level - level).
 * A camp falls from 1 to 0.2 on day 5 (displacement_rate 0.01: 0.008 a day).
 * Refugees living there head for the nearest refuge (the town); circular
 * migrants working there go home, their home being safe. Nobody leaves
 * before the fall; after it, Binomial(N, 0.992^(t - 4)) still live there. */
static void people_living_at_a_falling_place_flee(void **state)
{
	static const char *camp_places = PLACES_HEADER
		"home,Home,Alpha,R,0,0,origin,0,0,0.2,test\n"
		"work_home,Work home,Alpha,R,0,1,origin,0,0,1,test\n"
		"camp,Camp,Beta,R,1,0,camp,0,0,1,test\n"
		"town,Town,Beta,R,1,1,town,0,0,1,test\n"
		"far,Far,Gamma,R,2,2,destination,0,0,1,test\n";
	static const char *camp_links = LINKS_HEADER
		"camp,town,road,100,1,0,0,,,,,,yes,test\n"
		"camp,work_home,road,300,3,0,0,,,,,,yes,test\n"
		"home,camp,road,100,1,0,0,,,,,,yes,test\n"
		"town,far,road,100,1,0,0,,,,,,no,test\n";
	struct text_run r;
	assert_true(text_run_start(&r, camp_places, camp_links,
		"name: flight\nstart: 2024-01-01\ndays: 40\n"
		"network: {places: places.csv, links: links.csv}\ndestination: far\n"
		"parameters: {displacement_rate: 0.01, stay_days: {default: 100000}}\n"
		"initial:\n"
		"  - {place: camp, intent: displaced, persons: 100000, homes: {home: 1}}\n"
		"  - {place: camp, intent: circular, persons: 50000, homes: {work_home: 1}}\n"
		"events:\n"
		"  - {date: 2024-01-06, kind: security, where: camp, level: 0.2}\n",
		11, 2));
	const struct mf_agents *a = &sahel_of(r.sim)->agents;
	int camp = 2, town = 3, work_home = 1;
	double stay = 1 - 1 / (1 + 100000.0), live = 1 - 0.01 * 0.8;
	for (int day = 0; day < 40; day++) {
		step(&r);
		int64_t refugees = 0, workers = 0, to_refuge = 0, going_home = 0, other = 0;
		for (int64_t i = 0; i < r.sim->store.n; i++) {
			if (a->state[i] >= AGENT_ARRIVED)
				continue;
			bool at_camp = a->state[i] == AGENT_AT_PLACE && a->loc[i] == camp && a->goal[i] == camp;
			if (at_camp && a->intent[i] == MF_INTENT_DISPLACED)
				refugees++;
			else if (at_camp && a->intent[i] == MF_INTENT_CIRCULAR)
				workers++;
			else if (a->intent[i] == MF_INTENT_DISPLACED && a->goal[i] == town)
				to_refuge++;
			else if (a->intent[i] == MF_INTENT_RETURN && a->goal[i] == work_home)
				going_home++;
			else
				other++;
		}
		if (day < 5) {
			assert_int_equal(refugees, 100000);
			assert_int_equal(to_refuge, 0);
		} else {
			assert_binomial(refugees, 100000, pow(live, day - 4));
		}
		/* Workers: their stays end (rarely) before the fall; after it, the
		 * flight's chance covers the stay's (one draw, nested thresholds). */
		assert_binomial(workers, 50000, pow(stay, day < 5 ? day + 1 : 5) * pow(live, day < 5 ? 0 : day - 4));
		assert_int_equal(refugees + to_refuge, 100000);
		assert_int_equal(other, 0);
		if (day == 39)
			assert_true(going_home > 0 && to_refuge > 10000);
	}
	text_run_finish(&r);
}

/* The decision day's draw (sahel.h) against its definition: G is the
 * smallest k >= 1 with u > (1 - p)^k, where u = ((bits >> 11) + 1) 2^-53.
 * Where p >= 1/4 the draw compares its first four terms without a branch and
 * takes the logarithm only beyond; here every k is found by powers, one by
 * one, for seven chances from 1/4 up and one below (where the logarithm
 * alone decides): a million draws each from day 0, every 97th of them from
 * day 100 and from day 59996, next to the last day (60000 is never). */
static void the_decision_day_is_the_first_day_its_draw_clears(void **state)
{
	(void)state;
	const double chances[] = { 0.25, 0.3, 0.5, 0.63, 0.75, 0.9, 0.999, 0.2 };
	const int days[] = { 0, 100, 59996 };
	long checked = 0, beyond_four = 0;
	for (size_t c = 0; c < sizeof(chances) / sizeof(chances[0]); c++) {
		uint32_t hazard = mf_rng_threshold(chances[c]);
		double p = (double)hazard * 0x1.0p-32, gap = 1 / log(1 - p);
		for (size_t d = 0; d < sizeof(days) / sizeof(days[0]); d++)
			for (uint64_t n = 0; n < 1000000; n += d == 0 ? 1 : 97) {
				uint64_t bits = mf_rng_bits(UINT64_C(0xdec1de) + c, n);
				double u = (double)((bits >> 11) + 1) * 0x1.0p-53;
				int k = 1;
				while (!(u > pow(1 - p, k)))
					k++;
				int expected = days[d] + k < 60000 ? days[d] + k : UINT16_MAX;
				assert_int_equal(mf_decision_day(bits, hazard, gap, days[d]), expected);
				checked++;
				beyond_four += k > 4;
			}
	}
	print_message("# %ld draws, %ld of them beyond the fourth day\n", checked, beyond_four);
	assert_true(beyond_four > 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stays_at_the_goal_end_geometrically),
		cmocka_unit_test(waits_on_the_way_end_geometrically),
		cmocka_unit_test(a_convoy_event_reschedules_the_waiting),
		cmocka_unit_test(a_parameter_event_changes_the_daily_chances),
		cmocka_unit_test(people_living_at_a_falling_place_flee),
		cmocka_unit_test(the_decision_day_is_the_first_day_its_draw_clears),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
