/* Tests of the scenario reader: the small test scenario read back in full,
 * bad scenarios, each with its exact line, column and field, and the
 * language: extends, paths, the resolved text, policies and event kinds. */
/* realpath(3) */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migflow/date.h"
#include "migflow/ensemble.h"
#include "migflow/scenario.h"

#define PATH_SIZE 1024
#define TEXT_SIZE 8192

/* Five lines every bad scenario starts with; "@DATA@" stands for the
 * directory of the small test network. */
#define HEAD                                                                      \
	"name: bad\n"                                                             \
	"start: 2024-01-01\n"                                                     \
	"days: 30\n"                                                              \
	"network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\n"         \
	"destination: island\n"

struct scratch {
	char dir[256];
	char data[PATH_SIZE]; /* tests/data/small */
	int cases;
};

static int group_setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/migflow-test-scenario-XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	const char *data = getenv("MIGFLOW_TEST_DATA");
	snprintf(s->data, sizeof(s->data), "%s/small", data ? data : "tests/data");
	/* Absolute, so that scenarios in any directory can name it. */
	char real[PATH_MAX];
	if (realpath(s->data, real))
		snprintf(s->data, sizeof(s->data), "%s", real);
	*state = s;
	return 0;
}

static void remove_tree(const char *path)
{
	DIR *dir = opendir(path);
	if (dir) {
		struct dirent *entry;
		while ((entry = readdir(dir))) {
			if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
				continue;
			char child[PATH_SIZE];
			snprintf(child, sizeof(child), "%s/%s", path, entry->d_name);
			struct stat info;
			if (lstat(child, &info) == 0 && S_ISDIR(info.st_mode))
				remove_tree(child);
			else
				unlink(child);
		}
		closedir(dir);
	}
	rmdir(path);
}

static int group_teardown(void **state)
{
	struct scratch *s = *state;
	remove_tree(s->dir);
	free(s);
	return 0;
}

/* Writes n bytes as scenario.yaml in a fresh directory; path into path. */
static void write_scenario_bytes(void **state, const char *bytes, size_t n, char *path)
{
	struct scratch *s = *state;
	char dir[PATH_SIZE];
	snprintf(dir, sizeof(dir), "%s/case%d", s->dir, s->cases++);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, PATH_SIZE, "%s/scenario.yaml", dir);
	FILE *file = fopen(path, "wb");
	assert_non_null(file);
	assert_int_equal(fwrite(bytes, 1, n, file), n);
	assert_int_equal(fclose(file), 0);
}

/* Writes text with @DATA@ replaced by the small network's directory. */
static void write_scenario(void **state, const char *text, char *path)
{
	struct scratch *s = *state;
	char *out = malloc(TEXT_SIZE);
	assert_non_null(out);
	size_t used = 0;
	for (const char *p = text; *p;) {
		const char *mark = strstr(p, "@DATA@");
		size_t chunk = mark ? (size_t)(mark - p) : strlen(p);
		assert_true(used + chunk + strlen(s->data) < TEXT_SIZE);
		memcpy(out + used, p, chunk);
		used += chunk;
		p += chunk;
		if (mark) {
			memcpy(out + used, s->data, strlen(s->data));
			used += strlen(s->data);
			p += strlen("@DATA@");
		}
	}
	write_scenario_bytes(state, out, used, path);
	free(out);
}

static bool ends_with(const char *text, const char *end)
{
	size_t n = strlen(text), m = strlen(end);
	return n >= m && strcmp(text + n - m, end) == 0;
}

static void check_error(const char *path, const struct mf_error *err, int line, int column,
			const char *field, const char *message_part)
{
	assert_int_equal(err->code, MF_ERR_INPUT);
	if (!ends_with(err->file, "scenario.yaml"))
		fail_msg("error names '%s', not %s: %s", err->file, path, err->message);
	assert_int_equal(err->line, line);
	assert_int_equal(err->column, column);
	if (field)
		assert_string_equal(err->field, field);
	if (!strstr(err->message, message_part))
		fail_msg("message '%s' lacks '%s'", err->message, message_part);
}

/* Loads a bad scenario and checks its error. A NULL field is not checked. */
static void expect_error(void **state, const char *text, int line, int column,
			 const char *field, const char *message_part)
{
	char path[PATH_SIZE];
	write_scenario(state, text, path);
	struct mf_error err = {0};
	struct mf_scenario *scenario = mf_scenario_load(path, &err);
	if (scenario) {
		mf_scenario_destroy(scenario);
		fail_msg("bad scenario accepted (expected an error at %d:%d in '%s')", line, column,
			 field ? field : "");
	}
	check_error(path, &err, line, column, field, message_part);
}

