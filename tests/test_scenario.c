/* Tests of the scenario reader on valid scenarios: the small test scenario
 * read back in full, a minimal one, every event kind, policies, the resolved
 * text loaded again, long directory names and the files events name. Bad
 * scenarios are in test_scenario_errors.c, extends chains in
 * test_scenario_extends.c. */
/* realpath(3), in scenario_fixture.h */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "migflow/date.h"
#include "migflow/scenario.h"
#include "scenario_fixture.h"

static struct mf_scenario *load_small(void **state)
{
	struct scratch *s = *state;
	char path[PATH_SIZE];
	snprintf(path, sizeof(path), "%s/scenario.yaml", s->data);
	struct mf_error err = {0};
	struct mf_scenario *scenario = mf_scenario_load(path, &err);
	if (!scenario) {
		char text[1024];
		fail_msg("small scenario failed to load: %s", mf_error_format(&err, text, sizeof(text)));
	}
	return scenario;
}

static int place(const struct mf_scenario *s, const char *id)
{
	int index = mf_graph_place_index(s->graph, id);
	if (index < 0)
		fail_msg("no place '%s'", id);
	return index;
}

static int link_of(const struct mf_scenario *s, const char *from, const char *to)
{
	return mf_graph_link_index(s->graph, place(s, from), place(s, to));
}

static void test_small_top(void **state)
{
	struct mf_scenario *s = load_small(state);
	assert_string_equal(s->name, "small");
	assert_non_null(s->description);
	assert_non_null(strstr(s->description, "Small test world"));
	int start;
	assert_true(mf_date_parse("2024-01-01", &start));
	assert_int_equal(s->start, start);
	assert_int_equal(s->days, 120);
	assert_int_equal(s->report_from, 14);
	assert_true(s->seed == 42);
	assert_int_equal(s->agent_scale, 1);
	assert_non_null(s->graph);
	assert_int_equal(s->graph->n_places, 10);
	assert_int_equal(s->destination, place(s, "island"));
	assert_int_equal(s->n_sources, 2);
	assert_int_equal(s->n_initial, 2);
	assert_int_equal(s->n_monitors, 2);
	assert_int_equal(s->n_expulsions, 1);
	assert_int_equal(s->n_events, 4);
	assert_non_null(s->resolved_text);
	assert_non_null(strstr(s->resolved_text, "name: small"));
	assert_non_null(strstr(s->path, "scenario.yaml"));
	mf_scenario_destroy(s);
	mf_scenario_destroy(NULL);
}

static void test_small_parameters(void **state)
{
	struct mf_scenario *s = load_small(state);
	const struct mf_parameters *p = &s->params;
	assert_true(p->wait_days[MF_PLACE_HUB][MF_INTENT_CIRCULAR] == 4);
	assert_true(p->wait_days[MF_PLACE_HUB][MF_INTENT_ONWARD] == 6);
	assert_true(p->wait_days[MF_PLACE_HUB][MF_INTENT_DISPLACED] == 1);
	assert_true(p->wait_days[MF_PLACE_HUB][MF_INTENT_RETURN] == 2);
	assert_true(p->wait_days[MF_PLACE_COAST][MF_INTENT_DISPLACED] == 1);
	assert_true(p->wait_days[MF_PLACE_COAST][MF_INTENT_ONWARD] == 20);
	for (int i = 0; i < MF_INTENT_COUNT; i++) {
		assert_true(p->wait_days[MF_PLACE_DETENTION][i] == 10);
		assert_true(p->wait_days[MF_PLACE_ORIGIN][i] == 0);
		assert_true(p->wait_days[MF_PLACE_TOWN][i] == 1); /* the default */
	}
	const struct mf_graph *g = s->graph;
	assert_true(p->stay_days_by_country[mf_graph_country_index(g, "Beta")] == 60);
	assert_true(p->stay_days_by_country[mf_graph_country_index(g, "Gamma")] == 30);
	assert_true(p->stay_days_by_country[mf_graph_country_index(g, "Alpha")] == 20);
	assert_true(p->stay_days_by_country[mf_graph_country_index(g, "Delta")] == 20);
	assert_true(p->default_stay_days == 20);
	assert_true(p->displacement_rate == 0.0005);
	assert_true(p->displaced_onward_per_day == 0.002);
	assert_true(p->displaced_return_per_day == 0.01);
	assert_true(p->insecurity_hazard == 0.0005);
	assert_true(p->retry_after_interception == 0.5);
	/* Not in the file: the defaults. */
	assert_true(p->speed_km_per_day[MF_MODE_ROAD] == 500);
	assert_true(p->route_temperature == 0.5);
	assert_true(p->safe_security == 0.6);
	mf_scenario_destroy(s);
}

