/* The mechanisms of a state's collapse (issue 14), each against the closed
 * form of its distribution at a fixed seed: the state's presence scales
 * interception, fares and caps (state_retreat); kidnapping on desert
 * crossings; onward movement out of displacement rising with days in the
 * model and with the fall of the refuge's security (a hazard whose survival
 * is a product of daily chances, tested by chi-square); the logit over
 * refuges; the smoothed queue signal of a capped link in route choice.
 * Binomial counts are checked within 5 standard deviations. At their
 * defaults the mechanisms change nothing (test_mechanisms_off.py); the
 * queue signal, state carried from day to day, is checkpointed exactly. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"
#include "checkpoint.h"
#include "sahel/sahel.h"

#define N 100000

static void step(struct text_run *r)
{
	struct mf_error err = {0};
	char text[1024];
	if (mf_sim_step(r->sim, &err) != MF_OK || mf_sim_audit(r->sim, &err) != MF_OK)
		fail_msg("%s", mf_error_format(&err, text, sizeof(text)));
}

static void assert_binomial(int64_t observed, double n, double p)
{
	double sd = sqrt(n * p * (1 - p));
	if (fabs((double)observed - n * p) > 5 * sd + 1e-9)
		fail_msg("observed %lld, expected %.1f (n %.0f, p %.5f, sd %.1f)", (long long)observed,
			 n * p, n, p, sd);
}

static int place(const struct text_run *r, const char *id)
{
	int p = mf_graph_place_index(r->scenario->graph, id);
	assert_true(p >= 0);
	return p;
}

static int link_of(const struct text_run *r, const char *from, const char *to)
{
	int l = mf_graph_link_index(r->scenario->graph, place(r, from), place(r, to));
	assert_true(l >= 0);
	return l;
}

#define HEAD(name, days) \
	"name: " name "\nstart: 2024-01-01\ndays: " days "\n" \
	"network: {places: places.csv, links: links.csv}\ndestination: d\n"

/* The security of the coast a and of the desert town e falls from 1 to 0.5
 * on day 0. With state_retreat 1 the state's presence on the sea link
 * a -> d is 0.5: its interception 0.4 becomes 0.2. Kidnapping on the
 * desert link e -> d, 0.3 x (1 - 0.5) = 0.15 a crossing, sends people back
 * to e. At state_retreat 0 and no kidnapping: 0.4 and 0. */
static void state_retreat_scales_interception_and_kidnapping(void **state)
{
	static const char *places = PLACES_HEADER
		"a,A,Alpha,R,0,0,coast,0,0,1,test\n"
		"e,E,Alpha,R,1,0,origin,0,0,1,test\n"
		"d,D,Beta,R,0,1,destination,0,0,1,test\n";
	static const char *links = LINKS_HEADER
		"a,d,sea,300,2,0,0,0,0.4,,,,no,test\n"
		"e,d,desert,600,2,0,0,,,,,,no,test\n";
	for (int on = 0; on <= 1; on++) {
		char yaml[1024];
		snprintf(yaml, sizeof(yaml),
			 HEAD("retreat", "3")
			 "parameters: {wait_days: {origin: 0, coast: 0}, state_retreat: %d,\n"
			 "             kidnap_per_crossing: %g, retry_after_interception: 1}\n"
			 "initial: [{place: a, intent: onward, persons: %d},\n"
			 "          {place: e, intent: onward, persons: %d}]\n"
			 "events: [{date: 2024-01-01, kind: security, where: a, level: 0.5},\n"
			 "         {date: 2024-01-01, kind: security, where: e, level: 0.5}]\n",
			 on, on ? 0.3 : 0.0, N, N);
		struct text_run r;
		assert_true(text_run_start(&r, places, links, yaml, 5, 2));
		for (int day = 0; day < 3; day++)
			step(&r);
		/* Everyone crosses on day 0 and reaches the end on day 2. */
		const struct mf_day_counts *d = mf_sim_day_counts(r.sim);
		int64_t at_coast = d->occupancy[place(&r, "a") * MF_INTENT_COUNT + MF_INTENT_ONWARD];
		int64_t at_e = d->occupancy[place(&r, "e") * MF_INTENT_COUNT + MF_INTENT_ONWARD];
		int64_t sea = d->link_arrivals[link_of(&r, "a", "d")];
		int64_t desert = d->link_arrivals[link_of(&r, "e", "d")];
		double intercepted = on ? 0.2 : 0.4, kidnapped = on ? 0.15 : 0;
		assert_binomial(d->interceptions, N, intercepted);
		assert_int_equal(d->interceptions, at_coast);
		assert_int_equal(sea + at_coast, N);
		assert_binomial(at_e, N, kidnapped);
		assert_int_equal(desert + at_e, N);
		text_run_finish(&r);
	}
}