static void expect_error_bytes(void **state, const char *bytes, size_t n, int line, int column,
			       const char *message_part)
{
	char path[PATH_SIZE];
	write_scenario_bytes(state, bytes, n, path);
	struct mf_error err = {0};
	struct mf_scenario *scenario = mf_scenario_load(path, &err);
	if (scenario) {
		mf_scenario_destroy(scenario);
		fail_msg("bad scenario accepted (expected an error at %d:%d)", line, column);
	}
	check_error(path, &err, line, column, "", message_part);
}

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

static void test_unknown_keys(void **state)
{
	expect_error(state,
		     "name: bad\n"
		     "start: 2024-01-01\n"
		     "days: 30\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\n"
		     "destinaton: island\n",
		     5, 1, "destinaton", "did you mean 'destination'?");
	expect_error(state, HEAD "sources:\n  - place: home\n    intent: onward\n    rat: 5\n",
		     9, 5, "sources[0].rat", "did you mean 'rate'?");
	expect_error(state, HEAD "parameters:\n  wait_days: {hbu: 3}\n", 7, 15,
		     "parameters.wait_days.hbu", "did you mean 'hub'?");
	expect_error(state, HEAD "colour: blue\n", 6, 1, "colour", "expected one of");
}

static void test_wrong_types(void **state)
{
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: [30]\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     3, 7, "days", "expected a single value, got a list");
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 30\nnetwork: places.csv\n"
		     "destination: island\n",
		     4, 10, "network", "expected a mapping");
	expect_error(state, HEAD "sources: {place: home}\n", 6, 10, "sources", "expected a list");
	expect_error(state, HEAD "parameters:\n  wait_days:\n    hub: {circular: [4]}\n", 8, 21,
		     "parameters.wait_days.hub.circular", "expected a single value");
	/* A quoted number is text. */
	expect_error(state, HEAD "seed: \"42\"\n", 6, 7, "seed", "whole number");
	expect_error(state, "just a string\n", 1, 1, "", "expected a mapping");
	expect_error(state, "- a\n- b\n", 1, 1, "", "expected a mapping");
}

static void test_bad_numbers(void **state)
{
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 365days\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     3, 7, "days", "365days");
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 0\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     3, 7, "days", "whole number in");
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 1.5\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     3, 7, "days", "whole number");
	expect_error(state, HEAD "seed: -1\n", 6, 7, "seed", "-1");
	expect_error(state, HEAD "sources:\n  - place: home\n    intent: onward\n    rate: -5\n", 9, 11,
		     "sources[0].rate", "-5");
	expect_error(state, HEAD "sources:\n  - {place: home, intent: onward, rate: .nan}\n", 7, 41,
		     "sources[0].rate", "finite number");
	expect_error(state, HEAD "sources:\n  - {place: home, intent: onward, rate: .inf}\n", 7, 41,
		     "sources[0].rate", "finite number");
	expect_error(state, HEAD "sources:\n  - {place: home, intent: onward, rate: nan}\n", 7, 41,
		     "sources[0].rate", "finite number");
	expect_error(state, HEAD "parameters: {displacement_rate: 1e999}\n", 6, 33,
		     "parameters.displacement_rate", "finite number");
	expect_error(state, HEAD "events:\n  - {date: 2024-01-05, kind: security, where: unrest, level: 1.5}\n",
		     7, 62, "events[0].level", "[0, 1]");
	expect_error(state, HEAD "events:\n  - {date: 2024-01-05, kind: security, where: unrest, level: -.inf}\n",
		     7, 62, "events[0].level", "finite number");
	expect_error(state, HEAD "parameters:\n  stay_days: {Beta: 0}\n", 7, 21,
		     "parameters.stay_days.Beta", "[1, 100000]");
}