static void test_small_sources_and_initial(void **state)
{
	struct mf_scenario *s = load_small(state);
	const struct mf_source *circular = &s->sources[0], *onward = &s->sources[1];
	assert_int_equal(circular->place, place(s, "home"));
	assert_int_equal(circular->intent, MF_INTENT_CIRCULAR);
	assert_true(circular->rate == 300);
	assert_int_equal(circular->goals.n, 2);
	assert_int_equal(circular->goals.place[0], place(s, "work"));
	assert_true(circular->goals.weight[0] == 2);
	assert_int_equal(circular->goals.place[1], place(s, "mine"));
	assert_true(circular->goals.weight[1] == 1);
	assert_true(circular->season[0] == 1.2 && circular->season[5] == 0.8 &&
		    circular->season[11] == 1.1);
	assert_int_equal(circular->line, 26);
	assert_int_equal(circular->column, 5);
	/* An onward source without goals heads for the destination. */
	assert_int_equal(onward->intent, MF_INTENT_ONWARD);
	assert_true(onward->rate == 100);
	assert_int_equal(onward->goals.n, 1);
	assert_int_equal(onward->goals.place[0], s->destination);
	assert_true(onward->goals.weight[0] > 0);
	for (int m = 0; m < 12; m++)
		assert_true(onward->season[m] == 1);

	assert_int_equal(s->initial[0].place, place(s, "work"));
	assert_int_equal(s->initial[0].intent, MF_INTENT_CIRCULAR);
	assert_true(s->initial[0].persons == 3000);
	assert_int_equal(s->initial[0].homes.n, 1);
	assert_int_equal(s->initial[0].homes.place[0], place(s, "home"));
	assert_int_equal(s->initial[1].place, place(s, "coast"));
	assert_int_equal(s->initial[1].intent, MF_INTENT_ONWARD);
	assert_true(s->initial[1].persons == 1000);

	assert_int_equal(s->expulsions[0].from, place(s, "mine"));
	assert_int_equal(s->expulsions[0].to, place(s, "post"));
	assert_true(s->expulsions[0].daily_probability == 0.01);
	assert_true(s->expulsions[0].retry_share == 0.2);
	mf_scenario_destroy(s);
}

static void test_small_monitors(void **state)
{
	struct mf_scenario *s = load_small(state);
	const struct mf_graph *g = s->graph;
	const struct mf_monitor *post = &s->monitors[0], *road = &s->monitors[1];
	assert_string_equal(post->name, "Post");
	/* Every link arriving at post: hub -> post and work -> post. */
	int arriving = 0;
	for (int l = 0; l < g->n_links; l++)
		arriving += g->links[l].to == place(s, "post");
	assert_int_equal(arriving, 2);
	assert_int_equal(post->n_links, arriving);
	for (int k = 0; k < post->n_links; k++)
		assert_int_equal(g->links[post->links[k]].to, place(s, "post"));
	assert_true(post->links[0] != post->links[1]);
	assert_int_equal(post->country, g->places[place(s, "post")].country_index);
	for (int d = 0; d < MF_DIR_COUNT; d++)
		assert_true(post->count_direction[d]);

	assert_string_equal(road->name, "Hub road");
	assert_int_equal(road->n_links, 2);
	assert_int_equal(road->links[0], link_of(s, "home", "hub"));
	assert_int_equal(road->links[1], link_of(s, "hub", "home"));
	assert_string_equal(mf_intent_name(MF_INTENT_DISPLACED), "displaced");
	assert_string_equal(mf_direction_name(MF_DIR_OUTBOUND), "outbound");
	mf_scenario_destroy(s);
}