/* The state's presence divides a cap (1,000/day at presence 0.5: 2,000, so
 * Binomial(N, 0.02) enter on day 0) and scales the enforcement share of
 * fares: a -> b's 200 USD, half of it enforcement, costs 150 USD at presence
 * 0.5, 0.75 days at 0.005 days per USD, so a -> b is chosen over a -> c
 * with probability 1 / (1 + exp(0.75 / 0.5)). The armed groups' tax on both
 * links out of a (100 x (1 - 0.5)) cancels. */
static void state_retreat_lifts_caps_and_lowers_enforcement_fares(void **state)
{
	static const char *places = PLACES_HEADER
		"a,A,Alpha,R,0,0,origin,0,0,1,test\n"
		"b,B,Alpha,R,0,1,town,0,0,1,test\n"
		"c,C,Alpha,R,1,0,town,0,0,1,test\n"
		"e,E,Alpha,R,0,2,origin,0,0,1,test\n"
		"f,F,Alpha,R,1,2,town,0,0,1,test\n"
		"d,D,Beta,R,1,1,destination,0,0,1,test\n";
	static const char *links = LINKS_HEADER
		"a,b,road,100,1,200,0,0,0,,,,no,test\n"
		"a,c,road,100,1,0,0,0,0,,,,no,test\n"
		"b,d,road,100,1,0,0,0,0,,,,no,test\n"
		"c,d,road,100,1,0,0,0,0,,,,no,test\n"
		"e,f,road,100,1,0,0,0,0,,1000,,no,test\n"
		"f,d,road,100,1,0,0,0,0,,,,no,test\n";
	char yaml[1024];
	snprintf(yaml, sizeof(yaml),
		 HEAD("fares", "1")
		 "parameters: {wait_days: {origin: 0}, state_retreat: 1, enforcement_fare_share: 0.5,\n"
		 "             armed_group_tax_usd: 100}\n"
		 "initial: [{place: a, intent: onward, persons: %d}, {place: e, intent: onward, persons: %d}]\n"
		 "events: [{date: 2024-01-01, kind: security, where: a, level: 0.5},\n"
		 "         {date: 2024-01-01, kind: security, where: e, level: 0.5}]\n",
		 N, N);
	struct text_run r;
	assert_true(text_run_start(&r, places, links, yaml, 5, 2));
	step(&r);
	const struct mf_day_counts *d = mf_sim_day_counts(r.sim);
	int64_t ab = d->link_flow[link_of(&r, "a", "b")], ac = d->link_flow[link_of(&r, "a", "c")];
	assert_int_equal(ab + ac, N);
	assert_binomial(ab, N, 1 / (1 + exp(0.005 * 150 / 0.5)));
	assert_binomial(d->link_flow[link_of(&r, "e", "f")], N, 2000.0 / N);
	text_run_finish(&r);
}

/* Displaced people at their refuge r turn onward on day s (their age: they
 * were born on day 0) with chance h(s) = onward_insecurity_rate x fall +
 * onward_distress_rate x min(1, s / onward_distress_days); r's security
 * falls from 1 to 0.6 on day 0. Those who turned onward on day s are at r
 * with intent onward at the end of day s (they leave the next day, wait 0).
 * The daily counts against the closed form N S(s - 1) h(s), S(s) = prod
 * (1 - h), by chi-square over 30 days and the rest. */