static void test_bad_dates(void **state)
{
	expect_error(state, "name: bad\nstart: 2024-02-30\ndays: 30\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     2, 8, "start", "2024-02-30");
	expect_error(state, "name: bad\nstart: 2023-02-29\ndays: 30\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     2, 8, "start", "real date");
	expect_error(state, "name: bad\nstart: 2024-1-1\ndays: 30\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     2, 8, "start", "YYYY-MM-DD");
	/* Events the day before the start and the day after the last day
	 * (the run is 2024-01-01 .. 2024-01-30). */
	expect_error(state, HEAD "events:\n  - kind: closure\n    date: 2023-12-31\n    link: [work, coast]\n",
		     8, 11, "events[0].date", "outside the run (2024-01-01 to 2024-01-30)");
	expect_error(state, HEAD "events:\n  - {kind: reopen, date: 2024-01-30, link: [work, coast]}\n"
		     "  - {kind: reopen, date: 2024-01-31, link: [work, coast]}\n",
		     8, 26, "events[1].date", "outside the run");
	expect_error(state, HEAD "report_from: 2024-02-01\n", 6, 14, "report_from", "outside the run");
}

static void test_unknown_places(void **state)
{
	expect_error(state, HEAD "events:\n  - date: 2024-01-05\n    kind: security\n    where: unrset\n"
		     "    level: 0.2\n",
		     9, 12, "events[0].where", "did you mean 'unrest'?");
	expect_error(state, HEAD "events:\n  - {date: 2024-01-05, kind: closure, link: [work, coasst]}\n",
		     7, 52, "events[0].link", "did you mean 'coast'?");
	expect_error(state, HEAD "events:\n  - {date: 2024-01-05, kind: closure, link: [home, island]}\n",
		     7, 45, "events[0].link", "no link home -> island");
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 30\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: islnd\n",
		     5, 14, "destination", "did you mean 'island'?");
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 30\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: coast\n",
		     5, 14, "destination", "kind 'coast'");
	expect_error(state, HEAD "monitoring:\n  - {name: P, place: psot}\n", 7, 22,
		     "monitoring[0].place", "did you mean 'post'?");
	expect_error(state, HEAD "parameters:\n  stay_days: {Betta: 3}\n", 7, 15,
		     "parameters.stay_days.Betta", "unknown country");
}

static void test_missing_keys(void **state)
{
	expect_error(state, "start: 2024-01-01\ndays: 30\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     1, 1, "name", "required key missing");
	expect_error(state, "name: bad\nstart: 2024-01-01\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     1, 1, "days", "required key missing");
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 3\n"
		     "network: {places: @DATA@/places.csv}\ndestination: island\n",
		     4, 10, "network.links", "required key missing");
	expect_error(state, HEAD "sources:\n  - place: home\n    rate: 5\n", 7, 5, "sources[0].intent",
		     "required key missing");
	/* Circular migrants need goals; only onward ones default to the
	 * destination. */
	expect_error(state, HEAD "sources:\n  - {place: home, intent: circular, rate: 5}\n", 7, 5,
		     "sources[0].goals", "where do circular migrants from home head?");
	expect_error(state, HEAD "events:\n  - {date: 2024-01-05, kind: capacity, place: hub}\n", 7, 5,
		     "events[0].per_day", "required key missing");
}

static void test_duplicate_keys(void **state)
{
	expect_error(state, HEAD "days: 40\n", 6, 1, "days", "twice");
	expect_error(state, HEAD "parameters:\n  wait_days: {hub: 3, hub: 4}\n", 7, 23, "hub",
		     "given twice");
	expect_error(state, HEAD "sources:\n  - {place: home, intent: onward, rate: 1, rate: 2}\n", 7,
		     44, "rate", "given twice");
}

static void test_duplicate_stay_days(void **state)
{
	/* stay_days refuses a country given twice, like every other mapping
	 * (the field is not checked: "Beta" or "parameters.stay_days.Beta"
	 * would both do). */
	expect_error(state, HEAD "parameters:\n  stay_days: {Beta: 60, Beta: 30}\n", 7, 25, NULL,
		     "twice");
}

static void test_missing_network_file(void **state)
{
	/* A network file that does not exist is an error in the scenario,
	 * at the key that names it. */
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 30\n"
		     "network:\n  places: no-such-places.csv\n  links: @DATA@/links.csv\n"
		     "destination: island\n",
		     5, 11, "network.places", "no-such-places.csv");
}

static void test_yaml_syntax(void **state)
{
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 30\n  oops: 1\n", 4, 7, "",
		     "YAML syntax error");
	expect_error(state, "name: bad\nstart: [2024-01-01\ndays: 30\n", 3, 5, "",
		     "YAML syntax error");
	expect_error(state, "name: bad\n\tstart: 2024-01-01\n", 2, 1, "", "tab");
	expect_error(state, "name: bad\n---\nname: again\n", 2, 1, "", "more than one YAML document");
}

static void test_yaml_alias_and_depth(void **state)
{
	expect_error(state, "name: &n bad\nstart: 2024-01-01\ndays: 30\ndescription: *n\n", 4, 14, "",
		     "aliases");
	/* 40 nested lists: the 33rd level is refused. */
	char text[256];
	int used = snprintf(text, sizeof(text), "name: bad\ndescription: ");
	for (int i = 0; i < 40; i++)
		text[used++] = '[';
	for (int i = 0; i < 40; i++)
		text[used++] = ']';
	snprintf(text + used, sizeof(text) - (size_t)used, "\n");
	expect_error(state, text, 2, 14 + 32, "", "nesting deeper than 32");
}

static void test_empty_and_binary(void **state)
{
	expect_error_bytes(state, "", 0, 1, 1, "empty scenario");
	expect_error(state, "# only a comment\n\n", 1, 1, "", "empty scenario");
	expect_error(state, "---\n...\n", 1, 1, "", "empty scenario");
	/* Every byte value, NUL first. */
	char bytes[256];
	for (int i = 0; i < 256; i++)
		bytes[i] = (char)i;
	expect_error_bytes(state, bytes, sizeof(bytes), 1, 1, "NUL");
	/* A NUL later on is reported where it is. */
	static const char nul[] = "name: bad\nstart: 20\00024-01-01\n";
	expect_error_bytes(state, nul, sizeof(nul) - 1, 2, 10, "NUL");
}