static void test_small_events(void **state)
{
	struct mf_scenario *s = load_small(state);
	/* Sorted by day, whatever their order in the file. */
	for (int i = 1; i < s->n_events; i++)
		assert_true(s->events[i - 1].day <= s->events[i].day);
	const struct mf_event *e = s->events;
	assert_int_equal(e[0].kind, MF_EVENT_SECURITY);
	assert_int_equal(e[0].day, 31); /* 2024-02-01 */
	assert_int_equal(e[0].n_places, 1);
	assert_int_equal(e[0].places[0], place(s, "unrest"));
	assert_true(e[0].value == 0.1);
	assert_int_equal(e[0].ramp_days, 10);
	assert_int_equal(e[1].kind, MF_EVENT_SOURCE_RATE);
	assert_int_equal(e[1].day, 45); /* 2024-02-15 */
	assert_int_equal(e[1].source_place, place(s, "home"));
	assert_int_equal(e[1].source_intent, MF_INTENT_ONWARD);
	assert_true(e[1].value == 2);
	assert_int_equal(e[1].line, 65);
	assert_int_equal(e[1].column, 5);
	assert_int_equal(e[2].kind, MF_EVENT_CLOSURE);
	assert_int_equal(e[2].day, 60); /* 2024-03-01 */
	assert_int_equal(e[2].n_links, 1);
	assert_int_equal(e[2].links[0], link_of(s, "work", "coast"));
	assert_int_equal(e[3].kind, MF_EVENT_REOPEN);
	assert_int_equal(e[3].day, 74); /* 2024-03-15 */
	assert_int_equal(e[3].links[0], link_of(s, "work", "coast"));
	mf_scenario_destroy(s);
}

static void test_minimal_scenario(void **state)
{
	char path[PATH_SIZE];
	write_scenario(state,
		       "# comments first\n"
		       HEAD
		       "end: 2024-03-01\n",
		       path);
	struct mf_error err = {0};
	struct mf_scenario *s = mf_scenario_load(path, &err);
	assert_null(s);
	check_error(path, &err, 7, 6, "end", "not both");

	write_scenario(state,
		       "name: minimal\n"
		       "start: 2024-02-28\n"
		       "end: 2024-03-01\n"
		       "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\n"
		       "destination: island\n",
		       path);
	s = mf_scenario_load(path, &err);
	if (!s) {
		char text[1024];
		fail_msg("%s", mf_error_format(&err, text, sizeof(text)));
	}
	assert_int_equal(s->days, 3); /* a leap year: 28, 29 February, 1 March */
	assert_true(s->seed == 1);
	assert_int_equal(s->report_from, 0);
	assert_int_equal(s->n_sources + s->n_initial + s->n_monitors + s->n_events, 0);
	assert_true(s->params.stay_days_by_country[0] == s->params.default_stay_days);
	mf_scenario_destroy(s);
}

/* Every kind of event, written in one scenario on one day (so that they
 * keep their file order), with the links each selector picks in the small
 * network: Alpha = home, unrest, hub, post, camp; Beta = work, coast,
 * jail; Gamma = mine; Delta = island. Regions: South = home, camp, mine. */