static void onward_movement_rises_with_days_and_insecurity(void **state)
{
	static const char *places = PLACES_HEADER
		"r,R,Alpha,R,0,0,camp,0,0,1,test\n"
		"d,D,Beta,R,0,1,destination,0,0,1,test\n";
	static const char *links = LINKS_HEADER "r,d,road,100,1,0,0,0,0,,,,no,test\n";
	const double insecurity = 0.05, fall = 0.4, distress = 0.04, ramp = 8;
	char yaml[1024];
	snprintf(yaml, sizeof(yaml),
		 HEAD("distress", "30")
		 "parameters: {wait_days: {camp: 0}, onward_insecurity_rate: %g,\n"
		 "             onward_distress_rate: %g, onward_distress_days: %g}\n"
		 "initial: [{place: r, intent: displaced, persons: %d}]\n"
		 "events: [{date: 2024-01-01, kind: security, where: r, level: 0.6}]\n",
		 insecurity, distress, ramp, N);
	struct text_run r;
	assert_true(text_run_start(&r, places, links, yaml, 5, 2));
	int at = place(&r, "r") * MF_INTENT_COUNT;
	double survive = 1, chi2 = 0;
	int64_t left = N;
	for (int s = 0; s < 30; s++) {
		step(&r);
		const struct mf_day_counts *d = mf_sim_day_counts(r.sim);
		double h = insecurity * fall + distress * fmin(1, s / ramp);
		double expected = N * survive * h;
		survive *= 1 - h;
		int64_t turned = d->occupancy[at + MF_INTENT_ONWARD];
		left -= turned;
		assert_int_equal(d->occupancy[at + MF_INTENT_DISPLACED], left);
		chi2 += (turned - expected) * (turned - expected) / expected;
	}
	double rest = N * survive;
	chi2 += (left - rest) * (left - rest) / rest;
	/* 30 degrees of freedom: P(chi2 > 59.7) = 0.001. */
	if (chi2 > 59.7)
		fail_msg("chi-square %.1f over 30 degrees of freedom", chi2);
	text_run_finish(&r);
}

/* The group: displaced people at the refuge r from home ha (country Alpha,
 * onward_factor 1) turn onward with the daily chance h = 0.05 x fall 0.4,
 * those from hb (Beta, factor 0) never. After 20 days Binomial(N, 1 - (1 -
 * h)^20) of them have turned onward (a geometric time), all from ha. */
static void onward_movement_by_group(void **state)
{
	static const char *places = PLACES_HEADER
		"r,R,Alpha,R,0,0,camp,0,0,1,test\n"
		"ha,HA,Alpha,R,1,0,origin,0,0,0.1,test\n"
		"hb,HB,Beta,R,1,1,origin,0,0,0.1,test\n"
		"d,D,Gamma,R,0,1,destination,0,0,1,test\n";
	static const char *links = LINKS_HEADER
		"r,d,road,100,1,0,0,0,0,,,,no,test\n"
		"ha,r,road,100,1,0,0,0,0,,,,no,test\n"
		"hb,r,road,100,1,0,0,0,0,,,,no,test\n";
	char yaml[1024];
	snprintf(yaml, sizeof(yaml),
		 HEAD("group", "20")
		 "parameters: {wait_days: {camp: 0}, onward_insecurity_rate: 0.05,\n"
		 "             onward_factor: {Beta: 0, default: 1}}\n"
		 "initial: [{place: r, intent: displaced, persons: %d, homes: {ha: 1}},\n"
		 "          {place: r, intent: displaced, persons: %d, homes: {hb: 1}}]\n"
		 "events: [{date: 2024-01-01, kind: security, where: r, level: 0.6}]\n",
		 N, N);
	struct text_run r;
	assert_true(text_run_start(&r, places, links, yaml, 5, 2));
	int at = place(&r, "r") * MF_INTENT_COUNT;
	int64_t turned = 0;
	for (int day = 0; day < 20; day++) {
		step(&r);
		turned += mf_sim_day_counts(r.sim)->occupancy[at + MF_INTENT_ONWARD];
	}
	int64_t displaced = mf_sim_day_counts(r.sim)->occupancy[at + MF_INTENT_DISPLACED];
	assert_int_equal(turned + displaced, 2 * N);
	assert_binomial(turned, N, 1 - pow(1 - 0.05 * 0.4, 20));
	assert_true(displaced >= N);
	text_run_finish(&r);
}