static const char latin1[] = "name: bad\nstart: 2024-01-01\ndescription: caf\x80" "e\n";
static const char control[] = "name: bad\nstart: 2024-01-01\ndays: 3\x01\n";

static void test_invalid_utf8(void **state)
{
	const char *const texts[2] = {latin1, control};
	for (int i = 0; i < 2; i++) {
		char path[PATH_SIZE];
		write_scenario_bytes(state, texts[i], strlen(texts[i]), path);
		struct mf_error err = {0};
		struct mf_scenario *scenario = mf_scenario_load(path, &err);
		if (scenario) {
			mf_scenario_destroy(scenario);
			fail_msg("text that is not UTF-8 was accepted");
		}
		assert_int_equal(err.code, MF_ERR_INPUT);
		assert_true(ends_with(err.file, "scenario.yaml"));
		assert_non_null(strstr(err.message, i ? "control" : "UTF-8"));
	}
}

static void test_invalid_utf8_position(void **state)
{
	/* Reported at the offending byte, not at the start of the file. */
	expect_error_bytes(state, latin1, sizeof(latin1) - 1, 3, 17, "UTF-8");
	expect_error_bytes(state, control, sizeof(control) - 1, 3, 8, "control");
}

/* ---- the scenario language: extends, paths, resolved text, policies, event kinds ---- */

/* Creates the directories of relative (a path under the scratch directory). */
static void make_parents(const struct scratch *s, const char *relative)
{
	char path[PATH_SIZE];
	snprintf(path, sizeof(path), "%s/%s", s->dir, relative);
	for (char *slash = strchr(path + strlen(s->dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0700) != 0)
			assert_true(access(path, F_OK) == 0);
		*slash = '/';
	}
}

/* Writes text, with @DATA@ replaced by the small network's directory, to
 * relative (under the scratch directory); its full path into path. */
static void write_file(void **state, const char *relative, const char *text, char *path)
{
	struct scratch *s = *state;
	make_parents(s, relative);
	snprintf(path, PATH_SIZE, "%s/%s", s->dir, relative);
	FILE *file = fopen(path, "wb");
	assert_non_null(file);
	for (const char *p = text; *p;) {
		const char *mark = strstr(p, "@DATA@");
		size_t chunk = mark ? (size_t)(mark - p) : strlen(p);
		assert_int_equal(fwrite(p, 1, chunk, file), chunk);
		p += chunk;
		if (mark) {
			fputs(s->data, file);
			p += strlen("@DATA@");
		}
	}
	assert_int_equal(fclose(file), 0);
}

/* The text of a file (caller frees). */
static char *read_text(const char *path)
{
	FILE *file = fopen(path, "rb");
	if (!file)
		fail_msg("cannot open %s", path);
	size_t size = 1 << 16, n = 0;
	char *text = malloc(size);
	assert_non_null(text);
	n = fread(text, 1, size - 1, file);
	fclose(file);
	assert_true(n < size - 1);
	text[n] = '\0';
	return text;
}

/* Copies the small network's places.csv and links.csv into relative_dir;
 * in links.csv, `from` is replaced by `to` when both are given. */
static void copy_small_network(void **state, const char *relative_dir, const char *from, const char *to)
{
	struct scratch *s = *state;
	const char *names[2] = {"places.csv", "links.csv"};
	for (int i = 0; i < 2; i++) {
		char source[PATH_SIZE], relative[PATH_SIZE], path[PATH_SIZE];
		snprintf(source, sizeof(source), "%s/%s", s->data, names[i]);
		char *text = read_text(source);
		if (i == 1 && from) {
			char *at = strstr(text, from);
			assert_non_null(at);
			assert_true(strlen(to) == strlen(from));
			memcpy(at, to, strlen(to));
		}
		snprintf(relative, sizeof(relative), "%s/%s", relative_dir, names[i]);
		write_file(state, relative, text, path);
		free(text);
	}
}

static struct mf_scenario *load_ok(const char *path)
{
	struct mf_error err = {0};
	struct mf_scenario *s = mf_scenario_load(path, &err);
	if (!s) {
		char text[1024];
		fail_msg("%s failed to load: %s", path, mf_error_format(&err, text, sizeof(text)));
	}
	return s;
}

static void assert_same_file(const char *a, const char *b)
{
	char real_a[PATH_MAX], real_b[PATH_MAX];
	if (!realpath(a, real_a) || !realpath(b, real_b))
		fail_msg("cannot resolve '%s' or '%s'", a, b);
	if (strcmp(real_a, real_b) != 0)
		fail_msg("'%s' is not '%s'", real_a, real_b);
}