static const char *const all_kinds_yaml =
	"name: kinds\nstart: 2024-01-01\ndays: 100\n"
	"network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\n"
	"destination: island\n"
	"sources:\n"
	"  - {place: home, intent: onward, rate: 10}\n"
	"  - {place: home, intent: circular, rate: 5, goals: {work: 1}}\n"
	"initial:\n"
	"  - {place: work, intent: circular, persons: 30, homes: {home: 1}}\n"
	"monitoring:\n"
	"  - {name: Post, place: post, directions: [outbound]}\n"
	"expulsions:\n"
	"  - {from: mine, to: post, daily_probability: 0.01}\n"
	"parameters: {stay_days: {Beta: 60, default: 20}}\n"
	"events:\n"
	"  - {date: 2024-01-10, kind: security, where: unrest, level: 0.2}\n"
	"  - {date: 2024-01-10, kind: security, where: South, level: 0.5, ramp_days: 30}\n"
	"  - {date: 2024-01-10, kind: security, where: Beta, level: 0.4}\n"
	"  - {date: 2024-01-10, kind: closure, link: [work, coast]}\n"
	"  - {date: 2024-01-10, kind: closure, links: [[work, coast], [coast, work], [hub, post]]}\n"
	"  - {date: 2024-01-10, kind: closure, place: hub}\n"
	"  - {date: 2024-01-10, kind: closure, border: [Alpha, Beta]}\n"
	"  - {date: 2024-01-10, kind: closure, country: Beta}\n"
	"  - {date: 2024-01-10, kind: closure, country: Alpha, mode: desert}\n"
	"  - {date: 2024-01-10, kind: reopen, place: coast, mode: road}\n"
	"  - {date: 2024-01-10, kind: reopen, border: [Beta, Alpha]}\n"
	"  - {date: 2024-01-10, kind: capacity, link: [hub, post], per_day: 50}\n"
	"  - {date: 2024-01-10, kind: capacity, country: Gamma, per_day: unlimited}\n"
	"  - {date: 2024-01-10, kind: speed, country: Beta, mode: road, factor: 0.5}\n"
	"  - {date: 2024-01-10, kind: fare, border: [Alpha, Gamma], multiplier: 2.9}\n"
	"  - {date: 2024-01-10, kind: fare, link: [coast, island], usd: 1000}\n"
	"  - {date: 2024-01-10, kind: hazard, country: Alpha, mode: desert, multiplier: 2}\n"
	"  - {date: 2024-01-10, kind: hazard, link: [hub, mine], death_per_day: 0.01}\n"
	"  - {date: 2024-01-10, kind: interception, link: [coast, island], probability: 0.5}\n"
	"  - {date: 2024-01-10, kind: interception, country: Beta, mode: sea, probability: 0.1}\n"
	"  - {date: 2024-01-10, kind: convoy, link: [hub, post], departs: mon}\n"
	"  - {date: 2024-01-10, kind: convoy, links: [[post, work], [work, post]], departs: daily}\n"
	"  - {date: 2024-01-10, kind: convoy, place: mine, departs: sun}\n"
	"  - {date: 2024-01-10, kind: source_rate, place: home, intent: onward, multiplier: 2}\n"
	"  - {date: 2024-01-10, kind: source_rate, multiplier: 0.5}\n"
	"  - {date: 2024-01-10, kind: source_rate, intent: circular, multiplier: 3}\n";

struct expected_event {
	enum mf_event_kind kind;
	int n;            /* places (security) or links */
	double value;
	bool absolute;
	int weekday;      /* convoy */
	int ramp_days;    /* security */
};