/* Displacement from x (security 1 -> 0) to two refuges: r1 one day away,
 * r2 two days away and at security 0.8. With refuge_temperature 1 and
 * refuge_security_days 2 r2 costs 2 + 2 x 0.2 = 2.4 against 1, so it takes
 * a share 1 / (1 + exp(1.4)) of the displaced; at temperature 0 nobody. */
static void the_displaced_choose_among_refuges_by_logit(void **state)
{
	static const char *places = PLACES_HEADER
		"x,X,Alpha,R,0,0,town,1000000,0,1,test\n"
		"r1,R1,Alpha,R,0,1,camp,0,0,1,test\n"
		"r2,R2,Alpha,R,1,0,camp,0,0,0.8,test\n"
		"d,D,Beta,R,1,1,destination,0,0,1,test\n";
	static const char *links = LINKS_HEADER
		"x,r1,road,100,1,0,0,0,0,,,,no,test\n"
		"x,r2,road,100,2,0,0,0,0,,,,no,test\n"
		"r1,d,road,100,1,0,0,0,0,,,,no,test\n";
	for (int t = 0; t <= 1; t++) {
		char yaml[1024];
		snprintf(yaml, sizeof(yaml),
			 HEAD("refuges", "5")
			 "parameters: {wait_days: {town: 0}, insecurity_cost: 0, displacement_rate: 0.01,\n"
			 "             refuge_temperature: %d, refuge_security_days: 2}\n"
			 "events: [{date: 2024-01-01, kind: security, where: x, level: 0}]\n", t);
		struct text_run r;
		assert_true(text_run_start(&r, places, links, yaml, 5, 2));
		int64_t one = 0, two = 0;
		for (int day = 0; day < 5; day++) {
			step(&r);
			const struct mf_day_counts *d = mf_sim_day_counts(r.sim);
			one += d->link_flow[link_of(&r, "x", "r1")];
			two += d->link_flow[link_of(&r, "x", "r2")];
		}
		assert_true(one + two > 40000);
		if (t == 0)
			assert_int_equal(two, 0);
		else
			assert_binomial(two, (double)(one + two), 1 / (1 + exp(1.4)));
		text_run_finish(&r);
	}
}

/* a -> d is three days with a cap of 1,000 a day; a -> c -> d three days
 * and 200 USD (one day at 0.005 days per USD). The queue signal q of a -> d
 * starts at 0 and after each day becomes (1 - s) q + s (1 - 1000 /
 * requests); the next day a -> d costs queue_cost x q more, and the people
 * waiting at a take a -> c with probability 1 / (1 + exp((1 - queue_cost
 * q) / 0.5)): a share that rises day by day, not all at once. Each day's count is checked against
 * the binomial of that probability, given the previous days' counts. */
static const char *queue_places = PLACES_HEADER
	"a,A,Alpha,R,0,0,origin,0,0,1,test\n"
	"c,C,Alpha,R,1,0,town,0,0,1,test\n"
	"d,D,Beta,R,1,1,destination,0,0,1,test\n";
static const char *queue_links = LINKS_HEADER
	"a,d,road,100,3,0,0,0,0,,1000,,no,test\n"
	"a,c,road,100,1,200,0,0,0,,,,no,test\n"
	"c,d,road,100,2,0,0,0,0,,,,no,test\n";