static const char *const parent_yaml =
	"# A parent scenario\n"
	"name: parent\n"
	"description: the parent\n"
	"start: 2024-01-01\n"
	"days: 60\n"
	"seed: 9\n"
	"network:\n"
	"  places: net/places.csv\n"
	"  links: net/links.csv\n"
	"destination: island\n"
	"parameters:\n"
	"  displacement_rate: 0.001\n"
	"  safe_security: 0.5\n"
	"  wait_days:\n"
	"    hub: {circular: 4, onward: 6}\n"
	"  speed_km_per_day: {road: 400}\n"
	"sources:\n"
	"  - {place: home, intent: onward, rate: 100}\n"
	"  - {place: unrest, intent: onward, rate: 50}\n"
	"events:\n"
	"  - {date: 2024-01-10, kind: closure, link: [work, coast]}\n"
	"  - {date: 2024-01-20, kind: reopen, link: [work, coast]}\n";

static const char *const child_yaml =
	"# A child in another directory\n"
	"extends: ../base/parent.yaml\n"
	"name: child\n"
	"parameters:\n"
	"  safe_security: 0.7\n"
	"  wait_days:\n"
	"    hub: {onward: 9}\n"
	"sources:\n"
	"  - {place: home, intent: circular, rate: 7, goals: {work: 1}}\n"
	"events:\n"
	"  - {date: 2024-01-10, kind: fare, link: [hub, post], usd: 10}\n"
	"  - {date: 2024-01-05, kind: security, where: unrest, level: 0.2}\n";

static void test_extends_merges_appends_replaces(void **state)
{
	struct scratch *s = *state;
	char parent[PATH_SIZE], child[PATH_SIZE], net[PATH_SIZE];
	copy_small_network(state, "lang1/base/net", NULL, NULL);
	write_file(state, "lang1/base/parent.yaml", parent_yaml, parent);
	write_file(state, "lang1/child/scenario.yaml", child_yaml, child);
	struct mf_scenario *sc = load_ok(child);
	/* Scalars: the child's where it has them, the parent's elsewhere. */
	assert_string_equal(sc->name, "child");
	assert_string_equal(sc->description, "the parent");
	assert_int_equal(sc->days, 60);
	assert_true(sc->seed == 9);
	/* Mappings merge by key, at every level. */
	const struct mf_parameters *p = &sc->params;
	assert_true(p->safe_security == 0.7);
	assert_true(p->displacement_rate == 0.001);
	assert_true(p->wait_days[MF_PLACE_HUB][MF_INTENT_CIRCULAR] == 4);
	assert_true(p->wait_days[MF_PLACE_HUB][MF_INTENT_ONWARD] == 9);
	assert_true(p->wait_days[MF_PLACE_HUB][MF_INTENT_RETURN] == 1); /* the default */
	assert_true(p->speed_km_per_day[MF_MODE_ROAD] == 400);
	assert_true(p->speed_km_per_day[MF_MODE_DESERT] == 300);
	/* Lists other than events are replaced. */
	assert_int_equal(sc->n_sources, 1);
	assert_int_equal(sc->sources[0].intent, MF_INTENT_CIRCULAR);
	assert_true(sc->sources[0].rate == 7);
	/* Events are appended: the parent's first on the same day. */
	assert_int_equal(sc->n_events, 4);
	const struct mf_event *e = sc->events;
	assert_int_equal(e[0].kind, MF_EVENT_SECURITY);
	assert_int_equal(e[0].day, 4);
	assert_int_equal(e[0].line, 12); /* in the child */
	assert_int_equal(e[1].kind, MF_EVENT_CLOSURE);
	assert_int_equal(e[1].day, 9);
	assert_int_equal(e[1].line, 21); /* in the parent */
	assert_int_equal(e[2].kind, MF_EVENT_FARE);
	assert_int_equal(e[2].day, 9);
	assert_int_equal(e[2].line, 11);
	assert_int_equal(e[3].kind, MF_EVENT_REOPEN);
	assert_int_equal(e[3].day, 19);
	/* The network named by the parent, relative to the parent. */
	snprintf(net, sizeof(net), "%s/lang1/base/net/places.csv", s->dir);
	assert_same_file(sc->graph->places_path, net);
	/* The resolved text has no extends and names the network absolutely. */
	assert_null(strstr(sc->resolved_text, "extends"));
	char real[PATH_MAX];
	assert_non_null(realpath(net, real));
	assert_non_null(strstr(sc->resolved_text, real));
	assert_non_null(strstr(sc->source_text, "base/parent.yaml"));
	assert_non_null(strstr(sc->source_text, "child/scenario.yaml"));
	mf_scenario_destroy(sc);

	/* The parent on its own is unchanged by its child. */
	sc = load_ok(parent);
	assert_true(sc->params.safe_security == 0.5);
	assert_int_equal(sc->n_sources, 2);
	assert_int_equal(sc->n_events, 2);
	mf_scenario_destroy(sc);
}