static void test_every_event_kind(void **state)
{
	static const struct expected_event expected[] = {
		{MF_EVENT_SECURITY, 1, 0.2, false, -1, 0},
		{MF_EVENT_SECURITY, 3, 0.5, false, -1, 30},
		{MF_EVENT_SECURITY, 3, 0.4, false, -1, 0},
		{MF_EVENT_CLOSURE, 1, 0, false, -1, 0},
		{MF_EVENT_CLOSURE, 3, 0, false, -1, 0},
		{MF_EVENT_CLOSURE, 6, 0, false, -1, 0},
		{MF_EVENT_CLOSURE, 2, 0, false, -1, 0},
		{MF_EVENT_CLOSURE, 7, 0, false, -1, 0},
		{MF_EVENT_CLOSURE, 6, 0, false, -1, 0},
		{MF_EVENT_REOPEN, 4, 0, false, -1, 0},
		{MF_EVENT_REOPEN, 2, 0, false, -1, 0},
		{MF_EVENT_CAPACITY, 1, 50, false, -1, 0},
		{MF_EVENT_CAPACITY, 2, 0, false, -1, 0},
		{MF_EVENT_SPEED, 4, 0.5, false, -1, 0},
		{MF_EVENT_FARE, 2, 2.9, false, -1, 0},
		{MF_EVENT_FARE, 1, 1000, true, -1, 0},
		{MF_EVENT_HAZARD, 6, 2, false, -1, 0},
		{MF_EVENT_HAZARD, 1, 0.01, true, -1, 0},
		{MF_EVENT_INTERCEPTION, 1, 0.5, false, -1, 0},
		{MF_EVENT_INTERCEPTION, 1, 0.1, false, -1, 0},
		{MF_EVENT_CONVOY, 1, 0, false, 0, 0},
		{MF_EVENT_CONVOY, 2, 0, false, -1, 0},
		{MF_EVENT_CONVOY, 2, 0, false, 6, 0},
		{MF_EVENT_SOURCE_RATE, 0, 2, false, -1, 0},
		{MF_EVENT_SOURCE_RATE, 0, 0.5, false, -1, 0},
		{MF_EVENT_SOURCE_RATE, 0, 3, false, -1, 0},
	};
	int n_expected = (int)(sizeof(expected) / sizeof(*expected));
	char path[PATH_SIZE];
	write_file(state, "kinds/scenario.yaml", all_kinds_yaml, path);
	struct mf_scenario *s = load_ok(path);
	const struct mf_graph *g = s->graph;
	assert_int_equal(s->n_events, n_expected);
	for (int i = 0; i < n_expected; i++) {
		const struct mf_event *e = &s->events[i];
		const struct expected_event *x = &expected[i];
		if (e->kind != x->kind)
			fail_msg("event %d: kind %s, expected %s", i, mf_event_kind_name(e->kind),
				 mf_event_kind_name(x->kind));
		assert_int_equal(e->day, 9);
		assert_int_equal(e->line, 17 + i);
		assert_int_equal(e->column, 5);
		assert_string_equal(e->policy, "");
		int n = e->kind == MF_EVENT_SECURITY ? e->n_places
			: e->kind == MF_EVENT_SOURCE_RATE ? 0 : e->n_links;
		if (n != x->n)
			fail_msg("event %d (%s, %s): %d places or links, expected %d", i,
				 mf_event_kind_name(e->kind), e->target, n, x->n);
		if (e->kind == MF_EVENT_SECURITY)
			assert_int_equal(e->n_links, 0);
		else
			assert_int_equal(e->n_places, 0);
		if (e->kind != MF_EVENT_CLOSURE && e->kind != MF_EVENT_REOPEN && e->kind != MF_EVENT_CONVOY &&
		    e->value != x->value)
			fail_msg("event %d (%s): value %g, expected %g", i, mf_event_kind_name(e->kind),
				 e->value, x->value);
		assert_int_equal(e->value_is_absolute, x->absolute);
		assert_int_equal(e->weekday, x->weekday);
		assert_int_equal(e->ramp_days, x->ramp_days);
		/* No link twice. */
		for (int a = 0; a < e->n_links; a++)
			for (int b = a + 1; b < e->n_links; b++)
				assert_true(e->links[a] != e->links[b]);
	}
	const struct mf_event *e = s->events;
	int alpha = mf_graph_country_index(g, "Alpha"), beta = mf_graph_country_index(g, "Beta");
	/* The South region spans two countries. */
	for (int k = 0; k < e[1].n_places; k++)
		assert_string_equal(g->places[e[1].places[k]].region, "South");
	/* Borders pick the links that cross them, both ways. */
	for (int i = 6; i <= 10; i += 4)
		for (int k = 0; k < e[i].n_links; k++) {
			const struct mf_link *l = &g->links[e[i].links[k]];
			int from = g->places[l->from].country_index, to = g->places[l->to].country_index;
			assert_true((from == alpha && to == beta) || (from == beta && to == alpha));
		}
	assert_true(e[6].links[0] != e[6].links[1]);
	/* Mode filters. */
	for (int k = 0; k < e[8].n_links; k++)
		assert_int_equal(g->links[e[8].links[k]].mode, MF_MODE_DESERT);
	for (int k = 0; k < e[9].n_links; k++)
		assert_int_equal(g->links[e[9].links[k]].mode, MF_MODE_ROAD);
	for (int k = 0; k < e[13].n_links; k++)
		assert_int_equal(g->links[e[13].links[k]].mode, MF_MODE_ROAD);
	assert_int_equal(e[19].links[0], link_of(s, "coast", "island"));
	/* link and links keep the order written. */
	assert_int_equal(e[3].links[0], link_of(s, "work", "coast"));
	assert_int_equal(e[4].links[0], link_of(s, "work", "coast"));
	assert_int_equal(e[4].links[1], link_of(s, "coast", "work"));
	assert_int_equal(e[4].links[2], link_of(s, "hub", "post"));
	/* Source filters. */
	assert_int_equal(e[23].source_place, place(s, "home"));
	assert_int_equal(e[23].source_intent, MF_INTENT_ONWARD);
	assert_int_equal(e[24].source_place, -1);
	assert_int_equal(e[24].source_intent, -1);
	assert_int_equal(e[25].source_place, -1);
	assert_int_equal(e[25].source_intent, MF_INTENT_CIRCULAR);
	mf_scenario_destroy(s);
}