static void queues_shift_route_choice_gradually(void **state)
{
	const char *places = queue_places, *links = queue_links;
	const double cost = 2, smoothing = 0.1;
	for (int on = 0; on <= 1; on++) {
		char yaml[1024];
		snprintf(yaml, sizeof(yaml),
			 HEAD("queues", "8")
			 "parameters: {wait_days: {origin: 0}, queue_cost: %g, queue_smoothing: %g}\n"
			 "initial: [{place: a, intent: onward, persons: %d}]\n",
			 on ? cost : 0, smoothing, N);
		struct text_run r;
		assert_true(text_run_start(&r, places, links, yaml, 5, 2));
		int short_way = link_of(&r, "a", "d"), long_way = link_of(&r, "a", "c");
		double q = 0, previous = 0;
		int64_t waiting = N;
		for (int day = 0; day < 8; day++) {
			step(&r);
			const struct mf_day_counts *d = mf_sim_day_counts(r.sim);
			double p = 1 / (1 + exp((1 - (on ? cost : 0) * q) / 0.5));
			int64_t longer = d->link_flow[long_way], shorter = d->link_flow[short_way];
			assert_binomial(longer, (double)waiting, p);
			assert_true(p >= previous && p < 0.5);
			if (on && day > 0)
				assert_true(p - previous < 0.1); /* gradual */
			previous = p;
			int64_t requests = waiting - longer;
			q = (1 - smoothing) * q + smoothing * fmax(0, 1 - 1000.0 / (double)requests);
			waiting -= longer + shorter;
		}
		if (!on)
			assert_true(previous == 1 / (1 + exp(2)));
		text_run_finish(&r);
	}
}

/* The queue signal is state carried from day to day (rules.queue in a
 * checkpoint): a run saved after day 3 and restored into a new simulation
 * goes on exactly as the uninterrupted run, day by day. */
static void the_queue_signal_is_checkpointed(void **state)
{
	char yaml[1024];
	snprintf(yaml, sizeof(yaml),
		 HEAD("queues", "8")
		 "parameters: {wait_days: {origin: 0}, queue_cost: 2, queue_smoothing: 0.1}\n"
		 "initial: [{place: a, intent: onward, persons: %d}]\n", N);
	struct text_run whole, first, second;
	assert_true(text_run_start(&whole, queue_places, queue_links, yaml, 5, 2));
	assert_true(text_run_start(&first, queue_places, queue_links, yaml, 5, 2));
	int64_t flow[8][3];
	for (int day = 0; day < 8; day++) {
		step(&whole);
		for (int l = 0; l < 3; l++)
			flow[day][l] = mf_sim_day_counts(whole.sim)->link_flow[l];
	}
	for (int day = 0; day < 4; day++)
		step(&first);
	char path[512];
	scratch_path(&first.scratch, "state.h5", path, sizeof(path));
	struct mf_error err = {0};
	struct mf_state_file *file = mf_state_file_create(path, &err);
	assert_non_null(file);
	assert_int_equal(mf_sim_save(first.sim, file, &err), MF_OK);
	assert_int_equal(mf_state_file_commit(file, &err), MF_OK);
	assert_true(text_run_start(&second, queue_places, queue_links, yaml, 5, 1));
	file = mf_state_file_open(path, &err);
	assert_non_null(file);
	assert_int_equal(mf_sim_restore(second.sim, file, false, &err), MF_OK);
	mf_state_file_close(file);
	assert_true(sahel_of(second.sim)->queue[0] > 0);
	for (int day = 4; day < 8; day++) {
		step(&second);
		for (int l = 0; l < 3; l++)
			assert_int_equal(mf_sim_day_counts(second.sim)->link_flow[l], flow[day][l]);
	}
	text_run_finish(&whole);
	text_run_finish(&first);
	text_run_finish(&second);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(state_retreat_scales_interception_and_kidnapping),
		cmocka_unit_test(state_retreat_lifts_caps_and_lowers_enforcement_fares),
		cmocka_unit_test(onward_movement_rises_with_days_and_insecurity),
		cmocka_unit_test(onward_movement_by_group),
		cmocka_unit_test(the_displaced_choose_among_refuges_by_logit),
		cmocka_unit_test(queues_shift_route_choice_gradually),
		cmocka_unit_test(the_queue_signal_is_checkpointed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