/* days and end are alternatives: the one a child gives replaces the
 * other of its parent (a child can shorten or lengthen its parent), in
 * either direction, over two generations; a child giving both is refused
 * in the child. */
static void test_extends_days_replace_end(void **state)
{
	char parent[PATH_SIZE], child[PATH_SIZE], grandchild[PATH_SIZE], both[PATH_SIZE];
	copy_small_network(state, "lang5/base/net", NULL, NULL);
	write_file(state, "lang5/base/parent.yaml", parent_yaml, parent); /* days: 60 */
	write_file(state, "lang5/ends.yaml", "extends: base/parent.yaml\nname: ends\nend: 2024-02-19\n", child);
	write_file(state, "lang5/days.yaml", "extends: ends.yaml\nname: days\ndays: 365\n", grandchild);
	write_file(state, "lang5/both/scenario.yaml", "extends: ../ends.yaml\nname: both\ndays: 5\nend: 2024-01-03\n", both);
	struct mf_scenario *sc = load_ok(child);
	assert_int_equal(sc->days, 50); /* 2024-01-01 .. 2024-02-19 */
	assert_null(strstr(sc->resolved_text, "\ndays:"));
	mf_scenario_destroy(sc);
	sc = load_ok(grandchild);
	assert_int_equal(sc->days, 365);
	assert_null(strstr(sc->resolved_text, "\nend:"));
	mf_scenario_destroy(sc);
	struct mf_error err = {0};
	assert_null(mf_scenario_load(both, &err));
	check_error(both, &err, 4, 6, "end", "not both");
}

/* The case of issue 16: `extends: baseline.yaml` (which gives end) plus
 * `days: 365` is a 365-day scenario, and runs 365 days. */
static void test_extends_baseline_for_a_year(void **state)
{
	const char *scenarios = getenv("MIGFLOW_SCENARIOS");
	assert_non_null(scenarios);
	char text[1200], path[PATH_SIZE];
	snprintf(text, sizeof(text), "extends: %s/baseline.yaml\nname: a-year\ndays: 365\n", scenarios);
	write_file(state, "lang6/scenario.yaml", text, path);
	struct mf_scenario *sc = load_ok(path);
	assert_int_equal(sc->days, 365);
	sc->agent_scale = 200; /* coarse: the days are what is checked */
	struct mf_ensemble_options options = {.seed = 1, .threads = 1};
	struct mf_ensemble_result result;
	struct mf_error err = {0};
	assert_int_equal(mf_ensemble_run(sc, &options, NULL, 0, &result, &err), MF_OK);
	assert_int_equal(result.runs, 1);
	assert_int_equal(result.days, 365);
	mf_scenario_destroy(sc);
}

static void test_extends_network_paths_per_file(void **state)
{
	struct scratch *s = *state;
	char parent[PATH_SIZE], child[PATH_SIZE], expected[PATH_SIZE];
	/* The parent's network in a/net; the child, two levels down another
	 * branch, names its own links.csv (hub -> post costs 999, not 170). */
	copy_small_network(state, "lang2/a/net", NULL, NULL);
	copy_small_network(state, "lang2/b/c/mine", "hub,post,desert,600,3,170,", "hub,post,desert,600,3,999,");
	write_file(state, "lang2/a/parent.yaml",
		   "name: parent\nstart: 2024-01-01\ndays: 10\n"
		   "network: {places: net/places.csv, links: net/links.csv}\n"
		   "destination: island\n", parent);
	write_file(state, "lang2/b/c/child.yaml",
		   "extends: ../../a/parent.yaml\nname: child\nnetwork:\n  links: mine/links.csv\n", child);
	struct mf_scenario *sc = load_ok(child);
	snprintf(expected, sizeof(expected), "%s/lang2/a/net/places.csv", s->dir);
	assert_same_file(sc->graph->places_path, expected);
	snprintf(expected, sizeof(expected), "%s/lang2/b/c/mine/links.csv", s->dir);
	assert_same_file(sc->graph->links_path, expected);
	int hub = mf_graph_place_index(sc->graph, "hub"), post = mf_graph_place_index(sc->graph, "post");
	assert_true(sc->graph->links[mf_graph_link_index(sc->graph, hub, post)].fare_usd == 999);
	mf_scenario_destroy(sc);

	/* Loaded from another working directory, with a relative path. */
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	char dir[PATH_SIZE];
	snprintf(dir, sizeof(dir), "%s/lang2/b", s->dir);
	assert_int_equal(chdir(dir), 0);
	struct mf_error err = {0};
	sc = mf_scenario_load("c/child.yaml", &err);
	char places[PATH_MAX] = "", links[PATH_MAX] = "";
	if (sc && (!realpath(sc->graph->places_path, places) || !realpath(sc->graph->links_path, links)))
		places[0] = links[0] = '\0';
	assert_int_equal(chdir(cwd), 0);
	if (!sc) {
		char text[1024];
		fail_msg("c/child.yaml: %s", mf_error_format(&err, text, sizeof(text)));
	}
	snprintf(expected, sizeof(expected), "%s/lang2/a/net/places.csv", s->dir);
	assert_same_file(places, expected);
	snprintf(expected, sizeof(expected), "%s/lang2/b/c/mine/links.csv", s->dir);
	assert_same_file(links, expected);
	mf_scenario_destroy(sc);
}