static void test_policies_expand_into_events(void **state)
{
	char path[PATH_SIZE];
	write_file(state, "policies/scenario.yaml",
		   "name: policies\nstart: 2024-01-01\ndays: 100\n"
		   "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\n"
		   "destination: island\n"
		   "policies:\n"
		   "  law-2015-36:\n"
		   "    enforced:\n"
		   "      - {kind: fare, country: Alpha, mode: desert, multiplier: 2.9}\n"
		   "      - {kind: convoy, link: [hub, post], departs: daily}\n"
		   "      - {kind: hazard, country: Alpha, mode: desert, multiplier: 2}\n"
		   "    repealed:\n"
		   "      - {kind: fare, country: Alpha, mode: desert, multiplier: 1}\n"
		   "events:\n"
		   "  - {date: 2024-03-01, kind: policy, name: law-2015-36, state: repealed}\n"
		   "  - {date: 2024-02-01, kind: closure, link: [work, coast]}\n"
		   "  - {date: 2024-02-01, kind: policy, name: law-2015-36, state: enforced}\n"
		   "  - {date: 2024-02-01, kind: reopen, link: [work, coast]}\n",
		   path);
	struct mf_scenario *s = load_ok(path);
	assert_int_equal(s->n_events, 6);
	const struct mf_event *e = s->events;
	/* 2024-02-01 is day 31, 2024-03-01 day 60; file order within a day. */
	const enum mf_event_kind kinds[6] = {MF_EVENT_CLOSURE, MF_EVENT_FARE, MF_EVENT_CONVOY,
					     MF_EVENT_HAZARD, MF_EVENT_REOPEN, MF_EVENT_FARE};
	const int days[6] = {31, 31, 31, 31, 31, 60};
	const char *const policies[6] = {"", "law-2015-36: enforced", "law-2015-36: enforced",
					 "law-2015-36: enforced", "", "law-2015-36: repealed"};
	const int lines[6] = {16, 17, 17, 17, 18, 15};
	for (int i = 0; i < 6; i++) {
		assert_int_equal(e[i].kind, kinds[i]);
		assert_int_equal(e[i].day, days[i]);
		assert_string_equal(e[i].policy, policies[i]);
		/* An effect points at the switch that applied it. */
		assert_int_equal(e[i].line, lines[i]);
		assert_int_equal(e[i].column, 5);
	}
	assert_int_equal(e[1].n_links, 6);
	assert_true(e[1].value == 2.9);
	assert_false(e[1].value_is_absolute);
	assert_int_equal(e[2].weekday, -1);
	assert_int_equal(e[2].links[0], link_of(s, "hub", "post"));
	assert_true(e[3].value == 2);
	assert_true(e[5].value == 1);
	assert_int_equal(e[5].n_links, 6);
	mf_scenario_destroy(s);

	/* A policy that is never switched on adds no event. */
	write_file(state, "policies/unused.yaml",
		   "name: policies\nstart: 2024-01-01\ndays: 100\n"
		   "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\n"
		   "destination: island\n"
		   "policies:\n  law: {on: [{kind: closure, place: hub}]}\n"
		   "events:\n  - {date: 2024-02-01, kind: closure, link: [work, coast]}\n",
		   path);
	s = load_ok(path);
	assert_int_equal(s->n_events, 1);
	mf_scenario_destroy(s);
}

static void assert_same_events(const struct mf_scenario *a, const struct mf_scenario *b)
{
	assert_int_equal(a->n_events, b->n_events);
	for (int i = 0; i < a->n_events; i++) {
		const struct mf_event *x = &a->events[i], *y = &b->events[i];
		assert_int_equal(x->day, y->day);
		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->n_places, y->n_places);
		for (int k = 0; k < x->n_places; k++)
			assert_int_equal(x->places[k], y->places[k]);
		assert_int_equal(x->n_links, y->n_links);
		for (int k = 0; k < x->n_links; k++)
			assert_int_equal(x->links[k], y->links[k]);
		assert_int_equal(x->source_place, y->source_place);
		assert_int_equal(x->source_intent, y->source_intent);
		assert_true(x->value == y->value);
		assert_int_equal(x->value_is_absolute, y->value_is_absolute);
		assert_int_equal(x->weekday, y->weekday);
		assert_int_equal(x->ramp_days, y->ramp_days);
		assert_string_equal(x->target, y->target);
		assert_string_equal(x->policy, y->policy);
	}
}

static void assert_same_scenario(const struct mf_scenario *a, const struct mf_scenario *b)
{
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->description ? a->description : "", b->description ? b->description : "");
	assert_int_equal(a->start, b->start);
	assert_int_equal(a->days, b->days);
	assert_int_equal(a->report_from, b->report_from);
	assert_true(a->seed == b->seed);
	assert_int_equal(a->agent_scale, b->agent_scale);
	assert_int_equal(a->destination, b->destination);
	assert_int_equal(a->graph->n_places, b->graph->n_places);
	assert_int_equal(a->graph->n_links, b->graph->n_links);
	assert_same_file(a->graph->places_path, b->graph->places_path);
	assert_same_file(a->graph->links_path, b->graph->links_path);
	assert_int_equal(a->n_sources, b->n_sources);
	assert_int_equal(a->n_initial, b->n_initial);
	assert_int_equal(a->n_monitors, b->n_monitors);
	assert_int_equal(a->n_expulsions, b->n_expulsions);
	const struct mf_parameters *p = &a->params, *q = &b->params;
	assert_memory_equal(p->speed_km_per_day, q->speed_km_per_day, sizeof(p->speed_km_per_day));
	assert_memory_equal(p->wait_days, q->wait_days, sizeof(p->wait_days));
	assert_memory_equal(p->stay_days_by_country, q->stay_days_by_country,
			    (size_t)a->graph->n_countries * sizeof(double));
	const double scalars_a[] = {p->default_stay_days, p->cost_per_usd, p->cost_per_death_risk,
				    p->insecurity_cost, p->displaced_insecurity_factor, p->route_temperature,
				    p->displacement_rate, p->safe_security, p->insecurity_hazard,
				    p->closure_security, p->displaced_onward_per_day,
				    p->displaced_return_per_day, p->retry_after_interception};
	const double scalars_b[] = {q->default_stay_days, q->cost_per_usd, q->cost_per_death_risk,
				    q->insecurity_cost, q->displaced_insecurity_factor, q->route_temperature,
				    q->displacement_rate, q->safe_security, q->insecurity_hazard,
				    q->closure_security, q->displaced_onward_per_day,
				    q->displaced_return_per_day, q->retry_after_interception};
	assert_memory_equal(scalars_a, scalars_b, sizeof(scalars_a));
	for (int i = 0; i < a->n_sources; i++) {
		const struct mf_source *x = &a->sources[i], *y = &b->sources[i];
		assert_int_equal(x->place, y->place);
		assert_int_equal(x->intent, y->intent);
		assert_true(x->rate == y->rate);
		assert_memory_equal(x->season, y->season, sizeof(x->season));
		assert_int_equal(x->goals.n, y->goals.n);
		assert_memory_equal(x->goals.place, y->goals.place, sizeof(x->goals.place));
		assert_memory_equal(x->goals.weight, y->goals.weight, sizeof(x->goals.weight));
	}
	for (int i = 0; i < a->n_initial; i++) {
		assert_int_equal(a->initial[i].place, b->initial[i].place);
		assert_int_equal(a->initial[i].intent, b->initial[i].intent);
		assert_true(a->initial[i].persons == b->initial[i].persons);
		assert_int_equal(a->initial[i].homes.n, b->initial[i].homes.n);
	}
	for (int i = 0; i < a->n_monitors; i++) {
		assert_string_equal(a->monitors[i].name, b->monitors[i].name);
		assert_int_equal(a->monitors[i].n_links, b->monitors[i].n_links);
		assert_memory_equal(a->monitors[i].count_direction, b->monitors[i].count_direction,
				    sizeof(a->monitors[i].count_direction));
	}
	for (int i = 0; i < a->n_expulsions; i++) {
		assert_int_equal(a->expulsions[i].from, b->expulsions[i].from);
		assert_true(a->expulsions[i].daily_probability == b->expulsions[i].daily_probability);
	}
	assert_same_events(a, b);
}

/* The resolved text stands on its own: loaded again (from another
 * directory) it gives the same scenario, and resolves to itself. */