/* Errors of an extends chain name the file that holds them. */
static void test_extends_errors_name_their_file(void **state)
{
	char parent[PATH_SIZE], child[PATH_SIZE];
	struct mf_error err = {0};
	copy_small_network(state, "lang5/base/net", NULL, NULL);
	write_file(state, "lang5/base/parent.yaml",
		   "name: parent\nstart: 2024-01-01\ndays: 10\n"
		   "network: {places: net/places.csv, links: net/links.csv}\n"
		   "destination: island\n"
		   "events:\n  - {date: 2024-01-03, kind: closure, link: [work, coasst]}\n", parent);
	write_file(state, "lang5/child/scenario.yaml",
		   "extends: ../base/parent.yaml\nname: child\n"
		   "events:\n  - {date: 2024-01-04, kind: reopen, link: [work, coast]}\n", child);
	assert_null(mf_scenario_load(child, &err));
	if (!ends_with(err.file, "base/parent.yaml"))
		fail_msg("error names '%s', not the parent: %s", err.file, err.message);
	assert_int_equal(err.line, 7);
	assert_int_equal(err.column, 52);
	assert_string_equal(err.field, "events[0].link");

	/* An error in the child (after a good parent) names the child. */
	write_file(state, "lang5/base/parent.yaml",
		   "name: parent\nstart: 2024-01-01\ndays: 10\n"
		   "network: {places: net/places.csv, links: net/links.csv}\n"
		   "destination: island\nparameters: {safe_security: 0.5}\n", parent);
	write_file(state, "lang5/child/scenario.yaml",
		   "extends: ../base/parent.yaml\nname: child\nparameters:\n  safe_securty: 0.7\n", child);
	memset(&err, 0, sizeof(err));
	assert_null(mf_scenario_load(child, &err));
	if (!ends_with(err.file, "child/scenario.yaml"))
		fail_msg("error names '%s', not the child: %s", err.file, err.message);
	assert_int_equal(err.line, 4);
	assert_int_equal(err.column, 3);
	assert_string_equal(err.field, "parameters.safe_securty");
	assert_non_null(strstr(err.message, "did you mean 'safe_security'?"));

	/* A missing parent and cycles are errors at the extends key. */
	write_file(state, "lang5/child/scenario.yaml", "name: child\nextends: nowhere.yaml\n", child);
	memset(&err, 0, sizeof(err));
	assert_null(mf_scenario_load(child, &err));
	assert_true(ends_with(err.file, "child/scenario.yaml"));
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 10);
	assert_string_equal(err.field, "extends");
	write_file(state, "lang5/child/scenario.yaml", "extends: scenario.yaml\nname: child\n", child);
	memset(&err, 0, sizeof(err));
	assert_null(mf_scenario_load(child, &err));
	assert_true(ends_with(err.file, "child/scenario.yaml"));
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, 10);
	assert_non_null(strstr(err.message, "cycle"));
	write_file(state, "lang5/child/a.yaml", "extends: b.yaml\nname: a\n", child);
	write_file(state, "lang5/child/b.yaml", "name: b\nextends: a.yaml\n", parent);
	memset(&err, 0, sizeof(err));
	assert_null(mf_scenario_load(child, &err));
	assert_true(ends_with(err.file, "child/b.yaml"));
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 10);
	assert_non_null(strstr(err.message, "cycle"));
}

/* A key given twice is refused in a file that extends another, at every
 * level, as it is in a file on its own. */
static void test_extends_duplicate_keys(void **state)
{
	char parent[PATH_SIZE], child[PATH_SIZE];
	copy_small_network(state, "lang6/net", NULL, NULL);
	write_file(state, "lang6/parent.yaml",
		   "name: parent\nstart: 2024-01-01\ndays: 10\nseed: 1\n"
		   "network: {places: net/places.csv, links: net/links.csv}\n"
		   "destination: island\nparameters: {safe_security: 0.5}\n", parent);
	const char *children[2] = {
		"extends: parent.yaml\nname: child\nseed: 2\nseed: 3\n",
		"extends: parent.yaml\nname: child\nparameters:\n  safe_security: 0.7\n  safe_security: 0.9\n",
	};
	const int lines[2] = {4, 5}, columns[2] = {1, 3};
	for (int i = 0; i < 2; i++) {
		write_file(state, "lang6/scenario.yaml", children[i], child);
		struct mf_error err = {0};
		struct mf_scenario *sc = mf_scenario_load(child, &err);
		if (sc) {
			mf_scenario_destroy(sc);
			fail_msg("a key given twice in a child was accepted:\n%s", children[i]);
		}
		check_error(child, &err, lines[i], columns[i], NULL, "twice");
	}
}