static void test_resolved_text_loads_again(void **state)
{
	char child[PATH_SIZE], kinds[PATH_SIZE], relative[PATH_SIZE], copy[PATH_SIZE];
	/* An extends chain across directories, with policies. */
	copy_small_network(state, "lang3/base/net", NULL, NULL);
	write_file(state, "lang3/base/parent.yaml", parent_yaml, child);
	write_file(state, "lang3/child/scenario.yaml",
		   "extends: ../base/parent.yaml\n"
		   "name: \"child: quoted\"\n"
		   "report_from: 2024-01-15\n"
		   "agent_scale: 10\n"
		   "parameters:\n  safe_security: 0.7\n  stay_days: {Beta: 60, default: 20}\n"
		   "initial:\n  - {place: work, intent: circular, persons: 3000, homes: {home: 1}}\n"
		   "monitoring:\n  - {name: \"Hub road\", links: [[home, hub], [hub, home]]}\n"
		   "policies:\n"
		   "  law:\n"
		   "    enforced:\n"
		   "      - {kind: fare, country: Alpha, mode: desert, multiplier: 2.9}\n"
		   "      - {kind: convoy, link: [hub, post], departs: daily}\n"
		   "events:\n"
		   "  - {date: 2024-02-01, kind: policy, name: law, state: enforced}\n"
		   "  - {date: 2024-01-05, kind: security, where: South, level: 0.2, ramp_days: 20}\n",
		   child);
	write_file(state, "lang3/kinds.yaml", all_kinds_yaml, kinds);
	const char *paths[2] = {child, kinds};
	for (int i = 0; i < 2; i++) {
		struct mf_scenario *first = load_ok(paths[i]);
		snprintf(relative, sizeof(relative), "lang3/elsewhere/deeper/resolved%d.yaml", i);
		write_file(state, relative, first->resolved_text, copy);
		struct mf_scenario *again = load_ok(copy);
		assert_same_scenario(first, again);
		/* Resolving is idempotent. */
		assert_string_equal(again->resolved_text, first->resolved_text);
		mf_scenario_destroy(again);
		mf_scenario_destroy(first);
	}
}

/* Scenarios in deep directories (paths beyond 255 bytes, well within
 * PATH_MAX) load like any other. */
static void test_long_directory_names(void **state)
{
	char dir[PATH_SIZE] = "long", path[PATH_SIZE];
	for (int i = 0; i < 3; i++) {
		size_t used = strlen(dir);
		dir[used++] = '/';
		memset(dir + used, 'a' + i, 100);
		dir[used + 100] = '\0';
	}
	char relative[PATH_SIZE];
	copy_small_network(state, dir, NULL, NULL);
	snprintf(relative, sizeof(relative), "%s/scenario.yaml", dir);
	write_file(state, relative,
		   "name: long\nstart: 2024-01-01\ndays: 10\n"
		   "network: {places: places.csv, links: links.csv}\ndestination: island\n", path);
	assert_true(strlen(path) > 300);
	struct mf_scenario *s = load_ok(path);
	assert_int_equal(s->graph->n_places, 10);
	mf_scenario_destroy(s);
}

/* Each event names the file it was written in (for messages about it),
 * and that name outlives loading. Kept last: reading a freed name aborts
 * a sanitizer build. */
static void test_event_files_outlive_loading(void **state)
{
	char parent[PATH_SIZE], child[PATH_SIZE];
	copy_small_network(state, "lang7/base/net", NULL, NULL);
	write_file(state, "lang7/base/parent.yaml", parent_yaml, parent);
	write_file(state, "lang7/child/scenario.yaml", child_yaml, child);
	struct mf_scenario *sc = load_ok(child);
	assert_int_equal(sc->n_events, 4);
	const char *const files[4] = {"child/scenario.yaml", "base/parent.yaml", "child/scenario.yaml",
				      "base/parent.yaml"};
	for (int i = 0; i < 4; i++) {
		assert_non_null(sc->events[i].file);
		if (!ends_with(sc->events[i].file, files[i])) {
			char shown[128]; /* printable, in case it is not a name at all */
			size_t k = 0;
			for (; k < sizeof(shown) - 1 && sc->events[i].file[k]; k++)
				shown[k] = sc->events[i].file[k] >= ' ' && sc->events[i].file[k] < 127
						   ? sc->events[i].file[k] : '?';
			shown[k] = '\0';
			fail_msg("event %d: file '%s', expected .../%s", i, shown, files[i]);
		}
	}
	mf_scenario_destroy(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_top),
		cmocka_unit_test(test_small_parameters),
		cmocka_unit_test(test_small_sources_and_initial),
		cmocka_unit_test(test_small_monitors),
		cmocka_unit_test(test_small_events),
		cmocka_unit_test(test_minimal_scenario),
		cmocka_unit_test(test_every_event_kind),
		cmocka_unit_test(test_policies_expand_into_events),
		cmocka_unit_test(test_resolved_text_loads_again),
		cmocka_unit_test(test_long_directory_names),
		cmocka_unit_test(test_event_files_outlive_loading),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