/* extends chains: each file relative to the one that names it, events in
 * chain order, and at most 16 files. */
static void test_extends_chains(void **state)
{
	char path[PATH_SIZE];
	copy_small_network(state, "lang4/g/net", NULL, NULL);
	write_file(state, "lang4/g/grandparent.yaml",
		   "name: grandparent\nstart: 2024-01-01\ndays: 30\n"
		   "network: {places: net/places.csv, links: net/links.csv}\ndestination: island\n"
		   "parameters: {safe_security: 0.5, displacement_rate: 0.001}\n"
		   "events: [{date: 2024-01-05, kind: closure, place: hub}]\n", path);
	write_file(state, "lang4/p/q/parent.yaml",
		   "extends: ../../g/grandparent.yaml\nname: parent\n"
		   "parameters: {safe_security: 0.6}\n"
		   "events: [{date: 2024-01-05, kind: reopen, place: hub}]\n", path);
	write_file(state, "lang4/c/child.yaml",
		   "extends: ../p/q/parent.yaml\nname: child\n"
		   "parameters: {displacement_rate: 0.002}\n"
		   "events: [{date: 2024-01-05, kind: closure, link: [work, coast]}]\n", path);
	struct mf_scenario *s = load_ok(path);
	assert_string_equal(s->name, "child");
	assert_true(s->params.safe_security == 0.6);
	assert_true(s->params.displacement_rate == 0.002);
	assert_int_equal(s->n_events, 3);
	assert_int_equal(s->events[0].kind, MF_EVENT_CLOSURE);
	assert_int_equal(s->events[0].n_links, 6);
	assert_int_equal(s->events[1].kind, MF_EVENT_REOPEN);
	assert_int_equal(s->events[2].kind, MF_EVENT_CLOSURE);
	assert_int_equal(s->events[2].n_links, 1);
	mf_scenario_destroy(s);

	/* 16 files extend one another: f0 <- f1 <- ... <- f15. */
	copy_small_network(state, "lang4/long/net", NULL, NULL);
	write_file(state, "lang4/long/f0.yaml",
		   "name: f0\nstart: 2024-01-01\ndays: 30\n"
		   "network: {places: net/places.csv, links: net/links.csv}\ndestination: island\n", path);
	for (int i = 1; i < 17; i++) {
		char relative[64], text[128];
		snprintf(relative, sizeof(relative), "lang4/long/f%d.yaml", i);
		snprintf(text, sizeof(text), "extends: f%d.yaml\nname: f%d\nseed: %d\n", i - 1, i, i);
		write_file(state, relative, text, path);
		struct mf_error err = {0};
		s = mf_scenario_load(path, &err);
		if (i < 16) {
			if (!s) {
				char message[1024];
				fail_msg("a chain of %d files: %s", i + 1, mf_error_format(&err, message, sizeof(message)));
			}
			assert_true(s->seed == (uint64_t)i);
			mf_scenario_destroy(s);
		} else {
			/* The 17th file is refused at the extends key that reaches it. */
			if (s) {
				mf_scenario_destroy(s);
				fail_msg("a chain of 17 files was accepted");
			}
			assert_int_equal(err.code, MF_ERR_INPUT);
			assert_string_equal(err.field, "extends");
			assert_int_equal(err.line, 1);
			assert_int_equal(err.column, 10);
			assert_non_null(strstr(err.message, "16"));
		}
	}
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
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_bad_dates),
		cmocka_unit_test(test_unknown_places),
		cmocka_unit_test(test_missing_keys),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_duplicate_stay_days),
		cmocka_unit_test(test_missing_network_file),
		cmocka_unit_test(test_yaml_syntax),
		cmocka_unit_test(test_yaml_alias_and_depth),
		cmocka_unit_test(test_empty_and_binary),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_invalid_utf8_position),
		cmocka_unit_test(test_extends_merges_appends_replaces),
		cmocka_unit_test(test_extends_days_replace_end),
		cmocka_unit_test(test_extends_baseline_for_a_year),
		cmocka_unit_test(test_extends_network_paths_per_file),
		cmocka_unit_test(test_extends_errors_name_their_file),
		cmocka_unit_test(test_extends_duplicate_keys),
		cmocka_unit_test(test_extends_chains),
		cmocka_unit_test(test_every_event_kind),
		cmocka_unit_test(test_policies_expand_into_events),
		cmocka_unit_test(test_resolved_text_loads_again),
		cmocka_unit_test(test_long_directory_names),
		cmocka_unit_test(test_event_files_outlive_loading),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
